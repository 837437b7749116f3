"""The sample worlds tests build on, one fixture each (registered for every test by
``tests/conftest.py``):

* ``team``: the small hand-made team (a manager, workers, a child) on a fresh profile;
* ``world``: the assurance world (two teams, a service manager, an auditor, a year of
  records) dated by ``tests.assurance.world.TODAY``;
* ``chronology_world``: a child with a history of records for the chronology and exports;
* ``pinned_clock``: the clock pinned to :data:`PINNED_NOW` (and ticking from there), for
  tests whose answers depend on the date, so none of them flakes near midnight, at a
  month's end or on a bank holiday. Use it for a whole module with
  ``pytestmark = pytest.mark.usefixtures("pinned_clock")``.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from freezegun import freeze_time

PINNED_NOW = datetime(2026, 3, 11, 12, 0, tzinfo=timezone.utc)
"""A Wednesday at noon in London, weeks from a bank holiday, a month's end or a clock change."""


# pytest times each test with _pytest.timing's own references to the clock functions;
# freezegun would swap those too, and --durations would report the frozen clock's times
PYTEST_OWN_CLOCKS = ["_pytest.timing"]


def bind_cryptography_to_real_datetime() -> None:
    """Build one throwaway certificate with the real clock before any test freezes it.

    cryptography's Rust side looks up ``datetime.datetime`` once per process and keeps it. If
    that first look-up happens inside ``freeze_time`` it keeps freezegun's ``FakeDatetime``,
    and every later certificate built from a real ``datetime`` in that process fails with
    "'datetime' object is not an instance of 'FakeDatetime'". Which test runs first in a
    process depends on how pytest-xdist shares files out, so without this the failure came and
    went between runs. Bound to the real class, a ``FakeDatetime`` (a subclass) still passes.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "clock warm-up")])
    now = datetime.now(timezone.utc)
    (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now)
        .sign(key, hashes.SHA256())
    )


bind_cryptography_to_real_datetime()


@pytest.fixture
def pinned_clock():
    with freeze_time(PINNED_NOW, tick=True, ignore=PYTEST_OWN_CLOCKS) as clock:
        yield clock


@pytest.fixture
def team(database):
    from tests.gui.sample_team import build_sample_team

    return build_sample_team(database)


@pytest.fixture
def world(database):
    import supervision_app.store.assurance_models  # noqa: F401  (until models.py imports it)
    from tests.assurance.world import build_world

    return build_world(database)


@pytest.fixture
def chronology_world(database):
    from tests.records.chronology_world import build_chronology_world

    return build_chronology_world(database)

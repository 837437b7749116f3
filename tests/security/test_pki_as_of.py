"""Revocation judged as of the validation time (issue 20): a signature proven to exist
before its certificate was revoked stands; one made after does not; and a revocation list
is read at the time it is asked about, never by the wall clock."""
from __future__ import annotations

import datetime as dt

import pytest

from supervision_app.security import pki

UTC = dt.timezone.utc
START = dt.datetime(2020, 1, 6, 9, 0, tzinfo=UTC)
SIGNED = dt.datetime(2020, 3, 2, 10, 0, tzinfo=UTC)  # the proven signing time
REVOKED = dt.datetime(2020, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def ca_and_cert():
    ca = pki.create_ca("Test CA", "Test Council", not_before=START)
    key = pki.generate_user_key()
    cert = ca.issue_user_certificate(key.public_key(), "Pat Example", "staff-1", "Team manager",
                                     not_before=START)
    return ca, cert


def test_a_revocation_after_the_proven_time_does_not_spoil_the_signature(ca_and_cert):
    ca, cert = ca_and_cert
    ca.revoke(cert.serial_number, REVOKED)
    crl = ca.crl(now=REVOKED + dt.timedelta(days=1))
    pki.check_can_sign(cert, ca.certificate, crl, SIGNED, as_of=SIGNED)  # valid as of then
    status = pki.revocation_status(cert, ca.certificate, crl, SIGNED)
    assert status.state == "revoked_later" and status.revoked_at == REVOKED and not status.revoked
    # Signing now (no as-of time) a listed certificate is refused, whatever the date.
    with pytest.raises(pki.CertificateUnusable, match="revoked on 1 June 2020"):
        pki.check_can_sign(cert, ca.certificate, crl, SIGNED)


def test_a_signature_made_after_the_revocation_is_refused_as_of_its_time(ca_and_cert):
    ca, cert = ca_and_cert
    ca.revoke(cert.serial_number, REVOKED)
    crl = ca.crl(now=REVOKED + dt.timedelta(days=1))
    later = REVOKED + dt.timedelta(hours=1)
    with pytest.raises(pki.CertificateUnusable, match="revoked"):
        pki.check_can_sign(cert, ca.certificate, crl, later, as_of=later)
    assert pki.revocation_status(cert, ca.certificate, crl, later).revoked


def test_a_revocation_list_is_read_at_the_validation_time_not_the_wall_clock():
    ca = pki.create_ca("Clock CA", "Test Council", not_before=START)
    cert = ca.issue_user_certificate(pki.generate_user_key().public_key(), "Sam Example", "staff-2",
                                     "Social worker", not_before=START)
    issued = dt.datetime(2020, 3, 1, tzinfo=UTC)
    crl = ca.crl(next_update_days=7, now=issued)  # long out of date by the wall clock
    assert crl.last_update_utc < issued  # issued with the CA's clock-skew allowance
    # Current at the signing time: it speaks for it (the wall clock would call it stale).
    assert pki.revocation_status(cert, ca.certificate, crl, SIGNED).state == "good"
    # Issued after a time: it speaks for that time too.
    assert pki.revocation_status(cert, ca.certificate, crl, issued - dt.timedelta(days=30)).state == "good"
    # Superseded before a time: it cannot say.
    after = issued + dt.timedelta(days=30)
    assert pki.revocation_status(cert, ca.certificate, crl, after).state == "unknown"


def test_a_list_from_another_authority_is_refused(ca_and_cert):
    ca, cert = ca_and_cert
    other = pki.create_ca("Other CA", "Elsewhere", not_before=START)
    with pytest.raises(pki.CertificateUnusable, match="not signed by this organisation"):
        pki.revocation_status(cert, ca.certificate, other.crl(now=SIGNED), SIGNED)
    with pytest.raises(pki.CertificateUnusable, match="not signed by this organisation"):
        pki.check_can_sign(cert, ca.certificate, other.crl(now=SIGNED), SIGNED, as_of=SIGNED)

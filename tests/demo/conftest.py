"""One demo profile for the whole package, built as the app builds it: first start signs the
recent records, the background signing of the rest of the year is interrupted part-way (as
closing the demo would), and the window's own start-up resumes it and is waited for.

Signing a year of records takes about a minute on the 2-core CI machine, so both modules
read this one profile (its tests only read it; the generator's tests built a second one
before). ``tests/longest_first.py`` hands the package to one CI worker as a whole, so it
is built once per run."""
from __future__ import annotations

import logging
from threading import Event

import keyring
import pytest

from supervision_app.demo.generator import populate_team_demo
from supervision_app.demo.signing_backlog import (
    has_backlog,
    load_backlog,
    running_backlogs,
    sign_backlog,
    stop_backlog_signing,
)
from supervision_app.security import pki
from supervision_app.security.credentials import CredentialStore
from supervision_app.security.secret_store import SecretStore
from supervision_app.store.database import open_database
from tests.demo.signed_demo import INTERRUPTED_AFTER, TODAY, Logged, locked_without_pdf
from tests.memory_keyring import MemoryKeyring


@pytest.fixture(scope="package")
def signed_demo(tmp_path_factory, qapp):
    """(database, the generator's summary, the profile's CA certificate, facts seen on the
    way, every message logged meanwhile)."""
    from supervision_app.gui.app import build_window

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    logged = Logged()
    logger = logging.getLogger("supervision_app")
    logger.addHandler(logged)
    level = logger.level
    logger.setLevel(logging.DEBUG)
    db = open_database(tmp_path_factory.mktemp("signed-demo") / "profile")
    facts: dict = {}
    try:
        summary = populate_team_demo(db, today=TODAY)
        backlog = load_backlog(db)
        facts.update(backlog=backlog, first_start_unsigned=locked_without_pdf(db))
        # the demo closed part-way through its background signing
        stop = Event()
        facts["taken_first"] = sign_backlog(
            db, stop, on_step=lambda n: stop.set() if n == INTERRUPTED_AFTER else None)
        facts["kept_after_interruption"] = has_backlog(db) and len(load_backlog(db)) == len(backlog)
        # next start: the window's start-up resumes it on a worker thread
        window = build_window(db, summary.manager_id)
        runs = running_backlogs()
        facts["runs_started"] = len(runs)
        assert runs and runs[0].finished.wait(900)
        facts["run"] = runs[0]
        window.close()
        window.ctx.tasks.wait()
        stop_backlog_signing()
        store = CredentialStore(db.profile.folder, SecretStore(db.profile.profile_id))
        ca = pki.load_certificate(store.ca_certificate_pem())
        yield db, summary, ca, facts, logged.lines
    finally:
        stop_backlog_signing()
        logger.removeHandler(logged)
        logger.setLevel(level)
        db.close()
        keyring.set_keyring(previous)

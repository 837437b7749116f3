"""A signing certificate near its end is warned of in words and replaced at sync with a new
key; an expired one stops signing and is replaced at the next sync. The laptop's clock is
moved (``SyncClient.clock``, the signing ``now``); nothing waits."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from supervision_app.gui.sync_panel import describe
from supervision_app.records.signoff import sign_oversight_note
from supervision_app.security.credentials import CredentialStore, CredentialsUnavailable
from supervision_app.security.secret_store import SecretStore
from supervision_app.sync.server.certificates import SUPERSEDED
from tests.sync import records as r
from tests.sync.harness import CA_PASSPHRASE, REPO


def _enrolled(laptop) -> CredentialStore:
    profile = laptop.db.profile
    store = CredentialStore(profile.folder, SecretStore(profile.profile_id))
    laptop.client.credentials = store
    assert laptop.client.ensure_signing_certificate(store).action == "enrolled"
    return store


def _at(days: int):
    moment = datetime.now(timezone.utc) + timedelta(days=days)
    return lambda: moment


def _listed(deployment, username: str) -> dict[str, dict]:
    env = dict(os.environ, SUPERVISION_SERVER_CA_PASSPHRASE=CA_PASSPHRASE)
    done = subprocess.run(
        [sys.executable, "-m", "supervision_app.sync.server.cli", "--database-url",
         deployment.database_url, "--log-level", "warning", "list-certificates", username, "--json"],
        cwd=REPO, capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    return {entry["serial"]: entry for entry in json.loads(done.stdout)}


def test_a_certificate_ending_within_30_days_is_warned_of_and_renewed_at_sync(deployment, laptops):
    sw = deployment.org.ids["sw_a2"]
    laptop = laptops("sw_a2")
    store = _enrolled(laptop)
    old = store.credentials_for(sw)

    laptop.client.clock = _at(710)  # 730-day certificates: about 20 days left
    days_left = (old.certificate.not_valid_after_utc - laptop.client.clock()).days
    assert 18 <= days_left <= 20
    status = laptop.client.status()
    assert status.certificate_status == "renew_soon"
    view = describe(status, None, True)
    assert f"signing certificate expires in {days_left} days" in view.text
    assert "expires on" in view.detail and "next sync" in view.detail

    laptop.client.sync()
    new = store.credentials_for(sw)
    assert new.certificate.serial_number != old.certificate.serial_number
    assert new.key.public_key().public_numbers() != old.key.public_key().public_numbers()
    assert [c.serial_number for c in store.retired_certificates(sw)] == [old.certificate.serial_number]
    listed = _listed(deployment, "sw_a2")
    assert listed[str(old.certificate.serial_number)]["revoked_reason"] == SUPERSEDED
    assert listed[str(new.certificate.serial_number)]["revoked_at"] is None

    # the server's clock says the new one is young; the laptop's, that it too ends soon:
    # renewed once today, not at every sync
    laptop.client.sync()
    assert store.credentials_for(sw).certificate.serial_number == new.certificate.serial_number


def test_an_expired_certificate_stops_signing_and_is_replaced_at_the_next_sync(deployment, laptops, monkeypatch):
    org = deployment.org
    tm = org.ids["tm_b"]
    monkeypatch.setenv("SUPERVISION_SERVER_CERTIFICATE_DAYS", "40")  # IT once issued short ones
    deployment.server.restart()
    try:
        laptop = laptops("tm_b")
        store = _enrolled(laptop)
    finally:
        monkeypatch.delenv("SUPERVISION_SERVER_CERTIFICATE_DAYS")
        deployment.server.restart()
    old = store.credentials_for(tm).certificate
    assert 39 <= (old.not_valid_after_utc - datetime.now(timezone.utc)).days <= 40

    later = _at(41)
    laptop.client.clock = later
    note_id = r.new_note(laptop, child=org.children["b"], author=tm, decision="keep the plan",
                         rationale="it is working")
    with pytest.raises(CredentialsUnavailable, match="expired"):
        sign_oversight_note(laptop.db, store, note_id=note_id, signer_id=tm, now=later)
    status = laptop.client.status()
    assert status.certificate_status == "expired" and "expired on" in status.certificate_notice
    assert "Get a new signing certificate" in describe(status, None, True).detail

    laptop.client.sync()
    sign_oversight_note(laptop.db, store, note_id=note_id, signer_id=tm, now=later)
    assert [c.serial_number for c in store.retired_certificates(tm)] == [old.serial_number]
    assert laptop.client.status().certificate_status == "ok"

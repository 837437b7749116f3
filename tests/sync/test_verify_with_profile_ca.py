"""``supervision-app verify FILE.pdf`` on the laptop that signed and saved the PDF trusts the
organisation CA kept in its profile at enrolment, with no ``--ca``; ``--ca`` still overrides;
with neither it says in words where the certificate comes from."""
from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import select

from supervision_app.records.signoff import sign_oversight_note
from supervision_app.security import pki
from supervision_app.security.credentials import CredentialStore
from supervision_app.security.secret_store import SecretStore
from supervision_app.store import models as m
from tests.sync import records as r
from tests.sync.harness import REPO


def _app(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    return subprocess.run([sys.executable, "-m", "supervision_app.cli", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120, env=env)


def test_verify_finds_the_profile_ca_without_being_told(deployment, laptops, tmp_path):
    org = deployment.org
    laptop = laptops("tm_a")
    profile = laptop.db.profile
    store = CredentialStore(profile.folder, SecretStore(profile.profile_id))
    laptop.client.credentials = store
    laptop.client.ensure_signing_certificate(store)
    note_id = r.new_note(laptop, child=org.children["a"], author=org.ids["tm_a"],
                         decision="keep the plan", rationale="it is working")
    sign_oversight_note(laptop.db, store, note_id=note_id, signer_id=org.ids["tm_a"])
    with laptop.db.reading() as s:  # what "Save signed PDF" writes
        pdf = s.execute(select(m.RecordDocument.pdf).where(m.RecordDocument.record_id == note_id)).scalar_one()
    exported = tmp_path / "oversight-note.pdf"
    exported.write_bytes(pdf)
    folder = str(profile.folder)

    checked = _app("--data-dir", folder, "verify", str(exported))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert _app("verify", str(exported), "--data-dir", folder).returncode == 0

    # --ca overrides the profile's: another CA does not vouch for this signature
    stranger = tmp_path / "stranger-ca.pem"
    stranger.write_bytes(pki.create_ca("Someone Else CA", "Elsewhere").certificate_pem())
    overridden = _app("--data-dir", folder, "verify", str(exported), "--ca", str(stranger))
    assert overridden.returncode == 1, overridden.stdout + overridden.stderr

    # a computer with no profile CA and no --ca: exit 2, in words
    empty = tmp_path / "no-profile"
    missing = _app("--data-dir", str(empty), "verify", str(exported))
    assert missing.returncode == 2
    assert "no organisation CA certificate" in missing.stderr and "--ca" in missing.stderr
    assert "Traceback" not in missing.stderr
    # ...and with the CA saved for them, someone outside can check it
    given = tmp_path / "organisation-ca.pem"
    given.write_bytes(store.ca_certificate_pem())
    assert _app("--data-dir", str(empty), "verify", str(exported), "--ca", str(given)).returncode == 0

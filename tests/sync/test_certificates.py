"""Certificates from the server's organisation CA: a signed-in user's key is certified for
them (never for whom the request claims), the CA certificate and revocation list are
served, a certificate revoked on the server stops signing on the laptop at its next sync,
and the server refuses signatures made with a revoked or foreign certificate."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from supervision_app.records.signoff import sign_oversight_note
from supervision_app.security import pki
from supervision_app.security.credentials import CredentialStore, CredentialsUnavailable
from supervision_app.security.secret_store import SecretStore
from supervision_app.store import models as m
from tests.sync import records as r
from tests.sync.harness import CA_PASSPHRASE, PASSWORD, REPO


def _store(laptop) -> CredentialStore:
    profile = laptop.db.profile
    return CredentialStore(profile.folder, SecretStore(profile.profile_id))


def _cli(deployment, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, SUPERVISION_SERVER_CA_PASSPHRASE=CA_PASSPHRASE)
    return subprocess.run(
        [sys.executable, "-m", "supervision_app.sync.server.cli", "--database-url",
         deployment.database_url, "--log-level", "warning", *args],
        cwd=REPO, capture_output=True, text=True, timeout=60, env=env)


def _uid(certificate: x509.Certificate) -> str:
    return certificate.subject.get_attributes_for_oid(NameOID.USER_ID)[0].value


def _outcome(deployment, row_id: str) -> tuple[str, str] | None:
    from sqlalchemy import text

    with deployment.engine.connect() as conn:
        return conn.execute(text("select status, reason from mutation where record_id = :i"),
                            {"i": row_id}).first()


def test_certificate_is_issued_for_the_signed_in_person_whatever_the_request_claims(deployment, laptops):
    org = deployment.org
    laptop = laptops("sw_a1")
    token = laptop.client.secrets.get("sync-token")
    key = pki.generate_user_key()
    csr = pki.make_csr(key, "Head Of Service").public_bytes(serialization.Encoding.PEM).decode()
    answer = httpx.post(f"{deployment.url}/v1/certificates", json={"csr_pem": csr},
                        headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    issued = pki.load_certificate(answer.json()["certificate_pem"].encode())
    assert _uid(issued) == org.ids["sw_a1"]
    assert issued.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "SW_A1"
    assert issued.subject.get_attributes_for_oid(NameOID.TITLE)[0].value == "social_worker"
    ca_pem = httpx.get(f"{deployment.url}/v1/ca").content
    assert answer.json()["ca_certificate_pem"].encode() == ca_pem
    issued.verify_directly_issued_by(pki.load_certificate(ca_pem))

    # the client's way: key made on the laptop, certificate and CA installed, CRL saved
    store = _store(laptop)
    certificate = laptop.client.enrol_certificate(store)
    assert _uid(certificate) == org.ids["sw_a1"]
    credentials = store.credentials_for(org.ids["sw_a1"])
    assert credentials.crl is not None
    credentials.check_usable(datetime.now(timezone.utc))
    assert store.ca_certificate_pem() == ca_pem

    # hostile or unauthenticated requests: 4xx in words
    assert httpx.post(f"{deployment.url}/v1/certificates", json={"csr_pem": csr}).status_code == 401
    for body in ({"csr_pem": "not a csr"}, {"csr_pem": "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n"},
                 {"csr_pem": "x" * 9000}, {"csr": csr}):
        bad = httpx.post(f"{deployment.url}/v1/certificates", json=body,
                         headers={"Authorization": f"Bearer {token}"})
        assert bad.status_code == 422 and bad.json()["error"], body
    # the revocation list is served with an ETag, and 304 when unchanged
    crl = httpx.get(f"{deployment.url}/v1/crl")
    assert crl.status_code == 200 and b"BEGIN X509 CRL" in crl.content
    again = httpx.get(f"{deployment.url}/v1/crl", headers={"If-None-Match": crl.headers["ETag"]})
    assert again.status_code == 304


def _rejections(deployment, staff_id: str) -> list[str]:
    from sqlalchemy import text

    with deployment.engine.connect() as conn:
        return [row.reason for row in conn.execute(
            text("select reason from mutation where staff_id = :s and status = 'rejected'"),
            {"s": staff_id})]


def _note(laptop, org, author: str = "tm_a") -> str:
    return r.new_note(laptop, child=org.children["a"], author=org.ids[author],
                      decision="keep the plan", rationale="it is working")


def _enrolled(laptop) -> CredentialStore:
    """The laptop's credential store after signing in: the app's sign-in calls this."""
    store = _store(laptop)
    laptop.client.credentials = store
    outcome = laptop.client.ensure_signing_certificate(store)
    assert outcome.action == "enrolled", outcome
    return store


def _public(store, staff_id):
    return store.credentials_for(staff_id).key.public_key().public_numbers()


def _listed(deployment, username: str) -> list[dict]:
    import json

    listed = _cli(deployment, "list-certificates", username, "--json")
    assert listed.returncode == 0, listed.stderr
    return json.loads(listed.stdout)


def test_revoked_certificate_stops_signing_with_the_reason_until_the_person_signs_in_again(deployment, laptops):
    org = deployment.org
    tm_a = org.ids["tm_a"]
    laptop = laptops("tm_a")
    store = _enrolled(laptop)
    first_key = _public(store, tm_a)
    first_serial = store.credentials_for(tm_a).certificate.serial_number
    sign_oversight_note(laptop.db, store, note_id=_note(laptop, org), signer_id=tm_a)
    assert laptop.client.sync().rejected == 0

    # a second laptop of the same person signs offline before the revocation reaches it
    other = laptops("tm_a")
    other_store = _enrolled(other)
    sign_oversight_note(other.db, other_store, note_id=_note(other, org), signer_id=tm_a)

    completed = _cli(deployment, "revoke-certificate", "tm_a", "--reason", "laptop left on a train")
    assert completed.returncode == 0, completed.stderr
    assert int(completed.stdout.strip()) == 2

    # at the next sync the laptop learns it: signing is refused, with the reason, and the
    # laptop's saved sign-in is not enough to get a new certificate
    laptop.client.sync()
    with pytest.raises(CredentialsUnavailable, match="revoked"):
        sign_oversight_note(laptop.db, store, note_id=_note(laptop, org), signer_id=tm_a)
    status = laptop.client.status()
    assert status.certificate_status == "refused_signin"
    assert "laptop left on a train" in status.certificate_notice
    assert "Sign in again" in status.certificate_notice
    refused = laptop.client.renew_certificate(store)
    assert refused.action == "refused" and "Sign in again" in refused.message
    assert store.credentials_for(tm_a).certificate.serial_number == first_serial

    # the laptop that signed offline: the server refuses the signature and says why
    report = other.client.sync()
    assert report.rejected >= 1
    assert any("revoked" in reason for reason in _rejections(deployment, tm_a))

    # signing in again re-enrols: a new key and certificate; the old certificate is kept,
    # its key gone; signing works and the server accepts it
    laptop.client.login("tm_a", PASSWORD)
    outcome = laptop.client.ensure_signing_certificate(store)
    assert outcome.action == "renewed", outcome
    assert _public(store, tm_a) != first_key
    assert [c.serial_number for c in store.retired_certificates(tm_a)] == [first_serial]
    note_id = _note(laptop, org)
    sign_oversight_note(laptop.db, store, note_id=note_id, signer_id=tm_a)
    before = len(_rejections(deployment, tm_a))
    assert laptop.client.sync().rejected == 0
    assert len(_rejections(deployment, tm_a)) == before
    assert laptop.client.status().certificate_notice == ""

    listed = _listed(deployment, "tm_a")
    by_serial = {entry["serial"]: entry for entry in listed}
    assert by_serial[str(first_serial)]["revoked_reason"] == "laptop left on a train"
    assert by_serial[str(first_serial)]["revoked_at"]
    new_serial = str(store.credentials_for(tm_a).certificate.serial_number)
    assert by_serial[new_serial]["revoked_at"] is None
    assert by_serial[new_serial]["fingerprint"].count(":") == 31
    text = _cli(deployment, "list-certificates", "tm_a")
    assert text.returncode == 0 and "laptop left on a train" in text.stdout and new_serial in text.stdout


def test_allow_new_certificate_replaces_the_key_at_the_next_sync(deployment, laptops):
    org = deployment.org
    sw = org.ids["sw_a1"]
    laptop = laptops("sw_a1")
    store = _enrolled(laptop)
    old_key, old_serial = _public(store, sw), store.credentials_for(sw).certificate.serial_number

    helped = _cli(deployment, "allow-new-certificate", "--help")
    assert helped.returncode == 0 and "never holds" in helped.stdout and "example" in helped.stdout
    allowed = _cli(deployment, "allow-new-certificate", "sw_a1", "--reason", "name changed")
    assert allowed.returncode == 0, allowed.stderr
    assert int(allowed.stdout.strip()) >= 1  # every live one (an earlier test enrolled sw_a1 too)

    laptop.client.sync()  # no sign-in: the administrator allowed it
    assert _public(store, sw) != old_key
    credentials = store.credentials_for(sw)
    credentials.check_usable(datetime.now(timezone.utc))
    assert credentials.certificate.serial_number != old_serial
    assert laptop.client.status().certificate_notice == ""
    reasons = {e["serial"]: e["revoked_reason"] for e in _listed(deployment, "sw_a1")}
    assert reasons[str(old_serial)] == "name changed"
    assert reasons[str(credentials.certificate.serial_number)] is None

    # a later revocation is not covered by that leave
    assert _cli(deployment, "revoke-certificate", "sw_a1").returncode == 0
    laptop.client.sync()
    assert laptop.client.status().certificate_status == "refused_signin"
    unknown = _cli(deployment, "allow-new-certificate", "nobody")
    assert unknown.returncode == 1 and "no account" in unknown.stderr


def test_server_refuses_signatures_made_under_another_ca(deployment, laptops):
    """A profile that signed with its own demo CA (standalone) and then syncs: refused."""
    org = deployment.org
    laptop = laptops("tm_b")
    store = _store(laptop)
    store.ensure_local_credentials(org.ids["tm_b"], "TM_B", "team_manager")
    note_id = r.new_note(laptop, child=org.children["b"], author=org.ids["tm_b"],
                         decision="close", rationale="safe now")
    sign_oversight_note(laptop.db, store, note_id=note_id, signer_id=org.ids["tm_b"])
    assert laptop.client.sync().rejected >= 1
    assert any("not issued" in reason for reason in _rejections(deployment, org.ids["tm_b"]))


def test_signing_in_again_right_after_a_revocation_re_enrols_before_any_sync(deployment, laptops):
    hos = deployment.org.ids["hos"]
    laptop = laptops("hos")
    store = _enrolled(laptop)
    old_serial = store.credentials_for(hos).certificate.serial_number
    assert _cli(deployment, "revoke-certificate", "hos").returncode == 0
    laptop.client.login("hos", PASSWORD)  # what Sync > Sign in does, then:
    outcome = laptop.client.ensure_signing_certificate(store)
    assert outcome.action == "renewed", outcome
    credentials = store.credentials_for(hos)
    assert credentials.certificate.serial_number != old_serial
    credentials.check_usable(datetime.now(timezone.utc))


def test_a_key_whose_passphrase_left_the_keyring_is_replaced_from_the_app(deployment, laptops):
    org = deployment.org
    sw = org.ids["sw_b1"]
    laptop = laptops("sw_b1")
    store = _enrolled(laptop)
    SecretStore(laptop.db.profile.profile_id).delete(f"signing-key:{sw}")  # a keyring reset
    with pytest.raises(CredentialsUnavailable, match="Get a new signing certificate"):
        store.credentials_for(sw)
    assert laptop.client.renew_certificate(store).action == "renewed"  # Sync > Get a new ...
    store.credentials_for(sw).check_usable(datetime.now(timezone.utc))


def test_disabling_an_account_revokes_its_certificates(deployment, laptops):
    laptop = laptops("sm")
    store = _enrolled(laptop)
    serial = str(store.credentials_for(deployment.org.ids["sm"]).certificate.serial_number)
    disabled = _cli(deployment, "disable-user", "sm")
    assert disabled.returncode == 0, disabled.stderr
    [entry] = _listed(deployment, "sm")
    assert (entry["serial"], entry["revoked_reason"]) == (serial, "account disabled")
    assert entry["revoked_at"]


def test_ca_rotation_and_admin_commands(deployment, laptops):
    """Last in this module: it replaces the deployment's CA."""
    org = deployment.org
    laptop = laptops("sw_b1")
    store = _store(laptop)
    laptop.client.enrol_certificate(store)
    laptop.client.credentials = store
    old_ca = store.ca_certificate_pem()
    old_key = _public(store, org.ids["sw_b1"])
    refused = _cli(deployment, "create-ca", "--organisation", "Test Council")
    assert refused.returncode == 1 and "rotate" in refused.stderr
    no_passphrase = subprocess.run(
        [sys.executable, "-m", "supervision_app.sync.server.cli", "--database-url",
         deployment.database_url, "revoke-certificate", "sw_b1"],
        cwd=REPO, capture_output=True, text=True, timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("SUPERVISION_SERVER_CA")})
    assert no_passphrase.returncode == 1 and "passphrase" in no_passphrase.stderr
    rotated = _cli(deployment, "create-ca", "--organisation", "Test Council", "--rotate")
    assert rotated.returncode == 0, rotated.stderr
    assert CA_PASSPHRASE not in rotated.stdout + rotated.stderr
    laptop.client.sync()  # the new CA's list does not match: the laptop enrols a new key
    assert store.ca_certificate_pem() != old_ca
    assert _public(store, org.ids["sw_b1"]) != old_key
    kept = list((laptop.db.profile.folder / "ca" / "retired").glob("*.pem"))
    assert [path.read_bytes() for path in kept] == [old_ca]  # for records signed under it
    assert store.ca_certificate_pem() == httpx.get(f"{deployment.url}/v1/ca").content
    store.credentials_for(org.ids["sw_b1"]).check_usable(datetime.now(timezone.utc))
    log = deployment.server.log_path.read_text()
    assert "op=issue_certificate" in log and CA_PASSPHRASE not in log


def _app(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "supervision_app.cli", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def test_a_record_signed_before_a_ca_rotation_still_verifies_with_the_profile(deployment, laptops, tmp_path):
    """After the rotation above: sign under the new CA, rotate again, and verify the PDF with
    no --ca: the profile kept the CA it was signed under."""
    from sqlalchemy import select

    org = deployment.org
    laptop = laptops("tm_b")
    store = _enrolled(laptop)
    note_id = r.new_note(laptop, child=org.children["b"], author=org.ids["tm_b"],
                         decision="keep the plan", rationale="it is working")
    sign_oversight_note(laptop.db, store, note_id=note_id, signer_id=org.ids["tm_b"])
    with laptop.db.reading() as s:
        pdf = s.execute(select(m.RecordDocument.pdf).where(m.RecordDocument.record_id == note_id)).scalar_one()
    exported = tmp_path / "note.pdf"
    exported.write_bytes(pdf)
    signed_under = tmp_path / "signed-under.pem"
    signed_under.write_bytes(store.ca_certificate_pem())

    assert _cli(deployment, "create-ca", "--organisation", "Test Council", "--rotate").returncode == 0
    laptop.client.sync()
    now_current = tmp_path / "current.pem"
    now_current.write_bytes(store.ca_certificate_pem())
    assert now_current.read_bytes() != signed_under.read_bytes()

    folder = str(laptop.db.profile.folder)
    assert _app("--data-dir", folder, "verify", str(exported), "--ca", str(now_current)).returncode == 1
    checked = _app("--data-dir", folder, "verify", str(exported))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "earlier CA certificate" in checked.stdout

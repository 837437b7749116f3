"""Certificates from the server's organisation CA: a signed-in user's key is certified for
them (never for whom the request claims), the CA certificate and revocation list are
served, a certificate revoked on the server stops signing on the laptop at its next sync,
and the server refuses signatures made with a revoked or foreign certificate."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
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
from tests.sync.harness import CA_PASSPHRASE, REPO


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


def _signed_session(laptop, org, certificate_pem: str, signer: str = "tm_a") -> tuple[str, str]:
    """A shared session moved to supervisor_signed with a signature carrying ``certificate_pem``."""
    sid = r.new_session(laptop, supervisor=org.ids["tm_a"], supervisee=org.ids["sw_a1"],
                        team=org.teams["A"])
    r.edit(laptop, m.SupervisionSession, sid, state="shared")
    laptop.client.sync()
    signature_id = str(uuid.uuid4())
    with laptop.db.transaction() as s:
        s.get(m.SupervisionSession, sid).state = "supervisor_signed"
        s.add(m.Signature(id=signature_id, record_kind="supervision", record_id=sid,
                          signer_id=org.ids[signer], signer_role="supervisor",
                          signed_at=datetime.now(timezone.utc), digest="ab" * 32,
                          certificate_pem=certificate_pem))
    return sid, signature_id


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


def test_a_certificate_revoked_on_the_server_stops_signing_at_the_next_sync(deployment, laptops):
    org = deployment.org
    laptop = laptops("tm_a")
    store = _store(laptop)
    certificate = laptop.client.enrol_certificate(store)
    cert_pem = pki.certificate_to_pem(certificate).decode()

    # a signature made with it is accepted by the server
    sid, signature_id = _signed_session(laptop, org, cert_pem)
    assert laptop.client.sync().rejected == 0
    assert _outcome(deployment, signature_id)[0] == "applied"

    # and real signing works here (PDF and all)
    note_id = r.new_note(laptop, child=org.children["a"], author=org.ids["tm_a"],
                         decision="keep the plan", rationale="it is working")
    sign_oversight_note(laptop.db, store, note_id=note_id, signer_id=org.ids["tm_a"])

    completed = _cli(deployment, "revoke-certificate", "tm_a")
    assert completed.returncode == 0, completed.stderr
    assert int(completed.stdout.strip()) >= 1
    laptop.client.sync()  # fetches the new revocation list

    with pytest.raises(CredentialsUnavailable, match="revoked"):
        store.credentials_for(org.ids["tm_a"]).check_usable(datetime.now(timezone.utc))
    other_id = r.new_note(laptop, child=org.children["a"], author=org.ids["tm_a"],
                          decision="close", rationale="done")
    with pytest.raises(CredentialsUnavailable, match="revoked"):
        sign_oversight_note(laptop.db, store, note_id=other_id, signer_id=org.ids["tm_a"])

    # a signature made with the revoked certificate (on a laptop that had not synced) is refused
    other_laptop = laptops("tm_a")
    _sid, late_signature = _signed_session(other_laptop, org, cert_pem)
    report = other_laptop.client.sync()
    assert report.rejected == 1
    status, reason = _outcome(deployment, late_signature)
    assert status == "rejected" and "revoked" in reason

    # a new certificate signs again
    laptop.client.enrol_certificate(store)
    store.credentials_for(org.ids["tm_a"]).check_usable(datetime.now(timezone.utc))


def test_server_refuses_signatures_with_a_foreign_or_borrowed_certificate(deployment, laptops):
    org = deployment.org
    laptop = laptops("tm_a")
    foreign = pki.create_ca("Not Our CA", "Elsewhere")
    key = pki.generate_user_key()
    forged = foreign.issue_user_certificate(key.public_key(), "TM_A", org.ids["tm_a"], "team_manager")
    _sid, signature_id = _signed_session(laptop, org, pki.certificate_to_pem(forged).decode())
    assert laptop.client.sync().rejected == 1
    status, reason = _outcome(deployment, signature_id)
    assert status == "rejected" and "not issued" in reason

    worker = laptops("sw_a2")
    borrowed = worker.client.enrol_certificate(_store(worker))
    _sid, signature_id = _signed_session(laptop, org, pki.certificate_to_pem(borrowed).decode())
    assert laptop.client.sync().rejected == 1
    status, reason = _outcome(deployment, signature_id)
    assert status == "rejected" and "someone else" in reason

    _sid, signature_id = _signed_session(laptop, org, "")
    assert laptop.client.sync().rejected == 1
    assert "no certificate" in _outcome(deployment, signature_id)[1]


def test_ca_rotation_and_admin_commands(deployment, laptops):
    """Last in this module: it replaces the deployment's CA."""
    org = deployment.org
    laptop = laptops("sw_b1")
    store = _store(laptop)
    laptop.client.enrol_certificate(store)
    old_ca = store.ca_certificate_pem()
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
    laptop.client.sync()  # the new CA's list does not match: the laptop enrols again
    assert store.ca_certificate_pem() != old_ca
    assert store.ca_certificate_pem() == httpx.get(f"{deployment.url}/v1/ca").content
    store.credentials_for(org.ids["sw_b1"]).check_usable(datetime.now(timezone.utc))
    log = deployment.server.log_path.read_text()
    assert "op=issue_certificate" in log and CA_PASSPHRASE not in log

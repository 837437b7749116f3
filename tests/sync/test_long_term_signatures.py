"""Signed records stay provable for decades (issue 20), through a real server process:

- the server's time-stamping authority answers RFC 3161 requests for signed-in people, with
  a certificate from the organisation CA restricted (critically) to time stamping;
- a signature made online carries a signature time stamp (B-T); one made offline gets its
  proof of time from the document time stamp the server adds at the sync that brings it;
- the server adds the validation data and a document time stamp as a new, insert-only
  record_document that extends the signed copy byte for byte, and the laptops pull it;
- ``renew-timestamps`` adds a newer document time stamp and the older ones still validate;
- poppler's pdfsig validates every signature after each update, and ``qpdf --check`` passes.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import subprocess
import sys

import httpx
from asn1crypto import algos, tsp
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from sqlalchemy import select

from supervision_app.domain.lifecycle import RecordKind
from supervision_app.records.online_timestamp import profile_timestamper
from supervision_app.records.signoff import latest_document, sign_supervision_record
from supervision_app.records.verify import verify_pdf
from supervision_app.security import pki
from supervision_app.store import models as m
from supervision_app.sync.server import certificates
from supervision_app.sync.server.schema import record
from supervision_app.sync.server.timestamping import _Rejection
from tests.sync import records as r
from tests.sync.archiving import settled
from tests.sync.harness import CA_PASSPHRASE, PASSWORD, REPO


def _request(digest: bytes, *, algorithm: str = "sha256", cert_req: bool = True) -> bytes:
    return tsp.TimeStampReq({
        "version": "v1",
        "message_imprint": tsp.MessageImprint({
            "hash_algorithm": algos.DigestAlgorithm({"algorithm": algorithm}),
            "hashed_message": digest}),
        "nonce": int.from_bytes(secrets.token_bytes(8), "big"),
        "cert_req": cert_req,
    }).dump()


def _token(deployment) -> str:
    reply = httpx.post(f"{deployment.url}/v1/login", json={
        "username": "tm_a", "password": PASSWORD,
        "device_id": "0b6c1c8e-3f7e-4d7c-9a51-0c2a5d0f4e11"})
    assert reply.status_code == 200, reply.text
    return reply.json()["token"]


def _ca(deployment) -> x509.Certificate:
    with deployment.engine.connect() as conn:
        return certificates.active_ca(conn).certificate


def test_the_server_is_a_time_stamping_authority_for_signed_in_people(deployment):
    digest = hashlib.sha256(b"a signature value").digest()
    url = f"{deployment.url}/v1/timestamp"
    headers = {"Content-Type": "application/timestamp-query"}
    assert httpx.post(url, content=_request(digest), headers=headers).status_code == 401

    headers["Authorization"] = f"Bearer {_token(deployment)}"
    reply = httpx.post(url, content=_request(digest), headers=headers)
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/timestamp-reply"
    response = tsp.TimeStampResp.load(reply.content)
    assert response["status"]["status"].native == "granted"
    signed = response["time_stamp_token"]["content"]
    info = signed["encap_content_info"]["content"].parsed
    assert info["message_imprint"]["hashed_message"].native == digest
    serial = signed["signer_infos"][0]["sid"].chosen["serial_number"].native
    tsa_cert = next(pki.load_certificate(c.chosen.dump()) for c in signed["certificates"]
                    if c.chosen.serial_number == serial)
    tsa_cert.verify_directly_issued_by(_ca(deployment))
    usage = tsa_cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert usage.critical and list(usage.value) == [ExtendedKeyUsageOID.TIME_STAMPING]

    # A weak or malformed request is answered with the RFC 3161 reason, not a token.
    weak = httpx.post(url, content=_request(hashlib.sha1(b"x").digest(), algorithm="sha1"), headers=headers)
    assert _Rejection.load(weak.content)["status"]["fail_info"].native == {"bad_alg"}
    assert httpx.post(url, content=b"not asn.1", headers=headers).status_code == 422


def _signed_off(deployment, laptops, *, supervisor_online: bool):
    """tm_a writes, shares and signs (online: with the server's time stamp); sw_a1 responds
    and signs offline; both sync. Returns (tm laptop, sw laptop, record id)."""
    org = deployment.org
    tm, sw = laptops("tm_a"), laptops("sw_a1")
    r.credentials(tm), r.credentials(sw)
    sid = r.responded_session(tm, sw, org)
    if supervisor_online:
        # The app saves the server's address in the profile when it signs in (sync panel);
        # a signed-in profile's signature then carries the server's time stamp.
        from supervision_app.gui.sync_panel import _save_server_url

        _save_server_url(tm.db, deployment.url)
        assert profile_timestamper(tm.db) is not None
        sign_supervision_record(tm.db, r.credentials(tm), session_id=sid, signer_id=org.ids["tm_a"])
    else:
        r.sign_session(tm, org.ids["tm_a"], sid)
    assert tm.client.sync().rejected == 0
    settled(deployment, sid)  # an offline signature: the server time-stamps it after the push
    sw.client.sync()
    r.sign_session(sw, org.ids["sw_a1"], sid)  # offline: no time stamp on this signature
    assert sw.client.sync().rejected == 0
    settled(deployment, sid)  # locked: the server archives it after the push
    tm.client.sync(), sw.client.sync()
    return tm, sw, sid


def _documents(deployment, record_id: str) -> list[dict]:
    with deployment.engine.connect() as conn:
        rows = conn.execute(select(record.c.data).where(
            record.c.parent_id == record_id, record.c.table_name == "record_document")).scalars()
        return sorted((json.loads(row) for row in rows), key=lambda d: d["created_at"])


def _pdfsig(pdf: bytes, ca: x509.Certificate, folder) -> str:
    nss = folder / "nss"
    if not nss.exists():
        nss.mkdir()
        subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True,
                       capture_output=True, timeout=60)
        (folder / "ca.pem").write_bytes(pki.certificate_to_pem(ca))
        subprocess.run(["certutil", "-A", "-d", f"sql:{nss}", "-n", "org-ca", "-t", "CT,C,C", "-i",
                        str(folder / "ca.pem")], check=True, capture_output=True, timeout=60)
    path = folder / f"{hashlib.sha256(pdf).hexdigest()[:12]}.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdfsig", "-nssdir", f"sql:{nss}", str(path)], capture_output=True,
                          text=True, timeout=60).stdout


def _qpdf_check(pdf: bytes, folder) -> subprocess.CompletedProcess:
    path = folder / "check.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True, timeout=60)


def test_a_locked_record_is_archived_and_every_laptop_pulls_the_archived_copy(deployment, laptops, tmp_path):
    tm, sw, sid = _signed_off(deployment, laptops, supervisor_online=True)
    docs = _documents(deployment, sid)
    assert [d["stage"] for d in docs] == ["supervisor_signed", "locked", "archived"]
    locked, archived = (base64.b64decode(d["pdf"]) for d in docs[1:])
    # Insert-only: the signed copy is untouched, and the archived copy only appends to it.
    assert archived.startswith(locked) and len(archived) > len(locked)

    for laptop in (tm, sw):
        with laptop.db.reading() as s:
            assert latest_document(s, RecordKind.SUPERVISION, sid).pdf == archived

    ca = _ca(deployment)
    report = verify_pdf(archived, ca)
    assert report.complete, report
    supervisor, supervisee = report.signatures
    assert supervisor.level == "B-LTA" and supervisee.level == "B-LTA"
    assert supervisor.proven_by == "signature time stamp"
    assert supervisee.proven_by == "document time stamp"
    assert supervisee.proven_at is not None and supervisor.proven_at <= supervisee.proven_at

    out = _pdfsig(archived, ca, tmp_path)
    assert out.count("Signature Validation: Signature is Valid.") == 2, out
    assert out.count("Certificate Validation: Certificate is Trusted.") == 2, out
    assert out.count("Total document signed") == 1, out  # the document time stamp covers it all
    checked = _qpdf_check(archived, tmp_path)  # qpdf is installed by .ci/run
    assert checked.returncode == 0, checked.stdout + checked.stderr


def _renew(deployment, *extra: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, SUPERVISION_SERVER_CA_PASSPHRASE=CA_PASSPHRASE)
    return subprocess.run(
        [sys.executable, "-m", "supervision_app.sync.server.cli", "--database-url",
         deployment.database_url, "renew-timestamps", *extra],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=120)


def test_renewal_adds_a_newer_document_time_stamp_and_the_older_ones_still_validate(deployment, laptops,
                                                                                    tmp_path):
    tm, _sw, sid = _signed_off(deployment, laptops, supervisor_online=False)
    quiet = _renew(deployment)  # the TSA certificate has ten years to run: nothing is due
    assert quiet.returncode == 0, quiet.stderr
    assert "Time stamps renewed: 0" in quiet.stdout
    # the laptop's copy, the server's time-stamped one, the locked copy, the archived one
    assert len(_documents(deployment, sid)) == 4

    # With a margin longer than the TSA certificate's life, every archived record is due.
    done = _renew(deployment, "--margin-days", "40000")
    assert done.returncode == 0, done.stderr
    assert "Time stamps renewed: 0" not in done.stdout
    docs = _documents(deployment, sid)
    assert [d["stage"] for d in docs] == ["supervisor_signed", "supervisor_signed", "locked",
                                          "archived", "archived"]
    first, renewed = (base64.b64decode(d["pdf"]) for d in docs[3:])
    assert renewed.startswith(first)

    import io

    from pyhanko.pdf_utils.reader import PdfFileReader

    stamps = list(PdfFileReader(io.BytesIO(renewed)).embedded_timestamp_signatures)
    assert len(stamps) == 3  # the offline signature's, the archive's, the renewal's
    ca = _ca(deployment)
    report = verify_pdf(renewed, ca)
    assert report.complete and all(s.level == "B-LTA" for s in report.signatures), report
    assert all(stamp.ok for stamp in report.document_timestamps), report.document_timestamps
    out = _pdfsig(renewed, ca, tmp_path)
    assert out.count("Signature Validation: Signature is Valid.") == 2, out
    assert out.count("Certificate Validation: Certificate is Trusted.") == 2, out
    checked = _qpdf_check(renewed, tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tm.client.sync()
    with tm.db.reading() as s:
        assert latest_document(s, RecordKind.SUPERVISION, sid).pdf == renewed


def test_an_evidence_pack_can_be_read_without_the_app(deployment, laptops, tmp_path):
    from pypdf import PdfReader

    from supervision_app.cli import main

    tm, _sw, sid = _signed_off(deployment, laptops, supervisor_online=True)
    folder = tm.db.profile.folder
    out = tmp_path / "evidence"
    assert main(["export", "--evidence", sid, "--data-dir", str(folder), "--out", str(out),
                 "--as", "tm_a"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert f"record-{sid}.pdf" in names and "organisation-ca.pem" in names
    assert any(n.startswith("tsa-") and n.endswith(".pem") for n in names)
    with tm.db.reading() as s:
        assert (out / f"record-{sid}.pdf").read_bytes() == latest_document(s, RecordKind.SUPERVISION, sid).pdf
    ca = pki.load_certificate((out / "organisation-ca.pem").read_bytes())
    assert ca == _ca(deployment)
    tsa = pki.load_certificate(next(out.glob("tsa-*.pem")).read_bytes())
    tsa.verify_directly_issued_by(ca)
    report = "".join(page.extract_text() for page in PdfReader(out / "validation-report.pdf").pages)
    for words in ("Proven to exist", "B-LTA", "ALL SIGNATURES OK", "Document time stamp 1 of 1"):
        assert words in report, report
    # The export is audited (ids only).
    with tm.db.reading() as s:
        assert s.scalars(select(m.AuditEntry).where(m.AuditEntry.action == "export_evidence",
                                                    m.AuditEntry.record_id == sid)).first() is not None


def test_a_ca_rotation_keeps_archived_records_verifiable(deployment, laptops):
    """Last in this module: it rotates the deployment's CA."""
    _tm, _sw, sid = _signed_off(deployment, laptops, supervisor_online=True)
    old_ca = _ca(deployment)
    env = dict(os.environ, SUPERVISION_SERVER_CA_PASSPHRASE=CA_PASSPHRASE)
    rotated = subprocess.run(
        [sys.executable, "-m", "supervision_app.sync.server.cli", "--database-url", deployment.database_url,
         "create-ca", "--organisation", "Test Council", "--name", "Test Council signing CA 2", "--rotate"],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert rotated.returncode == 0, rotated.stderr
    new_ca = _ca(deployment)
    assert new_ca != old_ca
    # Renewal after the rotation: a new TSA under the new CA time-stamps the old record, and
    # the old CA's certificate and revocation list go into its validation data.
    done = _renew(deployment, "--margin-days", "40000")
    assert done.returncode == 0, done.stdout + done.stderr
    renewed = base64.b64decode(_documents(deployment, sid)[-1]["pdf"])
    report = verify_pdf(renewed, [new_ca, old_ca])
    assert report.complete and all(s.level == "B-LTA" for s in report.signatures), report
    assert [ts.ok for ts in report.document_timestamps] == [True, True]
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.general import extract_certificate_info

    stamps = list(PdfFileReader(io.BytesIO(renewed)).embedded_timestamp_signatures)
    issuers = [pki.load_certificate(extract_certificate_info(ts.signed_data).signer_cert.dump()).issuer
               for ts in stamps]
    assert issuers == [old_ca.subject, new_ca.subject]

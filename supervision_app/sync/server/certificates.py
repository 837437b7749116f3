"""The organisation CA on the server: create and rotate it, certify a signed-in user's key,
serve its certificate and revocation list, revoke, and check the certificate of a pushed
signature.

The CA's private key is stored in the server database only encrypted (PKCS#8) with a
passphrase the server process is given by the environment
(``SUPERVISION_SERVER_CA_PASSPHRASE``) or by a file (``SUPERVISION_SERVER_CA_PASSPHRASE_FILE``
or the CLI's ``--ca-passphrase-file``), never on a command line. Serving the CA
certificate and checking signatures need no passphrase; issuing, revoking and refreshing
the revocation list do. Everything lives in the database, so several server processes
agree at once on what is revoked. Nothing here logs key material or passphrases.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import NameOID
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from ...security import pki
from .schema import account, certificate_authority, issued_certificate, record
from .storage import utcnow_naive

PASSPHRASE_ENV = "SUPERVISION_SERVER_CA_PASSPHRASE"
PASSPHRASE_FILE_ENV = "SUPERVISION_SERVER_CA_PASSPHRASE_FILE"
CRL_REFRESH = _dt.timedelta(days=1)  # re-sign the CRL when it is older than this (7-day validity)
MAX_ISSUED_PER_DAY = 10  # certificates per person per day (a laptop enrols once)
MAX_CSR_CHARS = 8000


class CertificateError(Exception):
    """A certificate operation that cannot go ahead; ``status`` is the HTTP status and the
    message is fit to show."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def passphrase_from_environment(file_path: str | None = None) -> bytes | None:
    """The CA passphrase from a file (``file_path`` or the file variable) or the
    environment variable; None if neither is set."""
    path = file_path or os.environ.get(PASSPHRASE_FILE_ENV)
    if path:
        value = Path(path).read_text(encoding="utf-8").strip()
        if not value:
            raise CertificateError(503, f"The CA passphrase file {path} is empty.")
        return value.encode()
    value = os.environ.get(PASSPHRASE_ENV)
    return value.encode() if value else None


@dataclass(frozen=True)
class StoredCA:
    id: int
    certificate: x509.Certificate
    certificate_pem: bytes
    key_pem: bytes
    crl_pem: bytes
    crl_updated_at: _dt.datetime
    retired: bool


def _stored(row) -> StoredCA:
    cert_pem = row.certificate_pem.encode()
    return StoredCA(row.id, pki.load_certificate(cert_pem), cert_pem, row.key_pem.encode(),
                    row.crl_pem.encode(), row.crl_updated_at, row.retired_at is not None)


def active_ca(conn: Connection) -> StoredCA | None:
    row = conn.execute(
        select(certificate_authority).where(certificate_authority.c.retired_at.is_(None))
        .order_by(certificate_authority.c.id.desc()).limit(1)
    ).first()
    return _stored(row) if row is not None else None


def all_cas(conn: Connection) -> list[StoredCA]:
    return [_stored(row) for row in conn.execute(select(certificate_authority))]


def _require_passphrase(passphrase: bytes | None) -> bytes:
    if not passphrase:
        raise CertificateError(
            503, "The server was not given its CA passphrase, so it cannot issue or revoke "
                 f"certificates. Set {PASSPHRASE_ENV} or {PASSPHRASE_FILE_ENV}.")
    return passphrase


def _unlock(stored: StoredCA, passphrase: bytes) -> pki.CertificateAuthority:
    try:
        return pki.CertificateAuthority.from_pem(stored.certificate_pem, stored.key_pem, passphrase,
                                                 stored.crl_pem)
    except ValueError:
        raise CertificateError(503, "The CA passphrase the server was given does not unlock "
                                    "its CA key.") from None


def _lock_cas(conn: Connection) -> None:
    """Serialise CA changes (row lock on PostgreSQL, write lock on SQLite)."""
    conn.execute(update(certificate_authority).values(id=certificate_authority.c.id))


def create_ca(conn: Connection, passphrase: bytes | None, common_name: str, organisation: str,
              valid_days: int = 3650, rotate: bool = False) -> StoredCA:
    """Make the organisation CA; with ``rotate``, retire the active one first. Certificates
    it issued stay checkable; laptops enrol again with the new CA at their next sync."""
    passphrase = _require_passphrase(passphrase)
    if len(passphrase) < 12:
        raise CertificateError(400, "The CA passphrase needs at least 12 characters.")
    _lock_cas(conn)
    current = active_ca(conn)
    if current is not None and not rotate:
        raise CertificateError(409, "This server already has a CA; use --rotate to replace it.")
    now = utcnow_naive()
    if current is not None:
        conn.execute(update(certificate_authority).where(certificate_authority.c.id == current.id)
                     .values(retired_at=now))
    ca = pki.create_ca(common_name, organisation, valid_days)
    cert_pem, key_pem, crl_pem = ca.to_pem(passphrase)
    conn.execute(insert(certificate_authority).values(
        created_at=now, retired_at=None, certificate_pem=cert_pem.decode(), key_pem=key_pem.decode(),
        crl_pem=crl_pem.decode(), crl_updated_at=now))
    return active_ca(conn)


def fingerprint(certificate: x509.Certificate) -> str:
    from cryptography.hazmat.primitives import hashes

    return certificate.fingerprint(hashes.SHA256()).hex(":").upper()


def _staff_entry(conn: Connection, staff_id: str) -> tuple[str, str]:
    import json

    data = conn.execute(select(record.c.data).where(record.c.id == staff_id,
                                                    record.c.table_name == "staff")).scalar()
    if data is None:
        raise CertificateError(403, "Your account is not in the staff directory.")
    entry = json.loads(data)
    return entry["display_name"], entry["role"]


def issue(conn: Connection, passphrase: bytes | None, staff_id: str, csr_pem: str) -> tuple[bytes, bytes, int]:
    """Certify the key in ``csr_pem`` for ``staff_id``: the subject (name, staff id, role)
    comes from the directory, never from the request. Returns (certificate PEM, CA
    certificate PEM, serial)."""
    if len(csr_pem) > MAX_CSR_CHARS or "-----BEGIN CERTIFICATE REQUEST-----" not in csr_pem:
        raise CertificateError(422, "Send a PEM certificate request (CSR).")
    try:
        csr = x509.load_pem_x509_csr(csr_pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise CertificateError(422, "The certificate request could not be read.") from None
    stored = active_ca(conn)
    if stored is None:
        raise CertificateError(404, "This server has no certificate authority yet; ask the "
                                    "administrator to create one.")
    passphrase = _require_passphrase(passphrase)
    since = utcnow_naive() - _dt.timedelta(days=1)
    recent = conn.execute(select(issued_certificate.c.serial).where(
        issued_certificate.c.staff_id == staff_id, issued_certificate.c.issued_at >= since)).all()
    if len(recent) >= MAX_ISSUED_PER_DAY:
        raise CertificateError(429, "Too many certificates were issued to you today; try again tomorrow.")
    name, role = _staff_entry(conn, staff_id)
    ca = _unlock(stored, passphrase)
    try:
        certificate = ca.issue_user_certificate(csr, name[:64], staff_id, role)
    except ValueError as problem:  # bad self-signature, not an EC key, ...
        raise CertificateError(422, f"The certificate request was refused: {problem}.") from None
    conn.execute(insert(issued_certificate).values(
        serial=str(certificate.serial_number), ca_id=stored.id, staff_id=staff_id,
        issued_at=utcnow_naive(), not_after=certificate.not_valid_after_utc.replace(tzinfo=None),
        revoked_at=None, certificate_pem=pki.certificate_to_pem(certificate).decode()))
    return pki.certificate_to_pem(certificate), stored.certificate_pem, certificate.serial_number


def revoke_user(conn: Connection, passphrase: bytes | None, username: str) -> int:
    """Revoke every live certificate issued to ``username``; re-sign the revocation lists.
    Returns how many were revoked."""
    passphrase = _require_passphrase(passphrase)
    staff_id = conn.execute(select(account.c.staff_id).where(account.c.username == username)).scalar()
    if staff_id is None:
        raise LookupError(f"no account called {username!r}")
    _lock_cas(conn)
    live = conn.execute(select(issued_certificate.c.serial, issued_certificate.c.ca_id).where(
        issued_certificate.c.staff_id == staff_id, issued_certificate.c.revoked_at.is_(None))).all()
    if not live:
        return 0
    now = utcnow_naive()
    by_ca: dict[int, list[int]] = {}
    for serial, ca_id in live:
        by_ca.setdefault(ca_id, []).append(int(serial))
    cas = {stored.id: stored for stored in all_cas(conn)}
    for ca_id, serials in by_ca.items():
        ca = _unlock(cas[ca_id], passphrase)
        for serial in serials:
            ca.revoke(serial, now.replace(tzinfo=_dt.timezone.utc))
        _store_crl(conn, ca_id, ca)
    conn.execute(update(issued_certificate).where(
        issued_certificate.c.staff_id == staff_id, issued_certificate.c.revoked_at.is_(None))
        .values(revoked_at=now))
    return len(live)


def _store_crl(conn: Connection, ca_id: int, ca: pki.CertificateAuthority) -> bytes:
    crl_pem = pki.crl_to_pem(ca.crl())
    conn.execute(update(certificate_authority).where(certificate_authority.c.id == ca_id)
                 .values(crl_pem=crl_pem.decode(), crl_updated_at=utcnow_naive()))
    return crl_pem


def current_crl(conn: Connection, passphrase: bytes | None) -> bytes | None:
    """The active CA's revocation list, re-signed first when it is a day old (and the
    server holds the passphrase). The caller commits."""
    stored = active_ca(conn)
    if stored is None:
        return None
    if passphrase and utcnow_naive() - stored.crl_updated_at > CRL_REFRESH:
        _lock_cas(conn)
        stored = active_ca(conn)
        if utcnow_naive() - stored.crl_updated_at > CRL_REFRESH:
            try:
                return _store_crl(conn, stored.id, _unlock(stored, passphrase))
            except CertificateError:
                pass  # serve the stored one; it is still valid for a week
    return stored.crl_pem


def etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def check_signature_certificate(conn: Connection, certificate_pem: str, signer_id: str,
                                signed_at: _dt.datetime) -> str | None:
    """Why a pushed signature's certificate is refused, or None if it is acceptable: it
    must be issued by this server's CA (active or retired) to the signer, usable for
    signing at ``signed_at``, and not revoked."""
    if not certificate_pem.strip():
        return "The signature carries no certificate; sign again after your certificate is issued."
    try:
        certificate = pki.load_certificate(certificate_pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return "The signature's certificate could not be read."
    cas = [stored for stored in all_cas(conn) if stored.certificate.subject == certificate.issuer]
    if not cas:
        return ("The signature's certificate was not issued by this organisation's certificate "
                "authority.")
    problem = "The signature's certificate was not issued by this organisation's certificate authority."
    for stored in cas:
        try:
            pki.check_can_sign(certificate, stored.certificate, None, signed_at)
        except pki.CertificateUnusable as unusable:
            problem = unusable.reason
            continue
        uid = certificate.subject.get_attributes_for_oid(NameOID.USER_ID)
        if not uid or uid[0].value != signer_id:
            return "The signature's certificate belongs to someone else."
        revoked = conn.execute(select(issued_certificate.c.revoked_at).where(
            issued_certificate.c.serial == str(certificate.serial_number))).first()
        if revoked is None:
            # not in our register: go by the CA's own revocation list
            crl = pki.load_crl(stored.crl_pem)
            if crl.get_revoked_certificate_by_serial_number(certificate.serial_number) is not None:
                return "The signature's certificate has been revoked."
        elif revoked.revoked_at is not None:
            return "The signature's certificate has been revoked; it can no longer sign."
        return None
    return problem

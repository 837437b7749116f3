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
import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import NameOID
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection

from ...errors import AppError
from ...security import pki
from .schema import (
    account,
    auth_token,
    certificate_authority,
    certificate_renewal,
    issued_certificate,
    record,
)
from .storage import utcnow_naive

PASSPHRASE_ENV = "SUPERVISION_SERVER_CA_PASSPHRASE"
PASSPHRASE_FILE_ENV = "SUPERVISION_SERVER_CA_PASSPHRASE_FILE"
CRL_REFRESH = _dt.timedelta(days=1)  # re-sign the CRL when it is older than this (7-day validity)
MAX_ISSUED_PER_DAY = 10  # certificates per person per day (a laptop enrols once)
MAX_CSR_CHARS = 8000
DEFAULT_VALID_DAYS = 730
SUPERSEDED = "replaced by a newer certificate on the same computer"
REVOKED_BY_ADMIN = "revoked by an administrator"
REPLACED_BY_ADMIN = "replaced at an administrator's request"


class CertificateError(AppError):
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
    from_variable = os.environ.get(PASSPHRASE_ENV)
    return from_variable.encode() if from_variable else None


@dataclass(frozen=True)
class StoredCA:
    id: int
    certificate: x509.Certificate
    certificate_pem: bytes
    key_pem: bytes
    crl_pem: bytes
    crl_updated_at: _dt.datetime
    retired: bool


@functools.lru_cache(maxsize=256)
def parsed_certificate(certificate_pem: str) -> x509.Certificate:
    """``pki.load_certificate`` of a PEM text, parsed once per process for the same text (a
    certificate object is immutable): the CA's on every pushed signature and document, a
    signer's on their signature and again for its key. Raises as ``load_certificate`` does
    (ValueError, or UnicodeEncodeError for text that is not ASCII)."""
    return pki.load_certificate(certificate_pem.encode("ascii"))


def _stored(row) -> StoredCA:
    cert_pem = row.certificate_pem.encode()
    return StoredCA(row.id, parsed_certificate(row.certificate_pem), cert_pem, row.key_pem.encode(),
                    row.crl_pem.encode(), row.crl_updated_at, row.retired_at is not None)


def active_ca(conn: Connection) -> StoredCA | None:
    row = conn.execute(
        select(certificate_authority).where(certificate_authority.c.retired_at.is_(None))
        .order_by(certificate_authority.c.id.desc()).limit(1)
    ).first()
    return _stored(row) if row is not None else None


def _require_ca(conn: Connection) -> StoredCA:
    """The active CA, for work that needs one. Once a CA exists there is always an active
    one: a rotation retires the old CA in the transaction that makes the new one."""
    stored = active_ca(conn)
    if stored is None:
        raise CertificateError(404, "This server has no certificate authority yet; ask the "
                                    "administrator to create one.")
    return stored


_ALL_CAS = select(certificate_authority)


def all_cas(conn: Connection) -> list[StoredCA]:
    return [_stored(row) for row in conn.execute(_ALL_CAS)]


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
    return _require_ca(conn)


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


def _signed_in_at(conn: Connection, token_hash: str | None) -> _dt.datetime | None:
    if token_hash is None:
        return None
    return conn.execute(select(auth_token.c.created_at)
                        .where(auth_token.c.token_hash == token_hash)).scalar()


def _blocking_revocation(conn: Connection, staff_id: str, signed_in_at: _dt.datetime | None):
    """The latest revocation that stops ``staff_id`` enrolling a new key on a sign-in made at
    ``signed_in_at``, or None. An administrator's revocation stands until the person signs in
    again after it (their password, not just a laptop's saved token, asks for the new
    certificate) or an administrator allows a new certificate after it. A certificate
    superseded by a renewal, or one that merely expired, blocks nothing."""
    row = conn.execute(
        select(issued_certificate.c.revoked_at, issued_certificate.c.revoked_reason)
        .where(issued_certificate.c.staff_id == staff_id,
               issued_certificate.c.revoked_at.is_not(None),
               (issued_certificate.c.revoked_reason.is_(None))
               | (issued_certificate.c.revoked_reason != SUPERSEDED))
        .order_by(issued_certificate.c.revoked_at.desc()).limit(1)).first()
    if row is None:
        return None
    if signed_in_at is not None and signed_in_at > row.revoked_at:
        return None
    allowed_at = conn.execute(select(certificate_renewal.c.allowed_at)
                              .where(certificate_renewal.c.staff_id == staff_id)).scalar()
    if allowed_at is not None and allowed_at >= row.revoked_at:
        return None
    return row


def _london(when: _dt.datetime) -> str:
    from ...domain.time_rules import format_london

    return format_london(when.replace(tzinfo=_dt.timezone.utc))


def issue(conn: Connection, passphrase: bytes | None, staff_id: str, csr_pem: str, *,
          device_id: str | None = None, token_hash: str | None = None,
          valid_days: int = DEFAULT_VALID_DAYS) -> tuple[bytes, bytes, int]:
    """Certify the key in ``csr_pem`` for ``staff_id``: the subject (name, staff id, role)
    comes from the directory, never from the request. Refused while an administrator's
    revocation stands (see :func:`_blocking_revocation`). The certificates this laptop
    (``device_id``) held before are revoked as superseded, so an old key never signs again.
    Returns (certificate PEM, CA certificate PEM, serial)."""
    if len(csr_pem) > MAX_CSR_CHARS or "-----BEGIN CERTIFICATE REQUEST-----" not in csr_pem:
        raise CertificateError(422, "Send a PEM certificate request (CSR).")
    try:
        csr = x509.load_pem_x509_csr(csr_pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise CertificateError(422, "The certificate request could not be read.") from None
    stored = _require_ca(conn)
    passphrase = _require_passphrase(passphrase)
    blocking = _blocking_revocation(conn, staff_id, _signed_in_at(conn, token_hash))
    if blocking is not None:
        why = f" ({blocking.revoked_reason})" if blocking.revoked_reason else ""
        raise CertificateError(
            403, f"Your signing certificate was revoked on {_london(blocking.revoked_at)}{why}. "
                 "Sign in again to get a new one, or ask IT.")
    since = utcnow_naive() - _dt.timedelta(days=1)
    recent = conn.execute(select(issued_certificate.c.serial).where(
        issued_certificate.c.staff_id == staff_id, issued_certificate.c.issued_at >= since)).all()
    if len(recent) >= MAX_ISSUED_PER_DAY:
        raise CertificateError(429, "Too many certificates were issued to you today; try again tomorrow.")
    name, role = _staff_entry(conn, staff_id)
    _lock_cas(conn)
    ca = _unlock(stored, passphrase)
    try:
        certificate = ca.issue_user_certificate(csr, name[:64], staff_id, role, valid_days=valid_days)
    except ValueError as problem:  # bad self-signature, not an EC key, ...
        raise CertificateError(422, f"The certificate request was refused: {problem}.") from None
    if device_id is not None:
        _revoke_where(conn, passphrase, SUPERSEDED,
                      (issued_certificate.c.staff_id == staff_id)
                      & (issued_certificate.c.device_id == device_id))
    conn.execute(insert(issued_certificate).values(
        serial=str(certificate.serial_number), ca_id=stored.id, staff_id=staff_id,
        issued_at=utcnow_naive(), not_after=certificate.not_valid_after_utc.replace(tzinfo=None),
        revoked_at=None, certificate_pem=pki.certificate_to_pem(certificate).decode(),
        device_id=device_id, revoked_reason=None))
    return pki.certificate_to_pem(certificate), stored.certificate_pem, certificate.serial_number


def _staff_id_of(conn: Connection, username: str) -> str:
    staff_id = conn.execute(select(account.c.staff_id).where(account.c.username == username)).scalar()
    if staff_id is None:
        raise LookupError(f"There is no account called {username!r}.")
    return staff_id


def _revoke_where(conn: Connection, passphrase: bytes, reason: str, condition) -> int:
    """Revoke the live certificates matching ``condition`` with ``reason``; re-sign the
    revocation list of each CA concerned. Returns how many were revoked."""
    _lock_cas(conn)
    live = conn.execute(select(issued_certificate.c.serial, issued_certificate.c.ca_id).where(
        condition, issued_certificate.c.revoked_at.is_(None))).all()
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
        issued_certificate.c.serial.in_([str(serial) for serial, _ca in live]))
        .values(revoked_at=now, revoked_reason=reason))
    return len(live)


def _clean_reason(reason: str | None, default: str) -> str:
    reason = " ".join((reason or "").split())
    if any(ord(c) < 32 for c in reason) or len(reason) > 200:
        raise ValueError("Give a reason of one line, 200 characters at most.")
    return reason or default


def revoke_user(conn: Connection, passphrase: bytes | None, username: str,
                reason: str | None = None) -> int:
    """Revoke every live certificate issued to ``username``; re-sign the revocation lists.
    The person's laptops stop signing at their next sync and get a new certificate only
    when the person signs in again there (or an administrator allows a new one). Returns
    how many were revoked."""
    passphrase = _require_passphrase(passphrase)
    staff_id = _staff_id_of(conn, username)
    reason = _clean_reason(reason, REVOKED_BY_ADMIN)
    return _revoke_where(conn, passphrase, reason, issued_certificate.c.staff_id == staff_id)


def allow_new_certificate(conn: Connection, passphrase: bytes | None, username: str,
                          reason: str | None = None) -> int:
    """Revoke ``username``'s live certificates and let each of their laptops enrol a new key
    at its next sync, without signing in again (a role or name change, a damaged key). The
    server never holds a private key: the laptop makes the key and the request. Returns how
    many certificates were revoked."""
    passphrase = _require_passphrase(passphrase)
    staff_id = _staff_id_of(conn, username)
    reason = _clean_reason(reason, REPLACED_BY_ADMIN)
    count = _revoke_where(conn, passphrase, reason, issued_certificate.c.staff_id == staff_id)
    now = utcnow_naive()
    updated = conn.execute(update(certificate_renewal)
                           .where(certificate_renewal.c.staff_id == staff_id)
                           .values(allowed_at=now, reason=reason)).rowcount
    if not updated:
        conn.execute(insert(certificate_renewal).values(staff_id=staff_id, allowed_at=now,
                                                        reason=reason))
    return count


@dataclass(frozen=True)
class IssuedCertificate:
    serial: str
    fingerprint: str
    issued_at: _dt.datetime
    not_after: _dt.datetime
    revoked_at: _dt.datetime | None
    revoked_reason: str | None
    device_id: str | None
    ca_retired: bool

    def as_json(self) -> dict:
        def when(value):
            return None if value is None else value.replace(tzinfo=_dt.timezone.utc).isoformat()

        return {"serial": self.serial, "fingerprint": self.fingerprint,
                "issued_at": when(self.issued_at), "expires_at": when(self.not_after),
                "revoked_at": when(self.revoked_at), "revoked_reason": self.revoked_reason,
                "device_id": self.device_id, "ca_retired": self.ca_retired}


def certificates_of(conn: Connection, staff_id: str) -> list[IssuedCertificate]:
    """Every certificate issued to ``staff_id``, oldest first."""
    retired = {stored.id: stored.retired for stored in all_cas(conn)}
    rows = conn.execute(select(issued_certificate).where(issued_certificate.c.staff_id == staff_id)
                        .order_by(issued_certificate.c.issued_at, issued_certificate.c.serial)).all()
    return [IssuedCertificate(
        serial=row.serial, fingerprint=fingerprint(pki.load_certificate(row.certificate_pem.encode())),
        issued_at=row.issued_at, not_after=row.not_after, revoked_at=row.revoked_at,
        revoked_reason=row.revoked_reason, device_id=row.device_id,
        ca_retired=retired.get(row.ca_id, False)) for row in rows]


def list_certificates(conn: Connection, username: str) -> list[IssuedCertificate]:
    return certificates_of(conn, _staff_id_of(conn, username))


def may_enrol(conn: Connection, staff_id: str, token_hash: str | None) -> str | None:
    """Why a new certificate would be refused to this sign-in now, or None."""
    blocking = _blocking_revocation(conn, staff_id, _signed_in_at(conn, token_hash))
    if blocking is None:
        return None
    why = f" ({blocking.revoked_reason})" if blocking.revoked_reason else ""
    return (f"Your signing certificate was revoked on {_london(blocking.revoked_at)}{why}. "
            "Sign in again to get a new one, or ask IT.")


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
        stored = _require_ca(conn)
        if utcnow_naive() - stored.crl_updated_at > CRL_REFRESH:
            try:
                return _store_crl(conn, stored.id, _unlock(stored, passphrase))
            except CertificateError:
                pass  # serve the stored one; it is still valid for a week
    return stored.crl_pem


def etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


# what checking a pushed signature's certificate reads, built once
_SIGNING_CAS = select(certificate_authority.c.id, certificate_authority.c.certificate_pem,
                      certificate_authority.c.crl_pem)
_REGISTERED = select(issued_certificate.c.revoked_at, issued_certificate.c.revoked_reason).where(
    issued_certificate.c.serial == bindparam("serial"))


def check_signature_certificate(conn: Connection, certificate_pem: str, signer_id: str,
                                signed_at: _dt.datetime) -> str | None:
    """Why a pushed signature's certificate is refused, or None if it is acceptable: it
    must be issued by this server's CA (active or retired) to the signer, usable for
    signing at ``signed_at``, and not revoked."""
    if not certificate_pem.strip():
        return "The signature carries no certificate; sign again after your certificate is issued."
    try:
        certificate = parsed_certificate(certificate_pem)
    except (ValueError, UnicodeEncodeError):
        return "The signature's certificate could not be read."
    cas = [(row, ca_certificate) for row in conn.execute(_SIGNING_CAS)
           if (ca_certificate := parsed_certificate(row.certificate_pem)).subject == certificate.issuer]
    if not cas:
        return ("The signature's certificate was not issued by this organisation's certificate "
                "authority.")
    problem = "The signature's certificate was not issued by this organisation's certificate authority."
    for stored, ca_certificate in cas:
        try:
            pki.check_can_sign(certificate, ca_certificate, None, signed_at)
        except pki.CertificateUnusable as unusable:
            problem = unusable.reason
            continue
        uid = certificate.subject.get_attributes_for_oid(NameOID.USER_ID)
        if not uid or uid[0].value != signer_id:
            return "The signature's certificate belongs to someone else."
        revoked = conn.execute(_REGISTERED, {"serial": str(certificate.serial_number)}).first()
        if revoked is None:
            # not in our register: go by the CA's own revocation list
            crl = pki.load_crl(stored.crl_pem.encode())
            if crl.get_revoked_certificate_by_serial_number(certificate.serial_number) is not None:
                return "The signature's certificate has been revoked."
        elif revoked.revoked_at is not None:
            why = f" ({revoked.revoked_reason})" if revoked.revoked_reason else ""
            return (f"The signature's certificate has been revoked{why}; it can no longer sign. "
                    "Get a new signing certificate (sign in again), then sign again.")
        return None
    return problem

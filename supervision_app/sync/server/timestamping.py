"""The organisation's time-stamping authority (RFC 3161), and the time stamper the server
and laptops use.

A time stamp proves that a digest (of a signature, or of a whole PDF) existed at a time the
organisation vouches for, so a signature can be checked "as of" that time long after the
signer's certificate has expired or been revoked. The TSA has its own key and certificate,
issued by the organisation CA with the timeStamping extended key usage (critical, as RFC
3161 §2.3 requires). Its private key is stored in the server database only encrypted, with
the CA passphrase, like the CA key (:mod:`.certificates`); the unlocked key is kept in
process memory only.

A council may instead use an external (commercial or qualified) TSA: ``timestamp_url`` in
the server configuration. The server then forwards laptops' requests there and uses it for
its own archive time stamps.

Tokens are built with asn1crypto's ``tsp``/``cms`` structures and signed with
``cryptography`` (pyHanko's ``DummyTimeStamper`` is a test device: RSA only, a borrowed
policy OID, local-time clock). Nothing here logs key material or passphrases.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import secrets
import threading
from dataclasses import dataclass
from typing import Callable

from asn1crypto import algos, cms, core, tsp, x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute
from pyhanko.sign.timestamps.api import TimeStamper
from sqlalchemy import Column, DateTime, Integer, Table, Text, insert, select, update
from sqlalchemy.engine import Connection

from ...domain.time_rules import utc_now
from ...security import pki
from . import certificates
from .schema import metadata
from .storage import utcnow_naive

__all__ = [
    "TimeStampAuthority",
    "TsaError",
    "active_tsa",
    "create_tsa",
    "issue_tsa_certificate",
    "server_timestamper",
    "timestamp_authority",
    "unlock_tsa",
]

timestamp_authority = Table(
    "timestamp_authority", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ca_id", Integer, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("retired_at", DateTime),
    Column("certificate_pem", Text, nullable=False),
    Column("key_pem", Text, nullable=False),  # encrypted PKCS#8, CA passphrase
)

#: TSA policy when the configuration names none: an OID under 2.25 (UUID-based, ITU-T X.667)
#: needs no registration. A council with its own policy OID sets ``timestamp_policy``.
DEFAULT_POLICY_OID = "2.25.230196883934426330924063312014218427093"
#: RFC 3161 message imprints we accept (anything weaker is refused with badAlg).
ACCEPTED_DIGESTS = {"sha256": 32, "sha384": 48, "sha512": 64}
TSA_VALID_DAYS = 3650
MAX_REQUEST_BYTES = 10_000


class TsaError(certificates.CertificateError):
    """The TSA cannot be used now; ``status`` is the HTTP status, the message is fit to show."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(status, message)


def _utcnow() -> _dt.datetime:
    return utc_now()


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


# --------------------------------------------------------------------------- certificate


def issue_tsa_certificate(ca: pki.CertificateAuthority, key: ec.EllipticCurvePrivateKey,
                          valid_days: int = TSA_VALID_DAYS,
                          not_before: _dt.datetime | None = None) -> x509.Certificate:
    """A TSA certificate for ``key``: timeStamping the only (critical) extended key usage,
    digitalSignature and nonRepudiation; never outlasting the CA certificate."""
    start = not_before or (_utcnow() - _dt.timedelta(minutes=5))
    end = min(start + _dt.timedelta(days=valid_days), ca.certificate.not_valid_after_utc)
    orgs = ca.certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    org = str(orgs[0].value) if orgs else "Organisation"
    ca_ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{org} Time-Stamping Authority"[:64]),
        ]))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
                       critical=False)
        .sign(ca.private_key, hashes.SHA256())
    )


# --------------------------------------------------------------------------- the authority


class TimeStampAuthority:
    """Answers RFC 3161 requests with tokens signed by the TSA key. ``clock`` gives the time
    (tests move it; production uses the system clock, which the server keeps by NTP)."""

    def __init__(self, certificate: x509.Certificate, key: ec.EllipticCurvePrivateKey,
                 chain: list[x509.Certificate], *, policy: str = DEFAULT_POLICY_OID,
                 clock: Callable[[], _dt.datetime] = _utcnow) -> None:
        self.certificate = certificate
        self._key = key
        self.chain = list(chain)
        self.policy = policy
        self.clock = clock
        self._asn1_cert = _asn1_cert(certificate)
        self._asn1_chain = [_asn1_cert(c) for c in chain]

    def respond(self, request_der: bytes) -> bytes:
        """A DER ``TimeStampResp`` for a DER ``TimeStampReq``: granted, or rejected with
        the RFC 3161 failure reason."""
        try:
            request = tsp.TimeStampReq.load(bytes(request_der), strict=True)
            request.native  # noqa: B018 - parse everything now: a malformed request is refused here
        except (ValueError, TypeError, OSError):
            return self._rejection("bad_data_format", "The request is not an RFC 3161 TimeStampReq.")
        if request["version"].native != "v1":
            return self._rejection("bad_request", "Only version 1 requests are answered.")
        imprint = request["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        if ACCEPTED_DIGESTS.get(algorithm) != len(imprint["hashed_message"].native):
            return self._rejection("bad_alg", "Send a SHA-256, SHA-384 or SHA-512 digest.")
        if request["req_policy"].native not in (None, self.policy):
            return self._rejection("unaccepted_policy", "This authority uses another policy.")
        if request["extensions"].native:
            return self._rejection("unaccepted_extensions", "No request extensions are supported.")
        return self.grant(request).dump()

    def grant(self, request: tsp.TimeStampReq) -> tsp.TimeStampResp:
        when = self.clock().astimezone(_dt.timezone.utc).replace(microsecond=0)
        info = {
            "version": "v1",
            "policy": self.policy,
            "message_imprint": request["message_imprint"],
            "serial_number": int.from_bytes(secrets.token_bytes(16), "big"),
            "gen_time": when,
            "tsa": asn1_x509.GeneralName(name="directory_name", value=self._asn1_cert.subject),
        }
        if request["nonce"].native is not None:
            info["nonce"] = request["nonce"]
        tst_info = tsp.TSTInfo(info).dump()
        signed_attrs = cms.CMSAttributes([
            simple_cms_attribute("content_type", "tst_info"),
            simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(when)})),
            simple_cms_attribute("signing_certificate_v2", as_signing_certificate_v2(self._asn1_cert)),
            simple_cms_attribute("message_digest", hashlib.sha256(tst_info).digest()),
        ])
        signature = self._key.sign(signed_attrs.dump(), ec.ECDSA(hashes.SHA256()))
        digest_algorithm = algos.DigestAlgorithm({"algorithm": "sha256"})
        signer_info = cms.SignerInfo({
            "version": "v1",
            "sid": cms.SignerIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber({
                "issuer": self._asn1_cert.issuer, "serial_number": self._asn1_cert.serial_number})}),
            "digest_algorithm": digest_algorithm,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
            "signed_attrs": signed_attrs,
            "signature": signature,
        })
        certs = [self._asn1_cert] if request["cert_req"].native else []
        if certs:
            certs.extend(self._asn1_chain)
        signed_data = {
            "version": "v3",
            "digest_algorithms": cms.DigestAlgorithms([digest_algorithm]),
            "encap_content_info": cms.EncapsulatedContentInfo({
                "content_type": "tst_info", "content": cms.ParsableOctetString(tst_info)}),
            "signer_infos": [signer_info],
        }
        if certs:
            signed_data["certificates"] = certs
        token = cms.ContentInfo({"content_type": "signed_data", "content": cms.SignedData(signed_data)})
        return tsp.TimeStampResp({"status": tsp.PKIStatusInfo({"status": "granted"}),
                                  "time_stamp_token": token})

    def _rejection(self, reason: str, words: str) -> bytes:
        return _Rejection({"status": tsp.PKIStatusInfo({
            "status": "rejection", "status_string": [words], "fail_info": {reason}})}).dump()

    def timestamper(self) -> "LocalTimeStamper":
        """A pyHanko time stamper that asks this authority directly (no HTTP)."""
        return LocalTimeStamper(self)


class _Rejection(core.Sequence):
    """A ``TimeStampResp`` without a token (RFC 3161 §2.4.2: the token is optional; asn1crypto's
    ``tsp.TimeStampResp`` requires it, so a refusal is written with this shape)."""

    _fields = [("status", tsp.PKIStatusInfo)]


class LocalTimeStamper(TimeStamper):
    """pyHanko's view of an in-process :class:`TimeStampAuthority`."""

    def __init__(self, authority: TimeStampAuthority) -> None:
        super().__init__(include_nonce=True)
        self.authority = authority

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        return tsp.TimeStampResp.load(self.authority.respond(req.dump()))


# --------------------------------------------------------------------------- storage


@dataclass(frozen=True)
class StoredTSA:
    id: int
    ca_id: int
    certificate: x509.Certificate
    certificate_pem: bytes
    key_pem: bytes
    retired: bool


def _stored(row) -> StoredTSA:
    pem = row.certificate_pem.encode()
    return StoredTSA(row.id, row.ca_id, pki.load_certificate(pem), pem, row.key_pem.encode(),
                     row.retired_at is not None)


def active_tsa(conn: Connection) -> StoredTSA | None:
    row = conn.execute(select(timestamp_authority).where(timestamp_authority.c.retired_at.is_(None))
                       .order_by(timestamp_authority.c.id.desc()).limit(1)).first()
    return _stored(row) if row is not None else None


def _require_tsa(conn: Connection) -> StoredTSA:
    stored = active_tsa(conn)
    if stored is None:
        raise TsaError(404, "This server has no time-stamping authority yet.")
    return stored


def all_tsas(conn: Connection) -> list[StoredTSA]:
    return [_stored(row) for row in conn.execute(select(timestamp_authority))]


def create_tsa(conn: Connection, passphrase: bytes | None, *,
               valid_days: int = TSA_VALID_DAYS) -> StoredTSA:
    """Make a TSA key and certificate under the active CA, retiring any earlier TSA (its
    tokens stay checkable: its certificate stays in every PDF that relies on it)."""
    passphrase = certificates._require_passphrase(passphrase)
    stored_ca = certificates.active_ca(conn)
    if stored_ca is None:
        raise TsaError(404, "This server has no certificate authority yet; create one first.")
    ca = certificates._unlock(stored_ca, passphrase)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = issue_tsa_certificate(ca, key, valid_days)
    now = utcnow_naive()
    conn.execute(update(timestamp_authority).where(timestamp_authority.c.retired_at.is_(None))
                 .values(retired_at=now))
    conn.execute(insert(timestamp_authority).values(
        ca_id=stored_ca.id, created_at=now, retired_at=None,
        certificate_pem=pki.certificate_to_pem(cert).decode(),
        key_pem=pki.encrypt_private_key(key, passphrase).decode()))
    return _require_tsa(conn)


_unlocked: dict[tuple[int, bytes], TimeStampAuthority] = {}
_unlock_lock = threading.Lock()


def unlock_tsa(conn: Connection, passphrase: bytes | None, *, create: bool = True,
               policy: str = DEFAULT_POLICY_OID,
               clock: Callable[[], _dt.datetime] = _utcnow) -> TimeStampAuthority:
    """The active TSA, unlocked (once per process). With ``create``, a server that has a CA
    but no TSA yet (or whose TSA was issued by a retired CA) makes one first."""
    passphrase = certificates._require_passphrase(passphrase)
    stored = active_tsa(conn)
    stored_ca = certificates.active_ca(conn)
    if create and stored_ca is not None and (stored is None or stored.ca_id != stored_ca.id):
        stored = create_tsa(conn, passphrase)
    if stored is None:
        raise TsaError(404, "This server has no time-stamping authority yet.")
    cache_key = (stored.id, hashlib.sha256(passphrase).digest())
    with _unlock_lock:
        authority = _unlocked.get(cache_key)
    if authority is None:
        try:
            key = pki.load_private_key(stored.key_pem, passphrase)
        except ValueError:
            raise TsaError(503, "The CA passphrase the server was given does not unlock its "
                                "time-stamping key.") from None
        issuer = next((ca.certificate for ca in certificates.all_cas(conn)
                       if ca.id == stored.ca_id), None)
        authority = TimeStampAuthority(stored.certificate, key, [issuer] if issuer else [],
                                       policy=policy)
        with _unlock_lock:
            _unlocked[cache_key] = authority
    authority.clock = clock
    authority.policy = policy
    return authority


def server_timestamper(conn: Connection, passphrase: bytes | None, *,
                       url: str | None = None, policy: str = DEFAULT_POLICY_OID,
                       clock: Callable[[], _dt.datetime] = _utcnow) -> TimeStamper:
    """The time stamper the server uses for archive time stamps: the external TSA at
    ``url`` when configured, else the organisation's own."""
    if url:
        from pyhanko.sign.timestamps.requests_client import HTTPTimeStamper

        return HTTPTimeStamper(url, timeout=30)
    return unlock_tsa(conn, passphrase, policy=policy, clock=clock).timestamper()


def forward_request(url: str, request_der: bytes) -> bytes:
    """Send a laptop's request on to the external TSA; its reply, unchanged."""
    import httpx

    reply = httpx.post(url, content=request_der, timeout=30,
                       headers={"Content-Type": "application/timestamp-query"})
    if reply.status_code != 200:
        raise TsaError(503, "The external time-stamping authority did not answer; try again later.")
    return reply.content

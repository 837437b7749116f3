"""Organisation CA and user signing certificates (``cryptography`` only).

The organisation CA (held by the server; a local demo CA in standalone mode) certifies
each user's public key. A user's key pair is made on their own device
(:func:`generate_user_key`), its private half stored encrypted
(:func:`encrypt_private_key`), and the public half sent to the CA as a CSR
(:func:`make_csr`). :func:`check_can_sign` is the gate the app uses before it lets a
certificate sign anything.

Nothing in this module prints or logs key material or passphrases.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import cast

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from ..domain.time_rules import utc_now
from ..errors import AppError

__all__ = [
    "CertificateAuthority",
    "CertificateUnusable",
    "DOCUMENT_SIGNING_EKUS",
    "RevocationStatus",
    "USER_CERT_EKUS",
    "certificate_to_pem",
    "check_can_sign",
    "create_ca",
    "crl_to_pem",
    "encrypt_private_key",
    "generate_user_key",
    "load_certificate",
    "load_crl",
    "load_private_key",
    "make_csr",
    "revocation_status",
]

#: Extended key usages put on user certificates: Microsoft "Document Signing"
#: (understood by Adobe Acrobat) and RFC 9336 id-kp-documentSigning.
DOCUMENT_SIGNING_EKUS = (
    ObjectIdentifier("1.3.6.1.4.1.311.10.3.12"),
    ObjectIdentifier("1.3.6.1.5.5.7.3.36"),
)

#: What user certificates carry: the document-signing purposes plus emailProtection,
#: which NSS (poppler's pdfsig, Firefox's PDF viewer) requires of a signer certificate.
USER_CERT_EKUS = (*DOCUMENT_SIGNING_EKUS, ExtendedKeyUsageOID.EMAIL_PROTECTION)

_CLOCK_SKEW = _dt.timedelta(minutes=5)
_HASH = hashes.SHA256


class CertificateUnusable(AppError):
    """The certificate may not be used to sign now; ``reason`` says why, for a person."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _utcnow() -> _dt.datetime:
    return utc_now()


def _aware(when: _dt.datetime) -> _dt.datetime:
    """Treat naive datetimes as UTC (we store UTC everywhere)."""
    if when.tzinfo is None:
        return when.replace(tzinfo=_dt.timezone.utc)
    return when.astimezone(_dt.timezone.utc)


def _fmt(when: _dt.datetime) -> str:
    return _aware(when).strftime("%d %B %Y %H:%M UTC").lstrip("0")


def _cn(name: x509.Name) -> str:
    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else name.rfc4514_string()


def _check_text(label: str, value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValueError(f"{label} must not be empty")
    if len(value) > 64:
        raise ValueError(f"{label} is longer than 64 characters")
    if any(ord(c) < 32 for c in value):
        raise ValueError(f"{label} contains control characters")
    return value


# --------------------------------------------------------------------------- keys


def generate_user_key() -> ec.EllipticCurvePrivateKey:
    """A fresh EC P-256 private key."""
    return ec.generate_private_key(ec.SECP256R1())


def encrypt_private_key(key, passphrase: bytes) -> bytes:
    """PKCS#8 PEM of ``key``, encrypted with ``passphrase`` (BestAvailableEncryption)."""
    if not isinstance(passphrase, (bytes, bytearray)) or not passphrase:
        raise ValueError("A non-empty passphrase (bytes) is required to store a private key")
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.BestAvailableEncryption(bytes(passphrase)),
    )


def load_private_key(pem: bytes, passphrase: bytes | None):
    """Load a PEM private key; raises ``ValueError`` for a wrong passphrase or bad data."""
    try:
        return serialization.load_pem_private_key(bytes(pem), password=passphrase)
    except (ValueError, TypeError) as exc:
        # Do not echo anything derived from the passphrase or the key.
        raise ValueError("Could not unlock the private key: wrong passphrase or damaged key file") from exc


def make_csr(key, subject_name: str) -> x509.CertificateSigningRequest:
    """A CSR for ``key`` with subject CN=``subject_name`` (the CA sets the final subject)."""
    subject_name = _check_text("Subject name", subject_name)
    return (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_name)]))
        .sign(key, _HASH())
    )


# --------------------------------------------------------------------------- PEM helpers


def certificate_to_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def ec_public_key(certificate: x509.Certificate) -> ec.EllipticCurvePublicKey:
    """The certificate's public key as the EC key every certificate here carries (a typing
    cast only: a certificate with another kind of key fails where the key is used, as before)."""
    return cast(ec.EllipticCurvePublicKey, certificate.public_key())


def load_certificate(data: bytes) -> x509.Certificate:
    """Load a certificate from PEM or DER."""
    data = bytes(data)
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)


def crl_to_pem(crl: x509.CertificateRevocationList) -> bytes:
    return crl.public_bytes(serialization.Encoding.PEM)


def load_crl(data: bytes) -> x509.CertificateRevocationList:
    data = bytes(data)
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_crl(data)
    return x509.load_der_x509_crl(data)


# --------------------------------------------------------------------------- CA


@dataclass
class CertificateAuthority:
    """An organisation CA: its certificate, its private key and its revocation list."""

    certificate: x509.Certificate
    private_key: ec.EllipticCurvePrivateKey = field(repr=False)
    #: serial number -> revocation time (UTC)
    revoked: dict[int, _dt.datetime] = field(default_factory=dict)
    crl_number: int = 0

    # -- issuing ----------------------------------------------------------------

    def issue_user_certificate(
        self,
        csr_or_public_key,
        subject_name: str,
        staff_id: str,
        role: str,
        valid_days: int = 730,
        not_before: _dt.datetime | None = None,
    ) -> x509.Certificate:
        """Certify a user's public key for document signing.

        ``csr_or_public_key`` is a :class:`x509.CertificateSigningRequest` (its
        self-signature is checked) or a public key. The subject is decided here, not
        taken from the CSR: CN=subject_name, O=the CA's organisation, UID=staff_id,
        title=role. Validity never outlasts the CA certificate.
        """
        if isinstance(csr_or_public_key, x509.CertificateSigningRequest):
            if not csr_or_public_key.is_signature_valid:
                raise ValueError("The certificate request's signature is not valid")
            public_key = csr_or_public_key.public_key()
        else:
            public_key = csr_or_public_key
        if not isinstance(public_key, ec.EllipticCurvePublicKey):
            # Our signing stack is built and tested for EC keys only.
            raise ValueError("Only EC public keys can be certified")
        subject_name = _check_text("Subject name", subject_name)
        staff_id = _check_text("Staff ID", staff_id)
        role = _check_text("Role", role)
        if valid_days <= 0:
            raise ValueError("valid_days must be positive")

        start = _aware(not_before) if not_before is not None else _utcnow() - _CLOCK_SKEW
        end = start + _dt.timedelta(days=valid_days)
        end = min(end, self.certificate.not_valid_after_utc)
        if end <= start:
            raise ValueError("The CA certificate expires before the requested start date")

        subject = x509.Name(self._org_attributes() + [
            x509.NameAttribute(NameOID.USER_ID, staff_id),
            x509.NameAttribute(NameOID.TITLE, role),
            x509.NameAttribute(NameOID.COMMON_NAME, subject_name),
        ])
        ca_ski = self.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.certificate.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage(list(USER_CERT_EKUS)), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
            )
        )
        return builder.sign(self.private_key, _HASH())

    def _org_attributes(self) -> list[x509.NameAttribute]:
        return list(self.certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME))

    # -- revocation ----------------------------------------------------------------

    def revoke(self, serial: int, when: _dt.datetime | None = None) -> None:
        """Record that certificate ``serial`` is revoked from ``when`` (default now)."""
        self.revoked[int(serial)] = _aware(when) if when is not None else _utcnow()

    def crl(self, next_update_days: int = 7, *,
            now: _dt.datetime | None = None) -> x509.CertificateRevocationList:
        """A freshly signed CRL listing every revoked serial (CRL number increments), issued
        at ``now`` (default: the clock)."""
        self.crl_number += 1
        now = _aware(now) if now is not None else _utcnow()
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.certificate.subject)
            .last_update(now - _CLOCK_SKEW)
            .next_update(now + _dt.timedelta(days=next_update_days))
            .add_extension(x509.CRLNumber(self.crl_number), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.private_key.public_key()),
                critical=False,
            )
        )
        for serial, when in sorted(self.revoked.items()):
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
            )
        return builder.sign(self.private_key, _HASH())

    # -- serialisation ----------------------------------------------------------------

    def certificate_pem(self) -> bytes:
        return certificate_to_pem(self.certificate)

    def private_key_pem(self, passphrase: bytes) -> bytes:
        """The CA key as encrypted PKCS#8 PEM (a passphrase is mandatory)."""
        return encrypt_private_key(self.private_key, passphrase)

    def to_pem(self, passphrase: bytes) -> tuple[bytes, bytes, bytes]:
        """(certificate PEM, encrypted key PEM, CRL PEM) for storage."""
        return self.certificate_pem(), self.private_key_pem(passphrase), crl_to_pem(self.crl())

    @classmethod
    def from_pem(
        cls,
        cert_pem: bytes,
        key_pem: bytes,
        passphrase: bytes,
        crl_pem: bytes | None = None,
    ) -> "CertificateAuthority":
        cert = load_certificate(cert_pem)
        key = load_private_key(key_pem, passphrase)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError("The CA key is not an EC key")
        if key.public_key().public_numbers() != ec_public_key(cert).public_numbers():
            raise ValueError("The CA key does not match the CA certificate")
        ca = cls(certificate=cert, private_key=key)
        if crl_pem:
            crl = load_crl(crl_pem)
            if not crl.is_signature_valid(ec_public_key(cert)):
                raise ValueError("The revocation list was not signed by this CA")
            for entry in crl:
                ca.revoked[entry.serial_number] = entry.revocation_date_utc
            try:
                ca.crl_number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
            except x509.ExtensionNotFound:
                pass
        return ca


def create_ca(common_name: str, organisation: str, valid_days: int = 3650,
              not_before: _dt.datetime | None = None) -> CertificateAuthority:
    """A new self-signed organisation CA with an EC P-256 key, valid from now (or from
    ``not_before``: the demo's CA covers the history it signs)."""
    common_name = _check_text("CA name", common_name)
    organisation = _check_text("Organisation", organisation)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])
    start = _aware(not_before) if not_before is not None else _utcnow() - _CLOCK_SKEW
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + _dt.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .sign(key, _HASH())
    )
    return CertificateAuthority(certificate=cert, private_key=key)


# --------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class RevocationStatus:
    """What a revocation list says about one certificate as of a moment.

    ``state`` is ``"good"`` (not revoked then, and the list speaks for that moment: issued
    after it, or still current at it), ``"revoked"`` (revoked at or before it: ``revoked_at``),
    ``"revoked_later"`` (revoked after it: a signature proven to exist before then stands),
    or ``"unknown"`` (the list was superseded before that moment: it cannot say)."""

    state: str
    revoked_at: _dt.datetime | None = None

    @property
    def revoked(self) -> bool:
        return self.state == "revoked"


def revocation_status(cert: x509.Certificate, ca_cert: x509.Certificate,
                      crl: x509.CertificateRevocationList, as_of: _dt.datetime) -> RevocationStatus:
    """The status of ``cert`` as of ``as_of`` (the validation time: a proven signing time, or
    now), by ``crl``, judged at that time and never by the wall clock. Raises
    :class:`CertificateUnusable` if the list was not signed by ``ca_cert``."""
    as_of = _aware(as_of)
    if crl.issuer != ca_cert.subject or not crl.is_signature_valid(ec_public_key(ca_cert)):
        raise CertificateUnusable(
            "The revocation list was not signed by this organisation's certificate authority, "
            "so it cannot be checked whether the certificate was revoked."
        )
    entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
    if entry is not None:
        when = _aware(entry.revocation_date_utc)
        return RevocationStatus("revoked" if when <= as_of else "revoked_later", when)
    issued = _aware(crl.last_update_utc)
    next_update = crl.next_update_utc
    if issued >= as_of or next_update is None or _aware(next_update) >= as_of:
        return RevocationStatus("good")
    return RevocationStatus("unknown")


def check_can_sign(
    cert: x509.Certificate,
    ca_cert: x509.Certificate,
    crl: x509.CertificateRevocationList | None,
    at: _dt.datetime,
    *,
    as_of: _dt.datetime | None = None,
) -> None:
    """Raise :class:`CertificateUnusable` unless ``cert`` may sign at time ``at``.

    Checks, in order: issued by ``ca_cert`` (name and signature), the CA itself in
    date, the certificate in date, the revocation list (must be signed by the CA), and key
    usage (digitalSignature and nonRepudiation/contentCommitment, not a CA certificate).
    ``crl=None`` means no revocation information is available (skips that check).

    Revocation: signing now (``as_of`` not given), any listed serial is refused, whatever
    its revocation date. Verifying a signature as of a proven time, pass that time as
    ``as_of``: the list is judged at that time (:func:`revocation_status`), not by the wall
    clock, so a revocation dated after it does not spoil the signature.
    """
    at = _aware(at)
    who = _cn(cert.subject)

    issued_by_ca = cert.issuer == ca_cert.subject
    if issued_by_ca:
        try:
            cert.verify_directly_issued_by(ca_cert)
        except (ValueError, TypeError, InvalidSignature):
            issued_by_ca = False
    if not issued_by_ca:
        raise CertificateUnusable(
            f"The certificate for {who} was not issued by this organisation's certificate "
            f"authority ({_cn(ca_cert.subject)}), so it cannot be used to sign records."
        )

    if at > ca_cert.not_valid_after_utc:
        raise CertificateUnusable(
            f"The organisation's certificate authority ({_cn(ca_cert.subject)}) expired on "
            f"{_fmt(ca_cert.not_valid_after_utc)}; no certificate it issued can sign."
        )
    if at < cert.not_valid_before_utc:
        raise CertificateUnusable(
            f"The certificate for {who} is not valid yet: it starts on {_fmt(cert.not_valid_before_utc)}."
        )
    if at > cert.not_valid_after_utc:
        raise CertificateUnusable(
            f"The certificate for {who} expired on {_fmt(cert.not_valid_after_utc)}. "
            "Choose Sync > Get a new signing certificate (a new one is also fetched at the next "
            "sync), or ask IT."
        )

    if crl is not None:
        status = revocation_status(cert, ca_cert, crl, as_of if as_of is not None else at)
        entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        if entry is not None and (as_of is None or status.revoked):
            raise CertificateUnusable(
                f"The certificate for {who} was revoked on {_fmt(entry.revocation_date_utc)} "
                "and can no longer sign. Sign in to the sync server again (Sync menu) to get a new "
                "one, or ask IT."
            )

    try:
        bc = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        if bc.ca:
            raise CertificateUnusable(
                f"The certificate for {who} is a certificate authority certificate, not a personal "
                "signing certificate."
            )
    except x509.ExtensionNotFound:
        pass
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        ku = None
    if ku is None or not (ku.digital_signature and ku.content_commitment):
        raise CertificateUnusable(
            f"The certificate for {who} is not issued for signing documents "
            "(it lacks the digital signature and non-repudiation key usages)."
        )
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        eku = None
    if eku is not None:
        allowed = set(DOCUMENT_SIGNING_EKUS) | {
            ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
            ExtendedKeyUsageOID.EMAIL_PROTECTION,
        }
        if not allowed.intersection(eku):
            raise CertificateUnusable(
                f"The certificate for {who} is restricted to other purposes and cannot sign documents."
            )

"""Each signer's key pair and certificate, and the CA that certifies them.

Keys are made on this device and stored in the profile folder as encrypted PKCS#8; each
key's random passphrase lives only in the OS keyring. In standalone and demo mode a local
demo CA (its key stored the same way) certifies users; with a sync server, the server's
organisation CA does (the sync client saves the certificate it issues with
:meth:`CredentialStore.install_certificate`).

A certificate that is revoked, expired, close to its end (:data:`RENEWAL_WINDOW`) or from a
retired CA is replaced with a *new* key: :meth:`CredentialStore.new_certificate_request`
makes it beside the current one, and only when the new certificate is installed does it
take the current key's place. The old certificate is kept in ``keys/retired/`` (a
signature made with it still names it) and its private key is destroyed, so it can never
sign again. The organisation CA certificate is kept at ``ca/organisation-ca.pem`` (what
``supervision-app verify`` trusts by default); one replaced by a CA rotation is kept in
``ca/retired/``.
"""
from __future__ import annotations

import datetime as _dt
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from ..errors import AppError
from . import pki
from .secret_store import SecretStore

CA_FOLDER = "ca"
KEYS_FOLDER = "keys"
RETIRED_FOLDER = "retired"
CA_CERTIFICATE_FILE = "organisation-ca.pem"
RENEWAL_WINDOW = _dt.timedelta(days=30)  # warn, and renew at sync, this long before expiry
DEMO_CA_NAME = "Supervision Recorder demo CA (not for real records)"


class CredentialsUnavailable(AppError, RuntimeError):
    """Signing cannot go ahead; the message says why in plain words."""


@dataclass(frozen=True)
class CertificateState:
    """Where a person's signing certificate on this computer stands at a moment.

    ``status``: ``missing`` (none yet), ``ok``, ``renew_soon`` (usable, ends within
    :data:`RENEWAL_WINDOW`), ``expired``, ``revoked`` (on the saved revocation list),
    ``foreign_ca`` (not issued by the CA this computer now trusts: the CA was rotated) or
    ``unusable`` (any other reason it cannot sign). ``message`` says it in words."""

    status: str
    message: str
    expires_at: _dt.datetime | None = None
    serial: int | None = None
    summary: str = ""  # a few words for a status line

    @property
    def needs_new_certificate(self) -> bool:
        return self.status != "ok"

    @property
    def can_sign(self) -> bool:
        return self.status in ("ok", "renew_soon")


def _words_date(when: _dt.datetime) -> str:
    from ..domain.time_rules import format_london

    return format_london(when)


def _days(delta: _dt.timedelta) -> str:
    days = max(0, delta.days)
    return "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"


@dataclass(frozen=True)
class SigningCredentials:
    staff_id: str
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    ca_certificate: x509.Certificate
    crl: x509.CertificateRevocationList | None

    def check_usable(self, at: _dt.datetime) -> None:
        try:
            pki.check_can_sign(self.certificate, self.ca_certificate, self.crl, at)
        except pki.CertificateUnusable as problem:
            raise CredentialsUnavailable(str(problem)) from None


def _aware(when: _dt.datetime) -> _dt.datetime:
    return when.replace(tzinfo=_dt.timezone.utc) if when.tzinfo is None else when


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.chmod(0o600)
    tmp.replace(path)


class CredentialStore:
    """Signing keys and certificates for the people who use one profile."""

    def __init__(self, profile_folder: Path, secret_store: SecretStore, organisation: str = "Demo Council") -> None:
        self._folder = Path(profile_folder)
        self._secrets = secret_store
        self._organisation = organisation
        self._lock = threading.Lock()  # signing runs in worker threads

    # -- the CA -------------------------------------------------------------------

    @property
    def _ca_cert_path(self) -> Path:
        return self._folder / CA_FOLDER / CA_CERTIFICATE_FILE

    @property
    def _ca_key_path(self) -> Path:
        return self._folder / CA_FOLDER / "organisation-ca.key.pem"

    @property
    def _crl_path(self) -> Path:
        return self._folder / CA_FOLDER / "organisation-ca.crl.pem"

    def ca_certificate_pem(self) -> bytes | None:
        return self._ca_cert_path.read_bytes() if self._ca_cert_path.exists() else None

    def local_ca(self, valid_from: _dt.datetime | None = None) -> pki.CertificateAuthority:
        """The local demo CA, made on first use (standalone mode only), valid from now or
        from ``valid_from`` (the demo signs a year of history with it)."""
        if self._ca_cert_path.exists():
            if not self._ca_key_path.exists():
                raise CredentialsUnavailable(
                    "This profile's certificates come from the organisation's server; it cannot "
                    "issue certificates itself.")
            passphrase = self._secrets.get("ca-key")
            if not passphrase:
                raise CredentialsUnavailable(
                    "The passphrase for this profile's certificate authority is missing from "
                    "your keyring, so no new certificates can be issued.")
            crl = self._crl_path.read_bytes() if self._crl_path.exists() else None
            return pki.CertificateAuthority.from_pem(
                self._ca_cert_path.read_bytes(), self._ca_key_path.read_bytes(), passphrase.encode(), crl)
        ca = pki.create_ca(DEMO_CA_NAME, self._organisation, not_before=valid_from)
        passphrase = secrets.token_urlsafe(32)
        self._secrets.set("ca-key", passphrase)
        cert_pem, key_pem, crl_pem = ca.to_pem(passphrase.encode())
        _write_private(self._ca_key_path, key_pem)
        _write_private(self._crl_path, crl_pem)
        _write_private(self._ca_cert_path, cert_pem)
        return ca

    def save_crl(self, crl_pem: bytes) -> None:
        _write_private(self._crl_path, crl_pem)

    def revoke(self, staff_id: str) -> None:
        """Revoke a user's certificate with the local CA (standalone mode)."""
        with self._lock:
            ca = self.local_ca()
            ca.revoke(self._certificate(staff_id).serial_number)
            self.save_crl(pki.crl_to_pem(ca.crl()))

    # -- users --------------------------------------------------------------------

    def _key_path(self, staff_id: str) -> Path:
        return self._folder / KEYS_FOLDER / f"{staff_id}.key.pem"

    def _cert_path(self, staff_id: str) -> Path:
        return self._folder / KEYS_FOLDER / f"{staff_id}.cert.pem"

    def _certificate(self, staff_id: str) -> x509.Certificate:
        path = self._cert_path(staff_id)
        if not path.exists():
            raise CredentialsUnavailable("You have no signing certificate on this computer yet.")
        return pki.load_certificate(path.read_bytes())

    def has_key(self, staff_id: str) -> bool:
        return self._key_path(staff_id).exists()

    def make_key(self, staff_id: str) -> ec.EllipticCurvePrivateKey:
        key = pki.generate_user_key()
        passphrase = secrets.token_urlsafe(32)
        self._secrets.set(f"signing-key:{staff_id}", passphrase)
        _write_private(self._key_path(staff_id), pki.encrypt_private_key(key, passphrase.encode()))
        return key

    def _load_key(self, staff_id: str) -> ec.EllipticCurvePrivateKey:
        passphrase = self._secrets.get(f"signing-key:{staff_id}")
        if not passphrase:
            raise CredentialsUnavailable(
                "The passphrase for your signing key is missing from your keyring, so you cannot "
                "sign on this computer. Choose Sync > Get a new signing certificate to make a new "
                "key (or ask IT).")
        return pki.load_private_key(self._key_path(staff_id).read_bytes(), passphrase.encode())

    def certificate_request(self, staff_id: str, display_name: str) -> x509.CertificateSigningRequest:
        key = self._load_key(staff_id) if self.has_key(staff_id) else self.make_key(staff_id)
        return pki.make_csr(key, display_name)

    def install_certificate(self, staff_id: str, certificate_pem: bytes, ca_certificate_pem: bytes) -> None:
        """Keep a certificate issued elsewhere (the organisation's server), and the CA
        certificate that issued it. A certificate for the key made by
        :meth:`new_certificate_request` makes that key the one that signs: the previous
        certificate is retired and its key destroyed."""
        certificate = pki.load_certificate(certificate_pem)
        numbers = pki.ec_public_key(certificate).public_numbers()
        with self._lock:
            pending = (self._load_pending_key(staff_id)
                       if self._pending_key_path(staff_id).exists() else None)
            if pending is not None and pending.public_key().public_numbers() == numbers:
                self._retire_current(staff_id)
                self._secrets.set(f"signing-key:{staff_id}", self._pending_passphrase(staff_id))
                self._pending_key_path(staff_id).replace(self._key_path(staff_id))
                self._secrets.delete(f"signing-key-new:{staff_id}")
            elif not self.has_key(staff_id) or (
                    self._load_key(staff_id).public_key().public_numbers() != numbers):
                raise CredentialsUnavailable("The certificate issued does not match your signing key.")
            _write_private(self._cert_path(staff_id), certificate_pem)
            self.save_ca_certificate(ca_certificate_pem)

    # -- replacing a certificate ------------------------------------------------------

    def _pending_key_path(self, staff_id: str) -> Path:
        return self._folder / KEYS_FOLDER / f"{staff_id}.new.key.pem"

    def _pending_passphrase(self, staff_id: str) -> str:
        passphrase = self._secrets.get(f"signing-key-new:{staff_id}")
        if not passphrase:
            raise CredentialsUnavailable("The passphrase for your new signing key is missing from "
                                         "your keyring; ask for a new certificate again.")
        return passphrase

    def _load_pending_key(self, staff_id: str) -> ec.EllipticCurvePrivateKey:
        passphrase = self._pending_passphrase(staff_id)
        return pki.load_private_key(self._pending_key_path(staff_id).read_bytes(), passphrase.encode())

    def new_certificate_request(self, staff_id: str, display_name: str) -> x509.CertificateSigningRequest:
        """A request for a certificate on a new key, made beside the current one (which
        keeps signing until the new certificate is installed). A new key left by an
        attempt that failed is used again: it has never been certified."""
        with self._lock:
            if self._pending_key_path(staff_id).exists() and self._secrets.get(f"signing-key-new:{staff_id}"):
                key = self._load_pending_key(staff_id)
            else:
                key = pki.generate_user_key()
                passphrase = secrets.token_urlsafe(32)
                self._secrets.set(f"signing-key-new:{staff_id}", passphrase)
                _write_private(self._pending_key_path(staff_id),
                               pki.encrypt_private_key(key, passphrase.encode()))
            return pki.make_csr(key, display_name)

    def _retired_folder(self) -> Path:
        return self._folder / KEYS_FOLDER / RETIRED_FOLDER

    def _retire_current(self, staff_id: str) -> None:
        """Keep the current certificate for the record; destroy its key."""
        cert_path = self._cert_path(staff_id)
        if cert_path.exists():
            serial = pki.load_certificate(cert_path.read_bytes()).serial_number
            _write_private(self._retired_folder() / f"{staff_id}-{serial}.cert.pem", cert_path.read_bytes())
            cert_path.unlink()
        key_path = self._key_path(staff_id)
        if key_path.exists():
            # overwrite before unlinking: the file is encrypted, but nothing of it need remain
            key_path.write_bytes(b"\0" * key_path.stat().st_size)
            key_path.unlink()
        self._secrets.delete(f"signing-key:{staff_id}")

    def retired_certificates(self, staff_id: str) -> list[x509.Certificate]:
        """Certificates this person signed with here before, oldest first; never used to sign."""
        folder = self._retired_folder()
        found = [pki.load_certificate(path.read_bytes())
                 for path in folder.glob(f"{staff_id}-*.cert.pem")] if folder.exists() else []
        return sorted(found, key=lambda c: c.not_valid_before_utc)

    def certificate_pem(self, staff_id: str) -> bytes | None:
        path = self._cert_path(staff_id)
        return path.read_bytes() if path.exists() else None

    def certificate_state(self, staff_id: str, at: _dt.datetime) -> CertificateState:
        """Whether this person can sign here at ``at``, and whether their certificate
        should be replaced (see :class:`CertificateState`)."""
        if not self.has_key(staff_id) or not self._cert_path(staff_id).exists():
            return CertificateState("missing", "You have no signing certificate on this computer yet.",
                                    summary="no signing certificate yet")
        certificate = self._certificate(staff_id)
        expires = certificate.not_valid_after_utc
        ca_pem = self.ca_certificate_pem()
        if ca_pem is None:
            return CertificateState("foreign_ca", "This computer does not have the organisation's "
                                    "CA certificate.", expires, certificate.serial_number,
                                    "new signing certificate needed")
        ca = pki.load_certificate(ca_pem)
        crl = pki.load_crl(self._crl_path.read_bytes()) if self._crl_path.exists() else None
        if certificate.issuer != ca.subject:
            return CertificateState("foreign_ca", "Your signing certificate was issued by the "
                                    "organisation's previous certificate authority; a new one is "
                                    "needed.", expires, certificate.serial_number,
                                    "new signing certificate needed")
        try:
            pki.check_can_sign(certificate, ca, crl, at)
        except pki.CertificateUnusable as problem:
            status = ("revoked" if crl is not None and crl.get_revoked_certificate_by_serial_number(
                          certificate.serial_number) is not None
                      else "expired" if at > expires else "unusable")
            summary = {"revoked": "signing certificate revoked",
                       "expired": "signing certificate expired"}.get(status, "cannot sign here")
            return CertificateState(status, problem.reason, expires, certificate.serial_number, summary)
        if expires - _aware(at) <= RENEWAL_WINDOW:
            return CertificateState(
                "renew_soon", f"Your signing certificate expires on {_words_date(expires)} "
                f"({_days(expires - _aware(at))}); a new one is fetched at the next sync.",
                expires, certificate.serial_number,
                f"signing certificate expires {_days(expires - _aware(at))}")
        return CertificateState("ok", f"Your signing certificate is valid until {_words_date(expires)}.",
                                expires, certificate.serial_number)

    def save_ca_certificate(self, ca_certificate_pem: bytes) -> None:
        """Keep the organisation CA certificate; one it replaces (a CA rotation) is kept
        in ``ca/retired/`` so that records signed under it can still be checked."""
        current = self.ca_certificate_pem()
        if current is not None and current.strip() != ca_certificate_pem.strip():
            old = pki.load_certificate(current)
            name = old.fingerprint(hashes.SHA256()).hex()[:32]
            _write_private(self._folder / CA_FOLDER / RETIRED_FOLDER / f"{name}.pem", current)
        if current is None or current.strip() != ca_certificate_pem.strip():
            _write_private(self._ca_cert_path, ca_certificate_pem)

    def ca_certificate_path(self) -> Path | None:
        """Where the organisation CA certificate is kept, if this profile has one."""
        return self._ca_cert_path if self._ca_cert_path.exists() else None

    def ensure_local_credentials(self, staff_id: str, display_name: str, role: str,
                                 valid_from: _dt.datetime | None = None) -> None:
        """Standalone mode: make a key and have the local CA certify it, once. A certificate
        (and a CA made here) starts now, or at ``valid_from``: the demo signs records dated
        up to a year back, and a signature made before its certificate began would not
        verify."""
        with self._lock:
            if self._cert_path(staff_id).exists() and self.has_key(staff_id):
                return
            ca = self.local_ca(valid_from)
            csr = self.certificate_request(staff_id, display_name)
            certificate = ca.issue_user_certificate(csr, display_name, staff_id, role,
                                                    not_before=valid_from)
            _write_private(self._cert_path(staff_id), pki.certificate_to_pem(certificate))

    def credentials_for(self, staff_id: str) -> SigningCredentials:
        with self._lock:
            if not self.has_key(staff_id):
                raise CredentialsUnavailable("You have no signing key on this computer yet.")
            ca_pem = self.ca_certificate_pem()
            if ca_pem is None:
                raise CredentialsUnavailable("This computer does not have the organisation's CA certificate.")
            crl = pki.load_crl(self._crl_path.read_bytes()) if self._crl_path.exists() else None
            return SigningCredentials(
                staff_id=staff_id, key=self._load_key(staff_id), certificate=self._certificate(staff_id),
                ca_certificate=pki.load_certificate(ca_pem), crl=crl,
            )

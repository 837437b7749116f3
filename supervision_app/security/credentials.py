"""Each signer's key pair and certificate, and the CA that certifies them.

Keys are made on this device and stored in the profile folder as encrypted PKCS#8; each
key's random passphrase lives only in the OS keyring. In standalone and demo mode a local
demo CA (its key stored the same way) certifies users; with a sync server, the server's
organisation CA does (the sync client saves the certificate it issues with
:meth:`CredentialStore.install_certificate`).
"""
from __future__ import annotations

import datetime as _dt
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from . import pki
from .secret_store import SecretStore

CA_FOLDER = "ca"
KEYS_FOLDER = "keys"
DEMO_CA_NAME = "Supervision Recorder demo CA (not for real records)"


class CredentialsUnavailable(RuntimeError):
    """Signing cannot go ahead; the message says why in plain words."""


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
        return self._folder / CA_FOLDER / "organisation-ca.pem"

    @property
    def _ca_key_path(self) -> Path:
        return self._folder / CA_FOLDER / "organisation-ca.key.pem"

    @property
    def _crl_path(self) -> Path:
        return self._folder / CA_FOLDER / "organisation-ca.crl.pem"

    def ca_certificate_pem(self) -> bytes | None:
        return self._ca_cert_path.read_bytes() if self._ca_cert_path.exists() else None

    def local_ca(self) -> pki.CertificateAuthority:
        """The local demo CA, made on first use (standalone mode only)."""
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
        ca = pki.create_ca(DEMO_CA_NAME, self._organisation)
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
                "sign on this computer. Ask IT to issue you a new certificate.")
        return pki.load_private_key(self._key_path(staff_id).read_bytes(), passphrase.encode())

    def certificate_request(self, staff_id: str, display_name: str) -> x509.CertificateSigningRequest:
        key = self._load_key(staff_id) if self.has_key(staff_id) else self.make_key(staff_id)
        return pki.make_csr(key, display_name)

    def install_certificate(self, staff_id: str, certificate_pem: bytes, ca_certificate_pem: bytes) -> None:
        """Keep a certificate issued elsewhere (the organisation's server)."""
        certificate = pki.load_certificate(certificate_pem)
        key = self._load_key(staff_id)
        if certificate.public_key().public_numbers() != key.public_key().public_numbers():
            raise CredentialsUnavailable("The certificate issued does not match your signing key.")
        _write_private(self._cert_path(staff_id), certificate_pem)
        _write_private(self._ca_cert_path, ca_certificate_pem)

    def ensure_local_credentials(self, staff_id: str, display_name: str, role: str) -> None:
        """Standalone mode: make a key and have the local CA certify it, once."""
        with self._lock:
            if self._cert_path(staff_id).exists() and self.has_key(staff_id):
                return
            ca = self.local_ca()
            csr = self.certificate_request(staff_id, display_name)
            certificate = ca.issue_user_certificate(csr, display_name, staff_id, role)
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

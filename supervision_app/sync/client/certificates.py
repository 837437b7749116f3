"""The signing certificate: enrolment with the server's CA, renewal before it is needed,
and the CA's revocation list.

With a credential store every sync also fetches the CA's revocation list (a 304 when
unchanged) and saves it, so a certificate revoked on the server stops signing here at the
next sync. Then, at every sync, :meth:`CertificateKeeper.ensure_signing_certificate`
replaces a certificate that is revoked, expired, from a rotated CA, or within 30 days of
its end, with a new key (the server may ask the person to sign in again first: its
refusal is kept in words for the status line, never a failed sync).
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from .. import protocol as p
from .errors import ServerUnreachable, SignInNeeded, SyncError
from .push import Pusher
from .results import CertificateOutcome, SyncReport
from .session import parse_answer

if TYPE_CHECKING:
    from cryptography import x509

    from ...security.credentials import CredentialStore

log = logging.getLogger(__name__)


class CertificateKeeper(Pusher):
    def enrol_certificate(self, credential_store: "CredentialStore | None" = None,
                          new_key: bool = False) -> "x509.Certificate":
        """Have the server's CA certify this laptop's signing key for the person signed in
        (a key is made on first use; its passphrase goes to the keyring). With
        ``new_key``, a new key is made and certified, and replaces the current one only
        once its certificate is installed. The certificate and the CA certificate are
        installed in ``credential_store``, with the current revocation list."""
        from cryptography.hazmat.primitives import serialization

        from ...security import pki

        store = self._use_store(credential_store)
        with self._lock:
            with self._raw(write=False) as cur:
                staff_id = self._get(cur, "staff_id")
                found = cur.execute("SELECT display_name FROM staff WHERE id = ?", (staff_id,)).fetchone()
            if not staff_id:
                raise SignInNeeded("Sign in to the sync server before asking for a signing certificate.")
            name = " ".join((found[0] if found else "Staff member").split())[:64] or "Staff member"
            csr = (store.new_certificate_request(staff_id, name) if new_key and store.has_key(staff_id)
                   else store.certificate_request(staff_id, name))
            body = p.CertificateRequest(csr_pem=csr.public_bytes(serialization.Encoding.PEM).decode())
            response = self._request("POST", "/v1/certificates", content=body.model_dump_json())
            issued = parse_answer(p.CertificateIssued, response)
            store.install_certificate(staff_id, issued.certificate_pem.encode(),
                                      issued.ca_certificate_pem.encode())
            with self._raw() as cur:
                self._set(cur, "crl_etag", "")
                self._audit(cur, "certificate_enrolled", "", "")
            self._refresh_crl(enrolling=True)
            log.info("signing certificate installed (serial %s)", issued.serial)
            return pki.load_certificate(issued.certificate_pem.encode())

    def ensure_signing_certificate(self, credential_store: "CredentialStore | None" = None,
                                   *, force: bool = False, _crl_fresh: bool = False) -> CertificateOutcome:
        """Make sure the person signed in can sign on this laptop: enrol if there is no
        certificate yet; make a new key and certificate if the current one is revoked,
        expired, from a rotated CA or within 30 days of its end (or always, with
        ``force``). The old certificate is kept but its key never signs again. A refusal
        by the server (say, a revocation that needs a fresh sign-in) is returned in words,
        and kept for the status line; network and sign-in problems raise as in ``sync``.
        Call it after ``login`` (sign-in) and from a worker thread."""
        from ...security.credentials import CredentialsUnavailable

        store = self._use_store(credential_store)
        with self._lock:
            with self._raw(write=False) as cur:
                staff_id = self._get(cur, "staff_id")
            if not staff_id:
                raise SignInNeeded("Sign in to the sync server before asking for a signing certificate.")
            if not _crl_fresh:
                self._refresh_crl()  # a revocation made since the last sync counts now
            state = store.certificate_state(staff_id, self.clock())
            if not force and state.status == "ok":
                self._note_certificate("", "ok")
                return CertificateOutcome("none")
            if not force and state.status == "renew_soon" and self._renewed_today():
                self._note_certificate(state.message, state.status)  # renewed, and still close: a clock problem
                return CertificateOutcome("none", state.message)
            if state.status != "missing":
                mine = self._my_certificates()
                if mine is not None and mine.refusal:  # an administrator's revocation: a fresh sign-in is needed
                    self._note_certificate(mine.refusal, "refused_signin")
                    return CertificateOutcome("refused", mine.refusal)
            if state.status != "missing":
                # what the old key signed goes before the server supersedes it (again at sync:
                # a signature may have been made since the sync's own push)
                self._push(SyncReport(), None)
            try:
                # a key without a certificate was never certified: a new one costs nothing
                self.enrol_certificate(store, new_key=True)
            except (CredentialsUnavailable, ValueError) as problem:
                message = str(problem) if isinstance(problem, CredentialsUnavailable) else (
                    "Your new signing key could not be kept on this computer.")
                self._note_certificate(message, "refused")
                return CertificateOutcome("refused", message)
            except SyncError as refused:
                if isinstance(refused, (SignInNeeded, ServerUnreachable)):
                    raise
                self._note_certificate(str(refused), "refused_signin" if refused.status == 403 else "refused")
                return CertificateOutcome("refused", str(refused))
            with self._raw() as cur:
                self._set(cur, "certificate_renewed_on", self.clock().date().isoformat())
            after = store.certificate_state(staff_id, self.clock())
            self._note_certificate(after.message if after.status != "ok" else "", after.status)
            if state.status == "missing":
                return CertificateOutcome("enrolled", "Your signing certificate has been issued.")
            return CertificateOutcome("renewed", "You have a new signing certificate. "
                                      + (state.message if state.status != "renew_soon" else ""))

    def _use_store(self, credential_store: CredentialStore | None) -> CredentialStore:
        """The store given, kept for the syncs that follow, or the one kept before."""
        store = credential_store or self.credentials
        if store is None:
            raise ValueError("a credential store is needed to enrol a certificate")
        self.credentials = store
        return store

    def renew_certificate(self, credential_store: "CredentialStore | None" = None) -> CertificateOutcome:
        """A new key and certificate now, whatever the state of the current one (the
        app's Sync > Get a new signing certificate)."""
        return self.ensure_signing_certificate(credential_store, force=True)

    def _my_certificates(self) -> "p.MyCertificates | None":
        """This person's certificates as the server sees them; None from a server too old
        to say (it refuses, if it must, when asked for the certificate)."""
        response = self._request("GET", "/v1/certificates", accept=(200, 404, 405))
        if response.status_code != 200:
            return None
        return parse_answer(p.MyCertificates, response)

    def _renewed_today(self) -> bool:
        with self._raw(write=False) as cur:
            return self._get(cur, "certificate_renewed_on") == self.clock().date().isoformat()

    def _note_certificate(self, message: str, status: str) -> None:
        with self._raw(write=False) as cur:
            if (self._get(cur, "certificate_notice", "") == message
                    and self._get(cur, "certificate_status", "") == status):
                return
        with self._raw() as cur:
            self._set(cur, "certificate_notice", message)
            self._set(cur, "certificate_status", status)

    def _certificate_words(self, cur) -> dict[str, str]:
        """The certificate's standing for the status line, read now (an offline laptop
        still warns of its end): a refusal kept from the last attempt, else the state."""
        notice = self._get(cur, "certificate_notice", "") or ""
        status = self._get(cur, "certificate_status", "") or ""
        staff_id = self._get(cur, "staff_id")
        refused = {"certificate_notice": notice, "certificate_status": status,
                   "certificate_summary": "cannot sign: new certificate needed"}
        if self.credentials is None or not staff_id:
            return refused if status.startswith("refused") and notice else {}
        from ...security.credentials import CredentialsUnavailable

        try:
            state = self.credentials.certificate_state(staff_id, self.clock())
        except (CredentialsUnavailable, ValueError, OSError):
            return refused if status.startswith("refused") and notice else {}
        if state.status == "ok":
            return {"certificate_status": "ok"}
        if status.startswith("refused") and notice:
            return refused
        return {"certificate_notice": state.message, "certificate_status": state.status,
                "certificate_summary": state.summary}

    def _check_certificate(self) -> None:
        """At sync: replace a certificate that needs it. A keyring or key-file problem is
        kept for the status line; it does not fail the sync."""
        if self.credentials is None:
            return
        from ...security.credentials import CredentialsUnavailable

        try:
            self.ensure_signing_certificate(self.credentials, _crl_fresh=True)
        except CredentialsUnavailable as problem:
            self._note_certificate(str(problem), "refused")
        except (SignInNeeded, ServerUnreachable):
            raise
        except SyncError as problem:  # the records synced; only the certificate waits
            self._note_certificate(str(problem), "refused")

    def _refresh_crl(self, enrolling: bool = False) -> None:
        """Fetch the CA's revocation list if it changed and keep it where signing checks
        it. A list this laptop's CA did not sign means the server's CA was rotated: the
        certificate check that follows at sync makes a new key for the new CA."""
        store = self.credentials
        if store is None:
            return
        from ...security import pki

        with self._raw(write=False) as cur:
            tag = self._get(cur, "crl_etag", "") or ""
        response = self._request("GET", "/v1/crl", auth=False, accept=(200, 304, 404),
                                 extra_headers={"If-None-Match": tag} if tag else None)
        if response.status_code != 200:
            return  # unchanged, or the server has no CA
        try:
            crl = pki.load_crl(response.content)
        except ValueError:
            raise SyncError("The sync server sent a revocation list that could not be read.") from None
        ca_pem = store.ca_certificate_pem()
        ca = pki.load_certificate(ca_pem) if ca_pem else None
        if ca is None or crl.issuer != ca.subject or not crl.is_signature_valid(pki.ec_public_key(ca)):
            if not enrolling:
                self._take_new_ca(store)
            return
        store.save_crl(response.content)
        with self._raw() as cur:
            self._set(cur, "crl_etag", response.headers.get("ETag", ""))

    def _take_new_ca(self, store: "CredentialStore") -> None:
        """The server's CA was rotated: keep its new certificate (the old one is kept in the
        profile for records signed under it). The certificate check makes a new key."""
        response = self._request("GET", "/v1/ca", auth=False, accept=(200, 404))
        if response.status_code != 200:
            return
        from ...security import pki

        try:
            pki.load_certificate(response.content)
        except ValueError:
            raise SyncError("The sync server sent a CA certificate that could not be read.") from None
        log.info("the organisation CA has changed: its new certificate is kept")
        store.save_ca_certificate(response.content)
        with self._raw() as cur:
            self._set(cur, "crl_etag", "")

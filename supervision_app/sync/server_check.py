"""Before a first sign-in: is the address a Supervision Recorder server that this computer
can reach and trust? And, whatever went wrong, what to tell the person in words.

The sync engine says "could not be reached" for every network failure, which is right for a
background sync (try again later) and no help to someone typing an address for the first
time: a typing mistake, a server that is down and a certificate this computer does not
trust need different actions. So the sign-in asks the server's ``/v1/version`` first, with
the same TLS settings as the engine (httpx's defaults: certifi, or ``SSL_CERT_FILE``).
"""
from __future__ import annotations

import ssl

import httpx

from .client import ServerUnreachable, SignInNeeded, SyncError


class SignInProblem(SyncError):
    """Sign-in did not work; ``str()`` says what happened and what to do. ``kind`` names
    the case (address, unreachable, tls, password, locked, disabled, keyring, refused) and
    ``keeps_password`` whether the password typed is still worth keeping."""

    def __init__(self, kind: str, message: str, keeps_password: bool = True) -> None:
        super().__init__(message)
        self.kind = kind
        self.keeps_password = keeps_password


def check_server(url: str, timeout: float = 15.0) -> None:
    """Raise :class:`SignInProblem` unless ``url`` answers as a Supervision Recorder sync
    server."""
    try:
        with httpx.Client(base_url=url, timeout=timeout) as http:
            response = http.get("/v1/version")
    except httpx.TimeoutException:
        raise SignInProblem("unreachable", f"The server at {url} did not answer in time. It may "
                            "be down or very busy, or this computer may be offline. Check your "
                            "network connection and try again; if it keeps happening, tell IT."
                            ) from None
    except httpx.TransportError as error:
        if _untrusted_certificate(error):
            raise SignInProblem("tls", f"This computer does not trust the security certificate "
                                f"of {url}, so nothing was sent to it. Check the address is "
                                "exactly what IT gave you; if it is, ask IT to set this "
                                "computer up to trust the organisation's certificate "
                                "(INSTALL.md: 'Trusting the server's certificate').") from None
        raise SignInProblem("unreachable", f"The server at {url} could not be reached: it may "
                            "be down, or this computer may be offline. Check your network "
                            "connection and the address, then try again; if it keeps "
                            "happening, tell IT.") from None
    except httpx.InvalidURL:
        raise SignInProblem("address", f"'{url}' is not a web address; ask IT for the "
                            "server address.") from None
    if not _speaks_sync(response):
        raise SignInProblem("address", f"{url} answered, but it is not a Supervision Recorder "
                            "server. Check the address IT gave you (a typing mistake, or the "
                            "address of another site?).")


def _speaks_sync(response: httpx.Response) -> bool:
    if response.status_code != 200:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and isinstance(body.get("protocol"), int) and "version" in body


def _untrusted_certificate(error: BaseException) -> bool:
    seen: BaseException | None = error
    for _ in range(10):  # the chain: httpx -> httpcore -> ssl
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        if "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def explain(error: BaseException) -> SignInProblem:
    """A sign-in failure from the engine or the keyring, in words for the person signing in."""
    from ..security.secret_store import KeyringUnavailable

    if isinstance(error, SignInProblem):
        return error
    if isinstance(error, KeyringUnavailable):
        return SignInProblem("keyring", "The server accepted your password, but this computer's "
                             "secure keyring (Windows Credential Manager, macOS Keychain, or "
                             "GNOME Keyring/KWallet) would not keep your sign-in: it is locked "
                             "or not set up. Unlock it, or ask IT to enable it for your "
                             "account, then press Sign in again.")
    status = getattr(error, "status", None)
    if isinstance(error, SignInNeeded) or status == 401:
        return SignInProblem("password", "The username or password is not right. Check them "
                             "(the password is case-sensitive) and type your password again. "
                             "If you are sure they are right, your account may be locked or "
                             "no longer active: ask your administrator.", keeps_password=False)
    if status == 429:
        said = str(error).strip()
        return SignInProblem("locked", "Sign-in is paused for this account after wrong "
                             f"passwords. {said} If you have forgotten your password, ask your "
                             "administrator to reset it.")
    if status == 428:  # an administrator's one-time password: the server's words say so
        return SignInProblem("new_password", str(error).strip())
    if status == 403:
        return SignInProblem("disabled", "Your password is right, but your account is not "
                             "active in the organisation's staff directory (disabled, or not "
                             "started yet). Ask your administrator to enable it.",
                             keeps_password=False)
    if isinstance(error, ServerUnreachable):
        return SignInProblem("unreachable", f"{error} Try again in a few minutes; if it keeps "
                             "happening, tell IT.")
    if isinstance(error, SyncError):
        return SignInProblem("refused", str(error))
    return SignInProblem("unexpected", "Signing in did not work because of an unexpected "
                         "problem on this computer. Try again; if it happens again, tell IT "
                         "support.")

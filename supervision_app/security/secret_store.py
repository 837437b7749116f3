"""Secrets live only in the OS keyring, and only a keyring that really keeps them safe.

We fail closed: where the only keyring is the fail/null backend, a plaintext or other
file-based backend from ``keyrings.alt``, or one that errors (when it is loaded or when it is
used, with whatever exception: ``keyrings.alt``'s EncryptedKeyring raises a bare
RuntimeError without pycryptodome), the app refuses to start with a message saying what to
do, rather than putting a database key somewhere readable.
"""
from __future__ import annotations

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from ..errors import AppError

SERVICE_NAME = "supervision-recorder"


class KeyringUnavailable(AppError, RuntimeError):
    """No secure keyring; the message is fit to show to the user."""


_INSECURE_MODULE_PREFIXES = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")
_INSECURE_HELP = (
    "Supervision Recorder keeps its encryption key in your system's secure keyring "
    "(Windows Credential Manager, macOS Keychain, or GNOME Keyring/KWallet on Linux), "
    "and none is available here{detail}. Nothing has been written. Please ask IT to "
    "enable the keyring for your account, then start the app again."
)


def _backend_name(backend: KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _leaf_backends(backend: KeyringBackend) -> list[KeyringBackend]:
    children = getattr(backend, "backends", None)
    if children is not None and type(backend).__module__ == "keyring.backends.chainer":
        return [leaf for child in children for leaf in _leaf_backends(child)]
    return [backend]


def check_backend(backend: KeyringBackend) -> None:
    """Raise :class:`KeyringUnavailable` unless ``backend`` is a secure store."""
    leaves = _leaf_backends(backend)
    secure = [b for b in leaves if not _backend_name(b).startswith(_INSECURE_MODULE_PREFIXES)]
    if not secure:
        names = ", ".join(_backend_name(b) for b in leaves) or "no backend at all"
        raise KeyringUnavailable(_INSECURE_HELP.format(detail=f" (found: {names})"))


def _unavailable(error: BaseException) -> KeyringUnavailable:
    # The exception's type only: its text may hold a path or a secret-service detail.
    return KeyringUnavailable(_INSECURE_HELP.format(detail=f" (the keyring reported: {type(error).__name__})"))


class SecretStore:
    """Named secrets for one profile, kept in the OS keyring."""

    def __init__(self, profile_id: str, backend: KeyringBackend | None = None) -> None:
        if backend is None:
            try:
                backend = keyring.get_keyring()
            except Exception as error:  # noqa: BLE001 - a configured backend that cannot even load
                raise _unavailable(error) from None
        self._backend = backend
        check_backend(self._backend)
        self._profile_id = profile_id

    def _username(self, name: str) -> str:
        return f"{self._profile_id}:{name}"

    def get(self, name: str) -> str | None:
        try:
            return self._backend.get_password(SERVICE_NAME, self._username(name))
        except Exception as error:  # noqa: BLE001 - backends raise more than KeyringError (dbus...)
            raise _unavailable(error) from None

    def set(self, name: str, value: str) -> None:
        try:
            self._backend.set_password(SERVICE_NAME, self._username(name), value)
        except Exception as error:  # noqa: BLE001 - as in get
            raise _unavailable(error) from None

    def delete(self, name: str) -> None:
        try:
            self._backend.delete_password(SERVICE_NAME, self._username(name))
        except keyring.errors.PasswordDeleteError:
            pass
        except Exception as error:  # noqa: BLE001 - as in get
            raise _unavailable(error) from None

"""The errors the sync engine raises; ``str(error)`` is fit to show the user."""
from __future__ import annotations

import logging

from ...errors import AppError
from ...logging_setup import SafeText
from .. import protocol as p

log = logging.getLogger(__name__)


class SyncError(AppError):
    """Sync did not complete; ``str(error)`` is fit to show in the status bar. ``status`` is
    the server's HTTP status when it answered (sign-in tells a wrong password from a locked
    or disabled account by it)."""

    def __init__(self, message: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class SignInNeeded(SyncError):
    pass


class AccountEnded(SyncError):
    """The server says this account has ended (a leaver, DESIGN.md §1.1): the laptop has
    removed the records it held."""


class ServerUnreachable(SyncError):
    pass


def unreadable(invalid: p.PageInvalid) -> SyncError:
    """A page or row that breaks the protocol (the message says where, never what)."""
    log.warning("the sync server sent rows that do not fit the protocol: %s", SafeText(str(invalid)))
    return SyncError(f"The sync server sent records this version of the app cannot read "
                     f"({invalid}). Nothing from them was kept; ask IT whether an update is due.")

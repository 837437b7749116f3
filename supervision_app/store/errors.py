"""Storage failures, each with a message fit to show to the person at the keyboard."""
from __future__ import annotations

from ..errors import AppError


class StoreError(AppError):
    """Base for storage problems; ``str(error)`` is the user-facing message."""


class DatabaseKeyMissing(StoreError):
    pass


class DatabaseUnreadable(StoreError):
    pass


class ForeignDatabase(StoreError):
    pass


class StorageFull(StoreError):
    pass


class RecordLocked(StoreError):
    pass


class ProfileDamaged(StoreError):
    pass

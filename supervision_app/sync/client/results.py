"""What the sync engine tells the app: progress, a sync's counts, the status line, a
certificate check's outcome, and a conflict kept for the user to settle."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class SyncProgress:
    phase: str  # "push" or "pull"
    done: int  # mutations sent / rows received so far
    cursor: int
    first_sync: bool


@dataclass
class SyncReport:
    pushed: int = 0
    applied: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0
    pulled: int = 0
    removed: int = 0
    pages: int = 0
    audit_status: str = "not_sent"
    seconds: float = 0.0


@dataclass(frozen=True)
class SyncStatus:
    signed_in: bool
    last_sync_at: datetime | None
    pending_changes: int
    unresolved_conflicts: int
    last_error: str
    audit_alarm: str
    cursor: int
    # the signing certificate, in words ("" when all is well), and its CertificateState status,
    # or "refused" / "refused_signin" (the server wants a fresh sign-in) after a failed renewal
    certificate_notice: str = ""
    certificate_status: str = ""
    certificate_summary: str = ""  # a few words for the status line


@dataclass(frozen=True)
class CertificateOutcome:
    """What :meth:`SyncClient.ensure_signing_certificate` did: ``action`` is ``none``
    (nothing needed, or not possible here), ``enrolled`` (a first certificate), ``renewed``
    (a new key and certificate replaced the old) or ``refused`` (the server would not issue
    one: ``message`` says why and what to do)."""

    action: str
    message: str = ""


@dataclass(frozen=True)
class Conflict:
    id: str
    table: str
    row_id: str
    kind: str  # conflict (changed elsewhere) / rejected (server refused) / removed (access lost)
    reason: str
    local: dict[str, Any]
    server: dict[str, Any] | None
    created_at: datetime

"""The sync engine the app uses: push, then pull, then the certificate checks, with the
outcome kept for the status line."""
from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import TYPE_CHECKING, Callable

import httpx

from ...domain.time_rules import utc_now
from ...security.secret_store import SecretStore
from ...store import outbox as _outbox  # noqa: F401  (installs the outbox flush hook)
from ...store.database import Database
from .. import protocol as p
from .certificates import CertificateKeeper
from .errors import AccountEnded, SyncError
from .pull import BULK_ROWS, BULK_TRANSACTION_ROWS, Puller
from .results import SyncProgress, SyncReport, SyncStatus
from .session import TOKEN_NAME

if TYPE_CHECKING:
    from ...security.credentials import CredentialStore


class SyncClient(CertificateKeeper, Puller):
    """The laptop's sync engine (see the package's docstring for its use); blocks on the
    network, so call it from a background worker."""

    def __init__(self, database: Database, server_url: str, *, secret_store: SecretStore | None = None,
                 http: httpx.Client | None = None, timeout: float = 30.0,
                 page_size: int = p.DEFAULT_PAGE, verify: bool | str = True,
                 credentials: "CredentialStore | None" = None) -> None:
        self.db = database
        self.credentials = credentials
        self.server_url = server_url.rstrip("/")
        self.secrets = secret_store or SecretStore(database.profile.profile_id)
        self.http = http or httpx.Client(base_url=self.server_url, timeout=timeout, verify=verify)
        self.page_size = page_size
        self.first_sync_page_size = p.FIRST_SYNC_PAGE
        self.bulk_rows = BULK_ROWS
        self.bulk_transaction_rows = BULK_TRANSACTION_ROWS
        self._lock = threading.RLock()  # sync() may enrol again (CA rotated)
        self.clock: Callable[[], datetime] = utc_now  # tests move it to see certificates age
        self._housekeeping: threading.Thread | None = None

    def sync(self, progress: Callable[[SyncProgress], None] | None = None) -> SyncReport:
        """Push every pending change, then pull everything new. Safe to call at any time
        and to interrupt: nothing is lost and nothing is applied twice."""
        with self._lock:
            started = time.perf_counter()
            report = SyncReport()
            try:
                self._push(report, progress)
                self._pull(report, progress)
                self._remember_access()
                self._refresh_crl()
                self._check_certificate()
            except AccountEnded as error:
                self._forget_records()
                self._record_outcome(str(error))
                raise
            except SyncError as error:
                self._record_outcome(str(error))
                raise
            self._record_outcome("", success=True)
            report.seconds = time.perf_counter() - started
            return report

    def push(self) -> SyncReport:
        with self._lock:
            report = SyncReport()
            self._push(report, None)
            return report

    def pull(self, progress: Callable[[SyncProgress], None] | None = None) -> SyncReport:
        with self._lock:
            report = SyncReport()
            self._pull(report, progress)
            return report

    def status(self) -> SyncStatus:
        with self._raw(write=False) as cur:
            last = self._get(cur, "last_sync_at")
            pending = cur.execute("SELECT count(*) FROM sync_outbox").fetchone()[0]
            conflicts = cur.execute(
                "SELECT count(*) FROM sync_conflict WHERE resolved_at IS NULL").fetchone()[0]
            return SyncStatus(
                signed_in=bool(self.secrets.get(TOKEN_NAME)),
                last_sync_at=p.parse_datetime(last) if last else None,
                pending_changes=pending, unresolved_conflicts=conflicts,
                last_error=self._get(cur, "last_error", "") or "",
                audit_alarm=self._get(cur, "audit_alarm", "") or "",
                cursor=int(self._get(cur, "cursor", "0")),
                **self._certificate_words(cur),
            )

    def close(self) -> None:
        self._wait_for_housekeeping()
        self.http.close()

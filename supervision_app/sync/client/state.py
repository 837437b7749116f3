"""What every part of the sync engine shares: the database (one raw connection per
transaction), the bookkeeping in ``sync_state`` and the local audit log."""
from __future__ import annotations

import threading
import uuid
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Iterator, overload

import httpx

from ...domain.time_rules import utc_now
from ...security.audit_chain import GENESIS_HASH, entry_hash
from ...security.secret_store import SecretStore
from ...store.database import Database
from .. import protocol as p

if TYPE_CHECKING:
    from ...security.credentials import CredentialStore


class ClientState:
    """The base of the engine's parts (:class:`~.engine.SyncClient` sets these up)."""

    db: Database
    credentials: CredentialStore | None
    server_url: str
    secrets: SecretStore
    http: httpx.Client
    page_size: int
    first_sync_page_size: int
    bulk_rows: int
    bulk_transaction_rows: int
    _lock: threading.RLock
    clock: Callable[[], datetime]
    _housekeeping: threading.Thread | None

    @contextmanager
    def _raw(self, write: bool = True, bulk: bool = False) -> Iterator[Any]:
        """A cursor on one connection in one transaction (BEGIN IMMEDIATE), foreign keys
        off: rows arrive in the server's order, and a part may come before the record it
        belongs to, or without it (a child this user may not see). Committed on success.
        ``bulk``: settings for writing many new rows (restored before the connection goes
        back to the pool): no automatic WAL checkpoint inside the load (one at its end),
        temporary tables in memory, and no zeroing of freed pages (a first sync frees
        only index pages that hold what is still stored, in an encrypted file)."""
        fairy = self.db.engine.raw_connection()
        conn: Any = fairy.dbapi_connection  # sqlcipher3's, untyped; never None while checked out
        previous = conn.isolation_level
        try:
            conn.isolation_level = None
            cur = conn.cursor()
            cur.execute("PRAGMA foreign_keys = OFF")
            cur.execute("PRAGMA cache_size = -65536")  # 64 MiB: a page of rows re-touches pages
            if bulk:
                cur.execute("PRAGMA wal_autocheckpoint = 0")
                cur.execute("PRAGMA temp_store = MEMORY")
                cur.execute("PRAGMA secure_delete = OFF")
            cur.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield cur
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            finally:
                cur.execute("PRAGMA foreign_keys = ON")
                if bulk:
                    cur.execute("PRAGMA secure_delete = ON")
                    cur.execute("PRAGMA temp_store = DEFAULT")
                    cur.execute("PRAGMA wal_autocheckpoint = 1000")
                cur.close()
        finally:
            conn.isolation_level = previous
            fairy.close()

    def _checkpoint(self) -> None:
        """Fold the WAL a bulk load grew back into the database file (it was not
        checkpointed page by page)."""
        fairy = self.db.engine.raw_connection()
        try:
            conn: Any = fairy.dbapi_connection
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            fairy.close()

    def _fold_wal_in_background(self) -> None:
        """Checkpoint after ``sync()`` has returned, not before: the rows are committed (and
        read from the WAL meanwhile), so nobody need wait for this housekeeping (0.05-0.16 s
        of a 0.8 s first sync, measured). A PASSIVE checkpoint never blocks the writes that
        follow; ``close()`` waits for it."""
        self._wait_for_housekeeping()

        def fold() -> None:
            try:
                self._checkpoint()
            except Exception:  # noqa: BLE001 - SQLite folds the WAL at a later commit anyway
                pass

        self._housekeeping = threading.Thread(target=fold, name="sync-fold-wal", daemon=True)
        self._housekeeping.start()

    def _wait_for_housekeeping(self) -> None:
        thread, self._housekeeping = self._housekeeping, None
        if thread is not None:
            thread.join()

    @overload
    @staticmethod
    def _get(cur, key: str) -> str | None: ...

    @overload
    @staticmethod
    def _get(cur, key: str, default: str) -> str: ...

    @overload
    @staticmethod
    def _get(cur, key: str, default: str | None) -> str | None: ...

    @staticmethod
    def _get(cur, key: str, default: str | None = None) -> str | None:
        row = cur.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    @staticmethod
    def _set(cur, key: str, value: str) -> None:
        cur.execute("INSERT INTO sync_state (key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))

    def device_id(self) -> str:
        with self._raw() as cur:
            device = self._get(cur, "device_id")
            if device is None:
                device = str(uuid.uuid4())
                self._set(cur, "device_id", device)
            return device

    def _record_outcome(self, error: str = "", success: bool = False) -> None:
        with self._raw() as cur:
            self._set(cur, "last_error", error)
            if success:
                self._set(cur, "last_sync_at", p.format_datetime(utc_now()))

    def _audit(self, cur, action: str, record_kind: str, record_id: str) -> None:
        """Append to the hash-chained audit log in this transaction (ids only)."""
        last = cur.execute("SELECT seq, entry_hash FROM audit_entry ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
        at = utc_now()
        actor = self._get(cur, "staff_id")
        digest = entry_hash(seq=seq, at=at, actor_id=actor, action=action, record_kind=record_kind,
                            record_id=record_id, prev_hash=prev)
        cur.execute(
            "INSERT INTO audit_entry (seq, at, actor_id, action, record_kind, record_id, prev_hash, "
            "entry_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (seq, at.strftime("%Y-%m-%d %H:%M:%S.%f"), actor, action, record_kind, record_id, prev, digest))

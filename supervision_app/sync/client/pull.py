"""Pull: pages of what the server has after this laptop's cursor, each written with its
cursor in one transaction.

A first sync (and any large page) takes a faster path: pages of up to
``protocol.FIRST_SYNC_PAGE`` rows, validated whole into plain dicts
(``protocol.read_pull_page``: a malformed row stops the sync with a message and nothing
of its transaction is kept), several pages to a transaction (each still saving its
cursor), every trigger on the synced tables suspended inside that transaction and the
search index written set-based, page by page, before its commit (``search_index``), so
every committed state holds an exact index. The WAL the load grew is checkpointed after
``sync()`` has returned.
"""
from __future__ import annotations

import itertools
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from .. import protocol as p, search_index
from ..collector import collector_paused
from .errors import unreadable
from .results import SyncProgress, SyncReport
from .row_writes import RowWriter
from .session import ServerSession
from .table_sql import APPLY_ORDER

BULK_ROWS = 200  # a pulled page this large is indexed set-based (search_index.rebuild)
# Large pages are written several to a transaction, up to this many rows. Each commit
# encrypts and writes every page the transaction touched, and pages shared by consecutive
# transactions (index interiors, search segments) are written again: a manager's share of
# 12,631 rows took ~3% longer in two transactions than in one (bench_sync). A first sync
# cut off midway fetches again at most this much: about a second's work.
BULK_TRANSACTION_ROWS = 20000


def done(value) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future


class Puller(ServerSession, RowWriter):
    def _page_size(self, page_number: int, first_sync: bool) -> int:
        """A first sync asks for the largest pages the server gives, working up to them: an
        ordinary page first (writing starts sooner), then half the largest, then the largest.
        While one page is written the server makes the next; asked for at once, the largest
        took longer to come than the small first page took to write."""
        if not first_sync:
            return self.page_size
        largest = self.first_sync_page_size
        if page_number == 0:
            return min(self.page_size, largest)
        if page_number == 1:
            return min(max(self.page_size, largest // 2), largest)
        return largest

    def _fetch_page(self, after: int, access: str, first_sync: bool, page_number: int) -> p.PulledPage:
        limit = self._page_size(page_number, first_sync)
        params: dict[str, Any] = {"after": after, "limit": limit}
        if access:
            params["access"] = access
        larger = limit > p.DEFAULT_PAGE
        response = self._request("GET", "/v1/pull", params=params, accept=(200, 422) if larger else (200,))
        if response.status_code == 422:  # a server from before first-sync pages grew
            params["limit"] = self.first_sync_page_size = p.DEFAULT_PAGE
            response = self._request("GET", "/v1/pull", params=params)
        try:
            return p.read_pull_page(response.content)
        except p.PageInvalid as invalid:
            raise unreadable(invalid) from None

    def _pull(self, report: SyncReport, progress) -> None:
        with collector_paused():  # pages of JSON make many dicts and no cycles: see collector.py
            self._pull_pages(report, progress)

    def _pull_pages(self, report: SyncReport, progress) -> None:
        """Pull pages until the server has no more. The next page is fetched (in a helper
        thread) while the current one is written. A first sync asks for the largest pages
        the server gives; large pages are written several to a transaction, each with its
        cursor, with bulk-load settings and the search index written set-based after each
        page, while the next is on its way (:func:`search_index.pending`)."""
        with self._raw() as cur:
            cursor = int(self._get(cur, "cursor", "0"))
            access = self._get(cur, "access", "") or ""
        first_sync = cursor == 0
        fetcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-prefetch")

        asked = itertools.count()

        def fetch(after: int, access: str) -> Future:
            return fetcher.submit(self._fetch_page, after, access, first_sync, next(asked))

        try:
            upcoming: Future | None = fetch(cursor, access)
            while upcoming is not None:
                upcoming = self._pull_transaction(upcoming.result(), fetch, report, progress, first_sync)
        except p.PageInvalid as invalid:  # a row the schema let through but cannot be stored
            raise unreadable(invalid) from None
        finally:
            fetcher.shutdown(wait=False, cancel_futures=True)
        with self._raw() as cur:
            if self._get(cur, "needs_resync") == "1":
                self._set(cur, "access", "0")  # never a real digest: the next pull resyncs
                self._set(cur, "needs_resync", "0")
        if first_sync and report.pulled >= self.bulk_rows:
            self._fold_wal_in_background()

    def _pull_transaction(self, page: p.PulledPage, fetch: Callable[[int, str], Future],
                          report: SyncReport, progress, first_sync: bool) -> Future | None:
        """Write ``page`` and, if it is large, the large pages after it, up to
        ``bulk_transaction_rows``, in one transaction. Returns the next page to come, or
        None when the server has no more."""
        bulk = len(page["rows"]) >= self.bulk_rows
        rows = 0
        with self._raw(bulk=bulk) as cur, self._indexing(cur, bulk) as index:
            while True:
                upcoming = fetch(page["next_cursor"], page.get("access", "")) if page["has_more"] else None
                self._take_page(cur, page, report, index)
                report.pages += 1
                rows += len(page["rows"])
                if progress:
                    progress(SyncProgress("pull", report.pulled, page["next_cursor"], first_sync))
                if upcoming is None or not bulk or rows >= self.bulk_transaction_rows:
                    return upcoming
                page = upcoming.result()
                if len(page["rows"]) < self.bulk_rows:
                    return done(page)  # a small page: commit, then write it on its own

    @contextmanager
    def _indexing(self, cur, bulk: bool) -> Iterator["search_index.PendingIndex | None"]:
        """A bulk transaction writes with every trigger on the synced tables suspended:
        the search index is written set-based, page by page, and the lock triggers,
        which only ever sent a server row down the slow path to be stored with them
        lifted (the server's row is authoritative), would make SQLite keep a statement
        journal for every row inserted."""
        if not bulk:
            yield None
            return
        with search_index.triggers_suspended(cur, p.SYNCED_TABLES), search_index.pending(cur) as index:
            yield index

    def _take_page(self, cur, page: p.PulledPage, report: SyncReport,
                   index: "search_index.PendingIndex | None") -> None:
        if page.get("resync"):
            cur.execute("DELETE FROM sync_seen")
            self._set(cur, "resync", "1")
        resyncing = self._get(cur, "resync") == "1"
        rows: list[dict[str, Any]] = page["rows"]  # PulledRow: a dict per table
        removed = page.get("removed") or []
        pending = {r[0] for r in cur.execute("SELECT DISTINCT row_id FROM sync_outbox")}
        written = self._apply_rows(cur, rows, pending)
        self._index_page(cur, written, index)
        report.pulled += sum(len(pairs) for pairs in written.values())
        if resyncing and rows:
            cur.executemany("INSERT OR IGNORE INTO sync_seen (row_id) VALUES (?)",
                            [(row["id"],) for row in rows])
        if removed:
            by_table: dict[tuple[str, bool], list[str]] = {}
            for removal in removed:
                by_table.setdefault((removal["table"], bool(removal.get("retention"))), []).append(removal["id"])
            for (table, retention), ids in by_table.items():
                if retention:
                    self._remove_deleted(cur, table, ids, index)
                else:
                    self._remove(cur, table, ids, pending, "Your access to this record has ended.", index)
                report.removed += len(ids)
        if resyncing and not page["has_more"]:
            for table in APPLY_ORDER:
                stale = [r[0] for r in cur.execute(
                    f"SELECT id FROM {table} WHERE id NOT IN (SELECT row_id FROM sync_seen)")
                    if r[0] not in pending]
                if stale:
                    self._remove(cur, table, stale, pending, "Your access to this record has changed.", index)
                    report.removed += len(stale)
            cur.execute("DELETE FROM sync_seen")
            self._set(cur, "resync", "0")
        self._set(cur, "cursor", str(page["next_cursor"]))
        self._set(cur, "access", page.get("access", ""))
        if rows or removed:
            self._audit(cur, "sync_pull", "", "")

    @staticmethod
    def _index_page(cur, written: dict[str, list[tuple[str, int]]],
                    index: "search_index.PendingIndex | None") -> None:
        """Bulk: note the rows for the transaction's index. Otherwise the triggers have
        indexed them; parts that came before their parent get its team and session."""
        if index is not None:
            index.add(written)
            index.flush()
        elif any(written.get(table) for table in search_index.PARENT_TABLES):
            search_index.clear_written(cur)
            search_index.note_written(cur, written)
            search_index.fix_scope(cur, written)


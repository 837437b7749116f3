"""Writing the server's rows here: upserts in the server's order, children before
parents, and removals as it directs.

Rows from the server are written with plain SQL on one connection, in one transaction per
page together with the cursor that covers them, so a laptop killed at any moment resumes
where its last committed page ended. They are applied children before parents within a
page (the server numbers a record's parts before the record), so the lock triggers never
see a part arrive under a record that is already signed. Only when the server directs it
(access removed, or a local change it refused to a record signed here) does the engine
lift a record's protection triggers, inside the same transaction, to put the server's
version in place; what is replaced is kept in ``sync_conflict`` first.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Any, Iterator

from ...logging_setup import SafeText
from .. import protocol as p, search_index
from .conflicts import ConflictKeeper
from .table_sql import APPLY_ORDER, TABLE_SQL, chunks

log = logging.getLogger(__name__)


class RowWriter(ConflictKeeper):
    def _remove(self, cur, table: str, ids: list[str], pending: set[str], reason: str,
                index: "search_index.PendingIndex | None" = None) -> None:
        """Remove rows as the server directs; unsent local changes to them are kept.
        With the search triggers suspended (``index``), their index rows go too."""
        for row_id in ids:
            if row_id in pending:
                latest = cur.execute(
                    "SELECT payload FROM sync_outbox WHERE row_id = ? ORDER BY seq DESC LIMIT 1",
                    (row_id,)).fetchone()[0]
                self._keep_conflict(cur, table, row_id, "removed", reason, latest, None)
                cur.execute("DELETE FROM sync_outbox WHERE row_id = ?", (row_id,))
            self._audit(cur, "sync_remove", table, row_id)
        self._delete_rows(cur, table, ids)
        if index is not None and table in search_index.SEARCH_TABLES:
            index.forget(ids)

    def _remove_deleted(self, cur, table: str, ids: list[str],
                        index: "search_index.PendingIndex | None" = None) -> None:
        """Remove rows the organisation deleted under its retention schedule (DESIGN.md
        §3.10): every copy goes, an unsent change and a kept conflict copy included, since
        the record must not outlive its deletion on any laptop."""
        for chunk in chunks(ids):
            marks = ",".join("?" for _ in chunk)
            cur.execute(f"DELETE FROM sync_outbox WHERE row_id IN ({marks})", chunk)
            cur.execute(f"DELETE FROM sync_conflict WHERE row_id IN ({marks})", chunk)
        for row_id in ids:
            self._audit(cur, "sync_remove", table, row_id)
        self._delete_rows(cur, table, ids)
        if index is not None and table in search_index.SEARCH_TABLES:
            index.forget(ids)

    def _apply_rows(self, cur, rows: list[dict[str, Any]], pending: set[str]) -> dict[str, list[tuple[str, int]]]:
        """Upsert a page of server rows, parts before the records they belong to. Rows
        with unsent local changes are left alone (the push settles them). Returns the
        (id, seq) of the rows written, by table."""
        by_table: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_table.setdefault(row["table"], []).append(row)
        written: dict[str, list[tuple[str, int]]] = {}
        for table in APPLY_ORDER:
            group = by_table.get(table)
            if group:
                todo = self._changed(cur, table, group, pending)
                if todo:
                    self._upsert_many(cur, table, todo)
                    written[table] = [(row["id"], row["seq"]) for row in todo]
        return written

    @staticmethod
    def _changed(cur, table: str, group: list[dict[str, Any]], pending: set[str]) -> list[dict[str, Any]]:
        """The rows of ``group`` not held here already at their version and tombstone (and,
        for a case discussion held without its record, at the state the server says that
        record is in: it moves on, the discussion's version does not)."""
        state = ", session_state" if table == "case_discussion" else ""
        held: dict[str, tuple] = {}
        for ids in chunks([row["id"] for row in group]):
            marks = ",".join("?" for _ in ids)
            for row_id, version, tombstone, *rest in cur.execute(
                f"SELECT id, version, tombstone{state} FROM {table} WHERE id IN ({marks})", ids
            ):
                held[row_id] = (version, bool(tombstone), *rest)

        def sent(row: dict[str, Any]) -> tuple:
            if state:
                return (row["version"], row["tombstone"], row["data"].get("session_state"))
            return (row["version"], row["tombstone"])

        return [row for row in group if row["id"] not in pending and held.get(row["id"]) != sent(row)]

    def _upsert_many(self, cur, table: str, todo: list[dict[str, Any]]) -> None:
        """One executemany; if the database refuses a row, row by row to settle each."""
        sql = TABLE_SQL[table]
        params = [sql.params(row) for row in todo]  # a malformed row stops the sync here
        cur.execute("SAVEPOINT page_table")
        try:
            cur.executemany(sql.upsert, params)
            cur.execute("RELEASE page_table")
        except Exception:  # noqa: BLE001 - sqlcipher3 errors: retry row by row to find the one
            cur.execute("ROLLBACK TO page_table")
            cur.execute("RELEASE page_table")
            for row in todo:
                self._apply_row(cur, row, force=False)

    def _apply_row(self, cur, row: dict[str, Any], *, force: bool) -> bool:
        """Upsert one server row; if the local copy is protected (signed here but refused
        by the server) and ``force`` is set, replace it with the protection lifted."""
        table = row["table"]
        sql = TABLE_SQL[table]
        params = sql.params(row)
        if table == "signature":
            self._make_room_for_signature(cur, row)
        cur.execute("SAVEPOINT one_row")
        try:
            cur.execute(sql.upsert, params)
            cur.execute("RELEASE one_row")
            return True
        except Exception as error:  # noqa: BLE001 - a lock trigger refused it: stored below as the server has it
            cur.execute("ROLLBACK TO one_row")
            cur.execute("RELEASE one_row")
            log.info("a %s row is stored with the lock triggers lifted (%s)", SafeText(table), type(error))
        # The server's row is authoritative and the server never changes a locked record,
        # so a trigger objecting here is about order (an agreed action whose status moved
        # on after sign-off, arriving after its signed record), not about a change to a
        # signed record: store it as the server has it.
        cur.execute("SAVEPOINT one_row")
        try:
            with self._protection_lifted(cur, table):
                cur.execute(f"DELETE FROM {table} WHERE id = ?", (row["id"],))
                cur.execute(sql.upsert, params)
            cur.execute("RELEASE one_row")
        except Exception as error:
            cur.execute("ROLLBACK TO one_row")
            cur.execute("RELEASE one_row")
            if force:
                raise
            # Keep going, and have the next sync start a resync, which sends everything
            # again and heals whatever this was.
            log.warning("a pulled %s row could not be stored: %s", SafeText(table), type(error))
            self._set(cur, "needs_resync", "1")
            return False
        if force:
            self._audit(cur, "sync_replace", table, row["id"])
        return True

    def _make_room_for_signature(self, cur, row: dict[str, Any]) -> None:
        """The server holds a signature for this record and role that this laptop also
        made (on two devices at once): the server's stands, the local one is kept aside."""
        data = row["data"]
        clash = cur.execute(
            "SELECT id FROM signature WHERE record_kind = ? AND record_id = ? AND signer_role = ? "
            "AND id <> ?", (data["record_kind"], data["record_id"], data["signer_role"], row["id"])
        ).fetchall()
        for (local_id,) in clash:
            latest = cur.execute(
                "SELECT payload FROM sync_outbox WHERE row_id = ? ORDER BY seq DESC LIMIT 1",
                (local_id,)).fetchone()
            if latest is not None:
                self._keep_conflict(cur, "signature", local_id, "conflict",
                                    "This record was signed on another device first.", latest[0], row)
                cur.execute("DELETE FROM sync_outbox WHERE row_id = ?", (local_id,))
            self._delete_rows(cur, "signature", [local_id])

    def _forget_records(self) -> None:
        """A leaver's laptop: remove every record (the directory stays), the changes not yet
        sent and the kept conflict copies; start again from the beginning if the account is
        ever enabled again. The records stay on the server (DESIGN.md §1.1)."""
        with self._raw() as cur:
            for table in APPLY_ORDER:
                if table in p.DIRECTORY_TABLES:
                    continue
                ids = [r[0] for r in cur.execute(f"SELECT id FROM {table}")]
                if ids:
                    self._delete_rows(cur, table, ids)
            cur.execute("DELETE FROM sync_outbox")
            cur.execute("DELETE FROM sync_conflict")
            self._set(cur, "cursor", "0")
            self._audit(cur, "account_ended", "", "")

    def _delete_rows(self, cur, table: str, ids: list[str]) -> None:
        with self._protection_lifted(cur, table):
            for chunk in chunks(ids):
                marks = ",".join("?" for _ in chunk)
                cur.execute(f"DELETE FROM {table} WHERE id IN ({marks})", chunk)

    @contextmanager
    def _protection_lifted(self, cur, table: str) -> Iterator[None]:
        """Drop the lock triggers on ``table`` and put them back exactly as they were, in
        the caller's transaction (nothing else can write meanwhile: BEGIN IMMEDIATE)."""
        triggers = cur.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? "
            "AND sql LIKE '%RAISE(ABORT%'", (table,)).fetchall()
        for name, _sql in triggers:
            cur.execute(f'DROP TRIGGER "{name}"')
        try:
            yield
        finally:
            for _name, sql in triggers:
                cur.execute(sql)

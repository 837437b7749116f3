"""The search index for rows sync writes: set-based, and right whatever order rows arrive in.

Migrations 0002 and 0003 keep ``search_key``/``search_text`` right with triggers that fire
per row. When a large page of pulled rows is applied (a first sync) the engine drops those
triggers inside its transaction (:func:`triggers_suspended`; they come back before the
commit, exactly as they were) and calls :func:`rebuild`, which writes the same index rows
with one ``INSERT ... SELECT`` per searchable section, using the expressions 0003's
triggers use (imported from it, so the two cannot drift apart).

Rows also arrive parts first (a case discussion before the session it belongs to), and
an index row's team and session are worked out from the parent when the part is written.
:func:`fix_scope` then does what 0003's scope triggers do when a parent changes: every
page, bulk or not, ends with the index rows of the parts of the parents it wrote
recomputed, so the index equals one built by writing each record before its parts.
"""
from __future__ import annotations

import importlib
from contextlib import contextmanager
from typing import Iterator

_M0003 = importlib.import_module("supervision_app.store.migrations.versions.0003_search_scope")
SEARCHABLE: tuple[tuple[str, str, tuple[str, ...]], ...] = _M0003.SEARCHABLE
_scope = _M0003._scope
SEARCH_TABLES = {table: (kind, sections) for kind, table, sections in SEARCHABLE}
KIND_TABLE = {kind: table for kind, table, _sections in SEARCHABLE}
PARENT_TABLES = ("supervision_session", "oversight_note", "child", "staff")
PAGE_TABLE = "temp.sync_page_rows"


@contextmanager
def triggers_suspended(cur) -> Iterator[None]:
    """Drop the search-index triggers for the caller's transaction and put them back
    exactly as they were (by their stored SQL) before it commits."""
    triggers = cur.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%\\_search\\_%' "
        "ESCAPE '\\'").fetchall()
    for name, _sql in triggers:
        cur.execute(f'DROP TRIGGER "{name}"')
    try:
        yield
    finally:
        for _name, sql in triggers:
            cur.execute(sql)


def load_page(cur, written: dict[str, list[str]]) -> None:
    """Put the ids of the rows a page wrote in a temporary table, by table."""
    cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS sync_page_rows "
                f"(id TEXT NOT NULL, tbl TEXT NOT NULL, PRIMARY KEY (tbl, id)) WITHOUT ROWID")
    cur.execute(f"DELETE FROM {PAGE_TABLE}")
    cur.executemany(f"INSERT OR IGNORE INTO {PAGE_TABLE} (tbl, id) VALUES (?, ?)",
                    [(table, row_id) for table, ids in written.items() for row_id in ids])


def _ids(table: str) -> str:
    return f"(SELECT id FROM {PAGE_TABLE} WHERE tbl = '{table}')"


def rebuild(cur, written: dict[str, list[str]]) -> None:
    """Replace the index rows of the searchable rows in ``written`` (the page loaded with
    :func:`load_page`) with what 0003's insert triggers would write for them now."""
    for table, (kind, sections) in SEARCH_TABLES.items():
        if not written.get(table):
            continue
        ids = _ids(table)
        cur.execute(f"DELETE FROM search_text WHERE rowid IN "
                    f"(SELECT rowid FROM search_key WHERE record_id IN {ids})")
        cur.execute(f"DELETE FROM search_key WHERE record_id IN {ids}")
        session_expr, team_expr = _scope(kind, "r")
        for section in sections:
            before = cur.execute("SELECT coalesce(max(rowid), 0) FROM search_key").fetchone()[0]
            cur.execute(
                f"INSERT INTO search_key (kind, record_id, section, session_id, team_id) "
                f"SELECT '{kind}', r.id, '{section}', {session_expr}, {team_expr} FROM {table} r "
                f"WHERE r.id IN {ids} AND r.{section} <> '' AND NOT r.tombstone")
            cur.execute(
                f"INSERT INTO search_text (rowid, body) SELECT k.rowid, r.{section} "
                f"FROM search_key k JOIN {table} r ON r.id = k.record_id WHERE k.rowid > ?",
                (before,))


def fix_scope(cur, written: dict[str, list[str]]) -> None:
    """Recompute session and team of the index rows hanging off the parents in the page
    (as 0003's scope triggers do when a parent changes, and as if each parent had been
    written before its parts)."""
    if not any(written.get(table) for table in PARENT_TABLES):
        return
    sessions, notes = _ids("supervision_session"), _ids("oversight_note")
    children, staff = _ids("child"), _ids("staff")
    # notes whose team may have moved: in the page, or on a child or worker in the page
    moved_notes = (f"(SELECT id FROM oversight_note WHERE id IN {notes} OR child_id IN {children} "
                   f"OR child_id IN (SELECT id FROM child WHERE allocated_worker_id IN {staff}))")
    affected = {
        "case_discussion": f"SELECT id FROM case_discussion WHERE session_id IN {sessions}",
        "action": (f"SELECT id FROM action_item WHERE session_id IN {sessions} "
                   f"UNION SELECT id FROM action_item WHERE oversight_note_id IN {moved_notes}"),
        "oversight_note": moved_notes[1:-1],
        "addendum": (f"SELECT id FROM addendum WHERE record_kind = 'supervision' AND record_id IN {sessions} "
                     f"UNION SELECT id FROM addendum WHERE record_kind = 'oversight_note' "
                     f"AND record_id IN {moved_notes}"),
    }
    for kind, select_ids in affected.items():
        table = KIND_TABLE[kind]
        session_expr, team_expr = _scope(kind, "r")
        cur.execute(
            f"UPDATE search_key SET "
            f"session_id = (SELECT {session_expr} FROM {table} r WHERE r.id = search_key.record_id), "
            f"team_id = (SELECT {team_expr} FROM {table} r WHERE r.id = search_key.record_id) "
            f"WHERE kind = '{kind}' AND record_id IN ({select_ids})")

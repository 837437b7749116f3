"""The search index for rows sync writes: set-based, and right whatever order rows arrive in.

Migrations 0002 and 0005 keep ``search_key``/``search_text`` right with triggers that fire
per row. When large pages of pulled rows are applied (a first sync) the engine drops those
triggers, with every other trigger on the synced tables, for the whole transaction
(:func:`triggers_suspended`; they come back before the commit, exactly as they were) and
a :class:`PendingIndex` notes every row written; after each page (while the next is
still coming from the server) :meth:`PendingIndex.flush` writes their index rows with one
``INSERT ... SELECT``, using the expressions the triggers use (both from
``store/search_schema.py``, so the two cannot drift apart). The index is therefore complete in every committed state:
a first sync cut off midway leaves the rows of its committed transactions indexed, and
nothing else to repair.

Index rows are numbered in the order the server numbered their rows (its ``seq``), and
a record's sections in the search schema's order, so search's "newest first" (the index's rowid
order) follows the order records reached the server, not the order the pages were
applied in.

Rows also arrive parts first (a case discussion before the session it belongs to), and
an index row's team and session are worked out from the parent when the part is
indexed. :func:`fix_scope` then does what the scope triggers (migration 0005) do when a parent
changes: the index rows of the parts of the parents written are recomputed, so the index
equals one built by writing each record before its parts.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterable, Iterator

from ..store.search_schema import SEARCHABLE, folded as _folded, scope as _scope

SEARCH_TABLES = {table: (kind, sections) for kind, table, sections in SEARCHABLE}
KIND_TABLE = {kind: table for kind, table, _sections in SEARCHABLE}
PARENT_TABLES = ("supervision_session", "oversight_note", "child", "staff", "group_session")
WRITTEN = "temp.sync_written"
ENTRIES = "temp.sync_entries"
NUMBERED = "temp.sync_numbered"


@contextmanager
def triggers_suspended(cur, tables: Iterable[str]) -> Iterator[None]:
    """Drop every trigger on ``tables`` for the caller's transaction and put them back
    exactly as they were (by their stored SQL) before it commits."""
    listed = list(tables)
    marks = ",".join("?" for _ in listed)
    triggers = cur.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({marks})",
        listed).fetchall()
    for name, _sql in triggers:
        cur.execute(f'DROP TRIGGER "{name}"')
    try:
        yield
    finally:
        for _name, sql in triggers:
            cur.execute(sql)


def clear_written(cur) -> None:
    """Start an empty list of written rows (a temporary table, this connection only)."""
    cur.execute("CREATE TEMP TABLE IF NOT EXISTS sync_written (tbl TEXT NOT NULL, id TEXT NOT NULL, "
                "seq INTEGER NOT NULL, PRIMARY KEY (tbl, id)) WITHOUT ROWID")
    cur.execute(f"DELETE FROM {WRITTEN}")


def note_written(cur, written: dict[str, list[tuple[str, int]]]) -> None:
    """Add (id, server seq) pairs, by table, to the list of written rows."""
    cur.executemany(
        f"INSERT INTO {WRITTEN} (tbl, id, seq) VALUES (?, ?, ?) "
        f"ON CONFLICT (tbl, id) DO UPDATE SET seq = excluded.seq",
        [(table, row_id, seq) for table, pairs in written.items() for row_id, seq in pairs])


def _ids(table: str) -> str:
    return f"(SELECT id FROM {WRITTEN} WHERE tbl = '{table}')"


def forget(cur, ids: Iterable[str]) -> None:
    """Remove the index rows of records deleted while the triggers are suspended."""
    cur.executemany("DELETE FROM search_text WHERE rowid IN "
                    "(SELECT rowid FROM search_key WHERE record_id = ?)", [(i,) for i in ids])
    cur.executemany("DELETE FROM search_key WHERE record_id = ?", [(i,) for i in ids])


def _drop_written(cur, tables: list[str]) -> None:
    for table in tables:
        ids = _ids(table)
        cur.execute(f"DELETE FROM search_text WHERE rowid IN "
                    f"(SELECT rowid FROM search_key WHERE record_id IN {ids})")
        cur.execute(f"DELETE FROM search_key WHERE record_id IN {ids}")


def _entries_of(table: str) -> str:
    """INSERT the index entries (one per non-empty section) of the written rows of
    ``table`` into the temporary list, with their text: each record's team and session
    worked out once (the MATERIALIZED scope), not once per section."""
    kind, sections = SEARCH_TABLES[table]
    session_expr, team_expr = _scope(kind, "r")
    columns = ", ".join(f"r.{section}" for section in sections)
    numbered = ", ".join(f"({i}, '{section}')" for i, section in enumerate(sections))
    body = " ".join(f"WHEN {i} THEN s.{section}" for i, section in enumerate(sections))
    return (f"WITH s AS MATERIALIZED (SELECT w.seq AS seq, r.id AS id, {session_expr} AS session_id, "
            f"{team_expr} AS team_id, {columns} FROM {WRITTEN} w JOIN {table} r ON r.id = w.id "
            f"WHERE w.tbl = '{table}' AND NOT r.tombstone), "
            f"sections (pos, section) AS (VALUES {numbered}) "
            f"INSERT INTO {ENTRIES} (seq, pos, kind, record_id, section, session_id, team_id, body) "
            f"SELECT s.seq, sections.pos, '{kind}', s.id, sections.section, s.session_id, s.team_id, "
            f"CASE sections.pos {body} END AS body FROM s, sections WHERE body <> ''")


def _clear_temp(cur, name: str, columns: str) -> None:
    cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name.split('.')[1]} ({columns})")
    cur.execute(f"DELETE FROM {name}")


def rebuild(cur, tables: Iterable[str]) -> None:
    """Replace the index rows of the written rows of ``tables`` with what the index insert
    triggers would write for them now, numbered by server seq, then section."""
    searchable = [table for table in tables if table in SEARCH_TABLES]
    if not searchable:
        return
    _drop_written(cur, searchable)
    _clear_temp(cur, ENTRIES, "seq INTEGER, pos INTEGER, kind TEXT, record_id TEXT, section TEXT, "
                              "session_id TEXT, team_id TEXT, body TEXT")
    for table in searchable:
        cur.execute(_entries_of(table))
    # number the entries once, in (seq, section) order, for both tables of the index
    _clear_temp(cur, NUMBERED, "n INTEGER PRIMARY KEY, entry INTEGER")
    cur.execute(f"INSERT INTO {NUMBERED} (entry) SELECT rowid FROM {ENTRIES} ORDER BY seq, pos")
    before = highest_rowid(cur)
    numbered = f"FROM {NUMBERED} n JOIN {ENTRIES} e ON e.rowid = n.entry ORDER BY n.n"
    cur.execute(f"INSERT INTO search_key (rowid, kind, record_id, section, session_id, team_id) "
                f"SELECT ? + n.n, e.kind, e.record_id, e.section, e.session_id, e.team_id {numbered}",
                (before,))
    cur.execute(f"INSERT INTO search_text (rowid, body, folded) SELECT ? + n.n, e.body, "
                f"{_folded('e.body')} {numbered}", (before,))
    cur.execute(f"DELETE FROM {ENTRIES}")
    cur.execute(f"DELETE FROM {NUMBERED}")


def fix_scope(cur, tables: Iterable[str], up_to: int | None = None) -> None:
    """Recompute session and team of the index rows hanging off the written parents
    (as the scope triggers do when a parent changes, and as if each parent had been
    written before its parts). ``up_to``: only index rows numbered up to it (the ones
    from before this transaction; later ones were computed with every parent in place)."""
    if not set(tables) & set(PARENT_TABLES):
        return
    sessions, notes = _ids("supervision_session"), _ids("oversight_note")
    children, staff = _ids("child"), _ids("staff")
    groups = _ids("group_session")
    # notes whose team may have moved: written, or on a child or worker written
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
        # a group session's parts take its team (issue 21, migration 0016)
        "group_discussion": f"SELECT id FROM group_discussion WHERE group_session_id IN {groups}",
        "group_action": f"SELECT id FROM group_action WHERE group_session_id IN {groups}",
    }
    bound = "" if up_to is None else f" AND search_key.rowid <= {int(up_to)}"
    for kind, select_ids in affected.items():
        table = KIND_TABLE[kind]
        session_expr, team_expr = _scope(kind, "r")
        cur.execute(
            f"UPDATE search_key SET "
            f"session_id = (SELECT {session_expr} FROM {table} r WHERE r.id = search_key.record_id), "
            f"team_id = (SELECT {team_expr} FROM {table} r WHERE r.id = search_key.record_id) "
            f"WHERE kind = '{kind}' AND record_id IN ({select_ids}){bound}")


def highest_rowid(cur) -> int:
    return cur.execute("SELECT coalesce(max(rowid), 0) FROM search_key").fetchone()[0]


class PendingIndex:
    """The rows a bulk transaction writes with the search triggers suspended, indexed
    page by page (:meth:`flush`)."""

    def __init__(self, cur) -> None:
        self.cur = cur
        self.tables: set[str] = set()
        self.up_to = highest_rowid(cur)
        clear_written(cur)

    def add(self, written: dict[str, list[tuple[str, int]]]) -> None:
        note_written(self.cur, written)
        self.tables.update(table for table, pairs in written.items() if pairs)

    def forget(self, ids: list[str]) -> None:
        forget(self.cur, ids)

    def flush(self) -> None:
        """Index the rows noted since the last flush. Called after each page is written,
        while the next is still on its way from the server, so that wait does the indexing
        (one rebuild at the end had nothing to overlap). Index rows from earlier flushes
        whose parent arrived since are put right by :func:`fix_scope`, as for earlier
        transactions."""
        if self.tables:
            rebuild(self.cur, self.tables)
            fix_scope(self.cur, self.tables, self.up_to)
            clear_written(self.cur)
            self.tables = set()
            self.up_to = highest_rowid(self.cur)


@contextmanager
def pending(cur) -> Iterator[PendingIndex]:
    """Note what a bulk transaction writes, with the triggers suspended (the caller's
    job), and index what the last flush left before the transaction ends."""
    index = PendingIndex(cur)
    yield index
    index.flush()

"""search index: each row knows its team and supervision session

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24

Why: a search is always scoped to the teams the user may see. With only (kind, record_id,
section) in ``search_key``, checking a candidate's team meant two to four primary-key
lookups in other tables per match (case discussion -> session; action -> session or
oversight note -> child -> worker), scattered over the file. At council scale
(bench/bench_store.py) that made a four-team search p95 53 ms on SQLCipher, where every
page read from disk is decrypted, against a 30 ms target. With the team and session stored
beside each index row, the scope test reads only ``search_key``, whose rows sit in the
same order as the FTS rowids: a search touches a handful of pages.

The FTS5 table is also rebuilt with prefix indexes (see FTS_OPTIONS), keeping its rows.

The team of an index row follows the same rule as ``domain.permissions``: a supervision
record's (and its discussions', actions' and addenda's) team is the session's ``team_id``;
an oversight note's (and its actions' and addenda's) is the team of the child's allocated
worker. Triggers fill both columns when a row is indexed and keep them right when a
session changes team, a discussion/action/addendum/note changes parent, a child is
reallocated, or a worker moves team.

Numbering: written as 0003 but landed after the sync outbox and assurance migrations; the
migrations were renumbered in chain order in 2026-12 (this one was 0003).
"""
from __future__ import annotations

import importlib

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SEARCHABLE = (
    ("supervision", "supervision_session",
     ("wellbeing", "workload_notes", "learning", "asye_progress", "supervisee_comments",
      "disagreement")),
    ("case_discussion", "case_discussion",
     ("current_position", "worries", "working_well", "needs_to_happen", "decision", "rationale")),
    ("oversight_note", "oversight_note", ("decision", "rationale")),
    ("addendum", "addendum", ("body",)),
    ("action", "action_item", ("description",)),
)


def _session_team(ref: str) -> str:
    return f"(SELECT team_id FROM supervision_session WHERE id = {ref})"


def _note_team(ref: str) -> str:
    return (f"(SELECT w.team_id FROM oversight_note n JOIN child c ON c.id = n.child_id "
            f"JOIN staff w ON w.id = c.allocated_worker_id WHERE n.id = {ref})")


def _child_team(ref: str) -> str:
    return (f"(SELECT w.team_id FROM child c JOIN staff w ON w.id = c.allocated_worker_id "
            f"WHERE c.id = {ref})")


def _scope(kind: str, row: str) -> tuple[str, str]:
    """(session id, team id) of an index row for a record of ``kind``; ``row`` is NEW or a
    table alias."""
    if kind == "supervision":
        return f"{row}.id", f"{row}.team_id"
    if kind == "case_discussion":
        return f"{row}.session_id", _session_team(f"{row}.session_id")
    if kind == "action":
        return (f"{row}.session_id",
                f"CASE WHEN {row}.session_id IS NOT NULL THEN {_session_team(f'{row}.session_id')} "
                f"ELSE {_note_team(f'{row}.oversight_note_id')} END")
    if kind == "oversight_note":
        return "NULL", _child_team(f"{row}.child_id")
    if kind == "addendum":
        return (f"CASE WHEN {row}.record_kind = 'supervision' THEN {row}.record_id END",
                f"CASE {row}.record_kind WHEN 'supervision' THEN {_session_team(f'{row}.record_id')} "
                f"WHEN 'oversight_note' THEN {_note_team(f'{row}.record_id')} END")
    raise ValueError(kind)


def _index_triggers() -> list[str]:
    """0002's insert, update and delete triggers; insert and update now also write
    session_id and team_id (delete is unchanged, recreated because the FTS table is)."""
    statements = []
    for kind, table, sections in SEARCHABLE:
        session_expr, team_expr = _scope(kind, "NEW")
        inserts = "\n".join(
            f"""INSERT INTO search_key (kind, record_id, section, session_id, team_id)
                    SELECT '{kind}', NEW.id, '{section}', {session_expr}, {team_expr}
                    WHERE NEW.{section} <> '' AND NOT NEW.tombstone;
                INSERT INTO search_text (rowid, body)
                    SELECT last_insert_rowid(), NEW.{section}
                    WHERE NEW.{section} <> '' AND NOT NEW.tombstone;"""
            for section in sections
        )
        remove = """DELETE FROM search_text WHERE rowid IN
                        (SELECT rowid FROM search_key WHERE record_id = OLD.id);
                    DELETE FROM search_key WHERE record_id = OLD.id;"""
        columns = ", ".join((*sections, "tombstone"))
        statements += [
            f"CREATE TRIGGER {table}_search_insert AFTER INSERT ON {table} BEGIN {inserts} END",
            f"""CREATE TRIGGER {table}_search_update AFTER UPDATE OF {columns} ON {table}
                BEGIN {remove} {inserts} END""",
            f"CREATE TRIGGER {table}_search_delete AFTER DELETE ON {table} BEGIN {remove} END",
        ]
    return statements


def _drop_index_triggers() -> list[str]:
    return [f"DROP TRIGGER {table}_search_{event}"
            for _kind, table, _sections in SEARCHABLE for event in ("insert", "update", "delete")]


FTS_OPTIONS = "tokenize = 'porter unicode61 remove_diacritics 2', prefix = '3 4 5'"
"""As 0002, plus prefix indexes for 3, 4 and 5 characters: search matches the word being
typed as a prefix, and without them FTS5 merges the doclist of every word with that
prefix (at council scale "pla*" took 45-75 ms, "the*" 90-115 ms; with them well under
1 ms). They make the index about half as big again."""


def _rebuild_search_text() -> list[str]:
    """Recreate the FTS5 table with FTS_OPTIONS, keeping every row and rowid. Run while no
    trigger refers to search_text (SQLite checks triggers when a table is renamed)."""
    return [
        f"CREATE VIRTUAL TABLE search_text_new USING fts5(body, {FTS_OPTIONS})",
        "INSERT INTO search_text_new (rowid, body) SELECT rowid, body FROM search_text",
        "DROP TABLE search_text",
        "ALTER TABLE search_text_new RENAME TO search_text",
    ]


# Ids of the index rows that hang off an oversight note (the note, its actions, its addenda).
_NOTE_ROWS = """record_id IN ({notes})
    OR record_id IN (SELECT a.id FROM action_item a WHERE a.oversight_note_id IN ({notes}))
    OR record_id IN (SELECT x.id FROM addendum x WHERE x.record_kind = 'oversight_note'
                     AND x.record_id IN ({notes}))"""


def _scope_triggers() -> list[str]:
    """Keep session_id/team_id right when what decides them changes."""
    record_scope = []
    for kind, table, columns in (
        ("case_discussion", "case_discussion", "session_id"),
        ("action", "action_item", "session_id, oversight_note_id"),
        ("addendum", "addendum", "record_kind, record_id"),
    ):
        session_expr, team_expr = _scope(kind, "NEW")
        record_scope.append(
            f"""CREATE TRIGGER {table}_search_scope AFTER UPDATE OF {columns} ON {table}
                BEGIN UPDATE search_key SET session_id = {session_expr}, team_id = {team_expr}
                      WHERE record_id = NEW.id; END""")
    return record_scope + [
        """CREATE TRIGGER supervision_session_search_scope AFTER UPDATE OF team_id
            ON supervision_session BEGIN
              UPDATE search_key SET team_id = NEW.team_id
               WHERE record_id = NEW.id
                  OR record_id IN (SELECT id FROM case_discussion WHERE session_id = NEW.id)
                  OR record_id IN (SELECT id FROM action_item WHERE session_id = NEW.id)
                  OR record_id IN (SELECT id FROM addendum WHERE record_kind = 'supervision'
                                   AND record_id = NEW.id);
            END""",
        f"""CREATE TRIGGER oversight_note_search_scope AFTER UPDATE OF child_id
            ON oversight_note BEGIN
              UPDATE search_key SET team_id = {_child_team('NEW.child_id')}
               WHERE {_NOTE_ROWS.format(notes='SELECT NEW.id')};
            END""",
        f"""CREATE TRIGGER child_search_scope AFTER UPDATE OF allocated_worker_id ON child
            BEGIN
              UPDATE search_key SET team_id = {_child_team('NEW.id')}
               WHERE {_NOTE_ROWS.format(notes='SELECT id FROM oversight_note WHERE child_id = NEW.id')};
            END""",
        f"""CREATE TRIGGER staff_search_scope AFTER UPDATE OF team_id ON staff
            BEGIN
              UPDATE search_key SET team_id = NEW.team_id
               WHERE {_NOTE_ROWS.format(notes='SELECT n.id FROM oversight_note n JOIN child c ON c.id = n.child_id WHERE c.allocated_worker_id = NEW.id')};
            END""",
    ]


_SCOPE_TRIGGER_NAMES = (
    "case_discussion_search_scope", "action_item_search_scope", "addendum_search_scope",
    "supervision_session_search_scope", "oversight_note_search_scope", "child_search_scope",
    "staff_search_scope",
)


def _backfill() -> list[str]:
    tables = {kind: table for kind, table, _ in SEARCHABLE}
    statements = []
    for kind, table in tables.items():
        session_expr, team_expr = _scope(kind, "r")
        statements.append(
            f"""UPDATE search_key SET
                  session_id = (SELECT {session_expr} FROM {table} r WHERE r.id = search_key.record_id),
                  team_id = (SELECT {team_expr} FROM {table} r WHERE r.id = search_key.record_id)
                WHERE kind = '{kind}'""")
    return statements


def upgrade() -> None:
    op.execute("ALTER TABLE search_key ADD COLUMN session_id VARCHAR(36)")
    op.execute("ALTER TABLE search_key ADD COLUMN team_id VARCHAR(36)")
    statements = (_backfill() + _drop_index_triggers() + _rebuild_search_text()
                  + _index_triggers() + _scope_triggers())
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    for name in _SCOPE_TRIGGER_NAMES:
        op.execute(f"DROP TRIGGER {name}")
    previous = importlib.import_module(
        "supervision_app.store.migrations.versions.0002_locks_and_search")
    for statement in _drop_index_triggers():
        op.execute(statement)
    # The prefix indexes stay (they change no result); the triggers are 0002's again.
    for statement in previous._search_triggers():
        if "CREATE TRIGGER" in statement:
            op.execute(statement)
    op.execute("ALTER TABLE search_key DROP COLUMN team_id")
    op.execute("ALTER TABLE search_key DROP COLUMN session_id")

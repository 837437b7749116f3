"""search_practice_records: supervision agreements and cancellation reasons in search (issue 21)

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-06

Councils' supervision policies ask that everything written about supervision can be found.
The terms of a supervision agreement (how often, how long, where, how disagreements and
cancellations are handled, confidentiality) and the reason a planned session was cancelled
(0011's tables) join the search index, as ``store/search_schema.py`` has them now:

- insert, update and delete triggers on ``supervision_agreement`` and ``session_cancellation``,
  written as 0008/0009 left every other table's (each section's text, its plainly spelt
  ``folded`` text, its session and team);
- an index row's team is the record's own ``team_id`` (the supervisee's team when it was
  made, which is what the app decides who may see it by) and it has no session; a scope
  trigger on each table keeps the team right if a sync changes it;
- what a profile already holds is indexed here, oldest change first, after what was
  indexed before (search lists newest first in that order); any index rows and triggers of
  the two kinds already there are replaced, so the upgrade can run on any profile.

The SQL is a copy of the search schema module's at the time (the module may change later;
this migration must not). The downgrade drops the triggers and the index rows of both kinds.
"""
from __future__ import annotations

import importlib

from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None

_M0008 = importlib.import_module("supervision_app.store.migrations.versions.0008_search_folding")
folded = _M0008.folded  # the same SQL as search_schema.folded at the time

SEARCHABLE = (
    ("agreement", "supervision_agreement",
     ("frequency", "duration", "location", "disagreements", "cancellations", "confidentiality")),
    ("cancellation", "session_cancellation", ("reason",)),
)


def _scope(kind: str, row: str) -> tuple[str, str]:
    """(session id, team id) of an index row for a record of ``kind``."""
    return "NULL", f"{row}.team_id"


def _index_triggers() -> list[str]:
    statements = []
    for kind, table, sections in SEARCHABLE:
        session_expr, team_expr = _scope(kind, "NEW")
        inserts = "\n".join(
            f"""INSERT INTO search_key (kind, record_id, section, session_id, team_id)
                    SELECT '{kind}', NEW.id, '{section}', {session_expr}, {team_expr}
                    WHERE NEW.{section} <> '' AND NOT NEW.tombstone;
                INSERT INTO search_text (rowid, body, folded)
                    SELECT last_insert_rowid(), NEW.{section}, {folded(f'NEW.{section}')}
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


def _scope_triggers() -> list[str]:
    statements = []
    for kind, table, _sections in SEARCHABLE:
        session_expr, team_expr = _scope(kind, "NEW")
        statements.append(
            f"""CREATE TRIGGER {table}_search_scope AFTER UPDATE OF team_id ON {table}
                BEGIN UPDATE search_key SET session_id = {session_expr}, team_id = {team_expr}
                      WHERE record_id = NEW.id; END""")
    return statements


def _trigger_names() -> list[str]:
    return [f"{table}_search_{event}" for _kind, table, _sections in SEARCHABLE
            for event in ("insert", "update", "delete", "scope")]


def _backfill() -> None:
    """Index what the profile already holds, as the insert triggers would have: one row
    per non-empty section, numbered after the index's highest rowid in the order the
    records last changed, then section."""
    bind = op.get_bind()
    before = bind.exec_driver_sql("SELECT coalesce(max(rowid), 0) FROM search_key").scalar()
    bind.exec_driver_sql("CREATE TEMP TABLE m0013_entries (n INTEGER PRIMARY KEY, kind TEXT, "
                         "record_id TEXT, section TEXT, team_id TEXT, body TEXT)")
    selects = [
        f"SELECT '{kind}' AS kind, id AS record_id, '{section}' AS section, team_id, "
        f"{section} AS body, updated_at, {position} AS position FROM {table} "
        f"WHERE {section} <> '' AND NOT tombstone"
        for kind, table, sections in SEARCHABLE for position, section in enumerate(sections)
    ]
    bind.exec_driver_sql(
        "INSERT INTO m0013_entries (kind, record_id, section, team_id, body) "
        "SELECT kind, record_id, section, team_id, body FROM (" + " UNION ALL ".join(selects) + ") "
        "ORDER BY updated_at, record_id, position")
    bind.exec_driver_sql(
        "INSERT INTO search_key (rowid, kind, record_id, section, session_id, team_id) "
        "SELECT ? + n, kind, record_id, section, NULL, team_id FROM m0013_entries ORDER BY n",
        (before,))
    bind.exec_driver_sql(
        f"INSERT INTO search_text (rowid, body, folded) SELECT ? + n, body, {folded('body')} "
        f"FROM m0013_entries ORDER BY n", (before,))
    bind.exec_driver_sql("DROP TABLE temp.m0013_entries")


def _remove() -> None:
    """The triggers and index rows of both kinds, if there are any."""
    for name in _trigger_names():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DELETE FROM search_text WHERE rowid IN "
               "(SELECT rowid FROM search_key WHERE kind IN ('agreement', 'cancellation'))")
    op.execute("DELETE FROM search_key WHERE kind IN ('agreement', 'cancellation')")


def upgrade() -> None:
    # from scratch, whatever the profile holds: a profile that already has them (one made at
    # the head and labelled 0011 before the renumbering, tests/store/test_migrations.py)
    # ends as one that had none
    _remove()
    _backfill()
    for statement in _index_triggers() + _scope_triggers():
        op.execute(statement)


def downgrade() -> None:
    _remove()

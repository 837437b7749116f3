"""group_supervision_search: group sessions are found by search (issue 21)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07

Everything written about supervision can be found, group supervision too (0015's tables).
The shared part (themes, where, learning), the group's case discussions (summary, decision,
rationale) and each person's action join the search index, as ``store/search_schema.py``
has them now:

- insert, update and delete triggers on ``group_session``, ``group_discussion`` and
  ``group_action``, written as 0008/0009 left every other table's (each section's text,
  its plainly spelt ``folded`` text, its session and team);
- an index row's team is the group's ``team_id`` (its attendees' team when they share one,
  which managers are allowed by) and it has no supervision session; scope triggers keep
  the team right if a sync changes a group's team or moves a part to another group;
- what a profile already holds is indexed here, oldest change first, after what was
  indexed before (search lists newest first in that order); any index rows and triggers of
  the three kinds already there are replaced, so the upgrade can run on any profile.

Who may see a hit is decided when searching (``search_queries``, by the group rules), not
here. The SQL is a copy of the search schema module's at the time (the module may change
later; this migration must not). The downgrade drops the triggers and the index rows.
"""
from __future__ import annotations

import importlib

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_M0008 = importlib.import_module("supervision_app.store.migrations.versions.0008_search_folding")
folded = _M0008.folded  # the same SQL as search_schema.folded at the time

SEARCHABLE = (
    ("group_session", "group_session", ("themes", "location", "learning")),
    ("group_discussion", "group_discussion", ("summary", "decision", "rationale")),
    ("group_action", "group_action", ("description",)),
)
KINDS = tuple(kind for kind, _table, _sections in SEARCHABLE)


def _scope(kind: str, row: str) -> tuple[str, str]:
    """(session id, team id) of an index row for a record of ``kind``."""
    if kind == "group_session":
        return "NULL", f"{row}.team_id"
    return "NULL", f"(SELECT team_id FROM group_session WHERE id = {row}.group_session_id)"


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
    for kind, table in (("group_discussion", "group_discussion"), ("group_action", "group_action")):
        session_expr, team_expr = _scope(kind, "NEW")
        statements.append(
            f"""CREATE TRIGGER {table}_search_scope AFTER UPDATE OF group_session_id ON {table}
                BEGIN UPDATE search_key SET session_id = {session_expr}, team_id = {team_expr}
                      WHERE record_id = NEW.id; END""")
    statements.append(
        """CREATE TRIGGER group_session_search_scope AFTER UPDATE OF team_id
            ON group_session BEGIN
              UPDATE search_key SET team_id = NEW.team_id
               WHERE record_id = NEW.id
                  OR record_id IN (SELECT id FROM group_discussion WHERE group_session_id = NEW.id)
                  OR record_id IN (SELECT id FROM group_action WHERE group_session_id = NEW.id);
            END""")
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
    bind.exec_driver_sql("CREATE TEMP TABLE m0016_entries (n INTEGER PRIMARY KEY, kind TEXT, "
                         "record_id TEXT, section TEXT, team_id TEXT, body TEXT)")
    selects = []
    for kind, table, sections in SEARCHABLE:
        _session, team_expr = _scope(kind, "r")
        selects += [
            f"SELECT '{kind}' AS kind, r.id AS record_id, '{section}' AS section, {team_expr} AS team_id, "
            f"r.{section} AS body, r.updated_at AS updated_at, {position} AS position FROM {table} r "
            f"WHERE r.{section} <> '' AND NOT r.tombstone"
            for position, section in enumerate(sections)
        ]
    bind.exec_driver_sql(
        "INSERT INTO m0016_entries (kind, record_id, section, team_id, body) "
        "SELECT kind, record_id, section, team_id, body FROM (" + " UNION ALL ".join(selects) + ") "
        "ORDER BY updated_at, record_id, position")
    bind.exec_driver_sql(
        "INSERT INTO search_key (rowid, kind, record_id, section, session_id, team_id) "
        "SELECT ? + n, kind, record_id, section, NULL, team_id FROM m0016_entries ORDER BY n",
        (before,))
    bind.exec_driver_sql(
        f"INSERT INTO search_text (rowid, body, folded) SELECT ? + n, body, {folded('body')} "
        f"FROM m0016_entries ORDER BY n", (before,))
    bind.exec_driver_sql("DROP TABLE temp.m0016_entries")


def _remove() -> None:
    """The triggers and index rows of the three kinds, if there are any."""
    for name in _trigger_names():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    kinds = ", ".join(f"'{kind}'" for kind in KINDS)
    op.execute(f"DELETE FROM search_text WHERE rowid IN (SELECT rowid FROM search_key WHERE kind IN ({kinds}))")
    op.execute(f"DELETE FROM search_key WHERE kind IN ({kinds})")


def upgrade() -> None:
    # from scratch, whatever the profile holds (a profile whose recorded revision was set
    # back, tests/store/test_migrations.py, runs this again): it ends as one that had none
    _remove()
    _backfill()
    for statement in _index_triggers() + _scope_triggers():
        op.execute(statement)


def downgrade() -> None:
    _remove()

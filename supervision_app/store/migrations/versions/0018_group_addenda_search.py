"""group_addenda_search: an addendum to a group session is found by search (issue 21)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07

A locked group session takes signed addenda as a signed record does (an ``addendum`` row
with ``record_kind = 'group_session'``; the table needs no new column). Search keeps each
index row's team so that it asks the permission rules only about rows the viewer might
see; 0014's triggers work an addendum's team out from a supervision record, an oversight
note or an agreement only, so a group session's addendum was indexed with no team and a
manager of the group's team never found it. Here:

- the addendum's insert, update and scope triggers are rebuilt with the group session's own
  ``team_id`` (its attendees' team, which ``group_supervision.decide_group`` lets the
  team's managers see it by), as ``store/search_schema.py`` has them now;
- addenda to group sessions already indexed get that team.

Who may see a hit is decided when searching (``search_queries``, by the group rules). The
SQL is a copy of the search schema module's at the time (the module may change later; this
migration must not). The downgrade puts back the triggers as 0014 left them.
"""
from __future__ import annotations

import importlib

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_M0008 = importlib.import_module("supervision_app.store.migrations.versions.0008_search_folding")
folded = _M0008.folded  # the same SQL as search_schema.folded at the time

SECTIONS = ("body",)
TRIGGERS = ("addendum_search_insert", "addendum_search_update", "addendum_search_scope")


def _session_team(ref: str) -> str:
    return f"(SELECT team_id FROM supervision_session WHERE id = {ref})"


def _note_team(ref: str) -> str:
    return (f"(SELECT w.team_id FROM oversight_note n JOIN child c ON c.id = n.child_id "
            f"JOIN staff w ON w.id = c.allocated_worker_id WHERE n.id = {ref})")


def _agreement_team(ref: str) -> str:
    return f"(SELECT team_id FROM supervision_agreement WHERE id = {ref})"


def _group_team(ref: str) -> str:
    return f"(SELECT team_id FROM group_session WHERE id = {ref})"


def _scope(row: str, with_groups: bool) -> tuple[str, str]:
    """(session id, team id) of an addendum's index row; ``row`` is NEW or a table alias."""
    group = f" WHEN 'group_session' THEN {_group_team(f'{row}.record_id')}" if with_groups else ""
    return (f"CASE WHEN {row}.record_kind = 'supervision' THEN {row}.record_id END",
            f"CASE {row}.record_kind WHEN 'supervision' THEN {_session_team(f'{row}.record_id')} "
            f"WHEN 'oversight_note' THEN {_note_team(f'{row}.record_id')} "
            f"WHEN 'agreement' THEN {_agreement_team(f'{row}.record_id')}{group} END")


def _triggers(with_groups: bool) -> list[str]:
    session_expr, team_expr = _scope("NEW", with_groups)
    inserts = "\n".join(
        f"""INSERT INTO search_key (kind, record_id, section, session_id, team_id)
                    SELECT 'addendum', NEW.id, '{section}', {session_expr}, {team_expr}
                    WHERE NEW.{section} <> '' AND NOT NEW.tombstone;
                INSERT INTO search_text (rowid, body, folded)
                    SELECT last_insert_rowid(), NEW.{section}, {folded(f'NEW.{section}')}
                    WHERE NEW.{section} <> '' AND NOT NEW.tombstone;"""
        for section in SECTIONS
    )
    remove = """DELETE FROM search_text WHERE rowid IN
                        (SELECT rowid FROM search_key WHERE record_id = OLD.id);
                    DELETE FROM search_key WHERE record_id = OLD.id;"""
    columns = ", ".join((*SECTIONS, "tombstone"))
    return [
        f"CREATE TRIGGER addendum_search_insert AFTER INSERT ON addendum BEGIN {inserts} END",
        f"""CREATE TRIGGER addendum_search_update AFTER UPDATE OF {columns} ON addendum
                BEGIN {remove} {inserts} END""",
        f"""CREATE TRIGGER addendum_search_scope AFTER UPDATE OF record_kind, record_id ON addendum
                BEGIN UPDATE search_key SET session_id = {session_expr}, team_id = {team_expr}
                      WHERE record_id = NEW.id; END""",
    ]


def _rebuild(with_groups: bool) -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for statement in _triggers(with_groups):
        op.execute(statement)
    _session, team_expr = _scope("r", with_groups)
    op.execute(f"""UPDATE search_key SET
                     team_id = (SELECT {team_expr} FROM addendum r WHERE r.id = search_key.record_id)
                   WHERE kind = 'addendum' AND record_id IN
                     (SELECT id FROM addendum WHERE record_kind = 'group_session')""")


def upgrade() -> None:
    _rebuild(with_groups=True)


def downgrade() -> None:
    _rebuild(with_groups=False)

"""agreement_addenda_search: an addendum to a supervision agreement is found by search (issue 21)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07

A signed supervision agreement, like a signed record, takes signed addenda (an ``addendum``
row with ``record_kind = 'agreement'``; the table needs no new column). Search keeps each
index row's team so that it asks the permission rules only about rows the viewer might see;
0005's triggers work an addendum's team out from a supervision record or an oversight note
only, so an agreement's addendum was indexed with no team and never found. Here:

- the addendum's insert, update and scope triggers are rebuilt with the agreement's own
  ``team_id`` (the team the agreement was made in, which ``agreement_records.agreement_target``
  decides who may see it by), as ``store/search_schema.py`` has them now;
- addenda to agreements already indexed get that team.

The SQL is a copy of the search schema module's at the time (the module may change later;
this migration must not). The downgrade puts back the triggers as 0008 left them.
"""
from __future__ import annotations

import importlib

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_M0008 = importlib.import_module("supervision_app.store.migrations.versions.0008_search_folding")
folded = _M0008.folded  # the same SQL as search_schema.folded at the time

SECTIONS = ("body",)


def _session_team(ref: str) -> str:
    return f"(SELECT team_id FROM supervision_session WHERE id = {ref})"


def _note_team(ref: str) -> str:
    return (f"(SELECT w.team_id FROM oversight_note n JOIN child c ON c.id = n.child_id "
            f"JOIN staff w ON w.id = c.allocated_worker_id WHERE n.id = {ref})")


def _agreement_team(ref: str) -> str:
    return f"(SELECT team_id FROM supervision_agreement WHERE id = {ref})"


def _scope(row: str, with_agreements: bool) -> tuple[str, str]:
    """(session id, team id) of an addendum's index row; ``row`` is NEW or a table alias."""
    agreement = (f" WHEN 'agreement' THEN {_agreement_team(f'{row}.record_id')}"
                 if with_agreements else "")
    return (f"CASE WHEN {row}.record_kind = 'supervision' THEN {row}.record_id END",
            f"CASE {row}.record_kind WHEN 'supervision' THEN {_session_team(f'{row}.record_id')} "
            f"WHEN 'oversight_note' THEN {_note_team(f'{row}.record_id')}{agreement} END")


def _triggers(with_agreements: bool) -> list[str]:
    session_expr, team_expr = _scope("NEW", with_agreements)
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


def _rebuild(with_agreements: bool) -> None:
    for name in ("addendum_search_insert", "addendum_search_update", "addendum_search_scope"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for statement in _triggers(with_agreements):
        op.execute(statement)
    _session, team_expr = _scope("r", with_agreements)
    op.execute(f"""UPDATE search_key SET
                     team_id = (SELECT {team_expr} FROM addendum r WHERE r.id = search_key.record_id)
                   WHERE kind = 'addendum' AND record_id IN
                     (SELECT id FROM addendum WHERE record_kind = 'agreement')""")


def upgrade() -> None:
    _rebuild(with_agreements=True)


def downgrade() -> None:
    _rebuild(with_agreements=False)

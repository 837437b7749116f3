"""discussion_follows_child: a case discussion held without its record (issue 18)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07

A case discussion about a child follows the child's allocation once its record is released
(DESIGN.md §1.1): the child's worker and that worker's managers are sent the discussion,
and only the discussion, when they may not see the supervision record it comes from. A
laptop stores such a row without the ``supervision_session`` its ``session_id`` names
(pulls are written with foreign keys off, as for a part whose record a user may not see),
and the child's chronology needs when it was held, who supervised whom and how far the
record is signed. The server fills these four columns from its own data as it sends the
row to such a reader, and leaves them empty for everyone else (who holds the record):

- ``session_held_at``, ``session_supervisor_id``, ``session_supervisee_id``,
  ``session_state``: nullable, no foreign keys (the record is not on the laptop).

Nothing else of the record travels, and the signed canonical form of a discussion
(``domain.record_canonical``) names its own fields, so signatures are unaffected.
Rows pulled from a server that does not send them yet store NULL (``protocol.ADDED_LATER``).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_COLUMNS = ("session_held_at", "session_supervisor_id", "session_supervisee_id", "session_state")


def upgrade() -> None:
    # plain ADD COLUMN, not a batch copy: copying ``case_discussion`` would drop the table
    # the lock and search triggers and the actions' foreign keys point at. Only the columns
    # not there yet, so the upgrade can run on any profile (as 0016 and 0018 can).
    there = {row[1] for row in op.get_bind().exec_driver_sql("PRAGMA table_info(case_discussion)")}
    columns = (sa.Column("session_held_at", sa.DateTime(), nullable=True),
               sa.Column("session_supervisor_id", sa.String(length=36), nullable=True),
               sa.Column("session_supervisee_id", sa.String(length=36), nullable=True),
               sa.Column("session_state", sa.String(length=20), nullable=True))
    for column in columns:
        if column.name not in there:
            op.add_column("case_discussion", column)


def downgrade() -> None:
    for column in reversed(_COLUMNS):
        op.execute(f"ALTER TABLE case_discussion DROP COLUMN {column}")

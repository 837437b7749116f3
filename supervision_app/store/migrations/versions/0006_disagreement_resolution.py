"""disagreement_resolution: how a supervisee's disagreement was resolved

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26

A supervisee's disagreement is recorded, never erased, and flags the record to the
manager's manager (DESIGN.md §2). That manager records the resolution here: who, when and a
note. The record it belongs to is usually signed and locked, so the resolution cannot be a
column of ``supervision_session`` (the lock triggers of 0002 refuse any change to a locked
row); it is a row of its own, insert-only like ``signature``: never updated, never deleted.

The sync protocol carries this table like ``signature`` (insert-only on the server too;
pushed only by a manager allowed to resolve the record's disagreement, pulled by whoever may
view the record). The server stores synced rows generically, so it needs no migration.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

MAX = 100000
INSERT_ONLY = "this table is append-only"


def upgrade() -> None:
    op.create_table(
        "disagreement_resolution",
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("resolved_by", sa.String(length=36), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("tombstone", sa.Boolean(), nullable=False),
        sa.CheckConstraint(f"length(note) <= {MAX}", name="note_max_length"),
        sa.ForeignKeyConstraint(["session_id"], ["supervision_session.id"]),
        sa.ForeignKeyConstraint(["resolved_by"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_disagreement_resolution_session_id", "disagreement_resolution",
                    ["session_id"])
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"""CREATE TRIGGER disagreement_resolution_no_{event.lower()} BEFORE {event}
                ON disagreement_resolution BEGIN SELECT RAISE(ABORT, '{INSERT_ONLY}'); END""")


def downgrade() -> None:
    # Only for moving a development database between revisions: no released version of
    # the app downgrades a profile.
    for event in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS disagreement_resolution_no_{event}")
    op.drop_index("ix_disagreement_resolution_session_id", table_name="disagreement_resolution")
    op.drop_table("disagreement_resolution")

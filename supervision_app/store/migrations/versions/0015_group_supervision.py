"""group_supervision: group sessions, their attendance, case discussions and actions (issue 21)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07

Four synced tables (``store/group_models.py``). A group session has no state column: the
supervisor's signature (a ``signature`` row, record_kind 'group_session') is what freezes
it, so the triggers here ask whether that signature exists. Once it does, the session, its
attendance and its case discussions can no longer change or go, and of an action only its
status moves on. The server stores synced rows generically, so it needs no migration.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

MAX = 100000
FROZEN = "group session has been signed by its supervisor; it can no longer change"
ACTION_AGREED = ("group_session_id", "discussion_id", "owner_id", "description", "due_on", "tombstone")
TABLES = ("group_action", "group_discussion", "group_attendance", "group_session")


def _sync_columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("tombstone", sa.Boolean(), nullable=False),
    ]


def _limit(column: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"length({column}) <= {MAX}", name=f"{column}_max_length")


def _signed(ref: str) -> str:
    return ("EXISTS (SELECT 1 FROM signature WHERE record_kind = 'group_session' "
            f"AND record_id = {ref})")


def _abort() -> str:
    return f"BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END"


def upgrade() -> None:
    # Re-runnable on a profile that already has the tables (one whose recorded revision was
    # set back, as tests/store/test_migrations.py does): what exists is left as it is.
    if "group_session" not in sa.inspect(op.get_bind()).get_table_names():
        _create_tables()
    _create_triggers()


def _create_tables() -> None:
    op.create_table(
        "group_session",
        sa.Column("supervisor_id", sa.String(length=36), nullable=False),
        sa.Column("team_id", sa.String(length=36), nullable=True),
        sa.Column("held_at", sa.DateTime(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("themes", sa.Text(), nullable=False),
        sa.Column("learning", sa.Text(), nullable=False),
        sa.Column("next_session_on", sa.Date(), nullable=True),
        *_sync_columns(),
        _limit("location"), _limit("themes"), _limit("learning"),
        sa.CheckConstraint("duration_minutes BETWEEN 1 AND 600", name="duration_range"),
        sa.ForeignKeyConstraint(["supervisor_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_group_session_supervisor_id", "group_session", ["supervisor_id"])
    op.create_index("ix_group_session_team_id", "group_session", ["team_id"])
    op.create_table(
        "group_attendance",
        sa.Column("group_session_id", sa.String(length=36), nullable=False),
        sa.Column("attendee_id", sa.String(length=36), nullable=False),
        sa.Column("attendance", sa.String(length=12), nullable=False),
        *_sync_columns(),
        sa.UniqueConstraint("group_session_id", "attendee_id", name="one_attendance_per_person"),
        sa.CheckConstraint("attendance IN ('present','apologies')", name="attendance_known"),
        sa.ForeignKeyConstraint(["group_session_id"], ["group_session.id"]),
        sa.ForeignKeyConstraint(["attendee_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_group_attendance_group_session_id", "group_attendance", ["group_session_id"])
    op.create_index("ix_group_attendance_attendee_id", "group_attendance", ["attendee_id"])
    op.create_table(
        "group_discussion",
        sa.Column("group_session_id", sa.String(length=36), nullable=False),
        sa.Column("child_id", sa.String(length=36), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        *_sync_columns(),
        _limit("summary"), _limit("decision"), _limit("rationale"),
        sa.ForeignKeyConstraint(["group_session_id"], ["group_session.id"]),
        sa.ForeignKeyConstraint(["child_id"], ["child.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_group_discussion_group_session_id", "group_discussion", ["group_session_id"])
    op.create_table(
        "group_action",
        sa.Column("group_session_id", sa.String(length=36), nullable=False),
        sa.Column("discussion_id", sa.String(length=36), nullable=True),
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        *_sync_columns(),
        _limit("description"),
        sa.CheckConstraint("status IN ('open','done','no_longer_needed')", name="status_known"),
        sa.ForeignKeyConstraint(["group_session_id"], ["group_session.id"]),
        sa.ForeignKeyConstraint(["discussion_id"], ["group_discussion.id"]),
        sa.ForeignKeyConstraint(["owner_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_group_action_group_session_id", "group_action", ["group_session_id"])
    op.create_index("ix_group_action_owner_id", "group_action", ["owner_id"])


def _create_triggers() -> None:
    statements = [
        f"CREATE TRIGGER IF NOT EXISTS group_session_frozen_update BEFORE UPDATE ON group_session "
        f"WHEN {_signed('OLD.id')} {_abort()}",
        f"CREATE TRIGGER IF NOT EXISTS group_session_frozen_delete BEFORE DELETE ON group_session "
        f"WHEN {_signed('OLD.id')} {_abort()}",
    ]
    for table in ("group_attendance", "group_discussion"):
        statements += [
            f"CREATE TRIGGER IF NOT EXISTS {table}_frozen_insert BEFORE INSERT ON {table} "
            f"WHEN {_signed('NEW.group_session_id')} {_abort()}",
            f"CREATE TRIGGER IF NOT EXISTS {table}_frozen_update BEFORE UPDATE ON {table} "
            f"WHEN {_signed('OLD.group_session_id')} OR {_signed('NEW.group_session_id')} {_abort()}",
            f"CREATE TRIGGER IF NOT EXISTS {table}_frozen_delete BEFORE DELETE ON {table} "
            f"WHEN {_signed('OLD.group_session_id')} {_abort()}",
        ]
    statements += [
        f"CREATE TRIGGER IF NOT EXISTS group_action_frozen_insert BEFORE INSERT ON group_action "
        f"WHEN {_signed('NEW.group_session_id')} {_abort()}",
        f"CREATE TRIGGER IF NOT EXISTS group_action_frozen_update BEFORE UPDATE OF {', '.join(ACTION_AGREED)} "
        f"ON group_action WHEN {_signed('OLD.group_session_id')} {_abort()}",
        f"CREATE TRIGGER IF NOT EXISTS group_action_frozen_delete BEFORE DELETE ON group_action "
        f"WHEN {_signed('OLD.group_session_id')} {_abort()}",
    ]
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    for table in TABLES:
        for name in ("frozen_insert", "frozen_update", "frozen_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_{name}")
    for table in TABLES:
        op.drop_table(table)

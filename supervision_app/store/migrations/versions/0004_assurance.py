"""assurance: audit rounds, sampled items with grades and findings, audit actions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24

Also adds covering indexes on the record tables for the compliance figures (INDEXES below):
they only speed up reading and change no row.

The audit tables refer to audited records by id only: an audit never copies or changes the
record it grades. A completed round is frozen: its row and its items can no longer change
(triggers below); its actions still move on to closure.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

MAX = 100000
COMPLETED = "audit round has been signed off as completed; its grades can no longer change"


# Covering indexes for the compliance figures on the record tables (additive only).
INDEXES = (
    ("ix_assurance_note_recorded", "oversight_note", ("recorded_at", "state", "child_id", "tombstone")),
    ("ix_assurance_note_child", "oversight_note", ("child_id", "state", "recorded_at", "tombstone")),
    ("ix_assurance_session_worker", "supervision_session",
     ("supervisee_id", "state", "held_at", "tombstone", "id")),
    ("ix_assurance_session_held", "supervision_session",
     ("held_at", "state", "supervisee_id", "tombstone", "id", "shared_at", "updated_at")),
    ("ix_assurance_session_disagreement", "supervision_session",
     ("supervisee_agreement", "disagreement_resolved", "tombstone", "state", "supervisee_id",
      "held_at", "id")),
    ("ix_assurance_signature", "signature", ("record_id", "record_kind", "signer_role", "signed_at")),
    ("ix_assurance_discussion_session", "case_discussion", ("session_id", "child_id", "tombstone")),
    ("ix_assurance_discussion_child", "case_discussion", ("child_id", "session_id", "tombstone")),
    ("ix_assurance_action_open", "action_item",
     ("status", "owner_id", "due_on", "tombstone", "session_id", "oversight_note_id", "child_id", "id")),
)


def _synced() -> list[sa.Column]:
    return [
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("tombstone", sa.Boolean(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "audit_round",
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("population", sa.String(length=20), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=False),
        sa.Column("design", sa.Text(), nullable=False),
        sa.Column("checklist", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        *_synced(),
        sa.CheckConstraint(f"length(title) <= {MAX}", name="title_max_length"),
        sa.CheckConstraint("population IN ('children','supervision')", name="population_known"),
        sa.CheckConstraint("state IN ('open','completed')", name="state_known"),
        sa.CheckConstraint("seed BETWEEN 0 AND 9007199254740991", name="seed_safe"),
        sa.ForeignKeyConstraint(["created_by"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_round", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_round_created_by"), ["created_by"], unique=False)

    op.create_table(
        "audit_item",
        sa.Column("round_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("record_kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("team_id", sa.String(length=36), nullable=True),
        sa.Column("stratum", sa.String(length=120), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("grade", sa.String(length=24), nullable=True),
        sa.Column("finding", sa.Text(), nullable=False),
        sa.Column("graded_by", sa.String(length=36), nullable=True),
        sa.Column("graded_at", sa.DateTime(), nullable=True),
        *_synced(),
        sa.CheckConstraint(f"length(finding) <= {MAX}", name="finding_max_length"),
        sa.CheckConstraint("record_kind IN ('child','supervision')", name="record_kind_known"),
        sa.CheckConstraint(
            "grade IS NULL OR grade IN ('outstanding','good','requires_improvement','inadequate')",
            name="grade_known"),
        sa.ForeignKeyConstraint(["graded_by"], ["staff.id"]),
        sa.ForeignKeyConstraint(["round_id"], ["audit_round.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "record_kind", "record_id", name="sampled_once"),
    )
    with op.batch_alter_table("audit_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_item_record_id"), ["record_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_item_round_id"), ["round_id"], unique=False)

    op.create_table(
        "audit_action",
        sa.Column("round_id", sa.String(length=36), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.String(length=36), nullable=True),
        sa.Column("closing_note", sa.Text(), nullable=False),
        *_synced(),
        sa.CheckConstraint(f"length(description) <= {MAX}", name="description_max_length"),
        sa.CheckConstraint(f"length(closing_note) <= {MAX}", name="closing_note_max_length"),
        sa.CheckConstraint("status IN ('open','done','no_longer_needed')", name="status_known"),
        sa.ForeignKeyConstraint(["closed_by"], ["staff.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["staff.id"]),
        sa.ForeignKeyConstraint(["item_id"], ["audit_item.id"]),
        sa.ForeignKeyConstraint(["owner_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["round_id"], ["audit_round.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_action", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_action_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_action_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_action_round_id"), ["round_id"], unique=False)

    for name, table, columns in INDEXES:  # plain CREATE INDEX: the tables keep their triggers
        op.create_index(name, table, list(columns), unique=False)

    abort = f"SELECT RAISE(ABORT, '{COMPLETED}');"
    completed = "(SELECT state FROM audit_round WHERE id = {ref}) = 'completed'"
    for statement in (
        f"""CREATE TRIGGER audit_round_completed_update BEFORE UPDATE ON audit_round
            WHEN OLD.state = 'completed' BEGIN {abort} END""",
        f"""CREATE TRIGGER audit_round_completed_delete BEFORE DELETE ON audit_round
            WHEN OLD.state = 'completed' BEGIN {abort} END""",
        f"""CREATE TRIGGER audit_item_completed_insert BEFORE INSERT ON audit_item
            WHEN {completed.format(ref='NEW.round_id')} BEGIN {abort} END""",
        f"""CREATE TRIGGER audit_item_completed_update BEFORE UPDATE ON audit_item
            WHEN {completed.format(ref='OLD.round_id')} BEGIN {abort} END""",
        f"""CREATE TRIGGER audit_item_completed_delete BEFORE DELETE ON audit_item
            WHEN {completed.format(ref='OLD.round_id')} BEGIN {abort} END""",
    ):
        op.execute(statement)


def downgrade() -> None:
    for trigger in ("audit_round_completed_update", "audit_round_completed_delete",
                    "audit_item_completed_insert", "audit_item_completed_update",
                    "audit_item_completed_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for name, table, _columns in INDEXES:
        op.drop_index(name, table_name=table)
    op.drop_table("audit_action")
    op.drop_table("audit_item")
    op.drop_table("audit_round")

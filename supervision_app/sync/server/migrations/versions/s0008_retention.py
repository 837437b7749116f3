"""sync server: retention (DESIGN.md §3 rule 10): legal holds, leavers' leaving dates, and the
audit of holds, releases and deletions (ids only)

Revision ID: s0008
Revises: s0007
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0008"
down_revision = "s0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retention_hold",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("table_name", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("held_at", sa.DateTime(), nullable=False),
        sa.Column("held_by", sa.String(length=100), nullable=False),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.Column("released_by", sa.String(length=100), nullable=True),
        sa.Column("release_reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_retention_hold_record_id", "retention_hold", ["record_id"])
    op.create_table(
        "retention_leaver",
        sa.Column("staff_id", sa.String(length=36), primary_key=True),
        sa.Column("left_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "retention_audit",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("table_name", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("part_of", sa.String(length=36), nullable=True),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
    )
    op.create_index("ix_retention_audit_record_id", "retention_audit", ["record_id"])


def downgrade() -> None:
    raise NotImplementedError("The sync server's records are never dropped by a migration.")

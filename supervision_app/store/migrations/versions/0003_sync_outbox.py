"""sync: outbox, state, conflicts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

``sync_outbox`` holds every local change to a synced row, written by the flush hook in
``store/outbox.py`` in the same transaction as the change, until the server has answered
for it. ``sync_state`` holds the cursor (saved with the rows it covers), the device id and
the last sync's outcome. ``sync_conflict`` keeps the version that lost a conflict (or that
the server refused) so the user can choose; nothing typed is lost to sync.
``sync_seen`` tracks the rows a resync has delivered, across pages and restarts.

(Numbered 0003 in 2026-12, when the migrations were renumbered in chain order; it was
written as 0004, and the search scope change planned as 0003 landed after 0005.)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_outbox",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("mutation_id", sa.String(36), nullable=False, unique=True),
        sa.Column("table_name", sa.String(32), nullable=False),
        sa.Column("row_id", sa.String(36), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("tombstone", sa.Boolean(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_sync_outbox_row", "sync_outbox", ["row_id"])
    op.create_table(
        "sync_state",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.create_table(
        "sync_conflict",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("table_name", sa.String(32), nullable=False),
        sa.Column("row_id", sa.String(36), nullable=False, index=True),
        sa.Column("kind", sa.String(12), nullable=False),  # conflict / rejected / removed
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("local_payload", sa.Text(), nullable=False),
        sa.Column("server_payload", sa.Text()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime()),
        sa.Column("resolution", sa.String(12)),
    )
    op.create_table(
        "sync_seen",
        sa.Column("row_id", sa.String(36), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("sync_seen")
    op.drop_table("sync_conflict")
    op.drop_table("sync_state")
    op.drop_index("ix_sync_outbox_row", table_name="sync_outbox")
    op.drop_table("sync_outbox")

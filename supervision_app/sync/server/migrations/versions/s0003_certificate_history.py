"""sync server: why a certificate was revoked, which laptop asked for it, and an
administrator's leave to enrol a new key without signing in again

Revision ID: s0003
Revises: s0002
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0003"
down_revision = "s0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("issued_certificate") as batch:
        batch.add_column(sa.Column("device_id", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("revoked_reason", sa.Text(), nullable=True))
    op.create_table(
        "certificate_renewal",
        sa.Column("staff_id", sa.String(length=36), nullable=False),
        sa.Column("allowed_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("staff_id"),
    )


def downgrade() -> None:
    raise NotImplementedError("The sync server's records are never dropped by a migration.")

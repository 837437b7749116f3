"""sync server: the organisation CA and the certificates it issued

Revision ID: s0002
Revises: s0001
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0002"
down_revision = "s0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "certificate_authority",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.Column("certificate_pem", sa.Text(), nullable=False),
        sa.Column("key_pem", sa.Text(), nullable=False),
        sa.Column("crl_pem", sa.Text(), nullable=False),
        sa.Column("crl_updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "issued_certificate",
        sa.Column("serial", sa.String(length=64), nullable=False),
        sa.Column("ca_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.String(length=36), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("not_after", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("certificate_pem", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("serial"),
    )
    op.create_index(op.f("ix_issued_certificate_staff_id"), "issued_certificate", ["staff_id"],
                    unique=False)


def downgrade() -> None:
    raise NotImplementedError("The sync server's records are never dropped by a migration.")

"""sync server: directory administration (cover between two dates, the source system's ids of
imported rows, closed cases) and one-time passwords

Revision ID: s0005
Revises: s0004
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0005"
down_revision = "s0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_cover",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("manager_id", sa.String(length=36), nullable=False),
        sa.Column("team_id", sa.String(length=36), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_staff_cover_manager_id", "staff_cover", ["manager_id"])
    op.create_index("ix_staff_cover_team_id", "staff_cover", ["team_id"])
    op.create_table(
        "directory_source",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source_id", sa.String(length=100), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("kind", "source_id"),
    )
    op.create_index("ix_directory_source_record_id", "directory_source", ["record_id"])
    op.create_table(
        "child_case",
        sa.Column("child_id", sa.String(length=36), primary_key=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
    )
    op.create_index("ix_record_table_name", "record", ["table_name"])
    with op.batch_alter_table("account") as batch:
        batch.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    raise NotImplementedError("The sync server's records are never dropped by a migration.")

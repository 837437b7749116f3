"""staff_line_manager_and_last_supervision: two directory fields IT sets on the server

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06

``line_manager_id``: who supervises a person with no team (DESIGN.md 1.1).
``last_supervised_on``: the last supervision held before go-live, imported from the old
system, so that imported staff are not all "Overdue, Last: Never" counted from their start.
Rows pulled from a server that does not send them yet store NULL (``protocol.check_data``).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("staff", sa.Column("line_manager_id", sa.String(length=36), nullable=True))
    op.add_column("staff", sa.Column("last_supervised_on", sa.Date(), nullable=True))


def downgrade() -> None:
    # SQLite's own DROP COLUMN (3.35+), not a batch copy: copying ``staff`` would drop the
    # table other tables' foreign keys and the search-scope triggers point at.
    op.execute("ALTER TABLE staff DROP COLUMN last_supervised_on")
    op.execute("ALTER TABLE staff DROP COLUMN line_manager_id")

"""assurance_indexes: four more covering indexes for the compliance figures

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26

Only speeds up reading; changes no row and no table (plain CREATE INDEX, so the lock
triggers of 0002 stay as they are). Measured in bench/bench_assurance.py on the council
data: each lets a figure read a short, contiguous stretch of a narrow index instead of
pages scattered over the wide, encrypted rows:

- ix_assurance_session_period: each worker's sessions held in the period, every state,
  with the dates timeliness needs (record timeliness, records not yet signed);
- ix_assurance_session_id: a session's state and date by id (the signed parent of an open
  action; the date of a child's last case discussion in a signed record);
- ix_assurance_note_id: an oversight note's state by id (the signed parent of an action);
- ix_assurance_signature_time: supervisees' signatures in the order they were made (the
  signing dates of a council's sessions in one stretch rather than one look-up each).

Numbering: written as 0006 but landed after disagreement resolution; the migrations were
renumbered in chain order in 2026-12 (this one was 0006).
"""
from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_assurance_session_period", "supervision_session",
     ("supervisee_id", "held_at", "tombstone", "state", "session_type", "id", "shared_at", "updated_at")),
    ("ix_assurance_session_id", "supervision_session", ("id", "state", "tombstone", "held_at")),
    ("ix_assurance_note_id", "oversight_note", ("id", "state", "tombstone")),
    ("ix_assurance_signature_time", "signature", ("record_kind", "signer_role", "signed_at", "record_id")),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, list(columns), unique=False)


def downgrade() -> None:
    for name, table, _columns in INDEXES:
        op.drop_index(name, table_name=table)

"""practice_records: cancellations, supervision agreements, supervisee feedback and the
team feedback totals the server publishes (issue 21)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

Three synced tables (``store/practice_models.py``). A supervision agreement is protected
like a supervision record (0002): once the supervisor has signed, its terms can no longer
change, and once the supervisee has signed it is locked: no update or delete gets through,
whatever code path tries. The server stores synced rows generically, so it needs no migration.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

MAX = 100000
LOCKED = "record is signed and locked; add a signed addendum instead"
FROZEN = "record has been signed; its content can no longer change"
AGREEMENT_TERMS = ("supervisee_id", "supervisor_id", "team_id", "frequency", "duration",
                   "location", "disagreements", "cancellations", "confidentiality", "tombstone")


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


def upgrade() -> None:
    op.create_table(
        "session_cancellation",
        sa.Column("supervisee_id", sa.String(length=36), nullable=False),
        sa.Column("supervisor_id", sa.String(length=36), nullable=False),
        sa.Column("team_id", sa.String(length=36), nullable=True),
        sa.Column("planned_for", sa.Date(), nullable=False),
        sa.Column("cancelled_on", sa.Date(), nullable=False),
        sa.Column("cancelled_by", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("rebooked_on", sa.Date(), nullable=True),
        sa.Column("returned_from_leave_on", sa.Date(), nullable=True),
        *_sync_columns(),
        _limit("reason"),
        sa.CheckConstraint("cancelled_by IN ('supervisor','supervisee','other')",
                           name="cancelled_by_known"),
        sa.ForeignKeyConstraint(["supervisee_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["supervisor_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_session_cancellation_supervisee_id", "session_cancellation", ["supervisee_id"])
    op.create_index("ix_session_cancellation_team_id", "session_cancellation", ["team_id"])

    op.create_table(
        "supervision_agreement",
        sa.Column("supervisee_id", sa.String(length=36), nullable=False),
        sa.Column("supervisor_id", sa.String(length=36), nullable=False),
        sa.Column("team_id", sa.String(length=36), nullable=True),
        *(sa.Column(c, sa.Text(), nullable=False) for c in (
            "frequency", "duration", "location", "disagreements", "cancellations",
            "confidentiality")),
        sa.Column("state", sa.String(length=20), nullable=False),
        *_sync_columns(),
        *(_limit(c) for c in ("frequency", "duration", "location", "disagreements",
                              "cancellations", "confidentiality")),
        sa.CheckConstraint("state IN ('draft','supervisor_signed','locked')", name="state_known"),
        sa.ForeignKeyConstraint(["supervisee_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["supervisor_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("supervisee_id", "supervisor_id", "team_id"):
        op.create_index(f"ix_supervision_agreement_{column}", "supervision_agreement", [column])

    op.create_table(
        "supervisee_feedback",
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("supervisee_id", sa.String(length=36), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=False),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        sa.Column("helpful", sa.String(length=12), nullable=True),
        sa.Column("reflection_balance", sa.String(length=24), nullable=True),
        sa.Column("emotional_support", sa.String(length=12), nullable=True),
        sa.Column("change_one_thing", sa.Text(), nullable=False),
        *_sync_columns(),
        _limit("change_one_thing"),
        sa.UniqueConstraint("session_id", name="one_feedback_per_session"),
        sa.CheckConstraint("helpful IS NULL OR helpful IN ('yes','partly','no')", name="helpful_known"),
        sa.CheckConstraint("emotional_support IS NULL OR emotional_support IN ('yes','partly','no')",
                           name="support_known"),
        sa.CheckConstraint(
            "reflection_balance IS NULL OR reflection_balance IN "
            "('mostly_reflection','balanced','mostly_case_monitoring')", name="balance_known"),
        sa.ForeignKeyConstraint(["session_id"], ["supervision_session.id"]),
        sa.ForeignKeyConstraint(["supervisee_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_supervisee_feedback_session_id", "supervisee_feedback", ["session_id"])
    op.create_index("ix_supervisee_feedback_supervisee_id", "supervisee_feedback", ["supervisee_id"])

    counts = ("answers", "helpful_yes", "helpful_partly", "helpful_no", "mostly_reflection",
              "balanced", "mostly_case_monitoring", "support_yes", "support_partly", "support_no")
    op.create_table(
        "team_feedback_total",
        sa.Column("team_id", sa.String(length=36), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        *(sa.Column(c, sa.Integer(), nullable=False) for c in counts),
        *_sync_columns(),
        sa.UniqueConstraint("team_id", "quarter", name="one_total_per_quarter"),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_team_feedback_total_team_id", "team_feedback_total", ["team_id"])

    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in AGREEMENT_TERMS)
    for statement in (
        f"""CREATE TRIGGER supervision_agreement_locked_update BEFORE UPDATE ON supervision_agreement
            WHEN OLD.state = 'locked' BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END""",
        f"""CREATE TRIGGER supervision_agreement_locked_delete BEFORE DELETE ON supervision_agreement
            WHEN OLD.state IN ('supervisor_signed','locked') BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END""",
        f"""CREATE TRIGGER supervision_agreement_signed_frozen BEFORE UPDATE ON supervision_agreement
            WHEN OLD.state = 'supervisor_signed' AND (NEW.state <> 'locked' OR {changed})
            BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END""",
    ):
        op.execute(statement)


def downgrade() -> None:
    for name in ("locked_update", "locked_delete", "signed_frozen"):
        op.execute(f"DROP TRIGGER IF EXISTS supervision_agreement_{name}")
    op.drop_table("team_feedback_total")
    op.drop_table("supervisee_feedback")
    op.drop_table("supervision_agreement")
    op.drop_table("session_cancellation")

"""Tables of quality-assurance audit rounds (issue 7): a dip sample drawn from its seed, the
grade and finding for each sampled record, and actions for the responsible manager.

These rows refer to the audited records by id only and never hold a copy of their contents;
audited records are only ever read. Once a round is completed its items are frozen by
triggers (migration 0004); its actions still move on to closure.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..domain.text_rules import MAX_TEXT_CHARS
from ..domain.time_rules import utc_now
from .models import (
    ActionItem,
    Base,
    CaseDiscussion,
    OversightNote,
    Signature,
    SupervisionSession,
    Synced,
)
from .types import UTCDateTime

GRADES = ("outstanding", "good", "requires_improvement", "inadequate")
_GRADE_LIST = ",".join(f"'{g}'" for g in GRADES)


def _limit(column: str) -> CheckConstraint:
    return CheckConstraint(f"length({column}) <= {MAX_TEXT_CHARS}", name=f"{column}_max_length")


class AuditRound(Synced, Base):
    __tablename__ = "audit_round"
    __table_args__ = (
        _limit("title"),
        CheckConstraint("population IN ('children','supervision')", name="population_known"),
        CheckConstraint("state IN ('open','completed')", name="state_known"),
        CheckConstraint("seed BETWEEN 0 AND 9007199254740991", name="seed_safe"),
    )
    title: Mapped[str] = mapped_column(Text, default="")
    population: Mapped[str] = mapped_column(String(20))
    seed: Mapped[int] = mapped_column(Integer)
    sample_size: Mapped[int] = mapped_column(Integer)
    # JSON: the strata asked for, the period, per-stratum allocation and whether weighted
    design: Mapped[str] = mapped_column(Text, default="{}")
    # JSON list of {"key": ..., "text": ...}: the questions each record is graded on
    checklist: Mapped[str] = mapped_column(Text, default="[]")
    created_by: Mapped[str] = mapped_column(ForeignKey("staff.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    state: Mapped[str] = mapped_column(String(20), default="open")
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditItem(Synced, Base):
    """One sampled record in a round, with its grades and finding."""

    __tablename__ = "audit_item"
    __table_args__ = (
        _limit("finding"),
        CheckConstraint("record_kind IN ('child','supervision')", name="record_kind_known"),
        CheckConstraint(f"grade IS NULL OR grade IN ({_GRADE_LIST})", name="grade_known"),
        UniqueConstraint("round_id", "record_kind", "record_id", name="sampled_once"),
    )
    round_id: Mapped[str] = mapped_column(ForeignKey("audit_round.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    record_kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    team_id: Mapped[str | None] = mapped_column(String(36))
    stratum: Mapped[str] = mapped_column(String(120), default="")
    # JSON {question key: grade or "not_applicable"}
    answers: Mapped[str] = mapped_column(Text, default="{}")
    grade: Mapped[str | None] = mapped_column(String(24))
    finding: Mapped[str] = mapped_column(Text, default="")
    graded_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id"))
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditAction(Synced, Base):
    """An action from an audit for the responsible manager, tracked to closure."""

    __tablename__ = "audit_action"
    __table_args__ = (
        _limit("description"),
        _limit("closing_note"),
        CheckConstraint("status IN ('open','done','no_longer_needed')", name="status_known"),
    )
    round_id: Mapped[str] = mapped_column(ForeignKey("audit_round.id"), index=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("audit_item.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_by: Mapped[str] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id"))
    closing_note: Mapped[str] = mapped_column(Text, default="")


# Covering indexes on the record tables for the compliance figures (migrations 0004, 0007). Each
# lets a figure read a narrow index instead of the wide, encrypted rows that hold the text:
# recent oversight, a worker's signed sessions, sessions in a period, the children discussed
# in a session, a child's latest oversight.
ASSURANCE_INDEXES = (
    Index("ix_assurance_note_recorded", OversightNote.recorded_at, OversightNote.state,
          OversightNote.child_id, OversightNote.tombstone),
    Index("ix_assurance_note_child", OversightNote.child_id, OversightNote.state,
          OversightNote.recorded_at, OversightNote.tombstone),
    Index("ix_assurance_session_worker", SupervisionSession.supervisee_id, SupervisionSession.state,
          SupervisionSession.held_at, SupervisionSession.tombstone, SupervisionSession.id),
    Index("ix_assurance_session_held", SupervisionSession.held_at, SupervisionSession.state,
          SupervisionSession.supervisee_id, SupervisionSession.tombstone, SupervisionSession.id,
          SupervisionSession.shared_at, SupervisionSession.updated_at),
    Index("ix_assurance_session_disagreement", SupervisionSession.supervisee_agreement,
          SupervisionSession.disagreement_resolved, SupervisionSession.tombstone,
          SupervisionSession.state, SupervisionSession.supervisee_id, SupervisionSession.held_at,
          SupervisionSession.id),
    Index("ix_assurance_signature", Signature.record_id, Signature.record_kind, Signature.signer_role,
          Signature.signed_at),
    Index("ix_assurance_discussion_session", CaseDiscussion.session_id, CaseDiscussion.child_id,
          CaseDiscussion.tombstone),
    Index("ix_assurance_discussion_child", CaseDiscussion.child_id, CaseDiscussion.session_id,
          CaseDiscussion.tombstone),
    Index("ix_assurance_action_open", ActionItem.status, ActionItem.owner_id, ActionItem.due_on,
          ActionItem.tombstone, ActionItem.session_id, ActionItem.oversight_note_id,
          ActionItem.child_id, ActionItem.id),
    # migration 0007: a worker's sessions in a period (every state), a session's or a note's
    # state by id, and supervisees' signatures in the order they were made
    Index("ix_assurance_session_period", SupervisionSession.supervisee_id, SupervisionSession.held_at,
          SupervisionSession.tombstone, SupervisionSession.state, SupervisionSession.session_type,
          SupervisionSession.id, SupervisionSession.shared_at, SupervisionSession.updated_at),
    Index("ix_assurance_session_id", SupervisionSession.id, SupervisionSession.state,
          SupervisionSession.tombstone, SupervisionSession.held_at),
    Index("ix_assurance_note_id", OversightNote.id, OversightNote.state, OversightNote.tombstone),
    Index("ix_assurance_signature_time", Signature.record_kind, Signature.signer_role,
          Signature.signed_at, Signature.record_id),
)

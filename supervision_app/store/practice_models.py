"""Tables for supervision practice beyond the record itself (issue 21): cancelled sessions
and their rebooking, the supervision agreement between a worker and their supervisor, and
the supervisee's short feedback after a session is signed.

All three sync like every other record (the ``Synced`` columns). The agreement is signed by
both through the records' signing path and its signed rows are protected by triggers
(migration 0011); feedback is the supervisee's own and never leaves their hands one by one.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..domain.text_rules import MAX_TEXT_CHARS
from .models import Base, Synced
from .types import UTCDateTime


def _text_limit(*columns: str) -> tuple[CheckConstraint, ...]:
    return tuple(
        CheckConstraint(f"length({c}) <= {MAX_TEXT_CHARS}", name=f"{c}_max_length") for c in columns
    )


class SessionCancellation(Synced, Base):
    """A planned supervision session that did not happen, and when it was rebooked for."""

    __tablename__ = "session_cancellation"
    __table_args__ = (
        *_text_limit("reason"),
        CheckConstraint("cancelled_by IN ('supervisor','supervisee','other')",
                        name="cancelled_by_known"),
    )
    supervisee_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), index=True)
    supervisor_id: Mapped[str] = mapped_column(ForeignKey("staff.id"))
    team_id: Mapped[str | None] = mapped_column(ForeignKey("team.id"), index=True)
    planned_for: Mapped[date] = mapped_column(Date)
    cancelled_on: Mapped[date] = mapped_column(Date)
    cancelled_by: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(Text, default="")
    rebooked_on: Mapped[date | None] = mapped_column(Date)
    # the person's return from leave, when the session could not be rebooked before it
    returned_from_leave_on: Mapped[date | None] = mapped_column(Date)


class SupervisionAgreement(Synced, Base):
    """The written agreement between a worker and their supervisor: how supervision will
    run. Signed by the supervisor, then the supervisee; locked once both have signed."""

    __tablename__ = "supervision_agreement"
    __table_args__ = (
        *_text_limit("frequency", "duration", "location", "disagreements", "cancellations",
                     "confidentiality"),
        CheckConstraint("state IN ('draft','supervisor_signed','locked')", name="state_known"),
    )
    supervisee_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), index=True)
    supervisor_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), index=True)
    team_id: Mapped[str | None] = mapped_column(ForeignKey("team.id"), index=True)
    frequency: Mapped[str] = mapped_column(Text, default="")
    duration: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(Text, default="")
    disagreements: Mapped[str] = mapped_column(Text, default="")
    cancellations: Mapped[str] = mapped_column(Text, default="")
    confidentiality: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), default="draft")


class SuperviseeFeedback(Synced, Base):
    """The supervisee's answers to four short questions after a session is signed, or
    that they chose to skip them. Only the supervisee holds their own answers; managers see
    a team's answers only added together, and only from 5 answers on."""

    __tablename__ = "supervisee_feedback"
    __table_args__ = (
        *_text_limit("change_one_thing"),
        UniqueConstraint("session_id", name="one_feedback_per_session"),
        CheckConstraint("helpful IS NULL OR helpful IN ('yes','partly','no')", name="helpful_known"),
        CheckConstraint("emotional_support IS NULL OR emotional_support IN ('yes','partly','no')",
                        name="support_known"),
        CheckConstraint(
            "reflection_balance IS NULL OR reflection_balance IN "
            "('mostly_reflection','balanced','mostly_case_monitoring')", name="balance_known"),
    )
    session_id: Mapped[str] = mapped_column(ForeignKey("supervision_session.id"), index=True)
    supervisee_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), index=True)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    helpful: Mapped[str | None] = mapped_column(String(12))
    reflection_balance: Mapped[str | None] = mapped_column(String(24))
    emotional_support: Mapped[str | None] = mapped_column(String(12))
    change_one_thing: Mapped[str] = mapped_column(Text, default="")


class TeamFeedbackTotal(Synced, Base):
    """A team's supervisee feedback for one ended quarter, added together by the server
    (``sync.server.feedback_totals``) from at least 5 people's answers: what a manager
    sees of feedback. Laptops never write these rows."""

    __tablename__ = "team_feedback_total"
    __table_args__ = (UniqueConstraint("team_id", "quarter", name="one_total_per_quarter"),)
    team_id: Mapped[str] = mapped_column(ForeignKey("team.id"), index=True)
    quarter: Mapped[str] = mapped_column(String(7))  # e.g. 2026-Q4 (answers received then)
    answers: Mapped[int] = mapped_column(Integer)
    helpful_yes: Mapped[int] = mapped_column(Integer)
    helpful_partly: Mapped[int] = mapped_column(Integer)
    helpful_no: Mapped[int] = mapped_column(Integer)
    mostly_reflection: Mapped[int] = mapped_column(Integer)
    balanced: Mapped[int] = mapped_column(Integer)
    mostly_case_monitoring: Mapped[int] = mapped_column(Integer)
    support_yes: Mapped[int] = mapped_column(Integer)
    support_partly: Mapped[int] = mapped_column(Integer)
    support_no: Mapped[int] = mapped_column(Integer)

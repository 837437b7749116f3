"""Tables of a group supervision session (issue 21, ``domain.group_supervision``).

``group_session`` holds the shared part's header, ``group_discussion`` its case
discussions, ``group_attendance`` who was listed and whether they came, ``group_action``
the actions, each owned by one person. A group session has no state column: where it is in
its life follows from its signatures (``Signature`` rows: the supervisor's on the session,
``record_kind`` 'group_session'; each attendee's on their own attendance row,
``record_kind`` 'group_attendance'), so a signature and the move it makes are one row and
can never travel apart. Triggers (migration 0015) refuse any change to the shared part once
the supervisor has signed; an action's status alone moves on after that.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..domain.text_rules import MAX_TEXT_CHARS
from .models import Base, Synced
from .types import UTCDateTime


def _text_limit(*columns: str) -> tuple[CheckConstraint, ...]:
    return tuple(
        CheckConstraint(f"length({c}) <= {MAX_TEXT_CHARS}", name=f"{c}_max_length") for c in columns
    )


class GroupSession(Synced, Base):
    __tablename__ = "group_session"
    __table_args__ = (
        *_text_limit("location", "themes", "learning"),
        CheckConstraint("duration_minutes BETWEEN 1 AND 600", name="duration_range"),
    )
    supervisor_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), index=True)
    team_id: Mapped[str | None] = mapped_column(ForeignKey("team.id"), index=True)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    location: Mapped[str] = mapped_column(Text, default="")
    themes: Mapped[str] = mapped_column(Text, default="")  # what the group discussed
    learning: Mapped[str] = mapped_column(Text, default="")
    next_session_on: Mapped[date | None] = mapped_column(Date)


class GroupAttendance(Synced, Base):
    __tablename__ = "group_attendance"
    __table_args__ = (
        UniqueConstraint("group_session_id", "attendee_id", name="one_attendance_per_person"),
        CheckConstraint("attendance IN ('present','apologies')", name="attendance_known"),
    )
    group_session_id: Mapped[str] = mapped_column(ForeignKey("group_session.id"), index=True)
    attendee_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), index=True)
    attendance: Mapped[str] = mapped_column(String(12), default="present")


class GroupDiscussion(Synced, Base):
    __tablename__ = "group_discussion"
    __table_args__ = (*_text_limit("summary", "decision", "rationale"),)
    group_session_id: Mapped[str] = mapped_column(ForeignKey("group_session.id"), index=True)
    child_id: Mapped[str | None] = mapped_column(ForeignKey("child.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str] = mapped_column(Text, default="")
    rationale: Mapped[str] = mapped_column(Text, default="")


class GroupAction(Synced, Base):
    __tablename__ = "group_action"
    __table_args__ = (
        *_text_limit("description"),
        CheckConstraint("status IN ('open','done','no_longer_needed')", name="status_known"),
    )
    group_session_id: Mapped[str] = mapped_column(ForeignKey("group_session.id"), index=True)
    discussion_id: Mapped[str | None] = mapped_column(ForeignKey("group_discussion.id"))
    owner_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

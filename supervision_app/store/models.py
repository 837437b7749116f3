"""The local database schema as typed SQLAlchemy 2 models.

Every row people create carries the sync columns (UUID, version, updated_at, updated_by,
tombstone) from the first schema on, so sync never needs to retrofit identity.
Locked rows are protected by triggers created in the migrations, not only by this code.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from ..domain.text_rules import MAX_TEXT_CHARS
from ..domain.time_rules import utc_now
from .types import UTCDateTime


def new_id() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    pass


def _text_limit(*columns: str) -> tuple[CheckConstraint, ...]:
    return tuple(
        CheckConstraint(f"length({c}) <= {MAX_TEXT_CHARS}", name=f"{c}_max_length") for c in columns
    )


class Synced:
    """Columns every synced row carries (DESIGN.md §4, Sync)."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, nullable=False)
    updated_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    tombstone: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)


class ServiceArea(Synced, Base):
    __tablename__ = "service_area"
    name: Mapped[str] = mapped_column(String(200))
    manager_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id", use_alter=True))


class Team(Synced, Base):
    __tablename__ = "team"
    name: Mapped[str] = mapped_column(String(200))
    service_area_id: Mapped[str | None] = mapped_column(ForeignKey("service_area.id"))
    manager_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id", use_alter=True))
    # JSON of domain.supervision_policy.SupervisionPolicy; NULL means the default policy.
    supervision_policy: Mapped[str | None] = mapped_column(Text)


class Staff(Synced, Base):
    __tablename__ = "staff"
    display_name: Mapped[str] = mapped_column(String(200))
    username: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    team_id: Mapped[str | None] = mapped_column(ForeignKey("team.id"), index=True)
    started_on: Mapped[date] = mapped_column(Date)
    asye_start: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Who supervises a person with no team (a service manager's head of service); set by IT.
    line_manager_id: Mapped[str | None] = mapped_column(String(36))
    # The last supervision held before this system (imported at go-live): the due-date rule
    # counts from it until a session recorded here is later.
    last_supervised_on: Mapped[date | None] = mapped_column(Date)


class Child(Synced, Base):
    __tablename__ = "child"
    case_id: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date] = mapped_column(Date)
    legal_status: Mapped[str] = mapped_column(String(32))
    allocated_worker_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"), index=True)
    has_pathway_plan: Mapped[bool] = mapped_column(Boolean, default=False)


class SupervisionSession(Synced, Base):
    __tablename__ = "supervision_session"
    __table_args__ = (
        *_text_limit(
            "location", "wellbeing", "workload_notes", "learning", "asye_progress",
            "supervisee_comments", "disagreement",
        ),
        CheckConstraint("duration_minutes BETWEEN 1 AND 600", name="duration_range"),
        CheckConstraint(
            "state IN ('draft','shared','supervisor_signed','locked')", name="state_known"
        ),
        Index("ix_session_supervisee_held", "supervisee_id", "held_at"),
    )
    supervisee_id: Mapped[str] = mapped_column(ForeignKey("staff.id"))
    supervisor_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), index=True)
    team_id: Mapped[str | None] = mapped_column(ForeignKey("team.id"), index=True)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    session_type: Mapped[str] = mapped_column(String(20))
    location: Mapped[str] = mapped_column(Text, default="")
    agreement_in_place: Mapped[bool] = mapped_column(Boolean, default=True)
    wellbeing: Mapped[str] = mapped_column(Text, default="")  # private: never leaves the pair
    caseload_count: Mapped[int | None] = mapped_column(Integer)
    caseload_complexity: Mapped[str] = mapped_column(String(20), default="")
    capacity: Mapped[str] = mapped_column(String(20), default="")
    workload_notes: Mapped[str] = mapped_column(Text, default="")
    learning: Mapped[str] = mapped_column(Text, default="")
    asye_progress: Mapped[str] = mapped_column(Text, default="")
    next_session_on: Mapped[date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(20), default="draft")
    shared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    supervisee_comments: Mapped[str] = mapped_column(Text, default="")
    supervisee_agreement: Mapped[str | None] = mapped_column(String(12))
    disagreement: Mapped[str] = mapped_column(Text, default="")
    disagreement_resolved: Mapped[bool] = mapped_column(Boolean, default=False)

    case_discussions: Mapped[list[CaseDiscussion]] = relationship(
        back_populates="session", order_by="CaseDiscussion.position"
    )


class CaseDiscussion(Synced, Base):
    __tablename__ = "case_discussion"
    __table_args__ = (
        *_text_limit("current_position", "worries", "working_well", "needs_to_happen", "decision",
                     "rationale"),
        CheckConstraint("safety_scale IS NULL OR safety_scale BETWEEN 0 AND 10", name="scale_range"),
    )
    session_id: Mapped[str] = mapped_column(ForeignKey("supervision_session.id"), index=True)
    child_id: Mapped[str] = mapped_column(ForeignKey("child.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    current_position: Mapped[str] = mapped_column(Text, default="")
    worries: Mapped[str] = mapped_column(Text, default="")
    working_well: Mapped[str] = mapped_column(Text, default="")
    needs_to_happen: Mapped[str] = mapped_column(Text, default="")
    safety_scale: Mapped[int | None] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(Text, default="")
    rationale: Mapped[str] = mapped_column(Text, default="")
    # Held without its record by the child's readers (DESIGN.md §1.1: a released discussion
    # follows the child): what the child's chronology shows of that record, filled in by
    # the server as it sends the row to them and empty for everyone else (migration 0017).
    session_held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    session_supervisor_id: Mapped[str | None] = mapped_column(String(36))
    session_supervisee_id: Mapped[str | None] = mapped_column(String(36))
    session_state: Mapped[str | None] = mapped_column(String(20))

    session: Mapped[SupervisionSession] = relationship(back_populates="case_discussions")


class OversightNote(Synced, Base):
    __tablename__ = "oversight_note"
    __table_args__ = (
        *_text_limit("decision", "rationale"),
        CheckConstraint("state IN ('draft','locked')", name="state_known"),
    )
    child_id: Mapped[str] = mapped_column(ForeignKey("child.id"), index=True)
    author_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    trigger: Mapped[str] = mapped_column(String(32))
    decision: Mapped[str] = mapped_column(Text, default="")
    rationale: Mapped[str] = mapped_column(Text, default="")
    next_review_on: Mapped[date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(20), default="draft")


class ActionItem(Synced, Base):
    """An action agreed in supervision or oversight. What was agreed (description, owner,
    due date) locks with its record; its status moves on until it is closed."""

    __tablename__ = "action_item"
    __table_args__ = (
        *_text_limit("description"),
        CheckConstraint("status IN ('open','done','no_longer_needed')", name="status_known"),
        CheckConstraint(
            "(session_id IS NOT NULL) + (oversight_note_id IS NOT NULL) = 1", name="one_parent"
        ),
        Index("ix_action_owner_status", "owner_id", "status"),
    )
    session_id: Mapped[str | None] = mapped_column(ForeignKey("supervision_session.id"), index=True)
    oversight_note_id: Mapped[str | None] = mapped_column(ForeignKey("oversight_note.id"), index=True)
    case_discussion_id: Mapped[str | None] = mapped_column(ForeignKey("case_discussion.id"))
    child_id: Mapped[str | None] = mapped_column(ForeignKey("child.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id"))
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ActionReview(Synced, Base):
    """An action from an earlier session reviewed in a later one: its status then."""

    __tablename__ = "action_review"
    __table_args__ = (
        *_text_limit("note"),
        UniqueConstraint("session_id", "action_id", name="one_review_per_session"),
    )
    session_id: Mapped[str] = mapped_column(ForeignKey("supervision_session.id"), index=True)
    action_id: Mapped[str] = mapped_column(ForeignKey("action_item.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    note: Mapped[str] = mapped_column(Text, default="")


class Addendum(Synced, Base):
    __tablename__ = "addendum"
    __table_args__ = (
        *_text_limit("body"),
        CheckConstraint("state IN ('draft','locked')", name="state_known"),
    )
    record_kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    author_id: Mapped[str] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    body: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), default="draft")


class Signature(Synced, Base):
    """Who signed what, when, with which certificate. Never updated or deleted."""

    __tablename__ = "signature"
    __table_args__ = (UniqueConstraint("record_kind", "record_id", "signer_role"),)
    record_kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    signer_id: Mapped[str] = mapped_column(ForeignKey("staff.id"))
    signer_role: Mapped[str] = mapped_column(String(20))  # supervisor / supervisee / author
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    digest: Mapped[str] = mapped_column(String(64))
    certificate_pem: Mapped[str] = mapped_column(Text, default="")
    signature_value: Mapped[bytes | None] = mapped_column(LargeBinary)


class DisagreementResolution(Synced, Base):
    """How a supervisee's disagreement was resolved, recorded by a manager above the
    supervisor (DESIGN.md §2). Insert-only (migration 0006): the disagreement itself stays
    on the record, and a resolution, once written, is never changed or removed; a record
    with a resolution no longer counts as an unresolved disagreement."""

    __tablename__ = "disagreement_resolution"
    __table_args__ = (*_text_limit("note"),)
    session_id: Mapped[str] = mapped_column(ForeignKey("supervision_session.id"), index=True)
    resolved_by: Mapped[str] = mapped_column(ForeignKey("staff.id"))
    resolved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text)


class RecordDocument(Synced, Base):
    """A signed PDF of a record at one stage of its sign-off. Insert-only: each signature
    adds a new document (the supervisee's as an incremental update of the supervisor's),
    and the newest is the record's durable form."""

    __tablename__ = "record_document"
    record_kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)


class AuditEntry(Base):
    """Append-only, hash-chained: ids and actions, never record contents."""

    __tablename__ = "audit_entry"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[str | None] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(40))
    record_kind: Mapped[str] = mapped_column(String(20), default="")
    record_id: Mapped[str] = mapped_column(String(36), default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class ProfileSetting(Base):
    """Small per-profile settings (who is signed in, text size). Never secrets."""

    __tablename__ = "profile_setting"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# Tables defined in their own modules join the same metadata, so migrations, the schema
# check and every session see one complete schema.
from . import assurance_models, group_models, practice_models  # noqa: E402,F401

"""One supervision record read whole: its canonical form (what is digested and signed) and
the document that is rendered to PDF. Both come from the same rows in one read, so the
digest printed on a PDF is the digest of the record it shows.

The canonical form is the current version (``record_canonical``, v2), built from the
record's own rows only, which every laptop that may sign the record holds. Where the
record already carries a signature over the older v1 form (signed before v2 existed) and
this laptop can rebuild that form, the snapshot is that form, so the record's remaining
signer signs what the first one did and an addendum names the digest the record was
signed with. A child's row or a reviewed earlier action this laptop does not hold (a
manager after the worker moved team, a supervisee whose case went to a colleague) is
shown as not held; it is never left out of what is signed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain import record_canonical
from ..domain.canonical import digest
from ..domain.lifecycle import RecordKind
from ..domain.record_canonical import (
    V1,
    VERSION_FIELD,
    oversight_canonical_v1,
    oversight_canonical_v2,
    supervision_canonical_v1,
    supervision_canonical_v2,
)
from ..domain.supervisee_response import signed_without_response
from ..domain.time_rules import london_date, utc_now
from ..domain.vocabulary import (
    ActionStatus,
    Capacity,
    Complexity,
    LegalStatus,
    OversightTrigger,
    RecordState,
    Role,
    SessionType,
)
from ..store.models import (
    ActionItem,
    ActionReview,
    Addendum,
    CaseDiscussion,
    Child,
    OversightNote,
    Signature,
    Staff,
    SupervisionSession,
)
from .document import (
    ActionDoc,
    ActionReviewDoc,
    AddendumDoc,
    Agreement,
    CaseDiscussionDoc,
    OversightNoteDocument,
    RecordDocument,
    Section,
)


@dataclass(frozen=True)
class SupervisionSnapshot:
    session_id: str
    version: int
    state: RecordState
    supervisee_id: str
    supervisor_id: str
    canonical: dict[str, Any]
    document: RecordDocument

    @property
    def digest(self) -> str:
        return digest(RecordKind.SUPERVISION, self.canonical)

    @property
    def canonical_version(self) -> int:
        return int(self.canonical.get(VERSION_FIELD, V1))


NOT_RECORDED = "Not recorded"
NOT_HELD = "Not held on this computer"
CHILD_NOT_HELD = "A child whose details are not held on this computer"
ACTION_NOT_HELD = "An action from an earlier record not held on this computer"


def _as_signed(session: Session, kind: RecordKind, record_id: str, current: dict[str, Any],
               older: Callable[[], dict[str, Any] | None]) -> dict[str, Any]:
    """``current``, unless the record's signatures are over the older form ``older()``
    builds (None where this laptop cannot build it): then that one."""
    signed = set(session.scalars(select(Signature.digest).where(
        Signature.record_kind == kind.value, Signature.record_id == record_id,
        Signature.tombstone.is_(False))))
    if not signed or digest(kind, current) in signed:
        return current
    legacy = older()
    if legacy is not None and digest(kind, legacy) in signed:
        return legacy
    return current


def _label(enum_type, value: str) -> str:
    try:
        return enum_type(value).label
    except ValueError:
        return value


def load_supervision_snapshot(session: Session, session_id: str,
                              today: date | None = None) -> SupervisionSnapshot:
    """``today`` (London; this laptop's clock if not given) decides, for a record not yet
    signed, whether its document says "No response within 5 working days"."""
    record = session.get(SupervisionSession, session_id)
    if record is None or record.tombstone:
        raise LookupError("No such supervision record.")
    # outer joins: a discussion of a child, or a review of an action, whose row this laptop
    # does not hold is still part of the record (and of what is signed)
    discussions = session.execute(
        select(CaseDiscussion, Child)
        .outerjoin(Child, Child.id == CaseDiscussion.child_id)
        .where(CaseDiscussion.session_id == session_id, CaseDiscussion.tombstone.is_(False))
        .order_by(CaseDiscussion.position, CaseDiscussion.id)
    ).all()
    actions = session.execute(
        select(ActionItem)
        .where(ActionItem.session_id == session_id, ActionItem.tombstone.is_(False))
        .order_by(ActionItem.due_on, ActionItem.id)
    ).scalars().all()
    reviews = sorted(session.execute(
        select(ActionReview, ActionItem)
        .outerjoin(ActionItem, ActionItem.id == ActionReview.action_id)
        .where(ActionReview.session_id == session_id, ActionReview.tombstone.is_(False))
    ).all(), key=lambda pair: (pair[1] is None, pair[1] is not None and pair[1].due_on is not None,
                               pair[1].due_on if pair[1] is not None and pair[1].due_on else date.min,
                               pair[0].action_id))
    addenda = session.execute(
        select(Addendum)
        .where(Addendum.record_id == session_id, Addendum.state == RecordState.LOCKED.value,
               Addendum.tombstone.is_(False))
        .order_by(Addendum.created_at)
    ).scalars().all()
    people_ids = {record.supervisee_id, record.supervisor_id}
    people_ids |= {a.owner_id for a in actions if a.owner_id}
    people_ids |= {a.owner_id for _, a in reviews if a is not None and a.owner_id}
    people_ids |= {a.author_id for a in addenda}
    names: dict[str | None, str] = dict(
        session.execute(select(Staff.id, Staff.display_name).where(Staff.id.in_(people_ids))).all())

    canonical = _as_signed(
        session, RecordKind.SUPERVISION, record.id,
        supervision_canonical_v2(values(record), [values(d) for d, _ in discussions],
                                 [values(a) for a in actions], [values(r) for r, _ in reviews]),
        # v1 as the app built it then: inner joins, so a pair whose other row is missing is left out
        lambda: supervision_canonical_v1(
            values(record), [(values(d), values(child)) for d, child in discussions if child is not None],
            [values(a) for a in actions], [(values(r), values(a)) for r, a in reviews if a is not None]))

    actions_by_discussion: dict[str | None, list[ActionDoc]] = {}
    for a in actions:
        actions_by_discussion.setdefault(a.case_discussion_id, []).append(
            ActionDoc(description=a.description, owner_name=names.get(a.owner_id, "No owner"),
                      due_date=a.due_on, status=_label(ActionStatus, a.status))
        )
    case_docs = [
        CaseDiscussionDoc(
            child_case_id=child.case_id if child is not None else NOT_HELD,
            child_name=child.name if child is not None else CHILD_NOT_HELD,
            legal_status=_label(LegalStatus, child.legal_status) if child is not None else NOT_HELD,
            current_position=d.current_position, worries=d.worries, working_well=d.working_well,
            needs_to_happen=d.needs_to_happen, safety_scale=d.safety_scale, decision=d.decision,
            rationale=d.rationale, actions=actions_by_discussion.get(d.id, []),
        )
        for d, child in discussions
    ]
    workload_rows = [
        ("Caseload", NOT_RECORDED if record.caseload_count is None else str(record.caseload_count)),
        ("Complexity", _label(Complexity, record.caseload_complexity) if record.caseload_complexity
         else NOT_RECORDED),
        ("Capacity", _label(Capacity, record.capacity) if record.capacity else NOT_RECORDED),
    ]
    sections = [Section("Workload", paragraphs=[record.workload_notes] if record.workload_notes else [],
                        rows=workload_rows)]
    general_actions = actions_by_discussion.get(None, [])
    if general_actions:
        sections.append(Section("Other actions", rows=[
            (a.description, f"{a.owner_name}, due {a.due_date:%d/%m/%Y}" if a.due_date else a.owner_name)
            for a in general_actions
        ]))
    if record.asye_progress:
        sections.append(Section("ASYE progress", paragraphs=[record.asye_progress]))
    snapshot_digest = digest(RecordKind.SUPERVISION, canonical)
    document = RecordDocument(
        record_id=record.id,
        supervisee_name=names.get(record.supervisee_id, ""),
        supervisor_name=names.get(record.supervisor_id, ""),
        held_at=record.held_at,
        duration_minutes=record.duration_minutes,
        session_type=_label(SessionType, record.session_type),
        location=record.location,
        agreement_in_place=record.agreement_in_place,
        sections=sections,
        previous_action_reviews=[
            ActionReviewDoc(description=a.description, owner_name=names.get(a.owner_id, "No owner"),
                            due_date=a.due_on, status=_label(ActionStatus, r.status), note=r.note)
            if a is not None else
            ActionReviewDoc(description=ACTION_NOT_HELD, owner_name=NOT_HELD, due_date=None,
                            status=_label(ActionStatus, r.status), note=r.note)
            for r, a in reviews
        ],
        case_discussions=case_docs,
        learning=record.learning,
        supervisee_comments=record.supervisee_comments,
        agreement=cast("Agreement | None", record.supervisee_agreement),  # RecordDocument checks it
        disagreement=record.disagreement,
        no_response_within_window=_no_response(session, record, today),
        addenda=[AddendumDoc(author_name=names.get(a.author_id, ""), written_at=a.created_at, text=a.body)
                 for a in addenda],
        next_session_date=record.next_session_on,
        digest_hex=snapshot_digest,
        status_label=_label(RecordState, record.state),
    )
    return SupervisionSnapshot(
        session_id=record.id, version=record.version, state=RecordState(record.state),
        supervisee_id=record.supervisee_id, supervisor_id=record.supervisor_id,
        canonical=canonical, document=document,
    )


def _no_response(session: Session, record: SupervisionSession, today: date | None) -> bool:
    """Whether the document says "No response within 5 working days" (DESIGN.md §3 rule 3):
    the supervisor signed (or, not signed yet, may sign today) only because the supervisee's
    window passed with no response. It is a line of the rendered document, not a field of
    the canonical form, because it adds nothing to what is signed: the canonical form holds
    the response fields (empty), and the rest follows from when the record was shared and
    the supervisor's signature's own date, which the server holds too (its ``shared_on``
    fact and the signature row); so the canonical form and its digest stay as they were."""
    if record.state == RecordState.DRAFT.value or record.shared_at is None:
        return False
    if record.state == RecordState.SHARED.value:
        day: date | None = today or london_date(utc_now())
    else:
        signed_at = session.scalar(select(Signature.signed_at).where(
            Signature.record_kind == RecordKind.SUPERVISION.value,
            Signature.record_id == record.id, Signature.signer_role == "supervisor",
            Signature.tombstone.is_(False)))
        day = london_date(signed_at) if signed_at is not None else None
    return signed_without_response(record.supervisee_agreement, london_date(record.shared_at), day)


@dataclass(frozen=True)
class OversightSnapshot:
    note_id: str
    version: int
    state: RecordState
    author_id: str
    canonical: dict[str, Any]
    document: OversightNoteDocument

    @property
    def digest(self) -> str:
        return digest(RecordKind.OVERSIGHT_NOTE, self.canonical)

    @property
    def canonical_version(self) -> int:
        return int(self.canonical.get(VERSION_FIELD, V1))


def load_oversight_snapshot(session: Session, note_id: str) -> OversightSnapshot:
    note = session.get(OversightNote, note_id)
    if note is None or note.tombstone:
        raise LookupError("No such oversight note.")
    child = session.get(Child, note.child_id)
    author = session.get(Staff, note.author_id)
    if author is None:  # a foreign key: only a damaged database has a note without its author
        raise LookupError("The oversight note's author is not held.")
    actions = session.execute(
        select(ActionItem)
        .where(ActionItem.oversight_note_id == note_id, ActionItem.tombstone.is_(False))
        .order_by(ActionItem.due_on, ActionItem.id)
    ).scalars().all()
    owners: dict[str | None, str] = dict(session.execute(
        select(Staff.id, Staff.display_name).where(Staff.id.in_({a.owner_id for a in actions if a.owner_id}))
    ).all())
    canonical = _as_signed(
        session, RecordKind.OVERSIGHT_NOTE, note.id,
        oversight_canonical_v2(values(note), [values(a) for a in actions]),
        lambda: oversight_canonical_v1(values(note), values(child), [values(a) for a in actions])
        if child is not None else None)
    document = OversightNoteDocument(
        note_id=note.id, child_case_id=child.case_id if child is not None else NOT_HELD,
        child_name=child.name if child is not None else CHILD_NOT_HELD,
        trigger=_label(OversightTrigger, note.trigger), decision=note.decision,
        rationale=note.rationale, author_name=author.display_name, written_at=note.recorded_at,
        legal_status=_label(LegalStatus, child.legal_status) if child is not None else NOT_HELD,
        actions=[ActionDoc(description=a.description, owner_name=owners.get(a.owner_id, "No owner"),
                           due_date=a.due_on, status=_label(ActionStatus, a.status)) for a in actions],
        next_review_date=note.next_review_on, author_role=_label(Role, author.role),
        digest_hex=digest(RecordKind.OVERSIGHT_NOTE, canonical),
        status_label=_label(RecordState, note.state),
    )
    return OversightSnapshot(note_id=note.id, version=note.version, state=RecordState(note.state),
                             author_id=note.author_id, canonical=canonical, document=document)


def addendum_canonical(addendum: Addendum, parent_digest: str) -> dict[str, Any]:
    """An addendum signs its own text and the digest of the record it corrects (in the
    current version; ``parent_digest`` is the parent snapshot's, in the version the
    parent's signatures are over)."""
    return record_canonical.addendum_canonical(values(addendum), parent_digest)


def values(row: Any) -> dict[str, Any]:
    """A database row as the plain mapping the canonical builders take."""
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}

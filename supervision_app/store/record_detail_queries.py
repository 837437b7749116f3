"""One record as its editor shows it: a supervision record or an oversight note with its parts,
signatures, addenda and resolutions, and what the actor may do with it. Each view is
audited, so call these inside ``Database.transaction()``. Only what
``domain.permissions.decide`` lets the actor see is returned (the app hides what it cannot
show; the server is the authority).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ..domain.lifecycle import RecordKind
from ..domain.permissions import Actor, Operation, decide
from ..domain.supervisee_response import signed_without_response
from ..domain.text_rules import text_sort_key
from ..domain.time_rules import london_date
from ..domain.vocabulary import (
    ActionStatus,
    Agreement,
    LegalStatus,
    OversightTrigger,
    RecordState,
    SessionType,
)
from .audit_log import record_event
from .models import (
    ActionItem,
    ActionReview,
    Addendum,
    CaseDiscussion,
    Child,
    DisagreementResolution,
    OversightNote,
    Signature,
    Staff,
    SupervisionSession,
)
from .session_list_queries import record_deadlines_of
from .supervision_records import NotAllowed, NotFound, oversight_target, require, session_target


@dataclass(frozen=True)
class ReviewDetail:
    review_id: str
    action_id: str
    description: str
    owner_name: str
    due_on: date | None
    status: ActionStatus
    note: str
    from_held: date | None


@dataclass(frozen=True)
class ActionDetail:
    action_id: str
    description: str
    owner_id: str | None
    owner_name: str
    due_on: date | None
    status: ActionStatus
    case_discussion_id: str | None


@dataclass(frozen=True)
class DiscussionDetail:
    discussion_id: str
    child_id: str
    case_id: str
    child_name: str
    legal_status: LegalStatus
    current_position: str
    worries: str
    working_well: str
    needs_to_happen: str
    safety_scale: int | None
    decision: str
    rationale: str
    actions: list[ActionDetail]

    @property
    def child_label(self) -> str:
        return f"{self.child_name} ({self.case_id})"


@dataclass(frozen=True)
class SignatureRow:
    role: str  # supervisor, supervisee, author
    signer_name: str
    signed_at: datetime

    @property
    def label(self) -> str:
        return {"supervisor": "Supervisor", "supervisee": "Supervisee"}.get(self.role, "Author")


@dataclass(frozen=True)
class AddendumRow:
    addendum_id: str
    author_id: str
    author_name: str
    created_at: datetime
    body: str
    state: RecordState
    signed_at: datetime | None


def _signatures(session: Session, record_kind: str, record_id: str) -> list[SignatureRow]:
    rows = session.execute(
        select(Signature.signer_role, Staff.display_name, Signature.signed_at)
        .join(Staff, Staff.id == Signature.signer_id)
        .where(Signature.record_kind == record_kind, Signature.record_id == record_id,
               Signature.tombstone.is_(False))
        .order_by(Signature.signed_at))
    return [SignatureRow(r[0], r[1], r[2]) for r in rows]


@dataclass(frozen=True)
class ResolutionRow:
    """How a disagreement was resolved, by whom and when (insert-only)."""

    resolution_id: str
    resolved_by_name: str
    resolved_at: datetime
    note: str


def resolutions_of(session: Session, session_id: str) -> list[ResolutionRow]:
    return [ResolutionRow(*r) for r in session.execute(
        select(DisagreementResolution.id, Staff.display_name, DisagreementResolution.resolved_at,
               DisagreementResolution.note)
        .join(Staff, Staff.id == DisagreementResolution.resolved_by)
        .where(DisagreementResolution.session_id == session_id,
               DisagreementResolution.tombstone.is_(False))
        .order_by(DisagreementResolution.resolved_at))]


def addenda_of(session: Session, actor: Actor, record_kind: str, record_id: str) -> list[AddendumRow]:
    """The addenda to a record: signed ones for everyone who sees the record, drafts only
    for their author."""
    signed = {r.record_id: r.signed_at for r in session.execute(
        select(Signature.record_id, Signature.signed_at).join(
            Addendum, Addendum.id == Signature.record_id)
        .where(Signature.record_kind == RecordKind.ADDENDUM.value,
               Addendum.record_kind == record_kind, Addendum.record_id == record_id))}
    out = []
    for addendum, name in session.execute(
            select(Addendum, Staff.display_name).join(Staff, Staff.id == Addendum.author_id)
            .where(Addendum.record_kind == record_kind, Addendum.record_id == record_id,
                   Addendum.tombstone.is_(False)).order_by(Addendum.created_at)):
        if addendum.state != RecordState.LOCKED.value and addendum.author_id != actor.staff_id:
            continue
        out.append(AddendumRow(addendum.id, addendum.author_id, name, addendum.created_at,
                               addendum.body, RecordState(addendum.state), signed.get(addendum.id)))
    return out


@dataclass(frozen=True)
class SessionDetail:
    session_id: str
    version: int
    state: RecordState
    supervisee_id: str
    supervisee_name: str
    supervisor_id: str
    supervisor_name: str
    held_at: datetime
    duration_minutes: int
    session_type: SessionType
    location: str
    agreement_in_place: bool
    wellbeing: str | None  # None: the actor may not see it
    caseload_count: int | None
    caseload_complexity: str
    capacity: str
    workload_notes: str
    learning: str
    asye_progress: str
    supervisee_is_asye: bool
    next_session_on: date | None
    shared_at: datetime | None
    supervisee_comments: str
    supervisee_agreement: str | None
    disagreement: str
    disagreement_resolved: bool
    reviews: list[ReviewDetail]
    discussions: list[DiscussionDetail]
    actions: list[ActionDetail]  # not under a case discussion
    owners: list[tuple[str, str]]  # (staff id, name) who can own an action
    can_edit: bool
    can_share: bool
    can_withdraw: bool
    can_respond: bool
    share_by: date
    sign_by: date | None
    can_sign: bool = False  # as supervisor (shared) or supervisee (after the supervisor)
    signatures: tuple[SignatureRow, ...] = ()
    addenda: tuple[AddendumRow, ...] = ()
    can_add_addendum: bool = False
    resolutions: tuple[ResolutionRow, ...] = ()  # of the supervisee's disagreement
    can_resolve: bool = False
    # the supervisor's signature waits for the supervisee (DESIGN.md §3 rule 3): why, while
    # it does, and whether their 5 working days passed without a response
    sign_waits: str = ""
    no_response: bool = False


def _action_detail(action: ActionItem, names: dict[str, str]) -> ActionDetail:
    return ActionDetail(action.id, action.description, action.owner_id,
                        names.get(action.owner_id, "") if action.owner_id else "",
                        action.due_on, ActionStatus(action.status), action.case_discussion_id)


def _readable_session(session: Session, actor: Actor, session_id: str) -> SupervisionSession:
    row = session.get(SupervisionSession, session_id)
    if row is None or row.tombstone:
        raise NotFound("That supervision record is not on this computer.")
    require(decide(actor, Operation.VIEW, session_target(row)))
    return row


def session_refusal(session: Session, actor: Actor, session_id: str) -> str | None:
    """Why ``actor`` may not read supervision record ``session_id`` (None: they may): the
    rule ``session_detail`` applies, without reading (or auditing) the record's contents."""
    try:
        _readable_session(session, actor, session_id)
    except NotFound:
        return "It is not on this computer."
    except NotAllowed as refused:
        return str(refused)
    return None


def session_detail(session: Session, actor: Actor, session_id: str) -> SessionDetail:
    """Everything the actor may see of one supervision record; the view is audited."""
    row = _readable_session(session, actor, session_id)
    target = session_target(row)
    private = decide(actor, Operation.VIEW_PRIVATE, target).allowed
    supervisee = session.get_one(Staff, row.supervisee_id)
    team_people = list(session.execute(
        select(Staff.id, Staff.display_name).where(
            or_(Staff.id.in_([row.supervisee_id, row.supervisor_id]),
                and_(Staff.team_id == row.team_id, Staff.active.is_(True),
                     Staff.tombstone.is_(False))) if row.team_id else
            Staff.id.in_([row.supervisee_id, row.supervisor_id]))
        .order_by(Staff.display_name)).all())
    names = {k: v for k, v in team_people}
    actions = list(session.scalars(select(ActionItem).where(
        ActionItem.session_id == session_id, ActionItem.tombstone.is_(False))
        .order_by(ActionItem.due_on.is_(None), ActionItem.due_on, ActionItem.id)))
    extra_owner_ids = {a.owner_id for a in actions if a.owner_id and a.owner_id not in names}
    reviews = []
    review_rows = session.execute(
        select(ActionReview, ActionItem, SupervisionSession.held_at)
        .join(ActionItem, ActionItem.id == ActionReview.action_id)
        .outerjoin(SupervisionSession, SupervisionSession.id == ActionItem.session_id)
        .where(ActionReview.session_id == session_id, ActionReview.tombstone.is_(False))
        .order_by(ActionItem.due_on, ActionItem.id)).all()
    extra_owner_ids |= {a.owner_id for _, a, _ in review_rows if a.owner_id and a.owner_id not in names}
    if extra_owner_ids:
        names.update(dict(session.execute(
            select(Staff.id, Staff.display_name).where(Staff.id.in_(extra_owner_ids))).all()))
    draft = row.state == RecordState.DRAFT.value
    for review, action, held in review_rows:
        reviews.append(ReviewDetail(review.id, action.id, action.description,
                                    names.get(action.owner_id, "") if action.owner_id else "",
                                    # a draft shows the status now; a shared record, as shared
                                    action.due_on, ActionStatus(action.status if draft else review.status),
                                    review.note,
                                    london_date(held) if held else None))
    discussions = []
    for disc, child in session.execute(
            select(CaseDiscussion, Child).join(Child, Child.id == CaseDiscussion.child_id)
            .where(CaseDiscussion.session_id == session_id, CaseDiscussion.tombstone.is_(False))
            .order_by(CaseDiscussion.position, CaseDiscussion.id)):
        discussions.append(DiscussionDetail(
            disc.id, child.id, child.case_id, child.name, LegalStatus(child.legal_status),
            disc.current_position, disc.worries, disc.working_well, disc.needs_to_happen,
            disc.safety_scale, disc.decision, disc.rationale,
            [_action_detail(a, names) for a in actions if a.case_discussion_id == disc.id]))
    deadlines = record_deadlines_of(row.held_at, row.shared_at)
    record_event(session, actor_id=actor.staff_id, action="view",
                 record_kind=RecordKind.SUPERVISION.value, record_id=row.id)
    asye = supervisee.asye_start
    resolutions = tuple(resolutions_of(session, row.id))
    disagreed = row.supervisee_agreement == Agreement.DISAGREES.value
    sign = decide(actor, Operation.SIGN_AS_SUPERVISOR if actor.staff_id == row.supervisor_id
                  else Operation.SIGN_AS_SUPERVISEE, target)
    signatures = tuple(_signatures(session, RecordKind.SUPERVISION.value, row.id))
    return SessionDetail(
        session_id=row.id, version=row.version, state=RecordState(row.state),
        supervisee_id=row.supervisee_id, supervisee_name=names.get(row.supervisee_id, ""),
        supervisor_id=row.supervisor_id, supervisor_name=names.get(row.supervisor_id, ""),
        held_at=row.held_at, duration_minutes=row.duration_minutes,
        session_type=SessionType(row.session_type), location=row.location,
        agreement_in_place=row.agreement_in_place,
        wellbeing=row.wellbeing if private else None,
        caseload_count=row.caseload_count, caseload_complexity=row.caseload_complexity,
        capacity=row.capacity, workload_notes=row.workload_notes, learning=row.learning,
        asye_progress=row.asye_progress,
        supervisee_is_asye=asye is not None and (london_date(row.held_at) - asye).days < 366,
        next_session_on=row.next_session_on, shared_at=row.shared_at,
        supervisee_comments=row.supervisee_comments,
        supervisee_agreement=row.supervisee_agreement, disagreement=row.disagreement,
        disagreement_resolved=row.disagreement_resolved or bool(resolutions),
        reviews=reviews, discussions=discussions,
        actions=[_action_detail(a, names) for a in actions if a.case_discussion_id is None],
        owners=[(k, v) for k, v in sorted(names.items(), key=lambda kv: text_sort_key(kv[1]))
                if k in {p[0] for p in team_people}],
        can_edit=decide(actor, Operation.EDIT, target).allowed,
        can_share=decide(actor, Operation.SHARE, target).allowed,
        can_withdraw=decide(actor, Operation.WITHDRAW, target).allowed,
        can_respond=decide(actor, Operation.RESPOND, target).allowed,
        share_by=deadlines.share_by, sign_by=deadlines.sign_by,
        can_sign=sign.allowed,
        sign_waits=("" if sign.allowed or actor.staff_id != row.supervisor_id
                    or row.state != RecordState.SHARED.value else sign.reason),
        no_response=row.state != RecordState.DRAFT.value and signed_without_response(
            row.supervisee_agreement, london_date(row.shared_at) if row.shared_at else None,
            target.today if row.state == RecordState.SHARED.value else next(
                (london_date(s.signed_at) for s in signatures if s.role == "supervisor"), None)),
        signatures=signatures,
        addenda=tuple(addenda_of(session, actor, RecordKind.SUPERVISION.value, row.id)),
        can_add_addendum=decide(actor, Operation.ADD_ADDENDUM, target).allowed,
        resolutions=resolutions,
        can_resolve=(disagreed and not row.disagreement_resolved and not resolutions
                     and decide(actor, Operation.RESOLVE_DISAGREEMENT, target).allowed),
    )


@dataclass(frozen=True)
class NoteDetail:
    note_id: str
    child_id: str
    child_label: str
    author_name: str
    recorded_at: datetime
    trigger: OversightTrigger
    decision: str
    rationale: str
    next_review_on: date | None
    state: RecordState
    actions: list[ActionDetail]
    owners: list[tuple[str, str]]
    can_edit: bool
    can_sign: bool = False
    signatures: tuple[SignatureRow, ...] = ()
    addenda: tuple[AddendumRow, ...] = ()
    can_add_addendum: bool = False


def oversight_note_detail(session: Session, actor: Actor, note_id: str) -> NoteDetail:
    note = session.get(OversightNote, note_id)
    if note is None or note.tombstone:
        raise NotFound("That oversight note is not on this computer.")
    target = oversight_target(session, note)
    require(decide(actor, Operation.VIEW, target))
    child = session.get_one(Child, note.child_id)
    people = [note.author_id] + ([child.allocated_worker_id] if child.allocated_worker_id else [])
    names = dict(session.execute(select(Staff.id, Staff.display_name).where(
        Staff.id.in_(people) | (Staff.team_id == target.child.team_id))).all())
    actions = list(session.scalars(select(ActionItem).where(
        ActionItem.oversight_note_id == note_id, ActionItem.tombstone.is_(False))
        .order_by(ActionItem.id)))
    record_event(session, actor_id=actor.staff_id, action="view",
                 record_kind=RecordKind.OVERSIGHT_NOTE.value, record_id=note.id)
    return NoteDetail(
        note.id, child.id, f"{child.name} ({child.case_id})", names.get(note.author_id, ""),
        note.recorded_at, OversightTrigger(note.trigger), note.decision, note.rationale,
        note.next_review_on, RecordState(note.state), [_action_detail(a, names) for a in actions],
        sorted(names.items(), key=lambda kv: text_sort_key(kv[1])),
        decide(actor, Operation.EDIT, target).allowed,
        can_sign=decide(actor, Operation.SIGN_AS_AUTHOR, target).allowed,
        signatures=tuple(_signatures(session, RecordKind.OVERSIGHT_NOTE.value, note.id)),
        addenda=tuple(addenda_of(session, actor, RecordKind.OVERSIGHT_NOTE.value, note.id)),
        can_add_addendum=decide(actor, Operation.ADD_ADDENDUM, target).allowed)

"""The write side of supervision records and oversight notes, as the desktop client uses it.

Every function takes an open SQLAlchemy session (the caller owns the transaction: the GUI
runs each call inside ``Database.transaction()`` on a worker thread) and the :class:`Actor`
asking. Each one:

- asks ``domain.permissions.decide`` and raises :class:`NotAllowed` with the rule's reason;
- cleans and checks what was typed with ``domain.text_rules`` (raising ``InvalidInput`` with
  a message naming the field, so an editor can show it beside that field);
- bumps ``version``/``updated_at``/``updated_by`` on every synced row it changes;
- appends an audit entry (ids and action names only, never what was written).

Signing is not here (see the records/signing module); locked rows are in any case protected
by database triggers.
"""
from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Mapping, TypeVar

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, object_session

from ..domain.lifecycle import (
    ActionCheck,
    DiscussionCheck,
    Event,
    RecordKind,
    next_state,
    problems_before_sharing,
)
from ..domain.permissions import (
    ActionItemTarget,
    Actor,
    ChildTarget,
    Decision,
    Operation,
    OversightTarget,
    SupervisionTarget,
    TeamTarget,
    decide,
)
from ..domain.supervisee_response import has_responded
from ..domain.supervision_policy import SupervisionPolicy
from ..domain.text_rules import (
    InvalidInput,
    check_not_future,
    check_order,
    check_safety_scale,
    clean_text,
)
from ..domain.time_rules import london_date, to_utc, utc_now
from ..domain.vocabulary import (
    ActionStatus,
    Agreement,
    OversightTrigger,
    RecordState,
    Role,
    SessionType,
)
from ..errors import AppError
from .audit_log import record_event
from .models import (
    ActionItem,
    ActionReview,
    CaseDiscussion,
    Child,
    DisagreementResolution,
    OversightNote,
    ServiceArea,
    Staff,
    SupervisionSession,
    Synced,
    Team,
)

__all__ = [
    "NotAllowed", "NotFound", "SharingBlocked", "InvalidInput",
    "COMPLEXITY_CHOICES", "CAPACITY_CHOICES", "SESSION_TEXT_FIELDS", "DISCUSSION_TEXT_FIELDS",
    "load_actor", "session_target", "child_target", "oversight_target",
    "create_session", "update_session", "add_case_discussion", "update_case_discussion",
    "remove_case_discussion", "move_case_discussion", "add_action", "update_action",
    "remove_action", "set_action_review", "share_session", "withdraw_session", "respond",
    "resolve_disagreement", "RESOLUTION_NOTE",
    "create_oversight_note", "update_oversight_note", "set_action_status", "set_team_policy",
    "find_child",
]


class NotAllowed(AppError, PermissionError):
    """The permission rules refused; ``reason`` is fit to show to the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotFound(AppError, LookupError):
    """The record does not exist (or has been removed); the message is user-facing."""


class SharingBlocked(InvalidInput):
    """Sharing refused until the problems are fixed; ``problems`` say where."""

    def __init__(self, problems: list) -> None:
        first = problems[0].message
        more = f" (and {len(problems) - 1} more to fix)" if len(problems) > 1 else ""
        super().__init__(f"This record cannot be shared yet. {first}{more}")
        self.problems = problems


COMPLEXITY_CHOICES = ("low", "medium", "high")
CAPACITY_CHOICES = ("has_capacity", "at_capacity", "over_capacity")

# field -> label used in messages
SESSION_TEXT_FIELDS = {
    "location": "Where held",
    "wellbeing": "Wellbeing and support",
    "workload_notes": "Workload notes",
    "learning": "Learning and development",
    "asye_progress": "ASYE progress",
}
DISCUSSION_TEXT_FIELDS = {
    "current_position": "Current position",
    "worries": "What are we worried about",
    "working_well": "What is working well",
    "needs_to_happen": "What needs to happen",
    "decision": "Decision",
    "rationale": "Rationale",
}


# --------------------------------------------------------------------------- facts

# What the sync server last said this person manages today, cover included (``GET /v1/me``),
# kept in ``sync_state`` by the sync engine with the London day it was asked and the person.
SERVER_ACCESS_KEY = "server_access"


def load_actor(session: Session, staff_id: str, today: date | None = None) -> Actor:
    """The permission facts for a member of staff: role and every team they manage, with
    the teams the sync server says they cover today (``today``: London, default now)."""
    staff = session.get(Staff, staff_id)
    if staff is None or staff.tombstone or not staff.active:
        raise NotFound("That person is not in the local staff directory.")
    role = Role(staff.role)
    managed: set[str] = set()
    if role == Role.HEAD_OF_SERVICE:
        managed = set(session.scalars(select(Team.id).where(Team.tombstone.is_(False))))
    else:
        managed |= set(session.scalars(select(Team.id).where(Team.manager_id == staff_id)))
        areas = select(ServiceArea.id).where(ServiceArea.manager_id == staff_id)
        managed |= set(session.scalars(select(Team.id).where(Team.service_area_id.in_(areas))))
        if role in (Role.TEAM_MANAGER, Role.SERVICE_MANAGER):
            managed |= _covered_teams(session, staff_id, today or london_date(utc_now()))
    return Actor(staff_id=staff_id, role=role, managed_team_ids=frozenset(managed),
                 line_report_ids=_line_reports(session, staff_id))


def _covered_teams(session: Session, staff_id: str, today: date) -> set[str]:
    """Teams the sync server gave this manager today beyond the local directory's: cover of
    another team between two dates (DESIGN.md §1.1), which only the server holds. The
    server's answer counts for the person and the London day it was given: the laptop asks
    again at its first sync of a day, so cover ends by itself here too, and a laptop that has
    not synced today shows only the person's own teams (it never guesses more access)."""
    raw = session.execute(text("SELECT value FROM sync_state WHERE key = :key"),
                          {"key": SERVER_ACCESS_KEY}).scalar()
    try:
        held = json.loads(raw) if raw else {}
    except ValueError:
        return set()
    if not isinstance(held, dict) or held.get("staff_id") != staff_id \
            or held.get("day") != today.isoformat():
        return set()
    teams = [t for t in held.get("managed_team_ids") or [] if isinstance(t, str)]
    return set(session.scalars(select(Team.id).where(Team.id.in_(teams),
                                                     Team.tombstone.is_(False))))


def _line_reports(session: Session, staff_id: str) -> frozenset[str]:
    """People with no team whose line manager is ``staff_id``, or is one of them in turn
    (DESIGN.md §1.1: a service manager's head of service)."""
    found: set[str] = set()
    managers = [staff_id]
    while managers:
        reports = set(session.scalars(select(Staff.id).where(
            Staff.line_manager_id.in_(managers), Staff.team_id.is_(None),
            Staff.tombstone.is_(False), Staff.active.is_(True)))) - found - {staff_id}
        found |= reports
        managers = sorted(reports)
    return frozenset(found)


def supervisee_team(row: Any) -> str | None:
    """The team the supervisee of a record is in now (access follows people, DESIGN.md
    §1.1): a query row's ``supervisee_team_id``, or looked up for an ORM row; the record's
    own ``team_id`` (its team on the session date) only when the person is unknown here."""
    if hasattr(row, "supervisee_team_id"):
        return row.supervisee_team_id
    owner = object_session(row) if isinstance(row, SupervisionSession) else None
    staff = owner.get(Staff, row.supervisee_id) if owner is not None else None
    return staff.team_id if staff is not None else row.team_id


def session_target(row: Any, today: date | None = None) -> SupervisionTarget:
    """The permission facts of a supervision record (an ORM row, or a query row with the
    same column names). A shared record also carries what the supervisor's signature waits
    on: whether the supervisee has responded, the day it was shared and ``today`` (London;
    this laptop's clock unless the caller gives its own), so ``decide`` can say when the
    supervisor may sign (DESIGN.md §3 rule 3)."""
    state = RecordState(row.state)
    team_id = supervisee_team(row)
    if state != RecordState.SHARED:
        return SupervisionTarget(
            supervisee_id=row.supervisee_id, supervisor_id=row.supervisor_id,
            supervisee_team_id=team_id, state=state,
        )
    responded = has_responded(getattr(row, "supervisee_agreement", None))
    shared_at = getattr(row, "shared_at", None)
    name = getattr(row, "supervisee_name", None)
    if name is None and not responded and isinstance(row, SupervisionSession):
        owner = object_session(row)
        staff = owner.get(Staff, row.supervisee_id) if owner is not None else None
        name = staff.display_name if staff is not None else None
    return SupervisionTarget(
        supervisee_id=row.supervisee_id, supervisor_id=row.supervisor_id,
        supervisee_team_id=team_id, state=state, supervisee_responded=responded,
        shared_on=london_date(shared_at) if shared_at is not None else None,
        today=today or london_date(utc_now()), supervisee_name=name,
    )


def child_target(session: Session, child: Child) -> ChildTarget:
    team_id = None
    if child.allocated_worker_id:
        team_id = session.scalar(select(Staff.team_id).where(Staff.id == child.allocated_worker_id))
    return ChildTarget(child_id=child.id, allocated_worker_id=child.allocated_worker_id,
                       team_id=team_id)


def oversight_target(session: Session, note: OversightNote) -> OversightTarget:
    child = _referenced(session, Child, note.child_id)
    return OversightTarget(author_id=note.author_id, child=child_target(session, child),
                           state=RecordState(note.state))


def require(decision: Decision) -> None:
    if not decision:
        raise NotAllowed(decision.reason)


def _touch(row: Any, actor: Actor) -> None:
    row.version = (row.version or 0) + 1
    row.updated_at = utc_now()
    row.updated_by = actor.staff_id


_Row = TypeVar("_Row", bound=Synced)


def _get(session: Session, model: type[_Row], record_id: str | None, what: str) -> _Row:
    """A live row the user asked for by id (``None``: a parent the row does not have)."""
    row = session.get(model, record_id) if record_id is not None else None
    if row is None or row.tombstone:
        raise NotFound(f"That {what} no longer exists; it may have been removed.")
    return row


def _referenced(session: Session, model: type[_Row], record_id: str | None) -> _Row:
    """The row a foreign key names, removed or not: it is there unless the database is
    damaged, and then this says so rather than failing on ``None`` later."""
    row = session.get(model, record_id) if record_id is not None else None
    if row is None:
        raise NotFound("This record refers to another that is missing from this laptop.")
    return row


def _get_session(session: Session, session_id: str) -> SupervisionSession:
    return _get(session, SupervisionSession, session_id, "supervision record")


def _editable_session(session: Session, actor: Actor, session_id: str) -> SupervisionSession:
    row = _get_session(session, session_id)
    require(decide(actor, Operation.EDIT, session_target(row)))
    return row


def _today() -> date:
    return london_date(utc_now())


# --------------------------------------------------------------------------- validation

def _clean_session_fields(
    row: SupervisionSession | None, fields: Mapping[str, Any], today: date
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if name in SESSION_TEXT_FIELDS:
            out[name] = clean_text(SESSION_TEXT_FIELDS[name], value)
        elif name == "held_at":
            if not isinstance(value, datetime):
                raise InvalidInput("Date and time of the session is empty; enter it as dd/mm/yyyy.")
            out[name] = to_utc(value)
            check_not_future("Date of the session", london_date(value), today)
        elif name == "duration_minutes":
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 600:
                raise InvalidInput("Duration must be between 1 and 600 minutes.")
            out[name] = value
        elif name == "session_type":
            try:
                out[name] = SessionType(value).value
            except ValueError:
                raise InvalidInput("Choose the type of session.") from None
        elif name == "agreement_in_place":
            out[name] = bool(value)
        elif name == "caseload_count":
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 500
            ):
                raise InvalidInput("Caseload must be a number of children from 0 to 500.")
            out[name] = value
        elif name == "caseload_complexity":
            if value not in ("", *COMPLEXITY_CHOICES):
                raise InvalidInput("Choose the caseload complexity from the list.")
            out[name] = value
        elif name == "capacity":
            if value not in ("", *CAPACITY_CHOICES):
                raise InvalidInput("Choose the worker's capacity from the list.")
            out[name] = value
        elif name == "next_session_on":
            if value is not None and not isinstance(value, date):
                raise InvalidInput("Next supervision date must be a date.")
            out[name] = value
        else:
            raise InvalidInput(f"'{name}' is not part of a supervision record's editable header.")
    held = out.get("held_at", row.held_at if row is not None else None)
    next_on = out.get("next_session_on", row.next_session_on if row is not None else None)
    if held is not None and next_on is not None:
        check_order("the session date", london_date(held), "Next supervision date", next_on)
    return out


def _clean_discussion_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if name in DISCUSSION_TEXT_FIELDS:
            out[name] = clean_text(DISCUSSION_TEXT_FIELDS[name], value)
        elif name == "safety_scale":
            out[name] = check_safety_scale(value)
        else:
            raise InvalidInput(f"'{name}' is not part of a case discussion.")
    return out


# --------------------------------------------------------------------------- sessions

def create_session(
    session: Session,
    actor: Actor,
    *,
    supervisee_id: str,
    held_at: datetime,
    duration_minutes: int = 60,
    session_type: SessionType | str = SessionType.PLANNED_ONE_TO_ONE,
    location: str = "",
    agreement_in_place: bool = True,
    today: date | None = None,
) -> str:
    """A new draft with the actor as supervisor; every open action from the supervisee's
    earlier sessions is carried forward as an :class:`ActionReview` to be set: from the
    records shared with them, not from another draft, whose actions nobody has agreed
    and the supervisee may not yet see (``domain.permissions``)."""
    supervisee = _get(session, Staff, supervisee_id, "member of staff")
    target = SupervisionTarget(supervisee_id=supervisee_id, supervisor_id=actor.staff_id,
                               supervisee_team_id=supervisee.team_id)
    require(decide(actor, Operation.CREATE, target))
    fields = _clean_session_fields(None, {
        "held_at": held_at, "duration_minutes": duration_minutes, "session_type": session_type,
        "location": location, "agreement_in_place": agreement_in_place,
    }, today or _today())
    row = SupervisionSession(
        supervisee_id=supervisee_id, supervisor_id=actor.staff_id, team_id=supervisee.team_id,
        state=RecordState.DRAFT.value, updated_by=actor.staff_id, **fields,
    )
    session.add(row)
    session.flush()
    shared = select(SupervisionSession.id).where(
        SupervisionSession.supervisee_id == supervisee_id,
        SupervisionSession.id != row.id,
        SupervisionSession.tombstone.is_(False),
        SupervisionSession.state != RecordState.DRAFT.value,
    )
    _carry_forward(session, actor, row.id, shared)
    record_event(session, actor_id=actor.staff_id, action="create",
                 record_kind=RecordKind.SUPERVISION.value, record_id=row.id)
    session.flush()
    return row.id


def _carry_forward(session: Session, actor: Actor, draft_id: str, from_sessions) -> None:
    """Review, in the draft ``draft_id``, every open action of ``from_sessions`` (session
    ids, or a select of them) that it does not review yet."""
    reviewed = select(ActionReview.action_id).where(ActionReview.session_id == draft_id,
                                                    ActionReview.tombstone.is_(False))
    open_actions = session.scalars(
        select(ActionItem).where(
            ActionItem.session_id.in_(from_sessions),
            ActionItem.status == ActionStatus.OPEN.value,
            ActionItem.tombstone.is_(False),
            ActionItem.id.not_in(reviewed),
        ).order_by(ActionItem.due_on, ActionItem.id)
    )
    for action in open_actions:
        session.add(ActionReview(session_id=draft_id, action_id=action.id,
                                 status=action.status, updated_by=actor.staff_id))


def update_session(
    session: Session, actor: Actor, session_id: str, fields: Mapping[str, Any],
    *, today: date | None = None,
) -> int:
    """Change header and section fields of a draft; returns the new version."""
    row = _editable_session(session, actor, session_id)
    cleaned = _clean_session_fields(row, fields, today or _today())
    changed = False
    for name, value in cleaned.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    if changed:
        _touch(row, actor)
        record_event(session, actor_id=actor.staff_id, action="edit",
                     record_kind=RecordKind.SUPERVISION.value, record_id=row.id)
        session.flush()
    return row.version


def find_child(session: Session, actor: Actor, text: str) -> Child:
    """The child with this case ID (or id), if the actor may see them."""
    key = (text or "").strip()
    if not key:
        raise InvalidInput("Enter the child's case ID, or search by name and pick from the list.")
    child = session.scalar(
        select(Child).where(func.lower(Child.case_id) == key.lower(), Child.tombstone.is_(False))
    ) or session.get(Child, key)
    if child is None or child.tombstone or not decide(
        actor, Operation.VIEW, child_target(session, child)
    ):
        raise InvalidInput(
            f"No child with case ID '{key[:40]}' is open to you. Check the ID, or search by name."
        )
    return child


def _discussion(session: Session, actor: Actor, discussion_id: str) -> tuple[CaseDiscussion, SupervisionSession]:
    disc = _get(session, CaseDiscussion, discussion_id, "case discussion")
    parent = _editable_session(session, actor, disc.session_id)
    return disc, parent


def _live_discussions(session: Session, session_id: str) -> list[CaseDiscussion]:
    return list(session.scalars(
        select(CaseDiscussion).where(CaseDiscussion.session_id == session_id,
                                     CaseDiscussion.tombstone.is_(False))
        .order_by(CaseDiscussion.position, CaseDiscussion.id)
    ))


def add_case_discussion(session: Session, actor: Actor, session_id: str, child_ref: str) -> str:
    row = _editable_session(session, actor, session_id)
    child = find_child(session, actor, child_ref)
    existing = _live_discussions(session, session_id)
    if any(d.child_id == child.id for d in existing):
        raise InvalidInput(f"{child.name} ({child.case_id}) is already discussed in this session.")
    disc = CaseDiscussion(session_id=session_id, child_id=child.id, position=len(existing),
                          updated_by=actor.staff_id)
    session.add(disc)
    _touch(row, actor)
    session.flush()
    record_event(session, actor_id=actor.staff_id, action="add_case_discussion",
                 record_kind="case_discussion", record_id=disc.id)
    return disc.id


def update_case_discussion(
    session: Session, actor: Actor, discussion_id: str, fields: Mapping[str, Any]
) -> int:
    disc, _parent = _discussion(session, actor, discussion_id)
    changed = False
    for name, value in _clean_discussion_fields(fields).items():
        if getattr(disc, name) != value:
            setattr(disc, name, value)
            changed = True
    if changed:
        _touch(disc, actor)
        record_event(session, actor_id=actor.staff_id, action="edit",
                     record_kind="case_discussion", record_id=disc.id)
        session.flush()
    return disc.version


def remove_case_discussion(session: Session, actor: Actor, discussion_id: str) -> None:
    """Tombstone the discussion (sync carries the removal) and the actions agreed in it."""
    disc, parent = _discussion(session, actor, discussion_id)
    disc.tombstone = True
    _touch(disc, actor)
    for action in session.scalars(select(ActionItem).where(
            ActionItem.case_discussion_id == discussion_id, ActionItem.tombstone.is_(False))):
        action.tombstone = True
        _touch(action, actor)
    _renumber(session, actor, parent.id)
    _touch(parent, actor)
    record_event(session, actor_id=actor.staff_id, action="remove_case_discussion",
                 record_kind="case_discussion", record_id=disc.id)
    session.flush()


def _renumber(session: Session, actor: Actor, session_id: str,
              order: list[CaseDiscussion] | None = None) -> None:
    for position, disc in enumerate(order if order is not None else _live_discussions(session, session_id)):
        if disc.position != position:
            disc.position = position
            _touch(disc, actor)


def move_case_discussion(session: Session, actor: Actor, discussion_id: str, offset: int) -> None:
    """Move a discussion up (negative) or down (positive) in the record."""
    disc, parent = _discussion(session, actor, discussion_id)
    order = _live_discussions(session, parent.id)
    index = next(i for i, d in enumerate(order) if d.id == discussion_id)
    target = max(0, min(len(order) - 1, index + offset))
    if target == index:
        return
    order.insert(target, order.pop(index))
    _renumber(session, actor, parent.id, order)
    _touch(parent, actor)
    record_event(session, actor_id=actor.staff_id, action="reorder",
                 record_kind=RecordKind.SUPERVISION.value, record_id=parent.id)
    session.flush()


# --------------------------------------------------------------------------- actions

def _check_owner(session: Session, owner_id: str | None) -> None:
    if owner_id is not None:
        owner = session.get(Staff, owner_id)
        if owner is None or owner.tombstone or not owner.active:
            raise InvalidInput("The action's owner is not in the staff directory.")


def _action_parent_for_edit(session: Session, actor: Actor, action: ActionItem) -> None:
    if action.session_id is not None:
        _editable_session(session, actor, action.session_id)
    else:
        note = _get(session, OversightNote, action.oversight_note_id, "oversight note")
        require(decide(actor, Operation.EDIT, oversight_target(session, note)))


def add_action(
    session: Session,
    actor: Actor,
    *,
    session_id: str | None = None,
    oversight_note_id: str | None = None,
    case_discussion_id: str | None = None,
    description: str = "",
    owner_id: str | None = None,
    due_on: date | None = None,
) -> str:
    """An action in a draft supervision record (optionally under one of its case
    discussions) or in a draft oversight note. Description, owner and due date may be
    completed later, but the record cannot be shared or signed until they are."""
    if (session_id is None) == (oversight_note_id is None):
        raise InvalidInput("An action belongs to exactly one supervision record or oversight note.")
    child_id = None
    if session_id is not None:
        _editable_session(session, actor, session_id)
        if case_discussion_id is not None:
            disc = _get(session, CaseDiscussion, case_discussion_id, "case discussion")
            if disc.session_id != session_id:
                raise InvalidInput("That case discussion belongs to another record.")
            child_id = disc.child_id
    else:
        note = _get(session, OversightNote, oversight_note_id, "oversight note")
        require(decide(actor, Operation.EDIT, oversight_target(session, note)))
        child_id = note.child_id
        case_discussion_id = None
    _check_owner(session, owner_id)
    action = ActionItem(
        session_id=session_id, oversight_note_id=oversight_note_id,
        case_discussion_id=case_discussion_id, child_id=child_id,
        description=clean_text("Action", description), owner_id=owner_id, due_on=due_on,
        status=ActionStatus.OPEN.value, updated_by=actor.staff_id,
    )
    session.add(action)
    session.flush()
    record_event(session, actor_id=actor.staff_id, action="add_action", record_kind="action",
                 record_id=action.id)
    return action.id


def update_action(session: Session, actor: Actor, action_id: str, fields: Mapping[str, Any]) -> int:
    action = _get(session, ActionItem, action_id, "action")
    _action_parent_for_edit(session, actor, action)
    for name, value in fields.items():
        if name == "description":
            value = clean_text("Action", value)
        elif name == "owner_id":
            _check_owner(session, value)
        elif name == "due_on":
            if value is not None and not isinstance(value, date):
                raise InvalidInput("An action's due date must be a date.")
        else:
            raise InvalidInput(f"'{name}' is not part of an action.")
        setattr(action, name, value)
    _touch(action, actor)
    record_event(session, actor_id=actor.staff_id, action="edit", record_kind="action",
                 record_id=action.id)
    session.flush()
    return action.version


def remove_action(session: Session, actor: Actor, action_id: str) -> None:
    action = _get(session, ActionItem, action_id, "action")
    _action_parent_for_edit(session, actor, action)
    action.tombstone = True
    _touch(action, actor)
    record_event(session, actor_id=actor.staff_id, action="remove_action", record_kind="action",
                 record_id=action.id)
    session.flush()


def _action_item_target(session: Session, action: ActionItem) -> ActionItemTarget:
    if action.session_id is not None:
        parent: SupervisionTarget | OversightTarget = session_target(
            _referenced(session, SupervisionSession, action.session_id))
    else:
        parent = oversight_target(session, _referenced(session, OversightNote, action.oversight_note_id))
    return ActionItemTarget(owner_id=action.owner_id, parent=parent)


def _set_status(session: Session, actor: Actor, action: ActionItem, status: ActionStatus) -> None:
    if action.status != status.value:
        action.status = status.value
        action.closed_at = None if status == ActionStatus.OPEN else utc_now()
        _touch(action, actor)


def set_action_status(session: Session, actor: Actor, action_id: str, status: ActionStatus | str) -> None:
    """The owner or a responsible manager moves an action on (open / done / no longer needed)."""
    action = _get(session, ActionItem, action_id, "action")
    require(decide(actor, Operation.UPDATE_STATUS, _action_item_target(session, action)))
    try:
        status = ActionStatus(status)
    except ValueError:
        raise InvalidInput("Choose the action's status from the list.") from None
    _set_status(session, actor, action, status)
    record_event(session, actor_id=actor.staff_id, action="update_status", record_kind="action",
                 record_id=action.id)
    session.flush()


def set_action_review(
    session: Session, actor: Actor, review_id: str, *, status: ActionStatus | str,
    note: str | None = None,
) -> None:
    """Set a carried-forward action's status in the session reviewing it; the action itself
    moves to that status too, so a closed action stops carrying forward."""
    review = _get(session, ActionReview, review_id, "action review")
    _editable_session(session, actor, review.session_id)
    try:
        status = ActionStatus(status)
    except ValueError:
        raise InvalidInput("Choose the action's status from the list.") from None
    review.status = status.value
    if note is not None:
        review.note = clean_text("Review note", note)
    _touch(review, actor)
    action = session.get(ActionItem, review.action_id)
    if action is not None and not action.tombstone:
        _set_status(session, actor, action, status)
    record_event(session, actor_id=actor.staff_id, action="review_action", record_kind="action",
                 record_id=review.action_id)
    session.flush()


# --------------------------------------------------------------------------- sharing

def sharing_problems(session: Session, session_id: str) -> list:
    discussions = []
    for disc in _live_discussions(session, session_id):
        child = _referenced(session, Child, disc.child_id)
        discussions.append(DiscussionCheck(disc.id, f"{child.name} ({child.case_id})",
                                           disc.decision, disc.rationale))
    actions = [
        ActionCheck(a.id, a.description, a.owner_id, a.due_on)
        for a in session.scalars(select(ActionItem).where(
            ActionItem.session_id == session_id, ActionItem.tombstone.is_(False)))
    ]
    return problems_before_sharing(discussions, actions)


def share_session(session: Session, actor: Actor, session_id: str) -> None:
    """Draft -> shared. Refused with :class:`SharingBlocked` (whose ``problems`` say which
    case discussion or action to fix) while a rule of DESIGN.md §3 is unmet."""
    row = _get_session(session, session_id)
    require(decide(actor, Operation.SHARE, session_target(row)))
    problems = sharing_problems(session, session_id)
    if problems:
        raise SharingBlocked(problems)
    row.state = next_state(RecordKind.SUPERVISION, RecordState(row.state), Event.SHARE).value
    row.shared_at = utc_now()
    _touch(row, actor)
    # the record says what each carried-forward action's status was when it was shared,
    # including a change its owner made since the draft began
    for review, action in session.execute(
            select(ActionReview, ActionItem).join(ActionItem, ActionItem.id == ActionReview.action_id)
            .where(ActionReview.session_id == row.id, ActionReview.tombstone.is_(False))):
        if review.status != action.status:
            review.status = action.status
            _touch(review, actor)
    # the sharer's drafts already begun for this worker take this record's open actions
    # forward too (another supervisor's draft is theirs to write)
    for draft_id in session.scalars(select(SupervisionSession.id).where(
            SupervisionSession.supervisee_id == row.supervisee_id, SupervisionSession.id != row.id,
            SupervisionSession.supervisor_id == actor.staff_id,
            SupervisionSession.state == RecordState.DRAFT.value,
            SupervisionSession.tombstone.is_(False))):
        _carry_forward(session, actor, draft_id, [row.id])
    record_event(session, actor_id=actor.staff_id, action="share",
                 record_kind=RecordKind.SUPERVISION.value, record_id=row.id)
    session.flush()


def withdraw_session(session: Session, actor: Actor, session_id: str) -> None:
    """Shared -> draft, to correct it. The supervisee's response, and any disagreement,
    stays on the record."""
    row = _get_session(session, session_id)
    require(decide(actor, Operation.WITHDRAW, session_target(row)))
    row.state = next_state(RecordKind.SUPERVISION, RecordState(row.state), Event.WITHDRAW).value
    _touch(row, actor)
    record_event(session, actor_id=actor.staff_id, action="withdraw",
                 record_kind=RecordKind.SUPERVISION.value, record_id=row.id)
    session.flush()


DISAGREEMENT_STAYS = (
    "A disagreement, once recorded, stays on the record and cannot be withdrawn or erased: "
    "you can add to it, and your manager's manager has been told about it."
)


def respond(
    session: Session,
    actor: Actor,
    session_id: str,
    *,
    comments: str | None = None,
    agreement: Agreement | str | None = None,
    disagreement: str | None = None,
) -> None:
    """The supervisee's comments and agreement or disagreement on a shared record.

    A recorded disagreement can never be erased: it cannot be changed to agreement, and its
    text can only be added to (DESIGN.md §2). It flags the record to the manager's manager
    (see ``queries.flagged_disagreements``).
    """
    row = _get_session(session, session_id)
    require(decide(actor, Operation.RESPOND, session_target(row)))
    new_comments = row.supervisee_comments if comments is None else clean_text("Your comments", comments)
    new_agreement = row.supervisee_agreement
    if agreement is not None:
        try:
            new_agreement = Agreement(agreement).value
        except ValueError:
            raise InvalidInput("Say whether you agree or disagree with the record.") from None
    new_disagreement = row.disagreement if disagreement is None else clean_text(
        "What you disagree with", disagreement)
    if row.supervisee_agreement == Agreement.DISAGREES.value:
        old = row.disagreement or ""
        if new_agreement != Agreement.DISAGREES.value or not new_disagreement.startswith(old):
            raise InvalidInput(DISAGREEMENT_STAYS)
    if new_agreement == Agreement.DISAGREES.value and not new_disagreement.strip():
        raise InvalidInput("Say what you disagree with, so your manager can respond to it.")
    if new_agreement != Agreement.DISAGREES.value and new_disagreement.strip():
        raise InvalidInput("You have written a disagreement: choose 'I disagree' to record it, "
                           "or clear that box.")
    row.supervisee_comments = new_comments
    row.supervisee_agreement = new_agreement
    row.disagreement = new_disagreement
    _touch(row, actor)
    record_event(session, actor_id=actor.staff_id, action="respond",
                 record_kind=RecordKind.SUPERVISION.value, record_id=row.id)
    session.flush()


RESOLUTION_NOTE = "How the disagreement was resolved"


def resolve_disagreement(session: Session, actor: Actor, session_id: str, *, note: str) -> str:
    """A manager above the supervisor records how the supervisee's disagreement was
    resolved: who, when and a note (required). The disagreement itself stays on the record;
    the resolution is a row of its own, never changed or removed (migration 0006), so it can
    be added to a signed and locked record. Returns the resolution's id."""
    row = _get_session(session, session_id)
    require(decide(actor, Operation.RESOLVE_DISAGREEMENT, session_target(row)))
    if row.supervisee_agreement != Agreement.DISAGREES.value:
        raise InvalidInput("The supervisee has not recorded a disagreement on this record, so "
                           "there is nothing to resolve.")
    text = clean_text(RESOLUTION_NOTE, note)
    if not text.strip():
        raise InvalidInput(f"{RESOLUTION_NOTE}: say how it was resolved (what was agreed or "
                           "decided, and with whom), so the record shows it.")
    earlier = session.execute(
        select(DisagreementResolution.resolved_at, Staff.display_name)
        .join(Staff, Staff.id == DisagreementResolution.resolved_by)
        .where(DisagreementResolution.session_id == session_id,
               DisagreementResolution.tombstone.is_(False))
        .order_by(DisagreementResolution.resolved_at).limit(1)).first()
    if earlier is not None:
        raise InvalidInput(f"{earlier[1]} already recorded the resolution of this disagreement "
                           f"on {london_date(earlier[0]):%d/%m/%Y}; it cannot be changed.")
    resolution = DisagreementResolution(
        session_id=session_id, resolved_by=actor.staff_id, resolved_at=utc_now(), note=text,
        updated_by=actor.staff_id)
    session.add(resolution)
    session.flush()
    record_event(session, actor_id=actor.staff_id, action="resolve_disagreement",
                 record_kind=RecordKind.SUPERVISION.value, record_id=session_id)
    return resolution.id


# --------------------------------------------------------------------------- oversight notes

def _clean_note_fields(fields: Mapping[str, Any], recorded_on: date) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "trigger":
            try:
                out[name] = OversightTrigger(value).value
            except ValueError:
                raise InvalidInput("Choose what prompted this oversight.") from None
        elif name in ("decision", "rationale"):
            out[name] = clean_text(name.capitalize(), value)
        elif name == "next_review_on":
            if value is not None:
                if not isinstance(value, date):
                    raise InvalidInput("Next review must be a date.")
                check_order("the date of this note", recorded_on, "Next review", value)
            out[name] = value
        else:
            raise InvalidInput(f"'{name}' is not part of an oversight note.")
    return out


def create_oversight_note(
    session: Session,
    actor: Actor,
    *,
    child_id: str,
    trigger: OversightTrigger | str,
    decision: str = "",
    rationale: str = "",
    next_review_on: date | None = None,
) -> str:
    child = _get(session, Child, child_id, "child")
    require(decide(actor, Operation.CREATE, child_target(session, child)))
    now = utc_now()
    fields = _clean_note_fields({"trigger": trigger, "decision": decision, "rationale": rationale,
                                 "next_review_on": next_review_on}, london_date(now))
    note = OversightNote(child_id=child_id, author_id=actor.staff_id, recorded_at=now,
                         state=RecordState.DRAFT.value, updated_by=actor.staff_id, **fields)
    session.add(note)
    session.flush()
    record_event(session, actor_id=actor.staff_id, action="create",
                 record_kind=RecordKind.OVERSIGHT_NOTE.value, record_id=note.id)
    return note.id


def update_oversight_note(session: Session, actor: Actor, note_id: str, fields: Mapping[str, Any]) -> int:
    note = _get(session, OversightNote, note_id, "oversight note")
    require(decide(actor, Operation.EDIT, oversight_target(session, note)))
    changed = False
    for name, value in _clean_note_fields(fields, london_date(note.recorded_at)).items():
        if getattr(note, name) != value:
            setattr(note, name, value)
            changed = True
    if changed:
        _touch(note, actor)
        record_event(session, actor_id=actor.staff_id, action="edit",
                     record_kind=RecordKind.OVERSIGHT_NOTE.value, record_id=note.id)
        session.flush()
    return note.version


# --------------------------------------------------------------------------- settings

def set_team_policy(session: Session, actor: Actor, team_id: str, policy: SupervisionPolicy | None) -> None:
    """Store a team's supervision policy (``None`` restores the default)."""
    team = _get(session, Team, team_id, "team")
    require(decide(actor, Operation.SET_POLICY, TeamTarget(team_id)))
    team.supervision_policy = None if policy is None else json.dumps(policy.to_json())
    _touch(team, actor)
    record_event(session, actor_id=actor.staff_id, action="set_policy", record_kind="team",
                 record_id=team_id)
    session.flush()

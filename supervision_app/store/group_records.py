"""Group supervision sessions in the store (issue 21, ``domain.group_supervision``).

A manager holds a group session with workers they line-manage, ticks who came, writes the
shared part (themes, the group's case discussions) and each person's actions. Each person
reads through ``group_view``, which gives them the shared part and only the actions they
may see; each signs through ``records.group_signoff``. Every rule is the domain's; this
module reads rows into its facts and writes what it allows.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.group_action_status import decide_group_action_status
from ..domain.group_canonical import author_signed_digest, group_canonical
from ..domain.group_supervision import (
    ATTENDANCE_KIND,
    GROUP_KIND,
    Attendance,
    GroupActionTarget,
    GroupTarget,
    counts_toward_frequency,
    creation_refusal,
    decide_group,
    decide_group_action,
    group_team,
    last_held_for_schedule,
)
from ..domain.permissions import Actor, Operation
from ..domain.text_rules import InvalidInput, clean_text
from ..domain.time_rules import format_date, london_date, utc_now
from ..domain.vocabulary import ActionStatus, RecordState
from .audit_log import record_event
from .group_models import GroupAction, GroupAttendance, GroupDiscussion, GroupSession
from .models import Signature, Staff, Team
from .record_detail_queries import AddendumRow, addenda_of
from .supervision_records import NotAllowed, NotFound, require


def _rows(session: Session, model: Any, group_id: str) -> list[Any]:
    return list(session.scalars(select(model).where(model.group_session_id == group_id,
                                                    model.tombstone.is_(False))))


def _signers(session: Session, group: GroupSession, attendance: Iterable[GroupAttendance]) -> set[str]:
    """Who has signed: the supervisor on the session, each attendee on their attendance."""
    by_row = {a.id: a.attendee_id for a in attendance}
    signed = set()
    for kind, record_id, signer_id in session.execute(
            select(Signature.record_kind, Signature.record_id, Signature.signer_id).where(
                Signature.record_id.in_([group.id, *by_row]), Signature.tombstone.is_(False))):
        if kind == GROUP_KIND and record_id == group.id and signer_id == group.supervisor_id:
            signed.add(signer_id)
        elif kind == ATTENDANCE_KIND and by_row.get(record_id) == signer_id:
            signed.add(signer_id)
    return signed


def state_of(supervisor_id: str, attendees: Mapping[str, Attendance], signed: set[str]) -> RecordState:
    """Where a group session is: it has no state column, its signatures say."""
    if supervisor_id not in signed:
        return RecordState.DRAFT
    present = {p for p, a in attendees.items() if a == Attendance.PRESENT}
    return RecordState.LOCKED if present <= signed else RecordState.SUPERVISOR_SIGNED


def group_target(session: Session, group: GroupSession) -> GroupTarget:
    attendance = _rows(session, GroupAttendance, group.id)
    attendees = {a.attendee_id: Attendance(a.attendance) for a in attendance}
    signed = _signers(session, group, attendance)
    return GroupTarget(supervisor_id=group.supervisor_id, team_id=group.team_id, attendees=attendees,
                       state=state_of(group.supervisor_id, attendees, signed),
                       signed=frozenset(signed))


def get_group(session: Session, actor: Actor, group_id: str,
              operation: Operation = Operation.VIEW) -> tuple[GroupSession, GroupTarget]:
    group = session.get(GroupSession, group_id)
    if group is None or group.tombstone:
        raise NotFound("That group session is no longer on this computer.")
    target = group_target(session, group)
    require(decide_group(actor, operation, target))
    return group, target


def _directory_teams(session: Session, people: Iterable[str]) -> dict[str, str | None]:
    teams: dict[str, str | None] = {}
    for person in people:
        staff = session.get(Staff, person)
        if staff is None or staff.tombstone or not staff.active:
            raise NotFound("Someone in the group is not in the local staff directory.")
        teams[person] = staff.team_id
    return teams


def create_group_session(session: Session, actor: Actor, *, attendees: Mapping[str, Attendance],
                         held_at: datetime, duration_minutes: int, location: str = "",
                         themes: str = "") -> str:
    """A new draft group session held by the actor with ``attendees`` (person -> attendance)."""
    teams = _directory_teams(session, attendees)
    refusal = creation_refusal(actor, teams)
    if refusal is not None:
        raise NotAllowed(refusal)
    team_id = group_team(teams)
    group = GroupSession(supervisor_id=actor.staff_id, team_id=team_id, held_at=held_at,
                         duration_minutes=duration_minutes, location=clean_text("Where", location),
                         themes=clean_text("Themes", themes), updated_by=actor.staff_id)
    session.add(group)
    session.flush()
    for person, attendance in sorted(attendees.items()):
        session.add(GroupAttendance(group_session_id=group.id, attendee_id=person,
                                    attendance=Attendance(attendance).value, updated_by=actor.staff_id))
    session.flush()
    record_event(session, actor_id=actor.staff_id, action="create", record_kind=GROUP_KIND,
                 record_id=group.id)
    return group.id


def set_attendance(session: Session, actor: Actor, group_id: str, attendee_id: str,
                   attendance: Attendance) -> None:
    """Tick someone present or apologies; a new person joins the list (if the actor
    supervises them)."""
    group, target = get_group(session, actor, group_id, Operation.EDIT)
    row = session.scalars(select(GroupAttendance).where(
        GroupAttendance.group_session_id == group_id, GroupAttendance.attendee_id == attendee_id)).first()
    if row is None or row.tombstone:
        refusal = creation_refusal(actor, _directory_teams(session, {**target.attendees, attendee_id: None}))
        if refusal is not None:
            raise NotAllowed(refusal)
    if row is None:
        row = GroupAttendance(group_session_id=group_id, attendee_id=attendee_id,
                              attendance=Attendance(attendance).value, updated_by=actor.staff_id)
        session.add(row)
    else:
        row.attendance, row.tombstone = Attendance(attendance).value, False
        row.updated_by = actor.staff_id
    session.flush()
    record_event(session, actor_id=actor.staff_id, action="edit", record_kind=GROUP_KIND, record_id=group.id)


def update_shared_part(session: Session, actor: Actor, group_id: str, **fields: Any) -> None:
    group, _target = get_group(session, actor, group_id, Operation.EDIT)
    labels = {"location": "Where", "themes": "Themes", "learning": "Learning"}
    for name, value in fields.items():
        if name in labels:
            value = clean_text(labels[name], value)
        elif name not in ("held_at", "duration_minutes", "next_session_on"):
            raise ValueError(name)
        setattr(group, name, value)
    group.updated_by = actor.staff_id
    session.flush()
    record_event(session, actor_id=actor.staff_id, action="edit", record_kind=GROUP_KIND, record_id=group.id)


def add_discussion(session: Session, actor: Actor, group_id: str, *, child_id: str | None,
                   summary: str, decision: str, rationale: str) -> str:
    get_group(session, actor, group_id, Operation.EDIT)
    position = len(_rows(session, GroupDiscussion, group_id))
    row = GroupDiscussion(group_session_id=group_id, child_id=child_id, position=position,
                          summary=clean_text("Summary", summary), decision=clean_text("Decision", decision),
                          rationale=clean_text("Rationale", rationale), updated_by=actor.staff_id)
    session.add(row)
    session.flush()
    return row.id


def add_action(session: Session, actor: Actor, group_id: str, *, owner_id: str, description: str,
               due_on: date | None, discussion_id: str | None = None) -> str:
    _group, target = get_group(session, actor, group_id)
    require(decide_group_action(actor, Operation.CREATE, GroupActionTarget(owner_id, target)))
    row = GroupAction(group_session_id=group_id, owner_id=owner_id, discussion_id=discussion_id,
                      description=clean_text("Action", description), due_on=due_on,
                      updated_by=actor.staff_id)
    session.add(row)
    session.flush()
    return row.id


def set_group_action_status(session: Session, actor: Actor, action_id: str, status: ActionStatus | str) -> None:
    """The action's owner or the group's supervisor moves a released action on
    (``domain.group_action_status``); only its status and when it closed change."""
    action = session.get(GroupAction, action_id)
    if action is None or action.tombstone:
        raise NotFound("That action is no longer on this computer.")
    _group, target = get_group(session, actor, action.group_session_id)
    require(decide_group_action_status(actor, GroupActionTarget(action.owner_id, target)))
    try:
        status = ActionStatus(status)
    except ValueError:
        raise InvalidInput("Choose the action's status from the list.") from None
    if action.status == status.value:
        return
    action.status = status.value
    action.closed_at = None if status == ActionStatus.OPEN else utc_now()
    action.updated_by = actor.staff_id
    session.flush()
    record_event(session, actor_id=actor.staff_id, action="update_status", record_kind="group_action",
                 record_id=action.id)


def open_group_actions(session: Session, actor: Actor,
                       owner_ids: Iterable[str]) -> list[tuple[GroupAction, datetime]]:
    """The open actions ``owner_ids`` own in released group sessions (signed by the
    supervisor: a draft's actions have not reached their owner) that the actor may see,
    with when each group was held: the owner's own, or their manager's count of them."""
    targets: dict[str, GroupTarget] = {}
    out = []
    for action, group in session.execute(
            select(GroupAction, GroupSession).join(GroupSession, GroupSession.id == GroupAction.group_session_id)
            .where(GroupAction.owner_id.in_(list(owner_ids)), GroupAction.status == ActionStatus.OPEN.value,
                   GroupAction.tombstone.is_(False), GroupSession.tombstone.is_(False))):
        if group.id not in targets:
            targets[group.id] = group_target(session, group)
        target = GroupActionTarget(action.owner_id, targets[group.id])
        if target.group.state != RecordState.DRAFT and decide_group_action(actor, Operation.VIEW, target):
            out.append((action, group.held_at))
    return out


@dataclass(frozen=True)
class GroupView:
    """What one person sees of a group session: the shared part and the actions they may
    see (their own, or every one for the supervisor and the managers above)."""

    group: GroupSession
    target: GroupTarget
    attendance: list[GroupAttendance]
    discussions: list[GroupDiscussion]
    actions: list[GroupAction]

    @property
    def state(self) -> RecordState:
        return self.target.state


def group_view(session: Session, actor: Actor, group_id: str) -> GroupView:
    group, target = get_group(session, actor, group_id)
    actions = [a for a in _rows(session, GroupAction, group_id)
               if decide_group_action(actor, Operation.VIEW, GroupActionTarget(a.owner_id, target))]
    return GroupView(group, target, sorted(_rows(session, GroupAttendance, group_id), key=lambda a: a.attendee_id),
                     sorted(_rows(session, GroupDiscussion, group_id), key=lambda d: (d.position, d.id)),
                     sorted(actions, key=lambda a: a.id))


def _plain(row: Any) -> dict[str, Any]:
    return {c.name: getattr(row, c.name) for c in row.__table__.columns}


def canonical_for(session: Session, group_id: str, viewer_id: str) -> dict[str, Any]:
    """The form ``viewer_id`` signs, from the rows this laptop holds (``group_canonical``
    keeps only the viewer's own actions for an attendee)."""
    group = session.get_one(GroupSession, group_id)
    return group_canonical(_plain(group), [_plain(d) for d in _rows(session, GroupDiscussion, group_id)],
                           [_plain(a) for a in _rows(session, GroupAttendance, group_id)],
                           [_plain(a) for a in _rows(session, GroupAction, group_id)], viewer_id=viewer_id)


# --- addenda to a locked group session -------------------------------------------------------

def group_addendum_parent(session: Session, group_id: str) -> tuple[GroupSession | None, GroupTarget | None]:
    """The group session an addendum amends and its facts, for ``records.signoff``'s
    addendum path (``domain.group_supervision`` decides who may add and sign one)."""
    group = session.get(GroupSession, group_id)
    return group, (group_target(session, group) if group is not None else None)


def group_addendum_signing(session: Session, group: GroupSession, author_id: str) -> tuple[str, str]:
    """(label, digest) of the group session an addendum by ``author_id`` amends: the digest
    of the form its author signed (``group_canonical.author_signed_digest``), which the
    addendum's signature and PDF name and the server builds from its own rows."""
    parent_digest = author_signed_digest(
        _plain(group), [_plain(d) for d in _rows(session, GroupDiscussion, group.id)],
        [_plain(a) for a in _rows(session, GroupAttendance, group.id)],
        [_plain(a) for a in _rows(session, GroupAction, group.id)], author_id=author_id)
    # the digest printed beside it is the one on the author's own signed copy of the session
    label = (f"Group supervision held by {_name(session, group.supervisor_id)}, "
             f"{format_date(london_date(group.held_at))}, as {_name(session, author_id)} signed it")
    return label, parent_digest


@dataclass(frozen=True)
class GroupAddenda:
    """The addenda to a group session the viewer may see (signed ones, and their own
    drafts), and whether they may add one."""

    addenda: tuple[AddendumRow, ...]
    can_add: bool


def group_addenda(session: Session, actor: Actor, group_id: str) -> GroupAddenda:
    """As a supervision record's (``queries.addenda_of``): once the session is locked, its
    supervisor or anyone present adds one, each signed by its author
    (``records.signoff.sign_addendum``); everyone who sees the shared part sees them."""
    _group, target = get_group(session, actor, group_id)
    return GroupAddenda(tuple(addenda_of(session, actor, GROUP_KIND, group_id)),
                        bool(decide_group(actor, Operation.ADD_ADDENDUM, target)))


@dataclass(frozen=True)
class GroupListing:
    group_id: str
    held_at: datetime
    supervisor_id: str
    attendees: int
    present: int
    state: RecordState
    awaiting_me: bool


def groups_for(session: Session, actor: Actor) -> list[GroupListing]:
    """Every group session the actor may see, newest first."""
    out = []
    for group in session.scalars(select(GroupSession).where(GroupSession.tombstone.is_(False))
                                 .order_by(GroupSession.held_at.desc(), GroupSession.id)):
        target = group_target(session, group)
        if not decide_group(actor, Operation.VIEW, target):
            continue
        sign_op = Operation.SIGN_AS_SUPERVISOR if actor.staff_id == group.supervisor_id \
            else Operation.SIGN_AS_SUPERVISEE
        out.append(GroupListing(group.id, group.held_at, group.supervisor_id, len(target.attendees),
                                len(target.present), target.state,
                                bool(decide_group(actor, sign_op, target))))
    return out


# --- schedule ---------------------------------------------------------------------------

def group_days_present(session: Session, worker_id: str) -> list[date]:
    """The London dates of the group sessions ``worker_id`` was present at, once released
    (signed by the supervisor): as a 1:1 record counts once shared, a draft gives no assurance."""
    released = select(Signature.id).where(
        Signature.record_kind == GROUP_KIND, Signature.record_id == GroupSession.id,
        Signature.signer_id == GroupSession.supervisor_id, Signature.tombstone.is_(False)).exists()
    return [london_date(held_at) for held_at in session.scalars(
        select(GroupSession.held_at).join(GroupAttendance, GroupAttendance.group_session_id == GroupSession.id)
        .where(GroupAttendance.attendee_id == worker_id, GroupAttendance.tombstone.is_(False),
               GroupAttendance.attendance == Attendance.PRESENT.value, GroupSession.tombstone.is_(False),
               released))]


def last_held_with_groups(session: Session, worker_id: str, last_individual: date | None) -> date | None:
    """The day the worker's due date counts from, group sessions included only where their
    team's policy counts them (``group_supervision.counts_toward_frequency``)."""
    worker = session.get(Staff, worker_id)
    team = session.get(Team, worker.team_id) if worker is not None and worker.team_id else None
    counts = counts_toward_frequency(team.supervision_policy if team is not None else None)
    if not counts:
        return last_individual
    return last_held_for_schedule(last_individual, group_days_present(session, worker_id), counts=True)


# --- what the group session dialog reads and writes ------------------------------------------

@dataclass(frozen=True)
class GroupPerson:
    staff_id: str
    name: str
    listed: bool
    attendance: Attendance | None
    action: str  # the person's action as the viewer may see it ("" if none, or not theirs to see)
    signed: bool
    action_id: str | None = None  # the action the viewer sees, to move it on
    action_status: ActionStatus | None = None
    may_set_status: bool = False  # the viewer may move that action on now


@dataclass(frozen=True)
class GroupDetail:
    group_id: str | None
    supervisor_id: str
    supervisor_name: str
    held_at: datetime | None
    duration_minutes: int
    location: str
    themes: str
    discussion: tuple[str, str, str]  # summary, decision, rationale of its first case discussion
    actions_due: date | None
    people: list[GroupPerson]
    state: RecordState
    waiting_for: list[str]  # names of who has still to sign
    may_edit: bool
    may_sign: bool
    addenda: GroupAddenda | None = None  # once locked: its addenda, and whether the viewer may add one


def _name(session: Session, staff_id: str) -> str:
    staff = session.get(Staff, staff_id)
    return staff.display_name if staff is not None else "Someone no longer in the directory"


def group_detail(session: Session, actor: Actor, group_id: str | None,
                 candidates: Iterable[str] = ()) -> GroupDetail:
    """Everything the dialog shows to ``actor``: for a new group (``group_id`` None) the
    workers they may choose from (``candidates``), for an existing one what they may see."""
    from ..domain.group_supervision import waiting_for

    if group_id is None:
        people = [GroupPerson(p, _name(session, p), False, None, "", False) for p in candidates]
        return GroupDetail(None, actor.staff_id, _name(session, actor.staff_id), None, 60, "", "",
                           ("", "", ""), None, people, RecordState.DRAFT, [], True, False)
    view = group_view(session, actor, group_id)
    g, target = view.group, view.target
    actions = {a.owner_id: a for a in view.actions}
    listed = {a.attendee_id: Attendance(a.attendance) for a in view.attendance}
    editing = bool(decide_group(actor, Operation.EDIT, target))
    others = [p for p in candidates if p not in listed] if editing else []
    def person(p: str) -> GroupPerson:
        action = actions.get(p)
        if action is None:
            return GroupPerson(p, _name(session, p), p in listed, listed.get(p), "", p in target.signed)
        may = decide_group_action_status(actor, GroupActionTarget(action.owner_id, target))
        return GroupPerson(p, _name(session, p), p in listed, listed.get(p), action.description,
                           p in target.signed, action.id, ActionStatus(action.status), bool(may))

    people = [person(p) for p in [*sorted(listed, key=lambda p: _name(session, p)), *others]]
    first = view.discussions[0] if view.discussions else None
    sign_op = Operation.SIGN_AS_SUPERVISOR if actor.staff_id == g.supervisor_id else Operation.SIGN_AS_SUPERVISEE
    due = min((a.due_on for a in view.actions if a.due_on is not None), default=None)
    return GroupDetail(
        g.id, g.supervisor_id, _name(session, g.supervisor_id), g.held_at, g.duration_minutes, g.location,
        g.themes, (first.summary, first.decision, first.rationale) if first else ("", "", ""), due, people,
        target.state, sorted(_name(session, p) for p in waiting_for(target)), editing,
        bool(decide_group(actor, sign_op, target)),
        group_addenda(session, actor, group_id) if target.state == RecordState.LOCKED else None)


def save_group(session: Session, actor: Actor, group_id: str | None, *, held_at: datetime,
               duration_minutes: int, location: str, themes: str, discussion: tuple[str, str, str],
               attendance: Mapping[str, Attendance | None], actions: Mapping[str, str],
               actions_due: date | None) -> str:
    """Create or update a draft group session as the dialog has it: ``attendance`` gives each
    person offered (None: not in the group), ``actions`` each attendee's action text."""
    chosen = {p: a for p, a in attendance.items() if a is not None}
    if group_id is None:
        group_id = create_group_session(session, actor, attendees=chosen, held_at=held_at,
                                        duration_minutes=duration_minutes, location=location, themes=themes)
    else:
        update_shared_part(session, actor, group_id, held_at=held_at, duration_minutes=duration_minutes,
                           location=location, themes=themes)
        for row in _rows(session, GroupAttendance, group_id):
            if row.attendee_id not in chosen:
                row.tombstone, row.updated_by = True, actor.staff_id
        for person, mark in chosen.items():
            set_attendance(session, actor, group_id, person, mark)
    summary, decision, rationale = (clean_text(label, text) for label, text in
                                    zip(("Summary", "Decision", "Rationale"), discussion))
    existing = _rows(session, GroupDiscussion, group_id)
    if existing:
        existing[0].summary, existing[0].decision, existing[0].rationale = summary, decision, rationale
        existing[0].updated_by = actor.staff_id
    elif any((summary, decision, rationale)):
        add_discussion(session, actor, group_id, child_id=None, summary=summary, decision=decision,
                       rationale=rationale)
    held = {a.owner_id: a for a in _rows(session, GroupAction, group_id)}
    for person, text in actions.items():
        text = clean_text("Action", text).strip()
        row = held.get(person)
        if row is not None and (person not in chosen or not text):
            row.tombstone, row.updated_by = True, actor.staff_id
        elif row is not None:
            row.description, row.due_on, row.updated_by = text, actions_due, actor.staff_id
        elif text and person in chosen:
            add_action(session, actor, group_id, owner_id=person, description=text, due_on=actions_due)
    session.flush()
    return group_id

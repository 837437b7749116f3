"""Read models for the desktop client's pages: plain dataclasses, no Qt.

Every function takes the :class:`Actor` asking and returns only what
``domain.permissions.decide`` lets them see (the app hides what it cannot show; the server
is the authority). Functions that show a record's contents (``session_detail``,
``oversight_note_detail``, ``child_chronology``) write a ``view`` audit entry, so call them
inside ``Database.transaction()``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from ..domain.lifecycle import RecordKind
from ..domain.next_step import SUPERVISOR_STEPS, next_step_is_mine
from ..domain.permissions import (
    ActionItemTarget,
    Actor,
    CaseDiscussionTarget,
    ChildTarget,
    Operation,
    OversightTarget,
    SupervisionTarget,
    TeamTarget,
    decide,
    is_released,
)
from ..domain.supervisee_response import signed_without_response
from ..domain.supervision_policy import SupervisionPolicy, status_label, supervision_status
from ..domain.text_rules import search_fold, text_sort_key
from ..domain.time_rules import london_date
from ..domain.vocabulary import (
    ActionStatus,
    Agreement,
    LegalStatus,
    OversightTrigger,
    RecordState,
    Role,
    SessionType,
    SupervisionStatus,
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
    Team,
)
from .supervision_records import (
    NotAllowed,
    NotFound,
    child_target,
    load_actor,
    oversight_target,
    session_target,
)

__all__ = [
    "StaffEntry", "WorkerRow", "SessionRow", "ActionRow", "ChildRow", "ChronologyEntry",
    "ChildDetail", "ReviewDetail", "ActionDetail", "DiscussionDetail", "SessionDetail",
    "NoteDetail", "TeamPolicyRow", "ResolutionRow",
    "directory", "load_actor", "team_overview", "worker_history", "my_records", "my_actions",
    "my_children", "children_allocated_to", "find_children", "child_chronology", "flagged_disagreements",
    "session_detail", "session_refusal", "oversight_note_detail", "team_policies", "team_policy",
]

_OPEN = ActionStatus.OPEN.value
_AWAITING = (RecordState.SHARED.value, RecordState.SUPERVISOR_SIGNED.value)
_LOCKED = RecordState.LOCKED.value


def _require(decision) -> None:
    if not decision:
        raise NotAllowed(decision.reason)


# A supervisee's disagreement counts as resolved once a manager above the supervisor has
# recorded a resolution (table ``disagreement_resolution``, insert-only), or when the record
# arrived already marked resolved (``supervision_session.disagreement_resolved``).
_HAS_RESOLUTION = (
    exists().where(DisagreementResolution.session_id == SupervisionSession.id,
                   DisagreementResolution.tombstone.is_(False))
    .correlate(SupervisionSession)
)


def unresolved_disagreement():
    """SQL condition: the supervisee disagreed and nobody has resolved it yet."""
    return and_(SupervisionSession.supervisee_agreement == Agreement.DISAGREES.value,
                SupervisionSession.disagreement_resolved.is_(False), ~_HAS_RESOLUTION)


# --------------------------------------------------------------------------- directory

@dataclass(frozen=True)
class StaffEntry:
    staff_id: str
    display_name: str
    role: Role
    team_name: str

    @property
    def role_label(self) -> str:
        return self.role.label


def directory(session: Session) -> list[StaffEntry]:
    """Everyone in the local directory (the sign-in list); names and roles only."""
    rows = session.execute(
        select(Staff.id, Staff.display_name, Staff.role, Team.name)
        .outerjoin(Team, Team.id == Staff.team_id)
        .where(Staff.tombstone.is_(False), Staff.active.is_(True))
    )
    return sorted((StaffEntry(r[0], r[1], Role(r[2]), r[3] or "") for r in rows),
                  key=lambda entry: text_sort_key(entry.display_name))


def team_policy(session: Session, team_id: str | None) -> SupervisionPolicy:
    raw = session.scalar(select(Team.supervision_policy).where(Team.id == team_id)) if team_id else None
    return SupervisionPolicy.from_json(json.loads(raw)) if raw else SupervisionPolicy()


# What ``decide`` needs about the record an action comes from: the supervision session, or
# the oversight note with its child and the child's worker's team.
_ActionSession = aliased(SupervisionSession)
_ActionNote = aliased(OversightNote)
_NoteChild = aliased(Child)
_NoteWorker = aliased(Staff)
_ActionSupervisee = aliased(Staff)
_ACTION_PARENT = (
    _ActionSession.supervisee_id.label("p_supervisee"), _ActionSession.supervisor_id.label("p_supervisor"),
    _ActionSupervisee.team_id.label("p_team"), _ActionSession.state.label("p_state"),
    _ActionSession.held_at.label("p_held_at"),
    _ActionNote.author_id.label("n_author"), _ActionNote.state.label("n_state"),
    _ActionNote.recorded_at.label("n_recorded_at"), _NoteChild.id.label("n_child"),
    _NoteChild.allocated_worker_id.label("n_worker"), _NoteWorker.team_id.label("n_team"),
)


def _with_action_parent(statement):
    """``statement`` (over ``ActionItem``) joined to what ``_action_target`` needs; actions
    whose record is deleted (tombstoned) or not on this computer are left out."""
    return (statement
            .outerjoin(_ActionSession, and_(_ActionSession.id == ActionItem.session_id,
                                            _ActionSession.tombstone.is_(False)))
            .outerjoin(_ActionSupervisee, _ActionSupervisee.id == _ActionSession.supervisee_id)
            .outerjoin(_ActionNote, and_(_ActionNote.id == ActionItem.oversight_note_id,
                                         _ActionNote.tombstone.is_(False)))
            .outerjoin(_NoteChild, _NoteChild.id == _ActionNote.child_id)
            .outerjoin(_NoteWorker, _NoteWorker.id == _NoteChild.allocated_worker_id)
            .where(or_(_ActionSession.id.is_not(None), _NoteChild.id.is_not(None))))


def _action_target(owner_id: str | None, row) -> ActionItemTarget:
    parent: SupervisionTarget | OversightTarget
    if row.p_state is not None:
        parent = SupervisionTarget(row.p_supervisee, row.p_supervisor, row.p_team,
                                   RecordState(row.p_state))
    else:
        parent = OversightTarget(row.n_author, ChildTarget(row.n_child, row.n_worker, row.n_team),
                                 RecordState(row.n_state))
    return ActionItemTarget(owner_id, parent)


# --------------------------------------------------------------------------- team page

@dataclass(frozen=True)
class WorkerRow:
    worker_id: str
    name: str
    role: Role
    team_name: str
    status: SupervisionStatus
    next_due: date
    last_held: date | None  # the latest record shared with the worker; drafts do not count
    next_planned: date | None
    is_asye: bool
    open_actions: int
    overdue_actions: int
    awaiting_signature: int
    unresolved_disagreements: int
    drafts: int = 0  # records in draft, not yet shared with the worker
    due_soon_days: int = SupervisionPolicy.due_soon_days  # the team policy's warning window

    @property
    def status_label(self) -> str:
        """'Overdue', 'Due within 14 days' (the team's window), 'On track'."""
        return status_label(self.status, self.due_soon_days)


def team_overview(session: Session, actor: Actor, today: date) -> list[WorkerRow]:
    """Every worker in the teams the actor manages (themselves excepted).

    A worker's last supervision is the latest record that has at least been shared with
    them (shared, signed by the supervisor, or locked): a draft, even one opened and left
    empty, gives no assurance; it is counted apart (``WorkerRow.drafts``). The compliance
    dashboard is stricter still: it counts only records signed by both
    (``assurance.compliance``). The figures count only records and actions the actor may
    open (``domain.permissions``): a worker who moved team brings none of the records
    their previous team holds. Open actions are those released to their owner, as the
    worker's own page shows them."""
    from ..domain.group_supervision import last_held_for_schedule
    from .group_records import group_days_present, open_group_actions  # group sessions (issue 21)

    team_ids = sorted(actor.managed_team_ids)
    if not team_ids and not actor.line_report_ids:
        return []
    teams = {t.id: t for t in session.scalars(select(Team).where(Team.id.in_(team_ids)))}
    policies = {
        tid: (SupervisionPolicy.from_json(json.loads(t.supervision_policy))
              if t.supervision_policy else SupervisionPolicy())
        for tid, t in teams.items()
    }
    workers = list(session.scalars(
        select(Staff).where(or_(Staff.team_id.in_(team_ids),  # and people with no team
                                Staff.id.in_(sorted(actor.line_report_ids))),
                            Staff.id != actor.staff_id,
                            Staff.tombstone.is_(False), Staff.active.is_(True))
        .order_by(Staff.display_name)
    ))
    ids = [w.id for w in workers]
    if not ids:
        return []
    team_now = {w.id: w.team_id for w in workers}
    S = SupervisionSession
    live = S.tombstone.is_(False)
    mine = S.supervisee_id.in_(ids)
    shared = S.state != RecordState.DRAFT.value
    # SQLite returns the other columns from the row holding the max(): the latest shared
    # record's date and the next session it planned
    latest = {r[0]: (r[2], r[1]) for r in session.execute(
        select(S.supervisee_id, S.next_session_on, func.max(S.held_at))
        .where(mine, live, shared).group_by(S.supervisee_id))}
    # Records a figure can be about (every one not yet locked, and locked ones still
    # disagreed with): few, each checked as the history page checks it before opening.
    drafts: dict[str, int] = {}
    awaiting: dict[str, int] = {}
    disagreements: dict[str, int] = {}
    for r in session.execute(
            select(S.supervisee_id, S.supervisor_id, S.team_id, S.state,
                   unresolved_disagreement().label("disagreed"))
            .where(mine, live, or_(S.state != _LOCKED, unresolved_disagreement()))):
        if not decide(actor, Operation.VIEW, SupervisionTarget(
                r.supervisee_id, r.supervisor_id, team_now.get(r.supervisee_id), RecordState(r.state))):
            continue
        if r.state == RecordState.DRAFT.value:
            drafts[r.supervisee_id] = drafts.get(r.supervisee_id, 0) + 1
        elif r.state in _AWAITING:
            awaiting[r.supervisee_id] = awaiting.get(r.supervisee_id, 0) + 1
        if r.disagreed:
            disagreements[r.supervisee_id] = disagreements.get(r.supervisee_id, 0) + 1
    open_actions: dict[str, int] = {}
    overdue: dict[str, int] = {}
    for r in session.execute(_with_action_parent(
            select(ActionItem.owner_id, ActionItem.due_on, *_ACTION_PARENT)
            .where(ActionItem.owner_id.in_(ids), ActionItem.status == _OPEN,
                   ActionItem.tombstone.is_(False)))):
        target = _action_target(r.owner_id, r)
        if not is_released(target.parent) or not decide(actor, Operation.VIEW, target):
            continue
        open_actions[r.owner_id] = open_actions.get(r.owner_id, 0) + 1
        if r.due_on is not None and r.due_on < today:
            overdue[r.owner_id] = overdue.get(r.owner_id, 0) + 1
    for group_action, _held in open_group_actions(session, actor, ids):  # from group sessions (issue 21)
        open_actions[group_action.owner_id] = open_actions.get(group_action.owner_id, 0) + 1
        if group_action.due_on is not None and group_action.due_on < today:
            overdue[group_action.owner_id] = overdue.get(group_action.owner_id, 0) + 1
    rows = []
    for w in workers:
        held, planned = latest.get(w.id, (None, None))
        held_day = london_date(held) if held else None
        if w.last_supervised_on is not None and (held_day is None or w.last_supervised_on > held_day):
            held_day = w.last_supervised_on  # held before go-live, imported by IT
        policy = policies.get(w.team_id, SupervisionPolicy()) if w.team_id else SupervisionPolicy()
        if policy.group_counts_toward_frequency:  # a group session they were present at (issue 21)
            held_day = last_held_for_schedule(held_day, group_days_present(session, w.id), counts=True)
        status = supervision_status(policy, today=today, last_held=held_day,
                                    started_on=w.started_on, asye_start=w.asye_start)
        rows.append(WorkerRow(
            worker_id=w.id, name=w.display_name, role=Role(w.role),
            team_name=teams[w.team_id].name if w.team_id in teams else "",
            status=status.status, next_due=status.next_due, last_held=held_day,
            next_planned=planned,
            is_asye=w.asye_start is not None and (today - w.asye_start).days < 366,
            open_actions=open_actions.get(w.id, 0), overdue_actions=overdue.get(w.id, 0),
            awaiting_signature=awaiting.get(w.id, 0),
            unresolved_disagreements=disagreements.get(w.id, 0),
            drafts=drafts.get(w.id, 0), due_soon_days=policy.due_soon_days,
        ))
    return rows


# --------------------------------------------------------------------------- sessions lists

@dataclass(frozen=True)
class SessionRow:
    session_id: str
    held_at: datetime
    supervisee_id: str
    supervisee_name: str
    supervisor_name: str
    session_type: SessionType
    state: RecordState
    discussions: int
    agreement: str | None
    disagreement_open: bool
    share_by: date | None  # None once the record is signed and locked: nothing is due
    sign_by: date | None
    can_resolve: bool = False  # the actor may record how the open disagreement was resolved


def _deadlines(held_at: datetime, shared_at: datetime | None):
    """Share-by and sign-by dates. The bank holiday calendar behind them (``holidays``) is
    loaded when a record still has something due, not on every start."""
    from ..domain.working_days import record_deadlines

    return record_deadlines(london_date(held_at), london_date(shared_at) if shared_at else None)


_Supervisee = aliased(Staff)
_Supervisor = aliased(Staff)


def _session_rows(session: Session, actor: Actor, *conditions) -> list[SessionRow]:
    discussed = (select(func.count()).where(CaseDiscussion.session_id == SupervisionSession.id,
                                            CaseDiscussion.tombstone.is_(False))
                 .correlate(SupervisionSession).scalar_subquery())  # by index, per row shown
    S = SupervisionSession
    statement = (  # only the columns a list shows: the record text stays on disk, encrypted
        select(S.id, S.held_at, S.supervisee_id, S.supervisor_id, S.team_id, S.state,
               _Supervisee.team_id.label("supervisee_team_id"),
               S.session_type, S.supervisee_agreement, S.disagreement_resolved, S.shared_at,
               _HAS_RESOLUTION.label("has_resolution"),
               _Supervisee.display_name.label("supervisee_name"),
               _Supervisor.display_name.label("supervisor_name"), discussed.label("discussed"))
        .join(_Supervisee, _Supervisee.id == SupervisionSession.supervisee_id)
        .join(_Supervisor, _Supervisor.id == SupervisionSession.supervisor_id)
        .where(SupervisionSession.tombstone.is_(False), *conditions)
        .order_by(SupervisionSession.held_at.desc())
    )
    out = []
    for row in session.execute(statement):
        target = session_target(row)
        if not decide(actor, Operation.VIEW, target):
            continue
        disagreement_open = (row.supervisee_agreement == Agreement.DISAGREES.value
                             and not row.disagreement_resolved and not row.has_resolution)
        # Working days cost a walk over the calendar per record: worked out only where
        # something is still due, not for the locked years of a long history.
        deadlines = None if row.state == _LOCKED else _deadlines(row.held_at, row.shared_at)
        out.append(SessionRow(
            session_id=row.id, held_at=row.held_at, supervisee_id=row.supervisee_id,
            supervisee_name=row.supervisee_name, supervisor_name=row.supervisor_name,
            session_type=SessionType(row.session_type), state=RecordState(row.state),
            discussions=row.discussed, agreement=row.supervisee_agreement,
            disagreement_open=disagreement_open,
            share_by=deadlines and deadlines.share_by, sign_by=deadlines and deadlines.sign_by,
            can_resolve=disagreement_open and decide(
                actor, Operation.RESOLVE_DISAGREEMENT, target).allowed,
        ))
    return out


def worker_history(session: Session, actor: Actor, worker_id: str) -> list[SessionRow]:
    """A worker's supervision records, newest first, as far as the actor may see them."""
    return _session_rows(session, actor, SupervisionSession.supervisee_id == worker_id)


def my_records(session: Session, actor: Actor) -> list[SessionRow]:
    """The actor's own supervision records that have been shared with them."""
    return _session_rows(session, actor, SupervisionSession.supervisee_id == actor.staff_id,
                         SupervisionSession.state != RecordState.DRAFT.value)


def flagged_disagreements(session: Session, actor: Actor) -> list[SessionRow]:
    """Records whose supervisee disagreed, flagged to the supervisor's own manager: records
    of people the actor line-manages now that someone else supervised."""
    if not actor.managed_team_ids and not actor.sees_all_teams and not actor.line_report_ids:
        return []
    conditions = [
        unresolved_disagreement(),
        SupervisionSession.supervisor_id != actor.staff_id,
        SupervisionSession.supervisee_id != actor.staff_id,
    ]
    if not actor.sees_all_teams:  # the worker's team now, not on the session date
        conditions.append(SupervisionSession.supervisee_id.in_(select(Staff.id).where(or_(
            Staff.team_id.in_(sorted(actor.managed_team_ids)),
            Staff.id.in_(sorted(actor.line_report_ids))))))
    return _session_rows(session, actor, *conditions)


def waiting_for_me(session: Session, actor: Actor, today: date,
                   listed_worker_ids: Iterable[str] = ()) -> list[SessionRow]:
    """Records whose next step is the actor's as supervisor (a draft to share, or a shared
    record they may sign now), of people not in ``listed_worker_ids``: after a worker moves
    team their old manager keeps the records still awaiting them, and the team table no
    longer leads there (DESIGN.md §1.1)."""
    S = SupervisionSession
    listed = sorted(set(listed_worker_ids))
    ready = []
    for row in session.execute(
            select(S.id, S.supervisee_id, S.supervisor_id, S.team_id, S.state, S.supervisee_agreement,
                   S.shared_at)
            .where(S.tombstone.is_(False), S.supervisor_id == actor.staff_id,
                   S.state.in_([RecordState.DRAFT.value, RecordState.SHARED.value]),
                   S.supervisee_id.not_in(listed))):
        if next_step_is_mine(actor, session_target(row, today), SUPERVISOR_STEPS):
            ready.append(row.id)
    return _session_rows(session, actor, S.id.in_(ready)) if ready else []


# --------------------------------------------------------------------------- actions

@dataclass(frozen=True)
class ActionRow:
    action_id: str
    description: str
    owner_name: str
    due_on: date | None
    status: ActionStatus
    overdue: bool
    source: str
    session_id: str | None
    oversight_note_id: str | None
    child_label: str
    group_session_id: str | None = None  # an action agreed in a group session (issue 21)


def my_actions(session: Session, actor: Actor, today: date) -> list[ActionRow]:
    """Open actions the actor owns and may see, soonest due first: not those in a record
    still in draft that has not reached them (``domain.permissions``: an action follows
    its record until that record is shared or signed)."""
    owner = aliased(Staff)
    statement = _with_action_parent(
        select(ActionItem, owner.display_name, Child.name, Child.case_id, *_ACTION_PARENT)
        .outerjoin(owner, owner.id == ActionItem.owner_id)
        .outerjoin(Child, Child.id == ActionItem.child_id)
        .where(ActionItem.owner_id == actor.staff_id, ActionItem.status == _OPEN,
               ActionItem.tombstone.is_(False))
        .order_by(ActionItem.due_on.is_(None), ActionItem.due_on))
    out = []
    for row in session.execute(statement):
        action = row[0]
        if not decide(actor, Operation.VIEW, _action_target(action.owner_id, row)):
            continue
        if row.p_held_at is not None:
            source = f"Supervision {london_date(row.p_held_at):%d/%m/%Y}"
        else:
            source = f"Oversight note {london_date(row.n_recorded_at):%d/%m/%Y}"
        out.append(ActionRow(
            action_id=action.id, description=action.description, owner_name=row.display_name or "",
            due_on=action.due_on, status=ActionStatus(action.status),
            overdue=action.due_on is not None and action.due_on < today, source=source,
            session_id=action.session_id, oversight_note_id=action.oversight_note_id,
            child_label=f"{row.name} ({row.case_id})" if row.name else "",
        ))
    from .group_records import open_group_actions  # their own actions from group sessions

    me = session.get(Staff, actor.staff_id)
    for action, held_at in open_group_actions(session, actor, [actor.staff_id]):
        out.append(ActionRow(
            action_id=action.id, description=action.description, owner_name=me.display_name if me else "",
            due_on=action.due_on, status=ActionStatus(action.status),
            overdue=action.due_on is not None and action.due_on < today,
            source=f"Group supervision {london_date(held_at):%d/%m/%Y}", session_id=None,
            oversight_note_id=None, child_label="", group_session_id=action.group_session_id))
    return sorted(out, key=lambda a: (a.due_on is None, a.due_on or date.min))


# --------------------------------------------------------------------------- children

@dataclass(frozen=True)
class ChildRow:
    child_id: str
    case_id: str
    name: str
    legal_status: LegalStatus
    worker_name: str
    last_oversight: date | None


def _child_rows(session: Session, actor: Actor, *conditions, limit: int | None = None) -> list[ChildRow]:
    worker = aliased(Staff)
    statement = (
        select(Child.id, Child.case_id, Child.name, Child.legal_status,
               Child.allocated_worker_id, worker.display_name, worker.team_id)
        .outerjoin(worker, worker.id == Child.allocated_worker_id)
        .where(Child.tombstone.is_(False), *conditions)
        .order_by(Child.name)
    )
    if limit:
        statement = statement.limit(limit * 4)
    shown = []
    for row in session.execute(statement):
        target = ChildTarget(row.id, row.allocated_worker_id, row.team_id)
        if not decide(actor, Operation.VIEW, target):
            continue
        shown.append((row, target))
        if limit and len(shown) >= limit:
            break
    last = _last_oversight(session, actor, {target.child_id: target for _row, target in shown})
    out = [ChildRow(row.id, row.case_id, row.name, LegalStatus(row.legal_status),
                    row.display_name or "", london_date(last[row.id]) if row.id in last else None)
           for row, _target in shown]
    return sorted(out, key=lambda row: text_sort_key(row.name))  # Émile among the Es


_BY_ID = 50  # up to this many children (a find) are looked up by id; more, in one pass
_SHARED_STATES = tuple(state.value for state in RecordState if state != RecordState.DRAFT)
_NOBODY = ""  # no one's staff id: a signed note's author, where only its state matters


def _last_oversight(session: Session, actor: Actor, children: dict[str, ChildTarget]) -> dict[str, datetime]:
    """When each child's latest oversight entry the actor may see was made: an oversight
    note, or a case discussion (each is also an oversight entry on the child's record,
    DESIGN.md §2), seen as the child's chronology shows them (``child_chronology``): a
    note as ``decide`` allows it, a discussion once its record is shared, or a draft one
    by those who may read the draft. ``children`` are ones the actor may see.

    Set-based, on the narrow assurance indexes: the latest entry per child and per
    distinct set of facts ``decide`` asks about (a signed note's state; a draft note's
    author; a draft record's people and team), each decided once. A long list reads all
    the entries in one pass (a service manager's 600 children: ~25 ms) rather than
    looking each child up by id."""
    if not children:
        return {}
    latest: dict[str, datetime] = {}

    def keep(child_id: str, when: datetime | None) -> None:
        if when is not None and child_id in children and (
                child_id not in latest or when > latest[child_id]):
            latest[child_id] = when

    S, D, N = SupervisionSession, CaseDiscussion, OversightNote
    ids = sorted(children)

    def of(column) -> list:
        return [column.in_(ids)] if len(ids) <= _BY_ID else []

    for child_id, when in session.execute(
            select(N.child_id, func.max(N.recorded_at))
            .where(*of(N.child_id), N.state == _LOCKED, N.tombstone.is_(False))
            .group_by(N.child_id)):
        if child_id in children and decide(actor, Operation.VIEW, OversightTarget(
                _NOBODY, children[child_id], RecordState.LOCKED)):
            keep(child_id, when)
    for child_id, author_id, state, when in session.execute(
            select(N.child_id, N.author_id, N.state, func.max(N.recorded_at))
            .where(*of(N.child_id), N.state != _LOCKED, N.tombstone.is_(False))
            .group_by(N.child_id, N.author_id, N.state)):
        if child_id in children and decide(actor, Operation.VIEW, OversightTarget(
                author_id, children[child_id], RecordState(state))):
            keep(child_id, when)
    for child_id, when in session.execute(
            select(D.child_id, func.max(S.held_at)).join(S, S.id == D.session_id)
            .where(*of(D.child_id), D.tombstone.is_(False), S.tombstone.is_(False),
                   S.state.in_(_SHARED_STATES))
            .group_by(D.child_id)):
        keep(child_id, when)
    # drafts are few: those the actor may read, then the children they discuss
    drafts = {r.id: r.held_at for r in session.execute(
        select(S.id, S.supervisee_id, S.supervisor_id, S.team_id, S.held_at)
        .where(S.state == RecordState.DRAFT.value, S.tombstone.is_(False)))
        if decide(actor, Operation.VIEW, SupervisionTarget(
            r.supervisee_id, r.supervisor_id, r.team_id, RecordState.DRAFT))}
    if drafts:
        for child_id, session_id in session.execute(
                select(D.child_id, D.session_id)
                .where(*of(D.child_id), D.session_id.in_(sorted(drafts)), D.tombstone.is_(False))):
            keep(child_id, drafts[session_id])
    return latest


def _child_scope(actor: Actor):
    worker_teams = select(Staff.id).where(Staff.team_id.in_(sorted(actor.managed_team_ids)))
    if actor.sees_all_teams:
        return []
    return [or_(Child.allocated_worker_id == actor.staff_id,
                Child.allocated_worker_id.in_(worker_teams))]


def my_children(session: Session, actor: Actor) -> list[ChildRow]:
    """Children allocated to the actor, or to workers in teams they manage."""
    return _child_rows(session, actor, *_child_scope(actor))


def children_allocated_to(session: Session, actor: Actor) -> list[ChildRow]:
    """Children allocated to the actor themselves."""
    return _child_rows(session, actor, Child.allocated_worker_id == actor.staff_id)


def find_children(session: Session, actor: Actor, text_: str, limit: int = 20) -> list[ChildRow]:
    """Children open to the actor whose case ID or name matches what was typed."""
    needle = search_fold((text_ or "").strip())
    if not needle:
        return []
    like = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    # search_fold is the store's SQL function (store/database.py): "zoe" finds Zoë
    return _child_rows(session, actor, *_child_scope(actor),
                       or_(func.search_fold(Child.case_id).like(like, escape="\\"),
                           func.search_fold(Child.name).like(like, escape="\\")), limit=limit)


@dataclass(frozen=True)
class ChronologyEntry:
    when: datetime
    kind: str  # "oversight_note" | "case_discussion"
    record_id: str
    session_id: str | None
    title: str
    author_name: str
    decision: str
    rationale: str
    state: RecordState
    next_review: date | None


@dataclass(frozen=True)
class ChildDetail:
    child: ChildRow
    date_of_birth: date
    entries: list[ChronologyEntry]
    can_add_note: bool


def _discussion_target(parent: SupervisionSession, child: ChildTarget) -> CaseDiscussionTarget:
    """A case discussion is also an oversight entry on the child's record: whoever may see
    the child sees it once its record is released (``permissions.CaseDiscussionTarget``)."""
    return CaseDiscussionTarget(session_target(parent), child)


def child_chronology(session: Session, actor: Actor, child_id: str) -> ChildDetail:
    """The child's management oversight from notes and case discussions, newest first."""
    child = session.get(Child, child_id)
    if child is None or child.tombstone:
        raise NotFound("That child's record is not on this computer.")
    target = child_target(session, child)
    _require(decide(actor, Operation.VIEW, target))
    names = dict(session.execute(select(Staff.id, Staff.display_name)).all())
    entries: list[ChronologyEntry] = []
    for note in session.scalars(select(OversightNote).where(
            OversightNote.child_id == child_id, OversightNote.tombstone.is_(False))):
        note_target = OversightTarget(note.author_id, target, RecordState(note.state))
        if not decide(actor, Operation.VIEW, note_target):
            continue
        entries.append(ChronologyEntry(
            when=note.recorded_at, kind="oversight_note", record_id=note.id, session_id=None,
            title=f"Oversight: {OversightTrigger(note.trigger).label}",
            author_name=names.get(note.author_id, ""), decision=note.decision,
            rationale=note.rationale, state=RecordState(note.state),
            next_review=note.next_review_on))
    for disc, parent in session.execute(
            select(CaseDiscussion, SupervisionSession)
            .join(SupervisionSession, SupervisionSession.id == CaseDiscussion.session_id)
            .where(CaseDiscussion.child_id == child_id, CaseDiscussion.tombstone.is_(False),
                   SupervisionSession.tombstone.is_(False))):
        if not decide(actor, Operation.VIEW, _discussion_target(parent, target)):
            continue
        entries.append(ChronologyEntry(
            when=parent.held_at, kind="case_discussion", record_id=disc.id,
            session_id=parent.id,
            title=f"Supervision with {names.get(parent.supervisee_id, '')}",
            author_name=names.get(parent.supervisor_id, ""), decision=disc.decision,
            rationale=disc.rationale, state=RecordState(parent.state),
            next_review=parent.next_session_on))
    entries.sort(key=lambda e: e.when, reverse=True)
    worker_name = names.get(child.allocated_worker_id, "") if child.allocated_worker_id else ""
    last = london_date(entries[0].when) if entries else None  # as the children list says
    record_event(session, actor_id=actor.staff_id, action="view", record_kind="child",
                 record_id=child.id)
    return ChildDetail(
        child=ChildRow(child.id, child.case_id, child.name, LegalStatus(child.legal_status),
                       worker_name, last),
        date_of_birth=child.date_of_birth, entries=entries,
        can_add_note=decide(actor, Operation.CREATE, target).allowed,
    )


# --------------------------------------------------------------------------- one record

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
    _require(decide(actor, Operation.VIEW, session_target(row)))
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
    deadlines = _deadlines(row.held_at, row.shared_at)
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
    _require(decide(actor, Operation.VIEW, target))
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


# --------------------------------------------------------------------------- settings

@dataclass(frozen=True)
class TeamPolicyRow:
    team_id: str
    team_name: str
    policy: SupervisionPolicy
    can_set: bool


def team_policies(session: Session, actor: Actor) -> list[TeamPolicyRow]:
    """The policy of each team the actor manages, and whether they may change it."""
    if not actor.managed_team_ids:
        return []
    rows = session.scalars(select(Team).where(Team.id.in_(sorted(actor.managed_team_ids)))
                           .order_by(Team.name))
    return [
        TeamPolicyRow(t.id, t.name,
                      SupervisionPolicy.from_json(json.loads(t.supervision_policy))
                      if t.supervision_policy else SupervisionPolicy(),
                      decide(actor, Operation.SET_POLICY, TeamTarget(t.id)).allowed)
        for t in rows
    ]

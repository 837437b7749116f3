"""Actions as the pages list them: the actor's own open actions, and what ``decide`` needs
about the record an action comes from. Only what ``domain.permissions.decide`` lets the
actor see is returned (the app hides what it cannot show; the server is the authority).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from ..domain.permissions import (
    ActionItemTarget,
    Actor,
    ChildTarget,
    Operation,
    OversightTarget,
    SupervisionTarget,
    decide,
)
from ..domain.time_rules import london_date
from ..domain.vocabulary import ActionStatus, RecordState
from .models import ActionItem, Child, OversightNote, Staff, SupervisionSession

_OPEN = ActionStatus.OPEN.value


# What ``decide`` needs about the record an action comes from: the supervision session, or
# the oversight note with its child and the child's worker's team.
_ActionSession = aliased(SupervisionSession)
_ActionNote = aliased(OversightNote)
_NoteChild = aliased(Child)
_NoteWorker = aliased(Staff)
_ActionSupervisee = aliased(Staff)
ACTION_PARENT = (
    _ActionSession.supervisee_id.label("p_supervisee"), _ActionSession.supervisor_id.label("p_supervisor"),
    _ActionSupervisee.team_id.label("p_team"), _ActionSession.state.label("p_state"),
    _ActionSession.held_at.label("p_held_at"),
    _ActionNote.author_id.label("n_author"), _ActionNote.state.label("n_state"),
    _ActionNote.recorded_at.label("n_recorded_at"), _NoteChild.id.label("n_child"),
    _NoteChild.allocated_worker_id.label("n_worker"), _NoteWorker.team_id.label("n_team"),
)


def with_action_parent(statement):
    """``statement`` (over ``ActionItem``) joined to what ``action_target`` needs; actions
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


def action_target(owner_id: str | None, row) -> ActionItemTarget:
    parent: SupervisionTarget | OversightTarget
    if row.p_state is not None:
        parent = SupervisionTarget(row.p_supervisee, row.p_supervisor, row.p_team,
                                   RecordState(row.p_state))
    else:
        parent = OversightTarget(row.n_author, ChildTarget(row.n_child, row.n_worker, row.n_team),
                                 RecordState(row.n_state))
    return ActionItemTarget(owner_id, parent)


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
    statement = with_action_parent(
        select(ActionItem, owner.display_name, Child.name, Child.case_id, *ACTION_PARENT)
        .outerjoin(owner, owner.id == ActionItem.owner_id)
        .outerjoin(Child, Child.id == ActionItem.child_id)
        .where(ActionItem.owner_id == actor.staff_id, ActionItem.status == _OPEN,
               ActionItem.tombstone.is_(False))
        .order_by(ActionItem.due_on.is_(None), ActionItem.due_on))
    out = []
    for row in session.execute(statement):
        action = row[0]
        if not decide(actor, Operation.VIEW, action_target(action.owner_id, row)):
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

"""The team page: each worker in the teams the actor manages (or line-manages) with their
supervision status and the figures the page shows. Only what ``domain.permissions.decide``
lets the actor see is returned (the app hides what it cannot show; the server is the
authority).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..domain.permissions import Actor, Operation, SupervisionTarget, decide, is_released
from ..domain.supervision_policy import SupervisionPolicy, status_label, supervision_status
from ..domain.time_rules import london_date
from ..domain.vocabulary import ActionStatus, RecordState, Role, SupervisionStatus
from .action_queries import ACTION_PARENT, action_target, with_action_parent
from .models import ActionItem, Staff, SupervisionSession, Team
from .session_list_queries import unresolved_disagreement

_OPEN = ActionStatus.OPEN.value
_AWAITING = (RecordState.SHARED.value, RecordState.SUPERVISOR_SIGNED.value)
_LOCKED = RecordState.LOCKED.value


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
    for r in session.execute(with_action_parent(
            select(ActionItem.owner_id, ActionItem.due_on, *ACTION_PARENT)
            .where(ActionItem.owner_id.in_(ids), ActionItem.status == _OPEN,
                   ActionItem.tombstone.is_(False)))):
        target = action_target(r.owner_id, r)
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

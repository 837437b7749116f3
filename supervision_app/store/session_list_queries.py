"""Lists of supervision records: a worker's history, the actor's own records, disagreements
flagged to a manager, and records waiting for the actor as supervisor. Only what
``domain.permissions.decide`` lets the actor see is returned (the app hides what it cannot
show; the server is the authority).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from ..domain.next_step import SUPERVISOR_STEPS, next_step_is_mine
from ..domain.permissions import Actor, Operation, decide
from ..domain.time_rules import london_date
from ..domain.vocabulary import Agreement, RecordState, SessionType
from .models import CaseDiscussion, DisagreementResolution, Staff, SupervisionSession
from .supervision_records import session_target

_LOCKED = RecordState.LOCKED.value


# A supervisee's disagreement counts as resolved once a manager above the supervisor has
# recorded a resolution (table ``disagreement_resolution``, insert-only), or when the record
# arrived already marked resolved (``supervision_session.disagreement_resolved``).
HAS_RESOLUTION = (
    exists().where(DisagreementResolution.session_id == SupervisionSession.id,
                   DisagreementResolution.tombstone.is_(False))
    .correlate(SupervisionSession)
)


def unresolved_disagreement():
    """SQL condition: the supervisee disagreed and nobody has resolved it yet."""
    return and_(SupervisionSession.supervisee_agreement == Agreement.DISAGREES.value,
                SupervisionSession.disagreement_resolved.is_(False), ~HAS_RESOLUTION)


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


def record_deadlines_of(held_at: datetime, shared_at: datetime | None):
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
               HAS_RESOLUTION.label("has_resolution"),
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
        deadlines = None if row.state == _LOCKED else record_deadlines_of(row.held_at, row.shared_at)
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

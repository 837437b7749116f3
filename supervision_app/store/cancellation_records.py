"""Recording cancelled supervision sessions and reading them back for a team (issue 21).

A manager of the worker's team records who cancelled, why, and the date the session was
rebooked for (now or later, once a date is found). Rules are in ``domain.cancellations``;
who may do what in ``domain.permissions`` (``CancellationTarget``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.cancellations import CancelledBy, Rebooking, cancellation_problem, rebooking
from ..domain.permissions import Actor, CancellationTarget, Operation, decide
from ..domain.text_rules import InvalidInput, clean_text
from .audit_log import record_event
from .models import Staff
from .pair_team import supervisee_team_now
from .practice_models import SessionCancellation
from .supervision_records import NotFound, require

KIND = "cancellation"


def cancellation_target(row) -> CancellationTarget:
    return CancellationTarget(supervisee_id=row.supervisee_id, supervisor_id=row.supervisor_id,
                              supervisee_team_id=supervisee_team_now(row))


def _check(cancelled_by: str, reason: str, planned_for: date, cancelled_on: date,
           rebooked_on: date | None) -> None:
    problem = cancellation_problem(cancelled_by, reason, planned_for, cancelled_on, rebooked_on)
    if problem:
        raise InvalidInput(problem)


def record_cancellation(session: Session, actor: Actor, supervisee_id: str, *, planned_for: date,
                        cancelled_on: date, cancelled_by: str, reason: str,
                        rebooked_on: date | None = None,
                        returned_from_leave_on: date | None = None) -> str:
    """Record that the session planned for ``planned_for`` was cancelled; returns its id.
    The person recording it is the supervisor of record (a manager of the worker's team)."""
    worker = session.get(Staff, supervisee_id)
    if worker is None or worker.tombstone:
        raise NotFound("That worker is not in the local staff directory.")
    row = SessionCancellation(
        supervisee_id=supervisee_id, supervisor_id=actor.staff_id, team_id=worker.team_id,
        planned_for=planned_for, cancelled_on=cancelled_on, cancelled_by=cancelled_by,
        reason=clean_text("Reason", reason), rebooked_on=rebooked_on,
        returned_from_leave_on=returned_from_leave_on, updated_by=actor.staff_id)
    require(decide(actor, Operation.CREATE, cancellation_target(row)))
    _check(cancelled_by, row.reason, planned_for, cancelled_on, rebooked_on)
    session.add(row)
    session.flush()
    record_event(session, actor_id=actor.staff_id, action="record_cancellation",
                 record_kind=KIND, record_id=row.id)
    return row.id


def set_rebooking(session: Session, actor: Actor, cancellation_id: str, *,
                  rebooked_on: date | None, returned_from_leave_on: date | None = None) -> None:
    """Add or correct the rebooked date (and the return from leave) of a cancellation."""
    row = session.get(SessionCancellation, cancellation_id)
    if row is None or row.tombstone:
        raise NotFound("That cancelled supervision is no longer on this computer.")
    require(decide(actor, Operation.EDIT, cancellation_target(row)))
    _check(row.cancelled_by, row.reason, row.planned_for, row.cancelled_on, rebooked_on)
    row.rebooked_on = rebooked_on
    row.returned_from_leave_on = returned_from_leave_on
    row.updated_by = actor.staff_id
    session.flush()
    record_event(session, actor_id=actor.staff_id, action="edit_cancellation",
                 record_kind=KIND, record_id=row.id)


@dataclass(frozen=True)
class CancellationRow:
    id: str
    supervisee_id: str
    supervisee_name: str
    team_id: str | None
    planned_for: date
    cancelled_on: date
    cancelled_by: CancelledBy
    reason: str
    rebooked_on: date | None
    returned_from_leave_on: date | None
    rebooking: Rebooking


def cancellations(session: Session, actor: Actor, *, today: date, team_ids: list[str] | None = None,
                  supervisee_id: str | None = None, since: date | None = None) -> list[CancellationRow]:
    """The cancellations the actor may see, newest first, each with its rebooking outcome."""
    query = (select(SessionCancellation, Staff.display_name)
             .join(Staff, Staff.id == SessionCancellation.supervisee_id)
             .where(SessionCancellation.tombstone.is_(False)))
    if team_ids is not None:
        # the supervisee's team now, as who may see them (``cancellation_target``)
        query = query.where(Staff.team_id.in_(team_ids))
    if supervisee_id is not None:
        query = query.where(SessionCancellation.supervisee_id == supervisee_id)
    if since is not None:
        query = query.where(SessionCancellation.cancelled_on >= since)
    out = []
    for row, name in session.execute(query.order_by(SessionCancellation.cancelled_on.desc(),
                                                    SessionCancellation.id)).all():
        if not decide(actor, Operation.VIEW, cancellation_target(row)):
            continue
        out.append(CancellationRow(
            id=row.id, supervisee_id=row.supervisee_id, supervisee_name=name, team_id=row.team_id,
            planned_for=row.planned_for, cancelled_on=row.cancelled_on,
            cancelled_by=CancelledBy(row.cancelled_by), reason=row.reason,
            rebooked_on=row.rebooked_on, returned_from_leave_on=row.returned_from_leave_on,
            rebooking=rebooking(row.cancelled_on, row.rebooked_on, today, row.returned_from_leave_on)))
    return out


@dataclass(frozen=True)
class CancellationCounts:
    by_supervisor: int = 0
    by_supervisee: int = 0
    by_other: int = 0
    late_rebookings: int = 0

    @property
    def total(self) -> int:
        return self.by_supervisor + self.by_supervisee + self.by_other


def count_cancellations(rows: list[CancellationRow]) -> CancellationCounts:
    by = {c: 0 for c in CancelledBy}
    for row in rows:
        by[row.cancelled_by] += 1
    return CancellationCounts(by[CancelledBy.SUPERVISOR], by[CancelledBy.SUPERVISEE],
                              by[CancelledBy.OTHER], sum(r.rebooking.outcome.is_late for r in rows))

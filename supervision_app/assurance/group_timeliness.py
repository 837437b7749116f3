"""'Signed within 5 working days of sharing' for group sessions (issue 21).

A 1:1 record's clock runs from the day it is shared with the worker to the day the worker
signs (``domain.working_days.record_deadlines``). A group session has no separate sharing
step: its shared part is released to the attendees when the supervisor signs it
(``domain.group_supervision.decide_group``), so that signature is its sharing, and each
attendee who was present has 5 working days from that day to sign their attendance. Each
present attendee is counted once for each group session held in the period, as each 1:1
record is: on time, late, or not yet decided while the deadline has not passed (not
counted). Before the supervisor signs nothing has been shared, so nothing is counted.
Apologies: nothing to sign, not counted.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any, Iterator

from sqlalchemy import func, literal_column, select

from ..domain.group_supervision import ATTENDANCE_KIND, GROUP_KIND
from ..domain.time_rules import format_date
from ..domain.working_days import SIGN_WITHIN_WORKING_DAYS, add_working_days
from ..store.group_models import GroupAttendance, GroupSession
from ..store.models import Signature
from .compliance_figures import RecordRef
from .compliance_groups import ATTENDANCE, GROUPS, PRESENT
from .compliance_refs import GROUP_SESSION, step_outcome
from .compliance_rows import london_day, raw_text

if TYPE_CHECKING:
    from .compliance_tally import Reading


@dataclass(frozen=True)
class GroupSigning:
    """One present attendee's signature on one group session against its deadline."""

    group_id: str
    held_on: date
    shared_on: date  # the supervisor signed: the shared part was released to the attendees
    sign_by: date
    signed_on: date | None  # the attendee signed their attendance
    on_time: bool | None  # None: not yet signed and the deadline has not passed


_sign_by = lru_cache(maxsize=4096)(partial(add_working_days, count=SIGN_WITHIN_WORKING_DAYS))  # shared days repeat


def group_signing(group_id: str, held_on: date, shared_on: date, signed_on: date | None,
                  today: date) -> GroupSigning:
    sign_by = _sign_by(shared_on)
    if signed_on is not None:
        on_time: bool | None = signed_on <= sign_by
    else:
        on_time = False if today > sign_by else None
    return GroupSigning(group_id, held_on, shared_on, sign_by, signed_on, on_time)


def _signed_at(record_id: Any, kind: str, signer_id: Any, name: str) -> Any:
    """When ``signer_id`` first signed ``record_id`` (as stored), correlated by SQLite on
    the signature's record index."""
    sig = Signature.__table__.alias(name).c
    return (select(func.min(raw_text(sig.signed_at)))
            .where(sig.record_id == record_id, sig.record_kind == kind, sig.signer_id == signer_id,
                   sig.tombstone.is_(False))
            .scalar_subquery())


def _present_rows() -> Any:
    """(attendee, group id, held at as stored, supervisor's first signature, attendee's)."""
    supervisor_at = _signed_at(GROUPS.id, GROUP_KIND, GROUPS.supervisor_id, "group_supervisor_signature")
    attendee_at = _signed_at(ATTENDANCE.id, ATTENDANCE_KIND, ATTENDANCE.attendee_id,
                             "group_attendee_signature")
    return (select(ATTENDANCE.attendee_id, GROUPS.id, raw_text(GROUPS.held_at), supervisor_at, attendee_at)
            .select_from(GroupAttendance.__table__)
            .join(GroupSession.__table__, GROUPS.id == ATTENDANCE.group_session_id)
            .where(ATTENDANCE.tombstone.is_(False), GROUPS.tombstone.is_(False),
                   ATTENDANCE.attendance == PRESENT))


# Built once: a statement with correlated look-ups takes longer to build than to run here.
_PRESENT_ROWS = _present_rows()


def read_group_signing(r: Reading) -> dict[str, list[GroupSigning]]:
    """For each worker in scope, their signature on each group session held in the period
    that they were present at and its supervisor has signed (the clock has started)."""
    # From the sessions held in the period to their attendance, not from each worker's five
    # years of it: the unary + keeps SQLite off the attendee index (as read_group_attendance).
    in_period = select(GROUPS.id).where(GROUPS.held_at >= r.period_from, GROUPS.tombstone.is_(False))
    rows = r.conn.execute(_PRESENT_ROWS.where(
        ATTENDANCE.group_session_id.in_(in_period),
        literal_column(f"+{GroupAttendance.__tablename__}.attendee_id").in_(r.in_scope_staff))).all()
    out: dict[str, list[GroupSigning]] = {}
    for worker_id, group_id, held_at, supervisor_signed, attendee_signed in rows:
        held_on = london_day(held_at)
        if supervisor_signed is None or held_on > r.today:
            continue
        out.setdefault(worker_id, []).append(group_signing(
            group_id, held_on, london_day(supervisor_signed), london_day(attendee_signed), r.today))
    return out


def decided(signings: list[GroupSigning]) -> tuple[int, int]:
    """(signed on time, decided): the figure's numerator and denominator."""
    counted = [s.on_time for s in signings if s.on_time is not None]
    return sum(counted), len(counted)


def group_signing_refs(w: Any, signings: list[GroupSigning]) -> Iterator[RecordRef]:
    """The list behind the figure: each decided group session, late ones counted."""
    for s in signings:
        if s.on_time is None:
            continue
        yield RecordRef(kind=GROUP_SESSION, record_id=s.group_id, when=s.held_on, staff_id=w.id,
                        staff_name=w.display_name, team_id=w.team_id, counted=s.on_time,
                        outcome=step_outcome("Signed", s.signed_on, s.sign_by, s.on_time)
                        + f" (group session; the supervisor signed {format_date(s.shared_on)})")


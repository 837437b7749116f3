"""Group supervision in the compliance figures (issue 21, ``domain.group_supervision``).

A group session has no state column: where it is follows from its signatures (the
supervisor's on the session, each attendee's on their attendance row), as
``store.group_records.state_of`` reads them. This module asks the same in SQL (correlated
look-ups on the signature's record index, never long lists of ids), for every worker in
scope at once:

- each worker's attendance at group sessions (:class:`rules.GroupAttended`): the figure
  "group sessions attended, signed", and, where the worker's team counts group sessions,
  the days added to their supervision schedule (``rules.group_days_for_schedule``);
- the open actions a worker owns from group sessions signed by the supervisor and by them;
- the children discussed in *locked* group sessions (every present attendee signed), which
  count as management oversight on the child as a case discussion in a locked 1:1 record
  does.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Sequence

from sqlalchemy import and_, func, literal_column, select

from ..domain.group_supervision import ATTENDANCE_KIND, GROUP_KIND, Attendance
from ..domain.vocabulary import ActionStatus, SessionType
from ..store.group_models import GroupAction, GroupAttendance, GroupDiscussion, GroupSession
from ..store.models import Signature
from .compliance_rows import SIGNATURES, STAFF, chunks, london_day, raw_text
from .rules import GroupAttended

if TYPE_CHECKING:
    from .compliance_tally import Reading

GROUPS = GroupSession.__table__.c
ATTENDANCE = GroupAttendance.__table__.c
GROUP_DISCUSSIONS = GroupDiscussion.__table__.c
GROUP_ACTIONS = GroupAction.__table__.c
PRESENT = Attendance.PRESENT.value


def _signed_by_supervisor() -> Any:
    """The group's supervisor has signed it (correlated with ``GROUPS``)."""
    sig = Signature.__table__.alias("supervisor_signature").c
    return select(sig.id).where(sig.record_id == GROUPS.id, sig.record_kind == GROUP_KIND,
                                sig.signer_id == GROUPS.supervisor_id, sig.tombstone.is_(False)).exists()


def _signed_by_attendee(attendance: Any) -> Any:
    """The attendee has signed their attendance row (correlated with ``attendance``)."""
    sig = Signature.__table__.alias("attendee_signature").c
    return select(sig.id).where(sig.record_id == attendance.id, sig.record_kind == ATTENDANCE_KIND,
                                sig.signer_id == attendance.attendee_id, sig.tombstone.is_(False)).exists()


def _locked() -> Any:
    """The group (``GROUPS``) is locked: its supervisor and every attendee present signed."""
    others = GroupAttendance.__table__.alias("present_attendee").c
    unsigned = select(others.id).where(others.group_session_id == GROUPS.id, others.tombstone.is_(False),
                                       others.attendance == PRESENT, ~_signed_by_attendee(others)).exists()
    return and_(_signed_by_supervisor(), ~unsigned)


def groups_counted(r: Reading) -> bool:
    """Whether the settings count group sessions at all (``counted_session_types``)."""
    counted = r.settings.counted_session_types
    return counted is None or SessionType.GROUP.value in counted


class GroupSignatures:
    """Who has signed which group sessions: the supervisor's signature on the session, each
    attendee's on their own attendance row (a signature by anyone else signs nothing)."""

    def __init__(self, conn: Any, groups: dict[str, str] | None = None,
                 attendance: dict[str, tuple[str, str]] | None = None) -> None:
        self.supervisor_signed: set[str] = set()
        self.attendee_signed: set[str] = set()  # attendance row ids
        self._conn = conn
        self.add(groups or {}, attendance or {})

    def add(self, groups: dict[str, str], attendance: dict[str, tuple[str, str]]) -> None:
        """``groups``: group id -> its supervisor; ``attendance``: attendance row id ->
        (group id, attendee)."""
        ids = sorted({*groups, *attendance})
        for chunk in chunks(ids):
            for kind, record_id, signer_id in self._conn.execute(
                    select(SIGNATURES.record_kind, SIGNATURES.record_id, SIGNATURES.signer_id)
                    .where(SIGNATURES.record_id.in_(chunk), SIGNATURES.tombstone.is_(False),
                           SIGNATURES.record_kind.in_((GROUP_KIND, ATTENDANCE_KIND)))).all():
                if kind == GROUP_KIND and groups.get(record_id) == signer_id:
                    self.supervisor_signed.add(record_id)
                elif kind == ATTENDANCE_KIND and record_id in attendance \
                        and attendance[record_id][1] == signer_id:
                    self.attendee_signed.add(record_id)


def _attendance_rows() -> Any:
    """(attendance id, attendee, attendance, group id, held at as stored, supervisor, signed
    by the supervisor and the attendee): the signatures are looked up by SQLite, row by row
    on the signature's record index, rather than as long lists of ids from Python."""
    both = and_(_signed_by_supervisor(), _signed_by_attendee(ATTENDANCE))
    return (select(ATTENDANCE.id, ATTENDANCE.attendee_id, ATTENDANCE.attendance, GROUPS.id,
                   raw_text(GROUPS.held_at), GROUPS.supervisor_id, both)
            .join(GroupSession.__table__, GROUPS.id == ATTENDANCE.group_session_id)
            .where(ATTENDANCE.tombstone.is_(False), GROUPS.tombstone.is_(False)))


# Built once: a statement with correlated look-ups takes longer to build than to run here.
ATTENDANCE_ROWS = _attendance_rows()
LOCKED_GROUP = _locked()


def read_group_attendance(r: Reading) -> None:
    """Each in-scope worker's attendance at live group sessions, into their tally's
    ``groups``; and the open actions they own from group sessions the supervisor and they
    have signed.

    As for 1:1 sessions, only what the figures can use is read: the group sessions held from
    the schedule's edge (one longest interval before the period) on and, for workers whose
    team counts group sessions, the last one before it they were present at (where the
    schedule's walk may start). Should that one not be signed by both, every earlier one of
    theirs is read instead (rare: an old session is signed or abandoned)."""
    conn, edge = r.conn, r.edge
    # From the sessions held since the edge to their attendance, not from each worker's
    # whole history: the unary + keeps SQLite off the attendee index (its usual choice),
    # so the work follows the window, not five years of attendance.
    recent = select(GROUPS.id).where(GROUPS.held_at >= edge, GROUPS.tombstone.is_(False))
    rows = conn.execute(ATTENDANCE_ROWS.where(
        ATTENDANCE.group_session_id.in_(recent),
        literal_column(f"+{GroupAttendance.__tablename__}.attendee_id").in_(r.in_scope_staff))).all()
    counting = sorted(t for t, policy in r.policies.items() if policy.group_counts_toward_frequency) \
        if groups_counted(r) else []
    before: list[Any] = []
    if counting:  # SQLite: the bare columns come from the row with the max
        before = [row[:7] for row in conn.execute(
            ATTENDANCE_ROWS.add_columns(func.max(GROUPS.held_at))
            .where(ATTENDANCE.attendee_id.in_(r.in_scope_staff.where(STAFF.team_id.in_(counting))),
                   ATTENDANCE.attendance == PRESENT, GROUPS.held_at < edge)
            .group_by(ATTENDANCE.attendee_id)).all()]
    unsigned = sorted({row[1] for row in before if not row[6]})
    if unsigned:
        before = [row for row in before if row[1] not in unsigned]
        for chunk in chunks(unsigned):
            before += conn.execute(ATTENDANCE_ROWS.where(ATTENDANCE.attendee_id.in_(chunk),
                                                            GROUPS.held_at < edge)).all()
    signed_for: dict[tuple[str, str], bool] = {}  # (group, worker) -> signed by both
    for _aid, wid, att, gid, held_at, _sup, both in (*rows, *before):
        signed_for[(gid, wid)] = bool(both)
        r.tally[wid].groups.append(GroupAttended(gid, london_day(held_at), att == PRESENT, bool(both)))
    _read_group_actions(r, signed_for)


def _read_group_actions(r: Reading, signed_for: dict[tuple[str, str], bool]) -> None:
    """Open actions agreed in a group session its owner and its supervisor have signed (or,
    owned by the supervisor, that the supervisor has signed)."""
    conn = r.conn
    actions = conn.execute(
        select(GROUP_ACTIONS.id, GROUP_ACTIONS.owner_id, GROUP_ACTIONS.group_session_id, GROUP_ACTIONS.due_on)
        .where(GROUP_ACTIONS.tombstone.is_(False), GROUP_ACTIONS.status == ActionStatus.OPEN.value,
               GROUP_ACTIONS.owner_id.in_(r.in_scope_staff))).all()
    todo = sorted({gid for _aid, owner, gid, _due in actions if (gid, owner) not in signed_for})
    for chunk in chunks(todo):  # actions from sessions before the edge, or the supervisor's own
        groups = dict(conn.execute(select(GROUPS.id, GROUPS.supervisor_id).where(
            GROUPS.id.in_(chunk), GROUPS.tombstone.is_(False))).all())
        attendance = {aid: (gid, wid) for aid, gid, wid in conn.execute(
            select(ATTENDANCE.id, ATTENDANCE.group_session_id, ATTENDANCE.attendee_id)
            .where(ATTENDANCE.group_session_id.in_(chunk), ATTENDANCE.tombstone.is_(False))).all()}
        signed = GroupSignatures(conn, groups, attendance)
        for gid, supervisor in groups.items():
            signed_for[(gid, supervisor)] = gid in signed.supervisor_signed
        for aid, (gid, wid) in attendance.items():
            signed_for[(gid, wid)] = gid in signed.supervisor_signed and aid in signed.attendee_signed
    for action_id, owner_id, gid, due_on in actions:
        if signed_for.get((gid, owner_id)):
            mine = r.tally[owner_id]
            mine.group_actions.append((action_id, due_on, gid))
            mine.overdue_actions += due_on is not None and due_on < r.today


def children_in_locked_groups_since(conn: Any, since: datetime,
                                    child_ids: Sequence[str] | None) -> set[str]:
    """Children (of ``child_ids``, or all) discussed in a locked group session held on or
    after ``since``."""
    query = (select(GROUP_DISCUSSIONS.child_id)
             .join(GroupSession.__table__, GROUPS.id == GROUP_DISCUSSIONS.group_session_id)
             .where(GROUP_DISCUSSIONS.tombstone.is_(False), GROUP_DISCUSSIONS.child_id.is_not(None),
                    GROUPS.tombstone.is_(False), GROUPS.held_at >= since, LOCKED_GROUP))
    if child_ids is None:
        return set(conn.execute(query).scalars().all())
    return {child for chunk in chunks(list(child_ids))
            for child in conn.execute(query.where(GROUP_DISCUSSIONS.child_id.in_(chunk))).scalars().all()}


def last_group_oversight(conn: Any, child_ids: Sequence[str]) -> dict[str, str]:
    """The stored UTC text of when each child was last discussed in a locked group session."""
    latest: dict[str, str] = {}
    for chunk in chunks(list(child_ids)):
        latest.update(conn.execute(
            select(GROUP_DISCUSSIONS.child_id, func.max(raw_text(GROUPS.held_at)))
            .join(GroupSession.__table__, GROUPS.id == GROUP_DISCUSSIONS.group_session_id)
            .where(GROUP_DISCUSSIONS.child_id.in_(chunk), GROUP_DISCUSSIONS.tombstone.is_(False),
                   GROUPS.tombstone.is_(False), LOCKED_GROUP)
            .group_by(GROUP_DISCUSSIONS.child_id)).all())
    return {child: at for child, at in latest.items() if at is not None}

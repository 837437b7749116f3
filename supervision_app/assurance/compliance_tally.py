"""What the compliance dashboard reads about each worker: one set-based query a section,
counted as it is read into a compact :class:`Tally` per worker (the lists behind the
figures are built from these rows later, :mod:`.compliance_refs`)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select

from ..domain.agreements import AgreementState, agreement_status
from ..domain.cancellations import Rebooking, rebooking
from ..domain.lifecycle import RecordKind
from ..domain.supervision_policy import SupervisionPolicy, WorkerSupervisionStatus, supervision_status
from ..domain.vocabulary import ActionStatus, Agreement
from ..store.models import OversightNote, Signature, SupervisionSession
from .compliance_figures import AssuranceSettings
from .compliance_groups import groups_counted
from .compliance_rows import (
    ACTIONS,
    AGREEMENTS,
    CANCELLATIONS,
    DRAFT,
    LOCKED,
    RESOLUTIONS,
    SESSIONS,
    SIGNATURES,
    STAFF,
    TEAMS,
    LondonDays,
    chunks,
    london_day,
    raw_text,
    utc_start,
)
from .rules import (
    GroupAttended,
    Occasion,
    OccasionOutcome,
    Period,
    Timeliness,
    group_days_for_schedule,
    occasions_from,
    timeliness,
)


class Tally:
    """What the dashboard read about one worker: counts, and compact rows for the lists."""

    __slots__ = ("occasions", "session_on", "sessions", "unsigned", "shared_ok", "shared_due",
                 "signed_ok", "signed_due", "disagreements", "actions", "overdue_actions",
                 "children", "lacking", "cancellations", "short", "agreement", "groups",
                 "group_actions", "group_days", "held_in")

    def __init__(self) -> None:
        self.occasions: list[Occasion] = []
        self.session_on: dict[date, str] = {}
        self.sessions: list[tuple] = []  # (id, held_on, state, shared_on, signed_on, Timeliness)
        self.unsigned = self.shared_ok = self.shared_due = self.signed_ok = self.signed_due = 0
        self.disagreements: list[tuple[str, date, str]] = []
        self.actions: list[tuple[str, date | None, str | None]] = []
        self.overdue_actions = 0
        self.children: list[tuple] = []  # compliance_children's child rows
        self.lacking = 0
        self.cancellations: list[tuple[str, date, str, Rebooking]] = []  # id, day, by, rebooking
        self.short: list[tuple[str, date, int]] = []  # session id, held on, minutes
        self.agreement: AgreementState | None = None
        self.groups: list[GroupAttended] = []  # group sessions attended or sent apologies to
        self.group_actions: list[tuple[str, date | None, str]] = []  # id, due on, group id
        self.group_days: dict[date, str] = {}  # group sessions counted toward the schedule
        # session id -> the team the worker was in on the session date, only for sessions
        # held in a team other than their current one (empty unless they have moved)
        self.held_in: dict[str, str] = {}


MonthKey = tuple[str, date]  # (team id, first of the month)


@dataclass
class MonthCounts:
    """The trend's counts by team and month."""

    within: dict[MonthKey, int] = field(default_factory=lambda: defaultdict(int))
    due: dict[MonthKey, int] = field(default_factory=lambda: defaultdict(int))
    shared: dict[MonthKey, int] = field(default_factory=lambda: defaultdict(int))
    shared_due: dict[MonthKey, int] = field(default_factory=lambda: defaultdict(int))


@dataclass
class Reading:
    """What every section reads with, and what it counts into."""

    conn: Any  # the session's Connection
    today: date
    period: Period
    settings: AssuranceSettings
    policies: dict[str, SupervisionPolicy]  # by team id
    workers: list[Any]  # staff rows: id, display_name, role, team_id, started_on, asye_start,
    # last_supervised_on
    in_scope_staff: Any  # a SELECT of the supervised staff's ids
    tally: dict[str, Tally] = field(init=False)
    team_of: dict[str, str] = field(init=False)
    months: MonthCounts = field(default_factory=MonthCounts)
    days: LondonDays = field(default_factory=LondonDays)

    def __post_init__(self) -> None:
        self.tally = {w.id: Tally() for w in self.workers}
        self.team_of = {w.id: w.team_id for w in self.workers}

    def month_of_record(self, worker_id: str, record_team_id: str | None, day: date) -> MonthKey:
        """The trend's key for a record held on ``day``: the team its row says the worker
        was in on the session date (DESIGN.md §1.1: after a move, the old team's past months
        keep the sessions its manager held and the new team's do not gain them), or the
        worker's current team where the row has none. A team outside the viewer's scope is
        never summed by the trend, so such a record is simply not counted for them."""
        return (record_team_id or self.team_of[worker_id], day.replace(day=1))

    @property
    def period_from(self) -> datetime:
        return utc_start(self.period.start)

    @property
    def horizon_days(self) -> int:
        """One longest interval (and a day) before the period: the schedule's walk starts
        from the last session held before that (``rules.occasions_from``)."""
        return max((p.standard_interval_days for p in self.policies.values()),
                   default=SupervisionPolicy().standard_interval_days) + 1

    @property
    def edge(self) -> datetime:
        return utc_start(self.period.start - timedelta(days=self.horizon_days))

    @property
    def type_filter(self) -> list[Any]:
        counted = self.settings.counted_session_types
        return [SESSIONS.session_type.in_(sorted(counted))] if counted is not None else []


_LIVE_SESSION = SESSIONS.tombstone.is_(False)


def read_held_sessions(r: Reading) -> tuple[dict[str, WorkerSupervisionStatus], list[tuple]]:
    """Supervision held within policy, overdue now and the trend's due and within counts:
    each worker's status under their team's policy, and the sessions held in the period
    (every state, for the timeliness figures).

    A worker's status counts from their last signed session or, if later (none held here
    yet), the last supervision held before go-live that IT imported (``last_supervised_on``),
    as their "My team" row does: people moved from the old system are not all "Overdue"
    counted from their start date. The occasions within policy count signed records only.

    Group sessions (issue 21) count as a session on the day held where the worker's team
    counts them (``rules.group_days_for_schedule``: present, and signed by the supervisor and
    by the worker), from the rows :func:`.compliance_groups.read_group_attendance` read."""
    conn, today, period, type_filter = r.conn, r.today, r.period, r.type_filter
    # Each worker's signed sessions from one longest interval before the period on, plus
    # their last one before that (see rules.occasions_from): a compact list of signed dates.
    horizon, edge = r.horizon_days, r.edge
    held: dict[str, list[tuple[date, str]]] = defaultdict(list)
    days = r.days
    # One read of every worker's sessions from the edge on, every state (a stretch of
    # ix_assurance_session_period per worker): the signed ones feed the walk, those held
    # in the period (to today) the timeliness figures below.
    in_period: list[tuple] = []
    for row in conn.execute(
            select(SESSIONS.id, SESSIONS.supervisee_id, raw_text(SESSIONS.held_at),
                   raw_text(SESSIONS.shared_at), SESSIONS.state, raw_text(SESSIONS.updated_at),
                   SESSIONS.team_id)
            .where(_LIVE_SESSION, SESSIONS.supervisee_id.in_(r.in_scope_staff), SESSIONS.held_at >= edge,
                   *type_filter)).all():
        day = days[row[2][:13]]
        if row[6] is not None and row[6] != r.team_of[row[1]]:
            r.tally[row[1]].held_in[row[0]] = row[6]
        if row[4] == LOCKED:
            held[row[1]].append((day, row[0]))
        if period.start <= day <= today:
            in_period.append(row)
    before_edge = (select(raw_text(SESSIONS.held_at))
                   .where(SESSIONS.supervisee_id == STAFF.id, SESSIONS.state == LOCKED, _LIVE_SESSION,
                          SESSIONS.held_at < edge, *type_filter)
                   .order_by(SESSIONS.held_at.desc()).limit(1).scalar_subquery())
    for supervisee_id, held_at in conn.execute(  # one backward seek per worker
            select(STAFF.id, before_edge).where(STAFF.id.in_(r.in_scope_staff))).all():
        if held_at is not None:
            held[supervisee_id].append((london_day(held_at), ""))

    statuses = {}
    within = OccasionOutcome.WITHIN_POLICY
    count_groups = groups_counted(r)
    for w in r.workers:
        policy = r.policies[w.team_id]
        t = r.tally[w.id]
        if count_groups and t.groups:  # read_group_attendance ran first (issue 21)
            t.group_days = group_days_for_schedule(policy, t.groups, today=today)
            held[w.id].extend((day, gid) for day, gid in t.group_days.items())
        sessions = sorted(held.get(w.id, ()))
        session_on: dict[date, str] = {}
        for day, sid in sessions:
            if not session_on.get(day):
                session_on[day] = sid
        t.session_on = session_on
        t.occasions = [o for o in occasions_from(
            policy, started_on=w.started_on, asye_start=w.asye_start, held_days=session_on,
            today=today, period_start=period.start, horizon_days=horizon) if o.due <= today]
        for occ in t.occasions:
            # An occasion met by a session counts under that session's team; one missed or
            # overdue has no record, and the laptop keeps no history of a worker's teams, so
            # it stays under the team they are in now (as do group sessions, counted here by
            # the worker's own team's policy, and the last session before the edge).
            sid = session_on.get(occ.held_on, "") if occ.held_on else ""
            month = r.month_of_record(w.id, t.held_in.get(sid), occ.due)
            r.months.due[month] += 1
            r.months.within[month] += occ.outcome is within
        last = sessions[-1][0] if sessions and sessions[-1][0] <= today else None
        last = _latest(last, w.last_supervised_on, today)
        statuses[w.id] = supervision_status(policy, today=today, last_held=last,
                                            started_on=w.started_on, asye_start=w.asye_start)
    return statuses, in_period


def _latest(held_here: date | None, before_go_live: date | None, today: date) -> date | None:
    """The later of the last session signed here and the imported last supervision; like a
    session, an imported date after ``today`` (the day the figures are for) does not count."""
    if before_go_live is None or before_go_live > today:
        return held_here
    return before_go_live if held_here is None or before_go_live > held_here else held_here


def count_timeliness(r: Reading, in_period: list[tuple], *, signatures_by_time_from: int) -> None:
    """Sessions held in the period: shared and signed on time, and not yet signed."""
    days, today = r.days, r.today
    signed_by_supervisee = supervisee_signatures(r.conn, [row[0] for row in in_period], since=r.period_from,
                                                 by_time_from=signatures_by_time_from)
    decided: dict[tuple, Timeliness] = {}  # many records share their dates
    for sid, wid, held_at, shared_at, state, updated_at, team_id in in_period:
        signed_at = signed_by_supervisee.get(sid)
        held_on = days[held_at[:13]]
        locked = state == LOCKED
        shared_on = days[shared_at[:13]] if shared_at is not None and state != DRAFT else None
        signed_at = signed_at or (updated_at if locked else None)
        signed_on = days[signed_at[:13]] if signed_at is not None else None
        key = (held_on, shared_on, signed_on)
        t = decided.get(key)
        if t is None:
            t = decided[key] = timeliness(held_on, shared_on, signed_on, today)
        mine = r.tally[wid]
        mine.sessions.append((sid, held_on, state, shared_on, signed_on, t))
        mine.unsigned += not locked
        month = r.month_of_record(wid, team_id, held_on)
        if t.shared_on_time is not None:
            mine.shared_due += 1
            mine.shared_ok += t.shared_on_time
            r.months.shared_due[month] += 1
            r.months.shared[month] += t.shared_on_time
        if t.signed_on_time is not None:
            mine.signed_due += 1
            mine.signed_ok += t.signed_on_time


def read_disagreements(r: Reading) -> None:
    """Unresolved disagreements (any age, any state past draft)."""
    for sid, wid, held_at, state in r.conn.execute(
            select(SESSIONS.id, SESSIONS.supervisee_id,
                   raw_text(SESSIONS.held_at), SESSIONS.state)
            .where(_LIVE_SESSION, SESSIONS.supervisee_id.in_(r.in_scope_staff),
                   SESSIONS.state != DRAFT,
                   SESSIONS.supervisee_agreement == Agreement.DISAGREES.value,
                   SESSIONS.disagreement_resolved.is_(False),
                   ~select(RESOLUTIONS.id).where(RESOLUTIONS.session_id == SESSIONS.id,
                                                 RESOLUTIONS.tombstone.is_(False)).exists())).all():
        r.tally[wid].disagreements.append((sid, london_day(held_at), state))


def read_cancellations_and_short_sessions(r: Reading) -> None:
    """Cancelled sessions and sessions cut short (issue 21)."""
    conn, today, period, policies = r.conn, r.today, r.period, r.policies
    for cid, wid, cancelled_on, by, rebooked_on, returned_on in conn.execute(
            select(CANCELLATIONS.id, CANCELLATIONS.supervisee_id, CANCELLATIONS.cancelled_on,
                   CANCELLATIONS.cancelled_by, CANCELLATIONS.rebooked_on, CANCELLATIONS.returned_from_leave_on)
            .where(CANCELLATIONS.tombstone.is_(False), CANCELLATIONS.supervisee_id.in_(r.in_scope_staff),
                   CANCELLATIONS.cancelled_on >= period.start, CANCELLATIONS.cancelled_on <= today)).all():
        r.tally[wid].cancellations.append(
            (cid, cancelled_on, by, rebooking(cancelled_on, rebooked_on, today, returned_on)))
    for sid, wid, held_at, minutes in conn.execute(
            select(SESSIONS.id, SESSIONS.supervisee_id, raw_text(SESSIONS.held_at), SESSIONS.duration_minutes)
            .where(_LIVE_SESSION, SESSIONS.state != DRAFT, SESSIONS.supervisee_id.in_(r.in_scope_staff),
                   SESSIONS.held_at >= r.period_from, SESSIONS.duration_minutes < max(
                       (p.standard_duration_minutes for p in policies.values()),
                       default=SupervisionPolicy().standard_duration_minutes))).all():
        if minutes < policies[r.team_of[wid]].standard_duration_minutes:
            r.tally[wid].short.append((sid, london_day(held_at), minutes))


def read_agreements(r: Reading, scope: list[str]) -> None:
    """Supervision agreements: missing, unsigned, a year old, or made with another supervisor."""
    conn = r.conn
    team_manager = dict(conn.execute(select(TEAMS.id, TEAMS.manager_id).where(TEAMS.id.in_(scope))).all())
    newest: dict[str, tuple[date, str]] = {}
    unsigned: set[str] = set()
    for wid, state, supervisor_id, signed_at in conn.execute(
            select(AGREEMENTS.supervisee_id, AGREEMENTS.state, AGREEMENTS.supervisor_id,
                   raw_text(SIGNATURES.signed_at))
            .outerjoin(Signature.__table__, and_(
                SIGNATURES.record_id == AGREEMENTS.id, SIGNATURES.record_kind == RecordKind.AGREEMENT.value,
                SIGNATURES.signer_role == "supervisee"))
            .where(AGREEMENTS.tombstone.is_(False), AGREEMENTS.supervisee_id.in_(r.in_scope_staff))).all():
        if state != LOCKED or signed_at is None:
            unsigned.add(wid)
            continue
        day = london_day(signed_at)
        if wid not in newest or day > newest[wid][0]:
            newest[wid] = (day, supervisor_id)
    for w in r.workers:
        signed = newest.get(w.id)
        r.tally[w.id].agreement = agreement_status(
            today=r.today, current_supervisor_id=team_manager.get(w.team_id),
            signed_on=signed[0] if signed else None, signed_with=signed[1] if signed else None,
            draft_in_progress=w.id in unsigned)


def read_actions(r: Reading) -> None:
    """Open and overdue actions agreed in signed records."""
    parent_session = SupervisionSession.__table__.alias("parent_session")
    parent_note = OversightNote.__table__.alias("parent_note")
    for aid, owner_id, due_on, child_id in r.conn.execute(
            select(ACTIONS.id, ACTIONS.owner_id, ACTIONS.due_on, ACTIONS.child_id)
            .outerjoin(parent_session, and_(parent_session.c.id == ACTIONS.session_id,
                                            parent_session.c.state == LOCKED))
            .outerjoin(parent_note, and_(parent_note.c.id == ACTIONS.oversight_note_id,
                                         parent_note.c.state == LOCKED))
            .where(ACTIONS.tombstone.is_(False), ACTIONS.status == ActionStatus.OPEN.value,
                   ACTIONS.owner_id.in_(r.in_scope_staff),
                   or_(parent_session.c.id.is_not(None), parent_note.c.id.is_not(None)))).all():
        mine = r.tally[owner_id]
        mine.actions.append((aid, due_on, child_id))
        mine.overdue_actions += due_on is not None and due_on < r.today


def supervisee_signatures(conn, session_ids: list[str], *, since: datetime,
                          by_time_from: int) -> dict[str, str]:
    """When the supervisee signed each of ``session_ids`` (sessions held since ``since``):
    stored UTC text by session id, for those they signed.

    Session ids are random, so looking each up touches pages all over the signature index.
    For many sessions it is cheaper to read every supervisee signature made since ``since``
    in signing order (one contiguous stretch of ix_assurance_signature_time) and then look
    up by id only the sessions not found there (not signed by the supervisee, or signed
    before they were held, which only a clock fault could do): from ``by_time_from``
    sessions on."""
    found: dict[str, str] = {}
    todo = session_ids
    kind = [SIGNATURES.record_kind == RecordKind.SUPERVISION.value, SIGNATURES.signer_role == "supervisee"]
    if len(session_ids) >= by_time_from:
        wanted = set(session_ids)
        found = {rid: at for rid, at in conn.execute(
            select(SIGNATURES.record_id, raw_text(SIGNATURES.signed_at))
            .where(*kind, SIGNATURES.signed_at >= since)).all()
            if rid in wanted}
        todo = [sid for sid in session_ids if sid not in found]
    for chunk in chunks(sorted(todo)):
        found.update(conn.execute(
            select(SIGNATURES.record_id, raw_text(SIGNATURES.signed_at))
            .where(*kind, SIGNATURES.record_id.in_(chunk))).all())
    return found

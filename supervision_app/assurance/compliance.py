"""Compliance figures for a team manager, a service manager or a head of service.

One call, :func:`compliance_dashboard`, runs about a dozen set-based queries (no per-worker
round trips; narrow columns from covering indexes, read as raw text) and hands compact rows
to the pure rules in :mod:`.rules`, counting as it goes. Every figure can list the records
behind it (``Figure.records``: :class:`RecordRef` ids, dates, names and outcomes, never
record contents), built from those rows the first time someone opens the list.

Speed (bench/bench_assurance.py, council data: 440 workers, 23,000 sessions): the head of
service's dashboard in about 120-200 ms, a team's in about 15-20 ms.

What counts (DESIGN.md §3 and issue 7):

- supervision held within policy counts **signed (locked)** sessions only; drafts, shared
  records and records signed by the supervisor alone are shown apart as "not yet signed";
- record timeliness: shared within 5 working days of the session, signed by the supervisee
  within 5 working days of sharing;
- open and overdue actions count actions agreed in signed records;
- unresolved disagreements count every record in which the supervisee disagreed and no
  manager has recorded a resolution (``disagreement_resolution``), whatever its age;
- management oversight: a signed oversight note, or a case discussion in a signed
  supervision record, within the configured interval.

Who sees what: the teams ``decide(actor, VIEW, TeamTarget)`` allows (a head of service sees
every team, and children allocated to nobody).
"""
from __future__ import annotations

import gc
import json
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from functools import cached_property, lru_cache, partial
from typing import Callable, Iterable, Iterator, Sequence

from sqlalchemy import String, and_, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from ..domain.agreements import AgreementState, agreement_status
from ..domain.cancellations import CancelledBy, Rebooking, rebooking
from ..domain.lifecycle import RecordKind
from ..domain.permissions import Actor, Operation, TeamTarget, decide
from ..domain.supervision_policy import SupervisionPolicy, supervision_status
from ..domain.time_rules import LONDON, format_date as _fmt, london_date
from ..domain.vocabulary import (
    ActionStatus,
    Agreement,
    LegalStatus,
    RecordState,
    Role,
    SupervisionStatus,
)
from ..store.models import (
    ActionItem,
    CaseDiscussion,
    Child,
    DisagreementResolution,
    OversightNote,
    Signature,
    Staff,
    SupervisionSession,
    Team,
)
from ..store.practice_models import SessionCancellation, SupervisionAgreement
from .rules import (
    Occasion,
    OccasionOutcome,
    Period,
    Timeliness,
    occasions_from,
    percent,
    period_months,
    timeliness,
)

__all__ = [
    "AssuranceSettings", "RecordRef", "Figure", "MonthPoint", "WorkerCompliance",
    "TeamCompliance", "LegalStatusOversight", "ComplianceDashboard", "FIGURES",
    "compliance_dashboard", "scope_team_ids", "fill_last_oversight", "SUPERVISED_ROLES", "UNALLOCATED",
]

SUPERVISED_ROLES = (Role.SOCIAL_WORKER.value, Role.TEAM_MANAGER.value)
UNALLOCATED = ""  # the team key of children allocated to nobody in a team
_LOCKED = RecordState.LOCKED.value
# Core columns: the figures read plain rows, never through the ORM's loading machinery.
_S = SupervisionSession.__table__.c
_RESOLUTION = DisagreementResolution.__table__.c  # a disagreement's recorded resolution
_N = OversightNote.__table__.c
_D = CaseDiscussion.__table__.c
_A = ActionItem.__table__.c
_C = Child.__table__.c
_ST = Staff.__table__.c
_SIG = Signature.__table__.c
_T = Team.__table__.c
_CX = SessionCancellation.__table__.c
_AG = SupervisionAgreement.__table__.c
_DRAFT = RecordState.DRAFT.value


@dataclass(frozen=True)
class AssuranceSettings:
    """What the figures measure against. ``counted_session_types`` None counts every type."""

    oversight_interval_days: int = 90
    counted_session_types: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.oversight_interval_days <= 730:
            raise ValueError("The oversight interval must be between 1 and 730 days.")


@dataclass(frozen=True)
class RecordRef:
    """One record behind a figure: ids and facts about it, never its contents."""

    kind: str  # supervision | occasion | action | child | staff
    record_id: str  # the record's id ('' for a missed supervision, which has no record)
    when: date | None
    staff_id: str = ""
    staff_name: str = ""
    child_id: str = ""
    case_id: str = ""
    team_id: str = ""
    outcome: str = ""  # what the figure says about it, e.g. "Held late"
    counted: bool = True  # False when the record is in the denominator but not the numerator


@dataclass(frozen=True)
class Figure:
    """A figure and, built when first asked for, the records behind it.

    A dashboard holds thousands of figures (every worker, team and total) and people open
    a handful, so each figure keeps a ``source`` that lists its records from what the
    dashboard already read (no database access) and :attr:`records` builds, sorts and
    keeps them on first use."""

    key: str
    numerator: int
    denominator: int | None = None  # None: a plain count
    source: Callable[[], Iterable[RecordRef]] | None = field(default=None, repr=False, compare=False)

    @cached_property
    def records(self) -> tuple[RecordRef, ...]:
        """Problems first (what someone would want to open), then by date."""
        refs = list(self.source()) if self.source is not None else []
        flip = self.denominator is not None and FIGURES[self.key][1]

        def order(ref: RecordRef):
            problem = (not ref.counted) if flip else ref.counted
            return (not problem, ref.when or date.min, ref.record_id)

        refs.sort(key=order)
        return tuple(refs)

    @property
    def size(self) -> int:
        """How many records are behind the figure."""
        return self.numerator if self.denominator is None else self.denominator

    @property
    def label(self) -> str:
        return FIGURES[self.key][0]

    @property
    def percent(self) -> float | None:
        return None if self.denominator is None else percent(self.numerator, self.denominator)

    @property
    def display(self) -> str:
        if self.denominator is None:
            return str(self.numerator)
        if self.denominator == 0:
            return "n/a"
        return f"{self.percent:.0f}% ({self.numerator}/{self.denominator})"

    @property
    def sort_value(self) -> float:
        if self.denominator is None:
            return float(self.numerator)
        return -1.0 if self.denominator == 0 else float(self.percent)


# key -> (label, higher is better)
FIGURES: dict[str, tuple[str, bool]] = {
    "within_policy": ("Supervision held within policy (signed)", True),
    "overdue_now": ("Supervision overdue now", False),
    "not_yet_signed": ("Sessions held, not yet signed (not counted)", False),
    "shared_on_time": ("Shared within 5 working days", True),
    "signed_on_time": ("Signed within 5 working days of sharing", True),
    "open_actions": ("Open actions", False),
    "overdue_actions": ("Overdue actions", False),
    "unresolved_disagreements": ("Unresolved disagreements", False),
    "children_without_oversight": ("Children without management oversight", False),
    # issue 21: cancelled sessions by who cancelled, rebooking, sessions cut short
    "cancelled_by_supervisor": ("Sessions cancelled by the supervisor", False),
    "cancelled_by_supervisee": ("Sessions cancelled by the supervisee", False),
    "cancelled_by_other": ("Sessions cancelled for other reasons", False),
    "late_rebookings": ("Cancellations not rebooked within 5 working days", False),
    "short_sessions": ("Sessions shorter than the team's standard length", False),
    "agreement_not_in_place": ("Supervision agreement missing or due for review", False),
}
WORKER_FIGURES = tuple(FIGURES)


@dataclass(frozen=True)
class MonthPoint:
    month: date
    within_policy: int
    due: int
    shared_on_time: int
    shared_due: int

    @property
    def within_percent(self) -> float | None:
        return percent(self.within_policy, self.due)

    @property
    def shared_percent(self) -> float | None:
        return percent(self.shared_on_time, self.shared_due)


@dataclass(frozen=True)
class WorkerCompliance:
    worker_id: str
    name: str
    role: Role
    team_id: str
    team_name: str
    is_asye: bool
    status: SupervisionStatus
    next_due: date
    last_signed: date | None
    figures: dict[str, Figure]
    status_label: str = ""  # the status in words under the team's policy ("Due within 14 days")


@dataclass(frozen=True)
class TeamCompliance:
    team_id: str
    name: str
    workers: int
    figures: dict[str, Figure]
    trend: tuple[MonthPoint, ...]


@dataclass(frozen=True)
class LegalStatusOversight:
    legal_status: LegalStatus
    children: int
    without_oversight: Figure


@dataclass(frozen=True)
class ComplianceDashboard:
    today: date
    period: Period
    settings: AssuranceSettings
    scope_label: str
    workers: tuple[WorkerCompliance, ...]
    teams: tuple[TeamCompliance, ...]
    total: dict[str, Figure]
    trend: tuple[MonthPoint, ...]
    oversight_by_status: tuple[LegalStatusOversight, ...]
    care_leavers_pathway: Figure  # care leavers with a pathway plan and no oversight

    def figure(self, key: str, *, team_id: str | None = None, worker_id: str | None = None) -> Figure:
        if worker_id is not None:
            return next(w for w in self.workers if w.worker_id == worker_id).figures[key]
        if team_id is not None:
            return next(t for t in self.teams if t.team_id == team_id).figures[key]
        return self.total[key]


# --------------------------------------------------------------------------- helpers

def scope_team_ids(session: Session, actor: Actor) -> list[str]:
    """The teams whose compliance the actor may see."""
    live = list(session.connection().execute(
        select(_T.id).where(_T.tombstone.is_(False)).order_by(_T.id)).scalars())
    return [t for t in live if decide(actor, Operation.VIEW, TeamTarget(t))]


def _utc_start(day: date) -> datetime:
    """The UTC instant at which ``day`` starts in London."""
    return datetime.combine(day, time(0), LONDON).astimezone(timezone.utc)


def _raw(column):
    """The stored text of a UTC datetime column, skipping SQLAlchemy's slow parsing."""
    return type_coerce(column, String())


@lru_cache(maxsize=20000)
def _day_of_hour(prefix: str) -> date:
    return london_date(datetime.fromisoformat(prefix + ":00").replace(tzinfo=timezone.utc))


def _london_day(raw: str | None) -> date | None:
    """The London date of a stored UTC datetime ('YYYY-MM-DD HH:MM:SS...'): London's offset
    is a whole number of hours, so the date and hour decide it."""
    return None if raw is None else _day_of_hour(raw[:13])


class _Days(dict):
    """UTC date-and-hour ('YYYY-MM-DDTHH' as stored, 13 characters) -> London date: a
    plain dict look-up per row in the loops over thousands of rows."""

    def __missing__(self, prefix: str) -> date:
        day = self[prefix] = _day_of_hour(prefix)
        return day


def _policy(raw: str | None) -> SupervisionPolicy:
    return SupervisionPolicy.from_json(json.loads(raw)) if raw else SupervisionPolicy()


_RATIO = {"within_policy", "shared_on_time", "signed_on_time", "overdue_now",
          "children_without_oversight"}


def _chain(sources: tuple[Callable[[], Iterable[RecordRef]], ...]) -> Iterator[RecordRef]:
    for source in sources:
        yield from source()


def _combined(key: str, parts: Sequence[Figure], extra: Sequence[Figure] = ()) -> Figure:
    """A team's or the whole scope's figure: the sum of its parts, listing their records."""
    every = (*parts, *extra)
    return Figure(key, sum(f.numerator for f in every),
                  sum(f.denominator for f in every) if key in _RATIO else None,
                  partial(_chain, tuple(f.source for f in every if f.source is not None)))


class _Tally:
    """What the dashboard read about one worker: counts, and compact rows for the lists."""

    __slots__ = ("occasions", "session_on", "sessions", "unsigned", "shared_ok", "shared_due",
                 "signed_ok", "signed_due", "disagreements", "actions", "overdue_actions",
                 "children", "lacking", "cancellations", "short", "agreement")

    def __init__(self) -> None:
        self.occasions: list[Occasion] = []
        self.session_on: dict[date, str] = {}
        self.sessions: list[tuple] = []  # (id, held_on, state, shared_on, signed_on, Timeliness)
        self.unsigned = self.shared_ok = self.shared_due = self.signed_ok = self.signed_due = 0
        self.disagreements: list[tuple[str, date, str]] = []
        self.actions: list[tuple[str, date | None, str | None]] = []
        self.overdue_actions = 0
        self.children: list[tuple] = []  # _ChildRow
        self.lacking = 0
        self.cancellations: list[tuple[str, date, str, Rebooking]] = []  # id, day, by, rebooking
        self.short: list[tuple[str, date, int]] = []  # session id, held on, minutes
        self.agreement: AgreementState | None = None


# --------------------------------------------------------------------------- the dashboard

def compliance_dashboard(
    session: Session,
    actor: Actor,
    *,
    today: date,
    months: int = 6,
    settings: AssuranceSettings | None = None,
    team_ids: list[str] | None = None,
    timings: dict[str, float] | None = None,
) -> ComplianceDashboard:
    """Every compliance figure for the teams the actor may see (optionally narrowed to
    ``team_ids``), over the ``months`` calendar months ending with today's.

    Reads narrow columns through the covering indexes of migrations 0004 and 0007 as raw
    text (no per-row datetime parsing), counts as it reads, and leaves the list behind each
    figure to be built from the compact rows when someone opens it (``Figure.records``).
    The collector is paused meanwhile: the tens of thousands of short-lived rows and
    dates would otherwise set off full collections over every object the app holds, for
    nothing (none of them is in a reference cycle)."""
    _page_cache(session)
    with _collector_paused():
        return _dashboard(session, actor, today=today, months=months, settings=settings,
                          team_ids=team_ids, timings=timings)


DASHBOARD_PAGE_CACHE_KIB = 32 * 1024


def _page_cache(session: Session) -> None:
    """Let this connection keep up to 32 MiB of decrypted pages (SQLite's default is 2 MiB
    or so): a council-wide dashboard reads about 20 MiB of index pages, and with a smaller
    cache every run decrypts most of them again. Memory is taken only as pages are read."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return
    size = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    wanted = -DASHBOARD_PAGE_CACHE_KIB
    if size is not None and ((size < 0 and size > wanted) or (0 <= size < DASHBOARD_PAGE_CACHE_KIB // 4)):
        conn.exec_driver_sql(f"PRAGMA cache_size = {wanted}")


@contextmanager
def _collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _dashboard(
    session: Session,
    actor: Actor,
    *,
    today: date,
    months: int = 6,
    settings: AssuranceSettings | None = None,
    team_ids: list[str] | None = None,
    timings: dict[str, float] | None = None,
) -> ComplianceDashboard:
    settings = settings or AssuranceSettings()
    period = period_months(today, months)
    conn = session.connection()
    clock = _Clock(timings)
    allowed = scope_team_ids(session, actor)
    if team_ids is not None:
        wanted = set(team_ids)
        allowed = [t for t in allowed if t in wanted]
    teams = {r.id: r for r in conn.execute(
        select(_T.id, _T.name, _T.supervision_policy).where(_T.id.in_(allowed)))}
    policies = {tid: _policy(r.supervision_policy) for tid, r in teams.items()}
    include_unallocated = actor.sees_all_teams and team_ids is None
    scope = sorted(teams)

    workers = list(conn.execute(
        select(_ST.id, _ST.display_name, _ST.role, _ST.team_id, _ST.started_on,
               _ST.asye_start)
        .where(_ST.team_id.in_(scope), _ST.id != actor.staff_id, _ST.tombstone.is_(False),
               _ST.active.is_(True), _ST.role.in_(SUPERVISED_ROLES))
        .order_by(_ST.display_name, _ST.id)))
    names = {w.id: w.display_name for w in workers}
    team_of = {w.id: w.team_id for w in workers}
    tally = {w.id: _Tally() for w in workers}
    # the people the viewer supervises, as their "My team" page lists them: a team
    # manager is in their own team but is supervised by their own manager, not themselves
    in_scope_staff = select(_ST.id).where(
        _ST.team_id.in_(scope), _ST.id != actor.staff_id, _ST.tombstone.is_(False), _ST.active.is_(True),
        _ST.role.in_(SUPERVISED_ROLES))
    month_within: dict[tuple[str, date], int] = defaultdict(int)
    month_due: dict[tuple[str, date], int] = defaultdict(int)
    month_shared: dict[tuple[str, date], int] = defaultdict(int)
    month_shared_due: dict[tuple[str, date], int] = defaultdict(int)

    # ---- supervision held within policy, overdue now, trend
    clock.lap("supervision held within policy, overdue now, trend")
    live_session = _S.tombstone.is_(False)
    type_filter = ([_S.session_type.in_(sorted(settings.counted_session_types))]
                   if settings.counted_session_types is not None else [])
    # Each worker's signed sessions from one longest interval before the period on, plus
    # their last one before that (see rules.occasions_from): a compact list of signed dates.
    horizon = max((p.standard_interval_days for p in policies.values()),
                  default=SupervisionPolicy().standard_interval_days) + 1
    edge = _utc_start(period.start - timedelta(days=horizon))
    held: dict[str, list[tuple[date, str]]] = defaultdict(list)
    days = _Days()
    period_from = _utc_start(period.start)
    # One read of every worker's sessions from the edge on, every state (a stretch of
    # ix_assurance_session_period per worker): the signed ones feed the walk, those held
    # in the period (to today) the timeliness figures below.
    in_period: list[tuple] = []
    for row in conn.execute(
            select(_S.id, _S.supervisee_id, _raw(_S.held_at), _raw(_S.shared_at), _S.state,
                   _raw(_S.updated_at))
            .where(live_session, _S.supervisee_id.in_(in_scope_staff), _S.held_at >= edge,
                   *type_filter)).all():
        day = days[row[2][:13]]
        if row[4] == _LOCKED:
            held[row[1]].append((day, row[0]))
        if period.start <= day <= today:
            in_period.append(row)
    before_edge = (select(_raw(_S.held_at))
                   .where(_S.supervisee_id == _ST.id, _S.state == _LOCKED, live_session,
                          _S.held_at < edge, *type_filter)
                   .order_by(_S.held_at.desc()).limit(1).scalar_subquery())
    for supervisee_id, held_at in conn.execute(  # one backward seek per worker
            select(_ST.id, before_edge).where(_ST.id.in_(in_scope_staff))).all():
        if held_at is not None:
            held[supervisee_id].append((_london_day(held_at), ""))

    statuses = {}
    within = OccasionOutcome.WITHIN_POLICY
    for w in workers:
        policy = policies[w.team_id]
        sessions = sorted(held.get(w.id, ()))
        session_on: dict[date, str] = {}
        for day, sid in sessions:
            if not session_on.get(day):
                session_on[day] = sid
        t = tally[w.id]
        t.session_on = session_on
        t.occasions = [o for o in occasions_from(
            policy, started_on=w.started_on, asye_start=w.asye_start, held_days=session_on,
            today=today, period_start=period.start, horizon_days=horizon) if o.due <= today]
        for occ in t.occasions:
            month = (w.team_id, occ.due.replace(day=1))
            month_due[month] += 1
            month_within[month] += occ.outcome is within
        last = sessions[-1][0] if sessions and sessions[-1][0] <= today else None
        statuses[w.id] = supervision_status(policy, today=today, last_held=last,
                                            started_on=w.started_on, asye_start=w.asye_start)

    # ---- sessions held in the period: timeliness and not-yet-signed
    clock.lap("sessions held in the period")
    signed_by_supervisee = _supervisee_signatures(conn, [r[0] for r in in_period], since=period_from)
    decided: dict[tuple, Timeliness] = {}  # many records share their dates
    for sid, wid, held_at, shared_at, state, updated_at in in_period:
        signed_at = signed_by_supervisee.get(sid)
        held_on = days[held_at[:13]]
        locked = state == _LOCKED
        shared_on = days[shared_at[:13]] if shared_at is not None and state != _DRAFT else None
        signed_at = signed_at or (updated_at if locked else None)
        signed_on = days[signed_at[:13]] if signed_at is not None else None
        key = (held_on, shared_on, signed_on)
        t = decided.get(key)
        if t is None:
            t = decided[key] = timeliness(held_on, shared_on, signed_on, today)
        mine = tally[wid]
        mine.sessions.append((sid, held_on, state, shared_on, signed_on, t))
        mine.unsigned += not locked
        month = (team_of[wid], held_on.replace(day=1))
        if t.shared_on_time is not None:
            mine.shared_due += 1
            mine.shared_ok += t.shared_on_time
            month_shared_due[month] += 1
            month_shared[month] += t.shared_on_time
        if t.signed_on_time is not None:
            mine.signed_due += 1
            mine.signed_ok += t.signed_on_time

    # ---- unresolved disagreements (any age, any state past draft)
    clock.lap("unresolved disagreements")
    for sid, wid, held_at, state in conn.execute(
            select(_S.id, _S.supervisee_id,
                   _raw(_S.held_at), _S.state)
            .where(live_session, _S.supervisee_id.in_(in_scope_staff),
                   _S.state != _DRAFT,
                   _S.supervisee_agreement == Agreement.DISAGREES.value,
                   _S.disagreement_resolved.is_(False),
                   ~select(_RESOLUTION.id).where(_RESOLUTION.session_id == _S.id,
                                                 _RESOLUTION.tombstone.is_(False)).exists())).all():
        tally[wid].disagreements.append((sid, _london_day(held_at), state))

    # ---- cancelled sessions and sessions cut short (issue 21)
    clock.lap("cancellations and short sessions")
    for cid, wid, cancelled_on, by, rebooked_on, returned_on in conn.execute(
            select(_CX.id, _CX.supervisee_id, _CX.cancelled_on, _CX.cancelled_by, _CX.rebooked_on,
                   _CX.returned_from_leave_on)
            .where(_CX.tombstone.is_(False), _CX.supervisee_id.in_(in_scope_staff),
                   _CX.cancelled_on >= period.start, _CX.cancelled_on <= today)).all():
        tally[wid].cancellations.append(
            (cid, cancelled_on, by, rebooking(cancelled_on, rebooked_on, today, returned_on)))
    for sid, wid, held_at, minutes in conn.execute(
            select(_S.id, _S.supervisee_id, _raw(_S.held_at), _S.duration_minutes)
            .where(live_session, _S.state != _DRAFT, _S.supervisee_id.in_(in_scope_staff),
                   _S.held_at >= period_from, _S.duration_minutes < max(
                       (p.standard_duration_minutes for p in policies.values()),
                       default=SupervisionPolicy().standard_duration_minutes))).all():
        if minutes < policies[team_of[wid]].standard_duration_minutes:
            tally[wid].short.append((sid, _london_day(held_at), minutes))

    # ---- supervision agreements: missing, unsigned, a year old, or made with another supervisor
    clock.lap("supervision agreements")
    team_manager = dict(conn.execute(select(_T.id, _T.manager_id).where(_T.id.in_(scope))).all())
    newest: dict[str, tuple[date, str]] = {}
    unsigned: set[str] = set()
    for wid, state, supervisor_id, signed_at in conn.execute(
            select(_AG.supervisee_id, _AG.state, _AG.supervisor_id, _raw(_SIG.signed_at))
            .outerjoin(Signature.__table__, and_(
                _SIG.record_id == _AG.id, _SIG.record_kind == RecordKind.AGREEMENT.value,
                _SIG.signer_role == "supervisee"))
            .where(_AG.tombstone.is_(False), _AG.supervisee_id.in_(in_scope_staff))).all():
        if state != _LOCKED or signed_at is None:
            unsigned.add(wid)
            continue
        day = _london_day(signed_at)
        if wid not in newest or day > newest[wid][0]:
            newest[wid] = (day, supervisor_id)
    for w in workers:
        signed = newest.get(w.id)
        tally[w.id].agreement = agreement_status(
            today=today, current_supervisor_id=team_manager.get(w.team_id),
            signed_on=signed[0] if signed else None, signed_with=signed[1] if signed else None,
            draft_in_progress=w.id in unsigned)

    # ---- open and overdue actions agreed in signed records
    clock.lap("open and overdue actions agreed in signed records")
    parent_session = SupervisionSession.__table__.alias("parent_session")
    parent_note = OversightNote.__table__.alias("parent_note")
    for aid, owner_id, due_on, child_id in conn.execute(
            select(_A.id, _A.owner_id, _A.due_on, _A.child_id)
            .outerjoin(parent_session, and_(parent_session.c.id == _A.session_id,
                                            parent_session.c.state == _LOCKED))
            .outerjoin(parent_note, and_(parent_note.c.id == _A.oversight_note_id,
                                         parent_note.c.state == _LOCKED))
            .where(_A.tombstone.is_(False), _A.status == ActionStatus.OPEN.value,
                   _A.owner_id.in_(in_scope_staff),
                   or_(parent_session.c.id.is_not(None), parent_note.c.id.is_not(None)))).all():
        mine = tally[owner_id]
        mine.actions.append((aid, due_on, child_id))
        mine.overdue_actions += due_on is not None and due_on < today

    # ---- children without management oversight
    clock.lap("children without management oversight")
    cutoff = today - timedelta(days=settings.oversight_interval_days)
    worker_team = dict(conn.execute(select(_ST.id, _ST.team_id)).all())
    child_scope = [_C.tombstone.is_(False)]
    if not include_unallocated:
        child_scope.append(_C.allocated_worker_id.in_(select(_ST.id).where(
            _ST.team_id.in_(scope))))
    children = conn.execute(
        select(_C.id, _C.case_id, _C.legal_status, _C.allocated_worker_id,
               _C.has_pathway_plan).where(*child_scope)).all()
    recent = _children_with_oversight_since(
        session, cutoff, None if include_unallocated else [c[0] for c in children])
    by_status: dict[str, list[tuple]] = defaultdict(list)
    pathway: list[tuple] = []
    unallocated: list[tuple] = []
    team_children: dict[str, list[tuple]] = defaultdict(list)  # allocated to unsupervised staff
    lacking: list[str] = []
    for child_id, case_id, legal_status, worker_id, has_pathway_plan in children:
        team_id = worker_team.get(worker_id) if worker_id else None
        if team_id not in teams:
            team_id = None
            if not include_unallocated:
                continue
        has = child_id in recent
        row = (child_id, case_id, worker_id or "", team_id or UNALLOCATED, has)
        if not has:
            lacking.append(child_id)
        by_status[legal_status].append(row)
        if has_pathway_plan and legal_status == _CARE_LEAVER:
            pathway.append(row)
        if team_id is None:
            unallocated.append(row)
        elif worker_id in tally:
            mine = tally[worker_id]
            mine.children.append(row)
            mine.lacking += not has
        else:
            team_children[team_id].append(row)
    # The date of each child's last oversight is for the list behind the figure; across a
    # whole council it costs more than every figure together, so there it is filled in when
    # the list is opened (fill_last_oversight).
    eager = len(lacking) <= EAGER_LAST_OVERSIGHT
    children_list = partial(_child_refs, names=names, settings=settings, eager=eager,
                            last_seen=_last_oversight(session, lacking) if eager else {})

    # ---- assemble
    clock.lap("assemble")
    worker_rows = []
    by_team: dict[str, list[WorkerCompliance]] = defaultdict(list)
    for w in workers:
        t = tally[w.id]
        status = statuses[w.id]
        figures = {
            "within_policy": Figure(
                "within_policy", sum(o.outcome is within for o in t.occasions), len(t.occasions),
                partial(_occasion_refs, w, t.occasions, t.session_on)),
            "overdue_now": Figure(
                "overdue_now", int(status.status == SupervisionStatus.OVERDUE), 1,
                partial(_status_refs, w, status)),
            "not_yet_signed": Figure("not_yet_signed", t.unsigned, None,
                                     partial(_unsigned_refs, w, t.sessions)),
            "shared_on_time": Figure("shared_on_time", t.shared_ok, t.shared_due,
                                     partial(_timeliness_refs, w, t.sessions, True)),
            "signed_on_time": Figure("signed_on_time", t.signed_ok, t.signed_due,
                                     partial(_timeliness_refs, w, t.sessions, False)),
            "open_actions": Figure("open_actions", len(t.actions), None,
                                   partial(_action_refs, w, t.actions, today, False)),
            "overdue_actions": Figure("overdue_actions", t.overdue_actions, None,
                                      partial(_action_refs, w, t.actions, today, True)),
            "unresolved_disagreements": Figure("unresolved_disagreements", len(t.disagreements), None,
                                               partial(_disagreement_refs, w, t.disagreements)),
            "children_without_oversight": Figure(
                "children_without_oversight", t.lacking, len(t.children),
                partial(children_list, t.children)),
            **{f"cancelled_by_{by.value}": Figure(
                f"cancelled_by_{by.value}", sum(c[2] == by.value for c in t.cancellations), None,
                partial(_cancellation_refs, w, t.cancellations, by.value)) for by in CancelledBy},
            "late_rebookings": Figure(
                "late_rebookings", sum(c[3].outcome.is_late for c in t.cancellations), None,
                partial(_cancellation_refs, w, t.cancellations, None)),
            "short_sessions": Figure("short_sessions", len(t.short), None,
                                     partial(_short_refs, w, t.short, policies[w.team_id])),
            "agreement_not_in_place": Figure(
                "agreement_not_in_place", int(t.agreement.status.needs_action), None,
                partial(_agreement_refs, w, t.agreement)),
        }
        row = WorkerCompliance(
            worker_id=w.id, name=w.display_name, role=Role(w.role), team_id=w.team_id,
            team_name=teams[w.team_id].name,
            is_asye=w.asye_start is not None and 0 <= (today - w.asye_start).days < 366,
            status=status.status, next_due=status.next_due, last_signed=status.last_held,
            figures=figures, status_label=status.label)
        worker_rows.append(row)
        by_team[w.team_id].append(row)
    team_rows = []
    for tid in sorted(teams, key=lambda t: (teams[t].name, t)):
        members = by_team[tid]
        extra = {"children_without_oversight": [_children_figure(team_children[tid], children_list)]}
        team_rows.append(TeamCompliance(
            team_id=tid, name=teams[tid].name, workers=len(members),
            figures={key: _combined(key, [m.figures[key] for m in members], extra.get(key, ()))
                     for key in FIGURES},
            trend=_trend(period, {tid}, month_within, month_due, month_shared, month_shared_due)))
    extra = {"children_without_oversight": [_children_figure(unallocated, children_list)]}
    total = {key: _combined(key, [t.figures[key] for t in team_rows], extra.get(key, ()))
             for key in FIGURES}
    oversight_rows = tuple(
        LegalStatusOversight(status, len(by_status[status.value]),
                             _children_figure(by_status[status.value], children_list))
        for status in LegalStatus)
    clock.lap("end")
    if actor.sees_all_teams and team_ids is None:
        scope_label = "All teams"
    elif len(teams) == 1:
        scope_label = next(iter(teams.values())).name
    else:
        scope_label = f"{len(teams)} teams"
    return ComplianceDashboard(
        today=today, period=period, settings=settings, scope_label=scope_label,
        workers=tuple(worker_rows), teams=tuple(team_rows), total=total,
        trend=_trend(period, set(teams), month_within, month_due, month_shared, month_shared_due),
        oversight_by_status=oversight_rows,
        care_leavers_pathway=_children_figure(pathway, children_list))


_CARE_LEAVER = LegalStatus.CARE_LEAVER.value


# -- the records behind each figure, built from the compact rows when a list is opened

def _occasion_refs(w, occasions: list[Occasion], session_on: dict[date, str]) -> Iterator[RecordRef]:
    within = OccasionOutcome.WITHIN_POLICY
    for occ in occasions:
        yield RecordRef(
            kind="supervision" if occ.held_on else "occasion",
            record_id=session_on.get(occ.held_on, "") if occ.held_on else "",
            when=occ.due, staff_id=w.id, staff_name=w.display_name, team_id=w.team_id,
            outcome=_occasion_outcome(occ), counted=occ.outcome is within)


def _status_refs(w, status) -> Iterator[RecordRef]:
    yield RecordRef(
        kind="staff", record_id=w.id, when=status.next_due, staff_id=w.id,
        staff_name=w.display_name, team_id=w.team_id,
        outcome=f"{status.label}: due {_fmt(status.next_due)}",
        counted=status.status == SupervisionStatus.OVERDUE)


def _session_ref(w, sid: str, held_on: date, **kw) -> RecordRef:
    return RecordRef(kind="supervision", record_id=sid, when=held_on, staff_id=w.id,
                     staff_name=w.display_name, team_id=w.team_id, **kw)


def _unsigned_refs(w, sessions: list[tuple]) -> Iterator[RecordRef]:
    for sid, held_on, state, _shared_on, _signed_on, _t in sessions:
        if state != _LOCKED:
            yield _session_ref(w, sid, held_on, outcome=RecordState(state).label)


def _timeliness_refs(w, sessions: list[tuple], sharing: bool) -> Iterator[RecordRef]:
    for sid, held_on, _state, shared_on, signed_on, t in sessions:
        if sharing and t.shared_on_time is not None:
            yield _session_ref(w, sid, held_on, counted=t.shared_on_time,
                               outcome=_step_outcome("Shared", shared_on, t.share_by, t.shared_on_time))
        elif not sharing and t.signed_on_time is not None:
            yield _session_ref(w, sid, held_on, counted=t.signed_on_time,
                               outcome=_step_outcome("Signed", signed_on, t.sign_by, t.signed_on_time))


def _disagreement_refs(w, rows: list[tuple[str, date, str]]) -> Iterator[RecordRef]:
    for sid, held_on, state in rows:
        yield _session_ref(w, sid, held_on,
                           outcome=f"Disagreement unresolved ({RecordState(state).label.lower()})")


def _action_refs(w, actions: list[tuple], today: date, overdue_only: bool) -> Iterator[RecordRef]:
    for aid, due_on, child_id in actions:
        overdue = due_on is not None and due_on < today
        if overdue_only and not overdue:
            continue
        yield RecordRef(kind="action", record_id=aid, when=due_on, staff_id=w.id,
                        staff_name=w.display_name, child_id=child_id or "", team_id=w.team_id,
                        outcome=("Overdue: due " if overdue else "Open: due ") + (_fmt(due_on) or "not set"))


def _cancellation_refs(w, rows: list[tuple], by: str | None) -> Iterator[RecordRef]:
    """``by`` None: the late rebookings."""
    for _cid, cancelled_on, who, booked in rows:
        if (by is None and not booked.outcome.is_late) or (by is not None and who != by):
            continue
        # a cancellation is opened as the worker's page, where it is listed
        yield RecordRef(kind="staff", record_id=w.id, when=cancelled_on, staff_id=w.id,
                        staff_name=w.display_name, team_id=w.team_id,
                        outcome=f"Cancelled by {CancelledBy(who).label.lower()}; "
                                f"{booked.outcome.label.lower()} (by {_fmt(booked.deadline)})")


def _agreement_refs(w, state: AgreementState) -> Iterator[RecordRef]:
    due = f"; review by {_fmt(state.review_by)}" if state.review_by else ""
    yield RecordRef(kind="staff", record_id=w.id, when=state.review_by, staff_id=w.id,
                    staff_name=w.display_name, team_id=w.team_id,
                    outcome=f"Agreement: {state.status.label.lower()}{due}",
                    counted=state.status.needs_action)


def _short_refs(w, rows: list[tuple], policy: SupervisionPolicy) -> Iterator[RecordRef]:
    for sid, held_on, minutes in rows:
        yield _session_ref(w, sid, held_on, outcome=f"{minutes} minutes (standard "
                                                    f"{policy.standard_duration_minutes})")


def _child_refs(rows: list[tuple], *, names: dict[str, str], settings: AssuranceSettings, eager: bool,
                last_seen: dict[str, date]) -> Iterator[RecordRef]:
    for child_id, case_id, worker_id, team_id, has in rows:
        last = last_seen.get(child_id)
        yield RecordRef(
            kind="child", record_id=child_id, when=last, staff_id=worker_id,
            staff_name=names.get(worker_id, ""), child_id=child_id, case_id=case_id,
            team_id=team_id, counted=not has,
            outcome="Oversight within interval" if has else _lacking_outcome(last, eager, settings))


def _children_figure(rows: list[tuple], children_list) -> Figure:
    return Figure("children_without_oversight", sum(1 for r in rows if not r[4]), len(rows),
                  partial(children_list, rows))


EAGER_LAST_OVERSIGHT = 400
_NOT_LOOKED_UP = "No oversight in the last {days} days"


def _lacking_outcome(last: date | None, looked_up: bool, settings: AssuranceSettings) -> str:
    if not looked_up:
        return _NOT_LOOKED_UP.format(days=settings.oversight_interval_days)
    return f"No oversight since {_fmt(last)}" if last else "No oversight on record"


def fill_last_oversight(session: Session, refs: Sequence[RecordRef]) -> tuple[RecordRef, ...]:
    """Child references with the date of each child's last signed oversight filled in (for
    figures worked out across a whole council, where it was left to the list)."""
    todo = [r.record_id for r in refs if r.kind == "child" and r.counted and r.when is None]
    if not todo:
        return tuple(refs)
    last = _last_oversight(session, todo)
    out = []
    for r in refs:
        if r.kind == "child" and r.counted and r.when is None:
            when = last.get(r.record_id)
            r = replace(r, when=when, outcome=(f"No oversight since {_fmt(when)}" if when
                                               else "No oversight on record"))
        out.append(r)
    return tuple(out)


class _Clock:
    """Optional section timings (ms) for the benchmark."""

    def __init__(self, out: dict[str, float] | None) -> None:
        import time

        self._out, self._now = out, time.perf_counter
        self._last, self._name = self._now(), "set-up"

    def lap(self, name: str) -> None:
        if self._out is not None:
            now = self._now()
            self._out[self._name] = self._out.get(self._name, 0.0) + (now - self._last) * 1000
            self._last, self._name = now, name


def _occasion_outcome(occ: Occasion) -> str:
    text = f"{occ.outcome.label} (due {_fmt(occ.due)}"
    if occ.held_on:
        text += f", held {_fmt(occ.held_on)}"
    return text + ")"


def _step_outcome(step: str, done_on: date | None, deadline: date | None, ok: bool) -> str:
    if done_on is None:
        return f"Not {step.lower()}; was due by {_fmt(deadline)}"
    return f"{step} {_fmt(done_on)}, due by {_fmt(deadline)}" + ("" if ok else " (late)")


def _trend(period, team_ids, month_within, month_due, month_shared, month_shared_due):
    points = []
    for month in period.months:
        points.append(MonthPoint(
            month=month,
            within_policy=sum(month_within[(t, month)] for t in team_ids),
            due=sum(month_due[(t, month)] for t in team_ids),
            shared_on_time=sum(month_shared[(t, month)] for t in team_ids),
            shared_due=sum(month_shared_due[(t, month)] for t in team_ids)))
    return tuple(points)


def _children_with_oversight_since(session: Session, cutoff: date,
                                   child_ids: list[str] | None) -> set[str]:
    """Children (of ``child_ids``, or all) with a signed oversight note, or a case discussion
    in a signed supervision record, on or after ``cutoff`` (a London date, compared as the UTC
    instant it starts)."""
    since = _utc_start(cutoff)
    conn = session.connection()
    signed_since = [_S.held_at >= since, _S.state == _LOCKED, _S.tombstone.is_(False)]
    found: set[str] = set()
    if child_ids is None:  # every child: from the sessions held since, to their discussions
        found.update(conn.execute(
            select(_N.child_id)
            .where(_N.recorded_at >= since, _N.state == _LOCKED, _N.tombstone.is_(False))).scalars().all())
        found.update(conn.execute(
            select(_D.child_id).join(SupervisionSession.__table__, _S.id == _D.session_id)
            .where(*signed_since, _D.tombstone.is_(False))).scalars().all())
        return found
    # Some children: each one's discussions (a short stretch of ix_assurance_discussion_child)
    # checked against the sessions signed since (a stretch of ix_assurance_session_held).
    recent_sessions = set(conn.execute(select(_S.id).where(*signed_since)).scalars().all())
    for chunk in _chunks(child_ids):
        found.update(conn.execute(
            select(_N.child_id)
            .where(_N.child_id.in_(chunk), _N.recorded_at >= since, _N.state == _LOCKED,
                   _N.tombstone.is_(False))).scalars().all())
        found.update(child_id for child_id, session_id in conn.execute(
            select(_D.child_id, _D.session_id)
            .where(_D.child_id.in_(chunk), _D.tombstone.is_(False))).all()
            if session_id in recent_sessions)
    return found


SIGNATURES_BY_TIME = 1000  # from this many sessions on, read signatures by time, not by id


def _supervisee_signatures(conn, session_ids: list[str], *, since: datetime) -> dict[str, str]:
    """When the supervisee signed each of ``session_ids`` (sessions held since ``since``):
    stored UTC text by session id, for those they signed.

    Session ids are random, so looking each up touches pages all over the signature index.
    For many sessions it is cheaper to read every supervisee signature made since ``since``
    in signing order (one contiguous stretch of ix_assurance_signature_time) and then look
    up by id only the sessions not found there (not signed by the supervisee, or signed
    before they were held, which only a clock fault could do)."""
    found: dict[str, str] = {}
    todo = session_ids
    kind = [_SIG.record_kind == RecordKind.SUPERVISION.value, _SIG.signer_role == "supervisee"]
    if len(session_ids) >= SIGNATURES_BY_TIME:
        wanted = set(session_ids)
        found = {rid: at for rid, at in conn.execute(
            select(_SIG.record_id, _raw(_SIG.signed_at)).where(*kind, _SIG.signed_at >= since)).all()
            if rid in wanted}
        todo = [sid for sid in session_ids if sid not in found]
    for chunk in _chunks(sorted(todo)):
        found.update(conn.execute(
            select(_SIG.record_id, _raw(_SIG.signed_at)).where(*kind, _SIG.record_id.in_(chunk))).all())
    return found


def _chunks(ids: Sequence[str], size: int = 900) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _last_oversight(session: Session, child_ids: Sequence[str]) -> dict[str, date]:
    """The London date of each child's latest signed oversight (a signed note, or a case
    discussion in a signed supervision record), for the list behind a figure: two grouped
    statements per 900 children, on the narrow assurance indexes."""
    conn = session.connection()
    latest: dict[str, str] = {}
    for chunk in _chunks(child_ids):
        for statement in (
                select(_N.child_id, func.max(_raw(_N.recorded_at)))
                .where(_N.child_id.in_(chunk), _N.state == _LOCKED, _N.tombstone.is_(False))
                .group_by(_N.child_id),
                select(_D.child_id, func.max(_raw(_S.held_at)))
                .join(SupervisionSession.__table__,
                      and_(_S.id == _D.session_id, _S.state == _LOCKED, _S.tombstone.is_(False)))
                .where(_D.child_id.in_(chunk), _D.tombstone.is_(False))
                .group_by(_D.child_id)):
            for child_id, at in conn.execute(statement).all():
                if at is not None and at > latest.get(child_id, ""):
                    latest[child_id] = at
    return {child_id: _london_day(at) for child_id, at in latest.items()}

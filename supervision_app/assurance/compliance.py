"""Compliance figures for a team manager, a service manager or a head of service.

One call, :func:`compliance_dashboard`, runs a handful of set-based queries (no per-worker
round trips) and hands the rows to the pure rules in :mod:`.rules`. Every figure carries the
references of the records behind it (:class:`RecordRef`: ids, dates, names and outcomes,
never record contents), so a screen or a report can open the list.

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

import json
from collections import defaultdict
from functools import lru_cache
from dataclasses import dataclass, replace
from typing import Sequence
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import String, and_, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from ..domain.lifecycle import RecordKind
from ..domain.permissions import Actor, Operation, TeamTarget, decide
from ..domain.supervision_policy import SupervisionPolicy, supervision_status
from ..domain.time_rules import LONDON, london_date
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
from .rules import (
    Occasion,
    OccasionOutcome,
    Period,
    percent,
    period_months,
    occasions_from,
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
    key: str
    numerator: int
    denominator: int | None = None  # None: a plain count
    records: tuple[RecordRef, ...] = ()

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
    live = list(session.scalars(select(Team.id).where(Team.tombstone.is_(False)).order_by(Team.id)))
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


def _policy(raw: str | None) -> SupervisionPolicy:
    return SupervisionPolicy.from_json(json.loads(raw)) if raw else SupervisionPolicy()


def _figure(key: str, refs: list[RecordRef], *, ratio: bool) -> Figure:
    """Problems first (what someone would want to open), then by date."""
    higher_is_better = FIGURES[key][1]

    def problem(ref: RecordRef) -> bool:
        return (not ref.counted) if (ratio and higher_is_better) else ref.counted

    refs = sorted(refs, key=lambda r: (not problem(r), r.when or date.min, r.record_id))
    if ratio:
        return Figure(key, sum(1 for r in refs if r.counted), len(refs), tuple(refs))
    return Figure(key, len(refs), None, tuple(refs))


_RATIO = {"within_policy", "shared_on_time", "signed_on_time", "overdue_now",
          "children_without_oversight"}


def _figures(refs_by_key: dict[str, list[RecordRef]]) -> dict[str, Figure]:
    return {key: _figure(key, refs_by_key.get(key, []), ratio=key in _RATIO) for key in FIGURES}


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
    ``team_ids``), over the ``months`` calendar months ending with today's."""
    settings = settings or AssuranceSettings()
    period = period_months(today, months)
    clock = _Clock(timings)
    allowed = scope_team_ids(session, actor)
    if team_ids is not None:
        wanted = set(team_ids)
        allowed = [t for t in allowed if t in wanted]
    teams = {r.id: r for r in session.execute(
        select(Team.id, Team.name, Team.supervision_policy).where(Team.id.in_(allowed)))}
    policies = {tid: _policy(r.supervision_policy) for tid, r in teams.items()}
    include_unallocated = actor.sees_all_teams and team_ids is None

    workers = list(session.execute(
        select(Staff.id, Staff.display_name, Staff.role, Staff.team_id, Staff.started_on,
               Staff.asye_start)
        .where(Staff.team_id.in_(list(teams)), Staff.tombstone.is_(False),
               Staff.active.is_(True), Staff.role.in_(SUPERVISED_ROLES))
        .order_by(Staff.display_name, Staff.id)))
    names = {w.id: w.display_name for w in workers}
    team_of = {w.id: w.team_id for w in workers}
    in_scope_staff = select(Staff.id).where(
        Staff.team_id.in_(list(teams)), Staff.tombstone.is_(False), Staff.active.is_(True),
        Staff.role.in_(SUPERVISED_ROLES))

    refs: dict[str, dict[str, list[RecordRef]]] = defaultdict(lambda: defaultdict(list))

    # ---- supervision held within policy, overdue now, trend
    clock.lap('supervision held within policy, overdue now, trend')
    live_session = SupervisionSession.tombstone.is_(False)
    type_filter = ([SupervisionSession.session_type.in_(sorted(settings.counted_session_types))]
                   if settings.counted_session_types is not None else [])
    held: dict[str, list[tuple[date, str]]] = defaultdict(list)
    signed_held: dict[str, date] = {}  # signed sessions in scope read here: id -> London date
    # Only sessions from a year before the period on, plus each worker's last one before
    # that (see rules.occasions_from), read from the narrow ix_assurance_session_worker index.
    edge = _utc_start(period.start - timedelta(days=367))
    signed = [live_session, SupervisionSession.state == _LOCKED,
              SupervisionSession.supervisee_id.in_(in_scope_staff), *type_filter]
    for supervisee_id, held_at, session_id in session.execute(
            select(SupervisionSession.supervisee_id, _raw(SupervisionSession.held_at), SupervisionSession.id)
            .where(*signed, SupervisionSession.held_at >= edge)):
        day = _london_day(held_at)
        held[supervisee_id].append((day, session_id))
        signed_held[session_id] = day
    for supervisee_id, held_at in session.execute(
            select(SupervisionSession.supervisee_id, func.max(_raw(SupervisionSession.held_at)))
            .where(*signed, SupervisionSession.held_at < edge)
            .group_by(SupervisionSession.supervisee_id)):
        held[supervisee_id].append((_london_day(held_at), ""))

    month_within: dict[tuple[str, date], int] = defaultdict(int)
    month_due: dict[tuple[str, date], int] = defaultdict(int)
    statuses = {}
    for w in workers:
        policy = policies.get(w.team_id, SupervisionPolicy())
        sessions = sorted(held.get(w.id, []))
        session_on: dict[date, str] = {}
        for day, sid in sessions:
            if not session_on.get(day):
                session_on[day] = sid
        occasions = occasions_from(policy, started_on=w.started_on, asye_start=w.asye_start,
                                   held_days=session_on, today=today, period_start=period.start)
        last = sessions[-1][0] if sessions and sessions[-1][0] <= today else None
        statuses[w.id] = supervision_status(policy, today=today, last_held=last,
                                            started_on=w.started_on, asye_start=w.asye_start)
        for occ in occasions:
            if not period.contains(occ.due):
                continue
            ok = occ.outcome == OccasionOutcome.WITHIN_POLICY
            refs[w.id]["within_policy"].append(RecordRef(
                kind="supervision" if occ.held_on else "occasion",
                record_id=session_on.get(occ.held_on, "") if occ.held_on else "",
                when=occ.due, staff_id=w.id, staff_name=w.display_name, team_id=w.team_id,
                outcome=_occasion_outcome(occ), counted=ok))
            month = occ.due.replace(day=1)
            month_due[(w.team_id, month)] += 1
            month_within[(w.team_id, month)] += ok
        status = statuses[w.id]
        refs[w.id]["overdue_now"].append(RecordRef(
            kind="staff", record_id=w.id, when=status.next_due, staff_id=w.id,
            staff_name=w.display_name, team_id=w.team_id,
            outcome=f"{status.status.label}: due {_fmt(status.next_due)}",
            counted=status.status == SupervisionStatus.OVERDUE))

    # ---- sessions held in the period: timeliness and not-yet-signed
    clock.lap('sessions held in the period')
    month_shared: dict[tuple[str, date], int] = defaultdict(int)
    month_shared_due: dict[tuple[str, date], int] = defaultdict(int)
    for row in session.execute(
            select(SupervisionSession.id, SupervisionSession.supervisee_id,
                   _raw(SupervisionSession.held_at).label("held_at"),
                   _raw(SupervisionSession.shared_at).label("shared_at"), SupervisionSession.state,
                   _raw(SupervisionSession.updated_at).label("updated_at"),
                   _raw(Signature.signed_at).label("signed_at"))
            .outerjoin(Signature, and_(Signature.record_kind == RecordKind.SUPERVISION.value,
                                       Signature.record_id == SupervisionSession.id,
                                       Signature.signer_role == "supervisee"))
            .where(live_session, SupervisionSession.supervisee_id.in_(in_scope_staff),
                   SupervisionSession.held_at >= _utc_start(period.start),
                   *type_filter)):
        held_on = _london_day(row.held_at)
        if not period.contains(held_on):
            continue
        wid = row.supervisee_id
        base = dict(kind="supervision", record_id=row.id, when=held_on, staff_id=wid,
                    staff_name=names[wid], team_id=team_of[wid])
        if row.state != _LOCKED:
            refs[wid]["not_yet_signed"].append(RecordRef(**base, outcome=RecordState(row.state).label))
        shared_on = _london_day(row.shared_at) if row.state != _DRAFT else None
        signed_on = _london_day(row.signed_at or (row.updated_at if row.state == _LOCKED else None))
        t = timeliness(held_on, shared_on, signed_on, today)
        month = held_on.replace(day=1)
        if t.shared_on_time is not None:
            refs[wid]["shared_on_time"].append(RecordRef(
                **base, counted=t.shared_on_time,
                outcome=_step_outcome("Shared", shared_on, t.share_by, t.shared_on_time)))
            month_shared_due[(team_of[wid], month)] += 1
            month_shared[(team_of[wid], month)] += t.shared_on_time
        if t.signed_on_time is not None:
            refs[wid]["signed_on_time"].append(RecordRef(
                **base, counted=t.signed_on_time,
                outcome=_step_outcome("Signed", signed_on, t.sign_by, t.signed_on_time)))

    # ---- unresolved disagreements (any age, any state past draft)
    clock.lap('unresolved disagreements')
    for sid, wid, held_at, state in session.execute(
            select(SupervisionSession.id, SupervisionSession.supervisee_id, SupervisionSession.held_at,
                   SupervisionSession.state)
            .where(live_session, SupervisionSession.supervisee_id.in_(in_scope_staff),
                   SupervisionSession.state != _DRAFT,
                   SupervisionSession.supervisee_agreement == Agreement.DISAGREES.value,
                   SupervisionSession.disagreement_resolved.is_(False),
                   ~select(DisagreementResolution.id).where(
                       DisagreementResolution.session_id == SupervisionSession.id,
                       DisagreementResolution.tombstone.is_(False)).exists())):
        refs[wid]["unresolved_disagreements"].append(RecordRef(
            kind="supervision", record_id=sid, when=london_date(held_at), staff_id=wid,
            staff_name=names[wid], team_id=team_of[wid],
            outcome=f"Disagreement unresolved ({RecordState(state).label.lower()})"))

    # ---- open and overdue actions agreed in signed records
    clock.lap('open and overdue actions agreed in signed records')
    parent_session = SupervisionSession.__table__.alias("parent_session")
    parent_note = OversightNote.__table__.alias("parent_note")
    for aid, owner_id, due_on, child_id in session.execute(
            select(ActionItem.id, ActionItem.owner_id, ActionItem.due_on, ActionItem.child_id)
            .outerjoin(parent_session, parent_session.c.id == ActionItem.session_id)
            .outerjoin(parent_note, parent_note.c.id == ActionItem.oversight_note_id)
            .where(ActionItem.tombstone.is_(False), ActionItem.status == ActionStatus.OPEN.value,
                   ActionItem.owner_id.in_(in_scope_staff),
                   or_(parent_session.c.state == _LOCKED, parent_note.c.state == _LOCKED))):
        overdue = due_on is not None and due_on < today
        ref = RecordRef(kind="action", record_id=aid, when=due_on, staff_id=owner_id,
                        staff_name=names[owner_id], child_id=child_id or "", team_id=team_of[owner_id],
                        outcome=("Overdue: due " if overdue else "Open: due ") + (_fmt(due_on) or "not set"))
        refs[owner_id]["open_actions"].append(ref)
        if overdue:
            refs[owner_id]["overdue_actions"].append(ref)

    # ---- children without management oversight
    clock.lap('children without management oversight')
    cutoff = today - timedelta(days=settings.oversight_interval_days)
    worker_team = {w.id: w.team_id for w in session.execute(
        select(Staff.id, Staff.team_id))}
    child_scope = [Child.tombstone.is_(False)]
    if not include_unallocated:
        child_scope.append(Child.allocated_worker_id.in_(select(Staff.id).where(
            Staff.team_id.in_(list(teams)))))
    children = list(session.execute(
        select(Child.id, Child.case_id, Child.legal_status, Child.allocated_worker_id,
               Child.has_pathway_plan).where(*child_scope).order_by(Child.case_id)))
    recent = _children_with_oversight_since(
        session, cutoff, None if include_unallocated else [c.id for c in children])
    lacking = [c.id for c in children if c.id not in recent]
    # The date of each child's last oversight is for the list behind the figure; across a
    # whole council it costs more than every figure together, so there it is filled in when
    # the list is opened (fill_last_oversight).
    last_seen = (_last_oversight(session, lacking, signed_held)
                 if len(lacking) <= EAGER_LAST_OVERSIGHT else {})
    eager = len(lacking) <= EAGER_LAST_OVERSIGHT
    by_status: dict[str, list[RecordRef]] = defaultdict(list)
    pathway: list[RecordRef] = []
    unallocated_refs: list[RecordRef] = []
    for c in children:
        team_id = worker_team.get(c.allocated_worker_id) if c.allocated_worker_id else None
        if team_id not in teams:
            team_id = None
            if not include_unallocated:
                continue
        has = c.id in recent
        last = last_seen.get(c.id)
        ref = RecordRef(
            kind="child", record_id=c.id, when=last, staff_id=c.allocated_worker_id or "",
            staff_name=names.get(c.allocated_worker_id, ""), child_id=c.id, case_id=c.case_id,
            team_id=team_id or UNALLOCATED, counted=not has,
            outcome="Oversight within interval" if has else _lacking_outcome(last, eager, settings))
        by_status[c.legal_status].append(ref)
        if c.legal_status == LegalStatus.CARE_LEAVER.value and c.has_pathway_plan:
            pathway.append(ref)
        if team_id is None:
            unallocated_refs.append(ref)
        elif c.allocated_worker_id in names:
            refs[c.allocated_worker_id]["children_without_oversight"].append(ref)
        else:  # allocated to someone in the team who is not a supervised worker
            refs[("team", team_id)]["children_without_oversight"].append(ref)

    # ---- assemble
    clock.lap('assemble')
    worker_rows = []
    team_refs: dict[str, dict[str, list[RecordRef]]] = defaultdict(lambda: defaultdict(list))
    for w in workers:
        mine = refs[w.id]
        for key, lst in mine.items():
            team_refs[w.team_id][key].extend(lst)
        status = statuses[w.id]
        worker_rows.append(WorkerCompliance(
            worker_id=w.id, name=w.display_name, role=Role(w.role), team_id=w.team_id,
            team_name=teams[w.team_id].name,
            is_asye=w.asye_start is not None and 0 <= (today - w.asye_start).days < 366,
            status=status.status, next_due=status.next_due, last_signed=status.last_held,
            figures=_figures(mine)))
    for key, bucket in refs.items():
        if isinstance(key, tuple):
            for fkey, lst in bucket.items():
                team_refs[key[1]][fkey].extend(lst)
    worker_count = defaultdict(int)
    for w in workers:
        worker_count[w.team_id] += 1
    team_rows = []
    total_refs: dict[str, list[RecordRef]] = defaultdict(list)
    for tid in sorted(teams, key=lambda t: (teams[t].name, t)):
        for key, lst in team_refs[tid].items():
            total_refs[key].extend(lst)
        team_rows.append(TeamCompliance(
            team_id=tid, name=teams[tid].name, workers=worker_count[tid],
            figures=_figures(team_refs[tid]),
            trend=_trend(period, {tid}, month_within, month_due, month_shared, month_shared_due)))
    total_refs["children_without_oversight"].extend(unallocated_refs)
    oversight_rows = tuple(
        LegalStatusOversight(status, len(by_status[status.value]),
                             _figure("children_without_oversight", by_status[status.value], ratio=True))
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
        workers=tuple(worker_rows), teams=tuple(team_rows), total=_figures(total_refs),
        trend=_trend(period, set(teams), month_within, month_due, month_shared, month_shared_due),
        oversight_by_status=oversight_rows,
        care_leavers_pathway=_figure("children_without_oversight", pathway, ratio=True))


def _fmt(day: date | None) -> str:
    """dd/mm/yyyy, as ``time_rules.format_date`` writes it, without strftime's cost."""
    return "" if day is None else f"{day.day:02d}/{day.month:02d}/{day.year}"


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
    last = _last_oversight(session, todo, {})
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
    found: set[str] = set()
    chunks = [None] if child_ids is None else [child_ids[i:i + 900] for i in range(0, len(child_ids), 900)]
    for chunk in chunks:
        note_scope = [] if chunk is None else [OversightNote.child_id.in_(chunk)]
        found.update(session.scalars(
            select(OversightNote.child_id)
            .where(OversightNote.recorded_at >= since, OversightNote.state == _LOCKED,
                   OversightNote.tombstone.is_(False), *note_scope)))
        discussion_scope = [] if chunk is None else [CaseDiscussion.child_id.in_(chunk)]
        found.update(session.scalars(
            select(CaseDiscussion.child_id)
            .join(SupervisionSession, SupervisionSession.id == CaseDiscussion.session_id)
            .where(SupervisionSession.held_at >= since, SupervisionSession.state == _LOCKED,
                   SupervisionSession.tombstone.is_(False), CaseDiscussion.tombstone.is_(False),
                   *discussion_scope)))
    return found


def _last_oversight(session: Session, child_ids: list[str], signed_held: dict[str, date]) -> dict[str, date]:
    """The latest signed oversight of each child, for the list behind a figure. Reads the
    narrow assurance indexes; session dates come from the signed sessions already read."""
    last: dict[str, date] = {}
    unknown: dict[str, list[str]] = defaultdict(list)  # session id -> children
    for chunk_start in range(0, len(child_ids), 900):
        chunk = child_ids[chunk_start:chunk_start + 900]
        for child_id, at in session.execute(
                select(OversightNote.child_id, func.max(_raw(OversightNote.recorded_at)))
                .where(OversightNote.child_id.in_(chunk), OversightNote.state == _LOCKED,
                       OversightNote.tombstone.is_(False))
                .group_by(OversightNote.child_id)):
            if at is not None:
                last[child_id] = _london_day(at)
        for child_id, session_id in session.execute(
                select(CaseDiscussion.child_id, CaseDiscussion.session_id)
                .where(CaseDiscussion.child_id.in_(chunk), CaseDiscussion.tombstone.is_(False))):
            day = signed_held.get(session_id)
            if day is None:
                unknown[session_id].append(child_id)
            elif child_id not in last or day > last[child_id]:
                last[child_id] = day
    ids = sorted(unknown)
    for chunk_start in range(0, len(ids), 900):  # sessions of workers outside the scope
        for session_id, held_at in session.execute(
                select(SupervisionSession.id, SupervisionSession.held_at)
                .where(SupervisionSession.id.in_(ids[chunk_start:chunk_start + 900]),
                       SupervisionSession.state == _LOCKED, SupervisionSession.tombstone.is_(False))):
            day = london_date(held_at)
            for child_id in unknown[session_id]:
                if child_id not in last or day > last[child_id]:
                    last[child_id] = day
    return last


def _aware(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value

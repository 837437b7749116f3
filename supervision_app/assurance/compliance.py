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
  supervision record or a locked group session, within the configured interval;
- group sessions (issue 21, :mod:`.compliance_groups`): each worker's group sessions in the
  period and how many the supervisor and they have signed; a signed one counts toward their
  supervision frequency only where their team's policy counts group sessions; open actions
  include those they own from group sessions they have signed.

Which team (issue 18, DESIGN.md §1.1): a team's figures about sessions held (within policy,
not yet signed, shared and signed on time) and the monthly trend count each record under the
team the worker was in on the session date; today's status, the worker rows and everything
else count under the worker's current team, as do missed occasions, which have no record.
A view narrower than every team reads only the workers in it now, so it cannot count what
its managers held with someone who has since moved out (the laptop no longer holds those
records); ``ComplianceDashboard.notes`` says so (``MOVED_WORKERS_NOTE``).

Who sees what: the teams ``decide(actor, VIEW, TeamTarget)`` allows (a head of service sees
every team, and children allocated to nobody).

The parts: :mod:`.compliance_figures` (what is reported), :mod:`.compliance_rows` (reading
stored rows), :mod:`.compliance_tally` (each section's query, counted per worker),
:mod:`.compliance_children` (children without oversight), :mod:`.compliance_refs` (the
records behind a worker's figures); this module puts them together.
"""
from __future__ import annotations

import time
from collections import defaultdict
from datetime import date
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.cancellations import CancelledBy
from ..domain.permissions import Actor
from ..domain.vocabulary import LegalStatus, Role, SupervisionStatus
from .compliance_children import (
    ChildOversight,
    children_figure,
    fill_last_oversight,
    read_children,
)
from .compliance_figures import (
    FIGURES,
    WORKER_FIGURES,
    AssuranceSettings,
    ComplianceDashboard,
    Figure,
    LegalStatusOversight,
    MonthPoint,
    RecordRef,
    TeamCompliance,
    WorkerCompliance,
    combined_figure,
)
from .compliance_groups import read_group_attendance
from .compliance_refs import (
    action_refs,
    agreement_refs,
    cancellation_refs,
    disagreement_refs,
    group_action_refs,
    group_refs,
    occasion_refs,
    short_refs,
    status_refs,
    timeliness_refs,
    unsigned_refs,
)
from .compliance_rows import (
    DASHBOARD_PAGE_CACHE_KIB,
    LOCKED,
    STAFF,
    SUPERVISED_ROLES,
    TEAMS,
    UNALLOCATED,
    collector_paused,
    scope_team_ids,
    team_policy,
    widen_page_cache,
)
from .compliance_tally import (
    MonthCounts,
    Reading,
    count_timeliness,
    read_actions,
    read_agreements,
    read_cancellations_and_short_sessions,
    read_disagreements,
    read_held_sessions,
)
from .group_timeliness import GroupSigning, decided, group_signing_refs, read_group_signing
from .rules import Occasion, OccasionOutcome, Period, period_months

__all__ = [
    "AssuranceSettings", "RecordRef", "Figure", "MonthPoint", "WorkerCompliance",
    "TeamCompliance", "LegalStatusOversight", "ComplianceDashboard", "FIGURES",
    "compliance_dashboard", "scope_team_ids", "fill_last_oversight", "SUPERVISED_ROLES", "UNALLOCATED",
    "DASHBOARD_PAGE_CACHE_KIB", "WORKER_FIGURES",
]

# From this many children lacking oversight on, the date of each one's last oversight is
# left to the list (fill_last_oversight).
EAGER_LAST_OVERSIGHT = 400
SIGNATURES_BY_TIME = 1000  # from this many sessions on, read signatures by time, not by id


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
    widen_page_cache(session)
    with collector_paused():
        return _dashboard(session, actor, today=today, months=months, settings=settings,
                          team_ids=team_ids, timings=timings)



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
        select(TEAMS.id, TEAMS.name, TEAMS.supervision_policy).where(TEAMS.id.in_(allowed)))}
    policies = {tid: team_policy(r.supervision_policy) for tid, r in teams.items()}
    include_unallocated = actor.sees_all_teams and team_ids is None
    scope = sorted(teams)

    workers = list(conn.execute(
        select(STAFF.id, STAFF.display_name, STAFF.role, STAFF.team_id, STAFF.started_on,
               STAFF.asye_start, STAFF.last_supervised_on)
        .where(STAFF.team_id.in_(scope), STAFF.id != actor.staff_id, STAFF.tombstone.is_(False),
               STAFF.active.is_(True), STAFF.role.in_(SUPERVISED_ROLES))
        .order_by(STAFF.display_name, STAFF.id)))
    names = {w.id: w.display_name for w in workers}
    # the people the viewer supervises, as their "My team" page lists them: a team
    # manager is in their own team but is supervised by their own manager, not themselves
    in_scope_staff = select(STAFF.id).where(
        STAFF.team_id.in_(scope), STAFF.id != actor.staff_id, STAFF.tombstone.is_(False),
        STAFF.active.is_(True), STAFF.role.in_(SUPERVISED_ROLES))
    reading = Reading(conn, today, period, settings, policies, workers, in_scope_staff)

    clock.lap("group sessions attended")
    read_group_attendance(reading)  # before the schedule: a team may count them (issue 21)
    group_signing = read_group_signing(reading)
    clock.lap("supervision held within policy, overdue now, trend")
    statuses, in_period = read_held_sessions(reading)
    clock.lap("sessions held in the period")
    count_timeliness(reading, in_period, signatures_by_time_from=SIGNATURES_BY_TIME)
    clock.lap("unresolved disagreements")
    read_disagreements(reading)
    clock.lap("cancellations and short sessions")
    read_cancellations_and_short_sessions(reading)
    clock.lap("supervision agreements")
    read_agreements(reading, scope)
    clock.lap("open and overdue actions agreed in signed records")
    read_actions(reading)
    clock.lap("children without management oversight")
    children = read_children(reading, session, names, teams, scope=scope,
                             include_unallocated=include_unallocated, eager_limit=EAGER_LAST_OVERSIGHT)

    clock.lap("assemble")
    worker_rows = [_worker_row(w, reading, statuses[w.id], teams[w.team_id].name, children,
                               group_signing.get(w.id, []))
                   for w in workers]
    by_team: dict[str, list[WorkerCompliance]] = defaultdict(list)
    for row in worker_rows:
        by_team[row.team_id].append(row)
    held_parts = _held_record_parts(workers, worker_rows, reading)
    children_list = children.children_list
    team_rows = []
    for tid in sorted(teams, key=lambda t: (teams[t].name, t)):
        members = by_team[tid]
        extra = {"children_without_oversight": [children_figure(children.team_children[tid], children_list)]}
        team_rows.append(TeamCompliance(
            team_id=tid, name=teams[tid].name, workers=len(members),
            figures={key: combined_figure(
                         key, held_parts[tid][key] if key in HELD_RECORD_FIGURES else [m.figures[key] for m in members],
                         extra.get(key, ()))
                     for key in FIGURES},
            trend=_trend(period, {tid}, reading.months)))
    extra = {"children_without_oversight": [children_figure(children.unallocated, children_list)]}
    total = {key: combined_figure(key, [t.figures[key] for t in team_rows], extra.get(key, ()))
             for key in FIGURES}
    oversight_rows = tuple(
        LegalStatusOversight(status, len(children.by_status[status.value]),
                             children_figure(children.by_status[status.value], children_list))
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
        trend=_trend(period, set(teams), reading.months),
        oversight_by_status=oversight_rows,
        care_leavers_pathway=children_figure(children.pathway, children_list),
        notes=() if include_unallocated else (MOVED_WORKERS_NOTE,))


def _worker_row(w, reading: Reading, status, team_name: str, children: ChildOversight,
                group_signing: list[GroupSigning]) -> WorkerCompliance:
    """One worker's figures, each listing its records from the worker's tally."""
    t = reading.tally[w.id]
    today = reading.today
    within = OccasionOutcome.WITHIN_POLICY
    agreement = t.agreement
    assert agreement is not None  # read_agreements gives every worker one
    attended = [a for a in t.groups if a.present and reading.period.start <= a.held_on <= today]
    figures = {
        "within_policy": Figure(
            "within_policy", sum(o.outcome is within for o in t.occasions), len(t.occasions),
            partial(occasion_refs, w, t.occasions, t.session_on, t.group_days)),
        "overdue_now": Figure(
            "overdue_now", int(status.status == SupervisionStatus.OVERDUE), 1,
            partial(status_refs, w, status)),
        "not_yet_signed": Figure("not_yet_signed", t.unsigned, None,
                                 partial(unsigned_refs, w, t.sessions)),
        "shared_on_time": Figure("shared_on_time", t.shared_ok, t.shared_due,
                                 partial(timeliness_refs, w, t.sessions, True)),
        "signed_on_time": Figure("signed_on_time", t.signed_ok, t.signed_due,
                                 partial(timeliness_refs, w, t.sessions, False)),
        "open_actions": Figure("open_actions", len(t.actions) + len(t.group_actions), None,
                               partial(_both, partial(action_refs, w, t.actions, today, False),
                                       partial(group_action_refs, w, t.group_actions, today, False))),
        "overdue_actions": Figure("overdue_actions", t.overdue_actions, None,
                                  partial(_both, partial(action_refs, w, t.actions, today, True),
                                          partial(group_action_refs, w, t.group_actions, today, True))),
        "unresolved_disagreements": Figure("unresolved_disagreements", len(t.disagreements), None,
                                           partial(disagreement_refs, w, t.disagreements)),
        "children_without_oversight": Figure(
            "children_without_oversight", t.lacking, len(t.children),
            partial(children.children_list, t.children)),
        **{f"cancelled_by_{by.value}": Figure(
            f"cancelled_by_{by.value}", sum(c[2] == by.value for c in t.cancellations), None,
            partial(cancellation_refs, w, t.cancellations, by.value)) for by in CancelledBy},
        "late_rebookings": Figure(
            "late_rebookings", sum(c[3].outcome.is_late for c in t.cancellations), None,
            partial(cancellation_refs, w, t.cancellations, None)),
        "short_sessions": Figure("short_sessions", len(t.short), None,
                                 partial(short_refs, w, t.short, reading.policies[w.team_id])),
        "agreement_not_in_place": Figure(
            "agreement_not_in_place", int(agreement.status.needs_action), None,
            partial(agreement_refs, w, agreement)),
        "group_sessions_signed": Figure(
            "group_sessions_signed", sum(a.signed for a in attended), len(attended),
            partial(group_refs, w, t.groups, reading.period.start, today)),
        "group_signed_on_time": Figure(
            "group_signed_on_time", *decided(group_signing), partial(group_signing_refs, w, group_signing)),
    }
    return WorkerCompliance(
        worker_id=w.id, name=w.display_name, role=Role(w.role), team_id=w.team_id,
        team_name=team_name,
        is_asye=w.asye_start is not None and 0 <= (today - w.asye_start).days < 366,
        status=status.status, next_due=status.next_due, last_signed=status.last_held,
        figures=figures, status_label=status.label)


# A view narrower than every team reads only the workers in its teams now. The sessions its
# managers held with someone who has since moved out are not counted under it: on the old
# manager's laptop sync has removed them (DESIGN.md §1.1; only those still awaiting that
# manager's own action stay), and counting that remnant would walk a partial history into
# invented missed supervisions. The figures say so rather than drop those months silently.
MOVED_WORKERS_NOTE = (
    "Past months count only the people in these teams now: sessions held here with someone "
    "who has since moved to a team outside this view are not counted here (their records "
    "follow them). The figures for all teams count them under the team they were held in.")


# The figures about sessions held in the period: a team's counts each record under the team
# the worker was in on the session date (DESIGN.md §1.1), while the rest (today's status,
# open actions, agreements, children) stay with the worker's current team.
HELD_RECORD_FIGURES = ("within_policy", "not_yet_signed", "shared_on_time", "signed_on_time")


def _held_record_parts(workers, worker_rows: list[WorkerCompliance],
                       reading: Reading) -> dict[str, dict[str, list[Figure]]]:
    """Team id -> figure key -> each worker's part of that team's held-record figures.

    A worker who has not moved gives their own figures to their team. One who has moved
    gives each team only the records held in it; an occasion met by a session goes with the
    session, a missed or overdue one (no record, and the laptop keeps no history of teams)
    with the current team. A team the viewer may not see is never asked for, so its records
    are not counted for them."""
    parts: dict[str, dict[str, list[Figure]]] = defaultdict(lambda: defaultdict(list))
    for w, row in zip(workers, worker_rows):
        t = reading.tally[w.id]
        if not t.held_in:
            for key in HELD_RECORD_FIGURES:
                parts[w.team_id][key].append(row.figures[key])
            continue
        sessions_in: dict[str, list[tuple]] = defaultdict(list)
        for record in t.sessions:
            sessions_in[t.held_in.get(record[0], w.team_id)].append(record)
        occasions_in: dict[str, list[Occasion]] = defaultdict(list)
        for occ in t.occasions:
            sid = t.session_on.get(occ.held_on, "") if occ.held_on else ""
            occasions_in[t.held_in.get(sid, w.team_id)].append(occ)
        for tid in {w.team_id, *sessions_in, *occasions_in}:
            for key, figure in _held_record_figures(w, t, sessions_in[tid], occasions_in[tid]).items():
                parts[tid][key].append(figure)
    return parts


def _held_record_figures(w, t, sessions: list[tuple], occasions: list[Occasion]) -> dict[str, Figure]:
    """A worker's held-record figures over some of their sessions and occasions."""
    within = OccasionOutcome.WITHIN_POLICY
    shared = [s[5].shared_on_time for s in sessions if s[5].shared_on_time is not None]
    signed = [s[5].signed_on_time for s in sessions if s[5].signed_on_time is not None]
    return {
        "within_policy": Figure("within_policy", sum(o.outcome is within for o in occasions), len(occasions),
                                partial(occasion_refs, w, occasions, t.session_on, t.group_days)),
        "not_yet_signed": Figure("not_yet_signed", sum(s[2] != LOCKED for s in sessions), None,
                                 partial(unsigned_refs, w, sessions)),
        "shared_on_time": Figure("shared_on_time", sum(shared), len(shared),
                                 partial(timeliness_refs, w, sessions, True)),
        "signed_on_time": Figure("signed_on_time", sum(signed), len(signed),
                                 partial(timeliness_refs, w, sessions, False)),
    }


def _both(first, second):
    yield from first()
    yield from second()


class _Clock:
    """Optional section timings (ms) for the benchmark."""

    def __init__(self, out: dict[str, float] | None) -> None:
        self._out, self._now = out, time.perf_counter
        self._last, self._name = self._now(), "set-up"

    def lap(self, name: str) -> None:
        if self._out is not None:
            now = self._now()
            self._out[self._name] = self._out.get(self._name, 0.0) + (now - self._last) * 1000
            self._last, self._name = now, name


def _trend(period: Period, team_ids: set[str], months: MonthCounts) -> tuple[MonthPoint, ...]:
    points = []
    for month in period.months:
        points.append(MonthPoint(
            month=month,
            within_policy=sum(months.within[(t, month)] for t in team_ids),
            due=sum(months.due[(t, month)] for t in team_ids),
            shared_on_time=sum(months.shared[(t, month)] for t in team_ids),
            shared_due=sum(months.shared_due[(t, month)] for t in team_ids)))
    return tuple(points)

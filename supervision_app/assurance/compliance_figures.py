"""What the compliance dashboard reports: figures (each able to list the records behind
it), per worker, per team and over the whole scope, and the monthly trend."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, partial
from typing import Callable, Iterable, Iterator, Sequence

from ..domain.vocabulary import LegalStatus, Role, SupervisionStatus
from .rules import Period, percent


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

    kind: str  # supervision | occasion | action | child | staff | group_session | group_action
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
        share = self.percent
        return -1.0 if share is None else share  # None: nothing to measure


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
    # issue 21: group sessions each worker was present at in the period, signed by the
    # supervisor and by them (whether they count toward frequency is the team's policy)
    "group_sessions_signed": ("Group sessions attended, signed", True),
    # issue 21: each present attendee's signature within 5 working days of the supervisor's
    # (which releases the shared part to them: a group session's sharing)
    "group_signed_on_time": ("Group sessions signed within 5 working days of the supervisor", True),
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
    # what the figures leave out and why, for the page and reports to say alongside them
    notes: tuple[str, ...] = ()

    def figure(self, key: str, *, team_id: str | None = None, worker_id: str | None = None) -> Figure:
        if worker_id is not None:
            return next(w for w in self.workers if w.worker_id == worker_id).figures[key]
        if team_id is not None:
            return next(t for t in self.teams if t.team_id == team_id).figures[key]
        return self.total[key]


_RATIO = {"within_policy", "shared_on_time", "signed_on_time", "overdue_now",
          "children_without_oversight", "group_sessions_signed", "group_signed_on_time"}


def _chain(sources: tuple[Callable[[], Iterable[RecordRef]], ...]) -> Iterator[RecordRef]:
    for source in sources:
        yield from source()


def combined_figure(key: str, parts: Sequence[Figure], extra: Sequence[Figure] = ()) -> Figure:
    """A team's or the whole scope's figure: the sum of its parts, listing their records."""
    every = (*parts, *extra)
    return Figure(key, sum(f.numerator for f in every),
                  sum(f.denominator or 0 for f in every) if key in _RATIO else None,
                  partial(_chain, tuple(f.source for f in every if f.source is not None)))


"""How often each worker must be supervised, and whether they are on track.

The default is every 4 weeks. A newly qualified worker in their ASYE year is seen weekly for
the first 6 weeks, fortnightly until 6 months, then 4-weekly. A team may configure its own
policy; the policy is plain data so it can be stored and synced as JSON.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .vocabulary import SupervisionStatus


@dataclass(frozen=True)
class AsyePhase:
    """Until ``until_days`` after the ASYE start, supervise every ``interval_days``."""

    until_days: int
    interval_days: int


DEFAULT_ASYE_PHASES = (
    AsyePhase(until_days=6 * 7, interval_days=7),
    AsyePhase(until_days=182, interval_days=14),  # six months
)


@dataclass(frozen=True)
class SupervisionPolicy:
    standard_interval_days: int = 28
    asye_phases: tuple[AsyePhase, ...] = DEFAULT_ASYE_PHASES
    due_soon_days: int = 7
    # A session shorter than this is flagged on compliance (issue 21; 90 minutes by default).
    standard_duration_minutes: int = 90
    # Whether a group session an attendee was present at counts toward their frequency
    # (issue 21; no by default: ``group_supervision.counts_toward_frequency``).
    group_counts_toward_frequency: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.standard_interval_days <= 366:
            raise ValueError("The standard supervision interval must be between 1 and 366 days.")
        if not 0 <= self.due_soon_days <= 60:
            raise ValueError("The 'due soon' warning must be between 0 and 60 days.")
        if not 15 <= self.standard_duration_minutes <= 600:
            raise ValueError("The standard session length must be between 15 and 600 minutes.")
        previous_until = 0
        for phase in self.asye_phases:
            if phase.until_days <= previous_until:
                raise ValueError("ASYE phases must be listed in order, each ending later.")
            if not 1 <= phase.interval_days <= self.standard_interval_days:
                raise ValueError(
                    "An ASYE interval must be at least 1 day and no longer than the standard interval."
                )
            previous_until = phase.until_days

    def interval_on(self, day: date, asye_start: date | None) -> int:
        """The supervision interval that applies to a worker on ``day``."""
        if asye_start is not None and day >= asye_start:
            elapsed = (day - asye_start).days
            for phase in self.asye_phases:
                if elapsed < phase.until_days:
                    return phase.interval_days
        return self.standard_interval_days

    def to_json(self) -> dict[str, Any]:
        return {
            "standard_interval_days": self.standard_interval_days,
            "due_soon_days": self.due_soon_days,
            "asye_phases": [[p.until_days, p.interval_days] for p in self.asye_phases],
            "standard_duration_minutes": self.standard_duration_minutes,
            "group_counts_toward_frequency": self.group_counts_toward_frequency,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SupervisionPolicy:
        return cls(
            standard_interval_days=int(data["standard_interval_days"]),
            due_soon_days=int(data["due_soon_days"]),
            asye_phases=tuple(AsyePhase(int(u), int(i)) for u, i in data["asye_phases"]),
            # policies saved before issue 21 have no standard duration
            standard_duration_minutes=int(data.get("standard_duration_minutes", 90)),
            group_counts_toward_frequency=data.get("group_counts_toward_frequency") is True,
        )


def due_soon_label(due_soon_days: int) -> str:
    """How the 'due soon' status reads under a policy warning ``due_soon_days`` ahead."""
    if due_soon_days <= 0:
        return "Due today"
    return f"Due within {due_soon_days} day{'s' if due_soon_days != 1 else ''}"


def status_label(status: SupervisionStatus, due_soon_days: int) -> str:
    """A worker's status as it reads under their team's policy: 'Due within 14 days' where
    the team warns 14 days ahead (``SupervisionStatus.label`` knows only the default)."""
    if status == SupervisionStatus.DUE_SOON:
        return due_soon_label(due_soon_days)
    return status.label


@dataclass(frozen=True)
class WorkerSupervisionStatus:
    status: SupervisionStatus
    next_due: date
    last_held: date | None
    interval_days: int
    due_soon_days: int = SupervisionPolicy.due_soon_days  # the warning window that set it

    @property
    def label(self) -> str:
        return status_label(self.status, self.due_soon_days)


def next_supervision_due(
    policy: SupervisionPolicy,
    *,
    last_held: date | None,
    started_on: date,
    asye_start: date | None = None,
) -> tuple[date, int]:
    """When the next supervision is due, and the interval that set it.

    The interval is the one in force on the day of the last session (or on the day the
    worker started, if never supervised): a worker seen weekly in week 5 of their ASYE is
    next due a week later, even though that falls in the fortnightly phase.
    """
    anchor = last_held if last_held is not None else started_on
    interval = policy.interval_on(anchor, asye_start)
    return anchor + timedelta(days=interval), interval


def supervision_status(
    policy: SupervisionPolicy,
    *,
    today: date,
    last_held: date | None,
    started_on: date,
    asye_start: date | None = None,
) -> WorkerSupervisionStatus:
    next_due, interval = next_supervision_due(
        policy, last_held=last_held, started_on=started_on, asye_start=asye_start
    )
    if today > next_due:
        status = SupervisionStatus.OVERDUE
    elif (next_due - today).days <= policy.due_soon_days:
        status = SupervisionStatus.DUE_SOON
    else:
        status = SupervisionStatus.ON_TRACK
    return WorkerSupervisionStatus(
        status=status, next_due=next_due, last_held=last_held, interval_days=interval,
        due_soon_days=policy.due_soon_days,
    )

"""Pure assurance rules: no SQL, no Qt. Each is worked out by hand in the tests.

- :func:`period_months` and :class:`Period`: the 3, 6 or 12 calendar months a dashboard
  covers, the current month counted up to today.
- :func:`supervision_occasions`: every time a worker was due supervision and what happened
  (held within policy, held late, missed, or overdue and still open), walking the worker's
  *signed* sessions against the policy (ASYE phases included).
- :func:`timeliness`: whether a record was shared within 5 working days and signed within 5
  more (England and Wales bank holidays).
- :class:`GroupAttended` and :func:`group_days_for_schedule`: which group sessions a worker
  attended count toward their supervision frequency (issue 21).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Iterable, Sequence

from ..domain.supervision_policy import SupervisionPolicy
from ..domain.working_days import record_deadlines

__all__ = [
    "Period", "period_months", "month_start", "OccasionOutcome", "Occasion",
    "supervision_occasions", "occasions_from", "Timeliness", "timeliness", "percent",
    "GroupAttended", "group_days_for_schedule",
]


def month_start(day: date) -> date:
    return day.replace(day=1)


def _add_months(first: date, months: int) -> date:
    index = first.year * 12 + (first.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Whole calendar months from ``start`` (a 1st) to ``end`` (today, inclusive)."""

    start: date
    end: date
    months: tuple[date, ...]  # the first day of each month, oldest first

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def month_of(self, day: date) -> date | None:
        return month_start(day) if self.contains(day) else None

    @property
    def label(self) -> str:
        return f"{self.start:%b %Y} to {self.end:%d %b %Y}"


def period_months(today: date, months: int) -> Period:
    """The ``months`` calendar months ending with the one holding ``today``."""
    if months < 1 or months > 60:
        raise ValueError("A period is between 1 and 60 months.")
    current = month_start(today)
    firsts = tuple(_add_months(current, -k) for k in range(months - 1, -1, -1))
    return Period(start=firsts[0], end=today, months=firsts)


def percent(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` as a percentage, or None when there is nothing to measure."""
    return None if whole == 0 else 100.0 * part / whole


class OccasionOutcome(StrEnum):
    WITHIN_POLICY = "within_policy"  # a signed session held on or before the due date
    LATE = "late"  # held after the due date, before a further interval had passed
    MISSED = "missed"  # a whole further interval passed without a session
    OVERDUE = "overdue"  # past due today and not yet held (it may still be held late)

    @property
    def label(self) -> str:
        return {
            OccasionOutcome.WITHIN_POLICY: "Held within policy",
            OccasionOutcome.LATE: "Held late",
            OccasionOutcome.MISSED: "Missed",
            OccasionOutcome.OVERDUE: "Overdue now",
        }[self]


@dataclass(frozen=True)
class Occasion:
    due: date
    outcome: OccasionOutcome
    held_on: date | None  # the session that met it (within policy or late)
    interval_days: int


def supervision_occasions(
    policy: SupervisionPolicy,
    *,
    started_on: date,
    asye_start: date | None,
    held_days: Iterable[date],
    today: date,
    skip_before: date | None = None,
) -> list[Occasion]:
    """Every supervision a worker was due, up to ``today``, and its outcome.

    ``held_days`` are the London dates of the worker's *signed* sessions (drafts never
    count). The chain follows ``next_supervision_due``: the first is due one interval after
    the worker started, each later one an interval after the last session held, the interval
    being the one in force on the anchor day (so an ASYE worker seen fortnightly in month 5
    is next due a fortnight later, then 4-weekly once past six months).

    A due date that passes with no session becomes ``LATE`` if the next session comes before
    a further interval has passed, otherwise ``MISSED`` (and the next occasion is due an
    interval later, so a long gap counts once per interval); if it passed and today is still
    within that further interval, it is ``OVERDUE``. A due date on or after today is not
    decided yet and is left out.

    ``skip_before``: occasions due before it are not wanted (:func:`occasions_from`), so a
    run of missed ones at the standard interval is stepped over in one move rather than one
    interval at a time (a worker who started years ago and was never supervised).
    """
    days = sorted({d for d in held_days if d >= started_on and d <= today})
    standard = policy.standard_interval_days
    standard_from = (asye_start + timedelta(days=policy.asye_phases[-1].until_days)
                     if asye_start is not None and policy.asye_phases else date.min)
    out: list[Occasion] = []
    anchor = started_on
    interval = policy.interval_on(anchor, asye_start)
    due = anchor + timedelta(days=interval)
    i = 0
    while True:
        held = days[i] if i < len(days) else None
        if held is not None and held <= due:
            out.append(Occasion(due, OccasionOutcome.WITHIN_POLICY, held, interval))
            i += 1
        elif due >= today:
            break  # not yet due, or due today: undecided
        else:
            following = policy.interval_on(due, asye_start)
            further = due + timedelta(days=following)
            if held is not None and held <= further:
                out.append(Occasion(due, OccasionOutcome.LATE, held, interval))
                i += 1
            elif held is None and further >= today:
                out.append(Occasion(due, OccasionOutcome.OVERDUE, None, interval))
                break
            else:
                if skip_before is None or due >= skip_before:
                    out.append(Occasion(due, OccasionOutcome.MISSED, None, interval))
                interval, due = following, further
                if skip_before is not None and interval == standard and due >= standard_from:
                    # Every due date d from here with d + interval before the limit is
                    # missed too (no session by then, not overdue, not wanted): skip them.
                    limit = min(skip_before, today, held or today)
                    gap = (limit - due).days
                    if gap > interval:
                        due += timedelta(days=(-(-gap // interval) - 1) * interval)
                continue
        anchor = days[i - 1]
        interval = policy.interval_on(anchor, asye_start)
        due = anchor + timedelta(days=interval)
    return out


def occasions_from(
    policy: SupervisionPolicy,
    *,
    started_on: date,
    asye_start: date | None,
    held_days: Iterable[date],
    today: date,
    period_start: date,
    horizon_days: int = 367,
) -> list[Occasion]:
    """The occasions due on or after ``period_start``, as :func:`supervision_occasions`
    finds them, walking only from the last session held more than ``horizon_days`` before.

    Exact when ``horizon_days`` exceeds the policy's longest interval (its standard one;
    367 covers any policy): the chain after a session depends only on that session and
    later ones, and the occasion a session meets falls due less than one interval after it,
    so before the period."""
    if horizon_days <= policy.standard_interval_days:
        raise ValueError("the horizon must be longer than the policy's longest interval")
    days = sorted(set(held_days))
    start = started_on
    early = [d for d in days if d < period_start - timedelta(days=horizon_days) and d >= started_on]
    if early:
        start = early[-1]
        days = [d for d in days if d > start]
    return [o for o in supervision_occasions(policy, started_on=start, asye_start=asye_start,
                                             held_days=days, today=today, skip_before=period_start)
            if o.due >= period_start]


@dataclass(frozen=True)
class Timeliness:
    """A record's sharing and signing against the working-day deadlines.

    Each of ``shared_on_time`` / ``signed_on_time`` is True or False once decided, None
    while the deadline has not passed and the step has not happened (not counted).
    """

    share_by: date
    sign_by: date | None
    shared_on_time: bool | None
    signed_on_time: bool | None


_deadlines = lru_cache(maxsize=8192)(record_deadlines)  # many records share their dates


def timeliness(held_on: date, shared_on: date | None, signed_on: date | None, today: date) -> Timeliness:
    deadlines = _deadlines(held_on, shared_on)
    if shared_on is not None:
        shared_ok: bool | None = shared_on <= deadlines.share_by
    else:
        shared_ok = False if today > deadlines.share_by else None
    if deadlines.sign_by is None:
        signed_ok: bool | None = None
    elif signed_on is not None:
        signed_ok = signed_on <= deadlines.sign_by
    else:
        signed_ok = False if today > deadlines.sign_by else None
    return Timeliness(deadlines.share_by, deadlines.sign_by, shared_ok, signed_ok)


def dedupe_sorted(values: Sequence[date]) -> list[date]:
    return sorted(set(values))


# --------------------------------------------------------------------------- group sessions

@dataclass(frozen=True)
class GroupAttended:
    """One worker's place in one group session, as the figures see it (issue 21).

    ``signed``: the supervisor has signed the session and this worker has signed their
    attendance. For the worker that is what "signed by both" is for a 1:1 record: the shared
    part and their own actions are fixed by both signatures. Waiting for a colleague's
    signature (the whole group locks only when every present attendee has signed) must not
    make this worker look unsupervised, so the worker's own schedule counts it from here."""

    group_id: str
    held_on: date
    present: bool  # False: they sent apologies (not supervised)
    signed: bool

    @property
    def counts(self) -> bool:
        return self.present and self.signed


def group_days_for_schedule(policy: SupervisionPolicy, attended: Iterable[GroupAttended], *,
                            today: date) -> dict[date, str]:
    """The days (London dates, to ``today``) of the group sessions that count toward a worker's
    supervision frequency, each with a group id, under ``policy``: the policy of the team the
    worker is in, the same policy their schedule is walked under (so a worker who moved team
    has their group sessions counted as their team now says, as their due date is). A team
    that does not count group sessions (the default) gets none; apologies and sessions not
    signed by both the supervisor and the worker never count."""
    if not policy.group_counts_toward_frequency:
        return {}
    out: dict[date, str] = {}
    for a in sorted(attended, key=lambda a: (a.held_on, a.group_id)):
        if a.counts and a.held_on <= today:
            out.setdefault(a.held_on, a.group_id)
    return out

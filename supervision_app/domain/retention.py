"""Retention (DESIGN.md §3 rule 10): how long the organisation keeps each kind of record, and
whether a record is due for review on a given day.

The organisation's schedule gives, for each kind of record, a period in whole years and the
event it is counted from (its *trigger*): the worker leaving, the child's case closing, the
child's date of birth, or the record being signed and locked. A record is *due for review*
once the whole period has passed since its trigger; the information-governance lead reviews
the list, may put a record on legal hold (it is then never due while held), and deletes the
rest. A record with no trigger date yet (the worker still works here, the case is open, the
record is not locked) is never due: nothing is deleted on a guess.

A group supervision session (issue 21) is part of every attendee's supervision history, so it
is kept as their supervision records are, counted from when the **last** of its attendees
leaves (:func:`last_attendee_leaving`): deleting it when the first one leaves would take the
shared part out of the histories of those still here, and each attendee's signature covers
that shared part. Everyone listed counts, those who sent apologies too: they were shown the
shared part once it was released.

Only whole records are scheduled. Their parts (case discussions, actions and their reviews,
the resolution of a disagreement, the supervisee's feedback, addenda, signatures and signed
copies; a group session's attendance, case discussions and each attendee's actions) are
kept and deleted with the record they belong to: an addendum corrects its record
and means nothing without it, and a record's signatures cover its parts.

Plain Python: no SQL, no Qt. The server gathers the facts (:class:`RecordFacts`) and asks.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Mapping

from ..errors import AppError


class Trigger(StrEnum):
    """What a retention period is counted from."""

    WORKER_LEFT = "worker_left"  # the supervisee's leaving date (their supervision history)
    CASE_CLOSED = "case_closed"  # the day the child's case closed
    CHILD_BORN = "child_born"  # the child's date of birth (and never while the case is open)
    RECORD_LOCKED = "record_locked"  # the day the record was signed and locked

    @property
    def words(self) -> str:
        return {
            Trigger.WORKER_LEFT: "after the worker leaves",
            Trigger.CASE_CLOSED: "after the child's case closes",
            Trigger.CHILD_BORN: "after the child's date of birth, once the case is closed",
            Trigger.RECORD_LOCKED: "after the record is signed and locked",
        }[self]


class RecordKind(StrEnum):
    """The kinds of record the schedule covers (named as the synced tables are)."""

    SUPERVISION = "supervision_session"
    AGREEMENT = "supervision_agreement"
    CANCELLATION = "session_cancellation"
    OVERSIGHT_NOTE = "oversight_note"
    GROUP_SESSION = "group_session"

    @property
    def label(self) -> str:
        return {
            RecordKind.SUPERVISION: "supervision record",
            RecordKind.AGREEMENT: "supervision agreement",
            RecordKind.CANCELLATION: "cancelled supervision",
            RecordKind.OVERSIGHT_NOTE: "management oversight note",
            RecordKind.GROUP_SESSION: "group supervision session",
        }[self]


# Which triggers make sense for which kind: a record about a worker is counted from the
# worker's leaving or its own locking (a cancellation is never signed, so only the leaving);
# a note about a child from the child's case or birth, or its locking.
TRIGGERS_FOR: Mapping[RecordKind, frozenset[Trigger]] = {
    RecordKind.SUPERVISION: frozenset({Trigger.WORKER_LEFT, Trigger.RECORD_LOCKED}),
    RecordKind.AGREEMENT: frozenset({Trigger.WORKER_LEFT, Trigger.RECORD_LOCKED}),
    RecordKind.CANCELLATION: frozenset({Trigger.WORKER_LEFT}),
    RecordKind.OVERSIGHT_NOTE: frozenset({Trigger.CASE_CLOSED, Trigger.CHILD_BORN,
                                          Trigger.RECORD_LOCKED}),
    # worker_left: when the last attendee leaves; record_locked: when the last present
    # attendee signs and the session locks
    RecordKind.GROUP_SESSION: frozenset({Trigger.WORKER_LEFT, Trigger.RECORD_LOCKED}),
}


@dataclass(frozen=True)
class Rule:
    years: int
    after: Trigger

    def describe(self, kind: "RecordKind | None" = None) -> str:
        words = self.after.words
        if kind == RecordKind.GROUP_SESSION and self.after == Trigger.WORKER_LEFT:
            words = "after the last attendee leaves"
        return f"{self.years} year{'s' if self.years != 1 else ''} {words}"


# The defaults, for an organisation that has not set its own ([retention] in server.toml):
DEFAULT_SCHEDULE: Mapping[RecordKind, Rule] = {
    # DESIGN.md §3 rule 10: supervision records 6 years after the worker leaves (the usual
    # local-authority schedule for staff supervision files: employment end + 6 years, the
    # limitation period for most claims).
    RecordKind.SUPERVISION: Rule(6, Trigger.WORKER_LEFT),
    # The agreement and the record of cancelled sessions are part of the same supervision
    # history, so they go with it.
    RecordKind.AGREEMENT: Rule(6, Trigger.WORKER_LEFT),
    RecordKind.CANCELLATION: Rule(6, Trigger.WORKER_LEFT),
    # An oversight note is an entry on the child's record. Children's social care records are
    # kept to the child's 25th birthday, and 75 years from birth for a child who has been
    # looked after; the app cannot tell whether a child was ever looked after (it holds the
    # legal status now), so the default is the longer period: deleting too early cannot be
    # undone, keeping longer can be shortened by the organisation.
    RecordKind.OVERSIGHT_NOTE: Rule(75, Trigger.CHILD_BORN),
    # A group session is a supervision record of each of its attendees: kept as theirs are,
    # 6 years, counted from the day the last of them leaves (see the module's note).
    RecordKind.GROUP_SESSION: Rule(6, Trigger.WORKER_LEFT),
}
MAX_YEARS = 150


class ScheduleError(AppError, ValueError):
    """A schedule entry that cannot be used; the message names the entry."""


@dataclass(frozen=True)
class Schedule:
    rules: Mapping[RecordKind, Rule]

    @classmethod
    def default(cls) -> "Schedule":
        return cls(dict(DEFAULT_SCHEDULE))

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any], where: str = "retention") -> "Schedule":
        """The defaults with the entries of ``raw`` (e.g. the ``[retention]`` table of the
        server's TOML file: ``supervision_session = { years = 6, after = "worker_left" }``)
        in their place. Raises :class:`ScheduleError` naming the entry."""
        rules = dict(DEFAULT_SCHEDULE)
        for key, value in raw.items():
            try:
                kind = RecordKind(key)
            except ValueError:
                raise ScheduleError(f"{where}: unknown kind of record {key!r}; the kinds are "
                                    f"{', '.join(k.value for k in RecordKind)}") from None
            if not isinstance(value, Mapping) or set(value) != {"years", "after"}:
                raise ScheduleError(f"{where}.{key} must be {{ years = N, after = \"TRIGGER\" }}")
            years, after = value["years"], value["after"]
            if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= MAX_YEARS:
                raise ScheduleError(f"{where}.{key}: years must be a whole number from 1 to "
                                    f"{MAX_YEARS}, not {years!r}")
            try:
                trigger = Trigger(after)
            except ValueError:
                trigger = None
            if trigger is None or trigger not in TRIGGERS_FOR[kind]:
                allowed = ", ".join(sorted(t.value for t in TRIGGERS_FOR[kind]))
                raise ScheduleError(f"{where}.{key}: after must be one of {allowed}, not {after!r}")
            rules[kind] = Rule(years, trigger)
        return cls(rules)

    def rule(self, kind: RecordKind) -> Rule:
        return self.rules[kind]


@dataclass(frozen=True)
class RecordFacts:
    """What the rule needs to know about one record, gathered by the caller."""

    kind: RecordKind
    record_id: str
    worker_active: bool = True  # the supervisee still works here (not disabled)
    worker_left_on: date | None = None  # their leaving date, when recorded
    case_closed_on: date | None = None  # the child's case; None while open
    child_born_on: date | None = None
    locked_on: date | None = None  # None until signed and locked
    on_hold: bool = False


@dataclass(frozen=True)
class Leaving:
    """One person's place in the directory, for retention: still working here, or not and
    when they left (None: not recorded yet)."""

    active: bool
    left_on: date | None = None


def last_attendee_leaving(attendees: Mapping[str, Leaving]) -> tuple[bool, date | None]:
    """``(worker_active, worker_left_on)`` for a group session's :class:`RecordFacts`: someone
    still works here while any attendee does; once none does, the day the last of them left,
    or None while anyone's leaving date is not recorded (nothing is deleted on a guess). A
    session with nobody listed has no date either."""
    if not attendees:
        return False, None
    if any(person.active for person in attendees.values()):
        return True, None
    days = [person.left_on for person in attendees.values()]
    if any(day is None for day in days):
        return False, None
    return False, max(d for d in days if d is not None)


class Status(StrEnum):
    DUE = "due"  # past its retention period: review and delete
    ON_HOLD = "on_hold"  # past it (or not), but under legal hold: never deleted while held
    NOT_YET = "not_yet"  # its period has not passed
    NO_DATE = "no_date"  # its period has not started (or its date is not recorded)


@dataclass(frozen=True)
class Review:
    status: Status
    due_on: date | None  # the first day it may be deleted, when known
    reason: str  # in words, for the review list


def add_years(day: date, years: int) -> date:
    """``years`` whole years after ``day``. From 29 February the period ends with 28 February,
    so the first day past it is 1 March: never a day early."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a year that has none
        return date(day.year + years, 2, 28) + timedelta(days=1)


def trigger_date(rule: Rule, facts: RecordFacts) -> tuple[date | None, str]:
    """The day the period starts, or None with the reason it has not."""
    if rule.after == Trigger.WORKER_LEFT:
        group = facts.kind == RecordKind.GROUP_SESSION
        if facts.worker_active:
            return None, "an attendee still works here" if group else "the worker still works here"
        if facts.worker_left_on is None:
            return None, ("an attendee's leaving date is not recorded (retention leaver)" if group
                          else "the worker's leaving date is not recorded (retention leaver)")
        return facts.worker_left_on, ""
    if rule.after == Trigger.CASE_CLOSED:
        if facts.case_closed_on is None:
            return None, "the child's case is open"
        return facts.case_closed_on, ""
    if rule.after == Trigger.CHILD_BORN:
        if facts.case_closed_on is None:
            return None, "the child's case is open"
        if facts.child_born_on is None:
            return None, "the child's date of birth is not recorded"
        return facts.child_born_on, ""
    if facts.locked_on is None:
        return None, "the record is not signed and locked"
    return facts.locked_on, ""


def due_on(rule: Rule, facts: RecordFacts) -> date | None:
    """The first day the record is past its retention period, if its period has started."""
    start, _why = trigger_date(rule, facts)
    return add_years(start, rule.years) if start is not None else None


def review(schedule: Schedule, facts: RecordFacts, today: date) -> Review:
    """Where the record stands on ``today``: due for review, on hold, not yet, or no date."""
    rule = schedule.rule(facts.kind)
    start, why = trigger_date(rule, facts)
    first = add_years(start, rule.years) if start is not None else None
    if facts.on_hold:
        return Review(Status.ON_HOLD, first, "on legal hold")
    if first is None:
        return Review(Status.NO_DATE, None, why)
    if today < first:
        return Review(Status.NOT_YET, first, f"kept until {first - timedelta(days=1)} "
                                             f"({rule.describe(facts.kind)})")
    return Review(Status.DUE, first, f"past its retention period ({rule.describe(facts.kind)})")


def is_due(schedule: Schedule, facts: RecordFacts, today: date) -> bool:
    """Is this record due for review (and deletion) on ``today``? Never while on hold."""
    return review(schedule, facts, today).status == Status.DUE

"""Retention of group supervision sessions (issue 21, DESIGN.md §3 rule 10): by default 6
years after the LAST of its attendees leaves (it is part of each one's supervision history);
nothing is due while anyone listed still works here or has no leaving date recorded; the
organisation may count it from its locking instead, and nothing else."""
from __future__ import annotations

from datetime import date

import pytest

from supervision_app.domain.retention import (
    DEFAULT_SCHEDULE,
    Leaving,
    RecordFacts,
    RecordKind,
    Rule,
    Schedule,
    ScheduleError,
    Status,
    Trigger,
    last_attendee_leaving,
    review,
)

DEFAULT = Schedule.default()


def facts(attendees: dict[str, Leaving], **kw) -> RecordFacts:
    active, left_on = last_attendee_leaving(attendees)
    return RecordFacts(RecordKind.GROUP_SESSION, "g1", worker_active=active, worker_left_on=left_on, **kw)


def test_by_default_a_group_session_is_kept_six_years_after_its_last_attendee_leaves():
    assert DEFAULT_SCHEDULE[RecordKind.GROUP_SESSION] == Rule(6, Trigger.WORKER_LEFT)
    both_left = facts({"ann": Leaving(False, date(2018, 1, 31)), "bo": Leaving(False, date(2019, 3, 29))})
    # the first to leave does not start it: Bo's leaving day does
    assert review(DEFAULT, both_left, date(2024, 1, 31)).status == Status.NOT_YET
    before = review(DEFAULT, both_left, date(2025, 3, 28))
    assert before.status == Status.NOT_YET
    assert before.reason == "kept until 2025-03-28 (6 years after the last attendee leaves)"
    assert review(DEFAULT, both_left, date(2025, 3, 29)).status == Status.DUE


def test_never_due_while_an_attendee_works_here_or_has_no_leaving_date():
    one_here = facts({"ann": Leaving(False, date(2001, 1, 31)), "bo": Leaving(True)})
    said = review(DEFAULT, one_here, date(2040, 1, 1))
    assert (said.status, said.reason) == (Status.NO_DATE, "an attendee still works here")
    no_date = facts({"ann": Leaving(False, date(2001, 1, 31)), "bo": Leaving(False, None)})
    said = review(DEFAULT, no_date, date(2040, 1, 1))
    assert said.status == Status.NO_DATE and "leaving date is not recorded" in said.reason
    assert review(DEFAULT, facts({}), date(2040, 1, 1)).status == Status.NO_DATE  # nobody listed


def test_legal_hold_keeps_a_group_session_past_its_period():
    held = facts({"ann": Leaving(False, date(2001, 1, 31))}, on_hold=True)
    assert review(DEFAULT, held, date(2040, 1, 1)).status == Status.ON_HOLD


def test_the_organisation_may_count_it_from_its_locking_but_not_from_a_childs_case():
    schedule = Schedule.from_mapping({"group_session": {"years": 8, "after": "record_locked"}})
    assert schedule.rule(RecordKind.GROUP_SESSION) == Rule(8, Trigger.RECORD_LOCKED)
    locked = RecordFacts(RecordKind.GROUP_SESSION, "g1", locked_on=date(2020, 5, 1))
    assert review(schedule, locked, date(2028, 5, 1)).status == Status.DUE
    unlocked = RecordFacts(RecordKind.GROUP_SESSION, "g1")
    assert review(schedule, unlocked, date(2040, 1, 1)).status == Status.NO_DATE
    with pytest.raises(ScheduleError, match="group_session: after must be one of record_locked, worker_left"):
        Schedule.from_mapping({"group_session": {"years": 8, "after": "case_closed"}})

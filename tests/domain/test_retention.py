"""Retention (DESIGN.md §3 rule 10): the schedule and the rule "is this record due for review
on date D", at the edges: the day before and the day the period ends, leap days, no leaving
date, a worker who came back, open cases, legal hold, and the schedule's own checks."""
from __future__ import annotations

from datetime import date

import pytest

from supervision_app.domain.retention import (
    DEFAULT_SCHEDULE,
    RecordFacts,
    RecordKind,
    Rule,
    Schedule,
    ScheduleError,
    Status,
    Trigger,
    add_years,
    due_on,
    is_due,
    review,
)

DEFAULT = Schedule.default()


def left(on: date | None, **kw) -> RecordFacts:
    return RecordFacts(RecordKind.SUPERVISION, "s1", worker_active=False, worker_left_on=on, **kw)


def test_default_supervision_records_are_kept_six_years_after_the_worker_leaves():
    assert DEFAULT_SCHEDULE[RecordKind.SUPERVISION] == Rule(6, Trigger.WORKER_LEFT)
    facts = left(date(2019, 3, 29))
    assert not is_due(DEFAULT, facts, date(2025, 3, 28))  # the last day of the six years
    assert is_due(DEFAULT, facts, date(2025, 3, 29))
    assert is_due(DEFAULT, facts, date(2040, 1, 1))
    assert review(DEFAULT, facts, date(2025, 3, 28)).reason == (
        "kept until 2025-03-28 (6 years after the worker leaves)")


def test_every_kind_has_a_default_and_parts_are_not_scheduled_apart_from_their_record():
    assert set(DEFAULT_SCHEDULE) == set(RecordKind)
    assert {k.value for k in RecordKind} == {"supervision_session", "supervision_agreement",
                                             "session_cancellation", "oversight_note", "group_session"}
    # the history of a worker goes together
    assert DEFAULT_SCHEDULE[RecordKind.AGREEMENT] == DEFAULT_SCHEDULE[RecordKind.SUPERVISION]
    assert DEFAULT_SCHEDULE[RecordKind.CANCELLATION] == DEFAULT_SCHEDULE[RecordKind.SUPERVISION]


@pytest.mark.parametrize("start, years, first", [
    (date(2020, 2, 29), 6, date(2026, 3, 1)),  # no 29 February in 2026: a day late, never early
    (date(2020, 2, 29), 4, date(2024, 2, 29)),  # a leap year again
    (date(2019, 2, 28), 1, date(2020, 2, 28)),
    (date(2019, 12, 31), 6, date(2025, 12, 31)),
    (date(2020, 3, 1), 75, date(2095, 3, 1)),
])
def test_whole_years_from_a_day(start, years, first):
    assert add_years(start, years) == first


def test_a_leaver_on_a_leap_day_is_due_on_the_first_of_march():
    facts = left(date(2020, 2, 29))
    assert due_on(DEFAULT.rule(RecordKind.SUPERVISION), facts) == date(2026, 3, 1)
    assert not is_due(DEFAULT, facts, date(2026, 2, 28))
    assert is_due(DEFAULT, facts, date(2026, 3, 1))


def test_no_leaving_date_is_never_due_and_says_why():
    facts = left(None)
    result = review(DEFAULT, facts, date(2099, 1, 1))
    assert result.status == Status.NO_DATE and result.due_on is None
    assert "leaving date is not recorded" in result.reason
    assert not is_due(DEFAULT, facts, date(2099, 1, 1))


def test_a_worker_still_working_here_is_never_due_even_with_an_old_leaving_date():
    # they left in 2010 and came back: their history is live again
    facts = RecordFacts(RecordKind.SUPERVISION, "s1", worker_active=True,
                        worker_left_on=date(2010, 1, 1))
    result = review(DEFAULT, facts, date(2030, 1, 1))
    assert result.status == Status.NO_DATE and result.reason == "the worker still works here"


def test_legal_hold_stops_a_due_record_being_due_and_release_restores_it():
    held = left(date(2010, 1, 1), on_hold=True)
    result = review(DEFAULT, held, date(2030, 1, 1))
    assert result.status == Status.ON_HOLD and result.due_on == date(2016, 1, 1)
    assert not is_due(DEFAULT, held, date(2030, 1, 1))
    assert is_due(DEFAULT, left(date(2010, 1, 1), on_hold=False), date(2030, 1, 1))
    # a hold on a record not yet due, or with no date, is still a hold
    assert review(DEFAULT, left(None, on_hold=True), date(2030, 1, 1)).status == Status.ON_HOLD


def test_oversight_notes_by_default_wait_for_a_closed_case_and_75_years_from_birth():
    rule = DEFAULT.rule(RecordKind.OVERSIGHT_NOTE)
    assert rule == Rule(75, Trigger.CHILD_BORN)
    open_case = RecordFacts(RecordKind.OVERSIGHT_NOTE, "n1", child_born_on=date(1940, 1, 1))
    assert review(DEFAULT, open_case, date(2030, 1, 1)).reason == "the child's case is open"
    closed = RecordFacts(RecordKind.OVERSIGHT_NOTE, "n1", child_born_on=date(2000, 5, 17),
                         case_closed_on=date(2018, 5, 17))
    assert not is_due(DEFAULT, closed, date(2075, 5, 16))
    assert is_due(DEFAULT, closed, date(2075, 5, 17))
    no_birth = RecordFacts(RecordKind.OVERSIGHT_NOTE, "n1", case_closed_on=date(2018, 5, 17))
    assert review(DEFAULT, no_birth, date(2100, 1, 1)).status == Status.NO_DATE


def test_an_organisation_schedule_replaces_only_the_entries_it_names():
    schedule = Schedule.from_mapping({
        "oversight_note": {"years": 25, "after": "case_closed"},
        "supervision_session": {"years": 7, "after": "record_locked"},
    })
    assert schedule.rule(RecordKind.OVERSIGHT_NOTE) == Rule(25, Trigger.CASE_CLOSED)
    assert schedule.rule(RecordKind.AGREEMENT) == DEFAULT_SCHEDULE[RecordKind.AGREEMENT]
    note = RecordFacts(RecordKind.OVERSIGHT_NOTE, "n1", case_closed_on=date(2001, 1, 1))
    assert is_due(schedule, note, date(2026, 1, 1)) and not is_due(schedule, note, date(2025, 12, 31))
    # counted from locking: a draft is never due; the worker's leaving does not matter
    draft = left(date(2000, 1, 1))
    assert review(schedule, draft, date(2099, 1, 1)).reason == "the record is not signed and locked"
    locked = RecordFacts(RecordKind.SUPERVISION, "s1", worker_active=True, locked_on=date(2019, 6, 3))
    assert is_due(schedule, locked, date(2026, 6, 3)) and not is_due(schedule, locked, date(2026, 6, 2))


@pytest.mark.parametrize("raw, words", [
    ({"supervision": {"years": 6, "after": "worker_left"}}, "unknown kind of record 'supervision'"),
    ({"supervision_session": 6}, "must be { years = N, after"),
    ({"supervision_session": {"years": 6}}, "must be { years = N, after"),
    ({"supervision_session": {"years": 0, "after": "worker_left"}}, "from 1 to 150, not 0"),
    ({"supervision_session": {"years": True, "after": "worker_left"}}, "not True"),
    ({"supervision_session": {"years": 6.5, "after": "worker_left"}}, "not 6.5"),
    ({"supervision_session": {"years": 6, "after": "case_closed"}},
     "after must be one of record_locked, worker_left, not 'case_closed'"),
    ({"session_cancellation": {"years": 6, "after": "record_locked"}},
     "after must be one of worker_left"),
    ({"oversight_note": {"years": 6, "after": "worker_left"}}, "not 'worker_left'"),
])
def test_a_bad_schedule_entry_is_named(raw, words):
    with pytest.raises(ScheduleError, match=None) as raised:
        Schedule.from_mapping(raw, "server.toml [retention]")
    assert words in str(raised.value) and "server.toml [retention]" in str(raised.value)

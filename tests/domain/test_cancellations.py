"""Rebooking deadline for a cancelled supervision, across weekends and England's bank
holidays (pinned dates), and the short-session flag."""
from datetime import date

import pytest

from supervision_app.domain.cancellations import (
    RebookingOutcome,
    cancellation_problem,
    is_short_session,
    rebook_by,
    rebooking,
)


def test_an_ordinary_week_gives_five_working_days():
    # Monday 2 November 2026 -> Monday 9 November (the weekend not counted)
    assert rebook_by(date(2026, 11, 2)) == date(2026, 11, 9)


def test_christmas_and_new_year_bank_holidays_are_skipped():
    # Thu 24 Dec 2026: Christmas (Fri 25), Boxing Day substitute (Mon 28) and New Year's
    # Day (Fri 1 Jan) are not working days: 29, 30, 31 Dec, 4 and 5 Jan
    assert rebook_by(date(2026, 12, 24)) == date(2027, 1, 5)


def test_easter_is_skipped():
    # Thu 25 Mar 2027: Good Friday 26 Mar and Easter Monday 29 Mar are bank holidays
    assert rebook_by(date(2027, 3, 25)) == date(2027, 4, 5)


def test_the_window_runs_from_the_return_from_leave_when_later():
    assert rebook_by(date(2026, 12, 1), returned_on=date(2026, 12, 24)) == date(2027, 1, 5)
    # a return before the cancellation changes nothing
    assert rebook_by(date(2026, 11, 2), returned_on=date(2026, 10, 1)) == date(2026, 11, 9)


@pytest.mark.parametrize("rebooked_on, today, outcome", [
    (date(2027, 1, 5), date(2027, 2, 1), RebookingOutcome.ON_TIME),
    (date(2027, 1, 6), date(2027, 2, 1), RebookingOutcome.LATE),
    (None, date(2027, 1, 5), RebookingOutcome.NOT_REBOOKED_YET),
    (None, date(2027, 1, 6), RebookingOutcome.NOT_REBOOKED),
])
def test_rebooking_outcome(rebooked_on, today, outcome):
    result = rebooking(date(2026, 12, 24), rebooked_on, today)
    assert result.deadline == date(2027, 1, 5)
    assert result.outcome == outcome
    assert result.outcome.is_late == (outcome in (RebookingOutcome.LATE, RebookingOutcome.NOT_REBOOKED))


def test_short_sessions_against_the_standard_duration():
    assert is_short_session(60)
    assert not is_short_session(90)
    assert not is_short_session(60, standard_minutes=60)


def test_a_cancellation_needs_who_and_why_and_a_sensible_rebooked_date():
    day = date(2026, 11, 2)
    assert cancellation_problem("nobody", "ill", day, day, None) == "Choose who cancelled the session."
    assert "reason" in cancellation_problem("supervisee", "  ", day, day, None)
    assert "before" in cancellation_problem("supervisee", "ill", day, day, date(2026, 11, 1))
    assert cancellation_problem("other", "court hearing", day, day, date(2026, 11, 5)) is None

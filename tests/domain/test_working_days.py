from datetime import date, timedelta

from hypothesis import given, strategies as st

from supervision_app.domain.working_days import (
    add_working_days,
    is_working_day,
    record_deadlines,
    working_days_between,
)

dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


def test_weekends_are_skipped():
    # Friday 20 Nov 2026 + 1 working day = Monday 23 Nov
    assert add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 23)


def test_christmas_and_new_year_bank_holidays_are_skipped():
    # 25 Dec (Fri), 28 Dec (Mon, Boxing Day substitute) and 1 Jan are bank holidays in 2026/27.
    assert add_working_days(date(2026, 12, 23), 5) == date(2027, 1, 4)


def test_easter_monday_and_early_may_are_not_working_days():
    assert not is_working_day(date(2026, 4, 6))  # Easter Monday
    assert not is_working_day(date(2026, 4, 3))  # Good Friday
    assert not is_working_day(date(2026, 5, 4))  # Early May bank holiday
    assert is_working_day(date(2026, 4, 7))


def test_scottish_only_holidays_do_not_count_in_england_and_wales():
    assert is_working_day(date(2027, 1, 4)) is True  # 2 Jan substitute is Scotland only
    assert is_working_day(date(2026, 8, 3))  # Scottish summer bank holiday


def test_record_deadlines():
    deadlines = record_deadlines(date(2026, 11, 23), shared_on=None)
    assert deadlines.share_by == date(2026, 11, 30)
    assert deadlines.sign_by is None
    deadlines = record_deadlines(date(2026, 11, 23), shared_on=date(2026, 11, 26))
    assert deadlines.sign_by == date(2026, 12, 3)


@given(start=dates, n=st.integers(0, 40))
def test_adding_n_working_days_lands_on_a_working_day_exactly_n_away(start, n):
    end = add_working_days(start, n)
    assert working_days_between(start, end) == n
    if n:
        assert is_working_day(end)
        assert end > start
    assert (end - start).days <= n * 2 + 6  # never more than a couple of holidays per week


@given(start=dates, a=st.integers(0, 30), b=st.integers(0, 30))
def test_adding_working_days_is_monotonic(start, a, b):
    if a <= b:
        assert add_working_days(start, a) <= add_working_days(start, b)


@given(start=dates)
def test_five_working_days_from_a_weekday_spans_at_least_a_calendar_week(start):
    # A week holds exactly five weekdays, so from a weekday five working days can never take less.
    if start.weekday() < 5:
        assert add_working_days(start, 5) - start >= timedelta(days=7)
    else:
        assert add_working_days(start, 5) - start >= timedelta(days=5)

from datetime import date, timedelta

import pytest
from hypothesis import given, strategies as st

from supervision_app.domain.supervision_policy import (
    AsyePhase,
    SupervisionPolicy,
    next_supervision_due,
    supervision_status,
)
from supervision_app.domain.vocabulary import SupervisionStatus

POLICY = SupervisionPolicy()
dates = st.dates(min_value=date(2015, 1, 1), max_value=date(2040, 12, 31))


def test_default_is_every_four_weeks():
    due, interval = next_supervision_due(POLICY, last_held=date(2026, 1, 5), started_on=date(2020, 1, 1))
    assert (due, interval) == (date(2026, 2, 2), 28)


@pytest.mark.parametrize(
    ("days_into_asye", "expected_interval"),
    [(0, 7), (41, 7), (42, 14), (181, 14), (182, 28), (400, 28)],
)
def test_asye_schedule_weekly_then_fortnightly_then_four_weekly(days_into_asye, expected_interval):
    start = date(2026, 1, 5)
    last = start + timedelta(days=days_into_asye)
    due, interval = next_supervision_due(POLICY, last_held=last, started_on=start, asye_start=start)
    assert interval == expected_interval
    assert due == last + timedelta(days=expected_interval)


def test_never_supervised_is_due_one_interval_after_starting():
    start = date(2026, 3, 2)
    status = supervision_status(POLICY, today=date(2026, 3, 2), last_held=None, started_on=start, asye_start=start)
    assert status.next_due == date(2026, 3, 9)
    assert status.status == SupervisionStatus.DUE_SOON


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 1, 20), SupervisionStatus.ON_TRACK),   # 13 days before due
        (date(2026, 1, 26), SupervisionStatus.DUE_SOON),   # exactly 7 days before due
        (date(2026, 2, 2), SupervisionStatus.DUE_SOON),    # due today
        (date(2026, 2, 3), SupervisionStatus.OVERDUE),     # a day late
    ],
)
def test_status_bands(today, expected):
    status = supervision_status(POLICY, today=today, last_held=date(2026, 1, 5), started_on=date(2020, 1, 1))
    assert status.status == expected
    assert status.next_due == date(2026, 2, 2)


def test_team_policy_overrides_defaults_and_round_trips_as_json():
    policy = SupervisionPolicy(standard_interval_days=21, asye_phases=(AsyePhase(28, 7),), due_soon_days=3)
    assert SupervisionPolicy.from_json(policy.to_json()) == policy
    due, interval = next_supervision_due(policy, last_held=date(2026, 1, 1), started_on=date(2020, 1, 1))
    assert interval == 21 and due == date(2026, 1, 22)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"standard_interval_days": 0},
        {"due_soon_days": -1},
        {"asye_phases": (AsyePhase(42, 7), AsyePhase(30, 14))},  # out of order
        {"asye_phases": (AsyePhase(42, 60),)},  # ASYE less frequent than standard
    ],
)
def test_nonsense_policies_are_refused(kwargs):
    with pytest.raises(ValueError):
        SupervisionPolicy(**kwargs)


@given(last=dates, start=dates, asye=st.one_of(st.none(), dates))
def test_next_due_is_always_after_the_last_session_by_a_known_interval(last, start, asye):
    due, interval = next_supervision_due(POLICY, last_held=last, started_on=start, asye_start=asye)
    assert interval in (7, 14, 28)
    assert due - last == timedelta(days=interval)


@given(asye=dates, a=st.integers(0, 800), b=st.integers(0, 800))
def test_asye_supervision_never_gets_denser_as_time_passes(asye, a, b):
    early, late = sorted((a, b))
    assert POLICY.interval_on(asye + timedelta(days=early), asye) <= POLICY.interval_on(
        asye + timedelta(days=late), asye
    )


@given(last=dates, offset=st.integers(-400, 400))
def test_status_is_consistent_with_due_date(last, offset):
    today = last + timedelta(days=offset)
    status = supervision_status(POLICY, today=today, last_held=last, started_on=last)
    if today > status.next_due:
        assert status.status == SupervisionStatus.OVERDUE
    elif (status.next_due - today).days <= 7:
        assert status.status == SupervisionStatus.DUE_SOON
    else:
        assert status.status == SupervisionStatus.ON_TRACK

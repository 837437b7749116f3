"""The pure rules, worked out by hand."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from supervision_app.assurance.rules import (
    OccasionOutcome as O,
    period_months,
    supervision_occasions,
    timeliness,
)
from supervision_app.domain.supervision_policy import SupervisionPolicy

POLICY = SupervisionPolicy()


def outcomes(occasions):
    return [(o.due, o.outcome, o.held_on) for o in occasions]


def test_period_is_whole_months_ending_with_todays():
    p = period_months(date(2026, 3, 20), 6)
    assert p.start == date(2025, 10, 1) and p.end == date(2026, 3, 20)
    assert p.months == (date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1),
                        date(2026, 2, 1), date(2026, 3, 1))
    assert period_months(date(2026, 1, 31), 3).start == date(2025, 11, 1)
    assert len(period_months(date(2026, 1, 31), 12).months) == 12
    with pytest.raises(ValueError):
        period_months(date(2026, 1, 1), 0)


def test_worker_who_started_mid_month_is_first_due_one_interval_after_starting():
    occ = supervision_occasions(POLICY, started_on=date(2026, 1, 14), asye_start=None,
                                held_days=[date(2026, 2, 10)], today=date(2026, 3, 20))
    assert outcomes(occ) == [
        (date(2026, 2, 11), O.WITHIN_POLICY, date(2026, 2, 10)),
        (date(2026, 3, 10), O.OVERDUE, None),
    ]
    # nothing is due in January, the month they started
    assert all(o.due >= date(2026, 2, 1) for o in occ)


def test_late_then_missed_intervals_then_overdue():
    held = [date(2025, 9, 10), date(2025, 10, 8), date(2025, 11, 12), date(2025, 12, 23)]
    occ = supervision_occasions(POLICY, started_on=date(2025, 9, 1), asye_start=None,
                                held_days=held, today=date(2026, 3, 20))
    assert outcomes(occ) == [
        (date(2025, 9, 29), O.WITHIN_POLICY, date(2025, 9, 10)),
        (date(2025, 10, 8), O.WITHIN_POLICY, date(2025, 10, 8)),
        (date(2025, 11, 5), O.LATE, date(2025, 11, 12)),
        (date(2025, 12, 10), O.LATE, date(2025, 12, 23)),
        (date(2026, 1, 20), O.MISSED, None),
        (date(2026, 2, 17), O.MISSED, None),
        (date(2026, 3, 17), O.OVERDUE, None),
    ]


def test_due_today_is_not_yet_overdue_and_two_sessions_on_one_day_count_once():
    occ = supervision_occasions(POLICY, started_on=date(2026, 1, 1), asye_start=None,
                                held_days=[date(2026, 1, 5), date(2026, 1, 5)], today=date(2026, 2, 2))
    assert outcomes(occ) == [(date(2026, 1, 29), O.WITHIN_POLICY, date(2026, 1, 5))]
    occ = supervision_occasions(POLICY, started_on=date(2026, 1, 1), asye_start=None,
                                held_days=[], today=date(2026, 1, 29))
    assert occ == []


def test_asye_worker_crossing_six_months_moves_from_fortnightly_to_four_weekly():
    start = date(2025, 9, 1)
    weekly = [date(2025, 9, 8), date(2025, 9, 15), date(2025, 9, 22), date(2025, 9, 29),
              date(2025, 10, 6), date(2025, 10, 13)]  # day 42 is 13/10
    fortnightly = [date(2025, 10, 27), date(2025, 11, 10), date(2025, 11, 24), date(2025, 12, 8),
                   date(2025, 12, 22), date(2026, 1, 5), date(2026, 1, 19), date(2026, 2, 2),
                   date(2026, 2, 16)]
    held = weekly + fortnightly + [date(2026, 3, 16)]
    occ = supervision_occasions(POLICY, started_on=start, asye_start=start, held_days=held,
                                today=date(2026, 3, 20))
    assert [o.interval_days for o in occ[:6]] == [7] * 6
    assert [o.interval_days for o in occ[6:]] == [14] * 10
    # 16/02 is day 168 (fortnightly), so the next was due 02/03 (day 182), held a fortnight late
    assert outcomes(occ)[-1] == (date(2026, 3, 2), O.LATE, date(2026, 3, 16))
    assert all(o.outcome == O.WITHIN_POLICY for o in occ[:-1])
    # once past six months, 4-weekly: the next is due 13/04, so nothing is overdue on 12/04
    later = supervision_occasions(POLICY, started_on=start, asye_start=start, held_days=held,
                                  today=date(2026, 4, 13))
    assert len(later) == len(occ)


def test_timeliness_counts_working_days_across_the_christmas_bank_holidays():
    # Tue 23/12/2025: 24/12, (25, 26 bank holidays, weekend), 29, 30, 31/12, (1/1), 2/1
    t = timeliness(date(2025, 12, 23), date(2026, 1, 2), date(2026, 1, 9), date(2026, 3, 1))
    assert t.share_by == date(2026, 1, 2) and t.shared_on_time is True
    assert t.sign_by == date(2026, 1, 9) and t.signed_on_time is True
    t = timeliness(date(2025, 12, 23), date(2026, 1, 5), None, date(2026, 1, 12))
    assert t.shared_on_time is False
    assert t.sign_by == date(2026, 1, 12) and t.signed_on_time is None  # due today: undecided
    t = timeliness(date(2025, 12, 23), date(2026, 1, 5), None, date(2026, 1, 13))
    assert t.signed_on_time is False


def test_timeliness_not_decided_before_the_deadline():
    t = timeliness(date(2026, 3, 17), None, None, date(2026, 3, 20))
    assert t.share_by == date(2026, 3, 24)
    assert t.shared_on_time is None and t.signed_on_time is None
    t = timeliness(date(2026, 3, 9), None, None, date(2026, 3, 20))
    assert t.shared_on_time is False and t.signed_on_time is None


from hypothesis import given, settings, strategies as st  # noqa: E402

from supervision_app.assurance.rules import occasions_from  # noqa: E402


@settings(max_examples=150, deadline=None)
@given(gaps=st.lists(st.integers(1, 120), max_size=40), start_offset=st.integers(0, 2000),
       asye=st.booleans(), period_back=st.integers(0, 900),
       horizon=st.sampled_from([POLICY.standard_interval_days + 1, 60, 367]))
def test_walking_from_a_year_before_the_period_gives_the_same_occasions(gaps, start_offset, asye,
                                                                         period_back, horizon):
    """And from just over the longest interval before it (what the dashboard does)."""
    today = date(2026, 3, 20)
    started = today - timedelta(days=start_offset)
    held, day = [], started
    for gap in gaps:
        day += timedelta(days=gap)
        held.append(day)
    period_start = today - timedelta(days=period_back)
    asye_start = started if asye else None
    full = [o for o in supervision_occasions(POLICY, started_on=started, asye_start=asye_start,
                                             held_days=held, today=today) if o.due >= period_start]
    assert occasions_from(POLICY, started_on=started, asye_start=asye_start, held_days=held,
                          today=today, period_start=period_start, horizon_days=horizon) == full


@settings(max_examples=300, deadline=None)
@given(gaps=st.lists(st.integers(1, 900), max_size=12), start_offset=st.integers(0, 4000),
       asye_offset=st.one_of(st.none(), st.integers(-400, 400)), period_back=st.integers(0, 900),
       standard=st.integers(14, 60), extra=st.integers(1, 40))
def test_stepping_over_long_runs_of_missed_supervision_is_exact(gaps, start_offset, asye_offset,
                                                                period_back, standard, extra):
    """A worker never (or rarely) supervised for years: the walk steps over the missed
    occasions before the period in one move, with any policy and an ASYE year before,
    during or after the period."""
    from supervision_app.domain.supervision_policy import AsyePhase

    policy = SupervisionPolicy(standard_interval_days=standard,
                               asye_phases=(AsyePhase(42, min(7, standard)), AsyePhase(182, min(14, standard))))
    today = date(2026, 3, 20)
    started = today - timedelta(days=start_offset)
    held, day = [], started
    for gap in gaps:
        day += timedelta(days=gap)
        held.append(day)
    period_start = today - timedelta(days=period_back)
    asye_start = None if asye_offset is None else started + timedelta(days=asye_offset)
    full = [o for o in supervision_occasions(policy, started_on=started, asye_start=asye_start,
                                             held_days=held, today=today) if o.due >= period_start]
    assert occasions_from(policy, started_on=started, asye_start=asye_start, held_days=held, today=today,
                          period_start=period_start, horizon_days=standard + extra) == full

"""The counting rule for group sessions in the compliance figures (issue 21), worked out by
hand: a group session counts toward a worker's supervision frequency only where the team
they are in counts group sessions, only when they were present, and only once the
supervisor and they have signed it; a worker who moved team is counted as their team now
says, as their schedule is walked under that team's policy."""
from __future__ import annotations

from datetime import date

from supervision_app.assurance.rules import (
    GroupAttended,
    OccasionOutcome,
    group_days_for_schedule,
    supervision_occasions,
)
from supervision_app.domain.supervision_policy import SupervisionPolicy

TODAY = date(2026, 3, 20)
COUNTS = SupervisionPolicy(group_counts_toward_frequency=True)
DOES_NOT = SupervisionPolicy()  # the default: group sessions are in addition to 1:1


def test_a_team_that_counts_group_sessions_counts_signed_ones_the_worker_was_present_at():
    attended = [
        GroupAttended("g1", date(2026, 2, 3), present=True, signed=True),
        GroupAttended("g2", date(2026, 2, 17), present=False, signed=False),  # apologies
        GroupAttended("g3", date(2026, 3, 3), present=True, signed=False),  # not signed by both yet
        GroupAttended("g4", date(2026, 3, 30), present=True, signed=True),  # after the day asked about
    ]
    assert group_days_for_schedule(COUNTS, attended, today=TODAY) == {date(2026, 2, 3): "g1"}


def test_a_team_that_does_not_count_them_counts_none():
    attended = [GroupAttended("g1", date(2026, 2, 3), present=True, signed=True)]
    assert DOES_NOT.group_counts_toward_frequency is False
    assert group_days_for_schedule(DOES_NOT, attended, today=TODAY) == {}


def test_two_group_sessions_on_one_day_count_once():
    attended = [GroupAttended("gb", date(2026, 2, 3), True, True), GroupAttended("ga", date(2026, 2, 3), True, True)]
    assert group_days_for_schedule(COUNTS, attended, today=TODAY) == {date(2026, 2, 3): "ga"}


def test_a_worker_who_moved_team_is_counted_as_their_team_now_says():
    """Started 5 January 2026 (first due 2 February, every 28 days); a signed group session
    on 30 January held by their old team, which counted group sessions. Walked under the
    policy of the team they are in now."""
    attended = [GroupAttended("g1", date(2026, 1, 30), present=True, signed=True)]

    def occasions(policy_now):
        days = group_days_for_schedule(policy_now, attended, today=TODAY)
        return [(o.due, o.outcome, o.held_on) for o in supervision_occasions(
            policy_now, started_on=date(2026, 1, 5), asye_start=None, held_days=days, today=TODAY)]

    # moved into a team that counts them: the session met the 2 February occasion
    assert occasions(COUNTS) == [
        (date(2026, 2, 2), OccasionOutcome.WITHIN_POLICY, date(2026, 1, 30)),
        (date(2026, 2, 27), OccasionOutcome.OVERDUE, None)]
    # moved into a team that does not: nothing was held for it, and it is overdue
    assert occasions(DOES_NOT) == [
        (date(2026, 2, 2), OccasionOutcome.MISSED, None),
        (date(2026, 3, 2), OccasionOutcome.OVERDUE, None)]

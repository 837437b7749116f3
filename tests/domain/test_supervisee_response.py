"""DESIGN.md §3 rule 3: the supervisor signs once the supervisee has responded, or once
their 5 working days (England bank holidays) have passed without a response. Every date is
pinned: the rule takes "today" from its caller."""
from dataclasses import replace
from datetime import date

import pytest

from supervision_app.domain.permissions import Actor, Operation as Op, SupervisionTarget, decide
from supervision_app.domain.supervisee_response import (
    NO_RESPONSE,
    day_words,
    has_responded,
    response_due,
    signed_without_response,
    supervisor_may_sign_from,
    window_passed,
)
from supervision_app.domain.vocabulary import RecordState as S, Role

manager = Actor("tm1", Role.TEAM_MANAGER, frozenset({"team-a"}))
worker = Actor("w1", Role.SOCIAL_WORKER)
MON_7_DEC = date(2026, 12, 7)


def shared(on: date, today: date, *, responded: bool = False, state: S = S.SHARED) -> SupervisionTarget:
    return SupervisionTarget(supervisee_id="w1", supervisor_id="tm1", supervisee_team_id="team-a",
                             state=state, supervisee_responded=responded, shared_on=on, today=today,
                             supervisee_name="Sam Jones")


@pytest.mark.parametrize(("agreement", "responded"), [
    ("agrees", True), ("disagrees", True), (None, False), ("", False)])
def test_a_response_is_a_recorded_agreement_or_disagreement(agreement, responded):
    assert has_responded(agreement) is responded


def test_once_the_supervisee_has_responded_the_supervisor_signs_the_same_day():
    assert decide(manager, Op.SIGN_AS_SUPERVISOR, shared(MON_7_DEC, MON_7_DEC, responded=True))


@pytest.mark.parametrize("today", [MON_7_DEC, date(2026, 12, 11), date(2026, 12, 14)])
def test_within_the_window_with_no_response_the_supervisor_waits_and_is_told_until_when(today):
    decision = decide(manager, Op.SIGN_AS_SUPERVISOR, shared(MON_7_DEC, today))
    assert not decision
    assert decision.reason == ("You can sign once Sam Jones has responded, or from Tue 15 Dec 2026 "
                               "if they have not.")


def test_from_the_day_after_the_fifth_working_day_the_supervisor_signs_without_a_response():
    assert response_due(MON_7_DEC) == date(2026, 12, 14)  # Tue..Fri, then Mon after the weekend
    assert decide(manager, Op.SIGN_AS_SUPERVISOR, shared(MON_7_DEC, date(2026, 12, 15)))
    assert decide(manager, Op.SIGN_AS_SUPERVISOR, shared(MON_7_DEC, date(2027, 3, 1)))


def test_the_window_skips_a_weekend_and_a_bank_holiday():
    # Wed 20 May 2026: Thu, Fri, (Sat, Sun, Mon 25 May Spring bank holiday), Tue, Wed, Thu 28
    wed = date(2026, 5, 20)
    assert response_due(wed) == date(2026, 5, 28)
    assert not decide(manager, Op.SIGN_AS_SUPERVISOR, shared(wed, date(2026, 5, 28)))
    assert decide(manager, Op.SIGN_AS_SUPERVISOR, shared(wed, date(2026, 5, 29)))


def test_christmas_and_its_substitute_bank_holiday_are_not_working_days():
    # Mon 21 Dec 2026: Tue, Wed, Thu 24, (Fri 25, Sat 26, Sun, Mon 28 substitute), Tue 29, Wed 30
    assert supervisor_may_sign_from(date(2026, 12, 21)) == date(2026, 12, 31)
    refused = decide(manager, Op.SIGN_AS_SUPERVISOR, shared(date(2026, 12, 21), date(2026, 12, 30)))
    assert "from Thu 31 Dec 2026" in refused.reason


def test_unknown_facts_make_the_supervisor_wait_for_a_response():
    unknown = SupervisionTarget(supervisee_id="w1", supervisor_id="tm1", supervisee_team_id="team-a",
                                state=S.SHARED)
    decision = decide(manager, Op.SIGN_AS_SUPERVISOR, unknown)
    assert not decision and decision.reason == "You can sign once the supervisee has responded."
    no_clock = replace(shared(date(2026, 11, 2), date(2026, 12, 7)), today=None)
    assert not decide(manager, Op.SIGN_AS_SUPERVISOR, no_clock)
    assert not window_passed(None, date(2030, 1, 1))


def test_the_lifecycle_and_the_signer_are_still_checked_first():
    passed = shared(MON_7_DEC, date(2027, 1, 4))
    assert not decide(worker, Op.SIGN_AS_SUPERVISOR, passed)
    assert "still a draft" in decide(manager, Op.SIGN_AS_SUPERVISOR, replace(passed, state=S.DRAFT)).reason
    # the supervisee's own signature does not wait on the window
    assert decide(worker, Op.SIGN_AS_SUPERVISEE, replace(passed, state=S.SUPERVISOR_SIGNED))


def test_the_record_says_no_response_only_where_that_is_why_the_supervisor_could_sign():
    assert NO_RESPONSE == "No response within 5 working days"
    assert signed_without_response(None, MON_7_DEC, date(2026, 12, 15))
    assert not signed_without_response(None, MON_7_DEC, date(2026, 12, 14))  # still their time
    assert not signed_without_response("agrees", MON_7_DEC, date(2027, 1, 4))
    assert not signed_without_response(None, MON_7_DEC, None)  # not signed, no day known


def test_days_are_written_in_english_whatever_the_locale():
    assert day_words(date(2026, 12, 15)) == "Tue 15 Dec 2026"
    assert day_words(date(2027, 1, 3)) == "Sun 3 Jan 2027"

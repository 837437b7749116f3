"""Whose move a supervision record waits on (``domain.next_step``): the rule the team page's
"Waiting for you" list and the signature reminder share."""
from datetime import date

import pytest

from supervision_app.domain.next_step import (
    SIGNATURES,
    SUPERVISOR_STEPS,
    next_step,
    next_step_is_mine,
)
from supervision_app.domain.permissions import Actor, Operation as Op, SupervisionTarget
from supervision_app.domain.vocabulary import RecordState as S, Role

worker = Actor("w1", Role.SOCIAL_WORKER)
manager = Actor("tm1", Role.TEAM_MANAGER, frozenset({"team-a"}))
service_manager = Actor("sm1", Role.SERVICE_MANAGER, frozenset({"team-a"}))

SHARED_ON = date(2026, 11, 2)  # a Monday: the supervisee's 5 working days end on 9 November


def record(state: S, *, responded: bool = True, today: date = date(2026, 11, 3)) -> SupervisionTarget:
    return SupervisionTarget(supervisee_id="w1", supervisor_id="tm1", supervisee_team_id="team-a",
                             state=state, supervisee_responded=responded,
                             shared_on=SHARED_ON if state != S.DRAFT else None, today=today)


@pytest.mark.parametrize(("actor", "state", "step"), [
    (manager, S.DRAFT, Op.SHARE),
    (manager, S.SHARED, Op.SIGN_AS_SUPERVISOR),
    (manager, S.SUPERVISOR_SIGNED, None),  # the supervisee signs next
    (manager, S.LOCKED, None),
    (worker, S.DRAFT, None),
    (worker, S.SHARED, None),  # a response moves nothing on; the supervisor signs first
    (worker, S.SUPERVISOR_SIGNED, Op.SIGN_AS_SUPERVISEE),
    (worker, S.LOCKED, None),
    (service_manager, S.SHARED, None),  # a manager above sees the record; it is not their step
])
def test_each_state_waits_on_one_person(actor, state, step):
    assert next_step(actor, record(state)) == step


def test_the_supervisor_s_signature_waits_for_the_response_or_the_end_of_the_window():
    waiting = record(S.SHARED, responded=False, today=date(2026, 11, 6))
    assert next_step(manager, waiting) is None
    assert next_step(manager, record(S.SHARED, responded=False, today=date(2026, 11, 10))) == Op.SIGN_AS_SUPERVISOR


def test_each_list_names_the_steps_it_counts():
    # "Waiting for you" takes drafts to share; the reminder counts only signatures, both sides'
    assert next_step_is_mine(manager, record(S.DRAFT), SUPERVISOR_STEPS)
    assert not next_step_is_mine(manager, record(S.DRAFT), SIGNATURES)
    assert next_step_is_mine(manager, record(S.SHARED), SUPERVISOR_STEPS)
    assert next_step_is_mine(manager, record(S.SHARED), SIGNATURES)
    assert next_step_is_mine(worker, record(S.SUPERVISOR_SIGNED), SIGNATURES)
    assert not next_step_is_mine(worker, record(S.SUPERVISOR_SIGNED), SUPERVISOR_STEPS)

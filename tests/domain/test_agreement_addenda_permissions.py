"""Addenda to a signed supervision agreement (issue 21): the same rule as a signed record's,
asked of ``domain.permissions.decide`` by the app and the server alike."""
from __future__ import annotations

import pytest

from supervision_app.domain.permissions import (
    Actor,
    AddendumTarget,
    AgreementTarget,
    Operation,
    decide,
)
from supervision_app.domain.vocabulary import RecordState, Role

SUPERVISOR = Actor("mgr", Role.TEAM_MANAGER, managed_team_ids=frozenset({"team-a"}))
WORKER = Actor("wkr", Role.SOCIAL_WORKER)
OTHER_WORKER = Actor("other", Role.SOCIAL_WORKER)
OTHER_MANAGER = Actor("mgr-b", Role.TEAM_MANAGER, managed_team_ids=frozenset({"team-b"}))
AUDITOR = Actor("qa", Role.QA_AUDITOR)
ADMIN = Actor("admin", Role.ADMINISTRATOR)


def _agreement(state: RecordState, team: str = "team-a") -> AgreementTarget:
    return AgreementTarget(supervisee_id="wkr", supervisor_id="mgr", supervisee_team_id=team, state=state)


@pytest.mark.parametrize("actor", [SUPERVISOR, WORKER])
def test_either_party_adds_an_addendum_to_a_locked_agreement(actor):
    assert decide(actor, Operation.ADD_ADDENDUM, _agreement(RecordState.LOCKED))


@pytest.mark.parametrize("state", [RecordState.DRAFT, RecordState.SUPERVISOR_SIGNED])
@pytest.mark.parametrize("actor", [SUPERVISOR, WORKER])
def test_no_addendum_until_both_have_signed(actor, state):
    decision = decide(actor, Operation.ADD_ADDENDUM, _agreement(state))
    assert not decision and "signed agreements" in decision.reason


@pytest.mark.parametrize("actor", [OTHER_WORKER, OTHER_MANAGER, AUDITOR, ADMIN])
def test_no_one_else_adds_one(actor):
    assert not decide(actor, Operation.ADD_ADDENDUM, _agreement(RecordState.LOCKED))


def test_a_supervisor_whose_worker_moved_team_no_longer_adds_one():
    # access follows people (DESIGN.md §1.1): the new manager writes a new agreement
    moved = _agreement(RecordState.LOCKED, team="team-b")
    assert not decide(SUPERVISOR, Operation.ADD_ADDENDUM, moved)
    assert decide(WORKER, Operation.ADD_ADDENDUM, moved)


def test_the_addendum_is_seen_by_whoever_sees_the_agreement_once_signed_and_signed_by_its_author_only():
    addendum = AddendumTarget(author_id="mgr", parent=_agreement(RecordState.LOCKED))
    assert decide(SUPERVISOR, Operation.VIEW, addendum)
    assert not decide(WORKER, Operation.VIEW, addendum)  # a draft is its author's alone
    released = AddendumTarget(author_id="mgr", parent=_agreement(RecordState.LOCKED), state=RecordState.LOCKED)
    assert decide(WORKER, Operation.VIEW, released) and decide(SUPERVISOR, Operation.VIEW, released)
    assert not decide(OTHER_WORKER, Operation.VIEW, released)
    assert decide(SUPERVISOR, Operation.SIGN_AS_AUTHOR, addendum)
    assert not decide(WORKER, Operation.SIGN_AS_AUTHOR, addendum)
    assert not decide(WORKER, Operation.EDIT, addendum)
    signed = AddendumTarget(author_id="mgr", parent=_agreement(RecordState.LOCKED), state=RecordState.LOCKED)
    assert not decide(SUPERVISOR, Operation.EDIT, signed)

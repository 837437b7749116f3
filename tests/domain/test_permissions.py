"""Each role of DESIGN.md §1 against supervision records, children and oversight notes."""
from dataclasses import replace

import pytest

from supervision_app.domain.permissions import (
    ActionItemTarget,
    Actor,
    AddendumTarget,
    ChildTarget,
    DirectoryTarget,
    Operation as Op,
    OversightTarget,
    SupervisionTarget,
    TeamTarget,
    decide,
    may,
)
from supervision_app.domain.vocabulary import RecordState as S, Role

worker = Actor("w1", Role.SOCIAL_WORKER)
colleague = Actor("w2", Role.SOCIAL_WORKER)
manager = Actor("tm1", Role.TEAM_MANAGER, frozenset({"team-a"}))
other_manager = Actor("tm2", Role.TEAM_MANAGER, frozenset({"team-b"}))
service_manager = Actor("sm1", Role.SERVICE_MANAGER, frozenset({"team-a", "team-b"}))
head = Actor("hos", Role.HEAD_OF_SERVICE)
auditor = Actor("qa1", Role.QA_AUDITOR)
admin = Actor("adm", Role.ADMINISTRATOR)


def record(state: S) -> SupervisionTarget:
    return SupervisionTarget(supervisee_id="w1", supervisor_id="tm1", supervisee_team_id="team-a", state=state)


@pytest.mark.parametrize(
    ("actor", "state", "allowed"),
    [
        (worker, S.DRAFT, False),  # not shared yet
        (worker, S.SHARED, True),
        (worker, S.LOCKED, True),
        (colleague, S.LOCKED, False),  # another worker's supervision
        (manager, S.DRAFT, True),
        (other_manager, S.LOCKED, False),  # a team they do not manage
        (service_manager, S.DRAFT, True),
        (head, S.LOCKED, True),
        (auditor, S.DRAFT, False),
        (auditor, S.LOCKED, True),
        (admin, S.LOCKED, False),  # admins do not read records
    ],
)
def test_who_may_view_a_supervision_record(actor, state, allowed):
    decision = decide(actor, Op.VIEW, record(state))
    assert decision.allowed is allowed
    assert decision.reason


@pytest.mark.parametrize("actor", [service_manager, head, auditor, colleague, other_manager])
def test_wellbeing_is_private_to_supervisor_and_supervisee(actor):
    assert not may(actor, Op.VIEW_PRIVATE, record(S.LOCKED))


def test_supervisee_sees_private_section_once_shared_and_supervisor_always():
    assert may(manager, Op.VIEW_PRIVATE, record(S.DRAFT))
    assert not may(worker, Op.VIEW_PRIVATE, record(S.DRAFT))
    assert may(worker, Op.VIEW_PRIVATE, record(S.SHARED))


def test_only_the_supervisor_edits_and_only_while_draft():
    assert may(manager, Op.EDIT, record(S.DRAFT))
    assert not may(manager, Op.EDIT, record(S.SHARED))
    assert not may(service_manager, Op.EDIT, record(S.DRAFT))
    assert not may(worker, Op.EDIT, record(S.DRAFT))
    assert "addendum" in decide(manager, Op.EDIT, record(S.LOCKED)).reason


def test_signing_order_and_roles():
    responded = replace(record(S.SHARED), supervisee_responded=True)
    assert may(manager, Op.SIGN_AS_SUPERVISOR, responded)
    assert not may(worker, Op.SIGN_AS_SUPERVISOR, responded)
    assert not may(manager, Op.SIGN_AS_SUPERVISOR, record(S.SHARED))  # no response, no window known
    assert not may(worker, Op.SIGN_AS_SUPERVISOR, record(S.SHARED))
    assert not may(worker, Op.SIGN_AS_SUPERVISEE, record(S.SHARED))
    assert may(worker, Op.SIGN_AS_SUPERVISEE, record(S.SUPERVISOR_SIGNED))
    assert not may(manager, Op.SIGN_AS_SUPERVISEE, record(S.SUPERVISOR_SIGNED))


def test_supervisee_responds_only_while_shared():
    assert may(worker, Op.RESPOND, record(S.SHARED))
    assert not may(worker, Op.RESPOND, record(S.SUPERVISOR_SIGNED))
    assert not may(manager, Op.RESPOND, record(S.SHARED))


def test_addenda_only_on_locked_records_by_the_pair():
    assert may(manager, Op.ADD_ADDENDUM, record(S.LOCKED))
    assert may(worker, Op.ADD_ADDENDUM, record(S.LOCKED))
    assert not may(manager, Op.ADD_ADDENDUM, record(S.SHARED))
    assert not may(service_manager, Op.ADD_ADDENDUM, record(S.LOCKED))


def test_auditor_reads_and_grades_but_never_changes():
    for op in (Op.EDIT, Op.SHARE, Op.RESPOND, Op.SIGN_AS_SUPERVISOR, Op.ADD_ADDENDUM):
        for state in S:
            assert not may(auditor, op, record(state))
    assert may(auditor, Op.GRADE, record(S.LOCKED))
    assert not may(manager, Op.GRADE, record(S.LOCKED))


def test_managers_create_supervision_only_for_their_own_teams():
    new_for_w1 = SupervisionTarget("w1", "tm1", "team-a")
    assert may(manager, Op.CREATE, new_for_w1)
    assert not may(other_manager, Op.CREATE, SupervisionTarget("w1", "tm2", "team-a"))
    assert not may(worker, Op.CREATE, SupervisionTarget("w2", "w1", "team-a"))


def test_team_manager_is_a_supervisee_of_their_service_manager():
    tm_record = SupervisionTarget("tm1", "sm1", "team-a", S.SHARED)
    assert may(manager, Op.VIEW, tm_record)
    assert may(manager, Op.RESPOND, tm_record)
    assert not may(manager, Op.EDIT, SupervisionTarget("tm1", "sm1", "team-a", S.DRAFT))
    assert may(service_manager, Op.EDIT, SupervisionTarget("tm1", "sm1", "team-a", S.DRAFT))


child_a = ChildTarget("c1", allocated_worker_id="w1", team_id="team-a")


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [(worker, True), (colleague, False), (manager, True), (other_manager, False),
     (service_manager, True), (head, True), (auditor, True), (admin, False)],
)
def test_who_may_view_a_child(actor, allowed):
    assert may(actor, Op.VIEW, child_a) is allowed


def test_oversight_notes():
    draft = OversightTarget("tm1", child_a, S.DRAFT)
    locked = OversightTarget("tm1", child_a, S.LOCKED)
    assert may(manager, Op.CREATE, child_a) and not may(worker, Op.CREATE, child_a)
    assert may(manager, Op.EDIT, draft) and not may(manager, Op.EDIT, locked)
    assert not may(worker, Op.VIEW, draft) and may(worker, Op.VIEW, locked)
    assert not may(colleague, Op.VIEW, locked)
    assert may(manager, Op.SIGN_AS_AUTHOR, draft)
    assert not may(service_manager, Op.SIGN_AS_AUTHOR, draft)


def test_addendum_is_its_authors_until_signed_then_follows_its_parent():
    addendum = AddendumTarget("w1", record(S.LOCKED), S.DRAFT)
    assert may(worker, Op.VIEW, addendum)  # its author
    for other in (manager, service_manager, head, auditor, colleague):  # a draft: theirs alone
        assert not may(other, Op.VIEW, addendum) and not may(other, Op.EXPORT, addendum), other
    assert may(worker, Op.SIGN_AS_AUTHOR, addendum)
    assert not may(manager, Op.SIGN_AS_AUTHOR, addendum)
    signed = AddendumTarget("w1", record(S.LOCKED), S.LOCKED)
    assert may(manager, Op.VIEW, signed) and may(auditor, Op.VIEW, signed)
    assert not may(colleague, Op.VIEW, signed)


def test_action_items():
    owned_by_colleague = ActionItemTarget("w2", record(S.LOCKED))
    assert may(colleague, Op.VIEW, owned_by_colleague)  # the owner sees their own action
    assert may(colleague, Op.UPDATE_STATUS, owned_by_colleague)
    assert may(manager, Op.UPDATE_STATUS, owned_by_colleague)
    assert not may(auditor, Op.UPDATE_STATUS, owned_by_colleague)
    assert not may(other_manager, Op.VIEW, owned_by_colleague)


def test_policy_and_directory():
    assert may(service_manager, Op.SET_POLICY, TeamTarget("team-a"))
    assert not may(manager, Op.SET_POLICY, TeamTarget("team-a"))
    assert may(admin, Op.MANAGE_DIRECTORY, DirectoryTarget())
    assert not may(head, Op.MANAGE_CERTIFICATES, DirectoryTarget())


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [(service_manager, True), (head, True),
     (manager, False),  # the supervisor themselves
     (worker, False),  # the supervisee
     (other_manager, False), (colleague, False), (auditor, False), (admin, False)],
)
@pytest.mark.parametrize("state", [S.SHARED, S.SUPERVISOR_SIGNED, S.LOCKED])
def test_a_disagreement_is_resolved_by_a_manager_above_the_supervisor(actor, allowed, state):
    decision = decide(actor, Op.RESOLVE_DISAGREEMENT, record(state))
    assert decision.allowed is allowed and decision.reason
    if allowed:  # only someone who may read the record resolves it
        assert may(actor, Op.VIEW, record(state))


def test_a_second_team_manager_of_the_team_may_resolve_but_not_for_their_own_supervision():
    deputy = Actor("tm3", Role.TEAM_MANAGER, frozenset({"team-a"}))
    assert may(deputy, Op.RESOLVE_DISAGREEMENT, record(S.LOCKED))
    own = SupervisionTarget("tm3", "sm1", "team-a", S.LOCKED)  # tm3 as supervisee
    assert not may(deputy, Op.RESOLVE_DISAGREEMENT, own)
    assert may(service_manager, Op.RESOLVE_DISAGREEMENT, SupervisionTarget("tm3", "tm1", "team-a", S.LOCKED))
    assert not may(service_manager, Op.RESOLVE_DISAGREEMENT, own)  # sm1 supervised it

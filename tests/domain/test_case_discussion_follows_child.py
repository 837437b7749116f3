"""DESIGN.md §1.1, third bullet: a case discussion about a child follows the child's
allocation once its record is released; the child's current worker, that worker's managers
and chain, cover and auditors see it, as they see the child's oversight notes. Decided by
``domain.permissions`` alone (the app, the server and sync ask it)."""
from datetime import date

import pytest

from supervision_app.domain.permissions import (
    Actor,
    CaseDiscussionTarget,
    ChildTarget,
    Cover,
    Operation,
    OversightTarget,
    SupervisionTarget,
    decide,
    follows_child,
    may,
    sees_only_as_child_entry,
    with_cover,
)
from supervision_app.domain.vocabulary import RecordState, Role

TEAM_A, TEAM_B = "team-a", "team-b"
worker_a = Actor("worker-a", Role.SOCIAL_WORKER)
manager_a = Actor("manager-a", Role.TEAM_MANAGER, frozenset({TEAM_A}))
worker_b = Actor("worker-b", Role.SOCIAL_WORKER)
manager_b = Actor("manager-b", Role.TEAM_MANAGER, frozenset({TEAM_B}))
service_manager_b = Actor("sm-b", Role.SERVICE_MANAGER, frozenset({TEAM_B}))
head = Actor("head", Role.HEAD_OF_SERVICE)
auditor = Actor("qa", Role.QA_AUDITOR)
admin = Actor("admin", Role.ADMINISTRATOR)
stranger = Actor("manager-c", Role.TEAM_MANAGER, frozenset({"team-c"}))

# the child has moved from worker A (team A) to worker B (team B)
child_now_with_b = ChildTarget("child", "worker-b", TEAM_B)


def record_of_worker_a(state: RecordState) -> SupervisionTarget:
    return SupervisionTarget(supervisee_id="worker-a", supervisor_id="manager-a",
                             supervisee_team_id=TEAM_A, state=state)


def discussion(state: RecordState) -> CaseDiscussionTarget:
    return CaseDiscussionTarget(record_of_worker_a(state), child_now_with_b)


RELEASED = [RecordState.SHARED, RecordState.SUPERVISOR_SIGNED, RecordState.LOCKED]


@pytest.mark.parametrize("state", RELEASED)
@pytest.mark.parametrize("reader", [worker_b, manager_b, service_manager_b])
def test_the_childs_new_worker_and_managers_see_a_released_discussion(state, reader):
    target = discussion(state)
    assert may(reader, Operation.VIEW, target)
    assert may(reader, Operation.EXPORT, target)
    assert sees_only_as_child_entry(reader, target)
    # never the rest of the record it comes from
    assert not may(reader, Operation.VIEW, target.session)
    assert not may(reader, Operation.VIEW_PRIVATE, target.session)


@pytest.mark.parametrize("reader", [worker_b, manager_b, service_manager_b, auditor])
def test_a_draft_discussion_does_not_follow_the_child(reader):
    target = discussion(RecordState.DRAFT)
    assert not may(reader, Operation.VIEW, target)
    assert not follows_child(reader, target)
    assert not sees_only_as_child_entry(reader, target)


@pytest.mark.parametrize("state", list(RecordState))
def test_the_records_own_readers_keep_it(state):
    target = discussion(state)
    assert may(manager_a, Operation.VIEW, target)  # wrote it, still supervises worker A
    assert not sees_only_as_child_entry(manager_a, target)
    assert may(head, Operation.VIEW, target)
    if state != RecordState.DRAFT:
        assert may(worker_a, Operation.VIEW, target)
        assert may(auditor, Operation.VIEW, target)


@pytest.mark.parametrize("state", list(RecordState))
def test_nobody_else_sees_it(state):
    target = discussion(state)
    assert not may(stranger, Operation.VIEW, target)
    assert not may(admin, Operation.VIEW, target)


def test_cover_of_the_childs_new_team_sees_it_for_the_cover_only():
    cover = [Cover(TEAM_B, date(2026, 3, 1), date(2026, 3, 31))]
    target = discussion(RecordState.LOCKED)
    assert may(with_cover(stranger, cover, date(2026, 3, 15)), Operation.VIEW, target)
    assert not may(with_cover(stranger, cover, date(2026, 4, 1)), Operation.VIEW, target)


def test_it_follows_the_child_as_its_oversight_notes_do():
    """One rule for both kinds of oversight entry on a child's record: whoever may see a
    signed note about the child sees a released discussion about it."""
    note = OversightTarget("manager-a", child_now_with_b, RecordState.LOCKED)
    for reader in (worker_a, manager_a, worker_b, manager_b, service_manager_b, head, auditor,
                   admin, stranger):
        if may(reader, Operation.VIEW, note):
            assert may(reader, Operation.VIEW, discussion(RecordState.LOCKED)), reader


def test_the_child_gives_no_other_right_over_the_discussion():
    """Editing, signing and the private section stay with the record's own people."""
    target = discussion(RecordState.SHARED)
    for op in (Operation.EDIT, Operation.SIGN_AS_SUPERVISOR, Operation.SIGN_AS_SUPERVISEE,
               Operation.RESPOND, Operation.ADD_ADDENDUM, Operation.GRADE):
        assert not may(manager_b, op, target), op
    assert not may(manager_b, Operation.VIEW_PRIVATE, target)
    assert not may(manager_a, Operation.VIEW_PRIVATE, target)  # a discussion has none
    assert decide(manager_a, Operation.EDIT, discussion(RecordState.DRAFT)).allowed


def test_without_the_child_it_is_only_part_of_its_record():
    target = CaseDiscussionTarget(record_of_worker_a(RecordState.LOCKED))
    assert not may(manager_b, Operation.VIEW, target)
    assert may(manager_a, Operation.VIEW, target)

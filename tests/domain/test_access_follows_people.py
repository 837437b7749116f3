"""DESIGN.md §1.1 "Access follows people": moves, cover, people with no team, leavers,
decided by ``domain.permissions`` alone (the app, the server and sync ask it)."""
from datetime import date

import pytest

from supervision_app.domain.permissions import (
    Actor,
    ChildTarget,
    Cover,
    Operation,
    OversightTarget,
    SupervisionTarget,
    decide,
    may,
    with_cover,
)
from supervision_app.domain.vocabulary import RecordState, Role

OLD_TEAM, NEW_TEAM = "team-old", "team-new"
old_manager = Actor("old-tm", Role.TEAM_MANAGER, frozenset({OLD_TEAM}))
new_manager = Actor("new-tm", Role.TEAM_MANAGER, frozenset({NEW_TEAM}))
new_service_manager = Actor("new-sm", Role.SERVICE_MANAGER, frozenset({NEW_TEAM}))
worker = Actor("worker", Role.SOCIAL_WORKER)
auditor = Actor("qa", Role.QA_AUDITOR)


def moved_record(state: RecordState) -> SupervisionTarget:
    """A record the old manager wrote; the worker has since moved to the new team."""
    return SupervisionTarget(supervisee_id="worker", supervisor_id="old-tm",
                             supervisee_team_id=NEW_TEAM, state=state)


@pytest.mark.parametrize("state", list(RecordState))
def test_new_manager_sees_the_moved_workers_history_without_its_wellbeing(state):
    record = moved_record(state)
    assert may(new_manager, Operation.VIEW, record)
    assert may(new_manager, Operation.EXPORT, record)
    assert may(new_service_manager, Operation.VIEW, record)
    assert not may(new_manager, Operation.VIEW_PRIVATE, record)
    assert not may(new_service_manager, Operation.VIEW_PRIVATE, record)


@pytest.mark.parametrize("state", [RecordState.DRAFT, RecordState.SHARED])
def test_old_manager_keeps_a_record_waiting_for_their_own_action(state):
    record = moved_record(state)
    assert may(old_manager, Operation.VIEW, record)
    assert may(old_manager, Operation.VIEW_PRIVATE, record)  # they wrote it and must finish it
    if state == RecordState.DRAFT:
        assert may(old_manager, Operation.EDIT, record)
        assert may(old_manager, Operation.SHARE, record)


def test_old_manager_may_still_sign_a_shared_record_once_the_worker_responded():
    record = SupervisionTarget(supervisee_id="worker", supervisor_id="old-tm",
                               supervisee_team_id=NEW_TEAM, state=RecordState.SHARED,
                               supervisee_responded=True, shared_on=date(2026, 3, 2),
                               today=date(2026, 3, 3))
    assert may(old_manager, Operation.SIGN_AS_SUPERVISOR, record)


@pytest.mark.parametrize("state", [RecordState.SUPERVISOR_SIGNED, RecordState.LOCKED])
def test_old_manager_loses_records_no_longer_waiting_for_them(state):
    record = moved_record(state)
    for op in (Operation.VIEW, Operation.EXPORT, Operation.VIEW_PRIVATE, Operation.ADD_ADDENDUM):
        assert not may(old_manager, op, record), op
    assert "new manager" in decide(old_manager, Operation.VIEW, record).reason


def test_the_worker_and_auditors_keep_seeing_it_after_a_move():
    record = moved_record(RecordState.LOCKED)
    assert may(worker, Operation.VIEW, record)
    assert may(worker, Operation.VIEW_PRIVATE, record)
    assert may(auditor, Operation.VIEW, record)
    assert not may(auditor, Operation.VIEW_PRIVATE, record)


def test_a_new_managers_own_record_gives_them_the_wellbeing_they_wrote():
    record = SupervisionTarget(supervisee_id="worker", supervisor_id="new-tm",
                               supervisee_team_id=NEW_TEAM, state=RecordState.LOCKED)
    assert may(new_manager, Operation.VIEW_PRIVATE, record)
    assert not may(old_manager, Operation.VIEW, record)


# --- cover ------------------------------------------------------------------------------

COVER = Cover(team_id=NEW_TEAM, starts_on=date(2026, 4, 1), ends_on=date(2026, 4, 30))


@pytest.mark.parametrize("day, covers", [
    (date(2026, 3, 31), False), (date(2026, 4, 1), True), (date(2026, 4, 30), True),
    (date(2026, 5, 1), False),
])
def test_cover_gives_the_team_managers_access_between_its_dates_and_ends_by_itself(day, covers):
    covering = with_cover(old_manager, [COVER], day)
    record = SupervisionTarget(supervisee_id="w2", supervisor_id="new-tm",
                               supervisee_team_id=NEW_TEAM, state=RecordState.LOCKED)
    assert may(covering, Operation.VIEW, record) is covers
    assert not may(covering, Operation.VIEW_PRIVATE, record)
    assert may(covering, Operation.VIEW, SupervisionTarget(
        supervisee_id="w3", supervisor_id="old-tm", supervisee_team_id=OLD_TEAM,
        state=RecordState.LOCKED))  # their own team throughout
    child = ChildTarget(child_id="c", allocated_worker_id="w2", team_id=NEW_TEAM)
    assert may(covering, Operation.CREATE, child) is covers


def test_cover_is_for_managers_only():
    assert with_cover(worker, [COVER], date(2026, 4, 10)) == worker


# --- people with no team ----------------------------------------------------------------

def test_a_person_with_no_team_is_line_managed_by_their_line_manager():
    service_manager = SupervisionTarget(supervisee_id="sm", supervisor_id="hos",
                                        supervisee_team_id=None, state=RecordState.LOCKED)
    line_manager = Actor("lm", Role.SERVICE_MANAGER, frozenset({OLD_TEAM}),
                         line_report_ids=frozenset({"sm"}))
    other_manager = Actor("other", Role.SERVICE_MANAGER, frozenset({OLD_TEAM}))
    assert may(line_manager, Operation.VIEW, service_manager)
    assert not may(line_manager, Operation.VIEW_PRIVATE, service_manager)
    assert not may(other_manager, Operation.VIEW, service_manager)
    assert may(Actor("hos", Role.HEAD_OF_SERVICE), Operation.VIEW_PRIVATE, service_manager)
    assert not may(Actor("sm", Role.SERVICE_MANAGER, line_report_ids=frozenset({"sm"})),
                   Operation.RESOLVE_DISAGREEMENT, service_manager)
    # their line manager records their supervision
    own = SupervisionTarget(supervisee_id="sm", supervisor_id="lm", supervisee_team_id=None)
    assert may(line_manager, Operation.CREATE, own)
    assert not may(other_manager, Operation.CREATE,
                   SupervisionTarget(supervisee_id="sm", supervisor_id="other",
                                     supervisee_team_id=None))


# --- leavers, and children ---------------------------------------------------------------

def test_a_leaver_is_no_actor_and_their_records_stay_with_their_manager():
    """A disabled account has no actor at all (the server's ``load_actor`` answers None and
    sync empties its laptop); the records it wrote stay with whoever line-manages now."""
    record = SupervisionTarget(supervisee_id="leaver", supervisor_id="new-tm",
                               supervisee_team_id=NEW_TEAM, state=RecordState.LOCKED)
    assert may(new_manager, Operation.VIEW, record)
    assert may(worker, Operation.VIEW, moved_record(RecordState.LOCKED))


def test_a_signed_oversight_note_follows_the_childs_allocation():
    child_now = ChildTarget(child_id="c", allocated_worker_id="worker", team_id=NEW_TEAM)
    signed = OversightTarget(author_id="old-tm", child=child_now, state=RecordState.LOCKED)
    unsigned = OversightTarget(author_id="old-tm", child=child_now, state=RecordState.DRAFT)
    assert may(new_manager, Operation.VIEW, signed)
    assert not may(old_manager, Operation.VIEW, signed)
    assert may(old_manager, Operation.VIEW, unsigned)
    assert may(old_manager, Operation.SIGN_AS_AUTHOR, unsigned)

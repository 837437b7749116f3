"""What a worker sees of records not yet shared with them: nothing, their own actions in a
draft included, wherever they look (their actions list, search, the rule the server shares)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from supervision_app.domain.permissions import (
    ActionItemTarget,
    Actor,
    ChildTarget,
    Operation,
    OversightTarget,
    SupervisionTarget,
    decide,
)
from supervision_app.domain.vocabulary import RecordState, Role
from supervision_app.records.signoff import sign_oversight_note
from supervision_app.security.credentials import CredentialStore
from supervision_app.security.secret_store import SecretStore
from supervision_app.store import queries as q, search_queries, supervision_records as sr
from tests.gui.sample_team import session_time
from tests.store.builders import actor

pytestmark = pytest.mark.usefixtures("pinned_clock")  # answers depend on the date

S = RecordState
worker = Actor("w1", Role.SOCIAL_WORKER)
manager = Actor("tm1", Role.TEAM_MANAGER, frozenset({"team-a"}))
child = ChildTarget("c1", "w1", "team-a")


def supervision(state):
    return SupervisionTarget("w1", "tm1", "team-a", state)


@pytest.mark.parametrize("op", [Operation.VIEW, Operation.UPDATE_STATUS])
def test_the_owner_of_an_action_in_a_draft_supervision_record_neither_sees_nor_moves_it(op):
    in_draft = ActionItemTarget("w1", supervision(S.DRAFT))
    assert not decide(worker, op, in_draft)
    assert decide(manager, op, in_draft)  # the supervisor writing the draft
    for state in (S.SHARED, S.SUPERVISOR_SIGNED, S.LOCKED):
        assert decide(worker, op, ActionItemTarget("w1", supervision(state)))


@pytest.mark.parametrize("op", [Operation.VIEW, Operation.UPDATE_STATUS])
def test_an_action_in_an_oversight_note_follows_the_note(op):
    assert not decide(worker, op, ActionItemTarget("w1", OversightTarget("tm1", child, S.DRAFT)))
    assert decide(worker, op, ActionItemTarget("w1", OversightTarget("tm1", child, S.LOCKED)))
    # owned by someone who may not read the child's record: theirs once the note is signed
    elsewhere = OversightTarget("tm1", ChildTarget("c9", "w9", "team-b"), S.LOCKED)
    assert decide(worker, op, ActionItemTarget("w1", elsewhere))
    assert not decide(worker, op, ActionItemTarget("w1", OversightTarget("tm1", elsewhere.child, S.DRAFT)))


def test_the_server_holds_the_same_rule_when_it_decides_what_a_pull_sends():
    from supervision_app.sync.server import authz

    def action_facts(state):
        return {"k": "act", "owner": "w1", "parent": {"k": "sup", "supervisor": "tm1",
                                                      "supervisee": "w1", "team": "team-a",
                                                      "state": state}}

    assert not authz.may_view(worker, action_facts("draft"))
    assert authz.may_view(manager, action_facts("draft"))
    assert authz.may_view(worker, action_facts("shared"))


def test_the_refusal_says_why():
    decision = decide(worker, Operation.UPDATE_STATUS, ActionItemTarget("w1", supervision(S.DRAFT)))
    assert "draft" in decision.reason


# --------------------------------------------------------------------------- on a profile

@pytest.fixture
def draft_with_action(database, team):
    """A draft for Ben holding an action owned by Ben, with a word search can find."""
    manager_ = actor(database, team.manager_id)
    with database.transaction() as s:
        sid = sr.create_session(s, manager_, supervisee_id=team.worker_id, held_at=session_time(1))
        action_id = sr.add_action(s, manager_, session_id=sid, description="Phone the quokka school",
                                  owner_id=team.worker_id, due_on=date.today() - timedelta(days=1))
    return sid, action_id


def _found(database, staff_id, words):
    with database.reading() as s:
        return [h.record_id for h in search_queries.search(s, actor(database, staff_id), words)]


def test_an_action_in_a_draft_reaches_its_owner_only_when_the_record_is_shared(database, team, draft_with_action):
    sid, action_id = draft_with_action
    ben, manager_ = actor(database, team.worker_id), actor(database, team.manager_id)
    with database.reading() as s:
        assert q.my_actions(s, ben, date.today()) == []
    assert _found(database, team.worker_id, "quokka") == []
    assert _found(database, team.manager_id, "quokka") == [action_id]  # the supervisor's draft
    with pytest.raises(sr.NotAllowed), database.transaction() as s:
        sr.set_action_status(s, ben, action_id, "done")

    with database.transaction() as s:
        sr.share_session(s, manager_, sid)
    with database.reading() as s:
        [row] = q.my_actions(s, ben, date.today())
    assert (row.action_id, row.session_id, row.overdue) == (action_id, sid, True)
    assert _found(database, team.worker_id, "quokka") == [action_id]

    with database.transaction() as s:  # withdrawn to correct it: out of sight again
        sr.withdraw_session(s, manager_, sid)
    with database.reading() as s:
        assert q.my_actions(s, ben, date.today()) == []
    assert _found(database, team.worker_id, "quokka") == []


def test_an_action_in_a_draft_oversight_note_reaches_its_owner_when_the_note_is_signed(database, team):
    manager_ = actor(database, team.manager_id)
    ava = actor(database, team.asye_worker_id)
    with database.transaction() as s:
        note = sr.create_oversight_note(s, manager_, child_id=team.child_ids[0], trigger="plan_review",
                                        decision="Step down", rationale="Progress made")
        action_id = sr.add_action(s, manager_, oversight_note_id=note, description="Tell the wallaby family",
                                  owner_id=team.asye_worker_id, due_on=date.today() + timedelta(days=3))
    with database.reading() as s:
        assert q.my_actions(s, ava, date.today()) == []
    assert _found(database, team.asye_worker_id, "wallaby") == []

    store = CredentialStore(database.profile.folder, SecretStore(database.profile.profile_id))
    store.ensure_local_credentials(team.manager_id, "Morgan Manager", "team_manager")
    sign_oversight_note(database, store, note_id=note, signer_id=team.manager_id)
    with database.reading() as s:
        assert [a.action_id for a in q.my_actions(s, ava, date.today())] == [action_id]
    assert _found(database, team.asye_worker_id, "wallaby") == [action_id]


def test_a_drafts_actions_are_carried_into_the_next_record_only_once_shared(database, team, draft_with_action):
    sid, action_id = draft_with_action
    manager_ = actor(database, team.manager_id)
    with database.transaction() as s:
        second = sr.create_session(s, manager_, supervisee_id=team.worker_id, held_at=session_time(0, hour=0))
        sr.share_session(s, manager_, second)  # shared with Ben: no review of an unseen action
    with database.transaction() as s:
        assert q.session_detail(s, actor(database, team.worker_id), second).reviews == []
    with database.transaction() as s:
        sr.share_session(s, manager_, sid)
        third = sr.create_session(s, manager_, supervisee_id=team.worker_id, held_at=session_time(0, hour=1))
    with database.transaction() as s:
        assert [r.action_id for r in q.session_detail(s, manager_, third).reviews] == [action_id]

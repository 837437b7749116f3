"""The write side: permissions, validation, carry-forward, sharing, responses, audit."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from supervision_app.domain.supervision_policy import SupervisionPolicy
from supervision_app.domain.text_rules import MAX_TEXT_CHARS, InvalidInput
from supervision_app.store import supervision_records as sr
from supervision_app.store.errors import RecordLocked
from supervision_app.store.models import (
    ActionItem,
    ActionReview,
    AuditEntry,
    CaseDiscussion,
    SupervisionSession,
    Team,
)
from tests.gui.sample_team import session_time
from tests.gui.signing_steps import locked_records
from tests.store.builders import actor

pytestmark = pytest.mark.usefixtures("pinned_clock")  # answers depend on the date


def new_session(db, team, supervisee=None, days_ago=3):
    manager = actor(db, team.manager_id)
    with db.transaction() as s:
        return sr.create_session(s, manager, supervisee_id=supervisee or team.worker_id,
                                 held_at=session_time(days_ago))


def complete_discussion(db, team, session_id, case_id="CS-1003"):
    manager = actor(db, team.manager_id)
    with db.transaction() as s:
        disc = sr.add_case_discussion(s, manager, session_id, case_id)
        sr.update_case_discussion(s, manager, disc, {"decision": "Stay on plan",
                                                     "rationale": "Progress", "safety_scale": 6})
        action = sr.add_action(s, manager, session_id=session_id, case_discussion_id=disc,
                               description="Visit weekly", owner_id=team.worker_id,
                               due_on=date.today() + timedelta(days=14))
    return disc, action


def test_load_actor_knows_managed_teams(database, team):
    manager = actor(database, team.manager_id)
    assert manager.managed_team_ids == {team.team_id}
    service = actor(database, team.service_manager_id)
    assert service.managed_team_ids == {team.team_id}
    assert actor(database, team.worker_id).managed_team_ids == frozenset()


def test_only_the_teams_manager_creates_and_edits(database, team):
    outsider = actor(database, team.outsider_id)
    with pytest.raises(sr.NotAllowed, match="teams you manage"), database.transaction() as s:
        sr.create_session(s, outsider, supervisee_id=team.worker_id, held_at=session_time())
    session_id = new_session(database, team)
    worker = actor(database, team.worker_id)
    with pytest.raises(sr.NotAllowed, match="Only the supervisor"), database.transaction() as s:
        sr.update_session(s, worker, session_id, {"learning": "mine now"})


def test_edit_bumps_version_and_audits_without_contents(database, team):
    session_id = new_session(database, team)
    manager = actor(database, team.manager_id)
    with database.transaction() as s:
        version = sr.update_session(s, manager, session_id, {"learning": "Secret reflective words"})
    assert version == 2
    with database.reading() as s:
        row = s.get(SupervisionSession, session_id)
        assert row.updated_by == team.manager_id
        entries = s.scalars(select(AuditEntry)).all()
        assert {e.action for e in entries} >= {"create", "edit"}
        assert all("Secret" not in (e.action + e.record_id + e.record_kind) for e in entries)


@pytest.mark.parametrize("fields, message", [
    (lambda: {"held_at": datetime.now(timezone.utc) + timedelta(days=3)}, "in the future"),
    ({"duration_minutes": 0}, "between 1 and 600"),
    (lambda: {"next_session_on": date.today() - timedelta(days=30)}, "is before"),
    ({"learning": "x" * (MAX_TEXT_CHARS + 1)}, "the limit is 100,000"),
    ({"capacity": "boundless"}, "capacity"),
])
def test_bad_input_is_refused_with_a_message(database, team, fields, message):
    fields = fields() if callable(fields) else fields  # dates by the pinned clock
    session_id = new_session(database, team)
    manager = actor(database, team.manager_id)
    with pytest.raises(InvalidInput, match=message), database.transaction() as s:
        sr.update_session(s, manager, session_id, fields)


def test_control_characters_are_stripped_and_markup_kept_as_text(database, team):
    session_id = new_session(database, team)
    manager = actor(database, team.manager_id)
    with database.transaction() as s:
        sr.update_session(s, manager, session_id, {"learning": "<b>bold</b>\x00\x07 ok"})
    with database.reading() as s:
        assert s.get(SupervisionSession, session_id).learning == "<b>bold</b> ok"


def test_unknown_or_foreign_child_is_refused(database, team):
    session_id = new_session(database, team)
    manager = actor(database, team.manager_id)
    for ref in ("CS-0000", "CS-9001"):  # missing; in another team
        with pytest.raises(InvalidInput, match="No child with case ID"), database.transaction() as s:
            sr.add_case_discussion(s, manager, session_id, ref)


def test_share_refused_until_decision_and_rationale(database, team):
    session_id = new_session(database, team)
    manager = actor(database, team.manager_id)
    with database.transaction() as s:
        disc = sr.add_case_discussion(s, manager, session_id, "cs-1003")  # case-insensitive
        sr.update_case_discussion(s, manager, disc, {"decision": "Step down to CIN"})
    with pytest.raises(sr.SharingBlocked) as blocked, database.transaction() as s:
        sr.share_session(s, manager, session_id)
    assert blocked.value.problems[0].where == f"case_discussion:{disc}"
    assert "no rationale" in str(blocked.value)
    with database.transaction() as s:
        sr.update_case_discussion(s, manager, disc, {"rationale": "Plan goals met"})
        sr.share_session(s, manager, session_id)
    with database.reading() as s:
        assert s.get(SupervisionSession, session_id).state == "shared"


def test_reorder_and_remove_discussions(database, team):
    session_id = new_session(database, team, supervisee=team.asye_worker_id)
    manager = actor(database, team.manager_id)
    with database.transaction() as s:
        first = sr.add_case_discussion(s, manager, session_id, "CS-1001")
        second = sr.add_case_discussion(s, manager, session_id, "CS-1002")
        sr.move_case_discussion(s, manager, second, -1)
    with database.reading() as s:
        assert s.get(CaseDiscussion, second).position == 0
        assert s.get(CaseDiscussion, first).position == 1
    with database.transaction() as s:
        sr.remove_case_discussion(s, manager, second)
    with database.reading() as s:
        assert s.get(CaseDiscussion, second).tombstone
        assert s.get(CaseDiscussion, first).position == 0


def test_open_actions_carry_forward_and_review_closes_them(database, team):
    first = new_session(database, team, days_ago=30)
    _disc, action = complete_discussion(database, team, first)
    manager = actor(database, team.manager_id)
    with database.transaction() as s:
        sr.share_session(s, manager, first)
    second = new_session(database, team, days_ago=2)
    with database.reading() as s:
        reviews = [(r.id, r.action_id) for r in
                   s.scalars(select(ActionReview).where(ActionReview.session_id == second))]
    assert [a for _, a in reviews] == [action]
    with database.transaction() as s:
        sr.set_action_review(s, manager, reviews[0][0], status="done", note="Visits happening")
    with database.reading() as s:
        assert s.get(ActionItem, action).status == "done"
    third = new_session(database, team, days_ago=1)
    with database.reading() as s:
        assert not s.scalars(select(ActionReview).where(ActionReview.session_id == third)).all()


def test_disagreement_cannot_be_erased(database, team):
    session_id = new_session(database, team)
    complete_discussion(database, team, session_id)
    manager, worker = actor(database, team.manager_id), actor(database, team.worker_id)
    with pytest.raises(sr.NotAllowed), database.transaction() as s:
        sr.respond(s, worker, session_id, comments="too early")  # still a draft
    with database.transaction() as s:
        sr.share_session(s, manager, session_id)
    with pytest.raises(InvalidInput, match="Say what you disagree"), database.transaction() as s:
        sr.respond(s, worker, session_id, agreement="disagrees", disagreement="  ")
    with database.transaction() as s:
        sr.respond(s, worker, session_id, comments="Thanks", agreement="disagrees",
                   disagreement="The decision on Casey")
    for attempt in ({"agreement": "agrees", "disagreement": ""},
                    {"disagreement": "Something else"},
                    {"agreement": "agrees"}):
        with pytest.raises(InvalidInput, match="cannot be withdrawn or erased"), database.transaction() as s:
            sr.respond(s, worker, session_id, **attempt)
    with database.transaction() as s:  # adding to it is fine
        sr.respond(s, worker, session_id, disagreement="The decision on Casey, and the timescale")
    with database.transaction() as s:  # the supervisor withdraws to correct; it stays
        sr.withdraw_session(s, manager, session_id)
        sr.update_session(s, manager, session_id, {"learning": "corrected"})
    with database.reading() as s:
        row = s.get(SupervisionSession, session_id)
        assert row.supervisee_agreement == "disagrees"
        assert row.disagreement.startswith("The decision on Casey")


def test_action_status_by_owner_not_by_stranger(database, team):
    session_id = new_session(database, team)
    _disc, action = complete_discussion(database, team, session_id)
    with database.transaction() as s:  # the owner's once the record is shared with them
        sr.share_session(s, actor(database, team.manager_id), session_id)
    with pytest.raises(sr.NotAllowed), database.transaction() as s:
        sr.set_action_status(s, actor(database, team.outsider_id), action, "done")
    with database.transaction() as s:
        sr.set_action_status(s, actor(database, team.worker_id), action, "done")
    with database.reading() as s:
        row = s.get(ActionItem, action)
        assert row.status == "done" and row.closed_at is not None and row.version == 2


def test_oversight_note_create_edit_and_order_check(database, team):
    manager = actor(database, team.manager_id)
    with database.transaction() as s:
        note = sr.create_oversight_note(s, manager, child_id=team.child_ids[0],
                                        trigger="strategy_discussion", decision="Section 47")
        sr.add_action(s, manager, oversight_note_id=note, description="Joint visit",
                      owner_id=team.asye_worker_id, due_on=date.today())
    with pytest.raises(InvalidInput, match="is before"), database.transaction() as s:
        sr.update_oversight_note(s, manager, note, {"next_review_on": date(2000, 1, 1)})
    with pytest.raises(sr.NotAllowed), database.transaction() as s:
        sr.create_oversight_note(s, actor(database, team.worker_id),
                                 child_id=team.child_ids[0], trigger="other")


def test_team_policy_only_for_service_manager(database, team):
    policy = SupervisionPolicy(standard_interval_days=21)
    with pytest.raises(sr.NotAllowed), database.transaction() as s:
        sr.set_team_policy(s, actor(database, team.manager_id), team.team_id, policy)
    with database.transaction() as s:
        sr.set_team_policy(s, actor(database, team.service_manager_id), team.team_id, policy)
    with database.reading() as s:
        assert '"standard_interval_days": 21' in s.get(Team, team.team_id).supervision_policy


def test_locked_record_cannot_be_changed_even_bypassing_rules(database, team):
    [session_id] = locked_records(database, team, 1)
    manager = actor(database, team.manager_id)
    with pytest.raises(sr.NotAllowed, match="locked"), database.transaction() as s:
        sr.update_session(s, manager, session_id, {"learning": "x"})
    with pytest.raises(RecordLocked), database.transaction() as s:
        s.get(SupervisionSession, session_id).learning = "x"


def test_a_draft_takes_forward_actions_of_a_record_shared_after_it_began_and_shows_their_status_now(
        database, team):
    from supervision_app.domain.vocabulary import ActionStatus
    from supervision_app.store import queries
    from supervision_app.store.models import ActionReview

    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        earlier = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(30))
        first = sr.add_action(s, manager, session_id=earlier, description="Chase the GP letter",
                              owner_id=team.worker_id, due_on=date.today() + timedelta(days=3))
        draft = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(2))
        assert queries.session_detail(s, manager, draft).reviews == []  # nothing shared yet
        second = sr.add_action(s, manager, session_id=earlier, description="Book the core group",
                               owner_id=team.worker_id, due_on=date.today() + timedelta(days=6))
        sr.share_session(s, manager, earlier)
        reviews = queries.session_detail(s, manager, draft).reviews
        assert {r.action_id for r in reviews} == {first, second}
    with database.transaction() as s:  # the owner closes one before the draft is shared
        worker = sr.load_actor(s, team.worker_id)
        sr.set_action_status(s, worker, first, ActionStatus.DONE)
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        shown = {r.action_id: r.status for r in queries.session_detail(s, manager, draft).reviews}
        assert shown == {first: ActionStatus.DONE, second: ActionStatus.OPEN}
        sr.share_session(s, manager, draft)
        stored = {r.action_id: r.status for r in s.query(ActionReview).filter_by(session_id=draft)}
        assert stored == {first: ActionStatus.DONE.value, second: ActionStatus.OPEN.value}

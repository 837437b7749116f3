"""Read models: what each person sees, and nothing more."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from supervision_app.domain.vocabulary import SupervisionStatus
from supervision_app.store import queries as q
from supervision_app.store import supervision_records as sr
from tests.gui.sample_team import build_sample_team, session_time


@pytest.fixture
def team(database):
    return build_sample_team(database)


def actor(db, staff_id):
    with db.reading() as s:
        return sr.load_actor(s, staff_id)


@pytest.fixture
def shared_record(database, team):
    """A shared record for Ben with one case discussion, one action, wellbeing and a
    disagreement."""
    manager = actor(database, team.manager_id)
    with database.transaction() as s:
        sid = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(5))
        sr.update_session(s, manager, sid, {"wellbeing": "Bereavement leave zebra",
                                            "learning": "Court skills giraffe"})
        disc = sr.add_case_discussion(s, manager, sid, "CS-1003")
        sr.update_case_discussion(s, manager, disc, {"decision": "Placement stays",
                                                     "rationale": "Stable okapi"})
        sr.add_action(s, manager, session_id=sid, case_discussion_id=disc,
                      description="Review placement", owner_id=team.worker_id,
                      due_on=date.today() - timedelta(days=1))
        sr.share_session(s, manager, sid)
    with database.transaction() as s:
        sr.respond(s, actor(database, team.worker_id), sid, agreement="disagrees",
                   disagreement="Not consulted")
    return sid


def test_directory_lists_everyone(database, team):
    with database.reading() as s:
        names = [e.display_name for e in q.directory(s)]
    assert "Morgan Manager" in names and "Ari Admin" in names


def test_team_overview(database, team, shared_record):
    with database.reading() as s:
        rows = q.team_overview(s, actor(database, team.manager_id), date.today())
    by_name = {r.name: r for r in rows}
    assert set(by_name) == {"Ava Newly", "Ben Steady", "Cara Quinn"}
    ben = by_name["Ben Steady"]
    assert ben.status == SupervisionStatus.ON_TRACK
    assert (ben.open_actions, ben.overdue_actions, ben.awaiting_signature,
            ben.unresolved_disagreements) == (1, 1, 1, 1)
    assert by_name["Ava Newly"].is_asye and by_name["Ava Newly"].status == SupervisionStatus.OVERDUE
    with database.reading() as s:
        assert q.team_overview(s, actor(database, team.worker_id), date.today()) == []


def test_history_and_my_records(database, team, shared_record):
    with database.reading() as s:
        manager_view = q.worker_history(s, actor(database, team.manager_id), team.worker_id)
        colleague = q.worker_history(s, actor(database, team.other_worker_id), team.worker_id)
        mine = q.my_records(s, actor(database, team.worker_id))
    assert [r.session_id for r in manager_view] == [shared_record]
    assert colleague == []
    assert [r.session_id for r in mine] == [shared_record] and mine[0].disagreement_open


def test_draft_not_in_my_records(database, team):
    manager = actor(database, team.manager_id)
    with database.transaction() as s:
        sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time())
    with database.reading() as s:
        assert q.my_records(s, actor(database, team.worker_id)) == []


def test_flag_reaches_the_managers_manager_only(database, team, shared_record):
    with database.reading() as s:
        sm = q.flagged_disagreements(s, actor(database, team.service_manager_id))
        tm = q.flagged_disagreements(s, actor(database, team.manager_id))
        other = q.flagged_disagreements(s, actor(database, team.outsider_id))
    assert [r.session_id for r in sm] == [shared_record]
    assert tm == [] and other == []


def test_session_detail_hides_wellbeing_from_the_managers_manager(database, team, shared_record):
    with database.transaction() as s:
        pair = q.session_detail(s, actor(database, team.worker_id), shared_record)
        above = q.session_detail(s, actor(database, team.service_manager_id), shared_record)
    assert pair.wellbeing == "Bereavement leave zebra" and pair.can_respond
    assert above.wellbeing is None and not above.can_edit
    assert pair.discussions[0].actions[0].description == "Review placement"
    with pytest.raises(sr.NotAllowed), database.transaction() as s:
        q.session_detail(s, actor(database, team.other_worker_id), shared_record)


def test_my_actions_and_children(database, team, shared_record):
    with database.reading() as s:
        actions = q.my_actions(s, actor(database, team.worker_id), date.today())
        children = q.my_children(s, actor(database, team.worker_id))
        managed = q.my_children(s, actor(database, team.manager_id))
        found = q.find_children(s, actor(database, team.manager_id), "riley")
        foreign = q.find_children(s, actor(database, team.manager_id), "CS-9001")
    assert [a.description for a in actions] == ["Review placement"] and actions[0].overdue
    assert [c.case_id for c in children] == ["CS-1003"]
    assert len(managed) == 4
    assert [c.case_id for c in found] == ["CS-1001"] and foreign == []


def test_child_chronology_newest_first(database, team, shared_record):
    manager = actor(database, team.manager_id)
    casey = team.child_ids[2]
    with database.transaction() as s:
        sr.create_oversight_note(s, manager, child_id=casey, trigger="plan_review",
                                 decision="Continue", rationale="Settled")
    with database.transaction() as s:
        detail = q.child_chronology(s, manager, casey)
        worker_view = q.child_chronology(s, actor(database, team.worker_id), casey)
    assert [e.kind for e in detail.entries] == ["oversight_note", "case_discussion"]
    assert detail.can_add_note and not worker_view.can_add_note
    assert [e.kind for e in worker_view.entries] == ["case_discussion"]  # the note is a draft
    with pytest.raises(sr.NotAllowed), database.transaction() as s:
        q.child_chronology(s, actor(database, team.outsider_id), casey)


@pytest.mark.parametrize("hostile", ['"', "AND OR NOT", "*", "zebra)", "NEAR(", "'; DROP", ""])
def test_search_survives_hostile_input(database, team, shared_record, hostile):
    with database.reading() as s:
        assert isinstance(q.search(s, actor(database, team.manager_id), hostile), list)


def test_search_respects_permissions(database, team, shared_record):
    manager, worker = actor(database, team.manager_id), actor(database, team.worker_id)
    colleague, sm = actor(database, team.other_worker_id), actor(database, team.service_manager_id)
    with database.reading() as s:
        assert [h.section for h in q.search(s, manager, "zebra")] == ["wellbeing"]
        hit = q.search(s, worker, "okap")[0]  # prefix while typing
        assert hit.section == "rationale" and hit.session_id == shared_record
        assert q.HIGHLIGHT_START + "okapi" in hit.snippet.lower()
        assert q.search(s, sm, "zebra") == []  # wellbeing is private
        assert q.search(s, sm, "giraffe")
        for word in ("zebra", "giraffe", "okapi", "placement", "consulted"):
            assert q.search(s, colleague, word) == []


def test_team_policies(database, team):
    with database.reading() as s:
        rows = q.team_policies(s, actor(database, team.service_manager_id))
        tm_rows = q.team_policies(s, actor(database, team.manager_id))
    assert rows[0].can_set and not tm_rows[0].can_set

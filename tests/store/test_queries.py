"""Read models: what each person sees, and nothing more."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from supervision_app.domain.vocabulary import SupervisionStatus
from supervision_app.store import queries as q, search_queries, supervision_records as sr
from supervision_app.store.errors import RecordLocked
from supervision_app.store.models import AuditEntry, DisagreementResolution, SupervisionSession
from tests.gui.sample_team import session_time
from tests.gui.signing_steps import sign_both
from tests.store.builders import actor

pytestmark = pytest.mark.usefixtures("pinned_clock")  # answers depend on the date


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


def test_children_are_found_by_name_however_the_accents_were_typed(database, team):
    from supervision_app.store.models import Child

    with database.transaction() as s:
        for n, name in enumerate(["Zoë Kowalczyk", "Łukasz Nowak", "Siân Ørsted", "ZOE ABBOTT"]):
            s.add(Child(case_id=f"CS-20{n}", name=name, date_of_birth=date(2015, 1, 1),
                        legal_status="child_in_need", allocated_worker_id=team.worker_id))
    manager = actor(database, team.manager_id)

    def names(typed):
        with database.reading() as s:
            return sorted(c.name for c in q.find_children(s, manager, typed))

    assert names("zoe") == ["ZOE ABBOTT", "Zoë Kowalczyk"]
    assert names("ZOË") == ["ZOE ABBOTT", "Zoë Kowalczyk"]
    assert names("lukasz") == names("Łukasz") == names("łukasz") == ["Łukasz Nowak"]
    assert names("sian orsted") == ["Siân Ørsted"]
    assert names("cs-202") == ["Siân Ørsted"]
    assert names("%") == [] and names("_") == []  # typed, not wildcards
    with database.reading() as s:  # listed by their letters: Łukasz among the Ls, not after Z
        listed = [c.name for c in q.my_children(s, actor(database, team.worker_id))]
    assert listed.index("Łukasz Nowak") < listed.index("ZOE ABBOTT") < listed.index("Zoë Kowalczyk")


def test_the_directory_lists_people_by_their_letters(database, team):
    from supervision_app.domain.text_rules import text_sort_key
    from supervision_app.store.models import Staff

    with database.transaction() as s:
        for name in ("Émile Durand", "Łucja Wiśniewska", "Zara Quinn"):
            s.add(Staff(display_name=name, username=name.split()[0].lower(), role="social_worker",
                        team_id=team.team_id, started_on=date(2024, 1, 1)))
    with database.reading() as s:
        listed = [e.display_name for e in q.directory(s)]
    assert listed == sorted(listed, key=text_sort_key)
    assert listed.index("Émile Durand") < listed.index("Łucja Wiśniewska") < listed.index("Zara Quinn")


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
        assert isinstance(search_queries.search(s, actor(database, team.manager_id), hostile), list)


def test_search_respects_permissions(database, team, shared_record):
    manager, worker = actor(database, team.manager_id), actor(database, team.worker_id)
    colleague, sm = actor(database, team.other_worker_id), actor(database, team.service_manager_id)
    with database.reading() as s:
        assert [h.section for h in search_queries.search(s, manager, "zebra")] == ["wellbeing"]
        hit = search_queries.search(s, worker, "okap")[0]  # prefix while typing
        assert hit.section == "rationale" and hit.session_id == shared_record
        assert search_queries.HIGHLIGHT_START + "okapi" in hit.snippet.lower()
        assert search_queries.search(s, sm, "zebra") == []  # wellbeing is private
        assert search_queries.search(s, sm, "giraffe")
        for word in ("zebra", "giraffe", "okapi", "placement", "consulted"):
            assert search_queries.search(s, colleague, word) == []


def test_team_policies(database, team):
    with database.reading() as s:
        rows = q.team_policies(s, actor(database, team.service_manager_id))
        tm_rows = q.team_policies(s, actor(database, team.manager_id))
    assert rows[0].can_set and not tm_rows[0].can_set


# --------------------------------------------------------------------------- resolutions

def _resolve(database, staff_id, sid, note="Met with Ben and Morgan; plan changed to include him"):
    with database.transaction() as s:
        return sr.resolve_disagreement(s, actor(database, staff_id), sid, note=note)


def test_the_managers_manager_resolves_a_disagreement_and_the_flag_goes(database, team, shared_record):
    sm = team.service_manager_id
    with database.transaction() as s:
        before = q.session_detail(s, actor(database, sm), shared_record)
        flagged = q.flagged_disagreements(s, actor(database, sm))
    assert before.can_resolve and not before.resolutions and not before.disagreement_resolved
    assert flagged[0].can_resolve
    resolution_id = _resolve(database, sm, shared_record)
    with database.transaction() as s:
        assert q.flagged_disagreements(s, actor(database, sm)) == []
        ben = {r.name: r for r in q.team_overview(s, actor(database, team.manager_id), date.today())}[
            "Ben Steady"]
        assert ben.unresolved_disagreements == 0
        mine = q.my_records(s, actor(database, team.worker_id))
        assert not mine[0].disagreement_open and mine[0].agreement == "disagrees"
        after = q.session_detail(s, actor(database, team.worker_id), shared_record)
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "resolve_disagreement")).all()
    assert after.disagreement == "Not consulted"  # never erased
    assert after.disagreement_resolved and not after.can_resolve
    [row] = after.resolutions
    assert (row.resolution_id, row.resolved_by_name) == (resolution_id, "Sasha Service")
    assert row.note.startswith("Met with Ben")
    assert [(e.actor_id, e.record_id) for e in audit] == [(sm, shared_record)]


def test_who_may_resolve_and_what_a_resolution_needs(database, team, shared_record):
    for who in (team.manager_id, team.worker_id, team.other_worker_id, team.outsider_id):
        with pytest.raises(sr.NotAllowed), database.transaction() as s:
            sr.resolve_disagreement(s, actor(database, who), shared_record, note="Sorted")
    for empty in ("", "   \n "):
        with pytest.raises(sr.InvalidInput, match="How the disagreement was resolved"), \
                database.transaction() as s:
            sr.resolve_disagreement(s, actor(database, team.service_manager_id), shared_record,
                                    note=empty)
    with pytest.raises(sr.InvalidInput, match="too long|characters"), database.transaction() as s:
        sr.resolve_disagreement(s, actor(database, team.service_manager_id), shared_record,
                                note="x" * 100_001)
    _resolve(database, team.service_manager_id, shared_record)
    with pytest.raises(sr.InvalidInput, match="Sasha Service already recorded"), \
            database.transaction() as s:
        sr.resolve_disagreement(s, actor(database, team.service_manager_id), shared_record,
                                note="Again")


def test_nothing_to_resolve_without_a_disagreement(database, team):
    manager = actor(database, team.manager_id)
    with database.transaction() as s:
        sid = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(4))
        sr.share_session(s, manager, sid)
    with pytest.raises(sr.InvalidInput, match="nothing to resolve"), database.transaction() as s:
        sr.resolve_disagreement(s, actor(database, team.service_manager_id), sid, note="n/a")


def test_a_locked_record_can_be_resolved_and_resolutions_are_insert_only(database, team, shared_record):
    sign_both(database, team, shared_record)
    _resolve(database, team.service_manager_id, shared_record)
    with database.reading() as s:
        assert s.get(SupervisionSession, shared_record).disagreement == "Not consulted"
    for statement in ("UPDATE disagreement_resolution SET note = 'rewritten'",
                      "DELETE FROM disagreement_resolution"):
        with pytest.raises(RecordLocked), database.transaction() as s:
            s.execute(text(statement))
    with database.reading() as s:
        assert s.scalar(select(DisagreementResolution.note)).startswith("Met with Ben")


def test_the_assurance_figures_count_a_resolved_disagreement_as_resolved(database, team, shared_record):
    from supervision_app.assurance.compliance import compliance_dashboard
    from supervision_app.assurance.signals import SignalKind, SignalSettings, quality_signals

    sm = actor(database, team.service_manager_id)
    later = date.today() + timedelta(days=60)  # the disagreement is old enough to signal

    def figures():
        with database.reading() as s:
            board = compliance_dashboard(s, sm, today=date.today())
            signals = quality_signals(s, sm, today=later, near_duplicates=False,
                                      settings=SignalSettings(disagreement_days=28))
        return (board.figure("unresolved_disagreements", team_id=team.team_id).numerator,
                len(signals.of_kind(SignalKind.DISAGREEMENT_UNRESOLVED)))

    assert figures() == (1, 1)
    _resolve(database, team.service_manager_id, shared_record)
    assert figures() == (0, 0)

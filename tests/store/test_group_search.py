"""Group supervision in search (issue 21, migration 0016): the shared part (themes, where,
learning, the group's case discussion) is found by whoever may open the group session, each
action only by those who may see it (its owner among the attendees, never another
attendee), a draft only by those the group rules let open a draft, another team never; a
profile upgraded from 0015 finds what it already held."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import text

from supervision_app.domain.group_supervision import Attendance
from supervision_app.records.group_signoff import sign_group_session
from supervision_app.store import group_records as gr
from supervision_app.store.search_queries import search
from supervision_app.store.supervision_records import NotAllowed, load_actor

HELD = datetime(2026, 11, 5, 10, tzinfo=timezone.utc)
ACTIONS = {"worker_id": "Phone the paediatrician about the referral",
           "other_worker_id": "Visit the nursery with the health visitor",
           "asye_worker_id": "Shadow a strategy meeting on neglect"}


def _group(db, team) -> tuple[str, dict[str, str]]:
    """A draft group led by the team manager: the worker and the other worker present, the
    ASYE worker sent apologies; a case discussion and an action for each."""
    people = {getattr(team, name): words for name, words in ACTIONS.items()}
    with db.transaction() as s:
        manager = load_actor(s, team.manager_id)
        group_id = gr.create_group_session(
            s, manager, held_at=HELD, duration_minutes=90, location="The Kestrel room",
            themes="Chronic neglect and drift",
            attendees={team.worker_id: Attendance.PRESENT, team.other_worker_id: Attendance.PRESENT,
                       team.asye_worker_id: Attendance.APOLOGIES})
        gr.update_shared_part(s, manager, group_id, learning="Genograms early in assessments")
        gr.add_discussion(s, manager, group_id, child_id=None, summary="A family known for years",
                          decision="Escalate to a legal planning meeting",
                          rationale="Cumulative harm despite two plans")
        actions = {person: gr.add_action(s, manager, group_id, owner_id=person, description=words,
                                         due_on=date(2026, 12, 1))
                   for person, words in people.items()}
    return group_id, actions


def _sign_as_supervisor(db, team, group_id) -> None:
    from supervision_app.security.credentials import CredentialStore
    from supervision_app.security.secret_store import SecretStore

    store = CredentialStore(db.profile.folder, SecretStore(db.profile.profile_id))
    store.ensure_local_credentials(team.manager_id, "Morgan Manager", "team_manager")
    sign_group_session(db, store, group_id=group_id, signer_id=team.manager_id)


def _found(db, staff_id, words) -> list[tuple[str, str, str]]:
    with db.reading() as s:
        return [(h.kind, h.record_id, h.section_label)
                for h in search(s, load_actor(s, staff_id), words)]


def _kinds(db, staff_id, words) -> set[str]:
    return {kind for kind, _record, _label in _found(db, staff_id, words)}


def test_the_supervisor_finds_every_part_of_their_draft_under_plain_section_names(database, team):
    group_id, actions = _group(database, team)
    assert _found(database, team.manager_id, "chronic neglect") == [
        ("group_session", group_id, "Group supervision: themes")]
    assert _found(database, team.manager_id, "kestrel") == [
        ("group_session", group_id, "Group supervision: where")]
    assert _found(database, team.manager_id, "genograms") == [
        ("group_session", group_id, "Group supervision: learning")]
    assert [label for _k, _r, label in _found(database, team.manager_id, "legal planning")] == [
        "Group case discussion: decision"]
    assert [label for _k, _r, label in _found(database, team.manager_id, "cumulative harm")] == [
        "Group case discussion: rationale"]
    for person, action_id in actions.items():
        assert _found(database, team.manager_id, action_words(team)[person]) == [
            ("group_action", action_id, "Group action")]
    with database.reading() as s:
        hit, = search(s, load_actor(s, team.manager_id), "paediatrician")
    assert hit.group_session_id == group_id and hit.when == HELD
    assert hit.title == "Action for Ben Steady from group supervision led by Morgan Manager"


def action_words(team) -> dict[str, str]:
    return {getattr(team, name): words for name, words in ACTIONS.items()}


def test_a_draft_is_found_by_no_attendee(database, team):
    _group(database, team)
    for who in (team.worker_id, team.other_worker_id, team.asye_worker_id):
        for words in ("chronic neglect", "legal planning", action_words(team)[who]):
            assert _found(database, who, words) == [], (who, words)


def test_once_signed_each_attendee_finds_the_shared_part_and_only_their_own_action(database, team):
    group_id, actions = _group(database, team)
    _sign_as_supervisor(database, team, group_id)
    words = action_words(team)
    # present, and the one who sent apologies: the shared part and their own action
    for who in (team.worker_id, team.other_worker_id, team.asye_worker_id):
        assert _kinds(database, who, "chronic neglect") == {"group_session"}, who
        assert _kinds(database, who, "legal planning") == {"group_discussion"}, who
        assert _found(database, who, words[who]) == [("group_action", actions[who], "Group action")], who
        for other in set(words) - {who}:
            assert _found(database, who, words[other]) == [], (who, other)


def test_another_team_and_the_administrator_find_nothing(database, team):
    group_id, _actions = _group(database, team)
    _sign_as_supervisor(database, team, group_id)
    with database.reading() as s:
        other_manager = s.execute(text("SELECT manager_id FROM team WHERE id = :t"),
                                  {"t": team.other_team_id}).scalar()
    for who in (team.outsider_id, other_manager, team.admin_id):
        for words in ("chronic neglect", "kestrel", "legal planning", "paediatrician", "nursery"):
            assert _found(database, who, words) == [], (who, words)


@pytest.mark.parametrize("signed", [False, True])
def test_search_finds_a_group_exactly_for_those_who_may_open_it(database, team, signed):
    """The hit and the dialog ask the same rule: whoever finds the shared part can open it
    (group_records.group_view), and whoever cannot open it finds nothing."""
    group_id, _actions = _group(database, team)
    if signed:
        _sign_as_supervisor(database, team, group_id)
    with database.reading() as s:
        staff = [row[0] for row in s.execute(text("SELECT id FROM staff"))]
    for who in staff:
        with database.reading() as s:
            try:
                gr.group_view(s, load_actor(s, who), group_id)
                opens = True
            except NotAllowed:
                opens = False
        assert ("group_session" in _kinds(database, who, "chronic neglect")) == opens, who


def test_edits_and_removal_follow_the_index(database, team):
    group_id, actions = _group(database, team)
    with database.transaction() as s:
        manager = load_actor(s, team.manager_id)
        gr.update_shared_part(s, manager, group_id, themes="Working with fathers")
        gr.save_group(s, manager, group_id, held_at=HELD, duration_minutes=90, location="The Kestrel room",
                      themes="Working with fathers", discussion=("", "", ""),
                      attendance={team.worker_id: Attendance.PRESENT,
                                  team.other_worker_id: Attendance.PRESENT,
                                  team.asye_worker_id: Attendance.APOLOGIES},
                      actions={team.worker_id: ""}, actions_due=None)
    assert _found(database, team.manager_id, "chronic neglect") == []
    assert _kinds(database, team.manager_id, "fathers") == {"group_session"}
    assert _found(database, team.manager_id, "paediatrician") == []  # the action was removed
    assert _kinds(database, team.manager_id, "nursery") == {"group_action"}


def test_a_profile_upgraded_from_0015_finds_the_group_sessions_it_held(database, team):
    from alembic import command

    from supervision_app.store.migrations_config import alembic_config

    def migrate(step, revision):
        with database.engine.begin() as connection:
            step(alembic_config(connection), revision)

    migrate(command.downgrade, "0015")
    group_id, actions = _group(database, team)
    _sign_as_supervisor(database, team, group_id)
    with database.reading() as s:
        assert s.execute(text("SELECT count(*) FROM search_key WHERE kind LIKE 'group%'")).scalar() == 0
    assert _found(database, team.worker_id, "chronic neglect") == []
    migrate(command.upgrade, "head")
    assert _found(database, team.worker_id, "chronic neglect") == [
        ("group_session", group_id, "Group supervision: themes")]
    assert _found(database, team.worker_id, "paediatrician") == [
        ("group_action", actions[team.worker_id], "Group action")]
    assert _found(database, team.worker_id, "nursery") == []
    with database.reading() as s:
        teams = {row[0] for row in s.execute(text("SELECT team_id FROM search_key WHERE kind LIKE 'group%'"))}
        sections = s.execute(text("SELECT count(*) FROM search_key WHERE kind LIKE 'group%'")).scalar()
    assert teams == {team.team_id}
    assert sections == 3 + 3 + 3  # themes, where, learning; the discussion's three; three actions
    # and what is written after the upgrade is indexed by the triggers
    with database.transaction() as s:
        gr.set_group_action_status(s, load_actor(s, team.worker_id), actions[team.worker_id], "done")
    assert _kinds(database, team.worker_id, "paediatrician") == {"group_action"}


def test_parts_pulled_before_their_group_take_its_team_when_it_arrives(database, team):
    """Sync may bring a group's discussion and actions before the group itself; their index
    rows then have no team (nobody finds them) until the group is written, when
    ``search_index.fix_scope`` gives them its team, as the scope triggers would."""
    from supervision_app.store.driver_sql import cursor
    from supervision_app.sync import search_index

    group_id, _actions = _group(database, team)
    parts = "kind IN ('group_discussion', 'group_action')"
    with database.transaction() as s:
        cur = cursor(s)
        cur.execute(f"UPDATE search_key SET team_id = NULL WHERE {parts}")  # as indexed before the group came
        search_index.clear_written(cur)
        search_index.note_written(cur, {"group_session": [(group_id, 1)]})
        search_index.fix_scope(cur, ["group_session"])
    with database.reading() as s:
        teams = {row[0] for row in s.execute(text(f"SELECT team_id FROM search_key WHERE {parts}"))}
    assert teams == {team.team_id}
    assert _kinds(database, team.manager_id, "paediatrician") == {"group_action"}


def test_a_group_of_managers_from_two_teams_is_found_by_its_attendees(database, team):
    """A service manager's group of team managers from two teams belongs to no team (its
    index rows have none); its attendees find it all the same, their own teams' workers
    do not."""
    from supervision_app.security.credentials import CredentialStore
    from supervision_app.security.secret_store import SecretStore
    from supervision_app.store.models import Team

    with database.transaction() as s:  # the directory: team B joins the service area
        other = s.get(Team, team.other_team_id)
        other.service_area_id = team.service_area_id
        other_manager = other.manager_id
    with database.transaction() as s:
        group_id = gr.create_group_session(
            s, load_actor(s, team.service_manager_id), held_at=HELD, duration_minutes=60,
            location="", themes="Managing caseloads across the service",
            attendees={team.manager_id: Attendance.PRESENT, other_manager: Attendance.PRESENT})
    store = CredentialStore(database.profile.folder, SecretStore(database.profile.profile_id))
    store.ensure_local_credentials(team.service_manager_id, "Sasha Service", "service_manager")
    sign_group_session(database, store, group_id=group_id, signer_id=team.service_manager_id)
    with database.reading() as s:
        assert s.execute(text("SELECT DISTINCT team_id FROM search_key WHERE record_id = :g"),
                         {"g": group_id}).all() == [(None,)]
    for who in (team.service_manager_id, team.manager_id, other_manager):
        assert _found(database, who, "caseloads") == [
            ("group_session", group_id, "Group supervision: themes")], who
    for who in (team.worker_id, team.outsider_id):
        assert _found(database, who, "caseloads") == [], who

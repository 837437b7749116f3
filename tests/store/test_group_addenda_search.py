"""Search finds a signed addendum to a locked group session (issue 21) for everyone who sees
the session's shared part, under the group's team (migration 0018): its supervisor, the
attendees (the one who sent apologies too), the manager above; not a worker of another team
or an administrator. Opening the hit opens the group session. A draft is found by its
author only. A profile that indexed one before 0018 (with no team, so the team's managers
never found it) gets its team on the upgrade, and going back to 0016 works."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import text

from supervision_app.domain.group_supervision import GROUP_KIND, Attendance
from supervision_app.records.group_signoff import sign_group_session
from supervision_app.records.signoff import create_addendum, sign_addendum
from supervision_app.security.credentials import CredentialStore
from supervision_app.security.secret_store import SecretStore
from supervision_app.store import group_records as gr
from supervision_app.store.models import Staff
from supervision_app.store.search_queries import search
from supervision_app.store.supervision_records import load_actor

HELD = datetime(2026, 11, 5, 10, tzinfo=timezone.utc)


def _locked_group(database, team) -> tuple[str, CredentialStore]:
    store = CredentialStore(database.profile.folder, SecretStore(database.profile.profile_id))
    with database.transaction() as s:
        for person in (team.manager_id, team.worker_id):
            staff = s.get_one(Staff, person)
            store.ensure_local_credentials(person, staff.display_name, staff.role)
        gid = gr.create_group_session(
            s, load_actor(s, team.manager_id),
            attendees={team.worker_id: Attendance.PRESENT, team.other_worker_id: Attendance.APOLOGIES},
            held_at=HELD, duration_minutes=90, location="Room 2", themes="Working with neglect")
    for person in (team.manager_id, team.worker_id):
        sign_group_session(database, store, group_id=gid, signer_id=person)
    return gid, store


def _addendum(database, store, author_id, gid, body, *, sign=True) -> str:
    with database.transaction() as s:
        addendum_id = create_addendum(s, author_id=author_id, record_kind=GROUP_KIND, record_id=gid, body=body)
    if sign:
        sign_addendum(database, store, addendum_id=addendum_id, signer_id=author_id)
    return addendum_id


def _found(database, staff_id: str, words: str) -> list[tuple[str, str | None]]:
    with database.reading() as s:
        return [(h.record_id, h.group_session_id) for h in search(s, load_actor(s, staff_id), words)
                if h.kind == "addendum"]


def test_found_by_everyone_who_sees_the_session_not_by_others(database, team):
    gid, store = _locked_group(database, team)
    addendum_id = _addendum(database, store, team.worker_id, gid, "The family speaks Polish at home")
    for who in (team.manager_id, team.worker_id, team.other_worker_id, team.service_manager_id):
        assert _found(database, who, "Polish") == [(addendum_id, gid)], who
    for who in (team.outsider_id, team.admin_id, team.asye_worker_id):
        assert _found(database, who, "Polish") == [], who
    with database.reading() as s:
        (hit,) = [h for h in search(s, load_actor(s, team.manager_id), "Polish") if h.kind == "addendum"]
    assert hit.title == "Addendum to group supervision led by Morgan Manager"


def test_a_draft_is_found_by_its_author_only(database, team):
    gid, store = _locked_group(database, team)
    draft = _addendum(database, store, team.manager_id, gid, "Cara's apologies were for leave", sign=False)
    assert _found(database, team.manager_id, "apologies") == [(draft, gid)]
    for who in (team.worker_id, team.other_worker_id, team.service_manager_id):
        assert _found(database, who, "apologies") == [], who


def test_a_profile_indexed_before_0018_gets_the_team_on_upgrade(database, team):
    from alembic import command

    from supervision_app.store.migrations_config import alembic_config

    def migrate(step, revision):
        with database.engine.begin() as connection:
            step(alembic_config(connection), revision)

    migrate(command.downgrade, "0016")
    gid, store = _locked_group(database, team)
    addendum_id = _addendum(database, store, team.worker_id, gid, "The family speaks Polish at home")
    with database.reading() as s:
        assert s.execute(text("SELECT team_id FROM search_key WHERE record_id = :a"),
                         {"a": addendum_id}).scalar() is None
    assert _found(database, team.manager_id, "Polish") == []
    migrate(command.upgrade, "head")
    with database.reading() as s:
        assert s.execute(text("SELECT team_id FROM search_key WHERE record_id = :a"),
                         {"a": addendum_id}).scalar() == team.team_id
    assert _found(database, team.manager_id, "Polish") == [(addendum_id, gid)]

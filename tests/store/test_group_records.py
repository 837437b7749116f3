"""Group supervision through the store (issue 21): a manager holds it with three of their
workers, each attendee sees the shared part and only their own actions, each signs with
their own key, and it locks when the last present attendee has signed; the locks hold in
the database itself; the schedule counts it only where the team says so."""
import json
from datetime import date, datetime, timezone

import pytest

from supervision_app.domain.group_supervision import Attendance
from supervision_app.domain.vocabulary import RecordState
from supervision_app.records.group_signoff import sign_group_session
from supervision_app.store import group_records as gr
from supervision_app.store.group_models import GroupSession
from supervision_app.store.models import Team
from supervision_app.store.outbox import outbox_table
from supervision_app.store.supervision_records import NotAllowed, NotFound
from tests.store.builders import actor

HELD = datetime(2026, 11, 5, 10, tzinfo=timezone.utc)


def _group(db, team, *, apologies=()):
    people = (team.worker_id, team.other_worker_id, team.asye_worker_id)
    with db.transaction() as s:
        who = actor(db, team.manager_id)
        gid = gr.create_group_session(
            s, who, attendees={p: Attendance.APOLOGIES if p in apologies else Attendance.PRESENT
                               for p in people},
            held_at=HELD, duration_minutes=90, location="Room 2", themes="Working with neglect")
        gr.add_discussion(s, who, gid, child_id=None, summary="A family where neglect is chronic",
                          decision="Bring to the next group", rationale="Several of us hold similar cases")
        for p in people:
            gr.add_action(s, who, gid, owner_id=p, description=f"Read the briefing {p[:4]}",
                          due_on=date(2026, 12, 1))
    return gid


def _credentials(db, team):
    from supervision_app.security.credentials import CredentialStore
    from supervision_app.security.secret_store import SecretStore

    store = CredentialStore(db.profile.folder, SecretStore(db.profile.profile_id))
    for person, role in ((team.manager_id, "team_manager"), (team.worker_id, "social_worker"),
                         (team.other_worker_id, "social_worker"), (team.asye_worker_id, "social_worker")):
        store.ensure_local_credentials(person, person[:6], role)
    return store


def test_each_attendee_sees_the_shared_part_and_only_their_own_actions(database, team):
    gid = _group(database, team)
    store = _credentials(database, team)
    with database.reading() as s:
        with pytest.raises(NotAllowed):  # not released before the supervisor signs
            gr.group_view(s, actor(database, team.worker_id), gid)
    sign_group_session(database, store, group_id=gid, signer_id=team.manager_id)
    with database.reading() as s:
        manager_view = gr.group_view(s, actor(database, team.manager_id), gid)
        assert len(manager_view.actions) == 3
        for person in (team.worker_id, team.other_worker_id, team.asye_worker_id):
            view = gr.group_view(s, actor(database, person), gid)
            assert view.group.themes == "Working with neglect"
            assert [d.summary for d in view.discussions] == ["A family where neglect is chronic"]
            assert len(view.attendance) == 3
            assert [a.owner_id for a in view.actions] == [person]
        with pytest.raises(NotAllowed):
            gr.group_view(s, actor(database, team.outsider_id), gid)


def test_each_signs_and_it_locks_when_every_present_attendee_has(database, team):
    gid = _group(database, team, apologies=(team.asye_worker_id,))
    store = _credentials(database, team)
    with pytest.raises(NotAllowed):  # the supervisor signs first
        sign_group_session(database, store, group_id=gid, signer_id=team.worker_id)
    first = sign_group_session(database, store, group_id=gid, signer_id=team.manager_id)
    assert first.state == RecordState.SUPERVISOR_SIGNED
    with pytest.raises(NotAllowed):  # apologies: nothing to sign
        sign_group_session(database, store, group_id=gid, signer_id=team.asye_worker_id)
    assert sign_group_session(database, store, group_id=gid,
                              signer_id=team.worker_id).state == RecordState.SUPERVISOR_SIGNED
    with pytest.raises(NotAllowed):  # once only
        sign_group_session(database, store, group_id=gid, signer_id=team.worker_id)
    last = sign_group_session(database, store, group_id=gid, signer_id=team.other_worker_id)
    assert last.state == RecordState.LOCKED
    with database.reading() as s:
        listing = {g.group_id: g for g in gr.groups_for(s, actor(database, team.manager_id))}
        assert listing[gid].state == RecordState.LOCKED
        sent = [json.loads(r.payload) for r in s.execute(outbox_table.select().where(
            outbox_table.c.table_name == "signature")).all()]
    assert len(sent) == 3  # each signature travels to the server


def test_attendee_signature_digest_covers_only_what_they_see(database, team):
    from supervision_app.domain.canonical import digest

    gid = _group(database, team)
    store = _credentials(database, team)
    sign_group_session(database, store, group_id=gid, signer_id=team.manager_id)
    signed = sign_group_session(database, store, group_id=gid, signer_id=team.worker_id)
    with database.reading() as s:
        form = gr.canonical_for(s, gid, team.worker_id)
    assert [a["owner_id"] for a in form["actions"]] == [team.worker_id]
    assert signed.digest == digest("group_attendance", form)


def test_signed_group_is_frozen_in_the_database_itself(database, team):
    gid = _group(database, team)
    store = _credentials(database, team)
    sign_group_session(database, store, group_id=gid, signer_id=team.manager_id)
    with pytest.raises(NotAllowed):
        with database.transaction() as s:
            gr.update_shared_part(s, actor(database, team.manager_id), gid, themes="changed")
    from supervision_app.store.errors import StoreError

    with pytest.raises(StoreError):  # the trigger, whatever code path tries
        with database.transaction() as s:
            s.get(GroupSession, gid).themes = "changed behind the rules"


def test_only_the_managers_own_workers_join_a_group(database, team):
    with database.transaction() as s:
        with pytest.raises(NotAllowed):
            gr.create_group_session(s, actor(database, team.manager_id),
                                    attendees={team.worker_id: Attendance.PRESENT,
                                               team.outsider_id: Attendance.PRESENT},
                                    held_at=HELD, duration_minutes=60)
        with pytest.raises(NotAllowed):
            gr.create_group_session(s, actor(database, team.worker_id),
                                    attendees={team.other_worker_id: Attendance.PRESENT},
                                    held_at=HELD, duration_minutes=60)
        with pytest.raises(NotFound):
            gr.create_group_session(s, actor(database, team.manager_id),
                                    attendees={"00000000-0000-4000-8000-000000000000": Attendance.PRESENT},
                                    held_at=HELD, duration_minutes=60)


def test_attendance_ticked_after_creation(database, team):
    gid = _group(database, team)
    with database.transaction() as s:
        gr.set_attendance(s, actor(database, team.manager_id), gid, team.worker_id, Attendance.APOLOGIES)
        with pytest.raises(NotAllowed):
            gr.set_attendance(s, actor(database, team.manager_id), gid, team.outsider_id, Attendance.PRESENT)
    with database.reading() as s:
        view = gr.group_view(s, actor(database, team.manager_id), gid)
    assert {a.attendee_id: a.attendance for a in view.attendance}[team.worker_id] == "apologies"
    assert team.worker_id not in view.target.present


def test_schedule_counts_the_group_only_where_the_team_says_so(database, team):
    gid = _group(database, team, apologies=(team.asye_worker_id,))
    individual = date(2026, 10, 1)
    with database.reading() as s:
        assert gr.last_held_with_groups(s, team.worker_id, individual) == individual  # default: no
    with database.transaction() as s:
        row = s.get(Team, team.team_id)
        row.supervision_policy = json.dumps({"group_counts_toward_frequency": True})
    with database.reading() as s:  # a draft gives no assurance
        assert gr.last_held_with_groups(s, team.worker_id, individual) == individual
    sign_group_session(database, _credentials(database, team), group_id=gid, signer_id=team.manager_id)
    with database.reading() as s:
        assert gr.last_held_with_groups(s, team.worker_id, individual) == date(2026, 11, 5)
        # apologies never count
        assert gr.last_held_with_groups(s, team.asye_worker_id, individual) == individual


def test_team_page_counts_a_released_group_where_the_policy_says_so(database, team):
    from supervision_app.domain.supervision_policy import SupervisionPolicy
    from supervision_app.store import queries

    gid = _group(database, team)
    sign_group_session(database, _credentials(database, team), group_id=gid, signer_id=team.manager_id)
    today = date(2026, 11, 20)

    def last_held():
        with database.reading() as s:
            rows = queries.team_overview(s, actor(database, team.manager_id), today)
        return {r.worker_id: r.last_held for r in rows}[team.worker_id]

    assert last_held() != date(2026, 11, 5)  # not counted by default
    policy = SupervisionPolicy(group_counts_toward_frequency=True)
    assert SupervisionPolicy.from_json(policy.to_json()).group_counts_toward_frequency  # kept when saved
    with database.transaction() as s:
        s.get(Team, team.team_id).supervision_policy = json.dumps(policy.to_json())
    assert last_held() == date(2026, 11, 5)

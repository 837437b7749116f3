"""Group supervision in the compliance figures (issue 21), with group sessions made and signed
through the store and the real signing path: the figure of group sessions attended and
signed; a signed group session counting toward a worker's frequency only where their team
counts group sessions (and as their team now says, after a move); a child discussed in a
group session has oversight once the session is locked, not before; a worker's open
actions include theirs from group sessions they have signed; and the viewer's scope."""
from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone

import pytest

from supervision_app.assurance.compliance import compliance_dashboard
from supervision_app.assurance.export import table
from supervision_app.domain.group_supervision import Attendance
from supervision_app.domain.supervision_policy import SupervisionPolicy
from supervision_app.domain.vocabulary import SupervisionStatus
from supervision_app.records.group_signoff import sign_group_session
from supervision_app.store import group_records as gr
from supervision_app.store.models import Staff, Team
from tests.store.builders import actor

TODAY = date.today()
HELD = datetime.combine(TODAY - timedelta(days=10), time(10), timezone.utc)


def _credentials(db, team):
    from supervision_app.security.credentials import CredentialStore
    from supervision_app.security.secret_store import SecretStore

    store = CredentialStore(db.profile.folder, SecretStore(db.profile.profile_id))
    for person, role in ((team.manager_id, "team_manager"), (team.worker_id, "social_worker"),
                         (team.other_worker_id, "social_worker"), (team.asye_worker_id, "social_worker")):
        store.ensure_local_credentials(person, person[:6], role)
    return store


def _policy(db, team_id, counts: bool) -> None:
    """The team's policy as an administrator sets it (the directory's team row)."""
    with db.transaction() as s:
        s.get(Team, team_id).supervision_policy = json.dumps(
            SupervisionPolicy(group_counts_toward_frequency=counts).to_json())


def _group(db, team, held=HELD) -> tuple[str, dict[str, str]]:
    """Ben and Cara present, Ava's apologies; the group discusses Casey (Ben's child)."""
    who = actor(db, team.manager_id)
    with db.transaction() as s:
        gid = gr.create_group_session(
            s, who, attendees={team.worker_id: Attendance.PRESENT, team.other_worker_id: Attendance.PRESENT,
                               team.asye_worker_id: Attendance.APOLOGIES},
            held_at=held, duration_minutes=90, location="Room 2", themes="Working with neglect")
        gr.add_discussion(s, who, gid, child_id=team.child_ids[2], summary="Casey's placement",
                          decision="Keep the plan", rationale="School attendance is rising")
        actions = {p: gr.add_action(s, who, gid, owner_id=p, description="Read the briefing",
                                    due_on=TODAY - timedelta(days=1))
                   for p in (team.worker_id, team.other_worker_id)}
    return gid, actions


def _figures(db, viewer_id, today=TODAY):
    with db.reading() as s:
        return compliance_dashboard(s, actor(db, viewer_id), today=today, months=3)


@pytest.fixture
def signed_by_ben(database, team):
    """The supervisor and Ben have signed; Cara has not yet (so the group is not locked)."""
    gid, actions = _group(database, team)
    store = _credentials(database, team)
    sign_group_session(database, store, group_id=gid, signer_id=team.manager_id)
    sign_group_session(database, store, group_id=gid, signer_id=team.worker_id)
    return gid, actions, store


def test_group_sessions_attended_and_signed_are_their_own_figure(database, team, signed_by_ben):
    gid, _actions, _store = signed_by_ben
    d = _figures(database, team.manager_id)
    ben = d.figure("group_sessions_signed", worker_id=team.worker_id)
    cara = d.figure("group_sessions_signed", worker_id=team.other_worker_id)
    ava = d.figure("group_sessions_signed", worker_id=team.asye_worker_id)
    assert (ben.numerator, ben.denominator) == (1, 1)
    assert (cara.numerator, cara.denominator) == (0, 1)  # held, not yet signed by her
    assert (ava.numerator, ava.denominator) == (0, 0)  # apologies: not supervised by it
    total = d.figure("group_sessions_signed", team_id=team.team_id)
    assert (total.numerator, total.denominator, total.display) == (1, 2, "50% (1/2)")
    assert [(r.kind, r.record_id, r.counted) for r in ben.records] == [("group_session", gid, True)]
    assert [(r.kind, r.record_id, r.counted) for r in cara.records] == [("group_session", gid, False)]
    headers, rows = table(d, "teams")  # and in the export people paste into board papers
    at = headers.index("Group sessions attended, signed: count")
    assert rows[0][at:at + 3] == [1, 2, 50.0]


def test_a_signed_group_session_counts_toward_frequency_only_where_the_team_counts_them(
        database, team, signed_by_ben):
    gid, _actions, _store = signed_by_ben
    # Ben has no 1:1 record: without group sessions counted he is overdue (started 2019)
    d = _figures(database, team.manager_id)
    ben = next(w for w in d.workers if w.worker_id == team.worker_id)
    assert ben.status == SupervisionStatus.OVERDUE and ben.last_signed is None
    assert not any(r.record_id == gid for r in d.figure("within_policy", worker_id=team.worker_id).records)

    _policy(database, team.team_id, True)
    d = _figures(database, team.manager_id)
    ben = next(w for w in d.workers if w.worker_id == team.worker_id)
    assert ben.status != SupervisionStatus.OVERDUE and ben.last_signed == HELD.date()
    assert [(r.kind, r.record_id) for r in d.figure("within_policy", worker_id=team.worker_id).records
            if r.record_id] == [("group_session", gid)]
    # Cara was present but has not signed: not yet counted for her; Ava sent apologies
    for person in (team.other_worker_id, team.asye_worker_id):
        worker = next(w for w in d.workers if w.worker_id == person)
        assert worker.last_signed is None

    # Ben moves to team B, which does not count group sessions: his schedule follows the
    # policy of the team he is in now, as his due date on the team page does
    with database.transaction() as s:
        s.get(Staff, team.worker_id).team_id = team.other_team_id
        olu = s.query(Staff).filter_by(username="olu").one().id  # team B's manager
    d = _figures(database, olu)
    ben = next(w for w in d.workers if w.worker_id == team.worker_id)
    assert ben.team_id == team.other_team_id
    assert ben.status == SupervisionStatus.OVERDUE and ben.last_signed is None
    signed = d.figure("group_sessions_signed", worker_id=team.worker_id)
    assert (signed.numerator, signed.denominator) == (1, 1)  # still attended and signed


def test_the_settings_can_leave_group_sessions_out_of_the_schedule(database, team, signed_by_ben):
    from supervision_app.assurance.compliance_figures import AssuranceSettings

    _policy(database, team.team_id, True)

    def ben_last_signed(types):
        with database.reading() as s:
            d = compliance_dashboard(s, actor(database, team.manager_id), today=TODAY, months=3,
                                     settings=AssuranceSettings(counted_session_types=frozenset(types)))
        return next(w for w in d.workers if w.worker_id == team.worker_id).last_signed

    assert ben_last_signed({"planned_1to1", "group"}) == HELD.date()
    assert ben_last_signed({"planned_1to1"}) is None


def test_a_child_discussed_in_a_group_has_oversight_once_the_group_is_locked(database, team, signed_by_ben):
    gid, _actions, store = signed_by_ben
    casey = team.child_ids[2]

    def casey_lacks(d) -> bool:
        refs = d.figure("children_without_oversight", worker_id=team.worker_id).records
        return next(r for r in refs if r.child_id == casey).counted

    assert casey_lacks(_figures(database, team.manager_id))  # Cara has not signed: not locked
    sign_group_session(database, store, group_id=gid, signer_id=team.other_worker_id)  # locks it
    d = _figures(database, team.manager_id)
    assert not casey_lacks(d)
    lacking = d.figure("children_without_oversight", team_id=team.team_id)
    assert casey not in {r.child_id for r in lacking.records if r.counted}
    # the interval: 10 days ago is outside a 7-day interval, and the list says when it was
    from supervision_app.assurance.compliance_figures import AssuranceSettings

    with database.reading() as s:
        d = compliance_dashboard(s, actor(database, team.manager_id), today=TODAY, months=3,
                                 settings=AssuranceSettings(oversight_interval_days=7))
    ref = next(r for r in d.figure("children_without_oversight", worker_id=team.worker_id).records
               if r.child_id == casey)
    assert ref.counted and ref.when == HELD.date()


def test_open_actions_include_those_from_group_sessions_the_owner_has_signed(database, team, signed_by_ben):
    gid, actions, store = signed_by_ben
    d = _figures(database, team.manager_id)
    ben_open = d.figure("open_actions", worker_id=team.worker_id)
    assert ben_open.numerator == 1
    assert [(r.kind, r.record_id) for r in ben_open.records] == [("group_action", actions[team.worker_id])]
    assert d.figure("overdue_actions", worker_id=team.worker_id).numerator == 1
    assert d.figure("open_actions", worker_id=team.other_worker_id).numerator == 0  # not signed by her
    sign_group_session(database, store, group_id=gid, signer_id=team.other_worker_id)
    assert _figures(database, team.manager_id).figure("open_actions", worker_id=team.other_worker_id).numerator == 1


def test_another_teams_manager_sees_none_of_it(database, team, signed_by_ben):
    with database.reading() as s:
        olu = s.query(Staff).filter_by(username="olu").one().id
    d = _figures(database, olu)
    assert {w.worker_id for w in d.workers} == {team.outsider_id}
    assert d.total["group_sessions_signed"].denominator == 0


def test_a_group_session_long_before_the_period_still_starts_the_schedule(database, team):
    """Figures for 3 months read group sessions from one interval before the period, and
    before that only each worker's last one: if that one is not signed by them, the one
    before it is found (and an open action agreed in it still counts)."""
    older = datetime.combine(TODAY - timedelta(days=250), time(10), timezone.utc)
    later = datetime.combine(TODAY - timedelta(days=200), time(10), timezone.utc)
    store = _credentials(database, team)
    first, actions = _group(database, team, held=older)
    sign_group_session(database, store, group_id=first, signer_id=team.manager_id)
    sign_group_session(database, store, group_id=first, signer_id=team.worker_id)
    second, _ = _group(database, team, held=later)
    sign_group_session(database, store, group_id=second, signer_id=team.manager_id)  # Ben has not signed
    _policy(database, team.team_id, True)
    d = _figures(database, team.manager_id)
    ben = next(w for w in d.workers if w.worker_id == team.worker_id)
    assert ben.last_signed == older.date() and ben.status == SupervisionStatus.OVERDUE
    assert d.figure("group_sessions_signed", worker_id=team.worker_id).denominator == 0  # before the period
    assert [r.record_id for r in d.figure("open_actions", worker_id=team.worker_id).records] == [
        actions[team.worker_id]]
    sign_group_session(database, store, group_id=second, signer_id=team.worker_id)
    ben = next(w for w in _figures(database, team.manager_id).workers if w.worker_id == team.worker_id)
    assert ben.last_signed == later.date()

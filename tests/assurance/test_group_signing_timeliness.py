"""'Signed within 5 working days of sharing' for group sessions (issue 21,
``assurance.group_timeliness``): the supervisor's signature releases the shared part (its
sharing), and each attendee present has 5 working days from then to sign; apologies and a
session the supervisor has not signed are not counted; a deadline not yet passed is not
decided. Group sessions are made and signed through the store and the real signing path
(the clock frozen only to sign them on an earlier day); the viewer's scope as the
dashboard builds it."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from freezegun import freeze_time
from sqlalchemy import select

from supervision_app.assurance.compliance_figures import AssuranceSettings
from supervision_app.assurance.compliance_rows import STAFF
from supervision_app.assurance.compliance_tally import Reading
from supervision_app.assurance.group_timeliness import decided, group_signing_refs, read_group_signing
from supervision_app.assurance.rules import period_months
from supervision_app.domain.working_days import add_working_days
from supervision_app.records.group_signoff import sign_group_session
from supervision_app.store.models import Team
from tests.assurance.test_group_sessions_in_figures import _credentials, _group
from tests.fixtures import PYTEST_OWN_CLOCKS

TODAY = date.today()
HELD = datetime.combine(TODAY - timedelta(days=21), time(10), timezone.utc)


def _signings(db, team_ids):
    """What the dashboard reads for a viewer whose scope is ``team_ids``."""
    with db.reading() as s:
        conn = s.connection()
        workers = list(conn.execute(select(STAFF.id, STAFF.display_name, STAFF.role, STAFF.team_id,
                                           STAFF.started_on, STAFF.asye_start, STAFF.last_supervised_on)
                                    .where(STAFF.team_id.in_(team_ids))))
        in_scope = select(STAFF.id).where(STAFF.team_id.in_(team_ids))
        reading = Reading(conn, TODAY, period_months(TODAY, 3), AssuranceSettings(), {}, workers, in_scope)
        return read_group_signing(reading), {w.id: w for w in workers}


def test_each_present_attendee_has_five_working_days_from_the_supervisors_signature(database, team):
    shared = HELD + timedelta(days=1)
    with freeze_time(shared, tick=True, ignore=PYTEST_OWN_CLOCKS):
        gid, _actions = _group(database, team, held=HELD)  # Ben and Cara present, Ava's apologies
        store = _credentials(database, team)
        sign_group_session(database, store, group_id=gid, signer_id=team.manager_id)
        sign_group_session(database, store, group_id=gid, signer_id=team.worker_id)
    late_day = TODAY  # Cara signs today, three weeks after the supervisor
    sign_group_session(database, store, group_id=gid, signer_id=team.other_worker_id)
    # a second group the supervisor has signed today: nobody's deadline has passed yet
    recent, _ = _group(database, team, held=datetime.combine(TODAY - timedelta(days=1), time(10),
                                                              timezone.utc))
    sign_group_session(database, store, group_id=recent, signer_id=team.manager_id)
    # and one the supervisor has not signed: nothing shared, nothing counted
    _group(database, team, held=HELD)

    signings, workers = _signings(database, [team.team_id])
    ben, cara = signings[team.worker_id], signings[team.other_worker_id]
    assert team.asye_worker_id not in signings  # apologies: nothing to sign
    sign_by = add_working_days(shared.date(), 5)
    old_ben = next(s for s in ben if s.group_id == gid)
    assert (old_ben.shared_on, old_ben.sign_by, old_ben.signed_on, old_ben.on_time) == (
        shared.date(), sign_by, shared.date(), True)
    old_cara = next(s for s in cara if s.group_id == gid)
    assert (old_cara.signed_on, old_cara.on_time) == (late_day, False)
    assert all(s.on_time is None for s in (*ben, *cara) if s.group_id == recent)
    assert decided(ben) == (1, 1) and decided(cara) == (0, 1)
    refs = list(group_signing_refs(workers[team.other_worker_id], cara))
    assert [(r.kind, r.record_id, r.counted) for r in refs] == [("group_session", gid, False)]
    assert "late" in refs[0].outcome

    with database.reading() as s:  # another team's manager reads none of it
        other_team = s.get(Team, team.other_team_id).id
    assert _signings(database, [other_team])[0] == {}


def test_the_dashboard_shows_group_signing_on_time_per_worker_and_team(database, team):
    from supervision_app.assurance.compliance import compliance_dashboard
    from tests.store.builders import actor

    shared = HELD + timedelta(days=1)
    with freeze_time(shared, tick=True, ignore=PYTEST_OWN_CLOCKS):
        gid, _actions = _group(database, team, held=HELD)
        store = _credentials(database, team)
        sign_group_session(database, store, group_id=gid, signer_id=team.manager_id)
        sign_group_session(database, store, group_id=gid, signer_id=team.worker_id)
    sign_group_session(database, store, group_id=gid, signer_id=team.other_worker_id)  # late
    with database.reading() as s:
        d = compliance_dashboard(s, actor(database, team.manager_id), today=TODAY, months=3)
    figure = d.figure("group_signed_on_time", worker_id=team.worker_id)
    assert (figure.numerator, figure.denominator) == (1, 1)
    figure = d.figure("group_signed_on_time", worker_id=team.other_worker_id)
    assert (figure.numerator, figure.denominator) == (0, 1)
    assert [r.record_id for r in figure.records if r.counted is False] == [gid]
    total = d.figure("group_signed_on_time", team_id=team.team_id)
    assert (total.numerator, total.denominator) == (1, 2)
    from supervision_app.assurance.export import table

    headers, rows = table(d, "teams")  # in the export too, as count, of and %
    at = headers.index("Group sessions signed within 5 working days of the supervisor: count")
    assert rows[0][at:at + 3] == [1, 2, 50.0]
    with database.reading() as s:  # another team's manager: none of it
        other = s.get(Team, team.other_team_id).manager_id
        d = compliance_dashboard(s, actor(database, other), today=TODAY, months=3)
    assert d.total["group_signed_on_time"].denominator == 0

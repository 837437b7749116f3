"""Compliance counts cancelled sessions by who cancelled, late rebookings, and sessions
shorter than the team policy's standard length (issue 21)."""
from datetime import date, timedelta

from supervision_app.assurance.compliance import compliance_dashboard
from supervision_app.domain.supervision_policy import SupervisionPolicy
from supervision_app.store import cancellation_records as cr, supervision_records as sr
from tests.gui.sample_team import build_sample_team, session_time


def _actor(db, staff_id):
    with db.reading() as s:
        return sr.load_actor(s, staff_id)


def test_cancellations_late_rebookings_and_short_sessions(database):
    team = build_sample_team(database)
    today = date.today()
    manager = _actor(database, team.manager_id)
    with database.transaction() as s:
        for minutes in (45, 90):
            sid = sr.create_session(s, manager, supervisee_id=team.worker_id,
                                    held_at=session_time(3), duration_minutes=minutes)
            sr.share_session(s, manager, sid)
        # a draft is not counted: it is not finished yet
        sr.create_session(s, manager, supervisee_id=team.other_worker_id, held_at=session_time(2),
                          duration_minutes=30)
        ago = today - timedelta(days=20)
        cr.record_cancellation(s, manager, team.worker_id, planned_for=ago, cancelled_on=ago,
                               cancelled_by="supervisee", reason="Unwell",
                               rebooked_on=ago + timedelta(days=30))
        cr.record_cancellation(s, manager, team.worker_id, planned_for=ago, cancelled_on=ago,
                               cancelled_by="supervisor", reason="Panel meeting",
                               rebooked_on=ago + timedelta(days=1))
        cr.record_cancellation(s, manager, team.other_worker_id, planned_for=ago, cancelled_on=ago,
                               cancelled_by="other", reason="Court")
    with database.reading() as s:
        board = compliance_dashboard(s, manager, today=today)
    fig = lambda key, **kw: board.figure(key, team_id=team.team_id, **kw)  # noqa: E731
    assert fig("cancelled_by_supervisee").numerator == 1
    assert fig("cancelled_by_supervisor").numerator == 1
    assert fig("cancelled_by_other").numerator == 1
    assert fig("late_rebookings").numerator == 2  # rebooked a month later, and never rebooked
    short = board.figure("short_sessions", worker_id=team.worker_id)
    assert short.numerator == 1
    assert short.records[0].outcome == "45 minutes (standard 90)"
    assert "not rebooked in time" in board.figure("late_rebookings", worker_id=team.other_worker_id
                                                  ).records[0].outcome

    # a team whose standard is 45 minutes flags nothing
    with database.transaction() as s:
        sr.set_team_policy(s, _actor(database, team.service_manager_id), team.team_id,
                           SupervisionPolicy(standard_duration_minutes=45))
    with database.reading() as s:
        board = compliance_dashboard(s, manager, today=today)
    assert board.figure("short_sessions", team_id=team.team_id).numerator == 0


def test_a_team_whose_feedback_is_nearly_all_case_monitoring_is_signalled(database):
    from supervision_app.assurance.signals import SignalKind, quality_signals
    from supervision_app.store.outbox import skip_outbox
    from supervision_app.store.practice_models import TeamFeedbackTotal

    team = build_sample_team(database)
    with database.transaction() as s:
        skip_outbox(s)  # the rows the server publishes arrive by sync, not from this laptop
        for quarter, monitoring in (("2026-Q2", 5), ("2026-Q3", 2)):
            s.add(TeamFeedbackTotal(
                team_id=team.team_id, quarter=quarter, answers=6, helpful_yes=3, helpful_partly=3,
                helpful_no=0, mostly_reflection=1, balanced=5 - monitoring, mostly_case_monitoring=monitoring,
                support_yes=2, support_partly=2, support_no=2))
    manager = _actor(database, team.manager_id)
    with database.reading() as s:
        found = quality_signals(s, manager, today=date(2026, 12, 6), since=date(2026, 1, 1)).of_kind(
            SignalKind.MOSTLY_CASE_MONITORING)
        outsider = quality_signals(s, _actor(database, team.outsider_id), today=date(2026, 12, 6))
    assert [(f.team_id, f.when) for f in found] == [(team.team_id, date(2026, 7, 1))]
    assert "5 of 6 answers in 2026-Q2" in found[0].detail
    assert outsider.of_kind(SignalKind.MOSTLY_CASE_MONITORING) == []


def test_compliance_counts_workers_without_an_agreement_in_place(database):
    from supervision_app.records.agreement_signoff import sign_agreement
    from supervision_app.security.credentials import CredentialStore
    from supervision_app.security.secret_store import SecretStore
    from supervision_app.store import agreement_records as ar

    team = build_sample_team(database)
    store = CredentialStore(database.profile.folder, SecretStore(database.profile.profile_id))
    store.ensure_local_credentials(team.manager_id, "Morgan Manager", "team_manager")
    store.ensure_local_credentials(team.worker_id, "Ben Steady", "social_worker")
    manager = _actor(database, team.manager_id)
    with database.transaction() as s:
        agreement_id = ar.create_agreement(s, manager, team.worker_id)
    sign_agreement(database, store, agreement_id=agreement_id, signer_id=team.manager_id)
    sign_agreement(database, store, agreement_id=agreement_id, signer_id=team.worker_id)
    today = date.today()
    with database.reading() as s:
        board = compliance_dashboard(s, manager, today=today)
    figure = board.figure("agreement_not_in_place", team_id=team.team_id)
    assert figure.numerator == 2  # Ava and Cara have none; Ben's is in place
    ben = board.figure("agreement_not_in_place", worker_id=team.worker_id).records[0]
    assert ben.outcome.startswith("Agreement: in place; review by") and not ben.counted
    with database.reading() as s:  # a year and a day on, Ben's is due for review
        later = compliance_dashboard(s, manager, today=today + timedelta(days=366))
    assert later.figure("agreement_not_in_place", team_id=team.team_id).numerator == 3

"""Issue 18, DESIGN.md §1.1: after a worker moves team, the figures for past months count
each record under the team the worker was in on the session date, while today's status
shows the worker under their current team.

The world (tests/assurance/world.py): Ash's signed sessions of 08/10, 12/11 and 23/12/2025
were held in team A by its manager; the 07/01/2026 draft too. Then Ash moves to team B, as a
pulled directory change would move the staff row."""
from __future__ import annotations

from datetime import date

from supervision_app.assurance.compliance import MOVED_WORKERS_NOTE, compliance_dashboard
from supervision_app.domain.permissions import Operation, decide
from supervision_app.domain.vocabulary import SupervisionStatus
from supervision_app.gui.assurance_page import AssurancePage
from supervision_app.store.models import Staff, SupervisionSession
from supervision_app.store.supervision_records import load_actor, session_target
from tests.assurance.world import TODAY

PAST_MONTHS = (date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1))


def dashboard(database, who):
    with database.reading() as s:
        return compliance_dashboard(s, load_actor(s, who), today=TODAY, months=6)


def trend_of(board, team_id):
    team = next(t for t in board.teams if t.team_id == team_id)
    return {p.month: (p.within_policy, p.due, p.shared_on_time, p.shared_due) for p in team.trend}


def move_to_team(database, staff_id, team_id):
    with database.transaction() as s:
        s.get(Staff, staff_id).team_id = team_id


def test_past_months_stay_with_the_team_the_sessions_were_held_in(database, world):
    before = dashboard(database, world.hos)
    a_before, b_before = trend_of(before, world.team_a), trend_of(before, world.team_b)
    # Ash's sessions are in team A's past months (Oct: held within policy and shared)
    assert a_before[date(2025, 10, 1)][1] > 0 and b_before[date(2025, 10, 1)] == (0, 0, 0, 0)

    move_to_team(database, world.ash, world.team_b)
    after = dashboard(database, world.hos)
    a_after, b_after = trend_of(after, world.team_a), trend_of(after, world.team_b)
    for month in PAST_MONTHS:
        assert a_after[month] == a_before[month], month  # team A keeps what its manager held
        assert b_after[month] == b_before[month], month  # team B gains none of it
    # a missed supervision has no record, so no team of its own: Ash's missed 20/01/2026
    # occasion shows under the team Ash is in now
    jan = date(2026, 1, 1)
    assert b_after[jan][1] == b_before[jan][1] + 1 and a_after[jan][1] == a_before[jan][1] - 1
    # the whole council's trend is unchanged by the move
    assert after.trend == before.trend


def test_todays_status_shows_the_worker_under_their_current_team(database, world):
    move_to_team(database, world.ash, world.team_b)
    board = dashboard(database, world.hos)
    ash = next(w for w in board.workers if w.worker_id == world.ash)
    assert ash.team_id == world.team_b and ash.status == SupervisionStatus.OVERDUE
    overdue_b = {r.record_id for r in board.figure("overdue_now", team_id=world.team_b).records if r.counted}
    overdue_a = {r.record_id for r in board.figure("overdue_now", team_id=world.team_a).records if r.counted}
    assert world.ash in overdue_b and world.ash not in overdue_a


def test_new_team_manager_does_not_count_records_held_in_the_old_team(database, world):
    move_to_team(database, world.ash, world.team_b)
    board = dashboard(database, world.tm_b)
    assert [t.team_id for t in board.teams] == [world.team_b]
    for month in PAST_MONTHS:  # team B had nobody to supervise before February
        assert trend_of(board, world.team_b)[month] == (0, 0, 0, 0), month
        assert next(p for p in board.trend if p.month == month).due == 0


def test_team_figures_count_records_held_in_the_period_under_their_own_team(database, world):
    move_to_team(database, world.ash, world.team_b)
    board = dashboard(database, world.hos)

    def records(key, team_id):
        return {r.record_id for r in board.figure(key, team_id=team_id).records}

    held_in_a = {world.sessions[label] for label in ("ash-oct", "ash-nov", "ash-dec")}
    for key in ("shared_on_time", "signed_on_time"):
        assert held_in_a <= records(key, world.team_a), key
        assert not held_in_a & records(key, world.team_b), key
    assert world.sessions["ash-jan-draft"] in records("not_yet_signed", world.team_a)
    assert world.sessions["ash-jan-draft"] not in records("not_yet_signed", world.team_b)
    # the occasion met within policy by the October session stays with team A; Ash's missed
    # and overdue occasions (no record) go with Ash to team B
    within_a = board.figure("within_policy", team_id=world.team_a)
    assert world.sessions["ash-oct"] in {r.record_id for r in within_a.records if r.counted}
    ash_missed = [r for r in board.figure("within_policy", team_id=world.team_b).records
                  if r.staff_id == world.ash]
    assert ash_missed and all(r.kind == "occasion" for r in ash_missed)
    # Ash's own row keeps every record, under the team Ash is in now, and the whole
    # council counts each record once
    assert held_in_a <= {r.record_id for r in board.figure("shared_on_time", worker_id=world.ash).records}
    total = board.total["shared_on_time"]
    assert total.denominator == sum(t.figures["shared_on_time"].denominator or 0 for t in board.teams)
    assert len({r.record_id for r in total.records}) == len(total.records)


def test_old_team_manager_is_told_past_months_leave_out_workers_who_moved(database, world):
    """The old team's manager may no longer hold the signed records of a worker who moved
    (DESIGN.md §1.1: sync removes them, keeping only those awaiting their own action), so
    their laptop cannot count them; the figures say so instead of dropping them silently."""
    move_to_team(database, world.ash, world.team_b)
    with database.reading() as s:
        tm_a = load_actor(s, world.tm)
        signed = session_target(s.get(SupervisionSession, world.sessions["ash-oct"]))
        draft = session_target(s.get(SupervisionSession, world.sessions["ash-jan-draft"]))
    assert not decide(tm_a, Operation.VIEW, signed)  # gone from the old manager's laptop
    assert decide(tm_a, Operation.VIEW, draft)  # waits on the old manager: stays

    board = dashboard(database, world.tm)
    assert [t.team_id for t in board.teams] == [world.team_a]
    assert board.notes == (MOVED_WORKERS_NOTE,)
    assert "moved" in MOVED_WORKERS_NOTE and "not counted here" in MOVED_WORKERS_NOTE
    # nothing of Ash's is named behind team A's figures for its manager
    for key in ("within_policy", "not_yet_signed", "shared_on_time", "signed_on_time"):
        assert all(r.staff_id != world.ash for r in board.figure(key, team_id=world.team_a).records), key
    # the head of service's laptop holds every record and counts them where they were held
    assert dashboard(database, world.hos).notes == ()


def test_the_page_shows_the_note_beside_the_figures(database, world, qtbot):
    with database.reading() as s:
        actor = load_actor(s, world.tm)
    page = AssurancePage(database, actor, today=TODAY, open_record=lambda kind, rid: None)
    qtbot.addWidget(page)
    with qtbot.waitSignals([page.loaded, page.signals_loaded], timeout=20000):
        page.refresh()
    assert MOVED_WORKERS_NOTE in page.form.scopeLabel.text()
    page.tasks.wait(10000)

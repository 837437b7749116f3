"""Each compliance figure against the hand-built world (tests/assurance/world.py).

Today is 20/03/2026; the 6-month period is October 2025 to 20 March 2026.
"""
from __future__ import annotations

from datetime import date

import pytest

from supervision_app.assurance.compliance import AssuranceSettings, compliance_dashboard
from supervision_app.domain.vocabulary import LegalStatus, SupervisionStatus
from supervision_app.store.supervision_records import load_actor
from tests.assurance.world import TODAY


def dashboard(database, who, months=6, **kw):
    with database.reading() as s:
        return compliance_dashboard(s, load_actor(s, who), today=TODAY, months=months, **kw)


def ratio(figure):
    return (figure.numerator, figure.denominator)


@pytest.fixture
def team_dashboard(database, world):
    return dashboard(database, world.tm)


def test_team_manager_sees_their_team_only(database, team_dashboard, world):
    assert [t.team_id for t in team_dashboard.teams] == [world.team_a]
    # the people Tam supervises, as Tam's "My team" lists them: Tam is in team A but is
    # supervised by Sol, and counts in Sol's figures
    assert {w.worker_id for w in team_dashboard.workers} == {world.ash, world.bo, world.cy}
    assert team_dashboard.teams[0].workers == 3
    assert world.tm in {w.worker_id for w in dashboard(database, world.sm).workers}


def test_supervision_within_policy_counts_signed_sessions_only(team_dashboard, world):
    # Ash: 08/10 within; 05/11 and 10/12 held late; the 07/01 draft does not count, so
    # 20/01 and 17/02 missed and 17/03 overdue: 1 of 6
    assert ratio(team_dashboard.figure("within_policy", worker_id=world.ash)) == (1, 6)
    # Bo started 14/01: first due 11/02 (held 10/02), then 10/03 overdue (17/03 is signed
    # by the supervisor only, so it does not count): 1 of 2
    assert ratio(team_dashboard.figure("within_policy", worker_id=world.bo)) == (1, 2)
    # Cy (ASYE): weekly to 13/10, fortnightly to 16/02 all on the day; 02/03 held late: 11 of 12
    assert ratio(team_dashboard.figure("within_policy", worker_id=world.cy)) == (11, 12)
    assert ratio(team_dashboard.figure("within_policy", team_id=world.team_a)) == (13, 20)
    assert ratio(team_dashboard.total["within_policy"]) == (13, 20)


def test_records_behind_a_figure_are_the_occasions_with_their_sessions(team_dashboard, world):
    fig = team_dashboard.figure("within_policy", worker_id=world.ash)
    assert fig.records[0].counted is False  # problems first
    held = {r.record_id for r in fig.records if r.counted}
    assert held == {world.sessions["ash-oct"]}
    late = [r for r in fig.records if r.outcome.startswith("Held late")]
    assert {r.record_id for r in late} == {world.sessions["ash-nov"], world.sessions["ash-dec"]}
    assert world.sessions["ash-jan-draft"] not in {r.record_id for r in fig.records}
    missed = [r for r in fig.records if r.kind == "occasion"]
    assert [r.when for r in missed] == [date(2026, 1, 20), date(2026, 2, 17), date(2026, 3, 17)]


def test_overdue_now_ignores_unsigned_sessions(team_dashboard, world):
    rows = {w.worker_id: w for w in team_dashboard.workers}
    assert rows[world.ash].status == SupervisionStatus.OVERDUE  # last signed 23/12: due 20/01
    assert rows[world.bo].status == SupervisionStatus.OVERDUE  # 17/03 not signed by Bo yet
    assert rows[world.cy].status == SupervisionStatus.ON_TRACK  # 16/03 + 28 days = 13/04
    assert rows[world.cy].next_due == date(2026, 4, 13) and rows[world.cy].is_asye
    assert ratio(team_dashboard.figure("overdue_now", team_id=world.team_a)) == (2, 3)
    overdue_ids = {r.record_id for r in team_dashboard.total["overdue_now"].records if r.counted}
    assert overdue_ids == {world.ash, world.bo}


def test_unsigned_records_are_shown_apart(team_dashboard, world):
    fig = team_dashboard.figure("not_yet_signed", team_id=world.team_a)
    assert {r.record_id for r in fig.records} == {world.sessions["ash-jan-draft"], world.sessions["bo-mar"]}


def test_record_timeliness(team_dashboard, world):
    # Ash: 08/10 shared 20/10 (due 15/10) late; 12/11 shared next day; 23/12 shared 02/01 (due
    # 02/01 across Christmas and New Year) on time; the 07/01 draft was due shared by 14/01: 2 of 4
    assert ratio(team_dashboard.figure("shared_on_time", worker_id=world.ash)) == (2, 4)
    # signed: 08/10 signed 22/10 (due 27/10); 12/11 signed 25/11 (due 20/11) late; 23/12 signed
    # 09/01 (due 09/01): 2 of 3
    assert ratio(team_dashboard.figure("signed_on_time", worker_id=world.ash)) == (2, 3)
    # Bo: 10/02 shared and signed promptly; 17/03 shared on the day, Bo has until 24/03
    assert ratio(team_dashboard.figure("shared_on_time", worker_id=world.bo)) == (2, 2)
    assert ratio(team_dashboard.figure("signed_on_time", worker_id=world.bo)) == (1, 1)
    # Cy 12 sessions in the period, all prompt
    assert ratio(team_dashboard.figure("shared_on_time", team_id=world.team_a)) == (2 + 2 + 12, 4 + 2 + 12)
    assert ratio(team_dashboard.figure("signed_on_time", team_id=world.team_a)) == (2 + 1 + 12, 3 + 1 + 12)


def test_actions_count_open_ones_agreed_in_signed_records(team_dashboard, world):
    ash_open = team_dashboard.figure("open_actions", worker_id=world.ash)
    assert {r.record_id for r in ash_open.records} == {world.actions["a-overdue"], world.actions["a-open"]}
    assert [r.record_id for r in team_dashboard.figure("overdue_actions", worker_id=world.ash).records] == [
        world.actions["a-overdue"]]
    # Bo's action from the signed oversight note was due 19/03
    assert team_dashboard.figure("overdue_actions", worker_id=world.bo).numerator == 1
    assert team_dashboard.figure("open_actions", team_id=world.team_a).numerator == 3
    assert team_dashboard.figure("overdue_actions", team_id=world.team_a).numerator == 2


def test_unresolved_disagreements(team_dashboard, world):
    fig = team_dashboard.figure("unresolved_disagreements", team_id=world.team_a)
    assert [r.record_id for r in fig.records] == [world.sessions["bo-feb"]]


def test_children_without_management_oversight(team_dashboard, world):
    # cut-off 20/12/2025 (90 days): c1 discussed in Ash's signed 23/12 session; c2 only in a
    # draft since 08/10; c3 signed note 10/01; c4 signed note 19/12 (a day too early) and a
    # draft; c5 signed note on the cut-off day
    fig = team_dashboard.figure("children_without_oversight", team_id=world.team_a)
    assert ratio(fig) == (2, 5)
    lacking = {r.record_id: r for r in fig.records if r.counted}
    assert set(lacking) == {world.children["c2"], world.children["c4"]}
    assert lacking[world.children["c2"]].when == date(2025, 10, 8)
    assert lacking[world.children["c4"]].when == date(2025, 12, 19)
    by_status = {row.legal_status: row for row in team_dashboard.oversight_by_status}
    assert ratio(by_status[LegalStatus.CHILD_IN_NEED].without_oversight) == (1, 1)
    assert ratio(by_status[LegalStatus.CHILD_PROTECTION].without_oversight) == (0, 1)
    assert ratio(by_status[LegalStatus.CARE_LEAVER].without_oversight) == (1, 2)
    assert ratio(team_dashboard.care_leavers_pathway) == (1, 1)


def test_oversight_interval_is_configurable(database, world):
    d = dashboard(database, world.tm, settings=AssuranceSettings(oversight_interval_days=91))
    lacking = {r.record_id for r in d.total["children_without_oversight"].records if r.counted}
    assert lacking == {world.children["c2"]}
    assert ratio(d.care_leavers_pathway) == (0, 1)


def test_monthly_trend(team_dashboard):
    # Oct: Ash 08/10, Cy 06/10 13/10 27/10 -> 4/4; Nov: Ash late, Cy x2 -> 2/3;
    # Dec 2/3; Jan: Ash missed, Cy x2 -> 2/3; Feb: Ash missed, Bo, Cy x2 -> 3/4;
    # Mar: Ash and Bo overdue, Cy late -> 0/3 (Tam's own are in Sol's figures)
    assert [(p.month.month, p.within_policy, p.due) for p in team_dashboard.trend] == [
        (10, 4, 4), (11, 2, 3), (12, 2, 3), (1, 2, 3), (2, 3, 4), (3, 0, 3)]


def test_three_month_period(database, world):
    d = dashboard(database, world.tm, months=3)
    assert d.period.start == date(2026, 1, 1)
    # Ash 0/3, Bo 1/2, Cy 4/5 (05/01 19/01 02/02 16/02 within, 02/03 late)
    assert ratio(d.figure("within_policy", worker_id=world.ash)) == (0, 3)
    assert ratio(d.figure("within_policy", worker_id=world.cy)) == (4, 5)
    assert ratio(d.total["within_policy"]) == (5, 10)


def test_head_of_service_sees_every_team_and_unallocated_children(database, world):
    d = dashboard(database, world.hos)
    assert {t.team_id for t in d.teams} == {world.team_a, world.team_b}
    # Oz started 01/02: first due 01/03, overdue now; Tia (their manager) started 15/02: due
    # 15/03, overdue now
    assert ratio(d.figure("within_policy", team_id=world.team_b)) == (0, 2)
    assert ratio(d.total["within_policy"]) == (19, 28)
    # Oz owns an open action from Ash's signed October session, due 01/01
    assert d.figure("overdue_actions", worker_id=world.oz).numerator == 1
    # c6 (Oz, never overseen) and c7 (allocated to nobody) join c2 and c4
    assert ratio(d.total["children_without_oversight"]) == (4, 7)
    assert d.scope_label == "All teams"


def test_service_manager_sees_their_service_and_others_see_nothing(database, world):
    d = dashboard(database, world.sm)
    assert [t.team_id for t in d.teams] == [world.team_a]
    for who in (world.ash, world.auditor, world.admin):
        d = dashboard(database, who)
        assert d.teams == () and d.workers == ()
        assert d.total["children_without_oversight"].denominator == 0


def test_session_types_counted_are_configurable(database, world):
    d = dashboard(database, world.tm,
                  settings=AssuranceSettings(counted_session_types=frozenset({"group"})))
    assert d.figure("within_policy", worker_id=world.cy).numerator == 0


def test_last_oversight_dates_can_be_left_to_the_list(database, world, monkeypatch):
    from supervision_app.assurance import compliance

    monkeypatch.setattr(compliance, "EAGER_LAST_OVERSIGHT", 0)
    d = dashboard(database, world.tm)
    fig = d.figure("children_without_oversight", team_id=world.team_a)
    assert ratio(fig) == (2, 5)
    assert all(r.when is None for r in fig.records if r.counted)
    with database.reading() as s:
        filled = compliance.fill_last_oversight(s, fig.records)
    dates = {r.record_id: r.when for r in filled if r.counted}
    assert dates == {world.children["c2"]: date(2025, 10, 8), world.children["c4"]: date(2025, 12, 19)}


def test_signatures_read_by_time_give_the_same_timeliness(database, world, monkeypatch):
    """Across many sessions the supervisee's signatures are read in signing order rather
    than by id; both ways give the same figures (Ash's 23/12 session was signed 09/01)."""
    from supervision_app.assurance import compliance

    by_id = dashboard(database, world.tm)
    monkeypatch.setattr(compliance, "SIGNATURES_BY_TIME", 0)
    by_time = dashboard(database, world.tm)
    for key in ("shared_on_time", "signed_on_time"):
        for w in by_id.workers:
            assert ratio(by_time.figure(key, worker_id=w.worker_id)) == ratio(w.figures[key])
            assert ([r.outcome for r in by_time.figure(key, worker_id=w.worker_id).records]
                    == [r.outcome for r in w.figures[key].records])
    assert ratio(by_time.figure("signed_on_time", worker_id=world.ash)) == (2, 3)


def test_due_soon_reads_as_the_teams_policy_warns_in_rows_records_and_export(database, world):
    import json
    from dataclasses import replace

    from supervision_app.assurance.export import table as dashboard_table
    from supervision_app.domain.supervision_policy import SupervisionPolicy
    from supervision_app.store.models import Team

    with database.transaction() as s:  # warn 30 days ahead: Cy, due 13/04, is due soon
        s.get(Team, world.team_a).supervision_policy = json.dumps(
            replace(SupervisionPolicy(), due_soon_days=30).to_json())
    d = dashboard(database, world.tm)
    cy = next(w for w in d.workers if w.worker_id == world.cy)
    assert cy.status == SupervisionStatus.DUE_SOON and cy.status_label == "Due within 30 days"
    refs = {r.record_id: r.outcome for r in d.total["overdue_now"].records}
    assert refs[world.cy].startswith("Due within 30 days")
    _headers, rows = dashboard_table(d, "workers")
    assert "Due within 30 days" in next(r for r in rows if r[0] == cy.name)

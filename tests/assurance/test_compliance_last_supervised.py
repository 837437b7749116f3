"""Compliance statuses count from the last supervision held before go-live that IT imported
(``staff.last_supervised_on``, migration 0010) until a session is signed here, as the
"My team" page does. The world is tests/assurance/world.py; today is 20/03/2026 and team A's
policy is the default (every 28 days, due soon within 7)."""
from __future__ import annotations

from datetime import date

from supervision_app.assurance.compliance import compliance_dashboard
from supervision_app.domain.vocabulary import SupervisionStatus
from supervision_app.store.models import Staff
from supervision_app.store.queries import team_overview
from supervision_app.store.supervision_records import load_actor
from tests.assurance.world import TODAY


def _add_worker(database, world, name: str, last_supervised_on: date | None) -> str:
    """A worker moved from the old system: in post for years, no session held here yet."""
    with database.transaction() as s:
        row = Staff(display_name=name, username=name.split()[0].lower(), role="social_worker",
                    team_id=world.team_a, started_on=date(2015, 1, 1),
                    last_supervised_on=last_supervised_on)
        s.add(row)
        s.flush()
        return row.id


def _figures_and_team_page(database, world):
    with database.reading() as s:
        actor = load_actor(s, world.tm)
        board = compliance_dashboard(s, actor, today=TODAY)
        page = {row.worker_id: row for row in team_overview(s, actor, TODAY)}
    return {w.worker_id: w for w in board.workers}, board, page


def test_a_worker_with_no_session_here_counts_from_the_imported_last_supervision(database, world):
    dee = _add_worker(database, world, "Dee Imported", date(2026, 3, 10))
    rows, board, page = _figures_and_team_page(database, world)
    assert rows[dee].status == SupervisionStatus.ON_TRACK  # not "Overdue" counted from 2015
    assert (rows[dee].last_signed, rows[dee].next_due) == (date(2026, 3, 10), date(2026, 4, 7))
    assert (page[dee].status, page[dee].next_due) == (rows[dee].status, rows[dee].next_due)
    overdue = board.figure("overdue_now", worker_id=dee)
    assert (overdue.numerator, overdue.denominator) == (0, 1)
    assert not [r for r in board.total["overdue_now"].records if r.record_id == dee and r.counted]


def test_without_an_imported_date_the_worker_counts_from_their_start(database, world):
    eli = _add_worker(database, world, "Eli Unknown", None)
    rows, board, _page = _figures_and_team_page(database, world)
    assert rows[eli].status == SupervisionStatus.OVERDUE and rows[eli].last_signed is None
    assert board.figure("overdue_now", worker_id=eli).numerator == 1


def test_a_session_signed_here_after_the_imported_date_counts(database, world):
    with database.transaction() as s:  # Ash's last signed session here is 23/12/2025
        s.get(Staff, world.ash).last_supervised_on = date(2025, 11, 1)
    rows, _board, page = _figures_and_team_page(database, world)
    assert (rows[world.ash].status, rows[world.ash].last_signed) == (
        SupervisionStatus.OVERDUE, date(2025, 12, 23))
    assert rows[world.ash].next_due == date(2026, 1, 20) == page[world.ash].next_due


def test_an_imported_date_after_the_day_of_the_figures_does_not_count(database, world):
    fay = _add_worker(database, world, "Fay Later", date(2026, 3, 25))
    rows, _board, _page = _figures_and_team_page(database, world)
    assert rows[fay].status == SupervisionStatus.OVERDUE and rows[fay].last_signed is None

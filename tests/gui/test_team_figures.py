"""The team page on real widgets: a draft left empty gives no assurance (the worker stays
overdue, the draft is said), the status column sorts by how urgent, the 'due soon' wording
follows the team's policy; the children list's last oversight counts case discussions."""
from __future__ import annotations

from PySide6.QtCore import Qt

from supervision_app.domain.supervision_policy import SupervisionPolicy
from supervision_app.domain.vocabulary import SupervisionStatus
from supervision_app.gui.pages import STATUS_COLOURS
from supervision_app.store import supervision_records as sr
from tests.gui.helpers import click, select_row, settle
from tests.gui.sample_team import session_time


def shared(database, team, worker_id, days_ago):
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        sid = sr.create_session(s, manager, supervisee_id=worker_id, held_at=session_time(days_ago))
        sr.share_session(s, manager, sid)
    return sid


def status_column(page) -> int:
    return next(c for c, col in enumerate(page.model.columns) if col.title == "Supervision")


def cells(page, column: int, role=Qt.ItemDataRole.DisplayRole) -> dict[str, object]:
    """Worker name -> the cell in ``column`` as the table shows it."""
    proxy = page.proxy
    return {proxy.row_for(proxy.index(r, 0)).name: proxy.index(r, column).data(role)
            for r in range(proxy.rowCount())}


def test_new_supervision_left_empty_keeps_the_worker_overdue_and_says_a_draft_is_in_progress(
        qtbot, open_window, team):
    window = open_window(team.manager_id)
    page = window.pages["my_team"]
    column = status_column(page)
    assert cells(page, column)["Ava Newly"] == "Overdue"
    select_row(page.form.workerTable, lambda r: r.name == "Ava Newly")
    click(qtbot, window, page.form.newSessionButton)
    assert window.editor is not None and window.editor.detail.supervisee_name == "Ava Newly"
    click(qtbot, window, window.editor.form.backButton)  # nothing typed
    page = window.show_page("my_team")
    settle(qtbot, window)
    assert cells(page, column)["Ava Newly"] == "Overdue · draft in progress"
    background = cells(page, column, Qt.ItemDataRole.BackgroundRole)["Ava Newly"]
    assert background == STATUS_COLOURS[SupervisionStatus.OVERDUE]
    tip = cells(page, column, Qt.ItemDataRole.ToolTipRole)["Ava Newly"]
    assert "not yet shared with Ava Newly" in tip
    assert "3 overdue" in page.form.summaryLabel.text()  # Ava, Ben and Cara: none supervised yet


def test_the_status_column_sorts_by_how_urgent(qtbot, open_window, team, database):
    shared(database, team, team.worker_id, 5)  # Ben: on track
    shared(database, team, team.other_worker_id, 25)  # Cara: due in 3 days
    window = open_window(team.manager_id)  # Ava: overdue
    page = window.pages["my_team"]
    column = status_column(page)
    names = lambda: [page.proxy.row_for(page.proxy.index(r, 0)).name  # noqa: E731
                     for r in range(page.proxy.rowCount())]
    page.form.workerTable.horizontalHeader().setSortIndicator(column, Qt.SortOrder.AscendingOrder)
    assert names() == ["Ava Newly", "Cara Quinn", "Ben Steady"]  # overdue, due soon, on track
    page.form.workerTable.horizontalHeader().setSortIndicator(column, Qt.SortOrder.DescendingOrder)
    assert names() == ["Ben Steady", "Cara Quinn", "Ava Newly"]


def test_due_soon_follows_the_teams_warning_window(qtbot, open_window, team, database):
    with database.transaction() as s:
        sr.set_team_policy(s, sr.load_actor(s, team.service_manager_id), team.team_id,
                           SupervisionPolicy(standard_interval_days=28, due_soon_days=14))
    shared(database, team, team.worker_id, 18)  # Ben: due in 10 days, inside 14
    window = open_window(team.manager_id)
    page = window.pages["my_team"]
    f = page.form
    assert cells(page, status_column(page))["Ben Steady"] == "Due within 14 days"
    assert "1 due within 14 days" in f.summaryLabel.text()
    assert "7 days" not in f.summaryLabel.text()
    filters = [f.statusFilter.itemText(i) for i in range(f.statusFilter.count())]
    assert "Due within 14 days" in filters and "Due within 7 days" not in filters
    f.statusFilter.setCurrentIndex(filters.index("Due within 14 days"))
    assert list(cells(page, 0)) == ["Ben Steady"]


def test_the_children_list_shows_the_last_oversight_the_worker_may_see(qtbot, open_window, team, database):
    riley, jordan = team.child_ids[0], team.child_ids[1]  # allocated to Ava
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        sr.create_oversight_note(s, manager, child_id=riley, trigger="plan_review",
                                 decision="Not yet signed", rationale="Draft")
        sid = sr.create_session(s, manager, supervisee_id=team.asye_worker_id, held_at=session_time(4))
        disc = sr.add_case_discussion(s, manager, sid, "CS-1002")
        sr.update_case_discussion(s, manager, disc, {"decision": "Keep the plan", "rationale": "Settled"})
        sr.share_session(s, manager, sid)
    window = open_window(team.asye_worker_id)
    page = window.show_page("children")
    settle(qtbot, window)
    model = page.model
    column = next(c for c, col in enumerate(model.columns) if col.title == "Last oversight")
    shown = {model.row_at(r).child_id: model.index(r, column).data() for r in range(model.rowCount())}
    assert shown[riley] == "None recorded"  # the manager's draft note is not Ava's to see
    assert shown[jordan] == session_time(4).strftime("%d/%m/%Y")  # a case discussion
    assert "1 with no oversight recorded yet" in page.form.summaryLabel.text()


def test_the_team_summary_counts_in_plain_words(qtbot, open_window, team, database):
    window = open_window(team.manager_id)
    page = window.pages["my_team"]
    settle(qtbot, window)
    assert "0 records awaiting signature" in page.form.summaryLabel.text()
    shared(database, team, team.worker_id, 5)
    page.refresh()
    settle(qtbot, window)
    text = page.form.summaryLabel.text()
    assert text.startswith("3 workers · ")
    assert text.endswith(" · 1 record awaiting signature")

"""On a 1366x768 laptop: the window opens within the screen's free area (its status bar
and the buttons at its foot in sight), the compliance page shows every headline figure and
no table runs off sideways, and its worker counts are those of "My team"."""
from __future__ import annotations

from PySide6.QtWidgets import QStyle

from supervision_app.assurance.compliance import FIGURES
from supervision_app.gui.app import build_window
from supervision_app.gui.assurance_page import AssurancePage
from tests.gui.helpers import settle

LAPTOP = (1366, 768 - 30 - 28)  # a taskbar and the window's title bar off the screen's height


def test_window_opens_within_the_screen(qtbot, database, team):
    window = build_window(database, team.manager_id)
    qtbot.addWidget(window)
    area = window.screen().availableGeometry()
    title_bar = window.style().pixelMetric(QStyle.PixelMetric.PM_TitleBarHeight)
    assert window.width() <= area.width()
    assert window.height() + title_bar <= area.height()
    assert area.contains(window.geometry().topLeft())
    window.show()
    settle(qtbot, window)
    assert window.statusBar().isVisible()
    assert window.statusBar().geometry().bottom() < window.height()


def compliance_at_laptop_size(qtbot, window) -> AssurancePage:
    window.resize(*LAPTOP)
    page = window.show_page("compliance")
    qtbot.waitUntil(lambda: page.dashboard is not None and not page.busy, timeout=20000)
    qtbot.wait(50)
    return page


def test_compliance_page_shows_every_headline_figure(qtbot, open_window, team):
    window = open_window(team.manager_id)
    page = compliance_at_laptop_size(qtbot, window)
    f = page.form
    nav = window.form.navList.currentItem().text()
    assert f.titleLabel.text() == nav == "Compliance"
    table = f.headlineTable
    rows = table.model().rowCount()
    assert rows == len(FIGURES) >= 9
    viewport = table.viewport().rect()
    for row in range(rows):
        assert viewport.contains(table.visualRect(table.model().index(row, 1))), row
    assert table.verticalScrollBar().maximum() == 0
    f.detailTabs.setCurrentWidget(f.teamsTab)
    qtbot.wait(50)
    assert f.teamTable.horizontalScrollBar().maximum() == 0  # nothing off to the side
    assert f.titleLabel.visibleRegion().boundingRect().height() > 0


def test_compliance_counts_the_workers_my_team_lists(qtbot, open_window, team):
    for person in (team.manager_id, team.service_manager_id):
        window = open_window(person)
        team_page = window.show_page("my_team")
        settle(qtbot, window)
        listed = {row.worker_id for row in team_page.model.rows if row.team_name == "Assessment Team A"}
        page = compliance_at_laptop_size(qtbot, window)
        counted = page.dashboard.teams[0]
        assert counted.team_id == team.team_id
        assert counted.workers == len(listed), person
        assert {w.worker_id for w in page.dashboard.workers} == listed
        window.close()


def test_auditor_grades_without_a_squeezed_panel(qtbot, database):
    from tests.assurance.world import build_world
    from tests.gui.page_steps import auditor_page

    page = auditor_page(qtbot, database, build_world(database))
    page.resize(LAPTOP[0] - 142, LAPTOP[1] - 50)  # beside the navigation, under the menus
    qtbot.waitUntil(lambda: page.report is not None and bool(page._answer_combos), timeout=20000)
    qtbot.wait(50)
    f = page.form
    scroll = page.grading_scroll
    # the grading has the pane's whole height, not a third of it below the record
    assert not scroll.isAncestorOf(f.recordView) and not f.recordView.isAncestorOf(scroll)
    assert scroll.height() >= f.sampleSplitter.height() * 0.9
    viewport = scroll.viewport()
    header = f.gradeGroup.mapTo(viewport, f.gradeGroup.rect().topLeft())
    assert viewport.rect().contains(header)  # the panel's heading in sight, not cut
    for combo in page._answer_combos.values():  # the whole checklist in sight at once
        assert viewport.rect().contains(combo.mapTo(viewport, combo.rect().bottomRight()))
    assert scroll.horizontalScrollBar().maximum() == 0
    page.tasks.wait(10000)

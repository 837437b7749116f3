"""The team page in reading order by Tab (issue 19): after the navigation list, the page's
first button ("Group sessions…", at the top right) comes first, then the practice row, the
calendar button, the find row and the table; then the status bar. "Group sessions…" came
after the table, so a keyboard user met it last, below everything it sits above."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from tests.gui.helpers import settle


def test_tab_reads_the_team_page_top_to_bottom(qtbot, open_window, team):
    window = open_window(team.manager_id)
    page = window.show_page("my_team")
    settle(qtbot, window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=20000)
    nav = window.form.navList
    nav.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is nav)
    f = page.form
    wanted = [page.groups.button, page.practice.cancelButton, page.practice.agreementButton,
              page.calendarButton, f.filterEdit, f.statusFilter, f.exportButton, f.historyButton,
              f.newSessionButton, f.workerTable]
    wanted = [w for w in wanted if w.isEnabled()]  # the calendar button waits for a planned date
    reached: list[QWidget] = []
    for _ in range(len(wanted)):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        reached.append(QApplication.focusWidget())
    assert [w.objectName() for w in reached] == [w.objectName() for w in wanted]
    # the first stop is the highest on the page: Tab never goes back up it
    tops = [w.mapTo(window, w.rect().topLeft()).y() for w in reached]
    assert tops[0] == min(tops)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert page.isAncestorOf(QApplication.focusWidget()) is False  # on to the status bar

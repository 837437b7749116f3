"""The Settings text size on the real widgets: it reaches every widget on screen at once
(pages, the navigation list, menus, a table's cells, pages and dialogs made afterwards),
and the saved size is there from start-up; fields and lists grow with the text instead of
cutting it off."""
from __future__ import annotations

import pytest
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QWidget

from supervision_app.gui.accessibility import HEADING_SCALE, TEXT_SCALES, system_point_size
from supervision_app.gui.pages import save_text_scale
from tests.gui.conftest import settle

LARGEST = len(TEXT_SCALES) - 1


def point_size(widget) -> float:
    return widget.font().pointSizeF()


def cell_height(view) -> int:
    """What the view's delegate asks for the first row's cells, in the view's font."""
    return view.sizeHintForRow(0)


def menus(window):
    return [action.menu() for action in window.menuBar().actions() if action.menu() is not None]


def choose_text_size(qtbot, window, index: int):
    settings = window.show_page("settings")
    settle(qtbot, window)
    settings.form.textSizeCombo.setCurrentIndex(index)
    settle(qtbot, window)
    return settings


def test_the_chosen_size_reaches_every_widget_already_on_screen_and_those_made_later(
        qtbot, open_window, team):
    window = open_window(team.manager_id)
    base = system_point_size()
    largest = base * TEXT_SCALES[LARGEST]
    team_page = window.show_page("my_team")
    settle(qtbot, window)
    table, nav = team_page.form.workerTable, window.form.navList
    assert table.model().rowCount() > 0
    before = {"cell": cell_height(table), "nav": nav.sizeHintForRow(0),
              "menu": menus(window)[0].sizeHint().height()}
    assert point_size(table) == pytest.approx(base) and point_size(nav) == pytest.approx(base)

    choose_text_size(qtbot, window, LARGEST)

    assert QApplication.font().pointSizeF() == pytest.approx(largest)
    # built before the change, on screen or hidden: the navigation list, the menus and the
    # menu bar, the team page's table, its header and cells, its buttons and heading
    for widget in (nav, window.menuBar(), *menus(window), table, table.horizontalHeader(),
                   team_page.form.newSessionButton, window.statusBar()):
        assert point_size(widget) == pytest.approx(largest), widget.objectName() or type(widget)
    assert point_size(team_page.form.titleLabel) == pytest.approx(largest * HEADING_SCALE)
    assert team_page.form.titleLabel.font().bold()
    assert cell_height(table) > before["cell"]
    assert nav.sizeHintForRow(0) > before["nav"]
    assert menus(window)[0].sizeHint().height() > before["menu"]

    # a page not built when the size changed, and a dialog opened afterwards
    assert "children" not in window.pages
    children = window.show_page("children")
    settle(qtbot, window)
    assert point_size(children.form.childrenTable) == pytest.approx(largest)
    assert cell_height(children.form.childrenTable) >= QFontMetrics(children.form.childrenTable.font()).height()
    dialog = window.open_note(child_id=team.child_ids[0])
    settle(qtbot, window)
    shown = [w for w in dialog.findChildren(QWidget) if w.isVisible()]
    assert len(shown) > 10
    for widget in shown:
        expected = largest * HEADING_SCALE if widget.property("heading") else largest
        assert point_size(widget) == pytest.approx(expected), widget.objectName() or type(widget)
    dialog.reject()
    settle(qtbot, window)

    choose_text_size(qtbot, window, 0)
    for widget in (nav, *menus(window), table, children.form.childrenTable):
        assert point_size(widget) == pytest.approx(base)
    assert cell_height(table) == before["cell"]


def test_the_saved_size_is_there_from_start_up_on_the_navigation_list_and_menus(
        qtbot, open_window, team, database):
    with database.transaction() as s:
        save_text_scale(s, team.manager_id, LARGEST)
    window = open_window(team.manager_id)
    largest = system_point_size() * TEXT_SCALES[LARGEST]
    for widget in (window.form.navList, window.menuBar(), *menus(window), window.statusBar(),
                   window.pages["my_team"].form.workerTable):
        assert point_size(widget) == pytest.approx(largest), widget.objectName() or type(widget)
    # the next person to sign in on this computer gets their own size (Standard)
    other = open_window(team.service_manager_id)
    assert point_size(other.form.navList) == pytest.approx(system_point_size())
    assert point_size(window.form.navList) == pytest.approx(system_point_size())

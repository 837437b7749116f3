"""The team page's table and keys: bold rows keep the table's text size, and no Alt+letter
is taken twice on the page (with the menu bar's)."""
from __future__ import annotations

import re

from PySide6.QtWidgets import QAbstractButton, QLabel

from tests.gui.helpers import settle


def test_bold_rows_follow_a_change_of_text_size(qtbot, open_window, team, database):
    """An overdue worker's row is bold at the size the table is drawn at, after a change
    of text size too (it kept the size the application had when the rows were made)."""
    from PySide6.QtCore import Qt as _Qt
    from PySide6.QtWidgets import QStyleOptionViewItem

    from supervision_app.gui.accessibility import TEXT_SCALES, apply_text_scale

    window = open_window(team.manager_id)
    settle(qtbot, window)
    table = window.pages["my_team"].form.workerTable
    model = table.model()
    bold = [model.index(r, 0) for r in range(model.rowCount())
            if model.index(r, 0).data(_Qt.ItemDataRole.FontRole) is not None]
    assert bold  # the sample team has an overdue worker
    try:
        apply_text_scale(TEXT_SCALES[-1])
        settle(qtbot, window)
        option = QStyleOptionViewItem()
        option.initFrom(table)
        option.font = table.font()
        table.itemDelegate().initStyleOption(option, bold[0])
        assert option.font.bold()
        assert option.font.pointSizeF() == table.font().pointSizeF()
    finally:
        apply_text_scale(TEXT_SCALES[0])



def _mnemonics(widgets) -> list[str]:
    letters = []
    for w in widgets:
        match = re.search(r"&([^&])", w.text())
        if match and w.isVisible():
            letters.append(match.group(1).lower())
    return letters


def test_no_alt_letter_is_taken_twice_on_the_team_page(qtbot, open_window, team):
    window = open_window(team.service_manager_id)  # the page with the flagged records too
    settle(qtbot, window)
    page = window.pages["my_team"]
    letters = _mnemonics(page.findChildren(QAbstractButton) + page.findChildren(QLabel))
    letters += _mnemonics(window.menuBar().actions())
    assert len(letters) == len(set(letters)), letters


def test_worker_names_are_whole_at_the_largest_text_size(qtbot, open_window, team):
    from PySide6.QtGui import QFontMetrics

    from supervision_app.gui.accessibility import TEXT_SCALES, apply_text_scale

    window = open_window(team.manager_id)
    window.resize(1366, 800)
    settle(qtbot, window)
    page = window.pages["my_team"]
    try:
        apply_text_scale(TEXT_SCALES[-1])
        page.refresh()
        settle(qtbot, window)
        table = page.form.workerTable
        model = table.model()
        bold = table.font()
        bold.setBold(True)
        widest = max(QFontMetrics(bold).horizontalAdvance(model.index(r, 0).data())
                     for r in range(model.rowCount()))
        assert table.columnWidth(0) >= widest  # not cut to "…" to make room for the counts
    finally:
        apply_text_scale(TEXT_SCALES[0])

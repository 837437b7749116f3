"""Driving the real widgets the way a person would."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication


def idle(window) -> bool:
    editor = window.editor
    dialog = getattr(window, "note_dialog", None)
    return (not window.ctx.tasks.busy and (editor is None or editor.autosaver.idle)
            and (dialog is None or dialog.autosaver.idle))


def settle(qtbot, window, timeout=10000) -> None:
    """Let background work finish and its results reach the screen."""
    qtbot.waitUntil(lambda: idle(window), timeout=timeout)
    qtbot.wait(10)
    qtbot.waitUntil(lambda: idle(window), timeout=timeout)


def select_row(view, predicate) -> object:
    model = view.model()
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        item = model.row_for(index) if hasattr(model, "row_for") else model.row_at(row)
        if predicate(item):
            view.setCurrentIndex(index)
            return item
    raise AssertionError("no such row")


def type_into(qtbot, widget, text: str) -> None:
    widget.setFocus()
    qtbot.keyClicks(widget, text)


def click(qtbot, window, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)


def focused_name() -> str:
    widget = QApplication.focusWidget()
    return widget.objectName() if widget is not None else ""


def search_for(qtbot, window, words: str):
    """The search page, after searching for ``words`` and the results arriving."""
    page = window.show_page("search")
    page.form.searchEdit.setText(words)
    page.run_search()
    settle(qtbot, window)
    return page

"""GUI fixtures: a profile holding a small team, and windows signed in as its people."""
from __future__ import annotations

import pytest

from supervision_app.gui.app import application, build_window
from tests.gui.sample_team import build_sample_team


@pytest.fixture
def team(database):
    return build_sample_team(database)


@pytest.fixture
def open_window(qtbot, database):
    """``open_window(staff_id)`` -> a shown main window with its first page loaded."""
    windows = []
    application()

    def make(staff_id):
        window = build_window(database, staff_id)
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        settle(qtbot, window)
        return window

    yield make
    for window in windows:
        if window.editor is not None:
            window.editor.close_editor()
        window.ctx.tasks.wait()


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

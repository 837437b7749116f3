"""GUI fixtures: windows signed in as the people of a profile (``team`` is in tests/fixtures.py;
helpers such as ``settle`` are in tests/gui/helpers.py)."""
from __future__ import annotations

import pytest

from supervision_app.gui.app import application, build_window
from tests.gui.helpers import settle


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

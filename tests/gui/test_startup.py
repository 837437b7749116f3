"""Start-up: the window is on screen before the database is open, with none of the heavy
modules loaded; the pages arrive from the background; a problem is shown in words."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from supervision_app.gui.app import StartupRefused, application, attach_when_open, open_shell
from supervision_app.store.errors import DatabaseKeyMissing
from tests.gui.conftest import settle

REPO = Path(__file__).resolve().parents[2]


def test_the_first_frame_needs_none_of_the_heavy_modules():
    code = ("import sys; from supervision_app.gui.app import open_shell; w = open_shell(); "
            "heavy = [m for m in ('sqlalchemy', 'sqlcipher3', 'alembic', 'pyhanko', 'reportlab', "
            "'keyring', 'holidays', 'supervision_app.store.queries') if m in sys.modules]; "
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                         env={"QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO),
                              "PATH": "/usr/bin:/bin"}, timeout=60)
    assert "HEAVY []" in out.stdout, out.stdout + out.stderr


def test_pages_attach_when_the_database_is_open(qtbot, database, team):
    application()
    window = open_shell()
    qtbot.addWidget(window)
    assert window.ctx is None and "Opening your records" in window._opening.text()
    attached = []
    attach_when_open(window, lambda: (database, team.manager_id),
                     on_problem=lambda m, c: attached.append((m, c)), on_attached=attached.append)
    qtbot.waitUntil(lambda: bool(attached), timeout=20000)
    assert attached == [window]
    settle(qtbot, window)
    assert window.pages["my_team"].model.rowCount() == 3
    assert "Morgan Manager" in window.windowTitle()
    window.ctx.tasks.wait()


def test_a_problem_opening_is_shown_in_words_with_its_exit_code(qtbot):
    application()
    problems = []
    for error, code in ((DatabaseKeyMissing("The key for this database is not in your keyring."), 2),
                        (StartupRefused("There is nobody called 'x' in this profile's directory."), 2),
                        (RuntimeError("secret details"), 1)):
        window = open_shell()
        qtbot.addWidget(window)

        def fail(error=error):
            raise error

        attach_when_open(window, fail, on_problem=lambda m, c: problems.append((m, c)))
        count = len(problems)
        qtbot.waitUntil(lambda: len(problems) > count, timeout=10000)
        message, got = problems[-1]
        assert got == code
        assert window._opening.text() == message
        assert "secret details" not in message
        QApplication.processEvents()
    assert [c for _m, c in problems] == [2, 2, 1]

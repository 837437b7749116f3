"""Start-up: the window is on screen before the database is open, with none of the heavy
modules loaded; the pages arrive from the background; a problem is shown in words."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from supervision_app.gui.app import StartupRefused, application, attach_when_open, open_shell
from supervision_app.store.errors import DatabaseKeyMissing
from tests.gui.helpers import settle

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


def test_the_window_answers_while_the_records_are_still_opening(qtbot, database, team):
    """A slow open (a keyring asking to be unlocked, a large upgrade) leaves a window that
    answers: its menu works and its event loop runs, and the pages arrive afterwards."""
    import threading

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    application()
    window = open_shell()
    qtbot.addWidget(window)
    gate = threading.Event()
    attached = []

    def slow_open():
        gate.wait(timeout=30)  # released by the test once the window has answered
        return database, team.manager_id

    attach_when_open(window, slow_open, on_problem=lambda m, c: attached.append((m, c)),
                     on_attached=attached.append)
    ticks = []
    ticker = QTimer(window)
    ticker.timeout.connect(lambda: ticks.append(1))
    ticker.start(5)
    QTimer.singleShot(0, window.about_action.trigger)

    def about_box():
        return next((b for b in window.findChildren(QMessageBox) if b.isVisible()), None)

    qtbot.waitUntil(lambda: about_box() is not None and len(ticks) >= 10, timeout=10000)
    assert not attached and window.ctx is None  # all that while the profile was opening
    assert "Opening your records" in window._opening.text()
    about_box().close()
    gate.set()
    qtbot.waitUntil(lambda: bool(attached), timeout=20000)
    assert attached == [window]
    settle(qtbot, window)
    assert window.pages["my_team"].model.rowCount() == 3
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
        qtbot.waitUntil(lambda: len(problems) > count, timeout=10000)  # noqa: B023 - waited for here
        message, got = problems[-1]
        assert got == code
        assert window._opening.text() == message
        assert "secret details" not in message
        QApplication.processEvents()
    assert [c for _m, c in problems] == [2, 2, 1]


_ATTACH_AND_REPORT = r"""
import sys
from pathlib import Path
from PySide6.QtWidgets import QApplication
from supervision_app.gui.app import attach_when_open, open_shell
from supervision_app.store.database import open_database
from tests.gui.sample_team import build_sample_team

folder = Path(sys.argv[1])
if sys.argv[2] == "make":  # a profile made (and migrated) beforehand, as on any later start
    db = open_database(folder)
    print("MANAGER", build_sample_team(db).manager_id)
    db.close()
    sys.exit(0)
db = open_database(folder)
manager = sys.argv[2]
window = open_shell()
app = QApplication.instance()

def attached(w):
    w.pages["my_team"].loaded.connect(lambda: app.exit(0))

attach_when_open(window, lambda: (db, manager), on_problem=lambda m, c: app.exit(c),
                 on_attached=attached)
app.exec()
window.ctx.tasks.wait()
window.sync.wait()
heavy = [m for m in ("supervision_app.sync.client", "supervision_app.security.credentials",
                     "alembic", "httpx", "pydantic") if m in sys.modules]
print("ROWS", window.pages["my_team"].model.rowCount())
print("HEAVY", heavy)
# first use: the engine and the credentials load, and work
from supervision_app.gui.signing import credential_store
from supervision_app.gui.sync_panel import describe
from supervision_app.sync.client import ServerUnreachable, SignInNeeded
store = window.sync._credential_store()
print("SAME_STORE", store is credential_store(window.ctx))
print("SIGNIN", describe(None, SignInNeeded("sign in"), True).state)
print("UNREACHABLE", describe(None, ServerUnreachable("down"), True).state)
print("OTHER", describe(None, RuntimeError("x"), True).state)
window.sync.shutdown()
"""


def test_the_team_page_loads_without_the_sync_engine_which_still_works_when_first_used(tmp_path):
    """Sync, its HTTP client and the signing keys load on first use, off the start-up path;
    until then the status bar needs none of them."""
    env = {"QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin",
           "PYTHON_KEYRING_BACKEND": "tests.gui.file_keyring.FileKeyring",
           "TEST_KEYRING_FILE": str(tmp_path / "keyring.json")}
    def child(arg: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", _ATTACH_AND_REPORT, str(tmp_path / "profile"), arg],
                              capture_output=True, text=True, cwd=REPO, env=env, timeout=120)

    made = child("make")
    manager = made.stdout.split("MANAGER ", 1)[-1].strip()
    assert made.returncode == 0 and manager, made.stderr[-3000:]
    out = child(manager)
    lines = dict(line.split(" ", 1) for line in out.stdout.splitlines() if " " in line)
    assert lines.get("ROWS") == "3", out.stdout + out.stderr[-3000:]
    assert lines.get("HEAVY") == "[]", out.stdout
    assert lines.get("SAME_STORE") == "True"
    assert (lines.get("SIGNIN"), lines.get("UNREACHABLE"), lines.get("OTHER")) == ("signin", "error", "error")

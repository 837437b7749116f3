"""Start the desktop client: ``run_app`` is what ``supervision-app`` calls."""
from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from ..resources import resource_path
from ..store import queries
from ..store.database import Database
from ..store.supervision_records import load_actor
from .accessibility import TEXT_SCALES, apply_text_scale, system_point_size
from .main_window import MainWindow
from .pages import load_text_scale
from .tasks import TaskRunner, user_message


def application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv or [sys.argv[0]])
    app.setApplicationName("Supervision Recorder")
    app.setOrganizationName("Supervision Recorder")
    app.setStyle("Fusion")
    system_point_size()  # remember the system size before any scaling
    style = resource_path("styles", "app.qss")
    if style.exists():
        app.setStyleSheet(style.read_text(encoding="utf-8"))
    icon = resource_path("icons", "app.svg")
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    return app


def sign_in(db: Database, parent=None) -> str | None:
    """Ask who is using the app; ``None`` if they cancel."""
    from .signin import SignInDialog

    with db.reading() as session:
        people = queries.directory(session)
    dialog = SignInDialog(people, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    chosen = dialog.chosen()
    return chosen.staff_id if chosen else None


def build_window(db: Database, staff_id: str) -> MainWindow:
    """The main window for ``staff_id``, with their saved text size applied."""
    with db.reading() as session:
        actor = load_actor(session, staff_id)
        me = next(e for e in queries.directory(session) if e.staff_id == staff_id)
        scale = load_text_scale(session, staff_id)
    if scale:
        apply_text_scale(TEXT_SCALES[scale])
    tasks = TaskRunner(db)
    window = MainWindow(db, tasks, actor, me)
    tasks.setParent(window)
    return window


def run_app(db: Database, *, argv: list[str], staff_id: str | None) -> int:
    """Open the main window signed in as ``staff_id`` (or ask who is signing in) and run
    until the window closes; returns the exit code."""
    app = application(argv)
    if staff_id is None:
        staff_id = sign_in(db)
        if staff_id is None:
            return 0
    try:
        window = build_window(db, staff_id)
    except Exception as error:  # noqa: BLE001 - shown in words, never a traceback of contents
        QMessageBox.critical(None, "Supervision Recorder", user_message(error))
        return 1
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
    window.show()
    code = app.exec()
    window.ctx.tasks.wait()
    return code

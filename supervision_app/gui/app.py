"""Start the desktop client.

``start_desktop`` (what ``supervision-app`` runs) puts the window on screen first, with only
Qt loaded, and opens the encrypted database in a background thread (the keyring, the key
check, the schema check, SQLAlchemy and the pages' modules); the pages appear when it is
ready. A problem opening it is shown in words and ends the process with its exit code.

``build_window`` does the same in one step, on the calling thread (tests, benches, the
screenshot script).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QDialog

from ..resources import resource_path
from . import qt_binding
from .accessibility import TEXT_SCALES, apply_text_scale, install_style_sheet, system_point_size
from .main_window import MainWindow
from .tasks import TaskRunner, expected_errors, run_in_background

if TYPE_CHECKING:
    from ..store.database import Database

EXIT_STARTUP_REFUSED = 2


class StartupRefused(Exception):
    """The app cannot start for a reason the person can act on; the message says which."""


def application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv or [sys.argv[0]])
    app.setApplicationName("Supervision Recorder")
    app.setOrganizationName("Supervision Recorder")
    app.setStyle("Fusion")
    system_point_size()  # remember the system size before any scaling
    style = resource_path("styles", "app.qss")
    # with the text size's rules: set through the style sheet, it reaches every widget
    install_style_sheet(style.read_text(encoding="utf-8") if style.exists() else "")
    icon = resource_path("icons", "app.svg")
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    return app


@dataclass
class SignedIn:
    """What the window needs about the person signed in, read in one go."""
    actor: Any
    me: Any
    text_scale: int


def _who(db: "Database", staff_id: str) -> SignedIn:
    from ..store import queries
    from ..store.supervision_records import load_actor
    from .pages import load_text_scale

    with db.reading() as session:
        actor = load_actor(session, staff_id)
        me = next(e for e in queries.directory(session) if e.staff_id == staff_id)
        scale = load_text_scale(session, staff_id)
    return SignedIn(actor, me, scale)


def sign_in(db: "Database", parent=None, people=None) -> str | None:
    """Ask who is using the app; ``None`` if they cancel."""
    from ..store import queries
    from .signin import SignInDialog

    if people is None:
        with db.reading() as session:
            people = queries.directory(session)
    dialog = SignInDialog(people, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    chosen = dialog.chosen()
    return chosen.staff_id if chosen else None


def _attach(window: MainWindow, db: "Database", who: SignedIn) -> MainWindow:
    # before the pages are built; the shell already on screen (navigation, menus) takes it too
    apply_text_scale(TEXT_SCALES[who.text_scale])
    window.attach(db, TaskRunner(db), who.actor, who.me)
    return window


def build_window(db: "Database", staff_id: str) -> MainWindow:
    """The main window for ``staff_id``, with their saved text size applied."""
    return _attach(MainWindow(), db, _who(db, staff_id))


# --------------------------------------------------------------------------- start-up

def open_shell(argv: list[str] | None = None) -> MainWindow:
    """The window frame on screen, saying it is opening the records."""
    app = application(argv)
    window = MainWindow()
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
    window.show()
    app.processEvents()  # the first frame, before any background work competes for it
    return window


def _preload() -> None:
    """Modules the pages need, imported off the GUI thread while the window is up."""
    from ..store import queries, supervision_records  # noqa: F401
    from . import oversight_dialog, pages, session_editor, signin, signing, sync_panel  # noqa: F401


def attach_when_open(
    window: MainWindow,
    open_profile: Callable[[], tuple["Database", str | None]],
    *,
    on_problem: Callable[[str, int], None],
    on_attached: Callable[[MainWindow], None] | None = None,
) -> None:
    """Open the profile in the background (``open_profile`` returns the database and who
    to sign in as, or ``None`` to ask), then attach the pages. ``on_problem(message,
    exit_code)`` is called on the GUI thread if it cannot be opened."""
    opened: dict[str, Any] = {}

    def work():
        db, staff_id = open_profile()
        opened["db"] = db
        _preload()
        if staff_id is None:
            from ..store import queries

            with db.reading() as session:
                return db, None, queries.directory(session)
        return db, _who(db, staff_id), None

    def done(result) -> None:
        db, who, people = result
        try:
            if who is None:
                window.show_startup_message("Choose who is signing in.")
                staff_id = sign_in(db, window, people)
                if staff_id is None:
                    window.close()
                    QApplication.instance().exit(0)
                    return
                who = _who(db, staff_id)
            _attach(window, db, who)
        except Exception as error:  # noqa: BLE001 - shown in words
            failed(error)
            return
        if on_attached is not None:
            on_attached(window)

    def failed(error: BaseException) -> None:
        db = opened.get("db")
        if db is not None:
            db.close()
        if isinstance(error, StartupRefused) or isinstance(error, expected_errors()):
            message, code = str(error), EXIT_STARTUP_REFUSED
        else:
            print(f"start-up failed: {type(error).__name__}", file=sys.stderr)
            message, code = ("Supervision Recorder could not open your records because of an "
                             "unexpected problem. Nothing has been changed. Please tell IT "
                             "support."), 1
        window.show_startup_message(message)
        on_problem(message, code)

    run_in_background(work, done, failed)


def start_desktop(
    open_profile: Callable[[], tuple["Database", str | None]],
    *,
    argv: list[str],
    on_problem: Callable[[str], None],
) -> int:
    """Run the app until its window closes; returns the exit code."""
    window = open_shell(argv)
    app = QApplication.instance()
    binding_fault = qt_binding.fault()
    if binding_fault is not None:
        window.show_startup_message(binding_fault)
        on_problem(binding_fault)
        window.close()
        return EXIT_STARTUP_REFUSED
    outcome: dict[str, int] = {}

    def problem(message: str, code: int) -> None:
        outcome["code"] = code
        on_problem(message)
        window.close()
        app.exit(code)

    attach_when_open(window, open_profile, on_problem=problem)
    code = app.exec()
    if window.ctx is not None:
        window.ctx.tasks.wait()
        window.ctx.db.close()
    return outcome.get("code", code)


def run_app(db: "Database", *, argv: list[str], staff_id: str | None) -> int:
    """Open the main window on an already open database (kept for callers that open it
    themselves); the database is not closed here."""
    window = open_shell(argv)
    app = QApplication.instance()
    attach_when_open(window, lambda: (db, staff_id), on_problem=lambda m, c: app.exit(c))
    code = app.exec()
    if window.ctx is not None:
        window.ctx.tasks.wait()
    return code

"""Start the desktop client.

``start_desktop`` (what ``supervision-app`` runs) puts the window on screen first, with only
Qt loaded, and opens the encrypted database in a background thread (the keyring, the key
check, the schema check, SQLAlchemy and the pages' modules); the pages appear when it is
ready. A problem opening it is shown in words and ends the process with its exit code.

``build_window`` does the same in one step, on the calling thread (tests, benches, the
screenshot script).
"""
from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QDialog

from ..errors import AppError
from ..resources import resource_path
from . import qt_binding
from .accessibility import (
    TEXT_SCALES,
    apply_text_scale,
    current_text_scale,
    install_style_sheet,
    system_point_size,
)
from .main_window import MainWindow
from .tasks import READS, TaskRunner, expected_errors, run_in_background
from .weekly_check import start_weekly_check

if TYPE_CHECKING:
    from ..client_settings import ClientSettings
    from ..domain.permissions import Actor
    from ..store.database import Database
    from ..store.queries import StaffEntry
    from .first_run import FirstRunPage

log = logging.getLogger(__name__)
EXIT_STARTUP_REFUSED = 2


class StartupRefused(AppError):
    """The app cannot start for a reason the person can act on; the message says which."""


def application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    # the one made here (or by pytest-qt's qapp) is a QApplication: widgets need one
    app = existing if isinstance(existing, QApplication) else QApplication(argv or [sys.argv[0]])
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
    actor: Actor
    me: StaffEntry
    text_scale: int


def _who(db: "Database", staff_id: str) -> SignedIn:
    from ..store import queries
    from ..store.supervision_records import load_actor
    from .settings_page import load_text_scale

    with db.reading() as session:
        actor = load_actor(session, staff_id)
        me = next(e for e in queries.directory(session) if e.staff_id == staff_id)
        scale = load_text_scale(session, staff_id)
    return SignedIn(actor, me, scale)


def choose_person(db: "Database", parent=None, people=None) -> tuple[str, str | None]:
    """Ask who is using the app: ``("person", staff_id)``, ``("server", None)`` if they
    would rather sign in to the organisation's server, ``("cancel", None)``."""
    from ..store import queries
    from .signin import SignInDialog

    if people is None:
        with db.reading() as session:
            people = queries.directory(session)
    dialog = SignInDialog(people, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return "cancel", None
    if dialog.wants_server:
        return "server", None
    chosen = dialog.chosen()
    return ("person", chosen.staff_id) if chosen else ("cancel", None)


def sign_in(db: "Database", parent=None, people=None) -> str | None:
    """Ask who is using the app; ``None`` if they cancel or choose the server instead."""
    answer, staff_id = choose_person(db, parent, people)
    return staff_id if answer == "person" else None


def _attach(window: MainWindow, db: "Database", who: SignedIn) -> MainWindow:
    # before the pages are built; the shell already on screen (navigation, menus) takes it too.
    # Only if it differs from the size in use: applying a size collects Python's garbage
    # first (collector_pause), a walk of every object the process holds, which held the GUI
    # thread ~60-180 ms at start-up for a size the window already had
    scale = TEXT_SCALES[who.text_scale]
    if scale != current_text_scale():
        apply_text_scale(scale)
    window.attach(db, TaskRunner(db), who.actor, who.me)
    start_weekly_check(window, db)
    # the demo's older records, signed on a worker thread (nothing to do in a real profile)
    from ..demo.signing_backlog import start_backlog_signing

    start_backlog_signing(db)
    return window


def build_window(db: "Database", staff_id: str) -> MainWindow:
    """The main window for ``staff_id``, with their saved text size applied."""
    return _attach(MainWindow(), db, _who(db, staff_id))


# --------------------------------------------------------------------------- start-up

def running_application() -> QApplication:
    """The application ``open_shell`` made."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        raise RuntimeError("no QApplication: open_shell makes it")
    return app


def open_shell(argv: list[str] | None = None) -> MainWindow:
    """The window frame on screen, saying it is opening the records."""
    app = application(argv)
    window = MainWindow()
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
    window.show()
    app.processEvents()  # the first frame, before any background work competes for it
    return window


def _synced_person(db: "Database") -> str | None:
    """The person this profile last signed in to the sync server as, if they are in its
    directory: the profile syncs their share, so it opens as them without asking (the people
    list is for profiles that never signed in, such as the demo)."""
    from ..store import queries

    with db.engine.connect() as conn:
        staff_id = conn.exec_driver_sql(
            "SELECT value FROM sync_state WHERE key = 'staff_id'").scalar()
    if not staff_id:
        return None
    with db.reading() as session:
        known = any(entry.staff_id == staff_id for entry in queries.directory(session))
    return staff_id if known else None


def _preload() -> None:
    """Modules the window and its first page need, imported off the GUI thread while the
    shell is up (the team page's agreement and group rows with it: practice_dialogs brings
    the bank-holiday calendar, ~60 ms, which the GUI thread paid while building the page).
    What only later steps need is in ``_preload_later``."""
    from ..store import queries, supervision_records  # noqa: F401
    from . import (  # noqa: F401
        children_pages,
        group_dialogs,
        history_page,
        my_supervision_page,
        practice_dialogs,
        reminders,
        search_page,
        settings_page,
        signing,
        sync_panel,
        team_page,
    )


def _preload_later() -> None:
    """Modules for opening a record or a note, imported off the GUI thread once the first
    page has its data: not competing with it for the CPU, and not imported on the GUI
    thread when a record is first opened."""
    from . import oversight_dialog, resolution_dialog, session_editor  # noqa: F401


def _preload_sign_in() -> None:
    """For a profile that does not yet know who is using it: the people list or the
    first-run page comes next."""
    from . import first_run, signin  # noqa: F401


def _ignore(_result: object) -> None:
    """A warm-up's result (or failure): the step it prepares imports again if need be."""


_startup_frozen = False  # once per process: the window's first start-up


@contextmanager
def _startup_objects_kept() -> Iterator[None]:
    """Python's cycle collector held back while the profile opens and the modules load
    (the worker), and what they made kept out of later collections.

    Start-up makes ~160,000 objects that live as long as the process (modules, classes,
    SQLAlchemy's mappers). Made with the collector running, each full collection along the
    way walked all of them so far, on the worker but holding the interpreter lock: the
    window stalled ~100 ms at a time. Afterwards they are moved to the collector's
    permanent generation (``gc.freeze``), so no collection walks them again: not the first
    one after the pause (which would otherwise find them all still in its youngest
    generation), nor the one ``collector_pause`` makes each time the text size changes
    (60-180 ms before). Cycles that were already garbage then (import leftovers, ~0.2 MB)
    are kept. Once per process: a later start-up (tests) runs as before."""
    global _startup_frozen
    if _startup_frozen:
        yield
        return
    from ..sync.collector import collector_paused as cycle_collector_paused

    with cycle_collector_paused():
        try:
            yield
        finally:
            _startup_frozen = True
            gc.freeze()


OpenProfile = Callable[[], tuple["Database", "str | None"]]


def attach_when_open(
    window: MainWindow,
    open_profile: OpenProfile,
    *,
    on_problem: Callable[[str, int], None],
    on_attached: Callable[[MainWindow], None] | None = None,
    open_demo: OpenProfile | None = None,
) -> "Startup":
    """Open the profile in the background (``open_profile`` returns the database and who
    to sign in as, or ``None`` to ask), then attach the pages. ``on_problem(message,
    exit_code)`` is called on the GUI thread if it cannot be opened. A profile with nobody
    in it shows the first-run page; ``open_demo`` is what its "Explore the demo" opens."""
    startup = Startup(window, on_problem, on_attached, open_demo)
    startup.begin(open_profile)
    return startup


class Startup:
    """From the window's first frame to the signed-in person's pages: the profile opened
    in the background, then who is using it: given, chosen from the people list, or
    signed in (and first synced) on the first-run page; or the demo profile instead."""

    def __init__(self, window: MainWindow, on_problem: Callable[[str, int], None],
                 on_attached: Callable[[MainWindow], None] | None,
                 open_demo: OpenProfile | None) -> None:
        self.window = window
        self.on_problem = on_problem
        self.on_attached = on_attached
        self.open_demo = open_demo
        self.db: "Database | None" = None
        self.settings: ClientSettings | None = None  # read with the profile
        self.first_run: FirstRunPage | None = None  # while it is shown

    def begin(self, open_profile: OpenProfile) -> None:
        def work():
            with _startup_objects_kept():
                db, staff_id = open_profile()
                self.db = db
                _preload()
                from ..client_settings import load_client_settings

                self.settings = load_client_settings()  # IT's server address, for a first run
                if staff_id is None:
                    staff_id = _synced_person(db)
                if staff_id is None:
                    _preload_sign_in()
                    from ..store import queries

                    with db.reading() as session:
                        return db, None, queries.directory(session)
                return db, _who(db, staff_id), None

        run_in_background(work, self._opened, self._failed)

    def _opened(self, result) -> None:
        db, who, people = result
        try:
            if who is not None:
                self._attach(db, who)
            elif people:
                self._choose(db, people)
            else:
                self._show_first_run(db, has_people=False)
        except Exception as error:  # noqa: BLE001 - shown in words
            self._failed(error)

    def _choose(self, db: "Database", people) -> None:
        self.window.show_startup_message("Choose who is signing in.")
        answer, staff_id = choose_person(db, self.window, people)
        if answer == "person" and staff_id is not None:  # a person always comes with their id
            run_in_background(lambda: _who(db, staff_id), lambda who: self._attach(db, who),
                              self._failed)
        else:  # cancelled, or the server instead: never stranded without a way to sign in
            self._show_first_run(db, has_people=True, connect=answer == "server")

    def _show_first_run(self, db: "Database", *, has_people: bool, connect: bool = False) -> None:
        from .first_run import FirstRunPage

        page = self.first_run
        if page is None:
            page = FirstRunPage(db, settings=self.settings, has_people=has_people, parent=self.window)
            page.finished.connect(self._first_sync_done)
            page.demo_requested.connect(self._open_demo)
            page.choose_local_requested.connect(self._choose_again)
            page.form.demoButton.setEnabled(self.open_demo is not None)
            self.window.form.pageStack.addWidget(page)
            self.first_run = page
        self.window.show_startup_message("")  # and the busy indicator goes
        self.window.form.pageStack.setCurrentWidget(page)
        self.window.setWindowTitle("Supervision Recorder — Welcome")
        if connect:
            page.show_connect()
        else:
            page.show_welcome()

    def _open_db(self) -> "Database":
        """The profile, open: the first-run page is shown only once it is."""
        assert self.db is not None
        return self.db

    def _shown_first_run(self) -> "FirstRunPage":
        """The first-run page, whose signals lead here."""
        assert self.first_run is not None
        return self.first_run

    def _choose_again(self) -> None:
        db = self._open_db()

        def people():
            from ..store import queries

            with db.reading() as session:
                return queries.directory(session)

        run_in_background(people, lambda found: self._choose(db, found), self._failed)

    def _first_sync_done(self, staff_id: str) -> None:
        db, page = self._open_db(), self._shown_first_run()

        def work():
            try:
                return _who(db, staff_id)
            except StopIteration:  # signed in, synced, yet not in the directory received
                raise StartupRefused("Your records arrived, but your own entry in the staff "
                                     "directory did not. Tell IT: your account may not be "
                                     "linked to the directory.") from None

        def failed(error: BaseException) -> None:
            page.state = "form"
            page._working(False)
            page._problem(str(error) if isinstance(error, StartupRefused) else
                          "Your records arrived, but your home page could not be "
                          "opened. Close the app and start it again; if it happens "
                          "again, tell IT support.", page.form.backButton)

        run_in_background(work, lambda who: self._attach(db, who), failed)

    def _open_demo(self) -> None:
        page, empty_profile, open_demo = self._shown_first_run(), self._open_db(), self.open_demo
        assert open_demo is not None  # the demo button is enabled only with it
        page.enable_welcome(False)
        page.say_welcome("Opening the demo… The first time, it is made with synthetic people "
                         "and records: this takes a few seconds.")

        def work():
            demo, staff_id = open_demo()
            try:
                who = _who(demo, staff_id)
            except BaseException:
                demo.close()
                raise
            empty_profile.close()  # nobody was in it; the next start offers the welcome again
            return demo, who

        def opened(result) -> None:
            demo, who = result
            self.db = demo
            self._attach(demo, who)

        def failed(error: BaseException) -> None:
            page.enable_welcome(True)
            page.say_welcome("The demo could not be opened: " + (
                str(error) if isinstance(error, expected_errors()) else
                "an unexpected problem. Nothing has been changed; please tell IT support."))

        page.release(lambda: run_in_background(work, opened, failed))

    def _attach(self, db: "Database", who: SignedIn) -> None:
        page, self.first_run = self.first_run, None
        _attach(self.window, db, who)
        tasks = self.window.ctx.tasks if self.window.ctx is not None else None
        if tasks is not None:  # on the reads pool, which closing the window waits for
            self.window.first_page_loaded(
                lambda: tasks.run(READS, _preload_later, _ignore, _ignore, busy=False))
        if page is not None:
            self.window.form.pageStack.removeWidget(page)
            page.hide()
            page.release(page.deleteLater)  # its sync engine closed first, off the GUI thread
        if self.on_attached is not None:
            self.on_attached(self.window)

    def _failed(self, error: BaseException) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
        if isinstance(error, StartupRefused) or isinstance(error, expected_errors()):
            message, code = str(error), EXIT_STARTUP_REFUSED
        else:
            log.error("Start-up failed", exc_info=error)
            message, code = ("Supervision Recorder could not open your records because of an "
                             "unexpected problem. Nothing has been changed. Please tell IT "
                             "support."), 1
        self.window.show_startup_message(message)
        self.on_problem(message, code)

    def close(self) -> None:
        """After the window closed: end background work and close the database."""
        window = self.window
        if self.first_run is not None:
            self.first_run.shutdown()  # waits for its job; closes its sync engine
        if window.ctx is not None:
            window.ctx.tasks.wait()
        from ..demo.signing_backlog import stop_backlog_signing

        stop_backlog_signing()  # what is left is signed at the next start
        if self.db is not None:
            self.db.close()
            self.db = None


def start_desktop(
    open_profile: OpenProfile,
    *,
    argv: list[str],
    on_problem: Callable[[str], None],
    open_demo: OpenProfile | None = None,
) -> int:
    """Run the app until its window closes; returns the exit code."""
    window = open_shell(argv)
    app = running_application()
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

    startup = attach_when_open(window, open_profile, on_problem=problem, open_demo=open_demo)
    code = app.exec()
    startup.close()
    return outcome.get("code", code)


def run_app(db: "Database", *, argv: list[str], staff_id: str | None) -> int:
    """Open the main window on an already open database (kept for callers that open it
    themselves); the database is not closed here."""
    window = open_shell(argv)
    app = running_application()
    attach_when_open(window, lambda: (db, staff_id), on_problem=lambda m, c: app.exit(c))
    code = app.exec()
    if window.ctx is not None:
        window.ctx.tasks.wait()
    return code

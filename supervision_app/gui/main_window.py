"""The main window: navigation on the left, one page at a time, who is signed in on the
title and status bars, a busy indicator while the database works in the background.

The window is built in two steps so it can be on screen before the database is open: the
shell (``MainWindow()``: frame, navigation, "Opening your records…") needs only Qt, and
``attach`` adds the pages once the store is ready. Nothing here imports the store or the
pages at module level; they load off the GUI thread during start-up.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Callable, TypeGuard, Union

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QProgressBar,
    QSizePolicy,
    QStyle,
    QWidget,
)

from .accessibility import ensure_accessible_names, follow_status_messages, show_value, style_headings
from .forms import load_widget
from .labels import WrappingLabel
from .tasks import READS, TaskRunner, after_paint, user_message
from .window_forms import MainWindowForm

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ..domain.permissions import Actor
    from ..store import queries
    from ..store.database import Database
    from ..sync.client.results import SyncReport
    from .assurance_page import AssurancePage
    from .audit_page import AuditPage
    from .autosave import Autosaver
    from .children_pages import ChildPage
    from .history_page import HistoryPage
    from .oversight_dialog import OversightNoteDialog
    from .pages import Page
    from .session_editor import SessionEditor

    # what the navigation list shows: the page modules' pages, and compliance and audit (widgets
    # of their own, with the same refresh and first_focus)
    NavPage = Union[Page, AssurancePage, AuditPage]
    PageFactory = Callable[["AppContext"], NavPage]


BUSY_DELAY_MS = 200  # work quicker than this feels immediate: no indicator to flicker


@dataclass
class AppContext:
    db: "Database"
    tasks: TaskRunner
    actor: "Actor"
    me: "queries.StaffEntry"
    window: "MainWindow"

    def today(self) -> date:
        from ..domain.time_rules import london_date, utc_now  # zoneinfo: not needed for the first frame

        return london_date(utc_now())

    def notify(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 8000)


def is_nav_page(widget: QWidget | None) -> TypeGuard[NavPage]:
    """A page of the navigation list (or a worker's or child's page): the widgets with a
    ``first_focus``, which also ``refresh``; not the record editor."""
    return hasattr(widget, "first_focus")


class MainWindow(QMainWindow):
    page_shown = Signal(QWidget)
    ready = Signal()  # the pages are attached and the first one is loading

    def __init__(self, db: "Database | None" = None, tasks: TaskRunner | None = None,
                 actor: "Actor | None" = None, me: "queries.StaffEntry | None" = None) -> None:
        super().__init__()
        ui_root = load_widget("main_window.ui")
        if not isinstance(ui_root, QMainWindow):
            raise TypeError("ui/main_window.ui is not drawn as a QMainWindow")
        self.ui_root = ui_root
        # adopt the designed window's parts
        self.setObjectName("MainWindow")
        central = ui_root.centralWidget()
        if central is None:
            raise TypeError("ui/main_window.ui has no central widget")
        self.setCentralWidget(central)
        self.form = MainWindowForm(self)
        self.setStatusBar(ui_root.statusBar())
        follow_status_messages(self.statusBar())
        self._message = self._message_label()
        self.fit_to_screen(self.ui_root.size())
        self.ctx: AppContext | None = None
        self.pages: dict[str, NavPage] = {}
        self._details: dict[str, Page] = {}
        self._navigations = 0  # page switches so far: a late load must not pull the person back
        self._nav_keys: list[str] = []
        self._history: list[QWidget] = []
        self.editor: SessionEditor | None = None
        self._session_request = 0  # the latest open_session asked: only it may open
        self._after_first_page: list[Callable[[], None]] | None = []  # None once it has loaded
        self._busy = QProgressBar()
        self._busy.setRange(0, 0)
        self._busy.setMaximumWidth(120)
        self._busy.setAccessibleName("Working")
        self._busy_delay = QTimer(self)
        self._busy_delay.setSingleShot(True)
        self._busy_delay.setInterval(BUSY_DELAY_MS)
        self._busy_delay.timeout.connect(self._show_busy)
        self.statusBar().addPermanentWidget(self._busy)
        self._opening = QLabel("Opening your records…")
        self._opening.setObjectName("openingLabel")
        self._opening.setAlignment(Qt.AlignmentFlag.AlignCenter)
        show_value(self._opening, "Start-up progress")
        self.form.pageStack.addWidget(self._opening)
        self.setWindowTitle("Supervision Recorder")
        file_menu = self.file_menu = self.menuBar().addMenu("&File")
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.triggered.connect(self.close)  # asks first if a response is unrecorded
        file_menu.addAction(self.quit_action)
        help_menu = self.menuBar().addMenu("&Help")
        self.help_menu = help_menu
        self.about_action = QAction("&About Supervision Recorder", self)
        self.about_action.triggered.connect(self.show_about)
        help_menu.addAction(self.about_action)
        from .organisation_certificate import add_save_action

        self.save_certificate_action = add_save_action(self, help_menu)
        if db is not None:
            if tasks is None or actor is None or me is None:
                raise TypeError("attaching a database needs its tasks, actor and staff entry too")
            self.attach(db, tasks, actor, me)

    def attach(self, db: "Database", tasks: TaskRunner, actor: "Actor", me: "queries.StaffEntry") -> None:
        """Add the pages for the person signed in, once their database is open."""
        # imported off the GUI thread during start-up (app._preload)
        from .children_pages import ChildPage, ChildrenPage
        from .history_page import HistoryPage
        from .my_supervision_page import MySupervisionPage
        from .search_page import SearchPage
        from .settings_page import SettingsPage
        from .team_page import TeamPage

        self.ctx = AppContext(db, tasks, actor, me, self)
        tasks.setParent(self)
        self.setWindowTitle(f"Supervision Recorder — {me.display_name} ({me.role.label})")
        # at a large text size it goes onto two lines, beside the message rather than over it
        self._who = WrappingLabel(f"Signed in as {me.display_name}, {me.role.label}"
                                  + (f", {me.team_name}" if me.team_name else ""))
        show_value(self._who, "Who is signed in")
        self._busy.setVisible(False)
        self.statusBar().addPermanentWidget(self._who)
        tasks.busy_changed.connect(self._set_busy)
        tasks.failed.connect(self.ctx.notify)
        self._managed_team_names: list[tuple[str, str]] = []
        if actor.managed_team_ids:
            tasks.run(READS, self._read_managed_teams, self._set_managed_teams)
        self._attach_sync(db, tasks)
        self._attach_practice_exports()

        self._detail_classes: dict[str, type[Page]] = {"history": HistoryPage, "child": ChildPage}
        stack = self.form.pageStack

        nav: list[tuple[str, str, PageFactory, str]] = (
            [("my_team", "My team", TeamPage, "Ctrl+1")] if actor.managed_team_ids else [])
        nav += [("my_supervision", "My supervision", MySupervisionPage, "Ctrl+2"),
                ("children", "Children", ChildrenPage, "Ctrl+3"),
                ("search", "Search", SearchPage, "Ctrl+F")]
        nav += self._assurance_pages(actor)
        nav += [("settings", "Settings", SettingsPage, "Ctrl+,")]
        self._page_classes = {key: cls for key, _t, cls, _s in nav}
        navlist = self.form.navList
        for key, title, _cls, shortcut in nav:
            item = QListWidgetItem(title)
            item.setToolTip(f"{title} ({QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)})")
            navlist.addItem(item)
            self._nav_keys.append(key)
            action = QAction(title, self)
            action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(lambda _=False, k=key: self.show_page(k, focus=True))
            self.addAction(action)
        back = QAction("Back", self)
        back.setShortcut(QKeySequence("Alt+Left"))
        back.triggered.connect(self.go_back)
        self.addAction(back)
        navlist.currentRowChanged.connect(self._nav_changed)
        # a screen reader can select an item without making it current (AT-SPI selection)
        navlist.itemSelectionChanged.connect(self._nav_selected)
        ensure_accessible_names(self)
        style_headings(self)
        first = self.show_page(self._nav_keys[0])
        # once the first page has its data, or its reads have ended without it (a failure)
        first_loaded = getattr(first, "loaded", None)
        if first_loaded is not None:
            first_loaded.connect(self._first_page_done)
        tasks.busy_changed.connect(self._first_reads_over)
        stack.removeWidget(self._opening)
        self._opening.deleteLater()
        self.ready.emit()

    def first_page_loaded(self, then: Callable[[], None]) -> None:
        """``then()`` once the first page has its data (or its reads have ended without
        it): start-up work that can wait, kept from competing for the CPU with the query of
        the page the person is looking at."""
        if self._after_first_page is None:
            then()
        else:
            self._after_first_page.append(then)

    def _first_reads_over(self, busy: bool) -> None:
        if not busy:
            self._first_page_done()

    def _first_page_done(self) -> None:
        waiting, self._after_first_page = self._after_first_page, None
        for then in waiting or ():
            after_paint(self, then)

    def _detail_page(self, key: str) -> "Page":
        """A worker's history or a child's page: built when first opened, not at start-up,
        where it would delay the first page's data."""
        page = self._details.get(key)
        if page is None:
            page = self._detail_classes[key](self._context())
            self._details[key] = page
            self.form.pageStack.addWidget(page)
            self._status_bar_last()
        return page

    @property
    def history_page(self) -> "HistoryPage":
        from .history_page import HistoryPage

        page = self._detail_page("history")
        assert isinstance(page, HistoryPage)  # built from _detail_classes["history"]
        return page

    @property
    def child_page(self) -> "ChildPage":
        from .children_pages import ChildPage

        page = self._detail_page("child")
        assert isinstance(page, ChildPage)  # built from _detail_classes["child"]
        return page

    def _assurance_pages(self, actor: "Actor") -> list[tuple[str, str, PageFactory, str]]:
        """Compliance figures for managers; dip sampling and audit rounds for auditors, and
        for managers the findings and audit actions addressed to them."""
        from ..domain.vocabulary import Role

        def assurance(ctx: AppContext) -> AssurancePage:
            from .assurance_page import AssurancePage

            page = AssurancePage(ctx.db, ctx.actor, today=ctx.today, open_record=self.open_record,
                                 tasks=ctx.tasks)
            page.failed.connect(ctx.notify)  # said in the status bar, which screen readers hear
            return page

        def audit(ctx: AppContext) -> AuditPage:
            from .audit_page import AuditPage

            page = AuditPage(ctx.db, ctx.actor, today=ctx.today, open_record=self.open_record,
                             tasks=ctx.tasks)
            page.failed.connect(ctx.notify)
            return page

        pages: list[tuple[str, str, PageFactory, str]] = []
        if actor.managed_team_ids:
            pages.append(("compliance", "Compliance", assurance, "Ctrl+4"))
        if actor.role == Role.QA_AUDITOR or actor.managed_team_ids:
            pages.append(("audit", "Audit", audit, "Ctrl+5"))
        return pages

    def _attach_sync(self, db: "Database", tasks: TaskRunner) -> None:
        """Background sync with the organisation's server: status bar, Sync menu, timer."""
        from .signing import credential_store
        from .sync_panel import SyncController, account_ended

        self.sync = SyncController(db, credentials=lambda: credential_store(self.ctx), tasks=tasks,
                                   parent=self)
        self.statusBar().addPermanentWidget(self.sync.status_widget(self))
        sync_menu = self.add_menu_before_help("S&ync")
        sync_menu.addActions(self.sync.actions())
        self.sync.open_record_requested.connect(self.open_record)  # from the conflicts dialog
        for action in self.sync.actions():
            self.addAction(action)
        def idle(busy: bool) -> None:
            if not busy:
                self.sync.refresh_status()

        def synced(report: SyncReport | None, error: BaseException | None) -> None:
            if (report is not None and (report.pulled or report.removed)) or account_ended(error):
                self.refresh_all()

        tasks.busy_changed.connect(idle)
        self.sync.sync_finished.connect(synced)
        self.sync.sync_finished.connect(self._reload_access)
        # its first sync (and its reminders and access check) after the first page's rows:
        # a pull writes rows while the person waits for the page otherwise
        self.first_page_loaded(self.sync.start)

    def _reload_access(self, report: object = None, error: object = None) -> None:
        """After a sync, what the person may see, read again: cover of another team given or
        ended (DESIGN.md §1.1) reaches the laptop through the sync (``GET /v1/me``, kept for
        ``load_actor``), and the pages read ``ctx.actor``, read once at sign-in: without this
        a covering manager saw the covered team only after restarting the app, and kept
        seeing its workers after the cover ended. When it changed, every page reloads.
        Not after a sync that did not run (no server: no report), such as the one at
        start-up, whose read came beside the first page's."""
        if error is not None or report is None:
            return
        ctx = self._context()
        staff_id = ctx.actor.staff_id

        def read(session: Session) -> Actor:
            from ..store.supervision_records import load_actor

            return load_actor(session, staff_id)

        def apply(actor: Actor) -> None:
            if actor == ctx.actor:
                return
            ctx.actor = actor
            for page in self.pages.values():
                if hasattr(page, "actor"):  # compliance and audit keep their own copy
                    page.actor = actor
            ctx.tasks.run(READS, self._read_managed_teams, self._set_managed_teams)
            self.refresh_all()
            if "history" in self._details:
                self.history_page.refresh()

        # a person no longer in the directory (account ended) is the sync's to say
        ctx.tasks.read(read, apply, lambda _error: None, key="reload-access")

    def _attach_practice_exports(self) -> None:
        """File > Export chronology, and the desktop reminders (at start, after each sync)."""
        from .reminders import ReminderController

        self.chronology_action = QAction("Export a child's &chronology…", self)
        self.chronology_action.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.chronology_action.triggered.connect(self._chronology_from_menu)
        self.file_menu.insertAction(self.quit_action, self.chronology_action)
        self.file_menu.insertSeparator(self.quit_action)
        self.addAction(self.chronology_action)
        self.reminders = ReminderController(self._context(), self)

        def synced(_report: object, error: object) -> None:
            if error is None:
                self.reminders.check()

        self.sync.sync_finished.connect(synced)
        # the first check's query is the team's twice over: after the first page's
        self.first_page_loaded(self.reminders.check)

    def _chronology_from_menu(self) -> None:
        from .children_pages import ChildPage

        page = self._details.get("child")
        if isinstance(page, ChildPage) and self.form.pageStack.currentWidget() is page and page.child_id:
            self.open_chronology_export(page.child_id, page.form.titleLabel.text())
        else:
            self.open_chronology_export(None, "")

    def open_chronology_export(self, child_id: str | None, label: str = ""):
        """Export a child's chronology (from their page), or a team's (managers)."""
        from .chronology_export_dialog import ChronologyExportDialog

        if child_id is None and not self._context().actor.managed_team_ids:
            self._context().notify("Open a child's page (Children, then the child) to export their chronology.")
            return None
        dialog = ChronologyExportDialog(self._context(), (child_id, label) if child_id else None, parent=self)
        dialog.setModal(True)
        dialog.show()
        self.chronology_dialog = dialog
        return dialog

    def open_record(self, kind: str, record_id: str) -> None:
        """Open a record named by kind and id (from the compliance and audit pages)."""
        if kind == "supervision":
            self.open_session(record_id)
        elif kind == "oversight_note":
            self.open_note(note_id=record_id)
        elif kind == "child":
            self.open_child(record_id)
        elif kind == "staff":
            self._open_worker(record_id)
        elif kind in ("case_discussion", "action"):
            self._open_parent_session(kind, record_id)
        elif kind in ("group_session", "group_action"):  # from the compliance page (issue 21)
            self._open_group(kind, record_id)
        else:
            self._context().notify("That kind of record cannot be opened here.")

    def _open_group(self, kind: str, record_id: str) -> None:
        """A group session in its dialog (which shows the viewer only what they may see); for
        one of its actions, the session it was agreed in, looked up off the GUI thread."""
        from ..store.group_models import GroupAction
        from .group_dialogs import GroupSessionDialog

        def show(group_id: str | None) -> None:
            if group_id is None:
                self._context().notify("That record no longer exists.")
                return
            dialog = GroupSessionDialog(self._context(), group_id, None, self)
            dialog.open()
            self.group_dialog = dialog

        if kind == "group_session":
            show(record_id)
            return

        def work(session):
            row = session.get(GroupAction, record_id)
            return None if row is None or row.tombstone else row.group_session_id

        self._context().tasks.read(work, show, lambda error: self._context().notify(user_message(error)))

    def _open_worker(self, staff_id: str) -> None:
        """A worker's history by id alone (the compliance page has no name to give): their
        name is looked up first, off the GUI thread, for the page's title."""
        from ..store.models import Staff

        asked_at = self._navigations

        def work(session):
            row = session.get(Staff, staff_id)
            return None if row is None or row.tombstone else row.display_name

        def done(name):
            if self._navigations != asked_at:
                return  # they moved on meanwhile
            if name is None:
                self._context().notify("That worker is not on this computer.")
            else:
                self.open_history(staff_id, name)

        self._context().tasks.read(work, done, lambda error: self._context().notify(user_message(error)))

    def _open_parent_session(self, kind: str, record_id: str) -> None:
        from ..store.models import ActionItem, CaseDiscussion

        model = CaseDiscussion if kind == "case_discussion" else ActionItem

        def work(session):
            row = session.get(model, record_id)
            return None if row is None else (row.session_id, getattr(row, "oversight_note_id", None))

        def done(found):
            if found is None:
                self._context().notify("That record no longer exists.")
            elif found[0]:
                self.open_session(found[0], where=f"{kind}:{record_id}")
            elif found[1]:
                self.open_note(note_id=found[1])

        self._context().tasks.read(work, done)

    def _message_label(self) -> QLabel:
        """The status bar's message, shown whole: ``QStatusBar`` draws a message on one line
        in whatever room its permanent widgets leave, and cut it off beside "Signed in as
        ..." at a large text size. This label, the first permanent widget and the one that
        stretches, shows ``currentMessage()`` instead and wraps onto more lines; the bar's
        own drawing of it is left no room. ``showMessage``, ``currentMessage`` and the
        announcements (``follow_status_messages``) are the status bar's, as before."""
        bar = self.statusBar()
        label = WrappingLabel("", bar, share=0.35)
        label.setObjectName("statusMessageLabel")
        label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        show_value(label, "Status message")  # heard by what it says
        label.setVisible(False)
        bar.insertPermanentWidget(0, label, 1)

        def shown(message: str) -> None:
            label.setText(message)
            label.setVisible(bool(message))

        bar.messageChanged.connect(shown)
        return label

    def add_menu_before_help(self, title: str) -> QMenu:
        """A menu in the bar between File and Help, which stays last."""
        menu = QMenu(title, self)
        self.menuBar().insertMenu(self.help_menu.menuAction(), menu)
        return menu

    def fit_to_screen(self, wanted: QSize) -> None:
        """Open at the designed size where the screen has room, else within the screen's
        free area (a 1366x768 laptop with a taskbar has about 720 pixels of height): a
        window taller than the screen hides its status bar and the buttons at its foot."""
        area = self.screen().availableGeometry()
        # the window manager's title bar and borders are drawn outside the window
        frame_height = self.style().pixelMetric(QStyle.PixelMetric.PM_TitleBarHeight) + 8
        width = max(min(wanted.width(), area.width() - 8), 1)
        height = max(min(wanted.height(), area.height() - frame_height), 1)
        self.resize(width, height)
        self.move(area.x() + (area.width() - width) // 2,
                  area.y() + max(0, (area.height() - frame_height - height) // 2))

    def about_text(self) -> str:
        from ..version import __version__

        return (f"Supervision Recorder {__version__}\n\n"
                "Records case supervision and management oversight for children's social care: "
                "encrypted on this computer, signed by supervisor and supervisee, synced with your "
                "organisation's server.")

    def show_about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Information, "About Supervision Recorder",
                          self.about_text(), parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAccessibleName("About Supervision Recorder")
        box.open()

    def show_startup_message(self, text: str) -> None:
        """What the shell says while the database opens (or why it did not)."""
        self._opening.setText(text)
        self._busy.setVisible(False)

    # ------------------------------------------------------------------ pages

    def _context(self) -> AppContext:
        """The signed-in person's context: pages and dialogs open only once it is attached."""
        assert self.ctx is not None
        return self.ctx

    def page(self, key: str) -> NavPage:
        if key not in self.pages:  # built on first use: a faster start
            page = self._page_classes[key](self._context())
            self.pages[key] = page
            self.form.pageStack.addWidget(page)
            self._status_bar_last()
        return self.pages[key]

    def _status_bar_last(self) -> None:
        """Tab goes from the navigation list into the page, then to the status bar's
        buttons at the window's foot, as the screen reads: a page built after the status
        bar's buttons (on first use) had its place in the focus chain after them, so Tab
        went from the navigation list to "Sign in…" at the bottom, then back up."""
        bar = self.statusBar()
        stops = [w for w in bar.findChildren(QWidget)
                 if w.focusPolicy() & Qt.FocusPolicy.TabFocus and not w.isWindow()]
        stops.sort(key=lambda w: w.mapTo(bar, w.rect().topLeft()).x())
        # the chain is a ring: its end is just before the navigation list (passing over the
        # list's own containers, and widgets that take no focus, which setTabOrder ignores)
        nav = self.form.navList
        last = nav.previousInFocusChain()
        while last is not None and last is not nav and (
                last.isAncestorOf(nav) or last in stops or last.focusPolicy() == Qt.FocusPolicy.NoFocus):
            last = last.previousInFocusChain()
        if last is None:  # Qt's focus chain is a ring, never cut; None is only in the stubs
            return
        for widget in stops:
            if widget is not last:
                QWidget.setTabOrder(last, widget)
            last = widget

    def _nav_selected(self) -> None:
        selected = self.form.navList.selectedItems()
        if selected:
            self._nav_changed(self.form.navList.row(selected[0]))

    def _nav_changed(self, row: int) -> None:
        if 0 <= row < len(self._nav_keys) and (
                self.pages.get(self._nav_keys[row]) is not self.form.pageStack.currentWidget()):
            self.show_page(self._nav_keys[row])

    def show_page(self, key: str, focus: bool = False) -> NavPage:
        page = self.page(key)
        row = self._nav_keys.index(key)
        navlist = self.form.navList
        if navlist.currentRow() != row:
            navlist.blockSignals(True)
            navlist.setCurrentRow(row)
            navlist.blockSignals(False)
        self._switch_to(page, remember=False)
        self._history.clear()
        page.refresh()
        first = page.first_focus() if focus else None
        if first is not None:
            first.setFocus()
        return page

    def _switch_to(self, widget: QWidget, remember: bool = True) -> None:
        self._navigations += 1
        stack = self.form.pageStack
        current = stack.currentWidget()
        if remember and current is not None and current is not widget:
            self._history.append(current)
        autosaver: Autosaver | None = getattr(current, "autosaver", None)  # the record editor's
        if autosaver is not None and current is not widget:
            autosaver.flush()
        stack.setCurrentWidget(widget)
        self.page_shown.emit(widget)

    def go_back(self) -> None:
        while self._history:
            previous = self._history.pop()
            if previous is self.editor or self.form.pageStack.indexOf(previous) < 0:
                continue
            self._switch_to(previous, remember=False)
            if is_nav_page(previous):
                previous.refresh()
                first = previous.first_focus()
                if first is not None:
                    first.setFocus()
            return
        self.show_page(self._nav_keys[0], focus=True)

    def refresh_all(self) -> None:
        for page in self.pages.values():
            page.refresh()

    # ------------------------------------------------------------------ navigation API

    def open_history(self, worker_id: str, name: str) -> None:
        """Show a worker's history once it has loaded (or is slow to): the page in front
        stays until then, unless the person goes somewhere else first."""
        page = self.history_page
        asked_at = self._navigations

        def show() -> None:
            if self._navigations != asked_at:
                return  # they moved on while it loaded
            self._switch_to(page)
            page.form.historyTable.setFocus()

        page.show_worker(worker_id, name, then=show)

    def open_child(self, child_id: str) -> None:
        self.child_page.show_child(child_id)
        self._switch_to(self.child_page)
        self.child_page.form.chronologyTable.setFocus()

    def open_session(self, session_id: str, where: str | None = None,
                     quiet_denied: bool = False) -> "SessionEditor":
        """Open a supervision record in the editor, if the person signed in may read it.

        Whether they may is asked first, off the GUI thread, in the write queue ahead of
        the editor's own load (so its answer comes first). A refused record never opens:
        the page in front stays, the editor made for it is discarded unseen, and the status
        bar says why (a record opened from a child's chronology, ``quiet_denied``, also says
        where its decision is shown; any other refusal also says so in a message box). The
        editor is returned at once and is ``self.editor`` once it is on screen; if the
        person goes elsewhere, or opens another record, before the answer, it is dropped."""
        from .session_editor import SessionEditor

        if self.editor is not None and self.editor.session_id != session_id:
            def open_again() -> None:
                self.open_session(session_id, where, quiet_denied)

            if self.editor.ask_before_leaving(open_again):
                self._switch_to(self.editor)  # the unrecorded response is in front of them
                return self.editor
        if self.editor is not None:
            self.editor.autosaver.flush()  # written before the new editor reads
        self._session_request += 1
        request, asked_at = self._session_request, self._navigations
        from ..store.queries import session_refusal

        actor = self._context().actor
        self._context().tasks.write(lambda s: session_refusal(s, actor, session_id),
                             lambda reason: answered(reason),
                             lambda error: answered(user_message(error)))
        editor = SessionEditor(self._context(), session_id, where=where)

        def answered(refusal: str | None) -> None:
            if refusal is None and request == self._session_request and self._navigations == asked_at:
                self._show_editor(editor)
                return
            editor.close_editor()
            # its own load is behind the answer in the write queue: delete it after that
            self._context().tasks.write(lambda _s: None, lambda _r: editor.deleteLater())
            if refusal is not None:
                self._refused(refusal, quiet_denied)

        return editor

    def _show_editor(self, editor: "SessionEditor") -> None:
        if self.editor is not None:
            self.editor.close_editor()
            self.form.pageStack.removeWidget(self.editor)
            self.editor.deleteLater()
        editor.go_back.connect(self.go_back)
        self.editor = editor
        self.form.pageStack.addWidget(editor)
        self._status_bar_last()
        self._switch_to(editor)

    def _refused(self, reason: str, quiet: bool) -> None:
        """Why a supervision record did not open, in words; nothing of it is shown."""
        text = f"You cannot open that supervision record. {reason}"
        if quiet:
            text += " What was decided for the child is shown on their record."
            self._context().notify(text)
            return
        from PySide6.QtWidgets import QMessageBox

        self._context().notify(text)
        box = QMessageBox(QMessageBox.Icon.Information, "Supervision record not opened", text,
                          parent=self)
        box.setObjectName("refusedRecordMessage")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAccessibleName("Supervision record not opened")
        box.addButton(QMessageBox.StandardButton.Ok).setAccessibleName("OK")
        box.open()
        self.refused_message = box

    def new_session(self, worker_id: str | None) -> None:
        if worker_id is None:
            return
        from ..domain.vocabulary import SessionType
        from ..store import supervision_records as sr

        actor = self._context().actor
        from ..domain.time_rules import utc_now

        now = utc_now().replace(second=0, microsecond=0)

        def work(s):
            return sr.create_session(s, actor, supervisee_id=worker_id, held_at=now,
                                     session_type=SessionType.PLANNED_ONE_TO_ONE)

        def done(session_id):
            self.open_session(session_id, where="field:heldDateEdit")
            self._context().notify("New supervision record started; it saves as you type.")

        self._context().tasks.write(work, done, lambda e: self._context().notify(user_message(e)))

    def open_note(self, note_id: str | None = None, child_id: str | None = None) -> "OversightNoteDialog":
        from .oversight_dialog import OversightNoteDialog

        dialog = OversightNoteDialog(self._context(), note_id=note_id, child_id=child_id, parent=self)
        dialog.changed.connect(self._note_changed)
        dialog.setModal(True)
        dialog.show()
        self.note_dialog = dialog
        return dialog

    def open_resolution(self, session_id: str):
        """Record how a supervisee's disagreement was resolved (a manager above the
        supervisor); the page or record behind the dialog shows it once stored."""
        from .resolution_dialog import ResolutionDialog

        dialog = ResolutionDialog(self._context(), session_id, parent=self)
        dialog.resolved.connect(self._resolved)
        dialog.setModal(True)
        dialog.show()
        self.resolution_dialog = dialog
        return dialog

    def _resolved(self, session_id: str) -> None:
        editor = self.editor
        if editor is not None and editor.session_id == session_id:
            editor.reload(focus=lambda: editor.form.responseGroup)
        self.refresh_all()  # the flag and the counts change
        if "history" in self._details:
            self.history_page.refresh()

    def open_export(self, worker_id: str | None = None):
        """The export dialog over the team's workers (or just the worker shown)."""
        from .signing import ExportDialog
        from .team_page import TeamPage

        team_page = self.pages.get("my_team")
        workers = ([(r.worker_id, r.name, r.team_name) for r in team_page.model.rows]
                   if isinstance(team_page, TeamPage) else [])
        if worker_id is not None and worker_id not in {w[0] for w in workers}:
            workers.insert(0, (worker_id, self.history_page.form.titleLabel.text().split(": ", 1)[-1], ""))
        dialog = ExportDialog(self._context(), workers, self._managed_teams(), parent=self,
                              worker_id=worker_id)
        dialog.setModal(True)
        dialog.show()
        self.export_dialog = dialog
        return dialog

    def _managed_teams(self) -> list[tuple[str, str]]:
        """The teams the person manages, (id, name), read once in the background at attach."""
        return list(self._managed_team_names)

    def _read_managed_teams(self) -> list[tuple[str, str]]:
        """(worker) A handful of rows by primary key."""
        from ..store.models import Team

        ids = sorted(self._context().actor.managed_team_ids)
        with self._context().db.reading() as s:
            return [(t.id, t.name) for t in s.query(Team).filter(Team.id.in_(ids)).order_by(Team.name)]

    def _set_managed_teams(self, teams: list[tuple[str, str]]) -> None:
        self._managed_team_names = teams

    def _note_changed(self) -> None:
        current = self.form.pageStack.currentWidget()
        if is_nav_page(current):
            current.refresh()

    def _set_busy(self, busy: bool) -> None:
        """The busy indicator and cursor, for work that takes long enough to notice: shown
        and hidden on every quick read they flickered, and each change relaid the status
        bar and repainted the window while the page was drawing its rows."""
        if busy:
            self._busy_delay.start()
            return
        self._busy_delay.stop()
        if self._busy.isVisible():
            self._busy.setVisible(False)
            self.unsetCursor()

    def _show_busy(self) -> None:
        if self.ctx is not None and self.ctx.tasks.busy:
            self._busy.setVisible(True)
            self.setCursor(Qt.CursorShape.BusyCursor)

    def _close_again(self) -> None:
        self.close()

    def closeEvent(self, event) -> None:  # noqa: N802
        if self.editor is not None and self.editor.ask_before_leaving(self._close_again):
            event.ignore()  # closed again once the response is recorded or let go
            self._switch_to(self.editor)
            return
        if getattr(self, "sync", None) is not None:
            self.sync.shutdown()
        if self.editor is not None:
            self.editor.close_editor()
        if self.ctx is not None:
            self.ctx.tasks.wait()
        super().closeEvent(event)


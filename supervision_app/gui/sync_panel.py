"""Sync in the app: a controller that runs the profile's sync engine in the background (on a
timer and on demand, never on the GUI thread), a status-bar widget that says in words how
sync stands, the sync server sign-in dialog and the conflicts dialog.

Wiring (the main window owns the controller, one per open profile)::

    self.sync = SyncController(db, parent=self)           # reads the saved server address
    self.statusBar().addPermanentWidget(self.sync.status_widget())
    for action in self.sync.actions():                   # Sync now, Sign in..., Conflicts...
        self.addAction(action)
    self.sync.start()
    ...
    self.sync.shutdown()                                 # in closeEvent

Everything the engine does (sign-in, sync, enrolment of the signing key, reading the
status, resolving a conflict) runs one job at a time on the controller's own one-thread
pool; results come back to the GUI thread by queued signal. Nothing here logs record
contents or secrets; the password typed in the dialog goes straight to the server and
the token it returns to the OS keyring (``SyncClient.login``).
"""
from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QToolButton,
    QWidget,
)

from ..domain.time_rules import format_london
from ..errors import AppError
from .accessibility import ensure_accessible_names, show_message, show_value, style_headings
from .conflict_words import (  # noqa: F401  (TABLE_WORDS, KIND_WORDS: the dialog's words)
    KIND_WORDS,
    TABLE_WORDS,
    ConflictItem,
    can_keep_mine,
    differences,
    group,
    keep_mine_refusal,
    open_target,
    record_labels,
    what_happened,
)
from .forms import embed_dialog_form
from .tasks import NETWORK, TaskRunner

if TYPE_CHECKING:
    from ..store.database import Database
    from ..sync.client import Conflict, SyncClient, SyncProgress, SyncStatus

log = logging.getLogger(__name__)
DEFAULT_INTERVAL_MS = 2 * 60 * 1000
SERVER_URL_KEY = "server_url"

# --------------------------------------------------------------------------- the view of sync

@dataclass(frozen=True)
class SyncView:
    """What the status bar says, worked out from the engine's status and the last attempt."""

    text: str
    detail: str
    state: str  # idle / working / error / signin / alarm / off
    pending: int = 0
    conflicts: int = 0
    signed_in: bool = False


def _is_engine_error(error: BaseException | None, name: str) -> bool:
    """Whether ``error`` is the sync engine's ``name`` error. The engine (httpx, pydantic,
    Alembic: over a second to import) is loaded by the first sync job, off the GUI thread;
    until it is loaded nothing can have raised one of its errors, so the status line never
    needs to import it."""
    engine = sys.modules.get("supervision_app.sync.client")
    return error is not None and engine is not None and isinstance(error, getattr(engine, name))


def describe(status: "SyncStatus | None", error: BaseException | None, configured: bool,
             working: bool = False, progress: "SyncProgress | None" = None) -> SyncView:
    """The status line in words (times in Europe/London)."""
    if not configured:
        return SyncView("Not connected to a sync server", "Sign in to a sync server to send and "
                        "receive records (Sync menu: Sign in to the sync server).", "off")
    pending = status.pending_changes if status else 0
    conflicts = status.unresolved_conflicts if status else 0
    signed_in = bool(status and status.signed_in)
    parts: list[str] = []
    details: list[str] = []
    state = "idle"
    if working:
        state = "working"
        if progress is not None and progress.first_sync and progress.phase == "pull":
            parts.append(f"First sync: {progress.done:,} records received")
        elif progress is not None and progress.phase == "push":
            parts.append(f"Syncing: {progress.done:,} changes sent")
        else:
            parts.append("Syncing…")
    elif status is not None and status.last_sync_at is not None:
        parts.append(f"Last synced {format_london(status.last_sync_at)}")
    else:
        parts.append("Not synced yet")
    if pending:
        parts.append(f"{pending:,} change{'s' if pending != 1 else ''} waiting to be sent")
    elif status is not None and not working:
        parts.append("all changes sent")
    if conflicts:
        parts.append(f"{conflicts} change{'s' if conflicts != 1 else ''} to choose between")
    if not working:
        message = str(error) if error is not None else (status.last_error if status else "")
        if _is_engine_error(error, "SignInNeeded") or (status is not None and not status.signed_in):
            state = "signin"
            parts.append("sign-in needed")
            details.append(message or "Sign in to the sync server to send and receive records.")
        elif _is_engine_error(error, "ServerUnreachable"):
            state = "error"
            parts.append("server unreachable")
            details.append(message)
        elif account_ended(error):  # a leaver: the engine has removed the records
            state = "error"
            parts.append("your account is no longer active")
            details.append(message)
        elif message:
            state = "error"
            parts.append("last sync failed")
            details.append(message)
    if status is not None and status.certificate_summary:
        # the signing certificate: a warning before it ends, or why signing is stopped
        parts.append(status.certificate_summary)
        hint = {"renew_soon": "", "refused": "", "refused_signin": "", "missing": ""}.get(
            status.certificate_status, " Choose Sync > Get a new signing certificate.")
        details.append(status.certificate_notice + hint)
        if state == "idle" and status.certificate_status != "renew_soon":
            state = "signin" if status.certificate_status == "refused_signin" else "error"
    if status is not None and status.audit_alarm:
        state = "alarm"
        parts.insert(0, "AUDIT ALARM")
        details.insert(0, status.audit_alarm + " Tell your manager or IT security.")
    text = " · ".join(parts)
    text = text[0].upper() + text[1:]
    return SyncView(text, "\n".join(d for d in details if d) or text, state, pending, conflicts,
                    signed_in)


def account_ended(error: BaseException | None) -> bool:
    """The server ended the person's account: the sync engine has removed the records from
    this laptop (DESIGN.md §1.1), so every page must be read again."""
    return _is_engine_error(error, "AccountEnded")


def _words(error: BaseException) -> str:
    from .tasks import user_message

    if _is_engine_error(error, "SyncError"):
        return str(error)
    return user_message(error)


# --------------------------------------------------------------------------- the controller

SYNC_NOW_TIP = "Send your changes and receive new records now (Ctrl+Shift+Y)"
NOT_SIGNED_IN = "Sync now is off until you sign in: choose Sync > Sign in to the sync server…"


class SyncController(QObject):
    """Owns the profile's :class:`SyncClient` and runs it off the GUI thread."""

    status_changed = Signal(object)  # SyncView
    progress_changed = Signal(object)  # SyncProgress
    sync_finished = Signal(object, object)  # SyncReport | None, error | None
    signed_in = Signal(str)  # staff id
    open_record_requested = Signal(str, str)  # kind, id: the conflicts dialog asks the window
    certificate_outcome = Signal(str)  # what Get a new signing certificate did, in words
    sign_in_step = Signal(str)  # what sign-in is doing now, in words
    _progress_from_engine = Signal(object)  # emitted on the network worker, queued to the GUI

    def __init__(self, db: "Database", *, server_url: str | None = None,
                 interval_ms: int = DEFAULT_INTERVAL_MS, credentials=None,
                 client_factory: Callable[["Database", str], "SyncClient"] | None = None,
                 tasks: TaskRunner | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.server_url = server_url
        self._credentials = credentials
        self._client_factory = client_factory
        self.client: SyncClient | None = None
        self.tasks = tasks or TaskRunner(db, self)  # its network pool: one engine job at a time
        self._shut_down = False
        self._progress_from_engine.connect(self._on_progress)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_timer)
        self.syncing = False
        self._again = False
        self._status: SyncStatus | None = None
        self._error: BaseException | None = None
        self._progress: SyncProgress | None = None
        self.view = describe(None, None, bool(server_url))
        self.syncs_run = 0
        self._make_actions()

    # -- actions ------------------------------------------------------------------------

    def _make_actions(self) -> None:
        self.sync_now_action = QAction("S&ync now", self)
        self.sync_now_action.setObjectName("syncNowAction")
        self.sync_now_action.setShortcut(QKeySequence("Ctrl+Shift+Y"))
        self.sync_now_action.setToolTip(SYNC_NOW_TIP)
        self.sync_now_action.triggered.connect(lambda _=False: self.sync_now())
        self.sign_in_action = QAction("Sign in to the sync &server…", self)
        self.sign_in_action.setObjectName("syncSignInAction")
        self.sign_in_action.triggered.connect(lambda _=False: self.open_sign_in())
        self.conflicts_action = QAction("Changes to &choose between…", self)
        self.conflicts_action.setObjectName("syncConflictsAction")
        self.conflicts_action.triggered.connect(lambda _=False: self.open_conflicts())
        self.new_certificate_action = QAction("Get a &new signing certificate", self)
        self.new_certificate_action.setObjectName("syncNewCertificateAction")
        self.new_certificate_action.setToolTip(
            "Make a new signing key on this computer and have the organisation's server certify "
            "it (after your certificate was revoked or has expired)")
        self.new_certificate_action.triggered.connect(lambda _=False: self.get_new_certificate())

    def actions(self) -> list[QAction]:
        return [self.sync_now_action, self.sign_in_action, self.conflicts_action,
                self.new_certificate_action]

    def status_widget(self, parent: QWidget | None = None) -> "SyncStatusWidget":
        return SyncStatusWidget(self, parent)

    def _dialog_parent(self) -> QWidget | None:
        parent = self.parent()
        return parent if isinstance(parent, QWidget) else None

    def open_sign_in(self) -> "ServerSignInDialog":
        dialog = ServerSignInDialog(self, self._dialog_parent())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_conflicts(self) -> "SyncConflictsDialog":
        dialog = SyncConflictsDialog(self, self._dialog_parent())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # -- running jobs -------------------------------------------------------------------

    def _run(self, work: Callable[[], Any], callback: Callable[[Any, Any], None]) -> None:
        """``work()`` on the network pool, then ``callback(result, error)`` on the GUI thread;
        sync has its own progress display, so it stays out of the window's busy indicator.
        After :meth:`shutdown` the answer is dropped: the window and its actions may be gone."""
        def answer(result: Any, error: Any) -> None:
            if not self._shut_down:
                callback(result, error)

        self.tasks.run(NETWORK, work, lambda result: answer(result, None),
                       lambda error: answer(None, error), busy=False)

    def _credential_store(self):
        if callable(self._credentials):  # made on first use, in a worker: cryptography is slow to load
            self._credentials = self._credentials()
        if self._credentials is None:
            from ..security.credentials import CredentialStore
            from ..security.secret_store import SecretStore

            profile = self.db.profile
            self._credentials = CredentialStore(profile.folder, SecretStore(profile.profile_id))
        return self._credentials

    def _ensure_client(self) -> "SyncClient | None":
        """(worker) The engine for the current server address, made on first use."""
        if self.server_url is None:
            self.server_url = _load_server_url(self.db)
        if not self.server_url:
            return None
        if self.client is None or self.client.server_url != self.server_url.rstrip("/"):
            if self.client is not None:
                self.client.close()
            if self._client_factory is not None:
                self.client = self._client_factory(self.db, self.server_url)
            else:
                from ..sync.client import SyncClient

                self.client = SyncClient(self.db, self.server_url)
            if self.client.credentials is None:
                self.client.credentials = self._credential_store()
        return self.client

    def start(self) -> None:
        """Read the saved server address and status, then sync now and on the timer. Not
        once shut down: the window starts it after its first page has loaded, and may have
        been closed by then."""
        if self._shut_down:
            return
        self._timer.start()
        self.sync_now()

    def shutdown(self, wait_ms: int = 5000) -> None:
        """Stop the timer and let a running job end (a sync cut short resumes next time).
        Answers still on their way to the GUI thread are dropped."""
        self._shut_down = True
        self._timer.stop()
        self.tasks.wait(wait_ms, (NETWORK,))
        if self.client is not None:
            self.client.close()

    def wait(self, msecs: int = 30000) -> bool:
        """Block until the current job ends (tests and shutdown only)."""
        return self.tasks.wait(msecs, (NETWORK,))

    # -- sync -----------------------------------------------------------------------------

    def _on_timer(self) -> None:
        if not self.syncing:
            self.sync_now()

    def sync_now(self) -> None:
        """Sync in the background; if one is running, run once more when it ends."""
        if self.syncing:
            self._again = True
            return
        self.syncing = True
        self._progress = None
        self.sync_now_action.setEnabled(False)
        self._publish(working=True)
        progress = self._progress_from_engine

        def work():
            client = self._ensure_client()
            if client is None:
                return None, None
            report = None
            try:
                report = client.sync(progress=progress.emit)
            finally:
                status = client.status()
            return report, status

        self._run(work, self._sync_done)

    def _sync_done(self, result, error) -> None:
        self.syncing = False
        self.syncs_run += 1
        self.sync_now_action.setEnabled(True)
        report, status = result if result is not None else (None, None)
        if status is not None:
            self._status = status
        self._error = error
        self._progress = None
        if error is not None and self.client is not None:
            self._refresh_status_after_error(self.client)
        self._publish()
        self.sync_finished.emit(report, error)
        if self._again:
            self._again = False
            self.sync_now()

    def _refresh_status_after_error(self, client: SyncClient) -> None:
        def done(status, error):
            if status is not None:
                self._status = status
                self._publish()

        self._run(client.status, done)

    @Slot(object)
    def _on_progress(self, progress) -> None:
        self._progress = progress
        self.progress_changed.emit(progress)
        self._publish(working=True)

    def refresh_status(self) -> None:
        """Re-read pending changes and conflicts (after a local change, say)."""
        if self.server_url == "":  # known to have no server: the status line cannot change
            return
        def work():
            client = self._ensure_client()
            return client.status() if client is not None else None

        def done(status, _error):
            if status is not None:
                self._status = status
            self._publish(working=self.syncing)

        self._run(work, done)

    def _publish(self, working: bool = False) -> None:
        self.view = describe(self._status, self._error, bool(self.server_url), working, self._progress)
        self.conflicts_action.setEnabled(self.view.conflicts > 0)
        if self.server_url == "":  # known to have no server: Sync now would do nothing, silently
            self.sync_now_action.setEnabled(False)
            self.sync_now_action.setToolTip(NOT_SIGNED_IN)
        elif not self.syncing:
            self.sync_now_action.setEnabled(True)
            self.sync_now_action.setToolTip(SYNC_NOW_TIP)
        self.status_changed.emit(self.view)

    # -- sign-in --------------------------------------------------------------------------

    def sign_in(self, server_url: str, username: str, password: str,
                on_done: Callable[[Any], None], new_password: str | None = None) -> None:
        """Check the address is a sync server this computer trusts, sign in (worker), keep
        the address, enrol the signing key with the server's CA if this laptop has no
        certificate for this person yet, then sync. ``on_done(None)`` on success,
        ``on_done(problem)`` otherwise: a ``SignInProblem``, whose ``str()`` says what
        happened and what to do. Each step is announced on ``sign_in_step`` in words."""
        from ..client_settings import normalise_address

        try:
            url = normalise_address(server_url)
        except ValueError as wrong:
            on_done(_AddressProblem(str(wrong)))
            return
        step = self.sign_in_step.emit  # from the worker: queued to the GUI thread

        def work():
            from ..security.credentials import CredentialsUnavailable
            from ..sync.client import SyncError
            from ..sync.server_check import check_server

            step("Checking the server address…")
            check_server(url)
            previous = self.server_url
            self.server_url = url
            try:
                step("Checking your username and password…")
                client = self._ensure_client()
                login = client.login(username, password, new_password)
            except BaseException:
                self.server_url = previous
                raise
            _save_server_url(self.db, url)
            step("Making your signing key and asking the server to certify it…")
            store = self._credential_store()
            try:
                # enrols, or replaces a revoked, expired or ending certificate with a new key;
                # a refusal is kept for the status line
                client.ensure_signing_certificate(store)
            except (SyncError, CredentialsUnavailable) as problem:
                # signing waits for a certificate; sync itself works
                log.warning("Signing certificate not issued: %s", problem)  # its class name only
            return login.staff_id

        def done(staff_id, error):
            if error is not None:
                from ..sync.server_check import explain

                on_done(explain(error))
                return
            on_done(None)
            self.signed_in.emit(staff_id)
            self._error = None
            self.sync_now()

        self._run(work, done)

    def get_new_certificate(self, on_done: Callable[[str], None] | None = None) -> None:
        """(Sync > Get a new signing certificate) A new key, certified by the server, in the
        background; the outcome in words goes to ``on_done`` (default: a message box) and to
        :attr:`certificate_outcome`."""
        def work():
            client = self._ensure_client()
            if client is None:
                return None
            return client.renew_certificate(self._credential_store())

        def done(outcome, error):
            if error is not None:
                message = _words(error)
            elif outcome is None:
                message = ("This computer is not connected to your organisation's server. Sign in "
                           "to the sync server first (Sync menu: Sign in to the sync server).")
            else:
                message = outcome.message or "You have a new signing certificate."
            if on_done is not None:
                on_done(message)
            else:
                from PySide6.QtWidgets import QMessageBox

                box = QMessageBox(QMessageBox.Icon.Information, "Signing certificate", message,
                                  QMessageBox.StandardButton.Ok, self._dialog_parent())
                box.setObjectName("newCertificateMessage")
                box.setAccessibleName("Signing certificate")
                box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
                box.open()
                self._certificate_box = box  # without a parent window, Python must keep it
            self.certificate_outcome.emit(message)
            self.refresh_status()

        self._run(work, done)

    def sign_out(self) -> None:
        def work():
            client = self._ensure_client()
            if client is not None:
                client.logout()
                return client.status()
            return None

        def done(status, _error) -> None:
            self._status = status or self._status
            self._publish()

        self._run(work, done)

    # -- conflicts --------------------------------------------------------------------------

    def load_conflicts(self, on_done: Callable[[list["ConflictItem"], str | None], None]) -> None:
        """(GUI) The kept versions, a refused signing's parts as one item, each named by
        the record it is about; read in the worker."""
        def work():
            client = self._ensure_client()
            items = group(client.pending_conflicts()) if client is not None else []
            with self.db.reading() as session:
                labels = record_labels(session, items)
            return [ConflictItem(item.conflicts, labels.get(item.main.id, "")) for item in items]

        self._run(work, lambda result, error: on_done(result or [], _words(error) if error else None))

    def resolve(self, conflict_ids: "str | list[str]", keep: str, on_done: Callable[[str | None], None]) -> None:
        """Keep ``'mine'`` (sent at the next sync, started now) or ``'server'`` for each
        of ``conflict_ids`` (the parts of one item)."""
        ids = [conflict_ids] if isinstance(conflict_ids, str) else list(conflict_ids)

        def work():
            client = self._ensure_client()
            for conflict_id in ids:
                client.resolve_conflict(conflict_id, keep)

        def done(_result, error):
            on_done(_words(error) if error is not None else None)
            if error is None:
                self.sync_now() if keep == "mine" else self.refresh_status()

        self._run(work, done)


class _AddressProblem(AppError):
    """An address that cannot be one, found before anything is sent (the engine and its
    ``SignInProblem`` are not loaded yet on the GUI thread)."""

    kind = "address"
    keeps_password = True


def _load_server_url(db: "Database") -> str:
    with db.engine.connect() as conn:
        value = conn.exec_driver_sql("SELECT value FROM sync_state WHERE key = ?",
                                     (SERVER_URL_KEY,)).scalar()
    return value or ""


def _save_server_url(db: "Database", url: str) -> None:
    with db.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT(key) "
                             "DO UPDATE SET value = excluded.value", (SERVER_URL_KEY, url))


# --------------------------------------------------------------------------- status widget

class SyncStatusWidget(QWidget):
    """For the status bar: the status in words, first-sync progress, Sync now, and a
    button to the changes to choose between when there are any."""

    def __init__(self, controller: SyncController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.controller = controller
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel(self)
        self.label.setObjectName("syncStatusLabel")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        show_value(self.label, "Sync status")
        self.progress = QProgressBar(self)
        self.progress.setObjectName("syncProgress")
        self.progress.setRange(0, 0)  # the total is not known until the last page
        self.progress.setMaximumWidth(120)
        self.progress.setAccessibleName("Sync progress")
        self.progress.setVisible(False)
        self.conflicts_button = QPushButton("Choose…", self)
        self.conflicts_button.setObjectName("syncConflictsButton")
        self.conflicts_button.setAccessibleName("Changes to choose between")
        self.conflicts_button.clicked.connect(lambda: controller.open_conflicts())
        self.conflicts_button.setVisible(False)
        self.sync_button = QToolButton(self)
        self.sync_button.setObjectName("syncNowButton")
        self.sync_button.setDefaultAction(controller.sync_now_action)
        self.sync_button.setAccessibleName("Sync now")
        # a screen reader hears why it is off, as a tooltip shows; a bound slot, so the
        # connection ends with this widget (the controller and its action outlive it)
        controller.sync_now_action.changed.connect(self._describe_sync_button)
        self.sync_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.sign_in_button = QPushButton("Sign in…", self)
        self.sign_in_button.setObjectName("syncSignInButton")
        self.sign_in_button.setAccessibleName("Sign in to the sync server")
        self.sign_in_button.clicked.connect(lambda: controller.open_sign_in())
        for widget in (self.label, self.progress, self.conflicts_button, self.sign_in_button,
                       self.sync_button):
            layout.addWidget(widget)
        controller.status_changed.connect(self.show_view)
        self.show_view(controller.view)

    @Slot()
    def _describe_sync_button(self) -> None:
        self.sync_button.setAccessibleDescription(self.sync_button.defaultAction().toolTip())

    @Slot(object)
    def show_view(self, view: SyncView) -> None:
        self.label.setText(view.text)
        self.label.setToolTip(view.detail)
        self.label.setAccessibleDescription(view.detail)
        alarm = view.state == "alarm"
        self.label.setStyleSheet("color: #a00000; font-weight: bold;" if alarm else
                                 "color: #8a4b00;" if view.state in ("error", "signin") else "")
        self.progress.setVisible(view.state == "working")
        self.conflicts_button.setVisible(view.conflicts > 0)
        self.sign_in_button.setVisible(view.state in ("off", "signin"))


# --------------------------------------------------------------------------- dialogs



def ask_new_password(parent: QWidget, said: str) -> str | None:
    """The server wants a password of the person's own (after an administrator's one-time
    password): asked twice, 12 characters or more; None if they cancel."""
    prompt = said + "\n\nNew password:"
    while True:
        first = _password_prompt(parent, prompt)
        if first is None:
            return None
        again = _password_prompt(parent, "Type the new password again:")
        if again is None:
            return None
        if len(first) >= 12 and first == again:
            return first
        prompt = ("The two passwords were not the same, or shorter than 12 characters."
                  "\n\nNew password:")


def _password_prompt(parent: QWidget, label: str) -> str | None:
    from PySide6.QtWidgets import QInputDialog, QLineEdit

    dialog = QInputDialog(parent)
    dialog.setObjectName("newPasswordDialog")
    dialog.setWindowTitle("Choose a new password")
    dialog.setAccessibleName("Choose a new password")
    dialog.setLabelText(label)
    dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
    dialog.setTextValue("")  # makes the line edit, so that it can be named
    for edit in dialog.findChildren(QLineEdit):
        edit.setAccessibleName("New password")


    def name_buttons() -> None:  # QInputDialog makes its buttons only when first shown
        for button in dialog.findChildren(QPushButton):
            button.setAccessibleName(button.text().replace("&", ""))

    QTimer.singleShot(0, name_buttons)  # runs once exec() has shown the dialog
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    return dialog.textValue() if accepted else None


class ServerSignInDialog(QDialog):
    """Server address, username, password; signs in off the GUI thread and stays open with
    the problem in words, and what was typed, if it did not work. The address is the one
    this profile used last, or else the one IT set for this computer (``client_settings``)."""

    def __init__(self, controller: SyncController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("serverSignInDialog")
        self.controller = controller
        _inner, self.form = embed_dialog_form(self, "server_sign_in.ui")
        f = self.form
        box: QDialogButtonBox = f.buttonBox
        self.sign_in_button = box.button(QDialogButtonBox.StandardButton.Ok)
        self.sign_in_button.setText("&Sign in")
        self.sign_in_button.setObjectName("signInButton")
        self.sign_in_button.setAccessibleName("Sign in")
        cancel = box.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName("Cancel")
        box.accepted.connect(self._submit)
        box.rejected.connect(self.reject)
        f.passwordEdit.returnPressed.connect(self._submit)
        address = controller.server_url
        if not address:
            from ..client_settings import load_client_settings

            address = load_client_settings().server_url  # a few bytes from a local file
        f.serverAddressEdit.setText(address or "")
        ensure_accessible_names(self)
        style_headings(self)
        (f.usernameEdit if address else f.serverAddressEdit).setFocus()
        self.working = False
        self._new_password: str | None = None  # chosen when the server asks for one
        controller.sign_in_step.connect(self._step)

    def _submit(self) -> None:
        if self.working:
            return
        f = self.form
        url, username, password = (f.serverAddressEdit.text(), f.usernameEdit.text().strip(),
                                   f.passwordEdit.text())
        if not url.strip() or not username or not password:
            self._say("Fill in the server address, your username and your password.")
            return
        self.working = True
        self._enable(False)
        self._say("Signing in…", warning=False)
        self.controller.sign_in(url, username, password, self._done, self._new_password)

    def _step(self, text: str) -> None:
        if self.working:
            self._say(text)

    def _done(self, problem) -> None:
        self.working = False
        self._enable(True)
        if problem is None:
            self._new_password = None
            self.form.passwordEdit.clear()
            self._say("")
            self.accept()
            return
        if problem.kind == "new_password" and self._new_password is None:
            self._new_password = ask_new_password(self, str(problem))
            if self._new_password is not None:
                self._submit()  # the same sign-in, with the new password
                return
        self._new_password = None
        text = str(problem)
        if not problem.keeps_password:
            self.form.passwordEdit.clear()
            text += " (The password box has been emptied.)"
        self._say(text)
        focus = {"address": self.form.serverAddressEdit, "tls": self.form.serverAddressEdit,
                 "unreachable": self.form.serverAddressEdit}.get(problem.kind, self.form.passwordEdit)
        focus.setFocus()

    def _say(self, text: str, warning: bool = True) -> None:
        show_message(self.form.signInMessage, text, warning=warning)

    def _enable(self, enabled: bool) -> None:
        f = self.form
        for widget in (f.serverAddressEdit, f.usernameEdit, f.passwordEdit, self.sign_in_button):
            widget.setEnabled(enabled)


class ConflictsModel(QAbstractTableModel):
    """The versions sync kept aside, one row per item (a refused signing is one row)."""

    HEADERS = ("Record", "What happened", "Why", "When")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.items: list[ConflictItem] = []

    @property
    def conflicts(self) -> list["Conflict"]:
        """The main kept version of each row."""
        return [item.main for item in self.items]

    def set_conflicts(self, items: "list[ConflictItem] | list[Conflict]") -> None:
        self.beginResetModel()
        self.items = [item if isinstance(item, ConflictItem) else ConflictItem((item,)) for item in items]
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def cell(self, item: ConflictItem, column: int) -> str:
        conflict = item.main
        if column == 0:
            return item.label or TABLE_WORDS.get(conflict.table, conflict.table)
        if column == 1:
            return what_happened(item)
        if column == 2:
            return conflict.reason
        return format_london(conflict.created_at)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        item = self.items[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.cell(item, index.column())
        if role == Qt.ItemDataRole.ToolTipRole:
            return item.main.reason
        return None


class SyncConflictsDialog(QDialog):
    """Each version sync kept aside: what happened and what differs, in words, with
    "Keep mine" (when sending it again can work), "Keep server's", and "Open the record"
    (for a refused signature: "Open to sign again", which settles it and opens the record
    where Sign is offered again). Resolving runs in the background and the list reloads."""

    def __init__(self, controller: SyncController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncConflictsDialog")
        self.controller = controller
        _inner, self.form = embed_dialog_form(self, "sync_conflicts.ui")
        f = self.form
        self.model = ConflictsModel(self)
        table = f.conflictsTable
        table.setModel(self.model)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        table.selectionModel().currentRowChanged.connect(lambda *_: self._show_selected())
        self.open_button = QPushButton("&Open the record", self)
        self.open_button.setObjectName("openRecordButton")
        self.open_button.setAccessibleName("Open the record")
        f.buttonsLayout.insertWidget(0, self.open_button)
        self.open_button.clicked.connect(self._open_record)
        f.keepMineButton.clicked.connect(lambda: self._resolve("mine"))
        f.keepServerButton.clicked.connect(lambda: self._resolve("server"))
        f.closeButton.clicked.connect(self.accept)
        ensure_accessible_names(self)
        style_headings(self)
        self.busy = True
        self._enable_buttons()
        self.reload()

    def reload(self) -> None:
        self.busy = True
        self._enable_buttons()
        self.controller.load_conflicts(self._loaded)

    def _loaded(self, items: list[ConflictItem], problem: str | None) -> None:
        self.busy = False
        self.model.set_conflicts(items)
        table = self.form.conflictsTable
        if items:
            table.setCurrentIndex(self.model.index(0, 0))
            table.setFocus()
            self._say(problem or "")
        else:
            self._say(problem or "There are no changes to choose between.", warning=bool(problem))
            self.form.closeButton.setFocus()
        self._show_selected()

    def selected_item(self) -> ConflictItem | None:
        index = self.form.conflictsTable.currentIndex()
        return self.model.items[index.row()] if index.isValid() else None

    def selected(self) -> "Conflict | None":
        item = self.selected_item()
        return item.main if item is not None else None

    def _show_selected(self) -> None:
        item = self.selected_item()
        self.form.differencesText.setPlainText(differences(item) if item else "")
        self._enable_buttons()

    def _enable_buttons(self) -> None:
        item = self.selected_item() if not self.busy else None
        f = self.form
        f.keepServerButton.setEnabled(item is not None)
        mine = item is not None and can_keep_mine(item.main)
        f.keepMineButton.setEnabled(mine)
        f.keepMineButton.setToolTip(keep_mine_refusal(item) if item is not None else "")
        signing = item is not None and item.signing
        self.open_button.setText("&Open to sign again" if signing else "&Open the record")
        self.open_button.setAccessibleName("Open the record to sign it again" if signing else "Open the record")
        self.open_button.setEnabled(item is not None and open_target(item) is not None)
        self.open_button.setToolTip(
            "Puts the signature aside for good and opens the record, where you can sign it again."
            if signing else "Opens the record in the main window.")

    def _open_record(self) -> None:
        item = self.selected_item()
        if item is None or self.busy:
            return
        target = open_target(item)
        if target is None:
            return
        if not item.signing:
            self.controller.open_record_requested.emit(*target)
            self.accept()  # the record opens in the window behind
            return
        # the signature cannot be sent again: the server's version stands (it is in place),
        # and the record opens where Sign is offered again
        self.busy = True
        self._enable_buttons()
        self._say("Opening the record to sign it again…", warning=False)

        def done(problem: str | None) -> None:
            self.busy = False
            if problem is not None:
                self._say(problem)
                self._enable_buttons()
                return
            self.controller.open_record_requested.emit(*target)
            self.accept()

        self.controller.resolve(item.ids, "server", done)

    def _resolve(self, keep: str) -> None:
        item = self.selected_item()
        if item is None or self.busy:
            return
        self.busy = True
        self._enable_buttons()
        self._say("Keeping your version…" if keep == "mine" else "Keeping the server's version…",
                  warning=False)

        def done(problem: str | None) -> None:
            self.busy = False
            if problem is not None:
                self._say(problem)
                self._enable_buttons()
                return
            self.reload()

        self.controller.resolve(item.ids, keep, done)

    def _say(self, text: str, warning: bool = True) -> None:
        show_message(self.form.messageLabel, text, warning=warning)

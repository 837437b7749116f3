"""The first-run page: what a profile with nobody in it shows instead of the people list.

Two ways on: "Connect to your organisation" (server address, pre-filled when IT set one;
username; password) or "Explore the demo". Signing in runs, one job after another on the
sync controller's own thread (never the GUI thread): a check that the address is a sync
server this computer trusts, the sign-in, the person's signing key and its certificate, and
the first sync; the page says each step in words with a progress bar. Then ``finished``
carries the person's staff id, and the window attaches their pages (``gui.app``).

Anything that goes wrong is said in words on the page, and what was typed stays (a refused
password is emptied, and the message says so).

The same page, with "Choose from the people on this computer", is where a person lands who
cancels the people list of a profile that has people: they can still sign in.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QWidget

from ..client_settings import ClientSettings, load_client_settings, normalise_address
from .accessibility import ensure_accessible_names, style_headings
from .forms import embed_form
from .sync_panel import SyncController
from .window_forms import FirstRunForm

if TYPE_CHECKING:
    from ..store.database import Database

WELCOME, CONNECT = 0, 1
FORM_WIDTH_CHARS = 72  # a comfortable line for the explanations, at any text size


class FirstRunPage(QWidget):
    """Welcome, then the connect form; see the module's note."""

    finished = Signal(str)  # staff id: signed in, first sync done, engine closed
    demo_requested = Signal()
    choose_local_requested = Signal()

    def __init__(self, db: "Database", *, settings: ClientSettings | None = None,
                 has_people: bool = False, controller: SyncController | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstRunPage")
        self.setAccessibleName("Welcome")
        self.db = db
        self.controller = controller or SyncController(db, parent=self)
        self.controller.setParent(self)
        self.state = "welcome"
        self._new_password: str | None = None  # chosen when the server asks for one
        self.staff_id: str | None = None
        self.received = 0
        self._released = False

        column = QWidget(self)
        column.setObjectName("firstRunColumn")
        column.setMaximumWidth(self.fontMetrics().averageCharWidth() * FORM_WIDTH_CHARS)
        row = QHBoxLayout(self)
        row.addStretch(1)
        row.addWidget(column, 4)
        row.addStretch(1)
        self.form = f = FirstRunForm(embed_form(column, "first_run.ui").widget)

        f.chooseLocalButton.setVisible(has_people)
        if has_people:
            f.welcomeExplain.setText(
                "Choose yourself from the people on this computer, or sign in to your "
                "organisation's server with the username and password IT gave you (your "
                "records then come to this computer). The demo shows made-up people and "
                "records, kept apart from your own.")
        f.firstSyncProgress.setRange(0, 0)  # how much there is to receive is not known ahead
        f.firstSyncProgress.setVisible(False)
        f.connectButton.clicked.connect(self.show_connect)
        f.demoButton.clicked.connect(self.demo_requested.emit)
        f.chooseLocalButton.clicked.connect(self.choose_local_requested.emit)
        f.backButton.clicked.connect(self.show_welcome)
        f.signInButton.clicked.connect(self._submit)
        f.signInButton.setDefault(True)
        for edit in (f.serverAddressEdit, f.usernameEdit, f.passwordEdit):
            edit.returnPressed.connect(self._submit)
        self._fill_address(settings if settings is not None else load_client_settings())

        c = self.controller
        c.sign_in_step.connect(self._step)
        c.signed_in.connect(self._signed_in)
        c.progress_changed.connect(self._progress)
        c.sync_finished.connect(self._synced)
        ensure_accessible_names(self)
        style_headings(self)
        f.connectButton.setFocus()

    # -- pages -------------------------------------------------------------------------------

    def _fill_address(self, settings: ClientSettings) -> None:
        self.settings = settings
        self.form.serverAddressEdit.setText(settings.server_url)
        self.form.serverAddressEdit.textChanged.connect(self._address_note)
        self._address_note(settings.server_url)

    def _address_note(self, text: str) -> None:
        """Under the address: where it came from, or IT's address once it was changed."""
        settings = self.settings
        if settings.server_url and text == settings.server_url:
            note = f"Filled in from {settings.source}."
        elif settings.server_url:
            note = f"IT set {settings.server_url} for this computer ({settings.source})."
        else:
            note = settings.problem or "Ask IT for the address if you do not have it."
        label = self.form.addressSourceLabel
        label.setText(note)
        label.setAccessibleDescription(note)

    def show_connect(self) -> None:
        f = self.form
        f.firstRunStack.setCurrentIndex(CONNECT)
        if self.state == "welcome":
            self.state = "form"
        for edit in (f.serverAddressEdit, f.usernameEdit, f.passwordEdit):
            if not edit.text():
                edit.setFocus()
                return
        f.signInButton.setFocus()

    def show_welcome(self) -> None:
        if self.busy:
            return
        self.form.firstRunStack.setCurrentIndex(WELCOME)
        self.form.connectButton.setFocus()

    def say_welcome(self, text: str) -> None:
        """A word on the welcome page (the demo opening, or why it did not)."""
        self.form.welcomeMessage.setText(text)
        self.form.welcomeMessage.setAccessibleDescription(text)

    def enable_welcome(self, enabled: bool) -> None:
        f = self.form
        for button in (f.connectButton, f.demoButton, f.chooseLocalButton):
            button.setEnabled(enabled)

    @property
    def busy(self) -> bool:
        return self.state in ("signing_in", "syncing", "done")

    # -- signing in ----------------------------------------------------------------------------

    def _submit(self) -> None:
        f = self.form
        if self.busy:
            return
        if self.state == "sync_failed":  # signed in already: only the sync is left to do
            self._start_sync_again()
            return
        try:
            address = normalise_address(f.serverAddressEdit.text())
        except ValueError as wrong:
            self._problem(str(wrong), f.serverAddressEdit)
            return
        if address != f.serverAddressEdit.text():
            f.serverAddressEdit.setText(address)  # what will be used, https:// and all
        if not f.usernameEdit.text().strip():
            self._problem("Type your username.", f.usernameEdit)
            return
        if not f.passwordEdit.text():
            self._problem("Type your password.", f.passwordEdit)
            return
        self.state = "signing_in"
        self._working(True)
        self._say("Checking the server address…")
        self.controller.sign_in(address, f.usernameEdit.text().strip(), f.passwordEdit.text(),
                                self._signed_in_or_not, self._new_password)

    def _step(self, text: str) -> None:
        if self.state == "signing_in":
            self._say(text)

    def _signed_in_or_not(self, problem: Any) -> None:
        f = self.form
        if problem is None:
            f.passwordEdit.clear()  # not needed again; the sign-in is in the keyring
            self.state = "syncing"
            self._say("Signed in. Receiving your records…")
            return
        self.state = "form"
        self._working(False)
        if problem.kind == "new_password" and self._new_password is None:
            from .sync_panel import ask_new_password  # IT's one-time password: choose one's own

            self._new_password = ask_new_password(self, str(problem))
            if self._new_password is not None:
                self._submit()
                return
        self._new_password = None
        text = str(problem)
        if not problem.keeps_password:
            f.passwordEdit.clear()
            text += " (The password box has been emptied: type it again.)"
        focus = (f.serverAddressEdit if problem.kind in ("address", "tls", "unreachable")
                 else f.usernameEdit if problem.kind == "disabled" else f.passwordEdit)
        self._problem(text, focus)

    def _signed_in(self, staff_id: str) -> None:
        self.staff_id = staff_id

    def _progress(self, progress) -> None:
        if self.state != "syncing":
            return
        if progress.phase == "pull":
            self.received = progress.done
            self._say(f"Signed in. Receiving your records: {progress.done:,} received so far…")
        else:
            self._say(f"Signed in. Sending changes from this computer: {progress.done:,} sent…")

    def _synced(self, report, error) -> None:
        if self.state != "syncing":
            return
        f = self.form
        if error is not None:
            self.state = "sync_failed"
            self._working(False)
            f.signInButton.setText("&Try again")
            f.signInButton.setAccessibleName("Try the first sync again")
            self._problem("You are signed in, but the first sync did not finish: "
                          f"{_words(error)} What has arrived is kept; press Try again.",
                          f.signInButton)
            return
        self.state = "done"
        count = report.pulled if report is not None else self.received
        self._say(f"Your records are here ({count:,} received). Opening your home page…")
        self.release(lambda: self.finished.emit(self.staff_id or ""))

    def _start_sync_again(self) -> None:
        self.state = "syncing"
        self._working(True)
        self._say("Receiving your records…")
        self.controller.sync_now()

    # -- the engine ------------------------------------------------------------------------

    def release(self, then: Callable[[], None] | None = None) -> None:
        """Close this page's sync engine off the GUI thread (the window makes its own once
        the pages are attached), then call ``then`` on the GUI thread."""
        if self._released:
            if then is not None:
                then()
            return
        self._released = True
        controller = self.controller

        def work():
            if controller.client is not None:
                controller.client.close()  # waits for its WAL housekeeping

        controller._run(work, lambda _r, _e: then() if then is not None else None)

    def shutdown(self) -> None:
        """The window is closing: let a running job end (a sync cut short resumes later)."""
        self.controller.shutdown()

    # -- words ------------------------------------------------------------------------------

    def _working(self, working: bool) -> None:
        f = self.form
        f.firstSyncProgress.setVisible(working)
        for widget in (f.serverAddressEdit, f.usernameEdit, f.passwordEdit, f.backButton,
                       f.signInButton):
            widget.setEnabled(not working)
        if self.state == "sync_failed":
            for edit in (f.serverAddressEdit, f.usernameEdit, f.passwordEdit):
                edit.setEnabled(False)  # signed in: only "Try again" makes sense now

    def _say(self, text: str) -> None:
        label = self.form.signInMessage
        label.setText(text)
        label.setAccessibleDescription(text)
        label.setStyleSheet("")

    def _problem(self, text: str, focus: QWidget) -> None:
        self._say(text)
        self.form.signInMessage.setStyleSheet("color: #8a1c00;")
        focus.setFocus(Qt.FocusReason.OtherFocusReason)


def _words(error: BaseException) -> str:
    from .sync_panel import _words as sync_words

    return sync_words(error)

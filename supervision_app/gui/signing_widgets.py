"""What the dialogs that sign a record themselves (an addendum, a supervision agreement)
share: signing in the task runner's write queue with the dialog's buttons off meanwhile,
and a refusal shown in words."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, cast

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from .accessibility import announce
from .tasks import user_message

if TYPE_CHECKING:
    from .main_window import AppContext


class SigningDialog:
    """A mixin for a dialog (listed before QDialog) with ``saveButton``, ``signButton``,
    ``closeButton``, ``messageLabel`` and ``changed`` and ``loaded`` signals (tests wait on
    ``loaded``)."""

    # the dialog's own attributes, named as the dialogs (and their tests) name widgets
    ctx: AppContext
    saveButton: QPushButton  # noqa: N815
    signButton: QPushButton  # noqa: N815
    closeButton: QPushButton  # noqa: N815
    messageLabel: QLabel  # noqa: N815
    loaded: SignalInstance
    changed: SignalInstance
    _load: Callable[[], None]  # reads the record again, as the dialog shows it
    save: Callable[..., None]  # saves the draft; its ``then`` runs once it is saved

    def _say(self, text: str) -> None:
        """The message line, announced: a screen reader does not hear a label change by
        itself (issue 19: a status message is announced)."""
        self.messageLabel.setText(text)
        announce(self.messageLabel, text)

    def _draft_saved(self, message: str, then: Callable[[], None] | None) -> None:
        """After the draft is saved: say so, and go on with ``then`` (signing it)."""
        self._say(message)
        self.changed.emit()
        if then is not None:
            then()
        else:
            self.loaded.emit()

    def _confirm_then_sign(self, question: tuple[str, str, str], sign_text: str, *, save_first: bool,
                           sign: Callable[[], None]) -> None:
        """Ask before signing (``question``: the box's title, question and what signing
        keeps; Cancel is the default); a draft the signer may still edit is saved first
        (the dialog's ``save(then=...)``), and ``sign`` runs once it is."""
        from .signing import confirm  # gui.signing builds its own dialogs on this module

        title, text, detail = question
        if not confirm(cast(QWidget, self), title, text, detail, sign_text):
            return
        if save_first:
            self.save(then=sign)
        else:
            sign()

    def _sign_in_background(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """Run ``work`` (the signing: key, PDF, signature) off the GUI thread, then ``done``
        with its result; the buttons stay off until it has finished either way."""
        self._busy(True)

        def finished(result: Any) -> None:
            self._busy(False)
            done(result)

        def failed(error: BaseException) -> None:
            self._busy(False)
            self._failed(error)

        self.ctx.tasks.write_unit(work, finished, failed)

    def _sign_then_reload(self, work: Callable[[], Any]) -> None:
        """Sign with ``work`` in the background; then say so, tell whoever listens on
        ``changed`` and read the record again (now signed, perhaps locked)."""
        def done(_result: Any) -> None:
            self._say("Signed.")
            self.changed.emit()
            self._load()

        self._sign_in_background(work, done)

    def _busy(self, busy: bool) -> None:
        for b in (self.saveButton, self.signButton, self.closeButton):
            b.setEnabled(not busy)
        if busy:
            self._say("Signing… this takes a few seconds.")

    def _failed(self, error) -> None:
        self._say(user_message(error))
        self.loaded.emit()

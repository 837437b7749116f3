"""Sharing a draft with the supervisee (refused while a field needs correcting, asked first
when it records nothing) and withdrawing it again."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QMessageBox

from ..domain.vocabulary import RecordState
from ..store import supervision_records as sr
from .questions import question
from .tasks import user_message

if TYPE_CHECKING:
    from ..store import queries
    from .editor_host import EditorHost


class Sharing:
    def __init__(self, host: EditorHost, looks_empty: Callable[[], bool]) -> None:
        """``looks_empty()``: nothing is recorded that a supervisee could agree to."""
        self._host = host
        self._looks_empty = looks_empty
        self._banner = False  # the message line says why sharing was refused
        self.question: QMessageBox | None = None  # "Share a record with nothing in it?"
        host.form.shareButton.clicked.connect(lambda: self.share())
        host.form.withdrawButton.clicked.connect(self.withdraw)

    def show(self, d: queries.SessionDetail) -> None:
        f = self._host.form
        f.shareButton.setVisible(d.can_share or (d.can_edit and d.state == RecordState.DRAFT))
        f.withdrawButton.setVisible(d.can_withdraw)

    def field_corrected(self) -> None:
        """An entry was accepted: the message saying why sharing was refused goes once no
        field needs correcting."""
        if self._banner and self._host.errors.first_invalid() is None:
            self._banner = False
            self._host.message("")

    def share(self, confirmed: bool = False) -> None:
        host = self._host
        host.message("")
        invalid = host.errors.first_invalid()
        if invalid is not None:
            host.message("Some fields need correcting before this record can be shared: "
                         + host.errors.message_for(invalid))
            self._banner = True  # until the field is put right
            host.form.scrollArea.ensureWidgetVisible(invalid)
            invalid.setFocus()
            return
        if not confirmed and self._looks_empty():
            self._ask_share_empty()
            return
        actor, sid = host.ctx.actor, host.session_id

        def failed(error: BaseException) -> None:
            if isinstance(error, sr.SharingBlocked):
                host.message(str(error))
                self._banner = True  # until the fields it points to are put right
                host.go_to(error.problems[0].where, error.problems[0].message)
            else:
                host.message(user_message(error))

        def shared(_result: object) -> None:
            host.reload()
            host.ctx.notify("Shared with the supervisee.")

        host.autosaver.flush(lambda: host.ctx.tasks.write(
            lambda s: sr.share_session(s, actor, sid), shared, failed))

    def _ask_share_empty(self) -> None:
        """No child discussed, no workload and no wellbeing: shared like that, the
        supervisee is asked to agree to a record of nothing (one click did it)."""
        host = self._host
        box, buttons = question(
            host.page, name="shareEmptyQuestion", title="Share a record with nothing in it?",
            text="This record has no case discussions, no workload and no wellbeing notes.",
            detail="Share it as it is only if the session covered none of these. Otherwise keep "
                   "writing, and share it when it says what was discussed.",
            answers={"shareAnywayButton": ("Share as it is", QMessageBox.ButtonRole.AcceptRole),
                     "keepWritingButton": ("Keep writing", QMessageBox.ButtonRole.RejectRole)},
            safe="keepWritingButton")
        share = buttons["shareAnywayButton"]

        def answered(button: QAbstractButton) -> None:
            if button is share:
                self.share(confirmed=True)
            else:
                host.form.childSearchEdit.setFocus()

        box.buttonClicked.connect(answered)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.question = box

    def withdraw(self) -> None:
        host = self._host
        actor, sid = host.ctx.actor, host.session_id
        host.structural(lambda s: sr.withdraw_session(s, actor, sid))

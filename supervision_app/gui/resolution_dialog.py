"""Record how a supervisee's disagreement was resolved (DESIGN.md §2): a dialog for the
manager above the supervisor, opened from the flag on the team page or from the record.

The dialog reads the record first (an audited view: the manager reads the disagreement
before answering it), then writes the resolution through
``supervision_records.resolve_disagreement`` in the write queue. What is typed stays on
screen whatever goes wrong.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog

from ..domain.text_rules import InvalidInput, clean_text
from ..domain.time_rules import format_london, london
from ..store import queries, supervision_records as sr
from .accessibility import ensure_accessible_names, show_message, style_headings
from .forms import embed_dialog_form
from .tasks import user_message
from .widgets import InlineErrors
from .window_forms import ResolutionForm

if TYPE_CHECKING:
    from .main_window import AppContext


class ResolutionDialog(QDialog):
    """``resolved`` is emitted once the resolution is stored."""

    resolved = Signal(str)  # the supervision record's id
    loaded = Signal()

    def __init__(self, ctx: AppContext, session_id: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("ResolutionDialog")
        self.ctx = ctx
        self.session_id = session_id
        self.detail: queries.SessionDetail | None = None
        self.inner, _untyped = embed_dialog_form(self, "resolution_dialog.ui")
        self.form = ResolutionForm(self.inner)
        f = self.form
        self.setAccessibleName(self.inner.windowTitle())
        self.resize(self.inner.width(), self.sizeHint().height())
        self.errors = InlineErrors(f.messageLabel)
        f.recordButton.clicked.connect(self.record)
        f.cancelButton.clicked.connect(self.reject)
        f.noteEdit.textChanged.connect(lambda: self.errors.clear(f.noteEdit))
        self._busy = False
        ensure_accessible_names(self)
        style_headings(self)
        lines = f.noteEdit.fontMetrics().lineSpacing()
        f.disagreementView.setMinimumHeight(lines * 4 + 14)  # both grow with the dialog
        f.noteEdit.setMinimumHeight(lines * 6 + 14)
        f.noteEdit.setFocus()
        actor = ctx.actor
        ctx.tasks.write(lambda s: queries.session_detail(s, actor, session_id), self._show,
                        self._load_failed)

    # ------------------------------------------------------------------ loading

    def _show(self, d: queries.SessionDetail) -> None:
        f = self.form
        self.detail = d
        when = f"{london(d.held_at):%d/%m/%Y}"
        f.titleLabel.setText(f"Resolve {d.supervisee_name}'s disagreement")
        f.recordLabel.setText(f"Supervision of {d.supervisee_name} on {when}, recorded by "
                              f"{d.supervisor_name} ({d.state.label.lower()}).")
        f.disagreementView.setPlainText(d.disagreement)
        if d.resolutions:
            first = d.resolutions[0]
            self._message(f"Already resolved by {first.resolved_by_name} "
                          f"{format_london(first.resolved_at)}: {first.note}")
            f.noteEdit.setReadOnly(True)
            f.cancelButton.setText("Close")
            f.cancelButton.setAccessibleName("Close")
        elif not d.can_resolve:
            self._message("You cannot record a resolution on this record: a disagreement is "
                          "resolved by a manager above the supervisor.")
            f.noteEdit.setReadOnly(True)
        else:
            f.recordButton.setEnabled(True)
        self.loaded.emit()

    def _load_failed(self, error) -> None:
        self.form.recordLabel.setText("")
        self._message(user_message(error))
        self.loaded.emit()

    def _message(self, text: str) -> None:
        show_message(self.form.messageLabel, text)

    # ------------------------------------------------------------------ recording

    def record(self) -> None:
        f = self.form
        if self._busy or self.detail is None or not self.detail.can_resolve:
            return
        try:
            note = clean_text(sr.RESOLUTION_NOTE, f.noteEdit.toPlainText())
            if not note.strip():
                raise InvalidInput("Say how the disagreement was resolved: what was agreed or "
                                   "decided, and with whom.")
        except InvalidInput as problem:
            self.errors.show(f.noteEdit, str(problem))
            f.noteEdit.setFocus()
            return
        self.errors.clear(f.noteEdit)
        self._set_busy(True)
        actor, sid = self.ctx.actor, self.session_id

        def done(_resolution_id) -> None:
            self._set_busy(False)
            name = self.detail.supervisee_name if self.detail else "the supervisee"
            self.ctx.notify(f"Resolution recorded; {name}'s disagreement is no longer flagged.")
            self.resolved.emit(sid)
            self.accept()

        def failed(error) -> None:
            self._set_busy(False)
            self.errors.show(f.noteEdit, user_message(error))  # what was typed stays
            f.noteEdit.setFocus()
            self.loaded.emit()

        self.ctx.tasks.write(lambda s: sr.resolve_disagreement(s, actor, sid, note=note),
                             done, failed)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.form.recordButton.setEnabled(not busy)
        self.form.cancelButton.setEnabled(not busy)

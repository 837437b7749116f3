"""The management-oversight note editor (a dialog over the child page), autosaved like a
supervision record."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog

from ..domain.text_rules import InvalidInput, clean_text
from ..domain.time_rules import format_date, format_london, london_date
from ..domain.vocabulary import OversightTrigger
from ..store import queries
from ..store import supervision_records as sr
from .accessibility import ensure_accessible_names, style_headings
from .autosave import Autosaver
from .forms import embed_dialog_form
from .tasks import user_message
from .widgets import ActionsPanel, InlineErrors, optional_date
from ..domain.text_rules import check_order


class OversightNoteDialog(QDialog):
    """Open an existing note (``note_id``) or start one on a child (``child_id``)."""

    changed = Signal()
    loaded = Signal()

    def __init__(self, ctx, *, note_id: str | None = None, child_id: str | None = None, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("OversightNoteDialogWindow")
        self.ctx = ctx
        self.note_id = note_id
        self.detail: queries.NoteDetail | None = None
        self.inner, self.form = embed_dialog_form(self, "oversight_note.ui")
        f = self.form
        self.errors = InlineErrors(f.messageLabel)
        self.autosaver = Autosaver(ctx.tasks, ctx.actor, self)
        self.autosaver.state_changed.connect(f.saveStateLabel.setText)
        self.autosaver.refused.connect(lambda _k, _i, field, msg: self.errors.show(self._widgets[field], msg))
        for t in OversightTrigger:
            f.triggerCombo.addItem(t.label, t.value)
        self._widgets = {"trigger": f.triggerCombo, "decision": f.decisionEdit,
                         "rationale": f.rationaleEdit, "next_review_on": f.reviewDateEdit}
        self._loading = False
        self.panel: ActionsPanel | None = None
        f.triggerCombo.currentIndexChanged.connect(lambda _i: self._changed("trigger"))
        f.decisionEdit.textChanged.connect(lambda: self._changed("decision"))
        f.rationaleEdit.textChanged.connect(lambda: self._changed("rationale"))
        f.reviewDateEdit.textChanged.connect(lambda _t: self._changed("next_review_on"))
        f.closeButton.clicked.connect(self.accept)
        f.signNoteButton.clicked.connect(self.sign)
        f.signaturesButton.clicked.connect(self.show_signatures)
        f.addendumButton.clicked.connect(self.add_addendum)
        for b in (f.signNoteButton, f.signaturesButton, f.addendumButton):
            b.setVisible(False)
        self.sub_dialog = None
        ensure_accessible_names(self)
        style_headings(self)
        if note_id is not None:
            self.reload()
        else:
            actor = ctx.actor
            ctx.tasks.write(lambda s: sr.create_oversight_note(s, actor, child_id=child_id,
                                                               trigger=OversightTrigger.PLAN_REVIEW),
                            self._created, self._failed)

    def _created(self, note_id: str) -> None:
        self.note_id = note_id
        self.changed.emit()
        self.reload()

    def _failed(self, error) -> None:
        self.form.messageLabel.setText(user_message(error))
        self.form.messageLabel.setVisible(True)

    def reload(self) -> None:
        actor, note_id = self.ctx.actor, self.note_id
        self.autosaver.flush(lambda: self.ctx.tasks.write(
            lambda s: queries.oversight_note_detail(s, actor, note_id), self._show, self._failed))

    def _show(self, d: queries.NoteDetail) -> None:
        f = self.form
        self.detail = d
        self._loading = True
        f.titleLabel.setText(f"Management oversight: {d.child_label}")
        self.setWindowTitle(f"Management oversight — {d.child_label}")
        f.triggerCombo.setCurrentIndex(f.triggerCombo.findData(d.trigger.value))
        if f.decisionEdit.toPlainText() != d.decision:
            f.decisionEdit.setPlainText(d.decision)
        if f.rationaleEdit.toPlainText() != d.rationale:
            f.rationaleEdit.setPlainText(d.rationale)
        if f.reviewDateEdit.text() != format_date(d.next_review_on):
            f.reviewDateEdit.setText(format_date(d.next_review_on))
        f.saveStateLabel.setText(f"Recorded {format_london(d.recorded_at)} by {d.author_name} · {d.state.label}")
        for w in (f.decisionEdit, f.rationaleEdit, f.reviewDateEdit):
            w.setReadOnly(not d.can_edit)
        f.triggerCombo.setEnabled(d.can_edit)
        self._loading = False
        actor, note_id = self.ctx.actor, self.note_id
        if self.panel is None:
            self.panel = ActionsPanel(
                f.actionsHost, name="Actions from this note", owners=d.owners, default_owner=None,
                on_add=lambda desc, owner, due: self.autosaver.flush(lambda: self.ctx.tasks.write(
                    lambda s: sr.add_action(s, actor, oversight_note_id=note_id, description=desc,
                                            owner_id=owner, due_on=due),
                    lambda _r: (self.panel.clear_entry(), self.reload()), self._failed)),
                on_remove=lambda action_id: self.ctx.tasks.write(
                    lambda s: sr.remove_action(s, actor, action_id), lambda _r: self.reload(), self._failed),
                editable=d.can_edit, on_edit=self._edit_action)
            ensure_accessible_names(self)
        self.panel.set_editable(d.can_edit)
        self.panel.set_actions(d.actions)
        f.signNoteButton.setVisible(d.can_sign)
        f.signNoteButton.setEnabled(True)
        f.signaturesButton.setVisible(bool(d.signatures))
        f.addendumButton.setVisible(d.can_add_addendum)
        if d.signatures:
            from .signing import signed_summary

            f.saveStateLabel.setText(signed_summary(d.signatures) + " · Locked"
                                     + (f" · {len(d.addenda)} addend{'a' if len(d.addenda) != 1 else 'um'}"
                                        if d.addenda else ""))
        self.loaded.emit()

    def _edit_action(self, action_id: str, field: str, value) -> None:
        actor, panel = self.ctx.actor, self.panel
        self.autosaver.flush(lambda: self.ctx.tasks.write(
            lambda s: sr.update_action(s, actor, action_id, {field: value}),
            lambda _r: panel.edited(action_id, field, value),
            lambda error: panel.edit_failed(user_message(error))))

    def sign(self) -> None:
        from . import signing

        d = self.detail
        if d is None or not d.can_sign:
            return
        if not signing.confirm(self, "Sign the oversight note", f"Sign and lock this oversight note on {d.child_label}?",
                               "Signing locks the note: nobody can change it afterwards, and corrections "
                               "can only be made by a signed addendum. Your name, the time and a "
                               "fingerprint of exactly what you sign are stored with it and in its "
                               "signed PDF.", "Sign and &lock"):
            return
        f, ctx, note_id = self.form, self.ctx, self.note_id
        f.signNoteButton.setEnabled(False)
        f.messageLabel.setText("Signing… this takes a few seconds.")
        f.messageLabel.setVisible(True)

        def work():
            from ..records.signoff import sign_oversight_note

            store = signing.ensure_credentials(ctx)
            return sign_oversight_note(ctx.db, store, note_id=note_id, signer_id=ctx.actor.staff_id)

        def done(_result):
            f.messageLabel.setVisible(False)
            self.changed.emit()
            self.reload()

        self.autosaver.flush(lambda: ctx.tasks.write_unit(work, done, self._failed_sign))

    def _failed_sign(self, error) -> None:
        self.form.signNoteButton.setEnabled(True)
        self._failed(error)

    def show_signatures(self) -> None:
        from .signing import SignaturesDialog

        d = self.detail
        self.sub_dialog = SignaturesDialog(self.ctx, "oversight_note", d.note_id,
                                           f"oversight note on {d.child_label}", parent=self)
        self.sub_dialog.setModal(True)
        self.sub_dialog.show()

    def add_addendum(self) -> None:
        from .signing import AddendumDialog

        d = self.detail
        self.sub_dialog = AddendumDialog(self.ctx, "oversight_note", d.note_id,
                                         f"the oversight note on {d.child_label}", parent=self)
        self.sub_dialog.changed.connect(self.reload)
        self.sub_dialog.setModal(True)
        self.sub_dialog.show()

    def _changed(self, field: str) -> None:
        if self._loading or self.note_id is None:
            return
        f = self.form
        widget = self._widgets[field]
        try:
            if field == "trigger":
                value = f.triggerCombo.currentData()
            elif field == "next_review_on":
                value = optional_date("Next review", f.reviewDateEdit.text())
                if value is not None and self.detail is not None:
                    check_order("the date of this note", london_date(self.detail.recorded_at), "Next review", value)
            else:
                value = clean_text(field.capitalize(), widget.toPlainText())
        except InvalidInput as problem:
            self.autosaver.discard("note", self.note_id, field)
            self.errors.show(widget, str(problem))
            return
        self.errors.clear(widget)
        self.autosaver.queue("note", self.note_id, field, value)

    def done(self, result: int) -> None:  # noqa: D401 - Qt override
        self.autosaver.close()
        self.changed.emit()
        super().done(result)

"""The management-oversight note editor (a dialog over the child page), autosaved like a
supervision record.

A new note is stored when its author first writes something in it (or adds an action), not
when the dialog opens: a note opened and closed untouched leaves nothing behind, on this
computer or, through the sync outbox, on the server. Until then the form shows what the
note would be (child, owners, whether they may sign) from a creation that is rolled back.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QMessageBox, QPlainTextEdit, QWidget

from ..domain.text_rules import InvalidInput, check_order, clean_text
from ..domain.time_rules import format_date, format_london, london_date
from ..domain.vocabulary import OversightTrigger
from ..store import queries, supervision_records as sr
from .accessibility import ensure_accessible_names, show_message, style_headings
from .autosave import Autosaver
from .forms import embed_dialog_form
from .tasks import user_message
from .widgets import ActionsPanel, InlineErrors, optional_date, set_read_only
from .window_forms import OversightNoteForm

if TYPE_CHECKING:
    from .main_window import AppContext

NEEDED_TO_SIGN = {
    "decision": "Write the decision before signing: a note is signed with what was decided.",
    "rationale": "Write the rationale before signing: a note is signed with why it was decided.",
}


class OversightNoteDialog(QDialog):
    """Open an existing note (``note_id``) or start one on a child (``child_id``)."""

    changed = Signal()
    loaded = Signal()

    def __init__(self, ctx: AppContext, *, note_id: str | None = None, child_id: str | None = None,
                 parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("OversightNoteDialogWindow")
        self.ctx = ctx
        self.note_id = note_id
        self.child_id = child_id
        self.detail: queries.NoteDetail | None = None
        self.inner, _untyped = embed_dialog_form(self, "oversight_note.ui")
        self.form = OversightNoteForm(self.inner)
        f = self.form
        self.errors = InlineErrors(f.messageLabel)
        self._rejected: set[QWidget] = set()  # fields showing input that was refused, so not saved
        self._banner_about: set[QWidget] = set()  # fields whose putting right ends the banner's message
        self._unsaved: dict[str, Any] = {}  # a new note's fields, until it is stored
        self._creating = False
        self._after_create: list[Callable[[], None]] = []
        self._closed = False
        self.autosaver = Autosaver(ctx.tasks, ctx.actor, self)
        self.autosaver.state_changed.connect(f.saveStateLabel.setText)
        self.autosaver.refused.connect(lambda _k, _i, field, msg: self._reject(self._widgets[field], msg))
        for t in OversightTrigger:
            f.triggerCombo.addItem(t.label, t.value)
        self._widgets: dict[str, QWidget] = {"trigger": f.triggerCombo, "decision": f.decisionEdit,
                         "rationale": f.rationaleEdit, "next_review_on": f.reviewDateEdit}
        self._texts: dict[str, QPlainTextEdit] = {"decision": f.decisionEdit, "rationale": f.rationaleEdit}
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
        for w in (f.decisionEdit, f.rationaleEdit, f.reviewDateEdit):
            set_read_only(w, True)  # until loaded: what was typed before would not be saved
        f.triggerCombo.setEnabled(False)
        self.sub_dialog: QDialog | None = None  # signatures or an addendum, while open
        ensure_accessible_names(self)
        style_headings(self)
        if note_id is not None:
            self.reload()
        else:
            actor = ctx.actor

            def preview(s):  # the note as it would be, then rolled back: nothing is stored
                detail = queries.oversight_note_detail(s, actor, sr.create_oversight_note(
                    s, actor, child_id=child_id, trigger=OversightTrigger.PLAN_REVIEW))
                s.rollback()
                return detail

            ctx.tasks.write(preview, self._show, self._failed)

    # ------------------------------------------------------------------ a new note

    def _with_note(self, then: Callable[[], None]) -> None:
        """``then()`` once the note is stored: at once for a stored note, otherwise after
        storing it with what has been written so far."""
        if self.note_id is not None:
            then()
            return
        self._after_create.append(then)
        if self._creating or self.child_id is None:
            return
        self._creating = True
        fields = {"trigger": self.form.triggerCombo.currentData(), **self._unsaved}
        actor, child_id = self.ctx.actor, self.child_id
        self.form.saveStateLabel.setText("Saving…")
        self.ctx.tasks.write(lambda s: sr.create_oversight_note(s, actor, child_id=child_id, **fields),
                             lambda note_id: self._created(note_id, fields), self._create_failed)

    def _created(self, note_id: str, stored: dict[str, Any]) -> None:
        self._creating = False
        self.note_id = note_id
        for field, value in self._unsaved.items():  # written while it was being stored
            if field not in stored or stored[field] != value:
                self.autosaver.queue("note", note_id, field, value)
        self._unsaved.clear()
        self.changed.emit()
        waiting, self._after_create = self._after_create, []
        for then in waiting:
            then()
        if self._closed:
            self.autosaver.flush()
        else:
            self.reload()

    def _create_failed(self, error) -> None:
        self._creating = False
        self._after_create.clear()  # what was written stays on screen; the next change retries
        self.form.saveStateLabel.setText("Not saved")
        self.form.signNoteButton.setEnabled(True)
        self._failed(error)

    def _failed(self, error) -> None:
        self._banner(user_message(error))

    def _banner(self, text: str, about: set[QWidget] | None = None) -> None:
        """The message above the form; ``about``: the fields whose change puts it right."""
        self._banner_about = set(about or ())
        show_message(self.form.messageLabel, text)

    def reload(self) -> None:
        if self.note_id is None:
            return
        actor, note_id = self.ctx.actor, self.note_id
        self.autosaver.flush(lambda: self.ctx.tasks.write(
            lambda s: queries.oversight_note_detail(s, actor, note_id), self._show, self._failed))

    def _show(self, d: queries.NoteDetail) -> None:
        f = self.form
        self.detail = d
        self._loading = True
        f.titleLabel.setText(f"Management oversight: {d.child_label}")
        self.setWindowTitle(f"Management oversight — {d.child_label}")
        if self.note_id is not None:  # a new note's form keeps what is being written
            # a field keeps what it shows if that is refused (until it is put right) or
            # still waiting to be saved
            keep = self._rejected | {self._widgets[name] for name in
                                     self.autosaver.pending.get(("note", self.note_id), {})}
            if f.triggerCombo not in keep:
                f.triggerCombo.setCurrentIndex(f.triggerCombo.findData(d.trigger.value))
            for edit, stored in ((f.decisionEdit, d.decision), (f.rationaleEdit, d.rationale)):
                if edit.toPlainText() != stored and edit not in keep:
                    edit.setPlainText(stored)
            review = format_date(d.next_review_on)
            if f.reviewDateEdit.text() != review and f.reviewDateEdit not in keep:
                f.reviewDateEdit.setText(review)
            f.saveStateLabel.setText(f"Recorded {format_london(d.recorded_at)} by {d.author_name} · {d.state.label}")
        elif not self._creating and not self._unsaved:  # a new note, untouched so far
            f.triggerCombo.setCurrentIndex(f.triggerCombo.findData(d.trigger.value))
            f.saveStateLabel.setText("New note: it is saved as soon as you write in it.")
        for w in (f.decisionEdit, f.rationaleEdit, f.reviewDateEdit):
            set_read_only(w, not d.can_edit)
        f.triggerCombo.setEnabled(d.can_edit)
        self._loading = False
        actor = self.ctx.actor
        if self.panel is None:
            self.panel = ActionsPanel(
                f.actionsHost, name="Actions from this note", owners=d.owners, default_owner=None,
                on_add=self._add_action,
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

    def _add_action(self, description: str, owner: str, due) -> None:
        """An action is something written: a new note is stored first."""
        actor = self.ctx.actor

        def added(_result: object) -> None:
            assert self.panel is not None  # the action was typed into it
            self.panel.clear_entry()
            self.reload()

        def add() -> None:
            note_id = self.note_id
            self.autosaver.flush(lambda: self.ctx.tasks.write(
                lambda s: sr.add_action(s, actor, oversight_note_id=note_id, description=description,
                                        owner_id=owner, due_on=due),
                added, self._failed))

        self._with_note(add)

    def _edit_action(self, action_id: str, field: str, value) -> None:
        actor, panel = self.ctx.actor, self.panel
        assert panel is not None  # the edit was made in it
        self.autosaver.flush(lambda: self.ctx.tasks.write(
            lambda s: sr.update_action(s, actor, action_id, {field: value}),
            lambda _r: panel.edited(action_id, field, value),
            lambda error: panel.edit_failed(user_message(error))))

    def sign(self) -> None:
        from . import signing

        d = self.detail
        if d is None or not d.can_sign or not self._ready_to_sign():
            return
        if not signing.confirm(self, "Sign the oversight note",
                               f"Sign and lock this oversight note on {d.child_label}?",
                               "Signing locks the note: nobody can change it afterwards, and corrections "
                               "can only be made by a signed addendum. Your name, the time and a "
                               "fingerprint of exactly what you sign are stored with it and in its "
                               "signed PDF.", "Sign and &lock"):
            return
        f, ctx = self.form, self.ctx
        f.signNoteButton.setEnabled(False)
        self._banner("Signing… this takes a few seconds.")

        def work(note_id):
            from ..records.signoff import sign_oversight_note

            store = signing.ensure_credentials(ctx)
            return sign_oversight_note(ctx.db, store, note_id=note_id, signer_id=ctx.actor.staff_id)

        def done(_result):
            self._banner("")
            self.changed.emit()
            self.reload()

        def start() -> None:  # once the note is stored and everything written is saved
            note_id = self.note_id
            self.autosaver.flush(lambda: ctx.tasks.write_unit(lambda: work(note_id), done, self._failed_sign))

        self._with_note(start)

    def _ready_to_sign(self) -> bool:
        """A note is signed with its decision and the rationale for it, as written. If a
        field holds something refused, or the decision or rationale is still empty, say so
        under that field (naming what is missing) and go to the first such field."""
        rejected = [w for w in self._widgets.values() if w in self._rejected]
        missing: list[QWidget] = [self._texts[name] for name in NEEDED_TO_SIGN
                                  if not self._texts[name].toPlainText().strip()]
        for name, text in NEEDED_TO_SIGN.items():
            if self._widgets[name] in missing:
                self._show_error(self._widgets[name], text)
        if not (rejected or missing):
            return True
        first = (rejected or missing)[0]
        first.setFocus()
        return False

    def _failed_sign(self, error) -> None:
        from ..domain.lifecycle import IllegalTransition

        f = self.form
        # refused as incomplete (as stored): changing the decision or rationale may put it right
        about: set[QWidget] | None = {f.decisionEdit, f.rationaleEdit} if isinstance(error, IllegalTransition) else None
        self._banner(user_message(error), about)
        f.signNoteButton.setEnabled(True)

    def show_signatures(self) -> None:
        from .signing import SignaturesDialog

        d = self.detail
        if d is None:  # the button shows once the note has loaded
            return
        dialog = SignaturesDialog(self.ctx, "oversight_note", d.note_id,
                                  f"oversight note on {d.child_label}", parent=self)
        dialog.setModal(True)
        dialog.show()
        self.sub_dialog = dialog

    def add_addendum(self) -> None:
        from .signing import AddendumDialog

        d = self.detail
        if d is None:  # the button shows once the note has loaded
            return
        dialog = AddendumDialog(self.ctx, "oversight_note", d.note_id,
                                f"the oversight note on {d.child_label}", parent=self)
        dialog.changed.connect(self.reload)
        dialog.setModal(True)
        dialog.show()
        self.sub_dialog = dialog

    def _changed(self, field: str) -> None:
        if self._loading or self.detail is None:
            return
        f = self.form
        widget = self._widgets[field]
        try:
            if field == "trigger":
                value = f.triggerCombo.currentData()
            elif field == "next_review_on":
                value = optional_date("Next review", f.reviewDateEdit.text())
                if value is not None:
                    check_order("the date of this note", london_date(self.detail.recorded_at), "Next review", value)
            else:
                value = clean_text(field.capitalize(), self._texts[field].toPlainText())
        except InvalidInput as problem:
            if self.note_id is None:
                self._unsaved.pop(field, None)
            else:
                self.autosaver.discard("note", self.note_id, field)
            self._reject(widget, str(problem))
            return
        self._clear_error(widget)
        if self.note_id is None:
            self._unsaved[field] = value
            self._with_note(lambda: None)
        else:
            self.autosaver.queue("note", self.note_id, field, value)

    # ------------------------------------------------------------------ messages

    def _reject(self, widget: QWidget, message: str) -> None:
        """What ``widget`` shows was refused, so it is not saved: say why under it."""
        self._rejected.add(widget)
        self._show_error(widget, message)

    def _show_error(self, widget: QWidget, message: str) -> None:
        self.errors.show(widget, message)
        if widget not in self.errors.labels:  # no room under it: the banner has it
            self._banner_about = {widget}

    def _clear_error(self, widget: QWidget) -> None:
        """The field is right now: its message goes, and so does a banner it puts right."""
        self._rejected.discard(widget)
        self.errors.clear(widget)
        if widget in self._banner_about:
            self._banner("")

    # ------------------------------------------------------------------ closing

    def done(self, result: int) -> None:
        rejected = [w for w in self._widgets.values() if w in self._rejected and w.isEnabled()]
        if rejected and not self._discard_rejected(rejected):
            self.activateWindow()
            rejected[0].setFocus()
            return
        self._closed = True
        if self.note_id is None and self._unsaved and not self._creating:
            self._with_note(lambda: None)  # storing it failed earlier: one more try
        self.autosaver.close()
        self.changed.emit()
        super().done(result)

    def _discard_rejected(self, fields: list[QWidget]) -> bool:
        """Closing would lose what fields hold that was refused: ask, Keep editing first."""
        from .questions import question

        names = [w.accessibleName() or "A field" for w in fields]
        if len(names) == 1:
            text = f"{names[0]} holds something that was not saved: {self.errors.message_for(fields[0])}"
        else:
            text = (", ".join(names[:-1]) + f" and {names[-1]} hold things that were not saved "
                    "(the message under each says why).")
        box, buttons = question(
            self, name="discardRejectedQuestion", title="Close the oversight note?", text=text,
            detail=f"If you close now, what is in {'that field' if len(names) == 1 else 'them'} "
                   "is lost. Everything else in the note is saved.",
            answers={"keepEditingButton": ("&Keep editing", QMessageBox.ButtonRole.RejectRole),
                     "discardButton": ("&Discard and close", QMessageBox.ButtonRole.DestructiveRole)},
            safe="keepEditingButton", icon=QMessageBox.Icon.Warning)
        box.exec()
        return box.clickedButton() is buttons["discardButton"]

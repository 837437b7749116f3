"""The supervisee's response to a shared record (comments, agreement or a disagreement that
stays on the record) and how a manager above the supervisor resolved a disagreement."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QMessageBox

from ..domain.supervisee_response import NO_RESPONSE
from ..domain.text_rules import InvalidInput, clean_text
from ..domain.time_rules import format_london
from ..domain.vocabulary import Agreement, RecordState
from ..store import supervision_records as sr
from .editor_fields import FieldBinder, show_text, text_parser
from .questions import question
from .tasks import user_message

if TYPE_CHECKING:
    from ..store import queries
    from .editor_host import EditorHost


class SuperviseeResponse:
    def __init__(self, host: EditorHost, fields: FieldBinder) -> None:
        self._host = host
        f = host.form
        f.saveResponseButton.clicked.connect(lambda: self.save())
        f.disagreeRadio.toggled.connect(self._agreement_toggled)
        f.resolveButton.clicked.connect(self.resolve)
        # comments are autosaved like the rest; agreement and disagreement are recorded by a button
        fields.bind(f.commentsEdit, "response", host.session_id, "comments", text_parser("Your comments"))

    # ------------------------------------------------------------------ showing

    def show(self, d: queries.SessionDetail) -> None:
        host = self._host
        f = host.form
        f.responseGroup.setVisible(d.state != RecordState.DRAFT or bool(d.supervisee_agreement))
        show_text(f.commentsEdit, d.supervisee_comments)
        show_text(f.disagreementEdit, d.disagreement)
        disagreed = d.supervisee_agreement == Agreement.DISAGREES.value
        f.agreeRadio.setChecked(d.supervisee_agreement == Agreement.AGREES.value)
        f.disagreeRadio.setChecked(disagreed)
        for w in (f.commentsEdit, f.disagreementEdit):
            w.setReadOnly(not d.can_respond)
        f.agreeRadio.setEnabled(d.can_respond and not disagreed)
        f.disagreeRadio.setEnabled(d.can_respond)
        f.saveResponseButton.setVisible(d.can_respond)
        self._agreement_toggled(disagreed)
        if disagreed:
            f.responseState.setText(
                "Disagreement recorded. It stays on the record, cannot be withdrawn or erased, "
                "and is flagged to the supervisor's manager. You can add to it.")
        elif d.supervisee_agreement == Agreement.AGREES.value:
            f.responseState.setText("Agreement recorded.")
        elif d.no_response:
            f.responseState.setText(f"{NO_RESPONSE}.")
        else:
            f.responseState.setText("")
        if d.can_respond and d.no_response:
            f.responseHint.setText(
                f"Your 5 working days to respond have passed, so {d.supervisor_name} can now sign "
                "this record without your response. Add your comments and say whether you agree "
                "before they do. A disagreement is kept on the record permanently and flagged to "
                "your manager's manager.")
        elif d.can_respond:
            f.responseHint.setText("Add your comments, then say whether you agree. A disagreement "
                                   "is kept on the record permanently and flagged to your "
                                   "manager's manager.")
        elif (d.state == RecordState.SUPERVISOR_SIGNED and not d.supervisee_agreement
              and host.ctx.actor.staff_id == d.supervisee_id):
            # the supervisor's signature covers the response, so none can follow it
            why = (f"You did not respond within 5 working days, so {d.supervisor_name} signed "
                   "this record without your response" if d.no_response else
                   f"{d.supervisor_name} signed this record before you responded")
            f.responseHint.setText(
                f"{why}, so comments and agreement are closed on it. If you disagree with it, you "
                "can sign and then add a signed addendum saying so, or raise it with your "
                "manager's manager.")
        else:
            f.responseHint.setText("")
        f.responseHint.setVisible(bool(f.responseHint.text()))
        self._show_resolution(d)

    def _show_resolution(self, d: queries.SessionDetail) -> None:
        """How the disagreement was resolved (by a manager above the supervisor), and the
        button for that manager while it is still open."""
        f = self._host.form
        words = [f"Resolved by {r.resolved_by_name}, {format_london(r.resolved_at)}: {r.note}"
                 for r in d.resolutions]
        if not words and d.disagreement_resolved:
            words = ["This disagreement has been marked resolved."]
        f.resolutionLabel.setText("\n\n".join(words))
        f.resolutionLabel.setVisible(bool(words))
        for w in (f.resolveHint, f.resolveButton):
            w.setVisible(d.can_resolve)
        if words and d.supervisee_agreement == Agreement.DISAGREES.value:
            f.responseState.setText("Disagreement recorded and resolved. It stays on the record.")

    def _agreement_toggled(self, disagree: bool) -> None:
        f = self._host.form
        show = disagree or bool(f.disagreementEdit.toPlainText().strip())
        f.disagreementLabel.setVisible(show)
        f.disagreementEdit.setVisible(show)

    # ------------------------------------------------------------------ commands

    def save(self, then: Callable[[], None] | None = None) -> None:
        """Record the response; ``then()`` runs once it is stored, in place of a read-back."""
        host = self._host
        f = host.form
        disagree = f.disagreeRadio.isChecked()
        if not disagree and not f.agreeRadio.isChecked():
            host.errors.show(f.agreeRadio, "Choose whether you agree or disagree.")
            f.agreeRadio.setFocus()
            return
        host.errors.clear(f.agreeRadio)
        try:
            comments = clean_text("Your comments", f.commentsEdit.toPlainText())
            disagreement = clean_text("What you disagree with", f.disagreementEdit.toPlainText()) if disagree else ""
        except InvalidInput as problem:
            host.message(str(problem))
            return
        actor, sid = host.ctx.actor, host.session_id
        agreement = Agreement.DISAGREES if disagree else Agreement.AGREES

        def failed(error: BaseException) -> None:
            target = f.disagreementEdit if disagree else f.agreeRadio
            host.errors.show(target, user_message(error))

        def recorded() -> None:
            if then is None:
                host.reload()
                return
            if host.detail is not None:  # what is now stored, without waiting to read it back
                host.detail = dataclasses.replace(host.detail, supervisee_agreement=agreement.value,
                                                  disagreement=disagreement, supervisee_comments=comments)
            then()

        host.autosaver.flush(lambda: host.ctx.tasks.write(
            lambda s: sr.respond(s, actor, sid, comments=comments, agreement=agreement,
                                 disagreement=disagreement),
            lambda _r: recorded(), failed))

    def has_unrecorded(self) -> bool:
        """Agreement chosen, or disagreement written, but "Record my response" not pressed.
        Unlike comments these are not autosaved: recording a disagreement is a deliberate act
        that flags the record and cannot be undone."""
        d, f = self._host.detail, self._host.form
        if d is None or not d.can_respond:
            return False
        if f.disagreeRadio.isChecked():
            return (d.supervisee_agreement != Agreement.DISAGREES.value
                    or f.disagreementEdit.toPlainText().strip() != (d.disagreement or "").strip())
        return f.agreeRadio.isChecked() and d.supervisee_agreement != Agreement.AGREES.value

    def ask_before_leaving(self, then: Callable[[], None]) -> bool:
        """If a response is written but not recorded, ask what to do with it and return
        True; ``then`` runs once it is recorded or let go. False: nothing to ask."""
        if not self.has_unrecorded():
            return False
        host = self._host
        box, buttons = question(
            host.page, name="unrecordedResponseQuestion", title="Your response is not recorded",
            text="You have not recorded your response to this record yet.",
            detail="Record it now, leave without recording it (what you wrote about disagreeing "
                   "is not kept), or stay and keep writing.",
            answers={"recordResponseButton": ("Record my response", QMessageBox.ButtonRole.AcceptRole),
                     "leaveWithoutRecordingButton": ("Leave without recording",
                                                     QMessageBox.ButtonRole.DestructiveRole),
                     "keepWritingButton": ("Keep writing", QMessageBox.ButtonRole.RejectRole)},
            safe="keepWritingButton")
        record, discard = buttons["recordResponseButton"], buttons["leaveWithoutRecordingButton"]

        def answered(button: QAbstractButton) -> None:
            if button is record:
                self.save(then=then)
            elif button is discard:
                if host.detail is not None:
                    self.show(host.detail)  # back to what is recorded
                then()
            else:
                host.form.scrollArea.ensureWidgetVisible(host.form.responseGroup)
                host.form.saveResponseButton.setFocus()

        box.buttonClicked.connect(answered)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return True

    def resolve(self) -> None:
        """The manager above the supervisor records how the disagreement was resolved."""
        host = self._host
        d = host.detail
        if d is not None and d.can_resolve:
            host.dialog = host.ctx.window.open_resolution(d.session_id)

"""The supervision record editor: every section of DESIGN.md §2, autosaved as you type.

The supervisor edits a draft; the supervisee reads a shared record and responds. Wellbeing
is shown only to the pair (``Operation.VIEW_PRIVATE``, decided in ``queries.session_detail``).

``SessionEditor`` is the shell: it loads the record and shows it, takes the user to a part of
it, and leaves it. The parts are its own objects, each in a module of its own, seeing the
editor through ``editor_host.EditorHost``:

- ``fields`` (editor_fields): widgets bound to fields, autosaved, refusals shown in place
- ``sections`` (editor_sections): when and how it was held, wellbeing, workload, learning,
  the next date
- ``reviews`` (editor_reviews): actions carried forward, reviewed in this session
- ``discussions`` (editor_discussions): case discussions and their actions, other actions
- ``response`` (editor_response): the supervisee's response, a disagreement's resolution
- ``sharing`` (editor_sharing) and ``signing`` (editor_signing, with addenda)
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from ..domain.time_rules import format_date, london
from ..domain.vocabulary import RecordState
from ..store import queries, supervision_records as sr
from .accessibility import ensure_accessible_names, show_message, size_text_boxes, style_headings
from .autosave import Autosaver
from .editor_discussions import CaseDiscussions, DiscussionWidget
from .editor_fields import FieldBinder
from .editor_forms import SessionEditorForm
from .editor_host import Focus, Write
from .editor_response import SuperviseeResponse
from .editor_reviews import ActionReviews
from .editor_sections import SectionFields
from .editor_sharing import Sharing
from .editor_signing import Signing
from .forms import embed_form
from .signing import signed_summary
from .tasks import user_message
from .widgets import ActionsPanel, InlineErrors

if TYPE_CHECKING:
    from .main_window import AppContext


def deadline_words(d: queries.SessionDetail) -> str:
    """The line under the title: signatures so far, what is due by when, or that it is locked."""
    deadlines = [f"Share by {format_date(d.share_by)}"] if d.state == RecordState.DRAFT else []
    if d.sign_by is not None and d.state == RecordState.SHARED and not d.no_response:
        deadlines.append(f"Supervisee to comment and sign by {format_date(d.sign_by)}")
    if d.sign_waits:  # the supervisor's Sign comes once the supervisee has had their say
        deadlines.append(d.sign_waits)
    elif d.sign_by is not None and d.state == RecordState.SUPERVISOR_SIGNED:
        deadlines.append(f"Supervisee to sign by {format_date(d.sign_by)}")
    if d.signatures:
        deadlines = [signed_summary(d.signatures)] + deadlines
    if d.state == RecordState.LOCKED:
        deadlines.append("Locked: corrections only by a signed addendum")
    return " · ".join(deadlines)


class SessionEditor(QWidget):
    """One supervision record. ``go_back`` is emitted when the user leaves it."""

    go_back = Signal()
    loaded = Signal()

    def __init__(self, ctx: AppContext, session_id: str, *, where: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SessionEditorPage")
        self.ctx = ctx
        self.session_id = session_id
        self.detail: queries.SessionDetail | None = None
        self.dialog: QWidget | None = None  # the signatures, addendum or resolution dialog open over the record
        self.form = f = SessionEditorForm(embed_form(self, "session_editor.ui", margin=10).widget)
        f.titleLabel.setWordWrap(True)  # a long name wraps rather than widening the window
        f.topRow.setStretchFactor(f.titleLabel, 1)  # and takes the row's spare room first, so a short one never wraps
        # Tab goes from field to field down the record (each scrolls into sight as it is
        # reached); the scrolled area is no stop of its own, which came after the buttons at
        # the foot and read as the record's top again
        f.scrollArea.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.errors = InlineErrors(f.messageLabel)
        self.autosaver = Autosaver(ctx.tasks, ctx.actor, self)
        self._shown = 0  # read-backs shown so far

        self.fields = FieldBinder(self.errors, self.autosaver, f.saveStateLabel,
                                  on_corrected=lambda: self.sharing.field_corrected())
        self.sections = SectionFields(self, self.fields)
        self.reviews = ActionReviews(self)
        self.discussions = CaseDiscussions(self, self.fields)
        self.response = SuperviseeResponse(self, self.fields)
        self.sharing = Sharing(self, lambda: not self.discussions.ids() and self.sections.looks_empty())
        self.signing = Signing(self)
        # the names tests and other pages use
        self.review_model = self.reviews.model
        self.addenda_model = self.signing.addenda_model
        self.calendarButton = self.sections.calendar_button
        f.backButton.clicked.connect(self.leave)
        ensure_accessible_names(self)
        style_headings(self)
        self.reload(where=where)

    @property
    def page(self) -> QWidget:
        return self

    @property
    def _general_panel(self) -> ActionsPanel | None:
        return self.discussions.general_panel

    # ------------------------------------------------------------------ loading

    def reload(self, where: str | None = None, focus: Focus | None = None,
               no_longer_mine: Callable[[], None] | None = None) -> None:
        """Save what is pending, then read the record back (in write order, so it includes
        everything just saved). ``no_longer_mine()`` runs instead of a refusal message when
        the person may no longer open the record (their step was the last they hold it for)."""
        actor, sid = self.ctx.actor, self.session_id

        def failed(error: BaseException) -> None:
            if no_longer_mine is not None and isinstance(error, sr.NotAllowed):
                no_longer_mine()
            else:
                self.message(user_message(error))

        def after_save() -> None:
            self.ctx.tasks.write(lambda s: queries.session_detail(s, actor, sid),
                                 lambda d: self._show(d, where, focus), failed)

        self.autosaver.flush(after_save)

    def message(self, text: str) -> None:
        show_message(self.form.messageLabel, text)  # shown, and announced to a screen reader

    def _show(self, d: queries.SessionDetail, where: str | None, focus: Focus | None) -> None:
        f = self.form
        self.detail = d
        kept = self.fields.kept_inputs()
        with self.fields.loading():
            when = london(d.held_at)
            f.titleLabel.setText(f"Supervision: {d.supervisee_name}, {when:%d/%m/%Y}")
            f.stateLabel.setText(d.state.label)
            f.stateLabel.setProperty("state", d.state.value)
            f.stateLabel.style().polish(f.stateLabel)
            self.sections.show(d)
            self.reviews.show(d)
            self.discussions.rebuild(d)
            self.response.show(d)
            self._set_editable(d.can_edit)
            self.sharing.show(d)
            f.deadlinesLabel.setText(deadline_words(d))
            self.signing.show(d)
            self.fields.restore(kept)
        ensure_accessible_names(self)
        size_text_boxes(f.scrollContent)
        self._fix_tab_order()
        # Discussion boxes just built are shown by Qt on its next turn of the event loop;
        # until then they cannot take focus or be scrolled to.
        self._shown += 1
        shown = self._shown  # a later read-back supersedes this one, and its widgets

        def arrive() -> None:
            if shiboken6.isValid(self) and shown == self._shown:
                self._arrive(where, focus)

        QTimer.singleShot(0, arrive)

    def _arrive(self, where: str | None, focus: Focus | None) -> None:
        """Take the person to the part of the record they came for, once it is on screen."""
        f = self.form
        # lay out what was just built (the scroll area sizes its content on these events),
        # so the scroll position is computed from where things really are
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        if where:
            self.go_to(where)
        elif focus is not None:
            target = focus()
            if target is not None and shiboken6.isValid(target):
                f.scrollArea.ensureWidgetVisible(target)
                target.setFocus()
        self.loaded.emit()

    def _set_editable(self, editable: bool) -> None:
        f = self.form
        response = f.responseGroup
        for w in f.scrollContent.findChildren(QWidget):
            if response.isAncestorOf(w):
                continue
            if isinstance(w, (QPlainTextEdit, QLineEdit)) and not isinstance(
                    w.parentWidget(), (QAbstractSpinBox, QComboBox)):
                w.setReadOnly(not editable)
            elif isinstance(w, QAbstractSpinBox):
                w.setReadOnly(not editable)
            elif isinstance(w, (QComboBox, QCheckBox)):
                w.setEnabled(editable)
        for widget in (f.childSearchEdit, f.childSearchLabel, f.addDiscussionButton, f.setReviewButton,
                       f.reviewStatusCombo, f.reviewNoteEdit, f.reviewStatusLabel):
            widget.setVisible(editable)
        if not editable and not self.discussions.ids():
            f.discussionsGroup.setTitle("Case discussions (none)")
        else:
            f.discussionsGroup.setTitle("Case discussions")

    def _fix_tab_order(self) -> None:
        f = self.form
        search: list[QWidget] = [f.childSearchEdit] if f.childSearchEdit.isVisible() else []
        order = [*self.discussions.tab_stops(), *search, f.addDiscussionButton, f.learningEdit, f.asyeEdit,
                 # "Other actions" sits between learning and the next date
                 *self.discussions.general_tab_stops(), f.nextDateEdit, self.calendarButton]
        previous: QWidget = f.workloadNotesEdit
        for widget in order:
            QWidget.setTabOrder(previous, widget)
            previous = widget

    # ------------------------------------------------------------------ commands

    def structural(self, work: Write, *, focus: Focus | None = None,
                   on_done: Callable[[], None] | None = None) -> None:
        """A change to the record's shape: save typing first, write, then read it back."""
        def done(_result: object) -> None:
            if on_done is not None:
                on_done()
            self.reload(focus=focus)

        self.autosaver.flush(lambda: self.ctx.tasks.write(work, done, self._command_failed))

    def _command_failed(self, error: BaseException) -> None:
        self.message(user_message(error))

    def share(self, confirmed: bool = False) -> None:
        self.sharing.share(confirmed)

    def sign(self) -> None:
        self.signing.sign()

    def show_signatures(self) -> None:
        self.signing.show_signatures()

    def go_to(self, where: str, message: str | None = None) -> None:
        """Take the user to a part of the record: ``case_discussion:<id>``, ``action:<id>``
        or a section name from search (``learning``, ``decision@<discussion id>``...)."""
        f = self.form
        target: QWidget | None = None
        kind, _, ident = where.partition(":")
        if kind == "case_discussion":
            target = self.discussions.landing(ident, message)
        elif kind == "action":
            target = self.discussions.action_table(ident)
        elif kind == "field":
            target = getattr(f, ident, None)
        elif kind == "addendum":
            target = f.addendaTable if self.signing.select_addendum(ident) else None
        elif kind == "section":
            section, _, discussion_id = ident.partition("@")
            target = self.discussions.section_box(discussion_id, section)
            if target is None:
                record_sections: dict[str, QWidget] = {
                    "wellbeing": f.wellbeingEdit, "workload_notes": f.workloadNotesEdit,
                    "learning": f.learningEdit, "asye_progress": f.asyeEdit,
                    "supervisee_comments": f.commentsEdit, "disagreement": f.disagreementEdit}
                target = record_sections.get(section)
        if target is None or not target.isVisible() and not target.isVisibleTo(self):
            return
        if message:
            self.errors.show(target, message)
        f.scrollArea.ensureWidgetVisible(target, 50, 120)
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    # ------------------------------------------------------------------ leaving

    def discussion_widget(self, discussion_id: str) -> DiscussionWidget | None:
        return self.discussions.widget(discussion_id)

    def discussion_ids(self) -> list[str]:
        return self.discussions.ids()

    def has_unrecorded_response(self) -> bool:
        return self.response.has_unrecorded()

    def leave(self) -> None:
        if not self.ask_before_leaving(self.leave_now):
            self.leave_now()

    def leave_now(self) -> None:
        self.autosaver.flush()
        self.go_back.emit()

    def ask_before_leaving(self, then: Callable[[], None]) -> bool:
        """If a response is written but not recorded, ask what to do with it and return
        True; ``then`` runs once it is recorded or let go. False: nothing to ask."""
        return self.response.ask_before_leaving(then)

    def close_editor(self) -> None:
        self.autosaver.close()


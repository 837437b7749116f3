"""The supervision record editor: every section of DESIGN.md §2, autosaved as you type.

The supervisor edits a draft; the supervisee reads a shared record and responds. Wellbeing
is shown only to the pair (``Operation.VIEW_PRIVATE``, decided in ``queries.session_detail``).
"""
from __future__ import annotations

import dataclasses
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, Callable

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QCompleter,
    QGroupBox,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from ..domain.supervisee_response import NO_RESPONSE
from ..domain.text_rules import InvalidInput, check_not_future, check_order, clean_text, parse_date
from ..domain.time_rules import LONDON, format_date, format_london, london, london_date, utc_now
from ..domain.vocabulary import Agreement, RecordState, SessionType
from ..store import queries, supervision_records as sr
from . import signing
from .accessibility import ensure_accessible_names, show_message, size_text_boxes, style_headings
from .autosave import Autosaver
from .forms import Form, embed_form, load_widget
from .layouts import layout_holding
from .models import Column, RowsModel
from .questions import question
from .signing import MEANING, AddendumDialog, SignaturesDialog, ensure_credentials, signed_summary
from .tasks import user_message
from .widgets import ActionsPanel, InlineErrors, columns_by_content, optional_date, status_choices

if TYPE_CHECKING:
    from .main_window import AppContext

COMPLEXITY_LABELS = {"": "Not recorded", "low": "Low", "medium": "Medium", "high": "High"}
CAPACITY_LABELS = {"": "Not recorded", "has_capacity": "Has capacity", "at_capacity": "At capacity",
                   "over_capacity": "Over capacity"}

REVIEW_COLUMNS = [
    Column("Action", lambda r: r.description),
    Column("Owner", lambda r: r.owner_name),
    Column("Due", lambda r: r.due_on),
    Column("From session", lambda r: r.from_held),
    Column("Status now", lambda r: r.status),
    Column("Note", lambda r: r.note),
]

ADDENDA_COLUMNS = [
    Column("Written", lambda a: a.created_at),
    Column("By", lambda a: a.author_name),
    Column("State", lambda a: a.state, text=lambda a: "Signed and locked" if a.state == RecordState.LOCKED
           else "Draft (only you can see it)"),
    Column("Addendum", lambda a: a.body, text=lambda a: a.body.replace("\n", " ")[:160]),
]

PAIRED_FIELDS = {"held_at": ("next_session_on",), "next_session_on": ("held_at",)}
DISCUSSION_FIELDS = {  # widget name -> (field, label)
    "positionEdit": ("current_position", "Current position"),
    "worriesEdit": ("worries", "What are we worried about"),
    "workingEdit": ("working_well", "What is working well"),
    "needsEdit": ("needs_to_happen", "What needs to happen"),
    "decisionEdit": ("decision", "Decision"),
    "rationaleEdit": ("rationale", "Rationale"),
}


def parse_time(text: str) -> time:
    raw = (text or "").strip()
    try:
        hours, minutes = raw.replace(".", ":").split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise InvalidInput(f"Time: '{raw[:10]}' is not a time; use hh:mm, e.g. 14:30.") from None


class DiscussionWidget:
    def __init__(self, editor: "SessionEditor", detail: queries.DiscussionDetail, index: int,
                 count: int) -> None:
        self.detail = detail
        self.box: QGroupBox = load_widget("case_discussion.ui", editor.form.discussionsContainer)
        self.box.setObjectName(f"discussion_{detail.discussion_id}")
        self.form = Form(self.box)
        title = f"{index + 1}. {detail.child_label}"
        self.box.setTitle(title)
        self.box.setAccessibleName(f"Case discussion: {detail.child_label}")
        self.form.childDetailLabel.setText(detail.legal_status.label)
        for name, (_field, label) in DISCUSSION_FIELDS.items():
            widget = getattr(self.form, name)
            widget.setAccessibleName(f"{label} for {detail.child_name}")
            widget.setPlainText(getattr(detail, _field))
        self.form.scaleSpin.setAccessibleName(f"Safety scale 0 to 10 for {detail.child_name}")
        self.form.scaleSpin.setValue(-1 if detail.safety_scale is None else detail.safety_scale)
        for name in ("moveUpButton", "moveDownButton", "removeButton"):
            getattr(self.form, name).setAccessibleName(
                f"{getattr(self.form, name).text()}: {detail.child_name}")
        self.form.moveUpButton.setEnabled(index > 0)
        self.form.moveDownButton.setEnabled(index < count - 1)


class SessionEditor(QWidget):
    """One supervision record. ``go_back`` is emitted when the user leaves it."""

    go_back = Signal()
    loaded = Signal()

    def __init__(self, ctx: AppContext, session_id: str, *, where: str | None = None, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("SessionEditorPage")
        self.ctx = ctx
        self.session_id = session_id
        self.detail: queries.SessionDetail | None = None
        self.form = f = embed_form(self, "session_editor.ui", margin=10)
        f.titleLabel.setWordWrap(True)  # a long name wraps rather than widening the window
        top_row = layout_holding(f.titleLabel.parentWidget().layout(), f.titleLabel)
        if top_row is not None:  # and takes the row's spare room first, so a short one never wraps
            top_row.setStretchFactor(f.titleLabel, 1)
        # Tab goes from field to field down the record (each scrolls into sight as it is
        # reached); the scrolled area is no stop of its own, which came after the buttons at
        # the foot and read as the record's top again
        f.scrollArea.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.errors = InlineErrors(f.messageLabel)
        self.autosaver = Autosaver(ctx.tasks, ctx.actor, self)
        self.autosaver.state_changed.connect(self._save_state)
        self.autosaver.refused.connect(self._refused)
        self._loading = False
        self._bound: dict[tuple[str, str, str], list[QWidget]] = {}
        self._recheck: dict[QWidget, Callable[[], None]] = {}
        self._discussions: dict[str, DiscussionWidget] = {}
        self._panels: list[tuple[ActionsPanel, set[str]]] = []
        self._children_loaded = False
        self._share_banner = False  # the banner says why sharing was refused
        self._shown = 0  # read-backs shown so far

        for t in SessionType:
            f.typeCombo.addItem(t.label, t.value)
        for value, text in COMPLEXITY_LABELS.items():
            f.complexityCombo.addItem(text, value)
        for value, text in CAPACITY_LABELS.items():
            f.capacityCombo.addItem(text, value)
        for text, value in status_choices():
            f.reviewStatusCombo.addItem(text, value)
        self.review_model = RowsModel(REVIEW_COLUMNS, self)
        f.reviewTable.setModel(self.review_model)
        f.reviewTable.selectionModel().currentRowChanged.connect(self._review_selected)
        # what the action is and the note wrap; owner, dates and status as wide as they read
        columns_by_content(f.reviewTable, stretch=(0, 5))
        f.reviewTable.verticalHeader().sectionResized.connect(lambda *_a: self._fit_review_height())

        f.backButton.clicked.connect(self.leave)
        f.shareButton.clicked.connect(self.share)
        f.withdrawButton.clicked.connect(self.withdraw)
        f.addDiscussionButton.clicked.connect(self.add_discussion)
        f.childSearchEdit.returnPressed.connect(self.add_discussion)
        # a changed search is a new question: the last one's answer no longer applies
        f.childSearchEdit.textChanged.connect(lambda _t: self.errors.clear(f.childSearchEdit))
        f.setReviewButton.clicked.connect(self.set_review)
        f.saveResponseButton.clicked.connect(lambda: self.save_response())
        f.disagreeRadio.toggled.connect(self._agreement_toggled)
        f.signButton.clicked.connect(self.sign)
        f.resolveButton.clicked.connect(self.resolve)
        f.signaturesButton.clicked.connect(self.show_signatures)
        f.addendumButton.clicked.connect(lambda: self.open_addendum(None))
        self.addenda_model = RowsModel(ADDENDA_COLUMNS, self)
        f.addendaTable.setModel(self.addenda_model)
        f.addendaTable.verticalHeader().setVisible(False)
        columns_by_content(f.addendaTable, stretch=(3,), wrap=False)  # the addendum's text cut short
        f.addendaTable.activated.connect(lambda _i: self.open_selected_addendum())
        f.openAddendumButton.clicked.connect(self.open_selected_addendum)
        self.dialog = None  # the signatures or addendum dialog open over the record
        self._completer_model = QStringListModel(self)
        completer = QCompleter(self._completer_model, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        f.childSearchEdit.setCompleter(completer)
        f.childSearchEdit.textEdited.connect(self._load_children_once)

        # header and sections: (widget, kind, field, parser)
        s = "session"
        self._bind(f.heldDateEdit, s, session_id, "held_at", self._parse_held_at)
        self._bind(f.heldTimeEdit, s, session_id, "held_at", self._parse_held_at)
        self._bind(f.durationSpin, s, session_id, "duration_minutes", lambda w: w.value())
        self._bind(f.typeCombo, s, session_id, "session_type", lambda w: w.currentData())
        self._bind(f.locationEdit, s, session_id, "location", lambda w: clean_text("Where held", w.text()))
        self._bind(f.agreementCheck, s, session_id, "agreement_in_place", lambda w: w.isChecked())
        for widget, name, label in (
                (f.wellbeingEdit, "wellbeing", "Wellbeing and support"),
                (f.workloadNotesEdit, "workload_notes", "Workload notes"),
                (f.learningEdit, "learning", "Learning and development"),
                (f.asyeEdit, "asye_progress", "ASYE progress")):
            self._bind(widget, s, session_id, name, self._text_parser(label))
        self._bind(f.caseloadSpin, s, session_id, "caseload_count",
                   lambda w: None if w.value() < 0 else w.value())
        self._bind(f.complexityCombo, s, session_id, "caseload_complexity", lambda w: w.currentData())
        self._bind(f.capacityCombo, s, session_id, "capacity", lambda w: w.currentData())
        self._bind(f.nextDateEdit, s, session_id, "next_session_on", self._parse_next)
        self.calendarButton = QPushButton("Save as calendar file (.ics)…", f.nextDateEdit.parentWidget())
        self.calendarButton.setObjectName("calendarButton")
        self.calendarButton.setAccessibleName("Save the next supervision as a calendar invitation")
        self.calendarButton.setToolTip("Save the next supervision date as an invitation file (.ics) "
                                       "to open in Outlook; saving again updates the same entry")
        self.calendarButton.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)  # not a full-width bar
        f.nextDateEdit.parentWidget().layout().addRow("", self.calendarButton)
        self.calendarButton.clicked.connect(self.save_invitation)
        self._bind(f.commentsEdit, "response", session_id, "comments", self._text_parser("Your comments"))
        ensure_accessible_names(self)
        style_headings(self)
        self.reload(where=where)

    # ------------------------------------------------------------------ binding

    @staticmethod
    def _text_parser(label: str) -> Callable[[QWidget], str]:
        return lambda w: clean_text(label, w.toPlainText() if isinstance(w, QPlainTextEdit) else w.text())

    def _bind(self, widget: QWidget, kind: str, record_id: str, field: str,
              parse: Callable[[QWidget], Any]) -> None:
        self._bound.setdefault((kind, record_id, field), []).append(widget)
        widget.setProperty("field", field)

        def changed(*_args) -> None:
            if self._loading:
                return
            try:
                value = parse(widget)
            except InvalidInput as problem:
                self.autosaver.discard(kind, record_id, field)
                self.errors.show(widget, str(problem))
                self._save_state(self.form.saveStateLabel.text())
                return
            for w in self._bound[(kind, record_id, field)]:
                self.errors.clear(w)
            self.autosaver.queue(kind, record_id, field, value)
            # the two dates are checked against each other: a partner refused for the order
            # of the two may be right now, and is saved only if checked again
            for partner in PAIRED_FIELDS.get(field, ()):
                for w in self._bound.get((kind, record_id, partner), []):
                    if self.errors.message_for(w):
                        self._recheck[w]()
            if self._share_banner and self.errors.first_invalid() is None:
                self._share_banner = False
                self._message("")

        self._recheck[widget] = changed
        if isinstance(widget, QPlainTextEdit):
            widget.textChanged.connect(changed)
        elif isinstance(widget, QLineEdit):
            widget.textChanged.connect(changed)
        elif isinstance(widget, QSpinBox):
            widget.valueChanged.connect(changed)
        elif isinstance(widget, QComboBox):
            widget.currentIndexChanged.connect(changed)
        elif isinstance(widget, QCheckBox):
            widget.toggled.connect(changed)

    def _save_state(self, text: str) -> None:
        """The autosave line, which must not say all is saved while a refused entry is
        still on screen."""
        if self.errors.first_invalid() is not None and not text.startswith(("Saving", "Not saved")):
            text = "Not saved: correct the highlighted field"
        self.form.saveStateLabel.setText(text)

    def _parse_held_at(self, _widget=None) -> datetime:
        f = self.form
        day = parse_date("Date of session", f.heldDateEdit.text())
        at = parse_time(f.heldTimeEdit.text())
        check_not_future("Date of session", day, london_date(utc_now()))
        moment = datetime.combine(day, at, tzinfo=LONDON)
        if moment > utc_now():
            raise InvalidInput(f"Time of session ({at:%H:%M}) is later than now.")
        next_day = self._try(lambda: optional_date("Next supervision date", f.nextDateEdit.text()))
        if next_day is not None:
            check_order("the session date", day, "Next supervision date", next_day)
        return moment

    def _parse_next(self, _widget=None) -> date | None:
        f = self.form
        next_day = optional_date("Next supervision date", f.nextDateEdit.text())
        held = self._try(lambda: parse_date("Date of session", f.heldDateEdit.text()))
        if next_day is not None and held is not None:
            check_order("the session date", held, "Next supervision date", next_day)
        return next_day

    @staticmethod
    def _try(fn):
        try:
            return fn()
        except InvalidInput:
            return None

    def _refused(self, kind: str, record_id: str, field: str, message: str) -> None:
        for widget in self._bound.get((kind, record_id, field), []):
            self.errors.show(widget, message)

    # ------------------------------------------------------------------ loading

    def reload(self, where: str | None = None, focus: Callable[[], QWidget | None] | None = None,
               no_longer_mine: Callable[[], None] | None = None) -> None:
        """Save what is pending, then read the record back (in write order, so it includes
        everything just saved). ``no_longer_mine()`` runs instead of a refusal message when
        the person may no longer open the record (their step was the last they hold it for)."""
        actor, sid = self.ctx.actor, self.session_id

        def failed(error) -> None:
            if no_longer_mine is not None and isinstance(error, sr.NotAllowed):
                no_longer_mine()
            else:
                self._load_failed(error)

        def after_save() -> None:
            self.ctx.tasks.write(lambda s: queries.session_detail(s, actor, sid),
                                 lambda d: self._show(d, where, focus), failed)

        self.autosaver.flush(after_save)

    def _load_failed(self, error) -> None:
        self._message(user_message(error))

    def _message(self, text: str) -> None:
        show_message(self.form.messageLabel, text)  # shown, and announced to a screen reader

    def _rejected_inputs(self) -> dict[tuple, tuple[str, str]]:
        """What is on screen but was refused (too long, not a date...), with its message,
        by field: a reload puts the saved value in each field, and would wipe it."""
        kept = {}
        for key, widgets in self._bound.items():
            for w in widgets:
                message = self.errors.message_for(w)
                if message and isinstance(w, (QLineEdit, QPlainTextEdit)):
                    text = w.text() if isinstance(w, QLineEdit) else w.toPlainText()
                    kept[(key, w.objectName())] = (text, message)
        return kept

    def _restore_rejected(self, kept: dict[tuple, tuple[str, str]]) -> None:
        for (key, name), (text, message) in kept.items():
            for w in self._bound.get(key, []):  # gone if its discussion was removed
                if w.objectName() == name:
                    if isinstance(w, QLineEdit):
                        self._set_line(w, text)
                    else:
                        self._set_text(w, text)
                    self.errors.show(w, message)

    def _show(self, d: queries.SessionDetail, where: str | None, focus) -> None:
        f = self.form
        self.detail = d
        rejected = self._rejected_inputs()
        self._loading = True
        try:
            when = london(d.held_at)
            f.titleLabel.setText(f"Supervision: {d.supervisee_name}, {when:%d/%m/%Y}")
            f.stateLabel.setText(d.state.label)
            f.stateLabel.setProperty("state", d.state.value)
            f.stateLabel.style().polish(f.stateLabel)
            self._set_line(f.heldDateEdit, f"{when:%d/%m/%Y}")
            self._set_line(f.heldTimeEdit, f"{when:%H:%M}")
            f.durationSpin.setValue(d.duration_minutes)
            f.typeCombo.setCurrentIndex(f.typeCombo.findData(d.session_type.value))
            self._set_line(f.locationEdit, d.location)
            f.agreementCheck.setChecked(d.agreement_in_place)
            f.wellbeingGroup.setVisible(d.wellbeing is not None)
            self._set_text(f.wellbeingEdit, d.wellbeing or "")
            f.caseloadSpin.setValue(-1 if d.caseload_count is None else d.caseload_count)
            f.complexityCombo.setCurrentIndex(max(0, f.complexityCombo.findData(d.caseload_complexity)))
            f.capacityCombo.setCurrentIndex(max(0, f.capacityCombo.findData(d.capacity)))
            self._set_text(f.workloadNotesEdit, d.workload_notes)
            self._set_text(f.learningEdit, d.learning)
            self._set_text(f.asyeEdit, d.asye_progress)
            f.asyeEdit.setVisible(d.supervisee_is_asye or bool(d.asye_progress))
            f.asyeLabel.setVisible(f.asyeEdit.isVisible())
            self._set_line(f.nextDateEdit, format_date(d.next_session_on))
            current = f.reviewTable.currentIndex()
            selected = self.review_model.row_at(current.row()).review_id if current.isValid() else None
            self.review_model.set_rows(d.reviews)
            for row, review in enumerate(d.reviews):
                if review.review_id == selected:  # the same action stays selected
                    f.reviewTable.setCurrentIndex(self.review_model.index(row, 0))
            f.reviewGroup.setVisible(bool(d.reviews))
            f.reviewHint.setText(
                "Open actions carry forward until they are closed. Select one and set its status."
                if d.can_edit else "Actions carried forward from earlier sessions, with their "
                "status as reviewed in this one.")
            f.reviewTable.resizeRowsToContents()
            self._fit_review_height()
            self._build_discussions(d)
            self._show_response(d)
            self._set_editable(d.can_edit)
            f.shareButton.setVisible(d.can_share or (d.can_edit and d.state == RecordState.DRAFT))
            f.withdrawButton.setVisible(d.can_withdraw)
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
            f.deadlinesLabel.setText(" · ".join(deadlines))
            self._show_signing(d)
            self._restore_rejected(rejected)
        finally:
            self._loading = False
        ensure_accessible_names(self)
        size_text_boxes(f.scrollContent)
        self._fix_tab_order()
        # Discussion boxes just built are shown by Qt on its next turn of the event loop;
        # until then they cannot take focus or be scrolled to.
        self._shown += 1
        shown = self._shown  # a later read-back supersedes this one, and its widgets
        QTimer.singleShot(0, lambda: shiboken6.isValid(self) and shown == self._shown
                          and self._arrive(where, focus))

    def _arrive(self, where: str | None, focus) -> None:
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

    @staticmethod
    def _set_text(widget: QPlainTextEdit, text: str) -> None:
        if widget.toPlainText() != text:
            widget.setPlainText(text)

    @staticmethod
    def _set_line(widget: QLineEdit, text: str) -> None:
        if widget.text() != text:
            widget.setText(text)

    def _build_discussions(self, d: queries.SessionDetail) -> None:
        f = self.form
        layout = f.discussionsLayout
        for old in self._discussions.values():
            for name in DISCUSSION_FIELDS:
                self._bound.pop(("discussion", old.detail.discussion_id,
                                 DISCUSSION_FIELDS[name][0]), None)
            self._bound.pop(("discussion", old.detail.discussion_id, "safety_scale"), None)
            self.errors.forget_within(old.box)
            for widget in [w for w in self._recheck if old.box.isAncestorOf(w)]:
                del self._recheck[widget]
            layout.removeWidget(old.box)
            old.box.hide()
            old.box.deleteLater()
        self._discussions = {}
        self._panels = []
        for index, disc in enumerate(d.discussions):
            w = DiscussionWidget(self, disc, index, len(d.discussions))
            layout.addWidget(w.box)
            self._discussions[disc.discussion_id] = w
            for name, (field, label) in DISCUSSION_FIELDS.items():
                self._bind(getattr(w.form, name), "discussion", disc.discussion_id, field,
                           self._text_parser(label))
            self._bind(w.form.scaleSpin, "discussion", disc.discussion_id, "safety_scale",
                       lambda sp: None if sp.value() < 0 else sp.value())
            did = disc.discussion_id
            w.form.moveUpButton.clicked.connect(lambda _=False, i=did: self._structural(
                lambda s: sr.move_case_discussion(s, self.ctx.actor, i, -1)))
            w.form.moveDownButton.clicked.connect(lambda _=False, i=did: self._structural(
                lambda s: sr.move_case_discussion(s, self.ctx.actor, i, 1)))
            w.form.removeButton.clicked.connect(lambda _=False, i=did: self.ask_remove_discussion(i))
            panel = self._actions_panel(w.form.actionsHost, f"Actions for {disc.child_name}",
                                        disc.actions, case_discussion_id=did)
            w.panel = panel
            for name in ("moveUpButton", "moveDownButton", "removeButton"):
                getattr(w.form, name).setVisible(d.can_edit)
            style_headings(w.box)
        general = getattr(self, "_general_panel", None)
        if general is None:
            self._general_panel = self._actions_panel(f.generalActionsHost, "Other actions", d.actions)
        else:
            self._refresh_panel(general, d.actions)
        f.actionsGroup.setVisible(d.can_edit or bool(d.actions))

    def _actions_panel(self, host: QWidget, name: str, actions, case_discussion_id=None) -> ActionsPanel:
        d = self.detail
        actor, sid = self.ctx.actor, self.session_id

        def add(description, owner_id, due_on):
            def focus():
                return panel.form.descriptionEdit
            self._structural(lambda s: sr.add_action(
                s, actor, session_id=sid, case_discussion_id=case_discussion_id,
                description=description, owner_id=owner_id, due_on=due_on), focus=focus,
                on_done=panel.clear_entry)

        def edit(action_id, field, value):
            self.autosaver.flush(lambda: self.ctx.tasks.write(
                lambda s: sr.update_action(s, actor, action_id, {field: value}),
                lambda _r: panel.edited(action_id, field, value),
                lambda error: panel.edit_failed(user_message(error))))

        panel = ActionsPanel(host, name=name, owners=d.owners, default_owner=d.supervisee_id,
                             on_add=add, on_remove=lambda action_id: self._structural(
                                 lambda s: sr.remove_action(s, actor, action_id)),
                             editable=d.can_edit, on_edit=edit)
        panel.set_actions(actions)
        self._panels.append((panel, {a.action_id for a in actions}))
        return panel

    def _refresh_panel(self, panel: ActionsPanel, actions) -> None:
        panel.set_actions(actions)
        panel.set_editable(self.detail.can_edit)
        self._panels.append((panel, {a.action_id for a in actions}))

    def _show_response(self, d: queries.SessionDetail) -> None:
        f = self.form
        f.responseGroup.setVisible(d.state != RecordState.DRAFT or bool(d.supervisee_agreement))
        self._set_text(f.commentsEdit, d.supervisee_comments)
        self._set_text(f.disagreementEdit, d.disagreement)
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
              and self.ctx.actor.staff_id == d.supervisee_id):
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
        f = self.form
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

    def _show_signing(self, d: queries.SessionDetail) -> None:
        f = self.form
        as_supervisor = self.ctx.actor.staff_id == d.supervisor_id
        f.signButton.setText("Sign as &supervisor…" if as_supervisor else "Si&gn…")
        f.signButton.setAccessibleName("Sign as supervisor" if as_supervisor else "Sign")
        f.signButton.setVisible(d.can_sign)
        f.signButton.setEnabled(True)
        f.signaturesButton.setVisible(bool(d.signatures))
        f.addendumButton.setVisible(d.can_add_addendum)
        self.addenda_model.set_rows(list(d.addenda))
        f.addendaGroup.setVisible(bool(d.addenda))
        f.openAddendumButton.setEnabled(bool(d.addenda))
        if d.addenda and not f.addendaTable.currentIndex().isValid():
            f.addendaTable.setCurrentIndex(self.addenda_model.index(0, 0))
        rows = max(1, len(d.addenda))
        f.addendaTable.setMaximumHeight(f.addendaTable.horizontalHeader().sizeHint().height()
                                        + rows * f.addendaTable.verticalHeader().defaultSectionSize() + 8)

    def _response_words(self, d: queries.SessionDetail) -> str:
        name = d.supervisee_name
        if d.supervisee_agreement == Agreement.DISAGREES.value:
            text = d.disagreement.strip()
            return (f"{name} disagrees with part of this record: \u201c{text[:300]}"
                    f"{'…' if len(text) > 300 else ''}\u201d The disagreement stays on the record.")
        if d.supervisee_agreement == Agreement.AGREES.value:
            return f"{name} has agreed with this record" + (
                " and commented." if d.supervisee_comments.strip() else ".")
        # the rule lets the supervisor sign without a response only once the window passed
        return (f"{name} did not respond within 5 working days of the record being shared. Once "
                "you sign, they can no longer add comments or record a disagreement on this "
                f"record; they can only sign it, and the record will say \u201c{NO_RESPONSE}\u201d.")

    def sign(self) -> None:
        d = self.detail
        if d is None or not d.can_sign:
            return
        as_supervisor = self.ctx.actor.staff_id == d.supervisor_id
        when = f"{london(d.held_at):%d/%m/%Y}"
        if as_supervisor:
            question = f"Sign the supervision record of {d.supervisee_name} ({when}) as supervisor?"
            detail = self._response_words(d) + "\n\n" + MEANING
            self.form.responseGroup.setVisible(True)
            self.form.scrollArea.ensureWidgetVisible(self.form.responseGroup)
        else:
            question = f"Sign your supervision record of {when}?"
            detail = (f"{d.supervisor_name} has signed it. " + MEANING +
                      " When you sign, the record is locked.")
        if not signing.confirm(self, "Sign the record", question, detail,
                       "Sign as &supervisor" if as_supervisor else "Si&gn"):
            return
        self._signing(True)
        ctx, sid = self.ctx, self.session_id

        def work():
            from ..records.signoff import sign_supervision_record

            store = ensure_credentials(ctx)
            return sign_supervision_record(ctx.db, store, session_id=sid, signer_id=ctx.actor.staff_id)

        def done(result):
            self._signing(False)
            signed = ("Signed. The record is now locked." if result.new_state == RecordState.LOCKED
                      else f"Signed. {d.supervisee_name} can now sign it.")
            self.ctx.notify(signed)

            def handed_on() -> None:  # the worker has moved on: the record goes with them
                self.ctx.notify(f"{signed} The record is now with {d.supervisee_name}'s new manager.")
                self._go_back()

            self.reload(focus=lambda: self.form.signaturesButton, no_longer_mine=handed_on)

        def failed(error):
            self._signing(False)
            self._message(user_message(error))

        self.autosaver.flush(lambda: self.ctx.tasks.write_unit(work, done, failed))

    def _signing(self, busy: bool) -> None:
        f = self.form
        f.signButton.setEnabled(not busy)
        f.withdrawButton.setEnabled(not busy)
        f.stateLabel.setText("Signing…" if busy else (self.detail.state.label if self.detail else ""))
        if busy:
            self._message("Signing… the record and its PDF are being signed; this takes a few seconds.")
        else:
            self._message("")

    def resolve(self) -> None:
        d = self.detail
        if d is not None and d.can_resolve:
            self.dialog = self.ctx.window.open_resolution(d.session_id)

    def show_signatures(self) -> None:
        d = self.detail
        if d is None:
            return
        self.dialog = SignaturesDialog(self.ctx, "supervision", d.session_id,
                                       f"supervision of {d.supervisee_name}, {london(d.held_at):%d/%m/%Y}",
                                       parent=self)
        self.dialog.setModal(True)
        self.dialog.show()

    def open_selected_addendum(self) -> None:
        index = self.form.addendaTable.currentIndex()
        if index.isValid():
            self.open_addendum(self.addenda_model.row_at(index.row()))

    def open_addendum(self, addendum) -> None:
        d = self.detail
        if d is None:
            return
        dialog = AddendumDialog(self.ctx, "supervision", d.session_id,
                                f"the supervision of {d.supervisee_name}, {london(d.held_at):%d/%m/%Y}",
                                addendum=addendum, parent=self)
        dialog.changed.connect(lambda: self.reload())
        dialog.setModal(True)
        dialog.show()
        self.dialog = dialog

    def _agreement_toggled(self, disagree: bool) -> None:
        f = self.form
        show = disagree or bool(f.disagreementEdit.toPlainText().strip())
        f.disagreementLabel.setVisible(show)
        f.disagreementEdit.setVisible(show)

    def _set_editable(self, editable: bool) -> None:
        f = self.form
        content = f.scrollContent
        response = f.responseGroup
        for w in content.findChildren(QWidget):
            if response.isAncestorOf(w):
                continue
            if isinstance(w, (QPlainTextEdit, QLineEdit)) and not isinstance(
                    w.parentWidget(), (QAbstractSpinBox, QComboBox)):
                w.setReadOnly(not editable)
            elif isinstance(w, QAbstractSpinBox):
                w.setReadOnly(not editable)
            elif isinstance(w, (QComboBox, QCheckBox)):
                w.setEnabled(editable)
        for w in (f.childSearchEdit, f.childSearchLabel, f.addDiscussionButton, f.setReviewButton,
                  f.reviewStatusCombo, f.reviewNoteEdit, f.reviewStatusLabel):
            w.setVisible(editable)
        if not editable and not self._discussions:
            f.discussionsGroup.setTitle("Case discussions (none)")
        else:
            f.discussionsGroup.setTitle("Case discussions")

    def _fix_tab_order(self) -> None:
        f = self.form
        chain: list[QWidget] = [f.childSearchEdit] if f.childSearchEdit.isVisible() else []
        previous = f.workloadNotesEdit
        for w in self._discussions.values():
            for name in ("positionEdit", "worriesEdit", "workingEdit", "needsEdit", "scaleSpin",
                         "decisionEdit", "rationaleEdit"):
                QWidget.setTabOrder(previous, getattr(w.form, name))
                previous = getattr(w.form, name)
            p = w.panel.form
            for widget in (p.actionsTable, p.descriptionEdit, p.ownerCombo, p.dueEdit,
                           p.addActionButton, p.removeActionButton, w.form.moveUpButton,
                           w.form.moveDownButton, w.form.removeButton):
                QWidget.setTabOrder(previous, widget)
                previous = widget
        general = getattr(self, "_general_panel", None)
        after = [f.learningEdit, f.asyeEdit]
        if general is not None:  # "Other actions" sits between learning and the next date
            p = general.form
            after += [p.actionsTable, p.descriptionEdit, p.ownerCombo, p.dueEdit,
                      p.addActionButton, p.removeActionButton]
        for widget in chain + [f.addDiscussionButton] + after + [f.nextDateEdit, self.calendarButton]:
            QWidget.setTabOrder(previous, widget)
            previous = widget

    # ------------------------------------------------------------------ commands

    def _structural(self, work, *, focus=None, on_done=None) -> None:
        """A change to the record's shape: save typing first, write, then read it back."""
        def done(_result):
            if on_done is not None:
                on_done()
            self.reload(focus=focus)

        self.autosaver.flush(lambda: self.ctx.tasks.write(work, done, self._command_failed))

    def _command_failed(self, error) -> None:
        self._message(user_message(error))

    def save_invitation(self) -> None:
        """The next supervision date, once saved, as an .ics invitation."""
        from .calendar_file import save_invitation

        staff_id, sid = self.ctx.actor.staff_id, self.session_id

        def load(session):
            from ..records.calendar_invite import planned_by_session

            return planned_by_session(session, staff_id, sid)

        self.autosaver.flush(lambda: save_invitation(self.ctx, self, load))

    def _load_children_once(self, _text: str) -> None:
        if self._children_loaded:
            return
        self._children_loaded = True
        actor = self.ctx.actor
        self.ctx.tasks.read(lambda s: queries.my_children(s, actor), lambda rows: self._completer_model.setStringList(
            [f"{c.case_id} — {c.name}" for c in rows]))

    def add_discussion(self) -> None:
        f = self.form
        typed = f.childSearchEdit.text()
        ref = typed.split(" — ")[0].strip()
        if not ref:
            self.errors.advise(f.childSearchEdit,
                               "Type the child's case ID, or part of their name and pick from the list.")
            return
        actor, sid = self.ctx.actor, self.session_id

        def done(discussion_id):
            f.childSearchEdit.clear()
            self.errors.clear(f.childSearchEdit)
            self.reload(focus=lambda: self._discussions[discussion_id].form.positionEdit
                        if discussion_id in self._discussions else None)

        def failed(error):
            self.errors.advise(f.childSearchEdit, user_message(error))  # what was typed stays

        def work(s):
            try:
                return sr.add_case_discussion(s, actor, sid, ref)
            except InvalidInput:
                matches = queries.find_children(s, actor, ref, limit=2)
                if len(matches) == 1:
                    return sr.add_case_discussion(s, actor, sid, matches[0].case_id)
                raise

        self.autosaver.flush(lambda: self.ctx.tasks.write(work, done, failed))

    def ask_remove_discussion(self, discussion_id: str) -> None:
        """Removing a discussion takes its decision, rationale and actions with it: ask
        first, with Keep as the default."""
        w = self._discussions.get(discussion_id)
        if w is None:
            return
        actions = len(w.detail.actions)
        box, buttons = question(
            self, name="removeDiscussionQuestion", title="Remove case discussion",
            text=f"Remove the case discussion about {w.detail.child_name}?",
            detail="Its current position, analysis, decision and rationale"
                   + (f", and its {actions} action{'s' if actions != 1 else ''}," if actions else "")
                   + " will be removed from this record.",
            answers={"confirmRemoveButton": ("Remove discussion", QMessageBox.ButtonRole.DestructiveRole),
                     "keepDiscussionButton": ("Keep it", QMessageBox.ButtonRole.RejectRole)},
            safe="keepDiscussionButton", icon=QMessageBox.Icon.Warning)
        actor = self.ctx.actor

        def answered(button) -> None:
            if button is buttons["confirmRemoveButton"]:
                self._structural(lambda s: sr.remove_case_discussion(s, actor, discussion_id))

        box.buttonClicked.connect(answered)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # window-modal, without a nested event loop

    def _fit_review_height(self) -> None:
        """The carried-forward actions as tall as their rows (up to eight; it scrolls
        beyond), again whenever a row's wrapped text takes more or fewer lines (a narrower
        window, a larger text size)."""
        table = self.form.reviewTable
        rows = table.verticalHeader()
        shown = sum(rows.sectionSize(r) for r in range(min(rows.count(), 8)))
        height = (table.horizontalHeader().sizeHint().height() + max(shown, 30)
                  + 2 * table.frameWidth() + 2)
        if table.horizontalScrollBar().isVisible():
            height += table.horizontalScrollBar().sizeHint().height()
        if table.height() != height or table.minimumHeight() != height:
            table.setFixedHeight(height)

    def _review_selected(self, current, _previous=None) -> None:
        """The status and note boxes show the selected action's, so setting one does not
        reset the other."""
        if not current.isValid():
            return
        f = self.form
        review = self.review_model.row_at(current.row())
        for i in range(f.reviewStatusCombo.count()):
            if f.reviewStatusCombo.itemData(i) == review.status:
                f.reviewStatusCombo.setCurrentIndex(i)
        f.reviewNoteEdit.setText(review.note)

    def set_review(self) -> None:
        f = self.form
        index = f.reviewTable.currentIndex()
        if not index.isValid():
            self._message("Select a carried-forward action first.")
            f.reviewTable.setFocus()
            return
        review = self.review_model.row_at(index.row())
        status = f.reviewStatusCombo.currentData()
        note = f.reviewNoteEdit.text()
        actor = self.ctx.actor
        self._structural(lambda s: sr.set_action_review(s, actor, review.review_id, status=status, note=note),
                         focus=lambda: f.reviewTable)

    def share(self, confirmed: bool = False) -> None:
        self._message("")
        invalid = self.errors.first_invalid()
        if invalid is not None:
            self._message("Some fields need correcting before this record can be shared: "
                          + self.errors.message_for(invalid))
            self._share_banner = True  # until the field is put right
            self.form.scrollArea.ensureWidgetVisible(invalid)
            invalid.setFocus()
            return
        if not confirmed and self._looks_empty():
            self._ask_share_empty()
            return
        actor, sid = self.ctx.actor, self.session_id

        def failed(error):
            if isinstance(error, sr.SharingBlocked):
                self._message(str(error))
                self._share_banner = True  # until the fields it points to are put right
                self.go_to(error.problems[0].where, error.problems[0].message)
            else:
                self._message(user_message(error))

        def shared(_result: object) -> None:
            self.reload()
            self.ctx.notify("Shared with the supervisee.")

        self.autosaver.flush(lambda: self.ctx.tasks.write(
            lambda s: sr.share_session(s, actor, sid), shared, failed))

    def _looks_empty(self) -> bool:
        """No child discussed, no workload and no wellbeing: shared like that, the
        supervisee is asked to agree to a record of nothing (one click did it)."""
        f = self.form
        return (not self.discussion_ids() and f.caseloadSpin.value() < 0
                and not f.complexityCombo.currentData() and not f.capacityCombo.currentData()
                and not f.workloadNotesEdit.toPlainText().strip()
                and not f.wellbeingEdit.toPlainText().strip())

    def _ask_share_empty(self) -> None:
        box, buttons = question(
            self, name="shareEmptyQuestion", title="Share a record with nothing in it?",
            text="This record has no case discussions, no workload and no wellbeing notes.",
            detail="Share it as it is only if the session covered none of these. Otherwise keep "
                   "writing, and share it when it says what was discussed.",
            answers={"shareAnywayButton": ("Share as it is", QMessageBox.ButtonRole.AcceptRole),
                     "keepWritingButton": ("Keep writing", QMessageBox.ButtonRole.RejectRole)},
            safe="keepWritingButton")
        share = buttons["shareAnywayButton"]
        box.buttonClicked.connect(lambda button: self.share(confirmed=True) if button is share
                                  else self.form.childSearchEdit.setFocus())
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.share_question = box

    def withdraw(self) -> None:
        actor, sid = self.ctx.actor, self.session_id
        self._structural(lambda s: sr.withdraw_session(s, actor, sid))

    def save_response(self, then: Callable[[], None] | None = None) -> None:
        f = self.form
        disagree = f.disagreeRadio.isChecked()
        if not disagree and not f.agreeRadio.isChecked():
            self.errors.show(f.agreeRadio, "Choose whether you agree or disagree.")
            f.agreeRadio.setFocus()
            return
        self.errors.clear(f.agreeRadio)
        try:
            comments = clean_text("Your comments", f.commentsEdit.toPlainText())
            disagreement = clean_text("What you disagree with", f.disagreementEdit.toPlainText()) if disagree else ""
        except InvalidInput as problem:
            self._message(str(problem))
            return
        actor, sid = self.ctx.actor, self.session_id
        agreement = Agreement.DISAGREES if disagree else Agreement.AGREES

        def failed(error):
            target = f.disagreementEdit if disagree else f.agreeRadio
            self.errors.show(target, user_message(error))

        def recorded() -> None:
            if then is None:
                self.reload()
                return
            if self.detail is not None:  # what is now stored, without waiting to read it back
                self.detail = dataclasses.replace(self.detail, supervisee_agreement=agreement.value,
                                                  disagreement=disagreement, supervisee_comments=comments)
            then()

        self.autosaver.flush(lambda: self.ctx.tasks.write(
            lambda s: sr.respond(s, actor, sid, comments=comments, agreement=agreement,
                                 disagreement=disagreement),
            lambda _r: recorded(), failed))

    def has_unrecorded_response(self) -> bool:
        """Agreement chosen, or disagreement written, but "Record my response" not pressed.
        Unlike comments these are not autosaved: recording a disagreement is a deliberate act
        that flags the record and cannot be undone."""
        d, f = self.detail, self.form
        if d is None or not d.can_respond:
            return False
        if f.disagreeRadio.isChecked():
            return (d.supervisee_agreement != Agreement.DISAGREES.value
                    or f.disagreementEdit.toPlainText().strip() != (d.disagreement or "").strip())
        return f.agreeRadio.isChecked() and d.supervisee_agreement != Agreement.AGREES.value

    def go_to(self, where: str, message: str | None = None) -> None:
        """Take the user to a part of the record: ``case_discussion:<id>``, ``action:<id>``
        or a section name from search (``learning``, ``decision@<discussion id>``...)."""
        f = self.form
        target: QWidget | None = None
        kind, _, ident = where.partition(":")
        if kind == "case_discussion" and ident in self._discussions:
            w = self._discussions[ident]
            if not w.form.decisionEdit.toPlainText().strip():
                target = w.form.decisionEdit
                if message and not w.form.rationaleEdit.toPlainText().strip():
                    self.errors.show(w.form.rationaleEdit, "Give the rationale for the decision too.")
            elif not w.form.rationaleEdit.toPlainText().strip():
                target = w.form.rationaleEdit
            else:
                target = w.form.positionEdit
        elif kind == "action":
            for panel, ids in self._panels:
                if ident in ids and panel.select(ident):
                    target = panel.form.actionsTable
                    break
        elif kind == "field":
            target = getattr(f, ident, None)
        elif kind == "addendum":
            for row in range(self.addenda_model.rowCount()):
                if self.addenda_model.row_at(row).addendum_id == ident:
                    f.addendaTable.setCurrentIndex(self.addenda_model.index(row, 0))
                    target = f.addendaTable
        elif kind == "section":
            section, _, discussion_id = ident.partition("@")
            if discussion_id in self._discussions:
                names = {v[0]: k for k, v in DISCUSSION_FIELDS.items()}
                target = getattr(self._discussions[discussion_id].form, names.get(section, "positionEdit"))
            else:
                target = {"wellbeing": f.wellbeingEdit, "workload_notes": f.workloadNotesEdit,
                          "learning": f.learningEdit, "asye_progress": f.asyeEdit,
                          "supervisee_comments": f.commentsEdit,
                          "disagreement": f.disagreementEdit}.get(section)
        if target is None or not target.isVisible() and not target.isVisibleTo(self):
            return
        if message:
            self.errors.show(target, message)
        f.scrollArea.ensureWidgetVisible(target, 50, 120)
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    # ------------------------------------------------------------------ leaving

    def discussion_widget(self, discussion_id: str) -> DiscussionWidget | None:
        return self._discussions.get(discussion_id)

    def discussion_ids(self) -> list[str]:
        return list(self._discussions)

    def leave(self) -> None:
        if not self.ask_before_leaving(self._go_back):
            self._go_back()

    def _go_back(self) -> None:
        self.autosaver.flush()
        self.go_back.emit()

    def ask_before_leaving(self, then: Callable[[], None]) -> bool:
        """If a response is written but not recorded, ask what to do with it and return
        True; ``then`` runs once it is recorded or let go. False: nothing to ask."""
        if not self.has_unrecorded_response():
            return False
        self._ask_before_leaving(then)
        return True

    def _ask_before_leaving(self, then: Callable[[], None]) -> None:
        box, buttons = question(
            self, name="unrecordedResponseQuestion", title="Your response is not recorded",
            text="You have not recorded your response to this record yet.",
            detail="Record it now, leave without recording it (what you wrote about disagreeing "
                   "is not kept), or stay and keep writing.",
            answers={"recordResponseButton": ("Record my response", QMessageBox.ButtonRole.AcceptRole),
                     "leaveWithoutRecordingButton": ("Leave without recording",
                                                     QMessageBox.ButtonRole.DestructiveRole),
                     "keepWritingButton": ("Keep writing", QMessageBox.ButtonRole.RejectRole)},
            safe="keepWritingButton")
        record, discard = buttons["recordResponseButton"], buttons["leaveWithoutRecordingButton"]

        def answered(button) -> None:
            if button is record:
                self.save_response(then=then)
            elif button is discard:
                if self.detail is not None:
                    self._show_response(self.detail)  # back to what is recorded
                then()
            else:
                self.form.scrollArea.ensureWidgetVisible(self.form.responseGroup)
                self.form.saveResponseButton.setFocus()

        box.buttonClicked.connect(answered)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def close_editor(self) -> None:
        self.autosaver.close()

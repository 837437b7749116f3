"""Dialogs for issue 21: record a cancelled supervision, write and sign the supervision
agreement, and give feedback on a signed session. Every read and write runs in the task
runner; signing runs in the background like a record's (``gui.signing``)."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)

from ..domain.agreements import TERM_LABELS, TERMS
from ..domain.feedback import ANSWER_WORDS, BALANCE_WORDS, QUESTIONS
from ..domain.time_rules import format_date
from .accessibility import announce, ensure_accessible_names, style_headings
from .addenda_section import AddendaSection
from .layouts import add_row
from .signing import ensure_credentials
from .signing_widgets import SigningDialog
from .tasks import user_message

if TYPE_CHECKING:
    from ..store.agreement_records import WorkerAgreement
    from .main_window import AppContext


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(edit: QDateEdit) -> date:
    d = edit.date()
    return date(d.year(), d.month(), d.day())


def _date_edit(name: str, accessible: str, day: date) -> QDateEdit:
    edit = QDateEdit(_qdate(day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("dd/MM/yyyy")
    edit.setObjectName(name)
    edit.setAccessibleName(accessible)
    return edit


def _heading(layout, text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("heading", True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    layout.addWidget(label)
    return label


def _message(layout, name: str) -> QLabel:
    label = QLabel("")
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setAccessibleName("Message")
    layout.addWidget(label)
    return label


# --------------------------------------------------------------------------- cancellation

class CancellationDialog(QDialog):
    """Record that a planned supervision was cancelled: who, why, and when it is rebooked."""

    saved = Signal(str)

    def __init__(self, ctx: AppContext, worker_id: str, worker_name: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("CancellationDialog")
        self.setWindowTitle(f"Cancelled supervision — {worker_name}")
        self.ctx, self.worker_id = ctx, worker_id
        today = ctx.today()
        layout = QVBoxLayout(self)
        _heading(layout, f"Cancelled supervision with {worker_name}")
        form = QFormLayout()
        layout.addLayout(form)
        self.plannedEdit = _date_edit("plannedForEdit", "Planned for", today)
        self.cancelledEdit = _date_edit("cancelledOnEdit", "Cancelled on", today)
        self.whoCombo = QComboBox()
        self.whoCombo.setObjectName("cancelledByCombo")
        self.whoCombo.setAccessibleName("Who cancelled")
        # the bank-holiday calendar behind it (``holidays``, ~60 ms to import) when a
        # cancellation is recorded, not while the team page is built at start-up
        from ..domain.cancellations import CancelledBy

        for who in CancelledBy:
            self.whoCombo.addItem(who.label, who.value)
        self.reasonEdit = QPlainTextEdit()
        self.reasonEdit.setObjectName("reasonEdit")
        self.reasonEdit.setAccessibleName("Reason")
        self.reasonEdit.setTabChangesFocus(True)
        self.reasonEdit.setFixedHeight(80)
        self.leaveCheck = QCheckBox("They were on &leave; returned on")
        self.leaveCheck.setObjectName("onLeaveCheck")
        self.returnEdit = _date_edit("returnedOnEdit", "Returned from leave on", today)
        self.rebookedCheck = QCheckBox("&Rebooked for")
        self.rebookedCheck.setObjectName("rebookedCheck")
        self.rebookedEdit = _date_edit("rebookedOnEdit", "Rebooked for", today)
        self.deadlineLabel = QLabel("")
        self.deadlineLabel.setObjectName("rebookByLabel")
        self.deadlineLabel.setAccessibleName("Rebook by")
        for text, widget in (("&Planned for", self.plannedEdit), ("&Cancelled on", self.cancelledEdit),
                             ("&Who cancelled", self.whoCombo), ("Rea&son", self.reasonEdit)):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        form.addRow(self.leaveCheck, self.returnEdit)
        form.addRow(self.rebookedCheck, self.rebookedEdit)
        form.addRow(QLabel("Policy"), self.deadlineLabel)
        self.messageLabel = _message(layout, "cancellationMessage")
        row = add_row(layout)
        row.addStretch(1)
        self.saveButton = QPushButton("&Save")
        self.saveButton.setObjectName("saveCancellationButton")
        self.saveButton.setDefault(True)
        self.closeButton = QPushButton("Close")
        self.closeButton.setObjectName("closeButton")
        row.addWidget(self.saveButton)
        row.addWidget(self.closeButton)
        self.saveButton.clicked.connect(self.save)
        self.closeButton.clicked.connect(self.reject)
        for signal in (self.cancelledEdit.dateChanged, self.returnEdit.dateChanged,
                       self.rebookedEdit.dateChanged):
            signal.connect(lambda *_a: self._update())
        for check in (self.leaveCheck, self.rebookedCheck):
            check.toggled.connect(lambda *_a: self._update())
        ensure_accessible_names(self)
        style_headings(self)
        self._update()
        self.whoCombo.setFocus()

    def _values(self) -> dict:
        return dict(
            planned_for=_pydate(self.plannedEdit), cancelled_on=_pydate(self.cancelledEdit),
            cancelled_by=self.whoCombo.currentData(), reason=self.reasonEdit.toPlainText(),
            rebooked_on=_pydate(self.rebookedEdit) if self.rebookedCheck.isChecked() else None,
            returned_from_leave_on=_pydate(self.returnEdit) if self.leaveCheck.isChecked() else None)

    def _update(self) -> None:
        self.returnEdit.setEnabled(self.leaveCheck.isChecked())
        self.rebookedEdit.setEnabled(self.rebookedCheck.isChecked())
        from ..domain.cancellations import rebook_by

        v = self._values()
        deadline = rebook_by(v["cancelled_on"], v["returned_from_leave_on"])
        words = f"Rebook for {format_date(deadline)} at the latest (5 working days)."
        if v["rebooked_on"] is not None and v["rebooked_on"] > deadline:
            words += " The date chosen is later: it will count as a late rebooking."
        self.deadlineLabel.setText(words)

    def save(self) -> None:
        values, ctx, worker_id = self._values(), self.ctx, self.worker_id

        def work(session):
            from ..store.cancellation_records import record_cancellation

            return record_cancellation(session, ctx.actor, worker_id, **values)

        def done(cancellation_id):
            self.saved.emit(cancellation_id)
            self.accept()

        def failed(error):  # the refusal, said as well as shown (issue 19)
            self.messageLabel.setText(user_message(error))
            announce(self.messageLabel, self.messageLabel.text())

        ctx.tasks.write(work, done, failed)


# --------------------------------------------------------------------------- agreement

class AgreementDialog(SigningDialog, AddendaSection, QDialog):
    """The supervision agreement between a worker and their supervisor: written and signed
    by the supervisor, then signed by the supervisee, which locks it. A locked agreement
    takes signed addenda from either party, as a signed record does (``addenda_section``),
    each with its own signed PDF."""

    changed = Signal()
    loaded = Signal()

    def __init__(self, ctx: AppContext, worker_id: str, worker_name: str, agreement_id: str | None = None,
                 parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("AgreementDialog")
        self.setWindowTitle(f"Supervision agreement — {worker_name}")
        self.ctx, self.worker_id, self.agreement_id = ctx, worker_id, agreement_id
        self.worker_name = worker_name
        self.row_state = None
        layout = QVBoxLayout(self)
        _heading(layout, f"Supervision agreement with {worker_name}")
        self.stateLabel = QLabel("")
        self.stateLabel.setObjectName("agreementStateLabel")
        self.stateLabel.setAccessibleName("Agreement status")
        layout.addWidget(self.stateLabel)
        form = QFormLayout()
        layout.addLayout(form)
        self.edits: dict[str, QPlainTextEdit] = {}
        for term in TERMS:
            edit = QPlainTextEdit()
            edit.setObjectName(f"{term}Edit")
            edit.setAccessibleName(TERM_LABELS[term])
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(60)
            label = QLabel(TERM_LABELS[term])
            label.setBuddy(edit)
            label.setWordWrap(True)
            form.addRow(label, edit)
            self.edits[term] = edit
        self.messageLabel = _message(layout, "agreementMessage")
        self._addenda_section(layout, "agreement", "agreement")
        row = add_row(layout)
        row.addStretch(1)
        self.saveButton = QPushButton("Save &draft")
        self.saveButton.setObjectName("saveAgreementButton")
        self.signButton = QPushButton("Si&gn")
        self.signButton.setObjectName("signAgreementButton")
        # the signed PDF, its signatures checked, and saved (as a record's: gui.signing)
        self.signaturesButton = QPushButton("Signa&tures…")
        self.signaturesButton.setObjectName("signaturesButton")
        self.signaturesButton.setAccessibleName("Signatures")
        self.signaturesButton.setToolTip("Check the signed PDF's signatures, or save the PDF")
        self.signaturesButton.setVisible(False)
        self.closeButton = QPushButton("&Close")
        self.closeButton.setObjectName("closeButton")
        for b in (self.saveButton, self.signButton, self.signaturesButton, self.closeButton):
            row.addWidget(b)
        self.saveButton.clicked.connect(lambda: self.save())
        self.signButton.clicked.connect(self.sign)
        self.signaturesButton.clicked.connect(self.show_signatures)
        self.closeButton.clicked.connect(self.accept)
        ensure_accessible_names(self)
        style_headings(self)
        self.resize(720, 640)
        self._load()

    def _addenda_record(self) -> tuple[str, str | None]:
        return "agreement", self.agreement_id

    def _addendum_title(self) -> str:
        return f"the supervision agreement with {self.worker_name}"

    def _load(self) -> None:
        ctx, aid = self.ctx, self.agreement_id

        def work(session):
            from ..store.agreement_records import agreement_addenda, get_agreement

            if aid is None:
                return None
            row = get_agreement(session, ctx.actor, aid)
            return {t: getattr(row, t) for t in TERMS} | {
                "state": row.state, "supervisor_id": row.supervisor_id, "supervisee_id": row.supervisee_id,
                "addenda": agreement_addenda(session, ctx.actor, aid)}

        ctx.tasks.read(work, self._show, self._failed)

    def _show(self, data) -> None:
        me = self.ctx.actor.staff_id
        if data is None:  # a new agreement: the terms start from the team's policy when saved
            from ..domain.agreements import default_terms

            data = default_terms(28, 90) | {"state": "draft", "supervisor_id": me,
                                            "supervisee_id": self.worker_id}
            self.messageLabel.setText("The terms below are a starting point: change them to what "
                                      "you agree, save, then sign.")
        self.row_state = data["state"]
        for term, edit in self.edits.items():
            edit.setPlainText(data[term])
            edit.setReadOnly(data["state"] != "draft" or data["supervisor_id"] != me)
        is_supervisor = data["supervisor_id"] == me
        can_sign = (is_supervisor and data["state"] == "draft") or (
            data["supervisee_id"] == me and data["state"] == "supervisor_signed")
        self.saveButton.setVisible(is_supervisor and data["state"] == "draft")
        self.signButton.setVisible(can_sign)
        self.signaturesButton.setVisible(data["state"] != "draft")  # signed: a signed PDF exists
        self.stateLabel.setText({"draft": "Draft: not signed yet.",
                                 "supervisor_signed": "Signed by the supervisor; waiting for the supervisee.",
                                 "locked": "Signed by both and locked."}[data["state"]])
        self._show_addenda(data.get("addenda"))
        self.loaded.emit()

    def _terms(self) -> dict[str, str]:
        return {t: e.toPlainText() for t, e in self.edits.items()}

    def show_signatures(self) -> None:
        from .signing import SignaturesDialog

        if self.agreement_id is None:
            return
        self.sub_dialog = SignaturesDialog(self.ctx, "agreement", self.agreement_id,
                                           f"supervision agreement with {self.worker_name}", parent=self)
        self.sub_dialog.setModal(True)
        self.sub_dialog.show()

    def save(self, then=None) -> None:
        ctx, aid, worker_id, terms = self.ctx, self.agreement_id, self.worker_id, self._terms()

        def work(session):
            from ..store.agreement_records import create_agreement, update_agreement

            if aid is None:
                return create_agreement(session, ctx.actor, worker_id, terms)
            update_agreement(session, ctx.actor, aid, terms)
            return aid

        def done(agreement_id):
            self.agreement_id = agreement_id
            self._draft_saved("Draft saved. The supervisee sees it once you have signed it.", then)

        ctx.tasks.write(work, done, self._failed)

    def sign(self) -> None:
        # the supervisor's draft is saved as shown first; the supervisee signs it as it is
        self._confirm_then_sign(
            ("Sign this agreement?", "Sign the supervision agreement?",
             "Your signature, the time and a fingerprint of these terms are kept with the agreement "
             "and its signed PDF. Once both of you have signed, it is locked; a review makes a new "
             "agreement."),
            "Si&gn", save_first=self.row_state == "draft", sign=self._sign_saved)

    def _sign_saved(self) -> None:
        ctx, aid = self.ctx, self.agreement_id

        def work():
            from ..records.agreement_signoff import sign_agreement

            return sign_agreement(ctx.db, ensure_credentials(ctx), agreement_id=aid,
                                  signer_id=ctx.actor.staff_id)

        self._sign_then_reload(work)


# --------------------------------------------------------------------------- feedback

class FeedbackDialog(QDialog):
    """Four short questions on a signed session, answered or skipped by the supervisee.
    What it says: only totals for the whole team reach managers, never these answers."""

    saved = Signal(str)

    def __init__(self, ctx: AppContext, session_id: str, title: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("FeedbackDialog")
        self.setWindowTitle(f"Feedback — {title}")
        self.ctx, self.session_id = ctx, session_id
        layout = QVBoxLayout(self)
        _heading(layout, f"How was this supervision? ({title})")
        hint = QLabel("Your answers stay yours: your manager sees only your team's answers added "
                      "together, once at least 5 people have answered, never yours on their own.")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)  # questions read in full
        layout.addLayout(form)
        self.resize(620, 360)

        def combo(name: str, words: dict[str, str], accessible: str) -> QComboBox:
            box = QComboBox()
            box.setObjectName(name)
            box.setAccessibleName(accessible)
            box.addItem("Choose…", None)
            for value, text in words.items():
                box.addItem(text, value)
            return box

        self.helpfulCombo = combo("helpfulCombo", ANSWER_WORDS, QUESTIONS["helpful"])
        self.balanceCombo = combo("balanceCombo", BALANCE_WORDS, QUESTIONS["reflection_balance"])
        self.supportCombo = combo("supportCombo", ANSWER_WORDS, QUESTIONS["emotional_support"])
        self.changeEdit = QPlainTextEdit()
        self.changeEdit.setObjectName("changeEdit")
        self.changeEdit.setAccessibleName(QUESTIONS["change_one_thing"])
        self.changeEdit.setTabChangesFocus(True)
        self.changeEdit.setFixedHeight(70)
        for key, widget in (("helpful", self.helpfulCombo), ("reflection_balance", self.balanceCombo),
                            ("emotional_support", self.supportCombo),
                            ("change_one_thing", self.changeEdit)):
            label = QLabel(QUESTIONS[key])
            label.setWordWrap(True)
            label.setBuddy(widget)
            form.addRow(label, widget)
        self.messageLabel = _message(layout, "feedbackMessage")
        row = add_row(layout)
        row.addStretch(1)
        self.sendButton = QPushButton("&Send")
        self.sendButton.setObjectName("sendFeedbackButton")
        self.sendButton.setDefault(True)
        self.skipButton = QPushButton("S&kip")
        self.skipButton.setObjectName("skipFeedbackButton")
        row.addWidget(self.sendButton)
        row.addWidget(self.skipButton)
        self.sendButton.clicked.connect(lambda: self._save(False))
        self.skipButton.clicked.connect(lambda: self._save(True))
        ensure_accessible_names(self)
        style_headings(self)
        self.helpfulCombo.setFocus()

    def _save(self, skipped: bool) -> None:
        ctx, sid = self.ctx, self.session_id
        answers = dict(helpful=self.helpfulCombo.currentData(),
                       reflection_balance=self.balanceCombo.currentData(),
                       emotional_support=self.supportCombo.currentData(),
                       change_one_thing=self.changeEdit.toPlainText())

        def work(session):
            from ..store.feedback_records import give_feedback

            return give_feedback(session, ctx.actor, sid, skipped=skipped, **answers)

        def done(feedback_id):
            self.saved.emit(feedback_id)
            self.accept()

        def failed(error):  # the refusal, said as well as shown (issue 19)
            self.messageLabel.setText(user_message(error))
            announce(self.messageLabel, self.messageLabel.text())

        ctx.tasks.write(work, done, failed)


# --------------------------------------------------------------------------- page rows

def latest_feedback_totals(session, actor) -> list[tuple[str, object]]:
    """(team name, newest published total) for each team the actor manages: totals the
    server added up from at least 5 people's answers (``domain.feedback``), never answers."""
    from sqlalchemy import select

    from ..domain.permissions import Operation, TeamTarget, decide
    from ..store.models import Team
    from ..store.practice_models import TeamFeedbackTotal

    newest: dict[str, object] = {}
    for total in session.scalars(select(TeamFeedbackTotal).where(TeamFeedbackTotal.tombstone.is_(False))
                                 .order_by(TeamFeedbackTotal.quarter)):
        if decide(actor, Operation.VIEW, TeamTarget(total.team_id)):
            newest[total.team_id] = total
    names = dict(session.execute(select(Team.id, Team.name).where(Team.id.in_(list(newest)))).all())
    return sorted(((names.get(tid, ""), total) for tid, total in newest.items()), key=lambda p: p[0])


def feedback_words(team_name: str, total) -> str:
    return (f"{team_name} feedback, {total.quarter} ({total.answers} answers): "
            f"{total.helpful_yes} found supervision helpful, {total.mostly_case_monitoring} say it was "
            f"mostly case monitoring, {total.support_yes} had the emotional support they needed.")


def _practice_row(page, label_name: str, buttons: list[tuple[str, str, str]]):
    """A line under a page's summary: a status label and buttons (name, text, accessible)."""
    from PySide6.QtWidgets import QBoxLayout, QHBoxLayout

    summary = page.form.summaryLabel
    outer = summary.parentWidget().findChild(QBoxLayout, page.practice_layout)
    row = QHBoxLayout()
    outer.insertLayout(outer.indexOf(summary) + 1, row)
    label = QLabel("", summary.parentWidget())
    label.setObjectName(label_name)
    label.setWordWrap(True)
    label.setAccessibleName("Supervision agreement and cancellations")
    row.addWidget(label, 1)
    made = []
    for name, text, accessible in buttons:
        button = QPushButton(text, summary.parentWidget())
        button.setObjectName(name)
        button.setAccessibleName(accessible)
        row.addWidget(button)
        made.append(button)
    return label, made


class TeamPractice:
    """On "My team": where each worker's agreement stands, this quarter's cancellations by who
    cancelled and late rebookings; buttons to record a cancellation and open the agreement."""

    def __init__(self, page) -> None:
        self.page = page
        page.practice_layout = "teamLayout"
        self.label, (self.cancelButton, self.agreementButton) = _practice_row(
            page, "teamPracticeLabel",
            [("recordCancellationButton", "Record a cancella&tion…",
              "Record a cancelled supervision for the selected worker"),
             ("agreementButton", "Supe&rvision agreement…", "Open the selected worker's supervision agreement")])
        # in the order the page reads (issue 19), once the page is in the window (its place
        # in the window's focus chain is made when it is added, in the order of its children)
        QTimer.singleShot(0, self._reading_order)
        self.cancelButton.clicked.connect(self.record_cancellation)
        self.agreementButton.clicked.connect(self.open_agreement)
        self.agreements: dict[str, WorkerAgreement] = {}
        self.dialog: QDialog | None = None  # the one open, kept from the collector

    def _reading_order(self) -> None:
        """These two beside the summary, the calendar button below them, then the find row
        and the table: after "New supervision" (below them) a Tab went back up the page."""
        from PySide6.QtWidgets import QWidget

        f = self.page.form
        order = [self.cancelButton, self.agreementButton, self.page.calendarButton, f.filterEdit,
                 f.statusFilter, f.exportButton, f.historyButton, f.newSessionButton, f.workerTable]
        for before, after in zip(order, order[1:]):
            QWidget.setTabOrder(before, after)

    def _worker(self):
        from .pages import current_row

        row = current_row(self.page.form.workerTable)
        if row is None:
            self.page.ctx.notify("Choose a worker in the list first.")
        return row

    def refresh(self) -> None:
        ctx = self.page.ctx
        actor, today = ctx.actor, ctx.today()
        quarter_start = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)

        def work(session):
            from ..store import queries
            from ..store.agreement_records import agreement_overview
            from ..store.cancellation_records import cancellations, count_cancellations

            workers = [r.worker_id for r in queries.team_overview(session, actor, today)]
            overview = agreement_overview(session, actor, today=today, worker_ids=workers)
            rows = [r for r in cancellations(session, actor, today=today, since=quarter_start)
                    if r.supervisee_id in set(workers)]
            return overview, count_cancellations(rows), latest_feedback_totals(session, actor)

        ctx.tasks.read(work, self._show, self.page.failed)

    def _show(self, data) -> None:
        overview, counts, feedback = data
        self.agreements = {w.worker_id: w for w in overview}
        needing = [w for w in overview if w.state.status.needs_action]
        names = ", ".join(f"{w.worker_name} ({w.state.status.label.lower()})" for w in needing[:4])
        more = f" and {len(needing) - 4} more" if len(needing) > 4 else ""
        agreements = (f"Agreements to write or review: {len(needing)}" + (f": {names}{more}" if needing else "")
                      if needing else "Every supervision agreement is in place")
        self.label.setText(
            f"{agreements}. Cancelled this quarter: {counts.total} ({counts.by_supervisor} by the "
            f"supervisor, {counts.by_supervisee} by the supervisee, {counts.by_other} other); "
            f"{counts.late_rebookings} not rebooked within 5 working days."
            + "".join(f" {feedback_words(name, total)}" for name, total in feedback))

    def record_cancellation(self) -> None:
        row = self._worker()
        if row is None:
            return
        dialog = CancellationDialog(self.page.ctx, row.worker_id, row.name, self.page)
        dialog.saved.connect(lambda _id: self.page.refresh())
        dialog.open()
        self.dialog = dialog

    def open_agreement(self) -> None:
        row = self._worker()
        if row is None:
            return
        known = self.agreements.get(row.worker_id)
        dialog = AgreementDialog(self.page.ctx, row.worker_id, row.name,
                                 known.agreement_id if known is not None else None, self.page)
        dialog.changed.connect(self.page.refresh)
        dialog.open()
        self.dialog = dialog


class MyPractice:
    """On "My supervision": give feedback on a signed record; open my agreement to sign it."""

    def __init__(self, page) -> None:
        self.page = page
        page.practice_layout = "myLayout"
        self.label, (self.feedbackButton, self.agreementButton) = _practice_row(
            page, "myPracticeLabel",
            [("feedbackButton", "Give feed&back…", "Give feedback on the selected signed record"),
             ("myAgreementButton", "My a&greement…", "Open my supervision agreement")])
        self.feedbackButton.clicked.connect(self.give_feedback)
        self.agreementButton.clicked.connect(self.open_agreement)
        self.awaiting: list[str] = []
        self.agreement = None

    def refresh(self) -> None:
        ctx = self.page.ctx
        actor, today = ctx.actor, ctx.today()

        def work(session):
            from ..store.agreement_records import agreement_overview
            from ..store.feedback_records import awaiting_feedback

            (mine,) = agreement_overview(session, actor, today=today, worker_ids=[actor.staff_id]) or (None,)
            return awaiting_feedback(session, actor), mine

        ctx.tasks.read(work, self._show, self.page.failed)

    def _show(self, data) -> None:
        self.awaiting, self.agreement = data
        parts = []
        if self.awaiting:
            n = len(self.awaiting)
            parts.append(f"{n} signed record{'s' if n != 1 else ''} waiting for your feedback")
        if self.agreement is not None:
            parts.append(f"Supervision agreement: {self.agreement.state.status.label.lower()}")
        self.label.setText(" · ".join(parts))
        self.agreementButton.setEnabled(self.agreement is not None and self.agreement.agreement_id is not None)

    def give_feedback(self) -> None:
        from .pages import current_row

        row = current_row(self.page.form.recordsTable)
        if row is None or row.session_id not in self.awaiting:
            self.page.ctx.notify("Choose a signed record you have not given feedback on yet.")
            return
        from ..domain.time_rules import london_date

        dialog = FeedbackDialog(self.page.ctx, row.session_id,
                                f"supervision of {format_date(london_date(row.held_at))}", self.page)
        dialog.saved.connect(lambda _id: self.refresh())
        dialog.open()
        self.dialog = dialog

    def open_agreement(self) -> None:
        if self.agreement is None or self.agreement.agreement_id is None:
            return
        me = self.page.ctx.me
        dialog = AgreementDialog(self.page.ctx, me.staff_id, me.display_name,
                                 self.agreement.agreement_id, self.page)
        dialog.changed.connect(self.refresh)
        dialog.open()
        self.dialog = dialog

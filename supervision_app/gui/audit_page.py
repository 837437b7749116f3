"""The audit page: dip samples, grading against the checklist, actions for managers.

    page = AuditPage(database, actor, today=date.today, open_record=window.open_record)
    page.refresh()

A quality assurance auditor draws a sample (supervision records or children, stratified by
team and legal status, from a seed that is shown and can be typed in to repeat a draw,
optionally weighted by quality signals), reads each sampled record here, read-only, grades
it against the round's checklist on the four-point scale with a finding, adds actions for
the responsible manager, completes the round and exports it as a PDF.

A manager (team, service, head of service) sees the rounds' records from the teams they
manage, read-only, and the audit actions addressed to them, which they mark done.

Every query runs on the reads pool of a :class:`~.tasks.TaskRunner` and every change on its
single write queue (the window's, so the busy indicator shows them), never on the GUI thread;
a result older than the newest request of its kind is dropped. The page writes only to the
audit tables and the audit log
(``assurance.audit``): the records it shows are never changed. Record contents are shown on
screen and never logged.
"""
from __future__ import annotations

import html
import secrets
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import QDate, QModelIndex, QRegularExpression, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QLabel,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..domain.permissions import Actor
from ..domain.time_rules import format_date, format_london, london_today
from ..domain.vocabulary import ActionStatus, Capacity, Complexity, LegalStatus, Role
from ..store.database import Database
from .accessibility import announce, ensure_accessible_names, follow_font, keep_lines, style_headings
from .assurance_page import ALERT, GOOD, Col, Proxy, RowsTable, _setup_table
from .forms import load_widget
from .layouts import add_row
from .tasks import READS, WRITES, TaskRunner, user_message
from .window_forms import AuditPageForm

if TYPE_CHECKING:
    from ..assurance.audit import RoundReport

__all__ = ["AuditPage", "GRADE_CHOICES"]

MAX_SEED = 2**53 - 1  # as assurance.sampling (not imported here: the store loads off the GUI thread)
# (value, label) of the four-point scale, then "not applicable" for a checklist answer
GRADE_CHOICES = (("outstanding", "Outstanding"), ("good", "Good"),
                 ("requires_improvement", "Requires improvement"), ("inadequate", "Inadequate"))
NOT_APPLICABLE = ("not_applicable", "Not applicable")
GRADE_LABELS = dict(GRADE_CHOICES) | dict([NOT_APPLICABLE])
GRADE_COLOURS = {"outstanding": GOOD, "good": GOOD, "requires_improvement": QColor("#8a5a00"),
                 "inadequate": ALERT}
POPULATIONS = ("supervision", "children")
POPULATION_LABELS = {"supervision": "Supervision records", "children": "Children"}
MANAGER_ROLES = (Role.TEAM_MANAGER, Role.SERVICE_MANAGER, Role.HEAD_OF_SERVICE)
# jobs that change the audit record: through the window's single write queue, in order
WRITE_JOBS = frozenset({"action_status", "draw", "grade", "add_action", "complete"})


def _grade_value(grade) -> str | None:
    return None if grade is None else getattr(grade, "value", grade)


def _grade_order(value: str | None) -> int:
    """Grades from best to worst, then ungraded items."""
    return 9 if not value else [v for v, _l in GRADE_CHOICES].index(value)


ROUND_COLS = [
    Col("Title", lambda r: r.title),
    Col("Records", lambda r: POPULATION_LABELS.get(getattr(r.population, "value", r.population), "")),
    Col("Drawn", lambda r: format_date(r.created_on), sort=lambda r: r.created_on.isoformat()),
    Col("Graded", lambda r: f"{r.graded} of {r.sample_size}", sort=lambda r: (r.graded, r.sample_size),
        right=True),
    Col("Open actions", lambda r: str(r.open_actions), sort=lambda r: r.open_actions, right=True,
        colour=lambda r: ALERT if r.open_actions else None),
    Col("State", lambda r: "Completed" if r.state == "completed" else "Open for grading"),
]
ITEM_COLS = [
    Col("No.", lambda i: str(i.position), sort=lambda i: i.position, right=True),
    Col("Record", lambda i: i.record_label),
    Col("Legal status", lambda i: i.stratum_label.rpartition(" / ")[2]),
    Col("Grade", lambda i: GRADE_LABELS.get(_grade_value(i.grade) or "", "Not graded yet"),
        sort=lambda i: _grade_order(_grade_value(i.grade)),
        colour=lambda i: GRADE_COLOURS.get(_grade_value(i.grade) or "")),
    Col("Actions", lambda i: _item_actions(i), sort=lambda i: len(i.actions), right=True),
    Col("Team", lambda i: i.team_name),
    Col("Graded on", lambda i: format_date(i.graded_on),
        sort=lambda i: i.graded_on.isoformat() if i.graded_on else ""),
]
ACTION_COLS = [
    Col("Due", lambda a: format_date(a.due_on), sort=lambda a: a.due_on.isoformat()),
    Col("Status", lambda a: "Overdue" if a.overdue else a.status.label,
        colour=lambda a: ALERT if a.overdue else (GOOD if a.status != ActionStatus.OPEN else None)),
    Col("Action", lambda a: a.description),
    Col("Grade", lambda a: GRADE_LABELS.get(a.grade or "", "")),
    Col("Record", lambda a: a.record_label),
    Col("Team", lambda a: a.team_name),
    Col("For", lambda a: "You" if a.addressed_to_me else a.owner_name),
    Col("Audit round", lambda a: a.round_title),
    Col("Closed", lambda a: format_date(a.closed_on) + (f": {a.closing_note}" if a.closing_note else ""),
        sort=lambda a: a.closed_on.isoformat() if a.closed_on else ""),
]


def _item_actions(item) -> str:
    if not item.actions:
        return ""
    still_open = sum(1 for a in item.actions if a.status == ActionStatus.OPEN)
    return f"{len(item.actions)} ({still_open} open)" if still_open else str(len(item.actions))


class AuditPage(QWidget):
    """Dip sampling and audit for auditors; audit actions for the managers they are for."""

    title = "Audit"
    loaded = Signal()  # rounds and actions shown
    round_loaded = Signal()  # a round's sample shown
    record_loaded = Signal()  # the selected record shown, read-only
    drawn = Signal(str)  # the new round's id
    graded = Signal(str)  # the item's id
    action_added = Signal(str)
    action_updated = Signal(str)
    completed = Signal(str)  # the round's id
    exported = Signal(str)  # the file written
    failed = Signal(str)  # a user-facing message

    def __init__(self, database: Database, actor: Actor, *, today: Callable[[], date] | date | None = None,
                 open_record: Callable[[str, str], None] | None = None,
                 tasks: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AuditPage")
        self.database, self.actor = database, actor
        self._today = today if callable(today) else (lambda d=today: d or london_today())
        self.open_record = open_record
        self.tasks = tasks or TaskRunner(database, self)
        self.is_auditor = actor.role == Role.QA_AUDITOR
        self._busy: set[str] = set()
        self.report: RoundReport | None = None  # the open round
        self.rounds: list = []
        self.audit_actions: list = []  # not ``actions``: that is QWidget.actions(), the widget's QActions
        self._answer_combos: dict[str, QComboBox] = {}
        self._checklist_panel: QWidget | None = None
        self._select_item_id: str | None = None

        self.widget = load_widget("audit_page.ui", self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addWidget(self.widget)
        f = self.form = AuditPageForm(self.widget)

        self.round_model = RowsTable(ROUND_COLS, self)
        self.round_proxy = Proxy(self.round_model, self)
        _setup_table(f.roundsTable, self.round_proxy, stretch=0)
        f.roundsTable.sortByColumn(2, Qt.SortOrder.DescendingOrder)  # newest first
        self.item_model = RowsTable(ITEM_COLS, self)
        self.item_proxy = Proxy(self.item_model, self)
        _setup_table(f.itemsTable, self.item_proxy, stretch=None)
        f.itemsTable.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # in the order drawn
        f.itemsTable.setWordWrap(False)
        f.itemFilterEdit.textChanged.connect(self.item_proxy.setFilterFixedString)
        self.action_model = RowsTable(ACTION_COLS, self)
        self.action_proxy = Proxy(self.action_model, self)
        _setup_table(f.actionsTable, self.action_proxy, stretch=2)
        f.actionsTable.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # open and overdue first, as listed
        keep_lines(f.findingEdit, 3, 6)  # in lines of its font: it grows with the text size
        self._split_item_pane()
        f.sampleSplitter.setStretchFactor(0, 3)
        f.sampleSplitter.setStretchFactor(1, 2)
        f.sampleSplitter.setSizes([720, 500])
        f.actionsTable.setWordWrap(False)

        # drawing a sample
        f.populationCombo.setItemData(0, "supervision")
        f.populationCombo.setItemData(1, "children")
        f.populationCombo.currentIndexChanged.connect(self._population_changed)
        f.teamCombo.addItem("Every team", None)
        f.statusCombo.addItem("Every legal status", None)
        for status in LegalStatus:
            f.statusCombo.addItem(status.label, status.value)
        f.seedEdit.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{1,16}"), f.seedEdit))
        f.newSeedButton.clicked.connect(self.new_seed)
        self.new_seed()
        today = self._today()
        f.heldToEdit.setDate(_qdate(today))
        f.heldFromEdit.setDate(_qdate(today - timedelta(days=182)))
        f.actionDueEdit.setDate(_qdate(today + timedelta(days=28)))
        f.drawHint.setText("Strata are team and legal status (a supervision record counts under "
                           "the most serious status among the children it discusses). Drafts and "
                           "your own supervision are never drawn. Note the seed: the same seed "
                           "over the same records draws the same sample.")
        f.drawButton.clicked.connect(self.draw)

        f.roundsTable.activated.connect(lambda _i: self._open_selected_round())
        f.actionsTable.activated.connect(lambda _i: self._open_action_round())
        f.openRoundButton.clicked.connect(self._open_selected_round)
        f.itemsTable.selectionModel().currentRowChanged.connect(self._item_changed)
        for value, label in GRADE_CHOICES:
            f.overallCombo.addItem(label, value)
        f.overallCombo.insertItem(0, "Choose a grade", None)
        f.overallCombo.setCurrentIndex(0)
        f.saveGradeButton.clicked.connect(self.save_grade)
        f.addActionButton.clicked.connect(self.add_action)
        f.completeButton.clicked.connect(self.complete_round)
        f.exportButton.clicked.connect(self._ask_export)
        f.recordView.setOpenLinks(False)
        f.openRecordButton.clicked.connect(self._open_in_app)
        f.openRecordButton.setVisible(open_record is not None)
        f.itemsTable.activated.connect(lambda _i: self._start_grading())

        f.showClosedCheck.toggled.connect(lambda _on: self._show_actions())
        f.actionsTable.selectionModel().currentRowChanged.connect(lambda *_: self._action_buttons())
        f.doneButton.clicked.connect(lambda: self.set_action_status(ActionStatus.DONE))
        f.notNeededButton.clicked.connect(lambda: self.set_action_status(ActionStatus.NO_LONGER_NEEDED))
        f.reopenButton.clicked.connect(lambda: self.set_action_status(ActionStatus.OPEN))
        f.refreshButton.clicked.connect(self.refresh)
        # F5 as elsewhere: every letter of "Refresh" is taken on this page or the menus
        f.refreshButton.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        f.refreshButton.setToolTip("Refresh (F5)")

        self._apply_role()
        if self.is_auditor:
            self._scroll_draw_group()
        self._population_changed()
        self._show_item(None)
        self._action_buttons()
        self._round_buttons()
        ensure_accessible_names(self)
        style_headings(self)

    def _split_item_pane(self) -> None:
        """The sample above the record being read, on the left; the grading on the right,
        as tall as the page (scrolling only if the page is shorter than the checklist).
        Below the record, in a scroll area of its own, the grading got a third of the
        height: three questions at a time, on a laptop screen."""
        f = self.form
        pane_layout = f.itemPaneLayout  # f.itemPane's
        for widget in (f.recordHeading, f.openRecordButton, f.recordView, f.gradeGroup, f.actionGroup):
            pane_layout.removeWidget(widget)
        top = QWidget()
        top.setObjectName("readingPane")
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        heading_row = add_row(top_layout)
        heading_row.addWidget(f.recordHeading, 1)
        heading_row.addWidget(f.openRecordButton)
        top_layout.addWidget(f.recordView)
        reading = QSplitter(Qt.Orientation.Vertical)
        reading.setObjectName("readingSplitter")
        reading.setChildrenCollapsible(False)
        f.sampleSplitter.insertWidget(0, reading)
        reading.addWidget(f.itemsPane)
        reading.addWidget(top)
        reading.setStretchFactor(0, 2)
        reading.setStretchFactor(1, 3)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 6, 0)
        bottom_layout.addWidget(f.gradeGroup)
        bottom_layout.addWidget(f.actionGroup)
        bottom_layout.addStretch(1)
        scroll = QScrollArea(f.itemPane)
        scroll.setObjectName("gradingScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(bottom)
        scroll.setAccessibleName("Grading")
        pane_layout.addWidget(scroll)

        def fit_width(_widget: QWidget) -> None:  # never sideways: as wide as the grading needs
            bottom_layout.activate()
            scroll.setMinimumWidth(bottom.minimumSizeHint().width()
                                   + scroll.verticalScrollBar().sizeHint().width())

        follow_font(bottom, fit_width, "grading_width")
        self.grading_scroll = scroll
        self.reading_splitter = reading

    def _scroll_draw_group(self) -> None:
        """The sample's settings scroll when the page is short of height (a large text size
        on a laptop) rather than squeezing their explanation into a line or two, cut off."""
        f = self.form
        layout = f.roundsLayout  # f.roundsTab's
        index = layout.indexOf(f.drawGroup)
        layout.removeWidget(f.drawGroup)
        scroll = QScrollArea(f.roundsTab)
        scroll.setObjectName("drawScroll")
        scroll.setAccessibleName("Draw a dip sample")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the fields; it follows them
        scroll.setWidget(f.drawGroup)
        layout.insertWidget(index, scroll)
        self.draw_scroll = scroll

    # ------------------------------------------------------------------ roles
    def _apply_role(self) -> None:
        f = self.form
        if self.is_auditor:
            f.introLabel.setText(
                "Draw a dip sample, read each record (read-only: an audit never changes what it "
                "reads), grade it against the checklist with a finding, and add actions for the "
                "team's manager. Complete the round when every record is graded, then export it.")
            f.actionsIntro.setText("Actions from your audits, open and overdue first. The manager "
                                   "marks them done; you can too, or reopen them.")
        else:
            f.introLabel.setText(
                "Audit rounds that looked at records from the teams you manage, with their grades "
                "and findings (read-only), and the actions auditors have asked of you.")
            f.actionsIntro.setText("Actions from audits for you and the teams you manage, open and "
                                   "overdue first. Mark each done when it is done, with a note.")
            f.drawGroup.setVisible(False)
            f.gradeGroup.setVisible(False)
            f.actionGroup.setVisible(False)
            f.completeButton.setVisible(False)
            f.tabs.setTabText(f.tabs.indexOf(f.sampleTab), "&Sample and findings")
            if self.actor.role in MANAGER_ROLES:
                f.tabs.setCurrentWidget(f.actionsTab)

    def first_focus(self) -> QWidget:
        return self.form.roundTitleEdit if self.is_auditor else self.form.actionsTable

    @property
    def busy(self) -> bool:
        return bool(self._busy)

    # ------------------------------------------------------------------ background work
    def _submit(self, what: str, work: Callable[[], Any]) -> None:
        """``work()`` manages its own transaction: changes go through the window's single
        write queue, reads (and audited views) through its reads pool; the newest request of
        each kind wins."""
        self._busy.add(what)
        self.tasks.run(WRITES if what in WRITE_JOBS else READS, work,
                       lambda result: self._finished(what, result, None),
                       lambda error: self._finished(what, None, error), key=(id(self), what))

    def _finished(self, what: str, result: Any, error: Any) -> None:
        self._busy.discard(what)
        if not self._busy:
            self.form.statusLabel.setText("")
        if error is not None:
            message = user_message(error)
            self._say(message)
            self.failed.emit(message)
            return
        handler = getattr(self, f"_done_{what}")
        handler(result)

    def _say(self, text: str) -> None:
        """The status line, announced: an outcome or a refusal reaches a screen reader, which
        does not hear a label change by itself (issue 19). Progress (``_working``) is shown only."""
        self.form.statusLabel.setText(text)
        announce(self.form.statusLabel, text)

    def _working(self, text: str) -> None:
        self.form.statusLabel.setText(text)

    # ------------------------------------------------------------------ rounds and actions
    def refresh(self) -> None:
        """Reload the rounds, the audit actions and (for an auditor) the teams."""
        db, actor, today = self.database, self.actor, self._today()
        auditor = self.is_auditor

        def work():
            from sqlalchemy import select

            from ..assurance.audit import list_audit_actions, list_rounds
            from ..store.models import Team

            with db.reading() as s:
                teams = (s.execute(select(Team.id, Team.name).where(Team.tombstone.is_(False))
                                   .order_by(Team.name)).all() if auditor else [])
                return (list_rounds(s, actor), list_audit_actions(s, actor, today=today),
                        [(t.id, t.name) for t in teams])

        self._working("Loading audit rounds…")
        self._submit("overview", work)

    def _done_overview(self, result) -> None:
        self.rounds, self.audit_actions, teams = result
        self.round_model.set_rows(self.rounds)
        self._fill_teams(teams)
        self._show_actions()
        if self.round_proxy.rowCount() and not self.form.roundsTable.currentIndex().isValid():
            self.form.roundsTable.setCurrentIndex(self.round_proxy.index(0, 0))
        self.loaded.emit()

    def _fill_teams(self, teams) -> None:
        combo = self.form.teamCombo
        if combo.count() > 1 or not teams:
            return
        for team_id, name in teams:
            combo.addItem(name, team_id)

    def _show_actions(self) -> None:
        show_closed = self.form.showClosedCheck.isChecked()
        rows = [a for a in self.audit_actions if show_closed or a.status == ActionStatus.OPEN]
        current = self._current_action()
        self.action_model.set_rows(rows)
        if rows:
            keep = next((r for r in range(self.action_proxy.rowCount())
                         if current is not None
                         and self.action_proxy.row_at(self.action_proxy.index(r, 0)).action_id == current.action_id), 0)
            self.form.actionsTable.setCurrentIndex(self.action_proxy.index(keep, 0))
        open_mine = sum(1 for a in self.audit_actions if a.status == ActionStatus.OPEN and a.addressed_to_me)
        tabs = self.form.tabs
        tabs.setTabText(tabs.indexOf(self.form.actionsTab),
                        f"Audit a&ctions ({open_mine} for you)" if open_mine else "Audit a&ctions")
        self._action_buttons()

    def _open_action_round(self) -> None:
        """Enter on an action: the round it came from, at the record it is about."""
        a = self._current_action()
        if a is not None:
            self._select_item_id = a.item_id
            self.open_round(a.round_id)

    def _current_action(self):
        index = self.form.actionsTable.currentIndex()
        return self.action_proxy.row_at(index) if index.isValid() else None

    def _action_buttons(self) -> None:
        a = self._current_action()
        f = self.form
        is_open = a is not None and a.status == ActionStatus.OPEN
        f.doneButton.setEnabled(is_open)
        f.notNeededButton.setEnabled(is_open)
        f.reopenButton.setEnabled(a is not None and not is_open)
        f.closingNoteEdit.setEnabled(a is not None)

    def set_action_status(self, status: ActionStatus) -> None:
        a = self._current_action()
        if a is None:
            return
        db, actor, note = self.database, self.actor, self.form.closingNoteEdit.text()
        action_id = a.action_id

        def work():
            from ..assurance.audit import set_audit_action_status

            with db.transaction() as s:
                set_audit_action_status(s, actor, action_id, status, note)
            return action_id

        self._working("Saving…")
        self._submit("action_status", work)

    def _done_action_status(self, action_id: str) -> None:
        self.form.closingNoteEdit.clear()
        self.action_updated.emit(action_id)
        self.refresh()
        if self.report is not None:
            self.open_round(self.report.round_id)

    # ------------------------------------------------------------------ drawing a sample
    def new_seed(self) -> None:
        self.form.seedEdit.setText(str(secrets.randbelow(MAX_SEED + 1)))

    def _population_changed(self) -> None:
        supervision = self.form.populationCombo.currentData() != "children"
        for widget in (self.form.heldFromLabel, self.form.heldFromEdit, self.form.heldToLabel,
                       self.form.heldToEdit):
            widget.setEnabled(supervision)

    def draw(self) -> None:
        """Draw the sample in the form and open the new round."""
        f = self.form
        if not f.seedEdit.text().strip():
            self.new_seed()
        seed = min(int(f.seedEdit.text()), MAX_SEED)
        kind = f.populationCombo.currentData() or "supervision"
        team, status = f.teamCombo.currentData(), f.statusCombo.currentData()
        proportional = f.allocationCombo.currentIndex() == 0
        size = f.sizeSpin.value()
        weighted = f.weightCheck.isChecked()
        held_from = _pydate(f.heldFromEdit.date()) if kind == "supervision" else None
        held_to = _pydate(f.heldToEdit.date()) if kind == "supervision" else None
        title = f.roundTitleEdit.text().strip() or f"Dip sample {format_date(self._today())}"
        db, actor, today = self.database, self.actor, self._today()

        def work():
            from ..assurance.audit import create_round
            from ..assurance.signals import quality_signals, sampling_weights

            with db.transaction() as s:
                weights = None
                if weighted:
                    signals = quality_signals(s, actor, today=today,
                                              since=held_from or today - timedelta(days=365),
                                              team_ids=[team] if team else None)
                    weights = sampling_weights(signals, kind)
                return create_round(
                    s, actor, title=title, kind=kind, seed=seed,
                    size=size if proportional else None, per_stratum=None if proportional else min(size, 200),
                    team_ids=[team] if team else None, legal_statuses=[status] if status else None,
                    held_from=held_from, held_to=held_to, weights=weights)

        self._working("Drawing the sample…")
        self._submit("draw", work)

    def _done_draw(self, round_id: str) -> None:
        self.form.roundTitleEdit.clear()
        self.drawn.emit(round_id)
        self.refresh()
        self.open_round(round_id)

    # ------------------------------------------------------------------ one round
    def _open_selected_round(self) -> None:
        index = self.form.roundsTable.currentIndex()
        if index.isValid():
            self.open_round(self.round_proxy.row_at(index).round_id)

    def open_round(self, round_id: str) -> None:
        """Show a round's sample (in the background), on the second tab."""
        db, actor, today = self.database, self.actor, self._today()

        def work():
            from ..assurance.audit import round_report

            with db.reading() as s:
                return round_report(s, actor, round_id, today)

        self._working("Opening the round…")
        self._submit("round", work)

    def _done_round(self, report) -> None:
        f = self.form
        same = self.report is not None and self.report.round_id == report.round_id
        keep = self._select_item_id or (self._current_item().item_id if same and self._current_item() else None)
        self._select_item_id = None
        self.report = report
        self._build_checklist(report)
        design = report.design or {}
        how = ("the same number from each team and legal status" if design.get("per_stratum")
               else "in proportion to each team and legal status")
        weighted = ", weighted by quality signals" if design.get("weighted") else ""
        state = (f"completed {format_date(report.completed_on)}" if report.state == "completed"
                 else "open for grading")
        f.roundSummary.setText(
            f"{report.title}: {len(report.items)} {POPULATION_LABELS[report.population.value].lower()} "
            f"of {design.get('population_size', '?')}, drawn {how}{weighted}, with seed {report.seed}, "
            f"by {report.auditor_name} on {format_date(report.created_on)}. The round is {state}.")
        self.item_model.set_rows(report.items)
        team_col = next(n for n, c in enumerate(ITEM_COLS) if c.title == "Team")
        f.itemsTable.setColumnHidden(team_col, len({i.team_name for i in report.items}) <= 1)
        row = 0
        if keep:
            row = next((r for r in range(self.item_proxy.rowCount())
                        if self.item_proxy.row_at(self.item_proxy.index(r, 0)).item_id == keep), 0)
        if self.item_proxy.rowCount():
            f.itemsTable.setCurrentIndex(self.item_proxy.index(row, 0))
        else:
            self._show_item(None)
        self._round_buttons()
        f.tabs.setCurrentWidget(f.sampleTab)
        self.round_loaded.emit()

    def _round_buttons(self) -> None:
        f, r = self.form, self.report
        graded = sum(1 for i in r.items if i.grade) if r else 0
        f.progressLabel.setText(f"{graded} of {len(r.items)} graded" if r else "")
        f.exportButton.setEnabled(r is not None)
        f.completeButton.setEnabled(r is not None and r.state != "completed" and graded == len(r.items))
        f.completeButton.setToolTip("" if r is None or graded == len(r.items)
                                    else "Grade every record first")

    def _build_checklist(self, report) -> None:
        # A fresh panel each time rather than emptying the old layout item by item: taking
        # items out would leave PySide wrappers of them behind (see layouts.py).
        host = self.form.checklistHost
        layout = host.layout()
        if layout is None:
            layout = QVBoxLayout(host)
            layout.setContentsMargins(0, 0, 0, 0)
        previous = self._checklist_panel
        if previous is not None:
            previous.hide()
            previous.setParent(None)  # out of the way of findChild at once; deleted below
            previous.deleteLater()
        panel = QWidget(host)
        panel.setObjectName("checklistPanel")
        layout.addWidget(panel)
        self._checklist_panel = panel
        # Each question above its answer, wrapping to the width the pane has. Beside the
        # answers (a form layout) a question got only what they left over, which at a large
        # text size was nothing; a form's label above its field keeps its own preferred
        # width, wider than the pane at the largest sizes.
        checklist = QVBoxLayout(panel)
        checklist.setContentsMargins(0, 0, 0, 0)
        self._answer_combos = {}
        for n, q in enumerate(report.checklist, start=1):
            label = QLabel(f"{n}. {q.text}", panel)
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
            combo = QComboBox(panel)
            combo.setObjectName(f"answer_{q.key}")
            combo.setAccessibleName(f"Question {n}: {q.text}")
            combo.addItem("Choose", None)
            for value, text in (*GRADE_CHOICES, NOT_APPLICABLE):
                combo.addItem(text, value)
            label.setBuddy(combo)
            checklist.addWidget(label)
            checklist.addWidget(combo, 0, Qt.AlignmentFlag.AlignLeft)
            self._answer_combos[q.key] = combo
        self._order_tabs()

    def _order_tabs(self) -> None:
        f = self.form
        chain = [f.itemFilterEdit, f.itemsTable, f.recordView, *self._answer_combos.values(),
                 f.overallCombo, f.findingEdit, f.saveGradeButton, f.actionEdit, f.actionDueEdit,
                 f.addActionButton, f.exportButton, f.completeButton]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)

    def _open_in_app(self) -> None:
        item = self._current_item()
        if item is not None and self.open_record is not None:
            self.open_record(item.record_kind, item.record_id)

    def _start_grading(self) -> None:
        """Enter on a sampled record: to its first checklist question (or, read-only, the record)."""
        first = next(iter(self._answer_combos.values()), None)
        (first if first is not None and first.isEnabled() else self.form.recordView).setFocus()

    def _current_item(self):
        index = self.form.itemsTable.currentIndex()
        return self.item_proxy.row_at(index) if index.isValid() else None

    def _item_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_item(self.item_proxy.row_at(current) if current.isValid() else None)

    def _show_item(self, item) -> None:
        f = self.form
        completed = self.report is not None and self.report.state == "completed"
        editable = item is not None and self.is_auditor and not completed
        for combo in self._answer_combos.values():
            value = item.answers.get(combo.objectName().removeprefix("answer_")) if item else None
            combo.setCurrentIndex(max(0, combo.findData(value)) if value else 0)
            combo.setEnabled(editable)
        f.overallCombo.setCurrentIndex(max(0, f.overallCombo.findData(_grade_value(item.grade)))
                                       if item and item.grade else 0)
        f.findingEdit.setPlainText(item.finding if item else "")
        for widget in (f.overallCombo, f.findingEdit, f.saveGradeButton):
            widget.setEnabled(editable)
        f.findingEdit.setReadOnly(not editable)
        f.openRecordButton.setEnabled(item is not None and self.open_record is not None)
        f.actionEdit.setEnabled(item is not None and self.is_auditor)
        f.actionDueEdit.setEnabled(item is not None and self.is_auditor)
        f.addActionButton.setEnabled(item is not None and self.is_auditor)
        if item is None:
            f.gradedLabel.setText("")
            f.actionOwnerLabel.setText("")
            f.recordView.setPlainText("Select a record in the sample to read it here." if self.report else "")
            return
        f.gradedLabel.setText(
            (f"Graded {format_date(item.graded_on)}" if item.graded_on else "Not graded yet")
            + (". The round is completed: grades can no longer change." if completed else ""))
        f.actionOwnerLabel.setText(f"For the manager of {item.team_name}")
        f.recordView.setPlainText("Loading the record…")
        self._load_record(item)

    def _load_record(self, item) -> None:
        db, actor = self.database, self.actor
        kind, record_id, item_id = item.record_kind, item.record_id, item.item_id

        def work():
            from ..store.queries import child_chronology, session_detail

            with db.transaction() as s:  # the view is written to the audit log
                if kind == "supervision":
                    return item_id, _session_html(session_detail(s, actor, record_id))
                return item_id, _child_html(child_chronology(s, actor, record_id))

        self._submit("record", work)

    def _done_record(self, result) -> None:
        item_id, text = result
        current = self._current_item()
        if current is None or current.item_id != item_id:
            return
        self.form.recordView.setHtml(text)
        self.record_loaded.emit()

    def save_grade(self) -> None:
        item, report = self._current_item(), self.report
        if item is None or report is None:  # the sample's items are the open round's
            return
        f = self.form
        answers = {key: combo.currentData() for key, combo in self._answer_combos.items()}
        missing = [n for n, value in enumerate(answers.values(), start=1) if value is None]
        if missing:
            self._refuse("Answer every checklist question (or mark it not applicable): "
                         f"question {', '.join(map(str, missing))} still to answer.")
            return
        grade = f.overallCombo.currentData()
        if grade is None:
            self._refuse("Choose an overall grade.")
            return
        finding = f.findingEdit.toPlainText()
        db, actor, item_id, round_id = self.database, self.actor, item.item_id, report.round_id

        def work():
            from ..assurance.audit import grade_item

            with db.transaction() as s:
                grade_item(s, actor, item_id, grade=grade, answers=answers, finding=finding)
            return item_id, round_id

        self._working("Saving the grade…")
        self._submit("grade", work)

    def _done_grade(self, result) -> None:
        item_id, round_id = result
        self.graded.emit(item_id)
        self._select_item_id = item_id
        self.open_round(round_id)
        self.refresh()

    def add_action(self) -> None:
        item, report = self._current_item(), self.report
        if item is None or report is None:  # the sample's items are the open round's
            return
        f = self.form
        description = f.actionEdit.text()
        if not description.strip():
            self._refuse("Describe the action for the manager.")
            return
        due_on = _pydate(f.actionDueEdit.date())
        db, actor, item_id, round_id = self.database, self.actor, item.item_id, report.round_id

        def work():
            from ..assurance.audit import add_audit_action

            with db.transaction() as s:
                return add_audit_action(s, actor, item_id, description=description, due_on=due_on), round_id

        self._working("Adding the action…")
        self._select_item_id = item_id
        self._submit("add_action", work)

    def _done_add_action(self, result) -> None:
        action_id, round_id = result
        self.form.actionEdit.clear()
        self.action_added.emit(action_id)
        self.open_round(round_id)
        self.refresh()

    def complete_round(self) -> None:
        if self.report is None:
            return
        db, actor, round_id = self.database, self.actor, self.report.round_id

        def work():
            from ..assurance.audit import complete_round

            with db.transaction() as s:
                complete_round(s, actor, round_id)
            return round_id

        self._working("Completing the round…")
        self._submit("complete", work)

    def _done_complete(self, round_id: str) -> None:
        self.completed.emit(round_id)
        self.open_round(round_id)
        self.refresh()

    def _refuse(self, message: str) -> None:
        self._say(message)
        self.failed.emit(message)

    # ------------------------------------------------------------------ export
    def _ask_export(self) -> None:
        if self.report is None:
            return
        name = f"audit-round-{self.report.created_on:%Y-%m-%d}.pdf"
        path, _ = QFileDialog.getSaveFileName(self, "Export the audit round", name, "PDF files (*.pdf)")
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        """Write the open round as a PDF report in the background (noted in the audit log)."""
        if self.report is None:
            return
        db, actor, round_id, today = self.database, self.actor, self.report.round_id, self._today()

        def work():
            from ..assurance.audit import round_report
            from ..assurance.report_pdf import render_round_pdf
            from ..store.audit_log import record_event

            with db.transaction() as s:
                report = round_report(s, actor, round_id, today)
                record_event(s, actor_id=actor.staff_id, action="export", record_kind="audit_round",
                             record_id=round_id)
            path.write_bytes(render_round_pdf(report, printed_on=today))
            return path

        self._working("Exporting the round…")
        self._submit("export", work)

    def _done_export(self, path: Path) -> None:
        self._say(f"Saved {Path(path).name}")
        self.exported.emit(str(path))


# ---------------------------------------------------------------------- helpers

def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


def _e(text: Any) -> str:
    return html.escape("" if text is None else str(text)).replace("\n", "<br>")


def _section(title: str, rows: list[tuple[str, Any]]) -> str:
    body = "".join(f"<tr><td style='padding-right:12px;color:#555'>{_e(k)}</td><td>{_e(v)}</td></tr>"
                   for k, v in rows if v not in (None, ""))
    return f"<h3>{_e(title)}</h3><table>{body}</table>" if body else ""


def _session_html(d) -> str:
    """A supervision record as read-only text (escaped; never logged)."""
    parts = [f"<h2>Supervision of {_e(d.supervisee_name)}</h2>",
             _section("Session", [
                 ("Held", format_london(d.held_at)), ("Supervisor", d.supervisor_name),
                 ("Type", d.session_type.label), ("Length", f"{d.duration_minutes} minutes"),
                 ("Where", d.location), ("State", d.state.label),
                 ("Shared", format_london(d.shared_at)),
                 ("Agreement in place", "Yes" if d.agreement_in_place else "No"),
                 ("Next supervision", format_date(d.next_session_on))])]
    if d.reviews:
        parts.append("<h3>Actions reviewed from before</h3><ul>" + "".join(
            f"<li>{_e(r.description)} ({_e(r.owner_name)}, due {_e(format_date(r.due_on))}): "
            f"{_e(r.status.label)}{(' - ' + _e(r.note)) if r.note else ''}</li>" for r in d.reviews) + "</ul>")
    parts.append(_section("Workload", [
        ("Caseload", "Not recorded" if d.caseload_count is None else d.caseload_count),
        ("Complexity", Complexity(d.caseload_complexity).label if d.caseload_complexity else "Not recorded"),
        ("Capacity", Capacity(d.capacity).label if d.capacity else "Not recorded"),
        ("Notes", d.workload_notes)]))
    for n, disc in enumerate(d.discussions, start=1):
        parts.append(_section(f"Case discussion {n}: {disc.case_id} ({disc.legal_status.label})", [
            ("Current position", disc.current_position), ("Worries", disc.worries),
            ("Working well", disc.working_well), ("Needs to happen", disc.needs_to_happen),
            ("Safety scale", disc.safety_scale), ("Decision", disc.decision or "No decision recorded"),
            ("Rationale", disc.rationale or "No rationale recorded")]))
        if disc.actions:
            parts.append("<ul>" + "".join(_action_li(a) for a in disc.actions) + "</ul>")
    if d.actions:
        parts.append("<h3>Other actions</h3><ul>" + "".join(_action_li(a) for a in d.actions) + "</ul>")
    parts.append(_section("Learning and development", [("Reflection and CPD", d.learning),
                                                        ("ASYE progress", d.asye_progress)]))
    agreement = {"agrees": "Agrees", "disagrees": "Disagrees"}.get(d.supervisee_agreement or "", "")
    parts.append(_section("Supervisee", [("Comments", d.supervisee_comments), ("Agreement", agreement),
                                         ("Disagreement", d.disagreement),
                                         ("Resolved", "Yes" if d.disagreement and d.disagreement_resolved
                                          else ("No" if d.disagreement else ""))]))
    parts.append(_section("Signatures", [(s.label, f"{s.signer_name}, {format_london(s.signed_at)}")
                                         for s in d.signatures]))
    parts.append("<p style='color:#555'>Wellbeing and support notes are private to the supervisor "
                 "and supervisee and are not shown to an audit.</p>")
    return "".join(parts)


def _action_li(a) -> str:
    owner = a.owner_name or "no owner"
    due = format_date(a.due_on) or "no due date"
    return f"<li>{_e(a.description)} ({_e(owner)}, {_e(due)}, {_e(a.status.label)})</li>"


def _child_html(d) -> str:
    """A child's management oversight as read-only text (escaped; never logged)."""
    c = d.child
    parts = [f"<h2>{_e(c.case_id)}: {_e(c.name)}</h2>",
             _section("Child", [("Legal status", c.legal_status.label), ("Allocated worker", c.worker_name),
                                ("Date of birth", format_date(d.date_of_birth))]),
             f"<h3>Management oversight ({len(d.entries)} entries, newest first)</h3>"]
    for entry in d.entries:
        parts.append(_section(f"{format_london(entry.when)}: {entry.title}", [
            ("By", entry.author_name), ("State", entry.state.label),
            ("Decision", entry.decision or "No decision recorded"),
            ("Rationale", entry.rationale or "No rationale recorded"),
            ("Next review", format_date(entry.next_review))]))
    if not d.entries:
        parts.append("<p>No management oversight on record.</p>")
    return "".join(parts)

""""My team": a manager's workers and where their supervision stands, the records flagged
for them or waiting for them, and the team's agreements and group sessions."""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

from ..domain.supervision_policy import due_soon_label
from ..domain.time_rules import format_date
from ..domain.vocabulary import SupervisionStatus
from ..store import queries
from .models import Column, FilterProxy, RowsModel
from .page_forms import TeamPageForm
from .pages import (
    ALERT,
    SESSION_COLUMNS,
    STATUS_COLOURS,
    Page,
    current_row,
    named_row,
    reselect,
    setup_table,
)
from .table_width import keep_rows_in_sight, keep_within_width, wrap_headings
from .tasks import after_paint


def _count(n: int) -> str:
    return str(n)  # "0", not a dash: a screen reader said "dash", and "–" reads as unknown


def _alert_if(n_of):
    return lambda row: ALERT if n_of(row) else None


SEVERITY = {  # the status column sorts most urgent first (ascending), then soonest due
    SupervisionStatus.OVERDUE: 0,
    SupervisionStatus.DUE_SOON: 1,
    SupervisionStatus.ON_TRACK: 2,
}
DRAFT_IN_PROGRESS = "draft in progress"


def _status_text(row: queries.WorkerRow) -> str:
    """The status under the team's policy; a draft in progress is said, but changes
    nothing: only a record shared with the worker counts as supervision held."""
    return row.status_label + (f" · {DRAFT_IN_PROGRESS}" if row.drafts else "")


def _status_tip(row: queries.WorkerRow) -> str:
    tip = f"{row.status_label}: next due {format_date(row.next_due)}"
    if row.drafts:
        records = "a draft record" if row.drafts == 1 else f"{row.drafts} draft records"
        tip += (f". {records[0].upper()}{records[1:]} not yet shared with {row.name}: "
                "supervision counts once the record is shared")
    return tip


ASYE_TIP = ("ASYE: in their Assessed and Supported Year in Employment (newly qualified), "
            "supervised more often")


def _worker_text(row: queries.WorkerRow) -> str:
    return f"{row.name} (ASYE)" if row.is_asye else row.name


def _actions_text(row: queries.WorkerRow) -> str:
    """Open actions, and how many of them are overdue: one column, not two (at the largest
    text size two count columns pushed the table past a laptop's width)."""
    if not row.overdue_actions:
        return _count(row.open_actions)
    return f"{row.open_actions} ({row.overdue_actions} overdue)"


def _actions_spoken(row: queries.WorkerRow) -> str:
    return f"{row.open_actions} open, {row.overdue_actions} of them overdue"


# Each column reads whole at the largest text size on a 1366-pixel laptop: the worker's
# ASYE year is said beside their name and overdue actions beside the open ones (each was a
# column of its own), and the name, team and status wrap onto a second line, the row
# growing, where the width runs out (WRAPPING_COLUMNS): never cut short, never sideways.
WORKER_COLUMNS = [
    Column("Worker", lambda r: r.name, text=_worker_text,
           bold=lambda r: r.status == SupervisionStatus.OVERDUE,
           tooltip=lambda r: ASYE_TIP if r.is_asye else "",
           accessible=lambda r: f"{r.name}, ASYE" if r.is_asye else r.name),
    Column("Team", lambda r: r.team_name),
    Column("Supervision", lambda r: r.status, text=lambda r: _status_text(r),
           background=lambda r: STATUS_COLOURS[r.status], tooltip=lambda r: _status_tip(r),
           sort=lambda r: (SEVERITY[r.status], r.next_due.isoformat())),
    Column("Next due", lambda r: r.next_due),
    Column("Last", lambda r: r.last_held, text=lambda r: format_date(r.last_held) or "Never"),
    Column("Planned", lambda r: r.next_planned),
    Column("Actions open", lambda r: r.open_actions, text=_actions_text,
           foreground=_alert_if(lambda r: r.overdue_actions), accessible=_actions_spoken,
           sort=lambda r: (r.overdue_actions, r.open_actions)),
    Column("To sign", lambda r: r.awaiting_signature,
           text=lambda r: _count(r.awaiting_signature), align_right=True),
    Column("Disagreed", lambda r: r.unresolved_disagreements,
           text=lambda r: _count(r.unresolved_disagreements),
           foreground=_alert_if(lambda r: r.unresolved_disagreements), align_right=True),
]

WRAPPING_COLUMNS = (0, 1, 2)  # worker, team, supervision status
_DUE_SOON_FILTER = 2  # its text follows the teams' policies (see TeamPage._show)
_FILTERS = [
    lambda r: True,
    lambda r: r.status == SupervisionStatus.OVERDUE,
    lambda r: r.status == SupervisionStatus.DUE_SOON,
    lambda r: r.status == SupervisionStatus.ON_TRACK,
    lambda r: r.unresolved_disagreements > 0,
    lambda r: r.is_asye,
]


def _button_beside_summary(label: QWidget, layout_name: str, name: str, text: str, accessible: str):
    """A button on its own row under a page's summary line (the tool row is full at 1024
    pixels)."""
    from PySide6.QtWidgets import QHBoxLayout, QPushButton

    outer = named_row(label, layout_name)
    row = QHBoxLayout()
    outer.insertLayout(outer.indexOf(label) + 1, row)  # while empty: see layouts.py
    row.addStretch(1)
    button = QPushButton(text, label.parentWidget())
    button.setObjectName(name)
    button.setAccessibleName(accessible)
    row.addWidget(button)
    return button


class TeamPage(Page):
    title = "My team"
    form_name = "team_page.ui"
    form_class = TeamPageForm
    form: TeamPageForm

    def setup(self) -> None:
        f = self.form
        self.model = RowsModel(WORKER_COLUMNS, self)
        self.proxy = FilterProxy(self.model, self)
        # names in full at any text size: the spare width goes to the last column, and where
        # the window is too narrow the names, teams and statuses wrap onto more lines (the
        # row grows) rather than being cut to "…" or the table scrolling sideways
        setup_table(f.workerTable, self.proxy, stretch=None, sort_column=3, within_width=False)
        wrap_headings(f.workerTable)  # "Actions open", "Disagreed": no wider than their counts
        keep_within_width(f.workerTable, wrap=WRAPPING_COLUMNS)
        # the workers first: the flagged and waiting records below take what is left over
        keep_rows_in_sight(f.workerTable, 3)
        page_layout = named_row(f.workerTable, "teamLayout")
        page_layout.setStretchFactor(f.workerTable, 3)
        for group in (f.waitingGroup, f.flaggedGroup):
            page_layout.setStretchFactor(group, 1)
        f.filterEdit.textChanged.connect(self.proxy.setFilterFixedString)
        f.statusFilter.currentIndexChanged.connect(lambda i: self.proxy.set_predicate(_FILTERS[i]))
        f.workerTable.activated.connect(lambda _i: self.open_history())
        f.historyButton.clicked.connect(self.open_history)
        f.newSessionButton.clicked.connect(self.new_session)
        f.exportButton.clicked.connect(self.export)
        self.calendarButton = _button_beside_summary(
            f.summaryLabel, "teamLayout", "calendarButton", "Add next supervision to ca&lendar…",
            "Save the next planned supervision as a calendar invitation")
        QWidget.setTabOrder(f.newSessionButton, self.calendarButton)
        self.calendarButton.setToolTip("Save the selected worker's next planned supervision as an "
                                       "invitation file (.ics) to open in Outlook")
        self.calendarButton.clicked.connect(self.save_invitation)
        from .practice_dialogs import TeamPractice

        self.practice = TeamPractice(self)  # agreements and cancellations (issue 21)
        from .group_dialogs import GroupPractice

        self.groups = GroupPractice(self, team=True)  # group supervision (issue 21)
        QTimer.singleShot(0, self._group_button_first)  # after the practice row's own order
        f.workerTable.selectionModel().currentRowChanged.connect(lambda *_a: self._update_calendar_button())
        self.flagged_model = RowsModel(SESSION_COLUMNS, self)
        self.flagged_proxy = FilterProxy(self.flagged_model, self)
        setup_table(f.flaggedTable, self.flagged_proxy, stretch=1, sort_column=0,
                    order=Qt.SortOrder.DescendingOrder)
        wrap_headings(f.flaggedTable)  # "Children discussed" no wider than its count
        keep_rows_in_sight(f.flaggedTable, 1)
        f.flaggedTable.activated.connect(lambda _i: self.open_flagged())
        f.openFlaggedButton.clicked.connect(self.open_flagged)
        f.resolveFlaggedButton.clicked.connect(self.resolve_flagged)
        f.flaggedTable.selectionModel().currentRowChanged.connect(
            lambda *_a: self._update_flagged_buttons())
        f.flaggedGroup.setVisible(False)
        self.waiting_model = RowsModel(SESSION_COLUMNS, self)
        self.waiting_proxy = FilterProxy(self.waiting_model, self)
        setup_table(f.waitingTable, self.waiting_proxy, stretch=1, sort_column=0,
                    order=Qt.SortOrder.DescendingOrder)
        wrap_headings(f.waitingTable)
        keep_rows_in_sight(f.waitingTable, 1)
        f.waitingTable.activated.connect(lambda _i: self.open_waiting())
        f.openWaitingButton.clicked.connect(self.open_waiting)
        f.waitingTable.selectionModel().currentRowChanged.connect(
            lambda *_a: f.openWaitingButton.setEnabled(current_row(f.waitingTable) is not None))
        f.openWaitingButton.setEnabled(False)
        f.waitingGroup.setVisible(False)
        QShortcut(QKeySequence("Ctrl+N"), self, self.new_session)

    def first_focus(self):
        return self.form.workerTable

    def _group_button_first(self) -> None:
        """"Group sessions…" is the page's first button (above the practice row): Tab
        reaches it first, not after the table at the foot (issue 19's reading order)."""
        before = self.practice.cancelButton.previousInFocusChain()
        while before.focusPolicy() == Qt.FocusPolicy.NoFocus and before is not self.groups.button:
            before = before.previousInFocusChain()  # Qt orders only widgets that take focus
        if before is not self.groups.button:
            QWidget.setTabOrder(before, self.groups.button)

    def refresh(self) -> None:
        actor, today = self.ctx.actor, self.ctx.today()

        def work(s):
            rows = queries.team_overview(s, actor, today)
            return (rows, queries.flagged_disagreements(s, actor),
                    queries.waiting_for_me(s, actor, today, (r.worker_id for r in rows)))

        def failed(error) -> None:
            self.failed(error)
            self._refresh_summaries()  # their own reads may still succeed

        self.ctx.tasks.read(work, self._show_then_summaries, failed)

    def _refresh_summaries(self) -> None:
        """The agreements and cancellations line and the group sessions': asked for once the
        workers have arrived, not beside them. Run at once, they shared the CPU (and the
        interpreter) with the workers' query, and the first of them runs the same team query
        again: the workers took half as long again to appear."""
        self.practice.refresh()
        self.groups.refresh()

    def _show_then_summaries(self, data) -> None:
        self._show(data)
        after_paint(self, self._refresh_summaries)

    def _show(self, data) -> None:
        rows, flagged, waiting = data
        worker = current_row(self.form.workerTable)
        record = current_row(self.form.flaggedTable)
        self.model.set_rows(rows)
        self.form.workerTable.setColumnHidden(1, len({r.team_name for r in rows}) < 2)
        reselect(self.form.workerTable, lambda r: r.worker_id, worker.worker_id if worker else None)
        self._update_calendar_button()
        overdue = sum(r.status == SupervisionStatus.OVERDUE for r in rows)
        soon = sum(r.status == SupervisionStatus.DUE_SOON for r in rows)
        awaiting = sum(r.awaiting_signature for r in rows)
        windows = {r.due_soon_days for r in rows}  # each team's policy sets its own
        soon_label = due_soon_label(windows.pop()) if len(windows) == 1 else "Due soon"
        self.form.statusFilter.setItemText(_DUE_SOON_FILTER, soon_label)
        self.form.summaryLabel.setText(
            f"{len(rows)} worker{'s' if len(rows) != 1 else ''} · {overdue} overdue · "
            f"{soon} {soon_label.lower()} · "
            f"{awaiting} record{'s' if awaiting != 1 else ''} awaiting signature")
        self.flagged_model.set_rows(flagged)
        reselect(self.form.flaggedTable, lambda r: r.session_id, record.session_id if record else None)
        self.form.flaggedGroup.setVisible(bool(flagged))
        waiting_record = current_row(self.form.waitingTable)
        self.waiting_model.set_rows(waiting)
        reselect(self.form.waitingTable, lambda r: r.session_id,
                 waiting_record.session_id if waiting_record else None)
        self.form.waitingGroup.setVisible(bool(waiting))
        self.form.openWaitingButton.setEnabled(current_row(self.form.waitingTable) is not None)
        self._update_flagged_buttons()
        self.loaded.emit()

    def open_history(self) -> None:
        row = current_row(self.form.workerTable)
        if row is not None:
            self.ctx.window.open_history(row.worker_id, row.name)

    def new_session(self) -> None:
        row = current_row(self.form.workerTable)
        if row is not None:
            self.ctx.window.new_session(row.worker_id)

    def export(self) -> None:
        row = current_row(self.form.workerTable)
        self.ctx.window.open_export(worker_id=row.worker_id if row is not None else None)

    def _update_calendar_button(self) -> None:
        row = current_row(self.form.workerTable)
        self.calendarButton.setEnabled(row is not None and row.next_planned is not None)

    def save_invitation(self) -> None:
        row = current_row(self.form.workerTable)
        if row is None:
            self.ctx.notify("Choose a worker in the list first, then Add next supervision to calendar.")
            return
        from .calendar_file import save_invitation

        staff_id, worker_id = self.ctx.actor.staff_id, row.worker_id

        def work(session):
            from ..records.calendar_invite import next_planned_for_worker

            return next_planned_for_worker(session, staff_id, worker_id)

        save_invitation(self.ctx, self, work)

    def open_flagged(self) -> None:
        row = current_row(self.form.flaggedTable)
        if row is not None:
            self.ctx.window.open_session(row.session_id)

    def open_waiting(self) -> None:
        row = current_row(self.form.waitingTable)
        if row is not None:
            self.ctx.window.open_session(row.session_id)

    def resolve_flagged(self) -> None:
        row = current_row(self.form.flaggedTable)
        if row is not None and row.can_resolve:
            self.ctx.window.open_resolution(row.session_id)

    def _update_flagged_buttons(self) -> None:
        row = current_row(self.form.flaggedTable)
        f = self.form
        f.openFlaggedButton.setEnabled(row is not None)
        f.resolveFlaggedButton.setEnabled(row is not None and row.can_resolve)

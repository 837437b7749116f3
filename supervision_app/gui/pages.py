"""The main pages: team, worker history, my supervision, children, a child, search,
settings. Each page loads its data in the background and shows it through a model."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import QBoxLayout, QHeaderView, QTableView, QWidget

from ..domain.supervision_policy import SupervisionPolicy, due_soon_label
from ..domain.time_rules import format_date, format_london
from ..domain.vocabulary import ActionStatus, RecordState, SupervisionStatus
from ..store import queries, search_queries, supervision_records as sr
from ..store.models import ProfileSetting
from .accessibility import TEXT_SCALES, announce, apply_text_scale, ensure_accessible_names, style_headings
from .forms import Form, embed_form
from .models import CellDelegate, Column, FilterProxy, HighlightDelegate, RowsModel, fit_columns, split_highlights
from .page_forms import (
    ChildPageForm,
    ChildrenPageForm,
    HistoryPageForm,
    MySupervisionForm,
    SettingsPageForm,
    TeamPageForm,
)
from .table_width import keep_rows_in_sight, keep_within_width, wrap_headings
from .tasks import after_paint, user_message

if TYPE_CHECKING:
    from .main_window import AppContext

STATUS_COLOURS = {  # pale backgrounds; the text always says the status too
    SupervisionStatus.OVERDUE: QColor("#f6d5d5"),
    SupervisionStatus.DUE_SOON: QColor("#fbecc7"),
    SupervisionStatus.ON_TRACK: QColor("#dcefdc"),
}
STATE_COLOURS = {
    RecordState.DRAFT: QColor("#eceff3"),
    RecordState.SHARED: QColor("#dde9f7"),
    RecordState.SUPERVISOR_SIGNED: QColor("#e6e0f3"),
    RecordState.LOCKED: QColor("#dcefdc"),
}
ALERT = QColor("#9b1c1c")
PAGE_MARGIN = 14


def _count(n: int) -> str:
    return str(n)  # "0", not a dash: a screen reader said "dash", and "–" reads as unknown


def _alert_if(n_of):
    return lambda row: ALERT if n_of(row) else None


def setup_table(view: QTableView, proxy: FilterProxy | RowsModel, stretch: int | None = 0,
                sort_column: int | None = None, order=Qt.SortOrder.AscendingOrder,
                within_width: bool = True) -> None:
    """Columns sized to their contents each time new rows arrive (measured once, see
    ``fit_columns``; the user may then drag them), ``stretch`` taking the spare width; and
    (``within_width``) where the text needs a little more than the table's width (a laptop
    at the largest text size), the longest texts cut short ("…", whole as a tooltip) rather
    than the table scrolling sideways (``table_width.keep_within_width``)."""
    view.setModel(proxy)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(stretch is None)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    view.verticalHeader().setVisible(False)
    if isinstance(proxy, FilterProxy):
        source = proxy.rows_model()
        view.setItemDelegate(CellDelegate(source, proxy, view))
    else:
        source = proxy
        view.setItemDelegate(CellDelegate(source, None, view))

    def fit() -> None:
        fit_columns(view, source, skip=stretch)
        if within_width:
            keep_within_width(view)

    source.modelReset.connect(fit)
    if sort_column is not None:
        view.sortByColumn(sort_column, order)


def _row_shown(model: QAbstractItemModel, index: QModelIndex) -> Any:
    """The row object behind ``index`` of a table ``setup_table`` set up."""
    if isinstance(model, FilterProxy):
        return model.row_for(index)
    assert isinstance(model, RowsModel)  # setup_table's tables show one or the other
    return model.row_at(index.row())


def current_row(view: QTableView):
    index = view.currentIndex()
    if not index.isValid():
        return None
    return _row_shown(view.model(), index)


def select_first(view: QTableView) -> None:
    if view.model().rowCount() and not view.currentIndex().isValid():
        view.setCurrentIndex(view.model().index(0, 0))


def reselect(view: QTableView, key: Callable[[Any], Any], wanted: Any) -> None:
    """After the rows are loaded again: the row that was current before (``key(row) ==
    wanted``) is current again, so Back, or a refresh, leaves the person where they were
    (the next Alt+O opened the first worker instead); the first row if it has gone."""
    model = view.model()
    if wanted is not None:
        for r in range(model.rowCount()):
            index = model.index(r, 0)
            row = _row_shown(model, index)
            if key(row) == wanted:
                view.setCurrentIndex(index)
                view.scrollTo(index)
                return
    select_first(view)


class Page(QWidget):
    """A page built from a form; ``refresh`` loads its data in the background."""

    title = ""
    form_name = ""
    form_class: type[Form] = Form  # a typed form (page_forms) names the widgets it uses
    loaded = Signal()

    def __init__(self, ctx: AppContext, parent=None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName(type(self).__name__)
        self.form = self.form_class(embed_form(self, self.form_name, margin=PAGE_MARGIN).widget)
        self.setup()
        ensure_accessible_names(self)
        style_headings(self)

    def setup(self) -> None:
        pass

    def refresh(self) -> None:
        pass

    def first_focus(self) -> QWidget | None:
        return None

    def failed(self, error) -> None:
        self.ctx.notify(user_message(error))


# ---------------------------------------------------------------------------- team

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

SESSION_COLUMNS = [
    Column("Date", lambda r: r.held_at),
    Column("Supervisee", lambda r: r.supervisee_name),
    Column("Supervisor", lambda r: r.supervisor_name),
    Column("Type", lambda r: r.session_type),
    Column("State", lambda r: r.state, background=lambda r: STATE_COLOURS[r.state]),
    Column("Children discussed", lambda r: r.discussions, align_right=True),
    Column("Response", lambda r: r.agreement,
           text=lambda r: {"agrees": "Agrees", "disagrees": "Disagrees" if r.disagreement_open
                           else "Disagreed (resolved)"}.get(
               r.agreement or "", "Not shared yet" if r.state == RecordState.DRAFT else "No response"),
           foreground=lambda r: ALERT if r.disagreement_open else None),
    Column("Due", lambda r: r.sign_by or r.share_by,
           text=lambda r: ("Sign by " + format_date(r.sign_by)) if r.state in (
               RecordState.SHARED, RecordState.SUPERVISOR_SIGNED) and r.sign_by else
           ("Share by " + format_date(r.share_by)) if r.state == RecordState.DRAFT else ""),
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


def _named_row(widget: QWidget, name: str) -> QBoxLayout:
    """The box layout called ``name`` in the form that holds ``widget``."""
    host = widget.parentWidget()
    layout = host.findChild(QBoxLayout, name) if host is not None else None
    if layout is None:  # as typed forms' Child says a form lacks a child
        raise LookupError(f"form {widget.objectName()}'s parent has no QBoxLayout {name}")
    return layout


def _button_beside_summary(label: QWidget, layout_name: str, name: str, text: str, accessible: str):
    """A button on its own row under a page's summary line (the tool row is full at 1024
    pixels)."""
    from PySide6.QtWidgets import QHBoxLayout, QPushButton

    outer = _named_row(label, layout_name)
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
        page_layout = _named_row(f.workerTable, "teamLayout")
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


LOADING_DELAY_MS = 150  # below this, records arriving look instant; a loading state would flash


class HistoryPage(Page):
    form_name = "history_page.ui"
    form_class = HistoryPageForm
    form: HistoryPageForm

    def setup(self) -> None:
        f = self.form
        self.worker_id: str | None = None
        self._name = ""
        self._request = 0
        self._then: Callable[[], None] | None = None
        self._loading = QTimer(self)
        self._loading.setSingleShot(True)
        self._loading.setInterval(LOADING_DELAY_MS)
        self._loading.timeout.connect(self._show_loading)
        self.model = RowsModel(SESSION_COLUMNS, self)
        self.proxy = FilterProxy(self.model, self)
        setup_table(f.historyTable, self.proxy, stretch=None, sort_column=0,
                    order=Qt.SortOrder.DescendingOrder)
        # "Children discussed" over a count took the width the dates and states were cut for
        wrap_headings(f.historyTable)
        f.historyTable.setColumnHidden(1, True)  # the supervisee: the same on every row
        f.historyTable.activated.connect(lambda _i: self.open_record())
        f.openButton.clicked.connect(self.open_record)
        f.newSessionButton.clicked.connect(lambda: self.ctx.window.new_session(self.worker_id))
        f.exportButton.clicked.connect(lambda: self.ctx.window.open_export(worker_id=self.worker_id))
        f.backButton.clicked.connect(self.ctx.window.go_back)

    def first_focus(self):
        return self.form.historyTable

    def show_worker(self, worker_id: str, name: str, then: Callable[[], None] | None = None) -> None:
        """Load ``worker_id``'s history; ``then()`` is called once the page is worth showing:
        with the records, or saying it is loading if they take longer than
        ``LOADING_DELAY_MS``. Until then whatever was on screen stays: a flash of an empty
        "Loading…" page cost two full repaints of the window on every quick open."""
        self.worker_id, self._name = worker_id, name
        self._then = then
        self._loading.start()
        self._load(worker_id)

    def refresh(self) -> None:
        if self.worker_id is not None:
            self._load(self.worker_id)

    def _load(self, worker: str) -> None:
        actor = self.ctx.actor
        self._request += 1
        request = self._request  # a newer request makes an older answer stale
        self.ctx.tasks.read(lambda s: queries.worker_history(s, actor, worker),
                            lambda rows: self._show(rows, request),
                            lambda error: self._failed(error, request))

    def _show_loading(self) -> None:
        """The records are slow to come: show whose they will be, and that they are coming
        (never the previous worker's rows under this name)."""
        self.form.titleLabel.setText(f"Supervision history: {self._name}")
        self.form.detailLabel.setText("Loading…")
        self.model.set_rows([])
        self._reveal()

    def _reveal(self) -> None:
        then, self._then = self._then, None
        if then is not None:
            then()

    def _show(self, rows, request: int | None = None) -> None:
        if request is not None and request != self._request:
            return
        self._loading.stop()
        self.form.titleLabel.setText(f"Supervision history: {self._name}")
        self.model.set_rows(rows)
        select_first(self.form.historyTable)
        latest = f"; latest {format_london(rows[0].held_at)}" if rows else ""
        self.form.detailLabel.setText(f"{len(rows)} record{'s' if len(rows) != 1 else ''}{latest}")
        self.form.newSessionButton.setVisible(bool(self.ctx.actor.managed_team_ids))
        self._reveal()
        self.loaded.emit()

    def _failed(self, error, request: int) -> None:
        if request != self._request:
            return
        self._loading.stop()
        self._then = None  # stay where the person was; the status bar says what went wrong
        self.failed(error)

    def open_record(self) -> None:
        row = current_row(self.form.historyTable)
        if row is not None:
            self.ctx.window.open_session(row.session_id)


# ---------------------------------------------------------------------------- my supervision

MY_ACTION_COLUMNS = [
    Column("Action", lambda a: a.description),
    Column("Due", lambda a: a.due_on, foreground=lambda a: ALERT if a.overdue else None,
           text=lambda a: format_date(a.due_on) + (" (overdue)" if a.overdue else "")),
    Column("Child", lambda a: a.child_label),
    Column("From", lambda a: a.source),
]

CHILD_COLUMNS = [
    Column("Case ID", lambda c: c.case_id),
    Column("Name", lambda c: c.name),
    Column("Legal status", lambda c: c.legal_status),
    Column("Allocated worker", lambda c: c.worker_name),
    Column("Last oversight", lambda c: c.last_oversight,  # a note or a case discussion
           text=lambda c: format_date(c.last_oversight) or "None recorded"),
]


def _waits_for_supervisee(row: queries.SessionRow) -> bool:
    """A shared record they have not yet responded to, or one the supervisor has signed
    and they have still to sign."""
    return ((row.state == RecordState.SHARED and not row.agreement)
            or row.state == RecordState.SUPERVISOR_SIGNED)


class MySupervisionPage(Page):
    title = "My supervision"
    form_name = "my_supervision.ui"
    form_class = MySupervisionForm
    form: MySupervisionForm

    def setup(self) -> None:
        f = self.form
        self.records = RowsModel(SESSION_COLUMNS, self)
        self.records_proxy = FilterProxy(self.records, self)
        setup_table(f.recordsTable, self.records_proxy, stretch=None, sort_column=0,
                    order=Qt.SortOrder.DescendingOrder)
        f.recordsTable.setColumnHidden(1, True)
        # not ``actions`` and ``children``: those are QWidget.actions() and QObject.children()
        self.actions_model = RowsModel(MY_ACTION_COLUMNS, self)
        self.actions_proxy = FilterProxy(self.actions_model, self)
        setup_table(f.actionsTable, self.actions_proxy, stretch=0)
        self.children_model = RowsModel(CHILD_COLUMNS, self)
        self.children_proxy = FilterProxy(self.children_model, self)
        setup_table(f.childrenTable, self.children_proxy, stretch=1, sort_column=1)
        for status in ActionStatus:
            if status != ActionStatus.OPEN:
                f.actionStatusCombo.addItem(status.label, status.value)
        f.recordsTable.activated.connect(lambda _i: self.open_record())
        f.openRecordButton.clicked.connect(self.open_record)
        f.setActionStatusButton.clicked.connect(self.set_status)
        f.openActionSourceButton.clicked.connect(self.open_source)
        f.actionsTable.activated.connect(lambda _i: self.open_source())
        f.childrenTable.activated.connect(lambda _i: self.open_child())
        f.openChildButton.clicked.connect(self.open_child)
        from .practice_dialogs import MyPractice

        self.practice = MyPractice(self)  # feedback and my agreement (issue 21)
        from .group_dialogs import GroupPractice

        self.groups = GroupPractice(self, team=False)  # group supervision (issue 21)

    def first_focus(self):
        return self.form.recordsTable

    def refresh(self) -> None:
        actor, today = self.ctx.actor, self.ctx.today()
        self.ctx.tasks.read(lambda s: (queries.my_records(s, actor), queries.my_actions(s, actor, today),
                                       queries.children_allocated_to(s, actor)),
                            self._show, self.failed)
        self.practice.refresh()
        self.groups.refresh()

    def _show(self, data) -> None:
        records, actions, children = data
        self.records.set_rows(records)
        self.actions_model.set_rows(actions)
        self.children_model.set_rows(children)
        for view in (self.form.recordsTable, self.form.actionsTable, self.form.childrenTable):
            select_first(view)
        waiting = sum(_waits_for_supervisee(r) for r in records)
        overdue = sum(a.overdue for a in actions)
        self.form.summaryLabel.setText(
            f"{waiting} record{'s' if waiting != 1 else ''} waiting for your response or signature · "
            f"{len(actions)} open action{'s' if len(actions) != 1 else ''}"
            + (f", {overdue} overdue" if overdue else ""))
        self.loaded.emit()

    def open_record(self) -> None:
        row = current_row(self.form.recordsTable)
        if row is not None:
            self.ctx.window.open_session(row.session_id)

    def set_status(self) -> None:
        row = current_row(self.form.actionsTable)
        if row is None:
            return
        status, actor = self.form.actionStatusCombo.currentData(), self.ctx.actor
        def updated(_result: object) -> None:
            self.ctx.notify("Action updated.")
            self.refresh()

        from ..store.group_records import set_group_action_status

        # an action agreed in a group session moves on by the group's rule (issue 21)
        write = set_group_action_status if row.group_session_id else sr.set_action_status
        self.ctx.tasks.write(lambda s: write(s, actor, row.action_id, status), updated, self.failed)

    def open_source(self) -> None:
        row = current_row(self.form.actionsTable)
        if row is None:
            return
        if row.session_id:
            self.ctx.window.open_session(row.session_id)
        elif row.oversight_note_id:
            self.ctx.window.open_note(note_id=row.oversight_note_id)
        elif row.group_session_id:
            self.groups.open_group(row.group_session_id)

    def open_child(self) -> None:
        row = current_row(self.form.childrenTable)
        if row is not None:
            self.ctx.window.open_child(row.child_id)


class ChildrenPage(Page):
    title = "Children"
    form_name = "children_page.ui"
    form_class = ChildrenPageForm
    form: ChildrenPageForm

    def setup(self) -> None:
        f = self.form
        self.model = RowsModel(CHILD_COLUMNS, self)
        self.proxy = FilterProxy(self.model, self)
        setup_table(f.childrenTable, self.proxy, stretch=1, sort_column=1)
        f.filterEdit.textChanged.connect(self.proxy.setFilterFixedString)
        f.childrenTable.activated.connect(lambda _i: self.open_child())
        f.openChildButton.clicked.connect(self.open_child)
        f.newNoteButton.clicked.connect(self.new_note)
        f.newNoteButton.setVisible(bool(self.ctx.actor.managed_team_ids))

    def first_focus(self):
        return self.form.filterEdit

    def refresh(self) -> None:
        actor = self.ctx.actor
        self.ctx.tasks.read(lambda s: queries.my_children(s, actor), self._show, self.failed)

    def _show(self, rows) -> None:
        self.model.set_rows(rows)
        select_first(self.form.childrenTable)
        never = sum(c.last_oversight is None for c in rows)
        self.form.summaryLabel.setText(f"{len(rows)} children · {never} with no oversight recorded yet")
        self.loaded.emit()

    def open_child(self) -> None:
        row = current_row(self.form.childrenTable)
        if row is not None:
            self.ctx.window.open_child(row.child_id)

    def new_note(self) -> None:
        row = current_row(self.form.childrenTable)
        if row is not None:
            self.ctx.window.open_note(child_id=row.child_id)


CHRONOLOGY_COLUMNS = [
    Column("Date", lambda e: e.when),
    Column("Entry", lambda e: e.title),
    Column("By", lambda e: e.author_name),
    Column("Decision", lambda e: e.decision, text=lambda e: (e.decision or "").split("\n")[0][:120]),
    Column("State", lambda e: e.state),
]


def _add_button(beside: QWidget, row_name: str, name: str, text: str, accessible: str,
                before: bool = False):
    """A button in the form's row ``row_name`` beside ``beside``, and next to it in Tab order.
    (The row is found by name: walking a layout's items leaves wrappers Qt owns.)"""
    from PySide6.QtWidgets import QPushButton

    row = _named_row(beside, row_name)
    button = QPushButton(text, beside.parentWidget())
    button.setObjectName(name)
    button.setAccessibleName(accessible)
    at = row.indexOf(beside)
    row.insertWidget(at if before else at + 1, button)
    if before:
        QWidget.setTabOrder(button, beside)
    else:
        QWidget.setTabOrder(beside, button)
    return button


class ChildPage(Page):
    form_name = "child_page.ui"
    form_class = ChildPageForm
    form: ChildPageForm

    def setup(self) -> None:
        f = self.form
        self.child_id: str | None = None
        self.model = RowsModel(CHRONOLOGY_COLUMNS, self)
        setup_table(f.chronologyTable, self.model, stretch=3)
        f.chronologyTable.selectionModel().currentRowChanged.connect(self._entry_selected)
        f.chronologyTable.activated.connect(lambda _i: self.open_entry())
        f.openEntryButton.clicked.connect(self.open_entry)
        f.newNoteButton.clicked.connect(lambda: self.ctx.window.open_note(child_id=self.child_id))
        f.backButton.clicked.connect(self.ctx.window.go_back)
        self.exportChronologyButton = _add_button(
            f.openEntryButton, "childButtons", "exportChronologyButton", "E&xport chronology…",
            "Export chronology for the case-management system", before=True)
        self.exportChronologyButton.clicked.connect(self.export_chronology)

    def export_chronology(self) -> None:
        if self.child_id is not None:
            self.ctx.window.open_chronology_export(self.child_id, self.form.titleLabel.text())

    def first_focus(self):
        return self.form.chronologyTable

    def show_child(self, child_id: str) -> None:
        self.child_id = child_id
        self.form.titleLabel.setText("Child")
        self.form.detailsLabel.setText("Loading…")
        self.model.set_rows([])
        self.form.entryView.clear()
        self.refresh()

    def refresh(self) -> None:
        actor, child = self.ctx.actor, self.child_id
        if child is not None:
            self.ctx.tasks.write(lambda s: queries.child_chronology(s, actor, child), self._show, self.failed)

    def _show(self, detail: queries.ChildDetail) -> None:
        c = detail.child
        f = self.form
        f.titleLabel.setText(f"{c.name} ({c.case_id})")
        f.detailsLabel.setText(
            f"{c.legal_status.label} · born {format_date(detail.date_of_birth)} · allocated to "
            f"{c.worker_name or 'nobody'} · {len(detail.entries)} oversight entries")
        f.newNoteButton.setVisible(detail.can_add_note)
        self.model.set_rows(detail.entries)
        select_first(f.chronologyTable)
        self.loaded.emit()

    def _entry_selected(self, current, _previous) -> None:
        if not current.isValid():
            self.form.entryView.clear()
            return
        e = self.model.row_at(current.row())
        parts = [f"{e.title} — {format_london(e.when)} — {e.author_name} — {e.state.label}",
                 "", "Decision:", e.decision or "(none yet)", "", "Rationale:", e.rationale or "(none yet)"]
        if e.next_review:
            parts += ["", f"Next review: {format_date(e.next_review)}"]
        self.form.entryView.setPlainText("\n".join(parts))

    def open_entry(self) -> None:
        e = current_row(self.form.chronologyTable)
        if e is None:
            return
        if e.kind == "oversight_note":
            self.ctx.window.open_note(note_id=e.record_id)
        elif e.session_id:
            self.ctx.window.open_session(e.session_id, where=f"section:decision@{e.record_id}",
                                         quiet_denied=True)


# ---------------------------------------------------------------------------- search

SEARCH_COLUMNS = [
    Column("Record", lambda h: h.title),
    Column("Section", lambda h: h.section_label),
    Column("Date", lambda h: h.when),
    Column("Match", lambda h: h.snippet,  # the markers are for the delegate, not for reading
           accessible=lambda h: split_highlights(h.snippet, search_queries.HIGHLIGHT_START,
                                                 search_queries.HIGHLIGHT_END)[0]),
]


class SearchPage(Page):
    title = "Search"
    form_name = "search_page.ui"

    def setup(self) -> None:
        f = self.form
        self.model = RowsModel(SEARCH_COLUMNS, self)
        setup_table(f.resultsTable, self.model, stretch=3)
        f.resultsTable.setItemDelegateForColumn(3, HighlightDelegate(
            self.model, search_queries.HIGHLIGHT_START, search_queries.HIGHLIGHT_END, self))
        f.resultsTable.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.run_search)
        f.searchEdit.textChanged.connect(lambda _t: self._timer.start())
        f.searchEdit.returnPressed.connect(self.run_search)
        f.resultsTable.activated.connect(lambda _i: self.open_result())
        f.openResultButton.clicked.connect(self.open_result)
        self._generation = 0

    def first_focus(self):
        return self.form.searchEdit

    def run_search(self) -> None:
        self._timer.stop()
        text = self.form.searchEdit.text()
        actor = self.ctx.actor
        self._generation += 1
        generation = self._generation

        def show(hits):
            if generation != self._generation:
                return  # an older search finishing late
            table = self.form.resultsTable
            # every row two lines tall: snippets are short, and even rows read calmly (set
            # only when the text size changed: each set lays the table out again)
            rows = table.verticalHeader()
            height = table.fontMetrics().lineSpacing() * 2 + 10
            if rows.defaultSectionSize() != height:
                rows.setDefaultSectionSize(height)
            self.model.set_rows(hits)
            select_first(table)
            self.form.resultSummaryLabel.setText(
                "" if not text.strip() else
                f"{len(hits)} result{'s' if len(hits) != 1 else ''}"
                + (" (showing the best 50)" if len(hits) >= 50 else ""))
            self.loaded.emit()

        self.ctx.tasks.read(lambda s: search_queries.search(s, actor, text), show, self.failed)

    def open_result(self) -> None:
        hit = current_row(self.form.resultsTable)
        if hit is None:
            return
        if hit.kind == "agreement" or hit.agreement_id:  # an agreement or an addendum to one
            self.open_agreement(hit)
        elif hit.kind == "cancellation":
            # cancellations are listed with the worker's supervision (team page counts,
            # history): open the supervisee's history
            self.ctx.window.open_history(hit.worker_id, hit.worker_name or "")
        elif hit.group_session_id:  # group supervision's text or one of its actions (issue 21)
            self.open_group(hit.group_session_id)
        elif hit.session_id:
            where = None
            if hit.kind == "case_discussion":
                where = f"section:{hit.section}@{hit.record_id}"
            elif hit.kind == "supervision":
                where = f"section:{hit.section}"
            elif hit.kind == "action":
                where = f"action:{hit.record_id}"
            elif hit.kind == "addendum":
                where = f"addendum:{hit.record_id}"
            self.ctx.window.open_session(hit.session_id, where=where)
        elif hit.oversight_note_id:
            self.ctx.window.open_note(note_id=hit.oversight_note_id)
        elif hit.child_id:
            self.ctx.window.open_child(hit.child_id)

    def open_agreement(self, hit: search_queries.SearchResult) -> None:
        """The agreement in its own dialog, as "My team" and "My supervision" open it."""
        from .practice_dialogs import AgreementDialog

        dialog = AgreementDialog(self.ctx, hit.worker_id or "", hit.worker_name or "",
                                 hit.agreement_id or hit.record_id, self)
        dialog.open()
        self.agreement_dialog = dialog

    def open_group(self, group_id: str) -> None:
        """The group session in its own dialog, as My team and My supervision open it (it
        shows the viewer only the actions they may see)."""
        from .group_dialogs import GroupSessionDialog

        dialog = GroupSessionDialog(self.ctx, group_id, None, self)
        dialog.changed.connect(self.run_search)  # an edit or a signature can change the hits
        dialog.open()
        self.group_dialog = dialog


# ---------------------------------------------------------------------------- settings

def text_scale_key(staff_id: str) -> str:
    return f"text_scale:{staff_id}"


def load_text_scale(session, staff_id: str) -> int:
    row = session.get(ProfileSetting, text_scale_key(staff_id))
    try:
        return max(0, min(len(TEXT_SCALES) - 1, int(row.value))) if row else 0
    except ValueError:
        return 0


def save_text_scale(session, staff_id: str, index: int) -> None:
    row = session.get(ProfileSetting, text_scale_key(staff_id))
    if row is None:
        session.add(ProfileSetting(key=text_scale_key(staff_id), value=str(index)))
    else:
        row.value = str(index)


class SettingsPage(Page):
    title = "Settings"
    form_name = "settings_page.ui"
    form_class = SettingsPageForm
    form: SettingsPageForm

    def setup(self) -> None:
        f = self.form
        self._loading = False
        self._policy_saved_note = ("", "")  # (team id, what was said when its policy was saved)
        self.policies: list[queries.TeamPolicyRow] = []
        f.textSizeCombo.currentIndexChanged.connect(self.text_size_changed)
        f.policyTeamCombo.currentIndexChanged.connect(self._team_chosen)
        f.savePolicyButton.clicked.connect(self.save_policy)
        self._add_reminder_switches()
        self._add_duration_spin()
        from .group_dialogs import add_group_policy_check

        self.groupCountsCheck = add_group_policy_check(self)  # issue 21

    def _add_duration_spin(self) -> None:
        """The team's standard session length (issue 21): shorter sessions are flagged on
        compliance. Placed after "Show as due within", before the ASYE schedule."""
        from PySide6.QtWidgets import QLabel, QSpinBox

        f = self.form
        spin = QSpinBox(f.policyGroup)
        spin.setObjectName("durationSpin")
        spin.setRange(15, 600)
        spin.setSingleStep(15)
        spin.setSuffix(" minutes")
        spin.setValue(90)
        spin.setAccessibleName("Standard supervision session length in minutes")
        label = QLabel("Standard session &length", f.policyGroup)
        label.setBuddy(spin)
        f.policyForm.insertRow(3, label, spin)
        QWidget.setTabOrder(f.dueSoonSpin, spin)
        QWidget.setTabOrder(spin, f.savePolicyButton)
        self.durationSpin = spin

    def _add_reminder_switches(self) -> None:
        """Desktop reminders, each on until turned off (saved per person, as the text size)."""
        from PySide6.QtWidgets import QCheckBox, QGroupBox, QLabel, QVBoxLayout

        from ..domain.reminders import ReminderKind

        f = self.form
        group = QGroupBox("Desktop reminders", f.textGroup.parentWidget())
        group.setObjectName("remindersGroup")
        group.setAccessibleName("Desktop reminders")
        box = QVBoxLayout(group)
        hint = QLabel("Shown in the system tray when the app starts and after each sync, at most once "
                      "a day for each record or action. They give counts only, never what a record says.")
        hint.setWordWrap(True)
        box.addWidget(hint)
        self.reminder_checks: dict = {}
        previous: QWidget = f.textSizeCombo
        for kind in ReminderKind:
            check = QCheckBox(kind.setting_label, group)
            check.setObjectName(f"reminder_{kind.value}")
            check.setAccessibleName(f"Remind me: {kind.setting_label}")
            check.setChecked(True)
            check.toggled.connect(lambda on, k=kind: self.reminder_toggled(k, on))
            box.addWidget(check)
            QWidget.setTabOrder(previous, check)
            previous = check
            self.reminder_checks[kind] = check
        outer = f.settingsContentLayout  # the layout textGroup is in
        outer.insertWidget(outer.indexOf(f.textGroup) + 1, group)

    def reminder_toggled(self, kind, on: bool) -> None:
        if self._loading:
            return
        from ..store.reminder_queries import set_reminder_enabled

        staff_id = self.ctx.actor.staff_id
        self.ctx.tasks.write(lambda s: set_reminder_enabled(s, staff_id, kind, on))

    def first_focus(self):
        return self.form.textSizeCombo

    def refresh(self) -> None:
        actor = self.ctx.actor
        def load(s):
            from ..store.reminder_queries import enabled_reminders

            return (load_text_scale(s, actor.staff_id), queries.team_policies(s, actor),
                    enabled_reminders(s, actor.staff_id))

        self.ctx.tasks.read(load, self._show, self.failed)

    def _show(self, data) -> None:
        scale, policies, reminders_on = data
        f = self.form
        self._loading = True
        f.textSizeCombo.setCurrentIndex(scale)
        for kind, check in self.reminder_checks.items():
            check.setChecked(kind in reminders_on)
        self.policies = policies
        f.policyTeamCombo.clear()
        for p in policies:
            f.policyTeamCombo.addItem(p.team_name, p.team_id)
        self._loading = False
        f.policyGroup.setVisible(bool(policies))
        self._team_chosen(f.policyTeamCombo.currentIndex())
        self.loaded.emit()

    def _team_chosen(self, index: int) -> None:
        if self._loading or not (0 <= index < len(self.policies)):
            return
        f = self.form
        row = self.policies[index]
        f.intervalSpin.setValue(row.policy.standard_interval_days)
        f.dueSoonSpin.setValue(row.policy.due_soon_days)
        self.durationSpin.setValue(row.policy.standard_duration_minutes)
        self.durationSpin.setReadOnly(not row.can_set)
        self.groupCountsCheck.setChecked(row.policy.group_counts_toward_frequency)
        self.groupCountsCheck.setEnabled(row.can_set)
        phases = "; ".join(f"every {p.interval_days} days until day {p.until_days}" for p in row.policy.asye_phases)
        f.asyeInfoLabel.setText(f"Newly qualified workers: {phases}; then the standard interval.")
        for w in (f.intervalSpin, f.dueSoonSpin):
            w.setReadOnly(not row.can_set)
        f.savePolicyButton.setVisible(row.can_set)
        # "Saved the policy for ..." outlives the reload that saving starts (refresh_all)
        saved_team, saved = self._policy_saved_note
        self._policy_saved_note = ("", "")
        if not row.can_set:
            saved = "Only the service manager or head of service changes this policy."
        elif saved_team != row.team_id:
            saved = ""
        f.policyMessageLabel.setText(saved)

    def text_size_changed(self, index: int) -> None:
        if self._loading:
            return
        apply_text_scale(TEXT_SCALES[index])
        staff_id = self.ctx.actor.staff_id
        self.ctx.tasks.write(lambda s: save_text_scale(s, staff_id, index))

    def save_policy(self) -> None:
        f = self.form
        index = f.policyTeamCombo.currentIndex()
        if not (0 <= index < len(self.policies)):
            return
        row = self.policies[index]
        try:
            policy = SupervisionPolicy(standard_interval_days=f.intervalSpin.value(),
                                       asye_phases=row.policy.asye_phases,
                                       due_soon_days=f.dueSoonSpin.value(),
                                       standard_duration_minutes=self.durationSpin.value(),
                                       group_counts_toward_frequency=self.groupCountsCheck.isChecked())
        except ValueError as problem:
            self._say_policy(str(problem))
            return
        actor = self.ctx.actor

        def done(_r):
            said = f"Saved the policy for {row.team_name}."
            self._say_policy(said)
            self._policy_saved_note = (row.team_id, said)
            self.ctx.window.refresh_all()

        self.ctx.tasks.write(lambda s: sr.set_team_policy(s, actor, row.team_id, policy), done,
                             lambda e: self._say_policy(user_message(e)))

    def _say_policy(self, text: str) -> None:
        """The policy's message line, announced: a screen reader does not hear a label change
        by itself (issue 19: a status message is announced)."""
        self.form.policyMessageLabel.setText(text)
        announce(self.form.policyMessageLabel, text)


__all__ = ["TeamPage", "HistoryPage", "MySupervisionPage", "ChildrenPage", "ChildPage", "SearchPage",
           "SettingsPage", "load_text_scale"]

"""The assurance dashboard page: compliance figures, the monthly trend, oversight by legal
status and quality signals, each figure opening the list of records behind it.

    page = AssurancePage(database, actor, today=date.today, open_record=window.open_record)
    page.refresh()

Every query runs on the reads pool of a :class:`~.tasks.TaskRunner` (the window's, so the
busy indicator shows it), never on the GUI thread; a newer request of the same kind
supersedes an older one's result. ``open_record(kind, record_id)`` is called when someone asks to open a record from
a list (``kind`` is ``supervision``, ``child``, ``action``, ``case_discussion``,
``oversight_note`` or ``staff``); without it the lists are read-only.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable, Sequence

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPointF,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..assurance.compliance import (
    FIGURES,
    AssuranceSettings,
    ComplianceDashboard,
    Figure,
    MonthPoint,
    RecordRef,
    compliance_dashboard,
    fill_last_oversight,
)
from ..assurance.signals import QualitySignals, Signal as QualitySignal, quality_signals
from ..domain.permissions import Actor
from ..domain.text_rules import text_sort_key
from ..domain.time_rules import format_date, london_today
from ..store.audit_log import record_event
from ..store.database import Database
from .accessibility import announce, ensure_accessible_names, follow_font, show_value, style_headings
from .forms import load_widget
from .models import FoldedTextFilter
from .table_width import wrap_headings
from .tasks import READS, TaskRunner, user_message
from .widgets import PageScroll
from .window_forms import AssurancePageForm

__all__ = ["AssurancePage", "TrendChart", "RecordsDialog", "PERIODS"]

PERIODS = (3, 6, 12)
RECORDS_ON_GUI_THREAD = 500  # a figure's list longer than this is built in the background
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
FOCUS = QColor("#2d6cdf")  # as app.qss draws a focused field's border
FOCUS_WIDTH = 2
ALERT = QColor("#b3261e")
GOOD = QColor("#1b6e3a")
# A figure's standing in a symbol and words as well as colour (never colour alone): the
# symbol leads the cell, a screen reader hears the words, the tooltip and legend say both.
# DejaVu Sans, bundled, has both symbols.
STANDINGS = {"good": ("\u2713", "meets the standard", GOOD),
             "alert": ("\u26a0", "needs attention", ALERT)}
LEGEND = ("\u2713 meets the standard; \u26a0 needs attention: a percentage below 80% "
          "(above 20% where fewer is better), or any at all of a count such as overdue actions.")


# ---------------------------------------------------------------------------- table models

@dataclass(frozen=True)
class Col:
    title: str
    text: Callable[[Any], str]
    sort: Callable[[Any], Any] | None = None
    figure: str | None = None  # the figure key this column shows, if any
    colour: Callable[[Any], QColor | None] | None = None
    right: bool = False
    standing: Callable[[Any], str | None] | None = None  # "good", "alert" (STANDINGS) or None


class RowsTable(QAbstractTableModel):
    """Rows of plain objects shown through column descriptions."""

    def __init__(self, columns: Sequence[Col], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, col = self.rows[index.row()], self.columns[index.column()]
        if role == SORT_ROLE:
            value = (col.sort or col.text)(row)
            return value if not isinstance(value, str) else text_sort_key(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter) if col.right else None
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole,
                        Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.ToolTipRole):
            return None
        standing = STANDINGS.get(col.standing(row)) if col.standing else None
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{standing[0]} {col.text(row)}" if standing else col.text(row)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{col.text(row)}, {standing[1]}" if standing else col.text(row)
        if role == Qt.ItemDataRole.ForegroundRole:
            return col.colour(row) if col.colour else (standing[2] if standing else None)
        if col.figure:  # the tooltip
            said = f"{standing[0]} {standing[1].capitalize()}. " if standing else ""
            return said + "Press Enter or double-click to list the records behind this figure"
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        return None


class Proxy(FoldedTextFilter):  # FoldedTextFilter is a QSortFilterProxyModel
    def __init__(self, source: RowsTable, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSourceModel(source)
        self.setSortRole(SORT_ROLE)
        self.setFilterKeyColumn(-1)

    def filterAcceptsRow(self, source_row: int, source_parent) -> bool:  # noqa: N802
        return self.text_matches(source_row, source_parent)

    def lessThan(self, left, right) -> bool:  # noqa: N802
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        try:
            return a < b
        except TypeError:
            return str(a) < str(b)

    def rows_model(self) -> RowsTable:
        source = self.sourceModel()
        assert isinstance(source, RowsTable)  # set in __init__, never changed
        return source

    def row_at(self, index: QModelIndex) -> Any:
        return self.rows_model().rows[self.mapToSource(index).row()]


def _setup_table(view: QTableView, proxy: Proxy, stretch: int | None = 0, sortable: bool = True) -> None:
    view.setModel(proxy)
    view.setSortingEnabled(sortable)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setTabKeyNavigation(False)
    view.verticalHeader().setVisible(False)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)


def _show_every_row(view: QTableView) -> None:
    """A short table as tall as its rows (and again at every text size, and whenever a
    figure's name wraps onto more or fewer lines): the headline figures all in sight, never
    behind a scroll bar of their own, and each name whole (cut short with "…" it hid what
    the figure counts)."""
    rows_header = view.verticalHeader()
    rows_header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.setWordWrap(True)

    def fit(table: QTableView) -> None:
        header = table.horizontalHeader()
        rows = table.verticalHeader().length() or (
            table.model().rowCount() * table.verticalHeader().defaultSectionSize())
        height = header.sizeHint().height() + rows + 2 * table.frameWidth()
        if table.minimumHeight() != height:
            table.setMinimumHeight(height)

    follow_font(view, lambda _view: fit(view), "show_every_row")  # _view is view
    if not view.property("showsEveryRow"):  # called at every load: connected once
        view.setProperty("showsEveryRow", True)
        rows_header.sectionResized.connect(lambda *_a: fit(view))


def _figure_standing(key: str) -> Callable[[Figure], str | None]:
    """"good" or "alert" for a figure of this kind (a key of STANDINGS), or None."""
    higher_is_better = FIGURES[key][1]

    def standing(f: Figure) -> str | None:
        if f.denominator is None:
            return "alert" if f.numerator else None
        pct = f.percent
        if pct is None:
            return None
        bad = pct < 80 if higher_is_better else pct > 20
        return "alert" if bad else "good"
    return standing


def _figure_cols(getter: Callable[[Any], dict[str, Figure]]) -> list[Col]:
    cols = []
    for key, (label, _better) in FIGURES.items():
        cols.append(_figure_col(label, key, getter))
    return cols


def _figure_col(label: str, key: str, getter: Callable[[Any], dict[str, Figure]]) -> Col:
    standing = _figure_standing(key)
    return Col(label, lambda r: getter(r)[key].display, sort=lambda r: getter(r)[key].sort_value,
               figure=key, standing=lambda r: standing(getter(r)[key]), right=True)


HEADLINE_COLS = [
    Col("Figure", lambda r: r[1].label),
    Col("All in view", lambda r: r[1].display, sort=lambda r: r[1].sort_value, figure="*",
        standing=lambda r: _figure_standing(r[1].key)(r[1]), right=True),
]


class TeamFigures(RowsTable):
    """The teams' figures, a row for each figure and a column for each team: a team's nine
    figures side by side ran off a 1366-pixel screen, and a manager has a few teams, not
    many. A row is ``(figure key or None for the worker count, what it is)``."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([Col("Figure", lambda r: r[1])], parent)
        self.teams: list[Any] = []

    def set_teams(self, teams: Sequence[Any]) -> None:
        def team_col(t) -> Col:
            return Col(t.name, lambda r: str(t.workers) if r[0] is None else t.figures[r[0]].display,
                       figure="*", right=True,
                       standing=lambda r: None if r[0] is None else _figure_standing(r[0])(t.figures[r[0]]))

        self.beginResetModel()
        self.teams = list(teams)
        self.columns = [self.columns[0], *(team_col(t) for t in self.teams)]
        self.rows = [(None, "Workers"), *((key, label) for key, (label, _better) in FIGURES.items())]
        self.endResetModel()

    def team_at(self, column: int):
        """The team a column shows (the first team's for the figures' own column)."""
        return self.teams[max(column, 1) - 1] if self.teams else None


WORKER_COLS = [
    Col("Worker", lambda w: w.name), Col("Team", lambda w: w.team_name),
    Col("ASYE", lambda w: "ASYE" if w.is_asye else ""),
    Col("Supervision now", lambda w: w.status_label or w.status.label,
        colour=lambda w: ALERT if w.status.value == "overdue" else None),
    Col("Next due", lambda w: format_date(w.next_due), sort=lambda w: w.next_due.isoformat()),
    *_figure_cols(lambda w: w.figures),
]
OVERSIGHT_COLS = [
    Col("Legal status", lambda r: r[0]),
    Col("Children", lambda r: str(r[1].denominator), sort=lambda r: r[1].denominator, right=True),
    Col("Without management oversight", lambda r: r[1].display, sort=lambda r: r[1].sort_value,
        figure="*", standing=lambda r: _figure_standing("children_without_oversight")(r[1]), right=True),
]
RECORD_KIND_LABELS = {"supervision": "Supervision record", "occasion": "Supervision due (none held)",
                      "action": "Action", "child": "Child", "staff": "Worker",
                      "case_discussion": "Case discussion", "oversight_note": "Oversight note",
                      "group_session": "Group supervision", "group_action": "Action (group session)"}
RECORD_COLS = [
    Col("Outcome", lambda r: r.outcome, colour=lambda r: None),
    Col("Date", lambda r: format_date(r.when), sort=lambda r: r.when.isoformat() if r.when else ""),
    Col("Worker", lambda r: r.staff_name),
    Col("Child", lambda r: r.case_id),
    Col("Kind", lambda r: RECORD_KIND_LABELS.get(r.kind, r.kind)),
    Col("Counted", lambda r: "Yes" if r.counted else "No"),
]


# ---------------------------------------------------------------------------- trend chart

class TrendChart(QWidget):
    """Monthly percentages as lines over a 0-100% grid, drawn with QPainter.

    Series: supervision held within policy, and records shared within 5 working days.
    The accessible description repeats the figures as text for screen readers."""

    SERIES = (("Supervision within policy", QColor("#1f5fa8")),
              ("Shared within 5 working days", QColor("#c26a00")))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.points: list[MonthPoint] = []
        self.setAccessibleName("Monthly trend chart")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    # sizes in the chart's own font, so its labels keep their room at any text size
    def sizeHint(self) -> QSize:  # noqa: N802
        metrics = self.fontMetrics()
        return QSize(metrics.averageCharWidth() * 70, metrics.height() * 15)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        metrics = self.fontMetrics()
        return QSize(metrics.averageCharWidth() * 45, metrics.height() * 11)

    def set_points(self, points: Sequence[MonthPoint]) -> None:
        self.points = list(points)
        parts = []
        for p in self.points:
            w = "no supervision due" if p.within_percent is None else f"{p.within_percent:.0f}% within policy"
            s = "" if p.shared_percent is None else f", {p.shared_percent:.0f}% shared on time"
            parts.append(f"{p.month:%B %Y}: {w}{s}")
        self.setAccessibleDescription("; ".join(parts))
        self.setToolTip("\n".join(parts))
        self.update()

    def legend(self) -> list[tuple[QRectF, str, QColor]]:
        """Where each series' key goes (swatch and words): on as many lines as the chart's
        width needs at the text size in use, rather than cut off at its right edge."""
        metrics = self.fontMetrics()
        left, right = metrics.horizontalAdvance("100%") + 10, 12
        placed, x, y = [], left, 10
        for label, colour in self.SERIES:
            width = 18 + metrics.horizontalAdvance(label)
            if x > left and x + width > self.width() - right:
                x, y = left, y + metrics.height()
            placed.append((QRectF(x, y, width, metrics.height()), label, colour))
            x += width + 16
        return placed

    def series_values(self) -> list[list[float | None]]:
        return [[p.within_percent for p in self.points], [p.shared_percent for p in self.points]]

    def paintEvent(self, _event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.base())
        metrics = painter.fontMetrics()
        left, right = metrics.horizontalAdvance("100%") + 10, 12
        legend = self.legend()
        top = int(max(r.bottom() for r, _l, _c in legend)) + 6
        bottom = metrics.height() + 10
        plot = QRectF(left, top, max(10, self.width() - left - right),
                      max(10, self.height() - top - bottom))
        text_colour = palette.text().color()
        grid = QColor(text_colour)
        grid.setAlpha(50)
        painter.setPen(QPen(grid, 1))
        for pct in (0, 25, 50, 75, 100):
            y = plot.bottom() - plot.height() * pct / 100
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(text_colour)
            painter.drawText(QRectF(0, y - metrics.height() / 2, left - 6, metrics.height()),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), f"{pct}%")
            painter.setPen(QPen(grid, 1))
        for rect, label, colour in legend:
            painter.fillRect(QRectF(rect.x(), rect.y() + metrics.height() / 2 - 4, 14, 8), colour)
            painter.setPen(text_colour)
            painter.drawText(QPointF(rect.x() + 18, rect.y() + metrics.ascent()), label)
        n = len(self.points)
        if n == 0:
            painter.setPen(text_colour)
            painter.drawText(plot, int(Qt.AlignmentFlag.AlignCenter), "No figures yet")
            self._draw_focus(painter)
            painter.end()
            return
        step = plot.width() / n

        def x_of(i: int) -> float:
            return plot.left() + step * (i + 0.5)

        painter.setPen(text_colour)
        label_every = 1 if step > metrics.horizontalAdvance("Mmm 00") + 4 else 2
        for i, p in enumerate(self.points):
            if i % label_every == 0:
                painter.drawText(QRectF(x_of(i) - step, plot.bottom() + 4, 2 * step, metrics.height()),
                                 int(Qt.AlignmentFlag.AlignHCenter), f"{p.month:%b %y}")
        for values, (_label, colour) in zip(self.series_values(), self.SERIES):
            pen = QPen(colour, 2.2)
            painter.setPen(pen)
            path, started = QPainterPath(), False
            for i, v in enumerate(values):
                if v is None:
                    started = False
                    continue
                point = QPointF(x_of(i), plot.bottom() - plot.height() * v / 100)
                if started:
                    path.lineTo(point)
                else:
                    path.moveTo(point)
                    started = True
            painter.drawPath(path)
            painter.setBrush(colour)
            for i, v in enumerate(values):
                if v is not None:
                    painter.drawEllipse(QPointF(x_of(i), plot.bottom() - plot.height() * v / 100), 3.2, 3.2)
            painter.setBrush(Qt.BrushStyle.NoBrush)
        self._draw_focus(painter)
        painter.end()

    def _draw_focus(self, painter: QPainter) -> None:
        """With the keyboard focus, a frame in the colour the fields use for theirs."""
        if not self.hasFocus():
            return
        w, h, d = self.width(), self.height(), FOCUS_WIDTH
        for edge in ((0, 0, w, d), (0, h - d, w, d), (0, 0, d, h), (w - d, 0, d, h)):
            painter.fillRect(*edge, FOCUS)


# ---------------------------------------------------------------------------- records dialog

class RecordsDialog(QDialog):
    """The records behind one figure. Ids, dates and names only; opening a record goes
    through the main window (which checks permissions and writes the view to the audit log)."""

    def __init__(self, title: str, refs: Sequence[RecordRef],
                 open_record: Callable[[str, str], None] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self._open = open_record
        layout = QVBoxLayout(self)
        summary = QLabel(f"{len(refs)} record(s). Problems are listed first.", self)
        show_value(summary, "How many records")
        layout.addWidget(summary)
        self.model = RowsTable(RECORD_COLS, self)
        self.model.set_rows(refs)
        self.proxy = Proxy(self.model, self)
        self.table = QTableView(self)
        self.table.setAccessibleName("Records behind the figure")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        _setup_table(self.table, self.proxy, stretch=0)
        self.table.activated.connect(lambda _i: self.open_current())
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.open_button = QPushButton("&Open record", self)
        self.open_button.setAccessibleName("Open the selected record")
        self.open_button.setEnabled(open_record is not None)
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.open_button.clicked.connect(self.open_current)
        layout.addWidget(buttons)
        metrics = self.fontMetrics()  # about 105 characters by 30 lines of the text size in use
        self.resize(self.sizeHint().expandedTo(QSize(metrics.averageCharWidth() * 105, metrics.height() * 30)))
        if self.proxy.rowCount():
            self.table.setCurrentIndex(self.proxy.index(0, 0))

    def current(self) -> RecordRef | None:
        index = self.table.currentIndex()
        return self.proxy.row_at(index) if index.isValid() else None

    def open_current(self) -> None:
        ref = self.current()
        if ref is None or self._open is None:
            return
        if ref.kind == "occasion":  # no record was made: show the worker instead
            self._open("staff", ref.staff_id)
        else:
            self._open(ref.kind, ref.record_id)


# ---------------------------------------------------------------------------- the page

SIGNAL_COLS = [
    Col("Signal", lambda s: s[0].kind.label),
    Col("Date", lambda s: format_date(s[0].when), sort=lambda s: s[0].when.isoformat() if s[0].when else ""),
    Col("Worker", lambda s: s[1]),
    Col("Team", lambda s: s[2]),
    Col("Record", lambda s: RECORD_KIND_LABELS.get(s[0].record_kind, s[0].record_kind)),
    Col("Detail", lambda s: s[0].detail),
]


class AssurancePage(QWidget):
    """Compliance for a team manager (their team), a service manager (their teams) or a head
    of service (all); quality signals for managers and auditors."""

    title = "Compliance"  # as the navigation list names it
    loaded = Signal()  # figures shown
    signals_loaded = Signal()
    exported = Signal(str)  # the file written
    failed = Signal(str)  # a user-facing message

    def __init__(self, database: Database, actor: Actor, *, today: Callable[[], date] | date | None = None,
                 open_record: Callable[[str, str], None] | None = None,
                 tasks: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AssurancePage")
        self.database, self.actor = database, actor
        self._today = today if callable(today) else (lambda d=today: d or london_today())
        self.open_record = open_record
        self.tasks = tasks or TaskRunner(database, self)
        self._busy: set[str] = set()
        self.dashboard: ComplianceDashboard | None = None
        self.signals: QualitySignals | None = None

        self.widget = load_widget("assurance_page.ui", self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        # every headline figure in sight needs more height than a laptop has at the largest
        # text size: the page scrolls, rather than making the window taller than the screen
        # (which put the key to the marks, the page's last line, below its edge)
        self.page_scroll = PageScroll(self.widget, self)
        layout.addWidget(self.page_scroll)
        f = self.form = AssurancePageForm(self.widget)
        self.chart = TrendChart(f.trendHost)
        host_layout = QVBoxLayout(f.trendHost)
        host_layout.setContentsMargins(0, 0, 0, 0)
        host_layout.addWidget(self.chart)

        self.headline_model = RowsTable(HEADLINE_COLS, self)
        self.headline_proxy = Proxy(self.headline_model, self)
        _setup_table(f.headlineTable, self.headline_proxy, stretch=0, sortable=False)
        self.team_model = TeamFigures(self)
        self.team_proxy = Proxy(self.team_model, self)
        _setup_table(f.teamTable, self.team_proxy, stretch=None, sortable=False)
        self.worker_model = RowsTable(WORKER_COLS, self)
        self.worker_proxy = Proxy(self.worker_model, self)
        _setup_table(f.workerTable, self.worker_proxy, stretch=None)
        wrap_headings(f.workerTable)  # the figures' headings on a few lines, not six screens wide
        f.workerFilterEdit.textChanged.connect(self.worker_proxy.setFilterFixedString)
        self.oversight_model = RowsTable(OVERSIGHT_COLS, self)
        self.oversight_proxy = Proxy(self.oversight_model, self)
        _setup_table(f.oversightTable, self.oversight_proxy, stretch=0, sortable=False)
        self.signal_model = RowsTable(SIGNAL_COLS, self)
        self.signal_proxy = Proxy(self.signal_model, self)
        _setup_table(f.signalsTable, self.signal_proxy, stretch=5)

        for view in (f.headlineTable, f.teamTable, f.workerTable, f.oversightTable):
            view.activated.connect(lambda index, v=view: self.show_records(v, index))
        f.signalsTable.activated.connect(self._open_signal)
        f.recordsButton.clicked.connect(self._records_for_focus)
        f.periodCombo.setCurrentIndex(PERIODS.index(6))
        f.periodCombo.currentIndexChanged.connect(lambda _i: self.refresh())
        f.teamCombo.addItem("All teams in view", None)
        f.teamCombo.currentIndexChanged.connect(lambda _i: self.refresh())
        f.intervalSpin.editingFinished.connect(self.refresh)
        f.refreshButton.clicked.connect(self.refresh)
        f.exportCsvButton.clicked.connect(lambda: self._ask_export("csv"))
        f.exportXlsxButton.clicked.connect(lambda: self._ask_export("xlsx"))
        f.exportCsvButton.setEnabled(False)
        f.exportXlsxButton.setEnabled(False)
        f.legendLabel.setText(LEGEND)
        ensure_accessible_names(self)
        style_headings(self)
        # "Records behind this figure" lists the figure chosen last, with the arrow keys or
        # the mouse: the table whose selection changed last, at its selected cell. (Passing
        # through a table with Tab gives it a current cell but selects nothing.)
        self._last_view: QTableView = f.headlineTable
        for view in self._figure_views():
            view.selectionModel().selectionChanged.connect(
                lambda _on, _off, v=view: self._figure_chosen(v))

    # -- what is asked
    @property
    def months(self) -> int:
        return PERIODS[max(0, self.form.periodCombo.currentIndex())]

    def set_months(self, months: int) -> None:
        self.form.periodCombo.setCurrentIndex(PERIODS.index(months))

    @property
    def busy(self) -> bool:
        return bool(self._busy)

    def first_focus(self) -> QWidget:
        return self.form.headlineTable

    def refresh(self) -> None:
        """Recompute the figures (then the quality signals) in the background."""
        actor, today, months = self.actor, self._today(), self.months
        team = self.form.teamCombo.currentData()
        settings = AssuranceSettings(oversight_interval_days=self.form.intervalSpin.value())
        db = self.database

        def figures():
            with db.reading() as s:
                return compliance_dashboard(s, actor, today=today, months=months, settings=settings,
                                            team_ids=[team] if team else None)

        self._submit("figures", figures)
        self.form.statusLabel.setText("Working out the figures…")

    def _submit(self, what: str, work: Callable[[], Any]) -> None:
        """``work()`` manages its own reading (or audited) transaction; the newest request of
        each kind wins."""
        self._busy.add(what)
        self.tasks.run(READS, work, lambda result: self._finished(what, result, None),
                       lambda error: self._finished(what, None, error), key=(id(self), what))

    def _finished(self, what: str, result: Any, error: Any) -> None:
        self._busy.discard(what)
        if error is not None:
            self.form.statusLabel.setText("")
            self.failed.emit(user_message(error))
            return
        if what == "figures":
            self._show(result)
        elif what == "signals":
            self._show_signals(result)
        elif what == "records":
            self._open_dialog(*result)
        elif what == "export":
            self._say(f"Saved {Path(result).name}")
            self.exported.emit(str(result))

    def _say(self, text: str) -> None:
        """The status line, announced: what the person just asked for (an export, a refusal)
        reaches a screen reader, which does not hear a label change by itself (issue 19).
        The figures' own loading progress is shown only."""
        self.form.statusLabel.setText(text)
        announce(self.form.statusLabel, text)

    def _show(self, d: ComplianceDashboard) -> None:
        f = self.form
        self.dashboard = d
        f.scopeLabel.setText(
            f"{d.scope_label}: {d.period.label}. Counts signed records only; records not yet "
            f"signed are shown apart. Oversight means a signed note or a case discussion in a "
            f"signed supervision record within {d.settings.oversight_interval_days} days."
            + "".join(f" {note}" for note in d.notes))
        self.headline_model.set_rows([(k, d.total[k]) for k in FIGURES])
        _show_every_row(f.headlineTable)
        self.team_model.set_teams(d.teams)
        self.worker_model.set_rows(d.workers)
        rows = [(o.legal_status.label, o.without_oversight) for o in d.oversight_by_status]
        rows.append(("Care leavers with a pathway plan", d.care_leavers_pathway))
        self.oversight_model.set_rows(rows)
        self.chart.set_points(d.trend)
        self._fill_team_combo(d)
        f.exportCsvButton.setEnabled(True)
        f.exportXlsxButton.setEnabled(True)
        f.statusLabel.setText("Looking for quality signals…")
        self.loaded.emit()
        actor, today, db = self.actor, d.today, self.database
        team_ids = [t.team_id for t in d.teams]

        def signals():
            with db.reading() as s:
                return quality_signals(s, actor, today=today, since=d.period.start, team_ids=team_ids)

        self._submit("signals", signals)

    def _fill_team_combo(self, d: ComplianceDashboard) -> None:
        combo = self.form.teamCombo
        if combo.count() > 1 or len(d.teams) <= 1:
            return
        combo.blockSignals(True)
        for t in d.teams:
            combo.addItem(t.name, t.team_id)
        combo.blockSignals(False)

    def _show_signals(self, result: QualitySignals) -> None:
        self.signals = result
        d = self.dashboard
        names = {w.worker_id: w.name for w in d.workers} if d else {}
        teams = {t.team_id: t.name for t in d.teams} if d else {}
        self.signal_model.set_rows([(s, names.get(s.staff_id, ""), teams.get(s.team_id, ""))
                                    for s in result.signals])
        counts = result.counts()
        self.form.signalsSummary.setText(
            "; ".join(f"{k.label}: {n}" for k, n in counts.items()) + ". Drafts are not looked at.")
        self.form.statusLabel.setText("")
        self.signals_loaded.emit()

    # -- the records behind a figure
    def figure_at(self, view: QTableView, index: QModelIndex) -> tuple[str, Figure] | None:
        proxy = view.model()
        assert isinstance(proxy, Proxy)  # every table on the page shows its rows through one
        if not index.isValid():
            return None
        row = proxy.row_at(index)
        col = proxy.rows_model().columns[proxy.mapToSource(index).column()]
        if view is self.form.headlineTable or view is self.form.oversightTable:
            return (row[1].label if view is self.form.headlineTable
                    else f"Without management oversight: {row[0]}"), row[1]
        if view is self.form.teamTable:
            team = self.team_model.team_at(proxy.mapToSource(index).column())
            figure = team.figures[row[0] or "within_policy"]  # the worker count: their supervision
            return f"{figure.label}: {team.name}", figure
        key = col.figure
        if key is None:
            key = "within_policy"
        figure = row.figures[key]
        return f"{figure.label}: {row.name}", figure

    def show_records(self, view: QTableView, index: QModelIndex) -> RecordsDialog | None:
        """Open the list behind a figure; returns the dialog, or None when its rows first
        need looking up in the background (it then opens by itself)."""
        found = self.figure_at(view, index)
        if found is None:
            return None
        title, figure = found
        if figure.size <= RECORDS_ON_GUI_THREAD:
            refs = figure.records
            if not any(r.kind == "child" and r.counted and r.when is None for r in refs):
                return self._open_dialog(title, refs)
        db = self.database

        def build():  # a long list is built, and children's last oversight looked up, off the GUI thread
            refs = figure.records
            if any(r.kind == "child" and r.counted and r.when is None for r in refs):
                with db.reading() as s:
                    refs = fill_last_oversight(s, refs)
            return title, refs

        self._submit("records", build)
        return None

    def _open_dialog(self, title: str, refs) -> RecordsDialog:
        dialog = RecordsDialog(title, refs, self.open_record, self)
        dialog.setModal(False)
        dialog.show()
        self.last_dialog = dialog
        return dialog

    def _figure_views(self) -> tuple[QTableView, ...]:
        f = self.form
        return (f.headlineTable, f.teamTable, f.workerTable, f.oversightTable)

    def _figure_chosen(self, view: QTableView) -> None:
        if view.selectionModel().hasSelection():
            self._last_view = view

    def chosen_figure(self) -> tuple[QTableView, QModelIndex]:
        """The table and cell "Records behind this figure" lists: the figure selected last,
        by keyboard or mouse."""
        view = self._last_view
        selected = view.selectionModel().selectedIndexes()
        return view, (selected[0] if selected else view.currentIndex())

    def _records_for_focus(self) -> None:
        view, index = self.chosen_figure()
        if not index.isValid():
            self._say("Choose a figure in a table first (arrow keys or a "
                      "click), then list the records behind it.")
            return
        self.show_records(view, index)

    def _open_signal(self, index: QModelIndex) -> None:
        if self.open_record is None or not index.isValid():
            return
        signal: QualitySignal = self.signal_proxy.row_at(index)[0]
        if signal.record_kind == "case_discussion" and signal.session_id:
            self.open_record("supervision", signal.session_id)
        elif signal.record_kind == "action" and signal.session_id:
            self.open_record("supervision", signal.session_id)
        else:
            self.open_record(signal.record_kind, signal.record_id)

    # -- export
    def _ask_export(self, fmt: str) -> None:
        suffix = {"csv": "CSV files (*.csv)", "xlsx": "Excel workbooks (*.xlsx)"}[fmt]
        name = f"supervision-compliance-{self._today():%Y-%m-%d}.{fmt}"
        path, _ = QFileDialog.getSaveFileName(self, "Export the figures", name, suffix)
        if path:
            self.export_to(Path(path), fmt)

    def export_to(self, path: Path, fmt: str, level: str = "workers") -> None:
        """Write the figures shown (CSV: one table, ``level``; XLSX: every table) in the
        background, and note the export in the audit log."""
        d = self.dashboard
        if d is None:
            return
        from ..assurance.export import write_csv, write_xlsx
        db, actor = self.database, self.actor

        def work():
            if fmt == "csv":
                write_csv(path, d, level)
            else:
                write_xlsx(path, d)
            with db.transaction() as s:
                record_event(s, actor_id=actor.staff_id, action="export_figures",
                             record_kind="compliance", record_id="")
            return path

        self._say("Exporting…")
        self._submit("export", work)

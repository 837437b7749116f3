"""What the main window's pages share: the ``Page`` base (a Designer form whose data loads
in the background and is shown through a model), their tables' set-up and selection, and
the columns more than one page lists. Each page is a module of its own: ``team_page``,
``history_page``, ``my_supervision_page``, ``children_pages``, ``search_page`` and
``settings_page``."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QBoxLayout, QHeaderView, QTableView, QWidget

from ..domain.time_rules import format_date
from ..domain.vocabulary import RecordState, SupervisionStatus
from .accessibility import ensure_accessible_names, style_headings
from .forms import Form, embed_form
from .models import CellDelegate, Column, FilterProxy, RowsModel, fit_columns
from .table_width import keep_within_width
from .tasks import user_message

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

CHILD_COLUMNS = [
    Column("Case ID", lambda c: c.case_id),
    Column("Name", lambda c: c.name),
    Column("Legal status", lambda c: c.legal_status),
    Column("Allocated worker", lambda c: c.worker_name),
    Column("Last oversight", lambda c: c.last_oversight,  # a note or a case discussion
           text=lambda c: format_date(c.last_oversight) or "None recorded"),
]


def named_row(widget: QWidget, name: str) -> QBoxLayout:
    """The box layout called ``name`` in the form that holds ``widget``."""
    host = widget.parentWidget()
    layout = host.findChild(QBoxLayout, name) if host is not None else None
    if layout is None:  # as typed forms' Child says a form lacks a child
        raise LookupError(f"form {widget.objectName()}'s parent has no QBoxLayout {name}")
    return layout

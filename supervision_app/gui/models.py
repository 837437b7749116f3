"""Table models over the read-model dataclasses: one generic QAbstractTableModel driven by
column descriptions, and a sort/filter proxy. Lists never use a widget per row."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Iterator, Sequence

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    QSize,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QPalette,
    QTextCharFormat,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from ..domain.text_rules import search_fold, text_sort_key
from ..domain.time_rules import format_date, format_london

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else ""
    if isinstance(value, datetime):
        return format_london(value)
    if isinstance(value, date):
        return format_date(value)
    label = getattr(value, "label", None)
    if isinstance(label, str):
        return label
    return str(value)


def sort_key_of(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    return text_sort_key(text_of(value))


def _comparable(key: Any) -> tuple:
    """Numbers before text, so a column never fails to sort if it ever mixes the two."""
    return (0, key) if isinstance(key, (int, float)) else (1, key)


@dataclass(frozen=True)
class Column:
    title: str
    value: Callable[[Any], Any]
    text: Callable[[Any], str] | None = None  # override how the value reads
    background: Callable[[Any], QColor | None] | None = None
    foreground: Callable[[Any], QColor | None] | None = None
    tooltip: Callable[[Any], str] | None = None
    align_right: bool = False
    bold: Callable[[Any], bool] | None = None
    accessible: Callable[[Any], str] | None = None  # what a screen reader says, if not the text
    sort: Callable[[Any], Any] | None = None  # the order, where the value's own is not it (a sort key)

    def sort_key(self, row: Any) -> Any:
        return self.sort(row) if self.sort is not None else sort_key_of(self.value(row))


_bold_font: QFont | None = None


def _bold() -> QFont:
    global _bold_font
    if _bold_font is None:  # made once a QApplication exists
        _bold_font = QFont()
        _bold_font.setBold(True)
    return _bold_font

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_SORT = int(SORT_ROLE)
_ROW = int(ROW_ROLE)
_FOLDED = -1  # not a Qt role: a cell's text as the find box compares it
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
# A delegate fills a style option per cell, per paint and per size hint (~1,700 at start-up
# on the team page): PySide's flag operators are Python enum code, ~2-4 us each, a third of
# the time, so the selected test is made on the plain value and each view's features with
# HasDisplay added are worked out once
_HAS_DISPLAY = QStyleOptionViewItem.ViewItemFeature.HasDisplay
_SELECTED = QStyle.StateFlag.State_Selected.value
_with_display: dict[Any, Any] = {}


class RowsModel(QAbstractTableModel):
    """Rows of read-model objects, one column per :class:`Column`.

    Every cell's roles are worked out once, when the rows arrive, so ``data`` (which a view
    calls a dozen times per cell while it sizes and paints) is a dictionary lookup."""

    def __init__(self, columns: Sequence[Column], parent=None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.rows: list[Any] = []
        self._cells: list[list[dict[int, Any]]] = []
        self._order: tuple[int, Qt.SortOrder] | None = None  # kept as rows come and go

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self._cells = [[self._cell(column, row) for column in self.columns] for row in self.rows]
        if self._order is not None:
            self._arrange(self._permutation(*self._order))
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Keep the rows in this column's order (dates as dates, text ignoring case), as the
        header asks. Sorting here, in one Python sort, rather than in the proxy spares the
        proxy a trip through ``data`` for both sides of every comparison: half the time a
        history took to load into its table. Equal keys keep their order (a stable sort)."""
        if not 0 <= column < len(self.columns):
            self._order = None
            return
        self._order = (column, Qt.SortOrder(order))
        if len(self.rows) < 2:
            return
        permutation = self._permutation(column, order)
        self.layoutAboutToBeChanged.emit()
        moved_from = self.persistentIndexList()
        self._arrange(permutation)
        now_at = {old: new for new, old in enumerate(permutation)}
        self.changePersistentIndexList(
            moved_from, [self.index(now_at[i.row()], i.column()) for i in moved_from])
        self.layoutChanged.emit()

    def _permutation(self, column: int, order) -> list[int]:
        key = self.columns[column].sort_key
        keys = [_comparable(key(row)) for row in self.rows]
        return sorted(range(len(keys)), key=keys.__getitem__,
                      reverse=order == Qt.SortOrder.DescendingOrder)

    def _arrange(self, permutation: list[int]) -> None:
        self.rows = [self.rows[i] for i in permutation]
        self._cells = [self._cells[i] for i in permutation]

    @staticmethod
    def _cell(column: Column, row: Any) -> dict[int, Any]:
        value = column.value(row)
        text = column.text(row) if column.text is not None else text_of(value)
        # the sort key and the spoken text are worked out when first asked for (the sorted
        # column; a screen reader), not for every cell of every list
        cell: dict[int, Any] = {_DISPLAY: text, _ROW: row}
        if column.background is not None:
            cell[_BACKGROUND] = column.background(row)
        if column.foreground is not None:
            cell[_FOREGROUND] = column.foreground(row)
        if column.tooltip is not None:
            cell[_TOOLTIP] = column.tooltip(row)
        if column.align_right:
            cell[_ALIGN] = _RIGHT
        if column.bold is not None and column.bold(row):
            cell[_FONT] = _bold()  # only the weight: size and family come from the view
        return cell

    def row_at(self, row: int) -> Any:
        return self.rows[row]

    def replace_row(self, row: int, value: Any) -> None:
        """One row changed (e.g. edited in place): recompute its cells and repaint it."""
        self.rows[row] = value
        self._cells[row] = [self._cell(column, value) for column in self.columns]
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.columns) - 1))

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role in (
                Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.columns[section].title
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role=_DISPLAY):
        row = index.row()
        if row < 0:  # an invalid index (row -1 would read the last row)
            return None
        try:
            cell = self._cells[row][index.column()]
        except IndexError:  # a stale one
            return None
        role = int(role)
        value = cell.get(role)
        if value is None and (role == _SORT or role == _ACCESSIBLE) and role not in cell:
            column = self.columns[index.column()]
            if role == _SORT:
                value = column.sort_key(cell[_ROW])
            else:
                value = cell[_DISPLAY] if column.accessible is None else column.accessible(cell[_ROW])
            cell[role] = value
        return value


def keep_colours_when_selected(option: QStyleOptionViewItem, background: QColor | None,
                               foreground: QColor | None) -> None:
    """A selected cell keeps the colour that carries its meaning: the first row of the team
    page is selected from the start and is, sorted by urgency, the overdue one, which must
    not lose its red to the selection blue. A coloured cell takes a deeper shade of its own
    colour (the rest of the row shows the selection), and alert text stays in its colour."""
    if background is not None:
        option.palette.setColor(QPalette.ColorRole.Highlight, background.darker(112))
    if foreground is not None:
        option.palette.setColor(QPalette.ColorRole.HighlightedText, foreground)


class CellDelegate(QStyledItemDelegate):
    """Draws a :class:`RowsModel` table's cells as ``QStyledItemDelegate`` does, but fills
    the style option from the model's cached cell in one call, where the base class asks
    for seven roles one at a time, each through the proxy and back into Python: about a
    sixth of the time a history takes to appear. ``tests/gui/test_lists.py`` checks the
    pixels are the same."""

    def __init__(self, model: "RowsModel", proxy: QSortFilterProxyModel | None = None, parent=None) -> None:
        super().__init__(parent)
        self._model, self._proxy = model, proxy

    def initStyleOption(self, option: QStyleOptionViewItem, index) -> None:  # noqa: N802
        source = self._proxy.mapToSource(index) if self._proxy is not None else index
        row = source.row()
        try:
            if row < 0:
                raise IndexError
            cell = self._model._cells[row][source.column()]
        except IndexError:  # not one of ours (or stale): the usual way
            super().initStyleOption(option, index)
            return
        option.index = index
        font = cell.get(_FONT)
        if font is not None:
            option.font = font.resolve(option.font)
            option.fontMetrics = QFontMetrics(option.font)
        align = cell.get(_ALIGN)
        if align is not None:
            option.displayAlignment = Qt.AlignmentFlag(align)
        foreground = cell.get(_FOREGROUND)
        if foreground is not None:
            option.palette.setBrush(QPalette.ColorRole.Text, QBrush(foreground))
        features = option.features
        shown = _with_display.get(features)
        if shown is None:
            shown = _with_display[features] = features | _HAS_DISPLAY
        option.features = shown
        option.text = cell[_DISPLAY]
        background = cell.get(_BACKGROUND)
        if background is not None:
            option.backgroundBrush = QBrush(background)
        if option.state.value & _SELECTED:
            keep_colours_when_selected(option, background, foreground)
        # as the base class: no style animations inside item views (PySide6's stubs miss
        # that styleObject may be None, Qt's nullptr)
        option.styleObject = None  # type: ignore[assignment]


def fit_columns(view, model: "RowsModel", skip: int | None = None, widest: int = 420) -> None:
    """Size each column to its widest text, measured from the model's cached cells with the
    view's font metrics: the same result as ``ResizeToContents`` without asking the model
    for every role of every cell (which, through a proxy, is most of the time a table
    takes to show a few hundred rows). ``skip`` is the stretching column; a last section
    that stretches keeps the width it is given.

    Called as the model resets, when the view is about to lay out and paint everything
    anyway: the header's resize signals are held back, because each would have the table
    schedule one more layout and repaint of its columns just after the first."""
    header = view.horizontalHeader()
    last = header.count() - 1 if header.stretchLastSection() else None
    held = header.blockSignals(True)
    try:
        _fit(view, model, header, (skip, last), widest)
    finally:
        header.blockSignals(held)


def _fit(view, model: "RowsModel", header, skip: tuple, widest: int) -> None:
    metrics = view.fontMetrics()
    bold = QFont(view.font())
    bold.setBold(True)
    bold_metrics = QFontMetrics(bold)
    padding = 2 * view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 14
    stretching_last = skip[1]
    for c, column in enumerate(model.columns):
        if (c in skip and c != stretching_last) or view.isColumnHidden(c):
            continue
        # the last column stretches into spare width; sized here too, it keeps its text's
        # width when there is none (a narrow window) instead of Qt's default 100 pixels
        fm = bold_metrics if column.bold is not None else metrics
        texts = {cells[c][_DISPLAY] for cells in model._cells}
        width = max((fm.horizontalAdvance(t) for t in texts if t), default=0) + padding
        header.resizeSection(c, min(widest, max(width, header.sectionSizeHint(c))))


@contextmanager
def filter_change(proxy: QSortFilterProxyModel) -> Iterator[None]:
    """Around a change to what a proxy lets through (Qt 6.9 on; ``invalidateFilter`` before)."""
    begin = getattr(proxy, "beginFilterChange", None)
    if begin is None:
        yield
        proxy.invalidateFilter()
        return
    begin()
    yield
    proxy.endFilterChange()


class FoldedTextFilter(QSortFilterProxyModel):
    """A proxy whose ``setFilterFixedString`` (what the find boxes are connected to)
    matches any column's text ignoring case and accents, as
    ``domain.text_rules.search_fold`` compares: "zoe" finds Zoë, "lukasz" Łukasz. Qt's own
    case-insensitive filter would miss both."""

    _needle = ""

    def setFilterFixedString(self, text: str) -> None:  # noqa: N802 - Qt's name, kept for its callers
        with filter_change(self):
            self._needle = search_fold(text or "")

    def text_matches(self, source_row: int, source_parent) -> bool:
        return not self._needle or any(
            self._needle in folded for folded in self.folded_texts(source_row, source_parent))

    def folded_texts(self, source_row: int, source_parent) -> Iterator[str]:
        """Each column's text in the row, folded (asked for one at a time, as needed)."""
        model = self.sourceModel()
        for column in range(model.columnCount(source_parent)):
            text = model.index(source_row, column, source_parent).data(Qt.ItemDataRole.DisplayRole)
            yield search_fold(str(text)) if text else ""


class FilterProxy(FoldedTextFilter):
    """Sorts on the real values (dates as dates); filters on every column's text (see
    :class:`FoldedTextFilter`), plus an optional predicate over the row object."""

    def __init__(self, source: RowsModel, parent=None) -> None:
        super().__init__(parent)
        self.setSourceModel(source)
        self.setSortRole(SORT_ROLE)
        self.setFilterKeyColumn(-1)
        self.predicate: Callable[[Any], bool] | None = None

    def rows_model(self) -> RowsModel:
        source = self.sourceModel()
        assert isinstance(source, RowsModel)  # set in __init__, never changed
        return source

    def set_predicate(self, predicate: Callable[[Any], bool] | None) -> None:
        with filter_change(self):
            self.predicate = predicate

    def filterAcceptsRow(self, source_row: int, source_parent) -> bool:  # noqa: N802
        if self.predicate is not None and not self.predicate(self.rows_model().row_at(source_row)):
            return False
        return self.text_matches(source_row, source_parent)

    def folded_texts(self, source_row: int, source_parent) -> Iterator[str]:
        for cell in self.rows_model()._cells[source_row]:  # folded once per cell, kept with it
            folded = cell.get(_FOLDED)
            if folded is None:
                folded = cell[_FOLDED] = search_fold(cell[_DISPLAY] or "")
            yield folded

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """The source model keeps its rows in order (see ``RowsModel.sort``); the proxy
        only filters, so its own sort stays off."""
        self.sourceModel().sort(column, order)

    def row_for(self, proxy_index: QModelIndex) -> Any:
        if not proxy_index.isValid():
            return None
        return self.rows_model().row_at(self.mapToSource(proxy_index).row())


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2  # Qt counts positions in UTF-16 units


def split_highlights(snippet: str, start: str, end: str) -> tuple[str, list[tuple[int, int]]]:
    """The snippet as plain text and the (position, length) of each highlighted run, in
    Qt's UTF-16 units. The markers are control characters that stored text never holds,
    so nothing typed by a person can start or end a highlight, and no markup in a record
    is ever interpreted."""
    plain: list[str] = []
    runs: list[tuple[int, int]] = []
    at = 0
    for i, part in enumerate(snippet.split(start)):
        if i:  # after a start marker: the matched words, up to the end marker
            marked, _sep, part = part.partition(end)
            length = _utf16_length(marked)
            runs.append((at, length))
            plain.append(marked)
            at += length
        part = part.replace(end, "")
        plain.append(part)
        at += _utf16_length(part)
    return "".join(plain), runs


def whole_lines(layout: QTextLayout, height: float) -> int:
    """How many of ``layout``'s lines fit whole in ``height`` (at least one, so a row too
    short for any still shows the start)."""
    count = 0
    for i in range(layout.lineCount()):
        if layout.lineAt(i).rect().bottom() > height and count:
            break
        count += 1
    return count


class HighlightDelegate(CellDelegate):
    """Draws a column of search snippets with the matched words in bold and underlined
    (not colour alone), wrapped to the row's height.

    A ``QTextLayout`` per snippet, laid out once per text, width and font and then reused:
    no HTML to parse and no text document per cell, which made painting a page of results
    the slowest part of a search."""

    MARGIN = 3

    def __init__(self, model: "RowsModel", start: str, end: str, parent=None) -> None:
        super().__init__(model, None, parent)
        self._start, self._end = start, end
        self._layouts: dict[tuple[str, int, str], QTextLayout] = {}

    def _layout(self, text: str, width: int, font: QFont) -> QTextLayout:
        key = (text, width, font.key())
        layout = self._layouts.get(key)
        if layout is None:
            if len(self._layouts) > 400:
                self._layouts.clear()
            plain, runs = split_highlights(text, self._start, self._end)
            layout = QTextLayout(plain, font)
            strong = QTextCharFormat()
            strong.setFontWeight(QFont.Weight.Bold)
            strong.setFontUnderline(True)
            formats = []
            for position, length in runs:
                run = QTextLayout.FormatRange()
                run.start, run.length, run.format = position, length, strong
                formats.append(run)
            layout.setFormats(formats)
            option = QTextOption()
            option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
            layout.setTextOption(option)
            layout.setCacheEnabled(True)
            layout.beginLayout()
            y = 0.0
            while True:
                line = layout.createLine()
                if not line.isValid():
                    break
                line.setLineWidth(max(1, width))
                line.setPosition(QPointF(0, y))
                y += line.height()
            layout.endLayout()
            self._layouts[key] = layout
        return layout

    def paint(self, painter, option, index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text
        opt.text = ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        rect = opt.rect.adjusted(self.MARGIN, self.MARGIN // 2, -self.MARGIN, 0)
        layout = self._layout(text, rect.width(), opt.font)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        shown = whole_lines(layout, rect.height())
        painter.save()
        # whole lines only: at a large text size a snippet may need more lines than the
        # row has, and a line cut through the middle is unreadable
        height = layout.lineAt(shown - 1).rect().bottom() if shown else 0
        painter.setClipRect(QRectF(rect.left(), rect.top(), rect.width(), height + 1))
        painter.setPen(opt.palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text))
        layout.draw(painter, QPointF(rect.topLeft()))
        if 0 < shown < layout.lineCount():  # say there is more, where the last line has room
            last = layout.lineAt(shown - 1)
            more = " …"
            if last.naturalTextWidth() + opt.fontMetrics.horizontalAdvance(more) <= rect.width():
                painter.drawText(QPointF(rect.left() + last.naturalTextWidth(),
                                         rect.top() + last.y() + last.ascent()), more)
        painter.restore()

    def sizeHint(self, option, index) -> QSize:  # noqa: N802
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        plain, _runs = split_highlights(opt.text, self._start, self._end)
        metrics = QFontMetrics(opt.font)
        return QSize(metrics.horizontalAdvance(plain) + 2 * self.MARGIN, metrics.lineSpacing() * 2 + 10)

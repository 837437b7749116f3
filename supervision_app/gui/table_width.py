"""Tables that fit the width they are given: no sideways scrolling where cutting the longest
texts short would do (issue 19).

``keep_within_width(view)`` remembers the widths a table's columns were sized to (their
contents, by ``models.fit_columns`` or the caller) and, whenever the table is narrower
than they add up to (a 1366-pixel laptop, the largest text size), narrows the widest
columns first, each to no less than its heading: dates and counts keep their width, long
names and decisions are cut short with "…". A table too wide even with every column at
its heading's width keeps its columns whole and scrolls sideways. With ``wrap=`` columns
(a person's name, a status in words) only those give way, and their text goes onto more
lines, the row growing to show it: no word is cut, and the other columns keep their
width (the team table, where a name cut short was worse than scrolling). ``wrap_headings(view)``
puts long headings on a few lines so that a column of short values is not as wide as its
heading on one line. ``show_cut_text(view)`` shows a cut cell's
whole text as its tooltip (the model's own tooltip, where it has one, comes first).
"""
from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics, QHelpEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QToolTip, QWidget

from .accessibility import follow_font

_SHARER = "keep_within_width"
_TIPS = "show_cut_text"


def _level(wanted: list[int], floors: list[int], room: int) -> list[int]:
    """Widths no wider than ``wanted``, no narrower than ``floors``, adding up to ``room``
    where they can: every width above a common level is brought down to it (the widest
    columns give way first, the narrow ones not at all)."""
    if sum(wanted) <= room or sum(floors) > room:
        return list(wanted)  # it fits; or it cannot, and cutting every text short gains nothing
    low, high = 0, max(wanted)
    while low < high:  # the highest level at which the widths still fit
        mid = (low + high + 1) // 2
        if sum(min(w, max(f, mid)) for w, f in zip(wanted, floors)) <= room:
            low = mid
        else:
            high = mid - 1
    return [min(w, max(f, low)) for w, f in zip(wanted, floors)]


class _WidthKeeper(QObject):
    def __init__(self, view: QTableView, wrap: frozenset[int] | None = None) -> None:
        super().__init__(view)
        self.setObjectName(_SHARER)
        self.view = view
        self.wanted: dict[int, int] = {}
        self.wrap = wrap  # the columns that wrap rather than cut (None: cut the widest)
        self._rows_fitted = False  # rows as tall as their lines (only while a column is narrowed)
        self._busy = False
        view.viewport().installEventFilter(self)
        if wrap is not None:
            view.setWordWrap(True)
            rows = view.verticalHeader()
            rows.setMinimumSectionSize(rows.defaultSectionSize())  # never shorter than a row is

    def remember(self) -> None:
        header = self.view.horizontalHeader()
        self.wanted = {c: header.sectionSize(c) for c in range(header.count())}
        self.share()

    def _sharing(self) -> tuple[list[int], int]:
        """The sections that may be narrowed (sized by hand or by ``fit_columns``), and the
        room left for them beside the others."""
        header = self.view.horizontalHeader()
        visible = [c for c in range(header.count()) if not header.isSectionHidden(c)]
        last = max(visible, key=header.visualIndex) if visible else -1
        room = self.view.viewport().width()
        sharing = []
        for c in visible:
            mode = header.sectionResizeMode(c)
            if self.wrap is not None:
                if c in self.wrap:
                    sharing.append(c)
                else:
                    room -= header.sectionSize(c)
            elif mode == QHeaderView.ResizeMode.Stretch:  # it takes what is left: at least its heading
                # (half of it cut "Supervisee" to "pervis" in the flagged records at Largest)
                room -= max(header.minimumSectionSize(), header.sectionSizeHint(c))
            elif mode == QHeaderView.ResizeMode.Interactive or (c == last and header.stretchLastSection()):
                sharing.append(c)
            else:
                room -= header.sectionSize(c)
        return sharing, room

    def share(self) -> None:
        if self._busy or not self.wanted:
            return
        header = self.view.horizontalHeader()
        sharing, room = self._sharing()
        wanted = [self.wanted.get(c, header.sectionSize(c)) for c in sharing]
        if self.wrap is None:
            floors = [min(w, max(header.minimumSectionSize(), header.sectionSizeHint(c)))
                      for c, w in zip(sharing, wanted)]
            widths = _level(wanted, floors, room)
        else:
            floors = [min(w, longest_word(self.view, c)) for c, w in zip(sharing, wanted)]
            # too wide even with every word on a line of its own: as narrow as that, and the
            # rest scrolls (less to scroll, and still no word cut)
            widths = floors if sum(floors) > room else _level(wanted, floors, room)
        self._busy = True
        try:
            for c, width in zip(sharing, widths):
                if header.sectionSize(c) != width:
                    header.resizeSection(c, width)
            if self.wrap is not None:
                self._rows_fit_their_lines(any(w < want for w, want in zip(widths, wanted)))
        finally:
            self._busy = False

    def _rows_fit_their_lines(self, narrowed: bool) -> None:
        """Rows as tall as their wrapped lines need while a column is narrowed; otherwise
        every row one line, as usual: measuring every row's cells tripled the time a
        240-row team took to show, and is needed only when something wraps."""
        if narrowed == self._rows_fitted:
            return
        self._rows_fitted = narrowed
        rows = self.view.verticalHeader()
        if narrowed:
            rows.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            return
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for row in range(rows.count()):  # back to one line each
            rows.resizeSection(row, rows.defaultSectionSize())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Resize:
            self.share()
        return False


def keep_within_width(view: QTableView, wrap: Iterable[int] | None = None) -> None:
    """Call once the columns are sized to their contents (after each new set of rows): the
    widths are remembered, and the widest given up first whenever the table is too narrow
    for them, now and at every change of its width. ``wrap``: only these columns give
    way, down to their longest word, wrapping onto more lines (see the module's note);
    given once, it stays."""
    keeper = _keeper(view)
    if keeper is None:
        keeper = _WidthKeeper(view, frozenset(wrap) if wrap is not None else None)
        show_cut_text(view)
    keeper.remember()


def _keeper(view: QTableView) -> _WidthKeeper | None:
    return view.findChild(_WidthKeeper, _SHARER, Qt.FindChildOption.FindDirectChildrenOnly)


def longest_word(view: QTableView, column: int) -> int:
    """The width ``column`` needs to show each of its words and its heading's whole, in
    the view's font (a bold cell's in bold), with the cell's and the heading's margins."""
    model, header = view.model(), view.horizontalHeader()
    style = view.style()
    margin = 2 * (style.pixelMetric(style.PixelMetric.PM_FocusFrameHMargin, None, view) + 1) + 4
    plain = view.fontMetrics()
    widest = 0
    for row in range(model.rowCount()):
        index = model.index(row, column)
        text = index.data(Qt.ItemDataRole.DisplayRole)
        if not isinstance(text, str) or not text:
            continue
        font = index.data(Qt.ItemDataRole.FontRole)
        metrics = QFontMetrics(font.resolve(view.font())) if isinstance(font, QFont) else plain
        widest = max(widest, max(metrics.horizontalAdvance(word) for word in text.split()))
    title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
    heads = header.fontMetrics()
    heading = max((heads.horizontalAdvance(word) for word in title.split()), default=0)
    return max(widest + margin, heading + _heading_padding(header))


def _heading_padding(header: QHeaderView) -> int:
    """A heading's margins and room for the sort arrow."""
    return 2 * header.style().pixelMetric(header.style().PixelMetric.PM_HeaderMargin, None, header) + 20


class _CutTextTips(QObject):
    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self.setObjectName(_TIPS)
        self.view = view
        view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() != QEvent.Type.ToolTip or not isinstance(event, QHelpEvent):
            return False
        text = cut_text_at(self.view, event.pos())
        if text is None:
            return False  # the model's own tooltip, or none
        QToolTip.showText(event.globalPos(), text, self.view.viewport(), self.view.visualRect(
            self.view.indexAt(event.pos())))
        return True


def cut_text_at(view: QAbstractItemView, pos: QPoint) -> str | None:
    """The whole text of the cell at ``pos`` if the cell is too narrow to show it (and the
    model gives it no tooltip of its own), else None."""
    index = view.indexAt(pos)
    if not index.isValid() or index.data(Qt.ItemDataRole.ToolTipRole):
        return None
    text = index.data(Qt.ItemDataRole.DisplayRole)
    if not isinstance(text, str) or not text:
        return None
    rect = view.visualRect(index)
    margin = 2 * (view.style().pixelMetric(view.style().PixelMetric.PM_FocusFrameHMargin, None, view) + 1)
    widest = max(view.fontMetrics().horizontalAdvance(line) for line in text.splitlines() or [text])
    return text if widest + margin > rect.width() else None


def show_cut_text(view: QAbstractItemView) -> None:
    """A cell cut short ("…") shows its whole text as a tooltip."""
    if view.findChild(_CutTextTips, _TIPS, Qt.FindChildOption.FindDirectChildrenOnly) is None:
        _CutTextTips(view)


def wrap_headings(view: QTableView, most_chars: int = 14) -> None:
    """A wide table's headings on as many lines as they need, so each column is as wide as
    its values or about ``most_chars`` characters, not as wide as its heading on one line
    ("Supervision held within policy (signed)" over a percentage: at the largest text size
    the compliance page's workers ran to over 6,900 pixels, six screens sideways). Measured
    from the font in use, at every new set of rows and change of text size; call it after
    any other sizing of the columns is connected, so it has the last word."""
    header = view.horizontalHeader()
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)

    def fit(table: QWidget) -> None:
        assert isinstance(table, QTableView)
        heads = table.horizontalHeader()
        model = table.model()
        metrics = heads.fontMetrics()
        padding = _heading_padding(heads)
        lines = 1
        for column in range(heads.count()):
            title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
            longest_word = max((metrics.horizontalAdvance(w) for w in title.split()), default=0)
            heading = min(heads.sectionSizeHint(column),
                          max(metrics.averageCharWidth() * most_chars, longest_word + padding))
            width = max(table.sizeHintForColumn(column), heading)
            heads.resizeSection(column, width)
            shown = metrics.boundingRect(0, 0, width - padding, 10_000,
                                         int(Qt.TextFlag.TextWordWrap), title)
            lines = max(lines, -(-shown.height() // metrics.lineSpacing()))
        heads.setMinimumHeight(lines * metrics.lineSpacing() + padding)
        keeper = _keeper(table)
        if keeper is not None:  # these are now the widths it wants; within the room it has
            keeper.remember()

    follow_font(view, fit, "wrap_headings")
    # after every other handler of the new rows (a page's own sizing of the columns to
    # their contents runs after the proxy's reset, which is when this would run)
    view.model().modelReset.connect(lambda: QTimer.singleShot(0, view, lambda: fit(view)))


def keep_rows_in_sight(view: QTableView, fewest: int = 4) -> None:
    """The table at least tall enough for its headings and ``fewest`` rows, in the font in
    use, now and at every change of text size: beside other parts of a page (the service
    manager's flagged records) it was squeezed to less than one row at the largest size."""
    def fit(table: QWidget) -> None:
        assert isinstance(table, QTableView)
        rows = table.verticalHeader()
        row = max(rows.defaultSectionSize(), rows.minimumSectionSize(), table.fontMetrics().height() + 8)
        heads = table.horizontalHeader()
        table.setMinimumHeight(max(heads.minimumHeight(), heads.sizeHint().height())
                               + fewest * row + 2 * table.frameWidth())

    follow_font(view, fit, "keep_rows_in_sight")

"""The lists stay readable, sortable and faithful however they are made fast: columns
sized from font metrics, snippets drawn by a text layout, pages built on first use."""
from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from supervision_app.domain.vocabulary import RecordState
from supervision_app.gui.models import split_highlights
from supervision_app.store import queries, search_queries, supervision_records as sr
from tests.gui.helpers import search_for, settle
from tests.gui.sample_team import session_time

S, E = search_queries.HIGHLIGHT_START, search_queries.HIGHLIGHT_END


@pytest.fixture
def bens_history(database, team):
    """Three records for Ben: one draft, one shared, one with a typed markup-like text."""
    ids = []
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        for days, share in ((30, True), (12, True), (2, False)):
            sid = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(days))
            sr.update_session(s, manager, sid, {"learning": "<b>quokka</b> & wombat notes"})
            if share:
                sr.share_session(s, manager, sid)
            ids.append(sid)
    return ids


def test_split_highlights_marks_only_what_the_markers_enclose():
    assert split_highlights(f"a {S}bc{E} d {S}e{E}", S, E) == ("a bc d e", [(2, 2), (7, 1)])
    # positions count UTF-16 units, as Qt does: an emoji before a match is two
    assert split_highlights(f"\U0001F600 {S}bc{E}", S, E) == ("\U0001F600 bc", [(3, 2)])
    # a stray end marker is dropped, never shown as a control character
    assert split_highlights(f"<b>x</b>{E} y", S, E) == ("<b>x</b> y", [])


def test_search_snippets_read_plainly_and_paint(qtbot, open_window, team, bens_history):
    window = open_window(team.manager_id)
    page = search_for(qtbot, window, "quokka")
    assert page.model.rowCount() >= 1
    index = page.model.index(0, 3)
    shown = page.model.data(index, Qt.ItemDataRole.DisplayRole)
    spoken = page.model.data(index, Qt.ItemDataRole.AccessibleTextRole)
    assert f"{S}quokka{E}" in shown  # the delegate's markers, around the match
    assert S not in spoken and E not in spoken and "<b>quokka</b>" in spoken  # markup as typed
    table = page.form.resultsTable
    assert not table.grab().isNull()  # the delegate paints every visible snippet
    delegate = table.itemDelegateForColumn(3)
    layouts = list(delegate._layouts.values())
    assert layouts and all("<b>" in layout.text() and S not in layout.text() for layout in layouts)
    bold = [r for layout in layouts for r in layout.formats()]
    assert bold and all(r.format.fontUnderline() for r in bold)  # not by weight or colour alone


def test_history_columns_fit_their_text_and_sort(qtbot, open_window, team, bens_history):
    window = open_window(team.manager_id)
    window.resize(1366, 738)  # a laptop: room for every column's text (narrower, the longest are cut short)
    window.open_history(team.worker_id, "Ben")
    settle(qtbot, window)
    page = window.history_page
    table = page.form.historyTable
    assert page.model.rowCount() == 3
    header = table.horizontalHeader()
    metrics = table.fontMetrics()
    for column in range(page.model.columnCount()):
        if table.isColumnHidden(column):
            continue
        title = page.model.headerData(column, Qt.Orientation.Horizontal)
        # whole: on one line, or ("Children discussed" over a count) each word on its own
        # line with the header tall enough for them (table_width.wrap_headings)
        words = max(metrics.horizontalAdvance(w) for w in title.split())
        assert header.sectionSize(column) >= words, title
        lines = metrics.boundingRect(0, 0, header.sectionSize(column) - 28, 10_000,
                                     int(Qt.TextFlag.TextWordWrap), title)
        assert header.height() >= lines.height(), title
        for row in range(page.model.rowCount()):
            text = page.model.data(page.model.index(row, column)) or ""
            assert header.sectionSize(column) >= min(420, metrics.horizontalAdvance(text)), (title, row)
    # newest first, and a click on the date header turns the order round
    dates = lambda: [page.proxy.row_for(page.proxy.index(r, 0)).held_at for r in range(3)]  # noqa: E731
    assert dates() == sorted(dates(), reverse=True)
    table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert dates() == sorted(dates())
    # what is due reads per state; the draft is due to be shared
    due = {page.proxy.row_for(page.proxy.index(r, 0)).state: page.proxy.index(r, 7).data()
           for r in range(3)}
    assert due[RecordState.DRAFT].startswith("Share by ")
    assert due[RecordState.SHARED].startswith("Sign by ")


def test_detail_pages_are_built_when_first_opened(qtbot, open_window, team, bens_history):
    window = open_window(team.manager_id)
    assert window._details == {}  # nothing built at start-up beyond the first page
    window.open_history(team.worker_id, "Ben")
    settle(qtbot, window)
    assert window.form.pageStack.currentWidget() is window.history_page
    assert QApplication.focusWidget() in (window.history_page.form.historyTable, None)
    assert window.history_page.form.historyTable.accessibleName()
    window.open_child(team.child_ids[0])
    settle(qtbot, window)
    assert window.form.pageStack.currentWidget() is window.child_page
    assert set(window._details) == {"history", "child"}


def _hold_history(monkeypatch):
    """Make the history query wait until the test lets it go (in the worker thread)."""
    import threading

    from supervision_app.gui import history_page

    gate = threading.Event()
    real = queries.worker_history

    def held(*args, **kwargs):
        gate.wait(20)
        return real(*args, **kwargs)

    monkeypatch.setattr(history_page.queries, "worker_history", held)
    return gate


def test_a_slow_history_says_it_is_loading_and_the_busy_indicator_shows(
        qtbot, open_window, team, bens_history, monkeypatch):
    window = open_window(team.manager_id)
    team_page = window.form.pageStack.currentWidget()
    gate = _hold_history(monkeypatch)
    window.open_history(team.worker_id, "Ben Steady")
    page = window.history_page
    # quick answers replace the page in one go; a slow one shows whose history is coming
    qtbot.waitUntil(lambda: window.form.pageStack.currentWidget() is page, timeout=10000)
    assert window.form.pageStack.currentWidget() is not team_page
    assert page.form.detailLabel.text() == "Loading…"
    assert "Ben Steady" in page.form.titleLabel.text() and page.model.rowCount() == 0
    qtbot.waitUntil(window._busy.isVisible, timeout=10000)  # work worth noticing shows as busy
    gate.set()
    settle(qtbot, window)
    assert page.model.rowCount() == 3 and not window._busy.isVisible()
    assert page.form.detailLabel.text().startswith("3 records")


def test_a_history_arriving_after_the_person_moved_on_does_not_pull_them_back(
        qtbot, open_window, team, bens_history, monkeypatch):
    window = open_window(team.manager_id)
    gate = _hold_history(monkeypatch)
    window.open_history(team.worker_id, "Ben Steady")
    search = window.show_page("search")  # they go elsewhere before it loads
    gate.set()
    settle(qtbot, window)
    assert window.form.pageStack.currentWidget() is search
    assert window.history_page.model.rowCount() == 3  # loaded, there when they go back to it


def test_only_the_latest_history_asked_for_is_shown(qtbot, open_window, team, bens_history, monkeypatch):
    window = open_window(team.manager_id)
    gate = _hold_history(monkeypatch)
    window.open_history(team.worker_id, "Ben Steady")
    window.open_history(team.other_worker_id, "Cara Colleague")  # a second click, another worker
    gate.set()
    settle(qtbot, window)
    page = window.history_page
    assert "Cara Colleague" in page.form.titleLabel.text()
    assert page.worker_id == team.other_worker_id
    assert all(r.supervisee_id == team.other_worker_id for r in page.model.rows)


class _StandardKeepingColours:
    """QStyledItemDelegate, reading every role from the model one at a time, with the one
    rule the app adds: a selected cell keeps the colour that carries its meaning."""

    def __new__(cls, parent):
        from PySide6.QtWidgets import QStyle, QStyledItemDelegate

        from supervision_app.gui.models import keep_colours_when_selected

        class Standard(QStyledItemDelegate):
            def initStyleOption(self, option, index):  # noqa: N802
                super().initStyleOption(option, index)
                if option.state & QStyle.StateFlag.State_Selected:
                    background = index.data(Qt.ItemDataRole.BackgroundRole)
                    foreground = index.data(Qt.ItemDataRole.ForegroundRole)
                    keep_colours_when_selected(option, background, foreground)

        return Standard(parent)


def test_cells_look_exactly_as_the_standard_delegate_draws_them(qtbot, open_window, team, bens_history):
    """The fast cell delegate must draw what QStyledItemDelegate draws from the model's
    roles: same text, bold, alignment, colours, selection, elision, pixel for pixel."""
    from supervision_app.gui.models import CellDelegate

    window = open_window(team.manager_id)
    window.open_history(team.worker_id, "Ben")
    settle(qtbot, window)
    team_table = window.pages["my_team"].form.workerTable
    history_table = window.history_page.form.historyTable
    for page, table in ((window.pages["my_team"], team_table), (window.history_page, history_table)):
        window._switch_to(page)
        table.selectRow(1)
        fast = table.itemDelegate()
        assert isinstance(fast, CellDelegate)
        drawn_fast = table.viewport().grab().toImage()
        table.setItemDelegate(_StandardKeepingColours(table))
        drawn_standard = table.viewport().grab().toImage()
        table.setItemDelegate(fast)
        assert drawn_fast == drawn_standard, table.objectName()
        table.setColumnWidth(0, 45)  # too narrow: the text wraps, and is cut short
        table.setColumnWidth(2, 30)
        drawn_fast = table.viewport().grab().toImage()
        table.setItemDelegate(_StandardKeepingColours(table))
        drawn_standard = table.viewport().grab().toImage()
        table.setItemDelegate(fast)
        assert drawn_fast == drawn_standard, f"{table.objectName()}, wrapped"
        table.setWordWrap(False)  # and, where a table does not wrap, elided
        drawn_fast = table.viewport().grab().toImage()
        table.setItemDelegate(_StandardKeepingColours(table))
        drawn_standard = table.viewport().grab().toImage()
        table.setItemDelegate(fast)
        table.setWordWrap(True)
        assert drawn_fast == drawn_standard, f"{table.objectName()}, elided"


def test_sort_keys_and_spoken_text_are_there_when_asked_for(qtbot):
    from supervision_app.gui.models import SORT_ROLE, Column, RowsModel, sort_key_of

    when = date(2026, 3, 4)
    model = RowsModel([Column("Name", lambda r: r[0]), Column("When", lambda r: r[1]),
                       Column("Said", lambda r: r[0], accessible=lambda r: f"spoken {r[0]}")])
    model.set_rows([("Émile", when), ("adam", None)])
    assert model.data(model.index(0, 0), SORT_ROLE) == sort_key_of("Émile") == "emile\0émile"
    assert model.data(model.index(0, 1), SORT_ROLE) == sort_key_of(when)
    assert model.data(model.index(1, 1), SORT_ROLE) == ""
    role = Qt.ItemDataRole.AccessibleTextRole
    assert model.data(model.index(0, 0), role) == model.data(model.index(0, 0)) == "Émile"
    assert model.data(model.index(1, 2), role) == "spoken adam"
    assert model.data(model.index(5, 0), role) is None  # out of range: nothing, no error


def test_team_sorts_and_filters_and_the_selection_follows_its_row(qtbot, open_window, team):
    window = open_window(team.manager_id)
    page = window.pages["my_team"]
    table = page.form.workerTable
    names = lambda: [page.proxy.row_for(page.proxy.index(r, 0)).name  # noqa: E731
                     for r in range(page.proxy.rowCount())]
    table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert names() == sorted(names(), key=str.casefold) and len(names()) == 3
    chosen = names()[0]
    table.selectRow(0)
    table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert names() == sorted(names(), key=str.casefold, reverse=True)
    assert page.proxy.row_for(table.currentIndex()).name == chosen  # still the same person
    page.form.filterEdit.setText(chosen[:4])
    assert chosen in names() and all(chosen[:4].casefold() in n.casefold() for n in names())
    page.form.filterEdit.setText("")
    page.refresh()  # new rows arrive in the order chosen
    settle(qtbot, window)
    assert names() == sorted(names(), key=str.casefold, reverse=True)


def test_search_results_sort_by_a_header_click(qtbot, open_window, team, bens_history):
    window = open_window(team.manager_id)
    page = search_for(qtbot, window, "wombat")
    newest_first = [h.when for h in page.model.rows]
    assert len(newest_first) >= 2 and newest_first == sorted(newest_first, reverse=True)
    page.form.resultsTable.sortByColumn(2, Qt.SortOrder.AscendingOrder)
    assert [h.when for h in page.model.rows] == sorted(newest_first)


def test_the_selected_overdue_worker_stays_red(qtbot, open_window, team):
    """The team page selects its first row, the most urgent: its status keeps a shade of
    the overdue colour and its alert figures their colour, not the selection's."""
    from PySide6.QtGui import QColor

    from supervision_app.domain.vocabulary import SupervisionStatus
    from supervision_app.gui.pages import STATUS_COLOURS

    window = open_window(team.manager_id)
    page = window.pages["my_team"]
    table = page.form.workerTable
    overdue = next(r for r, row in enumerate(page.model.rows) if row.status == SupervisionStatus.OVERDUE)
    table.selectRow(page.proxy.mapFromSource(page.model.index(overdue, 0)).row())
    status_column = next(c for c, col in enumerate(page.model.columns) if col.title == "Supervision")
    cell = table.visualRect(page.proxy.mapFromSource(page.model.index(overdue, status_column)))
    image = table.viewport().grab().toImage()
    drawn = image.pixelColor(cell.right() - 3, cell.center().y())
    assert drawn.name() == STATUS_COLOURS[SupervisionStatus.OVERDUE].darker(112).name()
    assert drawn != QColor("#cfe0f7")  # the selection colour of app.qss


def test_a_selected_figure_in_the_alert_colour_keeps_it(qtbot):
    from PySide6.QtWidgets import QTableView

    from supervision_app.gui.models import CellDelegate, Column, RowsModel
    from supervision_app.gui.pages import ALERT

    model = RowsModel([Column("Worker", lambda r: r[0]),
                       Column("Overdue", lambda r: r[1], foreground=lambda r: ALERT if r[1] else None)])
    model.set_rows([("Ann", 0), ("Bo", 3)])
    view = QTableView()
    qtbot.addWidget(view)
    view.setStyleSheet("QTableView { selection-background-color: #cfe0f7; selection-color: #111111; }")
    view.setModel(model)
    view.setItemDelegate(CellDelegate(model, None, view))
    view.resize(400, 200)
    view.show()
    view.selectRow(1)
    qtbot.waitExposed(view)

    def red_pixels(row: int) -> int:
        cell = view.visualRect(model.index(row, 1))
        image = view.viewport().grab().toImage()
        return sum(1 for x in range(cell.left(), cell.right()) for y in range(cell.top(), cell.bottom())
                   if (lambda p: p.red() - p.green() > 60 and p.red() - p.blue() > 60)(image.pixelColor(x, y)))

    assert red_pixels(1) > 0  # "3", selected, still drawn in the alert colour
    view.selectRow(0)
    assert red_pixels(1) > 0  # and, of course, when not selected


def test_find_boxes_match_names_however_the_accents_were_typed(qtbot):
    """Every list's find box (FilterProxy, and the assurance pages' Proxy) folds case and
    accents: "zoe" finds Zoë, "lukasz" finds Łukasz; Qt's own filter finds neither."""
    from PySide6.QtWidgets import QLineEdit

    from supervision_app.gui.assurance_page import Col, Proxy, RowsTable
    from supervision_app.gui.models import Column, FilterProxy, RowsModel

    names = ["Zoë Schröder", "Łukasz Nowak", "ZOE ABBOTT", "Ben Steady"]
    rows = RowsModel([Column("Name", lambda r: r), Column("Team", lambda r: "Hillside Team")])
    rows.set_rows(names)
    table = RowsTable([Col("Name", lambda r: r), Col("Team", lambda r: "Hillside Team")])
    table.set_rows(names)
    for proxy in (FilterProxy(rows), Proxy(table)):
        find = QLineEdit()
        qtbot.addWidget(find)
        find.textChanged.connect(proxy.setFilterFixedString)

        def shown():
            return sorted(proxy.index(r, 0).data() for r in range(proxy.rowCount()))  # noqa: B023 - this pass's

        qtbot.keyClicks(find, "zoe")
        assert shown() == ["ZOE ABBOTT", "Zoë Schröder"]
        find.setText("lukasz now")
        assert shown() == ["Łukasz Nowak"]
        find.setText("SCHRÖDER")
        assert shown() == ["Zoë Schröder"]
        find.setText("hillside")  # any column
        assert len(shown()) == 4
        find.clear()
        assert len(shown()) == 4


def test_names_sort_by_their_letters_not_their_accents(qtbot):
    """Émile among the Es and Łukasz among the Ls, in every list (RowsModel and the
    assurance pages' RowsTable); a plain casefold put both after Zoë."""
    from supervision_app.gui.assurance_page import Col, Proxy, RowsTable
    from supervision_app.gui.models import Column, FilterProxy, RowsModel

    names = ["Zoë", "Łukasz", "adam", "Émile", "Lucy", "Emma", "emile"]
    expected = ["adam", "emile", "Émile", "Emma", "Lucy", "Łukasz", "Zoë"]
    rows = RowsModel([Column("Name", lambda r: r)])
    rows.set_rows(names)
    proxy = FilterProxy(rows)
    proxy.sort(0, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(r, 0).data() for r in range(proxy.rowCount())] == expected
    table = RowsTable([Col("Name", lambda r: r)])
    table.set_rows(names)
    assurance = Proxy(table)
    assurance.sort(0, Qt.SortOrder.AscendingOrder)
    assert [assurance.index(r, 0).data() for r in range(assurance.rowCount())] == expected

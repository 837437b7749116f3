"""The Largest text size on a 1366x768 laptop (issue 19): the status bar's message shows
whole beside who is signed in; the carried-forward actions' columns take their widths from
the text (headings, owners and dates whole, the action and the note wrapped, nothing off
to the side); the Settings page's ASYE schedule and the compliance page's last line show
whole, and neither page makes the window taller than the screen; a table a little too wide
for its room cuts its longest texts short (the whole text as a tooltip) rather than
scrolling sideways. A label is "cut" when it is narrower than its one line of text, or
shorter than its wrapped lines need, in its own font."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QLabel, QWidget

from supervision_app.gui.accessibility import TEXT_SCALES, apply_text_scale, system_point_size
from supervision_app.gui.settings_page import save_text_scale
from supervision_app.gui.table_width import cut_text_at, keep_within_width
from supervision_app.store import supervision_records as sr
from tests.gui.helpers import settle
from tests.gui.sample_team import session_time

pytestmark = pytest.mark.usefixtures("pinned_clock")  # the carried-forward actions' dates

LARGEST = len(TEXT_SCALES) - 1
LAPTOP = (1366, 768 - 30)  # the window manager's title bar off the screen's height
REMINDERS = ("1 record awaits your signature; 5 supervisions due soon; 2 of your actions are "
             "overdue; 12 supervision agreements to review")  # as the reminders put it
LONG_ACTION = "Arrange a joint visit with the housing officer and the school's safeguarding lead"


@pytest.fixture
def largest(qtbot, open_window, team, database):
    """``largest(staff_id)``: their window at the Largest text size, the laptop's size."""
    def make(staff_id):
        with database.transaction() as s:
            save_text_scale(s, staff_id, LARGEST)
        window = open_window(staff_id)
        window.resize(*LAPTOP)
        settle(qtbot, window)
        assert QApplication.font().pointSizeF() == pytest.approx(system_point_size() * TEXT_SCALES[LARGEST])
        return window

    yield make
    apply_text_scale(TEXT_SCALES[0])


def laid_out(window) -> None:
    """Every pending layout pass done (nested layouts and wrapped labels settle one event
    round at a time)."""
    before = None
    for _ in range(10):
        QApplication.processEvents()
        now = [w.geometry() for w in window.findChildren(QWidget) if w.isVisible()]
        if now == before:
            return
        before = now


def in_scroll_area(widget: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def cut(label: QLabel) -> str | None:
    """Why a label on screen does not show all its text, or None."""
    if label.wordWrap():
        if label.height() < label.heightForWidth(label.width()):
            return f"{label.height()} px tall, its lines need {label.heightForWidth(label.width())}"
    elif label.width() < label.sizeHint().width() - 1:
        return f"{label.width()} px wide, its text needs {label.sizeHint().width()}"
    shown = label.visibleRegion().boundingRect()
    if not in_scroll_area(label) and shown.height() < label.height():
        return f"only {shown.height()} of {label.height()} px in sight"
    return None


def cut_labels(window) -> list[str]:
    laid_out(window)
    return [f"{label.objectName() or type(label).__name__} {label.text()[:50]!r}: {why}"
            for label in window.findChildren(QLabel)
            if label.isVisible() and label.text() and (why := cut(label)) is not None]


def assert_fits_the_screen(window) -> None:
    """No page makes the window taller (or wider) than the laptop's screen."""
    hint = window.minimumSizeHint()
    assert hint.width() <= LAPTOP[0] and hint.height() <= LAPTOP[1], hint
    assert window.size().toTuple() == LAPTOP


# ---------------------------------------------------------------------------- status bar

def test_the_status_message_shows_whole_beside_who_is_signed_in(qtbot, largest, team):
    window = largest(team.manager_id)
    bar = window.statusBar()
    bar.showMessage(REMINDERS, 15000)
    laid_out(window)
    assert bar.currentMessage() == REMINDERS  # the status bar's own message, as before
    shown = [label for label in bar.findChildren(QLabel) if label.isVisible() and label.text() == REMINDERS]
    assert len(shown) == 1, "the message is not on screen in words of its own"
    message = shown[0]
    assert cut(message) is None, cut(message)
    who = window._who
    assert who.text().startswith("Signed in as Morgan Manager") and cut(who) is None, cut(who)
    # side by side, neither over the other, both inside the bar
    assert message.geometry().right() < who.geometry().left()
    assert bar.rect().contains(message.geometry()) and bar.rect().contains(who.geometry())
    assert window.statusBar().geometry().bottom() < window.height()
    # the words are the window's message for a screen reader too, and go when it does
    assert bar.accessibleName() == REMINDERS
    bar.clearMessage()
    laid_out(window)
    assert not message.isVisible()
    assert cut(who) is None


# ---------------------------------------------------------------------------- the editor

def _record_with_carried_forward_actions(database, team) -> str:
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        first = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(30))
        for words in (LONG_ACTION, "Chase the school nurse"):
            sr.add_action(s, manager, session_id=first, description=words, owner_id=team.worker_id,
                          due_on=date.today() + timedelta(days=3))
        sr.share_session(s, manager, first)
        return sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(2))


def test_carried_forward_actions_take_their_column_widths_from_the_text(qtbot, largest, team, database):
    sid = _record_with_carried_forward_actions(database, team)
    window = largest(team.manager_id)
    editor = window.open_session(sid)
    settle(qtbot, window)
    laid_out(window)
    table = editor.form.reviewTable
    model, header = table.model(), table.horizontalHeader()
    assert model.rowCount() == 2 and table.isVisible()
    # the review writes a note: the note column gets words too
    editor.form.reviewNoteEdit.setText("Held on the 3rd; the plan was agreed by everyone there.")
    table.setCurrentIndex(model.index(0, 0))
    editor.form.setReviewButton.click()
    settle(qtbot, window)
    laid_out(window)
    metrics = QFontMetrics(table.font())
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert titles[:5] == ["Action", "Owner", "Due", "From session", "Status now"]
    for column, title in enumerate(titles):
        # every heading whole: "From session" and "Status now" were cut to "om sessi"
        assert header.sectionSize(column) >= header.sectionSizeHint(column), title
    for row in range(model.rowCount()):
        for column in (1, 2, 3, 4):  # owner, dates, status on one line, whole
            text = model.index(row, column).data()
            assert header.sectionSize(column) >= metrics.horizontalAdvance(text) + 6, (title, text)
        # the action and the note wrap: the row is as tall as their lines
        assert table.rowHeight(row) >= table.sizeHintForRow(row), row
    action_row = next(r for r in range(2) if model.index(r, 0).data() == LONG_ACTION)
    assert table.rowHeight(action_row) >= 2 * metrics.lineSpacing()  # it wrapped, and shows it
    assert table.horizontalScrollBar().maximum() == 0  # nothing off to the side
    # the table is as tall as its rows: no row hidden behind a scroll bar of its own
    assert table.verticalScrollBar().maximum() == 0
    # the Action and Note columns share what the short columns leave
    assert header.sectionSize(0) >= 15 * metrics.averageCharWidth()
    assert header.length() <= table.viewport().width()


# ---------------------------------------------------------------------------- pages

def test_settings_shows_the_asye_schedule_whole_within_the_screen(qtbot, largest, team):
    window = largest(team.manager_id)
    page = window.show_page("settings")
    settle(qtbot, window)
    laid_out(window)
    assert_fits_the_screen(window)
    info = page.form.asyeInfoLabel
    assert info.text().startswith("Newly qualified workers: every")
    assert len(info.text()) > 60
    page.form.settingsScroll.ensureWidgetVisible(info)
    laid_out(window)
    assert cut(info) is None, cut(info)
    viewport = page.form.settingsScroll.viewport()
    top = info.mapTo(viewport, QPoint(0, 0))
    assert viewport.rect().contains(top) and viewport.rect().contains(
        info.mapTo(viewport, QPoint(info.width() - 1, info.height() - 1)))
    assert cut_labels(window) == []


def test_the_compliance_page_last_line_shows_whole_within_the_screen(qtbot, largest, team):
    window = largest(team.manager_id)
    page = window.show_page("compliance")
    qtbot.waitUntil(lambda: page.dashboard is not None and not page.busy, timeout=20000)
    laid_out(window)
    assert_fits_the_screen(window)
    legend = page.form.legendLabel
    assert legend.text().startswith("✓ meets the standard")
    page.page_scroll.ensureWidgetVisible(legend)
    laid_out(window)
    assert cut(legend) is None, cut(legend)
    viewport = page.page_scroll.viewport()
    bottom = legend.mapTo(viewport, QPoint(legend.width() - 1, legend.height() - 1))
    assert viewport.rect().contains(bottom)
    # every figure's name whole, on more lines where it needs them (not cut short with "…")
    table = page.form.headlineTable
    metrics = QFontMetrics(table.font())
    for row in range(table.model().rowCount()):
        name = table.model().index(row, 0).data()
        lines = -(-metrics.horizontalAdvance(name) // max(1, table.columnWidth(0) - 8))
        assert table.rowHeight(row) >= min(lines, 3) * metrics.lineSpacing(), name
    assert table.verticalScrollBar().maximum() == 0  # still every figure in sight
    assert cut_labels(window) == []


@pytest.mark.parametrize("key", ["my_team", "my_supervision", "children", "search", "audit"])
def test_the_other_pages_cut_no_label_and_fit_the_screen(qtbot, largest, team, key):
    window = largest(team.manager_id)
    window.show_page(key)
    settle(qtbot, window)
    assert_fits_the_screen(window)
    assert cut_labels(window) == []


# ---------------------------------------------------------------------------- tables

def test_a_table_a_little_too_wide_cuts_its_longest_texts_rather_than_scrolling(
        qtbot, largest, team, database):
    from supervision_app.store.models import Staff

    long_name = "Morgan Alexandra Montgomery-Fitzwilliam Manager"
    with database.transaction() as s:
        s.get(Staff, team.manager_id).display_name = long_name
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        for days in (40, 20):
            sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(days))
    window = largest(team.manager_id)
    window.open_history(team.worker_id, "Ben Steady")
    settle(qtbot, window)
    table = window.history_page.form.historyTable
    model, header = table.model(), table.horizontalHeader()
    assert model.rowCount() == 2
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(header.count())]
    supervisor, dates = titles.index("Supervisor"), titles.index("Date")
    window.resize(1900, LAPTOP[1])  # room for every column's text: the widths it wants
    laid_out(window)
    keep_within_width(table)  # as each page's table does once its rows are in (pages.setup_table)
    laid_out(window)
    assert table.horizontalScrollBar().maximum() == 0
    wanted = [header.sectionSize(c) for c in range(header.count())]
    metrics = QFontMetrics(table.font())
    assert wanted[supervisor] >= min(420, metrics.horizontalAdvance(long_name))  # fit_columns' widest

    window.resize(*LAPTOP)
    laid_out(window)
    # it needed more than the laptop's width: it fits, by cutting the longest text short
    assert sum(wanted[:-1]) + header.sectionSizeHint(header.count() - 1) > table.viewport().width()
    assert table.horizontalScrollBar().maximum() == 0
    assert header.length() <= table.viewport().width()
    assert header.sectionSize(supervisor) < wanted[supervisor]
    for c in range(header.count()):  # every heading whole; the short columns untouched
        assert header.sectionSize(c) >= min(wanted[c], header.sectionSizeHint(c)), titles[c]
    assert header.sectionSize(dates) == wanted[dates]
    # the cut cell's whole text is its tooltip; a whole one has none
    cell = model.index(0, supervisor)
    assert cell.data() == long_name
    assert cut_text_at(table, table.visualRect(cell).center()) == long_name
    whole = model.index(0, dates)
    assert cut_text_at(table, table.visualRect(whole).center()) is None

    window.resize(1900, LAPTOP[1])  # wider again: the widths it wants are back
    laid_out(window)
    assert [header.sectionSize(c) for c in range(header.count() - 1)] == wanted[:-1]


def test_the_workers_figures_wrap_their_headings_rather_than_running_screens_sideways(
        qtbot, largest, team):
    window = largest(team.manager_id)
    page = window.show_page("compliance")
    qtbot.waitUntil(lambda: page.dashboard is not None and not page.busy, timeout=20000)
    f = page.form
    f.detailTabs.setCurrentWidget(f.workersTab)
    laid_out(window)
    table, header = f.workerTable, f.workerTable.horizontalHeader()
    model, metrics = table.model(), QFontMetrics(header.font())
    assert model.rowCount() >= 3
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(header.count())]
    figure = titles.index("Supervision held within policy (signed)")
    for column, title in enumerate(titles):
        width = header.sectionSize(column)
        values = max(metrics.horizontalAdvance(str(model.index(r, column).data() or ""))
                     for r in range(model.rowCount()))
        words = max(metrics.horizontalAdvance(word) for word in title.split())
        # as wide as its values and its longest word, no wider than that and 14 characters
        assert width >= values and width >= words, title
        assert width <= max(values + 40, 14 * metrics.averageCharWidth() + 60, words + 60), title
        # the heading whole, on as many lines as the header's height holds
        lines = metrics.boundingRect(0, 0, width - 28, 10_000, int(Qt.TextFlag.TextWordWrap), title)
        assert header.height() >= lines.height(), title
    assert header.sectionSize(figure) < metrics.horizontalAdvance(titles[figure])  # it wrapped
    assert header.length() < 3 * table.viewport().width()  # it ran to six screens


# ---------------------------------------------------------------------------- the team table

LONG_WORKER = "Ava Alexandra Montgomery Newly"  # the ASYE worker, renamed


def _team_with_long_texts(database, team) -> None:
    """A long name, a status with a draft in progress ("Overdue · draft in progress") and
    an overdue action: the widest the team table's texts get."""
    from supervision_app.store.models import Staff

    with database.transaction() as s:
        s.get(Staff, team.asye_worker_id).display_name = LONG_WORKER
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        sr.create_session(s, manager, supervisee_id=team.asye_worker_id, held_at=session_time(1))
        shared = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(20))
        sr.add_action(s, manager, session_id=shared, description="Chase the school nurse",
                      owner_id=team.worker_id, due_on=date.today() - timedelta(days=3))
        sr.share_session(s, manager, shared)


def _column(model, title: str) -> int:
    return next(c for c in range(model.columnCount())
                if model.headerData(c, Qt.Orientation.Horizontal) == title)


def _row_of(model, name: str) -> int:
    return next(r for r in range(model.rowCount()) if model.row_for(model.index(r, 0)).name == name)


@pytest.mark.parametrize("who", ["manager", "service_manager"])  # the second sees a Team column
def test_the_team_table_fits_the_laptop_with_every_word_whole_and_nothing_hidden(
        qtbot, largest, team, database, who):
    from PySide6.QtGui import QFont

    from supervision_app.store.models import Team

    _team_with_long_texts(database, team)
    if who == "service_manager":  # both teams in her service area: a Team column too
        with database.transaction() as s:
            s.get(Team, team.other_team_id).service_area_id = team.service_area_id
    window = largest(getattr(team, f"{who}_id"))
    page = window.show_page("my_team")
    settle(qtbot, window)
    laid_out(window)
    table, header = page.form.workerTable, page.form.workerTable.horizontalHeader()
    model = table.model()
    assert model.rowCount() >= 3
    shown = [c for c in range(header.count()) if not header.isSectionHidden(c)]
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in shown]
    assert ("Team" in titles) == (who == "service_manager")
    # nothing off to the side: it scrolled 269 px on the demo at this size
    assert header.length() <= table.viewport().width(), (header.length(), table.viewport().width())
    assert table.horizontalScrollBar().maximum() == 0
    plain = QFontMetrics(table.font())
    bold = QFont(table.font())
    bold.setBold(True)
    style = table.style()
    margin = 2 * (style.pixelMetric(style.PixelMetric.PM_FocusFrameHMargin, None, table) + 1)
    for row in range(model.rowCount()):
        # every row as tall as its wrapped lines
        assert table.rowHeight(row) >= table.sizeHintForRow(row), row
        for column in shown:
            text = model.index(row, column).data()
            if not text:
                continue
            font = model.index(row, column).data(Qt.ItemDataRole.FontRole)
            metrics = QFontMetrics(bold) if font is not None and font.bold() else plain
            width = header.sectionSize(column)
            # no word cut short: names, teams and statuses may wrap, never lose letters
            assert max(metrics.horizontalAdvance(w) for w in text.split()) + margin <= width, text
            if model.headerData(column, Qt.Orientation.Horizontal) not in ("Worker", "Team", "Supervision"):
                assert metrics.horizontalAdvance(text) + margin <= width, text  # dates, counts: one line
    # the long name wrapped onto a second line: its row is taller, and shows it whole
    ava = _row_of(model, LONG_WORKER)
    worker = _column(model, "Worker")
    assert header.sectionSize(worker) < QFontMetrics(bold).horizontalAdvance(LONG_WORKER)
    assert table.rowHeight(ava) >= 2 * plain.lineSpacing()
    # what had a column of its own is still there, in words and for a screen reader
    actions = _column(model, "Actions open")
    assert "ASYE" not in titles and "Overdue" not in titles
    ben = _row_of(model, "Ben Steady")
    assert model.index(ava, worker).data() == f"{LONG_WORKER} (ASYE)"
    assert model.index(ben, actions).data() == "1 (1 overdue)"
    spoken = Qt.ItemDataRole.AccessibleTextRole  # what Qt gives a screen reader for the cell
    assert model.index(ava, worker).data(spoken) == f"{LONG_WORKER}, ASYE"
    assert model.index(ben, actions).data(spoken) == "1 open, 1 of them overdue"
    # and the ASYE filter still finds the worker
    page.form.statusFilter.setCurrentIndex(5)
    assert [model.row_for(model.index(r, 0)).name for r in range(model.rowCount())] == [LONG_WORKER]


def test_the_service_managers_team_page_keeps_workers_and_flagged_records_in_sight(
        qtbot, largest, team, database):
    """With disagreements flagged to her, the workers' table was squeezed to less than one
    row at this size, and the flagged records' headings were cut ("pervis")."""
    from supervision_app.store.models import Team
    from tests.gui.test_resolution import disagreed_record

    _team_with_long_texts(database, team)
    disagreed_record(database, team)
    with database.transaction() as s:
        s.get(Team, team.other_team_id).service_area_id = team.service_area_id
    window = largest(team.service_manager_id)
    page = window.show_page("my_team")
    settle(qtbot, window)
    laid_out(window)
    assert_fits_the_screen(window)
    f = page.form
    assert f.flaggedGroup.isVisible() and f.flaggedTable.model().rowCount() == 1
    workers, flagged = f.workerTable, f.flaggedTable
    # at least two of the workers' rows and the flagged record's row in sight
    assert workers.viewport().height() >= 2 * workers.verticalHeader().defaultSectionSize()
    assert flagged.rowViewportPosition(0) + flagged.rowHeight(0) <= flagged.viewport().height()
    # and nothing drawn over it: the table ends above its buttons
    bottom = flagged.mapTo(window, flagged.rect().bottomLeft()).y()
    assert bottom < f.openFlaggedButton.mapTo(window, f.openFlaggedButton.rect().topLeft()).y()
    # every heading whole (a long one on two lines), no table scrolling sideways
    for table in (workers, flagged):
        header, model = table.horizontalHeader(), table.model()
        metrics = QFontMetrics(header.font())
        for c in range(header.count()):
            if header.isSectionHidden(c):
                continue
            title = model.headerData(c, Qt.Orientation.Horizontal)
            assert header.sectionSize(c) >= max(metrics.horizontalAdvance(w) for w in title.split()), title
        assert table.horizontalScrollBar().maximum() == 0, table.objectName()


def test_team_rows_go_back_to_one_line_when_there_is_room_again(qtbot, largest, team, database):
    """Rows are measured for wrapped lines only while a column is narrowed (measuring every
    row tripled the time a large team took to show)."""
    _team_with_long_texts(database, team)
    window = largest(team.manager_id)
    page = window.show_page("my_team")
    settle(qtbot, window)
    laid_out(window)
    table = page.form.workerTable
    model, rows = table.model(), table.verticalHeader()
    ava = _row_of(model, LONG_WORKER)
    assert table.rowHeight(ava) > rows.defaultSectionSize()  # wrapped at the laptop's width
    window.resize(2400, LAPTOP[1])
    laid_out(window)
    assert table.horizontalScrollBar().maximum() == 0
    assert {table.rowHeight(r) for r in range(model.rowCount())} == {rows.defaultSectionSize()}
    window.resize(*LAPTOP)
    laid_out(window)
    assert table.rowHeight(_row_of(model, LONG_WORKER)) > rows.defaultSectionSize()


def test_a_workers_history_shows_dates_states_and_due_dates_whole(qtbot, largest, team, database):
    """"Children discussed" over a one-digit count took 236 px while every date, state and
    "Sign by" date was cut short ("06/12/2026 …", "Signed and …")."""
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        for days in (40, 20):
            sid = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(days))
        sr.share_session(s, manager, sid)
    window = largest(team.manager_id)
    window.open_history(team.worker_id, "Ben Steady")
    settle(qtbot, window)
    laid_out(window)
    table = window.history_page.form.historyTable
    model, header = table.model(), table.horizontalHeader()
    assert model.rowCount() == 2
    assert table.horizontalScrollBar().maximum() == 0
    for row in range(model.rowCount()):
        for column in range(header.count()):
            if header.isSectionHidden(column):
                continue
            cell = model.index(row, column)
            assert cut_text_at(table, table.visualRect(cell).center()) is None, cell.data()

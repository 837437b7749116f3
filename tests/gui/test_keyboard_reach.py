"""What a keyboard and screen-reader user reaches, sees and hears on the real widgets: the
compliance figure chosen with the arrow keys is the one listed, a figure's standing is in
words as well as colour, focus is visible on the navigation list and the trend chart, and
no Alt+letter on a screen is taken twice (the menu bar's &Help and S&ync included)."""
from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractButton, QApplication, QGroupBox, QLabel, QTabWidget, QWidget

import supervision_app.store.assurance_models  # noqa: F401  (as tests/assurance do)
from supervision_app.gui.accessibility import accessible_name
from supervision_app.gui.app import application, build_window
from supervision_app.gui.assurance_page import AssurancePage
from supervision_app.gui.signing import ensure_credentials
from supervision_app.records.signoff import sign_supervision_record
from supervision_app.store import supervision_records as sr
from supervision_app.store.supervision_records import load_actor
from tests.assurance.world import TODAY as WORLD_TODAY
from tests.gui.helpers import settle
from tests.gui.page_steps import draft_with_discussion
from tests.gui.sample_team import session_time

WAIT = 20000


def activate(qtbot, widget) -> None:
    widget.show()
    widget.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget, timeout=WAIT)


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(QApplication.focusWidget(), key, modifier)


def tab_to(qtbot, widget, limit: int = 30) -> None:
    for _ in range(limit):
        if QApplication.focusWidget() is widget:
            return
        press(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is widget, f"Tab never reached {widget.objectName()}"


@pytest.fixture
def compliance(qtbot, database, world):
    application()
    with database.reading() as s:
        actor = load_actor(s, world.tm)
    page = AssurancePage(database, actor, today=WORLD_TODAY)
    qtbot.addWidget(page)
    page.resize(1366, 820)
    with qtbot.waitSignals([page.loaded, page.signals_loaded], timeout=WAIT):
        page.refresh()
    activate(qtbot, page)
    yield page
    page.tasks.wait(10000)
    dialog = getattr(page, "last_dialog", None)
    if dialog is not None:
        dialog.close()


def column_of(view, title: str) -> int:
    model = view.model()
    return next(c for c in range(model.columnCount()) if model.headerData(c, Qt.Orientation.Horizontal) == title)


def list_records_with_the_keyboard(qtbot, page) -> str:
    """Tab to "Records behind this figure", press Space: the title of the list it opens."""
    before = getattr(page, "last_dialog", None)
    tab_to(qtbot, page.form.recordsButton)
    press(qtbot, Qt.Key.Key_Space)
    dialog = getattr(page, "last_dialog", None)
    assert dialog is not None and dialog is not before, "no list opened"
    title = dialog.windowTitle()
    dialog.close()
    activate(qtbot, page)
    return title


def test_records_behind_the_figure_chosen_with_the_arrow_keys(qtbot, compliance):
    page, f = compliance, compliance.form
    # a worker's figure: the Workers tab, then the worker table, by keyboard
    f.detailTabs.tabBar().setFocus(Qt.FocusReason.TabFocusReason)
    while f.detailTabs.currentWidget() is not f.workersTab:
        press(qtbot, Qt.Key.Key_Right)
    tab_to(qtbot, f.workerTable)
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Down)
    target = column_of(f.workerTable, "Supervision held within policy (signed)")
    while f.workerTable.currentIndex().column() < target:
        press(qtbot, Qt.Key.Key_Right)
    row = f.workerTable.currentIndex().row()
    assert row > 0
    worker = f.workerTable.model().index(row, 0).data()
    assert list_records_with_the_keyboard(qtbot, page) == (
        f"Supervision held within policy (signed): {worker}")

    # then a headline figure; Tab passes through the team table on its way to the button,
    # which gives that table a current cell but chooses nothing there
    f.headlineTable.setFocus(Qt.FocusReason.BacktabFocusReason)
    for _ in range(3):
        press(qtbot, Qt.Key.Key_Down)
    chosen = f.headlineTable.model().index(f.headlineTable.currentIndex().row(), 0).data()
    f.detailTabs.setCurrentWidget(f.teamsTab)
    assert list_records_with_the_keyboard(qtbot, page) == chosen
    assert f.teamTable.currentIndex().isValid()  # Tab did pass through it


def test_records_button_with_nothing_chosen_says_what_to_do(qtbot, compliance):
    page = compliance
    page.form.recordsButton.setFocus(Qt.FocusReason.TabFocusReason)
    press(qtbot, Qt.Key.Key_Space)
    assert getattr(page, "last_dialog", None) is None
    assert "Choose a figure" in page.form.statusLabel.text()


def test_a_figures_standing_is_in_a_symbol_and_words_not_colour_alone(compliance):
    f = compliance.form
    by_colour: dict[str, set[tuple[str, str]]] = {}
    for view in (f.headlineTable, f.teamTable, f.workerTable, f.oversightTable):
        model = view.model()
        for row in range(model.rowCount()):
            for column in range(model.columnCount()):
                index = model.index(row, column)
                colour = index.data(Qt.ItemDataRole.ForegroundRole)
                figure = "records behind this figure" in (index.data(Qt.ItemDataRole.ToolTipRole) or "")
                if colour is None or not figure:  # ("Overdue" in red is a word already)
                    continue
                shown = index.data(Qt.ItemDataRole.DisplayRole)
                heard = index.data(Qt.ItemDataRole.AccessibleTextRole)
                symbol = shown.split(" ", 1)[0]
                words = heard.rsplit(", ", 1)[-1]
                assert not symbol[0].isalnum(), shown  # a mark before the figure
                assert heard.startswith(shown.split(" ", 1)[1]), heard  # the figure, then words
                by_colour.setdefault(colour.name(), set()).add((symbol, words))
    # both standings occur, and each colour goes with one symbol and one phrase of its own
    assert len(by_colour) == 2, by_colour
    marks = [next(iter(pairs)) for pairs in by_colour.values()]
    assert all(len(pairs) == 1 for pairs in by_colour.values()), by_colour
    assert marks[0][0] != marks[1][0] and marks[0][1] != marks[1][1]
    # the page says what the symbols mean
    legend = f.legendLabel
    assert legend.isVisible() and accessible_name(legend) == legend.text()
    for symbol, words in marks:
        assert f"{symbol} {words}" in legend.text()


# ---------------------------------------------------------------------------- visible focus

def pixels_of(widget, colour: QColor, area: QRect | None = None) -> int:
    """How many pixels of ``colour`` the widget shows (in ``area``, if given)."""
    QApplication.processEvents()
    image = widget.grab().toImage()
    area = area or image.rect()
    wanted = colour.rgb()
    return sum(1 for x in range(area.left(), area.right() + 1)
               for y in range(area.top(), area.bottom() + 1) if image.pixel(x, y) == wanted)


NAV_FOCUS = QColor("#ffd34d")  # app.qss: the navigation list's focus frame
FOCUS = QColor("#2d6cdf")  # app.qss: a focused field's border


def test_the_navigation_list_shows_which_section_has_the_keyboard_focus(qtbot, open_window, team):
    window = open_window(team.manager_id)
    activate(qtbot, window)
    nav, table = window.form.navList, window.pages["my_team"].form.workerTable
    table.setFocus(Qt.FocusReason.TabFocusReason)
    # from the team table, past the status bar's buttons at the window's foot (the order the
    # screen reads, issue 19), on to the navigation list
    for _ in range(4):
        press(qtbot, Qt.Key.Key_Tab)
        if QApplication.focusWidget() is nav:
            break
    assert QApplication.focusWidget() is nav
    current = nav.visualItemRect(nav.currentItem())
    framed = pixels_of(nav.viewport(), NAV_FOCUS, current)
    assert framed >= 2 * current.width()  # a frame round the current section, top and bottom
    press(qtbot, Qt.Key.Key_Tab)  # and on: the frame goes with the focus
    assert QApplication.focusWidget() is not nav
    assert pixels_of(nav.viewport(), NAV_FOCUS) == 0


def test_the_trend_chart_shows_when_it_has_the_keyboard_focus(qtbot, compliance):
    chart = compliance.chart
    tab_to(qtbot, chart)
    w, h = chart.width(), chart.height()
    edges = [QRect(0, 0, w, 2), QRect(0, h - 2, w, 2), QRect(0, 0, 2, h), QRect(w - 2, 0, 2, h)]
    for edge in edges:  # a 2-pixel frame all round, in the colour focused fields use
        assert pixels_of(chart, FOCUS, edge) == edge.width() * edge.height()
    press(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is not chart
    assert pixels_of(chart, FOCUS) == 0


# ---------------------------------------------------------------------------- Alt+letter

def mnemonic(text: str) -> str | None:
    found = re.search(r"&([^&])", text.replace("&&", ""))
    return found.group(1).lower() if found else None


def mnemonics_on_screen(window) -> dict[str, list[str]]:
    """Each Alt+letter the screen offers, with what offers it: visible labels, buttons,
    group boxes and tabs, and the menu bar."""
    taken: dict[str, list[str]] = {}
    for widget in window.findChildren(QWidget):
        if not widget.isVisible():
            continue
        texts = []
        if isinstance(widget, (QAbstractButton, QLabel)):
            texts.append(widget.text())
        elif isinstance(widget, QGroupBox):
            texts.append(widget.title())
        elif isinstance(widget, QTabWidget):
            texts += [widget.tabText(i) for i in range(widget.count()) if widget.isTabVisible(i)]
        for text in texts:
            if (letter := mnemonic(text)) is not None:
                taken.setdefault(letter, []).append(f"{widget.objectName()} {text!r}")
    for action in window.menuBar().actions():
        if (letter := mnemonic(action.text())) is not None:
            taken.setdefault(letter, []).append(f"menu {action.text()!r}")
    return taken


def clashes(window) -> dict[str, list[str]]:
    return {letter: who for letter, who in mnemonics_on_screen(window).items() if len(who) > 1}


def shared_with_response(database, team) -> str:
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        sid = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(3))
        disc = sr.add_case_discussion(s, manager, sid, "CS-1003")
        sr.update_case_discussion(s, manager, disc, {"decision": "Keep the plan", "rationale": "Stable"})
        sr.share_session(s, manager, sid)
    with database.transaction() as s:
        sr.respond(s, sr.load_actor(s, team.worker_id), sid, comments="Fair", agreement="agrees")
    return sid


def sign_as(window, database, session_id: str) -> None:
    sign_supervision_record(database, ensure_credentials(window.ctx), session_id=session_id,
                            signer_id=window.ctx.actor.staff_id)


def test_no_alt_letter_is_taken_twice_in_the_session_editor(qtbot, open_window, team, database):
    draft = draft_with_discussion(database, team)
    shared = shared_with_response(database, team)
    manager = open_window(team.manager_id)
    seen = []

    def check(window, session_id, state):
        editor = window.open_session(session_id)
        settle(qtbot, window)
        assert editor.detail is not None
        seen.append((state, sorted(mnemonics_on_screen(window))))
        assert clashes(window) == {}, state

    check(manager, draft, "draft, as supervisor")
    check(manager, shared, "shared, to sign as supervisor")
    worker = open_window(team.worker_id)
    check(worker, shared, "shared, the supervisee's response")
    sign_as(manager, database, shared)
    check(worker, shared, "signed by the supervisor, for the supervisee to sign")
    sign_as(worker, database, shared)
    check(manager, shared, "locked, with addenda")
    assert len(seen) == 5

    # the letters do what they say: type and place, not the Sync and Help menus
    editor = manager.open_session(draft)
    settle(qtbot, manager)
    activate(qtbot, manager)
    editor.form.heldDateEdit.setFocus()
    for key, field in ((Qt.Key.Key_P, editor.form.typeCombo), (Qt.Key.Key_E, editor.form.locationEdit)):
        press(qtbot, key, Qt.KeyboardModifier.AltModifier)
        assert QApplication.focusWidget() is field
        assert QApplication.activePopupWidget() is None


def test_no_alt_letter_is_taken_twice_on_the_audit_compliance_and_settings_pages(
        qtbot, open_window, team, database):
    window = open_window(team.manager_id)
    for key in ("compliance", "audit", "settings"):
        page = window.show_page(key)
        settle(qtbot, window)
        for tab in page.findChildren(QTabWidget):
            for i in range(tab.count()):
                tab.setCurrentIndex(i)
                assert clashes(window) == {}, (key, tab.tabText(i))
        assert clashes(window) == {}, key


def test_an_auditor_reaches_each_audit_tab_and_field_by_its_alt_letter(qtbot, database, world):
    application()
    window = build_window(database, world.auditor)
    qtbot.addWidget(window)
    window.resize(1366, 820)
    activate(qtbot, window)
    page = window.show_page("audit", focus=True)
    qtbot.waitUntil(lambda: not window.ctx.tasks.busy and not page.busy, timeout=WAIT)
    f = page.form
    for i in range(f.tabs.count()):
        f.tabs.setCurrentIndex(i)
        assert clashes(window) == {}, f.tabs.tabText(i)
    # Alt+R: the Rounds tab (it went to Refresh, and the tab could not be reached)
    f.tabs.setCurrentWidget(f.actionsTab)
    f.showClosedCheck.setFocus()
    press(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    assert f.tabs.currentWidget() is f.roundsTab
    press(qtbot, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)  # "Recor&ds:"
    assert QApplication.focusWidget() is f.populationCombo
    press(qtbot, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)  # "S&eed:"
    assert QApplication.focusWidget() is f.seedEdit
    window.ctx.tasks.wait()

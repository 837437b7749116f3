"""The Settings text size on the real widgets: it reaches every widget on screen at once
(pages, the navigation list, menus, a table's cells, pages and dialogs made afterwards),
and the saved size is there from start-up; fields and lists grow with the text instead of
cutting it off."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QLabel, QWidget

import supervision_app.store.assurance_models  # noqa: F401  (as tests/assurance do)
from supervision_app.gui import accessibility
from supervision_app.gui.accessibility import HEADING_SCALE, TEXT_SCALES, apply_text_scale, system_point_size
from supervision_app.gui.app import application
from supervision_app.gui.assurance_page import AssurancePage, RecordsDialog
from supervision_app.gui.audit_page import AuditPage
from supervision_app.gui.settings_page import save_text_scale
from supervision_app.store.supervision_records import load_actor
from tests.assurance.world import TODAY as WORLD_TODAY
from tests.gui.helpers import settle
from tests.gui.page_steps import auditor_page, draft_with_discussion

LARGEST = len(TEXT_SCALES) - 1


def point_size(widget) -> float:
    return widget.font().pointSizeF()


def cell_height(view) -> int:
    """What the view's delegate asks for the first row's cells, in the view's font."""
    return view.sizeHintForRow(0)


def menus(window):
    return [action.menu() for action in window.menuBar().actions() if action.menu() is not None]


def choose_text_size(qtbot, window, index: int):
    settings = window.show_page("settings")
    settle(qtbot, window)
    settings.form.textSizeCombo.setCurrentIndex(index)
    settle(qtbot, window)
    return settings


def test_the_chosen_size_reaches_every_widget_already_on_screen_and_those_made_later(
        qtbot, open_window, team):
    window = open_window(team.manager_id)
    base = system_point_size()
    largest = base * TEXT_SCALES[LARGEST]
    team_page = window.show_page("my_team")
    settle(qtbot, window)
    table, nav = team_page.form.workerTable, window.form.navList
    assert table.model().rowCount() > 0
    before = {"cell": cell_height(table), "nav": nav.sizeHintForRow(0),
              "menu": menus(window)[0].sizeHint().height()}
    assert point_size(table) == pytest.approx(base) and point_size(nav) == pytest.approx(base)

    choose_text_size(qtbot, window, LARGEST)

    assert QApplication.font().pointSizeF() == pytest.approx(largest)
    # built before the change, on screen or hidden: the navigation list, the menus and the
    # menu bar, the team page's table, its header and cells, its buttons and heading
    for widget in (nav, window.menuBar(), *menus(window), table, table.horizontalHeader(),
                   team_page.form.newSessionButton, window.statusBar()):
        assert point_size(widget) == pytest.approx(largest), widget.objectName() or type(widget)
    assert point_size(team_page.form.titleLabel) == pytest.approx(largest * HEADING_SCALE)
    assert team_page.form.titleLabel.font().bold()
    assert cell_height(table) > before["cell"]
    assert nav.sizeHintForRow(0) > before["nav"]
    assert menus(window)[0].sizeHint().height() > before["menu"]

    # a page not built when the size changed, and a dialog opened afterwards
    assert "children" not in window.pages
    children = window.show_page("children")
    settle(qtbot, window)
    assert point_size(children.form.childrenTable) == pytest.approx(largest)
    assert cell_height(children.form.childrenTable) >= QFontMetrics(children.form.childrenTable.font()).height()
    dialog = window.open_note(child_id=team.child_ids[0])
    settle(qtbot, window)
    shown = [w for w in dialog.findChildren(QWidget) if w.isVisible()]
    assert len(shown) > 10
    for widget in shown:
        expected = largest * HEADING_SCALE if widget.property("heading") else largest
        assert point_size(widget) == pytest.approx(expected), widget.objectName() or type(widget)
    dialog.reject()
    settle(qtbot, window)

    choose_text_size(qtbot, window, 0)
    for widget in (nav, *menus(window), table, children.form.childrenTable):
        assert point_size(widget) == pytest.approx(base)
    assert cell_height(table) == before["cell"]


def test_the_saved_size_is_there_from_start_up_on_the_navigation_list_and_menus(
        qtbot, open_window, team, database):
    with database.transaction() as s:
        save_text_scale(s, team.manager_id, LARGEST)
    window = open_window(team.manager_id)
    largest = system_point_size() * TEXT_SCALES[LARGEST]
    for widget in (window.form.navList, window.menuBar(), *menus(window), window.statusBar(),
                   window.pages["my_team"].form.workerTable):
        assert point_size(widget) == pytest.approx(largest), widget.objectName() or type(widget)
    # the next person to sign in on this computer gets their own size (Standard)
    other = open_window(team.service_manager_id)
    assert point_size(other.form.navList) == pytest.approx(system_point_size())
    assert point_size(window.form.navList) == pytest.approx(system_point_size())


# ---------------------------------------------------------------------------- the audit page

@pytest.fixture
def text_points():
    """``text_points(18)``: text as if the system font were 18 pt; Standard again after."""
    application()
    yield lambda points: apply_text_scale(points / system_point_size())
    apply_text_scale(TEXT_SCALES[0])


def laid_out(page) -> None:
    """Every pending layout pass done: nested layouts settle one event round at a time."""
    def geometry():
        return [w.geometry() for w in page.findChildren(QWidget) if w.isVisible()]

    before = None
    for _ in range(10):
        page.layout().activate()
        page.grading_scroll.widget().layout().activate()
        QApplication.processEvents()
        now = geometry()
        if now == before:
            return
        before = now


def question_labels(page) -> list[QLabel]:
    combos = set(page._answer_combos.values())
    return [label for label in page.findChildren(QLabel) if label.buddy() in combos]


def assert_questions_show_whole(page) -> None:
    laid_out(page)
    labels = question_labels(page)
    assert len(labels) == len(page.report.checklist) > 0
    viewport = page.grading_scroll.viewport()
    for label in labels:
        metrics = QFontMetrics(label.font())
        longest_word = max(metrics.horizontalAdvance(w) for w in label.text().split())
        assert label.isVisible() and label.width() >= longest_word, label.text()
        assert label.height() >= label.heightForWidth(label.width()), label.text()
        # read without scrolling sideways: the question ends inside the visible width
        right = label.mapTo(page.grading_scroll.widget(), QPoint(label.width(), 0)).x()
        assert right <= viewport.width(), label.text()


@pytest.mark.parametrize("points", [9, 18, 27])
def test_every_checklist_question_shows_whole_at_every_text_size(
        qtbot, database, world, text_points, points):
    text_points(points)
    page = auditor_page(qtbot, database, world)
    assert_questions_show_whole(page)
    page.tasks.wait(10000)


def test_checklist_and_finding_box_follow_a_change_of_text_size_on_screen(
        qtbot, database, world, text_points):
    text_points(9)
    page = auditor_page(qtbot, database, world)
    finding = page.form.findingEdit
    small_line = finding.fontMetrics().lineSpacing()
    text_points(18)
    laid_out(page)
    line = finding.fontMetrics().lineSpacing()
    assert line > small_line
    # three lines of the new size at the least, six at the most (90 px cut it to three)
    assert finding.minimumHeight() >= 3 * line and finding.maximumHeight() >= 6 * line
    assert finding.height() >= 3 * line
    assert_questions_show_whole(page)
    page.tasks.wait(10000)


# ---------------------------------------------------------------------------- fixed sizes

def text_fits(widget, text: str) -> bool:
    """The widget is at least as wide as ``text`` in its own font, with its frame."""
    return widget.width() >= QFontMetrics(widget.font()).horizontalAdvance(text) + 8


@pytest.fixture
def system_font_18(monkeypatch):
    """The system font as 18 pt (as read at start-up); this process's own size after."""
    monkeypatch.setattr(accessibility, "_system_point_size", 18.0)
    yield
    monkeypatch.undo()
    apply_text_scale(TEXT_SCALES[0])


@pytest.mark.parametrize("scale", [0, LARGEST])
def test_fields_and_the_navigation_list_fit_their_text_on_an_18_point_system_font(
        qtbot, system_font_18, open_window, team, database, scale):
    with database.transaction() as s:
        save_text_scale(s, team.manager_id, scale)
    sid = draft_with_discussion(database, team)
    window = open_window(team.manager_id)
    window.resize(1366, 820)
    assert window.form.navList.font().pointSizeF() == pytest.approx(18.0 * TEXT_SCALES[scale])

    nav = window.form.navList
    settle(qtbot, window)
    assert not nav.horizontalScrollBar().isVisible()
    for row in range(nav.count()):
        item = nav.item(row)
        width = QFontMetrics(nav.font()).horizontalAdvance(item.text())
        assert nav.visualItemRect(item).width() >= width + 2 * 14, item.text()  # its padding
        assert nav.visualItemRect(item).right() <= nav.viewport().width()

    editor = window.open_session(sid)
    settle(qtbot, window)
    f = editor.form
    discussion = editor.discussion_widget(editor.discussion_ids()[0])
    general = editor._general_panel.form
    for spin in (f.caseloadSpin, discussion.form.scaleSpin, f.durationSpin):
        spin.setValue(spin.minimum())  # "Not recorded", "Not scored": the longest text
    QApplication.processEvents()
    for spin in (f.caseloadSpin, discussion.form.scaleSpin, f.durationSpin):
        assert spin.width() >= spin.sizeHint().width(), spin.objectName()
        assert text_fits(spin, spin.specialValueText() or str(spin.maximum())), spin.objectName()
    for edit in (f.heldDateEdit, f.nextDateEdit, general.dueEdit, discussion.panel.form.dueEdit):
        assert text_fits(edit, "00/00/0000") and text_fits(edit, edit.placeholderText()), edit.objectName()
    assert text_fits(f.heldTimeEdit, "00:00")

    settings = window.show_page("settings")
    settle(qtbot, window)
    for spin in (settings.form.intervalSpin, settings.form.dueSoonSpin):
        assert spin.isVisible() and spin.width() >= spin.sizeHint().width()
        assert text_fits(spin, str(spin.maximum()))


# ---------------------------------------------------------------------------- compliance page

def test_the_compliance_page_fits_a_laptop_screen_at_18_points(qtbot, database, world, text_points):
    text_points(18)
    with database.reading() as s:
        actor = load_actor(s, world.tm)
    page = AssurancePage(database, actor, today=WORLD_TODAY)
    qtbot.addWidget(page)
    with qtbot.waitSignals([page.loaded, page.signals_loaded], timeout=20000):
        page.refresh()
    page.show()
    # beside a navigation list of about 230 px, on a 1366-pixel screen (it needed 1553 px)
    assert page.minimumSizeHint().width() <= 1366 - 240
    # a long status message wraps rather than widening the page
    before = page.minimumSizeHint().width()
    page.form.recordsButton.click()  # nothing chosen yet: it says what to do
    assert len(page.form.statusLabel.text()) > 60
    assert page.minimumSizeHint().width() <= before
    # at its narrowest the chart's key goes onto more lines rather than off its edge
    chart = page.chart
    chart.resize(chart.minimumSizeHint())
    legend = chart.legend()
    assert len({rect.y() for rect, _label, _colour in legend}) > 1
    assert all(rect.right() <= chart.width() for rect, _label, _colour in legend)
    page.tasks.wait(10000)


def test_the_audit_page_fits_a_laptop_screen_at_18_points_and_scrolls_rather_than_cuts(
        qtbot, database, world, text_points):
    text_points(18)
    with database.reading() as s:
        actor = load_actor(s, world.auditor)
    page = AuditPage(database, actor, today=WORLD_TODAY)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.refresh()
    f = page.form
    f.tabs.setCurrentWidget(f.roundsTab)
    # beside the navigation list on a 1366 x 768 screen (it needed 1303 px)
    page.resize(1366 - 240, 680)
    page.show()
    assert page.minimumSizeHint().width() <= 1366 - 240
    laid_out(page)
    # the sample's explanation shows whole (the settings scroll), the seed all its digits
    hint = f.drawHint
    assert len(hint.text()) > 100
    assert hint.height() >= hint.heightForWidth(hint.width())
    assert text_fits(f.seedEdit, "8" * 16)
    page.tasks.wait(10000)


def test_the_records_behind_a_figure_open_in_a_window_sized_to_the_text(qtbot, text_points):
    sizes = []
    for points in (9, 18):
        text_points(points)
        dialog = RecordsDialog("Overdue actions", [])
        qtbot.addWidget(dialog)
        metrics = dialog.fontMetrics()
        assert dialog.width() >= 100 * metrics.averageCharWidth()
        assert dialog.height() >= 25 * metrics.height()
        sizes.append(dialog.size())
    assert sizes[1].width() > sizes[0].width() and sizes[1].height() > sizes[0].height()


# ---------------------------------------------------------------------------- a crash under load

# A window whose last Python reference sits in a reference cycle lives until the cyclic
# collector runs, and the collector runs when Python likes: here, in a handler that Qt
# calls while setting the new style sheet walks its list of every widget (a FontChange,
# as follow_font's are). The collection deletes the windows; Qt then reaches them on its
# list. Run in a process of its own: the failure is a segfault, which pytest cannot catch.
_COLLECTED_WHILE_QT_WALKS_ITS_WIDGETS = """
import gc
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget
from supervision_app.gui.accessibility import apply_text_scale, follow_font, install_style_sheet

app = QApplication([])
install_style_sheet("QLabel { color: black; }")
gc.disable()  # the garbage below stays until a collection, as it does between collections
page = QWidget()
label = QLabel("Text size")
QVBoxLayout(page).addWidget(label)
page.show()
for _ in range(100):
    window = QWidget()
    QVBoxLayout(window).addWidget(QLabel("closed long ago"))
    window.show()
    window.itself = window  # a reference cycle: only the collector frees it
del window
app.processEvents()


def new_font(widget):
    if gc.isenabled():  # the collector starts here, if it may (Python's choice of moment)
        gc.collect()


follow_font(label, new_font, "collects")
gc.set_threshold(1_000_000)  # no collection of Python's own before the handler's
gc.enable()
apply_text_scale(1.5)
assert len(app.topLevelWidgets()) == 1, len(app.topLevelWidgets())  # the garbage went, safely
apply_text_scale(1.0)
print("survived")
"""


def test_a_garbage_collection_in_a_handler_during_a_text_size_change_deletes_no_widget_under_qt():
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    run = subprocess.run([sys.executable, "-c", _COLLECTED_WHILE_QT_WALKS_ITS_WIDGETS],
                         cwd=Path(__file__).resolve().parents[2], env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "survived" in run.stdout, (run.returncode, run.stderr[-2000:])

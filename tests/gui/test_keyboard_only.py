"""The whole manager flow once without the mouse: shortcuts, mnemonics, Tab and Enter.
It also checks the tab order a keyboard user meets in the editor."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from supervision_app.domain.vocabulary import RecordState
from supervision_app.store.models import SupervisionSession
from tests.gui.helpers import focused_name, settle

pytestmark = pytest.mark.usefixtures("pinned_clock")  # answers depend on the date

ALT, CTRL = Qt.KeyboardModifier.AltModifier, Qt.KeyboardModifier.ControlModifier


def key(qtbot, window, k, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(QApplication.focusWidget() or window, k, modifier)
    if modifier == ALT:
        qtbot.wait(200)  # a button's mnemonic "animates" its click for 100 ms
    settle(qtbot, window)


def type_text(qtbot, window, text):
    qtbot.keyClicks(QApplication.focusWidget(), text)
    settle(qtbot, window)


def tab_to(qtbot, window, name, limit=12):
    for _ in range(limit):
        key(qtbot, window, Qt.Key.Key_Tab)
        if focused_name() == name:
            return
    raise AssertionError(f"Tab never reached {name}; stuck at {focused_name()}")


def test_manager_flow_keyboard_only(qtbot, open_window, team, database):
    window = open_window(team.manager_id)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)

    key(qtbot, window, Qt.Key.Key_1, CTRL)  # My team
    assert focused_name() == "workerTable"
    table = window.pages["my_team"].form.workerTable
    for _ in range(table.model().rowCount()):
        if table.model().row_for(table.currentIndex()).name == "Ben Steady":
            break
        key(qtbot, window, Qt.Key.Key_Down)
    assert table.model().row_for(table.currentIndex()).name == "Ben Steady"

    key(qtbot, window, Qt.Key.Key_N, CTRL)  # new supervision for the selected worker
    editor = window.editor
    assert editor is not None and focused_name() == "heldDateEdit"
    # the header in reading order
    for name in ("heldTimeEdit", "durationSpin", "typeCombo", "locationEdit"):
        key(qtbot, window, Qt.Key.Key_Tab)
        assert focused_name() == name
    type_text(qtbot, window, "Team room 2")

    key(qtbot, window, Qt.Key.Key_C, ALT)  # "Add a &child"
    assert focused_name() == "childSearchEdit"
    type_text(qtbot, window, "CS-1003")
    key(qtbot, window, Qt.Key.Key_Return)
    disc = editor.discussion_widget(editor.discussion_ids()[0])
    assert QApplication.focusWidget() is disc.form.positionEdit

    type_text(qtbot, window, "Settled in placement")
    for name in ("worriesEdit", "workingEdit", "needsEdit", "scaleSpin"):
        key(qtbot, window, Qt.Key.Key_Tab)
        assert focused_name() == name
    key(qtbot, window, Qt.Key.Key_Up)  # safety scale 0
    tab_to(qtbot, window, "decisionEdit")
    type_text(qtbot, window, "Continue the care plan")
    tab_to(qtbot, window, "rationaleEdit")
    type_text(qtbot, window, "Placement stable for a year")
    tab_to(qtbot, window, "descriptionEdit")
    type_text(qtbot, window, "Arrange life-story work")
    tab_to(qtbot, window, "dueEdit")  # the owner defaults to the supervisee
    type_text(qtbot, window, (date.today() + timedelta(days=10)).strftime("%d/%m/%Y"))
    key(qtbot, window, Qt.Key.Key_Return)
    disc = editor.discussion_widget(editor.discussion_ids()[0])
    assert [a.description for a in disc.detail.actions] == ["Arrange life-story work"]

    key(qtbot, window, Qt.Key.Key_S, ALT)  # "&Share with supervisee"
    assert editor.detail.state == RecordState.SHARED, editor.form.messageLabel.text()
    with database.reading() as s:
        row = s.get(SupervisionSession, editor.session_id)
        assert row.location == "Team room 2"
    window.close()

    # the worker answers without a mouse too
    worker = open_window(team.worker_id)
    worker.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is worker)
    key(qtbot, worker, Qt.Key.Key_2, CTRL)  # My supervision
    assert focused_name() == "recordsTable"
    key(qtbot, worker, Qt.Key.Key_Return)
    assert worker.editor is not None and worker.editor.detail.can_respond
    key(qtbot, worker, Qt.Key.Key_I, ALT)  # "I d&isagree"
    assert worker.editor.form.disagreeRadio.isChecked()
    tab_to(qtbot, worker, "disagreementEdit")
    type_text(qtbot, worker, "The plan was not discussed with the family")
    key(qtbot, worker, Qt.Key.Key_R, ALT)  # "Record my &response"
    assert worker.editor.detail.supervisee_agreement == "disagrees"

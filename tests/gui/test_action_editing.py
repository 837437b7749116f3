"""Changing an action in place while the record is a draft: what, who and when, from the
keyboard (F2, type, Enter), each checked as it is committed with the message under the
table and the typed text kept; a shared record's actions cannot be edited."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit

from supervision_app.domain.time_rules import format_date
from supervision_app.store import supervision_records as sr
from supervision_app.store.models import ActionItem, OversightNote
from tests.gui.helpers import settle
from tests.gui.sample_team import session_time

pytestmark = pytest.mark.usefixtures("pinned_clock")  # answers depend on the date


def draft_with_action(database, team):
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        sid = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(2))
        disc = sr.add_case_discussion(s, manager, sid, "CS-1003")
        sr.update_case_discussion(s, manager, disc, {"decision": "Stay", "rationale": "Settled"})
        action = sr.add_action(s, manager, session_id=sid, case_discussion_id=disc,
                               description="Visit Casey", owner_id=team.worker_id,
                               due_on=date.today() + timedelta(days=7))
    return sid, disc, action


def start_editing(qtbot, table, row: int, column: int):
    table.setFocus()
    table.setCurrentIndex(table.model().index(row, column))
    qtbot.keyClick(table, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert editor is not None and editor is not table, "F2 did not open an editor"
    return editor


def retype(qtbot, editor: QLineEdit, text: str) -> None:
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_Backspace)
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)


def wait_refused(qtbot, panel, table):
    """The message is under the table and the editor has opened again."""
    qtbot.waitUntil(lambda: table in panel.errors.labels and panel.errors.labels[table].isVisible())
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QLineEdit)
                    and QApplication.focusWidget().isVisible())
    return panel.errors.labels[table]


def stored(database, action_id):
    with database.reading() as s:
        return s.get(ActionItem, action_id)


def test_a_draft_action_is_changed_in_place_by_keyboard(qtbot, open_window, team, database):
    sid, disc, action_id = draft_with_action(database, team)
    window = open_window(team.manager_id)
    editor = window.open_session(sid)
    settle(qtbot, window)
    panel = editor.discussion_widget(disc).panel
    table = panel.form.actionsTable
    assert "F2" in table.toolTip() and "F2" in table.accessibleDescription()

    # what: a new description
    line = start_editing(qtbot, table, 0, 0)
    assert isinstance(line, QLineEdit) and line.text() == "Visit Casey" and line.accessibleName()
    retype(qtbot, line, "Visit Casey at school with the new teacher")
    settle(qtbot, window)
    assert stored(database, action_id).description == "Visit Casey at school with the new teacher"
    assert panel.model.rows[0].description == "Visit Casey at school with the new teacher"
    assert QApplication.focusWidget() is table  # still where the user was

    # when: an impossible date is explained under the table and kept as typed
    due = start_editing(qtbot, table, 0, 2)
    retype(qtbot, due, "31/02/2027")
    error = wait_refused(qtbot, panel, table)
    assert error.isVisible() and "Due date" in error.text()
    reopened = QApplication.focusWidget()
    assert reopened.text() == "31/02/2027"  # nothing typed is thrown away
    new_due = date.today() + timedelta(days=21)
    retype(qtbot, reopened, format_date(new_due))
    settle(qtbot, window)
    assert stored(database, action_id).due_on == new_due and not error.isVisible()

    # an action cannot be emptied; Escape leaves it as it was
    line = start_editing(qtbot, table, 0, 0)
    retype(qtbot, line, "   ")
    wait_refused(qtbot, panel, table)
    assert "cannot be left blank" in error.text()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    settle(qtbot, window)
    assert stored(database, action_id).description == "Visit Casey at school with the new teacher"

    # who: another member of the team
    combo = start_editing(qtbot, table, 0, 1)
    assert isinstance(combo, QComboBox) and combo.currentText() == "Ben Steady"
    combo.setCurrentIndex(combo.findText("Cara Quinn"))
    qtbot.keyClick(combo, Qt.Key.Key_Return)
    settle(qtbot, window)
    assert stored(database, action_id).owner_id == team.other_worker_id
    assert panel.model.rows[0].owner_name == "Cara Quinn"

    # once shared, the actions are what was agreed: no editing in place
    editor.share()
    settle(qtbot, window)
    assert editor.detail.state.value == "shared", editor.form.messageLabel.text()
    panel = editor.discussion_widget(disc).panel
    table = panel.form.actionsTable
    index = table.model().index(0, 0)
    assert not (table.model().flags(index) & Qt.ItemFlag.ItemIsEditable)
    table.setFocus()
    table.setCurrentIndex(index)
    qtbot.keyClick(table, Qt.Key.Key_F2)
    assert QApplication.focusWidget() is table


def test_an_oversight_note_action_is_changed_in_place(qtbot, open_window, team, database):
    window = open_window(team.manager_id)
    dialog = window.open_note(child_id=team.child_ids[2])
    settle(qtbot, window)
    dialog.form.decisionEdit.setFocus()
    qtbot.keyClicks(dialog.form.decisionEdit, "Visits weekly")  # a new note is stored once written in
    settle(qtbot, window)
    note_id = dialog.note_id
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        action_id = sr.add_action(s, manager, oversight_note_id=note_id, description="Call school",
                                  owner_id=team.worker_id, due_on=date.today() + timedelta(days=3))
    dialog.reload()
    settle(qtbot, window)
    table = dialog.panel.form.actionsTable
    line = start_editing(qtbot, table, 0, 0)
    retype(qtbot, line, "Call the school nurse")
    settle(qtbot, window)
    assert stored(database, action_id).description == "Call the school nurse"
    with database.reading() as s:
        assert s.get(OversightNote, note_id).state == "draft"
    dialog.accept()
    settle(qtbot, window)

"""The editor never holds a person in a state they cannot leave: a failed "Add case
discussion" does not block sharing nor make the record look unsaved, and a corrected date
takes its message with it."""
from __future__ import annotations

import pytest

from supervision_app.store import supervision_records as sr
from tests.gui.helpers import click, settle, type_into
from tests.gui.sample_team import session_time


@pytest.fixture
def editor_window(qtbot, open_window, team, database):
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        sid = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(2))
        disc = sr.add_case_discussion(s, manager, sid, "CS-1003")
        sr.update_case_discussion(s, manager, disc, {"decision": "Keep", "rationale": "Stable"})
    window = open_window(team.manager_id)
    window.open_session(sid)
    settle(qtbot, window)
    return window


def visible_messages(editor) -> list[str]:
    shown = [label.text() for label in editor.errors.labels.values() if label.isVisible()]
    if editor.form.messageLabel.isVisible():
        shown.append(editor.form.messageLabel.text())
    return shown


@pytest.mark.parametrize("typed", ["", "Nobody By This Name"])
def test_failed_add_discussion_does_not_block_sharing(qtbot, editor_window, typed):
    editor = editor_window.editor
    f = editor.form
    type_into(qtbot, f.childSearchEdit, typed)
    click(qtbot, editor_window, f.addDiscussionButton)
    settle(qtbot, editor_window)
    assert editor.errors.message_for(f.childSearchEdit)  # the person is told what went wrong
    type_into(qtbot, f.learningEdit, "Reflective practice")
    settle(qtbot, editor_window)
    assert f.saveStateLabel.text().startswith("All changes saved")
    assert editor.errors.first_invalid() is None  # nothing on the record is wrong
    type_into(qtbot, f.childSearchEdit, "x")
    f.childSearchEdit.clear()
    assert editor.errors.message_for(f.childSearchEdit) == ""  # a new search: the answer went
    click(qtbot, editor_window, f.addDiscussionButton)  # and again, left empty
    settle(qtbot, editor_window)
    editor.share()
    settle(qtbot, editor_window)
    assert editor.detail.state.value == "shared", visible_messages(editor)


@pytest.mark.parametrize("field", ["heldDateEdit", "nextDateEdit"])
def test_corrected_date_leaves_no_message(qtbot, editor_window, field):
    editor = editor_window.editor
    box = getattr(editor.form, field)
    good = box.text()
    box.selectAll()
    box.del_()
    type_into(qtbot, box, "31/02/2026")
    settle(qtbot, editor_window)
    assert visible_messages(editor)
    box.selectAll()
    box.del_()
    type_into(qtbot, box, good)
    settle(qtbot, editor_window)
    assert editor.form.saveStateLabel.text().startswith("All changes saved")
    assert visible_messages(editor) == []


def test_corrected_date_after_refused_share_leaves_no_banner(qtbot, editor_window):
    editor = editor_window.editor
    box = editor.form.heldDateEdit
    good = box.text()
    box.selectAll()
    box.del_()
    type_into(qtbot, box, "31/02/2026")
    settle(qtbot, editor_window)
    editor.share()
    settle(qtbot, editor_window)
    assert editor.form.messageLabel.isVisible() and editor.detail.state.value == "draft"
    box.selectAll()
    box.del_()
    type_into(qtbot, box, good)
    settle(qtbot, editor_window)
    assert editor.form.saveStateLabel.text().startswith("All changes saved")
    assert visible_messages(editor) == []


def test_next_date_put_right_by_the_session_date(qtbot, editor_window):
    editor = editor_window.editor
    f = editor.form
    good = f.heldDateEdit.text()
    type_into(qtbot, f.nextDateEdit, good)
    settle(qtbot, editor_window)
    f.heldDateEdit.selectAll()
    f.heldDateEdit.del_()
    type_into(qtbot, f.heldDateEdit, "01/01/2020")
    f.heldDateEdit.selectAll()
    f.heldDateEdit.del_()
    type_into(qtbot, f.heldDateEdit, good)
    settle(qtbot, editor_window)
    assert f.saveStateLabel.text().startswith("All changes saved")
    assert visible_messages(editor) == []

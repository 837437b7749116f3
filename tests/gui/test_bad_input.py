"""Bad input in the editor: a clear inline message under the field, nothing typed thrown
away, nothing wrong saved."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from supervision_app.domain.text_rules import MAX_TEXT_CHARS
from supervision_app.store import supervision_records as sr
from supervision_app.store.models import SupervisionSession
from tests.gui.helpers import click, settle, type_into
from tests.gui.sample_team import session_time

pytestmark = pytest.mark.usefixtures("pinned_clock")  # answers depend on the date


@pytest.fixture
def editor_window(qtbot, open_window, team, database):
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        sid = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(2))
    window = open_window(team.manager_id)
    window.open_session(sid)
    settle(qtbot, window)
    return window


def stored(database, session_id):
    with database.reading() as s:
        row = s.get(SupervisionSession, session_id)
        return row.held_at, row.learning, row.next_session_on


def error_text(editor, widget) -> str:
    return editor.errors.message_for(widget)


@pytest.mark.parametrize("typed, message", [
    ("31/02/2026", "not a real date"),
    ("tomorrow", "is not a date"),
    ("", "is empty"),
    (lambda: (date.today() + timedelta(days=5)).strftime("%d/%m/%Y"), "in the future"),
])
def test_bad_session_dates(qtbot, editor_window, database, typed, message):
    typed = typed() if callable(typed) else typed  # a date by the pinned clock
    editor = editor_window.editor
    before = stored(database, editor.session_id)
    box = editor.form.heldDateEdit
    box.selectAll()
    box.del_()
    type_into(qtbot, box, typed)
    settle(qtbot, editor_window)
    assert message in error_text(editor, box)
    assert box.text() == typed  # kept on screen
    assert editor.errors.labels[box].isVisible()
    assert stored(database, editor.session_id) == before


def test_next_date_before_session_and_fix(qtbot, editor_window, database):
    editor = editor_window.editor
    box = editor.form.nextDateEdit
    earlier = (date.today() - timedelta(days=30)).strftime("%d/%m/%Y")
    type_into(qtbot, box, earlier)
    settle(qtbot, editor_window)
    assert "is before the session date" in error_text(editor, box)
    assert stored(database, editor.session_id)[2] is None
    box.clear()
    later = date.today() + timedelta(days=28)
    type_into(qtbot, box, later.strftime("%d/%m/%Y"))
    settle(qtbot, editor_window)
    assert error_text(editor, box) == ""
    assert stored(database, editor.session_id)[2] == later


def test_huge_paste_is_refused_but_kept(qtbot, editor_window, database):
    editor = editor_window.editor
    box = editor.form.learningEdit
    type_into(qtbot, box, "Kept words. ")
    settle(qtbot, editor_window)
    huge = "x" * (MAX_TEXT_CHARS + 5)
    box.insertPlainText(huge)  # a paste
    settle(qtbot, editor_window)
    assert "the limit is 100,000" in error_text(editor, box)
    assert len(box.toPlainText()) == len("Kept words. ") + len(huge)  # nothing thrown away
    assert stored(database, editor.session_id)[1] == "Kept words. "
    click(qtbot, editor_window, editor.form.shareButton)  # cannot share past it
    assert "need correcting" in editor.form.messageLabel.text()


def test_markup_and_control_characters(qtbot, editor_window, database):
    editor = editor_window.editor
    box = editor.form.learningEdit
    box.insertPlainText("<script>alert(1)</script> <b>bold</b>\x07\x00 end")
    settle(qtbot, editor_window)
    assert stored(database, editor.session_id)[1] == "<script>alert(1)</script> <b>bold</b> end"
    assert "<b>bold</b>" in box.toPlainText()  # shown as the characters typed


def test_unknown_child_and_empty_action(qtbot, editor_window, database):
    editor = editor_window.editor
    f = editor.form
    type_into(qtbot, f.childSearchEdit, "CS-0000")
    click(qtbot, editor_window, f.addDiscussionButton)
    assert "No child with case ID 'CS-0000'" in error_text(editor, f.childSearchEdit)
    assert f.childSearchEdit.text() == "CS-0000"
    assert editor.discussion_ids() == []
    panel = editor._general_panel
    type_into(qtbot, panel.form.dueEdit, "32/13/2026")
    click(qtbot, editor_window, panel.form.addActionButton)
    assert "Say what the action is" in panel.errors.message_for(panel.form.descriptionEdit)
    assert "not a real date" in panel.errors.message_for(panel.form.dueEdit)
    assert panel.model.rowCount() == 0 and panel.form.dueEdit.text() == "32/13/2026"

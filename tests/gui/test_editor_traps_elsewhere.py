"""Issue 19's editor traps, checked where they could recur: a failed "Add action" (nothing
typed, no owner, a bad due date) is advice about the add row, never a field of the record
that blocks Share or makes it read "Not saved"; the oversight note's corrected next-review
date takes its message with it."""
from __future__ import annotations

from supervision_app.store import supervision_records as sr
from tests.gui.helpers import click, settle, type_into
from tests.gui.sample_team import session_time
from tests.gui.test_editor_traps import visible_messages


def test_failed_add_action_does_not_block_sharing(qtbot, open_window, team, database):
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        sid = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(2))
        disc = sr.add_case_discussion(s, manager, sid, "CS-1003")
        sr.update_case_discussion(s, manager, disc, {"decision": "Keep", "rationale": "Stable"})
    window = open_window(team.manager_id)
    editor = window.open_session(sid)
    settle(qtbot, window)
    panel = editor.discussion_widget(editor.discussion_ids()[0]).panel
    type_into(qtbot, panel.form.dueEdit, "31/02/2026")
    click(qtbot, window, panel.form.addActionButton)  # nothing said, and a date that is not one
    settle(qtbot, window)
    assert panel.errors.message_for(panel.form.descriptionEdit)  # the person is told why
    assert panel.errors.message_for(panel.form.dueEdit)
    type_into(qtbot, editor.form.learningEdit, "Reflective practice")
    settle(qtbot, window)
    assert editor.form.saveStateLabel.text().startswith("All changes saved")
    editor.share()
    settle(qtbot, window)
    assert editor.detail.state.value == "shared", visible_messages(editor)


def test_oversight_corrected_review_date_leaves_no_message(qtbot, open_window, team):
    window = open_window(team.manager_id)
    note = window.open_note(child_id=team.child_ids[0])
    settle(qtbot, window)
    f = note.form
    type_into(qtbot, f.decisionEdit, "Keep the plan")
    type_into(qtbot, f.reviewDateEdit, "31/02/2026")
    settle(qtbot, window)
    shown = [label for label in note.errors.labels.values() if label.isVisible()]
    assert shown or f.messageLabel.isVisible()  # told the date is not one
    f.reviewDateEdit.selectAll()
    f.reviewDateEdit.del_()
    type_into(qtbot, f.reviewDateEdit, "01/06/2030")
    settle(qtbot, window)
    assert not [label.text() for label in note.errors.labels.values() if label.isVisible()]
    assert not f.messageLabel.isVisible() or not f.messageLabel.text()
    assert not f.saveStateLabel.text().startswith("Not saved"), f.saveStateLabel.text()
    note.accept()

"""The session editor keeps what was typed and refused, through everything that reads the
record back (adding an action or a discussion, moving one), shows the message under the
field it is about wherever that field sits, and saves a date that was refused only for its
order once the other date makes it right."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton

from supervision_app.domain.text_rules import MAX_TEXT_CHARS
from supervision_app.domain.vocabulary import RecordState
from supervision_app.store import supervision_records as sr
from supervision_app.store.models import CaseDiscussion, SupervisionSession
from tests.gui.event_wait import pause
from tests.gui.helpers import click, settle, type_into
from tests.gui.sample_team import session_time

pytestmark = pytest.mark.usefixtures("pinned_clock")  # answers depend on the date

HUGE = "x" * (MAX_TEXT_CHARS + 5)


@pytest.fixture
def editor_window(qtbot, open_window, team, database):
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        sid = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(20))
        sr.add_case_discussion(s, manager, sid, "CS-1003")
    window = open_window(team.manager_id)
    window.open_session(sid)
    settle(qtbot, window)
    return window


def _discussion(editor):
    return editor.discussion_widget(editor.discussion_ids()[0])


def _session(database, session_id):
    with database.reading() as s:
        row = s.get(SupervisionSession, session_id)
        return row.state, row.learning, row.held_at, row.next_session_on


def _message_label(widget) -> QLabel:
    return widget.parentWidget().findChild(QLabel, f"{widget.objectName()}Error")


def test_a_refused_paste_in_a_case_discussion_is_shown_under_it_and_stops_sharing(
        qtbot, editor_window, database):
    editor = editor_window.editor
    box = _discussion(editor).form.positionEdit
    box.insertPlainText(HUGE)
    settle(qtbot, editor_window)
    label = _message_label(box)
    assert label is not None and label.isVisible() and "100,000" in label.text()
    assert _discussion(editor).box.isAncestorOf(label)  # under the field, not in the banner
    assert not editor.form.messageLabel.isVisible()
    assert editor.form.saveStateLabel.text() == "Not saved: correct the highlighted field"
    click(qtbot, editor_window, editor.form.shareButton)
    settle(qtbot, editor_window)
    assert "need correcting" in editor.form.messageLabel.text()
    assert _session(database, editor.session_id)[0] == RecordState.DRAFT.value
    assert box.toPlainText() == HUGE  # nothing thrown away


def test_refused_text_outlives_a_reload_of_the_record(qtbot, editor_window, database):
    editor = editor_window.editor
    f = editor.form
    type_into(qtbot, f.learningEdit, "Kept. ")
    settle(qtbot, editor_window)
    f.learningEdit.insertPlainText(HUGE)
    _discussion(editor).form.worriesEdit.insertPlainText(HUGE)
    settle(qtbot, editor_window)
    # an action added reads the record back and rebuilds the discussions
    panel = editor._general_panel
    type_into(qtbot, panel.form.descriptionEdit, "Book the review")
    type_into(qtbot, panel.form.dueEdit, (date.today() + timedelta(days=7)).strftime("%d/%m/%Y"))
    click(qtbot, editor_window, panel.form.addActionButton)
    settle(qtbot, editor_window)
    assert panel.model.rowCount() == 1
    assert f.learningEdit.toPlainText() == "Kept. " + HUGE
    assert "100,000" in editor.errors.message_for(f.learningEdit)
    worries = _discussion(editor).form.worriesEdit  # a new widget, the same words
    assert worries.toPlainText() == HUGE and "100,000" in editor.errors.message_for(worries)
    assert _session(database, editor.session_id)[1] == "Kept. "
    # and fixing it saves it, and lets the record be shared as far as these fields go
    worries.setPlainText("Worried about school attendance.")
    f.learningEdit.setPlainText("Kept. Reflected on the visit.")
    settle(qtbot, editor_window)
    assert editor.errors.first_invalid() is None
    assert _session(database, editor.session_id)[1] == "Kept. Reflected on the visit."
    assert editor.form.saveStateLabel.text().startswith("All changes saved")


def test_a_refused_date_outlives_adding_a_discussion(qtbot, editor_window, database):
    editor = editor_window.editor
    f = editor.form
    f.heldDateEdit.setText("31/02/2026")
    settle(qtbot, editor_window)
    type_into(qtbot, f.childSearchEdit, "CS-1001")
    click(qtbot, editor_window, f.addDiscussionButton)
    settle(qtbot, editor_window)
    assert len(editor.discussion_ids()) == 2
    assert f.heldDateEdit.text() == "31/02/2026"
    assert "not a real date" in editor.errors.message_for(f.heldDateEdit)


def _dates(editor_window, held: date, next_day: date | None) -> None:
    f = editor_window.editor.form
    f.heldDateEdit.setText(f"{held:%d/%m/%Y}")
    f.nextDateEdit.setText("" if next_day is None else f"{next_day:%d/%m/%Y}")


def test_a_next_date_refused_for_its_order_is_saved_once_the_session_date_makes_it_right(
        qtbot, editor_window, database):
    editor = editor_window.editor
    f = editor.form
    today = date.today()
    held, early_next = today - timedelta(days=20), today - timedelta(days=25)
    f.nextDateEdit.setText(f"{early_next:%d/%m/%Y}")
    settle(qtbot, editor_window)
    assert "is before the session date" in editor.errors.message_for(f.nextDateEdit)
    assert _session(database, editor.session_id)[3] is None
    f.heldDateEdit.setText(f"{held - timedelta(days=10):%d/%m/%Y}")  # now before the next date
    settle(qtbot, editor_window)
    assert editor.errors.first_invalid() is None
    state, _learning, held_at, next_on = _session(database, editor.session_id)
    assert next_on == early_next  # what the screen shows is what is stored


def test_a_session_date_refused_for_its_order_is_saved_once_the_next_date_moves(
        qtbot, editor_window, database):
    editor = editor_window.editor
    f = editor.form
    today = date.today()
    f.nextDateEdit.setText(f"{today + timedelta(days=5):%d/%m/%Y}")
    settle(qtbot, editor_window)
    before = _session(database, editor.session_id)[2]
    f.nextDateEdit.setText(f"{today - timedelta(days=15):%d/%m/%Y}")  # after the session: fine
    settle(qtbot, editor_window)
    f.heldDateEdit.setText(f"{today - timedelta(days=10):%d/%m/%Y}")  # after that next date
    settle(qtbot, editor_window)
    assert "before the session date" in editor.errors.message_for(f.heldDateEdit)
    assert _session(database, editor.session_id)[2] == before
    f.nextDateEdit.setText(f"{today + timedelta(days=18):%d/%m/%Y}")
    settle(qtbot, editor_window)
    assert editor.errors.first_invalid() is None
    _state, _learning, held_at, next_on = _session(database, editor.session_id)
    assert next_on == today + timedelta(days=18)
    assert held_at.date() in (today - timedelta(days=10), today - timedelta(days=11))  # UTC


def test_sharing_refused_points_at_decision_and_rationale_and_the_banner_goes_when_fixed(
        qtbot, editor_window, database):
    editor = editor_window.editor
    disc = _discussion(editor).form
    click(qtbot, editor_window, editor.form.shareButton)
    settle(qtbot, editor_window)
    assert editor.form.messageLabel.isVisible()
    assert editor.errors.message_for(disc.decisionEdit)
    assert "rationale" in editor.errors.message_for(disc.rationaleEdit)
    assert disc.decisionEdit.hasFocus()
    type_into(qtbot, disc.decisionEdit, "Step down to child in need.")
    settle(qtbot, editor_window)
    assert editor.form.messageLabel.isVisible()  # the rationale is still missing
    type_into(qtbot, disc.rationaleEdit, "Safety plan held for three months.")
    settle(qtbot, editor_window)
    assert not editor.form.messageLabel.isVisible()
    click(qtbot, editor_window, editor.form.shareButton)
    settle(qtbot, editor_window)
    assert _session(database, editor.session_id)[0] == RecordState.SHARED.value


def _question(window) -> QMessageBox:
    return next(b for b in window.findChildren(QMessageBox, "removeDiscussionQuestion") if b.isVisible())


def _alive(database, discussion_id) -> bool:
    with database.reading() as s:
        return not s.get(CaseDiscussion, discussion_id).tombstone


def test_removing_a_discussion_asks_first_and_keep_is_the_default(qtbot, editor_window, database):
    editor = editor_window.editor
    did = editor.discussion_ids()[0]
    click(qtbot, editor_window, _discussion(editor).form.removeButton)
    qtbot.waitUntil(lambda: any(b.isVisible() for b in editor_window.findChildren(
        QMessageBox, "removeDiscussionQuestion")))
    box = _question(editor_window)
    assert "Casey Test" in box.text()
    assert box.defaultButton().text() == "Keep it"
    box.defaultButton().click()
    pause(50)
    settle(qtbot, editor_window)
    assert editor.discussion_ids() == [did] and _alive(database, did)
    click(qtbot, editor_window, _discussion(editor).form.removeButton)
    qtbot.waitUntil(lambda: any(b.isVisible() for b in editor_window.findChildren(
        QMessageBox, "removeDiscussionQuestion")))
    _question(editor_window).findChild(QPushButton, "confirmRemoveButton").click()
    settle(qtbot, editor_window)
    qtbot.waitUntil(lambda: editor.discussion_ids() == [])
    assert not _alive(database, did)

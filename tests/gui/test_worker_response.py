"""The worker's response: a disagreement written but not recorded is not lost by leaving the
record without a word; after the supervisor has signed, the record says what the worker can
still do, and does not tell them to comment."""
from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QPushButton

from supervision_app.domain.vocabulary import Agreement, RecordState
from supervision_app.store.models import SupervisionSession
from tests.gui.helpers import click, settle, type_into
from tests.gui.signing_steps import answer_confirmation, shared_record, wait_signed


def _stored(database, sid):
    with database.reading() as s:
        row = s.get(SupervisionSession, sid)
        return row.supervisee_agreement, row.disagreement


def _question(qtbot, window) -> QMessageBox:
    def up():
        return [b for b in window.findChildren(QMessageBox, "unrecordedResponseQuestion") if b.isVisible()]
    qtbot.waitUntil(lambda: bool(up()))
    return up()[0]


def _worker_disagrees(qtbot, open_window, team, database):
    sid = shared_record(database, team, respond=False)
    window = open_window(team.worker_id)
    editor = window.open_session(sid)
    settle(qtbot, window)
    f = editor.form
    f.disagreeRadio.setChecked(True)
    type_into(qtbot, f.disagreementEdit, "The visit was on Tuesday, not Monday.")
    return sid, window, editor


def test_leaving_with_an_unrecorded_disagreement_asks_and_keep_writing_keeps_it(
        qtbot, open_window, team, database):
    sid, window, editor = _worker_disagrees(qtbot, open_window, team, database)
    click(qtbot, window, editor.form.backButton)
    box = _question(qtbot, window)
    assert box.defaultButton().objectName() == "keepWritingButton"
    box.defaultButton().click()
    settle(qtbot, window)
    assert window.form.pageStack.currentWidget() is editor
    assert editor.form.disagreementEdit.toPlainText() == "The visit was on Tuesday, not Monday."
    assert _stored(database, sid) == (None, "")

    click(qtbot, window, editor.form.backButton)
    _question(qtbot, window).findChild(QPushButton, "recordResponseButton").click()
    qtbot.waitUntil(lambda: window.form.pageStack.currentWidget() is not editor, timeout=10000)
    settle(qtbot, window)
    assert _stored(database, sid) == (Agreement.DISAGREES.value, "The visit was on Tuesday, not Monday.")


def test_leaving_without_recording_is_a_choice_and_stores_nothing(qtbot, open_window, team, database):
    sid, window, editor = _worker_disagrees(qtbot, open_window, team, database)
    click(qtbot, window, editor.form.backButton)
    _question(qtbot, window).findChild(QPushButton, "leaveWithoutRecordingButton").click()
    qtbot.waitUntil(lambda: window.form.pageStack.currentWidget() is not editor, timeout=10000)
    assert _stored(database, sid) == (None, "")


def test_nothing_to_ask_when_the_response_is_recorded(qtbot, open_window, team, database):
    sid, window, editor = _worker_disagrees(qtbot, open_window, team, database)
    click(qtbot, window, editor.form.saveResponseButton)
    settle(qtbot, window)
    assert not editor.has_unrecorded_response()
    click(qtbot, window, editor.form.backButton)
    settle(qtbot, window)
    assert window.form.pageStack.currentWidget() is not editor
    assert not [b for b in window.findChildren(QMessageBox, "unrecordedResponseQuestion") if b.isVisible()]


def test_after_the_supervisor_signs_first_the_worker_is_told_to_sign_not_to_comment(
        qtbot, open_window, team, database):
    # the supervisor signs without a response only once the worker's 5 working days passed
    sid = shared_record(database, team, respond=False, shared_days_ago=21)
    manager_window = open_window(team.manager_id)
    editor = manager_window.open_session(sid)
    settle(qtbot, manager_window)
    answer_confirmation(qtbot)
    click(qtbot, manager_window, editor.form.signButton)
    wait_signed(qtbot, manager_window, editor, RecordState.SUPERVISOR_SIGNED)
    manager_window.close()

    window = open_window(team.worker_id)
    editor = window.open_session(sid)
    settle(qtbot, window)
    f = editor.form
    assert "Supervisee to sign by" in f.deadlinesLabel.text()
    assert "comment" not in f.deadlinesLabel.text()
    assert f.responseHint.isVisible() and "signed this record without your response" in f.responseHint.text()
    assert f.commentsEdit.isReadOnly() and f.signButton.isVisible()


def test_closing_the_window_or_opening_another_record_asks_too(qtbot, open_window, team, database):
    sid, window, editor = _worker_disagrees(qtbot, open_window, team, database)
    other = shared_record(database, team, respond=False)
    window.show_page("my_supervision")  # the editor is out of sight, the words are not lost
    window.open_session(other)
    _question(qtbot, window).defaultButton().click()  # keep writing
    settle(qtbot, window)
    assert window.editor is editor and window.form.pageStack.currentWidget() is editor
    window.close()
    box = _question(qtbot, window)
    assert window.isVisible()  # not closed while it asks
    box.findChild(QPushButton, "recordResponseButton").click()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10000)
    assert _stored(database, sid) == (Agreement.DISAGREES.value, "The visit was on Tuesday, not Monday.")

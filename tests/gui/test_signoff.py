"""Sign-off through the GUI: the manager signs a shared record, the worker signs, the record
is read-only on screen and locked in the database; the signatures panel shows both
signatures trusted; an addendum is written and signed; signed records export with cancel."""
from __future__ import annotations

from PySide6.QtCore import Qt

from supervision_app.domain.vocabulary import RecordState
from supervision_app.store.models import Addendum, AuditEntry, SupervisionSession
from tests.gui.helpers import click, settle, type_into
from tests.gui.signing_steps import answer_confirmation, locked_records, shared_record, wait_signed


def test_manager_then_worker_sign_and_the_record_locks(qtbot, open_window, team, database):
    sid = shared_record(database, team)
    window = open_window(team.manager_id)
    editor = window.open_session(sid)
    settle(qtbot, window)
    f = editor.form
    assert f.signButton.isVisible() and f.signButton.text() == "Sign as &supervisor…"
    seen = []
    answer_confirmation(qtbot, accept=False, seen=seen)
    click(qtbot, window, f.signButton)
    assert "Ben Steady has agreed" in seen[0] and "addendum" in seen[0]
    assert editor.detail.state == RecordState.SHARED  # cancelled: nothing signed

    answer_confirmation(qtbot)
    click(qtbot, window, f.signButton)
    wait_signed(qtbot, window, editor, RecordState.SUPERVISOR_SIGNED)
    assert not f.signButton.isVisible()
    assert "Signed by Morgan Manager (supervisor)" in f.deadlinesLabel.text()
    window.close()

    worker = open_window(team.worker_id)
    editor = worker.open_session(sid)
    settle(qtbot, worker)
    f = editor.form
    assert f.signButton.isVisible() and f.signButton.text() == "Si&gn…"
    answer_confirmation(qtbot)
    f.signButton.setFocus()
    qtbot.keyClick(f.signButton, " ")  # from the keyboard
    wait_signed(qtbot, worker, editor, RecordState.LOCKED)
    assert f.stateLabel.text() == RecordState.LOCKED.label
    assert f.commentsEdit.isReadOnly() and not f.saveResponseButton.isVisible()
    assert not f.signButton.isVisible() and not f.shareButton.isVisible()
    assert "Locked: corrections only by a signed addendum" in f.deadlinesLabel.text()
    with database.reading() as s:
        assert s.get(SupervisionSession, sid).state == "locked"
        actions = {e.action for e in s.query(AuditEntry).filter(AuditEntry.record_id == sid)}
    assert {"sign_as_supervisor", "sign_as_supervisee", "view"} <= actions

    # the signatures panel: both trusted, nothing changed after
    click(qtbot, worker, f.signaturesButton)
    dialog = editor.dialog
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=60000)
    rows = dialog.model.rows
    assert [r.signer_common_name for r in rows] == ["Morgan Manager", "Ben Steady"]
    assert all(r.intact and r.valid and r.trusted and not r.revoked for r in rows)
    assert "All 2 signatures are intact, valid and trusted" in dialog.summaryLabel.text()
    assert dialog.saveButton.isEnabled()
    dialog.accept()

    # an addendum, written and signed through the GUI (the worker is the supervisee)
    assert f.addendumButton.isVisible()
    click(qtbot, worker, f.addendumButton)
    add = editor.dialog
    type_into(qtbot, add.bodyEdit, "Correction: the visit was on Tuesday.")
    click(qtbot, worker, add.saveButton)
    assert "Draft saved" in add.messageLabel.text()
    answer_confirmation(qtbot)
    click(qtbot, worker, add.signButton)
    qtbot.waitUntil(lambda: "Signed and locked" in add.messageLabel.text(), timeout=60000)
    assert add.bodyEdit.isReadOnly() and not add.signButton.isVisible()
    add.accept()
    settle(qtbot, worker)
    assert f.addendaGroup.isVisible()
    assert [a.state for a in editor.addenda_model.rows] == [RecordState.LOCKED]
    with database.reading() as s:
        assert s.query(Addendum).one().state == "locked"


def test_export_runs_in_the_background_and_can_be_cancelled(qtbot, open_window, team, database,
                                                            tmp_path, monkeypatch):
    import threading

    import supervision_app.records.export as export

    locked_records(database, team, 2)
    window = open_window(team.manager_id)
    page = window.pages["my_team"]
    assert page.form.exportButton.isVisible()
    click(qtbot, window, page.form.exportButton)
    dialog = window.export_dialog
    assert dialog.whoCombo.currentText().startswith("Whole team") is False  # the selected worker
    dialog.whoCombo.setCurrentIndex(dialog.whoCombo.findData(f"team:{team.team_id}"))
    type_into(qtbot, dialog.folderEdit, str(tmp_path / "all"))
    click(qtbot, window, dialog.exportButton)
    qtbot.waitUntil(lambda: dialog.messageLabel.text().startswith("Exported"), timeout=30000)
    assert "Exported 2 signed records" in dialog.messageLabel.text()
    assert len(list((tmp_path / "all").glob("*.pdf"))) == 2
    assert dialog.progress.value() == 2

    # cancel in the middle: the first file is written, then Cancel is pressed
    writing, go = threading.Event(), threading.Event()
    real_write = export._write_exclusive

    def slow_write(path, data):
        real_write(path, data)
        writing.set()
        go.wait(10)

    monkeypatch.setattr(export, "_write_exclusive", slow_write)
    dialog.folderEdit.setText(str(tmp_path / "cancelled"))
    dialog.exportButton.click()
    qtbot.waitUntil(writing.is_set, timeout=30000)
    assert dialog.cancelButton.isEnabled()
    qtbot.mouseClick(dialog.cancelButton, Qt.MouseButton.LeftButton)
    go.set()
    qtbot.waitUntil(lambda: "cancelled" in dialog.messageLabel.text(), timeout=30000)
    assert "after 1 of 2 records" in dialog.messageLabel.text()
    assert len(list((tmp_path / "cancelled").glob("*.pdf"))) == 1
    assert dialog.exportButton.isEnabled() and not dialog.cancelButton.isEnabled()
    with database.reading() as s:
        assert s.query(AuditEntry).filter(AuditEntry.action == "export").count() == 3
    dialog.reject()


def test_oversight_note_sign_and_lock(qtbot, open_window, team, database):
    window = open_window(team.manager_id)
    dialog = window.open_note(child_id=team.child_ids[2])
    qtbot.waitUntil(lambda: dialog.detail is not None, timeout=10000)
    settle(qtbot, window)
    f = dialog.form
    assert f.signNoteButton.isVisible() and f.decisionEdit.isVisible()
    type_into(qtbot, f.decisionEdit, "Increase visits to weekly")
    type_into(qtbot, f.rationaleEdit, "School reports new worries")
    settle(qtbot, window)
    answer_confirmation(qtbot)
    click(qtbot, window, f.signNoteButton)
    qtbot.waitUntil(lambda: dialog.detail.state == RecordState.LOCKED, timeout=60000)
    settle(qtbot, window)
    assert f.decisionEdit.isReadOnly() and not f.signNoteButton.isVisible()
    assert f.signaturesButton.isVisible() and f.addendumButton.isVisible()
    assert "Signed by Morgan Manager (author)" in f.saveStateLabel.text()
    click(qtbot, window, f.signaturesButton)
    panel = dialog.sub_dialog
    qtbot.waitUntil(lambda: panel.report is not None, timeout=60000)
    assert panel.report.all_ok and len(panel.model.rows) == 1
    panel.accept()
    dialog.accept()
    settle(qtbot, window)


def _open(qtbot, open_window, staff_id, sid):
    window = open_window(staff_id)
    editor = window.open_session(sid)
    settle(qtbot, window)
    return window, editor


def test_the_supervisor_signs_once_the_worker_has_responded(qtbot, open_window, team, database):
    from supervision_app.domain.supervisee_response import day_words, supervisor_may_sign_from
    from supervision_app.domain.time_rules import london_date

    sid = shared_record(database, team, respond=False)
    with database.reading() as s:
        from_day = day_words(supervisor_may_sign_from(london_date(s.get(SupervisionSession, sid).shared_at)))
    window, editor = _open(qtbot, open_window, team.manager_id, sid)
    f = editor.form
    assert not f.signButton.isVisible()  # not offered: the worker has not had their say
    assert (f"You can sign once Ben Steady has responded, or from {from_day} if they have not."
            in f.deadlinesLabel.text())
    assert f.responseState.text() == ""
    window.close()

    worker, editor = _open(qtbot, open_window, team.worker_id, sid)
    f = editor.form
    f.agreeRadio.setFocus()
    qtbot.keyClick(f.agreeRadio, " ")
    click(qtbot, worker, f.saveResponseButton)
    qtbot.waitUntil(lambda: editor.detail.supervisee_agreement == "agrees", timeout=10000)
    assert not f.signButton.isVisible()  # the worker signs after the supervisor
    worker.close()

    window, editor = _open(qtbot, open_window, team.manager_id, sid)
    f = editor.form
    assert f.signButton.isVisible() and "You can sign once" not in f.deadlinesLabel.text()
    seen = []
    answer_confirmation(qtbot, seen=seen)
    click(qtbot, window, f.signButton)
    assert "Ben Steady has agreed with this record" in seen[0]
    wait_signed(qtbot, window, editor, RecordState.SUPERVISOR_SIGNED)
    assert f.responseState.text() == "Agreement recorded."


def test_after_five_working_days_without_a_response_the_supervisor_signs_and_the_record_says_so(
        qtbot, open_window, team, database):
    sid = shared_record(database, team, respond=False, shared_days_ago=21)
    worker, editor = _open(qtbot, open_window, team.worker_id, sid)
    f = editor.form
    assert f.responseState.text() == "No response within 5 working days."
    assert "can now sign this record without your response" in f.responseHint.text()
    assert not f.commentsEdit.isReadOnly()  # the worker may still respond until the supervisor signs
    worker.close()

    window, editor = _open(qtbot, open_window, team.manager_id, sid)
    f = editor.form
    assert f.signButton.isVisible() and "You can sign once" not in f.deadlinesLabel.text()
    assert f.responseState.text() == "No response within 5 working days."
    seen = []
    answer_confirmation(qtbot, seen=seen)
    click(qtbot, window, f.signButton)
    assert "did not respond within 5 working days" in seen[0]
    assert "No response within 5 working days" in seen[0]
    wait_signed(qtbot, window, editor, RecordState.SUPERVISOR_SIGNED)
    assert f.responseState.text() == "No response within 5 working days."
    window.close()

    worker, editor = _open(qtbot, open_window, team.worker_id, sid)
    f = editor.form
    assert f.responseState.text() == "No response within 5 working days."
    assert "You did not respond within 5 working days" in f.responseHint.text()
    assert f.commentsEdit.isReadOnly() and f.signButton.isVisible()
    answer_confirmation(qtbot)
    click(qtbot, worker, f.signButton)
    wait_signed(qtbot, worker, editor, RecordState.LOCKED)
    assert f.responseState.text() == "No response within 5 working days."

"""Resolving a disagreement through the GUI: the manager above the supervisor opens the flag,
is stopped from recording an empty resolution, records one, and the flag goes; the record
then shows who resolved it, when and how, to them and to the worker, and the disagreement
itself is still there. The supervisor never gets the button."""
from __future__ import annotations

from PySide6.QtCore import Qt

from supervision_app.store import supervision_records as sr
from supervision_app.store.models import AuditEntry, DisagreementResolution
from tests.gui.helpers import click, focused_name, settle, type_into
from tests.gui.signing_steps import shared_record


def disagreed_record(database, team):
    sid = shared_record(database, team, respond=False)
    with database.transaction() as s:
        sr.respond(s, sr.load_actor(s, team.worker_id), sid, agreement="disagrees",
                   disagreement="The decision on Casey was not discussed with me")
    return sid


def test_the_managers_manager_resolves_the_flag_from_the_team_page(qtbot, open_window, team, database):
    sid = disagreed_record(database, team)
    above = open_window(team.service_manager_id)
    page = above.pages["my_team"]
    f = page.form
    assert f.flaggedGroup.isVisible() and f.resolveFlaggedButton.isEnabled()
    click(qtbot, above, f.resolveFlaggedButton)
    dialog = above.resolution_dialog
    settle(qtbot, above)
    d = dialog.form
    assert d.disagreementView.toPlainText().startswith("The decision on Casey")
    assert d.disagreementView.isReadOnly() and "Morgan Manager" in d.recordLabel.text()
    assert d.recordButton.isEnabled()

    click(qtbot, above, d.recordButton)  # nothing typed: told, and nothing stored
    error = dialog.errors.labels[d.noteEdit]
    assert error.isVisible() and "how the disagreement was resolved" in error.text()
    assert dialog.isVisible()
    with database.reading() as s:
        assert s.query(DisagreementResolution).count() == 0

    type_into(qtbot, d.noteEdit, "Met Ben and Morgan on 3/12; the plan for Casey now includes Ben's view.")
    assert not error.isVisible()
    click(qtbot, above, d.recordButton)
    settle(qtbot, above)
    assert not dialog.isVisible()
    assert not f.flaggedGroup.isVisible() and page.flagged_model.rows == []
    with database.reading() as s:
        [row] = s.query(DisagreementResolution).all()
        assert (row.session_id, row.resolved_by) == (sid, team.service_manager_id)
        assert "resolve_disagreement" in {e.action for e in s.query(AuditEntry)}
    above.close()

    # the worker sees how it was resolved; the disagreement is still on the record
    worker = open_window(team.worker_id)
    editor = worker.open_session(sid)
    settle(qtbot, worker)
    wf = editor.form
    assert wf.disagreementEdit.toPlainText().startswith("The decision on Casey")
    assert wf.resolutionLabel.isVisible()
    assert wf.resolutionLabel.text().startswith("Resolved by Sasha Service")
    assert "Casey now includes Ben's view" in wf.resolutionLabel.text()
    assert not wf.resolveButton.isVisible()
    history = worker.pages["my_supervision"].records.rows
    assert not history[0].disagreement_open


def test_resolving_from_the_record_by_keyboard_and_never_by_the_supervisor(qtbot, open_window, team, database):
    sid = disagreed_record(database, team)
    supervisor = open_window(team.manager_id)
    editor = supervisor.open_session(sid)
    settle(qtbot, supervisor)
    assert not editor.form.resolveButton.isVisible() and not editor.form.resolutionLabel.isVisible()
    supervisor.close()

    above = open_window(team.service_manager_id)
    editor = above.open_session(sid)
    settle(qtbot, above)
    ef = editor.form
    assert ef.resolveButton.isVisible() and ef.resolveHint.isVisible()
    ef.resolveButton.setFocus()
    qtbot.keyClick(ef.resolveButton, Qt.Key.Key_Space)
    settle(qtbot, above)
    dialog = above.resolution_dialog
    assert focused_name() == "noteEdit"
    qtbot.keyClicks(dialog.form.noteEdit, "Agreed at the team meeting to review Casey's plan jointly.")
    qtbot.keyClick(dialog.form.noteEdit, Qt.Key.Key_Tab)
    assert focused_name() == "recordButton"
    qtbot.keyClick(dialog.form.recordButton, Qt.Key.Key_Space)
    settle(qtbot, above)
    qtbot.waitUntil(lambda: ef.resolutionLabel.isVisible(), timeout=5000)
    assert "review Casey's plan jointly" in ef.resolutionLabel.text()
    assert not ef.resolveButton.isVisible()
    assert "resolved" in ef.responseState.text()

"""The issue's main story, on real widgets: a manager records a session with two case
discussions and three actions, is stopped from sharing while a rationale is missing, fixes it
and shares; the worker opens it, comments and disagrees; the manager's manager sees the flag;
the next session carries the open actions forward."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtWidgets import QApplication

from supervision_app.domain.vocabulary import RecordState
from supervision_app.store.models import AuditEntry, SupervisionSession
from tests.gui.helpers import click, select_row, settle, type_into

pytestmark = pytest.mark.usefixtures("pinned_clock")  # answers depend on the date


def due(days: int) -> str:
    return (date.today() + timedelta(days=days)).strftime("%d/%m/%Y")


def add_action(qtbot, window, panel, text, days):
    type_into(qtbot, panel.form.descriptionEdit, text)
    type_into(qtbot, panel.form.dueEdit, due(days))
    click(qtbot, window, panel.form.addActionButton)


def test_manager_records_shares_worker_disagrees_flag_and_carry_forward(qtbot, open_window, team, database):
    window = open_window(team.manager_id)
    page = window.pages["my_team"]
    assert page.model.rowCount() == 3
    select_row(page.form.workerTable, lambda r: r.name == "Ben Steady")
    click(qtbot, window, page.form.newSessionButton)
    editor = window.editor
    assert editor is not None and editor.detail.supervisee_name == "Ben Steady"
    f = editor.form
    type_into(qtbot, f.locationEdit, "Team room 2")
    type_into(qtbot, f.wellbeingEdit, "Feeling stretched by court work")

    for case_id in ("CS-1003", "CS-1004"):
        type_into(qtbot, f.childSearchEdit, case_id)
        click(qtbot, window, f.addDiscussionButton)
    first, second = (editor.discussion_widget(i) for i in editor.discussion_ids())
    assert first.detail.case_id == "CS-1003" and second.detail.case_id == "CS-1004"
    assert QApplication.focusWidget() is second.form.positionEdit  # taken to the new one

    type_into(qtbot, first.form.worriesEdit, "Missed health appointments")
    type_into(qtbot, first.form.decisionEdit, "Continue child in need plan")
    type_into(qtbot, first.form.rationaleEdit, "Engagement improving")
    type_into(qtbot, second.form.decisionEdit, "Pathway plan review")  # no rationale yet
    add_action(qtbot, window, editor.discussion_widget(first.detail.discussion_id).panel, "Book health review", 7)
    add_action(qtbot, window, editor.discussion_widget(second.detail.discussion_id).panel, "Update pathway plan", 14)
    add_action(qtbot, window, editor._general_panel, "Attend court skills course", 30)
    settle(qtbot, window)

    click(qtbot, window, f.shareButton)
    second = editor.discussion_widget(editor.discussion_ids()[1])
    assert "Alex Placeholder (CS-1004) has no rationale" in f.messageLabel.text()
    assert QApplication.focusWidget() is second.form.rationaleEdit  # taken there
    assert editor.detail.state == RecordState.DRAFT

    type_into(qtbot, second.form.rationaleEdit, "Turns 18 in spring")
    click(qtbot, window, f.shareButton)
    assert editor.detail.state == RecordState.SHARED, f.messageLabel.text()
    session_id = editor.session_id
    with database.reading() as s:
        row = s.get(SupervisionSession, session_id)
        assert row.location == "Team room 2" and row.wellbeing == "Feeling stretched by court work"
    window.close()

    # the worker reads, comments and disagrees
    worker = open_window(team.worker_id)
    mine = worker.pages["my_supervision"]
    assert [r.session_id for r in mine.records.rows] == [session_id]
    click(qtbot, worker, mine.form.openRecordButton)
    wf = worker.editor.form
    assert wf.wellbeingEdit.toPlainText() == "Feeling stretched by court work"  # the pair sees it
    assert wf.locationEdit.isReadOnly() and not wf.shareButton.isVisible()
    type_into(qtbot, wf.commentsEdit, "Thanks for the time")
    wf.disagreeRadio.setChecked(True)
    type_into(qtbot, wf.disagreementEdit, "The pathway plan decision was not discussed with me")
    click(qtbot, worker, wf.saveResponseButton)
    assert "cannot be withdrawn or erased" in wf.responseState.text()
    assert not wf.agreeRadio.isEnabled()
    worker.close()

    # the manager's manager sees the flag; the wellbeing stays private
    above = open_window(team.service_manager_id)
    team_page = above.pages["my_team"]
    assert team_page.form.flaggedGroup.isVisible()
    assert [r.session_id for r in team_page.flagged_model.rows] == [session_id]
    click(qtbot, above, team_page.form.openFlaggedButton)
    assert not above.editor.form.wellbeingGroup.isVisible()
    assert above.editor.form.disagreementEdit.toPlainText().startswith("The pathway plan")
    above.close()

    # the next session carries the three open actions forward
    window = open_window(team.manager_id)
    page = window.pages["my_team"]
    ben = select_row(page.form.workerTable, lambda r: r.name == "Ben Steady")
    assert ben.unresolved_disagreements == 1 and ben.awaiting_signature == 1
    click(qtbot, window, page.form.newSessionButton)
    reviews = window.editor.review_model.rows
    assert sorted(r.description for r in reviews) == [
        "Attend court skills course", "Book health review", "Update pathway plan"]
    assert window.editor.form.reviewGroup.isVisible()
    with database.reading() as s:
        actions = {e.action for e in s.query(AuditEntry)}
    assert {"create", "edit", "share", "respond", "view"} <= actions

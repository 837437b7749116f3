"""Going from one page to a record: a record the viewer may not read never opens (the page
in front stays and says why), and a worker opened from the compliance page by id alone is
shown under their name."""
from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtWidgets import QApplication

from supervision_app.assurance.compliance import RecordRef
from supervision_app.gui.assurance_page import RecordsDialog
from supervision_app.store import supervision_records as sr
from supervision_app.store.models import Child
from tests.gui.helpers import click, select_row, settle
from tests.gui.sample_team import session_time

pytestmark = pytest.mark.usefixtures("pinned_clock")  # answers depend on the date


def test_a_chronology_entry_from_another_workers_supervision_does_not_open(
        qtbot, open_window, team, database):
    """Casey moves from Ben to Cara: the decision made in Ben's supervision is on Casey's
    record, which Cara may read, but Ben's supervision is not hers to open."""
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        sid = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(4))
        sr.update_session(s, manager, sid, {"learning": "bens own reflection"})
        disc = sr.add_case_discussion(s, manager, sid, "CS-1003")
        sr.update_case_discussion(s, manager, disc, {"decision": "Keep the plan", "rationale": "Stable"})
        sr.share_session(s, manager, sid)
    with database.transaction() as s:
        s.get(Child, team.child_ids[2]).allocated_worker_id = team.other_worker_id
    window = open_window(team.other_worker_id)
    window.open_child(team.child_ids[2])
    settle(qtbot, window)
    page = window.child_page
    table = page.form.chronologyTable
    select_row(table, lambda e: e.session_id == sid)
    assert "Keep the plan" in page.form.entryView.toPlainText()  # the decision is hers to read
    table.setFocus()
    qtbot.keyClick(table, "\r")  # open it, as a person would
    settle(qtbot, window)
    assert window.editor is None  # no editor, blank or otherwise
    assert window.form.pageStack.currentWidget() is page
    assert QApplication.focusWidget() is table
    message = window.statusBar().currentMessage()
    assert "cannot open" in message and "belongs to another worker" in message
    assert "bens own reflection" not in message


def test_a_record_the_viewer_may_read_still_opens_from_the_chronology(qtbot, open_window, team, database):
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        sid = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(4))
        disc = sr.add_case_discussion(s, manager, sid, "CS-1003")
        sr.update_case_discussion(s, manager, disc, {"decision": "Keep the plan", "rationale": "Stable"})
    window = open_window(team.manager_id)
    window.open_child(team.child_ids[2])
    settle(qtbot, window)
    table = window.child_page.form.chronologyTable
    select_row(table, lambda e: e.session_id == sid)
    table.setFocus()
    qtbot.keyClick(table, "\r")
    settle(qtbot, window)
    assert window.editor is not None and window.editor.session_id == sid
    assert window.form.pageStack.currentWidget() is window.editor
    assert window.editor.detail is not None


def test_a_worker_opened_from_the_compliance_page_is_shown_by_name(qtbot, open_window, team):
    window = open_window(team.manager_id)
    missed = RecordRef(kind="occasion", record_id="", when=date.today(), staff_id=team.worker_id)
    dialog = RecordsDialog("Supervision held on time: Ben Steady", [missed], window.open_record, window)
    qtbot.addWidget(dialog)
    dialog.show()
    click(qtbot, window, dialog.open_button)
    settle(qtbot, window)
    history = window.history_page
    assert window.form.pageStack.currentWidget() is history
    assert history.form.titleLabel.text() == "Supervision history: Ben Steady"

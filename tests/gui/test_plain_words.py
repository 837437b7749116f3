"""Small things people met (issue 19, finding 5): an empty record is not shared at one
click; Back keeps the team page's selection; Sync now says why it is off; message boxes
show only when they have words; menus in the usual order; editable boxes look editable;
signatures, counts and responses in plain words; --as says who is in the directory."""
from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeySequence
from PySide6.QtWidgets import QMessageBox, QPushButton, QToolButton

from supervision_app.cli import _people_listed
from supervision_app.gui.accessibility import accessible_name
from supervision_app.gui.signing import SIGNATURE_COLUMNS
from supervision_app.gui.sync_panel import NOT_SIGNED_IN, ServerSignInDialog, SyncConflictsDialog
from supervision_app.store import supervision_records as sr
from tests.gui.helpers import select_row, settle
from tests.gui.sample_team import session_time


def _draft(database, team, worker_id=None, *, discussed=False):
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        sid = sr.create_session(s, manager, supervisee_id=worker_id or team.worker_id,
                                held_at=session_time(2))
        if discussed:
            disc = sr.add_case_discussion(s, manager, sid, "CS-1003")
            sr.update_case_discussion(s, manager, disc, {"decision": "Keep", "rationale": "Safe"})
    return sid


def _box(qtbot, window, name) -> QMessageBox:
    def up():
        return [b for b in window.findChildren(QMessageBox, name) if b.isVisible()]
    qtbot.waitUntil(lambda: bool(up()))
    return up()[0]


def test_an_empty_record_asks_before_it_is_shared(qtbot, open_window, team, database):
    sid = _draft(database, team)
    window = open_window(team.manager_id)
    editor = window.open_session(sid)
    settle(qtbot, window)
    editor.form.shareButton.click()
    box = _box(qtbot, window, "shareEmptyQuestion")
    assert box.defaultButton().objectName() == "keepWritingButton"  # Enter keeps it a draft
    box.defaultButton().click()
    settle(qtbot, window)
    assert editor.detail.state.value == "draft"
    editor.form.shareButton.click()
    box = _box(qtbot, window, "shareEmptyQuestion")
    box.findChild(QPushButton, "shareAnywayButton").click()
    settle(qtbot, window)
    assert editor.detail.state.value == "shared"


def test_a_record_with_a_discussion_is_shared_without_a_question(qtbot, open_window, team, database):
    sid = _draft(database, team, discussed=True)
    window = open_window(team.manager_id)
    editor = window.open_session(sid)
    settle(qtbot, window)
    editor.share()
    settle(qtbot, window)
    assert editor.detail.state.value == "shared"
    assert not [b for b in window.findChildren(QMessageBox, "shareEmptyQuestion") if b.isVisible()]


def test_back_from_the_editor_keeps_the_worker_chosen(qtbot, open_window, team, database):
    sid = _draft(database, team, team.other_worker_id, discussed=True)
    window = open_window(team.manager_id)
    page = window.show_page("my_team", focus=True)
    settle(qtbot, window)
    table = page.form.workerTable
    select_row(table, lambda r: r.worker_id == team.other_worker_id)
    first = table.model().index(0, 0)
    assert table.currentIndex().row() != first.row()
    window.open_session(sid)
    settle(qtbot, window)
    window.go_back()
    settle(qtbot, window)
    assert window.form.pageStack.currentWidget() is page
    row = table.model().row_for(table.currentIndex())
    assert row.worker_id == team.other_worker_id


def test_zero_counts_and_no_response_in_words(qtbot, open_window, team, database):
    sid = _draft(database, team, discussed=True)
    with database.transaction() as s:
        sr.share_session(s, sr.load_actor(s, team.manager_id), sid)
    window = open_window(team.manager_id)
    page = window.show_page("my_team")
    settle(qtbot, window)
    model = page.form.workerTable.model()
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    texts = [model.index(r, c).data() for r in range(model.rowCount()) for c in range(len(headers))]
    assert "–" not in texts and "-" not in texts
    disagreed = headers.index("Disagreed")
    assert {model.index(r, disagreed).data() for r in range(model.rowCount())} == {"0"}
    window.close()
    worker = open_window(team.worker_id)
    mine = worker.show_page("my_supervision")
    settle(qtbot, worker)
    records = mine.form.recordsTable.model()
    headers = [records.headerData(c, Qt.Orientation.Horizontal) for c in range(records.columnCount())]
    assert records.index(0, headers.index("Response")).data() == "No response"


def test_sync_now_is_off_with_a_reason_until_signed_in(qtbot, open_window, team):
    window = open_window(team.manager_id)
    controller = window.sync
    qtbot.waitUntil(lambda: controller.syncs_run >= 1 and not controller.syncing)
    action = controller.sync_now_action
    assert not action.isEnabled()
    assert action.toolTip() == NOT_SIGNED_IN
    button = window.findChild(QToolButton, "syncNowButton")
    assert button.accessibleDescription() == NOT_SIGNED_IN


def test_message_boxes_show_only_with_words(qtbot, open_window, team):
    window = open_window(team.manager_id)
    sign_in = ServerSignInDialog(window.sync, parent=window)
    sign_in.show()
    qtbot.wait(20)
    assert not sign_in.form.signInMessage.isVisible()
    sign_in.reject()
    conflicts = SyncConflictsDialog(window.sync, parent=window)
    conflicts.show()
    qtbot.waitUntil(lambda: not conflicts.busy)
    label = conflicts.form.messageLabel
    assert label.text() == "There are no changes to choose between."
    assert label.isVisible() and label.property("tone") == "info"  # not drawn as a warning
    assert accessible_name(label) == label.text()
    conflicts.reject()


def test_menus_file_first_help_last(qtbot, open_window, team):
    window = open_window(team.manager_id)
    titles = [a.text() for a in window.menuBar().actions() if a.menu() is not None]
    assert titles[0] == "&File" and titles[-1] == "&Help", titles
    quit_action = window.quit_action
    assert quit_action.shortcut() == QKeySequence("Ctrl+Q")
    assert quit_action in window.menuBar().actions()[0].menu().actions()


def _background(widget) -> QColor:
    image = widget.grab().toImage()
    return image.pixelColor(image.width() // 2, image.height() // 2)


def test_oversight_decision_and_rationale_look_editable(qtbot, open_window, team):
    window = open_window(team.manager_id)
    dialog = window.open_note(child_id=team.child_ids[0])
    settle(qtbot, window)
    grey = QColor("#f3f4f6")
    for box in (dialog.form.decisionEdit, dialog.form.rationaleEdit):
        assert not box.isReadOnly()
        assert _background(box) != grey, box.objectName()
    dialog.accept()
    settle(qtbot, window)


def test_signatures_in_plain_words():
    def report(**kw):
        base = dict(signer_common_name="Morgan Manager", signing_time=None, intact=True, valid=True,
                    trusted=True, revoked=False, modified_after=False, disallowed_changes_after=False,
                    problems=[], level="B-B", proven_at=None, proven_by="", revoked_at=None,
                    revoked_after_signing=False)
        return SimpleNamespace(**{**base, **kw})

    headers = [c.title for c in SIGNATURE_COLUMNS]
    assert "Unchanged since" not in headers and "Changed after" not in headers

    def words(r):
        return [(c.text or c.value)(r) for c in SIGNATURE_COLUMNS[2:]]

    assert words(report()) == ["Not changed", "Checks out", "Not yet (time stamped when it reaches the server)",
                               "B-B: no proof of time yet", "From your organisation, valid when it signed",
                               "None"]
    proven = report(level="B-LTA", proven_at=datetime(2026, 7, 1, 9, 0, tzinfo=timezone.utc),
                    proven_by="signature time stamp", revoked_at=datetime(2027, 1, 4, 9, 0, tzinfo=timezone.utc),
                    revoked_after_signing=True)
    assert words(proven)[2:5] == ["01/07/2026 10:00 (signature time stamp)",
                                  "B-LTA: time stamped, checking data kept and time stamped",
                                  "Valid when it signed; revoked since, on 04/01/2027 09:00"]
    assert words(report(modified_after=True))[0] == "Not changed; the next person signed"
    assert words(report(modified_after=True, disallowed_changes_after=True))[0] == "Changed after signing"
    everything = [w for r in (report(), report(valid=False, trusted=False), report(revoked=True))
                  for w in words(r)]
    assert not {"Yes", "NO", "YES"} & set(everything)


def test_as_lists_who_is_in_the_directory(database, team):
    listed = _people_listed(database)
    assert "morgan" in listed and "Team manager" in listed and "ben" in listed


def test_the_auditors_reading_view_prints_the_vocabulary_words(database, team):
    from supervision_app.gui.audit_page import _session_html
    from supervision_app.store import queries

    sid = _draft(database, team, discussed=True)
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        sr.update_session(s, manager, sid, {"caseload_complexity": "high", "capacity": "at_capacity"})
        html = _session_html(queries.session_detail(s, manager, sid))
    assert "At capacity" in html and "High" in html and "Not recorded" in html  # caseload left blank
    assert "at_capacity" not in html and "at capacity" not in html

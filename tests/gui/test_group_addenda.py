"""An addendum to a locked group session through the real widgets (issue 21: group records
lock when signed; addenda as for records). Until everyone present has signed there is no
way to add one; then the worker who was present opens the session from My supervision,
reaches "Add addendum…" by keyboard, writes and signs one; its own signed PDF checks out
in its Signatures dialog; the manager, on My team, sees it under the session, signed and
locked, and may add their own; the worker who sent apologies reads it but adds none."""
from __future__ import annotations

from datetime import date, datetime, timezone

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton

from supervision_app.domain.group_supervision import Attendance
from supervision_app.gui.group_dialogs import GroupPractice, GroupSessionDialog, GroupSessionsDialog
from supervision_app.gui.signing import AddendumDialog, SignaturesDialog, ensure_credentials
from supervision_app.records.group_signoff import sign_group_session
from supervision_app.store import group_records as gr
from supervision_app.store.supervision_records import load_actor
from tests.gui.helpers import click, focused_name, settle
from tests.gui.signing_steps import answer_confirmation

HELD = datetime(2026, 11, 5, 10, tzinfo=timezone.utc)


def _dialog(kind):
    (found,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
    return found


def _open_group(qtbot, window, page_name: str, team: bool) -> GroupSessionDialog:
    page = window.show_page(page_name)
    settle(qtbot, window)
    groups = getattr(page, "groups", None) or GroupPractice(page, team)
    settle(qtbot, window)
    click(qtbot, window, groups.button)
    listing = _dialog(GroupSessionsDialog)
    qtbot.waitUntil(lambda: listing.model.rowCount() == 1)
    listing.table.selectRow(0)
    click(qtbot, window, listing.openButton)
    dialog = _dialog(GroupSessionDialog)
    qtbot.waitUntil(lambda: dialog.detail is not None and dialog.detail.group_id is not None)
    settle(qtbot, window)
    listing.accept()
    return dialog


def _tab_to(qtbot, dialog, target, limit: int = 60) -> None:
    """Press Tab from the dialog's first control until ``target`` has the focus."""
    dialog.activateWindow()
    dialog.themesEdit.setFocus()  # read-only once signed, still in the Tab order
    for _ in range(limit):
        if QApplication.focusWidget() is target:
            return
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {target.objectName()} (stopped at {focused_name()})")


def test_an_attendee_adds_a_signed_addendum_to_the_locked_session(qtbot, team, open_window, database):
    window = open_window(team.manager_id)
    worker_window = open_window(team.worker_id)
    with database.transaction() as s:
        who = load_actor(s, team.manager_id)
        gid = gr.create_group_session(
            s, who, attendees={team.worker_id: Attendance.PRESENT, team.other_worker_id: Attendance.APOLOGIES},
            held_at=HELD, duration_minutes=90, location="Room 2", themes="Working with chronic neglect")
        gr.add_action(s, who, gid, owner_id=team.worker_id, description="Read the briefing",
                      due_on=date(2026, 12, 1))
    sign_group_session(database, ensure_credentials(window.ctx), group_id=gid, signer_id=team.manager_id)

    dialog = _open_group(qtbot, worker_window, "my_supervision", team=False)
    assert dialog.stateLabel.text().startswith("Signed by the supervisor")
    assert not dialog.addAddendumButton.isVisible()  # not locked until the worker has signed
    sign_group_session(database, ensure_credentials(worker_window.ctx), group_id=gid, signer_id=team.worker_id)
    dialog.accept()

    dialog = _open_group(qtbot, worker_window, "my_supervision", team=False)
    assert dialog.stateLabel.text() == "Signed by everyone present and locked."
    assert dialog.addAddendumButton.isVisible() and not dialog.addendaTable.isVisible()
    assert dialog.addAddendumButton.accessibleName()
    # every visible button's Alt key is its own
    keys = [b.text().split("&")[1][0].lower() for b in dialog.findChildren(QPushButton)
            if b.isVisible() and "&" in b.text()]
    assert len(keys) == len(set(keys)), keys
    # by keyboard: Tab reaches it, Space presses it
    _tab_to(qtbot, dialog, dialog.addAddendumButton)
    qtbot.keyClick(dialog.addAddendumButton, Qt.Key.Key_Space)
    settle(qtbot, worker_window)
    addendum = _dialog(AddendumDialog)
    assert addendum.windowTitle() == "Addendum — the group session held by Morgan Manager on 05/11/2026"
    qtbot.keyClicks(addendum.bodyEdit, "The family speaks Polish at home, not Czech.")
    answer_confirmation(qtbot)
    click(qtbot, worker_window, addendum.signButton)
    qtbot.waitUntil(lambda: addendum.messageLabel.text().startswith("Signed and locked"), timeout=60000)
    assert addendum.bodyEdit.isReadOnly()
    addendum.accept()
    qtbot.waitUntil(lambda: dialog.addenda_model.rowCount() == 1, timeout=10000)
    assert dialog.addendaTable.isVisible()
    assert dialog.addendaTable.accessibleName() == "Addenda to this group session"
    row = dialog.addenda_model.rows[0]
    assert row.author_name == "Ben Steady" and row.signed_at is not None

    click(qtbot, worker_window, dialog.addendumSignaturesButton)
    signatures = _dialog(SignaturesDialog)
    qtbot.waitUntil(lambda: "intact, valid and trusted" in signatures.summaryLabel.text(), timeout=60000)
    assert [s.signer_common_name for s in signatures.report.signatures] == ["Ben Steady"]
    signatures.accept()
    dialog.accept()

    # the supervisor sees it under the session, and may add their own
    theirs = _open_group(qtbot, window, "my_team", team=True)
    qtbot.waitUntil(lambda: theirs.addenda_model.rowCount() == 1, timeout=10000)
    assert "Polish at home" in theirs.addenda_model.rows[0].body
    assert theirs.addAddendumButton.isVisible()
    click(qtbot, window, theirs.openAddendumButton)
    opened = _dialog(AddendumDialog)
    assert opened.bodyEdit.isReadOnly() and not opened.signButton.isVisible()
    assert opened.messageLabel.text().startswith("Signed and locked by Ben Steady")
    opened.accept()
    theirs.accept()

    # the worker who sent apologies reads it, but signed nothing to amend
    absent = _open_group(qtbot, open_window(team.other_worker_id), "my_supervision", team=False)
    qtbot.waitUntil(lambda: absent.addenda_model.rowCount() == 1, timeout=10000)
    assert not absent.addAddendumButton.isVisible()
    absent.accept()


def test_search_finds_the_addendum_and_enter_opens_the_group_session(qtbot, team, open_window, database):
    """The manager above (service manager) finds the signed addendum on the Search page, and
    Enter on the hit opens the group session with the addendum listed."""
    from supervision_app.domain.group_supervision import GROUP_KIND
    from supervision_app.records.signoff import create_addendum, sign_addendum
    from tests.gui.test_search_practice_records import _shown, _type_search

    window = open_window(team.service_manager_id)
    store = ensure_credentials(window.ctx)
    store.ensure_local_credentials(team.manager_id, "Morgan Manager", "team_manager")
    store.ensure_local_credentials(team.worker_id, "Ben Steady", "social_worker")
    with database.transaction() as s:
        gid = gr.create_group_session(
            s, load_actor(s, team.manager_id), attendees={team.worker_id: Attendance.PRESENT},
            held_at=HELD, duration_minutes=90, location="Room 2", themes="Working with chronic neglect")
    for person in (team.manager_id, team.worker_id):
        sign_group_session(database, store, group_id=gid, signer_id=person)
    with database.transaction() as s:
        addendum_id = create_addendum(s, author_id=team.manager_id, record_kind=GROUP_KIND, record_id=gid,
                                      body="The interpreter must speak Polish")
    sign_addendum(database, store, addendum_id=addendum_id, signer_id=team.manager_id)

    page = _type_search(qtbot, window, "interpreter")
    assert _shown(page) == [("Addendum to group supervision led by Morgan Manager", "Addendum")]
    page.form.resultsTable.setFocus()
    page.form.resultsTable.setCurrentIndex(page.model.index(0, 0))
    qtbot.keyClick(page.form.resultsTable, Qt.Key.Key_Return)  # Enter opens the result
    qtbot.waitUntil(lambda: any(isinstance(w, GroupSessionDialog) and w.isVisible()
                                for w in QApplication.topLevelWidgets()), timeout=10000)
    dialog = _dialog(GroupSessionDialog)
    qtbot.waitUntil(lambda: dialog.addenda_model.rowCount() == 1, timeout=10000)
    assert dialog.addenda_model.rows[0].addendum_id == addendum_id
    assert not dialog.addAddendumButton.isVisible()  # a manager above was not in the group
    dialog.reject()

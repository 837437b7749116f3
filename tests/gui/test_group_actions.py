"""A worker's own group action through the real widgets (issue 21): once the supervisor
has signed the group session, it is listed on My supervision with their other actions;
they open the group session, choose their own row, set its status to Done with the
keyboard and the button, and it leaves their open actions. Another attendee's row offers
no status to set."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from supervision_app.gui.group_dialogs import ACTION, NAME, GroupSessionDialog, GroupSessionsDialog
from supervision_app.records.group_signoff import sign_group_session
from supervision_app.store.group_models import GroupAction
from supervision_app.store.models import Staff
from tests.gui.helpers import click, settle
from tests.store.test_group_records import _credentials, _group


def _dialog(kind):
    return next(w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible())


def _open_actions(page) -> list[str]:
    model = page.actions_model
    return [model.row_at(r).source for r in range(model.rowCount())]


def test_worker_marks_their_group_action_done_from_the_group_session(qtbot, database, team, open_window):
    gid = _group(database, team)
    sign_group_session(database, _credentials(database, team), group_id=gid, signer_id=team.manager_id)
    with database.reading() as s:
        me = s.get(Staff, team.worker_id).display_name
        mine = next(a.id for a in s.query(GroupAction).filter_by(group_session_id=gid, owner_id=team.worker_id))
    window = open_window(team.worker_id)
    page = window.show_page("my_supervision")
    settle(qtbot, window)
    assert "Group supervision 05/11/2026" in _open_actions(page)
    assert "1 open action" in page.form.summaryLabel.text()

    click(qtbot, window, page.groups.button)
    listing = _dialog(GroupSessionsDialog)
    qtbot.waitUntil(lambda: listing.model.rowCount() == 1)
    listing.table.selectRow(0)
    click(qtbot, window, listing.openButton)
    dialog = _dialog(GroupSessionDialog)
    qtbot.waitUntil(lambda: dialog.detail is not None and dialog.detail.group_id == gid)
    rows = {dialog.peopleModel.item(r, NAME).text(): r for r in range(dialog.peopleModel.rowCount())}
    other = next(r for name, r in rows.items() if not name.startswith(me))
    dialog.peopleTable.setCurrentIndex(dialog.peopleModel.index(other, NAME))
    assert not dialog.statusButton.isVisible()  # not theirs to move on

    own = next(r for name, r in rows.items() if name.startswith(me))
    dialog.peopleTable.setCurrentIndex(dialog.peopleModel.index(own, NAME))
    assert dialog.statusButton.isVisible() and dialog.statusCombo.currentData() == "open"
    dialog.statusCombo.setFocus()
    qtbot.keyClick(dialog.statusCombo, Qt.Key.Key_Down)  # Open -> Done
    assert dialog.statusCombo.currentData() == "done"
    click(qtbot, window, dialog.statusButton)
    qtbot.waitUntil(lambda: dialog.messageLabel.text() == "Action updated.")
    settle(qtbot, window)
    with database.reading() as s:
        assert s.get(GroupAction, mine).status == "done"
    assert dialog.peopleModel.item(own, ACTION).text().endswith("(Done)")
    assert dialog.statusCombo.currentData() == "done"  # still their row, after the reload
    dialog.accept()
    listing.accept()
    page.refresh()
    settle(qtbot, window)
    assert "Group supervision 05/11/2026" not in _open_actions(page)

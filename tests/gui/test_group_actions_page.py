"""A worker's group action moved on from My supervision itself (issue 21): 'Open' on the
action opens its group session; 'Set status' marks it done by the group's rule, and it
leaves their open actions."""
from __future__ import annotations

from PySide6.QtWidgets import QApplication

from supervision_app.gui.group_dialogs import GroupSessionDialog
from supervision_app.records.group_signoff import sign_group_session
from supervision_app.store.group_models import GroupAction
from tests.gui.helpers import click, select_row, settle
from tests.store.test_group_records import _credentials, _group


def test_worker_opens_and_closes_their_group_action_from_my_supervision(qtbot, database, team, open_window):
    gid = _group(database, team)
    sign_group_session(database, _credentials(database, team), group_id=gid, signer_id=team.manager_id)
    window = open_window(team.worker_id)
    page = window.show_page("my_supervision")
    settle(qtbot, window)
    f = page.form
    row = select_row(f.actionsTable, lambda a: a.group_session_id == gid)
    click(qtbot, window, f.openActionSourceButton)
    dialog = next(w for w in QApplication.topLevelWidgets()
                  if isinstance(w, GroupSessionDialog) and w.isVisible())
    qtbot.waitUntil(lambda: dialog.detail is not None and dialog.detail.group_id == gid)
    dialog.accept()

    select_row(f.actionsTable, lambda a: a.group_session_id == gid)
    f.actionStatusCombo.setCurrentIndex(f.actionStatusCombo.findData("done"))
    click(qtbot, window, f.setActionStatusButton)
    settle(qtbot, window)
    with database.reading() as s:
        assert s.get(GroupAction, row.action_id).status == "done"
    assert all(page.actions_model.row_at(r).group_session_id != gid for r in range(page.actions_model.rowCount()))

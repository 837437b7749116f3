"""A group session, or one of its actions, opened from the compliance page's list opens the
group session's dialog in the main window (issue 21); before, the window said "That kind of
record cannot be opened here"."""
from __future__ import annotations

from supervision_app.gui.group_dialogs import GroupSessionDialog
from tests.assurance.test_group_sessions_in_figures import _group
from tests.gui.helpers import settle


def _shown_group_dialog(window) -> GroupSessionDialog | None:
    dialog = getattr(window, "group_dialog", None)
    return dialog if isinstance(dialog, GroupSessionDialog) and dialog.isVisible() else None


def test_a_group_session_and_a_group_action_open_the_session(qtbot, open_window, database, team):
    gid, actions = _group(database, team)
    window = open_window(team.manager_id)
    said = []
    window.ctx.notify = said.append

    window.open_record("group_session", gid)
    settle(qtbot, window)
    dialog = _shown_group_dialog(window)
    assert dialog is not None and dialog.group_id == gid, said
    dialog.close()

    window.open_record("group_action", actions[team.worker_id])
    qtbot.waitUntil(lambda: _shown_group_dialog(window) is not None, timeout=10000)
    assert _shown_group_dialog(window).group_id == gid
    assert not [s for s in said if "cannot be opened" in s]
    _shown_group_dialog(window).close()

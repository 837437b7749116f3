"""The team page's "Waiting for you" list (issue 18, DESIGN.md §1.1): after a worker moves
team their old manager's team table drops them, but the records still waiting for the
manager's own step stay within reach."""
from __future__ import annotations

from supervision_app.store import models as m, supervision_records as sr
from tests.gui.helpers import click, select_row, settle
from tests.gui.sample_team import session_time
from tests.gui.signing_steps import answer_confirmation
from tests.gui.test_keyboard_reach import clashes


def answered(database, team, worker_id) -> str:
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        sid = sr.create_session(s, manager, supervisee_id=worker_id, held_at=session_time(3))
        sr.share_session(s, manager, sid)
    with database.transaction() as s:
        sr.respond(s, sr.load_actor(s, worker_id), sid, comments="Fair", agreement="agrees")
    return sid


def move(database, worker_id, team_id) -> None:
    """As the directory's change arrives by sync (the server's move-user)."""
    with database.transaction() as s:
        s.get(m.Staff, worker_id).team_id = team_id


def test_a_moved_worker_s_record_waiting_for_the_old_manager_is_listed_and_opens(
        qtbot, open_window, team, database):
    waiting = answered(database, team, team.worker_id)
    window = open_window(team.manager_id)
    page = window.pages["my_team"]
    assert not page.form.waitingGroup.isVisible()  # Ben is on the team table: no second list

    move(database, team.worker_id, team.other_team_id)
    page.refresh()
    settle(qtbot, window)
    assert page.form.waitingGroup.isVisible()
    names = [page.waiting_proxy.row_for(page.waiting_proxy.index(r, 0)).supervisee_name
             for r in range(page.waiting_proxy.rowCount())]
    assert names == ["Ben Steady"]
    assert page.form.openWaitingButton.text() == "Open recor&d waiting for you"
    assert clashes(window) == {}  # its Alt+D is the only one on screen
    select_row(page.form.waitingTable, lambda r: r.session_id == waiting)
    click(qtbot, window, page.form.openWaitingButton)
    assert window.editor is not None and window.editor.detail.session_id == waiting


def test_records_waiting_for_the_worker_or_already_signed_are_not_listed(
        qtbot, open_window, team, database):
    with database.transaction() as s:  # shared, not answered, still inside the 5 working days
        manager = sr.load_actor(s, team.manager_id)
        sid = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(1))
        sr.share_session(s, manager, sid)
    move(database, team.worker_id, team.other_team_id)
    window = open_window(team.manager_id)
    page = window.pages["my_team"]
    settle(qtbot, window)
    assert page.waiting_proxy.rowCount() == 0
    assert not page.form.waitingGroup.isVisible()


def test_signing_a_moved_worker_s_record_hands_it_on_and_says_so(qtbot, open_window, team, database):
    """The old manager's signature is their last step: afterwards the record is the new
    manager's to hold, so the editor says where it went and goes back, not "not allowed"."""
    waiting = answered(database, team, team.worker_id)
    move(database, team.worker_id, team.other_team_id)
    window = open_window(team.manager_id)
    page = window.pages["my_team"]
    settle(qtbot, window)
    select_row(page.form.waitingTable, lambda r: r.session_id == waiting)
    click(qtbot, window, page.form.openWaitingButton)
    editor = window.editor
    settle(qtbot, window)
    answer_confirmation(qtbot)
    click(qtbot, window, editor.form.signButton)
    qtbot.waitUntil(lambda: window.form.pageStack.currentWidget() is page, timeout=60000)
    assert "now with Ben Steady's new manager" in window.statusBar().currentMessage()
    assert editor.form.messageLabel.text() == ""
    with database.reading() as s:
        assert s.get(m.SupervisionSession, waiting).state == "supervisor_signed"
    settle(qtbot, window)
    assert page.waiting_proxy.rowCount() == 0

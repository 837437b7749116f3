"""Start-up keeps the database off the GUI thread: from the window's first frame to the team's
rows on screen, every statement runs on a worker (the team page's query included), and the
page's second-rank reads (its agreements line, the reminders) wait until its rows are there,
instead of sharing the CPU with the query the person is waiting for."""
from __future__ import annotations

import threading

from sqlalchemy import event

from supervision_app.gui.app import application, attach_when_open, open_shell
from supervision_app.store import agreement_records, queries, reminder_queries
from tests.gui.helpers import settle


def _start(qtbot, database, staff_id, when_attached=lambda window: None):
    application()
    window = open_shell()
    qtbot.addWidget(window)
    attached = []

    def on_attached(window):
        attached.append(window)
        when_attached(window)

    startup = attach_when_open(window, lambda: (database, staff_id),
                               on_problem=lambda m, c: attached.append((m, c)),
                               on_attached=on_attached)
    qtbot.waitUntil(lambda: bool(attached), timeout=20000)
    assert attached == [window]
    return window, startup


def test_no_statement_runs_on_the_gui_thread_until_the_team_is_on_screen(qtbot, database, team, monkeypatch):
    statements_on_gui_thread = []
    team_queries = []

    def executed(conn, cursor, statement, parameters, context, executemany):
        if threading.current_thread() is threading.main_thread():
            statements_on_gui_thread.append(statement.split(None, 1)[0])  # the verb: no contents

    real_overview = queries.team_overview

    def overview(*args, **kwargs):
        team_queries.append(threading.current_thread() is threading.main_thread())
        return real_overview(*args, **kwargs)

    monkeypatch.setattr(queries, "team_overview", overview)
    event.listen(database.engine, "before_cursor_execute", executed)
    try:
        window, _startup = _start(qtbot, database, team.manager_id)
        page = window.pages["my_team"]
        if not page.model.rows:
            with qtbot.waitSignal(page.loaded, timeout=20000):
                pass
        settle(qtbot, window)
        assert page.model.rowCount() == 3
        window.ctx.tasks.wait()
    finally:
        event.remove(database.engine, "before_cursor_execute", executed)
    assert team_queries and not any(team_queries), "the team query ran on the GUI thread"
    assert statements_on_gui_thread == []


def test_the_team_pages_rows_come_before_its_summaries_and_the_reminders(qtbot, database, team, monkeypatch):
    order = []
    real_team = queries.team_overview
    real_agreements = agreement_records.agreement_overview
    real_reminders = reminder_queries.check_reminders

    def record(name, real):
        def call(*args, **kwargs):
            order.append(f"{name} asked")
            try:
                return real(*args, **kwargs)
            finally:
                order.append(f"{name} answered")
        return call

    monkeypatch.setattr(queries, "team_overview", record("team", real_team))
    monkeypatch.setattr(agreement_records, "agreement_overview", record("agreements", real_agreements))
    monkeypatch.setattr(reminder_queries, "check_reminders", record("reminders", real_reminders))
    # connected as the pages are attached: the rows arrive from a worker through the event
    # loop, so they cannot be shown before this (connecting after _start returned could miss them)
    window, _startup = _start(qtbot, database, team.manager_id, when_attached=lambda window:
                              window.pages["my_team"].loaded.connect(
                                  lambda: order.append("rows shown")))
    page = window.pages["my_team"]
    settle(qtbot, window)
    window.ctx.tasks.wait()
    assert page.model.rowCount() == 3
    assert "Agreements to write or review" in page.practice.label.text() or \
        "Every supervision agreement is in place" in page.practice.label.text()
    # the page's own query is the first thing asked, and answered before anything else is asked
    assert order[:3] == ["team asked", "team answered", "rows shown"], order
    assert "agreements asked" in order and "reminders asked" in order


def test_a_window_closed_before_its_first_page_loaded_never_starts_syncing(qtbot, database):
    """The first sync waits for the first page's rows; a window closed sooner has shut its
    sync down, and the late start must not begin a sync the closing no longer waits for."""
    from supervision_app.gui.sync_panel import SyncController

    application()
    controller = SyncController(database, server_url="")
    controller.shutdown()
    controller.start()
    assert not controller.syncing and not controller._timer.isActive()

"""Issue 19's rule "a label is heard by what it shows, a combo box by its label" holds in
every dialog, not only the ones test_screen_reader_text walks: cancellation, agreement
(manager and worker), feedback, group sessions, chronology export, the records behind a
figure, the crash dialog, and the auditor's page with a round drawn."""
from __future__ import annotations

from supervision_app.store import supervision_records as sr
from tests.gui.helpers import settle
from tests.gui.sample_team import session_time
from tests.gui.test_screen_reader_text import check


def _shared_record(database, team) -> str:
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        sid = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(3))
        disc = sr.add_case_discussion(s, manager, sid, "CS-1003")
        sr.update_case_discussion(s, manager, disc, {"decision": "Keep", "rationale": "Stable"})
        sr.share_session(s, manager, sid)
    return sid


def _walk(qtbot, window, dialogs, problems: list[str]) -> None:
    for dialog in dialogs:
        if dialog is None:
            continue
        dialog.show()
        settle(qtbot, window)
        check(dialog, problems)
        dialog.reject()
    settle(qtbot, window)


def test_every_other_dialog_is_heard_by_what_it_shows(qtbot, open_window, team, database):
    from supervision_app.gui.assurance_page import RecordsDialog
    from supervision_app.gui.group_dialogs import GroupSessionDialog, GroupSessionsDialog
    from supervision_app.gui.practice_dialogs import (
        AgreementDialog,
        CancellationDialog,
        FeedbackDialog,
    )

    shared = _shared_record(database, team)
    problems: list[str] = []
    window = open_window(team.manager_id)
    settle(qtbot, window)
    ctx = window.ctx
    _walk(qtbot, window, [
        CancellationDialog(ctx, team.worker_id, "Ben Steady", parent=window),
        AgreementDialog(ctx, team.worker_id, "Ben Steady", parent=window),
        GroupSessionsDialog(ctx, parent=window),
        GroupSessionDialog(ctx, parent=window),
        window.open_chronology_export(team.child_ids[0], "a child"),
        window.open_chronology_export(None),
        RecordsDialog("Overdue actions", [], window.open_record, window),
    ], problems)
    window.close()

    worker = open_window(team.worker_id)
    settle(qtbot, worker)
    _walk(qtbot, worker, [
        AgreementDialog(worker.ctx, team.worker_id, "Ben Steady", parent=worker),
        FeedbackDialog(worker.ctx, shared, "supervision", parent=worker),
    ], problems)
    assert not problems, "\n".join(problems)


def test_the_crash_dialog_is_heard_by_what_it_shows(qtbot, tmp_path):
    """The log file's place is what a person must send to IT: a fixed name "Log file
    location" hid it from a screen reader, as "What happened and what to do" hid the advice."""
    from supervision_app.gui.crash_dialog import CrashDialog

    problems: list[str] = []
    for log_file in (tmp_path / "logs" / "app.log", None):
        dialog = CrashDialog("Traceback: details", log_file)
        qtbot.addWidget(dialog)
        dialog.show()
        check(dialog, problems)
        dialog.reject()
    assert not problems, "\n".join(problems)


def test_the_auditors_page_is_heard_by_what_it_shows(qtbot, database):
    from tests.assurance.world import build_world
    from tests.gui.page_steps import auditor_page

    page = auditor_page(qtbot, database, build_world(database))
    qtbot.waitUntil(lambda: page.report is not None and bool(page._answer_combos), timeout=20000)
    problems: list[str] = []
    for index in range(page.form.tabs.count()):
        page.form.tabs.setCurrentIndex(index)
        qtbot.wait(50)
        check(page, problems)
    page.tasks.wait(10000)
    assert not problems, "\n".join(problems)

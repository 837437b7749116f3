"""The chronology export, the calendar invitation and the reminder settings, through the
real widgets: buttons reached from the child's page, the team page and the File menu."""
from __future__ import annotations

import csv
import io

from icalendar import Calendar
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from supervision_app.domain.reminders import ReminderKind
from supervision_app.store.reminder_queries import enabled_reminders
from tests.gui.helpers import click, select_row, settle
from tests.records.chronology_world import NOTE_DECISION, WELLBEING


def _wait_export(qtbot, window, dialog):
    with qtbot.waitSignal(dialog.finished_export, timeout=60000) as blocker:
        qtbot.mouseClick(dialog.exportButton, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    return blocker.args[0]


def test_the_worker_exports_their_childs_chronology_from_the_childs_page(qtbot, open_window, chronology_world,
                                                                         tmp_path):
    window = open_window(chronology_world.team.worker_id)
    window.open_child(chronology_world.child_id)
    settle(qtbot, window)
    page = window.child_page
    button = page.exportChronologyButton
    assert button.isVisible() and button.accessibleName()
    click(qtbot, window, button)
    dialog = window.chronology_dialog
    assert dialog.scopeCombo.currentText().startswith("This child: Casey Test")
    for widget in (dialog.scopeCombo, dialog.sinceEdit, dialog.folderEdit, dialog.exportButton):
        assert widget.accessibleName()
    dialog.folderEdit.setText(str(tmp_path / "out"))
    result = _wait_export(qtbot, window, dialog)
    assert result.entries == 2 and "Saved" in dialog.messageLabel.text()
    rows = list(csv.reader(io.StringIO(result.csv.read_bytes().decode("utf-8-sig"))))
    assert [r[3] for r in rows[1:]][1] == NOTE_DECISION
    assert WELLBEING.encode() not in result.csv.read_bytes()
    assert result.pdf.read_bytes().startswith(b"%PDF-")
    dialog.reject()


def test_a_manager_exports_the_team_from_the_file_menu_by_keyboard(qtbot, open_window, chronology_world, tmp_path):
    from supervision_app.domain.time_rules import london_date, utc_now

    window = open_window(chronology_world.team.manager_id)
    assert window.chronology_action.shortcut().toString() == "Ctrl+Shift+E"
    window.chronology_action.trigger()
    settle(qtbot, window)
    dialog = window.chronology_dialog
    assert dialog.scopeCombo.count() >= 1 and dialog.scopeCombo.currentData().startswith("team:")
    dialog.folderEdit.setText(str(tmp_path / "team"))
    qtbot.mouseClick(dialog.exportButton, Qt.MouseButton.LeftButton)
    assert "Enter the date" in dialog.messageLabel.text()  # a whole team needs its date
    dialog.sinceEdit.setText(london_date(utc_now()).strftime("%d/%m/%Y"))
    result = _wait_export(qtbot, window, dialog)
    assert len(result.written) == 1
    assert dialog.progress.value() == dialog.progress.maximum() == 1
    dialog.reject()


def test_the_team_page_saves_the_next_supervision_as_an_invitation(qtbot, open_window, chronology_world, tmp_path,
                                                                   monkeypatch):
    target = tmp_path / "next.ics"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    window = open_window(chronology_world.team.manager_id)
    page = window.show_page("my_team")
    settle(qtbot, window)
    select_row(page.form.workerTable, lambda r: r.worker_id == chronology_world.team.other_worker_id)
    assert not page.calendarButton.isEnabled()  # nothing planned for Cara yet
    select_row(page.form.workerTable, lambda r: r.worker_id == chronology_world.team.worker_id)
    assert page.calendarButton.isEnabled() and page.calendarButton.accessibleName()
    click(qtbot, window, page.calendarButton)
    qtbot.waitUntil(target.exists, timeout=10000)
    settle(qtbot, window)
    event = next(iter(Calendar.from_ical(target.read_bytes()).walk("VEVENT")))
    assert str(event["UID"]).startswith(f"next-supervision-{chronology_world.session_id}@")
    assert "Ben Steady" in str(event["SUMMARY"])


def test_reminder_switches_in_settings_are_saved_for_the_person(qtbot, open_window, chronology_world, database):
    window = open_window(chronology_world.team.manager_id)
    settings = window.show_page("settings")
    settle(qtbot, window)
    check = settings.reminder_checks[ReminderKind.ACTIONS_OVERDUE]
    assert check.isChecked() and check.accessibleName().startswith("Remind me")
    check.setFocus()
    qtbot.keyClick(check, Qt.Key.Key_Space)
    settle(qtbot, window)
    with database.reading() as s:
        assert ReminderKind.ACTIONS_OVERDUE not in enabled_reminders(s, chronology_world.team.manager_id)
        assert ReminderKind.AWAITING_SIGNATURE in enabled_reminders(s, chronology_world.team.manager_id)
    settings.refresh()
    settle(qtbot, window)
    assert not check.isChecked()


def test_reminders_at_start_give_counts_only(qtbot, open_window, chronology_world, database):
    from supervision_app.store import supervision_records as sr
    from tests.gui.sample_team import session_time
    from tests.records.steps import share_and_respond

    with database.transaction() as s:
        session_id = sr.create_session(s, sr.load_actor(s, chronology_world.team.manager_id),
                                       supervisee_id=chronology_world.team.other_worker_id, held_at=session_time(2))
    share_and_respond(database, chronology_world.team.manager_id, chronology_world.team.other_worker_id, session_id)
    window = open_window(chronology_world.team.manager_id)
    settle(qtbot, window)
    texts = window.reminders.last_texts
    assert "1 record awaits your signature" in texts
    assert all(WELLBEING not in t and NOTE_DECISION not in t for t in texts)
    with qtbot.assertNotEmitted(window.reminders.shown):
        window.reminders.check()  # a second check the same day brings nothing new
        settle(qtbot, window)
    # a sync brings a second record to sign: the next reminder counts both
    with database.transaction() as s:
        second = sr.create_session(s, sr.load_actor(s, chronology_world.team.manager_id),
                                   supervisee_id=chronology_world.team.asye_worker_id, held_at=session_time(1))
    share_and_respond(database, chronology_world.team.manager_id, chronology_world.team.asye_worker_id, second)
    with qtbot.waitSignal(window.reminders.shown, timeout=10000) as blocker:
        window.sync.sync_finished.emit(None, None)  # what the sync controller says after a sync
    assert "2 records await your signature" in blocker.args[0]


def test_the_session_editor_saves_its_next_date_as_an_invitation_by_keyboard(qtbot, open_window, team,
                                                                             database, tmp_path, monkeypatch):
    from datetime import date, timedelta

    from PySide6.QtWidgets import QApplication

    from supervision_app.store import supervision_records as sr
    from tests.gui.sample_team import session_time

    target = tmp_path / "editor.ics"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    with database.transaction() as s:
        sid = sr.create_session(s, sr.load_actor(s, team.manager_id), supervisee_id=team.worker_id,
                                held_at=session_time(1, hour=14))
    window = open_window(team.manager_id)
    editor = window.open_session(sid)
    settle(qtbot, window)
    next_day = date.today() + timedelta(days=27)
    editor.form.nextDateEdit.setFocus()
    qtbot.keyClicks(editor.form.nextDateEdit, next_day.strftime("%d/%m/%Y"))
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is editor.calendarButton  # next in Tab order
    qtbot.keyClick(editor.calendarButton, Qt.Key.Key_Space)
    qtbot.waitUntil(target.exists, timeout=10000)
    settle(qtbot, window)
    event = next(iter(Calendar.from_ical(target.read_bytes()).walk("VEVENT")))
    assert str(event["UID"]) == f"next-supervision-{sid}@supervision-recorder.invalid"
    assert event.decoded("DTSTART").date() == next_day

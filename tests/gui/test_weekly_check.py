"""The app checks its profile once a week in the background (issue 16): when due and not
otherwise (an injected clock), remembering the last run in the profile's settings, and it
speaks only when something is wrong."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from PySide6.QtWidgets import QMessageBox

from supervision_app.gui.weekly_check import LAST_RUN_KEY, WeeklyProfileCheck
from supervision_app.store.audit_log import record_event
from supervision_app.store.models import ProfileSetting

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


def _run(qtbot, window, database, now: datetime):
    check = WeeklyProfileCheck(window, database, clock=lambda: now, delay_ms=0)
    with qtbot.waitSignal(check.finished, timeout=30000) as finished:
        check.start()
    return check, finished.args[0]


def _viewed(database, team, times: int = 3) -> None:
    """The manager looked at records: the audit log has entries."""
    with database.transaction() as s:
        for _ in range(times):
            record_event(s, actor_id=team.manager_id, action="view", record_kind="child",
                         record_id=team.outsider_child_id)


def _last_run(database) -> str | None:
    with database.reading() as s:
        row = s.get(ProfileSetting, LAST_RUN_KEY)
        return row.value if row else None


def _tamper(database) -> None:
    raw = database.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("DROP TRIGGER audit_entry_no_update")
        cur.execute("UPDATE audit_entry SET action = 'export' WHERE seq = 1")
        raw.commit()
    finally:
        raw.close()


def test_the_window_schedules_the_check_when_it_is_attached(open_window, team):
    window = open_window(team.manager_id)
    assert window.findChild(WeeklyProfileCheck, "weeklyProfileCheck") is not None


def test_it_runs_when_due_and_not_otherwise(qtbot, open_window, team, database):
    _viewed(database, team)
    window = open_window(team.manager_id)
    _check, first = _run(qtbot, window, database, MONDAY)
    assert first is not None and first.ok and first.audit.entries_checked >= 1
    assert _last_run(database) == MONDAY.isoformat()

    _check, again = _run(qtbot, window, database, MONDAY + timedelta(days=6, hours=23))
    assert again is None  # not a week yet: nothing ran, nothing changed
    assert _last_run(database) == MONDAY.isoformat()

    week_later = MONDAY + timedelta(days=7)
    check, due = _run(qtbot, window, database, week_later)
    assert due is not None and due.ok
    assert _last_run(database) == week_later.isoformat()
    assert check.message is None  # all well: nothing is said


def test_a_problem_is_told_in_words_with_it_to_be_told(qtbot, open_window, team, database):
    _viewed(database, team)
    window = open_window(team.manager_id)
    _tamper(database)
    check, result = _run(qtbot, window, database, MONDAY)
    assert result is not None and not result.ok
    box = window.findChild(QMessageBox, "profileCheckMessage")
    assert box is check.message and box.isVisible()
    assert "audit log has been changed outside the app" in box.text()
    assert "entry 1" in box.text() and "Tell IT" in box.text()
    assert box.accessibleName()
    box.close()

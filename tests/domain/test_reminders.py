"""Reminder rules: counts only, each item at most once a day, switched off per kind."""
from __future__ import annotations

from datetime import date

from supervision_app.domain.reminders import Reminder, ReminderKind, item_key, reminder_text, reminders_due

DAY = date(2026, 11, 20)
ALL = list(ReminderKind)


def test_the_words_are_counts():
    assert reminder_text(ReminderKind.AWAITING_SIGNATURE, 2) == "2 records await your signature"
    assert reminder_text(ReminderKind.AWAITING_SIGNATURE, 1) == "1 record awaits your signature"
    assert reminder_text(ReminderKind.ACTIONS_OVERDUE, 3) == "3 of your actions are overdue"


def test_an_item_is_brought_up_once_a_day_and_again_the_next_day():
    found = {ReminderKind.AWAITING_SIGNATURE: {"r1", "r2"}}
    first, log = reminders_due(found, enabled=ALL, shown={}, today=DAY)
    assert first == [Reminder(ReminderKind.AWAITING_SIGNATURE, 2)]
    again, log = reminders_due(found, enabled=ALL, shown=log, today=DAY)
    assert again == []
    tomorrow, _ = reminders_due(found, enabled=ALL, shown=log, today=date(2026, 11, 21))
    assert tomorrow == [Reminder(ReminderKind.AWAITING_SIGNATURE, 2)]


def test_a_new_item_the_same_day_is_mentioned_with_the_whole_count():
    _, log = reminders_due({ReminderKind.ACTIONS_OVERDUE: {"a1"}}, enabled=ALL, shown={}, today=DAY)
    shown, log = reminders_due({ReminderKind.ACTIONS_OVERDUE: {"a1", "a2"}}, enabled=ALL, shown=log, today=DAY)
    assert shown == [Reminder(ReminderKind.ACTIONS_OVERDUE, 2)]
    assert set(log) == {item_key(ReminderKind.ACTIONS_OVERDUE, "a1"), item_key(ReminderKind.ACTIONS_OVERDUE, "a2")}


def test_a_kind_turned_off_is_never_shown_and_yesterdays_log_is_dropped():
    found = {ReminderKind.SUPERVISION_DUE: {"w1"}, ReminderKind.ACTIONS_OVERDUE: {"a1"}}
    old = {item_key(ReminderKind.ACTIONS_OVERDUE, "a1"): date(2026, 11, 19)}
    shown, log = reminders_due(found, enabled=[ReminderKind.ACTIONS_OVERDUE], shown=old, today=DAY)
    assert shown == [Reminder(ReminderKind.ACTIONS_OVERDUE, 1)]
    assert log == {item_key(ReminderKind.ACTIONS_OVERDUE, "a1"): DAY}

"""What the desktop reminders count for each person, on a pinned day, made through the
write services (no state set by hand)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from supervision_app.domain.reminders import Reminder, ReminderKind
from supervision_app.domain.time_rules import LONDON
from supervision_app.store import (
    agreement_records,  # noqa: F401  (the agreements source)
    supervision_records as sr,
)
from supervision_app.store.reminder_queries import (
    check_reminders,
    enabled_reminders,
    reminder_items,
    set_reminder_enabled,
)
from tests.gui.sample_team import build_sample_team
from tests.records.steps import share_and_respond

TODAY = date(2026, 11, 20)


def _held(days_ago: int) -> datetime:
    return datetime.combine(TODAY - timedelta(days=days_ago), time(10), LONDON)


@pytest.fixture
def reminder_world(database):
    team = build_sample_team(database, today=TODAY)
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        recent = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=_held(10), today=TODAY)
        sr.add_action(s, manager, session_id=recent, description="Chase the school report",
                      owner_id=team.worker_id, due_on=TODAY - timedelta(days=1))
        older = sr.create_session(s, manager, supervisee_id=team.other_worker_id, held_at=_held(24),
                                  today=TODAY)
    share_and_respond(database, team.manager_id, team.worker_id, recent)
    share_and_respond(database, team.manager_id, team.other_worker_id, older)
    return team, recent, older


def _items(db, staff_id):
    with db.reading() as s:
        return reminder_items(s, sr.load_actor(s, staff_id), TODAY)


def test_the_manager_is_reminded_of_records_to_sign_and_a_worker_due_soon(database, reminder_world):
    team, recent, older = reminder_world
    items = _items(database, team.manager_id)
    assert items[ReminderKind.AWAITING_SIGNATURE] == {recent, older}
    assert items[ReminderKind.SUPERVISION_DUE] == {f"{team.other_worker_id}:{(TODAY + timedelta(days=4)).isoformat()}"}
    assert items[ReminderKind.ACTIONS_OVERDUE] == set()
    # no supervision agreement with anyone yet (issue 21): one to write for each worker
    assert items[ReminderKind.AGREEMENT_REVIEW] == {
        f"{w}:missing" for w in (team.worker_id, team.other_worker_id, team.asye_worker_id)}


def test_the_worker_is_reminded_of_their_overdue_action_not_the_managers_signatures(database, reminder_world):
    team, _recent, _older = reminder_world
    items = _items(database, team.worker_id)
    assert len(items[ReminderKind.ACTIONS_OVERDUE]) == 1
    assert items[ReminderKind.AWAITING_SIGNATURE] == set()  # the supervisor signs first
    assert _items(database, team.outsider_id)[ReminderKind.ACTIONS_OVERDUE] == set()


def test_check_shows_each_kind_once_a_day_and_respects_the_settings(database, reminder_world):
    team, _recent, _older = reminder_world
    with database.transaction() as s:
        first = check_reminders(s, team.manager_id, TODAY)
    assert first == [Reminder(ReminderKind.AWAITING_SIGNATURE, 2), Reminder(ReminderKind.SUPERVISION_DUE, 1),
                     Reminder(ReminderKind.AGREEMENT_REVIEW, 3)]
    assert first[0].text == "2 records await your signature"
    with database.transaction() as s:
        assert check_reminders(s, team.manager_id, TODAY) == []
    with database.transaction() as s:
        set_reminder_enabled(s, team.manager_id, ReminderKind.SUPERVISION_DUE, False)
        set_reminder_enabled(s, team.manager_id, ReminderKind.AGREEMENT_REVIEW, False)
    with database.transaction() as s:
        assert ReminderKind.SUPERVISION_DUE not in enabled_reminders(s, team.manager_id)
        assert ReminderKind.SUPERVISION_DUE in enabled_reminders(s, team.worker_id)  # per person
        assert check_reminders(s, team.manager_id, TODAY + timedelta(days=1)) == [
            Reminder(ReminderKind.AWAITING_SIGNATURE, 2)]

"""``time_rules.london_today``: the one place a date is read from the clock (issue 17), in
London whatever the machine's own zone, and pinned with the clock in tests."""
from __future__ import annotations

import time
from datetime import date

from freezegun import freeze_time

from supervision_app.domain.time_rules import london_today


def test_late_on_a_summer_evening_it_is_already_tomorrow_in_london(monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")  # a laptop left on another zone
    time.tzset()
    try:
        with freeze_time("2026-06-30 23:30:00"):  # UTC: 00:30 on 1 July in London (BST)
            assert london_today() == date(2026, 7, 1)
        with freeze_time("2026-12-31 23:30:00"):  # GMT: still 31 December in London
            assert london_today() == date(2026, 12, 31)
    finally:
        monkeypatch.undo()
        time.tzset()

"""Times shown in Europe/London, in the UK's day/month/year order, whatever the season."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from supervision_app.domain.time_rules import LONDON, format_date, format_london, london_date, to_utc


@pytest.mark.parametrize("moment, shown", [
    (datetime(2026, 1, 5, 9, 7, tzinfo=timezone.utc), "05/01/2026 09:07"),  # GMT
    (datetime(2026, 7, 5, 9, 7, tzinfo=timezone.utc), "05/07/2026 10:07"),  # BST
    (datetime(2026, 3, 29, 0, 59, tzinfo=timezone.utc), "29/03/2026 00:59"),  # before the clocks go forward
    (datetime(2026, 3, 29, 1, 0, tzinfo=timezone.utc), "29/03/2026 02:00"),  # after
    (datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc), "31/12/2026 23:30"),
    (datetime(2026, 6, 30, 23, 30, tzinfo=timezone.utc), "01/07/2026 00:30"),  # a new day in London
])
def test_format_london_shows_london_wall_clock(moment, shown):
    assert format_london(moment) == shown


def test_format_london_matches_strftime_through_a_year_of_hours():
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    for hours in range(0, 24 * 366, 7):
        moment = start + timedelta(hours=hours, minutes=hours % 60)
        assert format_london(moment) == moment.astimezone(LONDON).strftime("%d/%m/%Y %H:%M")


def test_format_date_and_empty_values():
    assert format_date(date(2026, 2, 3)) == "03/02/2026"
    assert format_date(None) == "" and format_london(None) == ""


def test_a_time_without_a_zone_is_refused():
    with pytest.raises(ValueError, match="without a zone"):
        to_utc(datetime(2026, 1, 1, 12, 0))
    with pytest.raises(ValueError):
        format_london(datetime(2026, 1, 1, 12, 0))


def test_london_date_crosses_midnight_in_summer():
    assert london_date(datetime(2026, 6, 30, 23, 30, tzinfo=timezone.utc)) == date(2026, 7, 1)

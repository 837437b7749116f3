"""Small parts of every generated row: ids drawn from a seeded stream, times of day in
London, working days, and the sync columns each row carries.
"""
from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Any

from ..domain.time_rules import LONDON
from ..domain.working_days import is_working_day

UTC = timezone.utc


def random_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def london_time(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON).astimezone(UTC)


def working_day_on_or_before(day: date) -> date:
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def working_day_on_or_after(day: date) -> date:
    """The working day a manager would book for a session due on ``day`` (no weekends or
    bank holidays: a demo record saying 'Next supervision: Saturday' looks made up)."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def synced_columns(row_id: str, at: datetime, by: str | None) -> dict[str, Any]:
    return {"id": row_id, "version": 1, "updated_at": at, "updated_by": by, "tombstone": False}

"""Record timeliness in working days (England and Wales bank holidays).

A draft should be shared within 5 working days of the session, and the supervisee has 5
working days after sharing to comment and sign. Bank holidays come from the ``holidays``
package so they stay right without anyone keeping a list.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays

SHARE_WITHIN_WORKING_DAYS = 5
SIGN_WITHIN_WORKING_DAYS = 5


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    # England and Wales share one set of bank holidays.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: date, count: int) -> date:
    """The date ``count`` working days after ``start`` (``start`` itself not counted)."""
    if count < 0:
        raise ValueError("count must not be negative")
    day = start
    remaining = count
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 if end <= start)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


@dataclass(frozen=True)
class RecordDeadlines:
    share_by: date
    sign_by: date | None  # known once the record is shared


def record_deadlines(held_on: date, shared_on: date | None) -> RecordDeadlines:
    share_by = add_working_days(held_on, SHARE_WITHIN_WORKING_DAYS)
    sign_by = add_working_days(shared_on, SIGN_WITHIN_WORKING_DAYS) if shared_on else None
    return RecordDeadlines(share_by=share_by, sign_by=sign_by)

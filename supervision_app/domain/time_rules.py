"""Times are stored in UTC and shown in Europe/London (DESIGN.md §3 rule 9)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def london_today() -> date:
    """Today's date in London (never the machine's own zone's): the one place a date is read
    from the clock, so tests that pin ``utc_now`` pin it too."""
    return london_date(utc_now())


def to_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("a time without a zone cannot be stored; say whether it is UTC or London")
    return moment.astimezone(timezone.utc)


def london(moment: datetime) -> datetime:
    return to_utc(moment).astimezone(LONDON)


def london_date(moment: datetime) -> date:
    return london(moment).date()


def format_london(moment: datetime | None) -> str:
    if moment is None:
        return ""
    # formatted by hand, not strftime: lists format a date for every row they show, and
    # strftime imports ``time`` on each call, which under PySide6's import hook is most of it
    t = london(moment)
    return f"{t.day:02d}/{t.month:02d}/{t.year:04d} {t.hour:02d}:{t.minute:02d}"


def format_date(day: date | None) -> str:
    return "" if day is None else f"{day.day:02d}/{day.month:02d}/{day.year:04d}"

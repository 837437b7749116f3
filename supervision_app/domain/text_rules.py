"""Limits and parsing for what people type: text sizes, dates, safety scale."""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from ..errors import AppError

MAX_TEXT_CHARS = 100_000
"""Longest text a single field accepts: about 40 printed pages, far beyond any real note,
small enough that a paste of a whole case file is caught rather than stored."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class InvalidInput(AppError, ValueError):
    """Input that cannot be accepted; the message says what is wrong in plain words."""


def clean_text(field_label: str, text: str | None) -> str:
    """Strip control characters (they cannot be printed or signed reliably) and enforce
    the size limit. Never truncates silently."""
    if text is None:
        return ""
    cleaned = _CONTROL.sub("", text)
    if len(cleaned) > MAX_TEXT_CHARS:
        raise InvalidInput(
            f"{field_label} is {len(cleaned):,} characters long; the limit is "
            f"{MAX_TEXT_CHARS:,}. Please shorten it or attach the detail elsewhere."
        )
    return cleaned


LETTERS_WITH_BUILT_IN_MARKS = "ŁłØøĐđÐðĦħŦŧıÆæŒœÞþßẞ"
"""Letters whose mark is part of the letter, not an accent Unicode can take off: the search
index's tokenizer keeps them, so the index also holds text with them spelt plainly
(migration 0008)."""

# (after casefold, which has already made ẞ/ß "ss")
_BASE_LETTERS = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ŧ": "t",
                               "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"})


def search_fold(text: str) -> str:
    """Text as name lookups and list filters compare it: without case or accents, so that
    "zoe" finds Zoë, "sian" Siân and "lukasz" Łukasz, however the name was typed in."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_BASE_LETTERS)


def text_sort_key(text: str) -> str:
    """How lists order text: by its letters without case or accents, so Émile sorts among
    the Es and Łukasz among the Ls (a plain casefold puts both after Z); text that folds
    the same is then ordered as written, so the order never depends on the rows' arrival."""
    return search_fold(text) + "\0" + text.casefold()


_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")
PLAUSIBLE_YEARS = (2000, 2099)  # for any date typed into a record


def parse_date(field_label: str, text: str) -> date:
    """A date typed as dd/mm/yyyy (or ISO yyyy-mm-dd); a clear message otherwise."""
    raw = (text or "").strip()
    if not raw:
        raise InvalidInput(f"{field_label} is empty; enter a date as dd/mm/yyyy.")
    for fmt in _FORMATS:
        try:
            day = datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
        if not PLAUSIBLE_YEARS[0] <= day.year <= PLAUSIBLE_YEARS[1]:
            # 01/01/0001 or 1926 is a slip of the keyboard, and would sit on a team page
            # and in compliance figures as if it were a real date
            raise InvalidInput(f"{field_label}: {raw} is not between {PLAUSIBLE_YEARS[0]} and "
                               f"{PLAUSIBLE_YEARS[1]}; check the year.")
        return day
    numbers = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", raw)
    if numbers:
        d, m, y = (int(x) for x in numbers.groups())
        raise InvalidInput(f"{field_label}: {raw} is not a real date (day {d}, month {m}, {y}).")
    raise InvalidInput(f"{field_label}: '{raw[:30]}' is not a date; use dd/mm/yyyy.")


def check_safety_scale(value: int | None) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10:
        raise InvalidInput("The safety scale runs from 0 to 10.")
    return value


def check_not_future(field_label: str, day: date, today: date) -> date:
    if day > today:
        raise InvalidInput(f"{field_label} ({day:%d/%m/%Y}) is in the future.")
    return day


def check_order(earlier_label: str, earlier: date, later_label: str, later: date) -> None:
    if later < earlier:
        raise InvalidInput(
            f"{later_label} ({later:%d/%m/%Y}) is before {earlier_label} ({earlier:%d/%m/%Y})."
        )

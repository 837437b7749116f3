"""The values of a pushed row, checked against the domain's vocabularies and sane ranges.

``protocol.check_data`` checks a row's shape (every column, of its type, within the client
database's CHECK constraints); this module checks what the values mean, as the app's own
write paths do before they store anything (``store.supervision_records``, the
cancellation, agreement and feedback paths): a child's legal status is one of the four the
domain knows and their date of birth is not years ahead; a session's type, complexity and
capacity come from their lists; dates typed into a record fall in the years a record can
have and in order (a next supervision not before the session); times a laptop stamps are
not in the future; a recorded disagreement is never taken back or cut short.

Only what a push changes is judged (every field of a new row): a value the server already
holds, accepted before a rule existed or as time has moved on, never stops its holder from
changing something else in the row. Reasons are in words for the person whose laptop sent
the row, and never repeat the value (the server keeps the reason with the mutation).
"""
from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Callable, Iterable, Mapping

from ...domain.cancellations import cancellation_problem
from ...domain.feedback import Answer, Balance
from ...domain.supervision_policy import SupervisionPolicy
from ...domain.text_rules import PLAUSIBLE_YEARS
from ...domain.time_rules import london_date, utc_now
from ...domain.vocabulary import (
    ActionStatus,
    Agreement,
    Capacity,
    Complexity,
    LegalStatus,
    OversightTrigger,
    SessionType,
)
from .. import protocol as p
from .signature_check import CLOCK_SKEW

__all__ = ["value_problem", "LAPTOP_DOCUMENT_STAGES"]

Data = Mapping[str, Any]

#: The stages a laptop's signed copy may name (``records.signoff``); ``archived`` copies are
#: the server's own (``archive``).
LAPTOP_DOCUMENT_STAGES = frozenset({"supervisor_signed", "locked"})
#: A child's record lasts while the council works with them: a care leaver is supported up to
#: 25. An unborn child can be on a plan (a pre-birth assessment): the expected date of birth
#: is then up to 40 weeks ahead.
CHILD_MAX_AGE_YEARS = 26
UNBORN_DAYS = 280
#: Staff started work no earlier than this (the longest-serving staff a directory holds).
EARLIEST_START = date(1950, 1, 1)
MAX_CASELOAD = 500  # as the session editor allows
MAX_POSITION = 10_000  # a case discussion's place in its session

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _labels(values: Iterable[StrEnum]) -> str:
    names = [getattr(v, "label", v.value.replace("_", " ")) for v in values]
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]


def _choice(enum: type[StrEnum], what: str, *, blank: object = object()) -> Callable[[Any], str | None]:
    allowed = {v.value for v in enum} | {blank}

    def check(value: Any) -> str | None:
        if value in allowed:
            return None
        return f"{what} must be {_labels(list(enum))}."
    return check


# (table, field) -> check of that one value: None when it is fine, else why not.
_CHOICES: dict[tuple[str, str], Callable[[Any], str | None]] = {
    ("child", "legal_status"): _choice(LegalStatus, "A child's legal status"),
    ("supervision_session", "session_type"): _choice(SessionType, "The type of session"),
    ("supervision_session", "caseload_complexity"): _choice(
        Complexity, "The caseload complexity", blank=""),
    ("supervision_session", "capacity"): _choice(Capacity, "The worker's capacity", blank=""),
    ("supervision_session", "supervisee_agreement"): _choice(
        Agreement, "The supervisee's answer", blank=None),
    ("oversight_note", "trigger"): _choice(OversightTrigger, "What prompted the oversight"),
    ("action_review", "status"): _choice(ActionStatus, "A reviewed action's status"),
    ("supervisee_feedback", "helpful"): _choice(Answer, "An answer", blank=None),
    ("supervisee_feedback", "emotional_support"): _choice(Answer, "An answer", blank=None),
    ("supervisee_feedback", "reflection_balance"): _choice(Balance, "An answer", blank=None),
}

_NUMBERS: dict[tuple[str, str], tuple[int, int, str]] = {
    ("supervision_session", "caseload_count"): (0, MAX_CASELOAD, "A caseload"),
    ("case_discussion", "position"): (0, MAX_POSITION, "A case discussion's place in the record"),
}

# Text that names something and may not be blank.
_NAMES: dict[tuple[str, str], str] = {
    ("child", "name"): "A child's name", ("child", "case_id"): "A child's case ID",
    ("staff", "display_name"): "A person's name", ("staff", "username"): "A user name",
    ("team", "name"): "A team's name", ("service_area", "name"): "A service area's name",
    ("disagreement_resolution", "note"): "How the disagreement was resolved",
}

# Times a laptop stamps with its own clock when something happens: never in the future.
_STAMPED: frozenset[tuple[str, str]] = frozenset({
    ("supervision_session", "shared_at"), ("oversight_note", "recorded_at"),
    ("action_item", "closed_at"), ("addendum", "created_at"),
    ("supervisee_feedback", "answered_at"), ("disagreement_resolution", "resolved_at"),
    ("signature", "signed_at"), ("record_document", "created_at"),
})
# Dates and times outside the years any record can have (``text_rules.PLAUSIBLE_YEARS``),
# except these, which are judged on their own terms below.
_OWN_RANGE: frozenset[tuple[str, str]] = frozenset({("child", "date_of_birth"), ("staff", "started_on")})

_WORDS = {
    "held_at": "The date of the session", "next_session_on": "The next supervision date",
    "shared_at": "The time the record was shared", "recorded_at": "The time of the note",
    "next_review_on": "The next review date", "due_on": "An action's due date",
    "closed_at": "The time the action was closed", "created_at": "The time it was written",
    "planned_for": "The planned date", "cancelled_on": "The date of the cancellation",
    "rebooked_on": "The rebooked date", "returned_from_leave_on": "The date back from leave",
    "answered_at": "The time of the feedback", "resolved_at": "The time of the resolution",
    "signed_at": "The signing time", "asye_start": "The ASYE start date",
    "last_supervised_on": "The last supervision before this system",
}


def _day(spec: p.FieldSpec, value: str) -> date:
    return date.fromisoformat(value) if spec.kind == "date" else london_date(p.parse_datetime(value))


def _years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _field_problem(table: str, spec: p.FieldSpec, value: Any, now: datetime, today: date) -> str | None:
    key = (table, spec.name)
    choice = _CHOICES.get(key)
    if choice is not None:
        problem = choice(value)
        if problem:
            return problem
    if value is None:
        return None
    if spec.kind == "text":
        if key in _NAMES and not value.strip():
            return f"{_NAMES[key]} cannot be blank."
        if _CONTROL.search(value):
            return ("The text holds control characters, which cannot be printed or signed "
                    "reliably; remove them and save again.")
    if key in _NUMBERS:
        low, high, what = _NUMBERS[key]
        if not low <= value <= high:
            return f"{what} must be between {low} and {high}."
    if spec.kind not in ("date", "datetime"):
        return None
    day = _day(spec, value)
    words = _WORDS.get(spec.name, "A date")
    if key == ("child", "date_of_birth"):
        if day > today + timedelta(days=UNBORN_DAYS):
            return ("A child's date of birth cannot be more than 40 weeks ahead (an unborn "
                    "child's expected date); check the year.")
        if day < _years_ago(today, CHILD_MAX_AGE_YEARS):
            return (f"A child's date of birth cannot be more than {CHILD_MAX_AGE_YEARS} years ago; "
                    "check the year.")
        return None
    if key == ("staff", "started_on"):
        if not EARLIEST_START <= day <= today + timedelta(days=366):
            return "A start date must be a real one, at most a year ahead; check the year."
        return None
    if key not in _OWN_RANGE and not PLAUSIBLE_YEARS[0] <= day.year <= PLAUSIBLE_YEARS[1]:
        return (f"{words} is not between {PLAUSIBLE_YEARS[0]} and {PLAUSIBLE_YEARS[1]}; "
                "check the year.")
    if key in _STAMPED and p.parse_datetime(value) > now + CLOCK_SKEW:
        return f"{words} is in the future; check this computer's clock."
    if key in (("supervision_session", "held_at"), ("staff", "last_supervised_on")) and \
            day > london_date(now + CLOCK_SKEW):
        return f"{words} is in the future."
    return None


def _row_problem(table: str, data: Data, old: Data | None, changed: set[str], now: datetime) -> str | None:
    """Rules between the fields of one row (and its stored copy)."""
    def touched(*names: str) -> bool:
        return bool(changed & set(names))

    if table == "supervision_session":
        if touched("held_at", "next_session_on") and data["next_session_on"] is not None and \
                date.fromisoformat(data["next_session_on"]) < london_date(p.parse_datetime(data["held_at"])):
            return "The next supervision date is before the date of the session."
        if touched("supervisee_agreement", "disagreement"):
            disagrees = data["supervisee_agreement"] == Agreement.DISAGREES.value
            text_ = data["disagreement"] or ""
            if old is not None and old.get("supervisee_agreement") == Agreement.DISAGREES.value and (
                    not disagrees or not text_.startswith(old.get("disagreement") or "")):
                return ("A disagreement, once recorded, stays on the record and cannot be withdrawn "
                        "or erased: it can only be added to.")
            if disagrees and not text_.strip():
                return "Say what you disagree with, so your manager can respond to it."
            if not disagrees and text_.strip():
                return "A disagreement is written only with the answer 'I disagree'."
    if table == "oversight_note" and touched("recorded_at", "next_review_on") and \
            data["next_review_on"] is not None and \
            date.fromisoformat(data["next_review_on"]) < london_date(p.parse_datetime(data["recorded_at"])):
        return "The next review date is before the date of the note."
    if table == "session_cancellation" and touched(
            "cancelled_by", "reason", "planned_for", "cancelled_on", "rebooked_on"):
        return cancellation_problem(
            data["cancelled_by"], data["reason"], date.fromisoformat(data["planned_for"]),
            date.fromisoformat(data["cancelled_on"]),
            date.fromisoformat(data["rebooked_on"]) if data["rebooked_on"] else None)
    if table == "supervisee_feedback" and changed - {"answered_at"}:
        answers = [data[name] for name in ("helpful", "reflection_balance", "emotional_support")]
        if data["skipped"] and (any(answers) or (data["change_one_thing"] or "").strip()):
            return "Skipped feedback holds no answers."
        if not data["skipped"] and not any(answers):
            return "Answer at least one question, or choose Skip."
    if table == "team" and "supervision_policy" in changed and data["supervision_policy"] is not None:
        try:
            SupervisionPolicy.from_json(json.loads(data["supervision_policy"]))
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            reason = str(error) if isinstance(error, ValueError) and not isinstance(
                error, json.JSONDecodeError) else "it could not be read"
            return f"The team's supervision policy cannot be used: {reason}"
    if table == "record_document" and data["stage"] not in LAPTOP_DOCUMENT_STAGES:
        return "A signed copy names the stage of its signing: signed by the supervisor, or locked."
    return None


def value_problem(table: str, data: Data, old: Data | None, *, now: datetime | None = None) -> str | None:
    """Why the values of a pushed ``table`` row (``data``, after ``protocol.check_data``)
    cannot be stored, in words; None when they can. ``old`` is the server's copy of the row's
    data (None for a new row): only fields that differ from it are judged."""
    now = now or utc_now()
    today = london_date(now)
    changed = {name for name in data if old is None or old.get(name) != data[name]}
    for spec in p.TABLE_FIELDS[table]:
        if spec.name in changed:
            problem = _field_problem(table, spec, data.get(spec.name), now, today)
            if problem:
                return problem
    return _row_problem(table, data, old, changed, now) if changed else None

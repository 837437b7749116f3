"""When the supervisor may sign: after the supervisee's response, or after their window.

DESIGN.md §3 rule 3: the supervisor signs a shared record only once the supervisee has
responded, or once the supervisee's 5 working days (from the day it was shared, England
bank holidays) have passed without a response; the record then says so. The supervisee's
voice is never cut off by an early signature.

Everything here is pure: the caller says what "today" is, from its own clock (the laptop's
in the app, the server's on the server), so both ends ask the same question of their own
facts. The bank holiday calendar is loaded on first use, not on import: most callers ask
only whether someone may view a record.
"""
from __future__ import annotations

from datetime import date, timedelta

RESPONSE_WORKING_DAYS = 5
NO_RESPONSE = "No response within 5 working days"

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def has_responded(agreement: str | None) -> bool:
    """Whether the supervisee has responded to a shared record: they have recorded that they
    agree (``supervisee_agreement == "agrees"``) or disagree (``"disagrees"``). Comments
    alone are not a response: they may be a note in progress, and a signature must not cut
    off the agreement or disagreement still to come. A response, once recorded, stays on the
    record (a disagreement cannot be erased), so it also counts after the record has been
    withdrawn to draft and shared again."""
    return agreement in ("agrees", "disagrees")


def response_due(shared_on: date) -> date:
    """The supervisee's last day to respond: 5 working days after the day it was shared
    (that day not counted), as ``working_days.record_deadlines`` counts ``sign_by``."""
    from .working_days import add_working_days

    return add_working_days(shared_on, RESPONSE_WORKING_DAYS)


def supervisor_may_sign_from(shared_on: date) -> date:
    """The first day the supervisor may sign without a response: the day after the
    supervisee's last day (which is theirs in full, whatever the hour)."""
    return response_due(shared_on) + timedelta(days=1)


def window_passed(shared_on: date | None, today: date | None) -> bool:
    """Whether the supervisee's 5 working days are over. Unknown facts (never shared, no
    clock given) count as not passed: the signature waits rather than cut anyone off."""
    if shared_on is None or today is None:
        return False
    return today >= supervisor_may_sign_from(shared_on)


def supervisor_sign_refusal(supervisee_name: str | None, shared_on: date | None,
                            responded: bool, today: date | None) -> str | None:
    """Why the supervisor may not sign a shared record yet, in words fit for them, or
    None if they may (the supervisee responded, or their window passed)."""
    if responded or window_passed(shared_on, today):
        return None
    who = supervisee_name or "the supervisee"
    if shared_on is None:
        return f"You can sign once {who} has responded."
    return (f"You can sign once {who} has responded, or from "
            f"{day_words(supervisor_may_sign_from(shared_on))} if they have not.")


def day_words(day: date) -> str:
    """e.g. 'Tue 15 Dec 2026' (English names whatever the machine's locale)."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def signed_without_response(agreement: str | None, shared_on: date | None,
                            supervisor_signed_on: date | None) -> bool:
    """Whether the record says "No response within 5 working days": the supervisee had
    not responded, and the supervisor's signature (``supervisor_signed_on``; for a record
    not signed yet, today) came after their window. Derived from what is signed (the
    response fields), the day it was shared and the signature's own date, so every copy of
    the record, on any laptop or the server, says the same."""
    return not has_responded(agreement) and window_passed(shared_on, supervisor_signed_on)

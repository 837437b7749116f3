"""Cancelled supervision sessions and their rebooking (issue 21).

A planned session that does not happen is recorded as a cancellation: who cancelled it
(the supervisor, the supervisee, or someone else such as a court hearing or a crisis on a
case), the reason and the date it was rebooked for. Councils' policies ask for the
session to be rebooked within 5 working days of the cancellation, or of the person's return
if they were on leave, so a run of cancellations cannot quietly turn into a worker going
unsupervised. Working days skip weekends and England's bank holidays (``working_days``).

Sessions shorter than the team policy's standard duration (90 minutes unless the team says
otherwise) are flagged too: a 20-minute "supervision" is not what the policy promised.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from .working_days import add_working_days

REBOOK_WITHIN_WORKING_DAYS = 5
DEFAULT_STANDARD_DURATION_MINUTES = 90


class CancelledBy(StrEnum):
    SUPERVISOR = "supervisor"
    SUPERVISEE = "supervisee"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"supervisor": "Supervisor", "supervisee": "Supervisee",
                "other": "Someone else"}[self.value]


class RebookingOutcome(StrEnum):
    ON_TIME = "on_time"  # rebooked for a day within the window
    LATE = "late"  # rebooked for a day after the window
    NOT_REBOOKED_YET = "not_rebooked_yet"  # no new date, and the window is still open
    NOT_REBOOKED = "not_rebooked"  # no new date, and the window has passed

    @property
    def label(self) -> str:
        return {"on_time": "Rebooked in time", "late": "Rebooked late",
                "not_rebooked_yet": "Not rebooked yet",
                "not_rebooked": "Not rebooked in time"}[self.value]

    @property
    def is_late(self) -> bool:
        return self in (RebookingOutcome.LATE, RebookingOutcome.NOT_REBOOKED)


def rebook_by(cancelled_on: date, returned_on: date | None = None) -> date:
    """The last day the rebooked session may fall on: 5 working days after the
    cancellation, or after the person's return from leave when that is later."""
    start = max(cancelled_on, returned_on) if returned_on is not None else cancelled_on
    return add_working_days(start, REBOOK_WITHIN_WORKING_DAYS)


@dataclass(frozen=True)
class Rebooking:
    deadline: date
    outcome: RebookingOutcome


def rebooking(cancelled_on: date, rebooked_on: date | None, today: date,
              returned_on: date | None = None) -> Rebooking:
    deadline = rebook_by(cancelled_on, returned_on)
    if rebooked_on is not None:
        outcome = RebookingOutcome.ON_TIME if rebooked_on <= deadline else RebookingOutcome.LATE
    elif today > deadline:
        outcome = RebookingOutcome.NOT_REBOOKED
    else:
        outcome = RebookingOutcome.NOT_REBOOKED_YET
    return Rebooking(deadline, outcome)


def is_short_session(duration_minutes: int, standard_minutes: int = DEFAULT_STANDARD_DURATION_MINUTES) -> bool:
    """Whether a held session fell short of the policy's standard duration."""
    return duration_minutes < standard_minutes


def cancellation_problem(cancelled_by: str, reason: str, planned_for: date, cancelled_on: date,
                         rebooked_on: date | None) -> str | None:
    """Why a cancellation cannot be saved as written, in words for the person; None if fine."""
    if cancelled_by not in {c.value for c in CancelledBy}:
        return "Choose who cancelled the session."
    if not reason.strip():
        return "Write the reason the session was cancelled."
    if rebooked_on is not None and rebooked_on < cancelled_on:
        return "The rebooked date cannot be before the day the session was cancelled."
    if (planned_for - cancelled_on).days > 366:
        return "The planned date is more than a year after the cancellation; check both dates."
    return None

"""The supervision agreement between a worker and their supervisor (issue 21).

Councils' policies and the LGA employer standards ask for a written agreement: how often
and how long supervision is, where, how disagreements and cancellations are handled, and
that the wellbeing part is confidential. Both sign it; it is reviewed at least once a year
and whenever the worker's supervisor changes, when a new agreement replaces it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

REVIEW_EVERY_DAYS = 365
TERMS = ("frequency", "duration", "location", "disagreements", "cancellations", "confidentiality")
TERM_LABELS = {
    "frequency": "How often",
    "duration": "How long",
    "location": "Where",
    "disagreements": "How disagreements are handled",
    "cancellations": "How cancellations are handled",
    "confidentiality": "Confidentiality of the wellbeing part",
}


class AgreementStatus(StrEnum):
    IN_PLACE = "in_place"
    MISSING = "missing"  # never signed by both
    AWAITING_SIGNATURE = "awaiting_signature"  # written, not yet signed by both
    REVIEW_DUE = "review_due"  # signed more than a year ago
    SUPERVISOR_CHANGED = "supervisor_changed"  # signed with someone who no longer supervises

    @property
    def label(self) -> str:
        return {
            "in_place": "In place", "missing": "Missing",
            "awaiting_signature": "Awaiting signature",
            "review_due": "Review due (over a year old)",
            "supervisor_changed": "Review due (new supervisor)",
        }[self.value]

    @property
    def needs_action(self) -> bool:
        return self != AgreementStatus.IN_PLACE


@dataclass(frozen=True)
class AgreementState:
    status: AgreementStatus
    review_by: date | None  # when the agreement in force must be reviewed


def review_by(signed_on: date) -> date:
    return signed_on + timedelta(days=REVIEW_EVERY_DAYS)


def agreement_status(*, today: date, current_supervisor_id: str | None,
                     signed_on: date | None, signed_with: str | None,
                     draft_in_progress: bool = False) -> AgreementState:
    """Where a worker's agreement stands. ``signed_on``/``signed_with``: the day the newest
    agreement signed by both was completed and the supervisor it was made with (None if
    there is none); ``draft_in_progress``: a newer agreement is written but not yet signed
    by both."""
    if signed_on is None:
        status = (AgreementStatus.AWAITING_SIGNATURE if draft_in_progress
                  else AgreementStatus.MISSING)
        return AgreementState(status, None)
    due = review_by(signed_on)
    if current_supervisor_id is not None and signed_with != current_supervisor_id:
        status = AgreementStatus.SUPERVISOR_CHANGED
    elif today > due:
        status = AgreementStatus.REVIEW_DUE
    else:
        return AgreementState(AgreementStatus.IN_PLACE, due)
    if draft_in_progress:
        status = AgreementStatus.AWAITING_SIGNATURE
    return AgreementState(status, due)


def default_terms(interval_days: int, duration_minutes: int) -> dict[str, str]:
    """Terms a new agreement starts from, from the team's policy; the pair edit them."""
    weeks = interval_days // 7
    often = f"Every {weeks} weeks" if interval_days % 7 == 0 and weeks > 1 else f"Every {interval_days} days"
    return {
        "frequency": f"{often}, planned in advance, and more often if either of us asks.",
        "duration": f"{duration_minutes} minutes, uninterrupted.",
        "location": "A private room at the office, or a private video call.",
        "disagreements": ("A disagreement is recorded on the record in the supervisee's words and "
                          "raised with the next manager up; neither of us erases it."),
        "cancellations": ("Cancelled only when unavoidable, with the reason recorded, and rebooked "
                          "within 5 working days (or of a return from leave)."),
        "confidentiality": ("The wellbeing part stays between the two of us; it is never copied "
                            "to a child's record. A risk to anyone's safety is the exception."),
    }

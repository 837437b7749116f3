"""The supervisee's feedback on a signed session, and how managers may see it (issue 21).

Four short questions: was it helpful; the balance of reflection and case monitoring;
whether there was emotional support; one thing to change. The worker answers or skips.
Managers never see one person's answers: only a team's answers added together, and only
once at least ``MIN_ANSWERS`` people's answers are in the total, so no answer can be
picked out. The comment ("one thing to change") is never part of a total.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Iterable, Mapping

MIN_ANSWERS = 5
# A team where at least this share of answers says "mostly case monitoring" is flagged:
# supervision has become case management, with little room for reflection.
CASE_MONITORING_SHARE = 0.8


class Answer(StrEnum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"


class Balance(StrEnum):
    MOSTLY_REFLECTION = "mostly_reflection"
    BALANCED = "balanced"
    MOSTLY_CASE_MONITORING = "mostly_case_monitoring"


QUESTIONS = {
    "helpful": "Was this supervision helpful?",
    "reflection_balance": "How was the time split between reflection and case monitoring?",
    "emotional_support": "Did you get the emotional support you needed?",
    "change_one_thing": "One thing you would change (optional)",
}
ANSWER_WORDS = {"yes": "Yes", "partly": "Partly", "no": "No"}
BALANCE_WORDS = {"mostly_reflection": "Mostly reflection", "balanced": "About even",
                 "mostly_case_monitoring": "Mostly case monitoring"}


@dataclass(frozen=True)
class TeamFeedback:
    """A team's answers added together (skipped questionnaires are not answers)."""

    answers: int
    helpful: Mapping[str, int]
    balance: Mapping[str, int]
    support: Mapping[str, int]

    @property
    def case_monitoring_share(self) -> float:
        return self.balance.get(Balance.MOSTLY_CASE_MONITORING.value, 0) / self.answers

    @property
    def mostly_case_monitoring(self) -> bool:
        return self.case_monitoring_share >= CASE_MONITORING_SHARE


def summarise(answers: Iterable[Mapping[str, object]], *, people: int | None = None) -> TeamFeedback | None:
    """Add up answered (not skipped) feedback; None below ``MIN_ANSWERS`` answers, or when
    fewer than ``MIN_ANSWERS`` different people gave them (``people``, when known)."""
    answered = [a for a in answers if not a.get("skipped")]
    if len(answered) < MIN_ANSWERS or (people is not None and people < MIN_ANSWERS):
        return None

    def tally(field: str, values: type[StrEnum]) -> dict[str, int]:
        return {v.value: sum(a.get(field) == v.value for a in answered) for v in values}

    return TeamFeedback(len(answered), tally("helpful", Answer), tally("reflection_balance", Balance),
                        tally("emotional_support", Answer))

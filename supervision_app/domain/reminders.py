"""Desktop reminders: which kinds there are, their wording (counts only, never what a record
says), and the rule that each item is brought up at most once a day.

Plain Python: the store finds the items (``store.reminder_queries``), the GUI shows the words.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Iterable, Mapping


class ReminderKind(StrEnum):
    AWAITING_SIGNATURE = "awaiting_signature"
    SUPERVISION_DUE = "supervision_due"
    ACTIONS_OVERDUE = "actions_overdue"
    AGREEMENT_REVIEW = "agreement_review"

    @property
    def setting_label(self) -> str:
        return {
            ReminderKind.AWAITING_SIGNATURE: "Records awaiting my signature",
            ReminderKind.SUPERVISION_DUE: "Supervision due within the team's warning window",
            ReminderKind.ACTIONS_OVERDUE: "My overdue actions",
            ReminderKind.AGREEMENT_REVIEW: "Supervision agreements to review",
        }[self]


def reminder_text(kind: ReminderKind, count: int) -> str:
    """"2 records await your signature": a count, never a name or a word of a record."""
    one = count == 1
    if kind == ReminderKind.AWAITING_SIGNATURE:
        return f"{count} record{'' if one else 's'} await{'s' if one else ''} your signature"
    if kind == ReminderKind.SUPERVISION_DUE:
        return f"{count} supervision{'' if one else 's'} due soon"
    if kind == ReminderKind.ACTIONS_OVERDUE:
        return f"{count} of your actions {'is' if one else 'are'} overdue"
    return f"{count} supervision agreement{'' if one else 's'} to review"


@dataclass(frozen=True)
class Reminder:
    kind: ReminderKind
    count: int  # every item of the kind today, not only the new ones

    @property
    def text(self) -> str:
        return reminder_text(self.kind, self.count)


def item_key(kind: ReminderKind, item_id: str) -> str:
    return f"{kind.value}:{item_id}"


def reminders_due(
    found: Mapping[ReminderKind, Iterable[str]], *, enabled: Iterable[ReminderKind],
    shown: Mapping[str, date], today: date,
) -> tuple[list[Reminder], dict[str, date]]:
    """The reminders to show now, and the shown-log to keep.

    ``found`` holds each kind's item ids today; ``shown`` when each item was last brought
    up. A kind is shown when it has an item not yet brought up ``today`` (so a new record
    awaiting signature after a sync is mentioned, an old one not again the same day), with
    the count of all its items. The log keeps only today's entries: tomorrow starts afresh.
    """
    wanted = set(enabled)
    log = {key: day for key, day in shown.items() if day == today}
    out = []
    for kind in ReminderKind:
        ids = sorted(set(found.get(kind, ())))
        if kind not in wanted or not ids:
            continue
        keys = [item_key(kind, i) for i in ids]
        if any(key not in log for key in keys):
            out.append(Reminder(kind, len(ids)))
            log.update((key, today) for key in keys)
    return out, log

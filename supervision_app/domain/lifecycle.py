"""The life of a signable record as an explicit state machine.

Supervision record: draft -> shared -> signed by supervisor -> (supervisee signs) locked.
The supervisee comments and agrees or disagrees while the record is shared, so the
supervisor's signature covers their response and the supervisee's signature covers
everything. The supervisor signs only once the supervisee has responded or their 5 working
days have passed (DESIGN.md §3 rule 3): that depends on dates, not only on the state, so
``permissions.decide`` applies it (``supervisee_response``) beside these moves. A supervisor
may withdraw a shared record to draft to correct it; nothing
leaves the locked state: corrections are addenda, which are records of their own.

Oversight notes and addenda: draft -> (author signs) locked.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Iterable

from ..errors import AppError
from .vocabulary import RecordState


class RecordKind(StrEnum):
    SUPERVISION = "supervision"
    OVERSIGHT_NOTE = "oversight_note"
    ADDENDUM = "addendum"
    AGREEMENT = "agreement"  # the supervision agreement between a worker and supervisor


class Event(StrEnum):
    EDIT = "edit"
    SHARE = "share"
    WITHDRAW = "withdraw"
    RESPOND = "respond"
    SIGN_AS_SUPERVISOR = "sign_as_supervisor"
    SIGN_AS_SUPERVISEE = "sign_as_supervisee"
    SIGN_AS_AUTHOR = "sign_as_author"


class IllegalTransition(AppError):
    """A move the lifecycle does not allow; ``reason`` is fit to show to the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_S = RecordState
_TRANSITIONS: dict[RecordKind, dict[tuple[RecordState, Event], RecordState]] = {
    RecordKind.SUPERVISION: {
        (_S.DRAFT, Event.EDIT): _S.DRAFT,
        (_S.DRAFT, Event.SHARE): _S.SHARED,
        (_S.SHARED, Event.WITHDRAW): _S.DRAFT,
        (_S.SHARED, Event.RESPOND): _S.SHARED,
        (_S.SHARED, Event.SIGN_AS_SUPERVISOR): _S.SUPERVISOR_SIGNED,
        (_S.SUPERVISOR_SIGNED, Event.SIGN_AS_SUPERVISEE): _S.LOCKED,
    },
    RecordKind.OVERSIGHT_NOTE: {
        (_S.DRAFT, Event.EDIT): _S.DRAFT,
        (_S.DRAFT, Event.SIGN_AS_AUTHOR): _S.LOCKED,
    },
    RecordKind.ADDENDUM: {
        (_S.DRAFT, Event.EDIT): _S.DRAFT,
        (_S.DRAFT, Event.SIGN_AS_AUTHOR): _S.LOCKED,
    },
    # Supervision agreement: the supervisor signs the terms they wrote, then the supervisee
    # signs, which locks it; a new agreement replaces it at review (``domain.agreements``).
    RecordKind.AGREEMENT: {
        (_S.DRAFT, Event.EDIT): _S.DRAFT,
        (_S.DRAFT, Event.SIGN_AS_SUPERVISOR): _S.SUPERVISOR_SIGNED,
        (_S.SUPERVISOR_SIGNED, Event.SIGN_AS_SUPERVISEE): _S.LOCKED,
    },
}

_WHY_NOT = {
    _S.DRAFT: "it is still a draft",
    _S.SHARED: "it has been shared with the supervisee",
    _S.SUPERVISOR_SIGNED: "the supervisor has signed it",
    _S.LOCKED: "it is signed and locked; add a signed addendum instead",
}

_EVENT_WORDS = {
    Event.EDIT: "edit",
    Event.SHARE: "share",
    Event.WITHDRAW: "withdraw",
    Event.RESPOND: "respond to",
    Event.SIGN_AS_SUPERVISOR: "sign as supervisor",
    Event.SIGN_AS_SUPERVISEE: "sign as supervisee",
    Event.SIGN_AS_AUTHOR: "sign",
}


def allowed_events(kind: RecordKind, state: RecordState) -> frozenset[Event]:
    return frozenset(event for (s, event) in _TRANSITIONS[kind] if s == state)


@dataclass(frozen=True)
class Problem:
    """Something that must be fixed before a record can move on.

    ``where`` names the part of the record (e.g. ``case_discussion:<id>``) so an editor
    can take the user straight there.
    """

    where: str
    message: str


def next_state(
    kind: RecordKind,
    state: RecordState,
    event: Event,
    *,
    problems: Iterable[Problem] = (),
) -> RecordState:
    """The state after ``event``, or :class:`IllegalTransition` saying why not."""
    target = _TRANSITIONS[kind].get((state, event))
    if target is None:
        raise IllegalTransition(
            f"You cannot {_EVENT_WORDS[event]} this record because {_WHY_NOT[state]}."
        )
    if event in (Event.SHARE, Event.SIGN_AS_AUTHOR):
        blocking = list(problems)
        if blocking:
            first = blocking[0]
            more = f" (and {len(blocking) - 1} more)" if len(blocking) > 1 else ""
            raise IllegalTransition(f"{first.message}{more}")
    return target


def is_editable(state: RecordState) -> bool:
    return state == RecordState.DRAFT


@dataclass(frozen=True)
class DiscussionCheck:
    discussion_id: str
    child_label: str
    decision: str
    rationale: str


@dataclass(frozen=True)
class ActionCheck:
    action_id: str
    description: str
    owner_id: str | None
    due_date: date | None


def problems_before_sharing(
    discussions: Iterable[DiscussionCheck], actions: Iterable[ActionCheck]
) -> list[Problem]:
    """Every child discussed needs a decision and its rationale; every action an owner and
    a due date (DESIGN.md §3 rules 4 and 5)."""
    problems: list[Problem] = []
    for d in discussions:
        missing = [
            name for name, text in (("decision", d.decision), ("rationale", d.rationale))
            if not (text or "").strip()
        ]
        if missing:
            problems.append(
                Problem(
                    where=f"case_discussion:{d.discussion_id}",
                    message=f"The case discussion for {d.child_label} has no "
                    f"{' and no '.join(missing)}.",
                )
            )
    for a in actions:
        label = (a.description or "").strip()[:40] or "an untitled action"
        if not (a.description or "").strip():
            problems.append(Problem(f"action:{a.action_id}", "An action has no description."))
        if a.owner_id is None:
            problems.append(Problem(f"action:{a.action_id}", f"The action '{label}' has no owner."))
        if a.due_date is None:
            problems.append(
                Problem(f"action:{a.action_id}", f"The action '{label}' has no due date.")
            )
    return problems

"""Whose move a supervision record waits on: the step that takes it to its next state
(share the draft, sign as supervisor, sign as supervisee), when that step is the asker's
and ``decide`` lets them take it today, so the supervisee's response window counts
(DESIGN.md §3 rule 3).

One rule for the lists that ask "is the next step mine?": the home page's records waiting
for the manager (``store.queries.waiting_for_me``) and the reminder of records awaiting a
signature (``store.reminder_queries``). Each names the steps it cares about.
"""
from __future__ import annotations

from collections.abc import Collection

from .permissions import Actor, Operation, SupervisionTarget, decide
from .vocabulary import RecordState

# The supervisor's steps take a record from draft to signed; the supervisee's signature
# then locks it. Responding moves nothing on, so it is nobody's "next step".
_SUPERVISOR_STEPS = {
    RecordState.DRAFT: Operation.SHARE,
    RecordState.SHARED: Operation.SIGN_AS_SUPERVISOR,
}
_SUPERVISEE_STEPS = {
    RecordState.SUPERVISOR_SIGNED: Operation.SIGN_AS_SUPERVISEE,
}

SUPERVISOR_STEPS: frozenset[Operation] = frozenset(_SUPERVISOR_STEPS.values())
SIGNATURES: frozenset[Operation] = frozenset({Operation.SIGN_AS_SUPERVISOR, Operation.SIGN_AS_SUPERVISEE})


def next_step(actor: Actor, target: SupervisionTarget) -> Operation | None:
    """The step that moves the record on, if it is ``actor``'s and they may take it now."""
    if actor.staff_id == target.supervisor_id:
        step = _SUPERVISOR_STEPS.get(target.state)
    elif actor.staff_id == target.supervisee_id:
        step = _SUPERVISEE_STEPS.get(target.state)
    else:
        return None
    return step if step is not None and decide(actor, step, target) else None


def next_step_is_mine(actor: Actor, target: SupervisionTarget, steps: Collection[Operation]) -> bool:
    """Whether the record's next step is one of ``steps`` and ``actor`` may take it now."""
    step = next_step(actor, target)
    return step is not None and step in steps

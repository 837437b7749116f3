"""Who moves a group session's action on (open / done / no longer needed), issue 21.

As with a 1:1 record's action, the agreed words stay as signed and only the status moves
on: by the action's owner (the attendee it was agreed with) or by the supervisor who held
the group, once the supervisor has signed and so released it. Before that the action is
part of the supervisor's draft and changes with it. The server applies the same rule
(``sync.server.group_sync.authorize``: status fields only, owner or supervisor, once signed).
"""
from __future__ import annotations

from .group_supervision import GroupActionTarget
from .permissions import Actor, Decision
from .vocabulary import RecordState


def decide_group_action_status(actor: Actor, t: GroupActionTarget) -> Decision:
    if actor.staff_id not in (t.owner_id, t.group.supervisor_id):
        return Decision(False, "Only the action's owner or the group's supervisor updates its status.")
    if t.group.state == RecordState.DRAFT:
        return Decision(False, "The supervisor signs the group session before its actions move on.")
    return Decision(True, "the action's owner or the group's supervisor, once signed")

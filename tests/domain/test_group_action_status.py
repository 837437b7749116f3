"""Who moves a group action on: its owner or the group's supervisor, once the supervisor
has signed (issue 21); never another attendee or a manager who only reads it."""
from supervision_app.domain.group_action_status import decide_group_action_status
from supervision_app.domain.group_supervision import Attendance, GroupActionTarget, GroupTarget
from supervision_app.domain.permissions import Actor
from supervision_app.domain.vocabulary import RecordState, Role


def _target(state):
    group = GroupTarget("sup", "t1", {"ann": Attendance.PRESENT, "bob": Attendance.PRESENT}, state=state)
    return GroupActionTarget("ann", group)


def test_owner_and_supervisor_once_signed_nobody_else():
    for state in (RecordState.SUPERVISOR_SIGNED, RecordState.LOCKED):
        assert decide_group_action_status(Actor("ann", Role.SOCIAL_WORKER), _target(state))
        assert decide_group_action_status(Actor("sup", Role.TEAM_MANAGER, frozenset({"t1"})), _target(state))
        assert not decide_group_action_status(Actor("bob", Role.SOCIAL_WORKER), _target(state))
        assert not decide_group_action_status(Actor("hos", Role.HEAD_OF_SERVICE), _target(state))
    assert not decide_group_action_status(Actor("ann", Role.SOCIAL_WORKER), _target(RecordState.DRAFT))

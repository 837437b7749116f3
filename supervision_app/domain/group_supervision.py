"""Group supervision (issue 21): one session held by a supervisor with several supervisees.

The session has a *shared part* (when, where, the group's case discussions, who attended)
and *actions*, each owned by one person. Every attendee sees the shared part and only their
own actions; the supervisor sees all of it. Each person signs what they can see
(``group_canonical``): the supervisor first, which releases it to the attendees and freezes
it, then every attendee marked present; it locks when the last present attendee has signed.
People who sent apologies see the shared part once released but do not sign.

Once locked a group session never changes; a correction or addition is a signed addendum
(DESIGN.md §3 rule 3), as for a 1:1 record. Its author is a party to the signed record:
the supervisor who held it or an attendee who was present (and so signed it); someone who
sent apologies signed nothing and a manager above was not there. Everyone who sees the
shared part sees a signed addendum (``permissions``' addendum rules ask ``decide_group``
for VIEW); a draft is its author's alone. The addendum names the digest of the group
session as its author signed it (``group_canonical.author_signed_digest``): the only form of
the session every author's laptop can build, since an attendee holds only their own actions.

Who may be in the group: the supervisor's own line-managed workers, as the directory says
today (the server checks its own directory, never the laptop's list).

Schedule: a team decides whether group sessions count toward each attendee's supervision
frequency. DESIGN.md is silent on it (it lists group as a session type only), so the
default is **no**: councils' policies treat group supervision as an addition to individual
supervision, not a replacement. A team that counts them sets
``group_counts_toward_frequency`` in its policy JSON.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Iterable, Mapping

from .permissions import MANAGER_ROLES, Actor, Decision, Operation
from .vocabulary import RecordState, Role

GROUP_KIND = "group_session"  # the supervisor's signature: Signature.record_kind
ATTENDANCE_KIND = "group_attendance"  # an attendee's signature, on their attendance row
POLICY_KEY = "group_counts_toward_frequency"
COUNTS_TOWARD_FREQUENCY_BY_DEFAULT = False


class Attendance(StrEnum):
    PRESENT = "present"
    APOLOGIES = "apologies"

    @property
    def label(self) -> str:
        return {"present": "Present", "apologies": "Apologies"}[self.value]


@dataclass(frozen=True)
class GroupTarget:
    """A group session's facts. ``attendees``: each listed person and their attendance;
    ``signed``: who has signed so far (the supervisor and attendees); ``team_id``: the
    team the group was held for (the supervisor's)."""

    supervisor_id: str
    team_id: str | None
    attendees: Mapping[str, Attendance]
    state: RecordState = RecordState.DRAFT
    signed: frozenset[str] = frozenset()

    @property
    def present(self) -> frozenset[str]:
        return frozenset(p for p, a in self.attendees.items() if a == Attendance.PRESENT)


@dataclass(frozen=True)
class GroupActionTarget:
    """An action agreed in a group session: seen by its owner, not by the other attendees."""

    owner_id: str | None
    group: GroupTarget


def _yes(reason: str = "allowed") -> Decision:
    return Decision(True, reason)


def _no(reason: str) -> Decision:
    return Decision(False, reason)


def _manages(actor: Actor, t: GroupTarget) -> bool:
    # a manager of the group's team (or above it) sees it as they see a 1:1 record
    return actor.staff_id != t.supervisor_id and actor.manages_team(t.team_id)


def decide_group(actor: Actor, op: Operation, t: GroupTarget) -> Decision:
    is_supervisor = actor.staff_id == t.supervisor_id
    listed = actor.staff_id in t.attendees
    released = t.state != RecordState.DRAFT
    if op in (Operation.VIEW, Operation.EXPORT):
        if is_supervisor or _manages(actor, t):
            return _yes()
        if listed or actor.role == Role.QA_AUDITOR:
            if not released:
                return _no("The supervisor has not signed this group session yet.")
            return _yes()
        if actor.role == Role.ADMINISTRATOR:
            return _no("Administrators manage the directory; they cannot read records.")
        return _no("You were not in this group session.")
    if op == Operation.EDIT:
        if not is_supervisor:
            return _no("Only the supervisor who held the group session can change it.")
        if t.state != RecordState.DRAFT:
            return _no("This group session has been signed by its supervisor; it cannot be changed.")
        return _yes()
    if op == Operation.SIGN_AS_SUPERVISOR:
        if not is_supervisor:
            return _no("Only the supervisor who held the group session signs it as supervisor.")
        if t.state != RecordState.DRAFT:
            return _no("The supervisor has already signed this group session.")
        if not t.present:
            return _no("Mark at least one attendee present before signing.")
        return _yes()
    if op == Operation.SIGN_AS_SUPERVISEE:
        if actor.staff_id not in t.attendees:
            return _no("You were not in this group session.")
        if actor.staff_id not in t.present:
            return _no("You sent apologies for this group session, so you do not sign it.")
        if actor.staff_id in t.signed:
            return _no("You have already signed this group session.")
        if t.state != RecordState.SUPERVISOR_SIGNED:
            return _no("The supervisor signs a group session first." if t.state == RecordState.DRAFT
                       else "This group session is signed and locked.")
        return _yes()
    if op == Operation.ADD_ADDENDUM:
        if not (is_supervisor or actor.staff_id in t.present):
            return _no("Only the group's supervisor or someone present at the session can add "
                       "an addendum to it.")
        if t.state != RecordState.LOCKED:
            return _no("Addenda are for signed and locked group sessions; until everyone present "
                       "has signed, the supervisor's signature is the last word.")
        return _yes()
    return _no(f"'{op}' does not apply to a group session.")


def decide_group_action(actor: Actor, op: Operation, t: GroupActionTarget) -> Decision:
    """An action is seen by the supervisor, its owner (once released) and the managers who
    see the group; never by the other attendees."""
    if op in (Operation.VIEW, Operation.EXPORT):
        g = t.group
        if actor.staff_id == g.supervisor_id or _manages(actor, g) or actor.role == Role.QA_AUDITOR:
            return decide_group(actor, op, g)
        if t.owner_id is not None and actor.staff_id == t.owner_id:
            return decide_group(actor, op, g)
        return _no("This action belongs to another member of the group.")
    if op in (Operation.CREATE, Operation.EDIT):
        if t.owner_id is not None and t.owner_id != t.group.supervisor_id \
                and t.owner_id not in t.group.attendees:
            return _no("An action in a group session is owned by the supervisor or an attendee.")
        return decide_group(actor, Operation.EDIT, t.group)
    return _no(f"'{op}' does not apply to an action.")


def creation_refusal(actor: Actor, attendees: Mapping[str, str | None]) -> str | None:
    """Why ``actor`` may not hold a group session with ``attendees`` (person -> their team
    today, from the directory the caller trusts), or None. The group's members must all be
    people the actor line-manages now."""
    if actor.role not in MANAGER_ROLES:
        return "Only a manager holds group supervision."
    if not attendees:
        return "A group session needs at least one attendee."
    if actor.staff_id in attendees:
        return "The supervisor is not one of the group's attendees."
    outside = [p for p, team in attendees.items() if not actor.line_manages(p, team)]
    if outside:
        return "Everyone in a group session must be someone you supervise."
    return None


def group_team(attendee_teams: Mapping[str, str | None]) -> str | None:
    """The team a group session belongs to: its attendees' team when they share one (a
    service manager's group of team managers from several teams has none)."""
    teams = set(attendee_teams.values())
    return teams.pop() if len(teams) == 1 else None


def state_after_signature(t: GroupTarget, signer_id: str) -> RecordState:
    """The state once ``signer_id`` has signed (the caller has checked they may): supervisor
    signed after the supervisor, locked once every present attendee has signed too."""
    if signer_id == t.supervisor_id:
        return RecordState.LOCKED if not t.present else RecordState.SUPERVISOR_SIGNED
    remaining = t.present - t.signed - {signer_id}
    return RecordState.LOCKED if not remaining else RecordState.SUPERVISOR_SIGNED


def waiting_for(t: GroupTarget) -> frozenset[str]:
    """Who has still to sign: the supervisor, then each present attendee."""
    if t.state == RecordState.DRAFT:
        return frozenset({t.supervisor_id})
    if t.state == RecordState.LOCKED:
        return frozenset()
    return t.present - t.signed


# --- schedule -------------------------------------------------------------------------------

def counts_toward_frequency(team_policy_json: str | None) -> bool:
    """The team's setting; a team with no policy, or a policy without it, does not count
    group sessions (see the module's note)."""
    if not team_policy_json:
        return COUNTS_TOWARD_FREQUENCY_BY_DEFAULT
    try:
        data = json.loads(team_policy_json)
    except ValueError:
        return COUNTS_TOWARD_FREQUENCY_BY_DEFAULT
    value = data.get(POLICY_KEY, COUNTS_TOWARD_FREQUENCY_BY_DEFAULT) if isinstance(data, dict) else False
    return value is True


def last_held_for_schedule(last_individual: date | None, group_days_present: Iterable[date],
                           *, counts: bool) -> date | None:
    """The last supervision a worker's due date counts from: their last individual session,
    or a later group session they were present at when the team counts group sessions.
    Apologies never count: the person was not supervised."""
    if not counts:
        return last_individual
    days = [d for d in group_days_present]
    if last_individual is not None:
        days.append(last_individual)
    return max(days) if days else None

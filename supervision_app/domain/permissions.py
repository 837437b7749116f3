"""Who may do what to which record: one set of rules for the app and the server.

``decide`` is the only question every layer asks. The app uses it to hide what it cannot
show; the server uses it to refuse and to filter what it sends (DESIGN.md §3 rule 6).
Callers describe the people and records as the small frozen facts below, so the rules
never depend on how either end stores them.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Iterable, Union

from .lifecycle import Event, IllegalTransition, RecordKind, next_state
from .supervisee_response import supervisor_sign_refusal
from .vocabulary import RecordState, Role

MANAGER_ROLES = frozenset({Role.TEAM_MANAGER, Role.SERVICE_MANAGER, Role.HEAD_OF_SERVICE})


class Operation(StrEnum):
    VIEW = "view"
    VIEW_PRIVATE = "view_private"  # the wellbeing section of a supervision record
    CREATE = "create"
    EDIT = "edit"
    SHARE = "share"
    WITHDRAW = "withdraw"
    RESPOND = "respond"
    SIGN_AS_SUPERVISOR = "sign_as_supervisor"
    SIGN_AS_SUPERVISEE = "sign_as_supervisee"
    SIGN_AS_AUTHOR = "sign_as_author"
    ADD_ADDENDUM = "add_addendum"
    EXPORT = "export"
    UPDATE_STATUS = "update_status"  # of an action item
    RESOLVE_DISAGREEMENT = "resolve_disagreement"  # the supervisee's, by a manager above
    GRADE = "grade"  # quality assurance audit
    SET_POLICY = "set_policy"
    MANAGE_DIRECTORY = "manage_directory"
    MANAGE_CERTIFICATES = "manage_certificates"


@dataclass(frozen=True)
class Actor:
    """The person asking. ``managed_team_ids`` holds every team they manage directly, through
    a service, or by cover today (``with_cover``); a head of service sees every team.
    ``line_report_ids``: the people with no team (service managers, heads of service) whose
    line manager they are, directly or further up the line (DESIGN.md §1.1)."""

    staff_id: str
    role: Role
    managed_team_ids: frozenset[str] = frozenset()
    line_report_ids: frozenset[str] = frozenset()

    @property
    def sees_all_teams(self) -> bool:
        return self.role == Role.HEAD_OF_SERVICE

    def manages_team(self, team_id: str | None) -> bool:
        if self.role not in MANAGER_ROLES:
            return False
        return self.sees_all_teams or (team_id is not None and team_id in self.managed_team_ids)

    def line_manages(self, staff_id: str, team_id: str | None) -> bool:
        """Whether the actor line-manages this person now: a manager of the team the person
        is in today, or, for a person with no team, their line manager or someone above in
        the line (a head of service line-manages everyone). Never oneself."""
        if staff_id == self.staff_id:
            return False
        if team_id is None:
            return staff_id in self.line_report_ids or (
                self.sees_all_teams and self.role in MANAGER_ROLES)
        return self.manages_team(team_id)


@dataclass(frozen=True)
class Cover:
    """An administrator's grant: a manager covers ``team_id`` from ``starts_on`` to
    ``ends_on`` inclusive (leave, vacancy, acting up), with that team manager's access."""

    team_id: str
    starts_on: date
    ends_on: date

    def live_on(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


def with_cover(actor: Actor, covers: Iterable[Cover], today: date) -> Actor:
    """The actor as they stand ``today``: their own teams and the teams they cover that day.
    A cover ends by itself: the day after ``ends_on`` it is no longer counted."""
    if actor.role not in MANAGER_ROLES:
        return actor
    covered = {c.team_id for c in covers if c.live_on(today)}
    if covered <= actor.managed_team_ids:
        return actor
    return replace(actor, managed_team_ids=actor.managed_team_ids | covered)


@dataclass(frozen=True)
class SupervisionTarget:
    """A supervision record's facts. ``supervisee_team_id`` is the team the supervisee is in
    *now* (not when the session was held): access follows people (DESIGN.md §1.1). The last
    four matter only to the supervisor's
    signature (DESIGN.md §3 rule 3, ``supervisee_response``): whether the supervisee has
    responded (``supervisee_response.has_responded``), the London date it was shared, and
    the asker's own today; the supervisee's name only words a refusal. Left unknown, the
    supervisor waits for a response."""

    supervisee_id: str
    supervisor_id: str
    supervisee_team_id: str | None
    state: RecordState = RecordState.DRAFT
    supervisee_responded: bool = False
    shared_on: date | None = None
    today: date | None = None
    supervisee_name: str | None = None


@dataclass(frozen=True)
class ChildTarget:
    child_id: str
    allocated_worker_id: str | None
    team_id: str | None  # the allocated worker's team


@dataclass(frozen=True)
class CaseDiscussionTarget:
    """One child's case discussion in a supervision record (DESIGN.md §2: also a
    management-oversight entry on that child's record). ``child`` is the child as allocated
    *now*: once the record is released the discussion follows the child (§1.1), whoever
    the child's worker is today. Without it the discussion is only part of its record."""

    session: SupervisionTarget
    child: ChildTarget | None = None


@dataclass(frozen=True)
class OversightTarget:
    author_id: str
    child: ChildTarget
    state: RecordState = RecordState.DRAFT


@dataclass(frozen=True)
class AddendumTarget:
    """An addendum to a signed record: a supervision record, an oversight note or a
    supervision agreement."""

    author_id: str
    parent: Union[SupervisionTarget, OversightTarget, AgreementTarget]
    state: RecordState = RecordState.DRAFT


@dataclass(frozen=True)
class ActionItemTarget:
    owner_id: str | None
    parent: Union[SupervisionTarget, OversightTarget]


@dataclass(frozen=True)
class TeamTarget:
    team_id: str


@dataclass(frozen=True)
class CancellationTarget:
    """A cancelled planned session (issue 21): the pair it was planned between."""

    supervisee_id: str
    supervisor_id: str
    supervisee_team_id: str | None


@dataclass(frozen=True)
class AgreementTarget:
    """The supervision agreement between a supervisee and their supervisor."""

    supervisee_id: str
    supervisor_id: str
    supervisee_team_id: str | None
    state: RecordState = RecordState.DRAFT


@dataclass(frozen=True)
class FeedbackTarget:
    """A supervisee's feedback on one signed session: theirs alone. Managers see a team's
    feedback only added together (``domain.feedback``), never one person's answers."""

    supervisee_id: str
    session: SupervisionTarget


@dataclass(frozen=True)
class DirectoryTarget:
    """The staff directory, teams, roles, retention and certificates."""


Target = Union[
    SupervisionTarget, ChildTarget, CaseDiscussionTarget, OversightTarget, AddendumTarget, ActionItemTarget,
    TeamTarget, DirectoryTarget, CancellationTarget, AgreementTarget, FeedbackTarget,
]


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def _yes(reason: str = "allowed") -> Decision:
    return Decision(True, reason)


def _no(reason: str) -> Decision:
    return Decision(False, reason)


def _lifecycle(kind: RecordKind, state: RecordState, event: Event) -> Decision:
    try:
        next_state(kind, state, event)
    except IllegalTransition as refused:
        return _no(refused.reason)
    return _yes()


_ADMIN_READS_NOTHING = "Administrators manage the directory; they cannot read records."


def decide(actor: Actor, operation: Operation, target: Target) -> Decision:
    if isinstance(target, SupervisionTarget):
        return _decide_supervision(actor, operation, target)
    if isinstance(target, ChildTarget):
        return _decide_child(actor, operation, target)
    if isinstance(target, CaseDiscussionTarget):
        return _decide_case_discussion(actor, operation, target)
    if isinstance(target, OversightTarget):
        return _decide_oversight(actor, operation, target)
    if isinstance(target, AddendumTarget):
        return _decide_addendum(actor, operation, target)
    if isinstance(target, ActionItemTarget):
        return _decide_action_item(actor, operation, target)
    if isinstance(target, TeamTarget):
        return _decide_team(actor, operation, target)
    if isinstance(target, CancellationTarget):
        return _decide_cancellation(actor, operation, target)
    if isinstance(target, AgreementTarget):
        return _decide_agreement(actor, operation, target)
    if isinstance(target, FeedbackTarget):
        return _decide_feedback(actor, operation, target)
    if isinstance(target, DirectoryTarget):
        if operation in (Operation.MANAGE_DIRECTORY, Operation.MANAGE_CERTIFICATES):
            if actor.role == Role.ADMINISTRATOR:
                return _yes()
            return _no("Only an administrator manages the directory and certificates.")
        return _no(f"'{operation}' does not apply to the directory.")
    # group supervision (issue 21): its own rules module, which builds on this one
    from .group_supervision import GroupActionTarget, GroupTarget, decide_group, decide_group_action

    if isinstance(target, GroupTarget):
        return decide_group(actor, operation, target)
    if isinstance(target, GroupActionTarget):
        return decide_group_action(actor, operation, target)
    raise TypeError(f"unknown target {type(target).__name__}")


def may(actor: Actor, operation: Operation, target: Target) -> bool:
    return decide(actor, operation, target).allowed


def awaits_supervisor(state: RecordState) -> bool:
    """Whether a supervision record still waits on its supervisor's own action: finishing
    and sharing a draft, signing once shared. After the supervisor signs it waits only on
    the supervisee."""
    return state in (RecordState.DRAFT, RecordState.SHARED)


def line_manages_supervisee(actor: Actor, t: SupervisionTarget) -> bool:
    return actor.line_manages(t.supervisee_id, t.supervisee_team_id)


def holds_as_supervisor(actor: Actor, t: SupervisionTarget) -> bool:
    """The supervisor who wrote a record keeps it while they still supervise the person;
    after the person moves to another manager, only until their own part is done
    (DESIGN.md §1.1: finish, share, sign)."""
    if actor.staff_id != t.supervisor_id:
        return False
    return line_manages_supervisee(actor, t) or awaits_supervisor(t.state)


def _decide_supervision(actor: Actor, op: Operation, t: SupervisionTarget) -> Decision:
    is_supervisor = actor.staff_id == t.supervisor_id
    is_supervisee = actor.staff_id == t.supervisee_id
    line_manages = line_manages_supervisee(actor, t)
    supervisor_holds = holds_as_supervisor(actor, t)

    if op == Operation.CREATE:
        if actor.role in MANAGER_ROLES and line_manages and is_supervisor:
            return _yes()
        return _no("You can record supervision only for workers in teams you manage.")

    if actor.role == Role.ADMINISTRATOR and not (is_supervisor or is_supervisee):
        return _no(_ADMIN_READS_NOTHING)

    if op in (Operation.VIEW, Operation.EXPORT):
        if supervisor_holds or line_manages:
            return _yes()
        if is_supervisee:
            if t.state == RecordState.DRAFT:
                return _no("Your supervisor has not shared this record with you yet.")
            return _yes()
        if actor.role == Role.QA_AUDITOR:
            if t.state == RecordState.DRAFT:
                return _no("Drafts are not open to audit.")
            return _yes()
        if is_supervisor:
            return _no("This worker has a new manager now; their supervision history is "
                       "with them.")
        return _no("This supervision record belongs to another worker.")

    if op == Operation.VIEW_PRIVATE:
        # never inherited: a new manager, managers above and auditors see that it exists
        if supervisor_holds or (is_supervisee and t.state != RecordState.DRAFT):
            return _yes()
        return _no("Wellbeing and support notes are private to the supervisor and supervisee.")

    if op == Operation.GRADE:
        if actor.role != Role.QA_AUDITOR:
            return _no("Only a quality assurance auditor grades records.")
        if is_supervisor or is_supervisee:
            return _no("You cannot audit your own supervision.")
        if t.state == RecordState.DRAFT:
            return _no("Drafts are not open to audit.")
        return _yes()

    supervisor_events = {
        Operation.EDIT: Event.EDIT,
        Operation.SHARE: Event.SHARE,
        Operation.WITHDRAW: Event.WITHDRAW,
        Operation.SIGN_AS_SUPERVISOR: Event.SIGN_AS_SUPERVISOR,
    }
    supervisee_events = {
        Operation.RESPOND: Event.RESPOND,
        Operation.SIGN_AS_SUPERVISEE: Event.SIGN_AS_SUPERVISEE,
    }
    if op in supervisor_events:
        if not is_supervisor:
            return _no("Only the supervisor who recorded this session can do that.")
        decision = _lifecycle(RecordKind.SUPERVISION, t.state, supervisor_events[op])
        if decision and op == Operation.SIGN_AS_SUPERVISOR:
            refusal = supervisor_sign_refusal(t.supervisee_name, t.shared_on,
                                              t.supervisee_responded, t.today)
            if refusal:
                return _no(refusal)
        return decision
    if op in supervisee_events:
        if not is_supervisee:
            return _no("Only the supervisee can respond to and sign their record.")
        return _lifecycle(RecordKind.SUPERVISION, t.state, supervisee_events[op])
    if op == Operation.RESOLVE_DISAGREEMENT:
        # DESIGN.md §2: a disagreement is flagged to the next manager up, who resolves it.
        if is_supervisor or is_supervisee:
            return _no("A disagreement is resolved by a manager above the supervisor, not by "
                       "the supervisor or the supervisee.")
        if not line_manages:
            return _no("Only a manager of the supervisee's team, above their supervisor, can "
                       "record how a disagreement was resolved.")
        return _yes()
    if op == Operation.ADD_ADDENDUM:
        if not (supervisor_holds or is_supervisee):
            return _no("Only the supervisor or supervisee can add an addendum.")
        if t.state != RecordState.LOCKED:
            return _no("Addenda are for signed records; edit the record itself while it is open.")
        return _yes()
    return _no(f"'{op}' does not apply to a supervision record.")


def _decide_child(actor: Actor, op: Operation, t: ChildTarget) -> Decision:
    if op == Operation.VIEW:
        if actor.staff_id == t.allocated_worker_id or actor.manages_team(t.team_id):
            return _yes()
        if actor.role == Role.QA_AUDITOR:
            return _yes()
        if actor.role == Role.ADMINISTRATOR:
            return _no(_ADMIN_READS_NOTHING)
        return _no("This child is not allocated to you or to a team you manage.")
    if op == Operation.CREATE:  # a management-oversight note on the child
        if actor.manages_team(t.team_id):
            return _yes()
        return _no("Only a manager of the child's team can record management oversight.")
    return _no(f"'{op}' does not apply to a child's record.")


def _decide_case_discussion(actor: Actor, op: Operation, t: CaseDiscussionTarget) -> Decision:
    """Seen by whoever may see its record, and, once the record is released, by whoever
    may see the child now (§1.1: the child's worker, their managers and chain, cover,
    auditors), so a child's oversight history crosses a transfer between teams. Only the
    discussion goes to them, never the rest of the record. Anything else is asked of the
    record it is part of (edited and signed with it)."""
    if op not in (Operation.VIEW, Operation.EXPORT):
        if op == Operation.VIEW_PRIVATE:
            return _no("A case discussion has no private section.")
        return decide(actor, op, t.session)
    record_view = decide(actor, op, t.session)
    if not record_view and follows_child(actor, t):
        return _yes("follows the child's allocation")
    return record_view


def follows_child(actor: Actor, t: CaseDiscussionTarget) -> bool:
    """Whether the actor may see this discussion as an oversight entry on the child's
    record (the record released, the child open to them), whether or not they may see the
    record it is part of."""
    return (t.child is not None and is_released(t.session)
            and _decide_child(actor, Operation.VIEW, t.child).allowed)


def sees_only_as_child_entry(actor: Actor, t: CaseDiscussionTarget) -> bool:
    """Whether the actor sees this discussion only through the child: they hold it without
    its record, so it travels to them with just the few facts of its record a chronology
    shows (when, who supervised whom, how far it is signed)."""
    return not decide(actor, Operation.VIEW, t.session).allowed and follows_child(actor, t)


def _decide_oversight(actor: Actor, op: Operation, t: OversightTarget) -> Decision:
    is_author = actor.staff_id == t.author_id
    if op in (Operation.VIEW, Operation.EXPORT):
        # a signed note follows the child's allocation (DESIGN.md §1.1); its author keeps
        # it only while it waits for their signature
        if is_author and t.state != RecordState.LOCKED:
            return _yes()
        child_view = _decide_child(actor, Operation.VIEW, t.child)
        if not child_view:
            return child_view
        if t.state != RecordState.LOCKED and not actor.manages_team(t.child.team_id):
            return _no("This oversight note is still a draft.")
        return _yes()
    if op == Operation.GRADE:
        if actor.role != Role.QA_AUDITOR:
            return _no("Only a quality assurance auditor grades records.")
        if t.state != RecordState.LOCKED:
            return _no("Drafts are not open to audit.")
        return _yes()
    if op in (Operation.EDIT, Operation.SIGN_AS_AUTHOR):
        if not is_author:
            return _no("Only the author of an oversight note can change or sign it.")
        event = Event.EDIT if op == Operation.EDIT else Event.SIGN_AS_AUTHOR
        return _lifecycle(RecordKind.OVERSIGHT_NOTE, t.state, event)
    if op == Operation.ADD_ADDENDUM:
        if not is_author:
            return _no("Only the author can add an addendum to an oversight note.")
        if t.state != RecordState.LOCKED:
            return _no("Addenda are for signed records; edit the note itself while it is open.")
        return _yes()
    return _no(f"'{op}' does not apply to an oversight note.")


def _decide_addendum(actor: Actor, op: Operation, t: AddendumTarget) -> Decision:
    if op in (Operation.VIEW, Operation.EXPORT):
        # a draft is its author's alone until signed: the server sends it to no one else
        if t.state != RecordState.LOCKED and actor.staff_id != t.author_id:
            return _no("This addendum is still a draft; only its author sees it until they sign it.")
        return decide(actor, Operation.VIEW, t.parent)
    if op in (Operation.EDIT, Operation.SIGN_AS_AUTHOR):
        if actor.staff_id != t.author_id:
            return _no("Only the author of an addendum can change or sign it.")
        event = Event.EDIT if op == Operation.EDIT else Event.SIGN_AS_AUTHOR
        return _lifecycle(RecordKind.ADDENDUM, t.state, event)
    return _no(f"'{op}' does not apply to an addendum.")


def is_released(record: Union[SupervisionTarget, OversightTarget]) -> bool:
    """Whether a record has left its author's hands: a supervision record once shared with
    the supervisee (shared, signed by the supervisor, locked), an oversight note once its
    author has signed it. Until then it is a draft in progress: it gives no assurance and
    nothing in it (its actions included) reaches anyone but those who may read the draft."""
    if isinstance(record, SupervisionTarget):
        return record.state != RecordState.DRAFT
    return record.state == RecordState.LOCKED


def _decide_action_item(actor: Actor, op: Operation, t: ActionItemTarget) -> Decision:
    # The owner of an action sees it, and moves it on, once the record it comes from has
    # been released (see ``is_released``), even where they may not read that record (an
    # action owned by someone other than the supervisee). Until then an action is part of
    # a draft, seen only by whoever may read the draft.
    is_owner = t.owner_id is not None and actor.staff_id == t.owner_id
    owner_sees = is_owner and is_released(t.parent)
    if op == Operation.VIEW:
        if owner_sees:
            return _yes()
        return decide(actor, Operation.VIEW, t.parent)
    if op == Operation.UPDATE_STATUS:
        if actor.role in (Role.QA_AUDITOR, Role.ADMINISTRATOR):
            return _no("Auditors and administrators do not change actions.")
        if owner_sees:
            return _yes()
        parent = t.parent
        if isinstance(parent, SupervisionTarget):
            if holds_as_supervisor(actor, parent) or line_manages_supervisee(actor, parent):
                return _yes()
        elif actor.staff_id == parent.author_id or actor.manages_team(parent.child.team_id):
            return _yes()
        if is_owner:
            return _no("This action is in a record that is still a draft.")
        return _no("Only the action's owner or a manager responsible for it can update it.")
    return _no(f"'{op}' does not apply to an action.")


def _decide_team(actor: Actor, op: Operation, t: TeamTarget) -> Decision:
    if op == Operation.VIEW:
        if actor.manages_team(t.team_id):
            return _yes()
        return _no("You do not manage this team.")
    if op == Operation.SET_POLICY:
        if actor.role in (Role.SERVICE_MANAGER, Role.HEAD_OF_SERVICE) and actor.manages_team(t.team_id):
            return _yes()
        return _no("Only the service manager or head of service sets a team's supervision policy.")
    return _no(f"'{op}' does not apply to a team.")


def _decide_cancellation(actor: Actor, op: Operation, t: CancellationTarget) -> Decision:
    is_supervisee = actor.staff_id == t.supervisee_id
    line_manages = actor.line_manages(t.supervisee_id, t.supervisee_team_id)
    if op in (Operation.CREATE, Operation.EDIT):
        if line_manages:
            return _yes()
        return _no("Only a manager of the worker's team records a cancelled supervision.")
    if op == Operation.VIEW:
        # the manager who recorded it keeps it only while they manage the worker: nothing
        # waits on them (DESIGN.md §1.1)
        if is_supervisee or line_manages:
            return _yes()
        if actor.role == Role.QA_AUDITOR:
            return _yes()
        if actor.role == Role.ADMINISTRATOR:
            return _no(_ADMIN_READS_NOTHING)
        return _no("This cancelled supervision belongs to another worker.")
    return _no(f"'{op}' does not apply to a cancelled supervision.")


def _decide_agreement(actor: Actor, op: Operation, t: AgreementTarget) -> Decision:
    # Seen and signed like a supervision record: written by the supervisor, released to
    # the supervisee when the supervisor signs, locked by the supervisee's signature.
    is_supervisor = actor.staff_id == t.supervisor_id
    is_supervisee = actor.staff_id == t.supervisee_id
    line_manages = actor.line_manages(t.supervisee_id, t.supervisee_team_id)
    if op == Operation.CREATE:
        if actor.role in MANAGER_ROLES and line_manages and is_supervisor:
            return _yes()
        return _no("You can write a supervision agreement only with workers in teams you manage.")
    if actor.role == Role.ADMINISTRATOR and not (is_supervisor or is_supervisee):
        return _no(_ADMIN_READS_NOTHING)
    if op in (Operation.VIEW, Operation.EXPORT):
        # as a record (``holds_as_supervisor``): its supervisor keeps it while they still
        # supervise the person, after a move only while it waits on their signature
        if line_manages or (is_supervisor and t.state == RecordState.DRAFT):
            return _yes()
        if is_supervisee or actor.role == Role.QA_AUDITOR:
            if t.state == RecordState.DRAFT:
                return _no("The supervisor has not signed this agreement yet.")
            return _yes()
        return _no("This supervision agreement belongs to another worker.")
    if op in (Operation.EDIT, Operation.SIGN_AS_SUPERVISOR):
        if not is_supervisor:
            return _no("Only the supervisor who wrote this agreement can do that.")
        event = Event.EDIT if op == Operation.EDIT else Event.SIGN_AS_SUPERVISOR
        return _lifecycle(RecordKind.AGREEMENT, t.state, event)
    if op == Operation.SIGN_AS_SUPERVISEE:
        if not is_supervisee:
            return _no("Only the supervisee signs their side of the agreement.")
        return _lifecycle(RecordKind.AGREEMENT, t.state, Event.SIGN_AS_SUPERVISEE)
    if op == Operation.ADD_ADDENDUM:
        # as a supervision record: its two parties, once both have signed; the supervisor
        # only while they still supervise the person (a new manager writes a new agreement)
        if not ((is_supervisor and line_manages) or is_supervisee):
            return _no("Only the supervisor and supervisee of this agreement can add an addendum.")
        if t.state != RecordState.LOCKED:
            return _no("Addenda are for signed agreements; edit the agreement itself while it is open.")
        return _yes()
    return _no(f"'{op}' does not apply to a supervision agreement.")


def _decide_feedback(actor: Actor, op: Operation, t: FeedbackTarget) -> Decision:
    if actor.staff_id != t.supervisee_id:
        return _no("Feedback on supervision is the supervisee's own; managers see only a "
                   "team's answers added together.")
    if op == Operation.VIEW:
        return _yes()
    if op in (Operation.CREATE, Operation.EDIT):
        if t.session.supervisee_id != actor.staff_id:
            return _no("You can give feedback only on your own supervision.")
        if t.session.state != RecordState.LOCKED:
            return _no("Feedback is asked for once both of you have signed the record.")
        return _yes()
    return _no(f"'{op}' does not apply to feedback.")

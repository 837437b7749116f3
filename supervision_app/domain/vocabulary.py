"""The fixed vocabularies of the domain: roles, legal statuses, states.

Values are short stable strings because they are stored, synced and signed; labels are
what people read.
"""
from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    SOCIAL_WORKER = "social_worker"
    TEAM_MANAGER = "team_manager"
    SERVICE_MANAGER = "service_manager"
    HEAD_OF_SERVICE = "head_of_service"
    QA_AUDITOR = "qa_auditor"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    Role.SOCIAL_WORKER: "Social worker",
    Role.TEAM_MANAGER: "Team manager",
    Role.SERVICE_MANAGER: "Service manager",
    Role.HEAD_OF_SERVICE: "Head of service",
    Role.QA_AUDITOR: "Quality assurance auditor",
    Role.ADMINISTRATOR: "Administrator",
}


class LegalStatus(StrEnum):
    CHILD_IN_NEED = "child_in_need"
    CHILD_PROTECTION = "child_protection"
    CHILD_LOOKED_AFTER = "child_looked_after"
    CARE_LEAVER = "care_leaver"

    @property
    def label(self) -> str:
        return {
            LegalStatus.CHILD_IN_NEED: "Child in need",
            LegalStatus.CHILD_PROTECTION: "Child protection",
            LegalStatus.CHILD_LOOKED_AFTER: "Child looked after",
            LegalStatus.CARE_LEAVER: "Care leaver",
        }[self]


class SessionType(StrEnum):
    PLANNED_ONE_TO_ONE = "planned_1to1"
    UNPLANNED = "unplanned"
    GROUP = "group"

    @property
    def label(self) -> str:
        return {
            SessionType.PLANNED_ONE_TO_ONE: "Planned 1:1",
            SessionType.UNPLANNED: "Unplanned / ad hoc",
            SessionType.GROUP: "Group",
        }[self]


class RecordState(StrEnum):
    """Where a signable record is in its life. See ``lifecycle`` for the moves."""

    DRAFT = "draft"
    SHARED = "shared"
    SUPERVISOR_SIGNED = "supervisor_signed"
    LOCKED = "locked"

    @property
    def label(self) -> str:
        return {
            RecordState.DRAFT: "Draft",
            RecordState.SHARED: "Shared with supervisee",
            RecordState.SUPERVISOR_SIGNED: "Signed by supervisor",
            RecordState.LOCKED: "Signed and locked",
        }[self]


class Agreement(StrEnum):
    AGREES = "agrees"
    DISAGREES = "disagrees"


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    NO_LONGER_NEEDED = "no_longer_needed"

    @property
    def label(self) -> str:
        return {
            ActionStatus.OPEN: "Open",
            ActionStatus.DONE: "Done",
            ActionStatus.NO_LONGER_NEEDED: "No longer needed",
        }[self]


class OversightTrigger(StrEnum):
    REFERRAL_DECISION = "referral_decision"
    STRATEGY_DISCUSSION = "strategy_discussion"
    PLAN_REVIEW = "plan_review"
    TRANSFER = "transfer"
    CLOSURE = "closure"
    VISIT_OVERDUE = "visit_overdue"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class SupervisionStatus(StrEnum):
    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"

    @property
    def label(self) -> str:
        return {
            SupervisionStatus.ON_TRACK: "On track",
            SupervisionStatus.DUE_SOON: "Due within 7 days",
            SupervisionStatus.OVERDUE: "Overdue",
        }[self]


class Complexity(StrEnum):
    """How complex a worker's caseload is (a supervision record's workload section)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Capacity(StrEnum):
    """Whether a worker has room for more work (a supervision record's workload section)."""

    HAS_CAPACITY = "has_capacity"
    AT_CAPACITY = "at_capacity"
    OVER_CAPACITY = "over_capacity"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

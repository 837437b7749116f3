"""Audit rounds: draw a dip sample, grade each record on a checklist, record findings and
actions for the responsible manager, track the actions to closure, complete the round.

The auditor reads what they audit and never changes it: every function here writes only to
the audit tables (``audit_round``, ``audit_item``, ``audit_action``) and the audit log, and
asks ``domain.permissions.decide`` before grading (``GRADE`` on a supervision record: not a
draft, not one's own; ``VIEW`` on a child for a quality assurance auditor). Locked records
are in any case protected by the database triggers. A completed round is frozen by triggers
of its own (migration 0004).

Every function takes an open session (the caller owns the transaction) and the actor.
"""
from __future__ import annotations

import json
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Iterable, Mapping, Sequence

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from ..domain.permissions import Actor, ChildTarget, Operation, decide
from ..domain.text_rules import InvalidInput, clean_text
from ..domain.time_rules import london_date, utc_now
from ..domain.vocabulary import ActionStatus, LegalStatus, RecordState, Role
from ..store.assurance_models import AuditAction, AuditItem, AuditRound
from ..store.audit_log import record_event
from ..store.models import CaseDiscussion, Child, Staff, SupervisionSession, Team
from ..store.supervision_records import NotAllowed, NotFound, require, session_target
from .compliance_rows import utc_start
from .sampling import MAX_SEED, Candidate, draw_sample

__all__ = [
    "Grade", "NOT_APPLICABLE", "ChecklistQuestion", "DEFAULT_CHECKLISTS", "Population",
    "population", "create_round", "grade_item", "add_audit_action", "set_audit_action_status",
    "complete_round", "round_report", "list_rounds", "RoundReport", "ItemReport",
    "ActionReport", "RoundSummary", "SEVERITY", "AuditActionRow", "list_audit_actions",
]


class Grade(StrEnum):
    OUTSTANDING = "outstanding"
    GOOD = "good"
    REQUIRES_IMPROVEMENT = "requires_improvement"
    INADEQUATE = "inadequate"

    @property
    def label(self) -> str:
        return {
            Grade.OUTSTANDING: "Outstanding",
            Grade.GOOD: "Good",
            Grade.REQUIRES_IMPROVEMENT: "Requires improvement",
            Grade.INADEQUATE: "Inadequate",
        }[self]


NOT_APPLICABLE = "not_applicable"


class Population(StrEnum):
    CHILDREN = "children"
    SUPERVISION = "supervision"


@dataclass(frozen=True)
class ChecklistQuestion:
    key: str
    text: str


DEFAULT_CHECKLISTS: dict[Population, tuple[ChecklistQuestion, ...]] = {
    Population.SUPERVISION: (
        ChecklistQuestion("frequency", "Supervision is held within the policy interval and recorded promptly"),
        ChecklistQuestion("analysis", "Case discussions analyse worries, strengths and what needs to happen"),
        ChecklistQuestion("decisions", "Management decisions are clear and recorded with their rationale"),
        ChecklistQuestion("actions", "Actions have an owner and a due date and are reviewed next time"),
        ChecklistQuestion("reflection", "Reflection, wellbeing and development are addressed"),
    ),
    Population.CHILDREN: (
        ChecklistQuestion("regularity", "Management oversight is regular and within the expected interval"),
        ChecklistQuestion("rationale", "Decisions are recorded with their rationale"),
        ChecklistQuestion("child_focus", "The child's lived experience and views shape the decisions"),
        ChecklistQuestion("progress", "The plan progresses; actions are owned and timely"),
        ChecklistQuestion("pathway", "Care leavers: the pathway plan is reviewed by a manager"),
    ),
}

# most serious first: a supervision record is put in the stratum of the most serious
# legal status among the children it discusses
SEVERITY = (LegalStatus.CHILD_PROTECTION, LegalStatus.CHILD_LOOKED_AFTER,
            LegalStatus.CARE_LEAVER, LegalStatus.CHILD_IN_NEED)
NO_CHILDREN = "none"
UNALLOCATED = "unallocated"


def _require_auditor(actor: Actor) -> None:
    if actor.role != Role.QA_AUDITOR:
        raise NotAllowed("Only a quality assurance auditor draws samples and grades records.")


def _touch(row, actor: Actor) -> None:
    row.version = (row.version or 0) + 1
    row.updated_at = utc_now()
    row.updated_by = actor.staff_id


# --------------------------------------------------------------------------- population

def population(
    session: Session,
    actor: Actor,
    kind: Population | str,
    *,
    team_ids: Sequence[str] | None = None,
    legal_statuses: Sequence[str] | None = None,
    held_from: date | None = None,
    held_to: date | None = None,
    weights: Mapping[str, float] | None = None,
) -> list[Candidate]:
    """What may be sampled, each with its stratum (team, legal status). Only records the
    auditor may grade: never a draft, never their own supervision."""
    kind = Population(kind)
    staff_team = dict(session.execute(select(Staff.id, Staff.team_id)).all())
    wanted_status = set(legal_statuses) if legal_statuses else None
    wanted_team = set(team_ids) if team_ids is not None else None
    out: list[Candidate] = []
    if kind == Population.CHILDREN:
        for cid, status, worker in session.execute(
                select(Child.id, Child.legal_status, Child.allocated_worker_id)
                .where(Child.tombstone.is_(False))):
            team = staff_team.get(worker) if worker else None
            target = ChildTarget(cid, worker, team)
            if not decide(actor, Operation.VIEW, target):
                continue
            key = (team or UNALLOCATED, status)
            if _wanted(key, wanted_team, wanted_status):
                out.append(Candidate(cid, key, (weights or {}).get(cid, 1.0)))
        return out
    conditions = [SupervisionSession.tombstone.is_(False),
                  SupervisionSession.state != RecordState.DRAFT.value]
    if held_from:
        conditions.append(SupervisionSession.held_at >= utc_start(held_from))
    if held_to:
        conditions.append(SupervisionSession.held_at < utc_start(held_to + timedelta(days=1)))
    discussed: dict[str, set[str]] = defaultdict(set)
    for sid, status in session.execute(
            select(CaseDiscussion.session_id, Child.legal_status)
            .join(Child, Child.id == CaseDiscussion.child_id)
            .join(SupervisionSession, SupervisionSession.id == CaseDiscussion.session_id)
            .where(CaseDiscussion.tombstone.is_(False), *conditions)):
        discussed[sid].add(status)
    for row in session.scalars(select(SupervisionSession).where(*conditions)):
        if not decide(actor, Operation.GRADE, session_target(row)):
            continue
        statuses = discussed.get(row.id, set())
        status = next((s.value for s in SEVERITY if s.value in statuses), NO_CHILDREN)
        key = (row.team_id or staff_team.get(row.supervisee_id) or UNALLOCATED, status)
        if _wanted(key, wanted_team, wanted_status):
            out.append(Candidate(row.id, key, (weights or {}).get(row.id, 1.0)))
    return out


def _wanted(key, teams, statuses) -> bool:
    return (teams is None or key[0] in teams) and (statuses is None or key[1] in statuses)


# --------------------------------------------------------------------------- rounds

def _checklist_json(kind: Population, checklist: Iterable[ChecklistQuestion] | None) -> str:
    questions = list(checklist) if checklist is not None else list(DEFAULT_CHECKLISTS[kind])
    if not questions:
        raise InvalidInput("A checklist needs at least one question.")
    keys = [q.key for q in questions]
    if len(set(keys)) != len(keys) or any(not k.strip() for k in keys):
        raise InvalidInput("Each checklist question needs its own short key.")
    return json.dumps([{"key": q.key, "text": clean_text("Checklist question", q.text)}
                       for q in questions])


def create_round(
    session: Session,
    actor: Actor,
    *,
    title: str,
    kind: Population | str,
    size: int | None = None,
    per_stratum: int | None = None,
    seed: int | None = None,
    team_ids: Sequence[str] | None = None,
    legal_statuses: Sequence[str] | None = None,
    held_from: date | None = None,
    held_to: date | None = None,
    checklist: Iterable[ChecklistQuestion] | None = None,
    weights: Mapping[str, float] | None = None,
) -> str:
    """Draw a sample and open a round for it; returns the round's id. Without a seed one
    is chosen at random and kept, so the draw can be repeated and checked."""
    _require_auditor(actor)
    kind = Population(kind)
    if seed is None:
        seed = secrets.randbelow(MAX_SEED + 1)
    if size is not None and not 1 <= size <= 2000:
        raise InvalidInput("A dip sample holds between 1 and 2,000 records.")
    if per_stratum is not None and not 1 <= per_stratum <= 200:
        raise InvalidInput("Between 1 and 200 records per stratum.")
    candidates = population(session, actor, kind, team_ids=team_ids, legal_statuses=legal_statuses,
                            held_from=held_from, held_to=held_to, weights=weights)
    chosen = draw_sample(candidates, seed=seed, size=size, per_stratum=per_stratum,
                         weighted=weights is not None)
    if not chosen:
        raise InvalidInput("Nothing matches: there are no records to sample with those choices.")
    design = {
        "team_ids": sorted(team_ids) if team_ids is not None else None,
        "legal_statuses": sorted(legal_statuses) if legal_statuses else None,
        "held_from": held_from.isoformat() if held_from else None,
        "held_to": held_to.isoformat() if held_to else None,
        "per_stratum": per_stratum,
        "weighted": weights is not None,
        "population_size": len(candidates),
    }
    round_ = AuditRound(title=clean_text("Title", title).strip() or "Audit round",
                        population=kind.value, seed=seed, sample_size=len(chosen),
                        design=json.dumps(design, sort_keys=True),
                        checklist=_checklist_json(kind, checklist), created_by=actor.staff_id,
                        updated_by=actor.staff_id)
    session.add(round_)
    session.flush()
    record_kind = "child" if kind == Population.CHILDREN else "supervision"
    for position, c in enumerate(chosen, start=1):
        session.add(AuditItem(round_id=round_.id, position=position, record_kind=record_kind,
                              record_id=c.record_id,
                              team_id=None if c.stratum[0] == UNALLOCATED else c.stratum[0],
                              stratum="/".join(c.stratum), updated_by=actor.staff_id))
    session.flush()
    record_event(session, actor_id=actor.staff_id, action="audit_round_created",
                 record_kind="audit_round", record_id=round_.id)
    return round_.id


def _round(session: Session, round_id: str) -> AuditRound:
    row = session.get(AuditRound, round_id)
    if row is None or row.tombstone:
        raise NotFound("That audit round no longer exists.")
    return row


def _item(session: Session, item_id: str) -> tuple[AuditItem, AuditRound]:
    item = session.get(AuditItem, item_id)
    if item is None or item.tombstone:
        raise NotFound("That sampled record is no longer in the audit round.")
    return item, _round(session, item.round_id)


def _check_may_grade(session: Session, actor: Actor, item: AuditItem) -> None:
    _require_auditor(actor)
    if item.record_kind == "supervision":
        record = session.get(SupervisionSession, item.record_id)
        if record is None or record.tombstone:
            raise NotFound("The sampled supervision record is no longer on this computer.")
        require(decide(actor, Operation.GRADE, session_target(record)))
    else:
        child = session.get(Child, item.record_id)
        if child is None or child.tombstone:
            raise NotFound("The sampled child's record is no longer on this computer.")
        team = session.scalar(select(Staff.team_id).where(Staff.id == child.allocated_worker_id)) \
            if child.allocated_worker_id else None
        require(decide(actor, Operation.VIEW, ChildTarget(child.id, child.allocated_worker_id, team)))


def grade_item(
    session: Session,
    actor: Actor,
    item_id: str,
    *,
    grade: Grade | str,
    answers: Mapping[str, str],
    finding: str,
) -> None:
    """Grade one sampled record: a grade per checklist question (or not applicable), an
    overall grade and the finding. Writes only the audit item."""
    item, round_ = _item(session, item_id)
    if round_.state == "completed":
        raise NotAllowed("This audit round is completed; its grades can no longer change.")
    _check_may_grade(session, actor, item)
    try:
        overall = Grade(grade)
    except ValueError:
        raise InvalidInput("Choose an overall grade: outstanding, good, requires improvement or inadequate.") from None
    questions = [q["key"] for q in json.loads(round_.checklist)]
    unknown = set(answers) - set(questions)
    if unknown:
        raise InvalidInput("An answer was given to a question that is not on this round's checklist.")
    clean = {}
    for key in questions:
        value = answers.get(key)
        if value is None:
            raise InvalidInput("Answer every checklist question (or mark it not applicable).")
        if value != NOT_APPLICABLE:
            try:
                Grade(value)
            except ValueError:
                raise InvalidInput("Each answer is a grade on the four-point scale, or not applicable.") from None
        clean[key] = value
    finding_text = clean_text("Finding", finding).strip()
    if not finding_text:
        raise InvalidInput("Write the finding: what the auditor saw and why it earns this grade.")
    item.grade = overall.value
    item.answers = json.dumps(clean, sort_keys=True)
    item.finding = finding_text
    item.graded_by = actor.staff_id
    item.graded_at = utc_now()
    _touch(item, actor)
    session.flush()
    record_event(session, actor_id=actor.staff_id, action="audit_grade", record_kind="audit_item",
                 record_id=item.id)


def responsible_manager(session: Session, item: AuditItem) -> str | None:
    if not item.team_id:
        return None
    return session.scalar(select(Team.manager_id).where(Team.id == item.team_id))


def add_audit_action(
    session: Session,
    actor: Actor,
    item_id: str,
    *,
    description: str,
    due_on: date,
    owner_id: str | None = None,
) -> str:
    """An action for the responsible manager (the team's manager unless another manager of
    that team is named)."""
    item, round_ = _item(session, item_id)
    _require_auditor(actor)
    owner_id = owner_id or responsible_manager(session, item)
    if owner_id is None:
        raise InvalidInput("Name the manager responsible: this record's team has no manager on file.")
    owner = session.get(Staff, owner_id)
    if owner is None or owner.tombstone or not owner.active:
        raise InvalidInput("The responsible manager is not in the staff directory.")
    from ..store.supervision_records import load_actor

    if not load_actor(session, owner_id).manages_team(item.team_id):
        raise InvalidInput("The action's owner must be a manager of the audited record's team.")
    text = clean_text("Action", description).strip()
    if not text:
        raise InvalidInput("Describe the action.")
    action = AuditAction(round_id=round_.id, item_id=item.id, description=text, owner_id=owner_id,
                         due_on=due_on, created_by=actor.staff_id, updated_by=actor.staff_id)
    session.add(action)
    session.flush()
    record_event(session, actor_id=actor.staff_id, action="audit_action_created",
                 record_kind="audit_action", record_id=action.id)
    return action.id


def set_audit_action_status(
    session: Session, actor: Actor, action_id: str, status: ActionStatus | str, note: str = ""
) -> None:
    """The owner, a manager of the team, or an auditor moves an audit action on."""
    action = session.get(AuditAction, action_id)
    if action is None or action.tombstone:
        raise NotFound("That audit action no longer exists.")
    item = session.get(AuditItem, action.item_id)
    allowed = (actor.staff_id == action.owner_id or actor.role == Role.QA_AUDITOR
               or (actor.role != Role.ADMINISTRATOR and item is not None
                   and actor.manages_team(item.team_id)))
    if not allowed:
        raise NotAllowed("Only the responsible manager, their managers or an auditor can update this action.")
    new = ActionStatus(status)
    action.status = new.value
    if new == ActionStatus.OPEN:
        action.closed_at = None
        action.closed_by = None
    else:
        action.closed_at = utc_now()
        action.closed_by = actor.staff_id
    action.closing_note = clean_text("Note", note).strip()
    _touch(action, actor)
    session.flush()
    record_event(session, actor_id=actor.staff_id, action=f"audit_action_{new.value}",
                 record_kind="audit_action", record_id=action.id)


def complete_round(session: Session, actor: Actor, round_id: str) -> None:
    """Close the round once every sampled record is graded; it is then frozen."""
    _require_auditor(actor)
    round_ = _round(session, round_id)
    if round_.state == "completed":
        return
    ungraded = session.scalar(select(AuditItem.id).where(
        AuditItem.round_id == round_id, AuditItem.tombstone.is_(False), AuditItem.grade.is_(None)).limit(1))
    if ungraded:
        raise InvalidInput("Grade every sampled record before completing the round.")
    round_.state = "completed"
    round_.completed_at = utc_now()
    _touch(round_, actor)
    session.flush()
    record_event(session, actor_id=actor.staff_id, action="audit_round_completed",
                 record_kind="audit_round", record_id=round_.id)


# --------------------------------------------------------------------------- reading

@dataclass(frozen=True)
class ActionReport:
    action_id: str
    description: str
    owner_name: str
    due_on: date
    status: ActionStatus
    closed_on: date | None
    overdue: bool


@dataclass(frozen=True)
class ItemReport:
    item_id: str
    position: int
    record_kind: str
    record_id: str
    record_label: str  # "CS-1001 (Child protection)" or "Supervision of A. Worker, 02/11/2026"
    team_name: str
    stratum_label: str
    grade: Grade | None
    answers: dict[str, str]
    finding: str
    graded_on: date | None
    actions: tuple[ActionReport, ...]


@dataclass(frozen=True)
class RoundReport:
    round_id: str
    title: str
    population: Population
    seed: int
    design: dict
    checklist: tuple[ChecklistQuestion, ...]
    auditor_name: str
    created_on: date
    state: str
    completed_on: date | None
    items: tuple[ItemReport, ...]

    def grade_counts(self) -> dict[Grade | None, int]:
        counts: dict[Grade | None, int] = {g: 0 for g in Grade}
        counts[None] = 0
        for item in self.items:
            counts[item.grade] += 1
        return counts


@dataclass(frozen=True)
class RoundSummary:
    round_id: str
    title: str
    population: Population
    sample_size: int
    graded: int
    open_actions: int
    state: str
    created_on: date


def _may_read_round(actor: Actor) -> bool:
    return actor.role == Role.QA_AUDITOR or actor.role in (
        Role.TEAM_MANAGER, Role.SERVICE_MANAGER, Role.HEAD_OF_SERVICE)


def list_rounds(session: Session, actor: Actor) -> list[RoundSummary]:
    if not _may_read_round(actor):
        return []
    out = []
    for r in session.scalars(select(AuditRound).where(AuditRound.tombstone.is_(False))
                             .order_by(AuditRound.created_at.desc())):
        items = list(session.scalars(select(AuditItem).where(AuditItem.round_id == r.id,
                                                             AuditItem.tombstone.is_(False))))
        if actor.role != Role.QA_AUDITOR:
            items = [i for i in items if actor.manages_team(i.team_id)]
            if not items:
                continue
        ids = {i.id for i in items}
        open_actions = sum(1 for a in session.scalars(select(AuditAction).where(
            AuditAction.round_id == r.id, AuditAction.status == ActionStatus.OPEN.value,
            AuditAction.tombstone.is_(False))) if a.item_id in ids)
        out.append(RoundSummary(r.id, r.title, Population(r.population), len(items),
                                sum(1 for i in items if i.grade), open_actions, r.state,
                                london_date(r.created_at)))
    return out


def round_report(session: Session, actor: Actor, round_id: str, today: date | None = None) -> RoundReport:
    """The round with its sample, grades, findings and actions. An auditor sees it all; a
    manager sees the items in the teams they manage."""
    if not _may_read_round(actor):
        raise NotAllowed("Audit rounds are for auditors and managers.")
    today = today or london_date(utc_now())
    r = _round(session, round_id)
    names = dict(session.execute(select(Staff.id, Staff.display_name)).all())
    teams: dict[str | None, str] = dict(session.execute(select(Team.id, Team.name)).all())
    items = list(session.scalars(select(AuditItem).where(
        AuditItem.round_id == round_id, AuditItem.tombstone.is_(False)).order_by(AuditItem.position)))
    if actor.role != Role.QA_AUDITOR:
        items = [i for i in items if actor.manages_team(i.team_id)]
    actions: dict[str, list[ActionReport]] = defaultdict(list)
    for a in session.scalars(select(AuditAction).where(AuditAction.round_id == round_id,
                                                       AuditAction.tombstone.is_(False))
                             .order_by(AuditAction.created_at)):
        status = ActionStatus(a.status)
        actions[a.item_id].append(ActionReport(
            a.id, a.description, names.get(a.owner_id, ""), a.due_on, status,
            london_date(a.closed_at) if a.closed_at else None,
            status == ActionStatus.OPEN and a.due_on < today))
    labels = _record_labels(session, items, names)
    out = []
    for i in items:
        team_key, _, status_key = i.stratum.partition("/")
        status_label = (LegalStatus(status_key).label if status_key in LegalStatus._value2member_map_
                        else "No children discussed" if status_key == NO_CHILDREN else status_key)
        out.append(ItemReport(
            item_id=i.id, position=i.position, record_kind=i.record_kind, record_id=i.record_id,
            record_label=labels.get(i.record_id, i.record_id),
            team_name=teams.get(i.team_id, "Unallocated"),
            stratum_label=f"{teams.get(i.team_id, 'Unallocated')} / {status_label}",
            grade=Grade(i.grade) if i.grade else None, answers=json.loads(i.answers or "{}"),
            finding=i.finding, graded_on=london_date(i.graded_at) if i.graded_at else None,
            actions=tuple(actions.get(i.id, ()))))
    return RoundReport(
        round_id=r.id, title=r.title, population=Population(r.population), seed=r.seed,
        design=json.loads(r.design or "{}"),
        checklist=tuple(ChecklistQuestion(q["key"], q["text"]) for q in json.loads(r.checklist)),
        auditor_name=names.get(r.created_by, ""), created_on=london_date(r.created_at),
        state=r.state, completed_on=london_date(r.completed_at) if r.completed_at else None,
        items=tuple(out))


def _record_labels(session: Session, items: list[AuditItem], names: dict[str, str]) -> dict[str, str]:
    """Identify each audited record without quoting its contents."""
    labels: dict[str, str] = {}
    child_ids = [i.record_id for i in items if i.record_kind == "child"]
    session_ids = [i.record_id for i in items if i.record_kind == "supervision"]
    if child_ids:
        for cid, case_id, status in session.execute(
                select(Child.id, Child.case_id, Child.legal_status).where(Child.id.in_(child_ids))):
            labels[cid] = f"{case_id} ({LegalStatus(status).label})"
    if session_ids:
        for sid, supervisee, held_at in session.execute(
                select(SupervisionSession.id, SupervisionSession.supervisee_id, SupervisionSession.held_at)
                .where(SupervisionSession.id.in_(session_ids))):
            labels[sid] = f"Supervision of {names.get(supervisee, '')}, {london_date(held_at):%d/%m/%Y}"
    return labels


@dataclass(frozen=True)
class AuditActionRow:
    """An audit action with where it came from: for the manager it is addressed to."""

    action_id: str
    round_id: str
    round_title: str
    item_id: str
    record_kind: str
    record_id: str
    record_label: str
    team_name: str
    description: str
    owner_id: str
    owner_name: str
    due_on: date
    status: ActionStatus
    closed_on: date | None
    closing_note: str
    overdue: bool
    addressed_to_me: bool
    grade: str | None = None  # the audited record's overall grade
    finding: str = ""


def list_audit_actions(session: Session, actor: Actor, *, today: date | None = None,
                       round_id: str | None = None, open_only: bool = False) -> list[AuditActionRow]:
    """Audit actions the actor may see: an auditor every one; a manager those addressed to
    them and those on records of the teams they manage. Open and overdue first."""
    if not _may_read_round(actor):
        return []
    today = today or london_date(utc_now())
    conditions: list[ColumnElement[bool]] = [AuditAction.tombstone.is_(False)]
    if round_id is not None:
        conditions.append(AuditAction.round_id == round_id)
    if open_only:
        conditions.append(AuditAction.status == ActionStatus.OPEN.value)
    rows = session.execute(
        select(AuditAction, AuditItem, AuditRound.title)
        .join(AuditItem, AuditItem.id == AuditAction.item_id)
        .join(AuditRound, AuditRound.id == AuditAction.round_id)
        .where(*conditions, AuditRound.tombstone.is_(False))).all()
    if actor.role != Role.QA_AUDITOR:
        rows = [r for r in rows if r[0].owner_id == actor.staff_id or actor.manages_team(r[1].team_id)]
    names = dict(session.execute(select(Staff.id, Staff.display_name)).all())
    teams: dict[str | None, str] = dict(session.execute(select(Team.id, Team.name)).all())
    labels = _record_labels(session, [item for _a, item, _t in rows], names)
    out = []
    for a, item, title in rows:
        status = ActionStatus(a.status)
        out.append(AuditActionRow(
            action_id=a.id, round_id=a.round_id, round_title=title, item_id=item.id,
            record_kind=item.record_kind, record_id=item.record_id,
            record_label=labels.get(item.record_id, item.record_id),
            team_name=teams.get(item.team_id, "Unallocated"), description=a.description,
            owner_id=a.owner_id, owner_name=names.get(a.owner_id, ""), due_on=a.due_on,
            status=status, closed_on=london_date(a.closed_at) if a.closed_at else None,
            closing_note=a.closing_note,
            overdue=status == ActionStatus.OPEN and a.due_on < today,
            addressed_to_me=a.owner_id == actor.staff_id, grade=item.grade, finding=item.finding))
    out.sort(key=lambda r: (r.status != ActionStatus.OPEN, not r.overdue, r.due_on, r.action_id))
    return out

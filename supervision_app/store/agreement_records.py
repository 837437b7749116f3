"""Supervision agreements in the store: writing one, and where each worker's stands.

The supervisor writes the agreement (its terms start from the team's policy), signs it,
then the supervisee signs it (``records.agreement_signoff``), which locks it: triggers in
migration 0011 refuse any later change. A review is a new agreement; a correction or
addition to a signed one is a signed addendum, as for a signed record (``agreement_addenda``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.agreements import TERM_LABELS, TERMS, AgreementState, agreement_status, default_terms
from ..domain.lifecycle import RecordKind
from ..domain.permissions import Actor, AgreementTarget, Operation, decide
from ..domain.text_rules import clean_text
from ..domain.time_rules import london_date
from ..domain.vocabulary import RecordState
from .audit_log import record_event
from .directory_queries import team_policy
from .models import Signature, Staff, Team
from .pair_team import supervisee_team_now
from .practice_models import SupervisionAgreement
from .record_detail_queries import AddendumRow, addenda_of
from .supervision_records import NotFound, require

KIND = RecordKind.AGREEMENT.value


def agreement_target(row) -> AgreementTarget:
    return AgreementTarget(supervisee_id=row.supervisee_id, supervisor_id=row.supervisor_id,
                           supervisee_team_id=supervisee_team_now(row), state=RecordState(row.state))


def get_agreement(session: Session, actor: Actor, agreement_id: str) -> SupervisionAgreement:
    row = session.get(SupervisionAgreement, agreement_id)
    if row is None or row.tombstone:
        raise NotFound("That supervision agreement is no longer on this computer.")
    require(decide(actor, Operation.VIEW, agreement_target(row)))
    return row


@dataclass(frozen=True)
class AgreementAddenda:
    """The addenda to an agreement the viewer may see (signed ones, and their own drafts),
    and whether they may add one."""

    addenda: tuple[AddendumRow, ...]
    can_add: bool


def agreement_addenda(session: Session, actor: Actor, agreement_id: str) -> AgreementAddenda:
    """As a supervision record's (``queries.addenda_of``): written by either party once both
    have signed, each signed by its author (``records.signoff.sign_addendum``)."""
    row = get_agreement(session, actor, agreement_id)
    return AgreementAddenda(tuple(addenda_of(session, actor, KIND, agreement_id)),
                            decide(actor, Operation.ADD_ADDENDUM, agreement_target(row)).allowed)


def create_agreement(session: Session, actor: Actor, supervisee_id: str,
                     terms: dict[str, str] | None = None) -> str:
    """A new draft agreement between the actor (as supervisor) and ``supervisee_id``."""
    worker = session.get(Staff, supervisee_id)
    if worker is None or worker.tombstone:
        raise NotFound("That worker is not in the local staff directory.")
    policy = team_policy(session, worker.team_id)
    values = default_terms(policy.standard_interval_days, policy.standard_duration_minutes)
    values.update({k: clean_text(TERM_LABELS[k], v) for k, v in (terms or {}).items() if k in TERMS})
    row = SupervisionAgreement(supervisee_id=supervisee_id, supervisor_id=actor.staff_id,
                               team_id=worker.team_id, state="draft", updated_by=actor.staff_id,
                               **values)
    require(decide(actor, Operation.CREATE, agreement_target(row)))
    session.add(row)
    session.flush()
    record_event(session, actor_id=actor.staff_id, action="create", record_kind=KIND, record_id=row.id)
    return row.id


def update_agreement(session: Session, actor: Actor, agreement_id: str, terms: dict[str, str]) -> None:
    row = get_agreement(session, actor, agreement_id)
    require(decide(actor, Operation.EDIT, agreement_target(row)))
    for name, value in terms.items():
        if name not in TERMS:
            raise ValueError(name)
        setattr(row, name, clean_text(TERM_LABELS[name], value))
    row.updated_by = actor.staff_id
    session.flush()
    record_event(session, actor_id=actor.staff_id, action="edit", record_kind=KIND, record_id=row.id)


@dataclass(frozen=True)
class WorkerAgreement:
    worker_id: str
    worker_name: str
    team_id: str | None
    state: AgreementState
    agreement_id: str | None  # the newest the viewer may open (a draft in progress first)
    agreement_state: RecordState | None


def agreement_overview(session: Session, actor: Actor, *, today: date,
                       worker_ids: list[str]) -> list[WorkerAgreement]:
    """Where each worker's agreement stands (missing, awaiting signature, review due)."""
    out = []
    for worker_id in worker_ids:
        worker = session.get(Staff, worker_id)
        if worker is None:
            continue
        team = session.get(Team, worker.team_id) if worker.team_id else None
        current = team.manager_id if team is not None else worker.line_manager_id
        rows = [r for r in session.scalars(
            select(SupervisionAgreement).where(SupervisionAgreement.supervisee_id == worker_id,
                                               SupervisionAgreement.tombstone.is_(False)))
            if decide(actor, Operation.VIEW, agreement_target(r))]
        completed = {r.id: r for r in rows if r.state == RecordState.LOCKED.value}
        signed: list[tuple[date, SupervisionAgreement]] = []
        if completed:
            for record_id, signed_at in session.execute(
                    select(Signature.record_id, Signature.signed_at).where(
                        Signature.record_kind == KIND, Signature.signer_role == "supervisee",
                        Signature.record_id.in_(list(completed)))).all():
                signed.append((london_date(signed_at), completed[record_id]))
        signed.sort(key=lambda pair: pair[0])
        newest = signed[-1] if signed else None
        drafts = [r for r in rows if r.state != RecordState.LOCKED.value]
        state = agreement_status(
            today=today, current_supervisor_id=current,
            signed_on=newest[0] if newest else None, signed_with=newest[1].supervisor_id if newest else None,
            draft_in_progress=bool(drafts))
        shown = drafts[0] if drafts else (newest[1] if newest else None)
        out.append(WorkerAgreement(worker_id, worker.display_name, worker.team_id, state,
                                   shown.id if shown else None,
                                   RecordState(shown.state) if shown else None))
    return out


def agreements_to_review(session: Session, actor: Actor, today: date) -> set[str]:
    """Reminder items (``reminder_queries.AGREEMENT_REVIEW_SOURCES``): for a supervisor, each
    worker they supervise whose agreement is missing, unsigned or due for review; for anyone,
    their own agreement waiting for their signature."""
    from .team_page_queries import team_overview

    workers = [row.worker_id for row in team_overview(session, actor, today)]
    items = {f"{w.worker_id}:{w.state.status.value}"
             for w in agreement_overview(session, actor, today=today, worker_ids=workers)
             if w.state.status.needs_action}
    waiting = session.scalars(select(SupervisionAgreement.id).where(
        SupervisionAgreement.supervisee_id == actor.staff_id,
        SupervisionAgreement.state == RecordState.SUPERVISOR_SIGNED.value,
        SupervisionAgreement.tombstone.is_(False)))
    return items | {f"sign:{agreement_id}" for agreement_id in waiting}


def _register_reminder_source() -> None:
    from .reminder_queries import AGREEMENT_REVIEW_SOURCES

    if agreements_to_review not in AGREEMENT_REVIEW_SOURCES:
        AGREEMENT_REVIEW_SOURCES.append(agreements_to_review)


_register_reminder_source()

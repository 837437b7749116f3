"""Children as the pages show them: the actor's children, a find by case ID or name, when each
last had management oversight, and a child's chronology (audited: call it inside
``Database.transaction()``). Only what ``domain.permissions.decide`` lets the actor see is
returned (the app hides what it cannot show; the server is the authority).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from ..domain.permissions import (
    Actor,
    CaseDiscussionTarget,
    ChildTarget,
    Operation,
    OversightTarget,
    SupervisionTarget,
    decide,
)
from ..domain.text_rules import search_fold, text_sort_key
from ..domain.time_rules import london_date
from ..domain.vocabulary import LegalStatus, OversightTrigger, RecordState
from .audit_log import record_event
from .models import CaseDiscussion, Child, OversightNote, Staff, SupervisionSession
from .supervision_records import NotFound, child_target, require, session_target

_LOCKED = RecordState.LOCKED.value


@dataclass(frozen=True)
class ChildRow:
    child_id: str
    case_id: str
    name: str
    legal_status: LegalStatus
    worker_name: str
    last_oversight: date | None


def _child_rows(session: Session, actor: Actor, *conditions, limit: int | None = None) -> list[ChildRow]:
    worker = aliased(Staff)
    statement = (
        select(Child.id, Child.case_id, Child.name, Child.legal_status,
               Child.allocated_worker_id, worker.display_name, worker.team_id)
        .outerjoin(worker, worker.id == Child.allocated_worker_id)
        .where(Child.tombstone.is_(False), *conditions)
        .order_by(Child.name)
    )
    if limit:
        statement = statement.limit(limit * 4)
    shown = []
    for row in session.execute(statement):
        target = ChildTarget(row.id, row.allocated_worker_id, row.team_id)
        if not decide(actor, Operation.VIEW, target):
            continue
        shown.append((row, target))
        if limit and len(shown) >= limit:
            break
    last = _last_oversight(session, actor, {target.child_id: target for _row, target in shown})
    out = [ChildRow(row.id, row.case_id, row.name, LegalStatus(row.legal_status),
                    row.display_name or "", london_date(last[row.id]) if row.id in last else None)
           for row, _target in shown]
    return sorted(out, key=lambda row: text_sort_key(row.name))  # Émile among the Es


_BY_ID = 50  # up to this many children (a find) are looked up by id; more, in one pass
_SHARED_STATES = tuple(state.value for state in RecordState if state != RecordState.DRAFT)
_NOBODY = ""  # no one's staff id: a signed note's author, where only its state matters


def _last_oversight(session: Session, actor: Actor, children: dict[str, ChildTarget]) -> dict[str, datetime]:
    """When each child's latest oversight entry the actor may see was made: an oversight
    note, or a case discussion (each is also an oversight entry on the child's record,
    DESIGN.md §2), seen as the child's chronology shows them (``child_chronology``): a
    note as ``decide`` allows it, a discussion once its record is shared, or a draft one
    by those who may read the draft. ``children`` are ones the actor may see.

    Set-based, on the narrow assurance indexes: the latest entry per child and per
    distinct set of facts ``decide`` asks about (a signed note's state; a draft note's
    author; a draft record's people and team), each decided once. A long list reads all
    the entries in one pass (a service manager's 600 children: ~25 ms) rather than
    looking each child up by id."""
    if not children:
        return {}
    latest: dict[str, datetime] = {}

    def keep(child_id: str, when: datetime | None) -> None:
        if when is not None and child_id in children and (
                child_id not in latest or when > latest[child_id]):
            latest[child_id] = when

    S, D, N = SupervisionSession, CaseDiscussion, OversightNote
    ids = sorted(children)

    def of(column) -> list:
        return [column.in_(ids)] if len(ids) <= _BY_ID else []

    for child_id, when in session.execute(
            select(N.child_id, func.max(N.recorded_at))
            .where(*of(N.child_id), N.state == _LOCKED, N.tombstone.is_(False))
            .group_by(N.child_id)):
        if child_id in children and decide(actor, Operation.VIEW, OversightTarget(
                _NOBODY, children[child_id], RecordState.LOCKED)):
            keep(child_id, when)
    for child_id, author_id, state, when in session.execute(
            select(N.child_id, N.author_id, N.state, func.max(N.recorded_at))
            .where(*of(N.child_id), N.state != _LOCKED, N.tombstone.is_(False))
            .group_by(N.child_id, N.author_id, N.state)):
        if child_id in children and decide(actor, Operation.VIEW, OversightTarget(
                author_id, children[child_id], RecordState(state))):
            keep(child_id, when)
    for child_id, when in session.execute(
            select(D.child_id, func.max(S.held_at)).join(S, S.id == D.session_id)
            .where(*of(D.child_id), D.tombstone.is_(False), S.tombstone.is_(False),
                   S.state.in_(_SHARED_STATES))
            .group_by(D.child_id)):
        keep(child_id, when)
    # discussions that followed the child here without their record, with what it said of it
    for child_id, held_at in session.execute(
            select(D.child_id, func.max(D.session_held_at))
            .where(*of(D.child_id), D.tombstone.is_(False), D.session_held_at.is_not(None),
                   D.session_state.in_(_SHARED_STATES))
            .group_by(D.child_id)):
        keep(child_id, held_at)
    # drafts are few: those the actor may read, then the children they discuss
    drafts = {r.id: r.held_at for r in session.execute(
        select(S.id, S.supervisee_id, S.supervisor_id, S.team_id, S.held_at)
        .where(S.state == RecordState.DRAFT.value, S.tombstone.is_(False)))
        if decide(actor, Operation.VIEW, SupervisionTarget(
            r.supervisee_id, r.supervisor_id, r.team_id, RecordState.DRAFT))}
    if drafts:
        for child_id, session_id in session.execute(
                select(D.child_id, D.session_id)
                .where(*of(D.child_id), D.session_id.in_(sorted(drafts)), D.tombstone.is_(False))):
            keep(child_id, drafts[session_id])
    _keep_locked_group_discussions(session, actor, children, of, keep, latest)
    return latest


def _keep_locked_group_discussions(session: Session, actor: Actor, children: dict[str, ChildTarget],
                                   of, keep, latest: dict[str, datetime]) -> None:
    """A child discussed in a locked group session (issue 21) had management oversight on
    the day it was held, as the compliance figures count it (``assurance.compliance_children``),
    for an actor who may see the group's shared part (``decide_group``). Newest first, and a
    group is decided (its attendance and signatures read) only when it could still be some
    child's latest entry, so a long list decides few groups."""
    from ..domain.group_supervision import decide_group
    from .group_models import GroupDiscussion, GroupSession
    from .group_records import group_target

    GD, G = GroupDiscussion, GroupSession
    may_see: dict[str, bool] = {}
    for child_id, group_id, held_at in session.execute(
            select(GD.child_id, G.id, G.held_at).join(G, G.id == GD.group_session_id)
            .where(*of(GD.child_id), GD.child_id.is_not(None), GD.tombstone.is_(False),
                   G.tombstone.is_(False))
            .order_by(G.held_at.desc())):
        if child_id not in children or (child_id in latest and latest[child_id] >= held_at):
            continue
        if group_id not in may_see:
            group = session.get(G, group_id)
            assert group is not None  # the row the join just read
            target = group_target(session, group)
            may_see[group_id] = target.state == RecordState.LOCKED and bool(
                decide_group(actor, Operation.VIEW, target))
        if may_see[group_id]:
            keep(child_id, held_at)


def _child_scope(actor: Actor):
    worker_teams = select(Staff.id).where(Staff.team_id.in_(sorted(actor.managed_team_ids)))
    if actor.sees_all_teams:
        return []
    return [or_(Child.allocated_worker_id == actor.staff_id,
                Child.allocated_worker_id.in_(worker_teams))]


def my_children(session: Session, actor: Actor) -> list[ChildRow]:
    """Children allocated to the actor, or to workers in teams they manage."""
    return _child_rows(session, actor, *_child_scope(actor))


def children_allocated_to(session: Session, actor: Actor) -> list[ChildRow]:
    """Children allocated to the actor themselves."""
    return _child_rows(session, actor, Child.allocated_worker_id == actor.staff_id)


def find_children(session: Session, actor: Actor, text_: str, limit: int = 20) -> list[ChildRow]:
    """Children open to the actor whose case ID or name matches what was typed."""
    needle = search_fold((text_ or "").strip())
    if not needle:
        return []
    like = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    # search_fold is the store's SQL function (store/database.py): "zoe" finds Zoë
    return _child_rows(session, actor, *_child_scope(actor),
                       or_(func.search_fold(Child.case_id).like(like, escape="\\"),
                           func.search_fold(Child.name).like(like, escape="\\")), limit=limit)


@dataclass(frozen=True)
class ChronologyEntry:
    when: datetime
    kind: str  # "oversight_note" | "case_discussion"
    record_id: str
    session_id: str | None
    title: str
    author_name: str
    decision: str
    rationale: str
    state: RecordState
    next_review: date | None


@dataclass(frozen=True)
class ChildDetail:
    child: ChildRow
    date_of_birth: date
    entries: list[ChronologyEntry]
    can_add_note: bool


def _discussion_target(parent: SupervisionSession, child: ChildTarget) -> CaseDiscussionTarget:
    """A case discussion is also an oversight entry on the child's record: whoever may see
    the child sees it once its record is released (``permissions.CaseDiscussionTarget``)."""
    return CaseDiscussionTarget(session_target(parent), child)


def _held_without_record(session: Session, disc: CaseDiscussion,
                         child: ChildTarget) -> CaseDiscussionTarget | None:
    """A discussion this laptop holds without its supervision record (see
    :func:`target_without_record`), its supervisee's team read from the staff row."""
    def team_of(staff_id: str) -> str | None:
        supervisee = session.get(Staff, staff_id)
        return supervisee.team_id if supervisee is not None else None

    return target_without_record(disc, child, team_of)


def target_without_record(header: Any, child: ChildTarget,
                          team_of: Callable[[str], str | None]) -> CaseDiscussionTarget | None:
    """What ``decide`` asks of a discussion this laptop holds without its supervision record:
    it came here following the child (DESIGN.md §1.1), with the few facts of its record the
    server sent with it (``header``'s ``session_*``: when, who supervised whom, how far it is
    signed); None if it came without them (a part whose record has not arrived yet is shown
    with its record). ``team_of``: the supervisee's team now. The chronology and search both
    ask it, so they show such a discussion to the same people."""
    if header.session_held_at is None or header.session_state not in _RECORD_STATES \
            or not header.session_supervisor_id or not header.session_supervisee_id:
        return None
    record = SupervisionTarget(header.session_supervisee_id, header.session_supervisor_id,
                               team_of(header.session_supervisee_id), RecordState(header.session_state))
    return CaseDiscussionTarget(record, child)


_RECORD_STATES = frozenset(state.value for state in RecordState)


def child_chronology(session: Session, actor: Actor, child_id: str) -> ChildDetail:
    """The child's management oversight from notes and case discussions, newest first."""
    child = session.get(Child, child_id)
    if child is None or child.tombstone:
        raise NotFound("That child's record is not on this computer.")
    target = child_target(session, child)
    require(decide(actor, Operation.VIEW, target))
    names = dict(session.execute(select(Staff.id, Staff.display_name)).all())
    entries: list[ChronologyEntry] = []
    for note in session.scalars(select(OversightNote).where(
            OversightNote.child_id == child_id, OversightNote.tombstone.is_(False))):
        note_target = OversightTarget(note.author_id, target, RecordState(note.state))
        if not decide(actor, Operation.VIEW, note_target):
            continue
        entries.append(ChronologyEntry(
            when=note.recorded_at, kind="oversight_note", record_id=note.id, session_id=None,
            title=f"Oversight: {OversightTrigger(note.trigger).label}",
            author_name=names.get(note.author_id, ""), decision=note.decision,
            rationale=note.rationale, state=RecordState(note.state),
            next_review=note.next_review_on))
    for disc, parent in session.execute(
            select(CaseDiscussion, SupervisionSession)
            .outerjoin(SupervisionSession, SupervisionSession.id == CaseDiscussion.session_id)
            .where(CaseDiscussion.child_id == child_id, CaseDiscussion.tombstone.is_(False))):
        if parent is None:  # followed the child here without its record
            held = _held_without_record(session, disc, target)
            if held is None or not decide(actor, Operation.VIEW, held):
                continue
            entries.append(ChronologyEntry(
                when=disc.session_held_at, kind="case_discussion", record_id=disc.id,
                session_id=None,
                title=f"Supervision with {names.get(held.session.supervisee_id, '')}",
                author_name=names.get(held.session.supervisor_id, ""), decision=disc.decision,
                rationale=disc.rationale, state=held.session.state, next_review=None))
            continue
        if parent.tombstone or not decide(actor, Operation.VIEW, _discussion_target(parent, target)):
            continue
        entries.append(ChronologyEntry(
            when=parent.held_at, kind="case_discussion", record_id=disc.id,
            session_id=parent.id,
            title=f"Supervision with {names.get(parent.supervisee_id, '')}",
            author_name=names.get(parent.supervisor_id, ""), decision=disc.decision,
            rationale=disc.rationale, state=RecordState(parent.state),
            next_review=parent.next_session_on))
    entries.sort(key=lambda e: e.when, reverse=True)
    worker_name = names.get(child.allocated_worker_id, "") if child.allocated_worker_id else ""
    # as the children list says, which also counts locked group sessions (issue 21)
    latest = {child.id: entries[0].when} if entries else {}
    _keep_locked_group_discussions(
        session, actor, {child.id: target}, lambda column: [column == child.id],
        lambda child_id, when: latest.update({child_id: when}), latest)
    last = london_date(latest[child.id]) if child.id in latest else None
    record_event(session, actor_id=actor.staff_id, action="view", record_kind="child",
                 record_id=child.id)
    return ChildDetail(
        child=ChildRow(child.id, child.case_id, child.name, LegalStatus(child.legal_status),
                       worker_name, last),
        date_of_birth=child.date_of_birth, entries=entries,
        can_add_note=decide(actor, Operation.CREATE, target).allowed,
    )

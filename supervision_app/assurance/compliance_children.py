"""Children without management oversight: which children had a signed oversight note, or
a case discussion in a signed supervision record or in a locked group session (issue 21),
within the interval; by worker, team,
legal status and care leavers' pathway plans; and the lists behind those figures."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import partial
from typing import Callable, Iterator, Sequence

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from ..domain.time_rules import format_date
from ..domain.vocabulary import LegalStatus
from ..store.models import SupervisionSession
from .compliance_figures import AssuranceSettings, Figure, RecordRef
from .compliance_groups import children_in_locked_groups_since, last_group_oversight
from .compliance_rows import (
    CHILDREN,
    DISCUSSIONS,
    LOCKED,
    NOTES,
    SESSIONS,
    STAFF,
    UNALLOCATED,
    chunks,
    london_day,
    raw_text,
    utc_start,
)
from .compliance_tally import Reading

_CARE_LEAVER = LegalStatus.CARE_LEAVER.value
ChildRow = tuple[str, str, str, str, bool]  # child id, case id, worker id, team id, has oversight


@dataclass
class ChildOversight:
    """The children in scope as rows for the figures (workers' rows are in their tally)."""

    by_status: dict[str, list[ChildRow]] = field(default_factory=lambda: defaultdict(list))
    pathway: list[ChildRow] = field(default_factory=list)  # care leavers with a pathway plan
    unallocated: list[ChildRow] = field(default_factory=list)
    team_children: dict[str, list[ChildRow]] = field(  # allocated to unsupervised staff
        default_factory=lambda: defaultdict(list))
    children_list: Callable[..., Iterator[RecordRef]] = field(init=False)  # the list behind a figure


def read_children(r: Reading, session: Session, names: dict[str, str], teams: dict, *,
                  scope: list[str], include_unallocated: bool, eager_limit: int) -> ChildOversight:
    """Children without management oversight."""
    conn, settings, tally = r.conn, r.settings, r.tally
    out = ChildOversight()
    cutoff = r.today - timedelta(days=settings.oversight_interval_days)
    worker_team = dict(conn.execute(select(STAFF.id, STAFF.team_id)).all())
    child_scope = [CHILDREN.tombstone.is_(False)]
    if not include_unallocated:
        child_scope.append(CHILDREN.allocated_worker_id.in_(select(STAFF.id).where(
            STAFF.team_id.in_(scope))))
    children = conn.execute(
        select(CHILDREN.id, CHILDREN.case_id, CHILDREN.legal_status, CHILDREN.allocated_worker_id,
               CHILDREN.has_pathway_plan).where(*child_scope)).all()
    recent = children_with_oversight_since(
        session, cutoff, None if include_unallocated else [c[0] for c in children])
    lacking: list[str] = []
    for child_id, case_id, legal_status, worker_id, has_pathway_plan in children:
        team_id = worker_team.get(worker_id) if worker_id else None
        if team_id not in teams:
            team_id = None
            if not include_unallocated:
                continue
        has = child_id in recent
        row = (child_id, case_id, worker_id or "", team_id or UNALLOCATED, has)
        if not has:
            lacking.append(child_id)
        out.by_status[legal_status].append(row)
        if has_pathway_plan and legal_status == _CARE_LEAVER:
            out.pathway.append(row)
        if team_id is None:
            out.unallocated.append(row)
        elif worker_id in tally:
            mine = tally[worker_id]
            mine.children.append(row)
            mine.lacking += not has
        else:
            out.team_children[team_id].append(row)
    # The date of each child's last oversight is for the list behind the figure; across a
    # whole council it costs more than every figure together, so there it is filled in when
    # the list is opened (fill_last_oversight).
    eager = len(lacking) <= eager_limit
    out.children_list = partial(child_refs, names=names, settings=settings, eager=eager,
                                last_seen=last_oversight(session, lacking) if eager else {})
    return out


def child_refs(rows: list[tuple], *, names: dict[str, str], settings: AssuranceSettings, eager: bool,
               last_seen: dict[str, date]) -> Iterator[RecordRef]:
    for child_id, case_id, worker_id, team_id, has in rows:
        last = last_seen.get(child_id)
        yield RecordRef(
            kind="child", record_id=child_id, when=last, staff_id=worker_id,
            staff_name=names.get(worker_id, ""), child_id=child_id, case_id=case_id,
            team_id=team_id, counted=not has,
            outcome="Oversight within interval" if has else _lacking_outcome(last, eager, settings))


def children_figure(rows: list[tuple], children_list) -> Figure:
    return Figure("children_without_oversight", sum(1 for r in rows if not r[4]), len(rows),
                  partial(children_list, rows))


_NOT_LOOKED_UP = "No oversight in the last {days} days"


def _lacking_outcome(last: date | None, looked_up: bool, settings: AssuranceSettings) -> str:
    if not looked_up:
        return _NOT_LOOKED_UP.format(days=settings.oversight_interval_days)
    return f"No oversight since {format_date(last)}" if last else "No oversight on record"


def fill_last_oversight(session: Session, refs: Sequence[RecordRef]) -> tuple[RecordRef, ...]:
    """Child references with the date of each child's last signed oversight filled in (for
    figures worked out across a whole council, where it was left to the list)."""
    todo = [r.record_id for r in refs if r.kind == "child" and r.counted and r.when is None]
    if not todo:
        return tuple(refs)
    last = last_oversight(session, todo)
    out = []
    for r in refs:
        if r.kind == "child" and r.counted and r.when is None:
            when = last.get(r.record_id)
            r = replace(r, when=when, outcome=(f"No oversight since {format_date(when)}" if when
                                               else "No oversight on record"))
        out.append(r)
    return tuple(out)


def children_with_oversight_since(session: Session, cutoff: date,
                                   child_ids: list[str] | None) -> set[str]:
    """Children (of ``child_ids``, or all) with a signed oversight note, or a case discussion
    in a signed supervision record or a locked group session, on or after ``cutoff`` (a
    London date, compared as the UTC instant it starts).

    A group session's case discussion counts once the session is locked (the supervisor and
    every attendee present have signed), as a 1:1 discussion counts once its record is."""
    since = utc_start(cutoff)
    conn = session.connection()
    found = children_in_locked_groups_since(conn, since, child_ids)
    signed_since = [SESSIONS.held_at >= since, SESSIONS.state == LOCKED, SESSIONS.tombstone.is_(False)]
    if child_ids is None:  # every child: from the sessions held since, to their discussions
        found.update(conn.execute(
            select(NOTES.child_id)
            .where(NOTES.recorded_at >= since, NOTES.state == LOCKED, NOTES.tombstone.is_(False))
        ).scalars().all())
        found.update(conn.execute(
            select(DISCUSSIONS.child_id)
            .join(SupervisionSession.__table__, SESSIONS.id == DISCUSSIONS.session_id)
            .where(*signed_since, DISCUSSIONS.tombstone.is_(False))).scalars().all())
        return found
    # Some children: each one's discussions (a short stretch of ix_assurance_discussion_child)
    # checked against the sessions signed since (a stretch of ix_assurance_session_held).
    recent_sessions = set(conn.execute(select(SESSIONS.id).where(*signed_since)).scalars().all())
    for chunk in chunks(child_ids):
        found.update(conn.execute(
            select(NOTES.child_id)
            .where(NOTES.child_id.in_(chunk), NOTES.recorded_at >= since, NOTES.state == LOCKED,
                   NOTES.tombstone.is_(False))).scalars().all())
        found.update(child_id for child_id, session_id in conn.execute(
            select(DISCUSSIONS.child_id, DISCUSSIONS.session_id)
            .where(DISCUSSIONS.child_id.in_(chunk), DISCUSSIONS.tombstone.is_(False))).all()
            if session_id in recent_sessions)
    return found


def last_oversight(session: Session, child_ids: Sequence[str]) -> dict[str, date]:
    """The London date of each child's latest signed oversight (a signed note, or a case
    discussion in a signed supervision record or a locked group session), for the list behind a figure: two grouped
    statements per 900 children, on the narrow assurance indexes."""
    conn = session.connection()
    latest = last_group_oversight(conn, child_ids)  # locked group sessions (issue 21)
    for chunk in chunks(child_ids):
        for statement in (
                select(NOTES.child_id, func.max(raw_text(NOTES.recorded_at)))
                .where(NOTES.child_id.in_(chunk), NOTES.state == LOCKED, NOTES.tombstone.is_(False))
                .group_by(NOTES.child_id),
                select(DISCUSSIONS.child_id, func.max(raw_text(SESSIONS.held_at)))
                .join(SupervisionSession.__table__,
                      and_(SESSIONS.id == DISCUSSIONS.session_id, SESSIONS.state == LOCKED,
                           SESSIONS.tombstone.is_(False)))
                .where(DISCUSSIONS.child_id.in_(chunk), DISCUSSIONS.tombstone.is_(False))
                .group_by(DISCUSSIONS.child_id)):
            for child_id, at in conn.execute(statement).all():
                if at is not None and at > latest.get(child_id, ""):
                    latest[child_id] = at
    return {child_id: london_day(at) for child_id, at in latest.items()}

"""Full-text search as the desktop client shows it: the index's hits
(``history_queries.search_records``), each checked against ``domain.permissions``, with a
title and a date to show. No Qt.

Search runs on every pause in typing, so its reads go through :mod:`.driver_sql`, not
SQLAlchemy statements.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from ..domain.agreements import TERM_LABELS
from ..domain.group_supervision import (
    ATTENDANCE_KIND,
    GROUP_KIND,
    Attendance,
    GroupActionTarget,
    GroupTarget,
    decide_group,
    decide_group_action,
)
from ..domain.lifecycle import RecordKind
from ..domain.permissions import (
    ActionItemTarget,
    Actor,
    AgreementTarget,
    CancellationTarget,
    ChildTarget,
    Operation,
    OversightTarget,
    SupervisionTarget,
    decide,
)
from ..domain.vocabulary import RecordState, Role
from .children_queries import target_without_record
from .driver_sql import Lookup, cursor, utc
from .group_records import state_of
from .history_queries import MARK_END, MARK_START, search_records

SECTION_LABELS = {
    "wellbeing": "Wellbeing and support", "workload_notes": "Workload",
    "learning": "Learning and development", "asye_progress": "ASYE progress",
    "supervisee_comments": "Supervisee's comments", "disagreement": "Disagreement",
    "current_position": "Current position", "worries": "What are we worried about",
    "working_well": "What is working well", "needs_to_happen": "What needs to happen",
    "decision": "Decision", "rationale": "Rationale", "body": "Addendum",
    "description": "Action",
}
KIND_SECTION_LABELS = {
    **{("agreement", term): f"Agreement: {label[0].lower()}{label[1:]}" for term, label in TERM_LABELS.items()},
    ("cancellation", "reason"): "Cancellation reason",
    ("group_session", "themes"): "Group supervision: themes",
    ("group_session", "location"): "Group supervision: where",
    ("group_session", "learning"): "Group supervision: learning",
    ("group_discussion", "summary"): "Group case discussion: summary",
    ("group_discussion", "decision"): "Group case discussion: decision",
    ("group_discussion", "rationale"): "Group case discussion: rationale",
    ("group_action", "description"): "Group action",
}
"""Sections whose label depends on the kind of record (an agreement's terms)."""
HIGHLIGHT_START = MARK_START
HIGHLIGHT_END = MARK_END


@dataclass(frozen=True)
class SearchResult:
    kind: str
    record_id: str
    section: str
    snippet: str  # plain text; matches between HIGHLIGHT_START and HIGHLIGHT_END
    title: str
    when: datetime | date | None
    session_id: str | None = None
    oversight_note_id: str | None = None
    child_id: str | None = None
    # an agreement or a cancellation: the supervisee it is about (the agreement is
    # ``record_id``; a cancellation opens the supervisee's history)
    worker_id: str | None = None
    worker_name: str | None = None
    agreement_id: str | None = None  # an addendum to an agreement: the agreement it amends
    group_session_id: str | None = None  # a group session's text, or one of its actions

    @property
    def section_label(self) -> str:
        return KIND_SECTION_LABELS.get((self.kind, self.section)) or SECTION_LABELS.get(self.section, self.section)


def _search_scope(session: Session, actor: Actor) -> tuple[list[str], bool]:
    """Teams whose index rows can hold something for the actor, and whether rows of no
    team can too, by the rule pages use (``domain.permissions``, DESIGN.md §1.1): the
    teams they manage and their own (their own records and children), the teams the
    people they line-manage now and the records they still hold were made in. Rows of no
    team are the records of people in no team (service managers, heads of service) made
    while they were in none: searched for the person, their line manager and those above,
    and anyone who now line-manages or still holds a record made that way (a person who
    has since joined a team). A head of service and a quality assurance auditor may open
    records of every team. Every hit is still checked one by one."""
    cur = cursor(session)
    row = cur.execute("SELECT team_id FROM staff WHERE id = ?", (actor.staff_id,)).fetchone()
    own = row[0] if row else None
    if actor.sees_all_teams or actor.role == Role.QA_AUDITOR:
        return [team_id for (team_id,) in cur.execute("SELECT id FROM team")], True
    # index rows carry a record's team on its session date (an agreement's or a
    # cancellation's, the team it was made in): add the earlier teams of the people the
    # actor line-manages now, and of the records they still hold as supervisor (access
    # follows people, DESIGN.md §1.1)
    people = sorted(actor.line_report_ids)
    managed = sorted(actor.managed_team_ids)
    now_managed = (f"p.team_id IN ({','.join('?' * len(managed))}) "
                   f"OR p.id IN ({','.join('?' * len(people))})")
    pair_teams = " ".join(
        f"UNION SELECT DISTINCT r.team_id FROM {table} r JOIN staff p ON p.id = r.supervisee_id "
        f"WHERE r.team_id IS NOT NULL AND ({now_managed})"
        for table in ("supervision_agreement", "session_cancellation"))
    earlier = {team for (team,) in cur.execute(
        "SELECT DISTINCT s.team_id FROM supervision_session s JOIN staff p ON p.id = s.supervisee_id "
        f"WHERE s.team_id IS NOT NULL AND ({now_managed} OR s.supervisor_id = ?) {pair_teams}",
        (*managed, *people, actor.staff_id, *managed, *people, *managed, *people))}
    scope = actor.managed_team_ids | earlier | ({own} if own else set())
    teamless = own is None or bool(people) or _holds_teamless_records(cur, actor, managed)
    # agreements and cancellations carry the team they were made in: add the other teams
    # holding one of the actor's own (as supervisor or supervisee; made in a team they
    # have since left). Asked team by team through the tables' team index, teams already
    # in scope left out: a manager's own team holds nearly all of their rows, and a
    # cancellation's supervisor has no index (a scan of 5,000 took 7 ms; this, 0.06 ms)
    known = sorted(scope)
    pair_rows = ("EXISTS (SELECT 1 FROM {table} r WHERE r.team_id = t.id "
                 "AND (r.supervisor_id = ? OR r.supervisee_id = ?))")
    scope |= {team for (team,) in cur.execute(
        f"SELECT t.id FROM team t WHERE t.id NOT IN ({','.join('?' * len(known))}) AND ("
        f"{pair_rows.format(table='supervision_agreement')} OR {pair_rows.format(table='session_cancellation')})",
        (*known, *(actor.staff_id,) * 4))}
    # group sessions carry the group's team (none for a group of people from several
    # teams): add those of the groups the actor held or was listed in (a profile taken
    # back below migration 0015, as the migration tests do, has no group tables)
    has_groups = cur.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'group_session'").fetchone()
    group_teams = cur.execute(
        "SELECT DISTINCT team_id FROM group_session WHERE supervisor_id = ? UNION "
        "SELECT DISTINCT g.team_id FROM group_attendance a JOIN group_session g "
        "ON g.id = a.group_session_id WHERE a.attendee_id = ?",
        (actor.staff_id, actor.staff_id)).fetchall() if has_groups else []
    for (team,) in group_teams:
        if team is None:
            teamless = True
        else:
            scope |= {team}
    return sorted(scope), teamless


def _holds_teamless_records(cur, actor: Actor, managed: list[str]) -> bool:
    """Whether a record made while its supervisee was in no team (so its index rows have
    no team) is one the actor may still open though they are in a team and line-manage
    nobody in none: a person who has since joined a team they manage, a record they
    wrote or were supervised in, a case discussion about a child allocated to them or in
    a team they manage (the child's page shows it once shared), an action they own. Read
    from each table's rows of no team (its team index), which are few."""
    teams = ",".join("?" * len(managed))
    pairs = [
        f"EXISTS (SELECT 1 FROM {table} r LEFT JOIN staff p ON p.id = r.supervisee_id "
        f"WHERE r.team_id IS NULL AND (r.supervisor_id = ? OR r.supervisee_id = ? OR p.team_id IN ({teams})))"
        for table in ("supervision_session", "supervision_agreement", "session_cancellation")]
    parts = (
        "EXISTS (SELECT 1 FROM supervision_session s JOIN case_discussion d ON d.session_id = s.id "
        "JOIN child c ON c.id = d.child_id LEFT JOIN staff w ON w.id = c.allocated_worker_id "
        f"WHERE s.team_id IS NULL AND (c.allocated_worker_id = ? OR w.team_id IN ({teams})))",
        "EXISTS (SELECT 1 FROM supervision_session s JOIN action_item a ON a.session_id = s.id "
        "WHERE s.team_id IS NULL AND a.owner_id = ?)",
        # a discussion that followed its child here without its record (DESIGN.md §1.1):
        # its index row has no team, as its record is not on this laptop to give one. Asked
        # through the discussions' child index and each record's id: testing the record's
        # facts the server sends with it (``session_state``) reads the whole table, which
        # made a team manager's search (4,600 discussions) 27 ms instead of 8.5
        "EXISTS (SELECT 1 FROM child c JOIN case_discussion d ON d.child_id = c.id "
        "LEFT JOIN staff w ON w.id = c.allocated_worker_id "
        f"WHERE (c.allocated_worker_id = ? OR w.team_id IN ({teams})) AND NOT d.tombstone "
        "AND NOT EXISTS (SELECT 1 FROM supervision_session s WHERE s.id = d.session_id))")
    params = ((actor.staff_id, actor.staff_id, *managed) * 3 + (actor.staff_id, *managed, actor.staff_id)
              + (actor.staff_id, *managed))
    return cur.execute(f"SELECT {' OR '.join((*pairs, *parts))}", params).fetchone()[0] == 1


# What ``decide`` needs about the records behind search hits, a batch at a time.
_DISCUSSIONS = Lookup("SELECT id, session_id, child_id, tombstone FROM case_discussion WHERE id IN ({ids})",
                      "id session_id child_id tombstone")
# the few facts of its record the server sends with a discussion that follows its child to
# a reader without the record (client migration 0017; ``children_queries.target_without_record``)
_HELD_WITHOUT_RECORD = Lookup(
    "SELECT d.id, d.session_held_at, d.session_supervisor_id, d.session_supervisee_id, d.session_state, "
    "p.team_id, p.display_name FROM case_discussion d LEFT JOIN staff p ON p.id = d.session_supervisee_id "
    "WHERE d.id IN ({ids})",
    "id session_held_at session_supervisor_id session_supervisee_id session_state team_id supervisee_name",
    {"session_held_at": utc})
_ACTIONS = Lookup("SELECT id, session_id, oversight_note_id, owner_id, tombstone FROM action_item "
                  "WHERE id IN ({ids})", "id session_id oversight_note_id owner_id tombstone")
_ADDENDA = Lookup("SELECT id, record_kind, record_id, author_id, state, tombstone FROM addendum "
                  "WHERE id IN ({ids})", "id record_kind record_id author_id state tombstone")
_SESSIONS = Lookup(
    "SELECT s.id, s.supervisee_id, s.supervisor_id, p.team_id, s.state, s.held_at, s.tombstone, "
    "p.display_name FROM supervision_session s JOIN staff p ON p.id = s.supervisee_id "
    "WHERE s.id IN ({ids})",
    "id supervisee_id supervisor_id team_id state held_at tombstone supervisee_name", {"held_at": utc})
_NOTES = Lookup("SELECT id, child_id, author_id, state, recorded_at, tombstone FROM oversight_note "
                "WHERE id IN ({ids})", "id child_id author_id state recorded_at tombstone",
                {"recorded_at": utc})
# an agreement's and a cancellation's team: the supervisee's now, as
# ``pair_team.supervisee_team_now`` has it for opening them
_AGREEMENTS = Lookup(
    "SELECT a.id, a.supervisee_id, a.supervisor_id, p.team_id, a.state, a.updated_at, a.tombstone, "
    "p.display_name FROM supervision_agreement a JOIN staff p ON p.id = a.supervisee_id "
    "WHERE a.id IN ({ids})",
    "id supervisee_id supervisor_id team_id state updated_at tombstone supervisee_name",
    {"updated_at": utc})
_CANCELLATIONS = Lookup(
    "SELECT c.id, c.supervisee_id, c.supervisor_id, p.team_id, c.planned_for, c.tombstone, "
    "p.display_name FROM session_cancellation c JOIN staff p ON p.id = c.supervisee_id "
    "WHERE c.id IN ({ids})",
    "id supervisee_id supervisor_id team_id planned_for tombstone supervisee_name",
    {"planned_for": date.fromisoformat})
# A group session's facts, as ``group_records.group_target`` reads them for opening it: the
# attendance listed, and the signatures (the supervisor's on the session, each attendee's
# on their attendance row) that say where it is in its life.
_GROUPS = Lookup(
    "SELECT g.id, g.supervisor_id, g.team_id, g.held_at, g.tombstone, p.display_name "
    "FROM group_session g LEFT JOIN staff p ON p.id = g.supervisor_id WHERE g.id IN ({ids})",
    "id supervisor_id team_id held_at tombstone supervisor_name", {"held_at": utc})
_GROUP_ATTENDANCE = Lookup(
    "SELECT id, group_session_id, attendee_id, attendance FROM group_attendance "
    "WHERE group_session_id IN ({ids}) AND NOT tombstone", "id group_session_id attendee_id attendance")
_GROUP_SIGNATURES = Lookup(
    "SELECT id, record_kind, record_id, signer_id FROM signature WHERE record_id IN ({ids}) "
    "AND NOT tombstone", "id record_kind record_id signer_id")
_GROUP_DISCUSSIONS = Lookup("SELECT id, group_session_id, tombstone FROM group_discussion WHERE id IN ({ids})",
                            "id group_session_id tombstone")
_GROUP_ACTIONS = Lookup(
    "SELECT a.id, a.group_session_id, a.owner_id, a.tombstone, p.display_name FROM group_action a "
    "LEFT JOIN staff p ON p.id = a.owner_id WHERE a.id IN ({ids})",
    "id group_session_id owner_id tombstone owner_name")
_CHILDREN = Lookup("SELECT c.id, c.name, c.case_id, c.allocated_worker_id, w.team_id FROM child c "
                   "LEFT JOIN staff w ON w.id = c.allocated_worker_id WHERE c.id IN ({ids})",
                   "id name case_id allocated_worker_id team_id")


def _group_targets(session: Session, groups: dict[str, Any]) -> dict[str, GroupTarget]:
    """The facts ``decide_group`` needs about ``groups`` (rows of ``_GROUPS``), as
    ``group_records.group_target`` reads them, for all of them in three queries."""
    live = [g for g in groups.values() if not g.tombstone]
    if not live:
        return {}
    attendance = _GROUP_ATTENDANCE(session, (g.id for g in live))
    by_group: dict[str, dict[str, str]] = {g.id: {} for g in live}  # attendance row -> attendee
    for row in attendance.values():
        by_group[row.group_session_id][row.id] = row.attendee_id
    signed: dict[str, set[str]] = {g.id: set() for g in live}
    group_of_row = {row.id: row.group_session_id for row in attendance.values()}
    for sig in _GROUP_SIGNATURES(session, [*by_group, *group_of_row]).values():
        if sig.record_kind == GROUP_KIND and sig.record_id in groups \
                and sig.signer_id == groups[sig.record_id].supervisor_id:
            signed[sig.record_id].add(sig.signer_id)
        elif sig.record_kind == ATTENDANCE_KIND and sig.record_id in group_of_row \
                and by_group[group_of_row[sig.record_id]][sig.record_id] == sig.signer_id:
            signed[group_of_row[sig.record_id]].add(sig.signer_id)
    targets = {}
    for g in live:
        attendees = {attendance[row_id].attendee_id: Attendance(attendance[row_id].attendance)
                     for row_id in by_group[g.id]}
        targets[g.id] = GroupTarget(supervisor_id=g.supervisor_id, team_id=g.team_id, attendees=attendees,
                                    state=state_of(g.supervisor_id, attendees, signed[g.id]),
                                    signed=frozenset(signed[g.id]))
    return targets


def search(session: Session, actor: Actor, text_: str, limit: int = 50) -> list[SearchResult]:
    """Full-text search over every record the actor may see, newest first (the index is
    read through ``history_queries.search_records``, which makes any typed text a safe
    query). Each hit is then checked against the permission rules; wellbeing text only
    matches for the pair; an addendum still in draft only for its author.

    What ``decide`` needs for every hit (sessions, discussions, actions, notes, addenda,
    children and their workers' teams, names) is loaded in a few batched queries, not
    looked up hit by hit. The index is first asked for a few more hits than are shown;
    only if the permission check leaves too few is it asked again for more."""
    scope, teamless = _search_scope(session, actor)
    held_only = _holds_only_own_records(session, actor)
    asked = limit + limit // 5
    while True:
        candidates = search_records(session, text_, team_ids=scope, limit=asked,
                                    viewer_id=actor.staff_id, teamless=teamless, held_by_viewer=held_only)
        out = _visible_hits(session, actor, candidates, limit)
        if len(out) >= limit or len(candidates) < asked or asked >= limit * 8:
            return out
        asked *= 4


def _holds_only_own_records(session: Session, actor: Actor) -> bool:
    """Whether the actor may see only records that name them or a child allocated to them
    (a social worker who manages nobody and covers no team), so the index can be asked for
    those rows alone (``history_queries.search_records``' ``held_by_viewer``). A profile
    taken back below migration 0015 (as the migration tests do) has no group tables to ask."""
    if actor.role != Role.SOCIAL_WORKER or actor.managed_team_ids or actor.line_report_ids \
            or actor.sees_all_teams:
        return False
    return cursor(session).execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'group_session'").fetchone() is not None


def _visible_hits(session: Session, actor: Actor, candidates, limit: int) -> list[SearchResult]:
    if not candidates:
        return []
    ids: dict[str, set[str]] = {}
    for hit in candidates:
        ids.setdefault(hit.kind, set()).add(hit.record_id)
    discussions = _DISCUSSIONS(session, ids.get("case_discussion", ()))
    actions = _ACTIONS(session, ids.get("action", ()))
    addenda = _ADDENDA(session, ids.get("addendum", ()))
    session_ids = set(ids.get("supervision", ()))
    session_ids |= {d.session_id for d in discussions.values()}
    session_ids |= {a.session_id for a in actions.values() if a.session_id}
    session_ids |= {x.record_id for x in addenda.values() if x.record_kind == RecordKind.SUPERVISION.value}
    note_ids = set(ids.get("oversight_note", ()))
    note_ids |= {a.oversight_note_id for a in actions.values() if a.oversight_note_id}
    note_ids |= {x.record_id for x in addenda.values() if x.record_kind == RecordKind.OVERSIGHT_NOTE.value}
    sessions = _SESSIONS(session, session_ids)
    notes = _NOTES(session, note_ids)
    child_ids = {d.child_id for d in discussions.values()} | {n.child_id for n in notes.values()}
    children = _CHILDREN(session, child_ids)
    # read only for discussions whose record is not here (a profile taken back below
    # migration 0017, as the migration tests do, has no such discussions to ask about)
    held_without_record = _HELD_WITHOUT_RECORD(session, (
        d.id for d in discussions.values() if not d.tombstone and d.session_id not in sessions))
    agreements = _AGREEMENTS(session, ids.get("agreement", ()))
    cancellations = _CANCELLATIONS(session, ids.get("cancellation", ()))
    agreements.update(_AGREEMENTS(session, {x.record_id for x in addenda.values()
                                            if x.record_kind == RecordKind.AGREEMENT.value}))
    names = {r.supervisee_id: r.supervisee_name for r in sessions.values()}
    group_discussions = _GROUP_DISCUSSIONS(session, ids.get("group_discussion", ()))
    group_actions = _GROUP_ACTIONS(session, ids.get("group_action", ()))
    groups = _GROUPS(session, {*ids.get("group_session", ()),
                               *(d.group_session_id for d in group_discussions.values()),
                               *(a.group_session_id for a in group_actions.values()),
                               *(x.record_id for x in addenda.values() if x.record_kind == GROUP_KIND)})
    group_targets = _group_targets(session, groups)

    session_targets = {k: SupervisionTarget(supervisee_id=r.supervisee_id, supervisor_id=r.supervisor_id,
                                            supervisee_team_id=r.team_id, state=RecordState(r.state))
                       for k, r in sessions.items() if not r.tombstone}
    child_targets = {k: ChildTarget(k, r.allocated_worker_id, r.team_id) for k, r in children.items()}
    note_targets = {k: OversightTarget(author_id=r.author_id, child=child_targets[r.child_id],
                                       state=RecordState(r.state))
                    for k, r in notes.items() if not r.tombstone and r.child_id in child_targets}
    memo: dict[tuple, bool] = {}

    def may(op: Operation, kind: str, key: str, target) -> bool:
        if (op, kind, key) not in memo:
            memo[(op, kind, key)] = decide(actor, op, target).allowed
        return memo[(op, kind, key)]

    def sees_session(session_id: str) -> bool:
        return may(Operation.VIEW, "s", session_id, session_targets[session_id])

    def sees_group(group_id: str) -> bool:
        target = group_targets.get(group_id)
        if target is None:
            return False
        if (Operation.VIEW, "g", group_id) not in memo:
            memo[(Operation.VIEW, "g", group_id)] = decide_group(actor, Operation.VIEW, target).allowed
        return memo[(Operation.VIEW, "g", group_id)]

    def group_leader(group_id: str) -> str:
        return groups[group_id].supervisor_name or "someone no longer listed"

    def child_label(child_id: str) -> str:
        c = children[child_id]
        return f"{c.name} ({c.case_id})"

    out: list[SearchResult] = []
    target: SupervisionTarget | OversightTarget | None
    parent: SupervisionTarget | OversightTarget | None
    for hit in candidates:
        kind, record_id, section, snippet = hit.kind, hit.record_id, hit.section, hit.snippet
        result = None
        if kind == "supervision":
            target = session_targets.get(record_id)
            if target is None or not sees_session(record_id):
                continue
            if section == "wellbeing" and not may(Operation.VIEW_PRIVATE, "s", record_id, target):
                continue
            result = SearchResult(kind, record_id, section, snippet,
                                  f"Supervision of {names.get(target.supervisee_id, '')}",
                                  sessions[record_id].held_at, session_id=record_id)
        elif kind == "case_discussion":
            disc = discussions.get(record_id)
            if disc is None or disc.tombstone:
                continue
            if disc.session_id not in sessions:  # followed its child here without its record
                if disc.child_id in child_targets:
                    result = _followed_child(actor, disc, held_without_record.get(record_id),
                                             child_targets[disc.child_id], child_label(disc.child_id),
                                             section, snippet)
            elif disc.session_id in session_targets:
                parent = session_targets[disc.session_id]
                own = sees_session(disc.session_id)
                child_view = may(Operation.VIEW, "c", disc.child_id, child_targets[disc.child_id])
                if own or (child_view and parent.state != RecordState.DRAFT):
                    result = SearchResult(kind, record_id, section, snippet,
                                          f"{child_label(disc.child_id)}: case discussion",
                                          sessions[disc.session_id].held_at,
                                          session_id=disc.session_id if own else None,
                                          child_id=disc.child_id)
        elif kind == "oversight_note":
            target = note_targets.get(record_id)
            if target is not None and may(Operation.VIEW, "n", record_id, target):
                note = notes[record_id]
                result = SearchResult(kind, record_id, section, snippet,
                                      f"{child_label(note.child_id)}: oversight note",
                                      note.recorded_at, oversight_note_id=record_id,
                                      child_id=note.child_id)
        elif kind == "action":
            action = actions.get(record_id)
            if action is None or action.tombstone:
                continue
            if action.session_id is not None:
                parent = session_targets.get(action.session_id)
                if parent is None:
                    continue
                if decide(actor, Operation.VIEW, ActionItemTarget(action.owner_id, parent)):
                    result = SearchResult(
                        kind, record_id, section, snippet,
                        f"Action from supervision of {names.get(parent.supervisee_id, '')}",
                        sessions[action.session_id].held_at,
                        session_id=action.session_id if sees_session(action.session_id) else None)
            else:
                parent = note_targets.get(action.oversight_note_id)
                if parent is not None and decide(actor, Operation.VIEW,
                                                 ActionItemTarget(action.owner_id, parent)):
                    note = notes[action.oversight_note_id]
                    result = SearchResult(kind, record_id, section, snippet,
                                          "Action from an oversight note", note.recorded_at,
                                          oversight_note_id=action.oversight_note_id,
                                          child_id=note.child_id)
        elif kind == "addendum":
            addendum = addenda.get(record_id)
            if addendum is None or addendum.tombstone:
                continue
            if addendum.state != RecordState.LOCKED.value and addendum.author_id != actor.staff_id:
                continue  # someone else's draft
            state = " (draft)" if addendum.state != RecordState.LOCKED.value else ""
            if addendum.record_kind == RecordKind.SUPERVISION.value:
                parent = session_targets.get(addendum.record_id)
                if parent is None or not sees_session(addendum.record_id):
                    continue
                result = SearchResult(kind, record_id, section, snippet,
                                      f"Addendum{state} to supervision of "
                                      f"{names.get(parent.supervisee_id, '')}",
                                      sessions[addendum.record_id].held_at,
                                      session_id=addendum.record_id)
            elif addendum.record_kind == RecordKind.AGREEMENT.value:
                amended = agreements.get(addendum.record_id)
                if amended is None or amended.tombstone or not may(
                        Operation.VIEW, "a", addendum.record_id,
                        AgreementTarget(amended.supervisee_id, amended.supervisor_id, amended.team_id,
                                        RecordState(amended.state))):
                    continue
                result = SearchResult(kind, record_id, section, snippet,
                                      f"Addendum{state} to supervision agreement with {amended.supervisee_name}",
                                      amended.updated_at, worker_id=amended.supervisee_id,
                                      worker_name=amended.supervisee_name, agreement_id=addendum.record_id)
            elif addendum.record_kind == GROUP_KIND:
                # everyone who sees the group's shared part (``group_records.group_addenda``)
                if not sees_group(addendum.record_id):
                    continue
                result = SearchResult(kind, record_id, section, snippet,
                                      f"Addendum{state} to group supervision led by "
                                      f"{group_leader(addendum.record_id)}",
                                      groups[addendum.record_id].held_at, group_session_id=addendum.record_id)
            else:
                parent = note_targets.get(addendum.record_id)
                if parent is None or not may(Operation.VIEW, "n", addendum.record_id, parent):
                    continue
                note = notes[addendum.record_id]
                result = SearchResult(kind, record_id, section, snippet,
                                      f"Addendum{state} to oversight note on {child_label(note.child_id)}",
                                      note.recorded_at, oversight_note_id=addendum.record_id,
                                      child_id=note.child_id)
        elif kind == "agreement":
            agreement = agreements.get(record_id)
            # the same facts as ``agreement_records.agreement_target``, which opening it asks
            # (its team: the supervisee's now)
            if agreement is None or agreement.tombstone or not may(
                    Operation.VIEW, "a", record_id,
                    AgreementTarget(agreement.supervisee_id, agreement.supervisor_id, agreement.team_id,
                                    RecordState(agreement.state))):
                continue
            result = SearchResult(kind, record_id, section, snippet,
                                  f"Supervision agreement with {agreement.supervisee_name}",
                                  agreement.updated_at, worker_id=agreement.supervisee_id,
                                  worker_name=agreement.supervisee_name)
        elif kind == "cancellation":
            cancelled = cancellations.get(record_id)
            # as ``cancellation_records.cancellation_target``
            if cancelled is None or cancelled.tombstone or not may(
                    Operation.VIEW, "x", record_id,
                    CancellationTarget(cancelled.supervisee_id, cancelled.supervisor_id, cancelled.team_id)):
                continue
            result = SearchResult(kind, record_id, section, snippet,
                                  f"Cancelled supervision of {cancelled.supervisee_name}",
                                  cancelled.planned_for, worker_id=cancelled.supervisee_id,
                                  worker_name=cancelled.supervisee_name)
        elif kind in ("group_session", "group_discussion"):
            # the shared part: the supervisor and the managers of the group's team, and
            # every listed attendee once the supervisor has signed (``decide_group``, as
            # ``group_records.get_group`` asks when it is opened)
            part = group_discussions.get(record_id) if kind == "group_discussion" else None
            if part is not None and part.tombstone:
                continue
            group_id = part.group_session_id if part is not None else record_id
            if (kind == "group_discussion" and part is None) or not sees_group(group_id):
                continue
            result = SearchResult(kind, record_id, section, snippet,
                                  f"Group supervision led by {group_leader(group_id)}"
                                  + (": case discussion" if part else ""),
                                  groups[group_id].held_at, group_session_id=group_id)
        elif kind == "group_action":
            # only its owner among the attendees (``decide_group_action``)
            group_action = group_actions.get(record_id)
            if group_action is None or group_action.tombstone:
                continue
            group_target = group_targets.get(group_action.group_session_id)
            if group_target is None or not decide_group_action(
                    actor, Operation.VIEW, GroupActionTarget(group_action.owner_id, group_target)):
                continue
            result = SearchResult(kind, record_id, section, snippet,
                                  f"Action for {group_action.owner_name or 'someone no longer listed'} "
                                  f"from group supervision led by {group_leader(group_action.group_session_id)}",
                                  groups[group_action.group_session_id].held_at,
                                  group_session_id=group_action.group_session_id)
        if result is not None:
            out.append(result)
            if len(out) >= limit:
                break
    return out


def _followed_child(actor: Actor, disc, header, child: ChildTarget, child_label: str,
                    section: str, snippet: str) -> SearchResult | None:
    """A hit on a discussion this laptop holds without its supervision record: it followed
    its child here (DESIGN.md §1.1) with the few facts of its record the server sent
    (``session_*``). Shown to whom the child's chronology shows it (the same
    ``children_queries.target_without_record``), under the chronology's title; it opens the
    child's page, as there is no record here to open."""
    target = None if header is None else target_without_record(header, child, lambda _id: header.team_id)
    if target is None:
        return None
    if not decide(actor, Operation.VIEW, target):
        return None
    return SearchResult("case_discussion", disc.id, section, snippet,
                        f"{child_label}: case discussion in supervision with {header.supervisee_name or ''}",
                        header.session_held_at, child_id=disc.child_id)

"""Retention on the server (DESIGN.md §3 rule 10): the organisation's schedule from the server
configuration, the review list for the information-governance lead, legal holds, leavers'
leaving dates, and deletion, each audited with ids only.

Deleting a record deletes its parts with it (case discussions, actions and their reviews, the
resolution of a disagreement, the supervisee's feedback, addenda, signatures, signed copies;
for a group session its attendance rows, case discussions, each attendee's actions, and the
signatures and signed copies on the session and on each attendance row).
Each deleted row keeps only its id and table in ``record`` (:mod:`.retention_facts`): its data
is emptied, it gets a new sequence number and facts nobody may hold, and its earlier facts
stay in ``auth_history``. Every laptop that could see it is then sent its removal at its next
pull, the notice sync already gives for access that ended, and the laptop deletes it and
writes ``sync_remove`` with the ids to its own audit log. Parts are numbered before their
record, so a laptop removes them first (its foreign keys hold throughout).

What the schedule decides is :mod:`...domain.retention`; this module gathers the facts.
"""
from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection

from ...domain.retention import (
    Leaving,
    RecordFacts,
    RecordKind,
    Review,
    Schedule,
    ScheduleError,
    Status,
    Trigger,
    last_attendee_leaving,
    review,
)
from .. import protocol as p
from . import authz
from .directory import DirectoryError, closed_cases, staff_id_for
from .retention_facts import DELETED_FACTS, is_deleted
from .schema import account, directory_staff, metadata, record, record_scope
from .storage import WriteTx

# migration s0008
retention_hold = Table(  # a hold is current while released_at is NULL; released ones stay
    "retention_hold", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("record_id", String(36), nullable=False, index=True),
    Column("table_name", String(32), nullable=False),
    Column("reason", Text, nullable=False),  # the information-governance lead's words
    Column("held_at", DateTime, nullable=False),
    Column("held_by", String(100), nullable=False),
    Column("released_at", DateTime),
    Column("released_by", String(100)),
    Column("release_reason", Text),
)
retention_leaver = Table(
    "retention_leaver", metadata,
    Column("staff_id", String(36), primary_key=True),
    Column("left_on", Date, nullable=False),
    Column("recorded_at", DateTime, nullable=False),
)
# Append-only and hash-chained like the laptops' audit logs: ids and actions, never contents
# (a hold's reason stays on the hold, not here).
retention_audit = Table(
    "retention_audit", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", DateTime, nullable=False),
    Column("action", String(16), nullable=False),  # delete / hold / release / leaver
    Column("table_name", String(32), nullable=False),
    Column("record_id", String(36), nullable=False),
    Column("part_of", String(36)),  # a deleted part: the record it belonged to
    Column("by", String(100), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
    Index("ix_retention_audit_record_id", "record_id"),
)

GENESIS = "0" * 64
KINDS = tuple(kind.value for kind in RecordKind)
# Parts are deleted (and numbered) before what they belong to: the laptop's apply order.
DELETE_ORDER = tuple(reversed(p.SYNCED_TABLES))


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


# --------------------------------------------------------------------------- the schedule

def schedule_from_file(path: Path | None) -> Schedule:
    """The organisation's schedule: the ``[retention]`` table of the server's TOML file (the
    file ``--config`` names) over the defaults. Raises :class:`DirectoryError` in words."""
    if path is None:
        return Schedule.default()
    try:
        with open(path, "rb") as handle:
            raw = tomllib.load(handle).get("retention", {})
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise DirectoryError(f"The retention schedule could not be read from {path}: {error}") from None
    if not isinstance(raw, dict):
        raise DirectoryError(f"{path}: retention must be a table ([retention]).")
    try:
        return Schedule.from_mapping(raw, f"{path} [retention]")
    except ScheduleError as error:
        raise DirectoryError(str(error)) from None


# --------------------------------------------------------------------------- the review list

@dataclass(frozen=True)
class Entry:
    """One record on the review list: ids, dates and where it stands; never its contents."""

    record_id: str
    kind: RecordKind
    about: str  # the supervisee's username, or the child's case id
    review: Review
    hold_reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.record_id, "kind": self.kind.value, "about": self.about,
                "status": self.review.status.value, "due_on": self.review.due_on,
                "reason": self.review.reason, "hold_reason": self.hold_reason}


def _locked_days(conn: Connection, ids: set[str]) -> dict[str, date]:
    """The day each locked record got its last signature (the server verified them all)."""
    found: dict[str, date] = {}
    if not ids:
        return found
    for parent_id, text_ in conn.execute(select(record.c.parent_id, record.c.data).where(
            record.c.table_name == "signature", record.c.tombstone.is_(False))):
        if parent_id in ids:
            day = p.parse_datetime(json.loads(text_)["signed_at"]).date()
            found[parent_id] = max(found.get(parent_id, day), day)
    return found


def _group_locked_days(conn: Connection, groups: dict[str, dict[str, Any]]) -> dict[str, date]:
    """The day each locked group session got its last signature: the supervisor's is on the
    session, each attendee's on their attendance row. ``groups``: id -> the server's facts
    (``group_sync.group_facts``: attendees and who has signed, from its verified rows)."""
    locked = set()
    for group_id, facts in groups.items():
        present = {p_ for p_, a in facts.get("attendees", {}).items() if a == "present"}
        signed = set(facts.get("signed", ()))
        if facts.get("supervisor") in signed and present <= signed:
            locked.add(group_id)
    if not locked:
        return {}
    owner = {group_id: group_id for group_id in locked}
    ids = sorted(locked)
    for start in range(0, len(ids), 500):
        owner.update(conn.execute(select(record.c.id, record.c.parent_id).where(
            record.c.parent_id.in_(ids[start:start + 500]), record.c.table_name == "group_attendance")).all())
    days = _locked_days(conn, set(owner))
    found: dict[str, date] = {}
    for row_id, day in days.items():
        group_id = owner[row_id]
        found[group_id] = max(found.get(group_id, day), day)
    return found


def review_list(conn: Connection, schedule: Schedule, today: date,
                only: Iterable[str] | None = None) -> list[Entry]:
    """Every scheduled record (or those in ``only``) with where it stands on ``today``."""
    query = select(record.c.id, record.c.table_name, record.c.data, record.c.auth).where(
        record.c.table_name.in_(KINDS))
    if only is None:
        found = conn.execute(query).all()
    else:
        wanted = sorted(set(only))
        found = [r for start in range(0, len(wanted), 500)
                 for r in conn.execute(query.where(record.c.id.in_(wanted[start:start + 500])))]
    rows = [r for r in found if not is_deleted(json.loads(r.auth))]
    usernames = dict(conn.execute(select(account.c.staff_id, account.c.username)).all())
    active = dict(conn.execute(select(directory_staff.c.staff_id, directory_staff.c.active)).all())
    left = dict(conn.execute(select(retention_leaver.c.staff_id, retention_leaver.c.left_on)).all())
    holds = current_holds(conn)
    closed = closed_cases(conn)
    children: dict[str, dict[str, Any]] = {}
    if any(r.table_name == RecordKind.OVERSIGHT_NOTE for r in rows):
        children = {r.id: json.loads(r.data) for r in conn.execute(
            select(record.c.id, record.c.data).where(record.c.table_name == "child"))}
    lock_kinds = {kind for kind, rule in schedule.rules.items() if rule.after == Trigger.RECORD_LOCKED}
    locked = _locked_days(conn, {r.id for r in rows if r.table_name in lock_kinds
                                 and json.loads(r.data).get("state") == "locked"})
    if RecordKind.GROUP_SESSION in lock_kinds:  # no state column: its signatures say
        locked.update(_group_locked_days(conn, {r.id: json.loads(r.auth) for r in rows
                                                if r.table_name == RecordKind.GROUP_SESSION}))
    entries = []
    for r in rows:
        kind = RecordKind(r.table_name)
        data = json.loads(r.data)
        if kind == RecordKind.OVERSIGHT_NOTE:
            child = children.get(data["child_id"], {})
            born = child.get("date_of_birth")
            facts = RecordFacts(kind, r.id, case_closed_on=closed.get(data["child_id"]),
                                child_born_on=date.fromisoformat(born) if born else None,
                                locked_on=locked.get(r.id), on_hold=r.id in holds)
            about = child.get("case_id", data["child_id"])
        elif kind == RecordKind.GROUP_SESSION:
            # everyone listed, from the server's own facts of its attendance rows
            attendees = sorted(json.loads(r.auth).get("attendees", {}))
            worker_active, left_on = last_attendee_leaving(
                {person: Leaving(bool(active.get(person, False)), left.get(person)) for person in attendees})
            facts = RecordFacts(kind, r.id, worker_active=worker_active, worker_left_on=left_on,
                                locked_on=locked.get(r.id), on_hold=r.id in holds)
            about = "group: " + ", ".join(sorted(usernames.get(person, person) for person in attendees))
        else:
            worker = data["supervisee_id"]
            facts = RecordFacts(kind, r.id, worker_active=bool(active.get(worker, False)),
                                worker_left_on=left.get(worker), locked_on=locked.get(r.id),
                                on_hold=r.id in holds)
            about = usernames.get(worker, worker)
        entries.append(Entry(r.id, kind, about, review(schedule, facts, today), holds.get(r.id)))
    entries.sort(key=lambda e: (e.review.due_on or date.max, e.kind.value, e.about, e.record_id))
    return entries


def leavers_without_date(conn: Connection) -> list[str]:
    """Usernames of people who may not sign in and have no leaving date recorded: their
    records cannot become due until IT records one."""
    recorded = set(conn.execute(select(retention_leaver.c.staff_id)).scalars())
    inactive = select(directory_staff.c.staff_id).where(directory_staff.c.active.is_(False))
    return sorted(conn.execute(select(account.c.username).where(
        account.c.staff_id.in_(inactive), account.c.staff_id.not_in(recorded or {""}))).scalars())


# --------------------------------------------------------------------------- audit

def _audit(conn: Connection, action: str, table: str, record_id: str, by: str,
           part_of: str | None = None) -> None:
    last = conn.execute(select(retention_audit.c.seq, retention_audit.c.entry_hash)
                        .order_by(retention_audit.c.seq.desc()).limit(1)).first()
    seq, prev = (last.seq + 1, last.entry_hash) if last else (1, GENESIS)
    at = utcnow()
    digest = entry_hash(seq, at, action, table, record_id, part_of, by, prev)
    conn.execute(insert(retention_audit).values(
        seq=seq, at=at, action=action, table_name=table, record_id=record_id, part_of=part_of,
        by=by, prev_hash=prev, entry_hash=digest))


def entry_hash(seq: int, at: datetime, action: str, table: str, record_id: str,
               part_of: str | None, by: str, prev: str) -> str:
    text = json.dumps([seq, at.isoformat(timespec="microseconds"), action, table, record_id,
                       part_of, by, prev], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def audit_entries(conn: Connection, record_id: str | None = None) -> list[dict[str, Any]]:
    query = select(retention_audit).order_by(retention_audit.c.seq)
    if record_id is not None:
        query = query.where((retention_audit.c.record_id == record_id)
                            | (retention_audit.c.part_of == record_id))
    return [dict(r._mapping) for r in conn.execute(query)]


def audit_break(conn: Connection) -> int | None:
    """The first entry whose link does not hold, or None when the chain is whole."""
    prev = GENESIS
    for r in conn.execute(select(retention_audit).order_by(retention_audit.c.seq)):
        if r.prev_hash != prev or r.entry_hash != entry_hash(
                r.seq, r.at, r.action, r.table_name, r.record_id, r.part_of, r.by, r.prev_hash):
            return int(r.seq)
        prev = r.entry_hash
    return None


# --------------------------------------------------------------------------- leavers and holds

def record_leaving_date(conn: Connection, username: str, left_on: date, by: str) -> str:
    staff_id = staff_id_for(conn, username)
    now = utcnow()
    if conn.execute(select(retention_leaver.c.staff_id)
                    .where(retention_leaver.c.staff_id == staff_id)).first():
        conn.execute(update(retention_leaver).where(retention_leaver.c.staff_id == staff_id)
                     .values(left_on=left_on, recorded_at=now))
    else:
        conn.execute(insert(retention_leaver).values(staff_id=staff_id, left_on=left_on,
                                                     recorded_at=now))
    _audit(conn, "leaver", "staff", staff_id, by)
    return staff_id


def _scheduled(conn: Connection, record_id: str):
    rec = conn.execute(select(record.c.id, record.c.table_name, record.c.auth, record.c.parent_id)
                       .where(record.c.id == record_id)).first()
    if rec is None:
        raise DirectoryError(f"There is no record with id {record_id} on the server.")
    if is_deleted(json.loads(rec.auth)):
        raise DirectoryError(f"Record {record_id} has already been deleted under retention.")
    if rec.table_name not in KINDS:
        raise DirectoryError(
            f"{record_id} is a {rec.table_name.replace('_', ' ')}, part of record "
            f"{_top(conn, record_id)}: parts are kept and deleted with their record.")
    return rec


def _top(conn: Connection, row_id: str) -> str:
    """The scheduled record a part belongs to (following parent_id)."""
    current = row_id
    for _ in range(5):
        rec = conn.execute(select(record.c.table_name, record.c.parent_id)
                           .where(record.c.id == current)).first()
        if rec is None or rec.table_name in KINDS or rec.parent_id is None:
            return current
        current = rec.parent_id
    return current


def current_holds(conn: Connection) -> dict[str, str]:
    """record id -> the reason it is on legal hold."""
    return dict(conn.execute(select(retention_hold.c.record_id, retention_hold.c.reason)
                             .where(retention_hold.c.released_at.is_(None))).all())


def hold(conn: Connection, record_id: str, reason: str, by: str) -> None:
    if not reason.strip():
        raise DirectoryError("Give the reason for the legal hold (--reason).")
    rec = _scheduled(conn, record_id)
    if record_id in current_holds(conn):
        raise DirectoryError(f"Record {record_id} is already on legal hold.")
    conn.execute(insert(retention_hold).values(record_id=record_id, table_name=rec.table_name,
                                               reason=reason.strip(), held_at=utcnow(), held_by=by))
    _audit(conn, "hold", rec.table_name, record_id, by)


def release(conn: Connection, record_id: str, reason: str, by: str) -> None:
    if not reason.strip():
        raise DirectoryError("Give the reason the legal hold ends (--reason).")
    rec = _scheduled(conn, record_id)
    done = conn.execute(update(retention_hold).where(
        retention_hold.c.record_id == record_id, retention_hold.c.released_at.is_(None)).values(
        released_at=utcnow(), released_by=by, release_reason=reason.strip()))
    if not done.rowcount:
        raise DirectoryError(f"Record {record_id} is not on legal hold.")
    _audit(conn, "release", rec.table_name, record_id, by)


# --------------------------------------------------------------------------- deletion

@dataclass
class Deletion:
    """What a deletion removes: the records, and every part with the record it belongs to."""

    records: list[tuple[str, str]] = field(default_factory=list)  # (table, id)
    parts: list[tuple[str, str, str]] = field(default_factory=list)  # (table, id, record id)

    def summary(self) -> str:
        return (f"{len(self.records)} record{'s' if len(self.records) != 1 else ''} and "
                f"{len(self.parts)} part{'s' if len(self.parts) != 1 else ''} "
                f"(discussions, actions, reviews, attendance, addenda, signatures, signed copies)")


def plan_deletion(conn: Connection, record_ids: list[str], schedule: Schedule,
                  today: date) -> Deletion:
    """Check every record may be deleted today, and find their parts; change nothing.
    Refuses (:class:`DirectoryError`, every problem named) a record on legal hold, one not
    yet due, and one whose actions a record not being deleted reviews."""
    ids = list(dict.fromkeys(record_ids))
    if not ids:
        raise DirectoryError("Name the records to delete (retention list shows the due ones).")
    problems: list[str] = []
    found = []
    for record_id in ids:
        try:
            found.append(_scheduled(conn, record_id))
        except DirectoryError as error:
            problems.append(str(error))
    if problems:
        raise DirectoryError("Nothing was deleted:\n  " + "\n  ".join(problems))
    for entry in review_list(conn, schedule, today, only=ids):
        if entry.review.status == Status.ON_HOLD:
            problems.append(f"{entry.record_id} is on legal hold ({entry.hold_reason}); "
                            f"release it first.")
        elif entry.review.status != Status.DUE:
            problems.append(f"{entry.record_id} is not due for deletion: {entry.review.reason}.")
    plan = Deletion(records=[(rec.table_name, rec.id) for rec in found])
    owner = {rec.id: rec.id for rec in found}
    frontier = list(owner)
    while frontier:
        children = conn.execute(select(record.c.id, record.c.table_name, record.c.parent_id)
                                .where(record.c.parent_id.in_(frontier))).all()
        frontier = []
        for child in children:
            if child.id not in owner:
                owner[child.id] = owner[child.parent_id]
                plan.parts.append((child.table_name, child.id, owner[child.id]))
                frontier.append(child.id)
    actions = {row_id for table, row_id, _r in plan.parts if table == "action_item"}
    if actions:
        for review_id, session_id, text_ in conn.execute(
                select(record.c.id, record.c.parent_id, record.c.data)
                .where(record.c.table_name == "action_review")):
            if review_id not in owner and json.loads(text_).get("action_id") in actions:
                action = json.loads(text_)["action_id"]
                problems.append(f"{owner[action]} has actions reviewed in record {session_id}, "
                                f"which is not being deleted: delete them together.")
    if problems:
        raise DirectoryError("Nothing was deleted:\n  " + "\n  ".join(dict.fromkeys(problems)))
    return plan


def delete_records(conn: Connection, record_ids: list[str], schedule: Schedule, today: date,
                   by: str) -> Deletion:
    """Delete the records and their parts: empty every row, parts first, and audit each (ids
    only); in the caller's transaction. The sync sequence lock is taken first
    (:class:`.storage.WriteTx`) and the plan made again under it, so a part pushed since the
    administrator confirmed goes too (or a record changed meanwhile is refused)."""
    tx = WriteTx.begin(conn)
    plan = plan_deletion(conn, record_ids, schedule, today)
    now = utcnow()
    rank = {table: i for i, table in enumerate(DELETE_ORDER)}
    rows: list[tuple[str, str, str | None]] = sorted(plan.parts, key=lambda r: rank[r[0]])
    rows += [(table, row_id, None) for table, row_id in plan.records]
    for table, row_id, part_of in rows:
        rec = conn.execute(select(record.c.auth, record.c.auth_history, record.c.version)
                           .where(record.c.id == row_id)).one()
        facts = json.loads(rec.auth)
        history = json.loads(rec.auth_history) if rec.auth_history else []
        if not is_deleted(facts) and facts not in history:
            history.append(facts)
        seq = tx.allocate()
        conn.execute(update(record).where(record.c.id == row_id).values(
            data="{}", auth=json.dumps(DELETED_FACTS), auth_history=json.dumps(history),
            tombstone=True, version=rec.version + 1, seq=seq, updated_at=now, updated_by=None,
            parent_id=None, last_mutation_id=None))
        # whoever could see it under any of its facts is sent its removal
        keys: set[str] = set()
        for old in history:
            keys |= authz.scope_keys(old)
        conn.execute(delete(record_scope).where(record_scope.c.record_id == row_id))
        if keys:
            conn.execute(insert(record_scope), [{"scope_key": k, "record_id": row_id, "seq": seq}
                                                for k in sorted(keys)])
        _audit(conn, "delete", table, row_id, by, part_of)
    tx.finish()
    return plan

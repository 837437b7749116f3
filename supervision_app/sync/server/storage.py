"""Server storage: applying pushed mutations exactly once, and answering pulls.

Everything runs in short transactions on SQLite or PostgreSQL. A push takes the row lock
on the global sequence first, so pushes are serialised and sequence numbers become
visible in commit order: a client's cursor can never skip a row committed late. The
server is stateless beside the database, so several processes can share one PostgreSQL.
"""
from __future__ import annotations

import hashlib
import json
import logging
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, create_engine, delete, event, insert, select, update
from sqlalchemy.engine import Connection, Engine, make_url

from ...domain.frozen_fields import AGREEMENT_CONTENT, SESSION_CONTENT  # as the client's triggers
from ...domain.lifecycle import Event, IllegalTransition, RecordKind, allowed_events, next_state
from ...domain.permissions import (
    MANAGER_ROLES,
    Actor,
    Cover,
    Decision,
    DirectoryTarget,
    Operation,
    decide,
    with_cover,
)
from ...domain.time_rules import utc_now
from ...domain.vocabulary import RecordState, Role
from .. import protocol as p
from . import authz, feedback_totals, group_sync
from .audit_anchors import anchor_audit_head
from .document_check import Findings, document_problem, prepare_documents
from .refusal import Refused
from .retention_facts import REFUSAL as RETENTION_REFUSAL, is_deleted as deleted_under_retention
from .row_facts import PAIR_TABLES, compute_facts, parent_id_of, with_state
from .schema import (
    directory_service_area,
    directory_staff,
    directory_team,
    mutation,
    record,
    record_scope,
    sequence,
    staff_cover,
)
from .signature_check import CLOCK_SKEW, signature_problem
from .value_check import value_problem

log = logging.getLogger("supervision_app.sync.server")
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

SUPERVISEE_FIELDS = frozenset({"supervisee_comments", "supervisee_agreement", "disagreement"})
STATE_FIELDS = frozenset({"state", "shared_at"})
ACTION_STATUS_FIELDS = frozenset({"status", "closed_at"})
FROZEN_SESSION_STATES = frozenset({"supervisor_signed", "locked"})
RECORD_KIND = {"supervision_session": RecordKind.SUPERVISION,
               "oversight_note": RecordKind.OVERSIGHT_NOTE, "addendum": RecordKind.ADDENDUM,
               "supervision_agreement": RecordKind.AGREEMENT}
HISTORY_KEEP = 4


def utcnow_naive() -> datetime:
    return utc_now().replace(tzinfo=None)


# --- engine and migrations -------------------------------------------------------------

def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            parsed, connect_args={"timeout": 30, "check_same_thread": False},
            pool_size=8, max_overflow=8, hide_parameters=True,
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA busy_timeout = 30000")
            cursor.close()

        return engine
    if parsed.get_backend_name() != "postgresql":
        raise ValueError("The database URL must be sqlite:///... or postgresql+psycopg://...")
    return create_engine(parsed, pool_size=10, max_overflow=10, pool_pre_ping=True,
                         hide_parameters=True)


def migrate(engine: Engine) -> None:
    # imported here: most processes (admin commands on a migrated database) never need Alembic
    from alembic import command
    from alembic.config import Config

    with engine.begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


# --- the directory, as authorization needs it ------------------------------------------

def load_actor(conn: Connection, staff_id: str) -> tuple[Actor, str | None] | None:
    """The actor for ``staff_id`` and their own team, or None if unknown or inactive."""
    staff = conn.execute(select(directory_staff).where(directory_staff.c.staff_id == staff_id)).first()
    if staff is None or not staff.active:
        return None
    role = Role(staff.role)
    managed: set[str] = set()
    if role in MANAGER_ROLES and role != Role.HEAD_OF_SERVICE:
        managed.update(conn.execute(
            select(directory_team.c.team_id).where(directory_team.c.manager_id == staff_id)
        ).scalars())
        areas = select(directory_service_area.c.service_area_id).where(
            directory_service_area.c.manager_id == staff_id
        )
        managed.update(conn.execute(
            select(directory_team.c.team_id).where(directory_team.c.service_area_id.in_(areas))
        ).scalars())
    actor = Actor(staff_id, role, frozenset(managed), _line_reports(conn, staff_id))
    covers = [Cover(r.team_id, r.starts_on, r.ends_on) for r in conn.execute(
        select(staff_cover.c.team_id, staff_cover.c.starts_on, staff_cover.c.ends_on)
        .where(staff_cover.c.manager_id == staff_id))]
    return with_cover(actor, covers, authz.server_today()), staff.team_id


def _line_reports(conn: Connection, staff_id: str) -> frozenset[str]:
    """The active people with no team whose line manager is ``staff_id``, or is one of those
    people in turn (DESIGN.md §1.1: service managers, heads of service). The link lives only
    in the staff rows' data, written compactly, so a text match finds the candidates."""
    found: set[str] = set()
    managers = [staff_id]
    while managers:
        manager = managers.pop()
        for row_id, text_ in conn.execute(
                select(record.c.id, record.c.data).where(
                    record.c.table_name == "staff", record.c.tombstone.is_(False),
                    record.c.data.contains(f'"line_manager_id":"{manager}"'))):
            data = json.loads(text_)
            if (data.get("line_manager_id") == manager and not data.get("team_id")
                    and data.get("active") and row_id not in found and row_id != staff_id):
                found.add(row_id)
                managers.append(row_id)
    return frozenset(found)


def access_fingerprint(actor: Actor, team_id: str | None) -> str:
    """Changes whenever what this person may see could change (role, teams managed or
    covered today, people line-managed): the next pull then resyncs, bringing what they now
    may hold and removing what they may no longer."""
    text = json.dumps([actor.role.value, team_id, sorted(actor.managed_team_ids),
                       sorted(actor.line_report_ids)])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# --- wire rows -------------------------------------------------------------------------

def _fmt_time(value: datetime) -> str:
    """A stored (naive UTC) time on the wire; ``isoformat`` is several times quicker than
    ``strftime`` and writes the same text for these."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds") + "Z"


def row_json(rec, actor: Actor, facts: authz.Facts) -> str:
    """A stored record as the JSON text of a protocol ``Row`` (built by hand: pulls are
    the hot path), with private sections blanked for readers who may not see them."""
    private = p.PRIVATE_FIELDS.get(rec.table_name)
    return _row_text(rec, bool(private) and authz.may_view_private(actor, facts), json.dumps(rec.updated_by))


def _row_text(rec, show_private: bool, updated_by: str) -> str:
    """``updated_by`` is already JSON text."""
    data_text = rec.data
    private = p.PRIVATE_FIELDS.get(rec.table_name)
    if private and not show_private:
        data = json.loads(data_text)
        for name in private:
            if data.get(name):
                data[name] = ""
        data_text = json.dumps(data, separators=(",", ":"))
    return (
        f'{{"table":"{rec.table_name}","id":"{rec.id}","version":{rec.version},'
        f'"updated_at":"{_fmt_time(rec.updated_at)}","updated_by":{updated_by},'
        f'"tombstone":{"true" if rec.tombstone else "false"},"data":{data_text},"seq":{rec.seq}}}'
    )


# --- a write transaction ---------------------------------------------------------------

def _chunks(ids: list[str], size: int = 500) -> list[list[str]]:
    """``ids`` in lists short enough for one ``IN (...)`` on every backend."""
    return [ids[start:start + size] for start in range(0, len(ids), size)]


@dataclass
class WriteTx:
    """One write transaction holding the sequence lock."""

    conn: Connection
    next_seq: int = 0
    _facts_cache: dict[str, authz.Facts] = field(default_factory=dict)
    # people as a pull loads them (``load_actor``), for ``authz.same_audience``
    _actors: dict[str, Actor | None] = field(default_factory=dict)
    # the signed copies of the signing unit being applied: row id -> the stage it must name
    signing_documents: dict[str, str] = field(default_factory=dict)
    # what reading and verifying the push's signed PDFs found before the lock (document_check)
    prepared_documents: dict[str, Findings] = field(default_factory=dict)

    @classmethod
    def begin(cls, conn: Connection) -> "WriteTx":
        # The UPDATE takes the row lock (PostgreSQL) / write lock (SQLite) before anything
        # is read, so concurrent pushes queue here and commit in sequence order.
        conn.execute(update(sequence).where(sequence.c.id == 1).values(value=sequence.c.value))
        value = conn.execute(select(sequence.c.value).where(sequence.c.id == 1)).scalar_one()
        return cls(conn, value)

    def allocate(self) -> int:
        self.next_seq += 1
        return self.next_seq

    def finish(self) -> None:
        self.conn.execute(update(sequence).where(sequence.c.id == 1).values(value=self.next_seq))

    # lookups used by compute_facts
    def facts_of(self, record_id: str) -> authz.Facts | None:
        cached = self._facts_cache.get(record_id)
        if cached is not None:
            return cached
        text_ = self.conn.execute(select(record.c.auth).where(record.c.id == record_id)).scalar()
        if text_ is None:
            return None
        facts = json.loads(text_)
        self._facts_cache[record_id] = facts
        return facts

    def actor_of(self, staff_id: str) -> Actor | None:
        if staff_id not in self._actors:
            loaded = load_actor(self.conn, staff_id)
            self._actors[staff_id] = loaded[0] if loaded is not None else None
        return self._actors[staff_id]

    def team_of(self, staff_id: str) -> str | None:
        return self.conn.execute(
            select(directory_staff.c.team_id).where(directory_staff.c.staff_id == staff_id)
        ).scalar()

    def facts(self, table: str, row_id: str, data: dict[str, Any]) -> authz.Facts:
        if table in group_sync.GROUP_TABLES:  # built from its attendance rows and signatures
            return group_sync.facts(self, table, row_id, data)
        return compute_facts(table, row_id, data, self.facts_of, self.team_of)

    def load(self, record_id: str):
        return self.conn.execute(select(record).where(record.c.id == record_id)).first()

    # writing
    def write(self, *, table: str, row_id: str, version: int, updated_at: datetime,
              updated_by: str | None, tombstone: bool, data: dict[str, Any],
              mutation_id: str | None, existing=None) -> None:
        """Store a row (insert or replace), stamp it with a sequence number, keep its
        scope keys, the directory and its dependents' facts up to date."""
        facts = self.facts(table, row_id, data)
        history: list[authz.Facts] = []
        old_facts = None
        if existing is not None:
            old_facts = json.loads(existing.auth)
            history = json.loads(existing.auth_history) if existing.auth_history else []
            if old_facts != facts and old_facts not in history:
                history = (history + [old_facts])[-HISTORY_KEEP:]
        seq = self.allocate()
        values = dict(
            table_name=table, version=version, seq=seq,
            updated_at=updated_at.astimezone(timezone.utc).replace(tzinfo=None),
            updated_by=updated_by, tombstone=tombstone,
            data=json.dumps(data, separators=(",", ":")), auth=json.dumps(facts),
            auth_history=json.dumps(history) if history else None,
            last_mutation_id=mutation_id, parent_id=parent_id_of(table, data),
        )
        if existing is None:
            self.conn.execute(insert(record).values(id=row_id, **values))
        else:
            self.conn.execute(update(record).where(record.c.id == row_id).values(**values))
        self._facts_cache[row_id] = facts
        if table in p.DIRECTORY_TABLES:
            self._update_directory(table, row_id, data, tombstone)
        restamped = False
        if existing is not None and old_facts != facts:
            self._restamp_dependents(row_id)
            restamped = True
        if table == "staff" and existing is not None:
            old = json.loads(existing.data)
            if old.get("team_id") != data.get("team_id"):
                self._restamp_dependents(row_id)
                restamped = True
        if restamped:  # dependents first, then the parent: a client applying in sequence
            seq = self.allocate()  # order never inserts a part under a locked parent
            self.conn.execute(update(record).where(record.c.id == row_id).values(seq=seq))
        self._set_scope(row_id, facts, history, seq)
        group_sync.refresh_group(self, table, data)  # who is in a group, who has signed it
        if table == "supervisee_feedback":
            feedback_totals.publish_feedback_totals(self, authz.server_today())

    def _set_scope(self, row_id: str, facts: authz.Facts, history: list[authz.Facts], seq: int) -> None:
        keys = authz.scope_keys(facts)
        for old in history:
            keys |= authz.scope_keys(old)
        self.conn.execute(delete(record_scope).where(record_scope.c.record_id == row_id))
        if not keys:  # nobody's (a child allocated to no one): an empty insert would be one NULL row
            return
        self.conn.execute(insert(record_scope), [
            {"scope_key": k, "record_id": row_id, "seq": seq} for k in sorted(keys)
        ])

    def _restamp_dependents(self, parent_id: str) -> None:
        """Recompute the facts of rows built on ``parent_id`` (and on those, level by level).
        Each one whose facts changed in a way that changes who may hold it (or read its
        private section, or find it in a pull: ``authz.same_audience``) is *re-stamped*: a
        new sequence number and scope rows, so every client that may now see it (or must now
        remove it) is sent it. Dependents are numbered before the rows they are built on, as
        a client applying in sequence order needs. Any other changed row only has its stored
        facts brought up to date (the server's later decisions read them), keeping its
        sequence number: no laptop is sent it again. Most moves of a record (a signature,
        the supervisee's response) change no part's readers, and a signed record has about
        a hundred parts in bench_push (issue 16). Done in a few statements per level."""
        # each entry: (row id, id of the row it is built on, new facts, old facts text, old history)
        levels: list[list[tuple[str, str, authz.Facts, str, list[authz.Facts]]]] = []
        parents = [parent_id]
        while parents:
            level: list[tuple[str, str, authz.Facts, str, list[authz.Facts]]] = []
            for chunk in _chunks(parents):
                for dep in self.conn.execute(
                        select(record.c.id, record.c.parent_id, record.c.table_name, record.c.data,
                               record.c.auth, record.c.auth_history)
                        .where(record.c.parent_id.in_(chunk)).order_by(record.c.seq)).all():
                    old_facts = json.loads(dep.auth)
                    try:
                        facts = self.facts(dep.table_name, dep.id, json.loads(dep.data))
                    except Refused:
                        continue
                    if facts == old_facts:
                        continue
                    history = json.loads(dep.auth_history) if dep.auth_history else []
                    self._facts_cache[dep.id] = facts
                    level.append((dep.id, dep.parent_id, facts, dep.auth, history))
            if level:
                levels.append(level)
            parents = [dep_id for dep_id, _parent, _facts, _old, _history in level]
        if not levels:
            return
        # deepest first; a row re-stamped re-stamps the rows it is built on in this chain, so
        # it never reaches a laptop after a newer copy of its own parent
        audience: dict[tuple[str, str], bool] = {}  # parts of one record share their facts
        resend: set[str] = set()
        changed: list[tuple[str, authz.Facts, list[authz.Facts]]] = []
        quiet: list[dict[str, Any]] = []
        for entry in [entry for level in reversed(levels) for entry in level]:
            dep_id, built_on, facts, old_text, history = entry
            facts_text = json.dumps(facts)
            key = (old_text, facts_text)
            same = audience.get(key)
            if same is None:
                same = audience[key] = authz.same_audience(json.loads(old_text), facts, self.actor_of)
            if dep_id in resend or not same:
                resend.add(dep_id)
                resend.add(built_on)
                old_facts = json.loads(old_text)
                if old_facts not in history:
                    history = (history + [old_facts])[-HISTORY_KEEP:]
                changed.append((dep_id, facts, history))
            else:
                quiet.append({"_id": dep_id, "_auth": facts_text})
        if quiet:
            self.conn.execute(update(record).where(record.c.id == bindparam("_id")).values(
                auth=bindparam("_auth")), quiet)
        if not changed:
            return
        held: dict[str, set[str]] = {}
        for chunk in _chunks([dep_id for dep_id, _f, _h in changed]):
            for row_id, key in self.conn.execute(
                    select(record_scope.c.record_id, record_scope.c.scope_key)
                    .where(record_scope.c.record_id.in_(chunk))):
                held.setdefault(row_id, set()).add(key)
        rows, same_scope, new_scope = [], [], []
        for dep_id, facts, history in changed:
            seq = self.allocate()
            rows.append({"_id": dep_id, "_auth": json.dumps(facts), "_history": json.dumps(history),
                         "_seq": seq})
            keys = authz.scope_keys(facts)
            for old in history:
                keys |= authz.scope_keys(old)
            if keys == held.get(dep_id, set()):
                if keys:
                    same_scope.append({"_id": dep_id, "_seq": seq})
            else:
                new_scope.append((dep_id, keys, seq))
        self.conn.execute(update(record).where(record.c.id == bindparam("_id")).values(
            auth=bindparam("_auth"), auth_history=bindparam("_history"), seq=bindparam("_seq")), rows)
        if same_scope:
            self.conn.execute(update(record_scope).where(record_scope.c.record_id == bindparam("_id"))
                              .values(seq=bindparam("_seq")), same_scope)
        if new_scope:
            for chunk in _chunks([dep_id for dep_id, _k, _s in new_scope]):
                self.conn.execute(delete(record_scope).where(record_scope.c.record_id.in_(chunk)))
            inserts = [{"scope_key": k, "record_id": dep_id, "seq": seq}
                       for dep_id, keys, seq in new_scope for k in sorted(keys)]
            if inserts:
                self.conn.execute(insert(record_scope), inserts)

    def _update_directory(self, table: str, row_id: str, data: dict[str, Any], tombstone: bool) -> None:
        self._actors.clear()  # who manages whom may have changed
        if table == "staff":
            tbl, key, values = directory_staff, "staff_id", dict(
                role=data["role"], team_id=data["team_id"],
                active=bool(data["active"]) and not tombstone)
        elif table == "team":
            tbl, key, values = directory_team, "team_id", dict(
                service_area_id=None if tombstone else data["service_area_id"],
                manager_id=None if tombstone else data["manager_id"])
        else:
            tbl, key, values = directory_service_area, "service_area_id", dict(
                manager_id=None if tombstone else data["manager_id"])
        col = tbl.c[key]
        if self.conn.execute(select(col).where(col == row_id)).first() is None:
            self.conn.execute(insert(tbl).values({key: row_id, **values}))
        else:
            self.conn.execute(update(tbl).where(col == row_id).values(**values))


# --- authorization of one mutation -----------------------------------------------------

def _check(actor: Actor, op: Operation | str, table: str, row_id: str, decision: Decision) -> None:
    authz.log_decision(actor, str(op), table, row_id, decision)
    if not decision.allowed:
        raise Refused("rejected", decision.reason)


def _decide_at(actor: Actor, op: Operation, facts: authz.Facts, *states: str) -> Decision:
    """Allowed at any of ``states`` (a change made while moving between two states)."""
    decision = Decision(False, "not allowed")
    for state in states:
        decision = decide(actor, op, authz.target_of(with_state(facts, state)))
        if decision.allowed:
            return decision
    return decision


def _state_path(kind: RecordKind, old: str, new: str) -> list[tuple[str, Event]] | None:
    """The lifecycle events leading from ``old`` to ``new`` (shortest), or None."""
    if old == new:
        return []
    queue: deque[tuple[str, list[tuple[str, Event]]]] = deque([(old, [])])
    seen = {old}
    while queue:
        state, path = queue.popleft()
        for ev in sorted(allowed_events(kind, RecordState(state))):
            try:
                nxt = next_state(kind, RecordState(state), ev).value
            except IllegalTransition:
                continue
            if nxt in seen:
                continue
            step = path + [(state, ev)]
            if nxt == new:
                return step
            seen.add(nxt)
            queue.append((nxt, step))
    return None


def _check_state_change(actor: Actor, table: str, row_id: str, facts: authz.Facts,
                        old: str, new: str) -> None:
    path = _state_path(RECORD_KIND[table], old, new)
    if path is None:
        _check(actor, "change_state", table, row_id,
               Decision(False, f"A record cannot move from '{old}' to '{new}'."))
        return
    for state, ev in path:
        op = Operation(ev.value)
        _check(actor, op, table, row_id, decide(actor, op, authz.target_of(with_state(facts, state))))


def _changed(old: dict[str, Any] | None, new: dict[str, Any]) -> set[str]:
    if old is None:
        return set(new)
    return {k for k in new if old.get(k) != new.get(k)}


def authorize(tx: WriteTx, actor: Actor, table: str, row_id: str, data: dict[str, Any],
              tombstone: bool, existing) -> None:
    """Raise :class:`Refused` unless ``actor`` may make this change. Every decision asked
    is logged. Locked records are refused before anything else is considered."""
    old_data = json.loads(existing.data) if existing is not None else None
    changed = _changed(old_data, data)
    if existing is not None and bool(existing.tombstone) != tombstone:
        changed.add("tombstone")
    old_facts = json.loads(existing.auth) if existing is not None else None
    new_facts = tx.facts(table, row_id, data)

    # 1. What the locks allow (the server's copy of the client's triggers).
    _check_locks(tx, actor, table, row_id, existing, old_data, old_facts, new_facts, changed)
    if old_facts is not None and not changed:
        _check_unchanged(actor, table, row_id, old_facts)

    # 2. Who may do it.
    if table in p.DIRECTORY_TABLES:
        _check(actor, Operation.MANAGE_DIRECTORY, table, row_id,
               decide(actor, Operation.MANAGE_DIRECTORY, DirectoryTarget()))
        return
    if table == "child":
        _authorize_child(actor, row_id, old_facts, new_facts)
        return
    if table == "disagreement_resolution":
        _authorize_resolution(tx, actor, row_id, data, tombstone, new_facts)
        return
    if table in group_sync.GROUP_TABLES:
        group_sync.authorize(tx, actor, _check, table, row_id, data, existing, old_facts, new_facts, changed)
        return
    if table == "signature" and data["record_kind"] in group_sync.SIGNATURE_KINDS:
        group_sync.authorize_signature(tx, actor, _check, row_id, data, new_facts)
        return
    if table == "record_document" and data["record_kind"] in group_sync.SIGNATURE_KINDS:
        group_sync.authorize_document(tx, actor, _check, row_id, data, new_facts)
        return
    if table in p.INSERT_ONLY_TABLES:
        _authorize_insert_only(tx, actor, table, row_id, data, new_facts)
        return
    if table == "supervision_session":
        _check_session_team(tx, actor, row_id, data, existing is None, changed)
        _authorize_session(actor, row_id, data, old_facts, new_facts, changed)
        return
    if table in ("case_discussion", "action_review"):
        if old_facts is not None and old_facts["parent"] != new_facts["parent"]:
            _check(actor, Operation.EDIT, table, row_id,
                   decide(actor, Operation.EDIT, authz.target_of(old_facts["parent"])))
        _check(actor, Operation.EDIT, table, row_id,
               decide(actor, Operation.EDIT, authz.target_of(new_facts["parent"])))
        return
    if table == "action_item":
        agreed = changed - ACTION_STATUS_FIELDS
        if existing is None or agreed:
            for facts in ([old_facts] if old_facts is not None else []) + [new_facts]:
                _check(actor, Operation.EDIT, table, row_id,
                       decide(actor, Operation.EDIT, authz.target_of(facts["parent"])))
        if existing is not None and changed & ACTION_STATUS_FIELDS:
            _check(actor, Operation.UPDATE_STATUS, table, row_id,
                   decide(actor, Operation.UPDATE_STATUS, authz.target_of(new_facts)))
        return
    if table in ("oversight_note", "addendum"):
        _authorize_signable(actor, table, row_id, old_data, old_facts, new_facts, changed, data)
        return
    if table in PAIR_TABLES:
        _authorize_pair(tx, actor, table, row_id, data, old_facts, new_facts, changed)
        return
    if table == "supervisee_feedback":
        _authorize_feedback(actor, row_id, data, old_facts, new_facts)
        return
    if table == feedback_totals.TABLE:
        _check(actor, Operation.CREATE, table, row_id, Decision(
            False, "Team feedback totals are added up by the server, not sent from a laptop."))
    raise Refused("rejected", f"'{table}' rows cannot be pushed")  # pragma: no cover


def _check_locks(tx: WriteTx, actor: Actor, table: str, row_id: str, existing, old_data,
                 old_facts, new_facts, changed: set[str]) -> None:
    def refuse(reason: str) -> None:
        _check(actor, "change_locked", table, row_id, Decision(False, reason))

    locked = "This record is signed and locked; add a signed addendum instead."
    frozen = "This record has been signed; its content can no longer change."
    if table == "disagreement_resolution" and existing is not None:
        refuse("A recorded resolution can never be changed or removed.")
    if table in p.INSERT_ONLY_TABLES and existing is not None:
        refuse("Signatures and signed documents can never be changed.")
    if existing is None:
        parents = []
    else:
        parents = [old_facts]
    if table == "supervision_session" and existing is not None:
        if old_data["state"] == "locked":
            refuse(locked)
        if old_data["state"] == "supervisor_signed" and (
            changed & SESSION_CONTENT or new_facts["state"] not in ("supervisor_signed", "locked")
        ):
            refuse(frozen)
    if table in ("oversight_note", "addendum") and existing is not None and old_data["state"] == "locked":
        refuse(locked)
    if table == "supervision_agreement" and existing is not None:
        if old_data["state"] == "locked":
            refuse(locked)
        if old_data["state"] == "supervisor_signed" and (
            changed & AGREEMENT_CONTENT or new_facts["state"] not in ("supervisor_signed", "locked")
        ):
            refuse(frozen)
    if table in ("case_discussion", "action_review", "action_item"):
        for facts in parents + [new_facts]:
            parent = facts["parent"]
            parent_frozen = (
                parent["state"] in FROZEN_SESSION_STATES if parent["k"] == "sup"
                else parent["state"] == "locked"
            )
            if not parent_frozen:
                continue
            if table == "action_item" and existing is not None and not (changed - ACTION_STATUS_FIELDS):
                continue  # an agreed action's status moves on after sign-off
            refuse(frozen)


_UNCHANGED_REFUSED = ("You may not change this record, so your copy of it was not accepted "
                      "(even though it is the same as the server's).")


def _check_unchanged(actor: Actor, table: str, row_id: str, facts: authz.Facts) -> None:
    """A push of a row is an edit even when nothing in it differs from the server's copy: it
    is applied (version + 1, recorded as the pusher's) only for someone who may change the
    row as it stands; anyone else is refused, or a worker who knows only the id of their
    manager's draft could push it back unchanged, again and again, and turn every edit the
    manager makes into a conflict. The other tables' checks below ask the same question
    whatever changes (directory, child, parts of a record, cancellations, feedback), or
    refuse any change to a stored row (signatures, documents, resolutions)."""
    if table == "supervision_session":
        candidates = [(op, facts) for op in (Operation.EDIT, Operation.RESPOND, Operation.SHARE,
                                             Operation.WITHDRAW)]
    elif table == "action_item":
        candidates = [(Operation.EDIT, facts["parent"]), (Operation.UPDATE_STATUS, facts)]
    elif table in ("oversight_note", "addendum", "supervision_agreement"):
        candidates = [(Operation.EDIT, facts)]
    else:
        return
    for op, target_facts in candidates:
        decision = decide(actor, op, authz.target_of(target_facts))
        if decision.allowed:
            _check(actor, op, table, row_id, decision)
            return
    _check(actor, Operation.EDIT, table, row_id, Decision(False, _UNCHANGED_REFUSED))


def _authorize_child(actor: Actor, row_id: str, old_facts, new_facts) -> None:
    if decide(actor, Operation.MANAGE_DIRECTORY, DirectoryTarget()).allowed:
        _check(actor, "edit_child", "child", row_id, Decision(True, "administrator"))
        return
    for facts in ([old_facts] if old_facts else []) + [new_facts]:
        decision = decide(actor, Operation.CREATE, authz.target_of(facts))
        if not decision.allowed:
            decision = Decision(False, "Only a manager of the child's team or an administrator "
                                       "can change a child's details.")
        _check(actor, "edit_child", "child", row_id, decision)


def _check_session_team(tx: WriteTx, actor: Actor, row_id: str, data: dict[str, Any], new: bool,
                        changed: set[str]) -> None:
    """A record is made in (or moved to) the supervisee's own team as the server's directory
    has it, never a team the laptop names: naming one's own team once let a manager write
    records for any worker (issue 16 finding 1). A record kept while its worker moves team
    keeps the team it was made in until the history moves with them."""
    if not new and not {"team_id", "supervisee_id"} & changed:
        return
    team = tx.team_of(data["supervisee_id"])
    if data["team_id"] != team:
        _check(actor, Operation.CREATE, "supervision_session", row_id, Decision(
            False, "A supervision record belongs to the supervisee's own team in the staff "
                   "directory; sync, then write it again."))


def _authorize_session(actor: Actor, row_id: str, data: dict[str, Any], old_facts, new_facts,
                       changed: set[str]) -> None:
    table = "supervision_session"
    new_state = new_facts["state"]
    if old_facts is None:
        _check(actor, Operation.CREATE, table, row_id,
               decide(actor, Operation.CREATE, authz.target_of(with_state(new_facts, "draft"))))
        if any(data.get(name) for name in SUPERVISEE_FIELDS):
            # Only the supervisee speaks for the supervisee: a record that arrives already
            # holding a response was written by its supervisor, who would forge the voice
            # the supervisor's own signature has to wait for.
            _check(actor, Operation.RESPOND, table, row_id,
                   decide(actor, Operation.RESPOND, authz.target_of(with_state(new_facts, "shared"))))
        _check_state_change(actor, table, row_id, new_facts, "draft", new_state)
        return
    old_state = old_facts["state"]
    content = changed - SUPERVISEE_FIELDS - STATE_FIELDS
    identity = {"supervisor_id", "supervisee_id", "team_id"} & changed
    if content:
        _check(actor, Operation.EDIT, table, row_id,
               _decide_at(actor, Operation.EDIT, old_facts, old_state, new_state))
    if identity:
        _check(actor, Operation.CREATE, table, row_id,
               decide(actor, Operation.CREATE, authz.target_of(with_state(new_facts, "draft"))))
    if changed & SUPERVISEE_FIELDS:
        _check(actor, Operation.RESPOND, table, row_id,
               _decide_at(actor, Operation.RESPOND, old_facts, old_state, new_state))
    if old_state != new_state:
        _check_state_change(actor, table, row_id, old_facts, old_state, new_state)
    elif "shared_at" in changed:
        _check(actor, Operation.SHARE, table, row_id,
               _decide_at(actor, Operation.SHARE, old_facts, old_state))


def _authorize_signable(actor: Actor, table: str, row_id: str, old_data, old_facts, new_facts,
                        changed: set[str], data: dict[str, Any]) -> None:
    if data["author_id"] != actor.staff_id:
        _check(actor, Operation.CREATE, table, row_id,
               Decision(False, "You can only write notes in your own name."))
    if old_facts is None:
        if table == "oversight_note":
            _check(actor, Operation.CREATE, table, row_id,
                   decide(actor, Operation.CREATE, authz.target_of(new_facts["child"])))
        else:
            _check(actor, Operation.ADD_ADDENDUM, table, row_id,
                   decide(actor, Operation.ADD_ADDENDUM, authz.target_of(new_facts["parent"])))
        _check_state_change(actor, table, row_id, new_facts, "draft", new_facts["state"])
        return
    content = changed - STATE_FIELDS
    if content:
        _check(actor, Operation.EDIT, table, row_id,
               _decide_at(actor, Operation.EDIT, old_facts, old_facts["state"], new_facts["state"]))
        if table == "oversight_note" and "child_id" in changed:
            _check(actor, Operation.CREATE, table, row_id,
                   decide(actor, Operation.CREATE, authz.target_of(new_facts["child"])))
    _check_state_change(actor, table, row_id, old_facts, old_facts["state"], new_facts["state"])


_SIGN_OPS = {"supervisor": Operation.SIGN_AS_SUPERVISOR, "supervisee": Operation.SIGN_AS_SUPERVISEE,
             "author": Operation.SIGN_AS_AUTHOR}
_AFTER_SIGNING = {"supervisor": ("supervisor_signed",), "supervisee": ("locked",),
                  "author": ("locked",)}


def _authorize_insert_only(tx: WriteTx, actor: Actor, table: str, row_id: str,
                           data: dict[str, Any], facts: authz.Facts) -> None:
    parent = facts["parent"]
    parent_people = {parent.get("supervisor"), parent.get("supervisee"), parent.get("author")}
    if table == "record_document":
        visible = authz.may_view(actor, parent)
        if not visible and row_id in tx.signing_documents:
            # the signer's copy of a signing that ends their part: a supervisor whose worker
            # moved team holds the record until they sign it (DESIGN.md §1.1), not after
            visible = next((d for d in (authz.may_view(actor, with_state(parent, state))
                                        for state in ("shared", "draft")) if d), visible)
        _check(actor, Operation.VIEW, table, row_id, visible)
        if actor.staff_id not in parent_people:
            _check(actor, "add_document", table, row_id,
                   Decision(False, "Only the people who sign a record add its signed documents."))
        # A signed copy comes only from the signer, with the signing it carries (the unit's
        # signature is checked to be theirs), naming the stage the record moves to.
        stage = tx.signing_documents.get(row_id)
        if stage is None:
            _check(actor, "add_document", table, row_id, Decision(
                False, "A signed copy is accepted only together with the signature it carries."))
        elif data["stage"] != stage:
            _check(actor, "add_document", table, row_id, Decision(
                False, "This signed copy does not name the stage the record is signed into."))
        if p.parse_datetime(data["created_at"]) > utc_now() + CLOCK_SKEW:
            _check(actor, "add_document", table, row_id, Decision(
                False, "The signed copy is dated in the future; check this computer's clock."))
        # The PDF itself: its signatures verify against the organisation's CA, made with the
        # certificates of this record's signature rows, and it shows the digest they sign.
        problem = document_problem(tx.conn, data, data["stage"],
                                   findings=tx.prepared_documents.get(row_id))
        _check(actor, "verify_document", table, row_id,
               Decision(problem is None, problem or "verified signed copy"))
        return
    role = data["signer_role"]
    if data["signer_id"] != actor.staff_id:
        _check(actor, "sign", table, row_id, Decision(False, "You can only sign in your own name."))
    op = _SIGN_OPS[role]
    if (role == "author") != (parent["k"] not in ("sup", "agr")):
        _check(actor, op, table, row_id, Decision(False, "That signer role does not fit this record."))
    existing = tx.conn.execute(
        select(record.c.data).where(record.c.parent_id == data["record_id"],
                                    record.c.table_name == "signature")
    ).scalars()
    if any(json.loads(d)["signer_role"] == role for d in existing):
        _check(actor, op, table, row_id, Decision(False, "This record already has that signature."))
    # A signature travels with the record's move to signed (the outbox sends the record
    # before its signature): the record must already be in the signed state, and the
    # signer must have been allowed to sign it in the state it came from.
    if parent["state"] not in _AFTER_SIGNING[role]:
        _check(actor, op, table, row_id,
               Decision(False, "The record has not moved to signed on the server; sign it again."))
    before = {"supervisor": "draft" if parent["k"] == "agr" else "shared",
              "supervisee": "supervisor_signed", "author": "draft"}[role]
    _check(actor, op, table, row_id, decide(actor, op, authz.target_of(with_state(parent, before))))
    # The signer is the person in that role on the server's record, the certificate is one
    # this server's CA issued to them and not revoked, and the value verifies over the
    # record's canonical bytes as the server holds them.
    problem = signature_problem(tx.conn, data)
    _check(actor, "verify_signature", table, row_id,
           Decision(problem is None, problem or "verified against the server's record"))


def _authorize_resolution(tx: WriteTx, actor: Actor, row_id: str, data: dict[str, Any],
                          tombstone: bool, facts: authz.Facts) -> None:
    """A manager above the supervisor records how the supervisee's disagreement was
    resolved (``store.supervision_records.resolve_disagreement``): decided against the
    record as the server holds it, once per record, never removed."""
    table, op = "disagreement_resolution", Operation.RESOLVE_DISAGREEMENT
    if tombstone:
        _check(actor, op, table, row_id,
               Decision(False, "A recorded resolution can never be changed or removed."))
    if data["resolved_by"] != actor.staff_id:
        _check(actor, op, table, row_id,
               Decision(False, "You can only record a resolution in your own name."))
    _check(actor, op, table, row_id, decide(actor, op, authz.target_of(facts["parent"])))
    session = tx.load(data["session_id"])
    if session.tombstone or json.loads(session.data).get("supervisee_agreement") != "disagrees":
        _check(actor, op, table, row_id, Decision(
            False, "The supervisee has not recorded a disagreement on this record, so there "
                   "is nothing to resolve."))
    earlier = tx.conn.execute(
        select(record.c.id).where(record.c.parent_id == data["session_id"],
                                  record.c.table_name == table, record.c.tombstone.is_(False))
    ).first()
    if earlier is not None:
        _check(actor, op, table, row_id, Decision(
            False, "The resolution of this disagreement has already been recorded; it cannot "
                   "be changed."))


def _authorize_pair(tx: WriteTx, actor: Actor, table: str, row_id: str, data: dict[str, Any],
                    old_facts, new_facts, changed: set[str]) -> None:
    """A cancellation or a supervision agreement (issue 21): made in the supervisee's own
    team as the server's directory has it; an agreement moves through its lifecycle like a
    supervision record, its signatures checked with them (``_signing_unit``)."""
    if (old_facts is None or {"team_id", "supervisee_id"} & changed) and \
            data["team_id"] != tx.team_of(data["supervisee_id"]):
        _check(actor, Operation.CREATE, table, row_id, Decision(
            False, "This belongs to the worker's own team in the staff directory; sync, then "
                   "write it again."))
    if table == "session_cancellation":
        for facts in ([old_facts] if old_facts is not None else []) + [new_facts]:
            op = Operation.CREATE if old_facts is None else Operation.EDIT
            _check(actor, op, table, row_id, decide(actor, op, authz.target_of(facts)))
        return
    if old_facts is None:
        _check(actor, Operation.CREATE, table, row_id,
               decide(actor, Operation.CREATE, authz.target_of(with_state(new_facts, "draft"))))
        _check_state_change(actor, table, row_id, new_facts, "draft", new_facts["state"])
        return
    old_state, new_state = old_facts["state"], new_facts["state"]
    if changed & (AGREEMENT_CONTENT - {"tombstone"}) or "tombstone" in changed:
        _check(actor, Operation.EDIT, table, row_id,
               _decide_at(actor, Operation.EDIT, old_facts, old_state))
    if {"supervisor_id", "supervisee_id", "team_id"} & changed:
        _check(actor, Operation.CREATE, table, row_id,
               decide(actor, Operation.CREATE, authz.target_of(with_state(new_facts, "draft"))))
    if old_state != new_state:
        _check_state_change(actor, table, row_id, old_facts, old_state, new_state)


def _authorize_feedback(actor: Actor, row_id: str, data: dict[str, Any], old_facts,
                        new_facts) -> None:
    """Only the supervisee gives feedback, on their own signed session, in their own name."""
    table = "supervisee_feedback"
    if data["supervisee_id"] != actor.staff_id:
        _check(actor, Operation.CREATE, table, row_id,
               Decision(False, "You can only give feedback in your own name."))
    op = Operation.CREATE if old_facts is None else Operation.EDIT
    for facts in ([old_facts] if old_facts is not None else []) + [new_facts]:
        _check(actor, op, table, row_id, decide(actor, op, authz.target_of(facts)))


# --- push ------------------------------------------------------------------------------

@dataclass
class PushOutcome:
    results: list[dict[str, Any]]
    audit: dict[str, Any]


def _result(mutation_id: str, status: str, reason: str = "", row: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"mutation_id": mutation_id, "status": status, "reason": reason, "row": row}


def _visible_row(tx: WriteTx, actor: Actor, row_id: str) -> dict[str, Any] | None:
    rec = tx.load(row_id)
    if rec is None:
        return None
    facts = json.loads(rec.auth)
    if deleted_under_retention(facts):
        return None
    decision = authz.may_view(actor, facts)
    return json.loads(row_json(rec, actor, facts)) if decision.allowed else None


def apply_push(conn: Connection, actor: Actor, request: p.PushRequest) -> PushOutcome:
    """Apply a batch in one transaction (the caller commits). Each mutation is applied at
    most once, whatever the retries: its id and outcome are stored with its effect. A
    record's move to a signed state, its signature and its signed PDF are one unit
    (:func:`_signing_unit`): applied together or not at all."""
    if not request.mutations:  # a quiet sync: only the audit head, no sequence lock
        audit = anchor_audit_head(conn, actor, request.device_id, request.audit_head)
        return PushOutcome([], audit)
    # the slow part of checking signed PDFs (pyHanko), before the lock every push waits on
    prepared = prepare_documents(conn, request.mutations)
    tx = WriteTx.begin(conn)
    tx.prepared_documents = prepared
    mutations = request.mutations
    results: list[dict[str, Any] | None] = [None] * len(mutations)
    failed_rows: dict[str, str] = {}
    taken: set[int] = set()  # mutations already settled as part of a unit
    now = utcnow_naive()

    def settle(index: int, status: str, reason: str) -> None:
        m = mutations[index]
        results[index] = _result(m.mutation_id, status, reason, _visible_row(tx, actor, m.row.id))
        conn.execute(insert(mutation).values(
            mutation_id=m.mutation_id, staff_id=actor.staff_id, record_id=m.row.id,
            status=status, reason=reason, received_at=now))

    for index, m in enumerate(mutations):
        if index in taken:
            continue
        mid, row = m.mutation_id, m.row
        seen = conn.execute(select(mutation).where(mutation.c.mutation_id == mid)).first()
        if seen is not None:
            if seen.staff_id != actor.staff_id or seen.record_id != row.id:
                results[index] = _result(mid, "rejected", "This mutation id has already been used.")
                continue
            status = "duplicate" if seen.status == "applied" else seen.status
            results[index] = _result(mid, status, seen.reason, _visible_row(tx, actor, row.id))
            continue
        unit = _signing_unit(tx, mutations, index, taken)
        if unit is not None:
            taken.update(unit.members)
            outcome = _apply_unit(tx, actor, mutations, unit, failed_rows)
            for member in unit.members:
                settle(member, *outcome)
            continue
        try:
            if row.id in failed_rows:
                raise Refused(failed_rows[row.id],
                              "An earlier change to this row in the same batch was not applied.")
            settle(index, _apply_one(tx, actor, m), "")
        except Refused as refused:
            failed_rows[row.id] = refused.status
            settle(index, refused.status, refused.reason)
    audit = anchor_audit_head(conn, actor, request.device_id, request.audit_head)
    tx.finish()
    return PushOutcome([r for r in results if r is not None], audit)


_SIGNED_STATES = frozenset({"supervisor_signed", "locked"})
_SIGNER_OF_EVENT = {Event.SIGN_AS_SUPERVISOR: "supervisor", Event.SIGN_AS_SUPERVISEE: "supervisee",
                    Event.SIGN_AS_AUTHOR: "author"}


@dataclass(frozen=True)
class _SigningUnit:
    members: tuple[int, ...]  # the record's move first, then its signatures and documents
    missing: tuple[str, ...]  # signer roles the move needs that no row in the batch carries
    stage: str = ""  # the state the record moves to: the stage its signed copy names


def _signing_unit(tx: WriteTx, mutations: list[p.Mutation], index: int,
                  taken: set[int]) -> _SigningUnit | None:
    """If ``mutations[index]`` moves a record into a signed state: that move with the
    signature rows (one per signing step) and signed documents of the same record that
    follow it in the batch. None for any other mutation."""
    row = mutations[index].row
    kind = RECORD_KIND.get(row.table)
    new_state = row.data.get("state")
    if kind is None or new_state not in _SIGNED_STATES:
        return None
    existing = tx.load(row.id)
    if existing is not None and existing.table_name != row.table:
        return None
    old_state = json.loads(existing.data).get("state") if existing is not None else "draft"
    if old_state == new_state or old_state not in {s.value for s in RecordState}:
        return None
    path = _state_path(kind, old_state, new_state)
    if path is None:
        return None  # authorize refuses it with the reason
    roles = [_SIGNER_OF_EVENT[ev] for _state, ev in path if ev in _SIGNER_OF_EVENT]
    if not roles:
        return None
    members, found, documents = [index], [], 0
    for later in range(index + 1, len(mutations)):
        other = mutations[later].row
        if later in taken or other.table not in ("signature", "record_document"):
            continue
        data = other.data
        if data.get("record_id") != row.id or data.get("record_kind") != kind.value:
            continue
        if other.table == "signature":
            if data.get("signer_role") not in roles or data.get("signer_role") in found:
                continue
            found.append(data["signer_role"])
        elif documents:
            continue  # one signed copy per signing; another travels alone and is refused
        else:
            documents += 1
        members.append(later)
    missing = [f"{role} signature" for role in roles if role not in found]
    if documents == 0:
        missing.append("signed copy")
    return _SigningUnit(tuple(members), tuple(missing), new_state)


def _apply_unit(tx: WriteTx, actor: Actor, mutations: list[p.Mutation], unit: _SigningUnit,
                failed_rows: dict[str, str]) -> tuple[str, str]:
    """Apply every member of a signing unit, or none: (status, reason) for all of them."""
    first = mutations[unit.members[0]].row
    nested = tx.conn.begin_nested()
    seq_before, cache_before = tx.next_seq, dict(tx._facts_cache)
    tx.signing_documents = {mutations[member].row.id: unit.stage for member in unit.members
                            if mutations[member].row.table == "record_document"}
    try:
        if unit.missing:
            raise Refused("rejected", "A record moves to signed only together with its "
                                      f"{' and '.join(unit.missing)}, and this change came "
                                      "without it. Open the record and sign it again.")
        for member in unit.members:
            m = mutations[member]
            if m.row.id in failed_rows:
                raise Refused(failed_rows[m.row.id],
                              "An earlier change to this row in the same batch was not applied.")
            if tx.conn.execute(select(mutation.c.mutation_id).where(
                    mutation.c.mutation_id == m.mutation_id)).first() is not None:
                raise Refused("rejected", "This mutation id has already been used.")
            _apply_one(tx, actor, m)
    except Refused as refused:
        tx.signing_documents = {}
        nested.rollback()
        tx.next_seq, tx._facts_cache = seq_before, cache_before
        for member in unit.members:
            failed_rows[mutations[member].row.id] = refused.status
        what = {"supervision_session": "supervision record", "oversight_note": "oversight note",
                "addendum": "addendum", "supervision_agreement": "supervision agreement"}[first.table]
        reason = refused.reason
        if refused.status == "conflict":
            reason = (f"This {what} was changed on another device before your signature reached "
                      "the server, so the signature was not kept. Open it, read it, and sign it again.")
        return "rejected", f"Your signature on this {what} was not accepted: {reason}"
    tx.signing_documents = {}
    nested.commit()
    return "applied", ""


def _apply_one(tx: WriteTx, actor: Actor, m: p.Mutation) -> str:
    row = m.row
    try:
        data = p.check_data(row.table, dict(row.data))
    except p.RowInvalid as invalid:
        raise Refused("rejected", str(invalid)) from None
    existing = tx.load(row.id)
    if existing is not None and existing.table_name != row.table:
        raise Refused("rejected", "This id belongs to a different kind of record.")
    if existing is not None and deleted_under_retention(json.loads(existing.auth)):
        raise Refused("rejected", RETENTION_REFUSAL)
    if existing is None and m.base_version != 0:
        raise Refused("rejected", "This record is not on the server.")
    if existing is not None and existing.version != m.base_version:
        # A locked record cannot conflict: a change to it is refused outright.
        old = json.loads(existing.data)
        if old.get("state") == "locked" or row.table in p.INSERT_ONLY_TABLES:
            raise Refused("rejected", "This record is signed and locked; add a signed addendum instead.")
        raise Refused("conflict", "This record was changed on another device.")
    if row.updated_at.tzinfo is None:
        raise Refused("rejected", "updated_at needs a time zone")
    authorize(tx, actor, row.table, row.id, data, row.tombstone, existing)
    problem = value_problem(row.table, data, json.loads(existing.data) if existing is not None else None)
    if problem is not None:
        raise Refused("rejected", problem)
    # The server numbers versions itself: one step from the version the change was made
    # from, whatever the laptop claims (a claimed 2**31-1 once jammed every later change).
    tx.write(table=row.table, row_id=row.id, version=m.base_version + 1, updated_at=row.updated_at,
             updated_by=actor.staff_id, tombstone=row.tombstone, data=data,
             mutation_id=m.mutation_id, existing=existing)
    return "applied"


def system_write(tx: WriteTx, table: str, row_id: str, data: dict[str, Any], *,
                 updated_by: str | None = None, tombstone: bool = False) -> None:
    """Write a row as the server itself (the admin CLI, seeding): no user authorization."""
    data = p.check_data(table, data)
    existing = tx.load(row_id)
    version = existing.version + 1 if existing is not None else 1
    tx.write(table=table, row_id=row_id, version=version, updated_at=utc_now(),
             updated_by=updated_by, tombstone=tombstone, data=data, mutation_id=None,
             existing=existing)


# --- pull ------------------------------------------------------------------------------

class _PageVerdicts:
    """What one actor may do with the rows of a pull page. A page holds many rows with the
    same stored facts (every part of a record carries its record's), so each distinct
    facts text is parsed and decided once per page, not once per row."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self._view: dict[str, bool] = {}
        self._private: dict[str, bool] = {}
        self._before: dict[str, bool] = {}
        self._people: dict[str | None, str] = {}

    def may_view(self, auth_text: str) -> bool:
        allowed = self._view.get(auth_text)
        if allowed is None:
            facts = json.loads(auth_text)
            # a row deleted under retention: nobody holds it (its removal goes to whoever could)
            allowed = self._view[auth_text] = (not deleted_under_retention(facts)
                                               and authz.may_view(self.actor, facts).allowed)
        return allowed

    def may_view_private(self, auth_text: str) -> bool:
        allowed = self._private.get(auth_text)
        if allowed is None:
            allowed = self._private[auth_text] = authz.may_view_private(self.actor, json.loads(auth_text))
        return allowed

    def viewed_before(self, history_text: str | None) -> bool:
        """Could the actor see the row under any of its earlier facts?"""
        if not history_text:
            return False
        allowed = self._before.get(history_text)
        if allowed is None:
            allowed = self._before[history_text] = any(
                authz.may_view(self.actor, old).allowed for old in json.loads(history_text))
        return allowed

    def row_text(self, rec) -> str:
        show_private = rec.table_name in p.PRIVATE_FIELDS and self.may_view_private(rec.auth)
        updated_by = self._people.get(rec.updated_by)
        if updated_by is None:
            updated_by = self._people[rec.updated_by] = json.dumps(rec.updated_by)
        return _row_text(rec, show_private, updated_by)


def _candidates(actor: Actor, after: int, limit: int):
    """The next ``limit`` rows after ``after`` that may concern this actor, in seq order."""
    keys = authz.actor_scope_keys(actor)
    if keys is None:
        return select(record).where(record.c.seq > after).order_by(record.c.seq).limit(limit)
    sub = (
        select(record_scope.c.record_id, record_scope.c.seq)
        .where(record_scope.c.scope_key.in_(keys), record_scope.c.seq > after)
        .distinct().order_by(record_scope.c.seq).limit(limit).subquery()
    )
    return select(record).join(sub, record.c.id == sub.c.record_id).order_by(record.c.seq)


def pull_page(conn: Connection, actor: Actor, fingerprint: str, after: int, limit: int,
              access: str | None) -> str:
    """JSON text of a ``PullResponse``."""
    resync = access is not None and access != fingerprint
    if resync:
        after = 0
    max_seq = conn.execute(select(sequence.c.value).where(sequence.c.id == 1)).scalar_one()
    now = _fmt_time(utcnow_naive())
    rows_json: list[str] = []
    removed: list[str] = []
    last_seq = after
    candidates = 0
    if after < max_seq:
        verdicts = _PageVerdicts(actor)
        refused: list[str] = []
        for rec in conn.execute(_candidates(actor, after, limit)).all():
            candidates += 1
            last_seq = max(last_seq, rec.seq)
            if verdicts.may_view(rec.auth):
                rows_json.append(verdicts.row_text(rec))
            elif verdicts.viewed_before(rec.auth_history):
                retention = "true" if deleted_under_retention(json.loads(rec.auth)) else "false"
                removed.append(f'{{"table":"{rec.table_name}","id":"{rec.id}","retention":{retention}}}')
            else:
                refused.append(rec.id)
        authz.log_pull_page(actor, candidates, len(rows_json), len(removed), refused)
    has_more = candidates >= limit
    next_cursor = last_seq if has_more else max(last_seq, max_seq, after)
    return (
        f'{{"rows":[{",".join(rows_json)}],"removed":[{",".join(removed)}],'
        f'"next_cursor":{next_cursor},"has_more":{"true" if has_more else "false"},'
        f'"resync":{"true" if resync else "false"},"access":"{fingerprint}","server_time":"{now}"}}'
    )

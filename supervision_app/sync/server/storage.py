"""Server storage: the database engine and its migrations, and the write transaction.

Everything runs in short transactions on SQLite or PostgreSQL. A write transaction
(:class:`WriteTx`) takes the row lock on the global sequence first, so pushes are serialised
and sequence numbers become visible in commit order: a client's cursor can never skip a row
committed late. The server is stateless beside the database, so several processes can share
one PostgreSQL. Pushes are applied by ``push_apply`` and pulls answered by ``pull_pages``.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, delete, event, insert, select, update
from sqlalchemy.engine import Connection, Engine, make_url

from ...domain.permissions import Actor
from ...domain.time_rules import utc_now
from .. import protocol as p
from . import authz, feedback_totals, group_sync
from .actors import load_actor
from .document_check import PreparedDocuments
from .refusal import Refused as Refused  # group_sync imports it from here
from .restamp import HISTORY_KEEP, restamp_dependents
from .row_facts import compute_facts, parent_id_of
from .schema import directory_service_area, directory_staff, directory_team, record, record_scope, sequence

log = logging.getLogger("supervision_app.sync.server")
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


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


# --- a write transaction ---------------------------------------------------------------

@dataclass
class WriteTx:
    """One write transaction holding the sequence lock."""

    conn: Connection
    next_seq: int = 0
    facts_cache: dict[str, authz.Facts] = field(default_factory=dict)
    # people as a pull loads them (``load_actor``), for ``authz.same_audience``
    _actors: dict[str, Actor | None] = field(default_factory=dict)
    # the signed copies of the signing unit being applied: row id -> the stage it must name
    signing_documents: dict[str, str] = field(default_factory=dict)
    # the push's signed PDFs, read and verified from before the lock on (document_check)
    prepared_documents: PreparedDocuments = field(default_factory=PreparedDocuments)

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
        cached = self.facts_cache.get(record_id)
        if cached is not None:
            return cached
        text_ = self.conn.execute(select(record.c.auth).where(record.c.id == record_id)).scalar()
        if text_ is None:
            return None
        facts = json.loads(text_)
        self.facts_cache[record_id] = facts
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
        self.facts_cache[row_id] = facts
        if table in p.DIRECTORY_TABLES:
            self._update_directory(table, row_id, data, tombstone)
        restamped = False
        if existing is not None and old_facts != facts:
            restamp_dependents(self, row_id)
            restamped = True
        if table == "staff" and existing is not None:
            old = json.loads(existing.data)
            if old.get("team_id") != data.get("team_id"):
                restamp_dependents(self, row_id)
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


def system_write(tx: WriteTx, table: str, row_id: str, data: dict[str, Any], *,
                 updated_by: str | None = None, tombstone: bool = False) -> None:
    """Write a row as the server itself (the admin CLI, seeding): no user authorization."""
    data = p.check_data(table, data)
    existing = tx.load(row_id)
    version = existing.version + 1 if existing is not None else 1
    tx.write(table=table, row_id=row_id, version=version, updated_at=utc_now(),
             updated_by=updated_by, tombstone=tombstone, data=data, mutation_id=None,
             existing=existing)

"""The sync outbox: every local change to a synced row, captured in the same transaction.

Session events on :class:`ProfileSession` (the class of every session a profile's
``Database`` makes; other SQLAlchemy sessions in the process are left alone) watch every
flush. For each synced row inserted, changed or deleted it

* makes sure the row's ``version`` is one more than when the transaction began, however
  many times it was flushed or bumped (the server stores exactly that: base + 1), and that
  ``updated_at`` moved on;
* writes an outbox entry: a fresh mutation id, the version the change was made from, the
  new version, and a snapshot of the row in the wire format.

The entry is inserted through the flushing session's own connection, so the change and its
outbox entry commit together or not at all, whichever code path made the change. Several
flushes of one row in one transaction share one entry (it has not been sent yet). Rows the
sync engine applies from the server are written with plain SQL and never reach this hook.
"""
from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import Boolean, Column, DateTime, Integer, MetaData, String, Table, Text, event, insert, update
from sqlalchemy.orm import Session, attributes

from ..domain.time_rules import utc_now
from .models import Synced
from .wire_format import SYNCED_TABLES, TABLE_FIELDS, encode_value, format_datetime


class ProfileSession(Session):
    """A session on a profile database: its flushes write the sync outbox."""


_meta = MetaData()
outbox_table = Table(
    "sync_outbox", _meta,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("mutation_id", String(36), nullable=False),
    Column("table_name", String(32), nullable=False),
    Column("row_id", String(36), nullable=False),
    Column("base_version", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("tombstone", Boolean, nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

_PENDING_KEY = "sync_outbox_pending"  # in session.info: row id -> (outbox seq, base version)
_SKIP_KEY = "sync_outbox_skip"


def skip_outbox(session: Session) -> None:
    """Make ``session`` write without outbox entries (only for rows that came from the
    server and are being stored as they are there)."""
    session.info[_SKIP_KEY] = True


def _committed(obj: Any, name: str) -> Any:
    history = attributes.get_history(obj, name)
    if history.deleted:
        return history.deleted[0]
    if history.unchanged:
        return history.unchanged[0]
    return None


def snapshot(obj: Any) -> dict[str, Any]:
    """The row as the wire carries it: sync columns and encoded ``data``."""
    table = obj.__tablename__
    data = {spec.name: encode_value(spec, getattr(obj, spec.name)) for spec in TABLE_FIELDS[table]}
    return {
        "table": table, "id": obj.id, "version": obj.version,
        "updated_at": format_datetime(obj.updated_at), "updated_by": obj.updated_by,
        "tombstone": bool(obj.tombstone), "data": data,
    }


def _fill_defaults(obj: Any) -> None:
    """Apply the Python-side column defaults now, so the snapshot holds what is stored."""
    for column in obj.__table__.columns:
        default = column.default
        if default is None or getattr(obj, column.key, None) is not None:
            continue
        if default.is_scalar:
            setattr(obj, column.key, default.arg)
        elif default.is_callable:
            setattr(obj, column.key, default.arg(None))  # SQLAlchemy wraps it to take a context


def _synced(obj: Any) -> bool:
    """A row of a table the sync protocol carries (tables it does not know yet, such as
    the assurance tables, stay local until the protocol and server learn them)."""
    return isinstance(obj, Synced) and getattr(obj, "__tablename__", None) in TABLE_FIELDS


def _signed_in_staff(session: Session) -> str | None:
    """Who is signed in to sync on this profile (kept by the sync engine), so a change
    made by a write path that did not say who made it is still stamped with them."""
    if "sync_staff_id" not in session.info:
        from sqlalchemy import text
        from sqlalchemy.exc import DBAPIError

        try:
            session.info["sync_staff_id"] = session.connection().execute(
                text("SELECT value FROM sync_state WHERE key = 'staff_id'")).scalar()
        except DBAPIError:
            session.info["sync_staff_id"] = None
    return session.info["sync_staff_id"]


@event.listens_for(ProfileSession, "before_flush")
def _before_flush(session: Session, _flush_context, _instances) -> None:
    if session.info.get(_SKIP_KEY):
        return
    changes = session.info.setdefault("sync_outbox_changes", [])
    for obj in list(session.new):
        if _synced(obj):
            _fill_defaults(obj)
            if obj.updated_by is None:
                obj.updated_by = _signed_in_staff(session)
            changes.append((obj, 0, False))
    pending: dict[str, tuple[int, int]] = session.info.get(_PENDING_KEY, {})
    for obj in list(session.dirty):
        if not _synced(obj) or not session.is_modified(obj, include_collections=False):
            continue
        base = _committed(obj, "version") or 0
        earlier = pending.get(obj.id)
        if earlier is not None:
            # already changed in this transaction: still one entry, one version step from
            # where the transaction began (the server numbers versions the same way)
            obj.version = earlier[1] + 1
        elif obj.version is None or obj.version != base + 1:
            obj.version = base + 1
        if not attributes.get_history(obj, "updated_at").added:
            obj.updated_at = utc_now()
        if not attributes.get_history(obj, "updated_by").added:
            obj.updated_by = _signed_in_staff(session) or obj.updated_by
        changes.append((obj, base, False))
    for obj in list(session.deleted):
        if _synced(obj):  # a hard delete travels as a tombstone
            base = _committed(obj, "version") or 0
            changes.append((obj, base, True))


@event.listens_for(ProfileSession, "after_flush")
def _after_flush(session: Session, _flush_context) -> None:
    changes = session.info.pop("sync_outbox_changes", None)
    if not changes:
        return
    order = {name: i for i, name in enumerate(SYNCED_TABLES)}
    changes.sort(key=lambda item: order[item[0].__tablename__])  # parents before children
    pending: dict[str, tuple[int, int]] = session.info.setdefault(_PENDING_KEY, {})
    connection = session.connection()
    now = utc_now().replace(tzinfo=None)
    for obj, base, deleted in changes:
        row = snapshot(obj)
        earlier = pending.get(obj.id)
        if deleted:
            row["tombstone"] = True
            row["version"] = (earlier[1] if earlier is not None else base) + 1
        payload = json.dumps(row, separators=(",", ":"))
        if earlier is not None:  # changed again in the same transaction: one entry
            seq, first_base = earlier
            connection.execute(update(outbox_table).where(outbox_table.c.seq == seq).values(
                version=row["version"], tombstone=row["tombstone"], payload=payload))
            continue
        result = connection.execute(insert(outbox_table).values(
            mutation_id=str(uuid.uuid4()), table_name=row["table"], row_id=obj.id,
            base_version=base, version=row["version"], tombstone=row["tombstone"],
            payload=payload, created_at=now))
        inserted = result.inserted_primary_key
        assert inserted is not None  # one row inserted, with its key
        pending[obj.id] = (inserted[0], base)


@event.listens_for(ProfileSession, "after_commit")
@event.listens_for(ProfileSession, "after_rollback")
def _transaction_over(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)
    session.info.pop("sync_outbox_changes", None)
    session.info.pop("sync_staff_id", None)


def pending_count(session: Session) -> int:
    from sqlalchemy import func, select

    return session.execute(select(func.count()).select_from(outbox_table)).scalar_one()

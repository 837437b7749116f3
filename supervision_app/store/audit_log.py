"""Writing and checking the hash-chained audit log in the local database."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.time_rules import utc_now
from ..security.audit_chain import (
    GENESIS_HASH,
    ChainReport,
    Link,
    at_text,
    entry_hash,
    verify_links,
)
from .driver_sql import driver_connection
from .models import AuditEntry

_LINK_COLUMNS = "seq, at, actor_id, action, record_kind, record_id, prev_hash, entry_hash"


def record_event(
    session: Session, *, actor_id: str | None, action: str, record_kind: str = "",
    record_id: str = "",
) -> AuditEntry:
    """Append an entry in the caller's transaction, so the log and the change it describes
    commit together or not at all. Only ids and action names: never contents."""
    _hold_write_lock(session)
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.entry_hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
    at = utc_now()
    entry = AuditEntry(
        seq=seq, at=at, actor_id=actor_id, action=action, record_kind=record_kind,
        record_id=record_id, prev_hash=prev_hash,
        entry_hash=entry_hash(seq=seq, at=at, actor_id=actor_id, action=action,
                              record_kind=record_kind, record_id=record_id, prev_hash=prev_hash),
    )
    session.add(entry)
    session.flush()
    return entry


def _hold_write_lock(session: Session) -> None:
    """Take the database's write lock before reading the chain's head, unless the transaction
    already holds it. The driver starts a transaction only at its first write, so a transaction
    that has only read (a view logged from the read pool) would read the head, then wait at its
    insert while another transaction (an autosave on the write queue) appends and commits, and
    then insert the same seq: refused, and the view failed. ``BEGIN IMMEDIATE`` waits for the
    other transaction first (the connection's busy timeout) and then reads the head it wrote."""
    driver = driver_connection(session)
    if not driver.in_transaction:
        driver.execute("BEGIN IMMEDIATE")


def stored_at_text(value: object) -> str:
    """The hashed form of a time as SQLite holds it (``YYYY-MM-DD HH:MM:SS.ffffff``, UTC).
    Anything else is parsed; what cannot be read comes back as it is, and fails its hash."""
    if isinstance(value, str) and len(value) == 26 and value[10] == " ":
        return f"{value[:10]}T{value[11:]}Z"
    try:
        parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return at_text(parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc))


def read_links(cursor, first_seq: int = 1, last_seq: int | None = None) -> Iterator[Link]:
    """Entries as :data:`~..security.audit_chain.Link` tuples, in order, read through a
    DB-API cursor (the sync engine's raw connection, or a session's)."""
    if last_seq is None:
        rows = cursor.execute(f"SELECT {_LINK_COLUMNS} FROM audit_entry WHERE seq >= ? ORDER BY seq",
                              (first_seq,))
    else:
        rows = cursor.execute(f"SELECT {_LINK_COLUMNS} FROM audit_entry WHERE seq BETWEEN ? AND ? "
                              "ORDER BY seq", (first_seq, last_seq))
    for seq, at, actor_id, action, kind, record_id, prev_hash, digest in rows:
        yield seq, stored_at_text(at), actor_id, action, kind, record_id, prev_hash, digest


def verify_cursor(cursor) -> ChainReport:
    """Recompute the whole chain, link by link; the report names the first broken link."""
    return verify_links(read_links(cursor))


def verify(session: Session) -> ChainReport:
    """Check the whole chain; the report names the first broken link."""
    cursor = session.connection().connection.cursor()
    try:
        return verify_cursor(cursor)
    finally:
        cursor.close()


def chain_head(session: Session) -> tuple[int, str]:
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.entry_hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    return (last[0], last[1]) if last else (0, GENESIS_HASH)

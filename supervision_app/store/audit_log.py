"""Writing and checking the hash-chained audit log in the local database."""
from __future__ import annotations

from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.time_rules import utc_now
from ..security.audit_chain import GENESIS_HASH, ChainEntry, ChainReport, entry_hash, verify_chain
from .models import AuditEntry


def record_event(
    session: Session, *, actor_id: str | None, action: str, record_kind: str = "",
    record_id: str = "",
) -> AuditEntry:
    """Append an entry in the caller's transaction, so the log and the change it describes
    commit together or not at all. Only ids and action names: never contents."""
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


def _entries(session: Session) -> Iterator[ChainEntry]:
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
    for row in rows.yield_per(2000):
        yield ChainEntry(row.seq, row.at, row.actor_id, row.action, row.record_kind,
                         row.record_id, row.prev_hash, row.entry_hash)


def verify(session: Session) -> ChainReport:
    """Check the whole chain; the report names the first broken link."""
    return verify_chain(_entries(session))


def chain_head(session: Session) -> tuple[int, str]:
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.entry_hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    return (last[0], last[1]) if last else (0, GENESIS_HASH)

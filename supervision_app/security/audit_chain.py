"""The hash chain behind the audit log (DESIGN.md §3 rule 8).

Each entry's hash covers its own fields and the previous entry's hash, so removing,
reordering or editing any entry breaks every link after it. Entries carry ids and action
names only; record contents never enter the log.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable

import rfc8785

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class ChainEntry:
    seq: int
    at: datetime
    actor_id: str | None
    action: str
    record_kind: str
    record_id: str
    prev_hash: str
    entry_hash: str


def entry_hash(
    *, seq: int, at: datetime, actor_id: str | None, action: str, record_kind: str,
    record_id: str, prev_hash: str,
) -> str:
    payload = {
        "seq": seq,
        "at": at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": actor_id,
        "action": action,
        "kind": record_kind,
        "id": record_id,
        "prev": prev_hash,
    }
    return hashlib.sha256(rfc8785.dumps(payload)).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries_checked: int
    first_broken_seq: int | None = None
    problem: str = ""


def verify_chain(entries: Iterable[ChainEntry]) -> ChainReport:
    """Walk the chain in order and report the first broken link."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    for entry in entries:
        count += 1
        if entry.seq != expected_seq:
            return ChainReport(False, count, entry.seq,
                               f"entry {expected_seq} is missing (found {entry.seq} next)")
        if entry.prev_hash != expected_prev:
            return ChainReport(False, count, entry.seq,
                               f"entry {entry.seq} does not follow from the entry before it")
        recomputed = entry_hash(
            seq=entry.seq, at=entry.at, actor_id=entry.actor_id, action=entry.action,
            record_kind=entry.record_kind, record_id=entry.record_id, prev_hash=entry.prev_hash,
        )
        if recomputed != entry.entry_hash:
            return ChainReport(False, count, entry.seq, f"entry {entry.seq} has been altered")
        expected_prev = entry.entry_hash
        expected_seq += 1
    return ChainReport(True, count)

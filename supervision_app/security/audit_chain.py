"""The hash chain behind the audit log (DESIGN.md §3 rule 8).

Each entry's hash covers its own fields and the previous entry's hash, so removing,
reordering or editing any entry breaks every link after it. Entries carry ids and action
names only; record contents never enter the log.

The laptop and the sync server both walk chains with :func:`verify_chain`: the laptop its
own log (at each anchor, in ``check-profile`` and weekly), the server the copy of each
laptop's log it is sent with every anchor.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable

import rfc8785

GENESIS_HASH = "0" * 64
AT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


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


def at_text(at: datetime) -> str:
    """An entry's time as its hash covers it (UTC, microseconds, ``Z``)."""
    return at.astimezone(timezone.utc).strftime(AT_FORMAT)


_quote = json.encoder.encode_basestring  # a JSON string, escaped exactly as RFC 8785 does


def link_hash(
    *, seq: int, at: str, actor_id: str | None, action: str, record_kind: str, record_id: str,
    prev_hash: str,
) -> str:
    """The hash of one entry, its time already in :func:`at_text` form."""
    # For ints, null and well-formed strings, sorted compact JSON without ASCII escaping is
    # exactly RFC 8785 (tests/security/test_audit_chain_canonical.py). Written out by hand it
    # is several times faster than the reference, which matters when a laptop walks its
    # whole log at each anchor; anything unusual (a value of another type, as a tampered
    # row may hold) takes the reference's path.
    if (type(seq) is int and type(at) is str and type(action) is str and type(record_kind) is str
            and type(record_id) is str and type(prev_hash) is str
            and (actor_id is None or type(actor_id) is str)):
        text = (f'{{"action":{_quote(action)},"actor":{"null" if actor_id is None else _quote(actor_id)},'
                f'"at":{_quote(at)},"id":{_quote(record_id)},"kind":{_quote(record_kind)},'
                f'"prev":{_quote(prev_hash)},"seq":{seq}}}')
        try:
            return hashlib.sha256(text.encode("utf-8")).hexdigest()
        except UnicodeEncodeError:  # a lone surrogate: let the reference say what it makes of it
            pass
    payload: dict[str, Any] = {"seq": seq, "at": at, "actor": actor_id, "action": action, "kind": record_kind,
               "id": record_id, "prev": prev_hash}
    return hashlib.sha256(rfc8785.dumps(payload)).hexdigest()


def entry_hash(
    *, seq: int, at: datetime, actor_id: str | None, action: str, record_kind: str,
    record_id: str, prev_hash: str,
) -> str:
    return link_hash(seq=seq, at=at_text(at), actor_id=actor_id, action=action,
                     record_kind=record_kind, record_id=record_id, prev_hash=prev_hash)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries_checked: int
    first_broken_seq: int | None = None  # the entry where the walk found the break
    problem: str = ""
    missing_seq: int | None = None  # the first entry missing, when entries are missing

    @property
    def named_seq(self) -> int | None:
        """The entry to name in an alarm: the first missing one, or the one broken."""
        return self.missing_seq if self.missing_seq is not None else self.first_broken_seq


def verify_chain(entries: Iterable[ChainEntry], *, after: tuple[int, str] = (0, GENESIS_HASH)) -> ChainReport:
    """Walk the chain in order and report the first broken link. ``after`` is the entry the
    walk starts from (its seq and hash): the genesis for a whole log."""
    return verify_links(((e.seq, at_text(e.at), e.actor_id, e.action, e.record_kind, e.record_id,
                          e.prev_hash, e.entry_hash) for e in entries), after=after)


Link = tuple  # (seq, at_text, actor_id, action, record_kind, record_id, prev_hash, entry_hash)


def verify_links(links: Iterable[Link], *, after: tuple[int, str] = (0, GENESIS_HASH)) -> ChainReport:
    """:func:`verify_chain` over plain tuples, the time already as :func:`at_text`."""
    expected_seq, expected_prev = after[0] + 1, after[1]
    count = 0
    for seq, at, actor_id, action, record_kind, record_id, prev_hash, stored_hash in links:
        count += 1
        if seq != expected_seq:
            missing = (f"entry {expected_seq} is missing" if seq == expected_seq + 1 else
                       f"entries {expected_seq} to {seq - 1} are missing" if seq > expected_seq else
                       f"entry {seq} is out of order")
            return ChainReport(False, count, seq, f"{missing} (found {seq} next)",
                               expected_seq if seq > expected_seq else None)
        if prev_hash != expected_prev:
            return ChainReport(False, count, seq,
                               f"entry {seq} does not follow from the entry before it")
        recomputed = link_hash(seq=seq, at=at, actor_id=actor_id, action=action,
                               record_kind=record_kind, record_id=record_id, prev_hash=prev_hash)
        if recomputed != stored_hash:
            return ChainReport(False, count, seq, f"entry {seq} has been altered")
        expected_prev = stored_hash
        expected_seq += 1
    return ChainReport(True, count)

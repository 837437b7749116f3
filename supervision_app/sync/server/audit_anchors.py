"""Anchoring each laptop's audit log on the server (DESIGN.md §3 rules 8 and 11).

With every anchor a laptop sends the entries appended since its last one (ids, actions,
times and hashes: the log holds no contents). The server keeps them in ``audit_copy`` and
recomputes the chain link by link from the last entry it holds, so a laptop whose log was
rewritten (entries changed or deleted, before or after the last anchor, or the whole log
rewritten consistently) is caught at its next sync and raises an alarm naming the laptop,
the person and the entry. The laptop walks its own log too: a break it finds among entries
anchored before is sent as a ``recheck`` for the server to compare with its copy.

A quiet sync with nothing appended sends only the head, checked in two small queries.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterator

from sqlalchemy import and_, insert, select
from sqlalchemy.engine import Connection

from ...domain.permissions import Actor
from ...domain.time_rules import utc_now
from ...security.audit_chain import GENESIS_HASH, Link, verify_links
from .. import protocol as p
from .schema import audit_alarm, audit_anchor, audit_copy

log = logging.getLogger("supervision_app.sync.server")

_LINK_FIELDS = ("seq", "at", "actor_id", "action", "record_kind", "record_id", "prev_hash",
                "entry_hash")


@dataclass(frozen=True)
class _Where:
    """Which laptop and person: the filter on anchors and on the copy."""
    anchors: tuple
    copies: tuple


@dataclass(frozen=True)
class Break:
    """A broken link: the entry it is found at, and what is wrong, in words (seqs only)."""
    seq: int
    problem: str


def _now() -> datetime:
    return utc_now().replace(tzinfo=None)


def _link(entry: p.AuditLink) -> Link:
    return tuple(getattr(entry, name) for name in _LINK_FIELDS)


def _copies(conn: Connection, where, first: int, last: int) -> dict[int, Link]:
    rows = conn.execute(select(*[audit_copy.c[name] for name in _LINK_FIELDS]).where(
        *where, audit_copy.c.seq.between(first, last)))
    return {row[0]: tuple(row) for row in rows}


def _compare_with_copy(conn: Connection, where, first: int, last: int,
                       sent: dict[int, Link]) -> Break | None:
    """Every entry the server holds from ``first`` to ``last`` must be among those sent,
    unchanged."""
    for seq, held in sorted(_copies(conn, where, first, last).items()):
        if seq not in sent:
            return Break(seq, f"entry {seq} has been deleted since it was anchored")
        if sent[seq] != held:
            return Break(seq, f"entry {seq} has been changed since it was anchored")
    return None


def _find_break(conn: Connection, where: _Where, head: p.AuditHead,
                held: tuple[int, str] | None) -> Break | None:
    if head.recheck is not None and held is not None:
        recheck = head.recheck
        found = _compare_with_copy(conn, where.copies, recheck.first_seq, min(recheck.last_seq, held[0]),
                                   {e.seq: _link(e) for e in recheck.entries})
        if found:
            return found
    proofs = {proof.seq: proof.hash for proof in head.proofs if proof.seq > 0}
    if proofs:
        anchored = dict(conn.execute(select(audit_anchor.c.seq, audit_anchor.c.hash).where(
            *where.anchors, audit_anchor.c.seq.in_(list(proofs)))).all())
        for seq in sorted(proofs):
            if seq in anchored and anchored[seq] != proofs[seq]:
                return Break(seq, f"entry {seq} differs from the one anchored")
    if held is None:
        if head.entries:  # first contact: the chain starts where this person's laptop is
            first = head.entries[0]
            report = verify_links(map(_link, head.entries), after=(first.seq - 1, first.prev_hash))
            return None if report.ok else Break(report.named_seq or first.seq, report.problem)
        return None
    held_seq, held_hash = held
    if head.seq < held_seq:
        if _stale(conn, where, head):
            return None
        return Break(head.seq + 1, f"the audit log is shorter than when it was last anchored: "
                                   f"entries {head.seq + 1} to {held_seq} have been deleted")
    if not head.entries:
        if head.seq == held_seq and head.hash != held_hash:
            return Break(held_seq, f"entry {held_seq} differs from the one anchored")
        return None
    sent = {e.seq: _link(e) for e in head.entries}
    resent = [e for e in head.entries if e.seq <= held_seq]
    if resent:  # an answer was lost: what was sent before must come again unchanged
        found = _compare_with_copy(conn, where.copies, resent[0].seq, held_seq, sent)
        if found:
            return found
    report = verify_links((_link(e) for e in head.entries if e.seq > held_seq), after=held)
    if not report.ok:
        return Break(report.named_seq or held_seq + 1, report.problem)
    return None


def _stale(conn: Connection, where: _Where, head: p.AuditHead) -> bool:
    """A push delivered late (held up on the network, retried after a later one went
    through): its head and entries are exactly what this server already holds."""
    at_head = conn.execute(select(audit_copy.c.entry_hash).where(
        *where.copies, audit_copy.c.seq == head.seq)).scalar()
    if at_head is None:
        at_head = conn.execute(select(audit_anchor.c.hash).where(
            *where.anchors, audit_anchor.c.seq == head.seq)).scalar()
    if at_head != head.hash:
        return False
    return not head.entries or _compare_with_copy(
        conn, where.copies, head.entries[0].seq, head.seq, {e.seq: _link(e) for e in head.entries}) is None


def anchor_audit_head(conn: Connection, actor: Actor, device_id: str,
                      head: p.AuditHead | None) -> dict[str, Any]:
    """Check the laptop's audit head (and the entries it sent) against this server's copy;
    keep the new entries and anchor the head, or raise an alarm. The answer is an
    :class:`~..protocol.AuditAnchorResult` as a dict."""
    if head is None:
        return {"status": "not_sent", "anchored_seq": None, "detail": ""}
    where = _Where(
        anchors=(audit_anchor.c.device_id == device_id, audit_anchor.c.staff_id == actor.staff_id),
        copies=(audit_copy.c.device_id == device_id, audit_copy.c.staff_id == actor.staff_id))
    latest = conn.execute(select(audit_anchor.c.seq, audit_anchor.c.hash).where(*where.anchors)
                          .order_by(audit_anchor.c.seq.desc()).limit(1)).first()
    held = (latest.seq, latest.hash) if latest is not None else None
    found = _find_break(conn, where, head, held)
    if found is not None:
        _raise_alarm(conn, actor, device_id, found)
        return {"status": "mismatch", "anchored_seq": held[0] if held else None,
                "detail": found.problem}
    if held is not None and head.seq <= held[0]:  # nothing new (or a push delivered late)
        return {"status": "anchored", "anchored_seq": head.seq, "detail": ""}
    if not head.entries and (held is not None or head.seq > 0):
        # an older laptop sends only its head: nothing to recompute, so nothing is anchored
        return {"status": "not_sent", "anchored_seq": held[0] if held else None,
                "detail": "the entries since the last anchor were not sent"}
    fresh = [e for e in head.entries if held is None or e.seq > held[0]]
    if fresh:
        conn.execute(insert(audit_copy), [
            {"device_id": device_id, "staff_id": actor.staff_id, **e.model_dump()} for e in fresh])
    conn.execute(insert(audit_anchor).values(device_id=device_id, staff_id=actor.staff_id,
                                             seq=head.seq, hash=head.hash, received_at=_now()))
    return {"status": "anchored", "anchored_seq": head.seq, "detail": ""}


def _raise_alarm(conn: Connection, actor: Actor, device_id: str, found: Break) -> None:
    """One alarm row per distinct break (a laptop keeps sending the same log every sync)."""
    detail = f"laptop {device_id}, person {actor.staff_id}, entry {found.seq}: {found.problem}"
    last = conn.execute(select(audit_alarm.c.detail).where(
        audit_alarm.c.device_id == device_id, audit_alarm.c.staff_id == actor.staff_id)
        .order_by(audit_alarm.c.id.desc()).limit(1)).scalar()
    if last == detail:
        return
    conn.execute(insert(audit_alarm).values(device_id=device_id, staff_id=actor.staff_id,
                                            at=_now(), detail=detail))
    log.warning("audit chain break: device=%s actor=%s entry=%s: %s", device_id, actor.staff_id,
                found.seq, found.problem)


# --- the server's own check of every copy it holds (``supervision-server check-audit``) ---

@dataclass(frozen=True)
class StoredChainReport:
    device_id: str
    staff_id: str
    entries_checked: int
    broken: Break | None = None


def check_stored_chains(conn: Connection, device_id: str | None = None) -> Iterator[StoredChainReport]:
    """Recompute every chain the server holds (or one laptop's), link by link, and check
    each anchor against the entry it names."""
    pairs = select(audit_copy.c.device_id, audit_copy.c.staff_id).distinct()
    if device_id is not None:
        pairs = pairs.where(audit_copy.c.device_id == device_id)
    for device, staff in conn.execute(pairs.order_by(audit_copy.c.device_id, audit_copy.c.staff_id)).all():
        yield _check_one(conn, device, staff)


def _check_one(conn: Connection, device: str, staff: str) -> StoredChainReport:
    copy_where = (audit_copy.c.device_id == device, audit_copy.c.staff_id == staff)
    anchor_where = (audit_anchor.c.device_id == device, audit_anchor.c.staff_id == staff)
    first = conn.execute(select(audit_copy.c.seq, audit_copy.c.prev_hash).where(*copy_where)
                         .order_by(audit_copy.c.seq).limit(1)).first()
    if first is None:  # (the pair was read from the copy, whose rows are never deleted)
        return StoredChainReport(device, staff, 0)
    # the copy starts at the laptop's first entry, or after an anchor kept before copies were
    before = conn.execute(select(audit_anchor.c.hash).where(
        *anchor_where, audit_anchor.c.seq == first.seq - 1)).scalar()
    start = (first.seq - 1, GENESIS_HASH if first.seq == 1 else before or first.prev_hash)
    rows = conn.execution_options(yield_per=5000).execute(
        select(*[audit_copy.c[name] for name in _LINK_FIELDS]).where(*copy_where)
        .order_by(audit_copy.c.seq))
    report = verify_links((tuple(row) for row in rows), after=start)
    if not report.ok:
        return StoredChainReport(device, staff, report.entries_checked,
                                 Break(report.named_seq or first.seq, report.problem))
    mismatched = conn.execute(
        select(audit_anchor.c.seq).join(audit_copy, and_(
            audit_copy.c.device_id == audit_anchor.c.device_id,
            audit_copy.c.staff_id == audit_anchor.c.staff_id, audit_copy.c.seq == audit_anchor.c.seq))
        .where(*anchor_where, audit_copy.c.entry_hash != audit_anchor.c.hash)
        .order_by(audit_anchor.c.seq).limit(1)).scalar()
    if mismatched is not None:
        return StoredChainReport(device, staff, report.entries_checked, Break(
            mismatched, f"entry {mismatched} differs from the one anchored"))
    return StoredChainReport(device, staff, report.entries_checked)

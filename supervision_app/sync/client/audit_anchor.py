"""Anchoring the local audit chain at the server: each push carries the chain's head, the
entries appended since the last anchor, and proofs of the anchored ones."""
from __future__ import annotations

import itertools
import logging
import time

from ...security.audit_chain import GENESIS_HASH, verify_links
from ...store.audit_log import read_links, verify_cursor
from .. import protocol as p
from .state import ClientState

log = logging.getLogger(__name__)


def _audit_link(link: tuple) -> p.AuditLink:
    """A local audit entry as it travels. Text longer than the app ever writes is cut to
    the wire's limits (the server then finds the entry altered): a tampered log must not
    stop the sync that reports it."""
    seq, at, actor_id, action, kind, record_id, prev_hash, digest = link

    def clip(value) -> str:
        return str(value)[:64].replace("\x00", "\ufffd")

    return p.AuditLink(seq=seq, at=clip(at), actor_id=None if actor_id is None else clip(actor_id),
                       action=clip(action), record_kind=clip(kind), record_id=clip(record_id),
                       prev_hash=clip(prev_hash), entry_hash=clip(digest))


class AuditAnchoring(ClientState):
    # Within one sync (until ``last_sync_at`` moves, and for at most a minute) the whole log
    # is walked once: a sync pushing several batches anchors with each, and walks again
    # only the entries appended since.
    AUDIT_WALK_SECONDS = 60.0
    _audit_walked: tuple | None = None  # (monotonic time, last_sync_at, seq, hash) of the last walk

    def _audit_head(self, cur) -> p.AuditHead:
        """The head of the local audit chain, the entries appended since the last anchor
        (the server keeps them and recomputes every link) and proofs of the anchored
        entries. With nothing appended (a quiet sync) only the head and proofs go. When
        something was, the laptop walks its own log first: a break among entries anchored
        before goes to the server as a recheck, which names the entry changed or deleted."""
        row = cur.execute("SELECT seq, entry_hash FROM audit_entry ORDER BY seq DESC LIMIT 1").fetchone()
        seq, digest = (row[0], row[1]) if row else (0, GENESIS_HASH)
        proofs = []
        for key in ("audit_anchor_acked", "audit_anchor_pending"):
            value = self._get(cur, key)
            if value is None or not value.isdigit():
                continue
            anchored = int(value)
            if anchored == 0:
                proofs.append(p.AnchorProof(seq=0, hash=GENESIS_HASH))
                continue
            found = cur.execute("SELECT entry_hash FROM audit_entry WHERE seq = ?", (anchored,)).fetchone()
            # a missing entry is proved with a hash that cannot match: the server raises the alarm
            proofs.append(p.AnchorProof(seq=anchored, hash=found[0] if found else "f" * 64))
        acked_text = self._get(cur, "audit_anchor_acked") or ""
        # unreadable bookkeeping sends the whole log: the server compares it with its copy
        acked = int(acked_text) if acked_text.isdigit() else None
        entries: list[p.AuditLink] = []
        recheck = None
        if acked is None or seq > acked:
            entries = [_audit_link(link) for link in itertools.islice(
                read_links(cur, (acked or 0) + 1), p.MAX_AUDIT_LINKS)]
            recheck = self._walk_audit_log(cur, acked or 0, seq, digest)
        if entries:
            seq, digest = entries[-1].seq, entries[-1].entry_hash
        self._set(cur, "audit_anchor_pending", str(seq))
        return p.AuditHead(seq=seq, hash=digest, proofs=proofs, entries=entries, recheck=recheck)

    def _walk_audit_log(self, cur, acked: int, seq: int, digest: str) -> p.AuditRecheck | None:
        """Recompute the local chain; a break at or before the first entry not yet anchored
        becomes a recheck of the anchored entries around it."""
        walked, now = self._audit_walked, time.monotonic()
        this_sync = self._get(cur, "last_sync_at", "")
        if (walked is not None and now - walked[0] < self.AUDIT_WALK_SECONDS
                and walked[1] == this_sync and walked[2] <= seq):
            report = verify_links(read_links(cur, walked[2] + 1), after=(walked[2], walked[3]))
            if report.ok:
                self._audit_walked = (walked[0], this_sync, seq, digest)
                return None
        report = verify_cursor(cur)
        if report.ok:
            self._audit_walked = (now, this_sync, seq, digest)
            return None
        self._audit_walked = None
        log.warning("the local audit log is broken at entry %s", report.first_broken_seq)
        broken = report.first_broken_seq or 1
        first, last = max(1, broken - 1), min(broken, acked)
        if broken > acked + 1 or last < first:
            return None  # among entries not anchored yet: the server finds it in what is sent
        held = [_audit_link(link) for link in read_links(cur, first, last)]
        return p.AuditRecheck(first_seq=first, last_seq=last, entries=held)

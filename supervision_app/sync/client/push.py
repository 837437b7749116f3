"""Push: the outbox in batches (a signing never split across two), the server's answer
for each change taken in, and the audit chain anchored with each batch."""
from __future__ import annotations

import json

from .. import protocol as p
from .audit_anchor import AuditAnchoring
from .errors import SyncError, unreadable
from .results import SyncProgress, SyncReport
from .row_writes import RowWriter
from .session import ServerSession, parse_answer

PUSH_BATCH = 200
PUSH_MAX_BYTES = 16 * 1024 * 1024

_UNIT_ROWS = 3  # a signing: the record's move, its signature, its signed PDF
_SIGNED_STATES = frozenset({"supervisor_signed", "locked"})


def _signing_of(payload: str) -> str | None:
    """The record whose signing this outbox entry is part of (its move to a signed state,
    the signature or the signed PDF), or None."""
    row = json.loads(payload)
    table, data = row["table"], row["data"]
    if table in ("signature", "record_document"):
        return data.get("record_id")
    if table in ("supervision_session", "oversight_note", "addendum") and data.get("state") in _SIGNED_STATES:
        return row["id"]
    return None


def _whole_signings(rows: list, cut: int) -> int:
    """Move a batch's cut so that no signing is split across two pushes: the server takes
    a record's move to signed only together with its signature and PDF (``signoff._sign``
    writes them one after another). The cut goes back to before the signing, or, if the
    signing opens the batch, forward past it."""
    if cut >= len(rows):
        return cut
    record_id = _signing_of(rows[cut][4])
    if record_id is None:
        return cut
    start = cut
    while start > 0 and _signing_of(rows[start - 1][4]) == record_id:
        start -= 1
    if start > 0:
        return start
    end = cut
    while end < len(rows) and _signing_of(rows[end][4]) == record_id:
        end += 1
    return end


class Pusher(ServerSession, RowWriter, AuditAnchoring):
    def _push(self, report: SyncReport, progress) -> None:
        device = self.device_id()
        sent_any = False
        while True:
            with self._raw() as cur:
                # a few rows beyond the batch, to see whether the cut splits a signing
                rows = cur.execute(
                    "SELECT seq, mutation_id, row_id, base_version, payload FROM sync_outbox "
                    "ORDER BY seq LIMIT ?", (PUSH_BATCH + _UNIT_ROWS,)).fetchall()
                head = self._audit_head(cur)
            if not rows and sent_any:
                return
            cut, size = 0, 0
            for _seq, _mutation_id, _row_id, _base, payload in rows[:PUSH_BATCH]:
                size += len(payload)
                if cut and size > PUSH_MAX_BYTES:
                    break
                cut += 1
            cut = _whole_signings(rows, cut)
            batch = [(seq, mutation_id, base_version, payload)
                     for seq, mutation_id, _row_id, base_version, payload in rows[:cut]]
            mutations = [
                p.Mutation(mutation_id=mid, base_version=base, row=p.Row.model_validate_json(payload))
                for _seq, mid, base, payload in batch
            ]
            request = p.PushRequest(device_id=device, mutations=mutations, audit_head=head)
            response = self._request("POST", "/v1/push", content=request.model_dump_json())
            answer = parse_answer(p.PushResponse, response)
            if len(answer.results) != len(batch):
                raise SyncError("The sync server gave an incomplete answer; sync will retry.")
            try:
                with self._raw() as cur:
                    self._take_results(cur, batch, answer, report)
            except p.PageInvalid as invalid:
                raise unreadable(invalid) from None
            report.pushed += len(batch)
            sent_any = True
            if progress:
                progress(SyncProgress("push", report.pushed, 0, False))
            if not batch:
                return

    def _take_results(self, cur, batch, answer: p.PushResponse, report: SyncReport) -> None:
        for (seq, mutation_id, _base, payload), result in zip(batch, answer.results):
            if result.mutation_id != mutation_id:
                raise SyncError("The sync server answered for the wrong change; sync will retry.")
            local = json.loads(payload)
            table, row_id = local["table"], local["id"]
            if result.status in ("applied", "duplicate"):
                if result.status == "applied":
                    report.applied += 1
                else:
                    report.duplicates += 1
                cur.execute("DELETE FROM sync_outbox WHERE seq = ?", (seq,))
                if result.row is not None and not self._pending(cur, row_id):
                    server_row = p.check_pulled_row(result.row.model_dump(mode="json"))
                    held = cur.execute(f"SELECT version, tombstone FROM {table} WHERE id = ?",
                                       (row_id,)).fetchone()
                    if held is None or (held[0], bool(held[1])) != (server_row["version"], server_row["tombstone"]):
                        self._apply_row(cur, server_row, force=True)
                continue
            still = cur.execute("SELECT seq FROM sync_outbox WHERE seq = ?", (seq,)).fetchone()
            if still is None:
                continue  # an earlier result in this batch already settled this row
            if result.status == "conflict":
                report.conflicts += 1
            else:
                report.rejected += 1
            latest = cur.execute(
                "SELECT payload FROM sync_outbox WHERE row_id = ? ORDER BY seq DESC LIMIT 1", (row_id,)
            ).fetchone()[0]
            winner = p.check_pulled_row(result.row.model_dump(mode="json")) if result.row is not None else None
            self._keep_conflict(cur, table, row_id, result.status, result.reason, latest, winner)
            cur.execute("DELETE FROM sync_outbox WHERE row_id = ?", (row_id,))
            if winner is not None:
                self._apply_row(cur, winner, force=True)
            else:
                self._delete_rows(cur, table, [row_id])
        audit = answer.audit
        report.audit_status = audit.status
        if audit.status == "anchored" and audit.anchored_seq is not None:
            self._set(cur, "audit_anchor_acked", str(audit.anchored_seq))
            cur.execute("DELETE FROM sync_state WHERE key = 'audit_anchor_pending'")
            self._set(cur, "audit_alarm", "")
        elif audit.status == "mismatch":
            self._set(cur, "audit_alarm", "The server found that this laptop's audit log no "
                                          f"longer matches what it recorded ({audit.detail}).")

    @staticmethod
    def _pending(cur, row_id: str) -> bool:
        return cur.execute("SELECT 1 FROM sync_outbox WHERE row_id = ? LIMIT 1", (row_id,)).fetchone() is not None


"""Conflicts: a local version that lost to the server's (changed elsewhere, refused, or
access ended) is kept in ``sync_conflict`` for the user to settle."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

from ...domain.time_rules import utc_now
from .. import protocol as p
from .errors import SyncError
from .results import Conflict
from .state import ClientState


class ConflictKeeper(ClientState):
    def _keep_conflict(self, cur, table: str, row_id: str, kind: str, reason: str,
                       local_payload: str, server_row: dict | None) -> None:
        cur.execute(
            "INSERT INTO sync_conflict (id, table_name, row_id, kind, reason, local_payload, "
            "server_payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (str(uuid.uuid4()), table, row_id, kind, reason, local_payload,
             json.dumps(server_row) if server_row is not None else None,
             utc_now().strftime("%Y-%m-%d %H:%M:%S.%f")))
        self._audit(cur, f"sync_{kind}", table, row_id)

    def pending_conflicts(self) -> list[Conflict]:
        with self._raw(write=False) as cur:
            rows = cur.execute(
                "SELECT id, table_name, row_id, kind, reason, local_payload, server_payload, created_at "
                "FROM sync_conflict WHERE resolved_at IS NULL ORDER BY created_at").fetchall()
        return [
            Conflict(id=r[0], table=r[1], row_id=r[2], kind=r[3], reason=r[4],
                     local=json.loads(r[5]), server=json.loads(r[6]) if r[6] else None,
                     created_at=datetime.fromisoformat(r[7]).replace(tzinfo=timezone.utc))
            for r in rows
        ]

    def resolve_conflict(self, conflict_id: str, keep: str) -> None:
        """``keep='server'``: accept what is on the server (already in place).
        ``keep='mine'``: write the local version again on top of the server's, as a new
        change that the next sync sends."""
        if keep not in ("server", "mine"):
            raise ValueError("keep must be 'server' or 'mine'")
        conflict = next((c for c in self.pending_conflicts() if c.id == conflict_id), None)
        if conflict is None:
            raise SyncError("That conflict has already been resolved.")
        if keep == "mine" and (conflict.kind != "conflict" or conflict.table in p.INSERT_ONLY_TABLES):
            # the server refused it (it would again), access ended, or it is a signature:
            # only a version that lost to another device's change can be sent again
            raise SyncError("This change cannot be sent again: keep the server's version, "
                            "and sign again or retype what is needed.")
        if keep == "mine":
            model = p.MODEL_FOR_TABLE[conflict.table]
            specs = {s.name: s for s in p.TABLE_FIELDS[conflict.table]}
            with self.db.transaction() as session:
                obj = session.get(model, conflict.row_id)
                if obj is None:
                    obj = model(id=conflict.row_id)
                    session.add(obj)
                for name, value in conflict.local["data"].items():
                    setattr(obj, name, p.decode_value(specs[name], value))
                obj.tombstone = bool(conflict.local["tombstone"])
        with self._raw() as cur:
            cur.execute("UPDATE sync_conflict SET resolved_at = ?, resolution = ? WHERE id = ?",
                        (utc_now().strftime("%Y-%m-%d %H:%M:%S.%f"), keep, conflict_id))
            self._audit(cur, f"conflict_keep_{keep}", conflict.table, conflict.row_id)

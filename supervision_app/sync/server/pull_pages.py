"""Answering a pull: the next page of rows a person may hold, and the ids of rows they held
but may no longer, as the JSON text of a ``PullResponse``.
"""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ...domain.permissions import Actor
from .. import protocol as p
from . import authz
from .retention_facts import is_deleted as deleted_under_retention
from .schema import record, record_scope, sequence
from .storage import utcnow_naive
from .wire_rows import row_text, wire_time


class _PageVerdicts:
    """What one actor may do with the rows of a pull page. A page holds many rows with the
    same stored facts (every part of a record carries its record's), so each distinct
    facts text is parsed and decided once per page, not once per row."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self._view: dict[str, bool] = {}
        self._private: dict[str, bool] = {}
        self._before: dict[str, bool] = {}
        self._people: dict[str | None, str] = {}
        self._headers: dict[str, dict[str, Any] | None] = {}

    def may_view(self, auth_text: str) -> bool:
        allowed = self._view.get(auth_text)
        if allowed is None:
            facts = json.loads(auth_text)
            # a row deleted under retention: nobody holds it (its removal goes to whoever could)
            allowed = self._view[auth_text] = (not deleted_under_retention(facts)
                                               and authz.may_view(self.actor, facts).allowed)
        return allowed

    def may_view_private(self, auth_text: str) -> bool:
        allowed = self._private.get(auth_text)
        if allowed is None:
            allowed = self._private[auth_text] = authz.may_view_private(self.actor, json.loads(auth_text))
        return allowed

    def viewed_before(self, history_text: str | None) -> bool:
        """Could the actor see the row under any of its earlier facts?"""
        if not history_text:
            return False
        allowed = self._before.get(history_text)
        if allowed is None:
            allowed = self._before[history_text] = any(
                authz.may_view(self.actor, old).allowed for old in json.loads(history_text))
        return allowed

    def header(self, auth_text: str) -> dict[str, Any] | None:
        if auth_text not in self._headers:
            self._headers[auth_text] = authz.header_for(self.actor, json.loads(auth_text))
        return self._headers[auth_text]

    def row_text(self, rec) -> str:
        show_private = rec.table_name in p.PRIVATE_FIELDS and self.may_view_private(rec.auth)
        updated_by = self._people.get(rec.updated_by)
        if updated_by is None:
            updated_by = self._people[rec.updated_by] = json.dumps(rec.updated_by)
        header = self.header(rec.auth) if rec.table_name == "case_discussion" else None
        return row_text(rec, show_private, updated_by, header)


def _candidates(actor: Actor, after: int, limit: int):
    """The next ``limit`` rows after ``after`` that may concern this actor, in seq order."""
    keys = authz.actor_scope_keys(actor)
    if keys is None:
        return select(record).where(record.c.seq > after).order_by(record.c.seq).limit(limit)
    sub = (
        select(record_scope.c.record_id, record_scope.c.seq)
        .where(record_scope.c.scope_key.in_(keys), record_scope.c.seq > after)
        .distinct().order_by(record_scope.c.seq).limit(limit).subquery()
    )
    return select(record).join(sub, record.c.id == sub.c.record_id).order_by(record.c.seq)


def pull_page(conn: Connection, actor: Actor, fingerprint: str, after: int, limit: int,
              access: str | None) -> str:
    """JSON text of a ``PullResponse``."""
    resync = access is not None and access != fingerprint
    if resync:
        after = 0
    max_seq = conn.execute(select(sequence.c.value).where(sequence.c.id == 1)).scalar_one()
    now = wire_time(utcnow_naive())
    rows_json: list[str] = []
    removed: list[str] = []
    last_seq = after
    candidates = 0
    if after < max_seq:
        verdicts = _PageVerdicts(actor)
        refused: list[str] = []
        for rec in conn.execute(_candidates(actor, after, limit)).all():
            candidates += 1
            last_seq = max(last_seq, rec.seq)
            if verdicts.may_view(rec.auth):
                rows_json.append(verdicts.row_text(rec))
            elif verdicts.viewed_before(rec.auth_history):
                retention = "true" if deleted_under_retention(json.loads(rec.auth)) else "false"
                removed.append(f'{{"table":"{rec.table_name}","id":"{rec.id}","retention":{retention}}}')
            else:
                refused.append(rec.id)
        authz.log_pull_page(actor, candidates, len(rows_json), len(removed), refused)
    has_more = candidates >= limit
    next_cursor = last_seq if has_more else max(last_seq, max_seq, after)
    return (
        f'{{"rows":[{",".join(rows_json)}],"removed":[{",".join(removed)}],'
        f'"next_cursor":{next_cursor},"has_more":{"true" if has_more else "false"},'
        f'"resync":{"true" if resync else "false"},"access":"{fingerprint}","server_time":"{now}"}}'
    )

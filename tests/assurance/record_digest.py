"""A digest of every row an audit reads: an audit must leave the records it grades as they were."""
from __future__ import annotations

import hashlib

from sqlalchemy import text

AUDITED_TABLES = ("supervision_session", "case_discussion", "action_item", "action_review",
                  "oversight_note", "child", "signature", "addendum", "record_document", "staff",
                  "team")


def snapshot(db) -> dict[str, str]:
    """A digest of every row of every table an audit reads."""
    out = {}
    with db.reading() as s:
        for table in AUDITED_TABLES:
            rows = s.execute(text(f"SELECT * FROM {table} ORDER BY id")).all()
            out[table] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return out

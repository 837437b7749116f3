"""Stored records as the JSON text of protocol ``Row``s, written by hand (pulls are the hot
path), with private sections blanked for readers who may not see them.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from ...domain.permissions import Actor
from .. import protocol as p
from . import authz


def wire_time(value: datetime) -> str:
    """A stored (naive UTC) time on the wire; ``isoformat`` is several times quicker than
    ``strftime`` and writes the same text for these."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds") + "Z"


def row_json(rec, actor: Actor, facts: authz.Facts) -> str:
    """A stored record as the JSON text of a protocol ``Row`` (built by hand: pulls are
    the hot path), with private sections blanked for readers who may not see them."""
    private = p.PRIVATE_FIELDS.get(rec.table_name)
    header = authz.header_for(actor, facts) if rec.table_name == "case_discussion" else None
    return row_text(rec, bool(private) and authz.may_view_private(actor, facts),
                    json.dumps(rec.updated_by), header)


def row_text(rec, show_private: bool, updated_by: str, header: dict[str, Any] | None = None) -> str:
    """``updated_by`` is already JSON text. ``header``: a case discussion's chronology
    header as this reader is sent it (``authz.header_for``)."""
    data_text = rec.data
    if rec.table_name == "case_discussion":
        data_text = authz.with_header(data_text, header)
    private = p.PRIVATE_FIELDS.get(rec.table_name)
    if private and not show_private:
        data = json.loads(data_text)
        for name in private:
            if data.get(name):
                data[name] = ""
        data_text = json.dumps(data, separators=(",", ":"))
    return (
        f'{{"table":"{rec.table_name}","id":"{rec.id}","version":{rec.version},'
        f'"updated_at":"{wire_time(rec.updated_at)}","updated_by":{updated_by},'
        f'"tombstone":{"true" if rec.tombstone else "false"},"data":{data_text},"seq":{rec.seq}}}'
    )

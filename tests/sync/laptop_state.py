"""Every synced row a laptop holds, in the wire format: what convergence tests compare."""
from __future__ import annotations

from sqlalchemy import select

from supervision_app.store.outbox import snapshot
from supervision_app.store.wire_format import MODEL_FOR_TABLE, SYNCED_TABLES

from .harness import Laptop


def laptop_state(laptop: Laptop) -> dict[str, dict]:
    out = {}
    with laptop.db.reading() as s:
        for table in SYNCED_TABLES:
            model = MODEL_FOR_TABLE[table]
            for row in s.execute(select(model)).scalars():
                out[row.id] = snapshot(row)
    return out

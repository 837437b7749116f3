"""A laptop's signing as it waits in its outbox (the record's move, its signature, its signed
copy), for tests that push it changed, as a hostile laptop would, or hand it to the server's push
path themselves; and what the server then holds of the record."""
from __future__ import annotations

import base64
import json

from sqlalchemy import select, text

from supervision_app.sync import protocol as p
from supervision_app.sync.server.schema import record
from tests.sync.archiving import pushed_documents


def _outbox(laptop, record_id: str) -> list[tuple[str, int, dict]]:
    with laptop.db.reading() as s:
        entries = s.execute(text(
            "select mutation_id, base_version, payload from sync_outbox order by seq")).all()
    unit = []
    for mutation_id, base, payload in entries:
        row = json.loads(payload)
        if row["id"] == record_id or row["data"].get("record_id") == record_id:
            unit.append((mutation_id, base, row))
    assert [row["table"] for _, _, row in unit] == ["supervision_session", "signature", "record_document"]
    return unit


def signing_unit(laptop, record_id: str) -> list[tuple[int, dict]]:
    """The signing the laptop's outbox holds for ``record_id`` (the record's move, its
    signature, its signed copy), as (base version, row), without sending it."""
    return [(base, row) for _, base, row in _outbox(laptop, record_id)]


def signing_push(laptop, record_id: str) -> p.PushRequest:
    """That signing as the laptop's next sync would push it, its mutation ids included."""
    return p.PushRequest(device_id=laptop.client.device_id(), mutations=[
        p.Mutation(mutation_id=mutation_id, base_version=base, row=p.Row.model_validate(row))
        for mutation_id, base, row in _outbox(laptop, record_id)])


def with_pdf(unit: list[tuple[int, dict]], pdf: bytes) -> list[tuple[int, dict]]:
    (b1, move), (b2, signature), (b3, document) = unit
    document = json.loads(json.dumps(document))
    document["data"]["pdf"] = base64.b64encode(pdf).decode()
    return [(b1, move), (b2, signature), (b3, document)]


def server_state(deployment, record_id: str) -> tuple[str, int]:
    with deployment.engine.connect() as conn:
        state = json.loads(conn.execute(select(record.c.data).where(record.c.id == record_id)).scalar())["state"]
    # the laptops' copies: the server's own (time-stamped, archived) come in the background
    return state, len(pushed_documents(deployment, record_id))


def pdf_of(unit) -> bytes:
    return base64.b64decode(unit[2][1]["data"]["pdf"])

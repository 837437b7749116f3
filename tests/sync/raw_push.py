"""Pushing rows straight to the sync server, as a hostile laptop would, and reading what it stored."""
from __future__ import annotations

import uuid

import httpx
from sqlalchemy import text

from supervision_app.sync import protocol as p


def push_raw(deployment, laptop, *mutations: tuple[int, dict]) -> list[dict]:
    """Push (base version, row) pairs straight to the server with the laptop's real token,
    as a hostile laptop would; the server's results."""
    request = p.PushRequest(device_id=laptop.client.device_id(), mutations=[
        p.Mutation(mutation_id=str(uuid.uuid4()), base_version=base, row=p.Row.model_validate(row))
        for base, row in mutations])
    answer = httpx.post(f"{deployment.url}/v1/push", content=request.model_dump_json(),
                        headers={"Authorization": f"Bearer {laptop.client.secrets.get('sync-token')}"})
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]


def stored_record(deployment, row_id: str):
    """(version, data) of the server's copy of a row, or None."""
    with deployment.engine.connect() as conn:
        return conn.execute(text("select version, data from record where id = :i"), {"i": row_id}).first()

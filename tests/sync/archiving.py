"""Waiting, in tests, for the server's background archiver (issue 20).

After answering a push that brought a signed copy, the server process archives a locked
record (validation data and a document time stamp) or time-stamps a supervisor's copy
signed offline, in the background. A test that counts a record's copies, or syncs a laptop
to pull the server's copy, first waits for that result to be visible in the server's
database: polled, with a deadline, never a fixed sleep.
"""
from __future__ import annotations

import base64
import json
import time

from sqlalchemy import select

from supervision_app.sync.server import archive
from supervision_app.sync.server.schema import record

_STAGE_RANK = {"supervisor_signed": 1, "locked": 2, "archived": 3}


def server_documents(deployment, record_id: str) -> list[dict]:
    """The record's copies on the server, in signing order (stage, then time written)."""
    with deployment.engine.connect() as conn:
        rows = conn.execute(select(record.c.data).where(
            record.c.parent_id == record_id, record.c.table_name == "record_document")).scalars()
        documents = [json.loads(row) for row in rows]
    return sorted(documents, key=lambda d: (_STAGE_RANK.get(d["stage"], 0), d["created_at"]))


def pushed_documents(deployment, record_id: str) -> list[dict]:
    """The record's copies as laptops pushed them, in signing order: the server's own
    (time-stamped or archived, which it writes in the background) aside. A row the server
    writes itself names no one in ``updated_by``."""
    with deployment.engine.connect() as conn:
        rows = conn.execute(select(record.c.data).where(
            record.c.parent_id == record_id, record.c.table_name == "record_document",
            record.c.updated_by.is_not(None))).scalars()
        documents = [json.loads(row) for row in rows]
    return sorted(documents, key=lambda d: (_STAGE_RANK.get(d["stage"], 0), d["created_at"]))


def _archiver_is_done(documents: list[dict]) -> bool:
    if not documents:
        return True
    newest = documents[-1]
    if newest["stage"] == "locked":
        return False  # to be archived
    if newest["stage"] == "supervisor_signed":
        return not archive.needs_proof_of_time(base64.b64decode(newest["pdf"]))
    return True


def settled(deployment, record_id: str, timeout: float = 60.0) -> list[dict]:
    """The record's copies on the server once the archiver has nothing left to do for it
    (its newest copy is archived, or a supervisor's copy with a proof of time)."""
    deadline = time.monotonic() + timeout
    while True:
        documents = server_documents(deployment, record_id)
        if _archiver_is_done(documents):
            return documents
        if time.monotonic() > deadline:
            raise AssertionError(f"the server's archiver did not finish record {record_id} in "
                                 f"{timeout:g} s: stages {[d['stage'] for d in documents]}; "
                                 f"see {deployment.folder / 'server.log'}")
        time.sleep(0.05)


def catch_up(deployment) -> archive.ArchiveReport:
    """What IT's scheduled ``renew-timestamps`` does, in this process: time-stamp and archive
    whatever the server's background archiver left (a server killed mid-job, say). Once it
    returns, the archiver has nothing left to add, whatever it was doing meanwhile (each
    copy is stored only if the one it extends is still the record's newest)."""
    from tests.sync.harness import CA_PASSPHRASE

    return archive.renew_timestamps(deployment.engine, CA_PASSPHRASE.encode())

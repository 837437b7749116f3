"""The signature check reads a record's rows as they stand in the caller's transaction (issue
16: the check reads each row once, in as few statements as it can, and must still see every
change made before it in the same push).

Through a real server (both backends): the manager signs a record on their laptop and the
server accepts the signature. Then, inside one write transaction, as a push would make them
before its signing unit: a part changed, a part tombstoned, a new part, and the record's own
row changed each make the same signature fail ``signature_problem``; rolled back, it verifies
again. ``server_canonical`` and ``signed_canonical`` give the form the signature is over.
"""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from supervision_app.domain.canonical import digest
from supervision_app.domain.lifecycle import RecordKind
from supervision_app.sync.server.schema import record
from supervision_app.sync.server.signature_check import (
    server_canonical,
    signature_problem,
    signed_canonical,
)
from supervision_app.sync.server.storage import WriteTx, system_write
from tests.sync import records as r

NOT_THIS_RECORD = "What was signed is not this record as the server holds it"


def _signed_record(deployment, laptops) -> tuple[str, dict]:
    org = deployment.org
    manager, worker = laptops("tm_a"), laptops("sw_a1")
    r.credentials(manager)
    sid = r.shared_session(manager, org)
    assert manager.client.sync().rejected == 0
    worker.client.sync()
    r.respond(worker, org.ids["sw_a1"], sid)
    assert worker.client.sync().rejected == 0
    manager.client.sync()
    r.sign_session(manager, org.ids["tm_a"], sid)
    report = manager.client.sync()
    assert report.rejected == 0 and report.conflicts == 0
    with deployment.engine.connect() as conn:
        signature = next(json.loads(text_) for text_ in conn.execute(
            select(record.c.data).where(record.c.parent_id == sid,
                                        record.c.table_name == "signature")).scalars())
    return sid, signature


def _parts(conn, sid: str, table: str) -> list[tuple[str, dict]]:
    return [(row.id, json.loads(row.data)) for row in conn.execute(
        select(record.c.id, record.c.data).where(record.c.parent_id == sid,
                                                 record.c.table_name == table))]


@pytest.fixture
def signed(deployment, laptops):
    return _signed_record(deployment, laptops)


def test_a_part_changed_tombstoned_or_added_in_the_same_transaction_is_seen(deployment, signed):
    sid, signature = signed
    kind = RecordKind.SUPERVISION
    with deployment.engine.connect() as conn:
        assert signature_problem(conn, signature) is None
        form = server_canonical(conn, kind, sid)
        assert digest(kind, form) == signature["digest"]
        assert signed_canonical(conn, kind, sid, signature["digest"]) == form

    def refused_after(change) -> None:
        with deployment.engine.connect() as conn:
            transaction = conn.begin()
            try:
                tx = WriteTx.begin(conn)
                assert signature_problem(conn, signature) is None  # read once before the change
                change(conn, tx)
                problem = signature_problem(conn, signature)
                assert problem is not None and problem.startswith(NOT_THIS_RECORD), problem
                assert signed_canonical(conn, kind, sid, signature["digest"]) is None
            finally:
                transaction.rollback()
        with deployment.engine.connect() as conn:
            assert signature_problem(conn, signature) is None

    def change_discussion(conn, tx) -> None:
        row_id, data = _parts(conn, sid, "case_discussion")[0]
        system_write(tx, "case_discussion", row_id, data | {"worries": data["worries"] + " and more"})

    def tombstone_action(conn, tx) -> None:
        row_id, data = _parts(conn, sid, "action_item")[0]
        system_write(tx, "action_item", row_id, data, tombstone=True)

    def add_review(conn, tx) -> None:
        action_id, action = _parts(conn, sid, "action_item")[0]
        system_write(tx, "action_review", "a6f0d7a4-2b1e-4c55-9e0f-5d1c0e7a9b31",
                     {"session_id": sid, "action_id": action_id, "status": "in_progress",
                      "note": "a review the signer never saw"})

    def change_session(conn, tx) -> None:
        data = json.loads(conn.execute(select(record.c.data).where(record.c.id == sid)).scalar_one())
        system_write(tx, "supervision_session", sid, data | {"learning": data["learning"] + "!"})

    for change in (change_discussion, tombstone_action, add_review, change_session):
        refused_after(change)

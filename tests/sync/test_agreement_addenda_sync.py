"""Addenda to a signed supervision agreement through a real server process (issue 21): the
manager adds and signs one on their laptop and the worker's laptop receives it, its signature
verified by the server as a record addendum's is; a hostile laptop's addendum (by someone
not party to the agreement, claimed signed without a signature, or to an agreement not yet
signed by both) is refused, whatever the laptop claims."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

from sqlalchemy import select

from supervision_app.domain.time_rules import utc_now
from supervision_app.records.agreement_signoff import sign_agreement
from supervision_app.store import agreement_records as ar
from supervision_app.store.models import Addendum
from supervision_app.store.supervision_records import load_actor
from supervision_app.sync import protocol as p
from supervision_app.sync.server.schema import record
from supervision_app.sync.server.signature_check import signature_problem
from tests.sync import records as r
from tests.sync.raw_push import push_raw, stored_record


def _synced(laptop):
    report = laptop.client.sync()
    assert report.rejected == 0 and report.conflicts == 0
    return report


def _agreement(tm, sw, tm_id, sw_id, *, both_sign: bool = True) -> str:
    """An agreement the manager writes and signs, then (``both_sign``) the worker signs on
    their own laptop, through the signing path; both laptops synced."""
    with tm.db.transaction() as s:
        agreement_id = ar.create_agreement(s, load_actor(s, tm_id), sw_id)
    sign_agreement(tm.db, r.credentials(tm), agreement_id=agreement_id, signer_id=tm_id)
    _synced(tm), _synced(sw)
    if both_sign:
        sign_agreement(sw.db, r.credentials(sw), agreement_id=agreement_id, signer_id=sw_id)
        _synced(sw), _synced(tm)
    return agreement_id


def test_the_managers_signed_addendum_reaches_the_worker_verified(deployment, laptops):
    org = deployment.org
    tm, sw = laptops("tm_a"), laptops("sw_a1")
    tm_id, sw_id = org.ids["tm_a"], org.ids["sw_a1"]
    agreement_id = _agreement(tm, sw, tm_id, sw_id)
    addendum_id = r.add_addendum(tm, tm_id, "agreement", agreement_id, "Sessions move to Thursdays.")
    _synced(tm), _synced(sw)
    with sw.db.reading() as s:  # a draft is shown to its author only (as a record's)
        assert ar.agreement_addenda(s, load_actor(s, sw_id), agreement_id).addenda == ()
    r.sign_addendum(tm, tm_id, addendum_id)
    _synced(tm), _synced(sw)
    with sw.db.reading() as s:
        (seen,) = ar.agreement_addenda(s, load_actor(s, sw_id), agreement_id).addenda
    assert (seen.addendum_id, seen.state.value, seen.body) == (addendum_id, "locked", "Sessions move to Thursdays.")
    with deployment.engine.connect() as conn:
        held = [json.loads(rec.data) | {"table": rec.table_name} for rec in conn.execute(
            select(record).where((record.c.id == addendum_id) | (record.c.parent_id == addendum_id)))]
        (signature,) = [h for h in held if h["table"] == "signature"]
        assert signature["signer_role"] == "author" and signature_problem(conn, signature) is None
        assert [h["state"] for h in held if h["table"] == "addendum"] == ["locked"]
    # the other team's manager never receives it
    tm_b = laptops("tm_b")
    _synced(tm_b)
    assert r.get(tm_b, Addendum, addendum_id) is None


def _addendum_row(author_id: str, agreement_id: str, state: str = "draft") -> dict:
    data = {"record_kind": "agreement", "record_id": agreement_id, "author_id": author_id,
            "created_at": utc_now(), "body": "Pushed from a hostile laptop", "state": state}
    return {"table": "addendum", "id": str(uuid.uuid4()), "version": 1,
            "updated_at": p.format_datetime(datetime.now(timezone.utc)), "updated_by": author_id,
            "tombstone": False, "data": p.encode_row_data("addendum", data)}


def test_hostile_addenda_to_agreements_are_refused(deployment, laptops):
    org = deployment.org
    tm, sw = laptops("tm_a"), laptops("sw_a1")
    tm_id, sw_id = org.ids["tm_a"], org.ids["sw_a1"]
    locked = _agreement(tm, sw, tm_id, sw_id)
    # sw_a2's own agreement, signed by the supervisor only
    other = laptops("sw_a2")
    open_one = _agreement(tm, other, tm_id, org.ids["sw_a2"], both_sign=False)
    tm_b = laptops("tm_b")
    _synced(tm_b)
    attempts = [
        (tm_b, _addendum_row(org.ids["tm_b"], locked)),  # another team's manager
        (other, _addendum_row(org.ids["sw_a2"], locked)),  # a colleague of the worker
        (tm, _addendum_row(sw_id, locked)),  # the manager in the worker's name
        (tm, _addendum_row(tm_id, locked, state="locked")),  # claimed signed, with no signature
        (tm, _addendum_row(tm_id, open_one)),  # the agreement is not signed by both yet
        (other, _addendum_row(org.ids["sw_a2"], open_one)),
    ]
    for laptop, row in attempts:
        [result] = push_raw(deployment, laptop, (0, row))
        assert result["status"] == "rejected", result
        assert stored_record(deployment, row["id"]) is None
    # the same push by the manager, as a draft in their own name, is accepted
    fine = _addendum_row(tm_id, locked)
    [result] = push_raw(deployment, tm, (0, fine))
    assert result["status"] != "rejected", result
    assert stored_record(deployment, fine["id"]) is not None

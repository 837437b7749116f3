"""Addenda to a locked group session through a real server process (issue 21: group records
lock when signed; addenda as for records). The manager holds a group with sw_a1 present and
sw_a2's apologies; once both present have signed, sw_a1 adds and signs an addendum on their
own laptop; the server verifies its signature over the form naming the digest sw_a1 signed
the session with, built from the server's own rows; the manager's and sw_a2's laptops
receive it (sw_a2 sees the shared part, so its addenda too), another team's manager never
does. A hostile laptop's addendum (another team's manager, someone who sent apologies, the
manager in a worker's name, claimed signed without a signature, to a session not locked yet)
is refused from the server's own facts, whatever the laptop claims."""
from __future__ import annotations

import base64
import json
import uuid
from datetime import date, datetime, timezone

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from supervision_app.domain.group_supervision import GROUP_KIND, Attendance
from supervision_app.domain.time_rules import utc_now
from supervision_app.records.group_signoff import sign_group_session
from supervision_app.records.signoff import create_addendum
from supervision_app.store import group_records as gr
from supervision_app.store.models import Addendum
from supervision_app.store.supervision_records import load_actor
from supervision_app.sync import protocol as p
from supervision_app.sync.server.schema import record
from supervision_app.sync.server.signature_check import signature_problem
from tests.sync import records as r
from tests.sync.raw_push import push_raw, stored_record

HELD = datetime(2026, 11, 5, 10, tzinfo=timezone.utc)


def _synced(laptop):
    report = laptop.client.sync()
    assert report.rejected == 0 and report.conflicts == 0
    return report


def _group(tm, tm_id, attendees, signers) -> str:
    """A group session the manager writes and signs on their laptop, then each of
    ``signers`` signs on their own; every laptop synced after each step."""
    with tm.db.transaction() as s:
        who = load_actor(s, tm_id)
        gid = gr.create_group_session(s, who, attendees=attendees, held_at=HELD, duration_minutes=90,
                                      location="Room 2", themes="Working with neglect")
        gr.add_discussion(s, who, gid, child_id=None, summary="Chronic neglect",
                          decision="Bring back next month", rationale="Shared learning")
        for person, mark in attendees.items():
            if mark == Attendance.PRESENT:
                gr.add_action(s, who, gid, owner_id=person, description="Read the briefing",
                              due_on=date(2026, 12, 1))
    sign_group_session(tm.db, r.credentials(tm), group_id=gid, signer_id=tm_id)
    _synced(tm)
    for laptop, person in signers:
        _synced(laptop)
        sign_group_session(laptop.db, r.credentials(laptop), group_id=gid, signer_id=person)
        _synced(laptop)
    _synced(tm)
    return gid


def _addenda(laptop, viewer_id, gid):
    with laptop.db.reading() as s:
        return gr.group_addenda(s, load_actor(s, viewer_id), gid)


def test_an_attendees_signed_addendum_reaches_everyone_in_the_group_verified(deployment, laptops):
    org = deployment.org
    tm, sw1, sw2, tm_b = laptops("tm_a"), laptops("sw_a1"), laptops("sw_a2"), laptops("tm_b")
    tm_id, sw1_id, sw2_id = org.ids["tm_a"], org.ids["sw_a1"], org.ids["sw_a2"]
    gid = _group(tm, tm_id, {sw1_id: Attendance.PRESENT, sw2_id: Attendance.APOLOGIES}, [(sw1, sw1_id)])
    _synced(sw1)
    assert _addenda(sw1, sw1_id, gid).can_add
    with sw1.db.transaction() as s:
        addendum_id = create_addendum(s, author_id=sw1_id, record_kind=GROUP_KIND, record_id=gid,
                                      body="The family speaks Polish at home.")
    _synced(sw1), _synced(tm)
    assert _addenda(tm, tm_id, gid).addenda == ()  # a draft is its author's alone
    r.sign_addendum(sw1, sw1_id, addendum_id)
    _synced(sw1)
    for laptop, viewer in ((tm, tm_id), (sw2, sw2_id)):
        _synced(laptop)
        (seen,) = _addenda(laptop, viewer, gid).addenda
        assert (seen.addendum_id, seen.state.value, seen.body) == (
            addendum_id, "locked", "The family speaks Polish at home.")
        assert seen.signed_at is not None
    assert not _addenda(sw2, sw2_id, gid).can_add  # apologies: nothing they signed to amend
    with deployment.engine.connect() as conn:
        held = [json.loads(rec.data) | {"table": rec.table_name} for rec in conn.execute(
            select(record).where((record.c.id == addendum_id) | (record.c.parent_id == addendum_id)))]
        (signature,) = [h for h in held if h["table"] == "signature"]
        assert signature["signer_role"] == "author" and signature_problem(conn, signature) is None
        assert [h["state"] for h in held if h["table"] == "addendum"] == ["locked"]
        assert "locked" in {h["stage"] for h in held if h["table"] == "record_document"}
        # the same addendum signed by sw_a1's own key over a form naming the supervisor's
        # digest (a form sw_a1 never signed, with every attendee's action) does not verify
        forged = _signed_over_other_digest(sw1, sw1_id, addendum_id, tm, gid, signature)
        assert "not this record as the server holds it" in (signature_problem(conn, forged) or ""), forged
    # another team's manager never receives it
    _synced(tm_b)
    assert r.get(tm_b, Addendum, addendum_id) is None


def _signed_over_other_digest(author_laptop, author_id, addendum_id, tm, gid, signature: dict) -> dict:
    """``signature`` (the server's row of the author's addendum signature) made again by the
    author's key, over the addendum's form naming the supervisor's signed digest instead."""
    from supervision_app.domain.canonical import canonical_bytes, digest
    from supervision_app.domain.lifecycle import RecordKind
    from supervision_app.domain.record_canonical import addendum_canonical
    from supervision_app.store.models import Signature

    with tm.db.reading() as s:
        supervisor_digest = s.scalars(select(Signature.digest).where(
            Signature.record_kind == GROUP_KIND, Signature.record_id == gid)).one()
    with author_laptop.db.reading() as s:
        addendum = s.get_one(Addendum, addendum_id)
        form = addendum_canonical({c.key: getattr(addendum, c.key) for c in addendum.__table__.columns},
                                  supervisor_digest)
    key = r.credentials(author_laptop).credentials_for(author_id).key
    value = key.sign(canonical_bytes(RecordKind.ADDENDUM, form), ec.ECDSA(hashes.SHA256()))
    return signature | {"digest": digest(RecordKind.ADDENDUM, form),
                        "signature_value": base64.b64encode(value).decode("ascii")}


def _addendum_row(author_id: str, gid: str, state: str = "draft") -> dict:
    data = {"record_kind": GROUP_KIND, "record_id": gid, "author_id": author_id,
            "created_at": utc_now(), "body": "Pushed from a hostile laptop", "state": state}
    return {"table": "addendum", "id": str(uuid.uuid4()), "version": 1,
            "updated_at": p.format_datetime(datetime.now(timezone.utc)), "updated_by": author_id,
            "tombstone": False, "data": p.encode_row_data("addendum", data)}


def test_hostile_addenda_to_group_sessions_are_refused(deployment, laptops):
    org = deployment.org
    tm, sw1, sw2, tm_b = laptops("tm_a"), laptops("sw_a1"), laptops("sw_a2"), laptops("tm_b")
    tm_id, sw1_id, sw2_id = org.ids["tm_a"], org.ids["sw_a1"], org.ids["sw_a2"]
    locked = _group(tm, tm_id, {sw1_id: Attendance.PRESENT, sw2_id: Attendance.APOLOGIES}, [(sw1, sw1_id)])
    # both present, only sw_a1 has signed: released but not locked
    open_one = _group(tm, tm_id, {sw1_id: Attendance.PRESENT, sw2_id: Attendance.PRESENT}, [(sw1, sw1_id)])
    _synced(sw2), _synced(tm_b)
    attempts = [
        (tm_b, _addendum_row(org.ids["tm_b"], locked)),  # another team's manager
        (sw2, _addendum_row(sw2_id, locked)),  # sent apologies: signed nothing
        (tm, _addendum_row(sw1_id, locked)),  # the manager in the worker's name
        (sw1, _addendum_row(sw1_id, locked, state="locked")),  # claimed signed, with no signature
        (tm, _addendum_row(tm_id, open_one)),  # not everyone present has signed yet
        (sw1, _addendum_row(sw1_id, open_one)),
    ]
    for laptop, row in attempts:
        [result] = push_raw(deployment, laptop, (0, row))
        assert result["status"] == "rejected", result
        assert stored_record(deployment, row["id"]) is None
    # the same push by the attendee who signed, as a draft in their own name, is accepted
    for laptop, author in ((sw1, sw1_id), (tm, tm_id)):
        fine = _addendum_row(author, locked)
        [result] = push_raw(deployment, laptop, (0, fine))
        assert result["status"] != "rejected", result
        assert stored_record(deployment, fine["id"]) is not None

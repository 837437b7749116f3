"""Group supervision through a real server process (issue 21): the manager holds a group
session with both workers of team A; each worker's laptop receives the shared part and only
their own action, once the manager has signed; each signs on their own laptop, the server
verifies every signature over what that signer sees, and the session ends locked
everywhere; another team receives nothing; hostile pushes are refused from the server's own
directory and rows."""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from supervision_app.domain.group_supervision import Attendance
from supervision_app.domain.vocabulary import RecordState
from supervision_app.records.group_signoff import sign_group_session
from supervision_app.store import group_records as gr
from supervision_app.store.group_models import GroupAction, GroupAttendance, GroupSession
from supervision_app.store.supervision_records import NotAllowed, load_actor
from supervision_app.sync import protocol as p
from supervision_app.sync.server import group_sync
from supervision_app.sync.server.schema import record
from supervision_app.sync.server.storage import WriteTx
from tests.sync import records as r
from tests.sync.raw_push import push_raw, stored_record

HELD = datetime(2026, 11, 5, 10, tzinfo=timezone.utc)


def _synced(laptop):
    report = laptop.client.sync()
    assert report.rejected == 0 and report.conflicts == 0
    return report


def _group(laptop, manager_id, workers):
    with laptop.db.transaction() as s:
        who = load_actor(s, manager_id)
        gid = gr.create_group_session(s, who, attendees={w: Attendance.PRESENT for w in workers},
                                      held_at=HELD, duration_minutes=90, location="Room 2",
                                      themes="Working with neglect")
        gr.add_discussion(s, who, gid, child_id=None, summary="Chronic neglect",
                          decision="Bring back next month", rationale="Shared learning")
        actions = {w: gr.add_action(s, who, gid, owner_id=w, description="Read the briefing",
                                    due_on=date(2026, 12, 1)) for w in workers}
    return gid, actions


def _state(laptop, person_id, gid):
    with laptop.db.reading() as s:
        return gr.group_view(s, load_actor(s, person_id), gid).state


def test_a_group_session_signed_by_each_attendee_on_their_own_laptop(deployment, laptops):
    org = deployment.org
    tm, sw1, sw2, tm_b = laptops("tm_a"), laptops("sw_a1"), laptops("sw_a2"), laptops("tm_b")
    tm_id, sw1_id, sw2_id = org.ids["tm_a"], org.ids["sw_a1"], org.ids["sw_a2"]
    gid, actions = _group(tm, tm_id, [sw1_id, sw2_id])
    _synced(tm)
    _synced(sw1)
    assert r.get(sw1, GroupSession, gid) is None  # not released before the supervisor signs
    sign_group_session(tm.db, r.credentials(tm), group_id=gid, signer_id=tm_id)
    _synced(tm)
    for laptop, me, other in ((sw1, sw1_id, sw2_id), (sw2, sw2_id, sw1_id)):
        _synced(laptop)
        assert r.get(laptop, GroupSession, gid).themes == "Working with neglect"
        assert r.get(laptop, GroupAction, actions[me]) is not None
        assert r.get(laptop, GroupAction, actions[other]) is None  # never another's action
        assert _state(laptop, me, gid) == RecordState.SUPERVISOR_SIGNED
    sign_group_session(sw1.db, r.credentials(sw1), group_id=gid, signer_id=sw1_id)
    _synced(sw1)
    sign_group_session(sw2.db, r.credentials(sw2), group_id=gid, signer_id=sw2_id)
    _synced(sw2)
    for laptop, me in ((tm, tm_id), (sw1, sw1_id), (sw2, sw2_id)):
        _synced(laptop)
        assert _state(laptop, me, gid) == RecordState.LOCKED
    with deployment.engine.connect() as conn:
        tx = WriteTx(conn)
        attendance_ids = [rec.id for rec in conn.execute(select(record).where(
            record.c.parent_id == gid, record.c.table_name == "group_attendance"))]
        signatures = [json.loads(rec.data) for rec in conn.execute(select(record).where(
            record.c.table_name == "signature", record.c.parent_id.in_([gid, *attendance_ids])))]
        assert sorted(s["signer_id"] for s in signatures) == sorted([tm_id, sw1_id, sw2_id])
        for signature in signatures:
            supervisor = signature["record_kind"] == "group_session"
            assert group_sync.signature_problem(tx, signature, supervisor) is None
    _synced(tm_b)
    assert r.get(tm_b, GroupSession, gid) is None


def _row(table, **data):
    return {"table": table, "id": str(uuid.uuid4()), "version": 1,
            "updated_at": p.format_datetime(datetime.now(timezone.utc)), "updated_by": None,
            "tombstone": False, "data": p.encode_row_data(table, data)}


def test_hostile_group_pushes_are_refused(deployment, laptops):
    org = deployment.org
    tm, sw1, tm_b = laptops("tm_a"), laptops("sw_a1"), laptops("tm_b")
    tm_id, sw1_id = org.ids["tm_a"], org.ids["sw_a1"]
    gid, _actions = _group(tm, tm_id, [sw1_id])
    _synced(tm)
    session = dict(supervisor_id=tm_id, team_id=org.teams["A"], held_at=HELD, duration_minutes=60,
                   location="", themes="", learning="", next_session_on=None)
    attempts = [
        # a worker holding a group session
        (sw1, _row("group_session", **(session | {"supervisor_id": sw1_id}))),
        # a group in another manager's name
        (tm_b, _row("group_session", **session)),
        # another team's worker in the manager's group: the server's directory decides
        (tm, _row("group_attendance", group_session_id=gid, attendee_id=org.ids["sw_b1"],
                  attendance="present")),
        # another manager adding to it
        (tm_b, _row("group_attendance", group_session_id=gid, attendee_id=org.ids["sw_b1"],
                    attendance="present")),
        # an action for someone not in the group
        (tm, _row("group_action", group_session_id=gid, discussion_id=None, owner_id=org.ids["sw_b1"],
                  description="x", due_on=None, status="open", closed_at=None)),
    ]
    for laptop, row in attempts:
        [result] = push_raw(deployment, laptop, (0, row))
        assert result["status"] == "rejected", (row["table"], result)
        assert stored_record(deployment, row["id"]) is None
    # a worker's signature before the supervisor's, then a forged one, then one in another's name
    with tm.db.reading() as s:
        attendance_id = s.scalars(select(GroupAttendance.id).where(
            GroupAttendance.group_session_id == gid)).one()
    forged = _row("signature", record_kind="group_attendance", record_id=attendance_id, signer_id=sw1_id,
                  signer_role="supervisee", signed_at=datetime.now(timezone.utc), digest="0" * 64,
                  certificate_pem="", signature_value=None)
    [result] = push_raw(deployment, sw1, (0, forged))
    assert result["status"] == "rejected"
    sign_group_session(tm.db, r.credentials(tm), group_id=gid, signer_id=tm_id)
    _synced(tm)
    [result] = push_raw(deployment, sw1, (0, {**forged, "id": str(uuid.uuid4())}))
    assert result["status"] == "rejected"
    assert "verif" in result["reason"] or "certificate" in result["reason"]
    [result] = push_raw(deployment, tm, (0, {**forged, "id": str(uuid.uuid4())}))  # not theirs
    assert result["status"] == "rejected"
    # the shared part cannot change once the supervisor has signed
    changed = dict(session | {"themes": "changed after signing"})
    [result] = push_raw(deployment, tm, (1, {**_row("group_session", **changed), "id": gid}))
    assert result["status"] == "rejected"
    assert json.loads(stored_record(deployment, gid).data)["themes"] == "Working with neglect"


def test_apologies_see_the_shared_part_and_never_sign(deployment, laptops):
    org = deployment.org
    tm, sw1, sw2 = laptops("tm_a"), laptops("sw_a1"), laptops("sw_a2")
    tm_id, sw1_id, sw2_id = org.ids["tm_a"], org.ids["sw_a1"], org.ids["sw_a2"]
    with tm.db.transaction() as s:
        who = load_actor(s, tm_id)
        gid = gr.create_group_session(s, who, attendees={sw1_id: Attendance.PRESENT,
                                                         sw2_id: Attendance.APOLOGIES},
                                      held_at=HELD, duration_minutes=60, themes="Court skills")
        gr.add_action(s, who, gid, owner_id=sw2_id, description="Catch up with a colleague",
                      due_on=date(2026, 12, 1))
    sign_group_session(tm.db, r.credentials(tm), group_id=gid, signer_id=tm_id)
    _synced(tm)
    _synced(sw2)
    assert r.get(sw2, GroupSession, gid).themes == "Court skills"  # the shared part reaches them
    with sw2.db.reading() as s:
        view = gr.group_view(s, load_actor(s, sw2_id), gid)
        assert [a.owner_id for a in view.actions] == [sw2_id]
        attendance_id = next(a.id for a in view.attendance if a.attendee_id == sw2_id)
    # their laptop refuses to sign; a signature pushed anyway is refused by the server
    with pytest.raises(NotAllowed):
        sign_group_session(sw2.db, r.credentials(sw2), group_id=gid, signer_id=sw2_id)
    forged = _row("signature", record_kind="group_attendance", record_id=attendance_id, signer_id=sw2_id,
                  signer_role="supervisee", signed_at=datetime.now(timezone.utc), digest="0" * 64,
                  certificate_pem="", signature_value=None)
    [result] = push_raw(deployment, sw2, (0, forged))
    assert result["status"] == "rejected" and "apologies" in result["reason"], result
    # the one present attendee's signature locks it
    _synced(sw1)
    sign_group_session(sw1.db, r.credentials(sw1), group_id=gid, signer_id=sw1_id)
    _synced(sw1)
    _synced(tm)
    assert _state(tm, tm_id, gid) == RecordState.LOCKED

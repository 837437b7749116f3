"""Group supervision signed copies through a real server (issue 21): each signer's PDF
travels with their signature, the server checks it (``group_document_check``) and keeps it,
and sends it to the signer and the supervisor only: an attendee never receives the
supervisor's copy (every action) or another attendee's (SQLite and PostgreSQL)."""
from __future__ import annotations

import json

from sqlalchemy import select

from supervision_app.records.group_signoff import group_document_for, sign_group_session
from supervision_app.store.group_models import GroupAttendance
from supervision_app.store.models import RecordDocument
from supervision_app.sync.server.group_document_check import group_document_problem
from supervision_app.sync.server.schema import record
from tests.sync import records as r
from tests.sync.test_group_supervision_sync import _group, _synced


def test_each_signed_copy_reaches_the_server_and_only_those_who_may_see_it(deployment, laptops):
    org = deployment.org
    tm, sw1, sw2 = laptops("tm_a"), laptops("sw_a1"), laptops("sw_a2")
    tm_id, sw1_id, sw2_id = org.ids["tm_a"], org.ids["sw_a1"], org.ids["sw_a2"]
    gid, _actions = _group(tm, tm_id, [sw1_id, sw2_id])
    _synced(tm)
    sign_group_session(tm.db, r.credentials(tm), group_id=gid, signer_id=tm_id)
    _synced(tm)
    for laptop, me in ((sw1, sw1_id), (sw2, sw2_id)):
        _synced(laptop)
        sign_group_session(laptop.db, r.credentials(laptop), group_id=gid, signer_id=me)
        _synced(laptop)
    with deployment.engine.connect() as conn:
        attendance_ids = [rec.id for rec in conn.execute(select(record).where(
            record.c.parent_id == gid, record.c.table_name == "group_attendance"))]
        stored = [(rec.updated_by, json.loads(rec.data)) for rec in conn.execute(select(record).where(
            record.c.table_name == "record_document", record.c.parent_id.in_([gid, *attendance_ids])))]
        # (and the server's time-stamped copies of them, updated_by None, as for records)
        pushed = [(by, data) for by, data in stored if by is not None]
        assert sorted(by for by, _data in pushed) == sorted([tm_id, sw1_id, sw2_id])
        for by, data in pushed:
            assert group_document_problem(conn, data, by) is None
    for laptop in (tm, sw1, sw2):
        _synced(laptop)
    with tm.db.reading() as s:  # the supervisor holds every copy
        held = s.query(RecordDocument).filter(RecordDocument.record_id.in_([gid, *attendance_ids]))
        assert {d.record_id for d in held} == {gid, *attendance_ids}
        assert group_document_for(s, gid, tm_id) is not None
    for laptop, me in ((sw1, sw1_id), (sw2, sw2_id)):  # each attendee only their own
        with laptop.db.reading() as s:
            copies = s.query(RecordDocument).filter(RecordDocument.record_id.in_([gid, *attendance_ids]))
            assert {d.record_id for d in copies} == {
                a.id for a in s.query(GroupAttendance).filter_by(group_session_id=gid, attendee_id=me)}
            assert group_document_for(s, gid, me) is not None

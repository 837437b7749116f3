"""A group action's status through a real server process (issue 21): after the group is
signed and locked, its owner marks it done on their own laptop and the supervisor's laptop
receives it; another attendee's push of the same change, or of a changed description by
the owner, is refused by the server."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from supervision_app.domain.vocabulary import ActionStatus
from supervision_app.records.group_signoff import sign_group_session
from supervision_app.store import group_records as gr
from supervision_app.store.group_models import GroupAction
from supervision_app.store.supervision_records import load_actor
from supervision_app.sync import protocol as p
from tests.sync import records as r
from tests.sync.raw_push import push_raw, stored_record
from tests.sync.test_group_supervision_sync import _group, _synced


def test_owner_marks_a_locked_group_action_done_and_it_reaches_the_supervisor(deployment, laptops):
    org = deployment.org
    tm, sw1, sw2 = laptops("tm_a"), laptops("sw_a1"), laptops("sw_a2")
    tm_id, sw1_id, sw2_id = org.ids["tm_a"], org.ids["sw_a1"], org.ids["sw_a2"]
    gid, actions = _group(tm, tm_id, [sw1_id, sw2_id])
    sign_group_session(tm.db, r.credentials(tm), group_id=gid, signer_id=tm_id)
    _synced(tm)
    for laptop, me in ((sw1, sw1_id), (sw2, sw2_id)):
        _synced(laptop)
        sign_group_session(laptop.db, r.credentials(laptop), group_id=gid, signer_id=me)
        _synced(laptop)
    _synced(sw1)
    with sw1.db.transaction() as s:
        gr.set_group_action_status(s, load_actor(s, sw1_id), actions[sw1_id], ActionStatus.DONE)
    _synced(sw1)
    _synced(tm)
    action = r.get(tm, GroupAction, actions[sw1_id])
    assert (action.status, action.closed_at is not None) == ("done", True)

    # hostile: another attendee closes someone else's action; the owner rewords theirs
    stored = stored_record(deployment, actions[sw1_id])
    data = json.loads(stored.data)
    row = {"table": "group_action", "id": actions[sw1_id], "version": stored.version + 1,
           "updated_at": p.format_datetime(datetime.now(timezone.utc)), "updated_by": None, "tombstone": False}
    [result] = push_raw(deployment, sw2, (stored.version, {**row, "data": {**data, "status": "open"}}))
    assert result["status"] == "rejected", result
    [result] = push_raw(deployment, sw1, (stored.version, {**row, "data": {**data, "description": "x"}}))
    assert result["status"] == "rejected", result
    assert json.loads(stored_record(deployment, actions[sw1_id]).data)["status"] == "done"

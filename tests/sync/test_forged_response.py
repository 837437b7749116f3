"""A supervisor cannot forge the supervisee's response to get round the rule that their own
signature waits for it (DESIGN.md §3.3): a record that first reaches the server already
holding a response is refused unless the supervisee sent it. Before the fix a new row was
checked only for CREATE, so the forged 'agrees' was stored."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from supervision_app.store import models as m
from supervision_app.store.outbox import snapshot
from supervision_app.sync import protocol as p
from tests.sync import records as r
from tests.sync.raw_push import push_raw, stored_record


def test_a_new_record_arriving_with_a_response_written_by_its_supervisor_is_refused(deployment, laptops):
    org = deployment.org
    manager = laptops("tm_a")
    sid = r.new_session(manager, supervisor=org.ids["tm_a"], supervisee=org.ids["sw_a1"], team=org.teams["A"])
    with manager.db.reading() as s:
        row = snapshot(s.get(m.SupervisionSession, sid))
    forged = json.loads(json.dumps(row))
    forged["data"]["state"] = "shared"
    forged["data"]["shared_at"] = p.format_datetime(datetime.now(timezone.utc))
    forged["data"]["supervisee_agreement"] = "agrees"
    forged["data"]["supervisee_comments"] = "Agreed with everything."

    [result] = push_raw(deployment, manager, (0, forged))

    assert result["status"] == "rejected", result
    assert stored_record(deployment, sid) is None


def test_the_same_record_without_a_response_is_stored(deployment, laptops):
    org = deployment.org
    manager = laptops("tm_a")
    sid = r.new_session(manager, supervisor=org.ids["tm_a"], supervisee=org.ids["sw_a1"], team=org.teams["A"])
    with manager.db.reading() as s:
        row = snapshot(s.get(m.SupervisionSession, sid))

    [result] = push_raw(deployment, manager, (0, row))

    assert result["status"] == "applied", result
    assert stored_record(deployment, sid) is not None

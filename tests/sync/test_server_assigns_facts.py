"""Issue 16 findings 1 and 2: the server takes a record's team from its own staff directory
and numbers versions itself. Each attack is pushed raw with a real token, as a hostile
laptop would; each was applied by the server before the fix."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

from sqlalchemy import text

from supervision_app.store import models as m
from supervision_app.store.outbox import snapshot
from supervision_app.sync import protocol as p
from tests.sync import records as r
from tests.sync.raw_push import push_raw, stored_record


def test_attack_a_manager_cannot_write_records_for_another_team_s_worker_by_naming_their_own_team(deployment, laptops):
    org = deployment.org
    attacker = laptops("tm_b")
    # written on the attacker's laptop (its store does not stop a hostile laptop) and pushed raw
    sid = r.new_session(attacker, supervisor=org.ids["tm_b"], supervisee=org.ids["sw_a1"], team=org.teams["B"])
    with attacker.db.reading() as s:
        row = snapshot(s.get(m.SupervisionSession, sid))
    shared = json.loads(json.dumps(row))
    shared["id"] = str(uuid.uuid4())
    shared["data"]["state"] = "shared"
    shared["data"]["shared_at"] = p.format_datetime(datetime.now(timezone.utc))
    for attempt in (row, shared):
        [result] = push_raw(deployment, attacker, (0, attempt))
        assert result["status"] == "rejected", result
        assert "own team in the staff directory" in result["reason"]
        assert stored_record(deployment, attempt["id"]) is None
    # naming the worker's real team does not help either: that team is not theirs
    row["data"]["team_id"] = org.teams["A"]
    [result] = push_raw(deployment, attacker, (0, row))
    assert result["status"] == "rejected" and stored_record(deployment, row["id"]) is None
    # the worker's own manager writes for them as before
    manager = laptops("tm_a")
    sid = r.shared_session(manager, org)
    assert manager.client.sync().rejected == 0
    assert json.loads(stored_record(deployment, sid).data)["team_id"] == org.teams["A"]


def test_attack_a_huge_version_cannot_stop_another_laptop_s_sync(deployment, laptops):
    org = deployment.org
    manager, worker = laptops("tm_a"), laptops("sw_a1")
    sid = r.shared_session(manager, org)
    manager.client.sync()
    worker.client.sync()
    r.respond(worker, org.ids["sw_a1"], sid)
    with worker.db.reading() as s:
        response = snapshot(s.get(m.SupervisionSession, sid))
    base = response["version"] - 1
    response["version"] = 2**31 - 1  # what the laptop claims
    [result] = push_raw(deployment, worker, (base, response))
    assert result["status"] == "applied", result
    assert result["row"]["version"] == base + 1 and stored_record(deployment, sid).version == base + 1
    worker.client.sync()  # the laptop takes the server's numbering
    assert r.get(worker, m.SupervisionSession, sid).version == base + 1
    assert worker.client.status().pending_changes == 0

    # the manager's laptop goes on: signs, writes a new record, and everything is sent
    manager.client.sync()
    r.sign_session(manager, org.ids["tm_a"], sid)
    unrelated = r.new_session(manager, supervisor=org.ids["tm_a"], supervisee=org.ids["sw_a2"],
                              team=org.teams["A"])
    report = manager.client.sync()
    assert report.rejected == 0 and report.conflicts == 0
    assert stored_record(deployment, sid).version == base + 2
    assert stored_record(deployment, unrelated) is not None


def test_a_row_changed_twice_in_one_transaction_is_one_version_step(deployment, laptops):
    org = deployment.org
    laptop = laptops("tm_a")
    sid = r.new_session(laptop, supervisor=org.ids["tm_a"], supervisee=org.ids["sw_a1"], team=org.teams["A"])
    assert laptop.client.sync().applied == 1
    with laptop.db.transaction() as s:
        row = s.get(m.SupervisionSession, sid)
        row.learning = "first"
        s.flush()
        row.learning = "second"
        row.version += 1  # a write path that bumps the version itself
        s.flush()
    with laptop.db.reading() as s:
        entries = s.execute(text("select base_version, version from sync_outbox")).all()
    assert entries == [(1, 2)] and r.get(laptop, m.SupervisionSession, sid).version == 2
    assert laptop.client.sync().applied == 1
    assert stored_record(deployment, sid).version == 2

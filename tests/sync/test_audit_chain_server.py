"""The server recomputes each laptop's audit chain from the entries every anchor carries
(issue 16 finding 4): a laptop whose log was rewritten by someone holding its key (the
append-only triggers dropped, raw SQL, as an attacker would) raises an alarm at its next
sync naming the laptop, the person and the entry; a clean laptop never does, and a quiet
sync sends no entries."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import text

from supervision_app.security.audit_chain import GENESIS_HASH, link_hash
from supervision_app.store import queries
from supervision_app.store.audit_log import read_links
from supervision_app.store.supervision_records import load_actor
from supervision_app.sync.client import SyncError
from tests.sync.harness import REPO, Laptop


def _view_child(laptop, times: int) -> None:
    """The person opens a child's chronology ``times`` times: each view is audited."""
    staff_id = _staff(laptop)
    child = _child(laptop)
    with laptop.db.transaction() as s:
        actor = load_actor(s, staff_id)
        for _ in range(times):
            queries.child_chronology(s, actor, child)


def _staff(laptop) -> str:
    with laptop.db.reading() as s:
        return s.execute(text("select value from sync_state where key = 'staff_id'")).scalar()


def _child(laptop) -> str:
    with laptop.db.reading() as s:
        return s.execute(text("select id from child where case_id = 'CASE-B'")).scalar()


def _log(laptop) -> list[tuple]:
    raw = laptop.db.engine.raw_connection()
    try:
        return list(read_links(raw.cursor()))
    finally:
        raw.close()


def _tamper(laptop, *statements: str, params: list[tuple] | None = None) -> None:
    """What someone with the database key does: drop the append-only triggers, rewrite."""
    raw = laptop.db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
        cur.execute("DROP TRIGGER IF EXISTS audit_entry_no_delete")
        for statement in statements:
            cur.execute(statement)
        for statement, values in params or []:
            cur.execute(statement, values)
        raw.commit()
    finally:
        raw.close()


def _alarms(deployment, laptop) -> list[str]:
    with deployment.engine.connect() as conn:
        return [row[0] for row in conn.execute(
            text("select detail from audit_alarm where device_id = :d order by id"),
            {"d": laptop.client.device_id()})]


def _anchored(laptops):
    """A team manager's laptop whose log (more than a handful of entries) is anchored."""
    laptop = laptops("tm_b")
    _view_child(laptop, 4)
    assert laptop.client.sync().audit_status == "anchored"
    head = _log(laptop)[-1][0]
    assert head >= 5
    return laptop, head


def _assert_alarm_names(deployment, laptop, seq: int, words: str) -> None:
    alarms = _alarms(deployment, laptop)
    assert len(alarms) == 1, alarms
    assert laptop.client.device_id() in alarms[0]
    assert deployment.org.ids["tm_b"] in alarms[0]
    assert f"entry {seq}:" in alarms[0] and words in alarms[0]
    assert "audit log" in laptop.client.status().audit_alarm


def test_changing_an_entry_before_the_last_anchor_is_caught(deployment, laptops):
    laptop, _head = _anchored(laptops)
    _tamper(laptop, "UPDATE audit_entry SET record_id = 'another-child' WHERE seq = 2")
    _view_child(laptop, 1)
    assert laptop.client.sync().audit_status == "mismatch"
    _assert_alarm_names(deployment, laptop, 2, "changed")


def test_deleting_an_entry_before_the_last_anchor_is_caught(deployment, laptops):
    laptop, _head = _anchored(laptops)
    _tamper(laptop, "DELETE FROM audit_entry WHERE seq = 3")
    _view_child(laptop, 1)
    assert laptop.client.sync().audit_status == "mismatch"
    _assert_alarm_names(deployment, laptop, 3, "deleted")


def test_deleting_entries_not_yet_anchored_is_caught(deployment, laptops):
    laptop, head = _anchored(laptops)
    _view_child(laptop, 4)
    _tamper(laptop, f"DELETE FROM audit_entry WHERE seq IN ({head + 2}, {head + 3})")
    assert laptop.client.sync().audit_status == "mismatch"
    _assert_alarm_names(deployment, laptop, head + 2, "missing")


@pytest.mark.parametrize("action", ["'export'", "'ex' || char(0) || 'port'", "printf('%.90c', 'x')"])
def test_changing_an_entry_not_yet_anchored_is_caught(deployment, laptops, action):
    laptop, head = _anchored(laptops)
    _view_child(laptop, 3)
    _tamper(laptop, f"UPDATE audit_entry SET action = {action} WHERE seq = {head + 2}")
    assert laptop.client.sync().audit_status == "mismatch"
    _assert_alarm_names(deployment, laptop, head + 2, "altered")


def test_a_consistent_rewrite_of_the_whole_log_is_caught(deployment, laptops):
    laptop, head = _anchored(laptops)
    # entry 2 is changed and every hash after it recomputed: the log checks out on its own
    rewritten, prev = [], GENESIS_HASH
    for seq, at, actor, action, kind, record_id, _prev, _hash in _log(laptop):
        if seq == 2:
            record_id = "another-child"
        digest = link_hash(seq=seq, at=at, actor_id=actor, action=action, record_kind=kind,
                           record_id=record_id, prev_hash=prev)
        rewritten.append(("UPDATE audit_entry SET record_id = ?, prev_hash = ?, entry_hash = ? "
                          "WHERE seq = ?", (record_id, prev, digest, seq)))
        prev = digest
    _tamper(laptop, params=rewritten)
    _view_child(laptop, 1)
    assert laptop.client.sync().audit_status == "mismatch"
    _assert_alarm_names(deployment, laptop, head, "differs from the one anchored")


def test_forgetting_what_was_anchored_does_not_hide_a_change(deployment, laptops):
    laptop, _head = _anchored(laptops)
    _tamper(laptop, "UPDATE audit_entry SET record_id = 'another-child' WHERE seq = 4",
            "DELETE FROM sync_state WHERE key IN ('audit_anchor_acked', 'audit_anchor_pending')")
    _view_child(laptop, 1)
    assert laptop.client.sync().audit_status == "mismatch"
    _assert_alarm_names(deployment, laptop, 4, "changed")


def test_a_clean_laptop_raises_no_alarm_and_a_quiet_sync_sends_no_entries(deployment, laptops):
    laptop = laptops("tm_b")
    sent: list[dict] = []

    def remember(request) -> None:
        if request.url.path == "/v1/push":
            sent.append(json.loads(request.read())["audit_head"])

    laptop.client.http.event_hooks["request"].append(remember)
    for views in (3, 2, 1):
        _view_child(laptop, views)
        sent.clear()
        assert laptop.client.sync().audit_status == "anchored"
        assert [e["seq"] for e in sent[0]["entries"]][-views:] == [s[0] for s in _log(laptop)][-views:]
    laptop.client.sync()  # anchors what the last pull appended, if anything
    for _ in range(3):  # nothing appended since: quiet syncs send the head only
        sent.clear()
        assert laptop.client.sync().audit_status == "anchored"
        assert sent[0]["entries"] == [] and sent[0]["recheck"] is None
    assert _alarms(deployment, laptop) == []
    with deployment.engine.connect() as conn:
        held = conn.execute(text("select count(*) from audit_copy where device_id = :d"),
                            {"d": laptop.client.device_id()}).scalar()
    assert held == len(_log(laptop))


def test_an_alarm_is_raised_once_however_often_the_laptop_syncs(deployment, laptops):
    laptop, _head = _anchored(laptops)
    _tamper(laptop, "UPDATE audit_entry SET action = 'export' WHERE seq = 2")
    for _ in range(3):
        _view_child(laptop, 1)
        assert laptop.client.sync().audit_status == "mismatch"
    assert len(_alarms(deployment, laptop)) == 1


def _check_audit(deployment, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "supervision_app.sync.server.cli", "--database-url",
         deployment.database_url, "check-audit", *args],
        capture_output=True, text=True, cwd=REPO, env=dict(os.environ), timeout=120)


def test_check_audit_recomputes_the_stored_chains(deployment, laptops):
    laptop, _head = _anchored(laptops)
    device = laptop.client.device_id()
    clean = _check_audit(deployment, "--device", device)
    assert clean.returncode == 0, clean.stderr
    assert "no break" in clean.stdout
    with deployment.engine.begin() as conn:
        conn.execute(text("update audit_copy set action = 'export' where device_id = :d and seq = 3"),
                     {"d": device})
    broken = _check_audit(deployment, "--device", device)
    assert broken.returncode == 1
    assert device in broken.stdout and "entry 3" in broken.stdout
    assert deployment.org.ids["tm_b"] in broken.stdout


def test_lost_and_late_answers_raise_no_alarm(deployment, tmp_path, memory_keyring):
    laptop = Laptop(tmp_path / "faulty-network", deployment.url, "tm_b", faulty=True)
    try:
        for fault in ("lose_answer", "hold", "duplicate", "drop"):
            _view_child(laptop, 3)
            laptop.transport.plan = ("/v1/push", fault)
            try:
                laptop.client.sync()
            except SyncError:
                pass  # the laptop saw the network fail; it tries again
            _view_child(laptop, 1)
            laptop.client.sync()
        assert laptop.client.sync().audit_status == "anchored"
        assert _alarms(deployment, laptop) == []
        with deployment.engine.connect() as conn:
            held = conn.execute(text("select count(*) from audit_copy where device_id = :d"),
                                {"d": laptop.client.device_id()}).scalar()
        assert held == len(_log(laptop))
    finally:
        laptop.close()

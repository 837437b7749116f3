"""Access that changes (role, team, allocation) takes effect at the next sync and the
laptop removes what it may no longer hold; the audit chain head is anchored; two server
processes on one PostgreSQL serve the same laptops."""
from __future__ import annotations

import threading
from datetime import datetime

import pytest
from sqlalchemy import text

from supervision_app.store import models as m
from supervision_app.sync.server import directory
from tests.sync import records as r
from tests.sync.harness import Laptop, ServerProcess
from tests.sync.laptop_state import laptop_state


def test_losing_a_service_area_removes_its_records_at_the_next_sync(deployment, laptops):
    org = deployment.org
    tm = laptops("tm_a")
    sid = r.new_session(tm, supervisor=org.ids["tm_a"], supervisee=org.ids["sw_a1"], team=org.teams["A"])
    r.add_discussion(tm, sid, org.children["a"])
    tm.client.sync()
    sm = laptops("sm")
    assert r.get(sm, m.SupervisionSession, sid) is not None
    assert r.get(sm, m.Child, org.children["b"]) is not None
    with deployment.engine.begin() as conn:
        directory.set_service_area_manager(conn, org.area, None)
    try:
        report = sm.client.sync()
        assert report.removed >= 3
        assert r.get(sm, m.SupervisionSession, sid) is None
        assert r.get(sm, m.Child, org.children["b"]) is None
        assert r.get(sm, m.Staff, org.ids["sw_a1"]) is not None  # the directory stays
    finally:
        with deployment.engine.begin() as conn:
            directory.set_service_area_manager(conn, org.area, org.ids["sm"])
    sm.client.sync()
    assert r.get(sm, m.SupervisionSession, sid) is not None  # and comes back with access


def test_reallocating_a_child_moves_it_between_laptops(deployment, laptops):
    org = deployment.org
    with deployment.engine.begin() as conn:
        child = directory.add_child(conn, "CASE-MOVE", "Moving Child",
                                    datetime(2014, 1, 1).date(), "child_looked_after", org.ids["sw_a2"])
    old, new = laptops("sw_a2"), laptops("sw_b1")
    assert r.get(old, m.Child, child) is not None and r.get(new, m.Child, child) is None
    with deployment.engine.begin() as conn:
        directory.reallocate_child(conn, child, org.ids["sw_b1"])
    old.client.sync()
    new.client.sync()
    assert r.get(old, m.Child, child) is None
    assert r.get(new, m.Child, child) is not None


def test_a_rewritten_local_audit_log_is_detected(deployment, laptops):
    laptop = laptops("tm_b")
    assert laptop.client.sync().audit_status == "anchored"
    assert laptop.client.sync().audit_status == "anchored"
    with laptop.db.reading() as s:
        assert s.execute(text("select count(*) from audit_entry")).scalar() >= 1
    # someone with the database key rewrites history (the triggers have to go first)
    raw = laptop.db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("DROP TRIGGER audit_entry_no_update")
        cur.execute("DROP TRIGGER audit_entry_no_delete")
        cur.execute("DELETE FROM audit_entry")
        raw.commit()
    finally:
        raw.close()
    report = laptop.client.sync()
    assert report.audit_status == "mismatch"
    assert "audit log" in laptop.client.status().audit_alarm
    with deployment.engine.connect() as conn:
        assert conn.execute(text("select count(*) from audit_alarm")).scalar() >= 1


def test_two_server_processes_on_one_database(deployment, tmp_path, laptops):
    if deployment.backend != "postgresql":
        pytest.skip("several server processes share one PostgreSQL in production")
    second = ServerProcess(deployment.database_url, tmp_path / "second.log").start()
    try:
        org = deployment.org
        ones = [laptops("tm_b"), laptops("tm_b"), laptops("tm_b")]
        other = Laptop(tmp_path / "via-second", second.url, "tm_b")
        ones.append(other)
        created: list[str] = []
        lock = threading.Lock()

        def work(laptop: Laptop, n: int) -> None:
            for i in range(n):
                sid = r.new_session(laptop, supervisor=org.ids["tm_b"], supervisee=org.ids["sw_b1"],
                                    team=org.teams["B"], learning=f"{id(laptop)}-{i}")
                with lock:
                    created.append(sid)
                # each laptop alternates between the two servers
                laptop.client.http.base_url = second.url if i % 2 else deployment.url
                laptop.client.sync()

        threads = [threading.Thread(target=work, args=(laptop, 6)) for laptop in ones]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for laptop in ones:
            laptop.client.sync()
        states = [laptop_state(laptop) for laptop in ones]
        assert all(state == states[0] for state in states)
        assert set(created) <= set(states[0])
        with deployment.engine.connect() as conn:
            seqs = [row[0] for row in conn.execute(text("select seq from record"))]
        assert len(seqs) == len(set(seqs))
        other.close()
    finally:
        second.stop()

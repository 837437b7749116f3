"""Issue 16 (bench_push): a record's parts are sent to laptops again only when the record's
move changes who may hold them. Through a real server process and laptops:

* the supervisor's and the worker's signatures on a record they both keep change no
  part's readers: the parts keep their sequence numbers (no laptop is sent them again),
  while the facts the server keeps for them follow the record (its later decisions read
  them);
* withdrawing a shared record to draft takes its parts off the worker's laptop, and
  sharing it again brings them back;
* a supervisor whose worker has moved to another team holds the record only until they
  sign it: signing takes the record and every part of it off their laptop, and the new
  manager keeps them.
"""
from __future__ import annotations

import json

from sqlalchemy import select

from supervision_app.store import models as m, supervision_records as sr
from supervision_app.sync.server.schema import record, sequence
from tests.sync import records as r
from tests.sync.test_signatures_after_move import admin, synced

PART_MODELS = (m.CaseDiscussion, m.ActionItem)


def server_parts(deployment, sid: str) -> dict[str, tuple[int, dict]]:
    """The record's parts on the server: id -> (sequence number, stored facts)."""
    with deployment.engine.connect() as conn:
        return {rec.id: (rec.seq, json.loads(rec.auth)) for rec in conn.execute(
            select(record.c.id, record.c.seq, record.c.auth).where(
                record.c.parent_id == sid,
                record.c.table_name.in_(("case_discussion", "action_item"))))}


def server_sequence(deployment) -> int:
    with deployment.engine.connect() as conn:
        return conn.execute(select(sequence.c.value)).scalar_one()


def sent_since(deployment, sid: str, after: int) -> set[str]:
    """Tables of the record's rows (the record and what is built on it) stamped after ``after``."""
    with deployment.engine.connect() as conn:
        return set(conn.execute(select(record.c.table_name).where(
            (record.c.id == sid) | (record.c.parent_id == sid), record.c.seq > after)).scalars())


def held_parts(laptop, sid: str) -> int:
    with laptop.db.reading() as s:
        return sum(len(s.scalars(select(model).where(model.session_id == sid)).all()) for model in PART_MODELS)


def test_signatures_that_change_no_readers_send_no_part_again(deployment, laptops):
    org = deployment.org
    tm, sw = laptops("tm_a"), laptops("sw_a1")
    sid = r.shared_session(tm, org)
    synced(tm, sw)
    r.respond(sw, org.ids["sw_a1"], sid)
    synced(sw, tm)
    assert held_parts(sw, sid) == held_parts(tm, sid) == 3
    before = server_parts(deployment, sid)
    assert len(before) == 3
    assert {facts["parent"]["state"] for _seq, facts in before.values()} == {"shared"}

    # the supervisor signs: the record, its signature and signed copy travel, and its case
    # discussion, which a child's new readers hold without the record and which says how far
    # the record is signed (DESIGN.md §1.1, third bullet); no other part travels
    mark = server_sequence(deployment)
    r.sign_session(tm, org.ids["tm_a"], sid)
    synced(tm)
    assert sent_since(deployment, sid, mark) == {"supervision_session", "signature", "record_document",
                                                 "case_discussion"}
    after = server_parts(deployment, sid)
    assert {row_id: seq for row_id, (seq, f) in after.items() if f["k"] != "cd"} == {
        row_id: seq for row_id, (seq, f) in before.items() if f["k"] != "cd"}
    assert {f["k"] for _seq, f in before.values()} == {"cd", "act"}  # both kinds were compared
    # ... while the facts the server decides by follow the record
    assert {facts["parent"]["state"] for _seq, facts in after.values()} == {"supervisor_signed"}
    synced(sw)
    assert r.get(sw, m.SupervisionSession, sid).state == "supervisor_signed"
    assert held_parts(sw, sid) == 3

    # the worker signs: locked, still the same readers
    mark = server_sequence(deployment)
    r.sign_session(sw, org.ids["sw_a1"], sid)
    synced(sw)
    assert "action_item" not in sent_since(deployment, sid, mark)
    assert {facts["parent"]["state"] for _seq, facts in server_parts(deployment, sid).values()} == {"locked"}
    synced(tm)
    assert r.get(tm, m.SupervisionSession, sid).state == "locked"
    assert held_parts(tm, sid) == 3


def test_withdrawing_and_sharing_again_moves_the_parts(deployment, laptops):
    org = deployment.org
    tm, sw = laptops("tm_a"), laptops("sw_a1")
    sid = r.shared_session(tm, org)
    synced(tm, sw)
    assert held_parts(sw, sid) == 3

    with tm.db.transaction() as s:
        sr.withdraw_session(s, sr.load_actor(s, org.ids["tm_a"]), sid)
    synced(tm)
    report = sw.client.sync()
    assert report.removed >= 4  # the record and its three parts
    assert r.get(sw, m.SupervisionSession, sid) is None
    assert held_parts(sw, sid) == 0
    assert held_parts(tm, sid) == 3

    r.share(tm, org.ids["tm_a"], sid)
    synced(tm, sw)
    assert r.get(sw, m.SupervisionSession, sid).state == "shared"
    assert held_parts(sw, sid) == 3


def test_a_moved_workers_old_manager_loses_the_parts_when_their_signature_ends_the_hold(
        deployment, laptops):
    # last in this module: it moves sw_a1 to Team B on the module's server
    org = deployment.org
    tm_a, worker = laptops("tm_a"), laptops("sw_a1")
    sid = r.shared_session(tm_a, org)
    synced(tm_a, worker)
    r.respond(worker, org.ids["sw_a1"], sid)
    synced(worker, tm_a)

    admin(deployment, "move-user", "sw_a1", "Team B")
    tm_b = laptops("tm_b")
    synced(tm_a, worker, tm_b)
    # the record waits for its supervisor, so they keep it; the new manager holds it too
    assert held_parts(tm_a, sid) == held_parts(tm_b, sid) == 3

    r.sign_session(tm_a, org.ids["tm_a"], sid)
    synced(tm_a, tm_a, worker, tm_b)
    assert r.get(tm_a, m.SupervisionSession, sid) is None
    assert held_parts(tm_a, sid) == 0
    assert r.get(tm_b, m.SupervisionSession, sid).state == "supervisor_signed"
    assert held_parts(tm_b, sid) == held_parts(worker, sid) == 3

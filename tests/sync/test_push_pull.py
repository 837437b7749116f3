"""Push and pull between laptops through a real server: exactly once, cursors, paging,
tombstones, conflicts, locks."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

import httpx
import pytest
from sqlalchemy import text

from supervision_app.store import models as m
from supervision_app.store.supervision_records import load_actor, resolve_disagreement
from supervision_app.sync import protocol as p
from tests.sync import records as r
from tests.sync.harness import PASSWORD, utc


def test_session_reaches_the_supervisor_s_other_laptop_and_the_supervisee_only_when_shared(deployment, laptops):
    org = deployment.org
    one, two, worker = laptops("tm_a"), laptops("tm_a"), laptops("sw_a1")
    sid = r.new_session(one, supervisor=org.ids["tm_a"], supervisee=org.ids["sw_a1"],
                        team=org.teams["A"], learning="reflective practice", wellbeing="private words")
    did = r.add_discussion(one, sid, org.children["a"])
    report = one.client.sync()
    assert report.applied == 2 and report.conflicts == 0 and report.rejected == 0
    two.client.sync()
    assert r.get(two, m.SupervisionSession, sid).learning == "reflective practice"
    assert r.get(two, m.CaseDiscussion, did) is not None
    worker.client.sync()
    assert r.get(worker, m.SupervisionSession, sid) is None  # a draft is not shared yet
    assert r.get(worker, m.CaseDiscussion, did) is None
    r.share(one, org.ids["tm_a"], sid)
    one.client.sync()
    worker.client.sync()
    held = r.get(worker, m.SupervisionSession, sid)
    assert held is not None and held.state == "shared" and held.wellbeing == "private words"
    assert r.get(worker, m.CaseDiscussion, did) is not None  # the parts came with it


def test_retried_push_is_applied_once(deployment, laptops):
    org = deployment.org
    one = laptops("tm_a")
    sid = r.new_session(one, supervisor=org.ids["tm_a"], supervisee=org.ids["sw_a2"], team=org.teams["A"])
    with one.db.reading() as s:
        entries = s.execute(text("select mutation_id from sync_outbox")).all()
    assert len(entries) == 1
    first = one.client.push()
    assert first.applied == 1
    # deliver the same mutation again, twice, as a retry after a lost answer would
    from supervision_app.store.outbox import snapshot
    from supervision_app.sync import protocol as p
    with one.db.reading() as s:
        row = snapshot(s.get(m.SupervisionSession, sid))
    mutation = p.Mutation(mutation_id=entries[0][0], base_version=0, row=p.Row.model_validate(row))
    request = p.PushRequest(device_id=one.client.device_id(), mutations=[mutation, mutation])
    token = one.client.secrets.get("sync-token")
    import httpx
    answer = httpx.post(f"{deployment.url}/v1/push", content=request.model_dump_json(),
                        headers={"Authorization": f"Bearer {token}"}).json()
    assert [res["status"] for res in answer["results"]] == ["duplicate", "duplicate"]
    with deployment.engine.connect() as conn:
        assert conn.execute(text("select version from record where id = :i"), {"i": sid}).scalar() == 1


def test_paging_cursor_and_tombstones(deployment, laptops):
    org = deployment.org
    one, two = laptops("tm_b"), laptops("tm_b")
    two.client.page_size = 7
    sid = r.new_session(one, supervisor=org.ids["tm_b"], supervisee=org.ids["sw_b1"], team=org.teams["B"])
    ids = [r.add_action(one, sid, org.ids["sw_b1"], description=f"action {i}") for i in range(30)]
    one.client.sync()
    report = two.client.sync()
    assert report.pages >= 5
    assert set(ids) <= set(r.rows(two, m.ActionItem))
    r.edit(one, m.ActionItem, ids[0], tombstone=True)
    one.client.sync()
    again = two.client.sync()
    assert r.get(two, m.ActionItem, ids[0]).tombstone is True
    assert again.pulled >= 1
    quiet = two.client.sync()
    assert quiet.pulled == 0 and quiet.pushed == 0


def test_draft_edited_on_two_laptops_keeps_both_versions(deployment, laptops):
    org = deployment.org
    one, two = laptops("tm_a"), laptops("tm_a")
    sid = r.new_session(one, supervisor=org.ids["tm_a"], supervisee=org.ids["sw_a1"], team=org.teams["A"])
    one.client.sync()
    two.client.sync()
    r.edit(one, m.SupervisionSession, sid, learning="from laptop one")
    r.edit(two, m.SupervisionSession, sid, learning="from laptop two")
    one.client.sync()
    report = two.client.sync()
    assert report.conflicts == 1
    assert r.get(two, m.SupervisionSession, sid).learning == "from laptop one"  # the server's
    [conflict] = two.client.pending_conflicts()
    assert conflict.local["data"]["learning"] == "from laptop two"
    assert conflict.server["data"]["learning"] == "from laptop one"
    two.client.resolve_conflict(conflict.id, keep="mine")
    two.client.sync()
    one.client.sync()
    assert r.get(one, m.SupervisionSession, sid).learning == "from laptop two"
    assert two.client.pending_conflicts() == []


def test_server_refuses_to_change_a_locked_record(deployment, laptops):
    org = deployment.org
    boss, worker, other = laptops("tm_a"), laptops("sw_a2"), laptops("tm_a")
    sid = r.new_session(boss, supervisor=org.ids["tm_a"], supervisee=org.ids["sw_a2"], team=org.teams["A"])
    r.share(boss, org.ids["tm_a"], sid)
    boss.client.sync()
    other.client.sync()
    worker.client.sync()
    r.respond(worker, org.ids["sw_a2"], sid)
    worker.client.sync()
    boss.client.sync()
    r.sign_session(boss, org.ids["tm_a"], sid)
    boss.client.sync()
    worker.client.sync()
    r.sign_session(worker, org.ids["sw_a2"], sid)
    assert worker.client.sync().applied == 3  # the lock, the signature and the signed PDF
    boss.client.sync()
    assert r.get(boss, m.SupervisionSession, sid).state == "locked"
    # the other laptop still thinks it is shared and edits it: refused, and the laptop
    # takes the locked version while keeping what was typed
    r.edit(other, m.SupervisionSession, sid, learning="too late")
    report = other.client.sync()
    assert report.rejected == 1
    held = r.get(other, m.SupervisionSession, sid)
    assert held.state == "locked" and held.learning == ""
    [conflict] = other.client.pending_conflicts()
    assert conflict.kind == "rejected" and "locked" in conflict.reason
    assert conflict.local["data"]["learning"] == "too late"


def test_a_disagreement_resolution_reaches_those_who_see_the_record_and_cannot_change(deployment, laptops):
    org = deployment.org
    boss, worker = laptops("tm_a"), laptops("sw_a1")
    sid = r.new_session(boss, supervisor=org.ids["tm_a"], supervisee=org.ids["sw_a1"], team=org.teams["A"])
    r.share(boss, org.ids["tm_a"], sid)
    boss.client.sync()
    worker.client.sync()
    r.respond(worker, org.ids["sw_a1"], sid, agrees=False, comments="",
              disagreement="The plan for Child A was not discussed with me")
    assert worker.client.sync().applied == 1
    # the supervisee cannot resolve their own disagreement: refused, and taken off the laptop
    with worker.db.transaction() as s:
        own = m.DisagreementResolution(session_id=sid, resolved_by=org.ids["sw_a1"],
                                       resolved_at=utc(2026, 11, 5, 9), note="I resolved it myself")
        s.add(own)
        s.flush()
        own_id = own.id
    report = worker.client.sync()
    assert report.rejected == 1
    assert r.get(worker, m.DisagreementResolution, own_id) is None
    [conflict] = worker.client.pending_conflicts()
    assert conflict.table == "disagreement_resolution" and "manager above" in conflict.reason
    # the service manager (above the supervisor) records it on their laptop
    manager = laptops("sm")
    with manager.db.transaction() as s:
        rid = resolve_disagreement(s, load_actor(s, org.ids["sm"]), sid, note="Met both; plan agreed")
    assert manager.client.sync().applied == 1
    boss.client.sync()
    worker.client.sync()
    colleague = laptops("sw_a2")
    for laptop in (boss, worker):
        held = r.get(laptop, m.DisagreementResolution, rid)
        assert held.note == "Met both; plan agreed" and held.resolved_by == org.ids["sm"]
        assert held.session_id == sid
    assert r.rows(colleague, m.DisagreementResolution) == {}
    # insert-only on the server too: changing or removing it is refused
    with deployment.engine.connect() as conn:
        data, version = conn.execute(text("select data, version from record where id = :i"),
                                     {"i": rid}).one()
    data = json.loads(data)
    token = manager.client.secrets.get("sync-token")
    mutations = [p.Mutation(mutation_id=str(uuid.uuid4()), base_version=version, row=p.Row(
        table="disagreement_resolution", id=rid, version=version + 1,
        updated_at=datetime.now(timezone.utc), tombstone=tombstone,
        data=dict(data, note="rewritten"))) for tombstone in (False, True)]
    request = p.PushRequest(device_id=manager.client.device_id(), mutations=mutations)
    answer = httpx.post(f"{deployment.url}/v1/push", content=request.model_dump_json(),
                        headers={"Authorization": f"Bearer {token}"})
    assert [result["status"] for result in answer.json()["results"]] == ["rejected", "rejected"]
    with deployment.engine.connect() as conn:
        stored = conn.execute(text("select data, version, tombstone from record where id = :i"),
                              {"i": rid}).one()
    assert json.loads(stored[0])["note"] == "Met both; plan agreed"
    assert stored[1] == version and not stored[2]


def _index(laptop) -> list[tuple]:
    with laptop.db.reading() as s:
        return sorted(s.execute(text(
            "select k.kind, k.record_id, k.section, k.session_id, k.team_id, t.body, t.folded "
            "from search_key k join search_text t on t.rowid = k.rowid")).all())


def test_search_index_after_a_bulk_first_sync_equals_one_built_row_by_row(deployment, laptops, tmp_path):
    if deployment.backend != "sqlite":
        pytest.skip("the laptop's index does not depend on the server's database")
    org = deployment.org
    writer = laptops("tm_a")
    sids, gone = r.write_share(writer, org, sessions=3, discussions=3, addendum=True)
    writer.client.sync()
    # sharing re-stamps the parts before their record: they reach other laptops first
    r.share(writer, org.ids["tm_a"], sids[1])
    writer.client.sync()
    writer.client.sync()

    bulk = laptops()
    bulk.client.bulk_rows = 1  # every page set-based
    bulk.client.login("tm_a", PASSWORD)
    bulk.client.sync()
    row_by_row = laptops()
    row_by_row.client.bulk_rows = 10**9  # the triggers, one row at a time
    row_by_row.client.page_size = row_by_row.client.first_sync_page_size = 5  # and records
    # after their parts, pages apart
    row_by_row.client.login("tm_a", PASSWORD)
    row_by_row.client.sync()

    expected = _index(writer)  # written by the app, each record before its parts
    assert any(row[0] == "case_discussion" and row[4] == org.teams["A"] for row in expected)
    assert not any(row[1] == gone for row in expected)
    assert _index(bulk) == expected
    assert _index(row_by_row) == expected
    # every trigger is back, as it was, after the bulk pages
    with bulk.db.reading() as s:
        kept = set(s.execute(text("select name, sql from sqlite_master where type = 'trigger'")).all())
    with writer.db.reading() as s:
        assert kept == set(s.execute(text("select name, sql from sqlite_master where type = 'trigger'")).all())
    r.edit(bulk, m.SupervisionSession, sids[0], learning="changed after the first sync")
    assert any(row[5] == "changed after the first sync" for row in _index(bulk))

"""Push and pull between laptops through a real server: exactly once, cursors, paging,
tombstones, conflicts, locks."""
from __future__ import annotations

from sqlalchemy import text

from supervision_app.store import models as m
from tests.sync import records as r


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
    r.edit(one, m.SupervisionSession, sid, state="shared")
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
    from supervision_app.sync import protocol as p
    from supervision_app.store.outbox import snapshot
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
    r.edit(boss, m.SupervisionSession, sid, state="shared")
    boss.client.sync()
    other.client.sync()
    r.edit(boss, m.SupervisionSession, sid, state="supervisor_signed")
    boss.client.sync()
    worker.client.sync()
    r.edit(worker, m.SupervisionSession, sid, state="locked")
    assert worker.client.sync().applied == 1
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

"""Issue 16: a push of a row is an edit even when nothing in it changes. Before the fix the
server asked permissions only about the fields that change, so a worker who knew the id of
their manager's draft could push it back unchanged: applied, version + 1, recorded as the
worker's change, and the manager's next edit of their own draft became a conflict.

Someone who may change the row still has an unchanged copy applied as before (version + 1):
the laptop's outbox chains versions (a save that changed nothing, then a real edit, travel
as base -> base + 1 -> base + 2), so acknowledging the first without a version step would
turn the honest edit after it into a conflict."""
from __future__ import annotations

import json

from supervision_app.store import models as m
from supervision_app.store.outbox import snapshot
from tests.sync import records as r
from tests.sync.raw_push import push_raw, stored_record


def _unchanged_copy(deployment, laptop, model, row_id: str) -> tuple[int, dict]:
    """The server's copy of a row, as a laptop would push it back unchanged."""
    with laptop.db.reading() as s:
        row = snapshot(s.get(model, row_id))
    held = stored_record(deployment, row_id)
    row["data"] = json.loads(held.data)
    row["version"] = held.version + 1
    return held.version, row


def test_a_worker_pushing_their_manager_s_draft_back_unchanged_is_refused(deployment, laptops):
    org = deployment.org
    manager, worker = laptops("tm_a"), laptops("sw_a1")
    sid = r.new_session(manager, supervisor=org.ids["tm_a"], supervisee=org.ids["sw_a1"], team=org.teams["A"])
    action = r.add_action(manager, sid, owner=org.ids["tm_a"])
    assert manager.client.sync().rejected == 0
    before = stored_record(deployment, sid)
    [result] = push_raw(deployment, worker, _unchanged_copy(deployment, manager, m.SupervisionSession, sid))
    assert result["status"] == "rejected", result
    assert "may not change this record" in result["reason"]
    assert stored_record(deployment, sid) == before
    held = stored_record(deployment, action)  # an action the manager owns, in the same draft
    [result] = push_raw(deployment, worker, _unchanged_copy(deployment, manager, m.ActionItem, action))
    assert result["status"] == "rejected", result
    assert stored_record(deployment, action) == held
    # the manager is not jammed: their next edit of their own draft is applied
    r.edit(manager, m.SupervisionSession, sid, learning="after the worker's push")
    report = manager.client.sync()
    assert report.rejected == 0 and report.conflicts == 0
    assert stored_record(deployment, sid).version == before.version + 1


def test_an_unchanged_save_then_a_real_change_by_the_supervisee_both_sync(deployment, laptops):
    """The honest case: the supervisee saves their response twice without changing it, then
    adds to it; the unchanged save is theirs to make, so all three reach the server."""
    org = deployment.org
    manager, worker = laptops("tm_a"), laptops("sw_a1")
    sid = r.shared_session(manager, org)
    manager.client.sync()
    worker.client.sync()
    r.respond(worker, org.ids["sw_a1"], sid, comments="Fair.")
    assert worker.client.sync().rejected == 0
    version = stored_record(deployment, sid).version
    r.respond(worker, org.ids["sw_a1"], sid, comments="Fair.")  # nothing changes but the time
    r.respond(worker, org.ids["sw_a1"], sid, comments="Fair. One more thing: the school called.")
    report = worker.client.sync()
    assert report.rejected == 0 and report.conflicts == 0, worker.client.pending_conflicts()
    held = stored_record(deployment, sid)
    assert json.loads(held.data)["supervisee_comments"] == "Fair. One more thing: the school called."
    assert held.version == version + 2

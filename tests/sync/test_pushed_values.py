"""Issue 16: the server checks the values of every pushed row against the domain's
vocabularies and sane ranges (``sync.server.value_check``), as the app's own write paths do.
Before the fix it checked only their shape: a manager's laptop could give a child a date of
birth in 2036 or the legal status "agrees", a session the type "coffee", and a supervisee
could take back the disagreement the record has to keep."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

from supervision_app.store import models as m
from supervision_app.store.outbox import snapshot
from supervision_app.sync.server import directory
from tests.sync import records as r
from tests.sync.raw_push import push_raw, stored_record


def _changed(deployment, laptop, model, row_id: str, **values) -> tuple[int, dict]:
    """The server's copy of a row with ``values`` changed, as a laptop pushes it."""
    with laptop.db.reading() as s:
        row = snapshot(s.get(model, row_id))
    held = stored_record(deployment, row_id)
    row["data"] = json.loads(held.data) | values
    row["version"] = held.version + 1
    return held.version, row


def test_a_child_born_in_2036_is_refused_with_the_reason_and_kept_apart_on_the_laptop(deployment, laptops):
    org = deployment.org
    manager = laptops("tm_a")
    manager.client.sync()
    child = org.children["a"]
    before = stored_record(deployment, child)
    r.edit(manager, m.Child, child, date_of_birth=date(2036, 1, 1))
    report = manager.client.sync()
    assert report.rejected == 1
    [kept] = manager.client.pending_conflicts()
    assert kept.table == "child" and "date of birth" in kept.reason, kept
    assert r.get(manager, m.Child, child).date_of_birth == date(2015, 3, 1)  # the server's again
    assert stored_record(deployment, child) == before
    for values, words in (({"legal_status": "agrees"}, "legal status"), ({"name": "  "}, "name"),
                          ({"date_of_birth": "1900-01-01"}, "date of birth")):
        [result] = push_raw(deployment, manager, _changed(deployment, manager, m.Child, child, **values))
        assert result["status"] == "rejected" and words in result["reason"], (values, result)
        assert "agrees" not in result["reason"]  # the value is not repeated
    assert stored_record(deployment, child) == before
    # a fair correction is applied
    [result] = push_raw(deployment, manager, _changed(deployment, manager, m.Child, child,
                                                      legal_status="child_protection"))
    assert result["status"] == "applied", result


def test_a_value_the_server_already_holds_does_not_block_other_changes(deployment, laptops):
    """A child an administrator added with a birth date the push rules would not take (a
    young adult's): their manager still changes the rest of the row."""
    org = deployment.org
    with deployment.engine.begin() as conn:
        older = directory.add_child(conn, "CASE-OLD", "Older Child", date(1990, 5, 1),
                                    "care_leaver", org.ids["sw_a1"])
    manager = laptops("tm_a")
    manager.client.sync()
    r.edit(manager, m.Child, older, has_pathway_plan=True)
    assert manager.client.sync().rejected == 0
    assert json.loads(stored_record(deployment, older).data)["has_pathway_plan"] is True


def test_session_values_outside_the_domain_are_refused(deployment, laptops):
    org = deployment.org
    manager = laptops("tm_a")
    sid = r.new_session(manager, supervisor=org.ids["tm_a"], supervisee=org.ids["sw_a1"], team=org.teams["A"])
    assert manager.client.sync().rejected == 0
    before = stored_record(deployment, sid)
    future = datetime(2031, 1, 6, 10, tzinfo=timezone.utc).isoformat().replace("+00:00", "Z")
    for values, words in (
        ({"session_type": "coffee"}, "type of session"),
        ({"capacity": "infinite"}, "capacity"),
        ({"caseload_complexity": "extreme"}, "complexity"),
        ({"caseload_count": 9000}, "caseload"),
        ({"held_at": future}, "in the future"),
        ({"held_at": "1999-01-04T10:00:00Z"}, "check the year"),
        ({"next_session_on": "2026-10-01"}, "before the date of the session"),
        ({"learning": "bell\x07"}, "control characters"),
    ):
        [result] = push_raw(deployment, manager, _changed(deployment, manager, m.SupervisionSession, sid, **values))
        assert result["status"] == "rejected" and words in result["reason"], (values, result)
    assert stored_record(deployment, sid) == before
    [result] = push_raw(deployment, manager, _changed(deployment, manager, m.SupervisionSession, sid,
                                                      session_type="group", capacity="at_capacity"))
    assert result["status"] == "applied", result
    # parts of a record too: a reviewed action's status and an oversight note's trigger
    note = r.new_note(manager, child=org.children["a"], author=org.ids["tm_a"], decision="d", rationale="r")
    assert manager.client.sync().rejected == 0
    [result] = push_raw(deployment, manager, _changed(deployment, manager, m.OversightNote, note, trigger="whim"))
    assert result["status"] == "rejected" and "prompted" in result["reason"], result


def test_a_recorded_disagreement_cannot_be_taken_back_or_cut(deployment, laptops):
    org = deployment.org
    manager, worker = laptops("tm_a"), laptops("sw_a1")
    sid = r.shared_session(manager, org)
    manager.client.sync()
    worker.client.sync()
    r.respond(worker, org.ids["sw_a1"], sid, agrees=False, disagreement="The plan for A is not what we agreed.")
    assert worker.client.sync().rejected == 0
    before = stored_record(deployment, sid)
    for values in ({"supervisee_agreement": "agrees", "disagreement": ""},
                   {"disagreement": "The plan"},
                   {"supervisee_agreement": "maybe"}):
        [result] = push_raw(deployment, worker, _changed(deployment, worker, m.SupervisionSession, sid, **values))
        assert result["status"] == "rejected", (values, result)
    assert stored_record(deployment, sid) == before
    # adding to it is how it changes
    [result] = push_raw(deployment, worker, _changed(
        deployment, worker, m.SupervisionSession, sid,
        disagreement="The plan for A is not what we agreed. Also the dates."))
    assert result["status"] == "applied", result

"""Retention on the server (DESIGN.md §3 rule 10), with a real server process and laptops:
the review list, the leaving date that starts a leaver's period, legal hold, deletion refused
when held or not due and asked to be confirmed, deletion of a record with all its parts on
the server and on every laptop that held it at its next sync (and only that record), a late
change to it refused in words, and the audit of it all with ids only, on the server and in
each laptop's own log. The admin commands run as their own processes, as IT runs them."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from supervision_app.domain.retention import RecordKind, Rule, Trigger
from supervision_app.store import models as m
from supervision_app.sync.server import retention
from supervision_app.sync.server.directory import DirectoryError
from supervision_app.sync.server.schema import record
from tests.sync import admin_cli, records
from tests.sync.archiving import settled

CONTENT = ("private words", "reflective log", "school attendance", "keep the plan",
           "attendance is rising", "visit the school", "book the training day")


def cli(deployment, *argv, **kw):
    return admin_cli.run(deployment.database_url, *argv, **kw)


def ok(deployment, *argv, **kw) -> str:
    return admin_cli.ok(deployment.database_url, *argv, **kw)


def js(deployment, *argv, **kw):
    return admin_cli.js(deployment.database_url, *argv, **kw)


def refused(deployment, *argv, **kw) -> str:
    return admin_cli.refused(deployment.database_url, *argv, **kw)


def parts_of(laptop, session_id: str) -> dict[str, set[str]]:
    """Every row of the record on the laptop, by table."""
    with laptop.db.reading() as s:
        return {
            "supervision_session": set(s.scalars(select(m.SupervisionSession.id)
                                                 .where(m.SupervisionSession.id == session_id))),
            "case_discussion": set(s.scalars(select(m.CaseDiscussion.id)
                                             .where(m.CaseDiscussion.session_id == session_id))),
            "action_item": set(s.scalars(select(m.ActionItem.id)
                                         .where(m.ActionItem.session_id == session_id))),
        }


def laptop_audit(laptop) -> list[tuple[str, str, str]]:
    with laptop.db.reading() as s:
        return [(a.action, a.record_kind, a.record_id) for a in s.scalars(select(m.AuditEntry))]


def test_a_leavers_record_is_reviewed_held_released_and_deleted_everywhere(deployment, laptops):
    org = deployment.org
    manager, service_manager = laptops("tm_a"), laptops("sm")
    leaving = records.shared_session(manager, org, supervisee="sw_a2")  # sw_a2 is to leave
    staying = records.shared_session(manager, org, supervisee="sw_a1")
    manager.client.sync()
    service_manager.client.sync()
    before = {lap: parts_of(lap, leaving) for lap in (manager, service_manager)}
    for held in before.values():
        assert held["supervision_session"] and len(held["case_discussion"]) == 1
        assert len(held["action_item"]) == 2

    # still working here: nothing is due; a leaver with no leaving date is named
    assert js(deployment, "retention", "list")["records"] == []
    ok(deployment, "disable-user", "sw_a2")
    listed = js(deployment, "retention", "list")
    assert listed["records"] == [] and listed["leavers_without_date"] == ["sw_a2"]
    ok(deployment, "retention", "leaver", "sw_a2", "--left-on", "2019-03-29")
    listed = js(deployment, "retention", "list")
    assert [(r["id"], r["kind"], r["about"], r["status"], r["due_on"]) for r in listed["records"]] \
        == [(leaving, "supervision_session", "sw_a2", "due", "2025-03-29")]
    everything = {r["id"]: r["status"] for r in js(deployment, "retention", "list", "--all")["records"]}
    assert everything[staying] == "no_date"
    # planning ahead: as it stood the day before it became due
    assert js(deployment, "retention", "list", "--on", "2025-03-28")["records"] == []

    # legal hold: listed as held, never deleted while held
    ok(deployment, "retention", "hold", leaving, "--reason", "Claim 2026/114")
    assert [(r["status"], r["hold_reason"]) for r in js(deployment, "retention", "list")["records"]] \
        == [("on_hold", "Claim 2026/114")]
    said = refused(deployment, "retention", "delete", leaving, "--yes")
    assert "on legal hold" in said and "Nothing was deleted" in said
    assert "already on legal hold" in refused(deployment, "retention", "hold", leaving, "--reason", "x")
    ok(deployment, "retention", "release", leaving, "--reason", "Claim settled")
    assert "not on legal hold" in refused(deployment, "retention", "release", leaving, "--reason", "x")

    # not due, a part named instead of its record, and no confirmation: each refused, nothing deleted
    said = refused(deployment, "retention", "delete", leaving, staying, "--yes")
    assert f"{staying} is not due for deletion: the worker still works here" in said
    discussion = next(iter(before[manager]["case_discussion"]))
    assert f"part of record {leaving}" in refused(deployment, "retention", "delete", discussion, "--yes")
    said = refused(deployment, "retention", "delete", leaving)
    assert "--yes" in said and "1 record and 3 parts" in said
    with deployment.engine.connect() as conn:
        assert conn.execute(select(record.c.data).where(record.c.id == leaving)).scalar() != "{}"

    out = ok(deployment, "retention", "delete", leaving, "--yes")
    assert "Deleted 1 record and 3 parts" in out
    with deployment.engine.connect() as conn:
        gone = conn.execute(select(record.c.id, record.c.data, record.c.tombstone).where(
            record.c.id.in_(set().union(*before[manager].values())))).all()
    assert len(gone) == 4 and all(r.data == "{}" and r.tombstone for r in gone)
    assert "already been deleted" in refused(deployment, "retention", "delete", leaving, "--yes")

    # every laptop that held it removes it and its parts at its next sync; the other record stays
    for lap in (manager, service_manager):
        report = lap.client.sync()
        assert report.removed >= 4
        assert parts_of(lap, leaving) == {"supervision_session": set(), "case_discussion": set(),
                                          "action_item": set()}
        assert parts_of(lap, staying)["supervision_session"] == {staying}
        removed = {(kind, rid) for action, kind, rid in laptop_audit(lap) if action == "sync_remove"}
        assert {(t, i) for t, ids in before[lap].items() for i in ids} <= removed
    # a laptop signed in afterwards never receives it
    fresh = laptops("tm_a")
    assert parts_of(fresh, leaving)["supervision_session"] == set()
    assert parts_of(fresh, staying)["supervision_session"] == {staying}

    # the server's audit: ids and actions only, in an unbroken chain
    log = js(deployment, "retention", "log")
    assert log["chain_broken_at"] is None
    actions = [(e["action"], e["table"], e["id"], e["part_of"]) for e in log["entries"]]
    assert actions[:3] == [("leaver", "staff", org.ids["sw_a2"], None),
                           ("hold", "supervision_session", leaving, None),
                           ("release", "supervision_session", leaving, None)]
    deleted = [a for a in actions if a[0] == "delete"]
    assert deleted[-1] == ("delete", "supervision_session", leaving, None)  # parts first
    assert {(t, i) for _a, t, i, part_of in deleted[:-1] if part_of == leaving} == {
        (t, i) for t, ids in before[manager].items() if t != "supervision_session" for i in ids}
    shown = ok(deployment, "retention", "log") + json.dumps(log)
    for words in CONTENT + ("Claim", "settled"):
        assert words not in shown


def signed_parts(laptop, record_id: str) -> dict[str, set[str]]:
    """The addenda of a record, and the signatures and signed copies of it and its addenda."""
    with laptop.db.reading() as s:
        addenda = set(s.scalars(select(m.Addendum.id).where(m.Addendum.record_id == record_id)))
        of = {record_id, *addenda}
        return {"addendum": addenda,
                "signature": set(s.scalars(select(m.Signature.id).where(m.Signature.record_id.in_(of)))),
                "record_document": set(s.scalars(select(m.RecordDocument.id)
                                                 .where(m.RecordDocument.record_id.in_(of))))}


def test_a_signed_history_goes_whole_with_signatures_and_addenda_and_a_late_change_is_refused(
        deployment, laptops):
    org = deployment.org
    manager, worker = laptops("tm_b"), laptops("sw_b1")
    manager_id, worker_id = org.ids["tm_b"], org.ids["sw_b1"]
    first = records.shared_session(manager, org, supervisor="tm_b", supervisee="sw_b1")
    second = records.shared_session(manager, org, supervisor="tm_b", supervisee="sw_b1")
    with manager.db.reading() as s:  # the second reviews the first's open actions
        assert len(s.scalars(select(m.ActionReview).where(m.ActionReview.session_id == second)).all()) == 2
    manager.client.sync()
    worker.client.sync()
    records.respond(worker, worker_id, first)
    worker.client.sync()
    manager.client.sync()
    records.sign_session(manager, manager_id, first)
    manager.client.sync()
    settled(deployment, first)  # the server time-stamps the offline signature in the background
    worker.client.sync()
    records.sign_session(worker, worker_id, first)
    worker.client.sync()
    settled(deployment, first)  # ... and archives the locked record
    manager.client.sync()
    addendum = records.add_addendum(manager, manager_id, "supervision", first, "a later correction")
    records.sign_addendum(manager, manager_id, addendum)
    manager.client.sync()
    settled(deployment, addendum)
    manager.client.sync()  # the laptop holds every copy the server holds
    assert records.get(manager, m.SupervisionSession, first).state == "locked"
    signed = signed_parts(manager, first)
    assert signed["addendum"] == {addendum} and len(signed["signature"]) == 3
    assert len(signed["record_document"]) >= 3

    ok(deployment, "disable-user", "sw_b1")
    ok(deployment, "retention", "leaver", "sw_b1", "--left-on", "2012-01-31")
    said = refused(deployment, "retention", "delete", first, "--yes")
    assert f"{first} has actions reviewed in record {second}, which is not being deleted" in said
    parts = sum(len(v) for v in signed.values()) + 3 + 5  # discussions, actions, reviews
    deleted = js(deployment, "retention", "delete", "--all-due", "--yes")
    assert sorted(deleted["deleted"]) == sorted([first, second]) and deleted["parts"] == parts

    # the manager's laptop changed the second before hearing of the deletion
    records.edit(manager, m.SupervisionSession, second, location="Room 9")
    manager.client.sync()
    for record_id in (first, second):
        assert records.get(manager, m.SupervisionSession, record_id) is None
    assert signed_parts(manager, first) == {"addendum": set(), "signature": set(), "record_document": set()}
    with manager.db.reading() as s:
        assert not s.scalars(select(m.ActionReview)).all()
        assert not s.scalars(select(m.CaseDiscussion).where(
            m.CaseDiscussion.session_id.in_([first, second]))).all()
    with deployment.engine.connect() as conn:
        reason = conn.execute(text("SELECT reason FROM mutation WHERE record_id = :r "
                                   "ORDER BY received_at DESC"), {"r": second}).scalar()
        assert "retention schedule" in reason
        assert conn.execute(select(record.c.data).where(record.c.id == second)).scalar() == "{}"


def test_the_schedule_comes_from_the_retention_table_of_the_server_file(tmp_path):
    assert retention.schedule_from_file(None).rule(RecordKind.SUPERVISION) == Rule(6, Trigger.WORKER_LEFT)
    path = tmp_path / "server.toml"
    path.write_text('database_url = "sqlite:///x.db"\n\n[retention]\n'
                    'oversight_note = { years = 25, after = "case_closed" }\n')
    schedule = retention.schedule_from_file(path)
    assert schedule.rule(RecordKind.OVERSIGHT_NOTE) == Rule(25, Trigger.CASE_CLOSED)
    assert schedule.rule(RecordKind.SUPERVISION) == Rule(6, Trigger.WORKER_LEFT)
    path.write_text('[retention]\nsupervision_session = { years = 6, after = "case_closed" }\n')
    with pytest.raises(DirectoryError, match=r"server.toml \[retention\].supervision_session"):
        retention.schedule_from_file(path)

"""Retention of group supervision sessions (issue 21, DESIGN.md §3 rule 10) with a real server
process and laptops: a group session held, signed by its supervisor and by each attendee on
their own laptop, is not due while any attendee still works here; once the last of them has
left (and their leaving dates are recorded) it is due 6 years after the LAST leaving day;
a part of it cannot be deleted on its own; deleting it deletes the session with every part
(attendance, case discussion, each attendee's action, every signature and signed copy) on the
server and on every laptop that held it at its next sync, with the audit in ids only; the
other records stay."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

from sqlalchemy import select

from supervision_app.domain.group_supervision import Attendance
from supervision_app.records.group_signoff import sign_group_session
from supervision_app.store import group_records as gr, models as m
from supervision_app.store.group_models import GroupAction, GroupAttendance, GroupDiscussion, GroupSession
from supervision_app.store.supervision_records import load_actor
from supervision_app.sync.server.schema import record
from tests.sync import admin_cli, records

HELD = datetime(2026, 11, 5, 10, tzinfo=timezone.utc)
CONTENT = ("Working with neglect", "Chronic neglect", "Bring back next month", "Read the briefing")


def js(deployment, *argv):
    return admin_cli.js(deployment.database_url, *argv)


def ok(deployment, *argv) -> str:
    return admin_cli.ok(deployment.database_url, *argv)


def refused(deployment, *argv) -> str:
    return admin_cli.refused(deployment.database_url, *argv)


def _synced(laptop):
    report = laptop.client.sync()
    assert report.rejected == 0 and report.conflicts == 0
    return report


def group_rows(laptop, gid: str) -> dict[str, set[str]]:
    """Every row of the group session on the laptop, by table."""
    with laptop.db.reading() as s:
        attendance = set(s.scalars(select(GroupAttendance.id).where(GroupAttendance.group_session_id == gid)))
        return {
            "group_session": set(s.scalars(select(GroupSession.id).where(GroupSession.id == gid))),
            "group_attendance": attendance,
            "group_discussion": set(s.scalars(select(GroupDiscussion.id)
                                              .where(GroupDiscussion.group_session_id == gid))),
            "group_action": set(s.scalars(select(GroupAction.id).where(GroupAction.group_session_id == gid))),
            "signature": set(s.scalars(select(m.Signature.id)
                                       .where(m.Signature.record_id.in_([gid, *attendance])))),
            "record_document": set(s.scalars(select(m.RecordDocument.id)
                                             .where(m.RecordDocument.record_id.in_([gid, *attendance])))),
        }


def server_rows(deployment, gid: str) -> dict[str, dict]:
    """The group's rows on the server (following parent_id), id -> (table, data, tombstone)."""
    found: dict[str, dict] = {}
    with deployment.engine.connect() as conn:
        frontier = [gid]
        row = conn.execute(select(record.c.id, record.c.table_name, record.c.data, record.c.tombstone)
                           .where(record.c.id == gid)).one()
        found[gid] = {"table": row.table_name, "data": row.data, "tombstone": row.tombstone}
        while frontier:
            rows = conn.execute(select(record.c.id, record.c.table_name, record.c.data, record.c.tombstone)
                                .where(record.c.parent_id.in_(frontier))).all()
            frontier = [r.id for r in rows if r.id not in found]
            found.update({r.id: {"table": r.table_name, "data": r.data, "tombstone": r.tombstone} for r in rows})
    return found


def test_a_group_session_is_kept_until_six_years_after_its_last_attendee_leaves_then_deleted_everywhere(
        deployment, laptops):
    org = deployment.org
    tm, sw1, sw2 = laptops("tm_a"), laptops("sw_a1"), laptops("sw_a2")
    tm_id, sw1_id, sw2_id = org.ids["tm_a"], org.ids["sw_a1"], org.ids["sw_a2"]
    with tm.db.transaction() as s:
        who = load_actor(s, tm_id)
        gid = gr.create_group_session(s, who, attendees={sw1_id: Attendance.PRESENT, sw2_id: Attendance.PRESENT},
                                      held_at=HELD, duration_minutes=90, location="Room 2",
                                      themes="Working with neglect")
        gr.add_discussion(s, who, gid, child_id=None, summary="Chronic neglect",
                          decision="Bring back next month", rationale="Shared learning")
        for worker in (sw1_id, sw2_id):
            gr.add_action(s, who, gid, owner_id=worker, description="Read the briefing", due_on=date(2026, 12, 1))
    staying = records.shared_session(tm, org, supervisee="sw_a1")  # another record, not deleted
    sign_group_session(tm.db, records.credentials(tm), group_id=gid, signer_id=tm_id)
    _synced(tm)
    for laptop, me in ((sw1, sw1_id), (sw2, sw2_id)):
        _synced(laptop)
        sign_group_session(laptop.db, records.credentials(laptop), group_id=gid, signer_id=me)
        _synced(laptop)
    _synced(tm)
    held = group_rows(tm, gid)
    assert held["group_session"] == {gid} and len(held["group_attendance"]) == 2
    assert len(held["group_discussion"]) == 1 and len(held["group_action"]) == 2
    assert len(held["signature"]) == 3 and held["record_document"]  # each signer's signed copy
    on_server = server_rows(deployment, gid)
    assert {rid for rid, r in on_server.items()} >= set().union(*held.values())

    # one attendee leaves (long ago): the other still works here, so nothing is due
    ok(deployment, "disable-user", "sw_a2")
    ok(deployment, "retention", "leaver", "sw_a2", "--left-on", "2012-01-31")
    assert js(deployment, "retention", "list")["records"] == []
    listed = {r["id"]: r for r in js(deployment, "retention", "list", "--all")["records"]}
    group = listed[gid]
    assert (group["kind"], group["about"], group["status"], group["reason"]) == (
        "group_session", "group: sw_a1, sw_a2", "no_date", "an attendee still works here")
    said = refused(deployment, "retention", "delete", gid, "--yes")
    assert f"{gid} is not due for deletion: an attendee still works here" in said

    # the last one leaves: due 6 years after HER leaving day, not the first one's
    ok(deployment, "disable-user", "sw_a1")
    listed = {r["id"]: r for r in js(deployment, "retention", "list", "--all")["records"]}
    assert listed[gid]["status"] == "no_date" and "leaving date is not recorded" in listed[gid]["reason"]
    ok(deployment, "retention", "leaver", "sw_a1", "--left-on", "2019-03-29")
    assert js(deployment, "retention", "list", "--on", "2025-03-28")["records"] == []
    due = [r for r in js(deployment, "retention", "list")["records"] if r["kind"] == "group_session"]
    assert [(r["id"], r["status"], r["due_on"], r["reason"]) for r in due] == [
        (gid, "due", "2025-03-29", "past its retention period (6 years after the last attendee leaves)")]

    # a part is kept and deleted with its session, never on its own
    attendance = next(iter(held["group_attendance"]))
    assert f"part of record {gid}" in refused(deployment, "retention", "delete", attendance, "--yes")
    # legal hold, then released
    ok(deployment, "retention", "hold", gid, "--reason", "Claim 2026/114")
    assert "on legal hold" in refused(deployment, "retention", "delete", gid, "--yes")
    ok(deployment, "retention", "release", gid, "--reason", "Claim settled")

    before = server_rows(deployment, gid)
    assert set(before) >= set().union(*held.values())
    out = ok(deployment, "retention", "delete", gid, "--yes")
    assert f"Deleted 1 record and {len(before) - 1} parts" in out
    with deployment.engine.connect() as conn:  # only their ids remain (and no parent link)
        gone = conn.execute(select(record.c.id, record.c.table_name, record.c.data, record.c.tombstone)
                            .where(record.c.id.in_(before))).all()
        assert conn.execute(select(record.c.data).where(record.c.id == staying)).scalar() != "{}"
    assert len(gone) == len(before) and all(r.data == "{}" and r.tombstone for r in gone)

    # the manager's laptop removes it with every part at its next sync, and audits the ids
    report = tm.client.sync()
    assert report.removed >= len(set().union(*held.values()))
    assert group_rows(tm, gid) == {table: set() for table in held}
    assert records.get(tm, m.SupervisionSession, staying) is not None
    with tm.db.reading() as s:
        removed = {(a.record_kind, a.record_id) for a in s.scalars(select(m.AuditEntry))
                   if a.action == "sync_remove"}
    assert {(table, rid) for table, ids in held.items() for rid in ids} <= removed
    # a laptop signed in afterwards never receives it
    assert group_rows(laptops("tm_a"), gid)["group_session"] == set()

    log = js(deployment, "retention", "log", "--record", gid)
    assert log["chain_broken_at"] is None
    deleted = [(e["table"], e["id"], e["part_of"]) for e in log["entries"] if e["action"] == "delete"]
    assert deleted[-1] == ("group_session", gid, None)  # its parts first
    assert {(t, i) for t, i, part_of in deleted[:-1] if part_of == gid} == {
        (r["table"], rid) for rid, r in before.items() if rid != gid}
    shown = ok(deployment, "retention", "log") + json.dumps(log)
    for words in CONTENT + ("Claim",):
        assert words not in shown

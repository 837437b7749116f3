"""Issue 21 records through a real server process: a supervision agreement signed by the
supervisor on one laptop and by the worker on another (both end locked, the server verified
both signatures); supervisee feedback that reaches no one else's laptop, and team totals
the server publishes for an ended quarter from at least 5 people's answers; a cancellation
that reaches the worker and the team's manager, and not another team."""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timezone

from sqlalchemy import select

from supervision_app.domain.time_rules import london_date, utc_now
from supervision_app.records.agreement_signoff import sign_agreement
from supervision_app.store import (
    agreement_records as ar,
    cancellation_records as cr,
    feedback_records as fr,
    models as m,
)
from supervision_app.store.practice_models import (
    SessionCancellation,
    SuperviseeFeedback,
    SupervisionAgreement,
    TeamFeedbackTotal,
)
from supervision_app.store.supervision_records import load_actor
from supervision_app.sync.server import feedback_totals
from supervision_app.sync.server.schema import record
from supervision_app.sync.server.signature_check import signature_problem
from supervision_app.sync.server.storage import WriteTx, system_write
from tests.sync import records as r
from tests.sync.archiving import pushed_documents


def _act(laptop, staff_id, work):
    with laptop.db.transaction() as s:
        return work(s, load_actor(s, staff_id))


def _synced(laptop):
    report = laptop.client.sync()
    assert report.rejected == 0 and report.conflicts == 0
    return report


def test_an_agreement_signed_on_two_laptops(deployment, laptops):
    org = deployment.org
    tm, sw = laptops("tm_a"), laptops("sw_a1")
    tm_id, sw_id = org.ids["tm_a"], org.ids["sw_a1"]
    agreement_id = _act(tm, tm_id, lambda s, a: ar.create_agreement(s, a, sw_id))
    sign_agreement(tm.db, r.credentials(tm), agreement_id=agreement_id, signer_id=tm_id)
    _synced(tm)
    _synced(sw)
    assert r.get(sw, SupervisionAgreement, agreement_id).state == "supervisor_signed"
    sign_agreement(sw.db, r.credentials(sw), agreement_id=agreement_id, signer_id=sw_id)
    _synced(sw)
    _synced(tm)
    for laptop in (tm, sw):
        assert r.get(laptop, SupervisionAgreement, agreement_id).state == "locked"
        with laptop.db.reading() as s:
            roles = {x.signer_role for x in s.scalars(select(m.Signature).where(
                m.Signature.record_id == agreement_id))}
        assert roles == {"supervisor", "supervisee"}
    with deployment.engine.connect() as conn:
        held: dict[str, list[dict]] = {}
        for rec in conn.execute(select(record).where(
                (record.c.id == agreement_id) | (record.c.parent_id == agreement_id))):
            held.setdefault(rec.table_name, []).append(json.loads(rec.data))
        assert held["supervision_agreement"][0]["state"] == "locked"
        signatures = held["signature"]
        assert {s["signer_role"] for s in signatures} == {"supervisor", "supervisee"}
        for signature in signatures:
            assert signature_problem(conn, signature) is None
    # each signer's copy, as pushed (the server's own, time-stamped or archived, aside)
    assert len(pushed_documents(deployment, agreement_id)) == 2
    # the other team's manager never receives it
    tm_b = laptops("tm_b")
    _synced(tm_b)
    with tm_b.db.reading() as s:
        assert s.get(SupervisionAgreement, agreement_id) is None


def test_feedback_stays_with_the_worker_and_managers_get_only_published_totals(deployment, laptops):
    org = deployment.org
    tm, sw = laptops("tm_a"), laptops("sw_a1")
    tm_id, sw_id = org.ids["tm_a"], org.ids["sw_a1"]
    sid = r.shared_session(tm, org)
    _synced(tm), _synced(sw)
    r.respond(sw, sw_id, sid, agrees=True)
    _synced(sw), _synced(tm)
    r.sign_session(tm, tm_id, sid)
    _synced(tm), _synced(sw)
    r.sign_session(sw, sw_id, sid)
    _synced(sw), _synced(tm)
    feedback_id = _act(sw, sw_id, lambda s, a: fr.give_feedback(
        s, a, sid, helpful="yes", reflection_balance="mostly_case_monitoring",
        emotional_support="partly", change_one_thing="More time to reflect"))
    _synced(sw)
    for name in ("tm_a", "sm", "hos", "qa"):
        other = laptops(name)
        _synced(other)
        with other.db.reading() as s:
            assert s.scalars(select(SuperviseeFeedback)).all() == [], name
    assert r.get(sw, SuperviseeFeedback, feedback_id).helpful == "yes"
    with deployment.engine.connect() as conn:
        facts = json.loads(conn.execute(select(record.c.auth).where(record.c.id == feedback_id)).scalar())
    this_quarter = feedback_totals.quarter_of(london_date(utc_now()))
    assert facts["q"] == this_quarter

    # four more people's answers in the same quarter: published only once the quarter ends
    with deployment.engine.begin() as conn:
        tx = WriteTx.begin(conn)
        for _ in range(4):
            person = str(uuid.uuid4())
            system_write(tx, "supervisee_feedback", str(uuid.uuid4()), {
                "session_id": sid, "supervisee_id": person,
                "answered_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "skipped": False, "helpful": "partly", "reflection_balance": "mostly_case_monitoring",
                "emotional_support": "yes", "change_one_thing": ""})
        assert feedback_totals.publish_feedback_totals(tx, london_date(utc_now())) == 0
        next_year = date(london_date(utc_now()).year + 1, 1, 15)
        assert feedback_totals.publish_feedback_totals(tx, next_year) == 1
        assert feedback_totals.publish_feedback_totals(tx, next_year) == 0  # published once
        tx.finish()
    _synced(tm)
    with tm.db.reading() as s:
        (total,) = s.scalars(select(TeamFeedbackTotal)).all()
        assert s.scalars(select(SuperviseeFeedback)).all() == []
    assert (total.team_id, total.quarter, total.answers) == (org.teams["A"], this_quarter, 5)
    assert (total.helpful_yes, total.helpful_partly, total.mostly_case_monitoring) == (1, 4, 5)
    tm_b = laptops("tm_b")
    _synced(tm_b)
    with tm_b.db.reading() as s:
        assert s.scalars(select(TeamFeedbackTotal)).all() == []


def test_a_cancellation_reaches_the_worker_and_not_another_team(deployment, laptops):
    org = deployment.org
    tm, sw, tm_b = laptops("tm_a"), laptops("sw_a1"), laptops("tm_b")
    tm_id, sw_id = org.ids["tm_a"], org.ids["sw_a1"]
    _synced(tm)
    cid = _act(tm, tm_id, lambda s, a: cr.record_cancellation(
        s, a, sw_id, planned_for=date(2026, 12, 24), cancelled_on=date(2026, 12, 23),
        cancelled_by="supervisee", reason="Unwell", rebooked_on=date(2027, 1, 5)))
    _synced(tm)
    _synced(sw), _synced(tm_b)
    assert r.get(sw, SessionCancellation, cid).rebooked_on == date(2027, 1, 5)
    with tm_b.db.reading() as s:
        assert s.get(SessionCancellation, cid) is None


# --- a hostile laptop pushes raw rows: the server decides from its own data ------------------

def _row(table, **data):
    from supervision_app.sync import protocol as p

    return {"table": table, "id": str(uuid.uuid4()), "version": 1,
            "updated_at": p.format_datetime(datetime.now(timezone.utc)), "updated_by": None,
            "tombstone": False, "data": p.encode_row_data(table, data)}


def test_hostile_pushes_of_the_new_records_are_refused(deployment, laptops):
    from tests.sync.raw_push import push_raw, stored_record

    org = deployment.org
    worker, other_manager, manager = laptops("sw_a1"), laptops("tm_b"), laptops("tm_a")
    sw_id, tm_id = org.ids["sw_a1"], org.ids["tm_a"]
    today = london_date(utc_now())
    cancellation = dict(supervisee_id=sw_id, supervisor_id=tm_id, team_id=org.teams["A"],
                        planned_for=today, cancelled_on=today, cancelled_by="supervisee",
                        reason="x", rebooked_on=None, returned_from_leave_on=None)
    attempts = [
        (worker, _row("session_cancellation", **cancellation)),  # the worker records their own
        (other_manager, _row("session_cancellation", **(cancellation | {"supervisor_id": org.ids["tm_b"]}))),
        (other_manager, _row("session_cancellation", **(cancellation | {
            "supervisor_id": org.ids["tm_b"], "team_id": org.teams["B"]}))),  # naming their own team
        # an agreement pushed straight to signed, with no signature
        (manager, _row("supervision_agreement", supervisee_id=sw_id, supervisor_id=tm_id,
                       team_id=org.teams["A"], frequency="", duration="", location="",
                       disagreements="", cancellations="", confidentiality="", state="locked")),
        # the server's own totals
        (manager, _row("team_feedback_total", team_id=org.teams["A"], quarter="2026-Q1", answers=9,
                       helpful_yes=9, helpful_partly=0, helpful_no=0, mostly_reflection=9, balanced=0,
                       mostly_case_monitoring=0, support_yes=9, support_partly=0, support_no=0)),
    ]
    sid = r.shared_session(manager, org)
    _synced(manager)
    # feedback in the worker's name from the manager's laptop, and on a record not yet signed
    feedback = dict(session_id=sid, supervisee_id=sw_id, answered_at=utc_now(), skipped=False,
                    helpful="no", reflection_balance=None, emotional_support=None, change_one_thing="")
    attempts += [(manager, _row("supervisee_feedback", **feedback)),
                 (worker, _row("supervisee_feedback", **feedback))]
    for laptop, row in attempts:
        [result] = push_raw(deployment, laptop, (0, row))
        assert result["status"] == "rejected", (row["table"], result)
        assert stored_record(deployment, row["id"]) is None

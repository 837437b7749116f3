"""Sign-off across two laptops through a real server, every step the way the app takes it:
the manager writes and shares a record, the worker responds, the manager signs, the worker
signs, each on their own encrypted profile with their own sync engine and certificate from
the server's CA. Whatever the order of the syncs (signing offline and syncing late, the
worker syncing before and after), both laptops end with the record locked and both
signatures, and the server holds both signatures, verified, and the signed PDF."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from supervision_app.store import models as m
from supervision_app.sync.client import ServerUnreachable
from supervision_app.sync.server.schema import record
from supervision_app.sync.server.signature_check import signature_problem
from tests.sync import records as r
from tests.sync.archiving import pushed_documents

# Each plan is the order of steps; "tm"/"sw" sync is a full sync of that laptop. Steps that
# need something not yet received fail loudly, so each plan is one the rules allow.
PLANS = {
    "each step synced at once": [
        "tm share", "tm sync", "sw sync", "sw respond", "sw sync", "tm sync", "tm sign", "tm sync",
        "sw sync", "sw sign", "sw sync", "tm sync"],
    "manager signs offline, syncs late; worker syncs before and after": [
        "tm share", "tm sync", "sw sync", "sw respond", "sw sync", "tm sync", "tm sign", "sw sync",
        "sw sync", "tm sync", "sw sync", "sw sign", "tm sync", "sw sync", "tm sync"],
    "worker signs offline and syncs last": [
        "tm share", "tm sync", "sw sync", "sw respond", "sw sync", "tm sync", "tm sign", "tm sync",
        "sw sync", "sw sign", "tm sync", "tm sync", "sw sync", "tm sync"],
    "both sign while the server is down, and sync when it is back": [
        "tm share", "tm sync", "sw sync", "sw respond", "sw sync", "tm sync", "server down",
        "tm sign", "tm sync-fails", "server up", "sw sync", "tm sync", "server down", "sw sync-fails",
        "server up", "sw sync", "sw sign", "server down", "sw sync-fails", "server up", "sw sync",
        "tm sync"],
    "worker disagrees; manager syncs before and after signing": [
        "tm share", "tm sync", "sw sync", "sw disagree", "sw sync", "tm sync", "tm sync", "tm sign",
        "tm sync", "tm sync", "sw sync", "sw sign", "sw sync", "tm sync"],
}


def _server_rows(deployment, record_id: str) -> dict[str, list[dict]]:
    with deployment.engine.connect() as conn:
        found: dict[str, list[dict]] = {}
        for rec in conn.execute(select(record).where(
                (record.c.id == record_id) | (record.c.parent_id == record_id))):
            found.setdefault(rec.table_name, []).append(json.loads(rec.data) | {"_id": rec.id})
        return found


def _verified(deployment, signature: dict) -> str | None:
    with deployment.engine.connect() as conn:
        return signature_problem(conn, {k: v for k, v in signature.items() if k != "_id"})


def _laptop_view(laptop, sid: str) -> tuple[str, set[str], set[str]]:
    with laptop.db.reading() as s:
        state = s.get(m.SupervisionSession, sid).state
        roles = {sig.signer_role for sig in s.scalars(select(m.Signature).where(m.Signature.record_id == sid))}
        stages = {doc.stage for doc in s.scalars(select(m.RecordDocument).where(m.RecordDocument.record_id == sid))}
    return state, roles, stages


@pytest.mark.parametrize("plan", list(PLANS))
def test_a_record_is_signed_by_both_on_their_own_laptops(deployment, laptops, plan):
    org = deployment.org
    tm, sw = laptops("tm_a"), laptops("sw_a1")
    tm_id, sw_id = org.ids["tm_a"], org.ids["sw_a1"]
    r.credentials(tm), r.credentials(sw)
    sid = None
    for step in PLANS[plan]:
        who, what = step.split()
        laptop, staff_id = (tm, tm_id) if who == "tm" else (sw, sw_id)
        if who == "server":
            deployment.server.stop() if what == "down" else deployment.server.start()
        elif what == "sync-fails":
            with pytest.raises(ServerUnreachable):
                laptop.client.sync()
        elif what == "sync":
            report = laptop.client.sync()
            assert report.rejected == 0 and report.conflicts == 0, (step, laptop.client.pending_conflicts())
        elif what == "share":
            sid = r.shared_session(tm, org)
        elif what == "respond":
            r.respond(sw, sw_id, sid, agrees=True)
        elif what == "disagree":
            r.respond(sw, sw_id, sid, agrees=False, comments="Mostly fair.",
                      disagreement="The decision on the second child was not what we agreed.")
        elif what == "sign":
            r.sign_session(laptop, staff_id, sid)

    for laptop in (tm, sw):
        assert laptop.client.status().pending_changes == 0
        assert laptop.client.pending_conflicts() == []
        state, roles, stages = _laptop_view(laptop, sid)
        assert (state, roles) == ("locked", {"supervisor", "supervisee"})
        # each signer's PDF (and the server's time-stamped archive copy when it has made it)
        assert {"supervisor_signed", "locked"} <= stages <= {"supervisor_signed", "locked", "archived"}
    held = _server_rows(deployment, sid)
    session = next(row for row in held["supervision_session"] if row["_id"] == sid)
    assert session["state"] == "locked"
    signatures = {s["signer_role"]: s for s in held["signature"]}
    assert set(signatures) == {"supervisor", "supervisee"}
    assert signatures["supervisor"]["signer_id"] == tm_id and signatures["supervisee"]["signer_id"] == sw_id
    assert signatures["supervisor"]["digest"] == signatures["supervisee"]["digest"]
    for signature in signatures.values():
        assert _verified(deployment, signature) is None
    # each signer's copy, as pushed (the server's own, time-stamped or archived, aside)
    assert [doc["stage"] for doc in pushed_documents(deployment, sid)] == ["supervisor_signed", "locked"]
    assert all(doc["pdf"] for doc in held["record_document"])

    # a correction to the locked record: an addendum, signed by its author, which signs the
    # record's digest as the server computes it too
    addendum_id = r.add_addendum(tm, tm_id, "supervision", sid, "The review date moved to March.")
    r.sign_addendum(tm, tm_id, addendum_id)
    assert tm.client.sync().rejected == 0
    sw.client.sync()
    assert r.get(sw, m.Addendum, addendum_id).state == "locked"
    signature = next(sig for sig in _server_rows(deployment, addendum_id)["signature"])
    assert signature["signer_role"] == "author" and _verified(deployment, signature) is None


def test_oversight_notes_and_addenda_are_signed_and_held_verified(deployment, laptops):
    """The author's signature on an oversight note and on an addendum to a locked record
    travels with the note's lock, and both laptops that see it receive it whole."""
    from supervision_app.store import supervision_records as sr

    org = deployment.org
    tm, sw = laptops("tm_a"), laptops("sw_a1")
    tm_id = org.ids["tm_a"]
    with tm.db.transaction() as s:
        note_id = sr.create_oversight_note(s, sr.load_actor(s, tm_id), child_id=org.children["a"],
                                           trigger="plan_review", decision="step down to CIN",
                                           rationale="progress made at home")
    r.sign_note(tm, tm_id, note_id)  # offline
    addendum_id = r.add_addendum(tm, tm_id, "oversight_note", note_id, "The school confirmed it too.")
    r.sign_addendum(tm, tm_id, addendum_id)
    assert tm.client.sync().rejected == 0
    sw.client.sync()
    with sw.db.reading() as s:
        assert s.get(m.OversightNote, note_id).state == "locked"
        assert s.get(m.Addendum, addendum_id).state == "locked"
        assert {sig.record_id for sig in s.scalars(select(m.Signature))} >= {note_id, addendum_id}
    for record_id in (note_id, addendum_id):
        held = _server_rows(deployment, record_id)
        signature = next(sig for sig in held["signature"] if sig["record_id"] == record_id)
        assert signature["signer_role"] == "author" and _verified(deployment, signature) is None
        assert any(doc["record_id"] == record_id for doc in held["record_document"])

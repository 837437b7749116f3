"""Issue 16 finding 3: the server verifies every signature and never holds a record signed
or locked without one. A laptop with a valid account and certificate pushes raw changes
with its real token; each attack below was applied by the server before the fix."""
from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime, timezone

import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select, text

from supervision_app.domain.canonical import canonical_bytes
from supervision_app.domain.lifecycle import RecordKind
from supervision_app.records.snapshot import load_supervision_snapshot
from supervision_app.security import pki
from supervision_app.store import models as m
from supervision_app.store.outbox import snapshot
from supervision_app.sync import protocol as p
from tests.sync import records as r
from tests.sync.archiving import settled


def _responded_record(deployment, laptops):
    """A record shared by tm_a and answered by sw_a1, all through the app's paths; both
    laptops synced and holding certificates from the server's CA."""
    org = deployment.org
    tm, sw = laptops("tm_a"), laptops("sw_a1")
    r.credentials(tm), r.credentials(sw)
    return tm, sw, r.responded_session(tm, sw, org)


def _session_row(laptop, sid: str, state: str) -> tuple[int, dict]:
    with laptop.db.reading() as s:
        row = snapshot(s.get(m.SupervisionSession, sid))
    base = row["version"]
    row["version"] = base + 1
    row["data"]["state"] = state
    return base, row


def _canonical(laptop, sid: str) -> tuple[str, bytes]:
    with laptop.db.reading() as s:
        snap = load_supervision_snapshot(s, sid)
    return snap.digest, canonical_bytes(RecordKind.SUPERVISION, snap.canonical)


def _signature_row(laptop, sid: str, signer_id: str, role: str, *, digest: str,
                   value: bytes | None) -> dict:
    certificate = laptop.credential_store.credentials_for(signer_id).certificate
    return {"table": "signature", "id": str(uuid.uuid4()), "version": 1,
            "updated_at": p.format_datetime(datetime.now(timezone.utc)), "tombstone": False,
            "data": {"record_kind": "supervision", "record_id": sid, "signer_id": signer_id,
                     "signer_role": role, "signed_at": p.format_datetime(datetime.now(timezone.utc)),
                     "digest": digest, "certificate_pem": pki.certificate_to_pem(certificate).decode(),
                     "signature_value": base64.b64encode(value).decode() if value is not None else None}}


def _document_row(sid: str, stage: str) -> dict:
    return {"table": "record_document", "id": str(uuid.uuid4()), "version": 1,
            "updated_at": p.format_datetime(datetime.now(timezone.utc)), "tombstone": False,
            "data": {"record_kind": "supervision", "record_id": sid, "stage": stage,
                     "created_at": p.format_datetime(datetime.now(timezone.utc)),
                     "pdf": base64.b64encode(b"%PDF-1.7 not really").decode()}}


def _push(deployment, laptop, *rows: tuple[int, dict]) -> list[dict]:
    mutations = [p.Mutation(mutation_id=str(uuid.uuid4()), base_version=base, row=p.Row.model_validate(row))
                 for base, row in rows]
    request = p.PushRequest(device_id=laptop.client.device_id(), mutations=mutations)
    answer = httpx.post(f"{deployment.url}/v1/push", content=request.model_dump_json(),
                        headers={"Authorization": f"Bearer {laptop.client.secrets.get('sync-token')}"})
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]


def _held(deployment, sid: str) -> tuple[str, list[str]]:
    with deployment.engine.connect() as conn:
        state = json.loads(conn.execute(text("select data from record where id = :i"), {"i": sid}).scalar())["state"]
        roles = [json.loads(d)["signer_role"] for d in conn.execute(text(
            "select data from record where parent_id = :i and table_name = 'signature'"), {"i": sid}).scalars()]
    return state, roles


def test_attack_null_signature_value_and_made_up_digest_is_refused(deployment, laptops):
    tm, _sw, sid = _responded_record(deployment, laptops)
    tm_id = deployment.org.ids["tm_a"]
    results = _push(deployment, tm, _session_row(tm, sid, "supervisor_signed"),
                    (0, _signature_row(tm, sid, tm_id, "supervisor", digest="ab" * 32, value=None)),
                    (0, _document_row(sid, "supervisor_signed")))
    assert [res["status"] for res in results] == ["rejected"] * 3
    assert all("no signature value" in res["reason"] for res in results)
    assert _held(deployment, sid) == ("shared", [])
    # a real value over a made-up digest is refused too
    _digest, content = _canonical(tm, sid)
    value = tm.credential_store.credentials_for(tm_id).key.sign(content, ec.ECDSA(hashes.SHA256()))
    results = _push(deployment, tm, _session_row(tm, sid, "supervisor_signed"),
                    (0, _signature_row(tm, sid, tm_id, "supervisor", digest="cd" * 32, value=value)),
                    (0, _document_row(sid, "supervisor_signed")))
    assert [res["status"] for res in results] == ["rejected"] * 3
    assert "not this record as the server holds it" in results[1]["reason"]
    assert _held(deployment, sid) == ("shared", [])


def test_attack_garbage_signature_value_cannot_lock_a_record(deployment, laptops):
    tm, sw, sid = _responded_record(deployment, laptops)
    org = deployment.org
    r.sign_session(tm, org.ids["tm_a"], sid)
    assert tm.client.sync().rejected == 0
    sw.client.sync()
    digest, _content = _canonical(sw, sid)
    results = _push(deployment, sw, _session_row(sw, sid, "locked"),
                    (0, _signature_row(sw, sid, org.ids["sw_a1"], "supervisee", digest=digest, value=b"garbage")),
                    (0, _document_row(sid, "locked")))
    assert [res["status"] for res in results] == ["rejected"] * 3
    assert "does not verify" in results[0]["reason"]
    assert _held(deployment, sid) == ("supervisor_signed", ["supervisor"])
    # the real signature still locks it afterwards
    r.sign_session(sw, org.ids["sw_a1"], sid)
    assert sw.client.sync().rejected == 0
    assert sorted(_held(deployment, sid)[1]) == ["supervisee", "supervisor"]


def test_attack_move_to_signed_without_an_accepted_signature_is_refused_whole(deployment, laptops):
    tm, sw, sid = _responded_record(deployment, laptops)
    org = deployment.org
    # the signature in the batch is refused (signed in someone else's name): so is the move
    digest, content = _canonical(tm, sid)
    value = tm.credential_store.credentials_for(org.ids["tm_a"]).key.sign(content, ec.ECDSA(hashes.SHA256()))
    forged = _signature_row(tm, sid, org.ids["tm_a"], "supervisor", digest=digest, value=value)
    forged["data"]["signer_id"] = org.ids["sm"]
    results = _push(deployment, tm, _session_row(tm, sid, "supervisor_signed"), (0, forged),
                    (0, _document_row(sid, "supervisor_signed")))
    assert [res["status"] for res in results] == ["rejected"] * 3
    assert _held(deployment, sid) == ("shared", [])
    # a move to signed on its own, and a lock on its own: refused, with the reason
    for state, laptop in (("supervisor_signed", tm), ("locked", sw)):
        [result] = _push(deployment, laptop, _session_row(laptop, sid, state))
        assert result["status"] == "rejected" and "signature" in result["reason"], result
        assert _held(deployment, sid) == ("shared", [])
    # a signature by the wrong person (another worker of the team, with their own
    # certificate) cannot sign for the supervisee
    other = laptops("sw_a2")
    r.credentials(other)
    r.sign_session(tm, org.ids["tm_a"], sid)
    assert tm.client.sync().rejected == 0
    sw.client.sync()
    digest, content = _canonical(sw, sid)
    value = other.credential_store.credentials_for(org.ids["sw_a2"]).key.sign(content, ec.ECDSA(hashes.SHA256()))
    wrong = _signature_row(other, sid, org.ids["sw_a2"], "supervisee", digest=digest, value=value)
    results = _push(deployment, sw, _session_row(sw, sid, "locked"), (0, wrong), (0, _document_row(sid, "locked")))
    assert [res["status"] for res in results] == ["rejected"] * 3
    assert _held(deployment, sid) == ("supervisor_signed", ["supervisor"])


def test_a_refused_signing_is_kept_on_the_laptop_with_its_reason_and_other_changes_still_sync(deployment, laptops):
    """The laptop's side: the manager signs a record the supervisee changed meanwhile (the
    server's copy differs from what was signed). The lock, signature and signed copy are
    refused together and kept; the record goes back to what the server holds, so Sign is
    offered again; an unrelated change in the same sync reaches the server."""
    tm, sw, sid = _responded_record(deployment, laptops)
    org = deployment.org
    r.respond(sw, org.ids["sw_a1"], sid, comments="One more thing: the school called.")
    sw.client.sync()
    r.sign_session(tm, org.ids["tm_a"], sid)  # signed without the worker's latest words
    unrelated = r.new_session(tm, supervisor=org.ids["tm_a"], supervisee=org.ids["sw_a2"], team=org.teams["A"])
    report = tm.client.sync()
    assert report.rejected == 3 and report.applied >= 1
    with deployment.engine.connect() as conn:
        assert conn.execute(select(text("1")).select_from(text("record")).where(text("id = :i")),
                            {"i": unrelated}).scalar() == 1
    assert _held(deployment, sid) == ("shared", [])
    conflicts = tm.client.pending_conflicts()
    assert {c.table for c in conflicts} == {"supervision_session", "signature", "record_document"}
    assert all("changed on another device" in c.reason and "sign it again" in c.reason for c in conflicts), conflicts
    held = r.get(tm, m.SupervisionSession, sid)
    assert held.state == "shared" and held.supervisee_comments == "One more thing: the school called."
    assert not [sig for sig in r.rows(tm, m.Signature).values() if sig.record_id == sid]
    # signing again now signs what the server holds, and is accepted
    r.sign_session(tm, org.ids["tm_a"], sid)
    assert tm.client.sync().rejected == 0
    assert _held(deployment, sid) == ("supervisor_signed", ["supervisor"])


def test_attack_a_signed_copy_travels_only_with_its_signing(deployment, laptops):
    """Issue 16 finding 5: any party could upload any PDF as a record's signed document,
    even for a locked record and dated 10 years ahead."""
    tm, sw, sid = _responded_record(deployment, laptops)
    org = deployment.org
    r.sign_session(tm, org.ids["tm_a"], sid)
    tm.client.sync()
    sw.client.sync()
    r.sign_session(sw, org.ids["sw_a1"], sid)
    assert sw.client.sync().rejected == 0
    settled(deployment, sid)  # the server's archived copy is made in the background
    with deployment.engine.connect() as conn:
        before = conn.execute(text("select count(*) from record where table_name = 'record_document' "
                                   "and parent_id = :i"), {"i": sid}).scalar()
    late = _document_row(sid, "locked")
    late["data"]["created_at"] = p.format_datetime(datetime(2036, 12, 1, tzinfo=timezone.utc))
    for laptop, row in ((sw, late), (tm, _document_row(sid, "locked"))):
        [result] = _push(deployment, laptop, (0, row))
        assert result["status"] == "rejected" and "together with the signature" in result["reason"], result
    # within a signing, the copy must name the stage the record is signed into
    other = laptops("tm_a")
    r.credentials(other)
    with other.db.transaction() as s:
        from supervision_app.store import supervision_records as sr

        note_id = sr.create_oversight_note(s, sr.load_actor(s, org.ids["tm_a"]), child_id=org.children["a"],
                                           trigger="plan_review", decision="keep", rationale="working")
    other.client.sync()
    r.sign_note(other, org.ids["tm_a"], note_id)
    with other.db.transaction() as s:
        s.execute(text("update sync_outbox set payload = replace(payload, '\"stage\":\"locked\"', "
                       "'\"stage\":\"supervisor_signed\"') where table_name = 'record_document'"))
    report = other.client.sync()
    assert report.rejected == 3
    assert any("does not name the stage" in c.reason for c in other.client.pending_conflicts())
    with deployment.engine.connect() as conn:
        assert conn.execute(text("select count(*) from record where table_name = 'record_document' "
                                 "and parent_id = :i"), {"i": sid}).scalar() == before

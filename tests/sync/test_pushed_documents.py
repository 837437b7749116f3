"""Issue 16: the server checks a pushed signed copy itself (``sync.server.document_check``).
Before the fix it took any bytes as a record's signed PDF, so long as they came with the
signer's (verified) signature row: a PDF of another record, one nobody had signed, or the
supervisor's copy sent again as the supervisee's were all kept, and exports and evidence
packs then carried them. Each attack is pushed with the attacker's real token; the whole
signing is refused and the record stays where it was; the honest copy is then accepted."""
from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy import select, text

from supervision_app.records.pdf_render import render_record_pdf
from supervision_app.records.snapshot import load_supervision_snapshot
from supervision_app.store import models as m
from supervision_app.sync import protocol as p
from supervision_app.sync.server import document_check
from supervision_app.sync.server.certificates import all_cas
from supervision_app.sync.server.document_check import document_problem, examine
from supervision_app.sync.server.schema import record
from tests.sync import records as r
from tests.sync.archiving import pushed_documents, settled
from tests.sync.raw_push import push_raw
from tests.sync.signing_units import pdf_of, server_state, signing_unit, with_pdf


def test_a_signing_is_kept_only_with_the_signed_pdf_of_that_record(deployment, laptops):
    org = deployment.org
    manager, worker = laptops("tm_a"), laptops("sw_a1")
    r.credentials(manager), r.credentials(worker)
    first = r.responded_session(manager, worker, org)
    second = r.responded_session(manager, worker, org)
    r.sign_session(manager, org.ids["tm_a"], first)
    r.sign_session(manager, org.ids["tm_a"], second)
    unit, other = signing_unit(manager, first), signing_unit(manager, second)
    with manager.db.reading() as s:
        unsigned = render_record_pdf(load_supervision_snapshot(s, first).document)
    attacks = {
        "another record's signed copy": (pdf_of(other), "different record digest"),
        "the record's copy, never signed": (unsigned, "does not carry the signatures"),
        "not a PDF": (b"%PDF-1.7 not really", "could not be read"),
        "a PDF signed copy cut short": (pdf_of(unit)[:-400], "signature"),
    }
    for what, (pdf, words) in attacks.items():
        results = push_raw(deployment, manager, *with_pdf(unit, pdf))
        assert [res["status"] for res in results] == ["rejected"] * 3, (what, results)
        assert words in results[2]["reason"], (what, results[2]["reason"])
        assert server_state(deployment, first) == ("shared", 0), what
    # a signed copy without its PDF at all (the server read the batch before checking rows)
    bare = with_pdf(unit, b"")
    del bare[2][1]["data"]["pdf"]
    assert [res["status"] for res in push_raw(deployment, manager, *bare)] == ["rejected"] * 3
    # the laptop's own signing, sent as it is, is kept
    assert manager.client.sync().rejected == 0
    assert server_state(deployment, first) == ("supervisor_signed", 1)


def test_the_supervisee_s_copy_must_carry_both_signatures(deployment, laptops):
    org = deployment.org
    manager, worker = laptops("tm_a"), laptops("sw_a1")
    r.credentials(manager), r.credentials(worker)
    sid = r.responded_session(manager, worker, org)
    r.sign_session(manager, org.ids["tm_a"], sid)
    assert manager.client.sync().rejected == 0
    settled(deployment, sid)  # the server time-stamps the offline signature after the push
    worker.client.sync()
    supervisor_copies = r.rows(worker, m.RecordDocument)
    # the manager's copy, and the server's time-stamped one extending it: the newest
    held = max((doc for doc in supervisor_copies.values() if doc.record_id == sid),
               key=lambda doc: doc.created_at)
    r.sign_session(worker, org.ids["sw_a1"], sid)
    unit = signing_unit(worker, sid)
    results = push_raw(deployment, worker, *with_pdf(unit, bytes(held.pdf)))
    assert [res["status"] for res in results] == ["rejected"] * 3, results
    assert "does not carry the signatures" in results[2]["reason"]
    assert server_state(deployment, sid) == ("supervisor_signed", 1)
    assert worker.client.sync().rejected == 0
    assert server_state(deployment, sid) == ("locked", 2)


def test_a_copy_read_before_the_lock_is_not_read_again_under_it(deployment, laptops, monkeypatch):
    """The slow part of the check, reading and verifying the PDF, runs before the push takes
    the sequence lock every push waits on (``prepare_documents``); under the lock only those
    findings are compared with the server's rows, and the copy is not read a second time.
    (How long each part takes is ``bench/bench_document_check.py``'s to measure.)"""
    org = deployment.org
    manager, worker = laptops("tm_a"), laptops("sw_a1")
    r.credentials(manager), r.credentials(worker)
    sid = r.responded_session(manager, worker, org)
    r.sign_session(manager, org.ids["tm_a"], sid)
    assert manager.client.sync().rejected == 0
    worker.client.sync()
    r.sign_session(worker, org.ids["sw_a1"], sid)
    assert worker.client.sync().rejected == 0
    documents = pushed_documents(deployment, sid)  # the laptops' copies, as the check saw them
    assert sorted(d["stage"] for d in documents) == ["locked", "supervisor_signed"]
    with deployment.engine.connect() as conn:
        cas = [stored.certificate for stored in all_cas(conn)]
        signed_at = {json.loads(d)["signer_role"]: json.loads(d)["signed_at"] for d in conn.execute(
            select(record.c.data).where(record.c.parent_id == sid, record.c.table_name == "signature")).scalars()}
        prepared = {}
        for document in documents:
            stage = document["stage"]
            at = p.parse_datetime(signed_at["supervisor" if stage == "supervisor_signed" else "supervisee"])
            prepared[stage] = examine(base64.b64decode(document["pdf"]), cas, at)

        def read_again(*_args, **_kwargs):
            raise AssertionError("the copy was read again under the lock")

        monkeypatch.setattr(document_check, "examine", read_again)
        for document in documents:
            assert document_problem(conn, document, document["stage"], findings=prepared[document["stage"]]) is None
        # findings of other bytes are not taken for this copy's: it is read again
        other = dict(documents[0], pdf=documents[1]["pdf"])
        with pytest.raises(AssertionError, match="read again"):
            document_problem(conn, other, documents[0]["stage"], findings=prepared[documents[0]["stage"]])


def test_a_signing_refused_for_its_pdf_is_kept_on_the_laptop_with_the_reason(deployment, laptops):
    """The laptop's side: a signing whose signed copy is not the record's (here its outbox
    carries another record's copy) is refused whole and kept apart with the reason; the
    record goes back to what the server holds, and signing again is accepted."""
    org = deployment.org
    manager, worker = laptops("tm_a"), laptops("sw_a1")
    r.credentials(manager), r.credentials(worker)
    first = r.responded_session(manager, worker, org)
    second = r.responded_session(manager, worker, org)
    r.sign_session(manager, org.ids["tm_a"], first)
    r.sign_session(manager, org.ids["tm_a"], second)
    other_pdf = signing_unit(manager, second)[2][1]["data"]["pdf"]
    with manager.db.transaction() as s:
        seq, payload = s.execute(text(
            "select seq, payload from sync_outbox where table_name = 'record_document' and payload like :p"),
            {"p": f'%"record_id":"{first}"%'}).one()
        row = json.loads(payload)
        row["data"]["pdf"] = other_pdf
        s.execute(text("update sync_outbox set payload = :p where seq = :s"),
                  {"p": json.dumps(row, separators=(",", ":")), "s": seq})
    report = manager.client.sync()
    assert report.rejected == 3
    kept = manager.client.pending_conflicts()
    assert sorted(c.table for c in kept) == ["record_document", "signature", "supervision_session"]
    assert all("different record digest" in c.reason for c in kept), kept
    assert server_state(deployment, first) == ("shared", 0)
    assert server_state(deployment, second) == ("supervisor_signed", 1)  # the other signing was its own
    assert r.get(manager, m.SupervisionSession, first).state == "shared"
    r.sign_session(manager, org.ids["tm_a"], first)
    assert manager.client.sync().rejected == 0
    assert server_state(deployment, first) == ("supervisor_signed", 1)

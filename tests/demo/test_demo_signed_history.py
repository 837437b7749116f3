"""The desktop demo's signed history is real (issue 19, finding 6): its locked records went
through share, respond and both signatures with the profile's demo CA, their signed PDFs
verify against that CA, and an export of a worker's whole history finds every signed copy.

First start signs the recent records; the rest of the year is signed in the background
once the window is up (demo/signing_backlog.py). The fixture interrupts that background run
part-way, as closing the demo would, then lets the window's own start-up resume it and waits
for it to finish (its ``finished`` event): ``signed_demo`` in conftest.py."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from supervision_app.demo.generator import SIGNED_SESSIONS_DAYS
from supervision_app.demo.signing_backlog import (
    has_backlog,
    load_backlog,
)
from supervision_app.domain.lifecycle import RecordKind
from supervision_app.domain.time_rules import london_date
from supervision_app.records.export import export_records, locked_sessions
from supervision_app.records.signoff import latest_document
from supervision_app.records.verify import verify_pdf
from supervision_app.security import pki
from supervision_app.store.models import (
    ActionItem,
    ActionReview,
    AuditEntry,
    OversightNote,
    Signature,
    SupervisionSession,
)
from tests.demo.signed_demo import INTERRUPTED_AFTER, TODAY, locked_without_pdf


def _really_signed(db, kind: RecordKind) -> list[str]:
    with db.reading() as session:
        return sorted(set(session.scalars(select(Signature.record_id).where(
            Signature.record_kind == kind.value, Signature.signature_value.is_not(None)))))


def test_recent_locked_records_verify_against_the_demo_ca(signed_demo):
    db, _, ca, _, _ = signed_demo
    sessions = _really_signed(db, RecordKind.SUPERVISION)
    notes = _really_signed(db, RecordKind.OVERSIGHT_NOTE)
    with db.reading() as session:
        locked = [r for r in sessions
                  if session.get(SupervisionSession, r).state == "locked"]
        assert len(locked) >= 12 and len(notes) >= 3
        for kind, record_id, signers in (
                [(RecordKind.SUPERVISION, r, 2) for r in locked]
                + [(RecordKind.OVERSIGHT_NOTE, n, 1) for n in notes]):
            report = verify_pdf(latest_document(session, kind, record_id).pdf, ca)
            assert report.all_ok, (kind, report.error, [s.problems for s in report.signatures])
            assert len(report.signatures) == signers
            rows = session.scalars(select(Signature).where(Signature.record_id == record_id)
                                   .order_by(Signature.signed_at)).all()
            # each signature carries the history's own moment, within its certificate's life
            for row, signature in zip(rows, report.signatures):
                certificate = pki.load_certificate(row.certificate_pem.encode())
                assert certificate.not_valid_before_utc <= row.signed_at.replace(
                    tzinfo=certificate.not_valid_before_utc.tzinfo)
                assert signature.signing_time is not None
                assert abs((signature.signing_time - row.signed_at.replace(
                    tzinfo=signature.signing_time.tzinfo)).total_seconds()) < 2
            assert london_date(rows[0].signed_at) < TODAY


def test_signed_records_went_through_the_peoples_steps(signed_demo):
    db, _, _, _, _ = signed_demo
    sessions = _really_signed(db, RecordKind.SUPERVISION)
    with db.reading() as session:
        steps = Counter((e.record_id, e.action) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.record_id.in_(sessions))))
        for record_id in sessions:
            row = session.get(SupervisionSession, record_id)
            # first start shares the recent ones; an older one was written shared and
            # answered, as its history had it, and signed in the background
            recent = london_date(row.held_at) >= TODAY - timedelta(days=SIGNED_SESSIONS_DAYS)
            assert steps[(record_id, "share")] == steps[(record_id, "respond")] == int(recent)
            assert steps[(record_id, "sign_as_supervisor")] == 1
            assert steps[(record_id, "sign_as_supervisee")] == (row.state == "locked")
            assert row.supervisee_agreement in ("agrees", "disagrees")
            assert row.shared_at < row.updated_at  # shared on the history's day, then signed
            # its reviews say what each action's status was then
            for review in session.scalars(select(ActionReview).where(
                    ActionReview.session_id == record_id)):
                action = session.get(ActionItem, review.action_id)
                if recent:  # first start shared it through share_session
                    closed_by_then = action.closed_at is not None and action.closed_at <= row.shared_at
                else:  # written as the history had it on the day it was held
                    closed_by_then = action.closed_at is not None and \
                        london_date(action.closed_at) <= london_date(row.held_at)
                assert (review.status != "open") == closed_by_then, (review.status, action.closed_at)
        note_ids = _really_signed(db, RecordKind.OVERSIGHT_NOTE)
        assert all(session.get(OversightNote, n).state == "locked" for n in note_ids)


def test_a_workers_whole_history_exports_with_signed_copies(signed_demo, tmp_path):
    db, summary, ca, _, _ = signed_demo
    for worker in (summary.asye_worker_id, summary.disagreeing_worker_id,
                   summary.worker_ids[5]):
        ids = locked_sessions(db, actor_id=worker, worker_ids=[worker])
        with db.reading() as session:  # the whole year, not only first start's records
            held = [session.get(SupervisionSession, i).held_at for i in ids]
        assert len(ids) >= 3 and london_date(min(held)) < TODAY - timedelta(days=150) \
            or worker == summary.asye_worker_id
        result = export_records(db, actor_id=worker, session_ids=ids, folder=tmp_path / worker)
        assert result.skipped == []
        pdfs = [p for p in result.written if "addendum" not in p.name]
        assert len(pdfs) == len(ids)
        for path in pdfs:
            report = verify_pdf(path.read_bytes(), ca)
            assert report.all_ok and len(report.signatures) == 2


def test_first_start_signs_recent_records_and_keeps_the_rest_for_later(signed_demo):
    _, _, _, facts, _ = signed_demo
    kinds = Counter(p.kind for p in facts["backlog"])
    assert kinds["supervision"] > 50 and kinds["oversight_note"] > 200
    # no locked record lacks its signed copy, even before the background run
    assert facts["first_start_unsigned"] == []


def test_an_interrupted_backlog_resumes_at_the_next_start_skipping_steps_taken(signed_demo):
    db, _, _, facts, _ = signed_demo
    assert facts["taken_first"] == INTERRUPTED_AFTER and facts["kept_after_interruption"]
    run = facts["run"]
    assert facts["runs_started"] == 1 and run.error is None
    assert run.taken == len(facts["backlog"]) - INTERRUPTED_AFTER
    assert not has_backlog(db) and load_backlog(db) == []
    with db.reading() as session:  # nothing signed twice
        per_record = Counter(session.scalars(select(Signature.record_id)))
        for record_id, count in per_record.items():
            row = session.get(SupervisionSession, record_id)
            assert count == (2 if row is not None and row.state == "locked" else 1)


def test_every_locked_record_of_the_year_has_a_signed_copy(signed_demo):
    db, _, _, _, _ = signed_demo
    assert locked_without_pdf(db) == []
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Signature).where(
            Signature.signature_value.is_(None))) == 0
        assert session.scalar(select(func.count()).select_from(OversightNote).where(
            OversightNote.state == "locked")) > 300


def test_background_signing_logs_no_record_contents(signed_demo):
    _, _, _, facts, lines = signed_demo
    text = "\n".join(lines)
    for plan in facts["backlog"]:
        assert plan.record_id not in text
        assert not plan.comments or plan.comments not in text

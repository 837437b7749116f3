"""The desktop demo's signed history is real (issue 19, finding 6): its recent locked records
went through share, respond and both signatures with the profile's demo CA, their signed
PDFs verify against that CA, and a worker's history export finds their signed copies."""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import keyring
import pytest
from sqlalchemy import select

from supervision_app.demo.generator import SIGNED_SESSIONS_DAYS, populate_team_demo
from supervision_app.domain.lifecycle import RecordKind
from supervision_app.domain.time_rules import london_date
from supervision_app.records.export import export_records, locked_sessions
from supervision_app.records.signoff import latest_document
from supervision_app.records.verify import verify_pdf
from supervision_app.security import pki
from supervision_app.security.credentials import CredentialStore
from supervision_app.security.secret_store import SecretStore
from supervision_app.store.database import open_database
from supervision_app.store.models import (
    ActionItem,
    ActionReview,
    AuditEntry,
    OversightNote,
    Signature,
    SupervisionSession,
)
from tests.memory_keyring import MemoryKeyring

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    db = open_database(tmp_path_factory.mktemp("signed-demo") / "profile")
    try:
        summary = populate_team_demo(db, today=TODAY)
        store = CredentialStore(db.profile.folder, SecretStore(db.profile.profile_id))
        ca = pki.load_certificate(store.ca_certificate_pem())
        yield db, summary, ca
    finally:
        db.close()
        keyring.set_keyring(previous)


def _really_signed(db, kind: RecordKind) -> list[str]:
    with db.reading() as session:
        return sorted(set(session.scalars(select(Signature.record_id).where(
            Signature.record_kind == kind.value, Signature.signature_value.is_not(None)))))


def test_recent_locked_records_verify_against_the_demo_ca(demo):
    db, _, ca = demo
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


def test_signed_records_went_through_the_peoples_steps(demo):
    db, _, _ = demo
    sessions = _really_signed(db, RecordKind.SUPERVISION)
    with db.reading() as session:
        steps = Counter((e.record_id, e.action) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.record_id.in_(sessions))))
        for record_id in sessions:
            row = session.get(SupervisionSession, record_id)
            assert steps[(record_id, "share")] == 1 and steps[(record_id, "respond")] == 1
            assert steps[(record_id, "sign_as_supervisor")] == 1
            assert steps[(record_id, "sign_as_supervisee")] == (row.state == "locked")
            assert row.supervisee_agreement in ("agrees", "disagrees")
            assert row.shared_at < row.updated_at  # shared on the history's day, then signed
            # its reviews say what each action's status was when it was shared
            for review in session.scalars(select(ActionReview).where(
                    ActionReview.session_id == record_id)):
                action = session.get(ActionItem, review.action_id)
                closed_by_then = action.closed_at is not None and action.closed_at <= row.shared_at
                assert (review.status != "open") == closed_by_then, (review.status, action.closed_at)
        note_ids = _really_signed(db, RecordKind.OVERSIGHT_NOTE)
        assert all(session.get(OversightNote, n).state == "locked" for n in note_ids)


def test_a_workers_recent_history_exports_with_signed_copies(demo, tmp_path):
    db, summary, ca = demo
    start = TODAY - timedelta(days=SIGNED_SESSIONS_DAYS - 1)
    for worker in (summary.asye_worker_id, summary.disagreeing_worker_id):
        ids = locked_sessions(db, actor_id=worker, worker_ids=[worker], start=start)
        assert ids
        result = export_records(db, actor_id=worker, session_ids=ids, folder=tmp_path / worker)
        assert result.skipped == []
        pdfs = [p for p in result.written if "addendum" not in p.name]
        assert len(pdfs) == len(ids)
        for path in pdfs:
            report = verify_pdf(path.read_bytes(), ca)
            assert report.all_ok and len(report.signatures) == 2

"""The sign-off flow end to end: signatures stored, PDF signed twice, record locked."""
from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from supervision_app.domain.canonical import canonical_bytes
from supervision_app.domain.lifecycle import RecordKind
from supervision_app.domain.supervisee_response import NO_RESPONSE, day_words, supervisor_may_sign_from
from supervision_app.domain.time_rules import london_date, utc_now
from supervision_app.domain.vocabulary import RecordState
from supervision_app.records.signoff import (
    RecordChangedWhileSigning,
    create_addendum,
    latest_document,
    sign_addendum,
    sign_oversight_note,
    sign_supervision_record,
    update_addendum,
)
from supervision_app.records.snapshot import load_supervision_snapshot
from supervision_app.records.verify import verify_pdf
from supervision_app.security import pki
from supervision_app.security.credentials import CredentialStore, CredentialsUnavailable
from supervision_app.security.secret_store import SecretStore
from supervision_app.store.errors import RecordLocked
from supervision_app.store.models import Addendum, OversightNote, Signature, SupervisionSession
from supervision_app.store.supervision_records import NotAllowed
from tests.records.steps import respond, share, share_and_respond
from tests.store.builders import make_session, make_team


@pytest.fixture
def setup(database):
    team, manager, worker, child = make_team(database)
    session, discussion, action = make_session(database, manager, worker, child)
    share_and_respond(database, manager.id, worker.id, session.id)
    store = CredentialStore(database.profile.folder, SecretStore(database.profile.profile_id))
    store.ensure_local_credentials(manager.id, manager.display_name, "team_manager")
    store.ensure_local_credentials(worker.id, worker.display_name, "social_worker")
    return database, store, manager, worker, child, session


def test_supervisor_then_supervisee_sign_and_the_record_locks(setup):
    db, store, manager, worker, child, record = setup
    first = sign_supervision_record(db, store, session_id=record.id, signer_id=manager.id)
    assert first.new_state == RecordState.SUPERVISOR_SIGNED
    second = sign_supervision_record(db, store, session_id=record.id, signer_id=worker.id)
    assert second.new_state == RecordState.LOCKED
    assert first.digest == second.digest

    with db.reading() as s:
        row = s.get(SupervisionSession, record.id)
        assert row.state == "locked"
        signatures = s.execute(select(Signature).where(Signature.record_id == record.id)).scalars().all()
        assert {sig.signer_role for sig in signatures} == {"supervisor", "supervisee"}
        snapshot = load_supervision_snapshot(s, record.id)
        pdf = latest_document(s, RecordKind.SUPERVISION, record.id).pdf
    # The stored ECDSA signatures check against each signer's certificate.
    data = canonical_bytes(RecordKind.SUPERVISION, snapshot.canonical)
    for sig in signatures:
        assert sig.digest == snapshot.digest
        cert = pki.load_certificate(sig.certificate_pem.encode())
        cert.public_key().verify(sig.signature_value, data, ec.ECDSA(hashes.SHA256()))
    report = verify_pdf(pdf, pki.load_certificate(store.ca_certificate_pem()))
    assert report.all_ok, report
    import io

    from pypdf import PdfReader

    first_page = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Signed record" in first_page and "Shared with supervisee" not in first_page
    assert [s.signer_common_name for s in report.signatures] == ["Morgan Manager", "Zoë Ødegård"]


def test_a_locked_record_refuses_every_change_after_sign_off(setup):
    db, store, manager, worker, child, record = setup
    sign_supervision_record(db, store, session_id=record.id, signer_id=manager.id)
    sign_supervision_record(db, store, session_id=record.id, signer_id=worker.id)
    with pytest.raises(RecordLocked):
        with db.transaction() as s:
            s.get(SupervisionSession, record.id).learning = "changed"
    with db.engine.connect() as conn:
        with pytest.raises(IntegrityError):
            conn.execute(text("UPDATE supervision_session SET learning = 'x' WHERE id = :id"), {"id": record.id})


def test_supervisee_cannot_sign_first_and_others_cannot_sign_at_all(setup):
    db, store, manager, worker, child, record = setup
    with pytest.raises(NotAllowed, match="shared"):
        sign_supervision_record(db, store, session_id=record.id, signer_id=worker.id)


def test_revoked_or_expired_certificates_cannot_sign(setup):
    db, store, manager, worker, child, record = setup
    store.revoke(manager.id)
    with pytest.raises(CredentialsUnavailable, match="revoked"):
        sign_supervision_record(db, store, session_id=record.id, signer_id=manager.id)
    with db.reading() as s:
        assert s.get(SupervisionSession, record.id).state == "shared"


def test_missing_key_passphrase_gives_a_clear_message(setup, memory_keyring):
    db, store, manager, worker, child, record = setup
    for key in [k for k in memory_keyring.secrets if k[1].endswith(f"signing-key:{manager.id}")]:
        del memory_keyring.secrets[key]
    with pytest.raises(CredentialsUnavailable, match="keyring"):
        sign_supervision_record(db, store, session_id=record.id, signer_id=manager.id)


def test_a_record_edited_during_signing_is_not_signed(setup):
    db, store, manager, worker, child, record = setup

    def sneaky_now():
        # the record changes between reading it and committing the signature
        with db.transaction() as s:
            row = s.get(SupervisionSession, record.id)
            row.supervisee_comments = "late comment"
            row.version += 1
        from supervision_app.domain.time_rules import utc_now
        return utc_now()

    with pytest.raises(RecordChangedWhileSigning):
        sign_supervision_record(db, store, session_id=record.id, signer_id=manager.id, now=sneaky_now)
    with db.reading() as s:
        assert s.get(SupervisionSession, record.id).state == "shared"
        assert s.execute(select(Signature)).first() is None


def test_addendum_flow_signs_and_locks(setup):
    db, store, manager, worker, child, record = setup
    sign_supervision_record(db, store, session_id=record.id, signer_id=manager.id)
    sign_supervision_record(db, store, session_id=record.id, signer_id=worker.id)
    with db.transaction() as s:
        addendum_id = create_addendum(s, author_id=manager.id, record_kind=RecordKind.SUPERVISION,
                                      record_id=record.id, body="Correction: visit was on Tuesday.")
    with db.transaction() as s:
        update_addendum(s, author_id=manager.id, addendum_id=addendum_id,
                        body="Correction: the home visit was on Tuesday, not Monday.")
    result = sign_addendum(db, store, addendum_id=addendum_id, signer_id=manager.id)
    assert result.new_state == RecordState.LOCKED
    with pytest.raises(NotAllowed, match="locked"):
        with db.transaction() as s:
            update_addendum(s, author_id=manager.id, addendum_id=addendum_id, body="sneaky")
    with pytest.raises(RecordLocked):  # and the database refuses even without the rules
        with db.transaction() as s:
            s.get(Addendum, addendum_id).body = "sneaky"
    with db.reading() as s:
        pdf = latest_document(s, RecordKind.ADDENDUM, addendum_id).pdf
    assert verify_pdf(pdf, pki.load_certificate(store.ca_certificate_pem())).all_ok


def test_addenda_only_on_locked_records(setup):
    db, store, manager, worker, child, record = setup
    with pytest.raises(NotAllowed, match="signed records"):
        with db.transaction() as s:
            create_addendum(s, author_id=manager.id, record_kind=RecordKind.SUPERVISION,
                            record_id=record.id, body="too early")


def test_oversight_note_signed_by_its_author_locks(setup):
    db, store, manager, worker, child, record = setup
    with db.transaction() as s:
        note = OversightNote(child_id=child.id, author_id=manager.id, trigger="plan_review",
                             decision="Step down to child in need", rationale="Risks reduced over 3 months")
        s.add(note)
    sign_oversight_note(db, store, note_id=note.id, signer_id=manager.id)
    with pytest.raises(RecordLocked):
        with db.transaction() as s:
            s.get(OversightNote, note.id).decision = "changed"
    with db.reading() as s:
        pdf = latest_document(s, RecordKind.OVERSIGHT_NOTE, note.id).pdf
    assert verify_pdf(pdf, pki.load_certificate(store.ca_certificate_pem())).all_ok


def _first_page(pdf: bytes) -> str:
    import io

    from pypdf import PdfReader

    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_supervisor_signs_only_after_the_supervisee_has_responded(setup):
    db, store, manager, worker, child, _ = setup
    record, _, _ = make_session(db, manager, worker, child)
    share(db, manager.id, record.id)
    with db.reading() as s:
        shared_on = london_date(s.get(SupervisionSession, record.id).shared_at)
    from_day = day_words(supervisor_may_sign_from(shared_on))
    with pytest.raises(NotAllowed) as refused:
        sign_supervision_record(db, store, session_id=record.id, signer_id=manager.id)
    assert str(refused.value) == (f"You can sign once Zoë Ødegård has responded, or from {from_day} "
                                  "if they have not.")
    with db.reading() as s:
        assert s.get(SupervisionSession, record.id).state == "shared"
        assert s.execute(select(Signature).where(Signature.record_id == record.id)).first() is None

    respond(db, worker.id, record.id, agreement="disagrees", disagreement="The plan is not mine.")
    result = sign_supervision_record(db, store, session_id=record.id, signer_id=manager.id)
    assert result.new_state == RecordState.SUPERVISOR_SIGNED
    with db.reading() as s:
        text_ = _first_page(latest_document(s, RecordKind.SUPERVISION, record.id).pdf)
    assert "DISAGREES" in text_ and NO_RESPONSE not in text_


def test_after_five_working_days_with_no_response_the_supervisor_signs_and_the_pdf_says_so(setup):
    db, store, manager, worker, child, _ = setup
    record, _, _ = make_session(db, manager, worker, child)
    share(db, manager.id, record.id, at=utc_now() - timedelta(days=21))
    with db.reading() as s:
        before = load_supervision_snapshot(s, record.id)
    assert before.document.no_response_within_window
    first = sign_supervision_record(db, store, session_id=record.id, signer_id=manager.id)
    second = sign_supervision_record(db, store, session_id=record.id, signer_id=worker.id)
    assert second.new_state == RecordState.LOCKED
    with db.reading() as s:
        after = load_supervision_snapshot(s, record.id)
        pdf = latest_document(s, RecordKind.SUPERVISION, record.id).pdf
    # the line is in the rendered document only: what is signed is the record as it stands
    assert first.digest == second.digest == after.digest
    assert not {k for k in after.canonical if "response" in k}
    assert after.document.no_response_within_window  # from the signature's own date now
    assert f"{NO_RESPONSE}." in _first_page(pdf)
    assert verify_pdf(pdf, pki.load_certificate(store.ca_certificate_pem())).all_ok


def test_a_responded_record_never_says_no_response(setup):
    db, store, manager, worker, child, record = setup  # shared and agreed
    sign_supervision_record(db, store, session_id=record.id, signer_id=manager.id)
    with db.reading() as s:
        assert not load_supervision_snapshot(s, record.id).document.no_response_within_window
        text_ = _first_page(latest_document(s, RecordKind.SUPERVISION, record.id).pdf)
    assert "The supervisee agrees with this record." in text_ and NO_RESPONSE not in text_

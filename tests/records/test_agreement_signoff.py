"""A supervision agreement signed by supervisor then supervisee through the records'
signing path: signatures over its canonical form, a PAdES PDF with both signatures, locked
in the database itself; where each worker's agreement stands."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from supervision_app.domain.agreements import AgreementStatus
from supervision_app.domain.lifecycle import RecordKind
from supervision_app.domain.time_rules import london_date, utc_now
from supervision_app.domain.vocabulary import RecordState
from supervision_app.records.agreement_signoff import sign_agreement
from supervision_app.records.signoff import latest_document
from supervision_app.records.verify import verify_pdf
from supervision_app.security import pki
from supervision_app.security.credentials import CredentialStore
from supervision_app.security.secret_store import SecretStore
from supervision_app.store import agreement_records as ar
from supervision_app.store.errors import RecordLocked
from supervision_app.store.models import Signature
from supervision_app.store.practice_models import SupervisionAgreement
from supervision_app.store.supervision_records import NotAllowed, load_actor
from tests.store.builders import make_team


@pytest.fixture
def setup(database):
    team, manager, worker, child = make_team(database)
    store = CredentialStore(database.profile.folder, SecretStore(database.profile.profile_id))
    store.ensure_local_credentials(manager.id, manager.display_name, "team_manager")
    store.ensure_local_credentials(worker.id, worker.display_name, "social_worker")
    with database.transaction() as s:
        agreement_id = ar.create_agreement(s, load_actor(s, manager.id), worker.id,
                                           {"location": "Room 4, or Teams when working from home"})
    return database, store, manager, worker, agreement_id


def _overview(db, viewer_id, worker_id, today=None):
    with db.reading() as s:
        (row,) = ar.agreement_overview(s, load_actor(s, viewer_id), today=today or london_date(utc_now()),
                                       worker_ids=[worker_id])
    return row


def test_supervisor_then_supervisee_sign_and_the_agreement_locks(setup):
    db, store, manager, worker, agreement_id = setup
    assert _overview(db, manager.id, worker.id).state.status == AgreementStatus.AWAITING_SIGNATURE
    with pytest.raises(NotAllowed):  # the supervisee cannot see or sign a draft
        sign_agreement(db, store, agreement_id=agreement_id, signer_id=worker.id)
    first = sign_agreement(db, store, agreement_id=agreement_id, signer_id=manager.id)
    assert first.new_state == RecordState.SUPERVISOR_SIGNED
    with pytest.raises(RecordLocked):  # terms freeze at the supervisor's signature
        with db.transaction() as s:
            s.get(SupervisionAgreement, agreement_id).duration = "30 minutes"
    with db.reading() as s:  # the worker's reminder: an agreement waiting for their signature
        waiting = ar.agreements_to_review(s, load_actor(s, worker.id), london_date(utc_now()))
    assert waiting == {f"sign:{agreement_id}"}
    second = sign_agreement(db, store, agreement_id=agreement_id, signer_id=worker.id)
    assert second.new_state == RecordState.LOCKED and second.digest == first.digest

    with db.reading() as s:
        signatures = s.scalars(select(Signature).where(Signature.record_id == agreement_id)).all()
        pdf = latest_document(s, RecordKind.AGREEMENT, agreement_id).pdf
    assert {sig.signer_role for sig in signatures} == {"supervisor", "supervisee"}
    report = verify_pdf(pdf, pki.load_certificate(store.ca_certificate_pem()))
    assert report.all_ok, report
    assert [s.signer_common_name for s in report.signatures] == ["Morgan Manager", "Zoë Ødegård"]
    state = _overview(db, manager.id, worker.id).state
    assert state.status == AgreementStatus.IN_PLACE
    with db.reading() as s:  # nothing left to remind either of them about
        assert ar.agreements_to_review(s, load_actor(s, manager.id), london_date(utc_now())) == set()
    assert state.review_by == london_date(utc_now()) + timedelta(days=365)
    # a year and a day on, it is due for review
    later = london_date(utc_now()) + timedelta(days=366)
    assert _overview(db, manager.id, worker.id, later).state.status == AgreementStatus.REVIEW_DUE
    with db.engine.connect() as conn:
        with pytest.raises(IntegrityError):
            conn.execute(text("UPDATE supervision_agreement SET location = 'x' WHERE id = :id"),
                         {"id": agreement_id})


def test_a_new_supervisor_makes_the_agreement_due_for_review(setup):
    db, store, manager, worker, agreement_id = setup
    sign_agreement(db, store, agreement_id=agreement_id, signer_id=manager.id)
    sign_agreement(db, store, agreement_id=agreement_id, signer_id=worker.id)
    from supervision_app.store.models import Staff, Team

    with db.transaction() as s:
        newcomer = Staff(display_name="Nia New", username="nia", role="team_manager",
                         team_id=worker.team_id, started_on=date(2024, 1, 1))
        s.add(newcomer)
        s.flush()
        s.get(Team, worker.team_id).manager_id = newcomer.id
        newcomer_id = newcomer.id
    assert _overview(db, newcomer_id, worker.id).state.status == AgreementStatus.SUPERVISOR_CHANGED


def test_no_agreement_is_missing(database):
    team, manager, worker, child = make_team(database)
    assert _overview(database, manager.id, worker.id).state.status == AgreementStatus.MISSING

"""Issue 16: the record's signed copy is the one that belongs to its last signature. Before the
fix ``signoff.latest_document`` took the copy with the latest ``created_at``, a time the
signer's laptop writes: a supervisor whose clock ran ahead (or was set ahead) kept their
copy "newest" after the supervisee had signed, so the PDF shown and exported lacked the
supervisee's signature."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from supervision_app.domain.lifecycle import RecordKind
from supervision_app.domain.time_rules import utc_now
from supervision_app.records.signoff import latest_document, sign_supervision_record
from supervision_app.records.verify import verify_pdf
from supervision_app.security import pki
from supervision_app.security.credentials import CredentialStore
from supervision_app.security.secret_store import SecretStore
from supervision_app.store.models import RecordDocument
from tests.records.steps import share_and_respond
from tests.store.builders import make_session, make_team


@pytest.fixture
def signed_ahead(database):
    """A record the supervisor signed on a laptop whose clock ran a day ahead, then the
    supervisee signed on a laptop with the right time; both through the app's sign-off."""
    team, manager, worker, child = make_team(database)
    session, _discussion, _action = make_session(database, manager, worker, child)
    share_and_respond(database, manager.id, worker.id, session.id)
    store = CredentialStore(database.profile.folder, SecretStore(database.profile.profile_id))
    store.ensure_local_credentials(manager.id, manager.display_name, "team_manager")
    store.ensure_local_credentials(worker.id, worker.display_name, "social_worker")
    ahead = utc_now() + timedelta(days=1)
    sign_supervision_record(database, store, session_id=session.id, signer_id=manager.id,
                            now=lambda: ahead)
    sign_supervision_record(database, store, session_id=session.id, signer_id=worker.id)
    return database, store, session.id


def test_the_copy_signed_last_is_chosen_whatever_date_the_laptops_gave_the_copies(signed_ahead):
    db, store, record_id = signed_ahead
    with db.reading() as s:
        copies = {doc.stage: doc.created_at for doc in s.execute(
            select(RecordDocument).where(RecordDocument.record_id == record_id)).scalars()}
        assert copies["supervisor_signed"] > copies["locked"]  # the supervisor's copy claims to be newer
        chosen = latest_document(s, RecordKind.SUPERVISION, record_id)
        assert chosen.stage == "locked"
        pdf = chosen.pdf
    report = verify_pdf(pdf, pki.load_certificate(store.ca_certificate_pem()))
    assert report.complete, report
    assert [sig.field_name for sig in report.signatures] == ["SupervisorSignature", "SuperviseeSignature"]

"""Addenda to a signed supervision agreement (issue 21), as a signed record takes them:
either party writes one once both have signed, signs it with their own key (a PAdES PDF of
its own, naming the agreement's digest), and it locks; the agreement and its signed PDF
stay exactly as signed. The other party sees it, and search finds it."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from supervision_app.domain.canonical import canonical_bytes
from supervision_app.domain.lifecycle import RecordKind
from supervision_app.domain.vocabulary import RecordState
from supervision_app.records.agreement_signoff import sign_agreement
from supervision_app.records.signoff import create_addendum, latest_document, sign_addendum, update_addendum
from supervision_app.records.verify import verify_pdf
from supervision_app.security import pki
from supervision_app.security.credentials import CredentialStore
from supervision_app.security.secret_store import SecretStore
from supervision_app.store import agreement_records as ar
from supervision_app.store.models import Addendum, Signature
from supervision_app.store.search_queries import search
from supervision_app.store.supervision_records import NotAllowed, load_actor
from tests.store.builders import make_team


@pytest.fixture
def signed(database):
    """An agreement both parties have signed through the signing path (so it is locked)."""
    team, manager, worker, child = make_team(database)
    store = CredentialStore(database.profile.folder, SecretStore(database.profile.profile_id))
    store.ensure_local_credentials(manager.id, manager.display_name, "team_manager")
    store.ensure_local_credentials(worker.id, worker.display_name, "social_worker")
    with database.transaction() as s:
        agreement_id = ar.create_agreement(s, load_actor(s, manager.id), worker.id)
    sign_agreement(database, store, agreement_id=agreement_id, signer_id=manager.id)
    sign_agreement(database, store, agreement_id=agreement_id, signer_id=worker.id)
    return database, store, manager, worker, agreement_id


def _addenda(db, viewer_id, agreement_id):
    with db.reading() as s:
        return ar.agreement_addenda(s, load_actor(s, viewer_id), agreement_id)


def _write(db, author_id, agreement_id, body):
    with db.transaction() as s:
        return create_addendum(s, author_id=author_id, record_kind=RecordKind.AGREEMENT,
                               record_id=agreement_id, body=body)


def test_manager_signs_an_addendum_and_the_worker_sees_it(signed):
    db, store, manager, worker, agreement_id = signed
    with db.reading() as s:
        agreement_pdf = latest_document(s, RecordKind.AGREEMENT, agreement_id).pdf
        agreement_digest = s.scalars(select(Signature.digest).where(
            Signature.record_id == agreement_id, Signature.signer_role == "supervisee")).one()
    assert _addenda(db, manager.id, agreement_id).can_add
    addendum_id = _write(db, manager.id, agreement_id, "Supervision moves to Thursdays from January.")
    # a draft is its author's alone
    assert [a.addendum_id for a in _addenda(db, manager.id, agreement_id).addenda] == [addendum_id]
    assert _addenda(db, worker.id, agreement_id).addenda == ()
    with db.transaction() as s:
        update_addendum(s, author_id=manager.id, addendum_id=addendum_id,
                        body="Supervision moves to Thursday mornings from January.")

    result = sign_addendum(db, store, addendum_id=addendum_id, signer_id=manager.id)
    assert result.new_state == RecordState.LOCKED

    (seen,) = _addenda(db, worker.id, agreement_id).addenda
    assert seen.addendum_id == addendum_id and seen.state == RecordState.LOCKED
    assert seen.author_name == "Morgan Manager" and "Thursday mornings" in seen.body
    with db.reading() as s:
        signature = s.scalars(select(Signature).where(Signature.record_id == addendum_id)).one()
        addendum_pdf = latest_document(s, RecordKind.ADDENDUM, addendum_id).pdf
        again = latest_document(s, RecordKind.AGREEMENT, agreement_id).pdf
    assert signature.signer_role == "author" and signature.signer_id == manager.id
    # the addendum's signature is over a form naming the digest both parties signed
    from supervision_app.domain.record_canonical import addendum_canonical

    with db.reading() as s:
        addendum = s.get(Addendum, addendum_id)
        form = addendum_canonical({c.key: getattr(addendum, c.key) for c in addendum.__table__.columns},
                                  agreement_digest)
    certificate = pki.load_certificate(signature.certificate_pem.encode())
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    certificate.public_key().verify(signature.signature_value, canonical_bytes(RecordKind.ADDENDUM, form),
                                    ec.ECDSA(hashes.SHA256()))
    ca = pki.load_certificate(store.ca_certificate_pem())
    report = verify_pdf(addendum_pdf, ca)
    assert report.all_ok, report
    assert [r.signer_common_name for r in report.signatures] == ["Morgan Manager"]
    # the agreement's own signed copy is untouched: both signatures still intact
    assert again == agreement_pdf
    assert [r.signer_common_name for r in verify_pdf(again, ca).signatures] == ["Morgan Manager", "Zoë Ødegård"]

    # a signed addendum is locked like the agreement
    with pytest.raises(NotAllowed), db.transaction() as s:
        update_addendum(s, author_id=manager.id, addendum_id=addendum_id, body="changed")

    with db.reading() as s:
        hits = [h for h in search(s, load_actor(s, worker.id), "Thursday") if h.kind == "addendum"]
    assert [(h.record_id, h.agreement_id, h.worker_id) for h in hits] == [(addendum_id, agreement_id, worker.id)]
    assert hits[0].title == "Addendum to supervision agreement with Zoë Ødegård"


def test_the_worker_adds_one_too_and_only_its_author_signs_it(signed):
    db, store, manager, worker, agreement_id = signed
    addendum_id = _write(db, worker.id, agreement_id, "I asked for reflective time each session.")
    with pytest.raises(NotAllowed):
        sign_addendum(db, store, addendum_id=addendum_id, signer_id=manager.id)
    sign_addendum(db, store, addendum_id=addendum_id, signer_id=worker.id)
    (seen,) = _addenda(db, manager.id, agreement_id).addenda
    assert seen.author_name == "Zoë Ødegård" and seen.signed_at is not None


def test_no_addendum_before_both_have_signed(database):
    team, manager, worker, child = make_team(database)
    store = CredentialStore(database.profile.folder, SecretStore(database.profile.profile_id))
    store.ensure_local_credentials(manager.id, manager.display_name, "team_manager")
    with database.transaction() as s:
        agreement_id = ar.create_agreement(s, load_actor(s, manager.id), worker.id)
    with pytest.raises(NotAllowed):  # a draft is edited, not amended
        _write(database, manager.id, agreement_id, "Too early")
    sign_agreement(database, store, agreement_id=agreement_id, signer_id=manager.id)
    with pytest.raises(NotAllowed):
        _write(database, manager.id, agreement_id, "Still waiting for the worker")
    assert not _addenda(database, manager.id, agreement_id).can_add

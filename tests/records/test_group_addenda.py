"""Addenda to a locked group session (issue 21: group records lock when signed; addenda as
for records). Once everyone present has signed, the supervisor or anyone present writes a
correction as a draft only they see, signs it with their own key (a PAdES PDF of its own,
naming the digest of the session as its author signed it) and it locks; everyone who sees
the shared part sees it; the session's own signed copies stay exactly as signed. Nobody
amends a session before it locks, and someone who sent apologies (who signed nothing), a
manager above and a worker from elsewhere add none."""
from __future__ import annotations

import io
from datetime import date, datetime, timezone

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from supervision_app.domain.canonical import canonical_bytes
from supervision_app.domain.group_supervision import ATTENDANCE_KIND, GROUP_KIND, Attendance
from supervision_app.domain.lifecycle import RecordKind
from supervision_app.domain.record_canonical import addendum_canonical
from supervision_app.domain.vocabulary import RecordState
from supervision_app.records.group_signoff import group_document_for, sign_group_session
from supervision_app.records.signoff import create_addendum, latest_document, sign_addendum, update_addendum
from supervision_app.records.verify import EXIT_OK, verify_main, verify_pdf
from supervision_app.security import pki
from supervision_app.security.credentials import CredentialStore
from supervision_app.security.secret_store import SecretStore
from supervision_app.store import group_records as gr
from supervision_app.store.group_models import GroupAttendance
from supervision_app.store.models import Addendum, Signature, Staff
from supervision_app.store.supervision_records import NotAllowed
from tests.store.builders import actor

HELD = datetime(2026, 11, 5, 10, tzinfo=timezone.utc)


@pytest.fixture
def group(database, team):
    """A group of the manager with two workers present and the ASYE worker's apologies,
    written but not signed yet, and everyone's signing keys."""
    present = (team.worker_id, team.other_worker_id)
    with database.transaction() as s:
        who = actor(database, team.manager_id)
        gid = gr.create_group_session(
            s, who, attendees={team.worker_id: Attendance.PRESENT, team.other_worker_id: Attendance.PRESENT,
                               team.asye_worker_id: Attendance.APOLOGIES},
            held_at=HELD, duration_minutes=90, location="Room 2", themes="Working with chronic neglect")
        gr.add_discussion(s, who, gid, child_id=None, summary="A family where neglect is chronic",
                          decision="Bring it back to the next group", rationale="Several of us hold such cases")
        for person in present:
            gr.add_action(s, who, gid, owner_id=person, description=f"Read the briefing ({person[:4]})",
                          due_on=date(2026, 12, 1))
    store = CredentialStore(database.profile.folder, SecretStore(database.profile.profile_id))
    with database.reading() as s:
        for person in (team.manager_id, team.worker_id, team.other_worker_id, team.asye_worker_id):
            staff = s.get_one(Staff, person)
            store.ensure_local_credentials(person, staff.display_name, staff.role)
    return gid, store


def _lock(database, team, gid, store) -> None:
    for person in (team.manager_id, team.worker_id, team.other_worker_id):
        sign_group_session(database, store, group_id=gid, signer_id=person)


def _write(db, author_id, gid, body):
    with db.transaction() as s:
        return create_addendum(s, author_id=author_id, record_kind=GROUP_KIND, record_id=gid, body=body)


def _addenda(db, viewer_id, gid):
    with db.reading() as s:
        return gr.group_addenda(s, actor(db, viewer_id), gid)


def test_no_addendum_until_everyone_present_has_signed(database, team, group):
    gid, store = group
    with pytest.raises(NotAllowed):  # a draft is edited, not amended
        _write(database, team.manager_id, gid, "Too early")
    sign_group_session(database, store, group_id=gid, signer_id=team.manager_id)
    sign_group_session(database, store, group_id=gid, signer_id=team.worker_id)
    with pytest.raises(NotAllowed):  # Cara has not signed: not locked yet
        _write(database, team.worker_id, gid, "Still waiting for Cara")
    assert not _addenda(database, team.manager_id, gid).can_add
    sign_group_session(database, store, group_id=gid, signer_id=team.other_worker_id)
    assert _addenda(database, team.manager_id, gid).can_add
    assert _addenda(database, team.worker_id, gid).can_add


def test_only_the_supervisor_and_those_present_add_one(database, team, group):
    gid, store = group
    _lock(database, team, gid, store)
    # the ASYE worker sent apologies: they see the shared part, but signed nothing to amend
    assert not _addenda(database, team.asye_worker_id, gid).can_add
    for person in (team.asye_worker_id, team.service_manager_id, team.outsider_id, team.admin_id):
        with pytest.raises(NotAllowed):
            _write(database, person, gid, "Not mine to amend")


def test_an_attendee_signs_one_and_everyone_who_sees_the_session_sees_it(database, team, group, tmp_path):
    gid, store = group
    _lock(database, team, gid, store)
    with database.reading() as s:
        copies_before = {p: group_document_for(s, gid, p).pdf
                         for p in (team.manager_id, team.worker_id, team.other_worker_id)}
        attendance_id = s.scalars(select(GroupAttendance.id).where(
            GroupAttendance.group_session_id == gid, GroupAttendance.attendee_id == team.worker_id)).one()
        own_digest = s.scalars(select(Signature.digest).where(
            Signature.record_kind == ATTENDANCE_KIND, Signature.record_id == attendance_id)).one()

    addendum_id = _write(database, team.worker_id, gid, "The family is Polish-speaking, not Czech.")
    # a draft is its author's alone
    assert [a.addendum_id for a in _addenda(database, team.worker_id, gid).addenda] == [addendum_id]
    assert _addenda(database, team.manager_id, gid).addenda == ()
    assert _addenda(database, team.other_worker_id, gid).addenda == ()
    with database.transaction() as s:
        update_addendum(s, author_id=team.worker_id, addendum_id=addendum_id,
                        body="The family speaks Polish at home, not Czech.")
    with pytest.raises(NotAllowed):  # only its author signs it
        sign_addendum(database, store, addendum_id=addendum_id, signer_id=team.manager_id)

    result = sign_addendum(database, store, addendum_id=addendum_id, signer_id=team.worker_id)
    assert result.new_state == RecordState.LOCKED

    for viewer in (team.manager_id, team.other_worker_id, team.asye_worker_id, team.service_manager_id):
        (seen,) = _addenda(database, viewer, gid).addenda
        assert seen.addendum_id == addendum_id and seen.state == RecordState.LOCKED
        assert seen.author_name == "Ben Steady" and "Polish at home" in seen.body
        assert seen.signed_at is not None
    with database.reading() as s:
        with pytest.raises(NotAllowed):
            gr.group_addenda(s, actor(database, team.outsider_id), gid)
        signature = s.scalars(select(Signature).where(Signature.record_id == addendum_id)).one()
        addendum = s.get_one(Addendum, addendum_id)
        form = addendum_canonical({c.key: getattr(addendum, c.key) for c in addendum.__table__.columns},
                                  own_digest)
        addendum_pdf = latest_document(s, RecordKind.ADDENDUM, addendum_id).pdf
        copies_after = {p: group_document_for(s, gid, p).pdf for p in copies_before}
    # its signature is over a form naming the digest its author signed the session with
    assert signature.signer_role == "author" and signature.signer_id == team.worker_id
    assert form["parent_digest"] == own_digest and form["record_kind"] == GROUP_KIND
    pki.load_certificate(signature.certificate_pem.encode()).public_key().verify(
        signature.signature_value, canonical_bytes(RecordKind.ADDENDUM, form), ec.ECDSA(hashes.SHA256()))
    # its own PDF, signed by its author, naming the session and that digest
    ca = pki.load_certificate(store.ca_certificate_pem())
    report = verify_pdf(addendum_pdf, ca)
    assert report.all_ok, report
    assert [r.signer_common_name for r in report.signatures] == ["Ben Steady"]
    ca_path, path = tmp_path / "ca.pem", tmp_path / "addendum.pdf"
    ca_path.write_bytes(store.ca_certificate_pem())
    path.write_bytes(addendum_pdf)
    out, err = io.StringIO(), io.StringIO()
    assert verify_main([str(path), "--ca", str(ca_path)], None, out=out, err=err) == EXIT_OK
    assert "ALL SIGNATURES OK" in out.getvalue()
    # the session's signed copies are untouched
    assert copies_after == copies_before

    # a signed addendum is locked like the session
    with pytest.raises(NotAllowed), database.transaction() as s:
        update_addendum(s, author_id=team.worker_id, addendum_id=addendum_id, body="changed")


def test_the_supervisor_signs_one_over_their_own_signed_form(database, team, group):
    gid, store = group
    _lock(database, team, gid, store)
    addendum_id = _write(database, team.manager_id, gid, "Cara's action is due a week later.")
    sign_addendum(database, store, addendum_id=addendum_id, signer_id=team.manager_id)
    with database.reading() as s:
        supervisor_digest = s.scalars(select(Signature.digest).where(
            Signature.record_kind == GROUP_KIND, Signature.record_id == gid)).one()
        document = latest_document(s, RecordKind.ADDENDUM, addendum_id)
        signature = s.scalars(select(Signature).where(Signature.record_id == addendum_id)).one()
        addendum = s.get_one(Addendum, addendum_id)
        form = addendum_canonical({c.key: getattr(addendum, c.key) for c in addendum.__table__.columns},
                                  supervisor_digest)
    # over the form naming the digest of the supervisor's own signature (every action in it)
    pki.load_certificate(signature.certificate_pem.encode()).public_key().verify(
        signature.signature_value, canonical_bytes(RecordKind.ADDENDUM, form), ec.ECDSA(hashes.SHA256()))
    ca = pki.load_certificate(store.ca_certificate_pem())
    assert verify_pdf(document.pdf, ca).all_ok
    (seen,) = _addenda(database, team.worker_id, gid).addenda
    assert seen.author_name == "Morgan Manager"

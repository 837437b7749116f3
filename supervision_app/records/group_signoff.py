"""Signing a group supervision session (issue 21): each person signs the canonical form of
what they can see (``domain.group_canonical``) with their own key and certificate, as a
record's canonical signature is made (``records.signoff``). The supervisor signs the
session (record_kind 'group_session'), which freezes it and releases it to the attendees;
each present attendee then signs their attendance row (record_kind 'group_attendance'), and
the session is locked once every one of them has. The server verifies each signature
against its own rows (``sync.server.group_sync``).

Each signature also gets its signer's PDF (``records.group_pdf``): exactly the form they
sign, PAdES-signed with the same key through ``pdf_sign.sign_pdf`` (with the sync server's
time stamp when signed in), kept as a ``record_document`` of the signature's record
(the session for the supervisor, their attendance row for an attendee) in the same
transaction as the signature; it travels with the signature to the server, which checks it
(``sync.server.group_document_check``) and sends it on to its signer, the supervisor and the
managers who see the group, never to another attendee.

Rendering and signing are slow and touch the key store: call from a worker thread, never
the GUI thread.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.canonical import canonical_bytes, digest
from ..domain.group_supervision import ATTENDANCE_KIND, GROUP_KIND, state_after_signature
from ..domain.permissions import Operation
from ..domain.time_rules import utc_now
from ..domain.vocabulary import RecordState
from ..security.credentials import CredentialStore
from ..store.audit_log import record_event
from ..store.database import Database
from ..store.group_models import GroupAttendance, GroupSession
from ..store.group_records import canonical_for, get_group
from ..store.models import RecordDocument, Signature, Staff
from ..store.supervision_records import load_actor
from .group_pdf import GroupDocument, group_document, render_group_pdf
from .online_timestamp import profile_timestamper
from .pdf_render import AUTHOR_FIELD
from .pdf_sign import sign_pdf
from .signoff import RecordChangedWhileSigning, _certificate_pem, _sign_canonical


@dataclass(frozen=True)
class GroupSignature:
    group_id: str
    signer_id: str
    kind: str  # group_session (the supervisor) / group_attendance (an attendee)
    state: RecordState  # the group's state after this signature
    digest: str


def _names(session: Session, form: dict, signer_id: str) -> dict[str, str]:
    people = {signer_id, form["supervisor_id"], *(a["attendee_id"] for a in form["attendance"]),
              *(a["owner_id"] for a in form["actions"] if a["owner_id"])}
    return {p: staff.display_name for p in people if (staff := session.get(Staff, p)) is not None}


def sign_group_session(db: Database, credential_store: CredentialStore, *, group_id: str,
                       signer_id: str, now: Callable[[], _dt.datetime] = utc_now) -> GroupSignature:
    with db.reading() as session:
        actor = load_actor(session, signer_id)
        group, target = get_group(session, actor, group_id)
        as_supervisor = signer_id == group.supervisor_id
        get_group(session, actor, group_id,
                  Operation.SIGN_AS_SUPERVISOR if as_supervisor else Operation.SIGN_AS_SUPERVISEE)
        if as_supervisor:
            kind, record_id, role = GROUP_KIND, group_id, "supervisor"
        else:
            kind, role = ATTENDANCE_KIND, "supervisee"
            record_id = session.scalars(select(GroupAttendance.id).where(
                GroupAttendance.group_session_id == group_id, GroupAttendance.attendee_id == signer_id,
                GroupAttendance.tombstone.is_(False))).one()
        canonical = canonical_for(session, group_id, signer_id)
        versions = {group.id: group.version}
        record_digest = digest(kind, canonical)
        document: GroupDocument = group_document(canonical, _names(session, canonical, signer_id),
                                                 signer_id=signer_id, digest_hex=record_digest)
    credentials = credential_store.credentials_for(signer_id)
    signed_at = now()
    credentials.check_usable(signed_at)
    value = _sign_canonical(credentials, canonical_bytes(kind, canonical))
    pdf = sign_pdf(render_group_pdf(document), AUTHOR_FIELD, credentials.key, credentials.certificate,
                   [credentials.ca_certificate], document.signer_name,
                   "Supervisor" if as_supervisor else "Attendee", certify=True, when=signed_at, crl=credentials.crl,
                   timestamper=profile_timestamper(db))
    new_state = state_after_signature(target, signer_id)
    with db.transaction() as session:
        _group, target_now = get_group(session, load_actor(session, signer_id), group_id)
        if canonical_for(session, group_id, signer_id) != canonical or target_now.state != target.state \
                or _group.version != versions[group_id]:
            raise RecordChangedWhileSigning(
                "The group session changed while it was being signed, so the signature was not kept. "
                "Please review it and sign again.")
        session.add(Signature(record_kind=kind, record_id=record_id, signer_id=signer_id,
                              signer_role=role, signed_at=signed_at, digest=record_digest,
                              certificate_pem=_certificate_pem(credentials), signature_value=value,
                              updated_by=signer_id))
        copy = RecordDocument(record_kind=kind, record_id=record_id, stage=new_state.value,
                              created_at=signed_at, pdf=pdf, updated_by=signer_id)
        session.add(copy)
        session.flush()
        record_event(session, actor_id=signer_id, action=f"sign_as_{role}", record_kind=GROUP_KIND,
                     record_id=group_id)
    return GroupSignature(group_id, signer_id, kind, new_state, record_digest)


def group_document_for(session: Session, group_id: str, signer_id: str) -> RecordDocument | None:
    """``signer_id``'s signed copy of the group session, if it is on this laptop: the
    supervisor's on the session, an attendee's on their attendance row."""
    group = session.get(GroupSession, group_id)
    if group is None:
        return None
    if signer_id == group.supervisor_id:
        kind, record_ids = GROUP_KIND, [group_id]
    else:
        kind, record_ids = ATTENDANCE_KIND, list(session.scalars(select(GroupAttendance.id).where(
            GroupAttendance.group_session_id == group_id, GroupAttendance.attendee_id == signer_id)))
    return session.scalars(select(RecordDocument).where(
        RecordDocument.record_kind == kind, RecordDocument.record_id.in_(record_ids),
        RecordDocument.tombstone.is_(False))
        .order_by(RecordDocument.created_at.desc(), RecordDocument.id).limit(1)).one_or_none()

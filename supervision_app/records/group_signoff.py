"""Signing a group supervision session (issue 21): each person signs the canonical form of
what they can see (``domain.group_canonical``) with their own key and certificate, as a
record's canonical signature is made (``records.signoff``). The supervisor signs the
session (record_kind 'group_session'), which freezes it and releases it to the attendees;
each present attendee then signs their attendance row (record_kind 'group_attendance'), and
the session is locked once every one of them has. The server verifies each signature
against its own rows (``sync.server.group_sync``).

No signed PDF is made yet for a group session (left for a later change; the canonical
signatures are the record of who signed what). Signing touches the key store: call from a
worker thread, never the GUI thread.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select

from ..domain.canonical import canonical_bytes, digest
from ..domain.group_supervision import ATTENDANCE_KIND, GROUP_KIND, state_after_signature
from ..domain.permissions import Operation
from ..domain.time_rules import utc_now
from ..domain.vocabulary import RecordState
from ..security.credentials import CredentialStore
from ..store.audit_log import record_event
from ..store.database import Database
from ..store.group_models import GroupAttendance
from ..store.group_records import canonical_for, get_group
from ..store.models import Signature
from ..store.supervision_records import load_actor
from .signoff import RecordChangedWhileSigning, _certificate_pem, _sign_canonical


@dataclass(frozen=True)
class GroupSignature:
    group_id: str
    signer_id: str
    kind: str  # group_session (the supervisor) / group_attendance (an attendee)
    state: RecordState  # the group's state after this signature
    digest: str


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
    credentials = credential_store.credentials_for(signer_id)
    signed_at = now()
    credentials.check_usable(signed_at)
    value = _sign_canonical(credentials, canonical_bytes(kind, canonical))
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
        session.flush()
        record_event(session, actor_id=signer_id, action=f"sign_as_{role}", record_kind=GROUP_KIND,
                     record_id=group_id)
    return GroupSignature(group_id, signer_id, kind, state_after_signature(target, signer_id), record_digest)

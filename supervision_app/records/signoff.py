"""Sign-off: a record is signed, its PDF signed, and the record locks, in one step each.

Supervisor signs (the PDF gets a certification signature that still allows the second
signature), then the supervisee signs (an approval signature added as an incremental
update), and the record locks; the database triggers keep it locked. Oversight notes and
addenda lock when their author signs.

Every signature stores who, when, the certificate, the digest of the record's canonical
form and an ECDSA signature over that canonical form, so the record can be checked
without the PDF too. Rendering and pyHanko signing are slow and run their own event
loop: call these functions from a worker thread, never the GUI thread.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, replace
from typing import Callable

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import case, select
from sqlalchemy.orm import Session

from ..domain.canonical import canonical_bytes, digest
from ..domain.group_supervision import GROUP_KIND
from ..domain.lifecycle import Event, IllegalTransition, RecordKind, next_state
from ..domain.permissions import AddendumTarget, Operation, decide
from ..domain.record_canonical import agreement_canonical
from ..domain.text_rules import clean_text
from ..domain.time_rules import format_date, london_date, utc_now
from ..domain.vocabulary import RecordState, Role
from ..errors import AppError
from ..security.credentials import CredentialStore, SigningCredentials
from ..store.agreement_records import agreement_target
from ..store.audit_log import record_event
from ..store.database import Database
from ..store.group_records import group_addendum_parent, group_addendum_signing
from ..store.models import Addendum, OversightNote, RecordDocument, Signature, Staff, SupervisionSession
from ..store.practice_models import SupervisionAgreement
from ..store.supervision_records import (
    NotAllowed,
    NotFound,
    load_actor,
    oversight_target,
    require,
    session_target,
)
from .addendum_pdf import AddendumDocument, render_addendum_pdf
from .pdf_render import (
    AUTHOR_FIELD,
    SUPERVISEE_FIELD,
    SUPERVISOR_FIELD,
    render_oversight_pdf,
    render_record_pdf,
)
from .pdf_sign import sign_pdf
from .snapshot import (
    OversightSnapshot,
    SupervisionSnapshot,
    addendum_canonical,
    load_oversight_snapshot,
    load_supervision_snapshot,
    values,
)


class RecordChangedWhileSigning(AppError, RuntimeError):
    pass


@dataclass(frozen=True)
class SignOffResult:
    record_kind: RecordKind
    record_id: str
    signer_role: str
    new_state: RecordState
    digest: str
    signed_at: _dt.datetime


def _sign_canonical(credentials: SigningCredentials, data: bytes) -> bytes:
    return credentials.key.sign(data, ec.ECDSA(hashes.SHA256()))


def _certificate_pem(credentials: SigningCredentials) -> str:
    return credentials.certificate.public_bytes(serialization.Encoding.PEM).decode()


#: The stages of a record's signed copies, in the order they are made: each extends the one
#: before (the supervisee's signature is an incremental update of the supervisor's copy; the
#: server's archived copy adds validation data and a time stamp to the locked one).
DOCUMENT_STAGES: tuple[str, ...] = ("supervisor_signed", "locked", "archived")


def document_stage_rank():
    """A record document's place in :data:`DOCUMENT_STAGES` as an SQL expression (0 for a
    stage not listed), to order a record's copies newest stage first."""
    return case({stage: n for n, stage in enumerate(DOCUMENT_STAGES, start=1)},
                value=RecordDocument.stage, else_=0)


def latest_document(session: Session, record_kind: RecordKind, record_id: str) -> RecordDocument | None:
    """The record's newest signed copy: the one that belongs to its last signature. Chosen by
    its signing stage, which the server checks against the signing each copy travels with,
    never by ``created_at``, which the signer's laptop writes: a supervisor's clock running
    ahead (or set ahead) would otherwise keep their copy "newest" after the supervisee has
    signed, and exports would leave out the supervisee's signature. Archived copies (the
    server's, renewed from time to time) go by the server's own ``created_at``."""
    return session.execute(
        select(RecordDocument)
        .where(RecordDocument.record_kind == record_kind.value, RecordDocument.record_id == record_id,
               RecordDocument.tombstone.is_(False))
        .order_by(document_stage_rank().desc(), RecordDocument.created_at.desc(), RecordDocument.id)
        .limit(1)
    ).scalar_one_or_none()


def _person(session: Session, staff_id: str) -> Staff:
    staff = session.get(Staff, staff_id)
    if staff is None:
        raise NotFound("That person is not in the local staff directory.")
    return staff


@dataclass(frozen=True)
class _Prepared:
    """Everything read, checked and rendered-to-be for one signature, before the slow part."""

    model: type
    kind: RecordKind
    record_id: str
    version: int
    state: RecordState
    event: Event
    signer_id: str
    signer_name: str
    signer_role: str  # supervisor / supervisee / author
    field: str
    certify: bool
    digest: str
    canonical: dict
    render: Callable[[], bytes]  # the PDF to sign: rendered now, or the one already signed


def _sign(db: Database, credential_store: CredentialStore, job: _Prepared,
          now: Callable[[], _dt.datetime]) -> SignOffResult:
    """Check the certificate, sign the PDF and the canonical form, then commit the signature,
    the signed PDF and the new state in one transaction, if the record has not moved on."""
    credentials = credential_store.credentials_for(job.signer_id)
    signed_at = now()
    credentials.check_usable(signed_at)
    new_state = next_state(job.kind, job.state, job.event)
    # Signed in to the sync server: a signature time stamp (PAdES B-T) from its TSA.
    from .online_timestamp import profile_timestamper

    pdf = sign_pdf(job.render(), job.field, credentials.key, credentials.certificate,
                   [credentials.ca_certificate], job.signer_name, job.signer_role.capitalize(),
                   certify=job.certify, when=signed_at, crl=credentials.crl,
                   timestamper=profile_timestamper(db))
    with db.transaction() as session:
        row = session.get(job.model, job.record_id)
        if row is None or row.version != job.version or row.state != job.state.value:
            raise RecordChangedWhileSigning(
                "The record changed while it was being signed, so the signature was not kept. "
                "Please review it and sign again.")
        # The move to signed, then its signature, then the signed PDF, in one flush: the
        # outbox records them in this order and the sync client sends them in one push,
        # which the server accepts only whole (a signed state never travels alone).
        row.state = new_state.value
        row.version += 1
        row.updated_at = signed_at
        row.updated_by = job.signer_id
        session.add(Signature(
            record_kind=job.kind.value, record_id=job.record_id, signer_id=job.signer_id,
            signer_role=job.signer_role, signed_at=signed_at, digest=job.digest,
            certificate_pem=_certificate_pem(credentials),
            signature_value=_sign_canonical(credentials, canonical_bytes(job.kind, job.canonical)),
            updated_by=job.signer_id,
        ))
        session.add(RecordDocument(
            record_kind=job.kind.value, record_id=job.record_id,
            stage="supervisor_signed" if job.signer_role == "supervisor" else new_state.value,
            created_at=signed_at, pdf=pdf, updated_by=job.signer_id))
        session.flush()
        record_event(session, actor_id=job.signer_id, action=f"sign_as_{job.signer_role}",
                     record_kind=job.kind.value, record_id=job.record_id)
    return SignOffResult(job.kind, job.record_id, job.signer_role, new_state, job.digest, signed_at)


def _signed_label(document):
    # The PDF is the record's durable form, so it names the state it is signed into, not
    # the state it was read in.
    return replace(document, status_label="Signed record")


def sign_supervision_record(
    db: Database, credential_store: CredentialStore, *, session_id: str, signer_id: str,
    now: Callable[[], _dt.datetime] = utc_now,
) -> SignOffResult:
    """Sign as supervisor (from shared) or supervisee (after the supervisor)."""
    with db.reading() as session:
        actor = load_actor(session, signer_id)
        row = session.get(SupervisionSession, session_id)
        if row is None or row.tombstone:
            raise NotFound("That supervision record no longer exists.")
        as_supervisor = signer_id == row.supervisor_id
        operation = Operation.SIGN_AS_SUPERVISOR if as_supervisor else Operation.SIGN_AS_SUPERVISEE
        # The signing clock decides whether the supervisee's window has passed, as it
        # decides the signing time: a caller that moves one moves both.
        today = london_date(now())
        require(decide(actor, operation, session_target(row, today)))
        snapshot = load_supervision_snapshot(session, session_id, today)
        signer_name = _person(session, signer_id).display_name
        render: Callable[[], bytes]
        if as_supervisor:
            document = _signed_label(snapshot.document)
            render = lambda: render_record_pdf(document)  # noqa: E731
        else:
            supervisor_signature = session.execute(
                select(Signature).where(Signature.record_kind == RecordKind.SUPERVISION.value,
                                        Signature.record_id == session_id,
                                        Signature.signer_role == "supervisor")
            ).scalar_one_or_none()
            stored = latest_document(session, RecordKind.SUPERVISION, session_id)
            if supervisor_signature is None or stored is None:
                raise NotAllowed("The supervisor's signed copy of this record is missing on this computer; "
                                 "sync, then try again.")
            if supervisor_signature.digest != snapshot.digest:
                raise RecordChangedWhileSigning(
                    "This record no longer matches what the supervisor signed, so it cannot be signed.")
            supervisor_copy = stored.pdf
            render = lambda: supervisor_copy  # noqa: E731
    return _sign(db, credential_store, _Prepared(
        model=SupervisionSession, kind=RecordKind.SUPERVISION, record_id=session_id,
        version=snapshot.version, state=snapshot.state,
        event=Event.SIGN_AS_SUPERVISOR if as_supervisor else Event.SIGN_AS_SUPERVISEE,
        signer_id=signer_id, signer_name=signer_name,
        signer_role="supervisor" if as_supervisor else "supervisee",
        field=SUPERVISOR_FIELD if as_supervisor else SUPERVISEE_FIELD, certify=as_supervisor,
        digest=snapshot.digest, canonical=snapshot.canonical, render=render,
    ), now)


def sign_oversight_note(
    db: Database, credential_store: CredentialStore, *, note_id: str, signer_id: str,
    now: Callable[[], _dt.datetime] = utc_now,
) -> SignOffResult:
    with db.reading() as session:
        actor = load_actor(session, signer_id)
        note = session.get(OversightNote, note_id)
        if note is None or note.tombstone:
            raise NotFound("That oversight note no longer exists.")
        require(decide(actor, Operation.SIGN_AS_AUTHOR, oversight_target(session, note)))
        if not note.decision.strip() or not note.rationale.strip():
            raise IllegalTransition("An oversight note needs both a decision and its rationale before it is signed.")
        snapshot = load_oversight_snapshot(session, note_id)
        signer_name = _person(session, signer_id).display_name
    document = _signed_label(snapshot.document)
    return _sign(db, credential_store, _Prepared(
        model=OversightNote, kind=RecordKind.OVERSIGHT_NOTE, record_id=note_id,
        version=snapshot.version, state=snapshot.state, event=Event.SIGN_AS_AUTHOR,
        signer_id=signer_id, signer_name=signer_name, signer_role="author", field=AUTHOR_FIELD,
        certify=True, digest=snapshot.digest, canonical=snapshot.canonical,
        render=lambda: render_oversight_pdf(document),
    ), now)


# --------------------------------------------------------------------------- addenda

def _parent(session: Session, record_kind: RecordKind | str, record_id: str):
    if record_kind == RecordKind.SUPERVISION:
        row = session.get(SupervisionSession, record_id)
        return row, (session_target(row) if row else None)
    if record_kind == RecordKind.OVERSIGHT_NOTE:
        note = session.get(OversightNote, record_id)
        return note, (oversight_target(session, note) if note else None)
    if record_kind == RecordKind.AGREEMENT:
        agreement = session.get(SupervisionAgreement, record_id)
        return agreement, (agreement_target(agreement) if agreement else None)
    if record_kind == GROUP_KIND:  # a locked group session (issue 21; its rules: group_supervision)
        return group_addendum_parent(session, record_id)
    raise ValueError("Addenda are added to supervision records, oversight notes, agreements and "
                     "group sessions.")


def create_addendum(session: Session, *, author_id: str, record_kind: RecordKind | str, record_id: str,
                    body: str) -> str:
    actor = load_actor(session, author_id)
    parent, target = _parent(session, record_kind, record_id)
    if parent is None or parent.tombstone:
        raise NotFound("The record to amend no longer exists.")
    require(decide(actor, Operation.ADD_ADDENDUM, target))
    addendum = Addendum(record_kind=str(record_kind), record_id=record_id, author_id=author_id,
                        created_at=utc_now(), body=clean_text("Addendum", body), state="draft",
                        updated_by=author_id)
    session.add(addendum)
    session.flush()
    record_event(session, actor_id=author_id, action="create", record_kind=RecordKind.ADDENDUM.value,
                 record_id=addendum.id)
    return addendum.id


def update_addendum(session: Session, *, author_id: str, addendum_id: str, body: str) -> None:
    actor = load_actor(session, author_id)
    addendum = session.get(Addendum, addendum_id)
    if addendum is None or addendum.tombstone:
        raise NotFound("That addendum no longer exists.")
    _, parent_target = _parent(session, addendum.record_kind, addendum.record_id)
    target = AddendumTarget(addendum.author_id, parent_target, RecordState(addendum.state))
    require(decide(actor, Operation.EDIT, target))
    addendum.body = clean_text("Addendum", body)
    addendum.version += 1
    addendum.updated_at = utc_now()
    addendum.updated_by = author_id


def sign_addendum(
    db: Database, credential_store: CredentialStore, *, addendum_id: str, signer_id: str,
    now: Callable[[], _dt.datetime] = utc_now,
) -> SignOffResult:
    with db.reading() as session:
        actor = load_actor(session, signer_id)
        addendum = session.get(Addendum, addendum_id)
        if addendum is None or addendum.tombstone:
            raise NotFound("That addendum no longer exists.")
        record_kind = addendum.record_kind  # a RecordKind's value, or a group session's kind
        parent, parent_target = _parent(session, record_kind, addendum.record_id)
        target = AddendumTarget(addendum.author_id, parent_target, RecordState(addendum.state))
        require(decide(actor, Operation.SIGN_AS_AUTHOR, target))
        if not addendum.body.strip():
            raise IllegalTransition("An empty addendum cannot be signed.")
        parent_snapshot: SupervisionSnapshot | OversightSnapshot
        if record_kind == RecordKind.SUPERVISION:
            parent_snapshot = load_supervision_snapshot(session, addendum.record_id)
            parent_digest = parent_snapshot.digest
            supervisee = _person(session, parent.supervisee_id).display_name
            label = f"Supervision of {supervisee}, {format_date(london_date(parent.held_at))}"
        elif record_kind == RecordKind.AGREEMENT:
            # the digest both parties' signatures are over (agreement_signoff.agreement_digest)
            parent_digest = digest(RecordKind.AGREEMENT, agreement_canonical(values(parent)))
            label = (f"Supervision agreement between {_person(session, parent.supervisee_id).display_name} "
                     f"and {_person(session, parent.supervisor_id).display_name}")
        elif record_kind == GROUP_KIND:
            # the session as the author signed it (group_canonical.author_signed_digest)
            label, parent_digest = group_addendum_signing(session, parent, addendum.author_id)
        else:
            parent_snapshot = note_snapshot = load_oversight_snapshot(session, addendum.record_id)
            parent_digest = parent_snapshot.digest
            label = (f"Oversight note on {note_snapshot.document.child_name}, "
                     f"{format_date(london_date(parent.recorded_at))}")
        canonical = addendum_canonical(addendum, parent_digest)
        record_digest = digest(RecordKind.ADDENDUM, canonical)
        signer = _person(session, signer_id)
        signer_name = signer.display_name
        document = AddendumDocument(
            addendum_id=addendum.id, record_label=label, record_id=addendum.record_id,
            record_digest=parent_digest, author_name=signer.display_name,
            author_role=Role(signer.role).label, written_at=addendum.created_at, body=addendum.body,
            digest_hex=record_digest,
        )
        version, state = addendum.version, RecordState(addendum.state)
    return _sign(db, credential_store, _Prepared(
        model=Addendum, kind=RecordKind.ADDENDUM, record_id=addendum_id, version=version,
        state=state, event=Event.SIGN_AS_AUTHOR, signer_id=signer_id, signer_name=signer_name,
        signer_role="author", field=AUTHOR_FIELD, certify=True, digest=record_digest,
        canonical=canonical, render=lambda: render_addendum_pdf(document),
    ), now)

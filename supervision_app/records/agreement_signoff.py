"""Signing a supervision agreement: the same path as a supervision record
(``records.signoff._sign``): the supervisor certifies the PDF and signs the canonical
form, the supervisee adds an approval signature as an incremental update, and the
agreement locks. The server verifies both signatures like a record's
(``sync.server.signature_check``, ``RecordKind.AGREEMENT``).

Rendering and signing are slow: call from a worker thread, never the GUI thread.
"""
from __future__ import annotations

import datetime as _dt
from typing import Callable

from sqlalchemy import select

from ..domain.agreements import TERMS
from ..domain.canonical import digest
from ..domain.lifecycle import Event, RecordKind
from ..domain.permissions import Operation, decide
from ..domain.record_canonical import agreement_canonical
from ..domain.time_rules import utc_now
from ..domain.vocabulary import RecordState
from ..security.credentials import CredentialStore
from ..store.agreement_records import agreement_target
from ..store.database import Database
from ..store.models import Signature, Staff, Team
from ..store.practice_models import SupervisionAgreement
from ..store.supervision_records import NotAllowed, NotFound, load_actor, require
from .agreement_pdf import AgreementDocument, render_agreement_pdf
from .pdf_render import SUPERVISEE_FIELD, SUPERVISOR_FIELD
from .signoff import RecordChangedWhileSigning, SignOffResult, _Prepared, _sign, latest_document

KIND = RecordKind.AGREEMENT


def _canonical(row: SupervisionAgreement) -> dict:
    return agreement_canonical({c.name: getattr(row, c.name) for c in row.__table__.columns})


def agreement_digest(row: SupervisionAgreement) -> str:
    return digest(KIND, _canonical(row))


def sign_agreement(db: Database, credential_store: CredentialStore, *, agreement_id: str,
                   signer_id: str, now: Callable[[], _dt.datetime] = utc_now) -> SignOffResult:
    """Sign as supervisor (from draft) or as supervisee (after the supervisor)."""
    with db.reading() as session:
        actor = load_actor(session, signer_id)
        row = session.get(SupervisionAgreement, agreement_id)
        if row is None or row.tombstone:
            raise NotFound("That supervision agreement no longer exists.")
        as_supervisor = signer_id == row.supervisor_id
        operation = Operation.SIGN_AS_SUPERVISOR if as_supervisor else Operation.SIGN_AS_SUPERVISEE
        require(decide(actor, operation, agreement_target(row)))
        canonical = _canonical(row)
        record_digest = digest(KIND, canonical)
        signer_name = session.get_one(Staff, signer_id).display_name
        base_pdf = b""  # the supervisor's signed copy, that the supervisee signs
        if as_supervisor:
            team = session.get(Team, row.team_id) if row.team_id else None
            document = AgreementDocument(
                agreement_id=row.id, supervisee_name=session.get_one(Staff, row.supervisee_id).display_name,
                supervisor_name=signer_name, team_name=team.name if team else "",
                terms={t: getattr(row, t) for t in TERMS}, digest_hex=record_digest)
        else:
            first = session.execute(select(Signature).where(
                Signature.record_kind == KIND.value, Signature.record_id == agreement_id,
                Signature.signer_role == "supervisor")).scalar_one_or_none()
            stored = latest_document(session, KIND, agreement_id)
            if first is None or stored is None:
                raise NotAllowed("The supervisor's signed copy of this agreement is missing on this "
                                 "computer; sync, then try again.")
            if first.digest != record_digest:
                raise RecordChangedWhileSigning(
                    "This agreement no longer matches what the supervisor signed, so it cannot be signed.")
            base_pdf = stored.pdf
        version, state = row.version, RecordState(row.state)
    render = (lambda: render_agreement_pdf(document)) if as_supervisor else (lambda: base_pdf)
    return _sign(db, credential_store, _Prepared(
        model=SupervisionAgreement, kind=KIND, record_id=agreement_id, version=version, state=state,
        event=Event.SIGN_AS_SUPERVISOR if as_supervisor else Event.SIGN_AS_SUPERVISEE,
        signer_id=signer_id, signer_name=signer_name,
        signer_role="supervisor" if as_supervisor else "supervisee",
        field=SUPERVISOR_FIELD if as_supervisor else SUPERVISEE_FIELD, certify=as_supervisor,
        digest=record_digest, canonical=canonical, render=render,
    ), now)

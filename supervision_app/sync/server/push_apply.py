"""Applying a push: each mutation at most once, in one transaction holding the sequence lock,
a record's move to a signed state together with its signatures and signed copy.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine

from ...domain.lifecycle import Event
from ...domain.permissions import Actor
from ...domain.vocabulary import RecordState
from .. import protocol as p
from . import authz
from .audit_anchors import anchor_audit_head
from .document_check import Examiner, FindingsNotReady, PreparedDocuments, examine_here, prepare_documents
from .push_authorization import RECORD_KIND, authorize, state_path
from .refusal import Refused
from .retention_facts import REFUSAL as RETENTION_REFUSAL, is_deleted as deleted_under_retention
from .schema import mutation
from .storage import WriteTx, utcnow_naive
from .value_check import value_problem
from .wire_rows import row_json


@dataclass
class PushOutcome:
    results: list[dict[str, Any]]
    audit: dict[str, Any]


def _result(mutation_id: str, status: str, reason: str = "", row: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"mutation_id": mutation_id, "status": status, "reason": reason, "row": row}


def _visible_row(tx: WriteTx, actor: Actor, row_id: str) -> dict[str, Any] | None:
    rec = tx.load(row_id)
    if rec is None:
        return None
    facts = json.loads(rec.auth)
    if deleted_under_retention(facts):
        return None
    decision = authz.may_view(actor, facts)
    return json.loads(row_json(rec, actor, facts)) if decision.allowed else None


def push(engine: Engine, actor: Actor, request: p.PushRequest,
         examiner: Examiner = examine_here) -> PushOutcome:
    """Apply a push in its own transaction, committed. The slow part of checking its signed
    PDFs (pyHanko) starts before the push takes the sequence lock every push waits on:
    ``examiner`` reads them before that, or (the document workers) while the push applies its
    rows. A push that reaches a copy whose findings are late, or whose worker failed, lets go
    of the lock, waits for them or reads the copy itself, and is applied again from the start
    (``document_check.PreparedDocuments``)."""
    prepared = prepare_documents(engine, request.mutations, examiner) if request.mutations \
        else PreparedDocuments()
    try:
        with engine.begin() as conn:
            return apply_push(conn, actor, request, prepared)
    except FindingsNotReady:
        prepared.wait()
    with engine.begin() as conn:
        return apply_push(conn, actor, request, prepared)


def apply_push(conn: Connection, actor: Actor, request: p.PushRequest,
               prepared: PreparedDocuments | None = None) -> PushOutcome:
    """Apply a batch in one transaction (the caller commits). Each mutation is applied at
    most once, whatever the retries: its id and outcome are stored with its effect. A
    record's move to a signed state, its signature and its signed PDF are one unit
    (:func:`_signing_unit`): applied together or not at all. ``prepared``: the signed PDFs
    being read (:func:`push`); without it they are read here, before the lock."""
    if not request.mutations:  # a quiet sync: only the audit head, no sequence lock
        audit = anchor_audit_head(conn, actor, request.device_id, request.audit_head)
        return PushOutcome([], audit)
    if prepared is None:
        prepared = prepare_documents(conn.engine, request.mutations)
    tx = WriteTx.begin(conn)
    tx.prepared_documents = prepared
    mutations = request.mutations
    results: list[dict[str, Any] | None] = [None] * len(mutations)
    failed_rows: dict[str, str] = {}
    taken: set[int] = set()  # mutations already settled as part of a unit
    now = utcnow_naive()

    def settle(index: int, status: str, reason: str) -> None:
        m = mutations[index]
        results[index] = _result(m.mutation_id, status, reason, _visible_row(tx, actor, m.row.id))
        conn.execute(insert(mutation).values(
            mutation_id=m.mutation_id, staff_id=actor.staff_id, record_id=m.row.id,
            status=status, reason=reason, received_at=now))

    for index, m in enumerate(mutations):
        if index in taken:
            continue
        mid, row = m.mutation_id, m.row
        seen = conn.execute(select(mutation).where(mutation.c.mutation_id == mid)).first()
        if seen is not None:
            if seen.staff_id != actor.staff_id or seen.record_id != row.id:
                results[index] = _result(mid, "rejected", "This mutation id has already been used.")
                continue
            status = "duplicate" if seen.status == "applied" else seen.status
            results[index] = _result(mid, status, seen.reason, _visible_row(tx, actor, row.id))
            continue
        unit = _signing_unit(tx, mutations, index, taken)
        if unit is not None:
            taken.update(unit.members)
            outcome = _apply_unit(tx, actor, mutations, unit, failed_rows)
            for member in unit.members:
                settle(member, *outcome)
            continue
        try:
            if row.id in failed_rows:
                raise Refused(failed_rows[row.id],
                              "An earlier change to this row in the same batch was not applied.")
            settle(index, _apply_one(tx, actor, m), "")
        except Refused as refused:
            failed_rows[row.id] = refused.status
            settle(index, refused.status, refused.reason)
    audit = anchor_audit_head(conn, actor, request.device_id, request.audit_head)
    tx.finish()
    return PushOutcome([r for r in results if r is not None], audit)


_SIGNED_STATES = frozenset({"supervisor_signed", "locked"})
_SIGNER_OF_EVENT = {Event.SIGN_AS_SUPERVISOR: "supervisor", Event.SIGN_AS_SUPERVISEE: "supervisee",
                    Event.SIGN_AS_AUTHOR: "author"}


@dataclass(frozen=True)
class _SigningUnit:
    members: tuple[int, ...]  # the record's move first, then its signatures and documents
    missing: tuple[str, ...]  # signer roles the move needs that no row in the batch carries
    stage: str = ""  # the state the record moves to: the stage its signed copy names


def _signing_unit(tx: WriteTx, mutations: list[p.Mutation], index: int,
                  taken: set[int]) -> _SigningUnit | None:
    """If ``mutations[index]`` moves a record into a signed state: that move with the
    signature rows (one per signing step) and signed documents of the same record that
    follow it in the batch. None for any other mutation."""
    row = mutations[index].row
    kind = RECORD_KIND.get(row.table)
    new_state = row.data.get("state")
    if kind is None or new_state not in _SIGNED_STATES:
        return None
    existing = tx.load(row.id)
    if existing is not None and existing.table_name != row.table:
        return None
    old_state = json.loads(existing.data).get("state") if existing is not None else "draft"
    if old_state == new_state or old_state not in {s.value for s in RecordState}:
        return None
    path = state_path(kind, old_state, new_state)
    if path is None:
        return None  # authorize refuses it with the reason
    roles = [_SIGNER_OF_EVENT[ev] for _state, ev in path if ev in _SIGNER_OF_EVENT]
    if not roles:
        return None
    members, found, documents = [index], [], 0
    for later in range(index + 1, len(mutations)):
        other = mutations[later].row
        if later in taken or other.table not in ("signature", "record_document"):
            continue
        data = other.data
        if data.get("record_id") != row.id or data.get("record_kind") != kind.value:
            continue
        if other.table == "signature":
            if data.get("signer_role") not in roles or data.get("signer_role") in found:
                continue
            found.append(data["signer_role"])
        elif documents:
            continue  # one signed copy per signing; another travels alone and is refused
        else:
            documents += 1
        members.append(later)
    missing = [f"{role} signature" for role in roles if role not in found]
    if documents == 0:
        missing.append("signed copy")
    return _SigningUnit(tuple(members), tuple(missing), new_state)


def _apply_unit(tx: WriteTx, actor: Actor, mutations: list[p.Mutation], unit: _SigningUnit,
                failed_rows: dict[str, str]) -> tuple[str, str]:
    """Apply every member of a signing unit, or none: (status, reason) for all of them."""
    first = mutations[unit.members[0]].row
    nested = tx.conn.begin_nested()
    seq_before, cache_before = tx.next_seq, dict(tx.facts_cache)
    tx.signing_documents = {mutations[member].row.id: unit.stage for member in unit.members
                            if mutations[member].row.table == "record_document"}
    try:
        if unit.missing:
            raise Refused("rejected", "A record moves to signed only together with its "
                                      f"{' and '.join(unit.missing)}, and this change came "
                                      "without it. Open the record and sign it again.")
        for member in unit.members:
            m = mutations[member]
            if m.row.id in failed_rows:
                raise Refused(failed_rows[m.row.id],
                              "An earlier change to this row in the same batch was not applied.")
            if tx.conn.execute(select(mutation.c.mutation_id).where(
                    mutation.c.mutation_id == m.mutation_id)).first() is not None:
                raise Refused("rejected", "This mutation id has already been used.")
            _apply_one(tx, actor, m)
    except Refused as refused:
        tx.signing_documents = {}
        nested.rollback()
        tx.next_seq, tx.facts_cache = seq_before, cache_before
        for member in unit.members:
            failed_rows[mutations[member].row.id] = refused.status
        what = {"supervision_session": "supervision record", "oversight_note": "oversight note",
                "addendum": "addendum", "supervision_agreement": "supervision agreement"}[first.table]
        reason = refused.reason
        if refused.status == "conflict":
            reason = (f"This {what} was changed on another device before your signature reached "
                      "the server, so the signature was not kept. Open it, read it, and sign it again.")
        return "rejected", f"Your signature on this {what} was not accepted: {reason}"
    tx.signing_documents = {}
    nested.commit()
    return "applied", ""


def _apply_one(tx: WriteTx, actor: Actor, m: p.Mutation) -> str:
    row = m.row
    try:
        data = p.check_data(row.table, dict(row.data))
    except p.RowInvalid as invalid:
        raise Refused("rejected", str(invalid)) from None
    existing = tx.load(row.id)
    if existing is not None and existing.table_name != row.table:
        raise Refused("rejected", "This id belongs to a different kind of record.")
    if existing is not None and deleted_under_retention(json.loads(existing.auth)):
        raise Refused("rejected", RETENTION_REFUSAL)
    if existing is None and m.base_version != 0:
        raise Refused("rejected", "This record is not on the server.")
    if existing is not None and existing.version != m.base_version:
        # A locked record cannot conflict: a change to it is refused outright.
        old = json.loads(existing.data)
        if old.get("state") == "locked" or row.table in p.INSERT_ONLY_TABLES:
            raise Refused("rejected", "This record is signed and locked; add a signed addendum instead.")
        raise Refused("conflict", "This record was changed on another device.")
    if row.updated_at.tzinfo is None:
        raise Refused("rejected", "updated_at needs a time zone")
    authorize(tx, actor, row.table, row.id, data, row.tombstone, existing)
    problem = value_problem(row.table, data, json.loads(existing.data) if existing is not None else None)
    if problem is not None:
        raise Refused("rejected", problem)
    # The server numbers versions itself: one step from the version the change was made
    # from, whatever the laptop claims (a claimed 2**31-1 once jammed every later change).
    tx.write(table=row.table, row_id=row.id, version=m.base_version + 1, updated_at=row.updated_at,
             updated_by=actor.staff_id, tombstone=row.tombstone, data=data,
             mutation_id=m.mutation_id, existing=existing)
    return "applied"

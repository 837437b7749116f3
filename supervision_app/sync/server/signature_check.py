"""Verify a pushed signature against the record as the server holds it.

A signature row claims: this person, in this role, signed this digest of the record at
this time, with this certificate. The server believes none of it until it has checked:

* the signer is the person in that role on the record the server holds (the session's
  supervisor or supervisee, the note's or addendum's author);
* the certificate was issued to that person by this organisation's CA, was valid at the
  signing time, and is not revoked (``certificates.check_signature_certificate``);
* the digest is that of the record's canonical form built from the server's own rows
  (``domain.record_canonical``, the same builder the laptop signs with);
* the ECDSA value verifies over those canonical bytes with the certificate's key.
"""
from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime, timedelta, timezone
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select
from sqlalchemy.engine import Connection

from ...domain.canonical import NotCanonicalisable, canonical_bytes, digest
from ...domain.lifecycle import RecordKind
from ...domain.record_canonical import (
    addendum_canonical,
    agreement_canonical,
    oversight_canonical,
    supervision_canonical,
)
from ...errors import AppError
from ...security import pki
from .. import protocol as p
from .schema import record

KIND_TABLE = {RecordKind.SUPERVISION: "supervision_session",
              RecordKind.OVERSIGHT_NOTE: "oversight_note", RecordKind.ADDENDUM: "addendum",
              RecordKind.AGREEMENT: "supervision_agreement"}
SIGNER_FIELD = {("supervision", "supervisor"): "supervisor_id",
                ("supervision", "supervisee"): "supervisee_id",
                ("oversight_note", "author"): "author_id", ("addendum", "author"): "author_id",
                ("agreement", "supervisor"): "supervisor_id",
                ("agreement", "supervisee"): "supervisee_id"}
CLOCK_SKEW = timedelta(minutes=10)  # a laptop's clock may run this far ahead
SIGN_AGAIN = "Open the record and sign it again."


class RecordMissing(AppError, LookupError):
    pass


def _values(table: str, rec) -> dict[str, Any]:
    """A stored row as the plain values the canonical builders take (as the laptop's
    database gives them)."""
    data = json.loads(rec.data)
    values = {spec.name: p.decode_value(spec, data.get(spec.name)) for spec in p.TABLE_FIELDS[table]}
    values["id"] = rec.id
    values["tombstone"] = bool(rec.tombstone)
    return values


def _one(conn: Connection, table: str, row_id: str | None) -> dict[str, Any] | None:
    if not row_id:
        return None
    rec = conn.execute(select(record).where(record.c.id == row_id, record.c.table_name == table)).first()
    return _values(table, rec) if rec is not None else None


def _parts(conn: Connection, parent_id: str, table: str) -> list[dict[str, Any]]:
    return [_values(table, rec) for rec in conn.execute(
        select(record).where(record.c.parent_id == parent_id, record.c.table_name == table))]


def _many(conn: Connection, table: str, ids: set[str]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    return {rec.id: _values(table, rec) for rec in conn.execute(
        select(record).where(record.c.id.in_(sorted(ids)), record.c.table_name == table))}


def server_canonical(conn: Connection, kind: RecordKind, record_id: str) -> dict[str, Any]:
    """The canonical form of a record from the rows the server holds now."""
    table = KIND_TABLE[kind]
    row = _one(conn, table, record_id)
    if row is None or row["tombstone"]:
        raise RecordMissing(record_id)
    if kind == RecordKind.SUPERVISION:
        discussions = [d for d in _parts(conn, record_id, "case_discussion") if d["session_id"] == record_id]
        children = _many(conn, "child", {d["child_id"] for d in discussions})
        actions = [a for a in _parts(conn, record_id, "action_item") if a["session_id"] == record_id]
        reviews = [r for r in _parts(conn, record_id, "action_review") if r["session_id"] == record_id]
        reviewed = _many(conn, "action_item", {r["action_id"] for r in reviews})
        return supervision_canonical(
            row, [(d, children[d["child_id"]]) for d in discussions if d["child_id"] in children],
            actions, [(r, reviewed[r["action_id"]]) for r in reviews if r["action_id"] in reviewed])
    if kind == RecordKind.OVERSIGHT_NOTE:
        child = _one(conn, "child", row["child_id"])
        if child is None:
            raise RecordMissing(row["child_id"])
        actions = [a for a in _parts(conn, record_id, "action_item") if a["oversight_note_id"] == record_id]
        return oversight_canonical(row, child, actions)
    if kind == RecordKind.AGREEMENT:
        return agreement_canonical(row)
    parent_kind = RecordKind(row["record_kind"])
    parent_digest = digest(parent_kind, server_canonical(conn, parent_kind, row["record_id"]))
    return addendum_canonical(row, parent_digest)


def signature_problem(conn: Connection, data: dict[str, Any], *,
                      now: datetime | None = None) -> str | None:
    """Why the signature row ``data`` (wire form, checked by ``protocol.check_data``)
    cannot be accepted, in words for the signer; None when it verifies."""
    kind = RecordKind(data["record_kind"])
    role = data["signer_role"]
    field = SIGNER_FIELD.get((kind.value, role))
    if field is None:
        return "That signer role does not fit this record."
    holder = _one(conn, KIND_TABLE[kind], data["record_id"])
    if holder is None or holder["tombstone"]:
        return "The record this signature belongs to is not on the server."
    if holder[field] != data["signer_id"]:
        return f"Only the record's {role} can sign it as its {role}."
    signed_at = p.parse_datetime(data["signed_at"])
    if signed_at > (now or datetime.now(timezone.utc)) + CLOCK_SKEW:
        return "The signature is dated in the future; check this computer's clock, then sign again."
    from .certificates import check_signature_certificate

    problem = check_signature_certificate(conn, data["certificate_pem"], data["signer_id"], signed_at)
    if problem is not None:
        return problem
    encoded = data.get("signature_value")
    if not encoded:
        return f"The signature carries no signature value. {SIGN_AGAIN}"
    try:
        value = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return f"The signature value could not be read. {SIGN_AGAIN}"
    try:
        canonical = server_canonical(conn, kind, data["record_id"])
        content = canonical_bytes(kind, canonical)
    except (RecordMissing, KeyError, NotCanonicalisable):
        return "The record this signature belongs to is not complete on the server."
    if digest(kind, canonical) != data["digest"]:
        return ("What was signed is not this record as the server holds it (it was changed on "
                f"another device, or a part of it was not accepted). {SIGN_AGAIN}")
    certificate = pki.load_certificate(data["certificate_pem"].encode("ascii"))
    key = certificate.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return "The signature's certificate does not hold a signing key of the kind records use."
    try:
        key.verify(value, content, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return f"The signature does not verify against this record and the signer's certificate. {SIGN_AGAIN}"
    return None

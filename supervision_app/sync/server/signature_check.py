"""Verify a pushed signature against the record as the server holds it.

A signature row claims: this person, in this role, signed this digest of the record at
this time, with this certificate. The server believes none of it until it has checked:

* the signer is the person in that role on the record the server holds (the session's
  supervisor or supervisee, the note's or addendum's author);
* the certificate was issued to that person by this organisation's CA, was valid at the
  signing time, and is not revoked (``certificates.check_signature_certificate``);
* the digest is that of the record's canonical form built from the server's own rows
  (``domain.record_canonical``, the same builder the laptop signs with), in one of the
  form's versions: the one whose digest the signature carries (v2 for every signature the
  app makes now; v1 for those made before, whose child case references are read from the
  copy frozen when the server was upgraded, ``v1_case_reference``, never live);
* the ECDSA value verifies over those canonical bytes with the certificate's key.

A v1 signature accepted here (an app not yet upgraded) freezes the case references it was
verified over, where not frozen yet (``freeze_case_references``): the one write this check
makes, in the caller's transaction (the push's).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import Column, String, Table, bindparam, insert, select
from sqlalchemy.engine import Connection

from ...domain.canonical import NotCanonicalisable, canonical_bytes, digest
from ...domain.lifecycle import RecordKind
from ...domain.record_canonical import (
    CURRENT_VERSION,
    V1,
    VERSION_FIELD,
    addendum_canonical,
    agreement_canonical,
    oversight_canonical_v1,
    oversight_canonical_v2,
    supervision_canonical_v1,
    supervision_canonical_v2,
    versions_for,
)
from ...domain.time_rules import utc_now
from ...errors import AppError
from .. import protocol as p
from . import group_sync
from .schema import metadata, record

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


# The child's case reference each v1 signature was made over, frozen per case discussion
# and oversight note (``row_id``) when the server was upgraded to v2 (migration s0007, for
# every record that carried a signature then), or when a v1 signature is accepted later
# (``freeze_case_references``): a later correction of the child's case reference, which is
# allowed, then leaves those signatures verifiable. v2 reads no case reference at all.
v1_case_reference = Table(
    "v1_case_reference", metadata,
    Column("row_id", String(36), primary_key=True),
    Column("case_ref", String(40), nullable=False),
)


def _values(table: str, rec) -> dict[str, Any]:
    """A stored row as the plain values the canonical builders take (as the laptop's
    database gives them)."""
    data = json.loads(rec.data)
    values = {spec.name: p.decode_value(spec, data.get(spec.name)) for spec in p.TABLE_FIELDS[table]}
    values["id"] = rec.id
    values["tombstone"] = bool(rec.tombstone)
    return values


# The reads of a check, built once (a statement built per call costs more CPU than SQLite
# takes to answer it: bench_push), each only the columns ``_values`` reads.
_ROW_COLUMNS = (record.c.id, record.c.data, record.c.tombstone)
_ONE = select(*_ROW_COLUMNS).where(record.c.id == bindparam("row_id"),
                                   record.c.table_name == bindparam("table"))
_PARTS_OF: dict[tuple[str, ...], Any] = {}


def _parts_statement(tables: tuple[str, ...]):
    """The rows of ``tables`` built on a parent: one statement for a record's parts."""
    statement = _PARTS_OF.get(tables)
    if statement is None:
        statement = _PARTS_OF[tables] = select(record.c.table_name, *_ROW_COLUMNS).where(
            record.c.parent_id == bindparam("parent_id"), record.c.table_name.in_(tables))
    return statement


def _one(conn: Connection, table: str, row_id: str | None) -> dict[str, Any] | None:
    if not row_id:
        return None
    rec = conn.execute(_ONE, {"row_id": row_id, "table": table}).first()
    return _values(table, rec) if rec is not None else None


def _parts(conn: Connection, parent_id: str, table: str) -> list[dict[str, Any]]:
    return _parts_of(conn, parent_id, (table,))[table]


def _parts_of(conn: Connection, parent_id: str, tables: tuple[str, ...]) -> dict[str, list[dict[str, Any]]]:
    """table -> the rows of that table whose parent is ``parent_id``, in the order a query
    of that table alone gives them, read in one statement."""
    found: dict[str, list[dict[str, Any]]] = {table: [] for table in tables}
    for rec in conn.execute(_parts_statement(tables), {"parent_id": parent_id}):
        found[rec.table_name].append(_values(rec.table_name, rec))
    return found


def _many(conn: Connection, table: str, ids: set[str]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    return {rec.id: _values(table, rec) for rec in conn.execute(
        select(*_ROW_COLUMNS).where(record.c.id.in_(sorted(ids)), record.c.table_name == table))}


def _frozen(conn: Connection, row_ids: set[str]) -> dict[str, str]:
    if not row_ids:
        return {}
    return dict(conn.execute(select(v1_case_reference.c.row_id, v1_case_reference.c.case_ref)
                             .where(v1_case_reference.c.row_id.in_(sorted(row_ids)))).all())


def _with_frozen_ref(child: dict[str, Any], frozen: str | None) -> dict[str, Any]:
    return child if frozen is None else child | {"case_id": frozen}


_RECORD_PARTS = ("case_discussion", "action_item", "action_review")  # a session's; a note has actions


class _Reads:
    """The rows one check reads, each read once: the forms of a record in each version (and
    an addendum's parent's) are built from the same rows, as they stand in the caller's
    transaction (the check writes nothing until it has decided)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._rows: dict[tuple[str, str], dict[str, Any] | None] = {}
        self._parts: dict[str, dict[str, list[dict[str, Any]]]] = {}

    def one(self, table: str, row_id: str | None) -> dict[str, Any] | None:
        if not row_id:
            return None
        key = (table, row_id)
        if key not in self._rows:
            self._rows[key] = _one(self.conn, table, row_id)
        return self._rows[key]

    def parts(self, record_id: str) -> dict[str, list[dict[str, Any]]]:
        """table -> the record's parts of that table (a session's or an oversight note's)."""
        if record_id not in self._parts:
            self._parts[record_id] = _parts_of(self.conn, record_id, _RECORD_PARTS)
        return self._parts[record_id]


def server_canonical(conn: Connection, kind: RecordKind, record_id: str,
                     version: int = CURRENT_VERSION) -> dict[str, Any]:
    """The canonical form of a record, in ``version``, from the rows the server holds now.
    v2 reads the record's own rows only (the session and its case discussions, actions
    and action reviews; the note and its actions), which every party to the record is
    sent; v1 also reads the children's rows (their frozen case references where the
    server froze them) and the reviewed earlier actions, as the app did then."""
    return _canonical(_Reads(conn), kind, record_id, version)


def _canonical(reads: _Reads, kind: RecordKind, record_id: str, version: int) -> dict[str, Any]:
    conn = reads.conn
    table = KIND_TABLE[kind]
    row = reads.one(table, record_id)
    if row is None or row["tombstone"]:
        raise RecordMissing(record_id)
    if kind == RecordKind.SUPERVISION:
        parts = reads.parts(record_id)
        discussions = [d for d in parts["case_discussion"] if d["session_id"] == record_id]
        actions = [a for a in parts["action_item"] if a["session_id"] == record_id]
        reviews = [r for r in parts["action_review"] if r["session_id"] == record_id]
        if version != V1:
            return supervision_canonical_v2(row, discussions, actions, reviews)
        children = _many(conn, "child", {d["child_id"] for d in discussions})
        frozen = _frozen(conn, {d["id"] for d in discussions})
        reviewed = _many(conn, "action_item", {r["action_id"] for r in reviews})
        return supervision_canonical_v1(
            row, [(d, _with_frozen_ref(children[d["child_id"]], frozen.get(d["id"])))
                  for d in discussions if d["child_id"] in children],
            actions, [(r, reviewed[r["action_id"]]) for r in reviews if r["action_id"] in reviewed])
    if kind == RecordKind.OVERSIGHT_NOTE:
        actions = [a for a in reads.parts(record_id)["action_item"]
                   if a["oversight_note_id"] == record_id]
        if version != V1:
            return oversight_canonical_v2(row, actions)
        child = reads.one("child", row["child_id"])
        if child is None:
            raise RecordMissing(row["child_id"])
        return oversight_canonical_v1(row, _with_frozen_ref(child, _frozen(conn, {record_id}).get(record_id)),
                                      actions)
    if kind == RecordKind.AGREEMENT:
        return agreement_canonical(row)
    forms = _addendum_forms(reads, row, version)
    if not forms:
        raise RecordMissing(row["record_id"])
    if len(forms) == 1:  # one digest it may name (always so for a group session's)
        return forms[0]
    signed = _signed_digests(conn, RecordKind(row["record_kind"]), row["record_id"])
    return next((form for form in forms if form["parent_digest"] in signed), forms[0])


def _addendum_forms(reads: _Reads, addendum: dict[str, Any], version: int) -> list[dict[str, Any]]:
    """An addendum's form in ``version`` for each digest of its parent it may name: v1 the
    parent's v1 digest; v2 the parent's digest in either version (the one the parent's
    signatures are over, ``record_canonical.addendum_canonical``), current first."""
    if addendum["record_kind"] == group_sync.GROUP_KIND:  # the session as its author signed it
        return group_sync.addendum_forms(reads.conn, addendum, version)
    parent_kind = RecordKind(addendum["record_kind"])
    forms = []
    for parent_version in ((V1,) if version == V1 else versions_for(parent_kind)):
        try:
            parent = _canonical(reads, parent_kind, addendum["record_id"], parent_version)
        except RecordMissing:
            continue  # an older form needs a row the server lacks
        forms.append(addendum_canonical(addendum, digest(parent_kind, parent), version))
    return forms


def _signed_digests(conn: Connection, kind: RecordKind, record_id: str) -> set[str]:
    return {data["digest"] for data in (json.loads(text_) for text_ in conn.execute(
        select(record.c.data).where(record.c.parent_id == record_id, record.c.table_name == "signature",
                                    record.c.tombstone.is_(False))).scalars())
            if data.get("record_kind") == kind.value}


def signed_canonical(conn: Connection, kind: RecordKind, record_id: str,
                     signed_digest: str) -> dict[str, Any] | None:
    """The record's canonical form in the version whose digest is ``signed_digest`` (a
    signature carries no version: its digest identifies it), or None when no version's
    is. Raises ``RecordMissing`` when the record is not complete on the server in the
    current version."""
    found = _signed_form(_Reads(conn), kind, record_id, signed_digest)
    return found[0] if found is not None else None


def _signed_form(reads: _Reads, kind: RecordKind, record_id: str,
                 signed_digest: str) -> tuple[dict[str, Any], bytes] | None:
    """:func:`signed_canonical`, with the canonical bytes its digest was taken of (the bytes
    the ECDSA value signs): a record's form is serialised once, not once for the digest and
    again for the signature, and each version's form is built from the same rows, read once
    (a signed record carries every part: bench_push)."""
    for version in versions_for(kind):
        try:
            if kind == RecordKind.ADDENDUM:
                row = reads.one("addendum", record_id)
                if row is None or row["tombstone"]:
                    raise RecordMissing(record_id)
                forms = _addendum_forms(reads, row, version)
                if not forms:
                    raise RecordMissing(row["record_id"])
            else:
                forms = [_canonical(reads, kind, record_id, version)]
        except RecordMissing:
            if version == versions_for(kind)[0]:
                raise
            continue  # an older form needs a row the server lacks: not that version
        for form in forms:
            content = canonical_bytes(kind, form)
            if hashlib.sha256(content).hexdigest() == signed_digest:  # domain.canonical.digest
                return form, content
    return None


def freeze_case_references(conn: Connection, kind: RecordKind, record_id: str) -> int:
    """Freeze, for a record a v1 signature was accepted on, the case reference of each
    child it names (its case discussions', the note's, or an addendum's parent's), where not
    frozen yet; returns how many were frozen. (Migration s0007 did this for every record
    signed before v2.)"""
    if kind == RecordKind.SUPERVISION:
        rows = [(d["id"], d["child_id"]) for d in _parts(conn, record_id, "case_discussion")
                if d["session_id"] == record_id]
    elif kind == RecordKind.OVERSIGHT_NOTE:
        note = _one(conn, "oversight_note", record_id)
        rows = [(record_id, note["child_id"])] if note is not None else []
    elif kind == RecordKind.ADDENDUM:  # a v1 addendum names its parent's v1 digest
        addendum = _one(conn, "addendum", record_id)
        return freeze_case_references(conn, RecordKind(addendum["record_kind"]), addendum["record_id"]) \
            if addendum is not None and addendum["record_kind"] != RecordKind.ADDENDUM.value else 0
    else:
        return 0
    known = _frozen(conn, {row_id for row_id, _ in rows})
    children = _many(conn, "child", {child_id for _, child_id in rows})
    fresh = [{"row_id": row_id, "case_ref": children[child_id]["case_id"]} for row_id, child_id in rows
             if row_id not in known and child_id in children]
    if fresh:  # two signatures on one record pushed at once may both freeze: the first wins
        conn.execute(_insert_new(conn.dialect.name), fresh)
    return len(fresh)


def _insert_new(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(v1_case_reference).on_conflict_do_nothing(index_elements=["row_id"])
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(v1_case_reference).on_conflict_do_nothing(index_elements=["row_id"])
    return insert(v1_case_reference)


def signature_problem(conn: Connection, data: dict[str, Any], *,
                      now: datetime | None = None) -> str | None:
    """Why the signature row ``data`` (wire form, checked by ``protocol.check_data``)
    cannot be accepted, in words for the signer; None when it verifies."""
    kind = RecordKind(data["record_kind"])
    role = data["signer_role"]
    field = SIGNER_FIELD.get((kind.value, role))
    if field is None:
        return "That signer role does not fit this record."
    reads = _Reads(conn)  # nothing is written until the check has decided
    holder = reads.one(KIND_TABLE[kind], data["record_id"])
    if holder is None or holder["tombstone"]:
        return "The record this signature belongs to is not on the server."
    if holder[field] != data["signer_id"]:
        return f"Only the record's {role} can sign it as its {role}."
    signed_at = p.parse_datetime(data["signed_at"])
    if signed_at > (now or utc_now()) + CLOCK_SKEW:
        return "The signature is dated in the future; check this computer's clock, then sign again."
    from .certificates import check_signature_certificate, parsed_certificate

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
        found = _signed_form(reads, kind, data["record_id"], data["digest"])
    except (RecordMissing, KeyError, NotCanonicalisable):
        return "The record this signature belongs to is not complete on the server."
    if found is None:
        return ("What was signed is not this record as the server holds it (it was changed on "
                f"another device, or a part of it was not accepted). {SIGN_AGAIN}")
    canonical, content = found
    key = parsed_certificate(data["certificate_pem"]).public_key()  # (read above)
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return "The signature's certificate does not hold a signing key of the kind records use."
    try:
        key.verify(value, content, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return f"The signature does not verify against this record and the signer's certificate. {SIGN_AGAIN}"
    if canonical.get(VERSION_FIELD, V1) == V1:
        # made by an app from before v2: keep the case references it was verified over, so a
        # later correction of a child's leaves it verifiable (in the push's own transaction)
        freeze_case_references(conn, kind, data["record_id"])
    return None

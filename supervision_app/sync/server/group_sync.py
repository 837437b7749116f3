"""Group supervision on the server (issue 21): the facts of its rows, who may push what, and
the check of each person's signature.

The server trusts no laptop's claim about a group: who is in it is the attendance rows it
holds; the group's team is the one its attendees share in the server's own directory (not
the laptop's ``team_id``); each attendee must be someone the supervisor line-manages in that
directory; where the group is in its life follows from the signatures the server has
verified. Each attendee is sent the shared part and only their own actions
(``domain.group_supervision``, asked through ``authz``), and each signature is verified over
the canonical form of exactly what its signer sees (``domain.group_canonical``), built from
the server's rows.
"""
from __future__ import annotations

import base64
import binascii
import json
from datetime import timezone
from typing import TYPE_CHECKING, Any, Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select
from sqlalchemy.engine import Connection

from ...domain.canonical import NotCanonicalisable, canonical_bytes, digest
from ...domain.group_canonical import author_signed_digest, group_canonical
from ...domain.group_supervision import (
    ATTENDANCE_KIND,
    GROUP_KIND,
    Attendance,
    GroupActionTarget,
    GroupTarget,
    creation_refusal,
    decide_group,
    decide_group_action,
    group_team,
)
from ...domain.permissions import MANAGER_ROLES, Actor, Decision, Operation
from ...domain.time_rules import utc_now
from ...domain.vocabulary import RecordState
from ...security import pki
from .. import protocol as p
from .schema import record

if TYPE_CHECKING:
    from .storage import WriteTx

GROUP_TABLES = frozenset({"group_session", "group_attendance", "group_discussion", "group_action"})
SIGNATURE_KINDS = frozenset({GROUP_KIND, ATTENDANCE_KIND})
KIND_TABLE = {GROUP_KIND: "group_session", ATTENDANCE_KIND: "group_attendance"}
ACTION_STATUS_FIELDS = frozenset({"status", "closed_at"})
FROZEN = "This group session has been signed by its supervisor; it can no longer change."

Facts = dict[str, Any]
Check = Callable[[Actor, "Operation | str", str, str, Decision], None]


# --- facts ------------------------------------------------------------------------------

def _live_rows(tx: WriteTx, parent_ids: list[str], table: str) -> list[tuple[str, dict[str, Any]]]:
    if not parent_ids:
        return []
    return [(r.id, json.loads(r.data)) for r in tx.conn.execute(
        select(record.c.id, record.c.data).where(record.c.parent_id.in_(parent_ids),
                                                 record.c.table_name == table,
                                                 record.c.tombstone.is_(False)))]


def group_facts(tx: WriteTx, group_id: str, data: dict[str, Any]) -> Facts:
    """Who is in the group, its team (from the server's directory), who has signed."""
    attendance = _live_rows(tx, [group_id], "group_attendance")
    attendees = {a["attendee_id"]: a["attendance"] for _id, a in attendance}
    by_row = {row_id: a["attendee_id"] for row_id, a in attendance}
    signed = set()
    for _id, sig in _live_rows(tx, [group_id, *by_row], "signature"):
        if sig["record_kind"] == GROUP_KIND and sig["record_id"] == group_id \
                and sig["signer_id"] == data["supervisor_id"]:
            signed.add(sig["signer_id"])
        elif sig["record_kind"] == ATTENDANCE_KIND and by_row.get(sig["record_id"]) == sig["signer_id"]:
            signed.add(sig["signer_id"])
    return {"k": "grp", "_table": "group_session", "supervisor": data["supervisor_id"],
            "team": group_team({person: tx.team_of(person) for person in attendees}) if attendees else None,
            "attendees": dict(sorted(attendees.items())), "signed": sorted(signed)}


def facts(tx: WriteTx, table: str, row_id: str, data: dict[str, Any]) -> Facts:
    from .storage import Refused

    if table == "group_session":
        return group_facts(tx, row_id, data)
    parent = tx.facts_of(data["group_session_id"])
    if parent is None or parent.get("k") != "grp":
        raise Refused("rejected", "the group session this belongs to is not on the server")
    parent = {k: v for k, v in parent.items() if k != "_table"} | {"_table": "group_session"}
    if table == "group_action":
        return {"k": "gact", "_table": table, "owner": data["owner_id"], "parent": parent}
    out: Facts = {"k": "gpart", "_table": table, "parent": parent}
    if table == "group_attendance":
        out["attendee"] = data["attendee_id"]
    return out


def document_facts(signed: Facts) -> Facts:
    """A signed copy of a group session (``records.group_pdf``) is seen as an action is: by
    its signer, the group's supervisor and the managers who see the group, never by the other
    attendees (the supervisor's copy holds every attendee's action). ``signed``: the facts of
    the row its signature is on: the session (the supervisor's) or an attendance row."""
    group = {k: v for k, v in group_of(signed).items() if k != "_table"} | {"_table": "group_session"}
    owner = signed["attendee"] if signed["k"] == "gpart" else group["supervisor"]
    return {"k": "gact", "_table": "record_document", "owner": owner, "parent": group}


def parent_id(table: str, data: dict[str, Any]) -> str | None:
    return None if table == "group_session" else data["group_session_id"]


def group_of(facts_: Facts) -> Facts:
    """The group session's facts for any of its rows' facts."""
    while facts_["k"] != "grp":
        facts_ = facts_["parent"]
    return facts_


def target_of(facts_: Facts) -> GroupTarget | GroupActionTarget:
    if facts_["k"] == "gact":
        return GroupActionTarget(owner_id=facts_["owner"], group=_group_target(facts_["parent"]))
    return _group_target(group_of(facts_))


def _group_target(g: Facts) -> GroupTarget:
    attendees = {person: Attendance(a) for person, a in g["attendees"].items()}
    signed = set(g["signed"])
    present = {person for person, a in attendees.items() if a == Attendance.PRESENT}
    if g["supervisor"] not in signed:
        state = RecordState.DRAFT
    else:
        state = RecordState.LOCKED if present <= signed else RecordState.SUPERVISOR_SIGNED
    return GroupTarget(supervisor_id=g["supervisor"], team_id=g["team"], attendees=attendees,
                       state=state, signed=frozenset(signed))


def decide_on(actor: Actor, op: Operation, facts_: Facts) -> Decision:
    target = target_of(facts_)
    if isinstance(target, GroupActionTarget):
        return decide_group_action(actor, op, target)
    return decide_group(actor, op, target)


def scope_keys(facts_: Facts) -> set[str]:
    """The group's supervisor, every attendee and its team; an action also its owner."""
    g = group_of(facts_)
    keys = {f"p:{g['supervisor']}", *(f"p:{person}" for person in g["attendees"])}
    if g["team"]:
        keys.add(f"t:{g['team']}")
    if facts_["k"] == "gact" and facts_["owner"]:
        keys.add(f"p:{facts_['owner']}")
    return keys


def refresh_group(tx: WriteTx, table: str, data: dict[str, Any]) -> None:
    """After an attendance row or a signature is stored, the group's facts (who is in it,
    who has signed) are computed again; when they change, the group and every row built on
    it are re-stamped, so each attendee is sent what they may now see."""
    if table == "group_attendance":
        group_id = data["group_session_id"]
    elif table == "signature" and data["record_kind"] in SIGNATURE_KINDS:
        group_id = data["record_id"]
        if data["record_kind"] == ATTENDANCE_KIND:
            attendance = tx.load(data["record_id"])
            if attendance is None:
                return
            group_id = json.loads(attendance.data)["group_session_id"]
    else:
        return
    rec = tx.load(group_id)
    if rec is None or rec.table_name != "group_session":
        return
    old = json.loads(rec.auth)
    if group_facts(tx, group_id, json.loads(rec.data)) == old:
        return
    tx.write(table="group_session", row_id=group_id, version=rec.version,
             updated_at=rec.updated_at.replace(tzinfo=timezone.utc), updated_by=rec.updated_by,
             tombstone=bool(rec.tombstone), data=json.loads(rec.data),
             mutation_id=rec.last_mutation_id, existing=rec)


# --- who may push what ------------------------------------------------------------------

def authorize(tx: WriteTx, actor: Actor, check: Check, table: str, row_id: str, data: dict[str, Any],
              existing, old_facts: Facts | None, new_facts: Facts, changed: set[str]) -> None:
    def refuse(reason: str, op: Operation | str = Operation.EDIT) -> None:
        check(actor, op, table, row_id, Decision(False, reason))

    groups = [group_of(f) for f in ([old_facts] if old_facts is not None else []) + [new_facts]]
    frozen = any(g["supervisor"] in g["signed"] for g in groups)
    if table == "group_session":
        if data["supervisor_id"] != actor.staff_id or (
                existing is not None and "supervisor_id" in changed):
            refuse("Only the supervisor who holds a group session writes it, in their own name.",
                   Operation.CREATE)
        if existing is None:
            # who may be in it is checked as each attendance row arrives
            if actor.role not in MANAGER_ROLES:
                refuse("Only a manager holds group supervision.", Operation.CREATE)
            check(actor, Operation.CREATE, table, row_id, Decision(True, "a manager, in their own name"))
            return
        if frozen:
            refuse(FROZEN, "change_locked")
        check(actor, Operation.EDIT, table, row_id, decide_on(actor, Operation.EDIT, old_facts or new_facts))
        return
    if existing is not None and "group_session_id" in changed:
        refuse("A part of a group session cannot move to another session.")
    if table == "group_action" and existing is not None and not (changed - ACTION_STATUS_FIELDS - {"tombstone"}) \
            and "tombstone" not in changed and frozen:
        # after sign-off an action's status moves on, by its owner or the supervisor
        g = group_of(new_facts)
        may = actor.staff_id in (new_facts["owner"], g["supervisor"])
        check(actor, Operation.UPDATE_STATUS, table, row_id, Decision(
            may, "the action's owner or supervisor" if may else
            "Only the action's owner or the group's supervisor updates its status."))
        return
    if frozen:
        refuse(FROZEN, "change_locked")
    for f in ([old_facts] if old_facts is not None else []) + [new_facts]:
        g = group_of(f)
        check(actor, Operation.EDIT, table, row_id, decide_group(actor, Operation.EDIT, _group_target(g)))
    if table == "group_attendance" and (existing is None or "attendee_id" in changed):
        # the server's directory decides who the supervisor line-manages, not the laptop's
        person = data["attendee_id"]
        refusal = creation_refusal(actor, {person: tx.team_of(person)})
        if refusal:
            refuse(refusal, Operation.CREATE)
        if any(a["attendee_id"] == person
               for other_id, a in _live_rows(tx, [data["group_session_id"]], table) if other_id != row_id):
            refuse("That person is already listed in this group session.", Operation.CREATE)
    if table == "group_action":
        check(actor, Operation.CREATE, table, row_id,
              decide_group_action(actor, Operation.CREATE, GroupActionTarget(data["owner_id"],
                                                                             _group_target(group_of(new_facts)))))


def authorize_signature(tx: WriteTx, actor: Actor, check: Check, row_id: str, data: dict[str, Any],
                        facts_: Facts) -> None:
    """The supervisor's signature on the session, or an attendee's on their own attendance:
    in their own name, when the rules let them sign, once, verified over the canonical form
    of what they see as the server holds it."""
    table = "signature"
    supervisor = data["record_kind"] == GROUP_KIND
    op = Operation.SIGN_AS_SUPERVISOR if supervisor else Operation.SIGN_AS_SUPERVISEE
    if data["signer_id"] != actor.staff_id:
        check(actor, "sign", table, row_id, Decision(False, "You can only sign in your own name."))
    if data["signer_role"] != ("supervisor" if supervisor else "supervisee"):
        check(actor, op, table, row_id, Decision(False, "That signer role does not fit this record."))
    if not supervisor and facts_["parent"].get("attendee") != actor.staff_id:
        check(actor, op, table, row_id, Decision(False, "You can sign only your own attendance."))
    check(actor, op, table, row_id, decide_group(actor, op, _group_target(group_of(facts_))))
    problem = signature_problem(tx, data, supervisor)
    check(actor, "verify_signature", table, row_id,
          Decision(problem is None, problem or "verified against the server's group session"))


def authorize_document(tx: WriteTx, actor: Actor, check: Check, row_id: str, data: dict[str, Any],
                       facts_: Facts) -> None:
    """A person's signed copy: added by its signer only, after their signature, checked as
    a record's copy is (``group_document_check``)."""
    from .group_document_check import group_document_problem
    from .signature_check import CLOCK_SKEW

    table = "record_document"
    check(actor, Operation.VIEW, table, row_id, decide_on(actor, Operation.VIEW, facts_))
    if p.parse_datetime(data["created_at"]) > utc_now() + CLOCK_SKEW:
        check(actor, "add_document", table, row_id, Decision(
            False, "The signed copy is dated in the future; check this computer's clock."))
    problem = group_document_problem(tx.conn, data, actor.staff_id)
    check(actor, "add_document", table, row_id,
          Decision(problem is None, problem or "the signer's copy of what they signed"))


def _values(table: str, row_id: str, data: dict[str, Any], tombstone: bool) -> dict[str, Any]:
    values = {spec.name: p.decode_value(spec, data.get(spec.name)) for spec in p.TABLE_FIELDS[table]}
    return values | {"id": row_id, "tombstone": tombstone}


def _server_rows(conn: Connection, group_id: str) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]] | None:
    """The group session and its parts as the server holds them (plain values), or None."""
    rec = conn.execute(select(record).where(record.c.id == group_id)).first()
    if rec is None or rec.tombstone or rec.table_name != "group_session":
        return None
    parts: dict[str, list[dict[str, Any]]] = {"group_attendance": [], "group_discussion": [], "group_action": []}
    for part in conn.execute(select(record).where(record.c.parent_id == group_id,
                                                  record.c.table_name.in_(list(parts)))):
        parts[part.table_name].append(_values(part.table_name, part.id, json.loads(part.data),
                                              bool(part.tombstone)))
    return _values("group_session", group_id, json.loads(rec.data), bool(rec.tombstone)), parts


def server_canonical(tx: WriteTx, group_id: str, viewer_id: str) -> dict[str, Any] | None:
    rows = _server_rows(tx.conn, group_id)
    if rows is None:
        return None
    group, parts = rows
    return group_canonical(group, parts["group_discussion"], parts["group_attendance"],
                           parts["group_action"], viewer_id=viewer_id)


def addendum_forms(conn: Connection, addendum: dict[str, Any], version: int) -> list[dict[str, Any]]:
    """The canonical forms an addendum to a group session may be signed over
    (``signature_check``'s addendum check): one, naming the digest of the session as its
    author signed it, built from the server's rows (``group_canonical.author_signed_digest``).
    Group addenda are newer than the addendum form's v1, so there is none in v1."""
    from ...domain.record_canonical import V1, addendum_canonical

    rows = _server_rows(conn, addendum["record_id"]) if version != V1 else None
    if rows is None:
        return []
    group, parts = rows
    parent_digest = author_signed_digest(group, parts["group_discussion"], parts["group_attendance"],
                                         parts["group_action"], author_id=addendum["author_id"])
    return [addendum_canonical(addendum, parent_digest, version)]


def signature_problem(tx: WriteTx, data: dict[str, Any], supervisor: bool) -> str | None:
    from .certificates import check_signature_certificate
    from .signature_check import CLOCK_SKEW, SIGN_AGAIN

    if supervisor:
        group_id = data["record_id"]
    else:
        attendance = tx.load(data["record_id"])
        if attendance is None or attendance.tombstone:
            return "The attendance this signature belongs to is not on the server."
        group_id = json.loads(attendance.data)["group_session_id"]
    signed_at = p.parse_datetime(data["signed_at"])
    if signed_at > utc_now() + CLOCK_SKEW:
        return "The signature is dated in the future; check this computer's clock, then sign again."
    problem = check_signature_certificate(tx.conn, data["certificate_pem"], data["signer_id"], signed_at)
    if problem is not None:
        return problem
    try:
        value = base64.b64decode(data.get("signature_value") or "", validate=True)
    except (binascii.Error, ValueError):
        value = b""
    if not value:
        return f"The signature value could not be read. {SIGN_AGAIN}"
    kind = GROUP_KIND if supervisor else ATTENDANCE_KIND
    try:
        form = server_canonical(tx, group_id, data["signer_id"])
        content = canonical_bytes(kind, form) if form is not None else b""
    except (KeyError, NotCanonicalisable):
        form = None
    if form is None:
        return "The group session this signature belongs to is not complete on the server."
    if digest(kind, form) != data["digest"]:
        return ("What was signed is not this group session as the server holds it (it was changed "
                f"on another device, or a part of it was not accepted). {SIGN_AGAIN}")
    key = pki.load_certificate(data["certificate_pem"].encode("ascii")).public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return "The signature's certificate does not hold a signing key of the kind records use."
    try:
        key.verify(value, content, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return f"The signature does not verify against this group session and the signer's certificate. {SIGN_AGAIN}"
    return None

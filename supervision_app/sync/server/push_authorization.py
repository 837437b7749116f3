"""Whether a person may make a pushed change: the locks of signed records (the server's copy
of the client's triggers), then who may do it, decided by ``domain.permissions`` on the
facts the server derives itself (``row_facts``). Every decision asked is logged.
"""
from __future__ import annotations

import json
from collections import deque
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ...domain.frozen_fields import AGREEMENT_CONTENT, SESSION_CONTENT  # as the client's triggers
from ...domain.lifecycle import Event, IllegalTransition, RecordKind, allowed_events, next_state
from ...domain.permissions import Actor, Decision, DirectoryTarget, Operation, decide
from ...domain.time_rules import utc_now
from ...domain.vocabulary import RecordState
from .. import protocol as p
from . import authz, feedback_totals, group_sync
from .document_check import document_problem
from .refusal import Refused
from .row_facts import PAIR_TABLES, with_state
from .schema import record
from .signature_check import CLOCK_SKEW, signature_problem

if TYPE_CHECKING:
    from .storage import WriteTx


SUPERVISEE_FIELDS = frozenset({"supervisee_comments", "supervisee_agreement", "disagreement"})
STATE_FIELDS = frozenset({"state", "shared_at"})
ACTION_STATUS_FIELDS = frozenset({"status", "closed_at"})
FROZEN_SESSION_STATES = frozenset({"supervisor_signed", "locked"})
RECORD_KIND = {"supervision_session": RecordKind.SUPERVISION,
               "oversight_note": RecordKind.OVERSIGHT_NOTE, "addendum": RecordKind.ADDENDUM,
               "supervision_agreement": RecordKind.AGREEMENT}


def _check(actor: Actor, op: Operation | str, table: str, row_id: str, decision: Decision) -> None:
    authz.log_decision(actor, str(op), table, row_id, decision)
    if not decision.allowed:
        raise Refused("rejected", decision.reason)


def _decide_at(actor: Actor, op: Operation, facts: authz.Facts, *states: str) -> Decision:
    """Allowed at any of ``states`` (a change made while moving between two states)."""
    decision = Decision(False, "not allowed")
    for state in states:
        decision = decide(actor, op, authz.target_of(with_state(facts, state)))
        if decision.allowed:
            return decision
    return decision


def state_path(kind: RecordKind, old: str, new: str) -> list[tuple[str, Event]] | None:
    """The lifecycle events leading from ``old`` to ``new`` (shortest), or None."""
    if old == new:
        return []
    queue: deque[tuple[str, list[tuple[str, Event]]]] = deque([(old, [])])
    seen = {old}
    while queue:
        state, path = queue.popleft()
        for ev in sorted(allowed_events(kind, RecordState(state))):
            try:
                nxt = next_state(kind, RecordState(state), ev).value
            except IllegalTransition:
                continue
            if nxt in seen:
                continue
            step = path + [(state, ev)]
            if nxt == new:
                return step
            seen.add(nxt)
            queue.append((nxt, step))
    return None


def _check_state_change(actor: Actor, table: str, row_id: str, facts: authz.Facts,
                        old: str, new: str) -> None:
    path = state_path(RECORD_KIND[table], old, new)
    if path is None:
        _check(actor, "change_state", table, row_id,
               Decision(False, f"A record cannot move from '{old}' to '{new}'."))
        return
    for state, ev in path:
        op = Operation(ev.value)
        _check(actor, op, table, row_id, decide(actor, op, authz.target_of(with_state(facts, state))))


def _changed(old: dict[str, Any] | None, new: dict[str, Any]) -> set[str]:
    if old is None:
        return set(new)
    return {k for k in new if old.get(k) != new.get(k)}


def authorize(tx: WriteTx, actor: Actor, table: str, row_id: str, data: dict[str, Any],
              tombstone: bool, existing) -> None:
    """Raise :class:`Refused` unless ``actor`` may make this change. Every decision asked
    is logged. Locked records are refused before anything else is considered."""
    old_data = json.loads(existing.data) if existing is not None else None
    changed = _changed(old_data, data)
    if existing is not None and bool(existing.tombstone) != tombstone:
        changed.add("tombstone")
    old_facts = json.loads(existing.auth) if existing is not None else None
    new_facts = tx.facts(table, row_id, data)

    # 1. What the locks allow (the server's copy of the client's triggers).
    _check_locks(tx, actor, table, row_id, existing, old_data, old_facts, new_facts, changed)
    if old_facts is not None and not changed:
        _check_unchanged(actor, table, row_id, old_facts)

    # 2. Who may do it.
    if table in p.DIRECTORY_TABLES:
        _check(actor, Operation.MANAGE_DIRECTORY, table, row_id,
               decide(actor, Operation.MANAGE_DIRECTORY, DirectoryTarget()))
        return
    if table == "child":
        _authorize_child(actor, row_id, old_facts, new_facts)
        return
    if table == "disagreement_resolution":
        _authorize_resolution(tx, actor, row_id, data, tombstone, new_facts)
        return
    if table in group_sync.GROUP_TABLES:
        group_sync.authorize(tx, actor, _check, table, row_id, data, existing, old_facts, new_facts, changed)
        return
    if table == "signature" and data["record_kind"] in group_sync.SIGNATURE_KINDS:
        group_sync.authorize_signature(tx, actor, _check, row_id, data, new_facts)
        return
    if table == "record_document" and data["record_kind"] in group_sync.SIGNATURE_KINDS:
        group_sync.authorize_document(tx, actor, _check, row_id, data, new_facts)
        return
    if table in p.INSERT_ONLY_TABLES:
        _authorize_insert_only(tx, actor, table, row_id, data, new_facts)
        return
    if table == "supervision_session":
        _check_session_team(tx, actor, row_id, data, existing is None, changed)
        _authorize_session(actor, row_id, data, old_facts, new_facts, changed)
        return
    if table in ("case_discussion", "action_review"):
        if old_facts is not None and old_facts["parent"] != new_facts["parent"]:
            _check(actor, Operation.EDIT, table, row_id,
                   decide(actor, Operation.EDIT, authz.target_of(old_facts["parent"])))
        _check(actor, Operation.EDIT, table, row_id,
               decide(actor, Operation.EDIT, authz.target_of(new_facts["parent"])))
        return
    if table == "action_item":
        agreed = changed - ACTION_STATUS_FIELDS
        if existing is None or agreed:
            for facts in ([old_facts] if old_facts is not None else []) + [new_facts]:
                _check(actor, Operation.EDIT, table, row_id,
                       decide(actor, Operation.EDIT, authz.target_of(facts["parent"])))
        if existing is not None and changed & ACTION_STATUS_FIELDS:
            _check(actor, Operation.UPDATE_STATUS, table, row_id,
                   decide(actor, Operation.UPDATE_STATUS, authz.target_of(new_facts)))
        return
    if table in ("oversight_note", "addendum"):
        _authorize_signable(actor, table, row_id, old_data, old_facts, new_facts, changed, data)
        return
    if table in PAIR_TABLES:
        _authorize_pair(tx, actor, table, row_id, data, old_facts, new_facts, changed)
        return
    if table == "supervisee_feedback":
        _authorize_feedback(actor, row_id, data, old_facts, new_facts)
        return
    if table == feedback_totals.TABLE:
        _check(actor, Operation.CREATE, table, row_id, Decision(
            False, "Team feedback totals are added up by the server, not sent from a laptop."))
    raise Refused("rejected", f"'{table}' rows cannot be pushed")  # pragma: no cover


def _check_locks(tx: WriteTx, actor: Actor, table: str, row_id: str, existing, old_data,
                 old_facts, new_facts, changed: set[str]) -> None:
    def refuse(reason: str) -> None:
        _check(actor, "change_locked", table, row_id, Decision(False, reason))

    locked = "This record is signed and locked; add a signed addendum instead."
    frozen = "This record has been signed; its content can no longer change."
    if table == "disagreement_resolution" and existing is not None:
        refuse("A recorded resolution can never be changed or removed.")
    if table in p.INSERT_ONLY_TABLES and existing is not None:
        refuse("Signatures and signed documents can never be changed.")
    if existing is None:
        parents = []
    else:
        parents = [old_facts]
    if table == "supervision_session" and existing is not None:
        if old_data["state"] == "locked":
            refuse(locked)
        if old_data["state"] == "supervisor_signed" and (
            changed & SESSION_CONTENT or new_facts["state"] not in ("supervisor_signed", "locked")
        ):
            refuse(frozen)
    if table in ("oversight_note", "addendum") and existing is not None and old_data["state"] == "locked":
        refuse(locked)
    if table == "supervision_agreement" and existing is not None:
        if old_data["state"] == "locked":
            refuse(locked)
        if old_data["state"] == "supervisor_signed" and (
            changed & AGREEMENT_CONTENT or new_facts["state"] not in ("supervisor_signed", "locked")
        ):
            refuse(frozen)
    if table in ("case_discussion", "action_review", "action_item"):
        for facts in parents + [new_facts]:
            parent = facts["parent"]
            parent_frozen = (
                parent["state"] in FROZEN_SESSION_STATES if parent["k"] == "sup"
                else parent["state"] == "locked"
            )
            if not parent_frozen:
                continue
            if table == "action_item" and existing is not None and not (changed - ACTION_STATUS_FIELDS):
                continue  # an agreed action's status moves on after sign-off
            refuse(frozen)


_UNCHANGED_REFUSED = ("You may not change this record, so your copy of it was not accepted "
                      "(even though it is the same as the server's).")


def _check_unchanged(actor: Actor, table: str, row_id: str, facts: authz.Facts) -> None:
    """A push of a row is an edit even when nothing in it differs from the server's copy: it
    is applied (version + 1, recorded as the pusher's) only for someone who may change the
    row as it stands; anyone else is refused, or a worker who knows only the id of their
    manager's draft could push it back unchanged, again and again, and turn every edit the
    manager makes into a conflict. The other tables' checks below ask the same question
    whatever changes (directory, child, parts of a record, cancellations, feedback), or
    refuse any change to a stored row (signatures, documents, resolutions)."""
    if table == "supervision_session":
        candidates = [(op, facts) for op in (Operation.EDIT, Operation.RESPOND, Operation.SHARE,
                                             Operation.WITHDRAW)]
    elif table == "action_item":
        candidates = [(Operation.EDIT, facts["parent"]), (Operation.UPDATE_STATUS, facts)]
    elif table in ("oversight_note", "addendum", "supervision_agreement"):
        candidates = [(Operation.EDIT, facts)]
    else:
        return
    for op, target_facts in candidates:
        decision = decide(actor, op, authz.target_of(target_facts))
        if decision.allowed:
            _check(actor, op, table, row_id, decision)
            return
    _check(actor, Operation.EDIT, table, row_id, Decision(False, _UNCHANGED_REFUSED))


def _authorize_child(actor: Actor, row_id: str, old_facts, new_facts) -> None:
    if decide(actor, Operation.MANAGE_DIRECTORY, DirectoryTarget()).allowed:
        _check(actor, "edit_child", "child", row_id, Decision(True, "administrator"))
        return
    for facts in ([old_facts] if old_facts else []) + [new_facts]:
        decision = decide(actor, Operation.CREATE, authz.target_of(facts))
        if not decision.allowed:
            decision = Decision(False, "Only a manager of the child's team or an administrator "
                                       "can change a child's details.")
        _check(actor, "edit_child", "child", row_id, decision)


def _check_session_team(tx: WriteTx, actor: Actor, row_id: str, data: dict[str, Any], new: bool,
                        changed: set[str]) -> None:
    """A record is made in (or moved to) the supervisee's own team as the server's directory
    has it, never a team the laptop names: naming one's own team once let a manager write
    records for any worker (issue 16 finding 1). A record kept while its worker moves team
    keeps the team it was made in until the history moves with them."""
    if not new and not {"team_id", "supervisee_id"} & changed:
        return
    team = tx.team_of(data["supervisee_id"])
    if data["team_id"] != team:
        _check(actor, Operation.CREATE, "supervision_session", row_id, Decision(
            False, "A supervision record belongs to the supervisee's own team in the staff "
                   "directory; sync, then write it again."))


def _authorize_session(actor: Actor, row_id: str, data: dict[str, Any], old_facts, new_facts,
                       changed: set[str]) -> None:
    table = "supervision_session"
    new_state = new_facts["state"]
    if old_facts is None:
        _check(actor, Operation.CREATE, table, row_id,
               decide(actor, Operation.CREATE, authz.target_of(with_state(new_facts, "draft"))))
        if any(data.get(name) for name in SUPERVISEE_FIELDS):
            # Only the supervisee speaks for the supervisee: a record that arrives already
            # holding a response was written by its supervisor, who would forge the voice
            # the supervisor's own signature has to wait for.
            _check(actor, Operation.RESPOND, table, row_id,
                   decide(actor, Operation.RESPOND, authz.target_of(with_state(new_facts, "shared"))))
        _check_state_change(actor, table, row_id, new_facts, "draft", new_state)
        return
    old_state = old_facts["state"]
    content = changed - SUPERVISEE_FIELDS - STATE_FIELDS
    identity = {"supervisor_id", "supervisee_id", "team_id"} & changed
    if content:
        _check(actor, Operation.EDIT, table, row_id,
               _decide_at(actor, Operation.EDIT, old_facts, old_state, new_state))
    if identity:
        _check(actor, Operation.CREATE, table, row_id,
               decide(actor, Operation.CREATE, authz.target_of(with_state(new_facts, "draft"))))
    if changed & SUPERVISEE_FIELDS:
        _check(actor, Operation.RESPOND, table, row_id,
               _decide_at(actor, Operation.RESPOND, old_facts, old_state, new_state))
    if old_state != new_state:
        _check_state_change(actor, table, row_id, old_facts, old_state, new_state)
    elif "shared_at" in changed:
        _check(actor, Operation.SHARE, table, row_id,
               _decide_at(actor, Operation.SHARE, old_facts, old_state))


def _authorize_signable(actor: Actor, table: str, row_id: str, old_data, old_facts, new_facts,
                        changed: set[str], data: dict[str, Any]) -> None:
    if data["author_id"] != actor.staff_id:
        _check(actor, Operation.CREATE, table, row_id,
               Decision(False, "You can only write notes in your own name."))
    if old_facts is None:
        if table == "oversight_note":
            _check(actor, Operation.CREATE, table, row_id,
                   decide(actor, Operation.CREATE, authz.target_of(new_facts["child"])))
        else:
            _check(actor, Operation.ADD_ADDENDUM, table, row_id,
                   decide(actor, Operation.ADD_ADDENDUM, authz.target_of(new_facts["parent"])))
        _check_state_change(actor, table, row_id, new_facts, "draft", new_facts["state"])
        return
    content = changed - STATE_FIELDS
    if content:
        _check(actor, Operation.EDIT, table, row_id,
               _decide_at(actor, Operation.EDIT, old_facts, old_facts["state"], new_facts["state"]))
        if table == "oversight_note" and "child_id" in changed:
            _check(actor, Operation.CREATE, table, row_id,
                   decide(actor, Operation.CREATE, authz.target_of(new_facts["child"])))
    _check_state_change(actor, table, row_id, old_facts, old_facts["state"], new_facts["state"])


_SIGN_OPS = {"supervisor": Operation.SIGN_AS_SUPERVISOR, "supervisee": Operation.SIGN_AS_SUPERVISEE,
             "author": Operation.SIGN_AS_AUTHOR}
_AFTER_SIGNING = {"supervisor": ("supervisor_signed",), "supervisee": ("locked",),
                  "author": ("locked",)}


def _authorize_insert_only(tx: WriteTx, actor: Actor, table: str, row_id: str,
                           data: dict[str, Any], facts: authz.Facts) -> None:
    parent = facts["parent"]
    parent_people = {parent.get("supervisor"), parent.get("supervisee"), parent.get("author")}
    if table == "record_document":
        visible = authz.may_view(actor, parent)
        if not visible and row_id in tx.signing_documents:
            # the signer's copy of a signing that ends their part: a supervisor whose worker
            # moved team holds the record until they sign it (DESIGN.md §1.1), not after
            visible = next((d for d in (authz.may_view(actor, with_state(parent, state))
                                        for state in ("shared", "draft")) if d), visible)
        _check(actor, Operation.VIEW, table, row_id, visible)
        if actor.staff_id not in parent_people:
            _check(actor, "add_document", table, row_id,
                   Decision(False, "Only the people who sign a record add its signed documents."))
        # A signed copy comes only from the signer, with the signing it carries (the unit's
        # signature is checked to be theirs), naming the stage the record moves to.
        stage = tx.signing_documents.get(row_id)
        if stage is None:
            _check(actor, "add_document", table, row_id, Decision(
                False, "A signed copy is accepted only together with the signature it carries."))
        elif data["stage"] != stage:
            _check(actor, "add_document", table, row_id, Decision(
                False, "This signed copy does not name the stage the record is signed into."))
        if p.parse_datetime(data["created_at"]) > utc_now() + CLOCK_SKEW:
            _check(actor, "add_document", table, row_id, Decision(
                False, "The signed copy is dated in the future; check this computer's clock."))
        # The PDF itself: its signatures verify against the organisation's CA, made with the
        # certificates of this record's signature rows, and it shows the digest they sign.
        problem = document_problem(tx.conn, data, data["stage"],
                                   findings=tx.prepared_documents.findings(row_id))
        _check(actor, "verify_document", table, row_id,
               Decision(problem is None, problem or "verified signed copy"))
        return
    role = data["signer_role"]
    if data["signer_id"] != actor.staff_id:
        _check(actor, "sign", table, row_id, Decision(False, "You can only sign in your own name."))
    op = _SIGN_OPS[role]
    if (role == "author") != (parent["k"] not in ("sup", "agr")):
        _check(actor, op, table, row_id, Decision(False, "That signer role does not fit this record."))
    existing = tx.conn.execute(
        select(record.c.data).where(record.c.parent_id == data["record_id"],
                                    record.c.table_name == "signature")
    ).scalars()
    if any(json.loads(d)["signer_role"] == role for d in existing):
        _check(actor, op, table, row_id, Decision(False, "This record already has that signature."))
    # A signature travels with the record's move to signed (the outbox sends the record
    # before its signature): the record must already be in the signed state, and the
    # signer must have been allowed to sign it in the state it came from.
    if parent["state"] not in _AFTER_SIGNING[role]:
        _check(actor, op, table, row_id,
               Decision(False, "The record has not moved to signed on the server; sign it again."))
    before = {"supervisor": "draft" if parent["k"] == "agr" else "shared",
              "supervisee": "supervisor_signed", "author": "draft"}[role]
    _check(actor, op, table, row_id, decide(actor, op, authz.target_of(with_state(parent, before))))
    # The signer is the person in that role on the server's record, the certificate is one
    # this server's CA issued to them and not revoked, and the value verifies over the
    # record's canonical bytes as the server holds them.
    problem = signature_problem(tx.conn, data)
    _check(actor, "verify_signature", table, row_id,
           Decision(problem is None, problem or "verified against the server's record"))


def _authorize_resolution(tx: WriteTx, actor: Actor, row_id: str, data: dict[str, Any],
                          tombstone: bool, facts: authz.Facts) -> None:
    """A manager above the supervisor records how the supervisee's disagreement was
    resolved (``store.supervision_records.resolve_disagreement``): decided against the
    record as the server holds it, once per record, never removed."""
    table, op = "disagreement_resolution", Operation.RESOLVE_DISAGREEMENT
    if tombstone:
        _check(actor, op, table, row_id,
               Decision(False, "A recorded resolution can never be changed or removed."))
    if data["resolved_by"] != actor.staff_id:
        _check(actor, op, table, row_id,
               Decision(False, "You can only record a resolution in your own name."))
    _check(actor, op, table, row_id, decide(actor, op, authz.target_of(facts["parent"])))
    session = tx.load(data["session_id"])
    if session.tombstone or json.loads(session.data).get("supervisee_agreement") != "disagrees":
        _check(actor, op, table, row_id, Decision(
            False, "The supervisee has not recorded a disagreement on this record, so there "
                   "is nothing to resolve."))
    earlier = tx.conn.execute(
        select(record.c.id).where(record.c.parent_id == data["session_id"],
                                  record.c.table_name == table, record.c.tombstone.is_(False))
    ).first()
    if earlier is not None:
        _check(actor, op, table, row_id, Decision(
            False, "The resolution of this disagreement has already been recorded; it cannot "
                   "be changed."))


def _authorize_pair(tx: WriteTx, actor: Actor, table: str, row_id: str, data: dict[str, Any],
                    old_facts, new_facts, changed: set[str]) -> None:
    """A cancellation or a supervision agreement (issue 21): made in the supervisee's own
    team as the server's directory has it; an agreement moves through its lifecycle like a
    supervision record, its signatures checked with them (``_signing_unit``)."""
    if (old_facts is None or {"team_id", "supervisee_id"} & changed) and \
            data["team_id"] != tx.team_of(data["supervisee_id"]):
        _check(actor, Operation.CREATE, table, row_id, Decision(
            False, "This belongs to the worker's own team in the staff directory; sync, then "
                   "write it again."))
    if table == "session_cancellation":
        for facts in ([old_facts] if old_facts is not None else []) + [new_facts]:
            op = Operation.CREATE if old_facts is None else Operation.EDIT
            _check(actor, op, table, row_id, decide(actor, op, authz.target_of(facts)))
        return
    if old_facts is None:
        _check(actor, Operation.CREATE, table, row_id,
               decide(actor, Operation.CREATE, authz.target_of(with_state(new_facts, "draft"))))
        _check_state_change(actor, table, row_id, new_facts, "draft", new_facts["state"])
        return
    old_state, new_state = old_facts["state"], new_facts["state"]
    if changed & (AGREEMENT_CONTENT - {"tombstone"}) or "tombstone" in changed:
        _check(actor, Operation.EDIT, table, row_id,
               _decide_at(actor, Operation.EDIT, old_facts, old_state))
    if {"supervisor_id", "supervisee_id", "team_id"} & changed:
        _check(actor, Operation.CREATE, table, row_id,
               decide(actor, Operation.CREATE, authz.target_of(with_state(new_facts, "draft"))))
    if old_state != new_state:
        _check_state_change(actor, table, row_id, old_facts, old_state, new_state)


def _authorize_feedback(actor: Actor, row_id: str, data: dict[str, Any], old_facts,
                        new_facts) -> None:
    """Only the supervisee gives feedback, on their own signed session, in their own name."""
    table = "supervisee_feedback"
    if data["supervisee_id"] != actor.staff_id:
        _check(actor, Operation.CREATE, table, row_id,
               Decision(False, "You can only give feedback in your own name."))
    op = Operation.CREATE if old_facts is None else Operation.EDIT
    for facts in ([old_facts] if old_facts is not None else []) + [new_facts]:
        _check(actor, op, table, row_id, decide(actor, op, authz.target_of(facts)))

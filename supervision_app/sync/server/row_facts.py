"""The permission facts of a pushed row, derived from the server's own data.

Facts are what authorization decides on (``authz.Facts``): who wrote a record, whose it is,
its team as the server's directory has it now, its state, and the facts of the record it
belongs to. They are stored beside each row (``record_scope``) and re-stamped when the row
they are built from changes (``parent_id_of``).
"""
from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import Select, select

from ...domain.supervisee_response import has_responded
from ...domain.time_rules import london_date
from .. import protocol as p
from . import authz, feedback_totals, group_sync
from .refusal import Refused
from .schema import record_scope

KIND_TABLE = {"supervision": "supervision_session", "oversight_note": "oversight_note",
              "addendum": "addendum", "agreement": "supervision_agreement",
              **group_sync.KIND_TABLE}
# Rows of a pair (cancellations, agreements) belong to the supervisee's team as the
# server's directory has it, never as the laptop names it (as for supervision records).
PAIR_TABLES = frozenset({"session_cancellation", "supervision_agreement"})

FactsLookup = Callable[[str], "authz.Facts | None"]
TeamLookup = Callable[[str], "str | None"]


def compute_facts(table: str, row_id: str, data: dict[str, Any], facts_of: FactsLookup,
                  team_of: TeamLookup) -> authz.Facts:
    """The permission facts of a row; raises :class:`Refused` when the record it belongs
    to is not on the server."""

    def parent(parent_id: str | None, *tables: str) -> authz.Facts:
        facts = facts_of(parent_id) if parent_id else None
        if facts is None or facts.get("_table") not in tables:
            raise Refused("rejected", "the record this belongs to is not on the server")
        return facts

    if table in p.DIRECTORY_TABLES:
        return {"k": "dir", "_table": table}
    if table == "child":
        worker = data["allocated_worker_id"]
        return {"k": "child", "_table": table, "id": row_id, "worker": worker,
                "team": team_of(worker) if worker else None}
    if table == "supervision_session":
        # "team": the supervisee's team now, from the directory (access follows people,
        # DESIGN.md §1.1); the row's own team_id stays the team on the session date, for figures
        # "held": when, for the chronology of a child whose discussion follows them
        # (``authz.chronology_header``)
        return {"k": "sup", "_table": table, "supervisor": data["supervisor_id"],
                "supervisee": data["supervisee_id"],
                "team": team_of(data["supervisee_id"]), "state": data["state"],
                "held": data["held_at"], **_response_facts(row_id, data, facts_of)}
    if table == "case_discussion":
        # part of its record, and the child as allocated now: once the record is released
        # the discussion follows the child (DESIGN.md §1.1; ``permissions.CaseDiscussionTarget``)
        discussion: authz.Facts = {
            "k": "cd", "_table": table,
            "parent": _strip(parent(data["session_id"], "supervision_session"))}
        child = facts_of(data["child_id"])
        if child is not None and child.get("_table") == "child":
            discussion["child"] = _strip(child)
        return discussion
    if table == "action_review":
        return {"k": "part", "_table": table,
                "parent": _strip(parent(data["session_id"], "supervision_session"))}
    if table == "oversight_note":
        return {"k": "ovs", "_table": table, "author": data["author_id"], "state": data["state"],
                "child": _strip(parent(data["child_id"], "child"))}
    if table == "addendum":
        return {"k": "add", "_table": table, "author": data["author_id"], "state": data["state"],
                "parent": _strip(parent(data["record_id"], KIND_TABLE[data["record_kind"]]))}
    if table == "action_item":
        if data["session_id"]:
            owner_parent = parent(data["session_id"], "supervision_session")
        else:
            owner_parent = parent(data["oversight_note_id"], "oversight_note")
        return {"k": "act", "_table": table, "owner": data["owner_id"],
                "parent": _strip(owner_parent)}
    if table == "record_document" and data["record_kind"] in group_sync.SIGNATURE_KINDS:
        return group_sync.document_facts(
            _strip(parent(data["record_id"], group_sync.KIND_TABLE[data["record_kind"]])))
    if table in ("signature", "record_document"):
        return {"k": "of", "_table": table,
                "parent": _strip(parent(data["record_id"], KIND_TABLE[data["record_kind"]]))}
    if table == "disagreement_resolution":  # seen by whoever may view its record
        return {"k": "of", "_table": table,
                "parent": _strip(parent(data["session_id"], "supervision_session"))}
    if table in PAIR_TABLES:
        facts = {"k": "cxl" if table == "session_cancellation" else "agr", "_table": table,
                 "supervisor": data["supervisor_id"], "supervisee": data["supervisee_id"],
                 "team": team_of(data["supervisee_id"])}
        if table == "supervision_agreement":
            facts["state"] = data["state"]
        return facts
    if table == "supervisee_feedback":  # the supervisee's alone (permissions.FeedbackTarget)
        # "q": the quarter the server first received it, which team total it counts in
        before = facts_of(row_id)
        quarter = (before or {}).get("q") or feedback_totals.quarter_of(authz.server_today())
        return {"k": "fbk", "_table": table, "supervisee": data["supervisee_id"], "q": quarter,
                "parent": _strip(parent(data["session_id"], "supervision_session"))}
    if table == feedback_totals.TABLE:  # seen by the team's managers
        return {"k": "ftot", "_table": table, "team": data["team_id"]}
    raise ValueError(table)


def _response_facts(row_id: str, data: dict[str, Any], facts_of: FactsLookup) -> authz.Facts:
    """What the supervisor's signature waits on (DESIGN.md §3 rule 3), from the server's own
    data: whether the supervisee has responded (``supervisee_response.has_responded``, from
    the response fields only the supervisee may push) and ``shared_on``, the London day the
    server first held the record as shared. The laptop's ``shared_at`` is not trusted for it:
    a supervisor could backdate it to sign at once; and the supervisee's days run from when
    the server could give them the record. A record withdrawn to draft starts again when it
    is shared again. (Rows stored before this fact existed fall back to ``shared_at``.)"""
    facts: authz.Facts = {"responded": has_responded(data.get("supervisee_agreement"))}
    if data["state"] == "draft":
        return facts | {"shared_on": None}
    before = facts_of(row_id)
    if before is not None and before.get("state", "draft") != "draft":
        shared_on = before.get("shared_on")
        if shared_on is None and data.get("shared_at"):
            shared_on = london_date(p.parse_datetime(data["shared_at"])).isoformat()
        return facts | {"shared_on": shared_on}
    return facts | {"shared_on": authz.server_today().isoformat()}


def _strip(facts: authz.Facts) -> authz.Facts:
    return {k: v for k, v in facts.items() if k != "_table"} | {"_table": facts["_table"]}


def parent_id_of(table: str, data: dict[str, Any]) -> str | None:
    """The row whose facts this row's facts are built from (for re-stamping)."""
    if table == "child":
        return data["allocated_worker_id"]
    if table in ("case_discussion", "action_review", "disagreement_resolution",
                 "supervisee_feedback"):
        return data["session_id"]
    if table in PAIR_TABLES or table == "supervision_session":
        return data["supervisee_id"]  # its team follows the supervisee's (re-stamped on a move)
    if table == "oversight_note":
        return data["child_id"]
    if table == "action_item":
        return data["session_id"] or data["oversight_note_id"]
    if table in ("addendum", "signature", "record_document"):
        return data["record_id"]
    if table in group_sync.GROUP_TABLES:
        return group_sync.parent_id(table, data)
    return None


def linked_dependents(row_ids: list[str]) -> Select:
    """The ids of the rows built on these rows besides through ``parent_id``: the case
    discussions about a child (their ``parent_id`` is their record; they follow the child
    too), kept under ``authz.child_link_key``. Re-stamping asks for them with the rows
    whose ``parent_id`` is one of these."""
    return select(record_scope.c.record_id).where(
        record_scope.c.scope_key.in_([authz.child_link_key(row_id) for row_id in row_ids]))


def with_state(facts: authz.Facts, state: str) -> authz.Facts:
    return facts | {"state": state}

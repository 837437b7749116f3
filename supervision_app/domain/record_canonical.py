"""What a record's canonical form holds, built from plain rows (field name -> value).

The laptop builds it from its database rows when it signs (``records.snapshot``) and the
server from the rows it holds when it verifies a pushed signature
(``sync.server.signature_check``): one builder, so both ends produce the same bytes and
the digest the server computes equals ``Signature.digest``. Each builder chooses and
orders the rows itself (live rows only, in a fixed order), so neither end's query order
can change what is signed.

Versions (issues 16 and 18). A signature is over one version of the form; it never
carries the version: it is the one whose digest equals the signature's ``digest``
(``VERSIONS``, newest first: the bytes of two versions always differ, so at most one
matches, and each is a faithful encoding of the same record).

* **v1** (every signature before version 2 existed): the child of a case discussion or
  oversight note also by its case reference, read live from the child's row, and the
  actions reviewed in a session ordered by the reviewed actions' own due dates. Both need
  rows that are not the record's own: correcting a child's case reference (allowed) changed
  the form under every signature on that child's records, and a signer who does not hold
  the child's row or the earlier session's action (a manager after the worker moved team,
  a supervisee whose case went to a colleague) built a different form from the server's.
  Kept byte for byte so those signatures still verify; the server reads the case
  reference each one was made over from the copy frozen when it was upgraded
  (server migration s0007).
* **v2** (every new signature): only the record's own rows and fields that never change
  under a signature: the child by its id (immutable), the reviews ordered by the reviewed
  action's id. A supervision record's form reads its session, case discussions, actions
  and action reviews, all rows the server delivers to whoever may see the record, so
  everyone who may sign it builds the same bytes. The human-readable case reference stays
  in the rendered PDF, which its own PAdES signatures freeze.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Mapping

from .lifecycle import RecordKind

Row = Mapping[str, Any]

V1 = 1
V2 = 2
CURRENT_VERSION = V2
VERSIONS = (V2, V1)  # newest first: the order a signature's version is looked for
VERSION_FIELD = "canonical_version"  # in the form itself from v2 on (v1 has none)


def versions_for(kind: RecordKind | str) -> tuple[int, ...]:
    """The versions a signature on a record of ``kind`` may be over, newest first. A
    supervision agreement reads no row but its own, so it has one form (v1)."""
    return (V1,) if RecordKind(kind) == RecordKind.AGREEMENT else VERSIONS


def _live(rows: Iterable[Row]) -> list[Row]:
    return [row for row in rows if not row.get("tombstone")]


def _by_due_date(action: Row) -> tuple[bool, date, Any]:
    # as SQL's ORDER BY due_on, id: actions without a due date first
    due = action.get("due_on")
    return (due is not None, due or date.min, action["id"])


def _session_fields(session: Row) -> dict[str, Any]:
    return {
        "id": session["id"],
        "supervisee_id": session["supervisee_id"],
        "supervisor_id": session["supervisor_id"],
        "team_id": session["team_id"],
        "held_at": session["held_at"],
        "duration_minutes": session["duration_minutes"],
        "session_type": session["session_type"],
        "location": session["location"],
        "agreement_in_place": session["agreement_in_place"],
        "wellbeing": session["wellbeing"],
        "workload": {
            "caseload_count": session["caseload_count"],
            "complexity": session["caseload_complexity"],
            "capacity": session["capacity"],
            "notes": session["workload_notes"],
        },
        "learning": session["learning"],
        "asye_progress": session["asye_progress"],
        "next_session_on": session["next_session_on"],
        "supervisee_comments": session["supervisee_comments"],
        "supervisee_agreement": session["supervisee_agreement"],
        "disagreement": session["disagreement"],
    }


def _discussion_fields(d: Row) -> dict[str, Any]:
    return {
        "id": d["id"], "child_id": d["child_id"],
        "current_position": d["current_position"], "worries": d["worries"],
        "working_well": d["working_well"], "needs_to_happen": d["needs_to_happen"],
        "safety_scale": d["safety_scale"], "decision": d["decision"], "rationale": d["rationale"],
    }


def _agreed_actions(actions: Iterable[Row]) -> list[dict[str, Any]]:
    # What each action agreed; its status moves on after signing, so it is not signed.
    return [
        {"id": a["id"], "case_discussion_id": a["case_discussion_id"], "child_id": a["child_id"],
         "description": a["description"], "owner_id": a["owner_id"], "due_on": a["due_on"]}
        for a in sorted(_live(actions), key=_by_due_date)
    ]


def _by_position(discussion: Row) -> tuple[int, Any]:
    return (discussion.get("position") or 0, discussion["id"])


def supervision_canonical_v2(session: Row, discussions: Iterable[Row], actions: Iterable[Row],
                             reviews: Iterable[Row]) -> dict[str, Any]:
    """``discussions``: the session's case discussions; ``actions``: the actions agreed in
    this session; ``reviews``: its action reviews. Nothing else is read: no child's row,
    no reviewed action's row (see the module's note on versions)."""
    return {
        VERSION_FIELD: V2,
        **_session_fields(session),
        "case_discussions": [_discussion_fields(d) for d in sorted(_live(discussions), key=_by_position)],
        "actions": _agreed_actions(actions),
        "action_reviews": [
            {"action_id": r["action_id"], "status": r["status"], "note": r["note"]}
            for r in sorted(_live(reviews), key=lambda r: r["action_id"])
        ],
    }


def supervision_canonical_v1(session: Row, discussions: Iterable[tuple[Row, Row]],
                             actions: Iterable[Row], reviews: Iterable[tuple[Row, Row]]) -> dict[str, Any]:
    """The form every signature before v2 was made over, byte for byte. ``discussions``:
    (case discussion, its child: only ``case_id`` is read); ``actions``: the actions agreed
    in this session; ``reviews``: (action review, the action it reviews: only ``due_on``
    and ``id`` are read, for the order). A discussion or review whose other row the
    signer's laptop did not hold was left out by its query (an inner join); callers
    reproduce that by leaving the pair out."""
    live_discussions = sorted(
        ((d, child) for d, child in discussions if not d.get("tombstone")),
        key=lambda pair: _by_position(pair[0]))
    live_reviews = sorted(((r, a) for r, a in reviews if not r.get("tombstone")),
                          key=lambda pair: _by_due_date(pair[1]))
    return {
        **_session_fields(session),
        "case_discussions": [
            {
                "id": d["id"], "child_id": d["child_id"], "child_case_id": child["case_id"],
                "current_position": d["current_position"], "worries": d["worries"],
                "working_well": d["working_well"], "needs_to_happen": d["needs_to_happen"],
                "safety_scale": d["safety_scale"], "decision": d["decision"], "rationale": d["rationale"],
            }
            for d, child in live_discussions
        ],
        "actions": _agreed_actions(actions),
        "action_reviews": [
            {"action_id": r["action_id"], "status": r["status"], "note": r["note"]} for r, _ in live_reviews
        ],
    }


def _oversight_fields(note: Row) -> dict[str, Any]:
    return {
        "id": note["id"], "child_id": note["child_id"],
        "author_id": note["author_id"], "recorded_at": note["recorded_at"], "trigger": note["trigger"],
        "decision": note["decision"], "rationale": note["rationale"],
        "next_review_on": note["next_review_on"],
    }


def _note_actions(actions: Iterable[Row]) -> list[dict[str, Any]]:
    return [
        {"id": a["id"], "description": a["description"], "owner_id": a["owner_id"], "due_on": a["due_on"]}
        for a in sorted(_live(actions), key=_by_due_date)
    ]


def oversight_canonical_v2(note: Row, actions: Iterable[Row]) -> dict[str, Any]:
    """The note and its actions; the child by id only."""
    return {VERSION_FIELD: V2, **_oversight_fields(note), "actions": _note_actions(actions)}


def oversight_canonical_v1(note: Row, child: Row, actions: Iterable[Row]) -> dict[str, Any]:
    """The form before v2, byte for byte: ``child`` gives ``case_id``."""
    fields = _oversight_fields(note)
    return {"id": fields.pop("id"), "child_id": fields.pop("child_id"), "child_case_id": child["case_id"],
            **fields, "actions": _note_actions(actions)}


def addendum_canonical(addendum: Row, parent_digest: str, version: int = CURRENT_VERSION) -> dict[str, Any]:
    """An addendum signs its own text and the digest of the record it corrects. In v1 the
    parent's digest is of its v1 form; from v2 on it is of the parent's form in the version
    the parent's own signatures are over (the digest they carry and its PDF prints), so
    an addendum to a record signed before v2 names the digest that record was signed with."""
    form = {
        "id": addendum["id"], "record_kind": addendum["record_kind"], "record_id": addendum["record_id"],
        "parent_digest": parent_digest, "author_id": addendum["author_id"],
        "created_at": addendum["created_at"], "body": addendum["body"],
    }
    return form if version == V1 else {VERSION_FIELD: version, **form}


def agreement_canonical(agreement: Row) -> dict[str, Any]:
    """A supervision agreement (issue 21): who it is between and every term agreed."""
    return {
        "id": agreement["id"], "supervisee_id": agreement["supervisee_id"],
        "supervisor_id": agreement["supervisor_id"], "team_id": agreement["team_id"],
        "frequency": agreement["frequency"], "duration": agreement["duration"],
        "location": agreement["location"], "disagreements": agreement["disagreements"],
        "cancellations": agreement["cancellations"],
        "confidentiality": agreement["confidentiality"],
    }

"""What a record's canonical form holds, built from plain rows (field name -> value).

The laptop builds it from its database rows when it signs (``records.snapshot``) and the
server from the rows it holds when it verifies a pushed signature
(``sync.server.signature_check``): one builder, so both ends produce the same bytes and
the digest the server computes equals ``Signature.digest``. Each builder chooses and
orders the rows itself (live rows only, in a fixed order), so neither end's query order
can change what is signed.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Mapping

Row = Mapping[str, Any]


def _live(rows: Iterable[Row]) -> list[Row]:
    return [row for row in rows if not row.get("tombstone")]


def _by_due_date(action: Row) -> tuple[bool, date, Any]:
    # as SQL's ORDER BY due_on, id: actions without a due date first
    due = action.get("due_on")
    return (due is not None, due or date.min, action["id"])


def supervision_canonical(session: Row, discussions: Iterable[tuple[Row, Row]],
                          actions: Iterable[Row], reviews: Iterable[tuple[Row, Row]]) -> dict[str, Any]:
    """``discussions``: (case discussion, its child); ``actions``: the actions agreed in this
    session; ``reviews``: (action review, the action it reviews)."""
    live_discussions = sorted(
        ((d, child) for d, child in discussions if not d.get("tombstone")),
        key=lambda pair: (pair[0].get("position") or 0, pair[0]["id"]))
    live_reviews = sorted(((r, a) for r, a in reviews if not r.get("tombstone")),
                          key=lambda pair: _by_due_date(pair[1]))
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
        "case_discussions": [
            {
                "id": d["id"], "child_id": d["child_id"], "child_case_id": child["case_id"],
                "current_position": d["current_position"], "worries": d["worries"],
                "working_well": d["working_well"], "needs_to_happen": d["needs_to_happen"],
                "safety_scale": d["safety_scale"], "decision": d["decision"], "rationale": d["rationale"],
            }
            for d, child in live_discussions
        ],
        # What each action agreed; its status moves on after signing, so it is not signed.
        "actions": [
            {"id": a["id"], "case_discussion_id": a["case_discussion_id"], "child_id": a["child_id"],
             "description": a["description"], "owner_id": a["owner_id"], "due_on": a["due_on"]}
            for a in sorted(_live(actions), key=_by_due_date)
        ],
        "action_reviews": [
            {"action_id": r["action_id"], "status": r["status"], "note": r["note"]} for r, _ in live_reviews
        ],
    }


def oversight_canonical(note: Row, child: Row, actions: Iterable[Row]) -> dict[str, Any]:
    return {
        "id": note["id"], "child_id": note["child_id"], "child_case_id": child["case_id"],
        "author_id": note["author_id"], "recorded_at": note["recorded_at"], "trigger": note["trigger"],
        "decision": note["decision"], "rationale": note["rationale"],
        "next_review_on": note["next_review_on"],
        "actions": [
            {"id": a["id"], "description": a["description"], "owner_id": a["owner_id"], "due_on": a["due_on"]}
            for a in sorted(_live(actions), key=_by_due_date)
        ],
    }


def addendum_canonical(addendum: Row, parent_digest: str) -> dict[str, Any]:
    """An addendum signs its own text and the digest of the record it corrects."""
    return {
        "id": addendum["id"], "record_kind": addendum["record_kind"], "record_id": addendum["record_id"],
        "parent_digest": parent_digest, "author_id": addendum["author_id"],
        "created_at": addendum["created_at"], "body": addendum["body"],
    }


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

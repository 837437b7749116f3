"""The canonical form of a group session, one per signer (issue 21).

Each person signs exactly what they can see (``group_supervision``): the supervisor the
shared part and every action; an attendee the shared part and their own actions only, so
an attendee's signature never covers, and their laptop never needs, another person's
actions. The laptop builds the form from its rows when it signs and the server from the
rows it holds when it verifies: one builder, so both produce the same bytes. Rows are
plain mappings (field name -> value); tombstoned rows are left out, and every list is in a
fixed order (by position or id), so neither end's query order changes what is signed.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from .canonical import digest
from .group_supervision import ATTENDANCE_KIND, GROUP_KIND

Row = Mapping[str, Any]
VERSION = 1
SUPERVISOR_VIEW = "supervisor"


def _live(rows: Iterable[Row]) -> list[Row]:
    return [row for row in rows if not row.get("tombstone")]


def _shared(group: Row, discussions: Iterable[Row], attendance: Iterable[Row]) -> dict[str, Any]:
    return {
        "canonical_version": VERSION,
        "id": group["id"], "supervisor_id": group["supervisor_id"], "team_id": group["team_id"],
        "held_at": group["held_at"], "duration_minutes": group["duration_minutes"],
        "location": group["location"], "themes": group["themes"], "learning": group["learning"],
        "next_session_on": group["next_session_on"],
        "attendance": [
            {"attendee_id": a["attendee_id"], "attendance": a["attendance"]}
            for a in sorted(_live(attendance), key=lambda a: a["attendee_id"])
        ],
        "case_discussions": [
            {"id": d["id"], "child_id": d["child_id"], "summary": d["summary"],
             "decision": d["decision"], "rationale": d["rationale"]}
            for d in sorted(_live(discussions), key=lambda d: (d.get("position") or 0, d["id"]))
        ],
    }


def _actions(actions: Iterable[Row]) -> list[dict[str, Any]]:
    return [
        {"id": a["id"], "discussion_id": a["discussion_id"], "owner_id": a["owner_id"],
         "description": a["description"], "due_on": a["due_on"]}
        for a in sorted(_live(actions), key=lambda a: a["id"])
    ]


def group_canonical(group: Row, discussions: Iterable[Row], attendance: Iterable[Row],
                    actions: Iterable[Row], *, viewer_id: str) -> dict[str, Any]:
    """The form ``viewer_id`` signs: the supervisor's covers every action, an attendee's
    only the actions they own (any others passed in are left out here, not trusted to the
    caller)."""
    if viewer_id == group["supervisor_id"]:
        view, seen = SUPERVISOR_VIEW, list(actions)
    else:
        view, seen = viewer_id, [a for a in actions if a.get("owner_id") == viewer_id]
    return {**_shared(group, discussions, attendance), "view": view, "actions": _actions(seen)}



def author_signed_digest(group: Row, discussions: Iterable[Row], attendance: Iterable[Row],
                         actions: Iterable[Row], *, author_id: str) -> str:
    """The digest of the group session as ``author_id`` signed it: the supervisor's form
    (kind 'group_session') or the attendee's own (kind 'group_attendance'). An addendum to
    the locked session names it (``group_supervision``'s note): the one form of the session
    both its author's laptop and the server can build, an attendee holding only their own
    actions."""
    kind = GROUP_KIND if author_id == group["supervisor_id"] else ATTENDANCE_KIND
    return digest(kind, group_canonical(group, discussions, attendance, actions, viewer_id=author_id))

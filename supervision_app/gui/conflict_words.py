"""What the conflicts dialog says about each version sync kept aside, and what it offers.

Plain Python (no Qt), so the words can be tested on their own. A refused signing arrives
as up to three kept versions (the record's move to signed, the signature, the signed
copy: the server takes or refuses them together); they are shown and settled as one item.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Iterable

from ..domain.time_rules import format_date, format_london, london_date
from ..domain.vocabulary import RecordState

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ..sync.client import Conflict

TABLE_WORDS = {
    "service_area": "Service area", "team": "Team", "staff": "Staff entry", "child": "Child",
    "supervision_session": "Supervision record", "case_discussion": "Case discussion",
    "oversight_note": "Oversight note", "action_item": "Action", "action_review": "Action review",
    "addendum": "Addendum", "signature": "Signature", "record_document": "Signed document",
    "disagreement_resolution": "Resolution of a disagreement",
}
KIND_WORDS = {
    "conflict": "Changed here and on another device",
    "rejected": "The server did not accept this change",
    "removed": "Your access to this record ended",
    "signing": "Your signature was not accepted",
}
SIGNABLE = {"supervision_session": "supervision", "oversight_note": "oversight_note", "addendum": "addendum"}
SIGNED_STATES = frozenset({"supervisor_signed", "locked"})
INSERT_ONLY = frozenset({"signature", "record_document", "disagreement_resolution"})
FIELD_WORDS = {
    "held_at": "Date and time", "duration_minutes": "Duration (minutes)", "session_type": "Type",
    "location": "Where held", "agreement_in_place": "Supervision agreement in place",
    "wellbeing": "Wellbeing and support", "caseload_count": "Caseload", "caseload_complexity": "Complexity",
    "workload_notes": "Workload notes", "learning": "Learning and development",
    "asye_progress": "ASYE progress", "next_session_on": "Next supervision date",
    "supervisee_comments": "Supervisee's comments", "supervisee_agreement": "Agreement",
    "disagreement": "What the supervisee disagrees with", "state": "Stage", "shared_at": "Shared on",
    "current_position": "Current position", "worries": "What are we worried about",
    "working_well": "What is working well", "needs_to_happen": "What needs to happen",
    "safety_scale": "Safety scale", "decision": "Decision", "rationale": "Rationale",
    "due_on": "Due date", "closed_at": "Closed on", "next_review_on": "Next review",
    "recorded_at": "Written on", "body": "Text", "note": "Note", "description": "Description",
}
# Bookkeeping that means nothing to a person (ids are shown as "a different ..." instead).
_TECHNICAL = frozenset({"position", "pdf", "signature_value", "certificate_pem", "digest", "record_kind",
                        "signer_role", "stage"})
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class ConflictItem:
    """One line of the dialog: a kept version, or the parts of one refused signing."""

    conflicts: tuple["Conflict", ...]
    label: str = ""  # which record, in words (from this laptop's rows)

    @property
    def main(self) -> "Conflict":
        return self.conflicts[0]

    @property
    def signing(self) -> bool:
        return is_signing(self.main)

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.conflicts]


def _state(payload: dict | None) -> str | None:
    return ((payload or {}).get("data") or {}).get("state")


def is_signing(conflict: "Conflict") -> bool:
    """Part of a signing the server did not take: the signature, its signed copy, or the
    record's move to signed that travelled with them."""
    if conflict.kind == "removed":
        return False
    if conflict.table in ("signature", "record_document"):
        return True
    return (conflict.table in SIGNABLE and _state(conflict.local) in SIGNED_STATES
            and _state(conflict.local) != _state(conflict.server))


def signed_record(conflict: "Conflict") -> tuple[str, str]:
    """(record kind, id) of the record a signing conflict is about."""
    if conflict.table in SIGNABLE:
        return SIGNABLE[conflict.table], conflict.row_id
    data = conflict.local.get("data") or {}
    return data.get("record_kind", ""), data.get("record_id", "")


def group(conflicts: Iterable["Conflict"], labels: dict[str, str] | None = None) -> list[ConflictItem]:
    """One item per kept version, except that a refused signing's parts make one item
    (the record's move first)."""
    labels = labels or {}
    items: list[ConflictItem] = []
    signings: dict[tuple[str, str], list] = {}
    for conflict in conflicts:
        if is_signing(conflict):
            key = signed_record(conflict)
            if key not in signings:
                signings[key] = []
                items.append(ConflictItem((), ""))  # placeholder keeps the order
                signings[key].append(len(items) - 1)
            signings[key].append(conflict)
        else:
            items.append(ConflictItem((conflict,), labels.get(conflict.id, "")))
    for _key, (index, *members) in signings.items():
        members.sort(key=lambda c: (c.table not in SIGNABLE, c.table != "signature"))
        items[index] = ConflictItem(tuple(members), labels.get(members[0].id, ""))
    return items


def what_happened(item: ConflictItem) -> str:
    return KIND_WORDS["signing"] if item.signing else KIND_WORDS.get(item.main.kind, item.main.kind)


def can_keep_mine(conflict: "Conflict") -> bool:
    """"Keep mine" writes your version again as a new change. That can only work for a
    version that lost to another device's change on a record still open to change: a
    change the server refused would be refused again, a signature is never sent twice
    (sign again instead), and a signed record cannot change."""
    if conflict.kind != "conflict" or conflict.table in INSERT_ONLY or is_signing(conflict):
        return False
    server_state = _state(conflict.server)
    if server_state == "locked":
        return False
    if conflict.table == "supervision_session" and server_state == "supervisor_signed":
        return False
    return True


def keep_mine_refusal(item: ConflictItem) -> str:
    """Why "Keep mine" is not offered for this item, in words ("" when it is)."""
    conflict = item.main
    if can_keep_mine(conflict):
        return ""
    if item.signing:
        return "A signature cannot be sent again: open the record and sign it again."
    if conflict.kind == "removed":
        return "You no longer have access to this record, so your version cannot be sent."
    if conflict.kind == "rejected":
        return ("The server refused this change and would refuse it again; copy anything you "
                "need from 'What differs' first.")
    return ("This record can no longer be changed (it has been signed), so the server's version "
            "stands; copy anything you need from 'What differs' first.")


def open_target(item: ConflictItem) -> tuple[str, str] | None:
    """(kind, id) of the record to open for this item (main_window.open_record), or None
    when it is not on this laptop to open."""
    conflict = item.main
    if conflict.kind == "removed":
        return None
    for member in item.conflicts:  # an addendum opens the record it amends
        if member.table == "addendum":
            data = member.local.get("data") or {}
            return data.get("record_kind", ""), data.get("record_id", "")
    if item.signing:
        kind, record_id = signed_record(conflict)
        return (kind, record_id) if kind != "addendum" else None
    data = conflict.local.get("data") or {}
    if conflict.table == "supervision_session":
        return "supervision", conflict.row_id
    if conflict.table == "oversight_note":
        return "oversight_note", conflict.row_id
    if conflict.table == "case_discussion":
        return "case_discussion", conflict.row_id
    if conflict.table == "action_item":
        return "action", conflict.row_id
    if conflict.table in ("action_review", "disagreement_resolution"):
        return "supervision", data.get("session_id", "")
    return None


def _value_words(name: str, value: Any) -> str:
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name == "state":
        try:
            return RecordState(value).label
        except ValueError:
            return str(value)
    if isinstance(value, str) and _TIME.match(value):
        try:
            return format_london(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            pass
    if isinstance(value, str) and _DAY.match(value):
        try:
            return format_date(date.fromisoformat(value))
        except ValueError:
            pass
    text = " ".join(str(value).split())
    return text if len(text) <= 200 else text[:200] + "…"


def _label(name: str) -> str:
    return FIELD_WORDS.get(name, name.replace("_", " ").capitalize())


def _field_lines(mine: dict, theirs: dict | None, limit: int) -> list[str]:
    lines: list[str] = []
    for name in sorted(set(mine) | set(theirs or {})):
        if name in _TECHNICAL:
            continue
        ours, other = mine.get(name), (theirs or {}).get(name)
        if theirs is not None and ours == other:
            continue
        if theirs is None and ours in (None, ""):
            continue
        if name.endswith("_id"):
            what = _label(name[:-3])
            lines.append(f"{what}: {'a different one on each version' if theirs is not None else 'set'}")
        elif theirs is None:
            lines.append(f"{_label(name)}: {_value_words(name, ours)}")
        else:
            lines.append(f"{_label(name)}\n  yours: {_value_words(name, ours)}\n"
                         f"  server's: {_value_words(name, other)}")
        if len(lines) >= limit:
            lines.append("…")
            break
    return lines


def differences(item: "ConflictItem | Conflict", limit: int = 12) -> str:
    """What happened to this kept version and how it differs from what is in place now,
    in words (shown to the person who typed it; never logged)."""
    if not isinstance(item, ConflictItem):
        item = ConflictItem((item,))
    conflict = item.main
    mine = conflict.local.get("data") or {}
    if item.signing:
        kind, _record_id = signed_record(conflict)
        what = {"supervision": "supervision record", "oversight_note": "oversight note",
                "addendum": "addendum"}.get(kind, "record")
        signature = next((c for c in item.conflicts if c.table == "signature"), None)
        signed_at = (signature.local.get("data") or {}).get("signed_at") if signature else None
        when = f" on {_value_words('signed_at', signed_at)}" if signed_at else ""
        now = _state(conflict.server) if conflict.table in SIGNABLE else None
        stage = f" ({_value_words('state', now)})" if now else ""
        return (f"You signed this {what}{when}, but the server did not accept your signature:\n"
                f"{conflict.reason}\n\n"
                f"This computer now holds the {what} as the server does{stage}, so nothing anyone "
                "wrote is lost; your signature is kept aside here and was not sent again.\n\n"
                "To sign it again, choose 'Open to sign again', read the record as it is now, "
                "and choose Sign.")
    if conflict.kind == "removed":
        lines = _field_lines(mine, None, limit)
        return ("Your access to this record ended, so the server no longer sends it. Your unsent "
                "version is kept here:\n\n" + ("\n".join(lines) or "(nothing was typed in it)"))
    theirs = (conflict.server or {}).get("data")
    if conflict.kind == "rejected":
        head = f"The server did not accept this change: {conflict.reason}\n\n"
        if theirs is None:
            lines = _field_lines(mine, None, limit)
            return (head + "It is not on the server, so it was taken off this computer. What you "
                    "wrote is kept here:\n\n" + ("\n".join(lines) or "(nothing was typed in it)"))
        head += "The server's version is in place on this computer; yours differs in:\n\n"
    else:
        head = ("This was changed here and on another device, and the other change reached the "
                "server first: the server's version is in place on this computer. Yours differs in:\n\n")
    if theirs is None:
        theirs = {}
    lines = _field_lines(mine, theirs, limit)
    if bool(conflict.local.get("tombstone")) != bool((conflict.server or {}).get("tombstone")):
        lines.append("Deleted\n  yours: " + ("yes" if conflict.local.get("tombstone") else "no")
                     + "\n  server's: " + ("yes" if (conflict.server or {}).get("tombstone") else "no"))
    return head + ("\n".join(lines) or "Nothing you can read: the two versions hold the same words.")


def record_labels(session: "Session", items: Iterable[ConflictItem]) -> dict[str, str]:
    """Which record each item is about, in words, from this laptop's rows (main conflict id
    -> label). Runs in a worker: it reads the database."""
    from ..store.group_models import GroupSession
    from ..store.models import Addendum, Child, OversightNote, Staff, SupervisionSession
    from ..store.practice_models import SupervisionAgreement

    items = list(items)  # read twice: the refused addenda's parents, then the labels

    def person(staff_id: str | None) -> str:
        row = session.get(Staff, staff_id) if staff_id else None
        return row.display_name if row is not None else "someone"

    def describe(kind: str, record_id: str) -> str:
        if kind == "supervision":
            supervision = session.get(SupervisionSession, record_id)
            if supervision is not None:
                return (f"Supervision of {person(supervision.supervisee_id)}, "
                        f"{format_date(london_date(supervision.held_at))}")
        elif kind == "oversight_note":
            note = session.get(OversightNote, record_id)
            if note is not None:
                child = session.get(Child, note.child_id)
                name = child.name if child is not None else "a child"
                return f"Oversight note on {name}, {format_date(london_date(note.recorded_at))}"
        elif kind == "agreement":
            agreement = session.get(SupervisionAgreement, record_id)
            if agreement is not None:
                return (f"Supervision agreement between {person(agreement.supervisor_id)} "
                        f"and {person(agreement.supervisee_id)}")
        elif kind == "group_session":
            group = session.get(GroupSession, record_id)
            if group is not None:
                return (f"Group supervision led by {person(group.supervisor_id)}, "
                        f"{format_date(london_date(group.held_at))}")
        elif kind == "addendum":
            addendum = session.get(Addendum, record_id)
            # a new addendum the server refused is not kept here: its own row names its parent
            parent_of = ((addendum.record_kind, addendum.record_id) if addendum is not None
                         else refused_parents.get(record_id))
            parent = describe(*parent_of) if parent_of else ""
            if parent:
                return "Addendum to " + parent[:1].lower() + parent[1:]
        return ""

    refused_parents = {item.main.row_id: (data["record_kind"], data["record_id"])
                       for item in items if item.main.table == "addendum"
                       for data in [item.main.local.get("data") or {}]
                       if data.get("record_kind") and data.get("record_id")}

    labels: dict[str, str] = {}
    for item in items:
        conflict = item.main
        target = signed_record(conflict) if item.signing else None
        if target is None:
            data = conflict.local.get("data") or {}
            if conflict.table in SIGNABLE:
                target = (SIGNABLE[conflict.table], conflict.row_id)
            elif data.get("session_id"):
                target = ("supervision", data["session_id"])
            elif data.get("oversight_note_id"):
                target = ("oversight_note", data["oversight_note_id"])
        text = describe(*target) if target else ""
        table = TABLE_WORDS.get(conflict.table, conflict.table)
        if text and not item.signing and conflict.table not in SIGNABLE:
            text = f"{table} in: {text}"
        labels[conflict.id] = text or table
    return labels

"""The PDF of a group supervision session as one person signs it (issue 21).

Each person's copy renders exactly the canonical form they sign
(``domain.group_canonical``): the shared part (when, where, themes, the group's case
discussions, who was present and who sent apologies) and the actions that form holds: every
action in the supervisor's, only the signer's own in an attendee's. Built from the form
itself, never from a wider view, so an attendee's PDF cannot carry another person's action.

One signer per copy, in the ``AuthorSignature`` field with the signer as ``/Author``: the
shape ``records.verify`` checks for a one-signer document, so ``supervision-app verify``
names the right person.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any, Mapping, Sequence
from xml.sax.saxutils import escape

from reportlab.platypus import Paragraph

from ..domain.group_canonical import SUPERVISOR_VIEW
from ..domain.group_supervision import Attendance
from .document import ActionDoc
from .pdf_render import AUTHOR_FIELD, _Builder, fmt_date, fmt_datetime, fmt_datetime_short, fmt_duration

TITLE = "Group supervision"
SOMEONE = "Someone no longer in the directory"


@dataclass(frozen=True)
class GroupDocument:
    group_id: str
    supervisor_name: str
    signer_name: str
    signer_is_supervisor: bool
    held_at: _dt.datetime
    duration_minutes: int
    location: str
    themes: str
    learning: str
    next_session_on: _dt.date | None
    present: Sequence[str]
    apologies: Sequence[str]
    discussions: Sequence[tuple[str, str, str]]  # summary, decision, rationale
    actions: Sequence[ActionDoc]
    digest_hex: str


def group_document(form: Mapping[str, Any], names: Mapping[str, str], *, signer_id: str,
                   digest_hex: str) -> GroupDocument:
    """The document of the canonical form ``form`` signed by ``signer_id``; ``names`` gives
    the directory's name for each person in it."""
    def name(staff_id: str | None) -> str:
        return names.get(staff_id or "", SOMEONE)

    people = form["attendance"]
    return GroupDocument(
        group_id=form["id"], supervisor_name=name(form["supervisor_id"]), signer_name=name(signer_id),
        signer_is_supervisor=form["view"] == SUPERVISOR_VIEW, held_at=form["held_at"],
        duration_minutes=form["duration_minutes"], location=form["location"] or "",
        themes=form["themes"] or "", learning=form["learning"] or "", next_session_on=form["next_session_on"],
        present=sorted(name(a["attendee_id"]) for a in people if a["attendance"] == Attendance.PRESENT.value),
        apologies=sorted(name(a["attendee_id"]) for a in people if a["attendance"] == Attendance.APOLOGIES.value),
        discussions=[(d["summary"] or "", d["decision"] or "", d["rationale"] or "")
                     for d in form["case_discussions"]],
        # an action's status is not signed (it moves on after sign-off), so none is printed
        # as if it were: each is what the session agreed
        actions=[ActionDoc(description=a["description"] or "", owner_name=name(a["owner_id"]),
                           due_date=a["due_on"], status="Agreed") for a in form["actions"]],
        digest_hex=digest_hex,
    )


def render_group_pdf(doc: GroupDocument) -> bytes:
    b = _Builder()
    b.add(Paragraph(TITLE, b.s.title))
    b.add(Paragraph(escape(fmt_datetime(doc.held_at)), b.s.subtitle))
    b.facts([
        ("Supervisor", doc.supervisor_name),
        ("Held", fmt_datetime_short(doc.held_at)),
        ("Duration", fmt_duration(doc.duration_minutes)),
        ("Where", doc.location or "Not recorded"),
        ("This copy", "The supervisor's: every action" if doc.signer_is_supervisor
         else f"{doc.signer_name}'s: the shared part and their own actions"),
        ("Group session ID", doc.group_id),
    ])
    b.heading("Attendance")
    b.kv_rows([("Present", ", ".join(doc.present) or "No one"),
               ("Apologies", ", ".join(doc.apologies) or "None")])
    b.heading("Themes")
    b.text(doc.themes)
    b.heading("Case discussions")
    if not doc.discussions:
        b.text("", empty="No case discussions recorded.")
    for n, (summary, decision, rationale) in enumerate(doc.discussions, start=1):
        b.sub(f"Case discussion {n}")
        b.labelled_text("Summary", summary)
        b.labelled_text("Decision", decision)
        b.labelled_text("Rationale", rationale)
    if doc.learning:
        b.heading("Learning")
        b.text(doc.learning)
    b.heading("Actions" if doc.signer_is_supervisor else f"Actions for {doc.signer_name}")
    b.actions_table(doc.actions, "Group session")
    if doc.next_session_on is not None:
        b.facts([("Next session", fmt_date(doc.next_session_on))])
    b.signoff(
        "Each person signs what they can see of a group session: the supervisor all of it, each "
        "present attendee the shared part and their own actions. This copy is "
        + ("the supervisor's." if doc.signer_is_supervisor else f"{doc.signer_name}'s."),
        doc.digest_hex,
        [(AUTHOR_FIELD, "Supervisor" if doc.signer_is_supervisor else "Attendee", doc.signer_name)],
    )
    # the verifier reads the one signer from Author (records.verify, AuthorSignature)
    return b.build(
        title=f"{TITLE}: {doc.signer_name}", author=doc.signer_name, header_left=doc.signer_name,
        header_right=TITLE, footer_id=doc.group_id, digest_hex=doc.digest_hex, id_label="Group session",
    ).pdf

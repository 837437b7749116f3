"""The PDF of a supervision agreement, with a signature field for each party (the
supervisor certifies, the supervisee approves, as for supervision records)."""
from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.platypus import Paragraph

from ..domain.agreements import TERM_LABELS, TERMS
from .pdf_render import SUPERVISEE_FIELD, SUPERVISOR_FIELD, _Builder


@dataclass(frozen=True)
class AgreementDocument:
    agreement_id: str
    supervisee_name: str
    supervisor_name: str
    team_name: str
    terms: dict[str, str]
    digest_hex: str


def render_agreement_pdf(doc: AgreementDocument) -> bytes:
    b = _Builder()
    title = "Supervision agreement"
    b.add(Paragraph(title, b.s.title))
    b.add(Paragraph(escape(f"{doc.supervisee_name} and {doc.supervisor_name}"), b.s.subtitle))
    b.facts([
        ("Supervisee", doc.supervisee_name),
        ("Supervisor", doc.supervisor_name),
        ("Team", doc.team_name or "No team"),
        ("Agreement ID", doc.agreement_id),
    ])
    for term in TERMS:
        b.heading(TERM_LABELS[term])
        b.text(doc.terms.get(term, ""))
    b.signoff(
        "The supervisor signs first, then the supervisee; once both have signed, the agreement "
        "is locked. It is reviewed at least once a year and whenever the supervisor changes.",
        doc.digest_hex,
        [(SUPERVISOR_FIELD, "Supervisor", doc.supervisor_name),
         (SUPERVISEE_FIELD, "Supervisee", doc.supervisee_name)],
    )
    # the verifier reads the supervisor from Author and the supervisee from the title's end
    return b.build(
        title=f"{title}: {doc.supervisee_name}", author=doc.supervisor_name, header_left=doc.supervisee_name,
        header_right=title, footer_id=doc.agreement_id, digest_hex=doc.digest_hex,
        id_label="Agreement",
    ).pdf

"""The PDF of an addendum: a correction or addition to a locked record, signed by its author.

It names the record it amends and that record's digest, so the two documents stay tied
together when they travel separately.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.platypus import Paragraph

from .pdf_render import AUTHOR_FIELD, _Builder, fmt_datetime, fmt_datetime_short


@dataclass(frozen=True)
class AddendumDocument:
    addendum_id: str
    record_label: str  # e.g. "Supervision of Zoë Ødegård, 02/11/2026"
    record_id: str
    record_digest: str
    author_name: str
    author_role: str
    written_at: _dt.datetime
    body: str
    digest_hex: str


def render_addendum_pdf(doc: AddendumDocument) -> bytes:
    b = _Builder()
    b.add(Paragraph("Addendum to a signed record", b.s.title))
    b.add(Paragraph(escape(fmt_datetime(doc.written_at)), b.s.subtitle))
    b.facts([
        ("Amends", doc.record_label),
        ("Record ID", doc.record_id),
        ("Record digest", doc.record_digest),
        ("Author", f"{doc.author_name} ({doc.author_role})" if doc.author_role else doc.author_name),
        ("Written", fmt_datetime_short(doc.written_at)),
        ("Addendum ID", doc.addendum_id),
    ])
    b.heading("Addendum")
    b.text(doc.body)
    b.signoff(
        "The author signs this addendum. The record it amends is unchanged; once signed, the "
        "addendum is locked too.",
        doc.digest_hex,
        [(AUTHOR_FIELD, "Author", doc.author_name)],
    )
    return b.build(
        title="Addendum to a signed record", author=doc.author_name, header_left="",
        header_right="Addendum", footer_id=doc.addendum_id, digest_hex=doc.digest_hex,
        id_label="Addendum",
    ).pdf

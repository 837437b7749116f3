"""Render supervision records and oversight notes to PDF (ReportLab platypus).

Layout: A4, "OFFICIAL-SENSITIVE" in the header and footer of every page, record ID,
shortened digest and "Page x of y" in the footer (a deferred-page canvas fills in the
total), the full digest in the sign-off block on the last page.

Safety: every piece of user text goes through :func:`para_markup`, which strips
control characters and XML-escapes it before it reaches a ``Paragraph``; markup typed
into a note therefore prints literally. Long text is rendered as flowing paragraphs
(which split across pages); table cells only ever receive bounded text, and an
over-long cell value is printed in full as flowing text straight after its table.

Signature fields: the sign-off block at the end draws one visible box per signer
(kept together, so both boxes sit on the last page). When a box is drawn it records its
page and rectangle and adds an empty AcroForm signature field (``/FT /Sig`` widget,
printable) exactly over itself, straight into ReportLab's output: no post-processing
pass, and the unsigned file has a single revision. Signing
(:mod:`.pdf_sign`) then fills those fields by name: :data:`SUPERVISOR_FIELD` and
:data:`SUPERVISEE_FIELD` for records, :data:`AUTHOR_FIELD` for oversight notes.
:func:`render_record` / :func:`render_oversight` also return the positions.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
from dataclasses import dataclass
from typing import Callable, Sequence
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFString
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from ..domain.supervisee_response import NO_RESPONSE
from .document import (
    ActionDoc,
    ActionReviewDoc,
    AddendumDoc,
    CaseDiscussionDoc,
    OversightNoteDocument,
    RecordDocument,
    Section,
)
from .fonts import FONT_BOLD, FONT_ITALIC, FONT_REGULAR, register_fonts

__all__ = [
    "AUTHOR_FIELD",
    "MARKING",
    "SUPERVISEE_FIELD",
    "SUPERVISOR_FIELD",
    "FieldPosition",
    "RenderedPdf",
    "clean_text",
    "para_markup",
    "render_oversight",
    "render_oversight_pdf",
    "render_record",
    "render_record_pdf",
]

MARKING = "OFFICIAL-SENSITIVE"
SUPERVISOR_FIELD = "SupervisorSignature"
SUPERVISEE_FIELD = "SuperviseeSignature"
AUTHOR_FIELD = "AuthorSignature"

LONDON = ZoneInfo("Europe/London")

PAGE_W, PAGE_H = A4
MARGIN_X = 20 * mm
MARGIN_TOP = 24 * mm
MARGIN_BOTTOM = 24 * mm
CONTENT_W = PAGE_W - 2 * MARGIN_X

# Values longer than this never go into a table cell (see _cell).
CELL_LIMIT = 700
CELL_LINES_LIMIT = 12

# Palette: muted, prints well in greyscale.
INK = colors.HexColor("#1E2329")
MUTED = colors.HexColor("#5B6570")
ACCENT = colors.HexColor("#1F3A5F")
RULE = colors.HexColor("#A9B6C4")
GRID = colors.HexColor("#C9D2DC")
HEAD_BG = colors.HexColor("#E6ECF2")
LABEL_BG = colors.HexColor("#F3F5F8")
DECISION_BG = colors.HexColor("#F2F6FA")
ALERT = colors.HexColor("#9B1C1C")
ALERT_BG = colors.HexColor("#FCEFEF")
PRIVATE_BG = colors.HexColor("#FFF8E6")
PRIVATE_RULE = colors.HexColor("#C7A13A")


# --------------------------------------------------------------------------- text safety

_STRIP_CODEPOINTS = (
    [c for c in range(0x00, 0x20) if c not in (0x09, 0x0A)]
    + list(range(0x7F, 0xA0))
    + list(range(0x202A, 0x202F))  # bidi embeddings/overrides
    + list(range(0x2066, 0x206A))  # bidi isolates
    + [0xFEFF, 0xFFFE, 0xFFFF]
)
_STRIP_TABLE: dict[int, str | None] = {c: None for c in _STRIP_CODEPOINTS}
_STRIP_TABLE[0x09] = " "  # tab
_SURROGATES = re.compile("[\ud800-\udfff]")
_BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")


def clean_text(value) -> str:
    """User text made safe to lay out: newlines normalised, control characters removed."""
    if value is None:
        return ""
    s = str(value).replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    s = s.translate(_STRIP_TABLE)
    return _SURROGATES.sub("", s)


def para_markup(value) -> str:
    """Paragraph markup that prints ``value`` literally (escaped, newlines as <br/>)."""
    return escape(clean_text(value)).replace("\n", "<br/>")


def _paragraph_chunks(value) -> list[str]:
    """Split text into paragraphs at blank lines (each one splits across pages freely)."""
    text = clean_text(value).strip("\n")
    return [chunk for chunk in _BLANK_LINES.split(text) if chunk.strip()]


def _plain(value, limit: int = 200) -> str:
    """Single-line text for canvas strings (headers/footers): no markup is parsed there."""
    s = " ".join(clean_text(value).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _fit(text: str, font: str, size: float, width: float) -> str:
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


# --------------------------------------------------------------------------- dates


def _london(when: _dt.datetime) -> _dt.datetime:
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    return when.astimezone(LONDON)


def fmt_datetime(when: _dt.datetime | None) -> str:
    if when is None:
        return "Not recorded"
    local = _london(when)
    return f"{local:%A} {local.day} {local:%B %Y}, {local:%H:%M} ({local.tzname()})"


def fmt_datetime_short(when: _dt.datetime | None) -> str:
    if when is None:
        return ""
    local = _london(when)
    return f"{local.day} {local:%b %Y}, {local:%H:%M} {local.tzname()}"


def fmt_date(day: _dt.date | None, short: bool = False) -> str:
    if day is None:
        return "Not set"
    if isinstance(day, _dt.datetime):
        day = _london(day).date()
    return f"{day.day} {day:%b %Y}" if short else f"{day:%A} {day.day} {day:%B %Y}"


def fmt_duration(minutes: int) -> str:
    hours, mins = divmod(int(minutes), 60)
    if hours and mins:
        return f"{hours} h {mins} min"
    if hours:
        return f"{hours} h"
    return f"{mins} min"


def _short_digest(digest_hex: str) -> str:
    d = _plain(digest_hex, 200).replace(" ", "")
    return d if len(d) <= 20 else f"{d[:12]}…{d[-6:]}"


# --------------------------------------------------------------------------- styles


class _Styles:
    def __init__(self):
        base = dict(fontName=FONT_REGULAR, textColor=INK)
        self.body = ParagraphStyle("Body", fontSize=9.5, leading=13.6, spaceAfter=5, **base)
        self.muted = ParagraphStyle("Muted", parent=self.body, textColor=MUTED, fontName=FONT_ITALIC)
        self.small = ParagraphStyle("Small", parent=self.body, fontSize=8, leading=10.5, textColor=MUTED, spaceAfter=3)
        self.title = ParagraphStyle(
            "Title", fontName=FONT_BOLD, fontSize=19, leading=23, textColor=ACCENT, spaceAfter=2
        )
        self.subtitle = ParagraphStyle("Subtitle", parent=self.body, fontSize=10.5, leading=14, textColor=MUTED,
                                       spaceAfter=10)
        self.h1 = ParagraphStyle(
            "H1", fontName=FONT_BOLD, fontSize=12.5, leading=16, textColor=ACCENT, spaceBefore=14, spaceAfter=1
        )
        self.h2 = ParagraphStyle(
            "H2", fontName=FONT_BOLD, fontSize=11, leading=14, textColor=ACCENT, backColor=HEAD_BG,
            borderPadding=(5, 6, 5, 6), spaceBefore=12, spaceAfter=9,
        )
        self.h3 = ParagraphStyle(
            "H3", fontName=FONT_BOLD, fontSize=9.5, leading=13, textColor=INK, spaceBefore=6, spaceAfter=2
        )
        self.cell = ParagraphStyle("Cell", fontName=FONT_REGULAR, fontSize=8.8, leading=11.6, textColor=INK)
        self.cell_label = ParagraphStyle("CellLabel", parent=self.cell, textColor=MUTED)
        self.cell_head = ParagraphStyle("CellHead", parent=self.cell, fontName=FONT_BOLD, textColor=ACCENT)
        self.decision = ParagraphStyle(
            "Decision", parent=self.body, backColor=DECISION_BG, borderColor=RULE, borderWidth=0.6,
            borderPadding=(6, 7, 6, 7), spaceBefore=4, spaceAfter=12,
        )
        self.decision_label = ParagraphStyle("DecisionLabel", parent=self.h3, textColor=ACCENT, spaceBefore=8,
                                             spaceAfter=7)
        self.alert_label = ParagraphStyle("AlertLabel", parent=self.h3, textColor=ALERT, spaceBefore=10,
                                          spaceAfter=7)
        self.alert = ParagraphStyle(
            "Alert", parent=self.body, backColor=ALERT_BG, borderColor=ALERT, borderWidth=0.8,
            borderPadding=(6, 7, 6, 7), spaceBefore=2, spaceAfter=12,
        )
        self.private_note = ParagraphStyle(
            "Private", parent=self.small, backColor=PRIVATE_BG, borderColor=PRIVATE_RULE, borderWidth=0.6,
            borderPadding=(4, 6, 4, 6), textColor=INK, spaceBefore=4, spaceAfter=10,
        )
        self.sig_caption = ParagraphStyle("SigCaption", parent=self.cell, fontSize=8.5, leading=11)
        self.digest = ParagraphStyle("Digest", parent=self.small, textColor=INK, fontSize=7.5, leading=10)


# --------------------------------------------------------------------------- flowables


class _Rule(Flowable):
    """A thin rule under a heading."""

    def __init__(self, color=RULE, thickness=0.7, space_after=6):
        super().__init__()
        self.color, self.thickness, self.space_after = color, thickness, space_after

    def wrap(self, aw, ah):
        self._width = aw
        return aw, self.thickness + self.space_after

    def draw(self):
        c = self.canv
        c.setStrokeColor(self.color)
        c.setLineWidth(self.thickness)
        y = self.space_after
        c.line(0, y, self._width, y)


@dataclass(frozen=True)
class FieldPosition:
    """Where a signature field sits: 0-based page index and (x1, y1, x2, y2) in points."""

    page_index: int
    box: tuple[int, int, int, int]


class _SignatureBox(Flowable):
    """A visible, empty box that records its own page and rectangle when drawn."""

    def __init__(self, field_name: str, width: float, height: float, sink: dict[str, FieldPosition]):
        super().__init__()
        self.field_name, self.width, self.height, self._sink = field_name, width, height, sink

    def wrap(self, aw, ah):
        return self.width, self.height

    def draw(self):
        c = self.canv
        c.saveState()
        c.setFillColor(colors.HexColor("#FBFCFD"))
        c.setStrokeColor(RULE)
        c.setLineWidth(0.8)
        c.rect(0, 0, self.width, self.height, stroke=1, fill=1)
        c.restoreState()
        x1, y1 = c.absolutePosition(0, 0)
        x2, y2 = c.absolutePosition(self.width, self.height)
        page_no = getattr(getattr(c, "_doctemplate", None), "page", None) or c.getPageNumber()
        box = (round(min(x1, x2)), round(min(y1, y2)), round(max(x1, x2)), round(max(y1, y2)))
        self._sink[self.field_name] = FieldPosition(page_index=page_no - 1, box=box)
        _add_empty_signature_field(c, self.field_name, box)


def _add_empty_signature_field(c: rl_canvas.Canvas, name: str, box: tuple[int, int, int, int]) -> None:
    """Put an empty AcroForm signature field (a printable widget) on the current page."""
    widget = PDFDictionary(dict(
        FT=PDFName("Sig"),
        T=PDFString(name),
        TU=PDFString(f"{name}: digital signature"),
        Type=PDFName("Annot"),
        Subtype=PDFName("Widget"),
        Rect=PDFArray(list(box)),
        F=4,  # print
    ))
    form = c.acroForm
    c._addAnnotation(widget)
    form.fields.append(form.getRef(widget))


class _PageDecorCanvas(rl_canvas.Canvas):
    """Defers page output until the end so every footer can say "Page x of y"."""

    decorate: Callable[["_PageDecorCanvas", int, int], None]

    def __init__(self, *args, decorate=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._saved_page_states: list[dict] = []
        self.decorate = decorate

    def showPage(self):  # noqa: N802 - reportlab's name
        self._saved_page_states.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._saved_page_states)
        for number, state in enumerate(self._saved_page_states, start=1):
            self.__dict__.update(state)
            if self.decorate is not None:
                self.decorate(self, number, total)
            rl_canvas.Canvas.showPage(self)
        rl_canvas.Canvas.save(self)


# --------------------------------------------------------------------------- builder


@dataclass(frozen=True)
class RenderedPdf:
    pdf: bytes
    page_count: int
    signature_fields: dict[str, FieldPosition]


class _Builder:
    """Accumulates a platypus story for one document."""

    def __init__(self):
        register_fonts()
        self.s = _Styles()
        self.story: list[Flowable] = []
        self.fields: dict[str, FieldPosition] = {}
        self._overflow_counter = 0

    # -- primitives -------------------------------------------------------------

    def add(self, *flowables: Flowable) -> None:
        self.story.extend(flowables)

    # Headings are kept off the foot of a page with CondPageBreak (room for the heading
    # and a few lines), not keepWithNext: keepWithNext wraps the heading and the next
    # flowable in a KeepTogether, which pushes a long paragraph to a fresh page and
    # leaves the rest of the current one blank.

    def heading(self, text: str) -> None:
        self.add(CondPageBreak(80), Paragraph(para_markup(text), self.s.h1), _Rule())

    def sub(self, text: str, style: ParagraphStyle | None = None) -> None:
        self.add(CondPageBreak(55), Paragraph(para_markup(text), style or self.s.h3))

    def text(self, value, style: ParagraphStyle | None = None, empty: str | None = "Not recorded.") -> None:
        chunks = _paragraph_chunks(value)
        if not chunks:
            if empty is not None:
                self.add(Paragraph(escape(empty), self.s.muted))
            return
        st = style or self.s.body
        for chunk in chunks:
            self.add(Paragraph(para_markup(chunk), st))

    def labelled_text(self, label: str, value, style=None, label_style=None, empty="Not recorded.") -> None:
        self.sub(label, label_style)
        self.text(value, style, empty)

    # -- bounded table cells ------------------------------------------------------

    def _cell(self, value, overflow: list[tuple[str, str]], ref_label: str, style=None) -> Paragraph:
        """A table cell for ``value``; text too long for a cell is deferred to ``overflow``."""
        text = clean_text(value).strip()
        if len(text) > CELL_LIMIT or text.count("\n") >= CELL_LINES_LIMIT:
            self._overflow_counter += 1
            ref = f"Note {self._overflow_counter}"
            overflow.append((f"{ref}: {ref_label} (full text)", text))
            preview = " ".join(text[:160].split())
            return Paragraph(
                f"{escape(preview)}… <i>(continued in full below the table: {escape(ref)})</i>",
                style or self.s.cell,
            )
        return Paragraph(para_markup(text), style or self.s.cell)

    def _flush_overflow(self, overflow: list[tuple[str, str]]) -> None:
        for label, text in overflow:
            self.labelled_text(label, text)

    def table(self, header: Sequence[str] | None, rows: list[list], widths: Sequence[float],
              label_column: bool = False) -> Table:
        data = []
        if header:
            data.append([Paragraph(escape(h), self.s.cell_head) for h in header])
        data.extend(rows)
        t = Table(data, colWidths=[w * CONTENT_W for w in widths], repeatRows=1 if header else 0,
                  hAlign="LEFT")
        style = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("GRID", (0, 0), (-1, -1), 0.4, GRID),
            ("LEFTPADDING", (0, 0), (-1, -1), 5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 5),
            ("TOPPADDING", (0, 0), (-1, -1), 3.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4.5),
        ]
        if header:
            style += [("BACKGROUND", (0, 0), (-1, 0), HEAD_BG), ("LINEBELOW", (0, 0), (-1, 0), 0.8, RULE)]
            if len(data) > 2:
                style.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#F9FAFC")]))
        if label_column:
            for col in range(0, len(widths), 2):
                style.append(("BACKGROUND", (col, 0), (col, -1), LABEL_BG))
        t.setStyle(TableStyle(style))
        return t

    def facts(self, pairs: Sequence[tuple[str, object]]) -> None:
        """Label/value facts in a 4-column grid (two facts per row)."""
        overflow: list[tuple[str, str]] = []
        cells = []
        for label, value in pairs:
            cells.append(Paragraph(escape(label), self.s.cell_label))
            cells.append(self._cell(value, overflow, label))
        if len(cells) % 4:
            cells += [Paragraph("", self.s.cell)] * (4 - len(cells) % 4)
        rows = [cells[i:i + 4] for i in range(0, len(cells), 4)]
        self.add(self.table(None, rows, (0.19, 0.31, 0.19, 0.31), label_column=True), Spacer(1, 4))
        self._flush_overflow(overflow)

    def kv_rows(self, pairs: Sequence[tuple[str, str]]) -> None:
        overflow: list[tuple[str, str]] = []
        rows = [[Paragraph(para_markup(_plain(k, CELL_LIMIT)), self.s.cell_label), self._cell(v, overflow, k)]
                for k, v in pairs]
        self.add(self.table(None, rows, (0.3, 0.7), label_column=True), Spacer(1, 6))
        self._flush_overflow(overflow)

    def actions_table(self, actions: Sequence[ActionDoc], context: str) -> None:
        if not actions:
            self.add(Paragraph("No actions recorded.", self.s.muted))
            return
        overflow: list[tuple[str, str]] = []
        rows = []
        for i, a in enumerate(actions, start=1):
            rows.append([
                Paragraph(str(i), self.s.cell),
                self._cell(a.description, overflow, f"{context}, action {i}"),
                self._cell(a.owner_name, overflow, f"{context}, action {i} owner"),
                Paragraph(escape(fmt_date(a.due_date, short=True)), self.s.cell),
                self._cell(a.status, overflow, f"{context}, action {i} status"),
            ])
        self.add(self.table(["#", "Action", "Owner", "Due", "Status"], rows, (0.05, 0.49, 0.19, 0.14, 0.13)),
                 Spacer(1, 6))
        self._flush_overflow(overflow)

    def reviews_table(self, reviews: Sequence[ActionReviewDoc]) -> None:
        overflow: list[tuple[str, str]] = []
        rows = []
        for i, r in enumerate(reviews, start=1):
            rows.append([
                self._cell(r.description, overflow, f"Previous action {i}"),
                self._cell(r.owner_name, overflow, f"Previous action {i} owner"),
                Paragraph(escape(fmt_date(r.due_date, short=True)), self.s.cell),
                self._cell(r.status, overflow, f"Previous action {i} status"),
                self._cell(r.note, overflow, f"Previous action {i} update"),
            ])
        self.add(self.table(["Action", "Owner", "Due", "Status", "Update"], rows,
                            (0.32, 0.16, 0.14, 0.13, 0.25)), Spacer(1, 6))
        self._flush_overflow(overflow)

    def section(self, sec: Section) -> None:
        self.heading(sec.heading or "Section")
        if sec.rows:
            self.kv_rows(sec.rows)
        if sec.paragraphs:
            for p in sec.paragraphs:
                self.text(p, empty=None)
        if not sec.rows and not any(_paragraph_chunks(p) for p in sec.paragraphs):
            self.add(Paragraph("Not recorded.", self.s.muted))

    def addenda(self, addenda: Sequence[AddendumDoc]) -> None:
        if not addenda:
            return
        self.heading("Addenda")
        self.add(Paragraph(
            "Addenda are corrections or additions made after the record was signed. "
            "The record above is unchanged.", self.s.small))
        for i, a in enumerate(addenda, start=1):
            self.sub(f"Addendum {i}: {_plain(a.author_name, 300)}, {fmt_datetime(a.written_at)}")
            self.text(a.text)

    def signoff(self, intro: str, digest_hex: str, signers: Sequence[tuple[str, str, str]]) -> None:
        """Sign-off block with one visible signature box per (field, role, name)."""
        block: list[Flowable] = [
            Paragraph("Sign-off", self.s.h1),
            _Rule(),
            Paragraph(escape(intro), self.s.small),
        ]
        if digest_hex:
            block.append(Paragraph(
                "<b>Record digest (SHA-256):</b> " + escape(_plain(digest_hex, 200)), self.s.digest))
        block.append(Spacer(1, 6))
        box_w = (CONTENT_W - 14) / 2
        box_h = 78
        cols = []
        for field_name, role, name in signers:
            cols.append([
                Paragraph(f"<b>{escape(role)}</b>: {para_markup(_plain(name, 120))}", self.s.sig_caption),
                Spacer(1, 3),
                _SignatureBox(field_name, box_w, box_h, self.fields),
            ])
        while len(cols) < 2:
            cols.append([Paragraph("", self.s.cell)])
        t = Table([cols], colWidths=[box_w + 7, box_w + 7], hAlign="LEFT")
        t.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 7),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ]))
        block.append(t)
        # Reserve the room at the end of the document: never split the block.
        self.add(CondPageBreak(190), KeepTogether(block))

    # -- build -------------------------------------------------------------------

    def build(self, title: str, author: str, header_left: str, header_right: str,
              footer_id: str, digest_hex: str, id_label: str = "Record") -> RenderedPdf:
        buf = io.BytesIO()
        doc = BaseDocTemplate(
            buf, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM, title=_plain(title), author=_plain(author),
            subject=MARKING, creator="Supervision Recorder", invariant=0,
        )
        frame = Frame(MARGIN_X, MARGIN_BOTTOM, CONTENT_W, PAGE_H - MARGIN_TOP - MARGIN_BOTTOM, id="body",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
        header_left = _plain(header_left)
        header_right = _plain(header_right)
        footer_left = f"{id_label} {_plain(footer_id, 80)}"
        if digest_hex:
            footer_left += f"   ·   Digest {_short_digest(digest_hex)}"

        def decorate(c: rl_canvas.Canvas, number: int, total: int) -> None:
            c.saveState()
            # header
            top = PAGE_H - 12 * mm
            c.setFont(FONT_BOLD, 9.5)
            c.setFillColor(ALERT)
            c.drawCentredString(PAGE_W / 2, top, MARKING)
            c.setFont(FONT_REGULAR, 7.5)
            c.setFillColor(MUTED)
            side_w = (CONTENT_W - stringWidth(MARKING, FONT_BOLD, 9.5)) / 2 - 8
            c.drawString(MARGIN_X, top, _fit(header_left, FONT_REGULAR, 7.5, side_w))
            c.drawRightString(PAGE_W - MARGIN_X, top, _fit(header_right, FONT_REGULAR, 7.5, side_w))
            c.setStrokeColor(RULE)
            c.setLineWidth(0.5)
            c.line(MARGIN_X, top - 5, PAGE_W - MARGIN_X, top - 5)
            # footer: details line, then the marking centred beneath it
            base = 10 * mm
            c.line(MARGIN_X, base + 22, PAGE_W - MARGIN_X, base + 22)
            page_text = f"Page {number} of {total}"
            c.drawRightString(PAGE_W - MARGIN_X, base + 12, page_text)
            left_w = CONTENT_W - stringWidth(page_text, FONT_REGULAR, 7.5) - 16
            c.drawString(MARGIN_X, base + 12, _fit(footer_left, FONT_REGULAR, 7.5, left_w))
            c.setFont(FONT_BOLD, 9.5)
            c.setFillColor(ALERT)
            c.drawCentredString(PAGE_W / 2, base, MARKING)
            c.restoreState()

        def make_canvas(*args, **kwargs):
            return _PageDecorCanvas(*args, decorate=decorate, **kwargs)

        doc.build(self.story, canvasmaker=make_canvas)
        return RenderedPdf(pdf=buf.getvalue(), page_count=doc.page, signature_fields=dict(self.fields))


# --------------------------------------------------------------------------- records


def _case_discussion(b: _Builder, n: int, cd: CaseDiscussionDoc) -> None:
    child = _plain(cd.child_name, 80) or "Unnamed child"
    if n > 1:
        b.add(CondPageBreak(140))
    b.add(Paragraph(f"{n}. {para_markup(cd.child_name.strip() or 'Unnamed child')}", b.s.h2))
    scale = "Not recorded" if cd.safety_scale is None else f"{cd.safety_scale} out of 10"
    b.facts([
        ("Case ID", cd.child_case_id),
        ("Legal status", cd.legal_status or "Not recorded"),
        ("Safety scale", scale),
        ("Actions", str(len(cd.actions))),
    ])
    b.labelled_text("Current position", cd.current_position)
    b.labelled_text("What are we worried about?", cd.worries)
    b.labelled_text("What is working well?", cd.working_well)
    b.labelled_text("What needs to happen?", cd.needs_to_happen)
    b.labelled_text("Management decision", cd.decision, b.s.decision, b.s.decision_label)
    b.labelled_text("Rationale for the decision", cd.rationale, b.s.decision, b.s.decision_label)
    b.sub(f"Actions for {child}")
    b.actions_table(cd.actions, f"{child}")


def render_record(doc: RecordDocument) -> RenderedPdf:
    """Render a supervision record; returns the PDF, page count and signature field positions."""
    b = _Builder()
    s = b.s
    b.add(Paragraph(para_markup(doc.title or "Supervision record"), s.title))
    subtitle = f"{fmt_datetime(doc.held_at)}"
    if doc.status_label:
        subtitle += f"   ·   {_plain(doc.status_label, 60)}"
    b.add(Paragraph(escape(subtitle), s.subtitle))

    b.facts([
        ("Supervisee", doc.supervisee_name),
        ("Supervisor", doc.supervisor_name),
        ("Date and time", fmt_datetime_short(doc.held_at)),
        ("Duration", fmt_duration(doc.duration_minutes)),
        ("Type", doc.session_type or "Not recorded"),
        ("Where held", doc.location or "Not recorded"),
        ("Supervision agreement", {None: "Not recorded", True: "In place", False: "Not in place"}[
            doc.agreement_in_place]),
        ("Next supervision", fmt_date(doc.next_session_date, short=True)),
        ("Record ID", doc.record_id),
        ("Case discussions", str(len(doc.case_discussions))),
    ])

    b.heading("Review of actions from the previous session")
    if doc.previous_action_reviews:
        b.reviews_table(doc.previous_action_reviews)
    else:
        b.add(Paragraph("No actions were carried forward.", s.muted))

    if doc.wellbeing is not None:
        b.heading(f"{doc.wellbeing.heading or 'Worker wellbeing and support'} (private)")
        b.add(Paragraph(
            "<b>Private.</b> Shared only between the supervisor and the supervisee. "
            "Never copy this section to a child's record.", s.private_note))
        if doc.wellbeing.rows:
            b.kv_rows(doc.wellbeing.rows)
        for p in doc.wellbeing.paragraphs:
            b.text(p, empty=None)
        if not doc.wellbeing.rows and not any(_paragraph_chunks(p) for p in doc.wellbeing.paragraphs):
            b.add(Paragraph("Not recorded.", s.muted))

    for sec in doc.sections:
        b.section(sec)

    b.add(CondPageBreak(190))
    b.heading("Case discussions")
    if not doc.case_discussions:
        b.add(Paragraph("No children's cases were discussed.", s.muted))
    for n, cd in enumerate(doc.case_discussions, start=1):
        _case_discussion(b, n, cd)

    b.heading("Learning and development")
    b.text(doc.learning)

    b.heading("Supervisee's comments")
    b.text(doc.supervisee_comments, empty="No comments recorded.")
    if doc.agreement == "agrees":
        b.add(Paragraph("<b>The supervisee agrees with this record.</b>", s.body))
    elif doc.agreement == "disagrees":
        b.sub("THE SUPERVISEE DISAGREES WITH THIS RECORD", s.alert_label)
        b.text(doc.disagreement, s.alert, empty=None)
        if not _paragraph_chunks(doc.disagreement):
            b.add(Paragraph("No reason was given.", s.alert))
        b.add(Paragraph(
            "A recorded disagreement is never removed; it is flagged to the next manager up.", s.small))
    elif doc.no_response_within_window:
        b.add(Paragraph(f"<b>{NO_RESPONSE}.</b>", s.body))
        b.add(Paragraph(
            "The supervisee did not record agreement or disagreement within 5 working days of "
            "the record being shared with them, so the supervisor signed without their response.",
            s.small))
    else:
        b.add(Paragraph("The supervisee has not yet recorded agreement or disagreement.", s.muted))

    b.heading("Next supervision")
    b.add(Paragraph(escape(fmt_date(doc.next_session_date)), s.body))

    b.addenda(doc.addenda)

    b.signoff(
        "The supervisor signs first to confirm this is an accurate record of the supervision. "
        "The supervisee then signs to confirm they have read it; any disagreement is recorded above "
        "and is not withdrawn by signing. Each signature covers the whole document as it stood "
        "when signed.",
        doc.digest_hex,
        [(SUPERVISOR_FIELD, "Supervisor", doc.supervisor_name),
         (SUPERVISEE_FIELD, "Supervisee", doc.supervisee_name)],
    )
    header_right = f"{_plain(doc.title or 'Supervision record', 60)}: {_plain(doc.supervisee_name, 60)}"
    return b.build(
        title=f"{doc.title or 'Supervision record'}: {doc.supervisee_name}",
        author=doc.supervisor_name,
        header_left=doc.organisation,
        header_right=header_right,
        footer_id=doc.record_id,
        digest_hex=doc.digest_hex,
    )


def render_record_pdf(doc: RecordDocument) -> bytes:
    """PDF bytes of a supervision record, with empty signature fields
    :data:`SUPERVISOR_FIELD` and :data:`SUPERVISEE_FIELD` in the sign-off block."""
    return render_record(doc).pdf


# --------------------------------------------------------------------------- oversight


def render_oversight(doc: OversightNoteDocument) -> RenderedPdf:
    b = _Builder()
    s = b.s
    b.add(Paragraph(para_markup(doc.title or "Management oversight note"), s.title))
    subtitle = fmt_datetime(doc.written_at)
    if doc.status_label:
        subtitle += f"   ·   {_plain(doc.status_label, 60)}"
    b.add(Paragraph(escape(subtitle), s.subtitle))
    author = _plain(doc.author_name, 200)
    if doc.author_role:
        author += f" ({_plain(doc.author_role, 80)})"
    b.facts([
        ("Child", doc.child_name),
        ("Case ID", doc.child_case_id),
        ("Legal status", doc.legal_status or "Not recorded"),
        ("Trigger", doc.trigger or "Not recorded"),
        ("Author", author),
        ("Written", fmt_datetime_short(doc.written_at)),
        ("Next review", fmt_date(doc.next_review_date, short=True)),
        ("Note ID", doc.note_id),
    ])
    b.heading("Decision")
    b.text(doc.decision, s.decision)
    b.heading("Rationale")
    b.text(doc.rationale, s.decision)
    b.heading("Actions")
    b.actions_table(doc.actions, "Oversight note")
    b.heading("Next review")
    b.add(Paragraph(escape(fmt_date(doc.next_review_date)), s.body))
    b.signoff(
        "The author signs to confirm this management oversight decision and its rationale. "
        "Once signed the note is locked; corrections are made by a signed addendum.",
        doc.digest_hex,
        [(AUTHOR_FIELD, "Author", doc.author_name)],
    )
    return b.build(
        title=f"{doc.title or 'Management oversight note'}: {doc.child_name}",
        author=doc.author_name,
        header_left=doc.organisation,
        header_right=f"Oversight note: {_plain(doc.child_name, 60)}",
        footer_id=doc.note_id,
        digest_hex=doc.digest_hex,
        id_label="Note",
    )


def render_oversight_pdf(doc: OversightNoteDocument) -> bytes:
    """PDF bytes of an oversight note with one empty signature field :data:`AUTHOR_FIELD`."""
    return render_oversight(doc).pdf

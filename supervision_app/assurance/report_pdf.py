"""The audit-round report as a PDF (ReportLab): the round's design and seed, a grade
summary, the sample with its grades, each finding with its checklist answers, and the
actions for managers with their status.

Every piece of typed text goes through ``records.pdf_render.para_markup`` (escaped, control
characters removed), and the embedded DejaVu fonts print any name.
"""
from __future__ import annotations

import io
from datetime import date

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from ..domain.time_rules import london_today
from ..records.fonts import FONT_BOLD, FONT_REGULAR, register_fonts
from ..records.pdf_render import MARKING, para_markup
from .audit import NOT_APPLICABLE, Grade, Population, RoundReport

__all__ = ["render_round_pdf", "GRADE_COLOURS"]

GRADE_COLOURS = {
    Grade.OUTSTANDING: colors.HexColor("#1b6e3a"),
    Grade.GOOD: colors.HexColor("#4a8f3c"),
    Grade.REQUIRES_IMPROVEMENT: colors.HexColor("#b36b00"),
    Grade.INADEQUATE: colors.HexColor("#b3261e"),
}


def _styles():
    register_fonts()
    base = ParagraphStyle("base", fontName=FONT_REGULAR, fontSize=9.5, leading=12.5)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10),
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=16, leading=20,
                                spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=base, fontName=FONT_BOLD, fontSize=12, leading=15,
                             spaceBefore=8, spaceAfter=4),
        "h3": ParagraphStyle("h3", parent=base, fontName=FONT_BOLD, fontSize=10, leading=13,
                             spaceBefore=6, spaceAfter=2),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=10.5),
        "cellb": ParagraphStyle("cellb", parent=base, fontName=FONT_BOLD, fontSize=8.5, leading=10.5),
    }


def _grade_text(value: str | None) -> str:
    if value is None:
        return "Not graded"
    if value == NOT_APPLICABLE:
        return "Not applicable"
    return Grade(value).label


def _table(rows, widths, header=True):
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e3e8ee")))
    table.setStyle(TableStyle(style))
    return table


def render_round_pdf(report: RoundReport, *, printed_on: date | None = None) -> bytes:
    st = _styles()
    printed_on = printed_on or london_today()
    buffer = io.BytesIO()

    def decorate(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT_BOLD, 8)
        canvas.drawCentredString(A4[0] / 2, A4[1] - 10 * mm, MARKING)
        canvas.drawCentredString(A4[0] / 2, 8 * mm, MARKING)
        canvas.setFont(FONT_REGULAR, 7.5)
        canvas.drawString(15 * mm, 8 * mm, f"Audit round {report.round_id[:8]}")
        canvas.drawRightString(A4[0] - 15 * mm, 8 * mm, f"Page {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=16 * mm, bottomMargin=15 * mm,
                            title=f"Audit round: {report.title}", author=report.auditor_name,
                            subject="Quality assurance dip sample")
    width = A4[0] - 30 * mm
    story = [Paragraph(para_markup(f"Audit round: {report.title}"), st["title"])]
    population = ("Children's records" if report.population == Population.CHILDREN
                  else "Supervision records")
    design = report.design
    facts = [
        ("Sample", f"{population}: {len(report.items)} drawn from {design.get('population_size', '?')}"),
        ("Drawn by", f"{report.auditor_name} on {report.created_on:%d/%m/%Y}"),
        ("Seed", f"{report.seed} (the same seed over the same records draws the same sample)"),
        ("Stratified by", "team and legal status"
         + (f", {design['per_stratum']} per stratum" if design.get("per_stratum") else ", in proportion")
         + ("; weighted by quality signals" if design.get("weighted") else "")),
        ("Held between", " to ".join(d for d in (design.get("held_from"), design.get("held_to")) if d) or "any time"),
        ("State", "Completed " + f"{report.completed_on:%d/%m/%Y}" if report.completed_on else "Open"),
        ("Printed", f"{printed_on:%d/%m/%Y}"),
    ]
    story.append(_table([[Paragraph(k, st["cellb"]), Paragraph(para_markup(v), st["cell"])]
                         for k, v in facts], [35 * mm, width - 35 * mm], header=False))

    story.append(Paragraph("Grades", st["h2"]))
    counts = report.grade_counts()
    total = len(report.items) or 1
    rows = [[Paragraph(h, st["cellb"]) for h in ("Grade", "Records", "Share")]]
    for grade in Grade:
        rows.append([Paragraph(grade.label, st["cell"]), str(counts[grade]),
                     f"{100 * counts[grade] / total:.0f}%"])
    if counts[None]:
        rows.append([Paragraph("Not yet graded", st["cell"]), str(counts[None]),
                     f"{100 * counts[None] / total:.0f}%"])
    table = _table(rows, [60 * mm, 25 * mm, 25 * mm])
    for n, grade in enumerate(Grade, start=1):
        table.setStyle(TableStyle([("TEXTCOLOR", (0, n), (0, n), GRADE_COLOURS[grade])]))
    story.append(table)

    story.append(Paragraph("The sample", st["h2"]))
    rows = [[Paragraph(h, st["cellb"]) for h in ("#", "Record", "Team / legal status", "Grade", "Actions")]]
    for item in report.items:
        open_actions = sum(1 for a in item.actions if a.status.value == "open")
        rows.append([str(item.position), Paragraph(para_markup(item.record_label), st["cell"]),
                     Paragraph(para_markup(item.stratum_label), st["cell"]),
                     Paragraph(_grade_text(item.grade.value if item.grade else None), st["cell"]),
                     f"{len(item.actions)} ({open_actions} open)" if item.actions else ""])
    story.append(_table(rows, [10 * mm, 62 * mm, 55 * mm, 30 * mm, width - 157 * mm]))

    story.append(Paragraph("Findings", st["h2"]))
    questions = {q.key: q.text for q in report.checklist}
    for item in report.items:
        block = [Paragraph(para_markup(f"{item.position}. {item.record_label}: "
                                       f"{_grade_text(item.grade.value if item.grade else None)}"), st["h3"])]
        if item.answers:
            rows = [[Paragraph(para_markup(text), st["cell"]),
                     Paragraph(_grade_text(item.answers[key]), st["cell"])]
                    for key, text in questions.items() if key in item.answers]
            block.append(_table(rows, [width - 40 * mm, 40 * mm], header=False))
            block.append(Spacer(1, 2 * mm))
        block.append(Paragraph(para_markup(item.finding) if item.finding else "<i>No finding yet.</i>",
                               st["base"]))
        for a in item.actions:
            status = a.status.label + (f" {a.closed_on:%d/%m/%Y}" if a.closed_on else "")
            if a.overdue:
                status += " (overdue)"
            block.append(Paragraph(para_markup(
                f"Action for {a.owner_name}, due {a.due_on:%d/%m/%Y}: {a.description} [{status}]"),
                st["small"]))
        story.append(KeepTogether(block[:2]))
        story.extend(block[2:])
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()

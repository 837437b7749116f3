"""PDF rendering: text fidelity, escaping, long fields, marking, page numbers, fields."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from hypothesis import given, settings, strategies as st
from pypdf import PdfReader
from reportlab.platypus import Paragraph

from supervision_app.records.document import ActionDoc, CaseDiscussionDoc, Section
from supervision_app.records.pdf_render import (
    AUTHOR_FIELD,
    MARKING,
    SUPERVISEE_FIELD,
    SUPERVISOR_FIELD,
    clean_text,
    para_markup,
    render_oversight,
    render_record,
    render_record_pdf,
)
from supervision_app.resources import resource_path

from .samples import sample_oversight, sample_record

MARKUP = "<b>bold</b> & <script>alert(1)</script> <font size=40>"


def page_texts(pdf: bytes) -> list[str]:
    return [p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages]


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def sample_texts(unsigned_pdf):
    return page_texts(unsigned_pdf)


def test_fonts_are_shipped_with_licence():
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "LICENSE-DejaVu.txt"):
        assert resource_path("fonts", name).is_file()


def test_unicode_names_extract_exactly(sample_texts):
    text = "\n".join(sample_texts)
    for name in ("Zoë Ødegård", "Łukasz Nowak-Siân", "Siân Ellis", "Łucja Kowalczyk"):
        assert name in text, name
    # nothing fell back to a missing-glyph box
    assert "\ufffd" not in text and "■" not in text


def test_markup_prints_literally_everywhere():
    cd = CaseDiscussionDoc(
        child_case_id="CM-1", child_name=MARKUP, legal_status="Child in need",
        worries=MARKUP, decision=MARKUP, rationale="x",
        actions=[ActionDoc(MARKUP, MARKUP, dt.date(2026, 1, 2), MARKUP)],
    )
    doc = sample_record(
        supervisee_name="Siân <i>Jones</i>",
        location=MARKUP,
        learning=MARKUP,
        supervisee_comments=MARKUP + "\nsecond line &amp; entity",
        case_discussions=[cd],
        sections=[Section(MARKUP, paragraphs=[MARKUP], rows=[(MARKUP, MARKUP)])],
    )
    text = "\n".join(page_texts(render_record_pdf(doc)))
    # every place it was typed prints as typed (the table cells wrap, so compare squashed)
    assert text.count(MARKUP) >= 4
    assert squash(text).count(squash(MARKUP)) >= 9
    assert "Siân <i>Jones</i>" in text
    assert "second line &amp; entity" in text  # an entity typed by the user stays literal
    assert "alert(1)" in text


def test_para_markup_escapes_and_keeps_newlines():
    assert para_markup("a<b>\nc & d") == "a&lt;b&gt;<br/>c &amp; d"
    assert clean_text("a\x00b\x07c\r\nd\te\u202eF\ud800") == "abc\nd eF"


def test_control_characters_do_not_break_rendering():
    nasty = "start\x00\x01\x02\x1b[31m\x7f\x85 \u202emiddle\ufffe\ud83d end"
    pdf = render_record_pdf(sample_record(learning=nasty, supervisee_name="Zoë\x00 Ødegård"))
    text = "\n".join(page_texts(pdf))
    assert "start[31m middle end" in text
    assert "Zoë Ødegård" in text


def test_long_field_flows_over_several_pages():
    words = " ".join(f"word{i % 97}" for i in range(16_000))
    long_text = (words + " ")[:100_000]
    assert len(long_text) == 100_000
    blob = "Ж" * 25_000  # one unbreakable "word" (pasted base64...) must not fail either
    doc = sample_record(
        learning=long_text,
        case_discussions=[CaseDiscussionDoc(
            "CM-9", "Siân Ellis", "Child protection", current_position=blob,
            decision="Decide.", rationale="Because.",
            actions=[ActionDoc(long_text, "Zoë Ødegård", dt.date(2026, 2, 1), "Open")],
        )],
    )
    rendered = render_record(doc)
    assert rendered.page_count > 10
    texts = page_texts(rendered.pdf)
    assert len(texts) == rendered.page_count
    # the action's long description was not put in a table cell, but printed in full below it
    joined = "".join(texts)
    assert "continued in full below the table" in joined
    assert joined.count("word96") == 2 * long_text.count("word96")
    # the unbreakable blob is split across lines and pages but no character is lost
    assert joined.count("Ж") == 25_000


def test_marking_and_page_numbers_on_every_page():
    doc = sample_record(learning=" ".join(["reflection"] * 4000))
    rendered = render_record(doc)
    texts = page_texts(rendered.pdf)
    n = len(texts)
    assert n == rendered.page_count >= 3
    for i, text in enumerate(texts, start=1):
        assert text.count(MARKING) >= 2, f"page {i} lacks header and footer marking"
        assert f"Page {i} of {n}" in text
        assert "SUP-2026-004217" in text  # record id in the footer


def test_signature_fields_are_created_over_the_boxes(unsigned_pdf):
    rendered = render_record(sample_record())
    assert rendered.pdf == rendered.pdf  # bytes
    fields = rendered.signature_fields
    assert set(fields) == {SUPERVISOR_FIELD, SUPERVISEE_FIELD}
    for pos in fields.values():
        assert pos.page_index == rendered.page_count - 1  # at the end of the document
        x1, y1, x2, y2 = pos.box
        assert x2 - x1 > 200 and y2 - y1 > 60
    reader = PdfReader(io.BytesIO(unsigned_pdf))
    found = {}
    for page_no, page in enumerate(reader.pages):
        for annot in page.get("/Annots") or []:
            a = annot.get_object()
            if a.get("/FT") == "/Sig":
                found[a["/T"]] = (page_no, [round(float(v)) for v in a["/Rect"]])
    assert set(found) == {SUPERVISOR_FIELD, SUPERVISEE_FIELD}
    for name, (page_no, rect) in found.items():
        assert page_no == fields[name].page_index
        assert tuple(rect) == fields[name].box
    assert "/V" not in reader.trailer["/Root"]["/AcroForm"]["/Fields"][0].get_object()


def test_full_digest_and_sections_present(sample_texts):
    text = squash(" ".join(sample_texts))
    digest = sample_record().digest_hex
    assert digest in text.replace(" ", "")
    for heading in ("Review of actions from the previous session", "Workload", "Case discussions",
                    "Management decision", "Rationale for the decision", "Learning and development",
                    "Supervisee's comments", "THE SUPERVISEE DISAGREES WITH THIS RECORD", "Addenda",
                    "Sign-off", "Tuesday 9 June 2026, 14:00 (BST)", "1 h 30 min", "Planned 1:1"):
        assert heading in text, heading


def test_wellbeing_is_private_and_only_printed_when_asked():
    secret = "Feeling low after the Ellis strategy meeting"
    base = sample_record()
    assert base.wellbeing is None and not base.includes_private_wellbeing
    without = " ".join(page_texts(render_record_pdf(base)))
    assert "wellbeing" not in without.lower()
    with_wb = base.with_wellbeing(Section("Worker wellbeing and support", paragraphs=[secret]))
    text = " ".join(page_texts(render_record_pdf(with_wb)))
    assert secret in text and "(private)" in text
    assert with_wb.with_wellbeing(None).wellbeing is None


def test_times_are_shown_in_london():
    winter = sample_record(held_at=dt.datetime(2026, 1, 15, 10, 0, tzinfo=dt.timezone.utc))
    text = " ".join(page_texts(render_record_pdf(winter)))
    assert "Thursday 15 January 2026, 10:00 (GMT)" in text
    summer = sample_record(held_at=dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.timezone.utc))
    text = " ".join(page_texts(render_record_pdf(summer)))
    assert "Thursday 2 July 2026, 00:30 (BST)" in text


def test_oversight_note_renders_with_one_field():
    rendered = render_oversight(sample_oversight(rationale=MARKUP))
    assert set(rendered.signature_fields) == {AUTHOR_FIELD}
    text = "\n".join(page_texts(rendered.pdf))
    assert "Management oversight note" in text and MARKUP in text
    assert "Siân Ellis" in text and "Łukasz Nowak-Siân" in text
    assert "Strategy discussion" in text and "Page 1 of 1" in text
    assert text.count(MARKING) >= 2


def test_empty_record_renders():
    doc = sample_record(previous_action_reviews=[], sections=[], case_discussions=[], learning="",
                        supervisee_comments="", agreement=None, disagreement="", addenda=[],
                        next_session_date=None, digest_hex="", location="", agreement_in_place=None)
    text = " ".join(page_texts(render_record_pdf(doc)))
    assert "No children's cases were discussed." in text
    assert "has not yet recorded agreement" in text


def test_action_table_header_repeats_on_every_page():
    actions = [ActionDoc(f"Action number {i} for the family", "Zoë Ødegård", dt.date(2026, 3, 1), "Open")
               for i in range(1, 121)]
    doc = sample_record(case_discussions=[CaseDiscussionDoc(
        "CM-7", "Łucja Kowalczyk", "Child looked after", decision="d", rationale="r", actions=actions)])
    texts = page_texts(render_record_pdf(doc))
    pages_with_rows = [t for t in texts if "for the family" in t]
    assert len(pages_with_rows) >= 3
    for t in pages_with_rows:
        assert re.search(r"#\s*Action\s*Owner\s*Due\s*Status", t), t[:300]
    assert sum(t.count("for the family") for t in texts) == 120


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_any_typed_text_lays_out_literally(value):
    """Whatever is typed, the escaped markup parses and keeps every printable character."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus.paraparser import ParaParser

    from supervision_app.records.fonts import FONT_REGULAR, register_fonts

    register_fonts()
    style = ParagraphStyle("t", fontName=FONT_REGULAR)
    _, frags, _ = ParaParser().parse(para_markup(value), style)
    laid_out = "".join(getattr(f, "text", "") for f in frags)
    # markup parsing yields exactly the cleaned text; <br/> is the only tag and stands for "\n"
    assert laid_out == clean_text(value).replace("\n", "")
    assert sum(1 for f in frags if getattr(f, "lineBreak", False)) == clean_text(value).count("\n")
    para = Paragraph(para_markup(value), style)
    para.wrap(400, 10_000)


def test_rendering_from_several_threads():
    import concurrent.futures

    docs = [sample_record(record_id=f"SUP-T{i}", supervisee_name=f"Siân Thread {i}") for i in range(4)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        pdfs = list(pool.map(render_record_pdf, docs))
    for i, pdf in enumerate(pdfs):
        text = " ".join(page_texts(pdf))
        assert f"SUP-T{i}" in text and f"Siân Thread {i}" in text

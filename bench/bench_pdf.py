"""Benchmark: render + sign a supervision record PDF.

1. One record rendered and signed twice (supervisor certifies, supervisee approves)
   through our functions, against the same work done with raw ReportLab + pyHanko calls
   (same content and fonts, header/footer without a page total, pyHanko's default text
   stamp, fields created at signing time). Reports the ratio (target <= 1.5x).
2. Throughput: render + sign both signatures for N synthetic records (records/second).

Run: ``python bench/bench_pdf.py [--records N] [--repeat R]``. All names are synthetic.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from supervision_app.records.document import (
    ActionDoc,
    ActionReviewDoc,
    CaseDiscussionDoc,
    RecordDocument,
    Section,
)
from supervision_app.records.fonts import FONT_BOLD, FONT_REGULAR, register_fonts
from supervision_app.records.pdf_render import (
    SUPERVISEE_FIELD,
    SUPERVISOR_FIELD,
    render_record_pdf,
)
from supervision_app.records.pdf_sign import sign_pdf
from supervision_app.security.pki import create_ca, generate_user_key

FIRST = ["Zoë", "Łukasz", "Siân", "Amara", "Tomasz", "Priya", "Ewan", "Niamh", "Oskar", "Leah"]
LAST = ["Ødegård", "Nowak", "Jones", "Okafor", "Kowalski", "Patel", "Fraser", "Byrne", "Lind", "Cohen"]
WORDS = ("visit school plan family risk mother father carer contact review health strategy "
         "meeting assessment progress worry safety support attendance placement").split()


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _prose(rng: random.Random, n: int) -> str:
    return (" ".join(rng.choice(WORDS) for _ in range(n))).capitalize() + "."


def make_record(seed: int) -> RecordDocument:
    rng = random.Random(seed)
    supervisee, supervisor = _name(rng), _name(rng)
    discussions = []
    for _ in range(rng.randint(2, 4)):
        discussions.append(CaseDiscussionDoc(
            child_case_id=f"CM-{rng.randint(100000, 999999)}", child_name=_name(rng),
            legal_status=rng.choice(["Child in need", "Child protection", "Child looked after"]),
            current_position=_prose(rng, 80), worries=_prose(rng, 40), working_well=_prose(rng, 40),
            needs_to_happen=_prose(rng, 40), safety_scale=rng.randint(0, 10),
            decision=_prose(rng, 30), rationale=_prose(rng, 50),
            actions=[ActionDoc(_prose(rng, 10), rng.choice([supervisee, supervisor]),
                               dt.date(2026, 7, rng.randint(1, 28)), "Open") for _ in range(rng.randint(1, 4))],
        ))
    return RecordDocument(
        record_id=f"SUP-{seed:08d}", supervisee_name=supervisee, supervisor_name=supervisor,
        held_at=dt.datetime(2026, 6, 9, 13, 0, tzinfo=dt.timezone.utc), duration_minutes=90,
        session_type="Planned 1:1", location="Room 3", agreement_in_place=True,
        organisation="Synthetic Council",
        previous_action_reviews=[ActionReviewDoc(_prose(rng, 10), supervisee, dt.date(2026, 6, 1), "Done", "")
                                 for _ in range(3)],
        sections=[Section("Workload", rows=[("Caseload", "17"), ("Capacity", "At capacity")],
                          paragraphs=[_prose(rng, 60)])],
        case_discussions=discussions, learning=_prose(rng, 60), supervisee_comments=_prose(rng, 30),
        agreement="agrees", next_session_date=dt.date(2026, 7, 7),
        digest_hex=hashlib.sha256(str(seed).encode()).hexdigest(),
    )


# --------------------------------------------------------------------------- raw baseline


def raw_render(doc: RecordDocument) -> bytes:
    """The same content with plain ReportLab: no page total, no pre-made fields."""
    register_fonts()
    body = ParagraphStyle("b", fontName=FONT_REGULAR, fontSize=9.5, leading=13.6)
    head = ParagraphStyle("h", fontName=FONT_BOLD, fontSize=12.5, leading=16)
    story = [Paragraph("Supervision record", head),
             Table([[Paragraph(escape(k), body), Paragraph(escape(v), body)] for k, v in [
                 ("Supervisee", doc.supervisee_name), ("Supervisor", doc.supervisor_name),
                 ("Type", doc.session_type), ("Location", doc.location)]])]
    story.append(Table([[Paragraph(escape(r.description), body), Paragraph(escape(r.status), body)]
                        for r in doc.previous_action_reviews], repeatRows=0))
    for sec in doc.sections:
        story.append(Paragraph(escape(sec.heading), head))
        story += [Paragraph(escape(p), body) for p in sec.paragraphs]
    for cd in doc.case_discussions:
        story.append(Paragraph(escape(cd.child_name), head))
        for text in (cd.current_position, cd.worries, cd.working_well, cd.needs_to_happen, cd.decision,
                     cd.rationale):
            story.append(Paragraph(escape(text), body))
        t = Table([["Action", "Owner", "Due"]] + [[Paragraph(escape(a.description), body),
                                                  Paragraph(escape(a.owner_name), body), str(a.due_date)]
                                                 for a in cd.actions], repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, "#999999")]))
        story.append(t)
    story += [Paragraph(escape(doc.learning), body), Paragraph(escape(doc.supervisee_comments), body),
              Spacer(1, 100)]

    def on_page(c, d):
        c.setFont(FONT_BOLD, 9.5)
        c.drawCentredString(A4[0] / 2, A4[1] - 12 * mm, "OFFICIAL-SENSITIVE")
        c.drawCentredString(A4[0] / 2, 10 * mm, "OFFICIAL-SENSITIVE")
        c.setFont(FONT_REGULAR, 7.5)
        c.drawRightString(A4[0] - 20 * mm, 14 * mm, f"Page {d.page}")

    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4).build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buf.getvalue()


def raw_sign(pdf: bytes, field: str, key, cert, ca_cert, certify: bool, box) -> bytes:
    from pyhanko.keys.internal import (
        translate_pyca_cryptography_cert_to_asn1,
        translate_pyca_cryptography_key_to_asn1,
    )
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    signer = signers.SimpleSigner(
        signing_cert=translate_pyca_cryptography_cert_to_asn1(cert),
        signing_key=translate_pyca_cryptography_key_to_asn1(key),
        cert_registry=SimpleCertificateStore.from_certs([translate_pyca_cryptography_cert_to_asn1(ca_cert)]),
    )
    meta = signers.PdfSignatureMetadata(field_name=field, certify=certify, md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES)
    w = IncrementalPdfFileWriter(io.BytesIO(pdf))
    out = signers.sign_pdf(w, meta, signer=signer,
                           new_field_spec=fields.SigFieldSpec(field, on_page=-1, box=box))
    return out.getvalue()


# --------------------------------------------------------------------------- runs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20, help="records for the throughput run")
    parser.add_argument("--repeat", type=int, default=7, help="repeats for the comparison (median)")
    args = parser.parse_args(argv)

    ca = create_ca("Bench CA", "Synthetic Council")
    k1, k2 = generate_user_key(), generate_user_key()
    c1 = ca.issue_user_certificate(k1.public_key(), "Bench Supervisor", "B1", "Team manager")
    c2 = ca.issue_user_certificate(k2.public_key(), "Bench Supervisee", "B2", "Social worker")
    chain = [ca.certificate]

    def ours(doc):
        pdf = render_record_pdf(doc)
        pdf = sign_pdf(pdf, SUPERVISOR_FIELD, k1, c1, chain, "Bench Supervisor", "Supervisor", True)
        return sign_pdf(pdf, SUPERVISEE_FIELD, k2, c2, chain, "Bench Supervisee", "Supervisee", False)

    def raw(doc):
        pdf = raw_render(doc)
        pdf = raw_sign(pdf, SUPERVISOR_FIELD, k1, c1, ca.certificate, True, (57, 100, 291, 178))
        return raw_sign(pdf, SUPERVISEE_FIELD, k2, c2, ca.certificate, False, (298, 100, 532, 178))

    doc = make_record(1)
    ours(doc), raw(doc)  # warm up: font loading, imports

    def timed(fn, *a):
        t0 = time.perf_counter()
        result = fn(*a)
        return time.perf_counter() - t0, result

    ours_t, raw_t, render_t, sign_t = [], [], [], []
    for _ in range(args.repeat):
        ours_t.append(timed(ours, doc)[0])
        raw_t.append(timed(raw, doc)[0])
        rt, pdf = timed(render_record_pdf, doc)
        render_t.append(rt)
        sign_t.append(timed(sign_pdf, pdf, SUPERVISOR_FIELD, k1, c1, chain, "Bench Supervisor",
                            "Supervisor", True)[0])
    o, r = statistics.median(ours_t), statistics.median(raw_t)
    out_pdf = ours(doc)

    docs = [make_record(i) for i in range(100, 100 + args.records)]
    t0 = time.perf_counter()
    pages = 0
    for d in docs:
        from pypdf import PdfReader

        pdf = ours(d)
        pages += len(PdfReader(io.BytesIO(pdf)).pages)
    elapsed = time.perf_counter() - t0

    rows = [
        ("render only (ours)", f"{statistics.median(render_t) * 1000:8.1f} ms"),
        ("one signature (ours)", f"{statistics.median(sign_t) * 1000:8.1f} ms"),
        ("render + 2 signatures (ours)", f"{o * 1000:8.1f} ms"),
        ("render + 2 signatures (raw ReportLab + pyHanko)", f"{r * 1000:8.1f} ms"),
        ("ratio ours / raw (target <= 1.5)", f"{o / r:8.2f} x"),
        ("signed PDF size (ours)", f"{len(out_pdf) / 1024:8.1f} KiB"),
        (f"throughput, {len(docs)} records ({pages} pages)", f"{len(docs) / elapsed:8.1f} records/s"),
    ]
    width = max(len(k) for k, _ in rows)
    print(f"{'measure'.ljust(width)}  value")
    print(f"{'-' * width}  {'-' * 16}")
    for k, v in rows:
        print(f"{k.ljust(width)}  {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

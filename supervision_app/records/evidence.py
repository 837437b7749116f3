"""An evidence pack for one signed record: what a court, a tribunal or an auditor needs to
check it without the app.

The folder holds the signed PDF exactly as held (the newest copy: the server's archived one,
with validation data and document time stamps, when it has reached this computer), the
organisation's CA certificates (current and earlier ones this computer kept), the
certificates of the time-stamping authorities that vouch for it (read from the PDF), and a
validation report in plain words, as a PDF and as text, saying for each signature who
signed, when it was proven to exist, the level reached, whether it was valid then and
whether the certificate has been revoked since. The report also says how to check the PDF
independently (any PDF reader that trusts the CA certificate, or pyHanko).

The export is checked against the same permission as exporting the record, and audited.
"""
from __future__ import annotations

import datetime as _dt
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from cryptography import x509
from sqlalchemy import select

from ..domain.lifecycle import RecordKind
from ..domain.permissions import Operation, decide
from ..domain.time_rules import london, utc_now
from ..errors import AppError
from ..store.audit_log import record_event
from ..store.models import Addendum, OversightNote, RecordDocument, SupervisionSession
from ..store.supervision_records import load_actor, oversight_target, session_target
from .verify import VerificationReport, format_report, verify_pdf

__all__ = ["EvidencePack", "EvidenceRefused", "write_evidence_pack"]


class EvidenceRefused(AppError):
    """The pack cannot be made; the message says why, for a person."""


@dataclass
class EvidencePack:
    folder: Path
    files: list[Path] = field(default_factory=list)
    report: VerificationReport | None = None


def _pem(cert) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return cert.public_bytes(serialization.Encoding.PEM)


def _slug(text: str) -> str:
    keep = "".join(ch if ch.isalnum() else "-" for ch in text).strip("-")
    return "-".join(part for part in keep.split("-") if part)[:60] or "certificate"


def _timestamp_authorities(pdf: bytes) -> list[x509.Certificate]:
    """The TSA certificates of every time stamp in the PDF (signature and document ones)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.general import extract_certificate_info
    from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    found: dict[bytes, x509.Certificate] = {}
    tokens = [ts.signed_data for ts in reader.embedded_timestamp_signatures]
    for sig in reader.embedded_regular_signatures:
        tokens.extend(extract_tst_data_iter(sig.signer_info, signed=False))
    for token in tokens:
        cert = extract_certificate_info(token).signer_cert
        found[cert.sha256] = x509.load_der_x509_certificate(cert.dump())
    return list(found.values())


def _allowed(session, actor, record_kind: str, record_id: str) -> bool:
    if record_kind == RecordKind.SUPERVISION.value:
        row = session.get(SupervisionSession, record_id)
        return row is not None and decide(actor, Operation.EXPORT, session_target(row)).allowed
    if record_kind == RecordKind.OVERSIGHT_NOTE.value:
        row = session.get(OversightNote, record_id)
        return row is not None and decide(actor, Operation.EXPORT, oversight_target(session, row)).allowed
    addendum = session.get(Addendum, record_id)
    return addendum is not None and _allowed(session, actor, addendum.record_kind, addendum.record_id)


def write_evidence_pack(db, *, actor_id: str, record_id: str, folder: Path,
                        ca_certificates: Sequence[x509.Certificate],
                        at: _dt.datetime | None = None) -> EvidencePack:
    """Write the evidence pack of ``record_id`` into ``folder`` (made if missing)."""
    if not ca_certificates:
        raise EvidenceRefused("There is no organisation CA certificate on this computer to check the "
                              "record against; sign in to the sync server once, then try again.")
    with db.reading() as session:
        actor = load_actor(session, actor_id)
        # the copy of the last signing stage, not the one a laptop dated latest (issue 16)
        from .signoff import document_stage_rank as _stage_rank

        document = session.execute(
            select(RecordDocument).where(RecordDocument.record_id == record_id,
                                         RecordDocument.tombstone.is_(False))
            .order_by(_stage_rank().desc(), RecordDocument.created_at.desc())
            .limit(1)).scalar_one_or_none()
        if document is None:
            raise EvidenceRefused("There is no signed copy of that record on this computer.")
        if not _allowed(session, actor, document.record_kind, record_id):
            raise EvidenceRefused("You may not export that record.")
        pdf, record_kind = bytes(document.pdf), document.record_kind

    report = verify_pdf(pdf, list(ca_certificates), at=at)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    pack = EvidencePack(folder, report=report)

    def write(name: str, data: bytes) -> None:
        path = folder / name
        path.write_bytes(data)
        pack.files.append(path)

    write(f"record-{record_id}.pdf", pdf)
    for n, cert in enumerate(ca_certificates, start=1):
        label = "organisation-ca" if n == 1 else f"organisation-ca-earlier-{n - 1}"
        write(f"{label}.pem", _pem(cert))
    for cert in _timestamp_authorities(pdf):
        cn = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        name = _slug(str(cn[0].value) if cn else "time-stamping-authority")
        write(f"tsa-{name}-{format(cert.serial_number, 'x')[:8]}.pem", _pem(cert))
    text = _report_text(report, f"record-{record_id}.pdf", [p.name for p in pack.files])
    write("validation-report.txt", text.encode("utf-8"))
    write("validation-report.pdf", _report_pdf(text, record_id))
    with db.transaction() as session:
        record_event(session, actor_id=actor_id, action="export_evidence", record_kind=record_kind,
                     record_id=record_id)
    return pack


def _report_text(report: VerificationReport, pdf_name: str, files: list[str]) -> str:
    made = london(utc_now())
    intro = [
        "Validation report for a signed record",
        f"Made on {made.day} {made:%B %Y, %H:%M %Z} by Supervision Recorder.",
        "",
        "What this is: the record's signed PDF, checked against the organisation's certificate",
        "authority (CA). Each signature is judged as of the time it is proven to have existed (a",
        "time stamp from the organisation's time-stamping authority), using the certificates and",
        "revocation lists kept inside the PDF, so it can be checked years later, after the",
        "signer's certificate has expired or been revoked.",
        "",
        "Levels: B-B no proof of time; B-T time stamped; B-LT the data to check it is kept in the",
        "file; B-LTA that data is itself time stamped (renewed before the time stamps expire).",
        "",
        "AdES result: the outcome of the European standard validation of advanced electronic",
        "signatures (ETSI EN 319 102-1), as pyHanko computes it from the file alone: PASSED, or",
        "INDETERMINATE / FAILED with the standard's reason (e.g. REVOKED_NO_POE: revoked before",
        "the signature was proven to exist).",
        "",
        "To check it independently: open the PDF in a PDF reader that trusts the organisation CA",
        "certificate in this folder (e.g. Adobe Acrobat: Preferences > Signatures > Identities &",
        "Trusted Certificates), or run pyHanko: pyhanko sign validate --trust organisation-ca.pem",
        f"--pretty-print {pdf_name}",
        "",
        "Files in this folder: " + ", ".join(files + ["validation-report.txt", "validation-report.pdf"]),
        "",
    ]
    return "\n".join(intro) + format_report(report, pdf_name)


def _report_pdf(text: str, record_id: str) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    from .fonts import FONT_REGULAR, register_fonts

    register_fonts()
    body = ParagraphStyle("body", fontName=FONT_REGULAR, fontSize=9.5, leading=12.5)
    title = ParagraphStyle("title", parent=body, fontSize=15, leading=19, spaceAfter=6)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                            topMargin=18 * mm, bottomMargin=18 * mm,
                            title=f"Validation report for record {record_id}",
                            author="Supervision Recorder")
    lines = text.splitlines()
    story = [Paragraph(escape(lines[0]), title)]
    for line in lines[1:]:
        if not line.strip():
            story.append(Spacer(1, 5))
            continue
        indent = len(line) - len(line.lstrip(" "))
        story.append(Paragraph(escape(line.strip()), ParagraphStyle(
            "line", parent=body, leftIndent=indent * 3)))
    doc.build(story)
    return buf.getvalue()

"""A child's management-oversight chronology, exported to attach to the child's file in the
case-management system (LCS, Mosaic): a PDF signed by the person exporting it, and a CSV of
the same entries (UTF-8 with a byte-order mark, so Excel reads the accents).

What goes in is exactly what the child's page shows the exporter (``store.queries.
child_chronology``: one permission rule for screen and export), so the private wellbeing
section never appears: the chronology holds only decisions and their rationale. One child,
or in bulk every child of a team with entries signed since a date.

Rendering and signing are slow: call these functions from a worker thread or the command
line, never the GUI thread. Each file written is audited (ids only).
"""
from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from xml.sax.saxutils import escape

from reportlab.platypus import Paragraph
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.permissions import Operation, TeamTarget, decide
from ..domain.time_rules import LONDON, london, london_date, utc_now
from ..domain.vocabulary import RecordState
from ..security.credentials import CredentialStore
from ..store import queries
from ..store.audit_log import record_event
from ..store.database import Database
from ..store.models import CaseDiscussion, Child, OversightNote, Signature, Staff, SupervisionSession, Team
from ..store.supervision_records import NotAllowed, load_actor
from .export import ExportCancelled, _slug, _unique, _write_exclusive
from .pdf_render import AUTHOR_FIELD, _Builder, _plain, fmt_date, fmt_datetime, para_markup
from .pdf_sign import sign_pdf

__all__ = [
    "CSV_HEADER", "ChildChronology", "ChronologyLine", "ChronologyFiles", "BulkResult",
    "load_child_chronology", "chronology_csv", "render_chronology_pdf",
    "export_child_chronology", "team_children_signed_since", "export_team_chronologies",
    "exportable_teams",
]

CSV_HEADER = ("Date", "Source", "Author", "Decision", "Rationale", "Record ID", "Signed")
SIGNED, UNSIGNED = "signed", "unsigned"
AUDIT_ACTION = "export_chronology"
_LOCKED = RecordState.LOCKED.value


@dataclass(frozen=True)
class ChronologyLine:
    when: _dt.datetime  # UTC: the session held, or the note written
    source: str  # "Supervision with Zoë Ødegård", "Oversight: Plan review"
    author: str
    decision: str
    rationale: str
    record_kind: str  # "case_discussion" | "oversight_note"
    record_id: str  # the signed record: the supervision record, or the oversight note
    signed: bool  # locked: every signature it needs is on it
    signed_at: _dt.datetime | None  # the last of those signatures


@dataclass(frozen=True)
class ChildChronology:
    child_id: str
    case_id: str
    name: str
    legal_status: str
    date_of_birth: _dt.date
    worker_name: str
    lines: tuple[ChronologyLine, ...]  # oldest first, as a file note reads
    since: _dt.date | None = None  # only entries signed on or after this date


@dataclass(frozen=True)
class ChronologyFiles:
    pdf: Path
    csv: Path
    entries: int


@dataclass
class BulkResult:
    written: list[ChronologyFiles] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # plain words, no contents


def _signed_at(session: Session, kind: str, ids: set[str]) -> dict[str, _dt.datetime]:
    if not ids:
        return {}
    return dict(session.execute(
        select(Signature.record_id, func.max(Signature.signed_at))
        .where(Signature.record_kind == kind, Signature.record_id.in_(sorted(ids)),
               Signature.tombstone.is_(False))
        .group_by(Signature.record_id)).all())


def load_child_chronology(session: Session, actor_id: str, child_id: str, *,
                          since: _dt.date | None = None) -> ChildChronology:
    """What the child's page shows ``actor_id``, oldest first; with ``since``, only the
    entries signed (locked) on or after that London date. Writes the page's ``view``
    audit entry, so call it inside ``Database.transaction()``."""
    actor = load_actor(session, actor_id)
    detail = queries.child_chronology(session, actor, child_id)
    locked = [e for e in detail.entries if e.state == RecordState.LOCKED]
    notes = _signed_at(session, "oversight_note",
                       {e.record_id for e in locked if e.kind == "oversight_note"})
    records = _signed_at(session, "supervision",
                         {e.session_id for e in locked if e.kind == "case_discussion" and e.session_id})
    lines = []
    for e in sorted(detail.entries, key=lambda e: (e.when, e.record_id)):
        record_id = e.record_id if e.kind == "oversight_note" else (e.session_id or e.record_id)
        signed = e.state == RecordState.LOCKED
        signed_at = (notes if e.kind == "oversight_note" else records).get(record_id) if signed else None
        if since is not None and (signed_at is None or london_date(signed_at) < since):
            continue
        lines.append(ChronologyLine(e.when, e.title, e.author_name, e.decision, e.rationale,
                                    e.kind, record_id, signed, signed_at))
    c = detail.child
    return ChildChronology(c.child_id, c.case_id, c.name, c.legal_status.label, detail.date_of_birth,
                           c.worker_name, tuple(lines), since)


# ----------------------------------------------------------------------------- CSV

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    """Text as Excel will show it: a leading =, +, -, @ would be read as a formula (CSV
    injection), so such a cell starts with an apostrophe, which Excel hides."""
    text = value or ""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _when(moment: _dt.datetime) -> str:
    return f"{london(moment):%Y-%m-%d %H:%M}"


def chronology_csv(chronology: ChildChronology) -> bytes:
    """One row per entry: date (Europe/London), source, author, decision, rationale, record
    id, signed/unsigned. UTF-8 with a byte-order mark and CRLF line ends, as Excel expects."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for line in chronology.lines:
        writer.writerow([_when(line.when), _cell(line.source), _cell(line.author), _cell(line.decision),
                         _cell(line.rationale), line.record_id, SIGNED if line.signed else UNSIGNED])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


# ----------------------------------------------------------------------------- PDF

def render_chronology_pdf(chronology: ChildChronology, *, exporter_name: str, organisation: str,
                          exported_at: _dt.datetime, csv_digest: str) -> bytes:
    """The chronology with one empty signature field (:data:`AUTHOR_FIELD`) for the
    exporter; the PDF names the exporter as its author, so ``verify`` checks the signer."""
    b = _Builder()
    s = b.s
    b.add(Paragraph(para_markup(f"Management oversight chronology: {chronology.name}"), s.title))
    scope = (f"Entries signed since {fmt_date(chronology.since)}" if chronology.since
             else "Every entry the exporter may see")
    b.add(Paragraph(escape(f"Exported {fmt_datetime(exported_at)}   ·   {scope}"), s.subtitle))
    b.facts([
        ("Child", chronology.name),
        ("Case ID", chronology.case_id),
        ("Legal status", chronology.legal_status),
        ("Date of birth", fmt_date(chronology.date_of_birth, short=True)),
        ("Allocated worker", chronology.worker_name or "Not allocated"),
        ("Entries", str(len(chronology.lines))),
        ("Exported by", exporter_name),
        ("Child ID", chronology.child_id),
    ])
    b.heading("Decisions and rationale, oldest first")
    if not chronology.lines:
        b.text("", empty="No management oversight to show.")
    for n, line in enumerate(chronology.lines, start=1):
        b.sub(f"{n}. {fmt_datetime(line.when)}: {_plain(line.source, 160)}")
        status = (f"Signed {fmt_datetime(line.signed_at)}" if line.signed and line.signed_at
                  else "Signed" if line.signed else "Not yet signed")
        b.facts([("Author", line.author or "Not recorded"), ("Status", status),
                 ("Record ID", line.record_id),
                 ("Kind", "Oversight note" if line.record_kind == "oversight_note"
                  else "Supervision case discussion")])
        b.labelled_text("Decision", line.decision, s.decision)
        b.labelled_text("Rationale", line.rationale, s.decision)
    b.signoff(
        "Exported from the Supervision Recorder. The exporter's signature confirms this copy "
        "is the chronology as the records stood when it was made; each entry's own signed "
        f"record remains the authority. The CSV exported with it has the SHA-256 digest {csv_digest}.",
        "",  # the block's digest line names a record's digest: this document has none
        [(AUTHOR_FIELD, "Exported by", exporter_name)],
    )
    return b.build(
        title=f"Management oversight chronology: {chronology.name}",
        author=exporter_name,
        header_left=organisation,
        header_right=f"Chronology: {_plain(chronology.name, 60)} ({_plain(chronology.case_id, 40)})",
        footer_id=chronology.child_id,
        digest_hex=csv_digest,
        id_label="Child",
    ).pdf


# ----------------------------------------------------------------------------- export

def _organisation(ca_certificate) -> str:
    """The organisation named by its CA certificate, for the page header."""
    from cryptography.x509.oid import NameOID

    names = ca_certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return str(names[0].value) if names else ""


def export_child_chronology(
    db: Database, credential_store: CredentialStore, *, actor_id: str, child_id: str, folder: Path,
    since: _dt.date | None = None, now: Callable[[], _dt.datetime] = utc_now,
) -> ChronologyFiles:
    """Write ``<date>_chronology_<case id>.pdf`` (signed by ``actor_id``) and its ``.csv``
    into ``folder``; never overwrites a file already there."""
    with db.transaction() as session:
        chronology = load_child_chronology(session, actor_id, child_id, since=since)
        exporter = session.get_one(Staff, actor_id).display_name
    credentials = credential_store.credentials_for(actor_id)
    exported_at = now()
    credentials.check_usable(exported_at)
    csv_bytes = chronology_csv(chronology)
    digest = hashlib.sha256(csv_bytes).hexdigest()
    pdf = render_chronology_pdf(chronology, exporter_name=exporter,
                                organisation=_organisation(credentials.ca_certificate),
                                exported_at=exported_at, csv_digest=digest)
    signed = sign_pdf(pdf, AUTHOR_FIELD, credentials.key, credentials.certificate,
                      [credentials.ca_certificate], exporter, "Exported by", certify=True,
                      when=exported_at, crl=credentials.crl,
                      reason="Management oversight chronology export")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{london(exported_at):%Y-%m-%d}_chronology_{_slug(chronology.case_id)}"
    pdf_path = _unique(folder, stem, ".pdf")
    csv_path = pdf_path.with_suffix(".csv")
    while csv_path.exists():  # keep the pair's names matching
        pdf_path = _unique(folder, pdf_path.stem + "_", ".pdf")
        csv_path = pdf_path.with_suffix(".csv")
    _write_exclusive(pdf_path, signed)
    _write_exclusive(csv_path, csv_bytes)
    with db.transaction() as session:
        record_event(session, actor_id=actor_id, action=AUDIT_ACTION, record_kind="child",
                     record_id=child_id)
    return ChronologyFiles(pdf_path, csv_path, len(chronology.lines))


def exportable_teams(session: Session, actor_id: str) -> list[tuple[str, str]]:
    """(team id, name) of the teams whose chronologies ``actor_id`` may export in bulk:
    those they manage (or cover)."""
    actor = load_actor(session, actor_id)
    teams = session.execute(select(Team.id, Team.name).where(Team.tombstone.is_(False))
                            .order_by(Team.name)).all()
    return [(t.id, t.name) for t in teams if decide(actor, Operation.VIEW, TeamTarget(t.id))]


def team_children_signed_since(session: Session, actor_id: str, team_id: str,
                               since: _dt.date) -> list[str]:
    """Children allocated to the team's workers, that ``actor_id`` may see, with at least
    one entry locked by a signature made on or after ``since`` (London); by case ID.
    A locked entry is on the chronology of whoever may see the child, so the child's
    own permission is the only question (no record is read, nothing audited)."""
    actor = load_actor(session, actor_id)
    if not decide(actor, Operation.VIEW, TeamTarget(team_id)):
        return []
    visible = {row.child_id: row.case_id for row in queries.my_children(session, actor)}
    if not visible:
        return []
    workers = set(session.execute(select(Staff.id).where(Staff.team_id == team_id)).scalars())
    in_team = set(session.execute(select(Child.id).where(
        Child.id.in_(sorted(visible)), Child.allocated_worker_id.in_(sorted(workers)))).scalars()) \
        if workers else set()
    start = _dt.datetime.combine(since, _dt.time(), LONDON)
    S, D, N = SupervisionSession, CaseDiscussion, OversightNote
    signed = set(session.execute(
        select(N.child_id).join(Signature, (Signature.record_id == N.id)
                                & (Signature.record_kind == "oversight_note"))
        .where(N.state == _LOCKED, N.tombstone.is_(False), Signature.signed_at >= start)).scalars())
    signed |= set(session.execute(
        select(D.child_id).join(S, S.id == D.session_id)
        .join(Signature, (Signature.record_id == S.id) & (Signature.record_kind == "supervision"))
        .where(S.state == _LOCKED, S.tombstone.is_(False), D.tombstone.is_(False),
               Signature.signed_at >= start)).scalars())
    return sorted(in_team & signed, key=lambda child_id: visible[child_id])


def export_team_chronologies(
    db: Database, credential_store: CredentialStore, *, actor_id: str, team_id: str,
    since: _dt.date, folder: Path,
    progress: Callable[[int, int], None] = lambda done, total: None,
    cancelled: Callable[[], bool] = lambda: False,
    now: Callable[[], _dt.datetime] = utc_now,
) -> BulkResult:
    """One signed PDF and one CSV per child of the team with entries signed since ``since``.
    A cancel stops before the next child; the pairs already written stay, complete."""
    with db.reading() as session:
        child_ids = team_children_signed_since(session, actor_id, team_id, since)
    result = BulkResult()
    total = len(child_ids)
    progress(0, total)
    for done, child_id in enumerate(child_ids):
        if cancelled():
            raise ExportCancelled(f"Export cancelled after {done} of {total} children.")
        try:
            result.written.append(export_child_chronology(
                db, credential_store, actor_id=actor_id, child_id=child_id, folder=folder,
                since=since, now=now))
        except NotAllowed:
            result.skipped.append("A child you may no longer see was left out.")
        progress(done + 1, total)
    return result

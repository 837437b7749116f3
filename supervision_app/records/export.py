"""Export signed records to a folder: one record, or every locked record of a worker or a
team in a date range. Each record's durable signed PDF is written as it is (never
re-rendered, so its signatures stay valid), followed by its signed addenda.

The work is a plain loop with a progress callback and a cancel check, so the GUI can run it
in a worker thread and a command line can run it directly.
"""
from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Callable, Iterable

from sqlalchemy import select

from ..domain.lifecycle import RecordKind
from ..domain.permissions import Operation, decide
from ..domain.time_rules import LONDON, london
from ..domain.vocabulary import RecordState
from ..errors import AppError
from ..store.audit_log import record_event
from ..store.database import Database
from ..store.models import Addendum, Staff, SupervisionSession
from ..store.supervision_records import load_actor, session_target


class ExportCancelled(AppError):
    pass


@dataclass
class ExportResult:
    written: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # plain-words reasons, no contents


# Letters that do not decompose into a base letter plus accent.
_NO_DECOMPOSITION = str.maketrans({"Ø": "O", "ø": "o", "Ł": "L", "ł": "l", "Æ": "AE", "æ": "ae",
                                   "ß": "ss", "Đ": "D", "đ": "d", "Œ": "OE", "œ": "oe", "Þ": "Th",
                                   "þ": "th"})


def _slug(text: str, limit: int = 40) -> str:
    """ASCII file-name part: council file shares and email gateways mangle other names."""
    folded = unicodedata.normalize("NFKD", text.translate(_NO_DECOMPOSITION))
    ascii_text = folded.encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-")
    return (slug or "record")[:limit]


def _unique(folder: Path, stem: str, suffix: str = ".pdf") -> Path:
    candidate = folder / f"{stem}{suffix}"
    n = 2
    while candidate.exists():
        candidate = folder / f"{stem}_{n}{suffix}"
        n += 1
    return candidate


def _write_exclusive(path: Path, data: bytes) -> None:
    # "x" refuses to overwrite, so two exports into one folder never clobber each other.
    with open(path, "xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _latest_pdf(session, kind: RecordKind, record_id: str) -> bytes | None:
    # the copy of the last signing stage, not the one a laptop dated latest (issue 16)
    from .signoff import latest_document

    document = latest_document(session, kind, record_id)
    return document.pdf if document is not None else None


def locked_sessions(
    db: Database, *, actor_id: str, worker_ids: Iterable[str] | None = None, team_id: str | None = None,
    start: date | None = None, end: date | None = None,
) -> list[str]:
    """Ids of locked supervision records the actor may export, oldest first."""
    with db.reading() as session:
        actor = load_actor(session, actor_id)
        query = select(SupervisionSession).where(
            SupervisionSession.state == RecordState.LOCKED.value, SupervisionSession.tombstone.is_(False))
        if worker_ids is not None:
            query = query.where(SupervisionSession.supervisee_id.in_(list(worker_ids)))
        if team_id is not None:
            query = query.where(SupervisionSession.team_id == team_id)
        if start is not None:
            query = query.where(SupervisionSession.held_at >= datetime.combine(start, time(), LONDON))
        if end is not None:
            query = query.where(SupervisionSession.held_at < datetime.combine(end + timedelta(days=1), time(), LONDON))
        rows = session.execute(query.order_by(SupervisionSession.held_at)).scalars().all()
        return [r.id for r in rows if decide(actor, Operation.EXPORT, session_target(r))]


def export_records(
    db: Database, *, actor_id: str, session_ids: list[str], folder: Path,
    progress: Callable[[int, int], None] = lambda done, total: None,
    cancelled: Callable[[], bool] = lambda: False,
) -> ExportResult:
    """Write each record's signed PDF (and its signed addenda) into ``folder``.

    File names start with the session date so they sort by date, and never collide.
    A cancel stops before the next record; files already written stay, complete.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    result = ExportResult()
    total = len(session_ids)
    for done, session_id in enumerate(session_ids):
        if cancelled():
            raise ExportCancelled(f"Export cancelled after {done} of {total} records.")
        with db.reading() as session:
            actor = load_actor(session, actor_id)
            row = session.get(SupervisionSession, session_id)
            if row is None or not decide(actor, Operation.EXPORT, session_target(row)):
                result.skipped.append("A record you may not export was left out.")
                continue
            pdf = _latest_pdf(session, RecordKind.SUPERVISION, session_id)
            if pdf is None:
                result.skipped.append("A record with no signed copy on this computer was left out.")
                continue
            supervisee = session.get_one(Staff, row.supervisee_id).display_name
            held = london(row.held_at)
            addenda = session.execute(
                select(Addendum.id).where(Addendum.record_id == session_id,
                                          Addendum.state == RecordState.LOCKED.value)
                .order_by(Addendum.created_at)
            ).scalars().all()
            addendum_pdfs = [_latest_pdf(session, RecordKind.ADDENDUM, a) for a in addenda]
        stem = f"{held:%Y-%m-%d_%H%M}_supervision_{_slug(supervisee)}_{session_id[:8]}"
        target = _unique(folder, stem)
        _write_exclusive(target, pdf)
        result.written.append(target)
        for n, addendum_pdf in enumerate(addendum_pdfs, start=1):
            if addendum_pdf is not None:
                extra = _unique(folder, f"{target.stem}_addendum-{n}")
                _write_exclusive(extra, addendum_pdf)
                result.written.append(extra)
        with db.transaction() as session:
            record_event(session, actor_id=actor_id, action="export",
                         record_kind=RecordKind.SUPERVISION.value, record_id=session_id)
        progress(done + 1, total)
    return result

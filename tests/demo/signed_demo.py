"""What the demo package's shared profile is made of: the demo's day, where its background
signing is interrupted, and the helpers its fixture (``tests/demo/conftest.py``) uses."""
from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import select

from supervision_app.store.models import OversightNote, RecordDocument, SupervisionSession

TODAY = date(2026, 11, 23)

INTERRUPTED_AFTER = 40  # backlog steps taken before the demo is "closed"


class Logged(logging.Handler):
    """Keeps every message logged while it is attached (to check none holds record contents)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def locked_without_pdf(db) -> list[str]:
    """The locked records (sessions and oversight notes) that have no signed copy."""
    with db.reading() as session:
        locked = list(session.scalars(select(SupervisionSession.id).where(
            SupervisionSession.state == "locked"))) + list(session.scalars(
                select(OversightNote.id).where(OversightNote.state == "locked")))
        with_pdf = set(session.scalars(select(RecordDocument.record_id)))
    return [r for r in locked if r not in with_pdf]

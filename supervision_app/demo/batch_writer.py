"""Writing generated records: units of rows collected into large Core ``executemany``
batches, one transaction each, on a background thread while generation goes on.
"""
from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from sqlalchemy import Table, bindparam, insert, update

from ..store.models import (
    ActionItem,
    ActionReview,
    Addendum,
    CaseDiscussion,
    OversightNote,
    Signature,
    SupervisionSession,
)
from . import prose

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(records_done, records_planned)`` after each chunk is written."""


@dataclass
class RecordUnit:
    """One record with everything inserted alongside it."""

    at: datetime
    sessions: list[dict] = field(default_factory=list)
    discussions: list[dict] = field(default_factory=list)
    actions: list[dict] = field(default_factory=list)
    reviews: list[dict] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)
    addenda: list[dict] = field(default_factory=list)
    signatures: list[dict] = field(default_factory=list)
    session_states: list[dict] = field(default_factory=list)
    note_states: list[dict] = field(default_factory=list)
    # for addenda: when the record locked, who may add one, what it was about
    record_id: str = ""
    locked_at: datetime | None = None
    signed_later_at: datetime | None = None  # signed for real after writing: when it locks
    author_ids: tuple[str, ...] = ()
    facts: prose.Facts | None = None


_BATCH_LISTS = ("sessions", "notes", "discussions", "actions", "reviews", "addenda",
                "signatures", "session_states", "note_states")


GENERATION_CACHE_KIB = 131_072
"""SQLite page cache for the writing connection while generating (128 MiB, restored
afterwards): the random UUID keys spread index inserts over the whole file, and at
council scale the default cache would re-read (and, under SQLCipher, decrypt) most pages."""


class BatchWriter:
    """Collects units and writes them in large Core executemany batches.

    Writing runs on one background thread with its own connection, while the caller's
    thread goes on generating: sqlite releases the GIL while it executes (the triggers and
    FTS5 tokenising are most of the cost), so on two cores generation and writing overlap.
    Batches are written strictly in order, one transaction each; progress is reported on
    the caller's thread; an error in the writer is raised in the caller's thread.
    """

    def __init__(self, db, chunk_records: int, planned: int,
                 progress: ProgressCallback | None) -> None:
        self.db = db
        self.chunk_records = chunk_records
        self.planned = planned
        self.progress = progress
        self.done = 0
        self.counts = {name: 0 for name in ("sessions", "case_discussions", "actions",
                                            "action_reviews", "oversight_notes", "addenda",
                                            "signatures", "locked_sessions")}
        self._reset()
        self._batches: queue.Queue = queue.Queue(maxsize=2)
        self._written: queue.Queue = queue.Queue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="demo-data-writer", daemon=True)
        self._thread.start()

    def _reset(self) -> None:
        self.batch: dict[str, list[dict]] = {name: [] for name in _BATCH_LISTS}
        self.pending = 0

    def add(self, unit: RecordUnit) -> None:
        for name in _BATCH_LISTS:
            rows = getattr(unit, name)
            if rows:
                self.batch[name].extend(rows)
        self.pending += len(unit.sessions) + len(unit.notes)
        if self.pending >= self.chunk_records:
            self.flush()

    def flush(self) -> None:
        b = self.batch
        if not any(b.values()):
            return
        self._check()
        c = self.counts
        c["sessions"] += len(b["sessions"])
        c["case_discussions"] += len(b["discussions"])
        c["actions"] += len(b["actions"])
        c["action_reviews"] += len(b["reviews"])
        c["oversight_notes"] += len(b["notes"])
        c["addenda"] += len(b["addenda"])
        c["signatures"] += len(b["signatures"])
        c["locked_sessions"] += sum(1 for s in b["session_states"] if s["b_state"] == "locked")
        self._batches.put(b)
        self._reset()
        self._report()

    def close(self, *, write_rest: bool = True) -> None:
        """Write what is left (unless abandoning) and wait for the writer; raise its
        error, if any."""
        try:
            if write_rest:
                self.flush()
        finally:
            self._batches.put(None)
            self._thread.join()
        if write_rest:
            self._check()
            self._report()

    def _check(self) -> None:
        if self._error is not None:
            raise self._error

    def _report(self) -> None:
        while True:
            try:
                self.done += self._written.get_nowait()
            except queue.Empty:
                break
            if self.progress is not None:
                self.progress(self.done, self.planned)

    def _run(self) -> None:
        connection = None
        previous_cache = None
        try:
            while True:
                batch = self._batches.get()
                if batch is None:
                    return
                if self._error is not None:
                    continue  # drain, so the producer never blocks
                try:
                    if connection is None:
                        connection = self.db.engine.connect()
                        previous_cache = connection.exec_driver_sql("PRAGMA cache_size").scalar()
                        connection.exec_driver_sql(f"PRAGMA cache_size = -{GENERATION_CACHE_KIB}")
                        connection.commit()
                    with connection.begin():
                        _write_batch(connection, batch)
                    self._written.put(len(batch["sessions"]) + len(batch["notes"]))
                except BaseException as error:  # noqa: BLE001 - raised again on the caller's thread
                    self._error = error
        finally:
            if connection is not None:
                try:
                    connection.exec_driver_sql(f"PRAGMA cache_size = {previous_cache}")
                    connection.commit()
                finally:
                    connection.close()


def _write_batch(connection, b: dict[str, list[dict]]) -> None:
    insert_rows(connection, SupervisionSession, b["sessions"])
    insert_rows(connection, OversightNote, b["notes"])
    insert_rows(connection, CaseDiscussion, b["discussions"])
    insert_rows(connection, ActionItem, b["actions"])
    insert_rows(connection, ActionReview, b["reviews"])
    insert_rows(connection, Addendum, b["addenda"])
    insert_rows(connection, Signature, b["signatures"])
    # Only now may the signed records lock: their parts are in.
    for model, rows in ((SupervisionSession, b["session_states"]), (OversightNote, b["note_states"])):
        if rows:
            table = model.__table__
            assert isinstance(table, Table)  # declarative models map a Table
            connection.execute(update(table).where(table.c.id == bindparam("b_id"))
                               .values(state=bindparam("b_state")), rows)


def insert_rows(connection, model, rows: list[dict]) -> None:
    if rows:
        connection.execute(insert(model.__table__), rows)

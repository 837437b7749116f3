"""The demo's older records, signed in the background once the app is up.

First start signs only the demo's recent records (see ``generator.SIGNED_SESSIONS_DAYS``);
the steps for the rest of the year (share, respond, sign, countersign, close an action) are
kept in the profile, inside its encrypted database, as the signing backlog. A plain worker
thread takes them through the same sign-off, oldest first, while the window is in use; the
GUI thread never waits for it. It is resumable: a demo closed half-way goes on at its next
start, and each step already taken is skipped (``generator.sign_step`` looks at the record
before each step). Only counts are logged, never a record's contents.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import asdict, fields
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from ..store.models import ProfileSetting

log = logging.getLogger(__name__)

BACKLOG_KEY = "demo_signing_backlog"
"""The ProfileSetting holding the steps still to take (JSON); gone once all are taken."""

MARKER_NAME = "demo-signing-backlog"
"""An empty file in the profile folder while it has a backlog, so that opening a profile
can tell without reading the database (on the GUI thread) whether there is work to start."""


def _marker(db) -> Path:
    return Path(db.profile.folder) / MARKER_NAME


def has_backlog(db) -> bool:
    return _marker(db).exists()


def _rows(plans) -> list[dict]:
    return [{k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(p).items()}
            for p in plans]


def save_backlog(db, plans) -> None:
    """Keep ``plans`` (the generator's sign-off steps, in time order) in the profile."""
    text = json.dumps({"steps": _rows(plans)})
    with db.transaction() as session:
        session.merge(ProfileSetting(key=BACKLOG_KEY, value=text))
    _marker(db).touch()


def load_backlog(db) -> list:
    """The steps still kept in the profile, in time order ([] for a finished or real
    profile)."""
    from .real_signoff import RealSignoff

    with db.reading() as session:
        row = session.get(ProfileSetting, BACKLOG_KEY)
        text = row.value if row is not None else None
    if not text:
        return []
    stamps = {f.name for f in fields(RealSignoff)} & {
        "signed_at", "shared_at", "supervisee_signed_at"}
    plans = []
    for item in json.loads(text)["steps"]:
        values: dict[str, Any] = {k: (datetime.fromisoformat(v) if k in stamps and v else v)
                                  for k, v in item.items()}
        plans.append(RealSignoff(**values))
    return plans


def sign_backlog(db, stop: threading.Event | None = None,
                 on_step: Callable[[int], None] | None = None) -> int:
    """Take every kept step not yet taken, oldest first; forget the backlog when all are.
    Returns how many steps were taken now. ``stop`` ends it between records (the rest is
    kept for next time); ``on_step(n)`` is called after the n-th kept step is looked at."""
    plans = load_backlog(db)
    if not plans:
        _marker(db).unlink(missing_ok=True)
        return 0
    from .real_signoff import ensure_credentials, sign_step

    store = ensure_credentials(db, [], valid_from=plans[0].first_step)
    taken = 0
    for number, plan in enumerate(plans, start=1):
        if stop is not None and stop.is_set():
            return taken
        taken += sign_step(db, store, plan)
        if on_step is not None:
            on_step(number)
    with db.transaction() as session:
        row = session.get(ProfileSetting, BACKLOG_KEY)
        if row is not None:
            session.delete(row)
    _marker(db).unlink(missing_ok=True)
    return taken


class BacklogSigning:
    """One background run of :func:`sign_backlog`; ``finished`` is set when it ends (done,
    stopped or failed), ``error`` says whether it failed."""

    def __init__(self, db) -> None:
        self.db = db
        self.finished = threading.Event()
        self.taken = 0
        self.seconds = 0.0
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-backlog-signing",
                                        daemon=True)

    def start(self) -> "BacklogSigning":
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the record in hand (the rest is kept for next time) and wait."""
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        started = time.perf_counter()
        try:
            self.taken = sign_backlog(self.db, self._stop)
            if self.taken:
                log.info("Signed %d steps of the demo's older records in %.1f s",
                         self.taken, time.perf_counter() - started)
        except BaseException as error:  # noqa: BLE001 - logged by class only; kept for next start
            self.error = error
            log.warning("Signing the demo's older records stopped (%s); it resumes at the "
                        "next start", type(error).__name__)
        finally:
            self.seconds = time.perf_counter() - started
            self.finished.set()


_running: list[BacklogSigning] = []


def start_backlog_signing(db) -> BacklogSigning | None:
    """Sign the profile's backlog, if it has one (only a demo profile does), on a worker
    thread; returns at once (``None``: nothing to sign)."""
    if not has_backlog(db):
        return None
    run = BacklogSigning(db).start()
    _running.append(run)
    return run


def running_backlogs() -> list[BacklogSigning]:
    """The background runs started and not yet stopped (for tests and diagnostics)."""
    return list(_running)


def stop_backlog_signing() -> None:
    """Stop every background run (before their databases close), keeping what is left."""
    while _running:
        _running.pop().stop()

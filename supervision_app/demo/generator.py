"""Synthetic data: a demo team for the app, and the large council of DESIGN.md §5 for bench/.

Everything is drawn from seeded ``random.Random`` streams (one per team, seeded by a string
so Python's hash randomisation cannot change it), and every id, date and time is derived
from ``seed`` and ``today``: the same arguments give the same rows, byte for byte.
Names are random pairings of common first names and surnames (see :mod:`.names`); the
prose comes from templates (:mod:`.prose`). Nothing describes a real person or case.

Speed: rows are built as plain dicts and written with SQLAlchemy Core ``insert`` in
executemany batches, one transaction per chunk of about a month of council activity, on a
background thread so that generating and writing overlap; the ORM unit of work is never
used. Records are generated team by team but written in time order across teams (the team
streams are merged by time), so row and search-index order resembles a database that grew
day by day. The full council takes about four minutes on two cores, half of the database
time being the FTS5 index triggers (bench/bench_store.py measures both).

Locked records and the triggers: a case discussion, action or review cannot be inserted
under a session the supervisor has signed, nor an action under a locked oversight note.
So every session and note is inserted unlocked (sessions as 'shared', notes as 'draft')
with its parts, and its final state is set by an UPDATE at the end of the same transaction.
Signature rows carry the SHA-256 digest of a plain-data form of the record
(``domain.canonical.digest``); certificates and signature values are left empty. The
desktop demo (``populate_team_demo``) then takes its recent records through the real
sharing and sign-off with the profile's demo CA (see :func:`sign_step`); the council
of bench/ never signs for real, so its speed is unchanged.
"""
from __future__ import annotations

import heapq
import math
import queue
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Iterator, Mapping

from sqlalchemy import Table, bindparam, insert, select, update

from ..domain.canonical import digest
from ..domain.supervision_policy import SupervisionPolicy, supervision_status
from ..domain.time_rules import LONDON
from ..domain.vocabulary import SupervisionStatus
from ..domain.working_days import add_working_days, is_working_day
from ..store.models import (
    ActionItem,
    ActionReview,
    Addendum,
    CaseDiscussion,
    Child,
    OversightNote,
    ServiceArea,
    Signature,
    Staff,
    SupervisionSession,
    Team,
)
from . import prose
from .names import AREA_NAMES, TEAM_NAMES, ascii_fold, full_name

DEFAULT_SEED = 20261123
UTC = timezone.utc
POLICY = SupervisionPolicy()

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(records_done, records_planned)`` after each chunk is written."""

_LEGAL_STATUS_WEIGHTS = (
    (prose.CIN, 42), (prose.CP, 25), (prose.CLA, 25), (prose.CL, 8),
)
_SCALE = {prose.CIN: (4, 8), prose.CP: (2, 6), prose.CLA: (5, 9), prose.CL: (5, 9)}
_TRIGGERS = {
    prose.CIN: ("referral_decision", "plan_review", "plan_review", "closure", "transfer",
                "visit_overdue"),
    prose.CP: ("strategy_discussion", "plan_review", "plan_review", "visit_overdue", "transfer"),
    prose.CLA: ("plan_review", "plan_review", "visit_overdue", "transfer", "other"),
    prose.CL: ("plan_review", "plan_review", "transfer", "other", "closure"),
}
_SESSION_TIMES = ((9, 30), (10, 0), (11, 0), (13, 30), (14, 0), (15, 0))
_COMPLEXITY = ("low", "medium", "high")
_CAPACITY = ("has_capacity", "at_capacity", "over_capacity")

_SESSION_FIELDS = (
    "id", "supervisee_id", "supervisor_id", "team_id", "held_at", "duration_minutes",
    "session_type", "location", "agreement_in_place", "wellbeing", "caseload_count",
    "caseload_complexity", "capacity", "workload_notes", "learning", "asye_progress",
    "next_session_on", "supervisee_comments", "supervisee_agreement", "disagreement",
    "disagreement_resolved",
)
_DISCUSSION_FIELDS = (
    "id", "child_id", "position", "current_position", "worries", "working_well",
    "needs_to_happen", "safety_scale", "decision", "rationale",
)
_ACTION_FIELDS = ("id", "case_discussion_id", "child_id", "description", "owner_id", "due_on")
_REVIEW_FIELDS = ("id", "action_id", "status", "note")
_NOTE_FIELDS = ("id", "child_id", "author_id", "recorded_at", "trigger", "decision",
                "rationale", "next_review_on")


# ------------------------------------------------------------------------------ summaries

@dataclass(frozen=True)
class DemoSummary:
    """Who is who in the demo team, for the app's --demo sign-in and for tests."""

    team_id: str
    service_area_id: str
    manager_id: str
    service_manager_id: str
    head_of_service_id: str
    auditor_id: str
    admin_id: str
    asye_worker_id: str
    overdue_worker_id: str
    awaiting_signature_worker_id: str
    disagreeing_worker_id: str
    worker_ids: tuple[str, ...]
    counts: Mapping[str, int]


@dataclass(frozen=True)
class CouncilSummary:
    team_ids: tuple[str, ...]
    service_area_ids: tuple[str, ...]
    service_manager_ids: tuple[str, ...]
    team_manager_ids: tuple[str, ...]
    head_of_service_id: str
    auditor_ids: tuple[str, ...]
    admin_id: str
    counts: Mapping[str, int]
    seconds: float


# ------------------------------------------------------------------------------ helpers

def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _london(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON).astimezone(UTC)


def _working_day_on_or_before(day: date) -> date:
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _synced(row_id: str, at: datetime, by: str | None) -> dict[str, Any]:
    return {"id": row_id, "version": 1, "updated_at": at, "updated_by": by, "tombstone": False}


@dataclass
class _ChildPlan:
    id: str
    case_id: str
    first: str
    name: str
    date_of_birth: date
    status: str
    pathway: bool
    facts: prose.Facts
    worker: "_WorkerPlan | None" = None

    def age_on(self, day: date) -> int:
        return day.year - self.date_of_birth.year - (
            (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day))


@dataclass
class _OpenAction:
    id: str
    created: date
    status: str  # final status as of today
    closed_on: date | None
    facts: prose.Facts | None


@dataclass
class _WorkerPlan:
    id: str
    display_name: str
    username: str
    role: str
    started_on: date
    asye_start: date | None
    supervisor_id: str | None = None
    caseload: list[_ChildPlan] = field(default_factory=list)
    dates: list[date] = field(default_factory=list)
    special: str = ""
    discussions: tuple[int, int] = (2, 5)
    disagree_at: int | None = None  # index of the session holding the demo's disagreement
    open_actions: list[_OpenAction] = field(default_factory=list)


@dataclass
class _Unit:
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


class _Writer:
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

    def add(self, unit: _Unit) -> None:
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
    _insert(connection, SupervisionSession, b["sessions"])
    _insert(connection, OversightNote, b["notes"])
    _insert(connection, CaseDiscussion, b["discussions"])
    _insert(connection, ActionItem, b["actions"])
    _insert(connection, ActionReview, b["reviews"])
    _insert(connection, Addendum, b["addenda"])
    _insert(connection, Signature, b["signatures"])
    # Only now may the signed records lock: their parts are in.
    for model, rows in ((SupervisionSession, b["session_states"]), (OversightNote, b["note_states"])):
        if rows:
            table = model.__table__
            assert isinstance(table, Table)  # declarative models map a Table
            connection.execute(update(table).where(table.c.id == bindparam("b_id"))
                               .values(state=bindparam("b_state")), rows)


def _insert(connection, model, rows: list[dict]) -> None:
    if rows:
        connection.execute(insert(model.__table__), rows)


# ------------------------------------------------------------------------------ people

@dataclass
class _Directory:
    areas: list[dict] = field(default_factory=list)
    teams: list[dict] = field(default_factory=list)
    staff: list[dict] = field(default_factory=list)
    children: list[dict] = field(default_factory=list)
    area_managers: list[dict] = field(default_factory=list)
    team_managers: list[dict] = field(default_factory=list)
    usernames: set[str] = field(default_factory=set)

    def username(self, first: str, last: str) -> str:
        base = f"{ascii_fold(first)}.{ascii_fold(last)}".lower() or "user"
        name, n = base, 1
        while name in self.usernames:
            n += 1
            name = f"{base}{n}"
        self.usernames.add(name)
        return name

    def person(self, rng: random.Random, role: str, team_id: str | None, started_on: date,
               asye_start: date | None, stamp: datetime) -> _WorkerPlan:
        first, last = full_name(rng)
        plan = _WorkerPlan(id=_uuid(rng), display_name=f"{first} {last}",
                           username=self.username(first, last), role=role,
                           started_on=started_on, asye_start=asye_start)
        self.staff.append({
            **_synced(plan.id, stamp, None), "display_name": plan.display_name,
            "username": plan.username, "role": role, "team_id": team_id,
            "started_on": started_on, "asye_start": asye_start, "active": True,
        })
        return plan

    def write(self, db) -> None:
        with db.transaction() as session:
            _insert(session, ServiceArea, self.areas)
            _insert(session, Team, self.teams)
            _insert(session, Staff, self.staff)
            for model, rows in ((Team, self.team_managers), (ServiceArea, self.area_managers)):
                if rows:
                    table = model.__table__
                    assert isinstance(table, Table)  # declarative models map a Table
                    session.execute(update(table).where(table.c.id == bindparam("b_id"))
                                    .values(manager_id=bindparam("b_manager")), rows)
            _insert(session, Child, self.children)


def _make_children(rng: random.Random, count: int, first_case: int, today: date) -> list[_ChildPlan]:
    children = []
    case_number = first_case
    # statuses dealt from quotas, so even a small team has realistic proportions
    total_weight = sum(w for _, w in _LEGAL_STATUS_WEIGHTS)
    statuses = [s for s, w in _LEGAL_STATUS_WEIGHTS for _ in range(round(count * w / total_weight))]
    while len(statuses) < count:
        statuses.append(prose.CIN)
    del statuses[count:]
    rng.shuffle(statuses)
    for status in statuses:
        case_number += rng.randint(1, 3)
        if status == prose.CL:
            age_days = rng.randint(18 * 365 + 5, 21 * 365)
        elif status == prose.CP:
            age_days = rng.randint(30, 15 * 365)
        else:
            age_days = rng.randint(30, 18 * 365 - 10)
        dob = today - timedelta(days=age_days)
        first, last = full_name(rng)
        age = age_days // 365
        pathway = status == prose.CL or (status == prose.CLA and age >= 16)
        child = _ChildPlan(id=_uuid(rng), case_id=f"CS-{case_number:06d}", first=first,
                           name=f"{first} {last}", date_of_birth=dob, status=status,
                           pathway=pathway, facts=prose.facts_for(rng, first, status, age))
        children.append(child)
    return children


def _allocate(rng: random.Random, children: list[_ChildPlan], workers: list[_WorkerPlan],
              weights: list[float]) -> None:
    """Deal the children to workers in proportion to ``weights`` (a protected ASYE
    caseload is smaller), every worker getting at least one."""
    total = sum(weights)
    quotas = [max(1, round(len(children) * w / total)) for w in weights]
    order = list(range(len(workers)))
    i = 0
    while sum(quotas) > len(children):
        j = order[i % len(order)]
        if quotas[j] > 1:
            quotas[j] -= 1
        i += 1
    while sum(quotas) < len(children):
        quotas[order[i % len(order)]] += 1
        i += 1
    shuffled = children[:]
    rng.shuffle(shuffled)
    start = 0
    for worker, quota in zip(workers, quotas):
        worker.caseload = shuffled[start:start + quota]
        for child in worker.caseload:
            child.worker = worker
        start += quota


def _child_rows(children: list[_ChildPlan], stamp: datetime) -> list[dict]:
    return [{
        **_synced(c.id, stamp, None), "case_id": c.case_id, "name": c.name,
        "date_of_birth": c.date_of_birth, "legal_status": c.status,
        "allocated_worker_id": c.worker.id if c.worker else None, "has_pathway_plan": c.pathway,
    } for c in children]


# ------------------------------------------------------------------------------ schedules

def _schedule(rng: random.Random, worker: _WorkerPlan, first_day: date, last_day: date,
              miss_rate: float) -> list[date]:
    """Supervision dates following the policy, with jitter and some missed sessions."""
    dates: list[date] = []
    day = max(first_day, worker.started_on + timedelta(days=rng.randint(2, 6)))
    while day <= last_day:
        interval = POLICY.interval_on(day, worker.asye_start)
        if rng.random() >= miss_rate:
            held = _working_day_on_or_before(day)
            if held <= last_day and (not dates or held > dates[-1]) and held >= worker.started_on:
                dates.append(held)
        jitter = 1 if interval <= 7 else 3
        day = day + timedelta(days=interval + rng.randint(-jitter, jitter))
    return dates


def _status(worker: _WorkerPlan, today: date) -> SupervisionStatus:
    last = worker.dates[-1] if worker.dates else None
    return supervision_status(POLICY, today=today, last_held=last, started_on=worker.started_on,
                              asye_start=worker.asye_start).status


def _keep_on_track(rng: random.Random, worker: _WorkerPlan, today: date) -> None:
    if _status(worker, today) != SupervisionStatus.OVERDUE:
        return
    last = worker.dates[-1] if worker.dates else worker.started_on
    for _ in range(20):
        candidate = _working_day_on_or_before(today - timedelta(days=rng.randint(2, 10)))
        if candidate > last:
            worker.dates.append(candidate)
            break
    if _status(worker, today) == SupervisionStatus.OVERDUE:  # pragma: no cover - defensive
        worker.dates.append(_working_day_on_or_before(today - timedelta(days=1)))


# ------------------------------------------------------------------------------ records

@dataclass
class _TeamContext:
    index: int
    rng: random.Random
    team_id: str
    manager: _WorkerPlan
    service_manager_id: str
    workers: list[_WorkerPlan]  # including, in the demo, the manager as a supervisee
    children: list[_ChildPlan]
    first_day: date
    today: date
    cutoff: datetime  # start of today in London: nothing is dated later
    note_rate: float  # oversight notes per child per year
    addendum_rate: float
    disagreement_rate: float
    # The desktop demo's recent signed records go through the people's own steps (share,
    # respond, sign, countersign) with real keys after writing, so they carry signed PDFs
    # that verify; records older than ``real_since`` and all council data keep digests only.
    real_signoff: bool = False
    real_since: datetime | None = None  # supervision records held from then on
    real_notes_since: datetime | None = None  # oversight notes recorded from then on
    # older locked supervision records: written shared and answered, as the history has it,
    # and signed for real afterwards (demo/signing_backlog.py)
    sign_older_later: bool = False
    sign_later: list["_RealSignoff"] = field(default_factory=list)


@dataclass(frozen=True)
class _RealSignoff:
    """A record written unsigned (a draft) and taken through sign-off for real afterwards,
    each step at the moment the generated history gives it."""

    kind: str  # "supervision", "oversight_note", "action" (closed by its owner), "addendum"
    record_id: str
    signer_id: str  # the supervisor, the note's author, or the action's owner
    signed_at: datetime  # for an action: when it was closed
    supervisee_id: str = ""  # for an action: who agreed it (closes it if the owner may not)
    shared_at: datetime | None = None
    comments: str = ""
    agreement: str | None = None
    disagreement: str = ""
    supervisee_signed_at: datetime | None = None  # None: awaits the supervisee
    status: str = ""  # for an action: done or no longer needed
    note_id: str = ""  # for an action agreed in an oversight note: that note
    parent_kind: str = ""  # for an addendum (to ``record_id``): the record's kind
    body: str = ""  # for an addendum: its text

    @property
    def first_step(self) -> datetime:
        return self.shared_at or self.signed_at


def _final_action(rng: random.Random, created: date, due: date, today: date) -> tuple[str, date | None]:
    """The action's status as of today, and when it was closed."""
    latest = today - timedelta(days=1)
    if latest <= created:
        return "open", None
    if due < today:
        overdue_for = (today - due).days
        closed = overdue_for > 180 or rng.random() < (0.97 if overdue_for > 60 else 0.8)
    else:
        closed = rng.random() < 0.25
    if not closed:
        return "open", None
    status = "done" if rng.random() < 0.92 else "no_longer_needed"
    closed_on = due + timedelta(days=rng.randint(-6, 10))
    closed_on = min(max(closed_on, created + timedelta(days=1)), latest)
    return status, closed_on


def _new_action(ctx: _TeamContext, unit: _Unit, *, created: date, session_id: str | None,
                note_id: str | None, discussion_id: str | None, child: _ChildPlan | None,
                owner_id: str, author_id: str, stamp: datetime,
                facts: prose.Facts | None) -> tuple[dict, _OpenAction]:
    rng = ctx.rng
    due = created + timedelta(days=rng.choice((5, 7, 10, 14, 14, 21, 28, 42)))
    status, closed_on = _final_action(rng, created, due, ctx.today)
    action_id = _uuid(rng)
    closed_at = _london(closed_on, 12) if closed_on else None
    row = {
        **_synced(action_id, closed_at or stamp, author_id),
        "session_id": session_id, "oversight_note_id": note_id,
        "case_discussion_id": discussion_id, "child_id": child.id if child else None,
        "description": prose.action_text(rng, facts), "owner_id": owner_id, "due_on": due,
        "status": status, "closed_at": closed_at,
    }
    if ctx.real_signoff and ctx.real_since is not None and closed_at is not None \
            and closed_at >= ctx.real_since:
        # open until its owner closes it, in time order with the records shared for real,
        # so each record says what the action's status was when it was shared
        ctx.sign_later.append(_RealSignoff("action", action_id, owner_id, closed_at,
                                           supervisee_id=author_id, status=status,
                                           note_id=note_id or ""))
        row.update(status="open", closed_at=None, updated_at=stamp)
    unit.actions.append(row)
    return row, _OpenAction(action_id, created, status, closed_on, facts)


def _session_unit(ctx: _TeamContext, worker: _WorkerPlan, number: int, held_at: datetime) -> _Unit:
    rng = ctx.rng
    held_on = held_at.astimezone(LONDON).date()
    supervisor_id = worker.supervisor_id or ctx.manager.id
    unit = _Unit(at=held_at)
    session_id = _uuid(rng)
    is_last = number == len(worker.dates) - 1

    # The sign-off timeline, then the state it has reached by today.
    shared_on = add_working_days(held_on, rng.choice((1, 1, 2, 3, 4, 5)))
    shared_at = _london(shared_on, 16, rng.choice((0, 15, 30, 45)))
    supervisor_signed_at = shared_at + timedelta(days=rng.randint(1, 6), hours=-3)
    supervisee_signed_at = supervisor_signed_at + timedelta(days=rng.randint(0, 5), hours=2)
    if worker.special == "awaiting_signature" and is_last:
        shared_at = min(shared_at, ctx.cutoff - timedelta(days=4))
        supervisor_signed_at = ctx.cutoff - timedelta(days=2, hours=5)
        supervisee_signed_at = ctx.cutoff + timedelta(days=30)  # not yet
    if supervisee_signed_at < ctx.cutoff:
        state = "locked"
    elif supervisor_signed_at < ctx.cutoff:
        state = "supervisor_signed"
    elif shared_at < ctx.cutoff:
        state = "shared"
    else:
        state = "draft"
    disagrees = False
    if state in ("locked", "supervisor_signed"):
        if worker.special == "disagreement":
            # the most recent record the supervisee has signed holds the disagreement
            disagrees = state == "locked" and number == worker.disagree_at
        elif ctx.disagreement_rate and rng.random() < ctx.disagreement_rate:
            disagrees = True
    responded = state in ("locked", "supervisor_signed") or (state == "shared" and rng.random() < 0.5)
    asye = worker.asye_start is not None and (held_on - worker.asye_start).days < 365

    # Case discussions, reviews of earlier actions, and new actions.
    lo, hi = worker.discussions
    discussed = rng.sample(worker.caseload, min(len(worker.caseload), rng.randint(lo, hi)))
    plain_discussions = []
    first_facts = None
    for position, child in enumerate(discussed):
        if rng.random() < 0.25:
            child.facts = prose.facts_for(rng, child.first, child.status, child.age_on(held_on))
        facts = child.facts
        first_facts = first_facts or facts
        lo_s, hi_s = _SCALE[child.status]
        scale = rng.randint(lo_s, hi_s)
        text = prose.discussion_text(rng, facts, scale)
        discussion_id = _uuid(rng)
        row = {
            **_synced(discussion_id, held_at, supervisor_id), "session_id": session_id,
            "child_id": child.id, "position": position,
            "current_position": text.current_position, "worries": text.worries,
            "working_well": text.working_well, "needs_to_happen": text.needs_to_happen,
            "safety_scale": scale, "decision": text.decision, "rationale": text.rationale,
        }
        unit.discussions.append(row)
        plain_discussions.append({k: row[k] for k in _DISCUSSION_FIELDS})
        for _ in range(rng.choices((0, 1, 2), weights=(50, 40, 10))[0]):
            owner = worker.id if rng.random() < 0.8 else supervisor_id
            _, open_action = _new_action(
                ctx, unit, created=held_on, session_id=session_id, note_id=None,
                discussion_id=discussion_id, child=child, owner_id=owner,
                author_id=supervisor_id, stamp=held_at, facts=facts)
            worker.open_actions.append(open_action)
    if rng.random() < 0.25:
        _, open_action = _new_action(
            ctx, unit, created=held_on, session_id=session_id, note_id=None, discussion_id=None,
            child=None, owner_id=worker.id, author_id=supervisor_id, stamp=held_at, facts=None)
        worker.open_actions.append(open_action)

    still_open = []
    new_ids = {a["id"] for a in unit.actions}
    for action in worker.open_actions:
        if action.id in new_ids:
            still_open.append(action)
            continue
        if action.closed_on is not None and action.closed_on <= held_on:
            review_status = action.status
        else:
            review_status = "open"
            still_open.append(action)
        unit.reviews.append({
            **_synced(_uuid(rng), held_at, supervisor_id), "session_id": session_id,
            "action_id": action.id, "status": review_status,
            "note": prose.review_note(rng, review_status, action.facts),
        })
    worker.open_actions = still_open

    interval = POLICY.interval_on(held_on, worker.asye_start)
    caseload = len(worker.caseload)
    cp_share = sum(c.status == prose.CP for c in worker.caseload) / max(1, caseload)
    session = {
        **_synced(session_id, held_at, supervisor_id),
        "supervisee_id": worker.id, "supervisor_id": supervisor_id, "team_id": ctx.team_id,
        "held_at": held_at,
        "duration_minutes": rng.choice((60, 75, 90, 90, 90, 120)) if not asye else rng.choice((90, 120)),
        "session_type": "unplanned" if rng.random() < 0.06 else "planned_1to1",
        "location": rng.choice(prose.LOCATIONS),
        "agreement_in_place": rng.random() < 0.97,
        "wellbeing": prose.wellbeing(rng),
        "caseload_count": caseload if worker.role == "social_worker" else None,
        "caseload_complexity": _COMPLEXITY[0 if cp_share < 0.15 else 1 if cp_share < 0.35 else 2],
        "capacity": _CAPACITY[min(2, max(0, (caseload - 8) // 6))] if not asye else "has_capacity",
        "workload_notes": prose.workload(rng, caseload),
        "learning": prose.learning(rng),
        "asye_progress": prose.asye_progress(rng) if asye else "",
        "next_session_on": held_on + timedelta(days=interval),
        "state": "shared" if state in ("locked", "supervisor_signed") else state,
        "shared_at": shared_at if state != "draft" else None,
        "supervisee_comments": prose.supervisee_comment(rng) if responded else "",
        "supervisee_agreement": None,
        "disagreement": "",
        "disagreement_resolved": False,
    }
    if responded:
        session["supervisee_agreement"] = "agrees"
    if disagrees and first_facts is not None:
        session["supervisee_agreement"] = "disagrees"
        session["disagreement"] = prose.disagreement(rng, first_facts)
        session["disagreement_resolved"] = worker.special != "disagreement" and rng.random() < 0.8
    real = ctx.real_signoff and (state == "supervisor_signed" or (
        state == "locked" and ctx.real_since is not None and held_at >= ctx.real_since))
    later = not real and state == "locked" and ctx.sign_older_later
    if later:
        # shared and answered as written (its reviews say what each action's status was
        # then); both signatures for real afterwards, in the background
        ctx.sign_later.append(_RealSignoff(
            "supervision", session_id, supervisor_id, supervisor_signed_at,
            supervisee_id=worker.id, shared_at=shared_at,
            supervisee_signed_at=supervisee_signed_at))
        session["updated_at"] = shared_at
    elif real:
        ctx.sign_later.append(_RealSignoff(
            "supervision", session_id, supervisor_id, supervisor_signed_at,
            supervisee_id=worker.id, shared_at=shared_at,
            comments=session["supervisee_comments"], agreement=session["supervisee_agreement"],
            disagreement=session["disagreement"],
            supervisee_signed_at=supervisee_signed_at if state == "locked" else None))
        # written as the supervisor left it; shared, answered and signed after writing
        session.update(state="draft", shared_at=None, supervisee_comments="",
                       supervisee_agreement=None, disagreement="", updated_at=held_at)
    elif state in ("locked", "supervisor_signed"):
        session["updated_at"] = supervisor_signed_at if state == "supervisor_signed" else supervisee_signed_at
        session["updated_by"] = supervisor_id if state == "supervisor_signed" else worker.id
        unit.session_states.append({"b_id": session_id, "b_state": state})
        plain = {k: session[k] for k in _SESSION_FIELDS}
        plain["case_discussions"] = plain_discussions
        plain["actions"] = [{k: a[k] for k in _ACTION_FIELDS} for a in unit.actions]
        plain["action_reviews"] = [{k: r[k] for k in _REVIEW_FIELDS} for r in unit.reviews]
        record_digest = digest("supervision", plain)
        unit.signatures.append(_signature(rng, "supervision", session_id, supervisor_id,
                                          "supervisor", supervisor_signed_at, record_digest))
        if state == "locked":
            unit.signatures.append(_signature(rng, "supervision", session_id, worker.id,
                                              "supervisee", supervisee_signed_at, record_digest))
    elif state == "shared":
        session["updated_at"] = shared_at
    unit.sessions.append(session)
    unit.record_id = session_id
    # (a record signed for real locks only after writing, so it has no generated addenda)
    unit.locked_at = supervisee_signed_at if state == "locked" and not (real or later) else None
    unit.signed_later_at = supervisee_signed_at if state == "locked" and (real or later) else None
    unit.author_ids = (supervisor_id, worker.id)
    unit.facts = first_facts
    return unit


def _signature(rng: random.Random, kind: str, record_id: str, signer_id: str, role: str,
               at: datetime, record_digest: str) -> dict:
    return {
        **_synced(_uuid(rng), at, signer_id), "record_kind": kind, "record_id": record_id,
        "signer_id": signer_id, "signer_role": role, "signed_at": at, "digest": record_digest,
        "certificate_pem": "", "signature_value": None,
    }


def _note_unit(ctx: _TeamContext, child: _ChildPlan, recorded_at: datetime) -> _Unit:
    rng = ctx.rng
    recorded_on = recorded_at.astimezone(LONDON).date()
    unit = _Unit(at=recorded_at)
    note_id = _uuid(rng)
    escalated = child.status in (prose.CP, prose.CLA) and rng.random() < 0.15
    author_id = ctx.service_manager_id if escalated else ctx.manager.id
    trigger = rng.choice(_TRIGGERS[child.status])
    if rng.random() < 0.3:
        child.facts = prose.facts_for(rng, child.first, child.status, child.age_on(recorded_on))
    lo_s, hi_s = _SCALE[child.status]
    decision, rationale = prose.oversight_text(rng, trigger, child.facts, rng.randint(lo_s, hi_s))
    locked = recorded_at < ctx.cutoff - timedelta(days=1) and rng.random() > 0.01
    row = {
        **_synced(note_id, recorded_at, author_id), "child_id": child.id,
        "author_id": author_id, "recorded_at": recorded_at, "trigger": trigger,
        "decision": decision, "rationale": rationale,
        "next_review_on": recorded_on + timedelta(days=rng.choice((28, 42, 56, 90))),
        "state": "draft",
    }
    unit.notes.append(row)
    if rng.random() < 0.35 and child.worker is not None:
        _new_action(ctx, unit, created=recorded_on, session_id=None, note_id=note_id,
                    discussion_id=None, child=child, owner_id=child.worker.id,
                    author_id=author_id, stamp=recorded_at, facts=child.facts)
    real = (locked and ctx.real_signoff and ctx.real_notes_since is not None
            and recorded_at >= ctx.real_notes_since)
    if real:
        signed_at = recorded_at + timedelta(minutes=rng.randint(5, 90))
        ctx.sign_later.append(_RealSignoff("oversight_note", note_id, author_id, signed_at))
    elif locked:
        signed_at = recorded_at + timedelta(minutes=rng.randint(5, 90))
        plain = {k: row[k] for k in _NOTE_FIELDS}
        plain["actions"] = [{k: a[k] for k in _ACTION_FIELDS} for a in unit.actions]
        unit.signatures.append(_signature(rng, "oversight_note", note_id, author_id, "author",
                                          signed_at, digest("oversight_note", plain)))
        unit.note_states.append({"b_id": note_id, "b_state": "locked"})
        row["updated_at"] = signed_at
    unit.record_id = note_id
    unit.locked_at = row["updated_at"] if locked and not real else None
    unit.signed_later_at = signed_at if real else None
    unit.author_ids = (author_id,)
    unit.facts = child.facts
    return unit


def _addendum_unit(ctx: _TeamContext, kind: str, record_id: str, author_id: str,
                   at: datetime, facts: prose.Facts | None) -> _Unit:
    rng = ctx.rng
    unit = _Unit(at=at)
    addendum_id = _uuid(rng)
    row = {
        **_synced(addendum_id, at, author_id), "record_kind": kind, "record_id": record_id,
        "author_id": author_id, "created_at": at - timedelta(minutes=20),
        "body": prose.addendum_text(rng, facts), "state": "locked",
    }
    unit.addenda.append(row)
    plain = {k: row[k] for k in ("id", "record_kind", "record_id", "author_id", "created_at", "body")}
    unit.signatures.append(_signature(rng, "addendum", addendum_id, author_id, "author", at,
                                      digest("addendum", plain)))
    return unit


def _team_stream(ctx: _TeamContext) -> Iterator[tuple[datetime, int, int, _Unit]]:
    """Every record of one team, in time order."""
    rng = ctx.rng
    events: list[tuple[datetime, int, str, Any]] = []
    seq = 0
    for worker in ctx.workers:
        for number, day in enumerate(worker.dates):
            hour, minute = rng.choice(_SESSION_TIMES)
            events.append((_london(day, hour, minute), seq, "session", (worker, number)))
            seq += 1
    span_days = (ctx.today - ctx.first_day).days
    years = span_days / 365.25
    for child in ctx.children:
        count = _poisson(rng, ctx.note_rate * years)
        for _ in range(count):
            day = ctx.first_day + timedelta(days=rng.randrange(max(1, span_days)))
            events.append((_london(day, rng.randint(9, 17), rng.choice((0, 10, 20, 30, 40, 50))),
                           seq, "note", child))
            seq += 1
    heapq.heapify(events)
    while events:
        at, event_seq, kind, payload = heapq.heappop(events)
        if kind == "session":
            worker, number = payload
            unit = _session_unit(ctx, worker, number, at)
            record_kind = "supervision"
        elif kind == "note":
            unit = _note_unit(ctx, payload, at)
            record_kind = "oversight_note"
        else:
            yield at, ctx.index, event_seq, payload
            continue
        if unit.locked_at is not None and rng.random() < ctx.addendum_rate:
            when = unit.locked_at + timedelta(days=rng.randint(3, 60), hours=rng.randint(0, 5))
            if when < ctx.cutoff:
                author = rng.choice(unit.author_ids)
                addendum = _addendum_unit(ctx, record_kind, unit.record_id, author, when,
                                          unit.facts)
                heapq.heappush(events, (when, seq, "addendum", addendum))
                seq += 1
        elif unit.signed_later_at is not None and rng.random() < ctx.addendum_rate:
            # added (and signed) for real once its record is signed for real
            when = unit.signed_later_at + timedelta(days=rng.randint(3, 60), hours=rng.randint(0, 5))
            if when < ctx.cutoff:
                ctx.sign_later.append(_RealSignoff(
                    "addendum", unit.record_id, rng.choice(unit.author_ids), when,
                    parent_kind=record_kind, body=prose.addendum_text(rng, unit.facts)))
        yield at, ctx.index, event_seq, unit


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method; the means here are small (a few per child).
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _write_streams(db, contexts: list[_TeamContext], *, chunk_records: int,
                   progress: ProgressCallback | None) -> dict[str, int]:
    planned = sum(len(w.dates) for c in contexts for w in c.workers)
    planned += int(sum(len(c.children) * c.note_rate * (c.today - c.first_day).days / 365.25
                       for c in contexts))
    writer = _Writer(db, chunk_records, planned, progress)
    try:
        for _at, _team, _seq, unit in heapq.merge(*(_team_stream(c) for c in contexts)):
            writer.add(unit)
    except BaseException:
        writer.close(write_rest=False)
        raise
    writer.close()
    return writer.counts


# ------------------------------------------------------------------------------ the demo team

SIGNED_SESSIONS_DAYS = 90
SIGNED_NOTES_DAYS = 14
"""How far back the desktop demo signs its records for real at first start (supervision
records held, and oversight notes recorded, in the last so many days). Each signature (PDF
rendered and signed) takes about 0.1-0.3 s on two cores; all of a year (about 150 records
signed twice and 480 notes) takes minutes, these windows (about 95 signatures) 10-30 s. The
older records are signed afterwards, in the background (:mod:`.signing_backlog`)."""


def populate_team_demo(db, *, today: date, seed: int = DEFAULT_SEED,
                       sign_for_real: bool = True,
                       signed_sessions_days: int | None = SIGNED_SESSIONS_DAYS,
                       signed_notes_days: int | None = SIGNED_NOTES_DAYS,
                       sign_older_later: bool = True) -> DemoSummary:
    """Fill an empty profile with one synthetic team and a year of its records.

    A service area with its service manager and head of service; one team with a team
    manager and 12 social workers: an ASYE worker who started about 10 weeks ago, one worker
    clearly overdue for supervision, one whose latest record awaits their signature, one with
    an unresolved disagreement; ~150 children; a QA auditor and an administrator.

    With ``sign_for_real`` (the default) the signed records are taken through the steps
    people take (the supervisor shares, the supervisee responds, the supervisor signs, the
    supervisee signs; a manager signs an oversight note) with the real sign-off and keys
    from the profile's demo CA, each step back-dated to the history's own moment, so each
    carries a signed PDF that verifies and exports; records awaiting the supervisee can be
    signed in the app. Only supervision records of the last ``signed_sessions_days`` and
    oversight notes of the last ``signed_notes_days`` are (``None``: the whole year); older
    signed records carry digests only, to keep first start short (see
    :data:`SIGNED_SESSIONS_DAYS`), unless ``sign_older_later`` (the default): then they are
    written as their authors left them before sharing or signing, and their steps are kept
    in the profile as the signing backlog, which :mod:`.signing_backlog` takes through the
    same sign-off in the background once the app is up. Without ``sign_for_real`` every row
    is a pure function of the seed and the day, and signatures carry digests only.
    """
    rng = random.Random(f"supervision-demo:{seed}:{today.isoformat()}")
    directory = _Directory()
    stamp = _london(today - timedelta(days=400), 9)
    first_day = today - timedelta(days=365)
    area_id, team_id = _uuid(rng), _uuid(rng)
    area_name = rng.choice(AREA_NAMES)
    directory.areas.append({**_synced(area_id, stamp, None), "name": f"{area_name} Locality",
                            "manager_id": None})
    directory.teams.append({**_synced(team_id, stamp, None),
                            "name": f"{area_name} {rng.choice(TEAM_NAMES)} Team",
                            "service_area_id": area_id, "manager_id": None,
                            "supervision_policy": None})

    def veteran() -> date:
        return today - timedelta(days=rng.randint(3 * 365, 15 * 365))

    head = directory.person(rng, "head_of_service", None, veteran(), None, stamp)
    service_manager = directory.person(rng, "service_manager", None, veteran(), None, stamp)
    manager = directory.person(rng, "team_manager", team_id, veteran(), None, stamp)
    asye_start = _working_day_on_or_before(today - timedelta(days=70))
    workers = [directory.person(rng, "social_worker", team_id, asye_start, asye_start, stamp)]
    for _ in range(11):
        started = today - timedelta(days=rng.randint(400, 12 * 365))
        workers.append(directory.person(rng, "social_worker", team_id, started, None, stamp))
    auditor = directory.person(rng, "qa_auditor", None, veteran(), None, stamp)
    admin = directory.person(rng, "administrator", None, veteran(), None, stamp)
    directory.team_managers.append({"b_id": team_id, "b_manager": manager.id})
    directory.area_managers.append({"b_id": area_id, "b_manager": service_manager.id})

    asye, overdue, awaiting, disagreeing = workers[0], workers[1], workers[2], workers[3]
    overdue.special, awaiting.special, disagreeing.special = "overdue", "awaiting_signature", "disagreement"
    children = _make_children(rng, 150, 100 + rng.randint(0, 800), today)
    _allocate(rng, children, workers, [0.45] + [1.0] * 11)

    last_day = today - timedelta(days=1)
    for worker in workers:
        worker.supervisor_id = manager.id
        worker.dates = _schedule(rng, worker, first_day, last_day, miss_rate=0.06)
    for worker in workers:
        if worker is overdue:
            worker.dates = [d for d in worker.dates if d <= today - timedelta(days=50)]
        elif worker is awaiting:
            worker.dates = [d for d in worker.dates if d <= today - timedelta(days=25)]
            worker.dates.append(_working_day_on_or_before(today - timedelta(days=8)))
        else:
            _keep_on_track(rng, worker, today)
    # the disagreement sits on the latest record the worker has both seen and signed
    disagreeing.disagree_at = max(
        i for i, d in enumerate(disagreeing.dates) if d <= today - timedelta(days=14))
    # The team manager is supervised too, by the service manager, on escalated cases.
    manager.supervisor_id = service_manager.id
    manager.caseload = [c for c in children if c.status in (prose.CP, prose.CLA)][:12]
    manager.discussions = (2, 3)
    manager.dates = _schedule(rng, manager, first_day, last_day, miss_rate=0.1)
    _keep_on_track(rng, manager, today)

    directory.children = _child_rows(children, stamp)
    directory.write(db)
    sessions_since = _days_back(today, signed_sessions_days, stamp)
    notes_since = _days_back(today, signed_notes_days, stamp)
    later = sign_for_real and sign_older_later
    context = _TeamContext(
        index=0, rng=rng, team_id=team_id, manager=manager,
        service_manager_id=service_manager.id, workers=[*workers, manager], children=children,
        first_day=first_day, today=today, cutoff=_london(today, 0), note_rate=3.3,
        addendum_rate=0.03, disagreement_rate=0.0, real_signoff=sign_for_real,
        real_since=sessions_since, real_notes_since=stamp if later else notes_since,
        sign_older_later=later)
    # small chunks keep the search index's row order close to time order, as in real use
    counts = _write_streams(db, [context], chunk_records=25, progress=None)
    if sign_for_real:
        now, backlog = _split_backlog(context.sign_later, sessions_since, notes_since)
        # certificates (and the demo CA) start with the directory, before the first record
        store = _ensure_credentials(db, context.sign_later, valid_from=stamp)
        if backlog:
            from .signing_backlog import save_backlog

            save_backlog(db, backlog)
        for plan in now:
            sign_step(db, store, plan)
        with db.reading() as session:  # signed after writing, so not in the writer's counts
            counts["signatures"] = session.query(Signature).count()
            counts["locked_sessions"] = session.query(SupervisionSession).filter(
                SupervisionSession.state == "locked").count()
    counts.update(staff=len(directory.staff), children=len(children), teams=1)
    return DemoSummary(
        team_id=team_id, service_area_id=area_id, manager_id=manager.id,
        service_manager_id=service_manager.id, head_of_service_id=head.id, auditor_id=auditor.id,
        admin_id=admin.id, asye_worker_id=asye.id, overdue_worker_id=overdue.id,
        awaiting_signature_worker_id=awaiting.id, disagreeing_worker_id=disagreeing.id,
        worker_ids=tuple(w.id for w in workers), counts=dict(counts),
    )


def _clock(moment: datetime) -> Callable[[], datetime]:
    """A clock stopped at one of the history's moments, for a back-dated signature."""
    return lambda: moment


def _days_back(today: date, days: int | None, everything: datetime) -> datetime:
    return everything if days is None else _london(today - timedelta(days=days), 0)


def _split_backlog(pending: list[_RealSignoff], sessions_since: datetime,
                   notes_since: datetime) -> tuple[list[_RealSignoff], list[_RealSignoff]]:
    """The steps to take now (the recent ones) and those left for the background, each in
    time order. Supervision records and actions go by the supervision window (an older
    record was written shared and answered, so the recent records' steps cannot change
    what it says), oversight notes by theirs; an action agreed in a note left for later
    closes after it; an addendum is added after its record is signed."""
    ordered = sorted(pending, key=lambda p: (p.first_step, p.record_id))
    later_notes = {p.record_id for p in ordered
                   if p.kind == "oversight_note" and p.signed_at < notes_since}
    now = {p.record_id for p in ordered if p.record_id not in later_notes and (
        p.kind == "oversight_note" or (p.kind == "action" and p.note_id not in later_notes
                                       and p.first_step >= sessions_since)
        or (p.kind == "supervision" and p.first_step >= sessions_since))}
    # an addendum (kept under its record's id) is added after its record is signed
    addenda = {p for p in ordered if p.kind == "addendum" and p.record_id in now}
    return ([p for p in ordered if p.record_id in now and (p.kind != "addendum" or p in addenda)],
            [p for p in ordered if p.record_id not in now or (p.kind == "addendum" and p not in addenda)])


def _ensure_credentials(db, pending: list[_RealSignoff], *, valid_from: datetime):
    """The profile's credential store, with a key and demo-CA certificate for everyone who
    signs in ``pending`` (now or later)."""
    from ..security.credentials import CredentialStore
    from ..security.secret_store import SecretStore

    store = CredentialStore(db.profile.folder, SecretStore(db.profile.profile_id))
    signers = {p.signer_id for p in pending if p.kind != "action"} | {
        p.supervisee_id for p in pending if p.supervisee_signed_at is not None}
    with db.reading() as session:
        people = {sid: (s.display_name, s.role) for sid, s in
                  ((sid, session.get(Staff, sid)) for sid in sorted(signers))}
    for staff_id, (name, role) in people.items():
        store.ensure_local_credentials(staff_id, name, role, valid_from=valid_from)
    return store


def _move_action(db, closure: _RealSignoff, status: str) -> None:
    """Its owner (or, while its record is a draft, its author) sets the action's status;
    closing it, it keeps the history's closing moment."""
    from ..store.supervision_records import NotAllowed, load_actor, set_action_status

    with db.transaction() as session:
        try:
            set_action_status(session, load_actor(session, closure.signer_id),
                              closure.record_id, status)
        except NotAllowed:  # its record is still a draft: its author closes it
            set_action_status(session, load_actor(session, closure.supervisee_id),
                              closure.record_id, status)
        if status != "open":
            action = session.get(ActionItem, closure.record_id)
            action.closed_at = action.updated_at = closure.signed_at  # the history's day


def _add_addendum(db, store, plan: _RealSignoff) -> bool:
    """The record's author writes the addendum and signs it, at the history's moment."""
    from ..domain.lifecycle import RecordKind
    from ..records.signoff import create_addendum, sign_addendum

    with db.reading() as session:
        existing = session.scalars(select(Addendum).where(
            Addendum.record_id == plan.record_id, Addendum.author_id == plan.signer_id)).first()
        addendum_id, state = (existing.id, existing.state) if existing else (None, None)
    if state == "locked":
        return False
    if addendum_id is None:
        with db.transaction() as session:
            addendum_id = create_addendum(session, author_id=plan.signer_id,
                                          record_kind=RecordKind(plan.parent_kind),
                                          record_id=plan.record_id, body=plan.body)
            row = session.get(Addendum, addendum_id)
            row.created_at = row.updated_at = plan.signed_at - timedelta(minutes=20)
    sign_addendum(db, store, addendum_id=addendum_id, signer_id=plan.signer_id,
                  now=_clock(plan.signed_at))
    return True


def sign_step(db, store, plan: _RealSignoff) -> bool:
    """Take one record (or action, or addendum) through the steps of ``plan`` that it has
    not yet been through: share, respond and sign through the functions people's actions
    call, with the profile's own (demo CA) keys, PDF and all, at the generated moments.
    Returns whether anything was done (``False``: it had been, by an earlier, interrupted
    run)."""
    from ..records.signoff import sign_oversight_note, sign_supervision_record
    from ..store.supervision_records import load_actor, respond, share_session

    if plan.kind == "action":
        with db.reading() as session:
            action = session.get(ActionItem, plan.record_id)
            if action is None or action.status != "open":
                return False
        _move_action(db, plan, plan.status)
        return True
    if plan.kind == "addendum":
        return _add_addendum(db, store, plan)
    if plan.kind == "oversight_note":
        with db.reading() as session:
            note = session.get(OversightNote, plan.record_id)
            if note is None or note.state != "draft":
                return False
        sign_oversight_note(db, store, note_id=plan.record_id, signer_id=plan.signer_id,
                            now=_clock(plan.signed_at))
        return True
    with db.reading() as session:
        row = session.get(SupervisionSession, plan.record_id)
        state = row.state if row is not None else "gone"
    done = False
    if state == "draft":
        done = True
        with db.transaction() as session:
            share_session(session, load_actor(session, plan.signer_id), plan.record_id)
            row = session.get(SupervisionSession, plan.record_id)
            row.shared_at = row.updated_at = plan.shared_at  # when the history shared it
            respond(session, load_actor(session, plan.supervisee_id), plan.record_id,
                    comments=plan.comments, agreement=plan.agreement,
                    disagreement=plan.disagreement)
        state = "shared"
    if state == "shared":
        sign_supervision_record(db, store, session_id=plan.record_id, signer_id=plan.signer_id,
                                now=_clock(plan.signed_at))
        state, done = "supervisor_signed", True
    if state == "supervisor_signed" and plan.supervisee_signed_at is not None:
        sign_supervision_record(db, store, session_id=plan.record_id,
                                signer_id=plan.supervisee_id,
                                now=_clock(plan.supervisee_signed_at))
        state, done = "locked", True
    return done


# ------------------------------------------------------------------------------ the council

def populate_council(
    db, *, today: date, seed: int = DEFAULT_SEED, teams: int = 40, workers_per_team: int = 10,
    children: int | None = None, years: int = 5, progress: ProgressCallback | None = None,
    chunk_records: int = 2000,
) -> CouncilSummary:
    """The large council of DESIGN.md §5, or a slice of it.

    At the defaults: 40 teams of 10 social workers in service areas of four teams, 6,000
    children, five years of supervision (about 24,000 sessions, 190,000 case discussions,
    150,000 actions, 100,000 oversight notes). ``children`` defaults to 15 per worker
    (6,000 for the full council); ``teams=4`` gives a service manager's share and
    ``teams=2`` a slice small enough for tests. Team ``i`` of a slice is team ``i`` of the
    full council for the same seed and day.
    """
    if teams < 1 or workers_per_team < 1 or years < 1:
        raise ValueError("teams, workers_per_team and years must be at least 1")
    started = time.perf_counter()
    total_children = children if children is not None else 15 * teams * workers_per_team
    first_day = _years_before(today, years)
    stamp = _london(first_day - timedelta(days=30), 9)
    cutoff = _london(today, 0)
    directory = _Directory()
    top = random.Random(f"supervision-council:{seed}:{today.isoformat()}:directory")
    head = directory.person(top, "head_of_service", None,
                            today - timedelta(days=top.randint(8 * 365, 20 * 365)), None, stamp)
    auditors = [directory.person(top, "qa_auditor", None, first_day - timedelta(days=400), None, stamp)
                for _ in range(2)]
    admin = directory.person(top, "administrator", None, first_day - timedelta(days=400), None, stamp)

    contexts: list[_TeamContext] = []
    area_ids, service_managers, team_ids, manager_ids = [], [], [], []
    per_team = [total_children // teams + (1 if i < total_children % teams else 0)
                for i in range(teams)]
    for index in range(teams):
        rng = random.Random(f"supervision-council:{seed}:{today.isoformat()}:team:{index}")
        if index % 4 == 0:
            area_rng = random.Random(f"supervision-council:{seed}:{today.isoformat()}:area:{index // 4}")
            area_id = _uuid(area_rng)
            area_name = AREA_NAMES[(index // 4) % len(AREA_NAMES)]
            suffix = "" if index // 4 < len(AREA_NAMES) else f" {index // 4 // len(AREA_NAMES) + 1}"
            directory.areas.append({**_synced(area_id, stamp, None),
                                    "name": f"{area_name}{suffix} Locality", "manager_id": None})
            service_manager = directory.person(
                area_rng, "service_manager", None,
                today - timedelta(days=area_rng.randint(6 * 365, 18 * 365)), None, stamp)
            directory.area_managers.append({"b_id": area_id, "b_manager": service_manager.id})
            area_ids.append(area_id)
            service_managers.append(service_manager.id)
        team_id = _uuid(rng)
        team_ids.append(team_id)
        directory.teams.append({
            **_synced(team_id, stamp, None),
            "name": f"{AREA_NAMES[(index // 4) % len(AREA_NAMES)]} "
                    f"{TEAM_NAMES[index % len(TEAM_NAMES)]} Team {index + 1}",
            "service_area_id": area_id, "manager_id": None, "supervision_policy": None,
        })
        manager = directory.person(rng, "team_manager", team_id,
                                   first_day - timedelta(days=rng.randint(30, 10 * 365)), None, stamp)
        manager_ids.append(manager.id)
        directory.team_managers.append({"b_id": team_id, "b_manager": manager.id})
        workers = []
        for number in range(workers_per_team):
            if number == 0 and rng.random() < 0.3:  # a newly qualified worker this year
                started_on = today - timedelta(days=rng.randint(20, 330))
                asye_start: date | None = started_on
            elif rng.random() < 0.8:
                started_on = first_day - timedelta(days=rng.randint(30, 12 * 365))
                asye_start = None
            else:
                started_on = first_day + timedelta(days=rng.randrange(max(1, (today - first_day).days - 365)))
                asye_start = started_on if rng.random() < 0.5 else None
            worker = directory.person(rng, "social_worker", team_id, started_on, asye_start, stamp)
            worker.supervisor_id = manager.id
            worker.discussions = (5, 11)
            worker.dates = _schedule(rng, worker, first_day, today - timedelta(days=1), miss_rate=0.03)
            workers.append(worker)
        team_children = _make_children(rng, per_team[index], 100 + index * 1000, today)
        in_asye = [w.asye_start is not None and (today - w.asye_start).days < 365 for w in workers]
        _allocate(rng, team_children, workers, [0.5 if a else 1.0 for a in in_asye])
        directory.children.extend(_child_rows(team_children, stamp))
        contexts.append(_TeamContext(
            index=index, rng=rng, team_id=team_id, manager=manager,
            service_manager_id=service_managers[-1], workers=workers, children=team_children,
            first_day=first_day, today=today, cutoff=cutoff, note_rate=3.4,
            addendum_rate=0.01, disagreement_rate=0.015))
    directory.write(db)
    counts = _write_streams(db, contexts, chunk_records=chunk_records, progress=progress)
    counts.update(staff=len(directory.staff), children=total_children, teams=teams)
    return CouncilSummary(
        team_ids=tuple(team_ids), service_area_ids=tuple(area_ids),
        service_manager_ids=tuple(service_managers), team_manager_ids=tuple(manager_ids),
        head_of_service_id=head.id, auditor_ids=tuple(a.id for a in auditors),
        admin_id=admin.id, counts=dict(counts), seconds=time.perf_counter() - started,
    )

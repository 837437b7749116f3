"""The generated records of each team: supervision sessions with their case discussions,
actions and reviews, oversight notes, addenda and signatures (digests only), as one
stream per team in time order, the streams merged by time and written in batches.
"""
from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Iterator

from ..domain.canonical import digest
from ..domain.time_rules import LONDON
from ..domain.working_days import add_working_days
from . import prose
from .batch_writer import BatchWriter, ProgressCallback, RecordUnit
from .generated_values import london_time, random_uuid, synced_columns, working_day_on_or_after
from .people import ChildPlan, OpenAction, WorkerPlan
from .real_signoff import RealSignoff
from .schedules import POLICY

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


@dataclass
class TeamContext:
    index: int
    rng: random.Random
    team_id: str
    manager: WorkerPlan
    service_manager_id: str
    workers: list[WorkerPlan]  # including, in the demo, the manager as a supervisee
    children: list[ChildPlan]
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
    sign_later: list["RealSignoff"] = field(default_factory=list)


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


def _new_action(ctx: TeamContext, unit: RecordUnit, *, created: date, session_id: str | None,
                note_id: str | None, discussion_id: str | None, child: ChildPlan | None,
                owner_id: str, author_id: str, stamp: datetime,
                facts: prose.Facts | None) -> tuple[dict, OpenAction]:
    rng = ctx.rng
    due = created + timedelta(days=rng.choice((5, 7, 10, 14, 14, 21, 28, 42)))
    status, closed_on = _final_action(rng, created, due, ctx.today)
    action_id = random_uuid(rng)
    closed_at = london_time(closed_on, 12) if closed_on else None
    row = {
        **synced_columns(action_id, closed_at or stamp, author_id),
        "session_id": session_id, "oversight_note_id": note_id,
        "case_discussion_id": discussion_id, "child_id": child.id if child else None,
        "description": prose.action_text(rng, facts), "owner_id": owner_id, "due_on": due,
        "status": status, "closed_at": closed_at,
    }
    if ctx.real_signoff and ctx.real_since is not None and closed_at is not None \
            and closed_at >= ctx.real_since:
        # open until its owner closes it, in time order with the records shared for real,
        # so each record says what the action's status was when it was shared
        ctx.sign_later.append(RealSignoff("action", action_id, owner_id, closed_at,
                                           supervisee_id=author_id, status=status,
                                           note_id=note_id or ""))
        row.update(status="open", closed_at=None, updated_at=stamp)
    unit.actions.append(row)
    return row, OpenAction(action_id, created, status, closed_on, facts)


def _session_unit(ctx: TeamContext, worker: WorkerPlan, number: int, held_at: datetime) -> RecordUnit:
    rng = ctx.rng
    held_on = held_at.astimezone(LONDON).date()
    supervisor_id = worker.supervisor_id or ctx.manager.id
    unit = RecordUnit(at=held_at)
    session_id = random_uuid(rng)
    is_last = number == len(worker.dates) - 1

    # The sign-off timeline, then the state it has reached by today.
    shared_on = add_working_days(held_on, rng.choice((1, 1, 2, 3, 4, 5)))
    shared_at = london_time(shared_on, 16, rng.choice((0, 15, 30, 45)))
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
        discussion_id = random_uuid(rng)
        row = {
            **synced_columns(discussion_id, held_at, supervisor_id), "session_id": session_id,
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
            **synced_columns(random_uuid(rng), held_at, supervisor_id), "session_id": session_id,
            "action_id": action.id, "status": review_status,
            "note": prose.review_note(rng, review_status, action.facts),
        })
    worker.open_actions = still_open

    interval = POLICY.interval_on(held_on, worker.asye_start)
    caseload = len(worker.caseload)
    cp_share = sum(c.status == prose.CP for c in worker.caseload) / max(1, caseload)
    session = {
        **synced_columns(session_id, held_at, supervisor_id),
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
        "next_session_on": working_day_on_or_after(held_on + timedelta(days=interval)),
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
        ctx.sign_later.append(RealSignoff(
            "supervision", session_id, supervisor_id, supervisor_signed_at,
            supervisee_id=worker.id, shared_at=shared_at,
            supervisee_signed_at=supervisee_signed_at))
        session["updated_at"] = shared_at
    elif real:
        ctx.sign_later.append(RealSignoff(
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
        **synced_columns(random_uuid(rng), at, signer_id), "record_kind": kind, "record_id": record_id,
        "signer_id": signer_id, "signer_role": role, "signed_at": at, "digest": record_digest,
        "certificate_pem": "", "signature_value": None,
    }


def _note_unit(ctx: TeamContext, child: ChildPlan, recorded_at: datetime) -> RecordUnit:
    rng = ctx.rng
    recorded_on = recorded_at.astimezone(LONDON).date()
    unit = RecordUnit(at=recorded_at)
    note_id = random_uuid(rng)
    escalated = child.status in (prose.CP, prose.CLA) and rng.random() < 0.15
    author_id = ctx.service_manager_id if escalated else ctx.manager.id
    trigger = rng.choice(_TRIGGERS[child.status])
    if rng.random() < 0.3:
        child.facts = prose.facts_for(rng, child.first, child.status, child.age_on(recorded_on))
    lo_s, hi_s = _SCALE[child.status]
    decision, rationale = prose.oversight_text(rng, trigger, child.facts, rng.randint(lo_s, hi_s))
    locked = recorded_at < ctx.cutoff - timedelta(days=1) and rng.random() > 0.01
    row = {
        **synced_columns(note_id, recorded_at, author_id), "child_id": child.id,
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
        ctx.sign_later.append(RealSignoff("oversight_note", note_id, author_id, signed_at))
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


def _addendum_unit(ctx: TeamContext, kind: str, record_id: str, author_id: str,
                   at: datetime, facts: prose.Facts | None) -> RecordUnit:
    rng = ctx.rng
    unit = RecordUnit(at=at)
    addendum_id = random_uuid(rng)
    row = {
        **synced_columns(addendum_id, at, author_id), "record_kind": kind, "record_id": record_id,
        "author_id": author_id, "created_at": at - timedelta(minutes=20),
        "body": prose.addendum_text(rng, facts), "state": "locked",
    }
    unit.addenda.append(row)
    plain = {k: row[k] for k in ("id", "record_kind", "record_id", "author_id", "created_at", "body")}
    unit.signatures.append(_signature(rng, "addendum", addendum_id, author_id, "author", at,
                                      digest("addendum", plain)))
    return unit


def _team_stream(ctx: TeamContext) -> Iterator[tuple[datetime, int, int, RecordUnit]]:
    """Every record of one team, in time order."""
    rng = ctx.rng
    events: list[tuple[datetime, int, str, Any]] = []
    seq = 0
    for worker in ctx.workers:
        for number, day in enumerate(worker.dates):
            hour, minute = rng.choice(_SESSION_TIMES)
            events.append((london_time(day, hour, minute), seq, "session", (worker, number)))
            seq += 1
    span_days = (ctx.today - ctx.first_day).days
    years = span_days / 365.25
    for child in ctx.children:
        count = _poisson(rng, ctx.note_rate * years)
        for _ in range(count):
            day = ctx.first_day + timedelta(days=rng.randrange(max(1, span_days)))
            events.append((london_time(day, rng.randint(9, 17), rng.choice((0, 10, 20, 30, 40, 50))),
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
                ctx.sign_later.append(RealSignoff(
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


def write_streams(db, contexts: list[TeamContext], *, chunk_records: int,
                   progress: ProgressCallback | None) -> dict[str, int]:
    planned = sum(len(w.dates) for c in contexts for w in c.workers)
    planned += int(sum(len(c.children) * c.note_rate * (c.today - c.first_day).days / 365.25
                       for c in contexts))
    writer = BatchWriter(db, chunk_records, planned, progress)
    try:
        for _at, _team, _seq, unit in heapq.merge(*(_team_stream(c) for c in contexts)):
            writer.add(unit)
    except BaseException:
        writer.close(write_rest=False)
        raise
    writer.close()
    return writer.counts

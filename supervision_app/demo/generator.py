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
sharing and sign-off with the profile's demo CA (see :func:`.real_signoff.sign_step`); the council
of bench/ never signs for real, so its speed is unchanged.

This module holds the two entry points; the parts are :mod:`.people` (the directory and
caseloads), :mod:`.schedules` (supervision dates), :mod:`.record_streams` (each team's
records in time order), :mod:`.batch_writer` (writing them), :mod:`.real_signoff` and
:mod:`.generated_values` (ids, London times, working days).
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Mapping

from ..store.models import Signature, SupervisionSession
from . import prose
from .batch_writer import ProgressCallback
from .generated_values import london_time, random_uuid, synced_columns, working_day_on_or_before, years_before
from .names import AREA_NAMES, TEAM_NAMES
from .people import Directory, allocate_children, child_rows, make_children
from .real_signoff import ensure_credentials, sign_step, split_backlog
from .record_streams import TeamContext, write_streams
from .schedules import keep_on_track, schedule

DEFAULT_SEED = 20261123


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
    directory = Directory()
    stamp = london_time(today - timedelta(days=400), 9)
    first_day = today - timedelta(days=365)
    area_id, team_id = random_uuid(rng), random_uuid(rng)
    area_name = rng.choice(AREA_NAMES)
    directory.areas.append({**synced_columns(area_id, stamp, None), "name": f"{area_name} Locality",
                            "manager_id": None})
    directory.teams.append({**synced_columns(team_id, stamp, None),
                            "name": f"{area_name} {rng.choice(TEAM_NAMES)} Team",
                            "service_area_id": area_id, "manager_id": None,
                            "supervision_policy": None})

    def veteran() -> date:
        return today - timedelta(days=rng.randint(3 * 365, 15 * 365))

    head = directory.person(rng, "head_of_service", None, veteran(), None, stamp)
    service_manager = directory.person(rng, "service_manager", None, veteran(), None, stamp)
    manager = directory.person(rng, "team_manager", team_id, veteran(), None, stamp)
    asye_start = working_day_on_or_before(today - timedelta(days=70))
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
    children = make_children(rng, 150, 100 + rng.randint(0, 800), today)
    allocate_children(rng, children, workers, [0.45] + [1.0] * 11)

    last_day = today - timedelta(days=1)
    for worker in workers:
        worker.supervisor_id = manager.id
        worker.dates = schedule(rng, worker, first_day, last_day, miss_rate=0.06)
    for worker in workers:
        if worker is overdue:
            worker.dates = [d for d in worker.dates if d <= today - timedelta(days=50)]
        elif worker is awaiting:
            worker.dates = [d for d in worker.dates if d <= today - timedelta(days=25)]
            worker.dates.append(working_day_on_or_before(today - timedelta(days=8)))
        else:
            keep_on_track(rng, worker, today)
    # the disagreement sits on the latest record the worker has both seen and signed
    disagreeing.disagree_at = max(
        i for i, d in enumerate(disagreeing.dates) if d <= today - timedelta(days=14))
    # The team manager is supervised too, by the service manager, on escalated cases.
    manager.supervisor_id = service_manager.id
    manager.caseload = [c for c in children if c.status in (prose.CP, prose.CLA)][:12]
    manager.discussions = (2, 3)
    manager.dates = schedule(rng, manager, first_day, last_day, miss_rate=0.1)
    keep_on_track(rng, manager, today)

    directory.children = child_rows(children, stamp)
    directory.write(db)
    sessions_since = _days_back(today, signed_sessions_days, stamp)
    notes_since = _days_back(today, signed_notes_days, stamp)
    later = sign_for_real and sign_older_later
    context = TeamContext(
        index=0, rng=rng, team_id=team_id, manager=manager,
        service_manager_id=service_manager.id, workers=[*workers, manager], children=children,
        first_day=first_day, today=today, cutoff=london_time(today, 0), note_rate=3.3,
        addendum_rate=0.03, disagreement_rate=0.0, real_signoff=sign_for_real,
        real_since=sessions_since, real_notes_since=stamp if later else notes_since,
        sign_older_later=later)
    # small chunks keep the search index's row order close to time order, as in real use
    counts = write_streams(db, [context], chunk_records=25, progress=None)
    if sign_for_real:
        now, backlog = split_backlog(context.sign_later, sessions_since, notes_since)
        # certificates (and the demo CA) start with the directory, before the first record
        store = ensure_credentials(db, context.sign_later, valid_from=stamp)
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


def _days_back(today: date, days: int | None, everything: datetime) -> datetime:
    return everything if days is None else london_time(today - timedelta(days=days), 0)


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
    first_day = years_before(today, years)
    stamp = london_time(first_day - timedelta(days=30), 9)
    cutoff = london_time(today, 0)
    directory = Directory()
    top = random.Random(f"supervision-council:{seed}:{today.isoformat()}:directory")
    head = directory.person(top, "head_of_service", None,
                            today - timedelta(days=top.randint(8 * 365, 20 * 365)), None, stamp)
    auditors = [directory.person(top, "qa_auditor", None, first_day - timedelta(days=400), None, stamp)
                for _ in range(2)]
    admin = directory.person(top, "administrator", None, first_day - timedelta(days=400), None, stamp)

    contexts: list[TeamContext] = []
    area_ids, service_managers, team_ids, manager_ids = [], [], [], []
    per_team = [total_children // teams + (1 if i < total_children % teams else 0)
                for i in range(teams)]
    for index in range(teams):
        rng = random.Random(f"supervision-council:{seed}:{today.isoformat()}:team:{index}")
        if index % 4 == 0:
            area_rng = random.Random(f"supervision-council:{seed}:{today.isoformat()}:area:{index // 4}")
            area_id = random_uuid(area_rng)
            area_name = AREA_NAMES[(index // 4) % len(AREA_NAMES)]
            suffix = "" if index // 4 < len(AREA_NAMES) else f" {index // 4 // len(AREA_NAMES) + 1}"
            directory.areas.append({**synced_columns(area_id, stamp, None),
                                    "name": f"{area_name}{suffix} Locality", "manager_id": None})
            service_manager = directory.person(
                area_rng, "service_manager", None,
                today - timedelta(days=area_rng.randint(6 * 365, 18 * 365)), None, stamp)
            directory.area_managers.append({"b_id": area_id, "b_manager": service_manager.id})
            area_ids.append(area_id)
            service_managers.append(service_manager.id)
        team_id = random_uuid(rng)
        team_ids.append(team_id)
        directory.teams.append({
            **synced_columns(team_id, stamp, None),
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
            worker.dates = schedule(rng, worker, first_day, today - timedelta(days=1), miss_rate=0.03)
            workers.append(worker)
        team_children = make_children(rng, per_team[index], 100 + index * 1000, today)
        in_asye = [w.asye_start is not None and (today - w.asye_start).days < 365 for w in workers]
        allocate_children(rng, team_children, workers, [0.5 if a else 1.0 for a in in_asye])
        directory.children.extend(child_rows(team_children, stamp))
        contexts.append(TeamContext(
            index=index, rng=rng, team_id=team_id, manager=manager,
            service_manager_id=service_managers[-1], workers=workers, children=team_children,
            first_day=first_day, today=today, cutoff=cutoff, note_rate=3.4,
            addendum_rate=0.01, disagreement_rate=0.015))
    directory.write(db)
    counts = write_streams(db, contexts, chunk_records=chunk_records, progress=progress)
    counts.update(staff=len(directory.staff), children=total_children, teams=teams)
    return CouncilSummary(
        team_ids=tuple(team_ids), service_area_ids=tuple(area_ids),
        service_manager_ids=tuple(service_managers), team_manager_ids=tuple(manager_ids),
        head_of_service_id=head.id, auditor_ids=tuple(a.id for a in auditors),
        admin_id=admin.id, counts=dict(counts), seconds=time.perf_counter() - started,
    )

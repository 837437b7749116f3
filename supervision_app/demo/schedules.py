"""When each generated worker is supervised: dates following the supervision policy, with
jitter and missed sessions, kept on track where a worker must not look overdue.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

from ..domain.supervision_policy import SupervisionPolicy, supervision_status
from ..domain.vocabulary import SupervisionStatus
from .generated_values import working_day_on_or_before
from .people import WorkerPlan

POLICY = SupervisionPolicy()


def schedule(rng: random.Random, worker: WorkerPlan, first_day: date, last_day: date,
              miss_rate: float) -> list[date]:
    """Supervision dates following the policy, with jitter and some missed sessions."""
    dates: list[date] = []
    day = max(first_day, worker.started_on + timedelta(days=rng.randint(2, 6)))
    while day <= last_day:
        interval = POLICY.interval_on(day, worker.asye_start)
        if rng.random() >= miss_rate:
            held = working_day_on_or_before(day)
            if held <= last_day and (not dates or held > dates[-1]) and held >= worker.started_on:
                dates.append(held)
        jitter = 1 if interval <= 7 else 3
        day = day + timedelta(days=interval + rng.randint(-jitter, jitter))
    return dates


def _status(worker: WorkerPlan, today: date) -> SupervisionStatus:
    last = worker.dates[-1] if worker.dates else None
    return supervision_status(POLICY, today=today, last_held=last, started_on=worker.started_on,
                              asye_start=worker.asye_start).status


def keep_on_track(rng: random.Random, worker: WorkerPlan, today: date) -> None:
    if _status(worker, today) != SupervisionStatus.OVERDUE:
        return
    last = worker.dates[-1] if worker.dates else worker.started_on
    for _ in range(20):
        candidate = working_day_on_or_before(today - timedelta(days=rng.randint(2, 10)))
        if candidate > last:
            worker.dates.append(candidate)
            break
    if _status(worker, today) == SupervisionStatus.OVERDUE:  # pragma: no cover - defensive
        worker.dates.append(working_day_on_or_before(today - timedelta(days=1)))

"""The generated people and children: the directory rows (areas, teams, staff, children),
each worker's plan and each child's, and children dealt out as caseloads.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Table, bindparam, update

from ..store.models import Child, ServiceArea, Staff, Team
from . import prose
from .batch_writer import insert_rows
from .generated_values import random_uuid, synced_columns
from .names import ascii_fold, full_name

_LEGAL_STATUS_WEIGHTS = (
    (prose.CIN, 42), (prose.CP, 25), (prose.CLA, 25), (prose.CL, 8),
)


@dataclass
class ChildPlan:
    id: str
    case_id: str
    first: str
    name: str
    date_of_birth: date
    status: str
    pathway: bool
    facts: prose.Facts
    worker: "WorkerPlan | None" = None

    def age_on(self, day: date) -> int:
        return day.year - self.date_of_birth.year - (
            (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day))


@dataclass
class OpenAction:
    id: str
    created: date
    status: str  # final status as of today
    closed_on: date | None
    facts: prose.Facts | None


@dataclass
class WorkerPlan:
    id: str
    display_name: str
    username: str
    role: str
    started_on: date
    asye_start: date | None
    supervisor_id: str | None = None
    caseload: list[ChildPlan] = field(default_factory=list)
    dates: list[date] = field(default_factory=list)
    special: str = ""
    discussions: tuple[int, int] = (2, 5)
    disagree_at: int | None = None  # index of the session holding the demo's disagreement
    open_actions: list[OpenAction] = field(default_factory=list)


@dataclass
class Directory:
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
               asye_start: date | None, stamp: datetime) -> WorkerPlan:
        first, last = full_name(rng)
        plan = WorkerPlan(id=random_uuid(rng), display_name=f"{first} {last}",
                           username=self.username(first, last), role=role,
                           started_on=started_on, asye_start=asye_start)
        self.staff.append({
            **synced_columns(plan.id, stamp, None), "display_name": plan.display_name,
            "username": plan.username, "role": role, "team_id": team_id,
            "started_on": started_on, "asye_start": asye_start, "active": True,
        })
        return plan

    def write(self, db) -> None:
        with db.transaction() as session:
            insert_rows(session, ServiceArea, self.areas)
            insert_rows(session, Team, self.teams)
            insert_rows(session, Staff, self.staff)
            for model, rows in ((Team, self.team_managers), (ServiceArea, self.area_managers)):
                if rows:
                    table = model.__table__
                    assert isinstance(table, Table)  # declarative models map a Table
                    session.execute(update(table).where(table.c.id == bindparam("b_id"))
                                    .values(manager_id=bindparam("b_manager")), rows)
            insert_rows(session, Child, self.children)


def make_children(rng: random.Random, count: int, first_case: int, today: date) -> list[ChildPlan]:
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
        child = ChildPlan(id=random_uuid(rng), case_id=f"CS-{case_number:06d}", first=first,
                           name=f"{first} {last}", date_of_birth=dob, status=status,
                           pathway=pathway, facts=prose.facts_for(rng, first, status, age))
        children.append(child)
    return children


def allocate_children(rng: random.Random, children: list[ChildPlan], workers: list[WorkerPlan],
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


def child_rows(children: list[ChildPlan], stamp: datetime) -> list[dict]:
    return [{
        **synced_columns(c.id, stamp, None), "case_id": c.case_id, "name": c.name,
        "date_of_birth": c.date_of_birth, "legal_status": c.status,
        "allocated_worker_id": c.worker.id if c.worker else None, "has_pathway_plan": c.pathway,
    } for c in children]

"""A small hand-made team for the client's tests (no real names), built through the models
the way the staff directory arrives from sync; records are then made through the services."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from supervision_app.store.models import Child, ServiceArea, Staff, Team


@dataclass(frozen=True)
class SampleTeam:
    service_area_id: str
    team_id: str
    other_team_id: str
    service_manager_id: str
    manager_id: str
    asye_worker_id: str
    worker_id: str
    other_worker_id: str  # same team as worker_id
    outsider_id: str  # a worker in another team
    admin_id: str
    child_ids: tuple[str, ...]  # CS-1001.. allocated to asye worker / worker
    outsider_child_id: str


def build_sample_team(db, today: date | None = None) -> SampleTeam:
    today = today or date.today()
    with db.transaction() as s:
        area = ServiceArea(name="North Children's Services")
        s.add(area)
        s.flush()
        team = Team(name="Assessment Team A", service_area_id=area.id)
        other = Team(name="Long Term Team B")
        s.add_all([team, other])
        s.flush()

        def staff(name, username, role, team_id, started, asye=None):
            row = Staff(display_name=name, username=username, role=role, team_id=team_id,
                        started_on=started, asye_start=asye)
            s.add(row)
            s.flush()
            return row

        sm = staff("Sasha Service", "sasha", "service_manager", None, date(2015, 1, 5))
        manager = staff("Morgan Manager", "morgan", "team_manager", team.id, date(2018, 3, 1))
        asye = staff("Ava Newly", "ava", "social_worker", team.id, today - timedelta(days=60),
                     today - timedelta(days=60))
        worker = staff("Ben Steady", "ben", "social_worker", team.id, date(2019, 9, 1))
        other_worker = staff("Cara Quinn", "cara", "social_worker", team.id, date(2021, 4, 1))
        outsider_manager = staff("Olu Other", "olu", "team_manager", other.id, date(2017, 1, 1))
        outsider = staff("Dev Elsewhere", "dev", "social_worker", other.id, date(2020, 1, 1))
        admin = staff("Ari Admin", "ari", "administrator", None, date(2016, 1, 1))
        area.manager_id = sm.id
        team.manager_id = manager.id
        other.manager_id = outsider_manager.id
        children = []
        for n, (name, status, worker_row) in enumerate([
            ("Riley Example", "child_protection", asye),
            ("Jordan Sample", "child_in_need", asye),
            ("Casey Test", "child_looked_after", worker),
            ("Alex Placeholder", "care_leaver", other_worker),
        ]):
            child = Child(case_id=f"CS-{1001 + n}", name=name,
                          date_of_birth=date(2012 + n, 1 + n, 10), legal_status=status,
                          allocated_worker_id=worker_row.id)
            s.add(child)
            s.flush()
            children.append(child.id)
        stranger = Child(case_id="CS-9001", name="Taylor Elsewhere", date_of_birth=date(2014, 6, 1),
                         legal_status="child_in_need", allocated_worker_id=outsider.id)
        s.add(stranger)
        s.flush()
        return SampleTeam(area.id, team.id, other.id, sm.id, manager.id, asye.id, worker.id,
                          other_worker.id, outsider.id, admin.id, tuple(children), stranger.id)


def session_time(days_ago: int = 1, hour: int = 10) -> datetime:
    day = datetime.now(timezone.utc) - timedelta(days=days_ago)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)

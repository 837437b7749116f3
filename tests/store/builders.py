"""Small hand-built records for store tests (the demo generator makes the big ones)."""
from __future__ import annotations

from datetime import date, datetime, timezone

from supervision_app.store.models import (
    ActionItem,
    CaseDiscussion,
    Child,
    Staff,
    SupervisionSession,
    Team,
)


def make_team(db):
    with db.transaction() as s:
        team = Team(name="Assessment Team A")
        s.add(team)
        s.flush()
        manager = Staff(display_name="Morgan Manager", username="morgan", role="team_manager",
                        team_id=team.id, started_on=date(2020, 1, 1))
        worker = Staff(display_name="Zoë Ødegård", username="zoe", role="social_worker",
                       team_id=team.id, started_on=date(2023, 1, 1))
        s.add_all([manager, worker])
        s.flush()
        team.manager_id = manager.id
        child = Child(case_id="CS-000001", name="Sam Child", date_of_birth=date(2015, 5, 1),
                      legal_status="child_protection", allocated_worker_id=worker.id)
        s.add(child)
    return team, manager, worker, child


def make_session(db, manager, worker, child, *, state="draft", learning="Reflective practice notes"):
    with db.transaction() as s:
        session = SupervisionSession(
            supervisee_id=worker.id, supervisor_id=manager.id, team_id=worker.team_id,
            held_at=datetime(2026, 11, 2, 10, tzinfo=timezone.utc), duration_minutes=90,
            session_type="planned_1to1", learning=learning, wellbeing="Private wellbeing words",
        )
        s.add(session)
        s.flush()
        discussion = CaseDiscussion(session_id=session.id, child_id=child.id, worries="Neglect concerns",
                                    decision="Remain on plan", rationale="Progress is fragile")
        s.add(discussion)
        s.flush()
        action = ActionItem(session_id=session.id, case_discussion_id=discussion.id, child_id=child.id,
                            description="Visit weekly", owner_id=worker.id, due_on=date(2026, 11, 30))
        s.add(action)
        s.flush()
        session.state = state
    return session, discussion, action


def actor(db, staff_id):
    """Who ``staff_id`` is, as the permission rules see them."""
    from supervision_app.store import supervision_records as sr

    with db.reading() as s:
        return sr.load_actor(s, staff_id)

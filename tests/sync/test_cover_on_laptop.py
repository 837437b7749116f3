"""Cover on the laptop (DESIGN.md §1.1): IT gives a manager cover of another team; the server
sends that team's records at the next sync, and the covering manager's laptop now shows them
(``load_actor`` adds the teams the server says they manage today, kept by the sync engine
from ``GET /v1/me``). The cover counts only for the day the server said so and for that
person; when IT ends it, the next sync takes it away."""
from __future__ import annotations

from datetime import date, timedelta

from supervision_app.domain.permissions import Operation, decide
from supervision_app.domain.time_rules import london_date, utc_now
from supervision_app.store import queries, supervision_records as sr
from supervision_app.store.models import SupervisionSession
from tests.sync import admin_cli, records


def actor_of(laptop, staff_id: str, today: date | None = None):
    with laptop.db.reading() as s:
        return sr.load_actor(s, staff_id, today)


def may_view(laptop, staff_id: str, session_id: str) -> bool:
    with laptop.db.reading() as s:
        actor = sr.load_actor(s, staff_id)
        return decide(actor, Operation.VIEW, sr.session_target(s.get(SupervisionSession, session_id))).allowed


def team_names(laptop, staff_id: str) -> set[str]:
    with laptop.db.reading() as s:
        actor = sr.load_actor(s, staff_id)
        return {w.name for w in queries.team_overview(s, actor, london_date(utc_now()))}


def test_a_covering_managers_laptop_shows_the_covered_team_until_the_cover_ends(deployment, laptops):
    org, url = deployment.org, deployment.database_url
    author = laptops("tm_a")
    record = records.shared_session(author, org)  # Team A's record
    author.client.sync()
    cover_manager = laptops("tm_b")
    team_a = org.teams["A"]
    assert team_a not in actor_of(cover_manager, org.ids["tm_b"]).managed_team_ids

    today = london_date(utc_now())
    cover_id = admin_cli.ok(url, "give-cover", "tm_b", "Team A", "--from", str(today),
                            "--to", str(today + timedelta(days=14))).strip()
    cover_manager.client.sync()
    assert records.get(cover_manager, SupervisionSession, record) is not None  # the server sent it
    actor = actor_of(cover_manager, org.ids["tm_b"])
    assert actor.managed_team_ids == {org.teams["B"], team_a}
    assert may_view(cover_manager, org.ids["tm_b"], record)
    assert "SW_A1" in team_names(cover_manager, org.ids["tm_b"])
    # the server's word counts for its day and its person only
    assert team_a not in actor_of(cover_manager, org.ids["tm_b"], today + timedelta(days=1)).managed_team_ids
    assert actor_of(cover_manager, org.ids["tm_a"]).managed_team_ids == {team_a}
    assert actor_of(cover_manager, org.ids["sm"]).managed_team_ids == {team_a, org.teams["B"]}

    admin_cli.ok(url, "end-cover", cover_id, "--last-day", str(today - timedelta(days=1)))
    cover_manager.client.sync()
    assert team_a not in actor_of(cover_manager, org.ids["tm_b"]).managed_team_ids
    assert records.get(cover_manager, SupervisionSession, record) is None

"""``supervision-server publish-feedback-totals`` (issue 21): team totals of supervisee
feedback are published once a quarter has ended, also for a team whose feedback stopped
coming (storing feedback publishes them too, but a quiet team's ended quarter would wait for
its next answer). The command runs daily from a timer: before the quarter ends it publishes
nothing; after, the total once, and the team's manager's laptop receives it at its next sync."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from supervision_app.domain.time_rules import london_date, utc_now
from supervision_app.store.practice_models import TeamFeedbackTotal
from supervision_app.sync.server import cli, feedback_totals
from supervision_app.sync.server.storage import WriteTx, system_write
from tests.fixtures import PYTEST_OWN_CLOCKS
from tests.sync import records as r


def _next_quarter_start(day: date) -> date:
    first_month = (day.month - 1) // 3 * 3 + 1
    return date(day.year + (first_month + 3 > 12), (first_month + 3 - 1) % 12 + 1, 1)


def _publish(url: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert cli.main(["--database-url", url, "publish-feedback-totals"]) == 0
    return capsys.readouterr().out.strip()


def test_the_daily_command_publishes_an_ended_quarters_totals_once(deployment, laptops, capsys):
    org = deployment.org
    tm = laptops("tm_a")
    sid = r.shared_session(tm, org)
    report = tm.client.sync()
    assert report.rejected == 0 and report.conflicts == 0
    # five people's answers this quarter, stored as a push stores them (no total is due yet)
    with deployment.engine.begin() as conn:  # type: ignore[attr-defined]
        tx = WriteTx.begin(conn)
        for _ in range(5):
            system_write(tx, "supervisee_feedback", str(uuid.uuid4()), {
                "session_id": sid, "supervisee_id": str(uuid.uuid4()),
                "answered_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "skipped": False, "helpful": "partly", "reflection_balance": "mostly_case_monitoring",
                "emotional_support": "yes", "change_one_thing": ""})
        tx.finish()
    this_quarter = feedback_totals.quarter_of(london_date(utc_now()))

    assert _publish(deployment.database_url, capsys) == "0 team feedback totals published."
    # the quarter ends; no feedback arrives after it: the timer's run publishes the total
    after = datetime.combine(_next_quarter_start(london_date(utc_now())), datetime.min.time(),
                             timezone.utc) + timedelta(hours=12)
    with freeze_time(after, tick=True, ignore=PYTEST_OWN_CLOCKS):
        assert _publish(deployment.database_url, capsys) == "1 team feedback total published."
        assert _publish(deployment.database_url, capsys) == "0 team feedback totals published."

    report = tm.client.sync()
    assert report.rejected == 0
    with tm.db.reading() as s:
        (total,) = s.scalars(select(TeamFeedbackTotal)).all()
    assert (total.team_id, total.quarter, total.answers) == (org.teams["A"], this_quarter, 5)
    assert (total.helpful_partly, total.mostly_case_monitoring) == (5, 5)

"""Journey: cover given, and ending (issue 18, DESIGN.md §1.1 "access follows people"). Jo
Smith (Team A) shares a record with Ali Khan. IT gives Mo Lee, manager of Team B, cover of
Team A from today for a fortnight (``give-cover``). At Mo's next sync, with his app still
open, his "My team" lists Team A's workers with his own, he opens Ali's history and the record,
and Search finds it. IT then ends the cover (``end-cover``, its last day yesterday); at Mo's
next sync Team A's workers leave his team page and Search no longer finds the record.

A journey has no clock to move, so the cover reaching its planned last day by itself is not
lived here: ending it early is the same change on the laptop (the server's ``GET /v1/me`` no
longer lists Team A, and the pull takes Team A's records away). The laptop's side of the
last day passing (the server's word counts for its London day only) is
``tests/sync/test_cover_on_laptop.py``'s."""
from __future__ import annotations

from datetime import timedelta

import pytest

from supervision_app.domain.time_rules import london_date, utc_now
from tests.journeys import steps
from tests.journeys.driver import PASSWORD, Laptop

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

DECISION = "Kinship assessment with the grandparents"


def workers(lap: Laptop) -> str:
    steps.go_to(lap, "My team")
    return str(lap.rows(name="workerTable"))


def search(lap: Laptop, words: str) -> str:
    """Search > the words > Enter: the summary once the results for them are shown (the
    field emptied first, so that an earlier search's summary is not read as this one's)."""
    steps.go_to(lap, "Search")
    lap.wait_shown(name="searchEdit")
    lap.type("", clear=True, name="searchEdit")
    lap.key("Return", name="searchEdit")
    lap.wait(lambda: lap.text(name="resultSummaryLabel") == "", 60, "the results to clear")
    lap.type(words, name="searchEdit")
    lap.key("Return", name="searchEdit")
    return lap.wait(lambda: (t := lap.text(name="resultSummaryLabel")) and "result" in t and t,
                    60, f"the results for {words!r}")


def test_a_covering_manager_sees_the_covered_team_until_the_cover_ends(deployment, laptops):
    admin = deployment.admin
    team_b = admin("add-team", "Assessment Team B", "--service-area", deployment.ids["area"])
    admin("add-user", "mlee", "--name", "Mo Lee", "--role", "team_manager", "--team", team_b,
          "--started-on", "2019-04-01", password=PASSWORD)
    admin("set-manager", "mlee", "--team", team_b)

    jo, mo = laptops("team-a-manager"), laptops("covering-manager")
    for lap in (jo, mo):
        lap.start()
    steps.first_run_sign_in(jo, deployment.url, "jsmith")
    steps.first_run_sign_in(mo, deployment.url, "mlee")

    steps.write_and_share(jo, "Ali Khan", "CS-100234", DECISION)
    steps.sync(jo)
    assert "Ali Khan" not in workers(mo)

    # IT gives Mo cover of Team A (the server's today: London)
    today = london_date(utc_now())
    cover_id = admin("give-cover", "mlee", "Assessment Team A", "--from", today.isoformat(),
                     "--to", (today + timedelta(days=14)).isoformat())
    assert cover_id in admin("list-cover", "--current")

    # Mo's app, open all along, learns it at the next sync
    steps.sync_until(mo, lambda: "Ali Khan" in workers(mo) and "Bea Jones" in workers(mo),
                     "Team A's workers on Mo's team page", timeout=120)
    assert "Shared with supervisee" in steps.history_rows(mo, "Ali Khan")
    steps.open_worker_record(mo, "Ali Khan", "Shared with supervisee")
    steps.wait_state(mo, "Shared with supervisee")
    steps.back_to_list(mo)
    assert not search(mo, "Kinship").startswith("0 results")

    # IT ends the cover: yesterday was its last day
    admin("end-cover", cover_id, "--last-day", (today - timedelta(days=1)).isoformat())
    assert cover_id not in admin("list-cover", "--current")

    steps.sync_until(mo, lambda: "Ali Khan" not in workers(mo) and "Bea Jones" not in workers(mo),
                     "Team A gone from Mo's team page", timeout=120)
    assert search(mo, "Kinship").startswith("0 results")
    # Jo, Team A's own manager, still has all of it
    steps.sync(jo)
    assert "Shared with supervisee" in steps.history_rows(jo, "Ali Khan")

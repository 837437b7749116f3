"""Journey: a child's case moves to another team, and the management oversight recorded in
supervision goes with the child (issue 18, DESIGN.md §1.1, third bullet). Jo Smith (Team A)
records Ali Khan's supervision with a decision about Sam Example and shares it; she also
drafts Bea Jones's, with a decision about Sam not shared yet. IT reallocates Sam to Kay Patel
in the child protection team (Mo Lee's). At Mo's next sync Sam's chronology on his laptop
holds Jo's shared decision, with when and who, and not the draft's; Ali's record itself
(its header, wellbeing, other discussions) is nowhere on Mo's laptop: Ali is not on his team
page and the entry opens nothing."""
from __future__ import annotations

import pytest

from supervision_app.store import models as m
from tests.journeys import steps
from tests.journeys.driver import PASSWORD

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

SHARED_DECISION = "Convene a strategy discussion"
DRAFT_DECISION = "Hold at child in need for now"
# Sam's chronology on a laptop without Ali's record needs the laptop's side of the rule
# (migration 0017 and the re-stamping on a reallocation: /tmp/team/move18-request-*.patch).
HEADER_ON_THE_LAPTOP = hasattr(m.CaseDiscussion, "session_held_at")


def chronology(lap) -> str:
    """Children > Sam Example > Open: the child's oversight entries, as text."""
    steps.go_to(lap, "Children")
    lap.select_row("Sam Example", name="childrenTable")
    lap.click(name="openChildButton")
    lap.wait(lambda: "Sam Example" in lap.text(name="titleLabel", within={"name": "ChildPage"})
             and "entries" in lap.text(name="detailsLabel", within={"name": "ChildPage"}),
             what="Sam's chronology")
    return str(lap.rows(name="chronologyTable"))


def children(lap) -> str:
    steps.go_to(lap, "Children")
    return str(lap.rows(name="childrenTable"))


def test_a_childs_oversight_in_supervision_follows_the_child_to_another_team(deployment, laptops):
    if not HEADER_ON_THE_LAPTOP:
        pytest.xfail("needs the move18 patch request (the laptop's chronology header)")
    admin, ids = deployment.admin, deployment.ids
    team_b = admin("add-team", "Child Protection Team B", "--service-area", ids["area"])
    admin("add-user", "mlee", "--name", "Mo Lee", "--role", "team_manager", "--team", team_b,
          "--started-on", "2019-04-01", password=PASSWORD)
    admin("set-manager", "mlee", "--team", team_b)
    admin("add-user", "kpatel", "--name", "Kay Patel", "--role", "social_worker", "--team", team_b,
          "--started-on", "2021-06-07", password=PASSWORD)

    old, new = laptops("old-manager"), laptops("new-manager")
    for lap in (old, new):
        lap.start()
    steps.first_run_sign_in(old, deployment.url, "jsmith")
    steps.first_run_sign_in(new, deployment.url, "mlee")

    steps.write_and_share(old, "Ali Khan", "CS-100234", SHARED_DECISION)
    steps.back_to_list(old)
    steps.new_record(old, "Bea Jones")
    steps.add_case_discussion(old, "CS-100234", "Position in draft", DRAFT_DECISION, "Draft reasons")
    steps.wait_saved(old)
    steps.back_to_list(old)
    steps.sync(old)
    steps.sync(new)
    assert "Sam Example" not in children(new)

    admin("reallocate-child", "CS-100234", "kpatel")

    steps.sync_until(new, lambda: "Sam Example" in children(new), "Sam on Mo's children page")
    steps.sync_until(new, lambda: SHARED_DECISION in chronology(new),
                     "Jo's decision in Sam's chronology on Mo's laptop")
    shown = chronology(new)
    assert "Jo Smith" in shown and "Supervision with Ali Khan" in shown, shown
    assert DRAFT_DECISION not in shown, shown
    # the record it came from is not on Mo's laptop: Ali is not his, and the entry opens nothing
    steps.go_to(new, "My team")
    assert "Ali Khan" not in str(new.rows(name="workerTable"))
    chronology(new)
    new.select_row(SHARED_DECISION, name="chronologyTable")
    assert SHARED_DECISION in new.text(name="entryView", within={"name": "ChildPage"})
    assert "Reasons as discussed" in new.text(name="entryView", within={"name": "ChildPage"})

"""Journey: a leaver's laptop is emptied at its next sync (issue 18, DESIGN.md §1.1). Ali Khan
holds a record Jo Smith shared with him. IT ends his account (`disable-user`); at his laptop's
next sync the app says in words that the account is no longer active and no longer shows any
record, while Jo still holds hers (the records stay on the server) and finds it by its words."""
from __future__ import annotations

import pytest

from tests.journeys import steps

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def my_records(lap) -> list[list[str]]:
    steps.go_to(lap, "My supervision")
    return lap.rows(name="recordsTable")


def test_a_leaver_s_laptop_no_longer_holds_records_after_its_next_sync(deployment, laptops):
    manager, worker = laptops("manager"), laptops("worker")
    for lap in (manager, worker):
        lap.start()
    steps.first_run_sign_in(manager, deployment.url, "jsmith")
    steps.first_run_sign_in(worker, deployment.url, "akhan")
    steps.write_and_share(manager, "Ali Khan", "CS-100234", "Keep the plan")
    steps.sync(manager)
    steps.sync_until(worker, lambda: "Jo Smith" in str(my_records(worker)), "the shared record")

    deployment.admin("disable-user", "akhan")

    steps.press_sync_now(worker)
    worker.wait(lambda: "no longer active" in steps.sync_status(worker), steps.LONG,
                "the sync to say the account has ended")
    worker.wait(lambda: my_records(worker) == [], 60, "the records gone from Ali's laptop")

    # the record stays on the server and with Jo: her search still finds it by its words
    steps.sync(manager)
    manager.select_row("Search", name="navList")
    manager.wait_shown(name="searchEdit")
    manager.type("Keep the plan", clear=True, name="searchEdit")
    manager.wait_text("1 result", name="resultSummaryLabel", timeout=60)

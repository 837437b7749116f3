"""Journey: a worker moves team mid-cycle (issue 18, DESIGN.md §1.1). Jo Smith (Team A)
records Ali Khan's supervision: one record signed by Jo and waiting for Ali, one shared and
answered, waiting for Jo's signature. IT moves Ali (and his case) to Team B (Mo Lee). At the
next sync Mo's "My team" lists Ali with his history and Jo's no longer lists him; Ali signs
the record Jo signed and Mo sees it locked. Jo keeps the record waiting for her signature:
her team page leads her to it under "Waiting for you", she signs it, and Mo sees that too."""
from __future__ import annotations

import pytest

from tests.journeys import steps
from tests.journeys.driver import PASSWORD

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def workers(lap) -> str:
    steps.go_to(lap, "My team")
    return str(lap.rows(name="workerTable"))


def my_records(lap) -> str:
    steps.go_to(lap, "My supervision")
    return str(lap.rows(name="recordsTable"))


def test_a_worker_moving_team_takes_their_history_to_the_new_manager(deployment, laptops):
    admin = deployment.admin
    team_b = admin("add-team", "Assessment Team B", "--service-area", deployment.ids["area"])
    admin("add-user", "mlee", "--name", "Mo Lee", "--role", "team_manager", "--team", team_b,
          "--started-on", "2019-04-01", password=PASSWORD)
    admin("set-manager", "mlee", "--team", team_b)

    old, worker, new = laptops("old-manager"), laptops("worker"), laptops("new-manager")
    for lap in (old, worker, new):
        lap.start()
    steps.first_run_sign_in(old, deployment.url, "jsmith")
    steps.first_run_sign_in(worker, deployment.url, "akhan")
    steps.first_run_sign_in(new, deployment.url, "mlee")

    # two records, both answered by Ali; Jo signs the first
    steps.write_and_share(old, "Ali Khan", "CS-100234", "Keep the plan")
    steps.back_to_list(old)
    steps.write_and_share(old, "Ali Khan", "CS-100234", "Step down to early help", location="Room 4")
    steps.sync(old)
    steps.sync_until(worker, lambda: my_records(worker).count("Jo Smith") >= 2,
                     "both records in My supervision")
    for _ in range(2):
        worker.select_row("No response", name="recordsTable")
        worker.click(name="openRecordButton")
        worker.wait_shown(name="stateLabel")
        steps.respond(worker, "Fair summary")
        steps.go_to(worker, "My supervision")
    steps.sync(worker)
    steps.sync_until(old, lambda: steps.history_rows(old, "Ali Khan").count("Agrees") >= 2,
                     "both answers on Jo's laptop")
    steps.open_worker_record(old, "Ali Khan", "Agrees")
    steps.sign(old)
    steps.wait_state(old, "Signed by supervisor")
    steps.sync(old)
    assert "Ali Khan" not in workers(new)

    # IT moves Ali to Team B; his case goes with him
    admin("move-user", "akhan", "Assessment Team B")

    steps.sync_until(new, lambda: "Ali Khan" in workers(new), "Ali on Mo's team page")
    history = steps.history_rows(new, "Ali Khan")
    assert "Signed by supervisor" in history and "Shared with supervisee" in history, history
    steps.sync_until(old, lambda: "Ali Khan" not in workers(old), "Ali gone from Jo's team page")

    # Jo's team page no longer lists Ali, but leads her to the record still waiting for her
    steps.go_to(old, "My team")
    old.wait_shown(name="waitingTable")
    assert "Ali Khan" in str(old.rows(name="waitingTable"))
    old.select_row("Ali Khan", name="waitingTable")
    old.click(name="openWaitingButton")
    old.wait_shown(name="stateLabel")
    steps.sign(old)
    # her signature was her last step: the editor goes back, and the list no longer has it
    old.wait_gone(name="stateLabel", timeout=180)
    old.wait_gone(name="waitingTable")
    status = steps.sync(old)
    assert "to choose between" not in status, status  # the server took her signature

    # Ali signs the record Jo signed first; Mo sees it locked
    steps.sync(worker)
    steps.open_my_record(worker, "Signed by supervisor")
    steps.sign(worker)
    steps.wait_state(worker, "Signed and locked")
    steps.sync(worker)
    steps.sync_until(new, lambda: "Signed and locked" in steps.history_rows(new, "Ali Khan"),
                     "the locked record on Mo's laptop")
    assert "Signed by supervisor" in steps.history_rows(new, "Ali Khan")  # Jo's second signature

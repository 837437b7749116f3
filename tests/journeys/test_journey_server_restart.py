"""Journey f: the server is restarted in the middle of the journey: killed (kill -9) while a
laptop syncs, then restarted gracefully between two steps. Laptops keep their sign-in (the
server keeps its tokens in its database), the interrupted sync completes at the next try,
and nothing is lost or doubled."""
from __future__ import annotations

import time

import pytest

from tests.journeys import steps

pytestmark = [pytest.mark.slow, pytest.mark.timeout(480)]


def test_server_restarted_mid_journey(deployment, laptops):
    server = deployment.instances[0]
    manager, worker = laptops("manager-laptop"), laptops("worker-laptop")
    manager.start()
    worker.start()
    steps.first_run_sign_in(manager, deployment.url, "jsmith")
    steps.first_run_sign_in(worker, deployment.url, "akhan")
    steps.write_and_share(manager, "Ali Khan", "CS-100234", "Keep the plan")

    manager.click(name="syncNowButton")
    time.sleep(0.3)
    server.kill()  # mid-sync, no graceful shutdown
    manager.wait(lambda: "Syncing" not in steps.sync_status(manager), 120, "the sync to give up")
    server.start()
    steps.sync(manager)

    steps.sync_to_my_supervision(worker, "Jo Smith")
    assert len(worker.rows(name="recordsTable")) == 1  # shared once, received once
    steps.open_my_record(worker, "Jo Smith")
    steps.respond(worker, "Fair summary", "The visit timescale is not realistic")
    server.restart()  # graceful, between two steps
    steps.sync(worker)

    steps.sync_until(manager, lambda: "Disagrees" in steps.history_rows(manager, "Ali Khan"),
                     "the worker's disagreement on the manager's laptop")
    assert len(manager.rows(name="historyTable")) == 1
    steps.open_worker_record(manager, "Ali Khan")
    steps.sign(manager)
    steps.wait_state(manager, "Signed by supervisor")
    server.kill()
    server.start()
    steps.sync(manager)
    steps.back_to_list(worker)
    steps.sync_to_my_supervision(worker, "Jo Smith", "Signed by supervisor")

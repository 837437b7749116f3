"""Journey b, on a server that keeps its data in SQLite (a small pilot, INSTALL.md section 6):
the worker writes their response while the server is down, the laptop is even switched off
hard (kill -9) before the server is back; on reconnecting, the response reaches the manager.
Nothing typed is lost."""
from __future__ import annotations

import pytest

from tests.journeys import steps

pytestmark = [pytest.mark.slow, pytest.mark.timeout(480)]

BACKEND = "sqlite"
COMMENTS = "Written on the train with no signal"


def test_worker_responds_offline_and_nothing_is_lost(deployment, laptops):
    manager, worker = laptops("manager-laptop"), laptops("worker-laptop")
    manager.start()
    worker.start()
    steps.first_run_sign_in(manager, deployment.url, "jsmith")
    steps.first_run_sign_in(worker, deployment.url, "akhan")
    steps.write_and_share(manager, "Ali Khan", "CS-100234", "Keep the plan")
    steps.sync(manager)
    steps.sync_to_my_supervision(worker, "Jo Smith")

    deployment.stop()  # the server is down from here
    steps.open_my_record(worker, "Jo Smith")
    steps.respond(worker, COMMENTS, disagreement=None)
    status = steps.sync_fails(worker)
    assert "waiting to be sent" in status, status

    worker.kill()  # switched off hard, still offline
    steps.start_signed_in(worker, "Ali Khan")
    worker.wait_text("waiting to be sent", name="syncStatusLabel")
    steps.open_my_record(worker, "Jo Smith")
    worker.wait_text(COMMENTS, name="commentsEdit")
    assert worker.read(name="agreeRadio")["checked"]

    for instance in deployment.instances:  # back, on the same address
        instance.start()
    steps.back_to_list(worker)
    steps.sync(worker)

    steps.sync_until(manager, lambda: "agree" in steps.history_rows(manager, "Ali Khan").lower(),
                     "Ali Khan's response on the manager's laptop")
    steps.open_worker_record(manager, "Ali Khan")
    manager.wait_text(COMMENTS, name="commentsEdit")

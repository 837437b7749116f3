"""Journey e: two server instances on one PostgreSQL database behind a round-robin load
balancer (INSTALL.md: the server keeps no state outside its database). Every request of
every laptop goes to the other instance than the one before: sign-in, enrolment, pushes,
pulls and signatures must all hold across them."""
from __future__ import annotations

import pytest

from tests.journeys import steps
from tests.journeys.driver import RoundRobinBalancer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(480)]

INSTANCES = 2


def test_laptops_alternate_between_two_instances(deployment, laptops):
    assert len(deployment.instances) == 2
    balancer = RoundRobinBalancer(deployment.instances)
    try:
        manager, worker = laptops("manager-laptop"), laptops("worker-laptop")
        manager.start()
        worker.start()
        steps.first_run_sign_in(manager, balancer.url, "jsmith")
        steps.first_run_sign_in(worker, balancer.url, "akhan")
        steps.write_and_share(manager, "Ali Khan", "CS-100234", "Keep the plan")
        steps.sync(manager)

        steps.sync_to_my_supervision(worker, "Jo Smith")
        steps.open_my_record(worker, "Jo Smith")
        steps.respond(worker, "Fair summary", disagreement=None)
        steps.sync(worker)

        steps.sync_until(manager, lambda: "Agrees" in steps.history_rows(manager, "Ali Khan"),
                         "the worker's agreement on the manager's laptop")
        steps.open_worker_record(manager, "Ali Khan")
        steps.sign(manager)
        steps.wait_state(manager, "Signed by supervisor")
        steps.sync(manager)

        steps.back_to_list(worker)
        steps.sync_to_my_supervision(worker, "Jo Smith", "Signed by supervisor")
        steps.open_my_record(worker, "Jo Smith")
        steps.sign(worker)
        steps.wait_state(worker, "Signed and locked")
        steps.sync(worker)
        steps.sync_until(manager, lambda: "Signed and locked" in steps.history_rows(manager, "Ali Khan"),
                         "the locked record on the manager's laptop")
        for port, paths in balancer.served.items():  # both instances did real work
            assert "/v1/push" in paths and "/v1/pull" in paths, (port, sorted(set(paths)))
    finally:
        balancer.close()

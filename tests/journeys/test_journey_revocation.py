"""Journey d: IT revokes the manager's signing certificate (a laptop reported stolen). At the
next sync the laptop learns it; signing is refused with the reason in words; the manager signs
in again, which makes a new key and has it certified; signing then succeeds and the server
accepts the signature. IT sees both certificates, the old one revoked."""
from __future__ import annotations

import json

import pytest

from tests.journeys import steps

pytestmark = [pytest.mark.slow, pytest.mark.timeout(480)]

REASON = "laptop reported stolen"


def test_revoked_certificate_refused_then_reenrolled(deployment, laptops):
    manager, worker = laptops("manager-laptop"), laptops("worker-laptop")
    manager.start()
    worker.start()
    steps.first_run_sign_in(manager, deployment.url, "jsmith")
    steps.first_run_sign_in(worker, deployment.url, "akhan")
    steps.write_and_share(manager, "Ali Khan", "CS-100234", "Keep the plan")
    steps.sync(manager)
    steps.sync_to_my_supervision(worker, "Jo Smith")
    steps.open_my_record(worker, "Jo Smith")
    steps.respond(worker, "Fair summary", disagreement=None)
    steps.sync(worker)
    steps.sync_until(manager, lambda: "Agrees" in steps.history_rows(manager, "Ali Khan"),
                     "the worker's agreement on the manager's laptop")

    deployment.admin("revoke-certificate", "jsmith", "--reason", REASON)
    steps.press_sync_now(manager)
    manager.wait_text("new certificate needed", name="syncStatusLabel", timeout=steps.LONG)
    status = manager.read(name="syncStatusLabel")
    assert REASON in status["tooltip"] + status["description"], status  # IT's words reach the person

    steps.open_worker_record(manager, "Ali Khan")
    steps.sign(manager)
    refusal = manager.wait_text("revoked", name="messageLabel", within={"name": "SessionEditorPage"},
                                timeout=steps.LONG)
    assert "Sign in" in refusal, refusal  # and what to do about it
    steps.wait_state(manager, "Shared with supervisee")  # nothing was signed

    steps.menu_sign_in(manager, deployment.url, "jsmith")
    steps.sign(manager)
    steps.wait_state(manager, "Signed by supervisor")
    steps.sync(manager)

    steps.back_to_list(worker)
    steps.sync_to_my_supervision(worker, "Jo Smith", "Signed by supervisor")
    certificates = json.loads(deployment.admin("list-certificates", "jsmith", "--json"))
    assert len(certificates) == 2, certificates
    assert sorted(bool(c["revoked_at"]) for c in certificates) == [False, True], certificates
    assert any(REASON in (c["revoked_reason"] or "") for c in certificates), certificates

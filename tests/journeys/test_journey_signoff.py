"""Journey a: a council's first record, signed on two laptops.

Two empty laptops (the manager's with a file keyring, the worker's with GNOME Keyring on a
private D-Bus) sign in from the welcome page to a server on PostgreSQL. The manager writes a
record with a case discussion and actions and shares it; the worker reads it, disagrees and
records that; the manager signs; the worker signs; both laptops show "Signed and locked".
The exported PDF checks out with ``supervision-app verify`` (the profile's organisation CA)
and with poppler's ``pdfsig`` (both signatures valid, the certificate trusted)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.journeys import steps
from tests.journeys.driver import BIN

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

DISAGREEMENT = "The decision about contact was not discussed with me"


def test_first_record_signed_on_two_laptops_and_exported(deployment, laptops, tmp_path):
    manager = laptops("manager-laptop")
    # IT set the server address for the worker's laptop (SUPERVISION_SERVER_URL, INSTALL.md)
    worker = laptops("worker-laptop", keyring="gnome", SUPERVISION_SERVER_URL=deployment.url)
    manager.start()
    worker.start()
    worker.click(name="connectButton")
    assert worker.wait_shown(**steps.ADDRESS)["text"] == deployment.url  # pre-filled
    worker.click(name="backButton", within={"name": "firstRunPage"})
    steps.first_run_sign_in(manager, deployment.url, "jsmith")
    steps.first_run_sign_in(worker, deployment.url, "akhan")
    manager.wait(lambda: "Ali Khan" in str(manager.rows(name="workerTable")), 60,
                 "Ali Khan on the manager's team page")

    # the manager records the session
    steps.new_record(manager, "Ali Khan")
    manager.type("Team room 2", name="locationEdit")
    discussion = steps.add_case_discussion(
        manager, "CS-100234", "Settled at school; contact with father resumed",
        "Continue the child in need plan", "Engagement with the family is improving")
    steps.add_action(manager, discussion, "Book a health review", 7)
    steps.add_action(manager, {"name": "actionsGroup"}, "Attend court skills training", 30)
    steps.share(manager)
    steps.sync(manager)

    # the worker receives it, reads it and disagrees
    _sync_to_my_supervision(worker)
    steps.open_my_record(worker, "Jo Smith")
    inside = {"within": steps.discussion_group(0)}
    worker.wait_text("Continue the child in need plan", name="decisionEdit", **inside)
    assert worker.text(name="rationaleEdit", **inside) == "Engagement with the family is improving"
    assert "Book a health review" in str(worker.rows(name="actionsTable", **inside))
    steps.respond(worker, "Thank you for the session", DISAGREEMENT)
    steps.sync(worker)

    # the manager sees the disagreement and signs
    steps.sync_until(manager, lambda: _disagreed(manager), "Ali Khan's disagreement on the team page")
    steps.open_worker_record(manager, "Ali Khan")
    steps.wait_state(manager, "Shared with supervisee")
    assert manager.text(name="disagreementEdit") == DISAGREEMENT
    steps.sign(manager)
    steps.wait_state(manager, "Signed by supervisor")
    steps.sync(manager)

    # the worker signs: the record locks
    steps.back_to_list(worker)
    steps.sync_until(worker, lambda: "Signed by supervisor" in str(worker.rows(name="recordsTable")),
                     "the supervisor's signature to arrive")
    steps.open_my_record(worker, "Jo Smith")
    steps.wait_state(worker, "Signed by supervisor")
    steps.sign(worker)
    steps.wait_state(worker, "Signed and locked")
    steps.sync(worker)

    # the manager's laptop shows it locked too
    steps.back_to_list(manager)
    steps.sync_until(manager, lambda: "Signed and locked" in steps.history_rows(manager, "Ali Khan"),
                     "the locked record on the manager's laptop")
    steps.open_worker_record(manager, "Ali Khan")
    steps.wait_state(manager, "Signed and locked")
    assert manager.text(name="disagreementEdit") == DISAGREEMENT  # kept, never erased

    # export, then check the PDF as the records team and an outside reader would
    folder = tmp_path / "export"
    message = steps.export_locked(manager, folder, "Ali Khan")
    pdfs = sorted(folder.glob("*.pdf"))
    assert len(pdfs) == 1, (message, list(folder.iterdir()) if folder.exists() else "no folder",
                            manager.explain())
    verified = subprocess.run(
        [str(BIN / "supervision-app"), "--data-dir", str(manager.data_dir), "verify", str(pdfs[0])],
        capture_output=True, text=True, env=manager.environment(), timeout=120)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    ca = manager.data_dir / "ca" / "organisation-ca.pem"
    assert ca.exists(), "the profile keeps the organisation CA"
    report = steps.pdfsig(pdfs[0], ca, tmp_path / "nss")
    assert report.count("Signature is Valid") == 2, report
    assert report.count("Certificate is Trusted") == 2, report
    assert "Jo Smith" in report and "Ali Khan" in report, report


def _sync_to_my_supervision(worker) -> None:
    steps.go_to(worker, "My supervision")
    steps.sync_until(worker, lambda: "Jo Smith" in str(worker.rows(name="recordsTable")),
                     "the shared record in My supervision")


def _disagreed(manager) -> bool:
    steps.go_to(manager, "My team")
    rows = manager.rows(name="workerTable")
    return any(r[0] == "Ali Khan" and r[-1] not in ("", "–", "0") for r in rows)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-x", "-q"]))

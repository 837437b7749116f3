"""Journey: a supervision agreement, as councils' supervision policies describe it (issue 21).

The manager writes the agreement with a worker on their own laptop (My team > Supervision
agreement…), changes two terms from the policy's starting point and signs it, which shares
it; the worker's laptop receives it, the worker finds it by its words in Search, reads it and
signs it; the manager's laptop receives the worker's signature. After sync each laptop shows
it signed by both and locked (the dialog, and My team / My supervision saying it is in
place). The signed PDF, saved from the app on each laptop, checks out with ``supervision-app
verify`` (the profile's organisation CA) and with poppler's ``pdfsig`` (two signatures, valid
and trusted). Then the manager adds an addendum to the locked agreement on their laptop and
signs it; after sync the worker's laptop shows it under the agreement, its own signature
checked."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.journeys import agreement_steps as agreement, steps
from tests.journeys.driver import BIN

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

DISAGREEMENTS = "Raised with each other first, then with the service manager within a fortnight"
LOCATION = "The quiet room on the third floor, door closed"
ADDENDUM = "From January we meet on Thursday mornings, as agreed at our review."


def test_agreement_written_by_the_manager_signed_by_both_on_their_own_laptops(deployment, laptops, tmp_path):
    manager = laptops("manager-laptop")
    worker = laptops("worker-laptop")
    manager.start()
    worker.start()
    steps.first_run_sign_in(manager, deployment.url, "jsmith")
    steps.first_run_sign_in(worker, deployment.url, "akhan")
    manager.wait(lambda: "Ali Khan (missing)" in agreement.team_line(manager), 60,
                 "Ali Khan's missing agreement on the manager's team page")

    # the manager writes it from the policy's starting point, and signs: that shares it
    agreement.open_team_agreement(manager, "Ali Khan")
    assert manager.text(name="frequencyEdit", **agreement.INSIDE).startswith("Every 4 weeks")
    agreement.set_term(manager, "location", LOCATION)
    agreement.set_term(manager, "disagreements", DISAGREEMENTS)
    agreement.sign_agreement(manager)
    agreement.wait_agreement_state(manager, agreement.SUPERVISOR_SIGNED)
    agreement.close_agreement(manager)
    assert "Ali Khan (awaiting signature)" in agreement.team_line(manager)
    steps.sync(manager)

    # the worker's laptop receives it; they find it by its words and sign it
    steps.go_to(worker, "My supervision")
    steps.sync_until(worker, lambda: "Supervision agreement: awaiting signature" in agreement.my_line(worker),
                     "the agreement waiting for the worker's signature")
    agreement.search_and_open(worker, "fortnight", "Supervision agreement with Ali Khan")
    assert ["Supervision agreement with Ali Khan", "Agreement: how disagreements are handled"] == \
        agreement.search_rows(worker)[0][:2]
    agreement.wait_agreement_state(worker, agreement.SUPERVISOR_SIGNED)
    assert worker.text(name="disagreementsEdit", **agreement.INSIDE) == DISAGREEMENTS
    assert worker.text(name="locationEdit", **agreement.INSIDE) == LOCATION
    assert worker.read(name="locationEdit", **agreement.INSIDE)["read_only"]  # the supervisor's words
    agreement.sign_agreement(worker)
    agreement.wait_agreement_state(worker, agreement.LOCKED)
    agreement.close_agreement(worker)
    steps.sync(worker)

    # the manager's laptop receives the worker's signature
    steps.sync_until(manager, lambda: "Ali Khan" not in agreement.team_line(manager),
                     "Ali Khan's agreement in place on the manager's team page")
    steps.sync(worker)  # and the worker's laptop has what the server holds after both signed
    assert "Supervision agreement: in place" in agreement.my_line(worker)

    # each laptop shows it signed by both; its signed PDF checks out on each
    saved = {}
    for lap, opened in ((manager, lambda: agreement.open_team_agreement(manager, "Ali Khan")),
                        (worker, lambda: worker.click(name="myAgreementButton"))):
        opened()
        agreement.wait_agreement_state(lap, agreement.LOCKED)
        assert lap.text(name="disagreementsEdit", **agreement.INSIDE) == DISAGREEMENTS
        assert not lap.exists(name="signAgreementButton", **agreement.INSIDE)
        saved[lap.name] = tmp_path / f"{lap.name}-agreement.pdf"
        summary = agreement.check_and_save_signed_pdf(lap, saved[lap.name])
        assert summary.startswith("All 2 signatures are intact, valid and trusted"), summary
        agreement.close_agreement(lap)

    for lap in (manager, worker):  # as the records team would check the saved copies
        verified = subprocess.run(
            [str(BIN / "supervision-app"), "--data-dir", str(lap.data_dir), "verify", str(saved[lap.name])],
            capture_output=True, text=True, env=lap.environment(), timeout=120)
        assert verified.returncode == 0, verified.stdout + verified.stderr
    # and as an outside reader would: poppler, trusting only the organisation's CA
    pdf = saved["manager-laptop"]
    report = steps.pdfsig(pdf, manager.data_dir / "ca" / "organisation-ca.pem", tmp_path / "nss")
    assert report.count("Signature is Valid") == 2, report
    assert report.count("Certificate is Trusted") == 2, report
    assert "Jo Smith" in report and "Ali Khan" in report, report

    # the manager adds a signed addendum to the locked agreement; the worker sees it after sync
    agreement.open_team_agreement(manager, "Ali Khan")
    agreement.wait_agreement_state(manager, agreement.LOCKED)
    agreement.add_signed_addendum(manager, ADDENDUM)
    manager.wait(lambda: any("Signed and locked" in row for row in agreement.addenda_rows(manager)), 30,
                 "the signed addendum listed under the agreement")
    agreement.close_agreement(manager)
    steps.sync(manager)
    steps.sync(worker)
    worker.click(name="myAgreementButton")
    agreement.wait_agreement_state(worker, agreement.LOCKED)
    worker.wait(lambda: agreement.addenda_rows(worker), 30, "the manager's addendum on the worker's laptop")
    [row] = agreement.addenda_rows(worker)
    assert "Jo Smith" in row and "Signed and locked" in row and ADDENDUM[:40] in row[3], row
    summary = agreement.check_addendum_signature(worker)
    assert summary.startswith("All 1 signature are intact, valid and trusted"), summary
    agreement.close_agreement(worker)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-x", "-q"]))

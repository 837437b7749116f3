"""Journey: a record signed offline stays provable without the server (issue 20).

The manager signs while the server is down (no signature time stamp is possible) and syncs
when it is back; the server time-stamps that signed copy after answering the sync (a document
time stamp, no scheduled job needed), and the manager's next sync brings it back: the
Signatures dialog shows the signature proven, before the worker signs. The worker signs on
top of it, the record locks, and the server archives it (validation data and a document
time stamp: B-LTA). The manager exports the PDF; on
another laptop, with the server down (nothing to ask online: the certificates, revocation
lists and time stamps are inside the PDF), the app's ``supervision-app verify`` finds both
signatures proven and B-LTA, and poppler's ``pdfsig`` finds both valid and trusted."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from tests.journeys import steps
from tests.journeys.driver import BIN

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

SIGNATURES = {"name": "SignaturesDialog"}


def _verify(laptop, pdf) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "supervision-app"), "--data-dir", str(laptop.data_dir), "verify", str(pdf)],
        capture_output=True, text=True, env=laptop.environment(), timeout=120)


def _signatures(lap) -> tuple[str, list[list[str]]]:
    """Signatures… on the open record: what the app says of them, and their table."""
    lap.click(name="signaturesButton")
    lap.wait_shown(**SIGNATURES)
    summary = lap.wait(lambda: (t := lap.text(name="signaturesSummary", within=SIGNATURES))
                       and not t.startswith("Checking") and t, steps.LONG, "the signatures to be checked")
    rows = lap.rows(name="signaturesTable", within=SIGNATURES)
    lap.click(name="closeButton", within=SIGNATURES)
    lap.wait_gone(**SIGNATURES)
    return summary, rows


def _levels(lap) -> list[str]:
    """The level of each signature of the open record, as Signatures… shows it (B-T, B-LTA…)."""
    return [level.split(":")[0] for row in _signatures(lap)[1]
            for level in row if re.match(r"B-[A-Z]+:", level)]


def _proofs(report: str) -> list[tuple[str, str]]:
    """(proven time, by what) of each signature, in signing order, from the verify report."""
    return re.findall(r"Proven to exist: (.+?) \(by a (.+?)\)", report)


def test_an_offline_signature_is_proven_before_the_record_locks_and_verifies_offline(deployment, laptops, tmp_path):
    manager, worker = laptops("manager-laptop"), laptops("worker-laptop")
    manager.start()
    worker.start()
    steps.first_run_sign_in(manager, deployment.url, "jsmith")
    steps.first_run_sign_in(worker, deployment.url, "akhan")
    steps.write_and_share(manager, "Ali Khan", "CS-100234", "Continue the child in need plan")
    steps.sync(manager)
    steps.sync_to_my_supervision(worker, "Jo Smith")
    steps.open_my_record(worker, "Jo Smith")
    steps.respond(worker, "A fair record of the session", disagreement=None)
    steps.sync(worker)
    steps.back_to_list(manager)
    steps.sync_until(manager, lambda: "agree" in steps.history_rows(manager, "Ali Khan").lower(),
                     "Ali Khan's response on the manager's laptop")

    # the manager signs with the server out of reach: no time stamp can be had
    deployment.stop()
    steps.open_worker_record(manager, "Ali Khan")
    steps.sign(manager)
    steps.wait_state(manager, "Signed by supervisor")
    steps.back_to_list(manager)
    assert "waiting to be sent" in steps.sync_fails(manager)
    for instance in deployment.instances:  # back, on the same address
        instance.start()
    steps.open_worker_record(manager, "Ali Khan")
    summary, rows = _signatures(manager)
    assert "Not every signature has a time stamp yet" in summary, (summary, rows)
    # the sync sends the signed copy; the server time-stamps it once it has answered, and a
    # later sync brings the time-stamped copy back (no renew-timestamps run)
    steps.sync_until(manager, lambda: "Each is proven to have existed" in _signatures(manager)[0],
                     "the manager's signature proven to exist, on the manager's laptop")
    (proven,) = _signatures(manager)[1]
    assert "(document time stamp)" in " ".join(proven) and "B-LTA" in " ".join(proven), proven
    steps.back_to_list(manager)

    # the worker signs on top of it; the record locks and the server archives it
    steps.sync_to_my_supervision(worker, "Jo Smith", "Signed by supervisor")
    steps.open_my_record(worker, "Jo Smith")
    steps.wait_state(worker, "Signed by supervisor")
    steps.sign(worker)
    steps.wait_state(worker, "Signed and locked")
    steps.sync(worker)

    steps.sync_until(manager, lambda: "Signed and locked" in steps.history_rows(manager, "Ali Khan"),
                     "the locked record on the manager's laptop")
    # the server archives the locked record after answering the worker's sync, so the sync that
    # brought the lock may come before the archived copy: the manager waits until Signatures…
    # shows both signatures archived, as a person checking the long-term proof would
    steps.open_worker_record(manager, "Ali Khan")
    steps.sync_until(manager, lambda: _levels(manager) == ["B-LTA", "B-LTA"],
                     "the archived copy (both signatures B-LTA) on the manager's laptop")
    steps.back_to_list(manager)
    folder = tmp_path / "export"
    message = steps.export_locked(manager, folder, "Ali Khan")
    pdfs = sorted(folder.glob("*.pdf"))
    assert len(pdfs) == 1, (message, manager.explain())

    # another laptop, offline: the PDF alone proves both signatures
    deployment.stop()
    received = tmp_path / "received" / "record.pdf"
    received.parent.mkdir()
    shutil.copyfile(pdfs[0], received)
    verified = _verify(worker, received)
    report = verified.stdout + verified.stderr
    assert verified.returncode == 0, report
    assert "Result: ALL SIGNATURES OK" in report, report
    assert report.count("Level:          B-LTA") == 2, report
    stamps = re.findall(r"Document time stamp (\d) of (\d): (.+?) by .+?: OK", report)
    assert [(n, of) for n, of, _when in stamps] == [("1", "2"), ("2", "2")], report
    supervisor, supervisee = _proofs(report)
    # the manager's signature (offline) is proven by the time stamp the server added before the
    # worker signed; the worker signed online, with a signature time stamp; then the archive's
    assert supervisor == (stamps[0][2], "document time stamp"), report
    assert supervisee[1] == "signature time stamp", report
    assert "Jo Smith" in report and "Ali Khan" in report

    out = steps.pdfsig(received, worker.data_dir / "ca" / "organisation-ca.pem", tmp_path / "nss")
    assert out.count("Signature is Valid") == 2, out
    assert out.count("Certificate is Trusted") == 2, out


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-x", "-q"]))

"""An offline signature gets its proven time at the sync that brings it (issue 20).

The supervisor signs with no server in reach (no signature time stamp) and syncs. After
answering that push, the server process (its background archiver) adds validation data and
a document time stamp to that signed copy, as a new copy that extends it byte for byte; the
laptops pull it at their next sync, and the supervisee's laptop signs on top of it, so the
final, archived PDF proves the supervisor's signature from that sync, not only from when the
record locked. No ``renew-timestamps`` is needed for it; that scheduled job still catches
whatever a server could not stamp (started without the CA passphrase, stopped first). A copy
already proven (online signing, with its own time stamp) is left alone.
"""
from __future__ import annotations

import base64
import io
import os
import signal
import subprocess
import sys

from supervision_app.domain.lifecycle import RecordKind
from supervision_app.records.signoff import latest_document
from supervision_app.records.verify import verify_pdf
from supervision_app.sync.server import archive, certificates
from tests.sync import harness, records as r
from tests.sync.archiving import server_documents, settled
from tests.sync.harness import CA_PASSPHRASE, REPO


def _pdf(doc: dict) -> bytes:
    return base64.b64decode(doc["pdf"])


def _document_timestamps(pdf: bytes) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    return len(list(PdfFileReader(io.BytesIO(pdf), strict=False).embedded_timestamp_signatures))


def _renew(deployment) -> subprocess.CompletedProcess:
    env = dict(os.environ, SUPERVISION_SERVER_CA_PASSPHRASE=CA_PASSPHRASE)
    return subprocess.run(
        [sys.executable, "-m", "supervision_app.sync.server.cli", "--database-url",
         deployment.database_url, "renew-timestamps"],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=120)


def _responded(deployment, laptops):
    org = deployment.org
    tm, sw = laptops("tm_a"), laptops("sw_a1")
    r.credentials(tm), r.credentials(sw)
    return tm, sw, r.responded_session(tm, sw, org)


def _signed_by_supervisor_offline(deployment, laptops):
    tm, sw, sid = _responded(deployment, laptops)
    r.sign_session(tm, deployment.org.ids["tm_a"], sid)  # no server address in the profile: no time stamp
    assert tm.client.sync().rejected == 0
    return tm, sw, sid


def _latest_on(laptop, sid: str) -> bytes:
    with laptop.db.reading() as s:
        return latest_document(s, RecordKind.SUPERVISION, sid).pdf


def test_an_offline_signature_is_time_stamped_at_the_sync_that_brings_it(deployment, laptops):
    tm, sw, sid = _signed_by_supervisor_offline(deployment, laptops)
    assert archive.needs_proof_of_time(_latest_on(tm, sid))

    # no renew-timestamps: the server stamps it after answering the push
    laptop_copy, stamped = settled(deployment, sid)
    assert laptop_copy["stage"] == stamped["stage"] == "supervisor_signed"
    assert archive.needs_proof_of_time(_pdf(laptop_copy))
    assert _pdf(stamped).startswith(_pdf(laptop_copy)) and not archive.needs_proof_of_time(_pdf(stamped))

    # the next sync brings both laptops the copy with its document time stamp
    tm.client.sync(), sw.client.sync()
    for laptop in (tm, sw):
        held = _latest_on(laptop, sid)
        assert held == _pdf(stamped) and _document_timestamps(held) == 1

    # the supervisee signs on top of it; the record locks and is archived
    r.sign_session(sw, deployment.org.ids["sw_a1"], sid)
    assert sw.client.sync().rejected == 0
    docs = settled(deployment, sid)
    assert [d["stage"] for d in docs] == ["supervisor_signed", "supervisor_signed", "locked", "archived"]
    locked, archived = _pdf(docs[2]), _pdf(docs[3])
    assert locked.startswith(_pdf(stamped)) and archived.startswith(locked)

    with deployment.engine.connect() as conn:
        ca = certificates.active_ca(conn).certificate
    report = verify_pdf(archived, ca)
    assert report.complete and report.all_ok, report
    supervisor, supervisee = report.signatures
    assert supervisor.level == supervisee.level == "B-LTA"
    first, last = report.document_timestamps
    assert first.ok and last.ok
    assert (supervisor.proven_by, supervisor.proven_at) == ("document time stamp", first.time)
    assert (supervisee.proven_by, supervisee.proven_at) == ("document time stamp", last.time)

    after = _renew(deployment)  # the scheduled job finds nothing left to do for it
    assert after.returncode == 0, after.stdout + after.stderr
    assert "Offline signatures time-stamped: 0" in after.stdout
    assert "Archived (validation data and a document time stamp added): 0" in after.stdout
    assert len(server_documents(deployment, sid)) == 4


def test_a_server_that_cannot_stamp_leaves_it_to_the_scheduled_job(deployment, laptops, monkeypatch):
    """A server started without the CA passphrase has no time-stamping key: the push is
    taken, and IT's ``renew-timestamps`` (which has the passphrase) stamps the copy while the
    server is down (started again with its key, the server sweeps it itself:
    test_archive_sweep_at_startup)."""
    tm, _sw, sid = _responded(deployment, laptops)  # laptops enrolled (that needs the CA key)
    monkeypatch.setattr(harness, "CA_PASSPHRASE", "")
    deployment.server.restart()
    try:
        r.sign_session(tm, deployment.org.ids["tm_a"], sid)  # offline: no time stamp
        assert tm.client.sync().rejected == 0
        (pushed,) = server_documents(deployment, sid)
        assert archive.needs_proof_of_time(_pdf(pushed))
    finally:
        monkeypatch.undo()
        deployment.server.stop()  # started again, it would archive what is pending itself

    done = _renew(deployment)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Offline signatures time-stamped: 1" in done.stdout
    laptop_copy, stamped = server_documents(deployment, sid)
    assert _pdf(stamped).startswith(_pdf(laptop_copy)) and not archive.needs_proof_of_time(_pdf(stamped))
    again = _renew(deployment)  # nothing more to do for it
    assert "Offline signatures time-stamped: 0" in again.stdout
    deployment.server.start()
    tm.client.sync()
    assert _latest_on(tm, sid) == _pdf(stamped)


def test_a_server_stopped_after_the_push_finishes_or_leaves_the_stamp_whole(deployment, laptops):
    """Stopped (SIGTERM) straight after answering the push, the server exits cleanly, having
    stored the stamped copy or nothing of it; renew-timestamps then makes sure there is
    exactly one, whichever it was."""
    tm, _sw, sid = _signed_by_supervisor_offline(deployment, laptops)
    server = deployment.server
    pid = server.proc.pid
    server.proc.terminate()
    try:
        # uvicorn shuts the app down, then ends by the signal it caught
        assert server.proc.wait(30) in (0, -signal.SIGTERM)
    finally:
        server.stop()
    log = server.log_path.read_text(errors="replace")
    assert f"Finished server process [{pid}]" in log, log[-3000:]
    assert "Application shutdown complete" in log.split(f"Started server process [{pid}]")[-1], log[-3000:]
    assert "Traceback" not in log, log[-3000:]
    done = _renew(deployment)
    assert done.returncode == 0, done.stdout + done.stderr
    stamped_now = 1 if "Offline signatures time-stamped: 1" in done.stdout else 0
    assert stamped_now == 1 or "Offline signatures time-stamped: 0" in done.stdout, done.stdout
    docs = server_documents(deployment, sid)
    assert len(docs) == 2, [d["stage"] for d in docs]
    assert not archive.needs_proof_of_time(_pdf(docs[-1]))
    server.start()
    tm.client.sync()
    assert _latest_on(tm, sid) == _pdf(docs[-1])


def test_an_online_signature_is_not_stamped_again(deployment, laptops):
    from supervision_app.gui.sync_panel import _save_server_url
    from supervision_app.records.online_timestamp import profile_timestamper
    from supervision_app.records.signoff import sign_supervision_record

    tm, _sw, sid = _responded(deployment, laptops)
    _save_server_url(tm.db, deployment.url)  # signed in: the signature carries a time stamp
    assert profile_timestamper(tm.db) is not None
    sign_supervision_record(tm.db, r.credentials(tm), session_id=sid, signer_id=deployment.org.ids["tm_a"])
    assert tm.client.sync().rejected == 0
    (pushed,) = settled(deployment, sid)
    assert not archive.needs_proof_of_time(_pdf(pushed))
    done = _renew(deployment)
    assert "Offline signatures time-stamped: 0" in done.stdout, done.stdout + done.stderr
    assert len(server_documents(deployment, sid)) == 1


def test_a_closed_archiver_takes_no_more_work(caplog):
    """A push answered while the server stops: its records are left, by id, to renew-timestamps."""
    stopped = archive.Archiver(None, None)  # type: ignore[arg-type]  # never reaches a database
    assert stopped.close(1)
    late = "0b6c1c8e-3f7e-4d7c-9a51-0c2a5d0f4e11"
    with caplog.at_level("INFO", logger="supervision_app.sync.server"):
        stopped.submit([late])
    assert stopped.wait_idle(1)
    assert [r.getMessage() for r in caplog.records] == [f"record {late} left for renew-timestamps "
                                                         "(the server is stopping)"]

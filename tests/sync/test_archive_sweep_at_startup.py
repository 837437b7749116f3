"""Records the background archiver did not get to are archived when the server starts again,
not at the nightly ``renew-timestamps`` (issue 20).

The pending state comes through the real push path: a server running without the CA
passphrase has no time-stamping key, takes the signatures and leaves the copies waiting.
Started again with its key, the server finds them and archives them in the background; no
``renew-timestamps`` runs. With several instances only one sweeps at a time (PostgreSQL
advisory lock).
"""
from __future__ import annotations

from supervision_app.records.verify import verify_pdf
from supervision_app.sync.server import archive, certificates
from supervision_app.sync.server.startup import ARCHIVE_SWEEP_LOCK_KEY, only_one_instance
from tests.sync import harness, records as r
from tests.sync.archiving import server_documents, settled
from tests.sync.test_offline_signature_stamped import _latest_on, _pdf, _responded


def test_records_left_pending_are_archived_when_the_server_starts(deployment, laptops, monkeypatch):
    tm, sw, sid = _responded(deployment, laptops)  # laptops enrolled (that needs the CA key)
    log = deployment.server.log_path
    monkeypatch.setattr(harness, "CA_PASSPHRASE", "")
    deployment.server.restart()  # no time-stamping key: nothing can be stamped or archived
    try:
        r.sign_session(tm, deployment.org.ids["tm_a"], sid)  # offline: no signature time stamp
        assert tm.client.sync().rejected == 0
        sw.client.sync()
        r.sign_session(sw, deployment.org.ids["sw_a1"], sid)
        assert sw.client.sync().rejected == 0
        assert [d["stage"] for d in server_documents(deployment, sid)] == ["supervisor_signed", "locked"]
    finally:
        monkeypatch.undo()
        before = len(log.read_text(errors="replace"))
        deployment.server.restart()  # with its key again; no renew-timestamps

    docs = settled(deployment, sid)
    assert [d["stage"] for d in docs] == ["supervisor_signed", "locked", "archived"]
    locked, archived = _pdf(docs[1]), _pdf(docs[2])
    assert archived.startswith(locked)
    with deployment.engine.connect() as conn:
        ca = certificates.active_ca(conn).certificate
    report = verify_pdf(archived, ca)
    assert report.complete, report
    assert [s.level for s in report.signatures] == ["B-LTA", "B-LTA"]
    assert [s.ades_indication for s in report.signatures] == ["PASSED", "PASSED"]
    started = log.read_text(errors="replace")[before:]
    assert "records left pending at start: 1 archived" in started, started[-3000:]

    tm.client.sync()  # the laptops pull the archived copy as from any archiving
    assert _latest_on(tm, sid) == archived


def test_only_one_instance_sweeps_at_a_time(deployment):
    with only_one_instance(deployment.engine, ARCHIVE_SWEEP_LOCK_KEY) as first:
        with only_one_instance(deployment.engine, ARCHIVE_SWEEP_LOCK_KEY) as second:
            assert first
            # SQLite serves one instance; PostgreSQL's lock is taken by the first
            assert second is (deployment.backend != "postgresql")
    with only_one_instance(deployment.engine, ARCHIVE_SWEEP_LOCK_KEY) as again:
        assert again  # let go after the job


def test_a_closed_archiver_does_not_sweep():
    stopped = archive.Archiver(None, None)  # type: ignore[arg-type]  # never reaches a database
    assert stopped.close(1)
    stopped.sweep_pending()
    assert stopped.wait_idle(1)

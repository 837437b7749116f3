"""An offline signature gets its proven time as early as the server can give it (issue 20).

The supervisor signs with no server in reach (no signature time stamp) and syncs. The
server's archiver (after a push, or IT's scheduled ``renew-timestamps``) adds validation
data and a document time stamp to that signed copy, as a new copy that extends it byte for
byte; the supervisee's laptop signs on top of it, so the final, archived PDF proves the
supervisor's signature from that time, not only from when the record locked. A copy already
proven (online signing, with its own time stamp) is left alone.
"""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

from sqlalchemy import select

from supervision_app.domain.lifecycle import RecordKind
from supervision_app.records.signoff import latest_document
from supervision_app.records.verify import verify_pdf
from supervision_app.sync.server import archive, certificates
from supervision_app.sync.server.schema import record
from tests.sync import records as r
from tests.sync.harness import CA_PASSPHRASE, REPO


def _documents(deployment, record_id: str) -> list[dict]:
    with deployment.engine.connect() as conn:
        rows = conn.execute(select(record.c.data).where(
            record.c.parent_id == record_id, record.c.table_name == "record_document")).scalars()
        return sorted((json.loads(row) for row in rows), key=lambda d: d["created_at"])


def _pdf(doc: dict) -> bytes:
    return base64.b64decode(doc["pdf"])


def _renew(deployment) -> subprocess.CompletedProcess:
    env = dict(os.environ, SUPERVISION_SERVER_CA_PASSPHRASE=CA_PASSPHRASE)
    return subprocess.run(
        [sys.executable, "-m", "supervision_app.sync.server.cli", "--database-url",
         deployment.database_url, "renew-timestamps"],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=120)


def _signed_by_supervisor_offline(deployment, laptops):
    org = deployment.org
    tm, sw = laptops("tm_a"), laptops("sw_a1")
    r.credentials(tm), r.credentials(sw)
    sid = r.shared_session(tm, org)
    tm.client.sync(), sw.client.sync()
    r.respond(sw, org.ids["sw_a1"], sid)
    sw.client.sync(), tm.client.sync()
    r.sign_session(tm, org.ids["tm_a"], sid)  # no server address in the profile: no time stamp
    assert tm.client.sync().rejected == 0
    return tm, sw, sid


def test_the_scheduled_job_stamps_an_offline_signature_and_the_supervisee_signs_on_top(deployment, laptops):
    _tm, sw, sid = _signed_by_supervisor_offline(deployment, laptops)
    (pushed,) = _documents(deployment, sid)
    assert pushed["stage"] == "supervisor_signed" and archive.needs_proof_of_time(_pdf(pushed))

    done = _renew(deployment)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Offline signatures time-stamped: 1" in done.stdout
    laptop_copy, stamped = _documents(deployment, sid)
    assert stamped["stage"] == "supervisor_signed"
    assert _pdf(stamped).startswith(_pdf(laptop_copy)) and not archive.needs_proof_of_time(_pdf(stamped))
    again = _renew(deployment)  # nothing more to do for it
    assert "Offline signatures time-stamped: 0" in again.stdout
    assert len(_documents(deployment, sid)) == 2

    sw.client.sync()
    with sw.db.reading() as s:
        assert latest_document(s, RecordKind.SUPERVISION, sid).pdf == _pdf(stamped)
    r.sign_session(sw, deployment.org.ids["sw_a1"], sid)
    assert sw.client.sync().rejected == 0
    docs = _documents(deployment, sid)
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


def test_the_background_archiver_stamps_what_a_push_brought(deployment, laptops):
    _tm, _sw, sid = _signed_by_supervisor_offline(deployment, laptops)
    archiver = archive.Archiver(deployment.engine, CA_PASSPHRASE.encode())
    archiver.submit([sid])
    assert archiver.wait_idle(60)
    laptop_copy, stamped = _documents(deployment, sid)
    assert stamped["stage"] == "supervisor_signed" and _pdf(stamped).startswith(_pdf(laptop_copy))
    archiver.submit([sid])  # already proven: left alone
    assert archiver.wait_idle(60)
    assert len(_documents(deployment, sid)) == 2


def test_an_online_signature_is_not_stamped_again(deployment, laptops):
    from supervision_app.gui.sync_panel import _save_server_url
    from supervision_app.records.online_timestamp import profile_timestamper
    from supervision_app.records.signoff import sign_supervision_record

    org = deployment.org
    tm, sw = laptops("tm_a"), laptops("sw_a1")
    r.credentials(tm), r.credentials(sw)
    sid = r.shared_session(tm, org)
    tm.client.sync(), sw.client.sync()
    r.respond(sw, org.ids["sw_a1"], sid)
    sw.client.sync(), tm.client.sync()
    _save_server_url(tm.db, deployment.url)  # signed in: the signature carries a time stamp
    assert profile_timestamper(tm.db) is not None
    sign_supervision_record(tm.db, r.credentials(tm), session_id=sid, signer_id=org.ids["tm_a"])
    assert tm.client.sync().rejected == 0
    (pushed,) = _documents(deployment, sid)
    assert not archive.needs_proof_of_time(_pdf(pushed))
    done = _renew(deployment)
    assert "Offline signatures time-stamped: 0" in done.stdout, done.stdout + done.stderr
    assert len(_documents(deployment, sid)) == 1

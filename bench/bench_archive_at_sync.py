"""Time-stamping and archiving at sync (issue 20): what a push waits for, and what the server
does after answering it.

    python -m bench.bench_archive_at_sync [--records 10] [--backend sqlite|postgresql]

A real server process over a fresh database with the test organisation (``tests.sync.harness``).
The manager signs ``--records`` answered records offline (no signature time stamp), and one
push sends them all. Timed, from the laptop:

* **push answer, server without stamping**: the server started without the CA passphrase
  (no time-stamping key, so no archiver): the push alone;
* **stamping inline** (what the push would wait for if the server stamped before answering):
  ``archive.archive_records`` over the same records in this process, per record;
* **push answer, server with its archiver**: the same push to a server that stamps in the
  background after answering; then the time until every record's stamped copy is stored
  (polled), per record;
* **archive to B-LTA**: the worker signs every record on top of the stamped copy; one push;
  the time until every record's archived copy is stored, per record.

Prints, never asserts. All names are synthetic.

Measured (2026-12-07, 2-core machine shared with other jobs, load average about 9; SQLite;
10 records): the push answered in 800 ms from a server without stamping and 807 ms from one
with its archiver; stamping inline would have added 770 ms (77 ms a record) to that answer.
The server's stamped copies were all stored 2.0 s after the answer (about 200 ms a record,
beside this process polling the database and parsing each newest copy); the archived copies
(B-LTA) after the supervisee's push, likewise about 200 ms a record.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import keyring

from supervision_app.sync.server import archive
from tests.memory_keyring import MemoryKeyring
from tests.sync import harness, records as r
from tests.sync.archiving import settled
from tests.sync.harness import Laptop, deploy


def _answered(manager: Laptop, worker: Laptop, org, count: int) -> list[str]:
    sids = [r.shared_session(manager, org) for _ in range(count)]
    assert manager.client.sync().rejected == 0
    worker.client.sync()
    for sid in sids:
        r.respond(worker, org.ids["sw_a1"], sid)
    assert worker.client.sync().rejected == 0
    manager.client.sync()
    return sids


def _timed_push(laptop: Laptop) -> float:
    started = time.perf_counter()
    report = laptop.client.push()
    elapsed = time.perf_counter() - started
    assert report.rejected == 0 and report.conflicts == 0, (report.rejected, report.conflicts)
    return elapsed


def _until_settled(dep, sids: list[str], started: float) -> float:
    for sid in sids:
        settled(dep, sid, timeout=600)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    n = args.records
    keyring.set_keyring(MemoryKeyring())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        dep, teardown = deploy(args.backend, folder / "server")
        try:
            org = dep.org
            manager, worker = Laptop(folder / "tm_a", dep.url, "tm_a"), Laptop(folder / "sw_a1", dep.url, "sw_a1")
            r.credentials(manager), r.credentials(worker)  # enrolled while the server has its CA key

            # 1. a server without its time-stamping key: the push alone, then stamping inline
            passphrase = harness.CA_PASSPHRASE
            harness.CA_PASSPHRASE = ""
            dep.server.restart()
            plain_ids = _answered(manager, worker, org, n)
            for sid in plain_ids:
                r.sign_session(manager, org.ids["tm_a"], sid)
            plain_push = _timed_push(manager)
            started = time.perf_counter()
            report = archive.archive_records(dep.engine, passphrase.encode(), plain_ids,
                                             stamp_offline_signatures=True)
            inline = time.perf_counter() - started
            assert len(report.stamped) == n, report.lines()
            harness.CA_PASSPHRASE = passphrase
            dep.server.restart()
            manager.client.sync()

            # 2. the server with its archiver: the push answer, then the background stamps
            stamped_ids = _answered(manager, worker, org, n)
            for sid in stamped_ids:
                r.sign_session(manager, org.ids["tm_a"], sid)
            started = time.perf_counter()
            archiver_push = _timed_push(manager)
            stamped_after = _until_settled(dep, stamped_ids, started)

            # 3. the worker signs on top: locked, archived (B-LTA) in the background
            worker.client.sync()
            for sid in stamped_ids:
                r.sign_session(worker, org.ids["sw_a1"], sid)
            started = time.perf_counter()
            locked_push = _timed_push(worker)
            archived_after = _until_settled(dep, stamped_ids, started)
            manager.close()
            worker.close()
        finally:
            teardown()
    try:
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    print(f"time stamps at sync, {args.backend}, {n} records in one push (load average {load})")
    print(f"push answer, server without stamping:        {plain_push * 1000:8.0f} ms")
    print(f"  stamping inline (in this process):          {inline * 1000:8.0f} ms  "
          f"({inline / n * 1000:.0f} ms a record)")
    print(f"push answer, server with its archiver:        {archiver_push * 1000:8.0f} ms")
    print(f"  every stamped copy stored, from the push:   {stamped_after * 1000:8.0f} ms  "
          f"({(stamped_after - archiver_push) / n * 1000:.0f} ms a record after the answer)")
    print(f"push answer, supervisee's signatures (lock):  {locked_push * 1000:8.0f} ms")
    print(f"  every archived copy (B-LTA) stored:         {archived_after * 1000:8.0f} ms  "
          f"({(archived_after - locked_push) / n * 1000:.0f} ms a record after the answer)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

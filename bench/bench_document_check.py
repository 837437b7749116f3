"""The server's check of a pushed signed copy (issue 16), part by part.

    python -m bench.bench_document_check [--repeat 40] [--backend sqlite|postgresql]

A real server over a fresh database with the test organisation (``tests.sync.harness``); a
team manager and a worker sign one shared record through the app's paths, each laptop pushing
its signed copy. Then, in this process, the two copies as the server received them are
checked as the server checks them, and timed by CPU (``time.thread_time``, best of three
batches of ``--repeat``):

* **read and verify** (``document_check.examine``): pyHanko reads the PDF and validates its
  signatures; done before the push takes the sequence lock;
* **compare** (``document_check.document_problem`` with those findings): the findings against
  the server's signature rows, under the lock.

For the supervisor's copy (one signature: what ``bench_push`` pushes) and the supervisee's
(both signatures). ``bench_push`` gives the figure issue 16 sets a target for (push throughput
with the checks against without them); this one says where a copy's share of it goes.
Prints, never asserts.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import keyring
from sqlalchemy import select

from supervision_app.sync import protocol as p
from supervision_app.sync.server.certificates import all_cas
from supervision_app.sync.server.document_check import document_problem, examine
from supervision_app.sync.server.schema import record
from tests.memory_keyring import MemoryKeyring
from tests.sync import records as r
from tests.sync.archiving import pushed_documents
from tests.sync.harness import Laptop, deploy

STAGE_WORDS = {"supervisor_signed": "supervisor's copy (1 signature)",
               "locked": "supervisee's copy (2 signatures)"}


def _cpu_ms(run, repeat: int) -> float:
    """Best of three batches, CPU milliseconds per call."""
    best = float("inf")
    for _ in range(3):
        start = time.thread_time()
        for _ in range(repeat):
            run()
        best = min(best, (time.thread_time() - start) / repeat * 1000)
    return best


def _signed_copies(deployment, folder: Path) -> str:
    """Sign one shared record as its supervisor, then its supervisee; the record's id."""
    org = deployment.org
    manager = Laptop(folder / "manager", deployment.url, "tm_a")
    worker = Laptop(folder / "worker", deployment.url, "sw_a1")
    try:
        r.credentials(manager), r.credentials(worker)
        record_id = r.responded_session(manager, worker, org)
        r.sign_session(manager, org.ids["tm_a"], record_id)
        if manager.client.sync().rejected:
            sys.exit("bench: the server refused the supervisor's signing; nothing measured")
        worker.client.sync()
        r.sign_session(worker, org.ids["sw_a1"], record_id)
        if worker.client.sync().rejected:
            sys.exit("bench: the server refused the supervisee's signing; nothing measured")
    finally:
        manager.close(), worker.close()
    return record_id


def _measure(conn, document: dict, cas, at, repeat: int) -> None:
    stage = document["stage"]
    pdf = base64.b64decode(document["pdf"])
    findings = examine(pdf, cas, at)
    if document_problem(conn, document, stage, findings=findings) is not None:
        sys.exit("bench: the server's check refused an honest copy; nothing measured")
    read_ms = _cpu_ms(lambda: examine(pdf, cas, at), repeat)
    compare_ms = _cpu_ms(lambda: document_problem(conn, document, stage, findings=findings), repeat)
    print(f"  {STAGE_WORDS[stage]}, {len(pdf) / 1024:.0f} kB: read and verify {read_ms:.1f} ms "
          f"(before the lock), compare {compare_ms:.2f} ms (under it)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    keyring.set_keyring(MemoryKeyring())
    folder = Path(tempfile.mkdtemp(prefix="bench-document-check-"))
    deployment, teardown = deploy(args.backend, folder / "server")
    try:
        record_id = _signed_copies(deployment, folder)
        with deployment.engine.connect() as conn:
            cas = [stored.certificate for stored in all_cas(conn)]
            signed_at = {json.loads(d)["signer_role"]: json.loads(d)["signed_at"] for d in conn.execute(
                select(record.c.data).where(record.c.parent_id == record_id,
                                            record.c.table_name == "signature")).scalars()}
            print(f"server check of a pushed signed copy, CPU per copy (best of 3 x {args.repeat}), "
                  f"{args.backend}:")
            supervisor_first = sorted(pushed_documents(deployment, record_id),
                                      key=lambda d: d["stage"] != "supervisor_signed")
            for document in supervisor_first:
                role = "supervisor" if document["stage"] == "supervisor_signed" else "supervisee"
                _measure(conn, document, cas, p.parse_datetime(signed_at[role]), args.repeat)
    finally:
        teardown()


if __name__ == "__main__":
    main()

"""Retention at scale (issue 18): the review list over a council's records, deleting a leaver's
whole history (every session with its discussions and actions), and the manager's next sync
that removes it. Seeds a synthetic council with ``bench_sync.Seeder`` (no real names).

    python -m bench.bench_retention [--teams 10] [--scale 1.0] [--backend sqlite|postgresql]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import select, text

from bench.bench_sync import build
from supervision_app.domain.retention import Schedule, Status
from supervision_app.sync.server import directory, retention
from supervision_app.sync.server.schema import record


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--teams", type=int, default=10)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 60 sessions a worker")
    parser.add_argument("--backend", default="sqlite", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-retention-"))
    url, engine, drop, org, rows, seeded = build(args.backend, folder, args.teams, args.scale, None)
    try:
        print(f"seeded {rows} rows ({args.teams} teams) in {seeded:.1f} s on {args.backend}")
        schedule, today = Schedule.default(), date.today()
        with engine.begin() as conn:
            directory.update_staff(conn, "sw0_0", active=False)
            retention.record_leaving_date(conn, "sw0_0", date(2018, 6, 29), "bench")
        started = time.perf_counter()
        with engine.connect() as conn:
            entries = retention.review_list(conn, schedule, today)
        listed = time.perf_counter() - started
        due = [e.record_id for e in entries if e.review.status == Status.DUE]
        print(f"review list: {len(entries)} records, {len(due)} due, in {listed:.2f} s")
        started = time.perf_counter()
        with engine.begin() as conn:
            plan = retention.delete_records(conn, due, schedule, today, "bench")
        deleted = time.perf_counter() - started
        print(f"delete: {plan.summary()} in {deleted:.2f} s")
        with engine.connect() as conn:
            emptied = conn.execute(select(text("count(*)")).select_from(record)
                                   .where(record.c.data == "{}")).scalar()
        print(f"rows emptied on the server: {emptied}")
    finally:
        engine.dispose()
        drop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

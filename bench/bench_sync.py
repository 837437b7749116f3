"""Sync benchmarks, side by side in one run (DESIGN.md §5 scale; issue 6 targets).

    python -m bench.bench_sync [--teams 40] [--quick] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test]
                               [--first-runs 3] [--first-only]
    (the PostgreSQL admin URL defaults to $SUPERVISION_TEST_POSTGRES_URL)

1. First sync of a team manager's share from a council-scale server database: rows per
   second applied on the laptop (target >= 20,000/s), from the sign-in to ``sync()``
   returning with every row written, indexed and committed (pull, write, search index).
   The WAL checkpoint that follows runs after ``sync()`` has returned; its time is shown
   beside the figure (the time until that too is done). Beside it, its floor: the same rows
   written with raw ``sqlcipher3`` ``executemany`` into a fresh profile of the same schema
   (search index included) in one transaction; target: the first sync >= 0.6x that rate. Run
   ``--first-runs`` times, each on a new laptop; the table gives the best, the median and
   the worst, and the load average, since timings on a shared machine spread widely.
2. A no-change sync (push of an empty outbox with the audit head, then one pull) on a
   small and on a council-scale server database (target <= 30 ms, and flat).
3. 20 laptops syncing at once against PostgreSQL, each in its own process (so the figure is
   the server's, not one client process's GIL): requests per second and p95 latency.

The server databases are filled synthetically (no real names) straight into the server's
tables, with the same facts and scope keys the push path computes.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import keyring
from sqlalchemy import insert, text, update

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from supervision_app.sync.server import authz, directory
from supervision_app.sync.server.row_facts import compute_facts, parent_id_of
from supervision_app.sync.server.schema import record, record_scope, sequence
from supervision_app.sync.server.storage import make_engine, migrate
from tests.memory_keyring import MemoryKeyring
from tests.sync.harness import PASSWORD, Laptop, ServerProcess, create_database

WORDS = ("review", "plan", "visit", "school", "health", "contact", "family", "safety", "risk",
         "progress", "support", "meeting", "assessment", "placement", "education")


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Seeder:
    """Bulk-load a synthetic council into a server database."""

    def __init__(self, engine, rng: random.Random) -> None:
        self.engine = engine
        self.rng = rng
        self.facts: dict[str, dict] = {}
        self.staff_team: dict[str, str | None] = {}
        self.seq = 0
        self.records: list[dict] = []
        self.scopes: list[dict] = []
        self.deferred: dict[str, tuple[str, dict]] = {}

    def add(self, table: str, data: dict, row_id: str | None = None, later: bool = False) -> str:
        """Add a row; with ``later`` its facts are known now (for its parts) but it is
        numbered when :meth:`emit` is called, after its parts, as the server numbers a
        signed record after the parts it re-stamps."""
        row_id = row_id or str(uuid.uuid4())
        facts = compute_facts(table, row_id, data, self.facts.get, self.staff_team.get)
        self.facts[row_id] = facts
        if later:
            self.deferred[row_id] = (table, data)
            return row_id
        self._record(table, data, row_id, facts)
        return row_id

    def emit(self, row_id: str) -> None:
        table, data = self.deferred.pop(row_id)
        self._record(table, data, row_id, self.facts[row_id])

    def _record(self, table: str, data: dict, row_id: str, facts: dict) -> None:
        self.seq += 1
        self.records.append(dict(
            id=row_id, table_name=table, version=1, seq=self.seq,
            updated_at=datetime(2026, 1, 1), updated_by=None, tombstone=False,
            data=json.dumps(data, separators=(",", ":")), auth=json.dumps(facts), auth_history=None,
            last_mutation_id=None, parent_id=parent_id_of(table, data)))
        for key in authz.scope_keys(facts):
            self.scopes.append({"scope_key": key, "record_id": row_id, "seq": self.seq})
        if len(self.records) >= 20_000:
            self.flush()

    def flush(self) -> None:
        if not self.records:
            return
        with self.engine.begin() as conn:
            conn.execute(insert(record), self.records)
            conn.execute(insert(record_scope), self.scopes)
            conn.execute(update(sequence).where(sequence.c.id == 1).values(value=self.seq))
        self.records, self.scopes = [], []

    def council(self, teams: int, workers_per_team: int = 10, sessions_per_worker: int = 60,
                children_per_worker: int = 15, discussions: int = 8, actions: int = 6,
                notes_per_child: int = 16) -> dict[str, list]:
        rng = self.rng
        with self.engine.begin() as conn:
            self.seq = conn.execute(text("select value from sync_sequence")).scalar()
        out = {"managers": [], "teams": []}
        with self.engine.begin() as conn:
            area = directory.add_service_area(conn, "Area")
        for t in range(teams):
            with self.engine.begin() as conn:
                team = directory.add_team(conn, f"Team {t}", area)
                manager = directory.add_user(conn, f"tm{t}", PASSWORD, f"Manager {t}", "team_manager",
                                             team, date(2018, 1, 1))
                directory.set_team_manager(conn, team, manager)
                workers = [directory.add_user(conn, f"sw{t}_{w}", PASSWORD, f"Worker {t}.{w}",
                                              "social_worker", team, date(2019, 1, 1))
                           for w in range(workers_per_team)]
                self.seq = conn.execute(text("select value from sync_sequence")).scalar()
            for sid in [manager, *workers]:
                self.staff_team[sid] = team
                self.facts[sid] = {"k": "dir", "_table": "staff"}
            out["managers"].append(f"tm{t}")
            out["teams"].append(team)
            start = datetime(2021, 1, 4, 10, tzinfo=timezone.utc)
            for worker in workers:
                children = [self.add("child", {
                    "case_id": f"C{secrets.token_hex(5)}", "name": f"Child {secrets.token_hex(3)}",
                    "date_of_birth": "2015-06-01", "legal_status": "child_in_need",
                    "allocated_worker_id": worker, "has_pathway_plan": False}) for _ in range(children_per_worker)]
                for child in children:
                    for n in range(notes_per_child):
                        note = self.add("oversight_note", {
                            "child_id": child, "author_id": manager,
                            "recorded_at": _ts(start + timedelta(days=30 * n)), "trigger": "plan_review",
                            "decision": _text(rng, 20), "rationale": _text(rng, 30),
                            "next_review_on": None, "state": "locked"}, later=True)
                        if n % 4 == 0:
                            self.add("action_item", {
                                "session_id": None, "oversight_note_id": note, "case_discussion_id": None,
                                "child_id": child, "description": _text(rng, 8), "owner_id": worker,
                                "due_on": "2026-12-01", "status": "open", "closed_at": None})
                        self.emit(note)
                for s in range(sessions_per_worker):
                    held = start + timedelta(days=28 * s)
                    session = self.add("supervision_session", {
                        "supervisee_id": worker, "supervisor_id": manager, "team_id": team,
                        "held_at": _ts(held), "duration_minutes": 60, "session_type": "planned_1to1",
                        "location": "office", "agreement_in_place": True, "wellbeing": _text(rng, 15),
                        "caseload_count": 15, "caseload_complexity": "medium", "capacity": "ok",
                        "workload_notes": _text(rng, 20), "learning": _text(rng, 20),
                        "asye_progress": "", "next_session_on": None, "state": "locked",
                        "shared_at": _ts(held), "supervisee_comments": _text(rng, 10),
                        "supervisee_agreement": "agree", "disagreement": "",
                        "disagreement_resolved": False}, later=True)
                    for d in range(discussions):
                        disc = self.add("case_discussion", {
                            "session_id": session, "child_id": children[d % len(children)],
                            "position": d, "current_position": _text(rng, 25), "worries": _text(rng, 15),
                            "working_well": _text(rng, 15), "needs_to_happen": _text(rng, 15),
                            "safety_scale": 6, "decision": _text(rng, 15), "rationale": _text(rng, 20)})
                        if d < actions:
                            self.add("action_item", {
                                "session_id": session, "oversight_note_id": None,
                                "case_discussion_id": disc, "child_id": children[d % len(children)],
                                "description": _text(rng, 8), "owner_id": worker, "due_on": "2026-12-01",
                                "status": "done", "closed_at": None})
                    self.emit(session)
            self.flush()
        return out


def build(backend_url_or_kind: str, folder: Path, teams: int, scale: float, pg_admin: str | None):
    import tests.sync.harness as harness

    if backend_url_or_kind == "postgresql" and pg_admin:
        harness.PG_ADMIN_URL = pg_admin  # else SUPERVISION_TEST_POSTGRES_URL or the default
    folder.mkdir(parents=True, exist_ok=True)
    url, drop = create_database(backend_url_or_kind, folder)
    engine = make_engine(url)
    migrate(engine)
    seeder = Seeder(engine, random.Random(7))
    started = time.perf_counter()
    org = seeder.council(teams, sessions_per_worker=max(1, int(60 * scale)),
                         notes_per_child=max(1, int(16 * scale)))
    with engine.connect() as conn:
        rows = conn.execute(text("select count(*) from record")).scalar()
    return url, engine, drop, org, rows, time.perf_counter() - started


def first_syncs(url: str, folder: Path, manager: str, runs: int) -> tuple[int, list[float], list[float]]:
    """``runs`` first syncs of ``manager``'s share, each on a new laptop: rows, seconds to
    ``sync()`` returning, and seconds until the checkpoint after it was done too."""
    server = ServerProcess(url, folder / f"server-{secrets.token_hex(3)}.log").start()
    try:
        seconds, folded = [], []
        for run in range(runs):
            laptop = Laptop(folder / ("laptop-first" if run == 0 else f"laptop-{secrets.token_hex(3)}"),
                            server.url)
            laptop.client.login(manager, PASSWORD)
            started = time.perf_counter()
            pulled = laptop.client.sync().pulled
            seconds.append(time.perf_counter() - started)
            laptop.client._wait_for_housekeeping()
            folded.append(time.perf_counter() - started)
            laptop.close()
        return pulled, seconds, folded
    finally:
        server.stop()


def raw_floor(synced: Path, folder: Path) -> tuple[int, float]:
    """The first sync's floor: the rows a first sync left on a laptop (``synced``, a profile
    folder), written again with raw ``sqlcipher3`` ``executemany`` into a fresh profile of
    the same schema (search-index triggers included), in one transaction: (rows, seconds)."""
    import sqlcipher3

    from supervision_app.security.secret_store import SecretStore
    from supervision_app.store.database import DATABASE_KEY_NAME, _search_fold_sql, open_database
    from supervision_app.store.wire_format import SYNCED_TABLES

    source = open_database(synced)
    tables = []
    with source.engine.connect() as conn:
        # records after their parts: the locking triggers refuse a part of a signed record
        # (foreign keys are checked at the commit)
        records = ("supervision_session", "oversight_note", "supervision_agreement")
        for name in [t for t in SYNCED_TABLES if t not in records] + list(records):
            result = conn.exec_driver_sql(f"SELECT * FROM {name}")
            tables.append((name, list(result.keys()), [tuple(row) for row in result]))
    source.close()
    fresh = open_database(folder)  # made and migrated by the app, as a new laptop's is
    key_hex = SecretStore(fresh.profile.profile_id).get(DATABASE_KEY_NAME)
    path = fresh.profile.database_path
    fresh.close()
    conn = sqlcipher3.connect(str(path))
    conn.execute(f'PRAGMA key = "x\'{key_hex}\'"')
    for pragma in ("foreign_keys = ON", "journal_mode = WAL", "synchronous = NORMAL", "secure_delete = ON"):
        conn.execute(f"PRAGMA {pragma}")
    conn.create_function("search_fold", 1, _search_fold_sql, deterministic=True)
    rows = sum(len(values) for _name, _columns, values in tables)
    started = time.perf_counter()
    conn.execute("BEGIN")
    conn.execute("PRAGMA defer_foreign_keys = ON")  # a team names its manager, a staff row its team
    for name, columns, values in tables:
        marks = ", ".join("?" for _ in columns)
        conn.executemany(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})", values)
    conn.commit()
    seconds = time.perf_counter() - started
    conn.close()
    return rows, seconds


def _spread(rows: int, seconds: list[float]) -> str:
    rates = sorted(rows / s for s in seconds)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"best {rates[-1]:,.0f}, median {statistics.median(rates):,.0f}, worst {rates[0]:,.0f} "
            f"rows/s ({len(rates)} runs; load average {load})")


def first_and_quiet_sync(url: str, folder: Path, manager: str, quiet_runs: int = 40):
    server = ServerProcess(url, folder / f"server-{secrets.token_hex(3)}.log").start()
    try:
        laptop = Laptop(folder / f"laptop-{secrets.token_hex(3)}", server.url)
        laptop.client.login(manager, PASSWORD)
        started = time.perf_counter()
        report = laptop.client.sync()
        first = time.perf_counter() - started
        times = []
        for _ in range(quiet_runs):
            t0 = time.perf_counter()
            quiet = laptop.client.sync()
            times.append((time.perf_counter() - t0) * 1000)
            assert quiet.pulled == 0
        laptop.close()
        return report.pulled, first, times
    finally:
        server.stop()


def _client_process(server_url: str, folder: str, username: str, seconds: float, barrier, results) -> None:
    """One laptop in its own process (so the bench measures the server, not one client
    process's GIL): sign in, first sync, then new record + sync in a loop, timing every
    HTTP request."""
    keyring.set_keyring(MemoryKeyring())
    from sqlalchemy import select

    from supervision_app.store import models as m

    latencies: list[float] = []
    errors: list[str] = []
    laptop = Laptop(Path(folder), server_url)
    try:
        laptop.client.login(username, PASSWORD)
        laptop.client.sync()
        with laptop.db.reading() as s:
            staff = s.execute(select(m.Staff.id, m.Staff.team_id).where(m.Staff.role == "social_worker")).first()
        with laptop.client._raw(write=False) as cur:
            supervisor = laptop.client._get(cur, "staff_id")
        original = laptop.client.http.request

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                latencies.append((time.perf_counter() - t0) * 1000)

        laptop.client.http.request = timed
        barrier.wait()
        stop = time.monotonic() + seconds
        while time.monotonic() < stop:
            try:
                with laptop.db.transaction() as s:
                    s.add(m.SupervisionSession(
                        supervisor_id=supervisor, supervisee_id=staff[0], team_id=staff[1],
                        held_at=datetime.now(timezone.utc), duration_minutes=45,
                        session_type="unplanned", state="draft", learning="bench"))
                laptop.client.sync()
            except Exception as error:  # noqa: BLE001
                errors.append(type(error).__name__)
    finally:
        laptop.close()
        results.put((latencies, errors))


def concurrent(url: str, folder: Path, managers: list[str], clients: int, seconds: float):
    """``clients`` laptops, each in its own process, syncing at once against one server."""
    import multiprocessing

    server = ServerProcess(url, folder / "server-concurrent.log").start()
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(clients + 1)
    results = ctx.Queue()
    try:
        procs = [ctx.Process(target=_client_process, args=(
            server.url, str(folder / f"c{i}"), managers[i % len(managers)], seconds, barrier, results))
            for i in range(clients)]
        for proc in procs:
            proc.start()
        barrier.wait(timeout=600)  # every laptop signed in and holding its share
        t0 = time.perf_counter()
        latencies: list[float] = []
        errors: list[str] = []
        for _ in procs:
            got, errs = results.get(timeout=600)
            latencies += got
            errors += errs
        elapsed = time.perf_counter() - t0
        for proc in procs:
            proc.join(60)
        ordered = sorted(latencies)
        p95 = ordered[int(0.95 * (len(ordered) - 1))] if ordered else float("nan")
        return len(latencies) / elapsed, p95, statistics.median(ordered) if ordered else 0, errors
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--teams", type=int, default=40, help="teams in the council-scale database")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of five years of history")
    parser.add_argument("--quick", action="store_true", help="10 teams, a fifth of the history")
    parser.add_argument("--pg", default=None, help="PostgreSQL admin URL (a database is created)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--first-runs", type=int, default=3, help="first syncs of the share, each timed")
    parser.add_argument("--first-only", action="store_true",
                        help="only the first sync of the council-scale share (no quiet syncs, no PostgreSQL)")
    args = parser.parse_args()
    if args.quick:
        args.teams, args.scale = 10, 0.2
    keyring.set_keyring(MemoryKeyring())
    from supervision_app.sync.server import accounts

    one_hash = accounts.hash_password(PASSWORD)  # argon2 once, not once per synthetic user
    accounts.hash_password = lambda _password: one_hash
    folder = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    results: list[tuple[str, str, str]] = []

    print(f"building the council-scale server database ({args.teams} teams) in {folder} ...", flush=True)
    large_url, large_engine, _, large_org, large_rows, t = build("sqlite", folder / "large", args.teams,
                                                                 args.scale, None)
    print(f"  {large_rows} rows in {t:.1f}s", flush=True)
    pulled_large, seconds, folded = first_syncs(large_url, folder, large_org["managers"][0], args.first_runs)
    results.append(("first sync, team manager's share (SQLite server, council-scale)",
                    f"{pulled_large} rows in {statistics.median(seconds):.2f}s (median)",
                    _spread(pulled_large, seconds)))
    results.append(("  ... and its WAL checkpoint done too (after sync() returned)",
                    f"{statistics.median(folded):.2f}s (median)", _spread(pulled_large, folded)))
    floor_rows, floor_seconds = raw_floor(folder / "laptop-first", folder / "laptop-floor")
    sync_rate = pulled_large / statistics.median(seconds)
    floor_rate = floor_rows / floor_seconds
    results.append(("  its floor: the same rows, raw sqlcipher3 executemany, one transaction",
                    f"{floor_rows} rows in {floor_seconds:.2f}s",
                    f"{floor_rate:,.0f} rows/s; first sync {sync_rate / floor_rate:.2f}x the floor "
                    f"(target >= 0.6x)"))
    if args.first_only:
        _print_table(results)
        return 0

    print("building the small server database (1 team) ...", flush=True)
    small_url, small_engine, _, small_org, small_rows, t = build("sqlite", folder / "small", 1, args.scale, None)
    print(f"  {small_rows} rows in {t:.1f}s", flush=True)
    pulled, first, small_quiet = first_and_quiet_sync(small_url, folder, small_org["managers"][0])
    _pulled, _first, large_quiet = first_and_quiet_sync(large_url, folder, large_org["managers"][0])
    results.append(("no-change sync, small server database",
                    f"{small_rows} rows on server", f"median {statistics.median(small_quiet):.1f} ms, "
                    f"p95 {sorted(small_quiet)[int(0.95 * (len(small_quiet) - 1))]:.1f} ms"))
    results.append(("no-change sync, council-scale server database",
                    f"{large_rows} rows on server", f"median {statistics.median(large_quiet):.1f} ms, "
                    f"p95 {sorted(large_quiet)[int(0.95 * (len(large_quiet) - 1))]:.1f} ms"))

    print("building the PostgreSQL server database ...", flush=True)
    pg_teams = min(args.teams, 20)
    pg_url, pg_engine, pg_drop, pg_org, pg_rows, t = build("postgresql", folder / "pg", pg_teams,
                                                           min(args.scale, 0.2), args.pg)
    print(f"  {pg_rows} rows in {t:.1f}s", flush=True)
    try:
        pulled_pg, first_pg, pg_quiet = first_and_quiet_sync(pg_url, folder, pg_org["managers"][0], 20)
        results.append(("first sync, team manager's share (PostgreSQL server)",
                        f"{pulled_pg} rows in {first_pg:.2f}s", _spread(pulled_pg, [first_pg])))
        results.append(("no-change sync (PostgreSQL server)", f"{pg_rows} rows on server",
                         f"median {statistics.median(pg_quiet):.1f} ms"))
        rps, p95, median, errors = concurrent(pg_url, folder, pg_org["managers"], args.clients, args.seconds)
        results.append((f"{args.clients} laptops at once, each: new record + sync (PostgreSQL)",
                        f"{args.seconds:.0f}s, errors: {len(errors)}",
                        f"{rps:,.0f} req/s, median {median:.1f} ms, p95 {p95:.1f} ms"))
    finally:
        pg_engine.dispose()
        pg_drop()

    _print_table(results)
    return 0


def _print_table(results: list[tuple[str, str, str]]) -> None:
    width = max(len(r[0]) for r in results)
    print()
    print(f"{'measure'.ljust(width)} | {'size':<36} | result")
    print("-" * (width + 74))
    for name, size, value in results:
        print(f"{name.ljust(width)} | {size:<36} | {value}")


if __name__ == "__main__":
    sys.exit(main())

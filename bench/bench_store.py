"""Benchmark: the store at council scale, SQLCipher against plain SQLite, side by side.

Generates the council of DESIGN.md §5 once (cached under bench/out/, reused while the
parameters and the generator's source are unchanged) into

* an encrypted profile, opened exactly as the app opens it (``open_database``), and
* a plain SQLite file with the same schema, triggers and FTS5 index (the same Alembic
  migrations run on a plain ``sqlite:///`` engine), filled from the same seed, so it holds
  identical rows,

then measures in one run:

(a) opening one worker's full supervision history (``history_queries.worker_history``)
    for the worker with the most sessions: first call on a fresh connection, then p50/p95;
(b) full-text search at service-manager scale (the four teams of one service area) over
    ~50 varied queries (``history_queries.search_records``), p50/p95;
(c) the same search SQL in the raw ``sqlite3`` module on the plain file (and in raw
    ``sqlcipher3`` on the encrypted file), to show what SQLAlchemy adds;
(d) SQLCipher against plain SQLite on the same queries, as a ratio.

Targets: history <= 50 ms, search p95 <= 30 ms, SQLCipher <= 1.2x plain. The table says
pass or fail; the exit status is 0 either way (a benchmark informs, CI does not gate on it).

Run: ``python bench/bench_store.py [--teams 40] [--years 5] [--rebuild]``.
Also measures what the FTS5 triggers cost during generation on a small slice.

The encrypted bench profile's key is kept in a small JSON file next to it
(bench/out/.../bench-keyring.json, mode 0600) by a bench-only keyring backend: the data is
synthetic, and the bench must reopen its cache on machines without a desktop keyring. The
app itself never does this. Nothing here prints record contents or the key.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlcipher3  # noqa: E402
from alembic import command  # noqa: E402
from keyring.backend import KeyringBackend  # noqa: E402
from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlalchemy.pool import QueuePool  # noqa: E402

from supervision_app.demo import generator  # noqa: E402
from supervision_app.security.secret_store import SecretStore  # noqa: E402
from supervision_app.store.database import (  # noqa: E402
    DATABASE_KEY_NAME,
    Database,
    Profile,
    open_database,
)
from supervision_app.store.history_queries import (  # noqa: E402
    MARK_END,
    MARK_START,
    SEARCH_SQL,
    fts_query,
    search_records,
    worker_history,
)
from supervision_app.store.migrations_config import alembic_config  # noqa: E402

OUT = ROOT / "bench" / "out"
TODAY = date(2026, 11, 23)

TARGET_HISTORY_MS = 50.0
TARGET_SEARCH_P95_MS = 30.0
TARGET_CIPHER_RATIO = 1.2

# ~50 varied queries: common and rare words, names with diacritics, phrases, prefixes
# (a word still being typed, down to three letters), two-word AND, words that match nothing, and hostile input.
QUERIES = (
    "school", "plan", "visit", "mother", "police", "worried", "placement", "contact",
    "exploitation", "tenancy", "CAMHS", "paediatrician", "kinship", "chronology",
    "conference", "therapeutic", "lodgings", "shadowing", "graded care profile", "refresher",
    "Zoë", "Łukasz", "Nguyễn", "Siân", "Jürgen", "Oliver", "Ngọc",
    '"core group"', '"safety plan"', '"strategy discussion"', '"family network meeting"',
    '"threshold for proceedings"', "strat", "exploi", "attend", "neglec", "housi", "pla", "con",
    "the",
    "neglect housing", "police school", "foster carer contact", "legal planning meeting",
    "zebra", "xylophone quartz", 'NEAR(school', '"unbalanced quote', "AND OR NOT",
    "* ^ : ( )", "col:foo -bar", "supported", "Ødegård",
)


# ------------------------------------------------------------------------- set-up

class BenchFileKeyring(KeyringBackend):
    """Bench-only: keeps the synthetic bench profile's key in a 0600 JSON file."""

    priority = 1  # type: ignore[assignment]

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def _load(self) -> dict[str, str]:
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}/{username}"] = password
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle)

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        data.pop(f"{service}/{username}", None)
        self.path.write_text(json.dumps(data))


def _configure_plain(engine: Engine) -> None:
    # the same connection settings the app gives its encrypted engine
    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.close()


def open_plain(path: Path) -> Database:
    """A plain (unencrypted) SQLite database with the app's schema, through the same
    Alembic migrations, wrapped in the app's ``Database`` class."""
    engine = create_engine(f"sqlite:///{path}", poolclass=QueuePool, pool_size=4,
                           connect_args={"check_same_thread": False, "timeout": 30},
                           hide_parameters=True)
    _configure_plain(engine)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    return Database(Profile(folder=path.parent, profile_id="00000000-0000-4000-8000-000000000000"),
                    engine)


def open_encrypted(folder: Path) -> Database:
    backend = BenchFileKeyring(folder.parent / "bench-keyring.json")
    return open_database(folder, lambda profile_id: SecretStore(profile_id, backend=backend))


def _encrypted_key(folder: Path) -> str:
    profile_id = json.loads((folder / "profile.json").read_text())["profile_id"]
    backend = BenchFileKeyring(folder.parent / "bench-keyring.json")
    return SecretStore(profile_id, backend=backend).get(DATABASE_KEY_NAME) or ""


def _source_fingerprint() -> str:
    """What the cached data depends on: the generator's source and the schema DDL (as a
    freshly migrated database reports it, so edits that change no SQL keep the cache)."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "supervision_app" / "demo").glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    with tempfile.TemporaryDirectory() as tmp:
        db = open_plain(Path(tmp) / "schema.db")
        with db.engine.connect() as connection:
            for (sql,) in connection.exec_driver_sql(
                    "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name"):
                digest.update(sql.encode())
        db.close()
    return digest.hexdigest()[:16]


def _progress(label: str) -> Callable[[int, int], None]:
    started = time.perf_counter()
    shown = [0]
    tty = sys.stderr.isatty()

    def report(done: int, planned: int) -> None:
        elapsed = time.perf_counter() - started
        line = f"  {label}: {done:,}/{planned:,} records, {elapsed:5.0f} s"
        if tty:
            print("\r" + line, end="", file=sys.stderr, flush=True)
        elif done * 10 // max(1, planned) > shown[0]:  # every tenth, when not a terminal
            shown[0] = done * 10 // max(1, planned)
            print(line, file=sys.stderr, flush=True)
    return report


def build(params: dict, rebuild: bool) -> tuple[Path, dict]:
    """The cached bench data for ``params``, generated if missing or stale."""
    name = "council-t{teams}-w{workers_per_team}-y{years}-s{seed}-{today}".format(**params)
    folder = OUT / name
    meta_path = folder / "meta.json"
    fingerprint = _source_fingerprint()
    if not rebuild and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("params") == params and meta.get("source") == fingerprint:
            print(f"Reusing cached bench data in {folder.relative_to(ROOT)}")
            return folder, meta
        print("Cached bench data is stale (parameters or generator changed); regenerating.")
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    meta: dict = {"params": params, "source": fingerprint}
    kwargs = dict(today=date.fromisoformat(params["today"]), seed=params["seed"],
                  teams=params["teams"], workers_per_team=params["workers_per_team"],
                  years=params["years"])
    for label, opener, target in (("encrypted", open_encrypted, folder / "encrypted"),
                                  ("plain", open_plain, folder / "plain.db")):
        print(f"Generating the council into the {label} database...", file=sys.stderr)
        db = opener(target)
        try:
            summary = generator.populate_council(db, progress=_progress(label), **kwargs)
        finally:
            db.close()
        print(file=sys.stderr)
        meta[label] = {"seconds": round(summary.seconds, 1), "counts": dict(summary.counts),
                       "load_average": round(os.getloadavg()[0], 1)}
        meta["team_ids"] = list(summary.team_ids)
        meta["service_area_teams"] = list(summary.team_ids[:4])
    meta["sizes_mb"] = {
        "encrypted": round(sum(p.stat().st_size for p in (folder / "encrypted").glob("records.db*")) / 1e6, 1),
        "plain": round(sum(p.stat().st_size for p in folder.glob("plain.db*")) / 1e6, 1),
    }
    meta_path.write_text(json.dumps(meta, indent=2))
    return folder, meta


def fts_trigger_cost(seed: int) -> tuple[float, float, int]:
    """Generate a two-team, five-year slice into plain databases with and without the
    search-index triggers; returns (seconds with, seconds without, index rows)."""
    times = []
    rows = 0
    with tempfile.TemporaryDirectory() as tmp:
        for with_index in (True, False):
            db = open_plain(Path(tmp) / f"slice-{with_index}.db")
            if not with_index:
                with db.engine.begin() as connection:
                    names = connection.exec_driver_sql(
                        "SELECT name FROM sqlite_master WHERE type='trigger' AND name LIKE '%_search_%'"
                    ).scalars().all()
                    for trigger in names:
                        connection.exec_driver_sql(f"DROP TRIGGER {trigger}")
            summary = generator.populate_council(db, today=TODAY, seed=seed, teams=2)
            times.append(summary.seconds)
            if with_index:
                with db.engine.connect() as connection:
                    rows = connection.exec_driver_sql("SELECT count(*) FROM search_key").scalar()
            db.close()
    return times[0], times[1], rows


# ------------------------------------------------------------------------- measuring
#
# Every comparison is interleaved (one run on each side in turn), so a busy machine slows
# both sides alike instead of whichever happened to run second. Both files are read once
# beforehand so they sit in the OS cache: a "first" call then measures SQLite's empty page
# cache (and SQLCipher decrypting every page it reads), not the disk.

def _ms(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _stats(values: list[float]) -> dict:
    return {"p50": _p(values, 0.5), "p95": _p(values, 0.95), "max": max(values)}


def warm_os_cache(paths: list[Path]) -> float:
    started = time.perf_counter()
    for path in paths:
        with path.open("rb") as handle:
            while handle.read(8 << 20):
                pass
    return time.perf_counter() - started


def busiest_worker(db: Database) -> tuple[str, int]:
    with db.reading() as session:
        row = session.execute(text(
            "SELECT supervisee_id, count(*) FROM supervision_session GROUP BY supervisee_id "
            "ORDER BY count(*) DESC, supervisee_id LIMIT 1")).one()
    return row[0], row[1]


def _fresh_connection(db: Database, session) -> None:
    """Drop pooled connections (so SQLite's page cache is empty) and open one, reading
    the schema as the app does at start, so 'first' times the query and not the open."""
    db.engine.dispose()
    session.execute(text("SELECT count(*) FROM team")).scalar()


def measure_history(dbs: dict[str, Database], worker_id: str, fresh: int, repeat: int) -> dict:
    firsts: dict[str, list[float]] = {name: [] for name in dbs}
    runs: dict[str, list[float]] = {name: [] for name in dbs}
    shape = None
    for _ in range(fresh):
        for name, db in dbs.items():
            with db.reading() as session:
                _fresh_connection(db, session)
                firsts[name].append(_ms(lambda: worker_history(session, worker_id)))
    sessions = {name: db._sessions() for name, db in dbs.items()}
    try:
        for _name, session in sessions.items():
            result = worker_history(session, worker_id)
            shape = (len(result), sum(len(s.discussions) for s in result),
                     sum(len(s.actions) for s in result))
        for _ in range(repeat):
            for name, session in sessions.items():
                runs[name].append(_ms(lambda: worker_history(session, worker_id)))  # noqa: B023 - _ms calls it at once
    finally:
        for session in sessions.values():
            session.close()
    return {name: {"first": _p(firsts[name], 0.5), **_stats(runs[name]), "shape": shape}
            for name in dbs}


def measure_search_orm(dbs: dict[str, Database], team_ids: list[str], repeat: int) -> dict:
    times: dict[str, list[float]] = {name: [] for name in dbs}
    firsts: dict[str, list[float]] = {name: [] for name in dbs}
    hits = {name: 0 for name in dbs}
    sessions = {}
    for name, db in dbs.items():
        sessions[name] = db._sessions()
        _fresh_connection(db, sessions[name])
    try:
        for query in QUERIES:
            for name, session in sessions.items():
                firsts[name].append(_ms(lambda: search_records(session, query, team_ids=team_ids)))  # noqa: B023
                hits[name] += len(search_records(session, query, team_ids=team_ids))
            for _ in range(repeat):
                for name, session in sessions.items():
                    times[name].append(_ms(lambda: search_records(session, query, team_ids=team_ids)))  # noqa: B023
    finally:
        for session in sessions.values():
            session.close()
    return {name: {**_stats(times[name]), "first_p95": _p(firsts[name], 0.95), "hits": hits[name]}
            for name in dbs}


def _raw_sql(team_count: int) -> str:
    placeholders = ", ".join(f":team{i}" for i in range(team_count))
    return SEARCH_SQL.replace("IN :team_ids", f"IN ({placeholders})")


def measure_search_raw(connects: dict[str, Callable[[], object]], team_ids: list[str],
                       repeat: int) -> dict:
    sql = _raw_sql(len(team_ids))
    connections = {name: connect() for name, connect in connects.items()}
    times: dict[str, list[float]] = {name: [] for name in connects}
    hits = {name: 0 for name in connects}
    try:
        for connection in connections.values():
            connection.execute("SELECT count(*) FROM team").fetchone()
        for query in QUERIES:
            fts = fts_query(query)
            if fts is None:
                continue
            params = {"query": fts, "limit": 50, "mark_start": MARK_START,
                      "mark_end": MARK_END, **{f"team{i}": t for i, t in enumerate(team_ids)}}
            for name, connection in connections.items():
                hits[name] += len(connection.execute(sql, params).fetchall())
            for _ in range(repeat):
                for name, connection in connections.items():
                    times[name].append(_ms(lambda: connection.execute(sql, params).fetchall()))  # noqa: B023 - _ms calls it at once
    finally:
        for connection in connections.values():
            connection.close()
    return {name: {**_stats(times[name]), "hits": hits[name]} for name in connects}


# ------------------------------------------------------------------------- report

def _row(name: str, value: str, target: str = "", ok: bool | None = None) -> str:
    verdict = "" if ok is None else ("PASS" if ok else "FAIL")
    return f"  {name:<60} {value:>24}  {target:>9}  {verdict}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--teams", type=int, default=40)
    parser.add_argument("--workers-per-team", type=int, default=10)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--seed", type=int, default=generator.DEFAULT_SEED)
    parser.add_argument("--today", default=TODAY.isoformat())
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per search query")
    parser.add_argument("--rebuild", action="store_true", help="regenerate the cached data")
    parser.add_argument("--skip-fts-cost", action="store_true",
                        help="skip measuring the search-index triggers' cost on a slice")
    args = parser.parse_args(argv)
    params = {"teams": args.teams, "workers_per_team": args.workers_per_team,
              "years": args.years, "seed": args.seed, "today": args.today}

    folder, meta = build(params, args.rebuild)
    encrypted_file = folder / "encrypted" / "records.db"
    plain_file = folder / "plain.db"
    warm_seconds = warm_os_cache([encrypted_file, plain_file])
    load_before = os.getloadavg()[0]
    dbs = {"cipher": open_encrypted(folder / "encrypted"), "plain": open_plain(plain_file)}
    team_ids = meta["service_area_teams"]
    worker_id, worker_sessions = busiest_worker(dbs["cipher"])
    key = _encrypted_key(folder / "encrypted")

    def connect_cipher():
        connection = sqlcipher3.connect(str(encrypted_file))
        connection.execute(f"PRAGMA key = \"x'{key}'\"")
        return connection

    try:
        history = measure_history(dbs, worker_id, fresh=5, repeat=40)
        search = measure_search_orm(dbs, team_ids, args.repeat)
        raw = measure_search_raw({
            "sqlite3": lambda: sqlite3.connect(str(plain_file)),
            "sqlcipher3": connect_cipher,
            "sqlcipher3, no key": lambda: sqlcipher3.connect(str(plain_file)),
        }, team_ids, args.repeat)
    finally:
        for db in dbs.values():
            db.close()
    load_after = os.getloadavg()[0]
    fts = None if args.skip_fts_cost else fts_trigger_cost(args.seed)

    counts = meta["encrypted"]["counts"]
    hc, hp = history["cipher"], history["plain"]
    sc, sp = search["cipher"], search["plain"]
    print()
    print(f"Store benchmark: {args.teams} teams x {args.workers_per_team} workers, "
          f"{args.years} years (seed {args.seed}, today {args.today})")
    print(f"  data: {counts['sessions']:,} sessions, {counts['case_discussions']:,} case "
          f"discussions, {counts['actions']:,} actions, {counts['oversight_notes']:,} oversight "
          f"notes, {counts['action_reviews']:,} action reviews, {counts['signatures']:,} signatures")
    print(f"  files: encrypted {meta['sizes_mb']['encrypted']} MB, plain {meta['sizes_mb']['plain']} MB "
          f"(read into the OS cache first: {warm_seconds:.1f} s)")
    print(f"  machine: {os.cpu_count()} CPUs, load average {load_before:.1f} before the "
          f"measurements and {load_after:.1f} after; cipher and plain runs interleaved")
    print(f"  SQLite: SQLCipher {sqlcipher3.sqlite_version} "
          f"({sqlcipher3.connect(':memory:').execute('PRAGMA cipher_version').fetchone()[0]}), "
          f"stdlib sqlite3 {sqlite3.sqlite_version}; Python {sys.version.split()[0]}")
    print()
    print(_row("metric", "measured", "target", None).rstrip())
    for label in ("encrypted", "plain"):
        print(_row(f"generate council, {label} (s; load average at the end)",
                   f"{meta[label]['seconds']:.1f} ({meta[label].get('load_average', '?')})"))
    if fts:
        with_s, without_s, rows = fts
        share = (with_s - without_s) / with_s * 100
        print(_row(f"FTS5 triggers, 2-team slice ({rows:,} index rows): with/without",
                   f"{with_s:.1f} s / {without_s:.1f} s ({share:.0f}%)"))
    sessions_, discussions_, actions_ = hc["shape"]
    print(_row(f"(a) worker history: {sessions_} sessions, {discussions_} discussions, "
               f"{actions_} actions", ""))
    ok = hc["first"] <= TARGET_HISTORY_MS and hc["p95"] <= TARGET_HISTORY_MS
    print(_row("    SQLCipher: first (fresh connection) / p50 / p95 ms",
               f"{hc['first']:.1f} / {hc['p50']:.1f} / {hc['p95']:.1f}",
               f"<= {TARGET_HISTORY_MS:.0f}", ok))
    print(_row("    plain:     first (fresh connection) / p50 / p95 ms",
               f"{hp['first']:.1f} / {hp['p50']:.1f} / {hp['p95']:.1f}"))
    print(_row(f"(b) search, 4 of {args.teams} teams, {len(QUERIES)} queries x {args.repeat}", ""))
    print(_row("    SQLCipher, search_records: p50 / p95 ms", f"{sc['p50']:.2f} / {sc['p95']:.2f}",
               f"<= {TARGET_SEARCH_P95_MS:.0f}", sc["p95"] <= TARGET_SEARCH_P95_MS))
    print(_row("    SQLCipher, first run of each query: p95 ms", f"{sc['first_p95']:.2f}",
               f"<= {TARGET_SEARCH_P95_MS:.0f}", sc["first_p95"] <= TARGET_SEARCH_P95_MS))
    print(_row("    plain, search_records: p50 / p95 ms", f"{sp['p50']:.2f} / {sp['p95']:.2f}"))
    print(_row("(c) the same SQL in raw drivers: p50 / p95 ms", ""))
    for name, label in (("sqlite3", "raw sqlite3, plain file"),
                        ("sqlcipher3", "raw sqlcipher3, encrypted file"),
                        ("sqlcipher3, no key", "raw sqlcipher3 library, plain file")):
        print(_row(f"    {label}", f"{raw[name]['p50']:.2f} / {raw[name]['p95']:.2f}"))
    print(_row("    search_records (plain) over raw sqlite3, p50 ratio",
               f"{sp['p50'] / raw['sqlite3']['p50']:.2f}x"))
    print(_row("(d) SQLCipher / plain", ""))
    target = f"<= {TARGET_CIPHER_RATIO}x"
    for label, ratio in (
        ("worker history, first call (medians of 5)", hc["first"] / hp["first"]),
        ("worker history, p50", hc["p50"] / hp["p50"]),
        ("search via search_records, p95", sc["p95"] / sp["p95"]),
        ("search, raw, same SQLite build with and without key, p95",
         raw["sqlcipher3"]["p95"] / raw["sqlcipher3, no key"]["p95"]),
    ):
        print(_row(f"    {label}", f"{ratio:.2f}x", target, ratio <= TARGET_CIPHER_RATIO))
    if sc["hits"] != sp["hits"] or len({r["hits"] for r in raw.values()}) != 1:
        print("  WARNING: the databases returned different numbers of hits; are they from the same seed?")
    print(f"  (busiest worker: {worker_sessions} sessions; search hits in total: {sc['hits']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: assurance figures at council scale.

Measures, on the council profile that ``bench/bench_store.py`` caches under ``bench/out/``
(40 teams, 5 years: ~22,000 sessions, ~180,000 case discussions, ~150,000 actions, ~100,000
oversight notes), opened **read-only** (``PRAGMA query_only``). If the cache predates
migration 0005 (which adds the indexes the figures read), a copy is migrated once under
``bench/out/assurance-*`` and reused; the original cache is never changed:

(a) the head-of-service compliance dashboard (every team), 3/6/12 months: target <= 200 ms;
(b) a team manager's dashboard (one team): target <= 50 ms;
(c) a service manager's dashboard (four teams), for information;
(d) the near-duplicate scan over a service's case discussions (12 months and the whole
    five years), and the full quality-signal pass for that service.

Group supervision (issue 21): on a generated slice, each team manager also holds a monthly
group session with their team for the five years (one in eight sends apologies; each present
attendee has an action; a child discussed), signed by the supervisor and every present
attendee except the latest month's, and every other team's policy counts group sessions
toward frequency, so the dashboards read and count them as a council's would. The cached
council is read-only and has none (said in the output).

If the cache is missing it generates a four-team slice (a service area) in a temporary
profile instead, and says so. Prints a table with the targets; exit status 0 either way.
Nothing here prints record contents.

Run: ``python bench/bench_assurance.py [--repeat 7]``.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import URL, create_engine, event, select  # noqa: E402
from sqlalchemy.pool import QueuePool  # noqa: E402

from supervision_app.assurance.compliance import compliance_dashboard  # noqa: E402
from supervision_app.assurance.near_duplicates import TextUnit, find_near_duplicates  # noqa: E402
from supervision_app.assurance.rules import period_months  # noqa: E402
from supervision_app.assurance.signals import DISCUSSION_FIELDS, quality_signals  # noqa: E402
from supervision_app.store.database import Database, Profile  # noqa: E402
from supervision_app.store.models import (  # noqa: E402
    CaseDiscussion,
    ServiceArea,
    Staff,
    SupervisionSession,
    Team,
)
from supervision_app.store.supervision_records import load_actor  # noqa: E402

OUT = ROOT / "bench" / "out"
TODAY = date(2026, 11, 23)
TARGET_HOS_MS = 200.0
TARGET_TEAM_MS = 50.0


def _revision(db: Database) -> str | None:
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from supervision_app.store.migrations_config import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


def _read_only(folder: Path) -> Database:
    from bench.bench_store import _encrypted_key

    key = _encrypted_key(folder)
    url = URL.create("sqlite+pysqlcipher", password=f"x'{key}'", database=str(folder / "records.db"))
    engine = create_engine(url, poolclass=QueuePool, pool_size=2,
                           connect_args={"check_same_thread": False}, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _query_only(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA query_only = ON")
        cursor.close()

    return Database(Profile(folder=folder, profile_id="bench"), engine)


def _counts(db: Database) -> str:
    with db.engine.connect() as conn:
        n = {t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar()
             for t in ("supervision_session", "case_discussion", "action_item", "oversight_note", "child")}
    return (f"{n['supervision_session']:,} sessions, {n['case_discussion']:,} case discussions, "
            f"{n['action_item']:,} actions, {n['oversight_note']:,} oversight notes, {n['child']:,} children")


def _index_columns(conn, name: str) -> tuple[str, ...]:
    return tuple(r[2] for r in conn.exec_driver_sql(f"PRAGMA index_info({name})"))


def _has_indexes(db: Database) -> bool:
    """Every index the figures read, with the columns the migrations give it now (a copy
    migrated while a migration was still being written may hold an older, narrower one)."""
    with db.engine.connect() as conn:
        return all(_index_columns(conn, name) == tuple(columns) for name, _table, columns in _indexes())


def _add_indexes(folder: Path) -> None:
    """Bring a migrated copy's figure indexes up to date (the copy only, never the cache)."""
    from bench.bench_store import open_encrypted

    db = open_encrypted(folder)
    with db.engine.begin() as conn:
        for name, table, columns in _indexes():
            if _index_columns(conn, name) != tuple(columns):
                conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
                conn.exec_driver_sql(f"CREATE INDEX {name} ON {table} ({', '.join(columns)})")
    db.close()


def _indexes():
    """(name, table, columns) of every index the assurance migrations add."""
    import importlib

    out = []
    for module in ("0004_assurance", "0007_assurance_indexes"):
        try:
            found = importlib.import_module(f"supervision_app.store.migrations.versions.{module}")
        except ModuleNotFoundError:
            continue
        out.extend(found.INDEXES)
    return out


def open_cached() -> tuple[Database, str] | None:
    """The cached council, read-only. If it lacks what migrations 0005 and 0006 add (the
    assurance indexes), a copy is migrated once into bench/out/assurance-<name>/ and reused
    (and migrated again in place when a new migration lands); the original cache is never
    touched."""
    from bench.bench_store import open_encrypted

    # a migrated copy made earlier (also used while bench_store is rebuilding its cache):
    # brought to the newest schema in place (additive migrations, seconds) and reused
    for copy in sorted(OUT.glob("assurance-council-t40-*")) if OUT.exists() else []:
        migrated = copy / "encrypted"
        if (migrated / "records.db").exists():
            db = _read_only(migrated)
            at_head = _revision(db) == _head()
            if not (at_head and _has_indexes(db)):
                db.close()
                if not at_head:
                    print(f"Migrating {copy.relative_to(ROOT)} to {_head()}...", file=sys.stderr)
                    open_encrypted(migrated).close()
                _add_indexes(migrated)
                db = _read_only(migrated)
            return db, f"migrated copy of the cached council ({_counts(db)})"
    candidates = sorted(OUT.glob("council-t40-*")) if OUT.exists() else []
    for folder in candidates:
        source = folder / "encrypted"
        if not (source / "records.db").exists() or not (folder / "meta.json").exists():
            continue  # missing, or being rebuilt by bench_store
        label = f"cached council {folder.name}"
        db = _read_only(source)
        if _revision(db) == _head() and _has_indexes(db):
            return db, f"{label} ({_counts(db)})"
        db.close()
        copy = OUT / f"assurance-{folder.name}"
        migrated = copy / "encrypted"
        if migrated.exists():
            db = _read_only(migrated)
            db.close()
            shutil.rmtree(copy)
        print(f"Copying the cache to {copy.relative_to(ROOT)} and migrating the copy to {_head()}...",
              file=sys.stderr)
        copy.mkdir(parents=True)
        shutil.copytree(source, migrated)
        shutil.copy2(folder / "bench-keyring.json", copy / "bench-keyring.json")
        open_encrypted(migrated).close()
        _add_indexes(migrated)
        db = _read_only(migrated)
        return db, f"{label}, migrated copy ({_counts(db)})"
    return None


def add_group_sessions(db: Database) -> str:
    """Monthly group sessions for every team over the five years (see the module's note).

    Rows are written directly, not through ``records.group_signoff``: the figures read who
    signed (kind, record, signer), never the signature's bytes, and signing ~20,000 copies
    would take the bench hours. The shared part is written before any signature, as the
    lock triggers require."""
    import json as json_
    from datetime import datetime, timezone

    from supervision_app.domain.supervision_policy import SupervisionPolicy
    from supervision_app.store.group_models import GroupAction, GroupAttendance, GroupDiscussion, GroupSession
    from supervision_app.store.models import Child, Signature

    groups = attendance = 0
    signatures: list[Signature] = []
    with db.transaction() as s:
        teams = s.scalars(select(Team).where(Team.manager_id.is_not(None)).order_by(Team.name)).all()
        for n, team in enumerate(teams):
            if n % 2 == 0:
                team.supervision_policy = json_.dumps(SupervisionPolicy(group_counts_toward_frequency=True).to_json())
            workers = s.scalars(select(Staff.id).where(Staff.team_id == team.id, Staff.role == "social_worker",
                                                       Staff.active.is_(True)).order_by(Staff.id)).all()
            children = s.scalars(select(Child.id).where(Child.allocated_worker_id.in_(workers))
                                 .order_by(Child.id).limit(60)).all()
            if not workers:
                continue
            for back in range(60):
                index = TODAY.year * 12 + TODAY.month - 1 - back
                held = datetime(index // 12, index % 12 + 1, 12, 10, tzinfo=timezone.utc)
                if held.date() > TODAY:
                    continue
                group = GroupSession(supervisor_id=team.manager_id, team_id=team.id, held_at=held,
                                     duration_minutes=90, location="Room 1", themes="Reflective group")
                s.add(group)
                s.flush()
                present = []
                for k, worker in enumerate(workers):
                    here = (k + back) % 8 != 0
                    row = GroupAttendance(group_session_id=group.id, attendee_id=worker,
                                          attendance="present" if here else "apologies")
                    s.add(row)
                    attendance += 1
                    if here:
                        present.append((worker, row))
                        s.add(GroupAction(group_session_id=group.id, owner_id=worker, description="Read",
                                          due_on=held.date(), status="open" if back < 3 else "done"))
                if children:
                    s.add(GroupDiscussion(group_session_id=group.id, child_id=children[back % len(children)],
                                          summary="s", decision="d", rationale="r"))
                s.flush()
                signers = [(team.manager_id, "group_session", group.id, "supervisor")]
                signers += [(worker, "group_attendance", row.id, "supervisee")
                            for j, (worker, row) in enumerate(present) if back > 0 or j > 0]
                signatures += [Signature(record_kind=kind, record_id=rid, signer_id=who, signer_role=role,
                                         signed_at=held, digest="0" * 64) for who, kind, rid, role in signers]
                groups += 1
        s.add_all(signatures)
    return f"{groups:,} group sessions, {attendance:,} attendances, {len(signatures):,} signatures"


def generate_slice(tmp: Path) -> tuple[Database, str]:
    import keyring

    from supervision_app.demo import generator
    from supervision_app.store.database import open_database
    from tests.memory_keyring import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())
    db = open_database(tmp / "profile")
    generator.populate_council(db, today=TODAY, teams=4)
    groups = add_group_sessions(db)
    return db, f"GENERATED four-team slice (no cached council under bench/out/; run bench_store.py), with {groups}"


CPU_P50: dict[int, float] = {}  # id(result) -> p50 of this process's CPU time, ms


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float, float, float, object]:
    """First call, then best, p50 and max over ``repeat`` more, in ms (wall clock). The p50
    of the CPU time this process spent is kept too: on a busy machine the wall clock also
    counts the time other processes held the CPU."""
    start = time.perf_counter()
    result = fn()
    first = (time.perf_counter() - start) * 1000
    runs, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    CPU_P50[id(result)] = statistics.median(cpu)
    return first, min(runs), statistics.median(runs), max(runs), result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--dashboards-only", action="store_true",
                        help="skip the (slow) near-duplicate scans and quality signals")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cached = open_cached()
        db, label = cached or generate_slice(Path(tmp))
        if cached is not None:
            label += "; no group sessions (read-only cache)"
        print(f"Data: {label}")
        print(f"Load average at the start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        with db.reading() as s:
            hos_id = s.scalar(select(Staff.id).where(Staff.role == "head_of_service"))
            area = s.scalars(select(ServiceArea).order_by(ServiceArea.name)).first()
            team = s.scalars(select(Team).where(Team.service_area_id == area.id).order_by(Team.name)).first()
            hos, tm = load_actor(s, hos_id), load_actor(s, team.manager_id)
            sm = load_actor(s, area.manager_id)
        rows = []

        def dash(actor, months):
            def run():
                with db.reading() as s:
                    return compliance_dashboard(s, actor, today=TODAY, months=months)
            return run

        for months in (3, 6, 12):
            first, best, p50, worst, d = timed(dash(hos, months), args.repeat)
            rows.append((f"Head of service dashboard, {months} months ({len(d.workers)} workers)",
                         first, best, p50, worst, TARGET_HOS_MS, CPU_P50.get(id(d))))
        for months in (3, 6, 12):
            first, best, p50, worst, d = timed(dash(tm, months), args.repeat)
            rows.append((f"Team dashboard, {months} months ({len(d.workers)} workers)",
                         first, best, p50, worst, TARGET_TEAM_MS, CPU_P50.get(id(d))))
        first, best, p50, worst, d = timed(dash(sm, 12), args.repeat)
        rows.append((f"Service manager dashboard, 12 months ({len(d.teams)} teams)", first, best, p50, worst,
                     None, CPU_P50.get(id(d))))
        # the part of the head of service's dashboard that reads group sessions (issue 21)
        laps: list[float] = []
        for _ in range(args.repeat):
            timings: dict[str, float] = {}
            with db.reading() as s:
                d = compliance_dashboard(s, hos, today=TODAY, months=12, timings=timings)
            laps.append(timings.get("group sessions attended", 0.0))
        attended = d.total.get("group_sessions_signed")  # (absent before issue 21's figures)
        shown = f"{attended.numerator:,}/{attended.denominator:,}" if attended else "not counted"
        rows.append((f"  of which group sessions read, head of service, 12 months ({shown} attended signed)",
                     laps[0], min(laps), statistics.median(laps), max(laps), None, None))

        def scan(since):
            def run():
                with db.reading() as s:
                    staff = select(Staff.id).where(Staff.team_id.in_(sorted(sm.managed_team_ids)))
                    conditions = [SupervisionSession.supervisee_id.in_(staff),
                                  SupervisionSession.state != "draft"]
                    if since:
                        from supervision_app.assurance.compliance_rows import utc_start
                        conditions.append(SupervisionSession.held_at >= utc_start(since))
                    cols = [getattr(CaseDiscussion, f) for f in DISCUSSION_FIELDS]
                    units = []
                    for row in s.execute(select(CaseDiscussion.id, CaseDiscussion.session_id, *cols)
                                         .join(SupervisionSession,
                                               SupervisionSession.id == CaseDiscussion.session_id)
                                         .where(*conditions)):
                        for f in DISCUSSION_FIELDS:
                            text = getattr(row, f)
                            if text:
                                units.append(TextUnit("case_discussion", row.id, f, row.session_id, text))
                    pairs = find_near_duplicates(units)
                    return len({u.record_id for u in units}), len(pairs)
            return run

        year_ago = period_months(TODAY, 12).start
        for since, what in [] if args.dashboards_only else ((year_ago, "12 months"), (None, "5 years")):
            first, best, p50, worst, (n, pairs) = timed(scan(since), 1)
            rows.append((f"Near-duplicate scan, service, {what} ({n:,} discussions, {pairs:,} pairs)",
                         first, best, p50, worst, None, None))

        def all_signals():
            with db.reading() as s:
                return quality_signals(s, sm, today=TODAY, since=year_ago)
        if not args.dashboards_only:
            first, best, p50, worst, sig = timed(all_signals, 1)
            rows.append((f"All quality signals, service, 12 months ({len(sig.signals):,} signals)",
                         first, best, p50, worst, None, None))
        db.close()

    width = max(len(r[0]) for r in rows)
    print(f"\n{'Measure':<{width}}  {'first':>8}  {'best':>8}  {'p50':>8}  {'max':>8}  {'cpu p50':>8}"
          f"  {'target':>8}  result")
    for name, first, best, p50, worst, target, cpu in rows:
        verdict = "" if target is None else ("PASS" if p50 <= target else "FAIL")
        t = "" if target is None else f"{target:.0f} ms"
        c = "" if cpu is None else f"{cpu:.0f}ms"
        print(f"{name:<{width}}  {first:7.0f}ms {best:7.0f}ms {p50:7.0f}ms {worst:7.0f}ms {c:>8}  {t:>8}  {verdict}")
    print("\nms = milliseconds of compute (queries + rules), warm cache after the first call;"
          f" PASS/FAIL on the p50. Load average at the end: {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} CPUs (other processes slow the wall clock).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

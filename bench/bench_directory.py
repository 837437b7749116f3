"""Directory import and administration at council scale (issue 18).

    python -m bench.bench_directory [--teams 40] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test]
                                    [--keep DIR]

1. The demo generator's council directory (DESIGN.md §5: 40 teams in 10 service areas, about
   450 staff, 6,000 children, each worker's last supervision before "go-live") is written
   out as the four CSV files of docs/INSTALL.md "Go-live" (areas, teams, staff, children).
2. ``supervision-server import-directory`` is run on them as IT would, against a fresh
   SQLite database (and PostgreSQL with ``--pg``): a dry run, the import (target: well
   under a minute), and the same files again (nothing to change).
3. Each administration command is run once as a subprocess on the imported council, and
   ``migrate`` on the migrated database, which is what every command used to do first.

Times are wall-clock seconds of the whole command (Python start included) and the CPU
seconds it used: on a shared machine the wall figure spreads with the load (shown).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from supervision_app.demo import generator  # noqa: E402

IMPORT_TARGET_S = 60.0


def council_directory(teams: int, today: date) -> dict:
    """The generator's directory and each worker's schedule, without writing any history."""
    captured: dict = {}

    def keep_directory(self, _db) -> None:
        captured["directory"] = self

    def keep_contexts(_db, contexts, **_kw):
        captured["contexts"] = contexts
        return {}

    original = (generator.Directory.write, generator.write_streams)
    generator.Directory.write, generator.write_streams = keep_directory, keep_contexts
    try:
        generator.populate_council(None, today=today, teams=teams)
    finally:
        generator.Directory.write, generator.write_streams = original
    return captured


def write_csvs(folder: Path, captured: dict, today: date) -> list[Path]:
    d = captured["directory"]
    hr = {row["id"]: f"HR{n:05d}" for n, row in enumerate(d.staff, start=1)}
    area_ref = {row["id"]: f"AREA{n:02d}" for n, row in enumerate(d.areas, start=1)}
    team_ref = {row["id"]: f"TEAM{n:03d}" for n, row in enumerate(d.teams, start=1)}
    area_manager = {r["b_id"]: r["b_manager"] for r in d.area_managers}
    team_manager = {r["b_id"]: r["b_manager"] for r in d.team_managers}
    last_held = {w.id: max((day for day in w.dates if day < today), default=None)
                 for ctx in captured["contexts"] for w in ctx.workers}
    head = next(row["id"] for row in d.staff if row["role"] == "head_of_service")
    area_of_manager = {m: a for a, m in area_manager.items()}

    def line_manager(row) -> str:
        if row["role"] == "service_manager":
            return hr[head]
        if row["role"] == "team_manager":
            team = next(t for t in d.teams if t["id"] == row["team_id"])
            return hr[area_manager[team["service_area_id"]]]
        return ""

    files = {
        "areas.csv": [["area_id", "name", "manager_staff_id"]] + [
            [area_ref[a["id"]], a["name"], hr[area_manager[a["id"]]]] for a in d.areas],
        "teams.csv": [["team_id", "name", "area_id", "manager_staff_id"]] + [
            [team_ref[t["id"]], t["name"], area_ref[t["service_area_id"]], hr[team_manager[t["id"]]]]
            for t in d.teams],
        "staff.csv": [["staff_id", "username", "name", "role", "team_id", "line_manager_staff_id",
                       "started_on", "asye_start", "last_supervised_on", "active"]] + [
            [hr[s["id"]], s["username"], s["display_name"], s["role"],
             team_ref.get(s["team_id"], ""), line_manager(s), s["started_on"].isoformat(),
             s["asye_start"].isoformat() if s["asye_start"] else "",
             last_held[s["id"]].isoformat() if last_held.get(s["id"]) else "", "yes"]
            for s in d.staff],
        "children.csv": [["case_id", "name", "date_of_birth", "legal_status", "worker_staff_id",
                          "closed_on"]] + [
            [c["case_id"], c["name"], c["date_of_birth"].isoformat(), c["legal_status"],
             hr[c["allocated_worker_id"]] if c["allocated_worker_id"] else "", ""]
            for c in d.children],
    }
    del area_of_manager
    paths = []
    for name, rows in files.items():
        path = folder / name
        with path.open("w", encoding="utf-8", newline="") as stream:
            csv.writer(stream).writerows(rows)
        paths.append(path)
    return paths


def timed(url: str, *argv: str) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds, stdout) of one ``supervision-server`` command."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPERVISION_SERVER_")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "supervision_app.sync.server.cli",
                           "--database-url", url, *argv], capture_output=True, text=True,
                          cwd=REPO, env=env, timeout=900)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{argv[0]} failed: {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def run_backend(label: str, url: str, files: list[Path], folder: Path) -> list[tuple[str, float, float]]:
    results = []
    names = [str(f) for f in files]
    results.append(("migrate (a fresh database)",) + timed(url, "migrate")[:2])
    results.append(("import-directory --dry-run",) + timed(url, "import-directory", *names, "--dry-run")[:2])
    wall, cpu, out = timed(url, "import-directory", *names, "--passwords-out",
                           str(folder / f"passwords-{label}.csv"), "--json")
    counts = json.loads(out)["counts"]
    results.append((f"import-directory ({sum(n['create'] for n in counts.values())} rows)", wall, cpu))
    results.append(("import-directory again (nothing changes)",) + timed(url, "import-directory", *names)[:2])
    teams = json.loads(timed(url, "list-teams", "--json")[2])
    users = json.loads(timed(url, "list-users", "--json")[2])
    worker = next(u["username"] for u in users if u["role"] == "social_worker")
    manager = next(u["username"] for u in users if u["role"] == "team_manager")
    children = json.loads(timed(url, "list-children", "--team", teams[0]["id"], "--json")[2])
    today = date.today()
    commands = [
        ("migrate (already at head: the old per-command check)", ["migrate"]),
        ("list-areas", ["list-areas"]),
        ("list-teams", ["list-teams"]),
        ("show-team", ["show-team", teams[0]["name"]]),
        ("list-users", ["list-users"]),
        ("list-users --team", ["list-users", "--team", teams[1]["name"]]),
        ("show-user", ["show-user", worker]),
        ("find", ["find", "smith"]),
        ("list-children (all)", ["list-children"]),
        ("show-child", ["show-child", children[0]["case_id"]]),
        ("rename-team", ["rename-team", teams[0]["id"], teams[0]["name"] + " (renamed)"]),
        ("rename-user", ["rename-user", worker, "Renamed Person"]),
        ("move-user", ["move-user", worker, teams[1]["id"]]),
        ("set-role", ["set-role", worker, "social_worker"]),
        ("set-line-manager", ["set-line-manager", manager, users[0]["username"]]),
        ("set-last-supervision", ["set-last-supervision", worker, str(today - timedelta(days=3))]),
        ("allocate-child", ["allocate-child", children[0]["case_id"], manager]),
        ("close-case", ["close-case", children[1]["case_id"]]),
        ("give-cover", ["give-cover", manager, teams[2]["id"], "--from", str(today),
                        "--to", str(today + timedelta(days=10))]),
        ("list-cover", ["list-cover"]),
        ("add-user --one-time-password", ["add-user", f"bench{secrets.token_hex(3)}", "--name",
                                          "Bench Person", "--role", "social_worker",
                                          "--one-time-password"]),
        ("add-child", ["add-child", f"BENCH-{secrets.token_hex(3)}", "--name", "Bench Child",
                       "--dob", "2015-01-01", "--legal-status", "child_in_need"]),
        ("enable-user", ["enable-user", worker]),
    ]
    for name, argv in commands:
        wall, cpu, _ = timed(url, *argv)
        results.append((name, wall, cpu))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--teams", type=int, default=40)
    parser.add_argument("--pg", default=None, help="a PostgreSQL admin URL: also run against it")
    parser.add_argument("--keep", type=Path, help="write the CSV files here and keep them")
    args = parser.parse_args()
    today = date.today()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-directory-"))
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    captured = council_directory(args.teams, today)
    files = write_csvs(folder, captured, today)
    d = captured["directory"]
    print(f"council: {len(d.areas)} areas, {len(d.teams)} teams, {len(d.staff)} staff, "
          f"{len(d.children)} children; CSV written in {time.perf_counter() - started:.1f} s "
          f"to {folder}")
    backends = [("sqlite", f"sqlite:///{folder / f'server-{secrets.token_hex(3)}.db'}", None)]
    if args.pg:
        from sqlalchemy import create_engine, text

        name = f"bench_directory_{secrets.token_hex(4)}"
        admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        backends.append(("postgresql", args.pg.rsplit("/", 1)[0] + f"/{name}", (admin, name)))
    for label, url, cleanup in backends:
        try:
            results = run_backend(label, url, files, folder)
        finally:
            if cleanup is not None:
                admin, name = cleanup
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        print(f"\n{label}  (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
        print(f"{'command':<56} {'wall s':>7} {'CPU s':>7}")
        for name, wall, cpu in results:
            verdict = ""
            if name.startswith("import-directory (") :
                verdict = "  PASS" if wall < IMPORT_TARGET_S else "  FAIL"
                verdict += f" (target < {IMPORT_TARGET_S:.0f} s)"
            print(f"{name:<56} {wall:7.2f} {cpu:7.2f}{verdict}")
    if not args.keep:
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()

"""Benchmark: the desktop client at service-manager scale (four teams, five years).

Side by side in one run:

(a) cold start, in a fresh process, against a bare PySide6 ``QMainWindow`` in a fresh
    process, to two marks. The usable window (target <= 2x): on screen, saying it is
    opening the records, and answering input while they open in the background; the
    longest the GUI thread is held up between that mark and the data (a 5 ms timer's
    longest gap) shows it does answer: target <= 50 ms. Then the team page painted with
    its data: target <= 1 s, a person's flow of thought. Importing SQLAlchemy alone takes
    about as long as a whole bare window, so holding the data to 2x a bare window would need
    a second way into the database beside the ORM; we chose not to have one.
(b) opening a worker's history, from the request to the rows on screen: target <= 50 ms;
(c) search through the GUI path (permission-filtered ``search_queries.search``), from the request
    to results on screen, p95 over varied queries: target <= 30 ms; each query runs twice, and
    the p95 of the first runs (index pages read from the encrypted file) and of the repeats
    (pages in SQLite's cache) are shown apart too;
(d) resident memory of the client after all that: target <= 300 MB;
(e) beside (a), the floor of the stack in a fresh process (``FLOOR``: PySide6 and SQLAlchemy's
    ORM imported, the SQLCipher profile opened with its key from the keyring, the team page's
    query run and its rows shown in a plain QTableView): team data on screen <= 1.5x that.

Cold starts run from compiled bytecode (cached under ``bench/out/pycache``, whatever
``PYTHONDONTWRITEBYTECODE`` says), as an installed app does, after one uncounted warm-up
run; the load average is printed with the figures, which on a shared machine move a lot.

The data is the generator's council slice (``populate_council(teams=4)``), cached under
``bench/out/``. The bench keeps the synthetic profile's key in a JSON file (a test-only
keyring backend); the app never does. Prints no record contents. Exit status 0 either way.

Run: ``xvfb-run -a python bench/bench_gui.py [--years 5] [--rebuild]`` (or with
``QT_QPA_PLATFORM=offscreen``).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERIES = ["school attendance", "neglect", "strategy discussion", "court", "safety plan",
           "substance misuse", "core group", "mother", "placement", "visit", "health",
           "legal planning", "domestic abuse", "pathway", "emotional wellbeing", "referral",
           "threshold", "family network", "contact", "education", "sleep", "housing", "police",
           "reflective", "training", "leave", "caseload", "conference", "review", "worried"]

BARE = """
import time, sys
t0 = float(sys.argv[1])
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
w = QMainWindow(); w.resize(1280, 800); w.show(); app.processEvents()
print("READY", time.time() - t0, time.process_time(), flush=True)
"""

APP = """
import time, sys
t0 = float(sys.argv[1])
from pathlib import Path
from PySide6.QtWidgets import QApplication
from supervision_app.gui.app import attach_when_open, open_shell
window = open_shell([sys.argv[0]])
print("SHELL", time.time() - t0, time.process_time(), flush=True)
app = QApplication.instance()

# A timer due every 5 ms on the GUI thread while the records open in the background: the
# longest gap between its ticks is the longest the window could not answer a key or a click.
from PySide6.QtCore import QTimer
ticks = [time.perf_counter()]
held = [time.thread_time()]  # the GUI thread's own CPU at each tick: the stall less the load
ticker = QTimer()
ticker.setInterval(5)
ticker.timeout.connect(lambda: (ticks.append(time.perf_counter()), held.append(time.thread_time())))
ticker.start()

def open_profile():
    from supervision_app.store.database import open_database
    return open_database(Path(sys.argv[2])), sys.argv[3]

def attached(w):
    page = w.pages["my_team"]
    def shown():
        app.processEvents()  # paint the rows
        print("READY", time.time() - t0, time.process_time(), flush=True)
        ticks.append(time.perf_counter())
        held.append(time.thread_time())
        stall = max(b - a for a, b in zip(ticks, ticks[1:]))
        print("STALL", stall, len(ticks), flush=True)
        print("STALL_CPU", max(b - a for a, b in zip(held, held[1:])), flush=True)
        app.exit(0)
    page.loaded.connect(shown)

attach_when_open(window, open_profile, on_problem=lambda m, c: (print("PROBLEM", m), app.exit(c)),
                 on_attached=attached)
app.exec()
window.ctx.tasks.wait()
"""

# The floor of the stack under "team data on screen": the same libraries and the same work
# with none of the app around it (no shell, pages, task pool or models of ours): import
# PySide6 and SQLAlchemy's ORM, open the SQLCipher profile with its key from the keyring, run
# the team query the page runs, and show its rows in a QTableView.
FLOOR = """
import time, sys
t0 = float(sys.argv[1])
from pathlib import Path
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView
import sqlalchemy.orm
app = QApplication([])
from supervision_app.domain.time_rules import london_date, utc_now
from supervision_app.store import queries
from supervision_app.store.database import open_database
from supervision_app.store.supervision_records import load_actor
db = open_database(Path(sys.argv[2]))
with db.reading() as s:
    rows = queries.team_overview(s, load_actor(s, sys.argv[3]), london_date(utc_now()))
model = QStandardItemModel(len(rows), 4)
for r, row in enumerate(rows):
    for c, value in enumerate((row.name, row.team_name, str(row.status), str(row.next_due))):
        model.setItem(r, c, QStandardItem(value))
w = QMainWindow(); view = QTableView(); view.setModel(model); w.setCentralWidget(view)
w.resize(1280, 800); w.show(); app.processEvents()
print("READY", time.time() - t0, time.process_time(), flush=True)
"""


def profile_dir(years: int) -> Path:
    return ROOT / "bench" / "out" / f"gui-sm-4teams-{years}y"


def env_for(folder: Path) -> dict:
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="tests.gui.file_keyring.FileKeyring",
               TEST_KEYRING_FILE=str(folder / "bench-keyring.json"),
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               # An installed app runs from compiled bytecode (pip and the bundle compile it);
               # a checkout run with PYTHONDONTWRITEBYTECODE would recompile every module of
               # ours on every start. Both processes, bare and app, get the same cache.
               PYTHONPYCACHEPREFIX=str(ROOT / "bench" / "out" / "pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def build(folder: Path, years: int) -> None:
    from supervision_app.demo.generator import populate_council
    from supervision_app.store.database import open_database

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    t = time.perf_counter()
    db = open_database(folder / "profile")
    summary = populate_council(db, today=date.today(), teams=4, years=years)
    (folder / "service_manager").write_text(summary.service_manager_ids[0])
    db.close()
    print(f"generated 4 teams x {years} years in {time.perf_counter() - t:.0f} s: {dict(summary.counts)}")


def cold_start(code: str, args: list[str], env: dict, runs: int = 5, mark: str = "READY") -> dict:
    """Median seconds from process start to each mark the child prints (READY: usable),
    after one run that is not counted (it fills the bytecode cache)."""
    times: dict[str, list[float]] = {}
    for run in range(runs + 1):
        t0 = time.time()
        out = subprocess.run([sys.executable, "-c", code, repr(t0), *args], env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=300)
        marks = {}
        for line in out.stdout.splitlines():
            words = line.split()
            if words and words[0] in ("SHELL", "READY"):
                marks[words[0]] = float(words[1])
                marks[words[0] + "_CPU"] = float(words[2])  # CPU seconds: less at the mercy of load
            elif words and words[0] in ("STALL", "STALL_CPU"):
                marks[words[0]] = float(words[1])
        if "READY" not in marks:
            raise RuntimeError(f"start failed: {out.stdout[-500:]} {out.stderr[-2000:]}")
        for k, v in marks.items():
            if run:
                times.setdefault(k, []).append(v)
    return {k: statistics.median(v) for k, v in times.items()}


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    folder = profile_dir(args.years)
    env = env_for(folder)
    os.environ.update({k: env[k] for k in ("PYTHON_KEYRING_BACKEND", "TEST_KEYRING_FILE", "QT_QPA_PLATFORM")})
    import keyring

    from tests.gui.file_keyring import FileKeyring
    keyring.set_keyring(FileKeyring(folder / "bench-keyring.json"))
    if args.rebuild or not (folder / "service_manager").exists():
        build(folder, args.years)
    sm = (folder / "service_manager").read_text().strip()
    profile = folder / "profile"

    load_before = os.getloadavg()
    bare_marks = cold_start(BARE, [], env)
    bare, bare_cpu = bare_marks["READY"], bare_marks["READY_CPU"]
    floor_marks = cold_start(FLOOR, [str(profile), sm], env)
    floor, floor_cpu = floor_marks["READY"], floor_marks["READY_CPU"]
    starts = cold_start(APP, [str(profile), sm], env)
    app_start, shell, stall = starts["READY"], starts["SHELL"], starts["STALL"]

    from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
    from sqlalchemy import func, select

    from supervision_app.gui.app import application, build_window
    from supervision_app.store.database import open_database
    from supervision_app.store.models import SupervisionSession

    db = open_database(profile)
    application()
    window = build_window(db, sm)
    window.show()

    cpu: list[float] = []  # CPU ms of each request (all threads), beside its wall time

    class PaintWatch(QObject):
        """Calls ``then`` once ``target`` has been painted after ``armed()`` became true."""

        def __init__(self, target, armed, then) -> None:
            super().__init__()
            self._armed, self._then = armed, then
            target.installEventFilter(self)

        def eventFilter(self, _obj, event) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint and self._armed():
                QTimer.singleShot(0, self._then)  # runs once this paint has been drawn
            return False

    def wait_for(signal, start, view) -> float:
        """Until the page has its rows and ``view`` has painted them: data on screen. The
        first paint after the data arrives ends the wait (the view is not painted a second
        time on purpose); if none comes, it is painted synchronously."""
        c0 = time.process_time()
        loop = QEventLoop()  # waits in the event loop: no polling to load the CPU figures
        state = {"data": False, "done": False}
        target = view.viewport()

        def finish(repaint: bool = False) -> None:
            if state["done"]:
                return
            state["done"] = True
            if repaint:
                target.repaint()
            loop.quit()

        def arrived() -> None:
            state["data"] = True
            QTimer.singleShot(1000, lambda: finish(repaint=True))  # not expected to fire

        watch = PaintWatch(target, lambda: state["data"], finish)
        signal.connect(arrived)
        start()
        if not state["done"]:
            loop.exec()
        signal.disconnect(arrived)
        target.removeEventFilter(watch)
        cpu.append((time.process_time() - c0) * 1000)
        return time.perf_counter()

    team = window.pages["my_team"]
    wait_for(team.loaded, lambda: None, team.form.workerTable) if not team.model.rows else None
    with db.reading() as s:
        worker, sessions = s.execute(
            select(SupervisionSession.supervisee_id, func.count()).group_by(SupervisionSession.supervisee_id)
            .order_by(func.count().desc()).limit(1)).one()
    history = []
    cpu.clear()
    for _ in range(20):
        t0 = time.perf_counter()
        t1 = wait_for(window.history_page.loaded, lambda: window.open_history(worker, "worker"),
                      window.history_page.form.historyTable)
        history.append((t1 - t0) * 1000)
    assert window.history_page.model.rowCount() == sessions
    history_cpu = list(cpu)
    cpu.clear()

    page = window.show_page("search")
    searches, hits = [], 0
    for _ in range(2):
        for q in QUERIES:
            page.form.searchEdit.blockSignals(True)
            page.form.searchEdit.setText(q)
            page.form.searchEdit.blockSignals(False)
            t0 = time.perf_counter()
            t1 = wait_for(page.loaded, page.run_search, page.form.resultsTable)
            searches.append((t1 - t0) * 1000)
            hits += page.model.rowCount()
    search_cpu = list(cpu)
    first_time, repeated = searches[:len(QUERIES)], searches[len(QUERIES):]
    memory = rss_mb()
    window.ctx.tasks.wait()
    db.close()

    rows = [
        ("cold start to usable window (s)", f"{shell:.2f}", f"bare QMainWindow {bare:.2f}",
         f"{shell / bare:.2f}x", "<= 2x", shell / bare <= 2),
        # usable: on screen and answering input while the records open behind it
        ("  longest stall of the window until data (ms)", f"{stall * 1000:.0f}", "5 ms timer, median run",
         "", "<= 50 ms", stall <= 0.050),
        # the team's figures themselves: SQLAlchemy's import alone is ~2x a bare window, so
        # this is held to a person's flow of thought (1 s), not to the bare window
        ("cold start to team data on screen (s)", f"{app_start:.2f}", f"bare QMainWindow {bare:.2f}",
         f"{app_start / bare:.2f}x", "<= 1 s", app_start <= 1.0),
        # the same data through the bare stack (FLOOR): what the app's own layers cost
        ("  team data against the stack's floor (s)", f"{app_start:.2f}", f"floor {floor:.2f}",
         f"{app_start / floor:.2f}x", "<= 1.5x", app_start / floor <= 1.5),
        (f"worker history ({sessions} records) p50/p95 (ms)", f"{pct(history, 50):.1f}",
         f"p95 {pct(history, 95):.1f}", "", "<= 50 ms", pct(history, 95) <= 50),
        (f"search to screen, {len(searches)} queries, p50/p95 (ms)", f"{pct(searches, 50):.1f}",
         f"p95 {pct(searches, 95):.1f}", f"{hits // len(searches)} hits avg", "p95 <= 30 ms",
         pct(searches, 95) <= 30),
        # each query is run twice: the first time reads its index pages from the encrypted
        # file; the second finds them in SQLite's cache, as a search refined while typing does
        ("  of which first time / repeated, p95 (ms)", f"{pct(first_time, 95):.1f}",
         f"repeated {pct(repeated, 95):.1f}", "", "", pct(first_time, 95) <= 30),
        ("resident memory (MB)", f"{memory:.0f}", "", "", "<= 300 MB", memory <= 300),
    ]
    cpu_rows = [  # the same runs in CPU time, which a loaded machine inflates far less
        ("cold start to window, CPU (s)", f"{starts['SHELL_CPU']:.2f}", f"bare {bare_cpu:.2f}",
         f"{starts['SHELL_CPU'] / bare_cpu:.2f}x"),
        # diagnostic: the GUI thread's own CPU time in its longest stall (a loaded machine
        # stretches the wall-clock stall above by however long the thread waits for a core)
        ("  longest stall, GUI thread's CPU (ms)", f"{starts['STALL_CPU'] * 1000:.0f}", "5 ms timer, median run", ""),
        ("cold start to team data, CPU (s)", f"{starts['READY_CPU']:.2f}", f"bare {bare_cpu:.2f}",
         f"{starts['READY_CPU'] / bare_cpu:.2f}x"),
        ("  against the stack's floor, CPU (s)", f"{starts['READY_CPU']:.2f}", f"floor {floor_cpu:.2f}",
         f"{starts['READY_CPU'] / floor_cpu:.2f}x"),
        ("worker history, CPU p50/p95 (ms)", f"{pct(history_cpu, 50):.1f}", f"p95 {pct(history_cpu, 95):.1f}", ""),
        ("search to screen, CPU p50/p95 (ms)", f"{pct(search_cpu, 50):.1f}", f"p95 {pct(search_cpu, 95):.1f}", ""),
    ]
    print(f"load average (1/5/15 min) before {load_before[0]:.2f}/{load_before[1]:.2f}/"
          f"{load_before[2]:.2f}, after {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; "
          "cold starts are medians of 5 after a warm-up run, from compiled bytecode")
    width = max(len(r[0]) for r in rows)
    print(f"{'measure'.ljust(width)}  {'value':>8}  {'detail':<22} {'ratio':<16} {'target':<14} result")
    for name, value, detail, ratio, target, ok in rows:
        print(f"{name.ljust(width)}  {value:>8}  {detail:<22} {ratio:<16} {target:<14} {'pass' if ok else 'FAIL'}")
    for name, value, detail, ratio in cpu_rows:
        print(f"{name.ljust(width)}  {value:>8}  {detail:<22} {ratio:<16}")
    sys.stdout.flush()
    os._exit(0)  # skip interpreter teardown of Qt and pool threads


if __name__ == "__main__":
    main()

"""The app as a screen reader meets it, through AT-SPI (the interface Orca uses): the app
runs as its own process on an X server (Xvfb) with a private D-Bus session and the AT-SPI
bus; tests/gui/atspi_walker.py, run with the system python3 (pyatspi is a Debian package:
``apt-get install -y at-spi2-core python3-pyatspi xvfb``), walks every page as Orca would.

On every page every control has a name and a role (a combo box, heard by its value, also
has a label); value labels are heard by what they show; a status message is announced
and names the status bar."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SYSTEM_PYTHON = "/usr/bin/python3"
BUS_LAUNCHER = "/usr/libexec/at-spi-bus-launcher"

_PROFILE = r"""
import sys
from pathlib import Path
from supervision_app.store import supervision_records as sr
from supervision_app.store.database import open_database
from tests.gui.sample_team import build_sample_team, session_time

db = open_database(Path(sys.argv[1]))
team = build_sample_team(db)
with db.transaction() as s:
    manager = sr.load_actor(s, team.manager_id)
    sid = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(3))
    disc = sr.add_case_discussion(s, manager, sid, "CS-1003")
    sr.update_case_discussion(s, manager, disc, {"decision": "Keep", "rationale": "Stable"})
    sr.share_session(s, manager, sid)
db.close()
"""


def _missing() -> list[str]:
    wanted = {"Xvfb": shutil.which("Xvfb"), "dbus-daemon": shutil.which("dbus-daemon"),
              BUS_LAUNCHER: os.path.exists(BUS_LAUNCHER) or None}
    missing = [name for name, found in wanted.items() if not found]
    check = subprocess.run([SYSTEM_PYTHON, "-c", "import pyatspi"], capture_output=True)
    if check.returncode != 0:
        missing.append("python3-pyatspi")
    return missing


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def desktop(tmp_path):
    """An X server and a session bus with the AT-SPI bus on it, torn down afterwards."""
    missing = _missing()
    assert not missing, ("the AT-SPI test needs " + ", ".join(missing)
                         + ": apt-get install -y at-spi2-core python3-pyatspi xvfb")
    started: list[subprocess.Popen] = []
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1366x768x24",
                             "-nolisten", "tcp"], pass_fds=(write_fd,), stderr=subprocess.DEVNULL)
    started.append(xvfb)
    os.close(write_fd)
    with os.fdopen(read_fd) as display_pipe:
        display = ":" + display_pipe.readline().strip()
    bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1",
                            f"--address=unix:path={tmp_path / 'bus'}"],
                           stdout=subprocess.PIPE, text=True)
    started.append(bus)
    address = bus.stdout.readline().strip()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DISPLAY": display,
           "DBUS_SESSION_BUS_ADDRESS": address, "XDG_RUNTIME_DIR": str(tmp_path)}
    started.append(subprocess.Popen([BUS_LAUNCHER, "--launch-immediately"], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        yield env, started
    finally:
        for process in reversed(started):
            _stop(process)


def _run_app_and(walker_script: str, desktop, tmp_path, *args: str) -> dict:
    """The app on the sample profile, signed in as its team manager; ``walker_script``
    (in tests/gui) run against it with the system python; its JSON report."""
    env, started = desktop
    app_env = {**env, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "xcb",
               "QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1", "QT_ACCESSIBILITY": "1",
               "PYTHON_KEYRING_BACKEND": "tests.gui.file_keyring.FileKeyring",
               "TEST_KEYRING_FILE": str(tmp_path / "keyring.json")}
    profile = tmp_path / "profile"
    made = subprocess.run([sys.executable, "-c", _PROFILE, str(profile)], env=app_env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr[-3000:]
    app = subprocess.Popen([sys.executable, "-m", "supervision_app.cli", "--data-dir", str(profile),
                            "--as", "morgan"], env=app_env, cwd=REPO,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    started.append(app)
    walker = subprocess.run([SYSTEM_PYTHON, str(REPO / "tests" / "gui" / walker_script), *args],
                            env=env, capture_output=True, text=True, timeout=300)
    assert walker.returncode == 0 and walker.stdout.strip(), walker.stderr[-3000:]
    return json.loads(walker.stdout.strip().splitlines()[-1])


def test_a_screen_reader_can_name_everything_and_hears_status_messages(desktop, tmp_path):
    report = _run_app_and("atspi_walker.py", desktop, tmp_path)
    assert report.get("error") is None, report
    assert report["problems"] == [], "\n".join(report["problems"])
    pages = report["pages"]
    assert set(pages) == {"My team", "My supervision", "Children", "Search", "Compliance",
                          "Audit", "Settings"}
    for title, seen in pages.items():
        assert len(seen["controls"]) >= 3, (title, seen["controls"])  # the walk reached the page
    # value labels are heard by what they show, not by a fixed name
    team_labels = pages["My team"]["labels"]
    assert any(t.startswith("Signed in as Morgan Manager") for t in team_labels), team_labels
    assert any(t.startswith("3 workers") for t in team_labels), team_labels
    assert "Not connected to a sync server" in team_labels
    # a status message is announced, and the status bar is named by it
    message = "New supervision record started; it saves as you type."
    assert any(h["type"] == "object:announcement" and h["text"] == message for h in report["heard"]), \
        report["heard"]
    assert report["status_bar_names"] == [message]


# ---------------------------------------------------------------------------- Tab order

def _box(stop: dict) -> tuple[int, int, int, int]:
    """Where a stop is, as read: in the editor's record, its place in the record (however
    far the record was scrolled to bring it into sight); elsewhere, on the screen."""
    x, y, w, h = stop["within"] or stop["extents"]
    return x, y, w, h


def _reads_after(before: dict, after: dict) -> bool:
    """``after`` comes after ``before`` in reading order: on the same line (their heights
    overlap by half the shorter), further right; else further down."""
    x0, y0, _w0, h0 = _box(before)
    x1, y1, _w1, h1 = _box(after)
    overlap = min(y0 + h0, y1 + h1) - max(y0, y1)
    if overlap >= min(h0, h1) / 2:
        return x1 > x0
    return y1 + h1 / 2 > y0 + h0 / 2


def _regions(stops: list[dict]) -> list[str]:
    """The regions the walk passed through, in order, each once for each visit."""
    seen: list[str] = []
    for stop in stops:
        region = stop["region"]
        if stop["region"] == "page" and "record" in seen:
            region = "page foot"  # the editor's buttons below the record
        if not seen or seen[-1] != region:
            seen.append(region)
    return seen


def _out_of_order(stops: list[dict]) -> list[str]:
    found = []
    for before, after in zip(stops, stops[1:]):
        if before["region"] == after["region"] and not _reads_after(before, after):
            found.append(f"{before['role']} {before['name']!r} {_box(before)} -> "
                         f"{after['role']} {after['name']!r} {_box(after)}")
    return found


def _walk_problems(report: dict, whole_window: bool) -> tuple[list[str], list[str]]:
    """What is wrong with the two walks (and the walks, listed): each comes round to where
    it started, names every stop, and steps through each part of the window in reading
    order; with ``whole_window``, the parts too: the navigation list, the page, the status
    bar at the window's foot, in that order."""
    assert report.get("error") is None, report
    walks = report["walks"]
    assert set(walks) == {"main window", "editor"}, report
    problems, listings = [], []
    for title, walk in walks.items():
        stops = walk["stops"]
        listings.append(f"-- {title}\n" + "\n".join(
            f"{s['region']}: {s['role']} {s['name']!r} {_box(s)}" for s in stops))
        if not walk["came_round"]:
            problems.append(f"{title}: Tab never came back to where it started")
        problems += [f"{title}: focused without a name: {s['role']} at {s['extents']}"
                     for s in stops if not (s["name"] or s["label"])]
        problems += [f"{title}: out of reading order: {o}" for o in _out_of_order(stops)]
        places = [(s["role"], s["name"], tuple(s["extents"])) for s in stops]
        problems += [f"{title}: reached twice in one round: {p}" for p in set(places) if places.count(p) > 1]
    main, editor = walks["main window"]["stops"], walks["editor"]["stops"]
    if main[0]["name"] != "Sections" or len([s for s in main if s["region"] == "page"]) < 3:
        problems.append("main window: the walk did not start at the navigation list and reach the page")
    record = [s["name"] for s in editor if s["region"] == "record"]
    if editor[0]["name"] != "Date of session" or editor[-1]["name"] != "Back" or not (
            record.index("Date of session") < record.index("Time of session") < record.index("Where held")
            < record.index("Next supervision date")):
        problems.append("editor: not from the date of the session down the record and round by Back")
    if whole_window:
        if [s["region"] for s in main[:1]] != ["navigation"] or _regions(main) != ["navigation", "page", "status bar"]:
            problems.append(f"main window: parts in the order {_regions(main)}")
        regions = [s["region"] for s in editor]
        order = [r for i, r in enumerate(regions) if i == 0 or regions[i - 1] != r]
        if order != ["record", "page", "status bar", "navigation", "page"]:
            problems.append(f"editor: parts in the order {order}")
    return problems, listings


def test_tab_names_every_stop_and_reads_each_part_of_the_window_in_order(desktop, tmp_path):
    """Real Tab key presses (typed on the X server through AT-SPI's device controller) move
    the focus round the window and round the supervision record editor, top to bottom and
    left to right within each part: the Children page from its find box to its table; the
    record from the date of the session down to the next date, then the buttons below it
    (the scrolled record was a stop of its own after them, read as the record's top again).
    Every stop is named for a screen reader (a combo box by its label)."""
    report = _run_app_and("atspi_tab_order.py", desktop, tmp_path, "Children")
    problems, listings = _walk_problems(report, whole_window=False)
    assert problems == [], "\n".join(problems + listings)


def test_tab_goes_round_the_whole_window_in_reading_order(desktop, tmp_path):
    """The window's parts in reading order too: the navigation list, the page (the team
    page, the first a manager sees), the status bar at the window's foot, and round."""
    report = _run_app_and("atspi_tab_order.py", desktop, tmp_path, "My team")
    problems, listings = _walk_problems(report, whole_window=True)
    assert problems == [], "\n".join(problems + listings)

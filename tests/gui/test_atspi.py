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


def test_a_screen_reader_can_name_everything_and_hears_status_messages(desktop, tmp_path):
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
    walker = subprocess.run([SYSTEM_PYTHON, str(REPO / "tests" / "gui" / "atspi_walker.py")],
                            env=env, capture_output=True, text=True, timeout=240)
    assert walker.returncode == 0 and walker.stdout.strip(), walker.stderr[-3000:]
    report = json.loads(walker.stdout.strip().splitlines()[-1])
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

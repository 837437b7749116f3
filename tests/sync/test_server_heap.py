"""The server settles its heap once started (``sync.server.heap``): what a signed push uses is
loaded, and everything alive then is moved out of the cycle collector's way, so checking
signed copies does not make it walk the whole process again and again (bench_push)."""
from __future__ import annotations

import re
import subprocess
import sys

from tests.sync.harness import REPO, deploy

_SETTLED = re.compile(r"Start-up objects set aside from garbage collection: (\d+)")


def test_settling_loads_the_push_path_and_freezes_what_is_alive():
    script = (
        "import gc, sys\n"
        "from supervision_app.sync.server import heap\n"
        "assert gc.get_freeze_count() == 0\n"
        "frozen = heap.settle()\n"
        "assert frozen == gc.get_freeze_count(), frozen\n"
        "missing = [name for name in heap.PUSH_PATH_MODULES if name not in sys.modules]\n"
        "assert not missing, missing\n"
        "print(frozen)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    # the modules, classes and functions of FastAPI, SQLAlchemy and pyHanko, at the least
    assert int(done.stdout.strip()) > 50_000


def test_a_started_server_has_settled_its_heap_before_serving(tmp_path):
    deployment, teardown = deploy("sqlite", tmp_path / "server")
    try:
        log = (tmp_path / "server" / "server.log").read_text()
    finally:
        teardown()
    settled = _SETTLED.search(log)
    assert settled and int(settled.group(1)) > 50_000, log[-2000:]
    assert log.index(settled.group(0)) < log.index("Application startup complete")

"""Running the server's admin command line as its own process, as an administrator would."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from .harness import REPO


def run(url: str, *argv: str, env: dict[str, str] | None = None, stdin: str | None = None,
        pass_fds: tuple[int, ...] = ()) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SUPERVISION_SERVER_")}
    return subprocess.run([sys.executable, "-m", "supervision_app.sync.server.cli",
                           "--database-url", url, *argv],
                          env={**clean, **(env or {})}, cwd=REPO, capture_output=True, text=True,
                          timeout=180, input=stdin if stdin is not None else "",
                          pass_fds=pass_fds)


def ok(url: str, *argv: str, **kw) -> str:
    done = run(url, *argv, **kw)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def js(url: str, *argv: str, **kw):
    return json.loads(ok(url, *argv, "--json", **kw))


def refused(url: str, *argv: str, **kw) -> str:
    done = run(url, *argv, **kw)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and "Warning" not in done.stderr, done.stderr
    return done.stderr.strip()

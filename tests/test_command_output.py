"""A command whose reader stops early (``| head``) ends quietly: no traceback, no "a file
could not be read" (a broken pipe is an OSError, which admin commands report as a file)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from supervision_app.command_output import EXIT_BROKEN_PIPE

BIN = Path(sys.executable).parent


def test_an_admin_listing_piped_into_a_reader_that_stops_ends_quietly(tmp_path):
    url = f"sqlite:///{tmp_path / 'server.db'}"
    server = BIN / "supervision-server"
    subprocess.run([server, "--database-url", url, "add-service-area", "North"], check=True,
                   capture_output=True, timeout=120)
    # `true` reads nothing and is gone long before the command has started and writes
    done = subprocess.run(["sh", "-c", f'"{server}" --database-url "{url}" list-areas | true'],
                          capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr
    assert "could not be read" not in done.stderr
    assert "BrokenPipeError" not in done.stderr


def test_the_exit_status_says_the_reader_stopped(tmp_path):
    url = f"sqlite:///{tmp_path / 'server.db'}"
    server = BIN / "supervision-server"
    subprocess.run([server, "--database-url", url, "add-service-area", "North"], check=True,
                   capture_output=True, timeout=120)
    reader = subprocess.Popen([server, "--database-url", url, "list-areas"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    reader.stdout.close()  # nobody will read what it writes
    _out, err = reader.communicate(timeout=120)
    assert reader.returncode == EXIT_BROKEN_PIPE, err
    assert b"Traceback" not in err

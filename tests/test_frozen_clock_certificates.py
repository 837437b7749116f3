"""A certificate built under a frozen clock must not break the real clock's certificates later
in the same process (see ``tests.fixtures.bind_cryptography_to_real_datetime``)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

SCRIPT = """
import tests.fixtures  # what pytest loads first, through conftest's pytest_plugins
from freezegun import freeze_time
from supervision_app.security import pki

with freeze_time("2026-03-11 12:00:00"):
    pki.create_ca("Frozen CA", "Council")
pki.create_ca("Real CA", "Council")
print("both built")
"""


def test_a_certificate_made_under_a_frozen_clock_leaves_real_ones_working():
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "both built" in done.stdout

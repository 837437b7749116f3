"""The real OS keyring path: GNOME Keyring through the Secret Service, on a private D-Bus.

.ci/run installs gnome-keyring, dbus and libsecret-tools, so this runs in CI as it would on a
Linux desktop: the database key goes into the keyring, never onto disk.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

CHILD = r"""
import sys
from pathlib import Path
import keyring
from supervision_app.store.database import open_database
from supervision_app.store.models import Staff
from datetime import date
backend = keyring.get_keyring()
leaves = [type(b).__module__ for b in getattr(backend, "backends", [backend])]
print("BACKENDS", ",".join(leaves))
folder = Path(sys.argv[1])
db = open_database(folder)
with db.transaction() as s:
    s.add(Staff(display_name="Keyring Person", username="kp", role="social_worker", started_on=date(2024, 1, 1)))
db.close()
db = open_database(folder)
with db.reading() as s:
    print("READ", s.query(Staff).count())
db.close()
"""


def _in_keyring_session(tmp_path: Path, command: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHON_KEYRING_BACKEND",)}
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        ["dbus-run-session", "--", "sh", "-c",
         f"printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; {command}"],
        capture_output=True, text=True, env=env, timeout=120,
    )


def test_database_key_lives_in_the_secret_service_and_reopens(tmp_path):
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    profile = tmp_path / "profile"
    result = _in_keyring_session(
        tmp_path,
        f"{sys.executable} {script} {profile} && secret-tool search --all service supervision-recorder",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "keyring.backends.SecretService" in result.stdout
    assert "READ 1" in result.stdout
    # The secret is in the keyring ...
    assert "attribute.service = supervision-recorder" in result.stdout + result.stderr
    # ... and not in any file of the profile.
    key_line = [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("secret = ")]
    assert key_line, "secret-tool did not show the stored key"
    key_hex = key_line[0].split("= ", 1)[1].strip()
    assert len(key_hex) == 64
    for path in profile.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert key_hex.encode() not in data and bytes.fromhex(key_hex) not in data


def test_without_any_keyring_daemon_the_app_refuses_to_start(tmp_path):
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
               PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen")
    env.pop("DISPLAY", None)
    profile = tmp_path / "profile"
    result = subprocess.run(
        [sys.executable, "-m", "supervision_app.cli", "--data-dir", str(profile)],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert result.returncode == 2
    assert "cannot start" in result.stderr and "secure keyring" in result.stderr
    assert not profile.exists()

"""A keyring that cannot load or errors in use stops the app with the keyring message, never
a raw exception: keyrings.alt's EncryptedKeyring raised a bare RuntimeError."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import keyring.core
import pytest
from keyring.backend import KeyringBackend

from supervision_app.security.secret_store import KeyringUnavailable, SecretStore

REPO = Path(__file__).resolve().parents[2]
ENCRYPTED_KEYRING = "keyrings.alt.file.EncryptedKeyring"
MESSAGE = "Supervision Recorder keeps its encryption key in your system's secure keyring"


def test_an_encrypted_file_keyring_that_cannot_load_gives_the_keyring_message(monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", ENCRYPTED_KEYRING)
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)  # load afresh from the variable
    with pytest.raises(KeyringUnavailable, match=MESSAGE) as raised:
        SecretStore("profile-1")
    assert "ask IT to enable the keyring" in str(raised.value)


class _ErringKeyring(KeyringBackend):
    """Looks like a real store, fails in use with what backends really raise."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service, username):
        raise RuntimeError("secret service went away")

    def set_password(self, service, username, password):
        raise OSError("dbus connection closed")

    def delete_password(self, service, username):
        raise RuntimeError("secret service went away")


@pytest.mark.parametrize("use", [
    lambda store: store.get("database-key"),
    lambda store: store.set("database-key", "value"),
    lambda store: store.delete("database-key"),
])
def test_a_keyring_that_errors_in_use_gives_the_keyring_message(use):
    store = SecretStore("profile-1", backend=_ErringKeyring())
    with pytest.raises(KeyringUnavailable, match=MESSAGE):
        use(store)


def test_the_app_refuses_to_start_in_words_with_an_encrypted_file_keyring(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHON_KEYRING_BACKEND"] = ENCRYPTED_KEYRING
    profile = tmp_path / "profile"
    result = subprocess.run([sys.executable, "-m", "supervision_app.cli", "--data-dir", str(profile)],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "RuntimeError:" not in result.stderr
    assert MESSAGE in result.stderr and "Nothing has been written" in result.stderr
    assert not profile.exists()

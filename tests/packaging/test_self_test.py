"""The self-test in-process (fast), and one version number everywhere."""
from __future__ import annotations

import io
import subprocess
import sys
from importlib import metadata

import keyring
import pytest

from supervision_app import self_test
from supervision_app.self_test import SelfTestFailed, run_self_test
from supervision_app.version import __version__
from tests.packaging.self_test_output import ROOT, assert_all_checks_passed, pyproject_version


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(folder))
    return folder


def test_self_test_passes_and_says_what_it_checked(private_tmp, memory_keyring):
    out = io.StringIO()
    assert run_self_test(out=out) == 0, out.getvalue()
    output = out.getvalue()
    assert_all_checks_passed(output)
    # It used its own keyring, put the previous one back, and left nothing behind.
    assert keyring.get_keyring() is memory_keyring
    assert memory_keyring.secrets == {}
    assert list(private_tmp.iterdir()) == []


def test_self_test_prints_no_record_contents(private_tmp):
    out = io.StringIO()
    assert run_self_test(out=out) == 0
    assert "Synthetic" not in out.getvalue()


def test_first_failure_stops_with_a_clear_message_and_still_cleans_up(private_tmp, monkeypatch, memory_keyring):
    def broken(self):
        raise SelfTestFailed("England's bank holidays did not load")

    monkeypatch.setattr(self_test._SelfTest, "calendar", broken)
    out = io.StringIO()
    assert run_self_test(out=out) == 1
    output = out.getvalue()
    assert "FAIL  calendar: England's bank holidays did not load" in output
    assert "encrypted profile" not in output  # nothing after the first failure runs
    assert "self-test FAILED" in output.splitlines()[-1]
    assert list(private_tmp.iterdir()) == []
    assert keyring.get_keyring() is memory_keyring


def test_an_unexpected_error_is_reported_in_words(private_tmp, monkeypatch):
    def crash(self):
        raise OSError("disk on fire")

    monkeypatch.setattr(self_test._SelfTest, "record", crash)
    out = io.StringIO()
    assert run_self_test(out=out) == 1
    assert "FAIL  record: OSError: disk on fire" in out.getvalue()
    assert list(private_tmp.iterdir()) == []


def test_one_version_number_everywhere():
    expected = pyproject_version()
    assert __version__ == expected
    assert metadata.version("supervision-recorder") == expected, (
        "the installed package metadata is stale (the bundle copies it): run `pip install -e .`")
    result = subprocess.run([sys.executable, "-m", "supervision_app.cli", "--version"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == expected, result.stdout


def test_the_changelog_has_an_entry_for_this_version():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{pyproject_version()}]" in changelog

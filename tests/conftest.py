"""Shared fixtures: offscreen Qt, an in-memory keyring, a fresh encrypted profile."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import keyring
import pytest

from supervision_app.store.database import Database, open_database
from tests.memory_keyring import MemoryKeyring
from tests.qt_wrappers import borrowed_wrappers

pytest_plugins = ("tests.fixtures",)  # team, world, chronology_world: one definition each


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, there only when it is installed
def pytest_xdist_make_scheduler(config, log):
    if config.getoption("dist") != "loadfile":
        return None
    from tests.longest_first import LongestFirstScheduling

    return LongestFirstScheduling(config, log)


@pytest.fixture(autouse=True)
def memory_keyring() -> MemoryKeyring:
    """Every test gets its own empty in-memory keyring; no test touches the real one."""
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def no_borrowed_qt_wrappers_left():
    """No test may leave PySide holding a wrapper of a non-QObject that Qt owns (see that
    module's note): such a wrapper is how a later button became invisible to findChild."""
    yield
    leftovers = borrowed_wrappers()
    assert not leftovers, f"wrappers of objects Qt owns outlived their use: {leftovers}"


@pytest.fixture
def profile_dir(tmp_path: Path) -> Path:
    return tmp_path / "profile"


@pytest.fixture
def database(profile_dir: Path, memory_keyring: MemoryKeyring) -> Database:
    db = open_database(profile_dir)
    yield db
    db.close()

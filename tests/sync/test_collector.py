"""The cycle collector's pause around pulls: counted, restored however a pull ends."""
from __future__ import annotations

import gc
import threading

import pytest

from supervision_app.sync.collector import collector_paused


@pytest.fixture(autouse=True)
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()


def test_the_collector_is_off_inside_and_back_on_after():
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_it_comes_back_when_the_pull_fails():
    with pytest.raises(RuntimeError):
        with collector_paused():
            raise RuntimeError("connection cut")
    assert gc.isenabled()


def test_two_pulls_at_once_resume_it_only_when_both_are_done():
    first_inside, release_first = threading.Event(), threading.Event()

    def first_pull():
        with collector_paused():
            first_inside.set()
            release_first.wait(5)

    thread = threading.Thread(target=first_pull)
    thread.start()
    assert first_inside.wait(5)
    with collector_paused():
        pass
    assert not gc.isenabled()  # the first pull is still running
    release_first.set()
    thread.join(5)
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off():
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()

"""The one background mechanism (gui/tasks.py): named pools, callbacks on the GUI thread,
the single write queue, "latest request wins", errors to the failure callback."""
from __future__ import annotations

import threading

import shiboken6
from PySide6.QtCore import QThread

from supervision_app.domain.text_rules import InvalidInput
from supervision_app.gui.tasks import NETWORK, READS, WRITES, TaskRunner

WAIT = 10000


def test_callbacks_run_on_the_gui_thread_and_work_does_not(qtbot):
    runner = TaskRunner(None)
    gui = QThread.currentThread()
    seen = {}

    def work():
        seen["work_on_gui"] = QThread.currentThread() is gui
        return 42

    def done(result):
        seen["result"] = result
        seen["done_on_gui"] = QThread.currentThread() is gui

    for pool in (READS, WRITES, NETWORK):
        seen.clear()
        runner.run(pool, work, done)
        qtbot.waitUntil(lambda: "result" in seen, timeout=WAIT)
        assert seen == {"work_on_gui": False, "result": 42, "done_on_gui": True}


def test_an_error_goes_to_the_failure_callback_or_else_to_failed_in_words(qtbot):
    runner = TaskRunner(None)
    errors, done = [], []

    def refuse():
        raise InvalidInput("The date must be a real date, such as 05/03/2026.")

    runner.run(READS, refuse, done.append, errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=WAIT)
    assert done == [] and isinstance(errors[0], InvalidInput)

    with qtbot.waitSignal(runner.failed, timeout=WAIT) as told:
        runner.run(READS, refuse)
    assert told.args == ["The date must be a real date, such as 05/03/2026."]


def test_writes_run_one_at_a_time_in_the_order_asked(qtbot):
    runner = TaskRunner(None)
    running, overlapped, order, finished = [0], [], [], []
    lock = threading.Lock()

    def job(n):
        def work():
            with lock:
                running[0] += 1
                overlapped.append(running[0] > 1)
            QThread.msleep(5)
            order.append(n)
            with lock:
                running[0] -= 1
            return n
        return work

    for n in range(8):
        runner.run(WRITES, job(n), finished.append)
    qtbot.waitUntil(lambda: len(finished) == 8, timeout=WAIT)
    assert order == list(range(8)) and finished == list(range(8))
    assert not any(overlapped)


def test_a_newer_request_of_the_same_key_supersedes_the_older_ones_callback(qtbot):
    runner = TaskRunner(None)
    release = threading.Event()
    shown, other = [], []

    def slow():
        release.wait(WAIT / 1000)
        return "old"

    runner.run(READS, slow, shown.append, key="figures")
    runner.run(READS, lambda: "new", shown.append, key="figures")
    runner.run(READS, lambda: "elsewhere", other.append, key="signals")  # another key: kept
    qtbot.waitUntil(lambda: shown == ["new"] and other == ["elsewhere"], timeout=WAIT)
    release.set()
    assert runner.wait(WAIT)
    with qtbot.waitSignal(runner.busy_changed, timeout=WAIT) as idle:
        pass
    assert idle.args == [False]
    assert shown == ["new"]  # the older answer, arriving last, was dropped


def test_the_busy_indicator_hook_turns_on_and_off(qtbot):
    runner = TaskRunner(None)
    changes = []
    runner.busy_changed.connect(changes.append)
    runner.run(READS, lambda: None)
    assert runner.busy and changes == [True]
    qtbot.waitUntil(lambda: changes == [True, False], timeout=WAIT)
    runner.run(NETWORK, lambda: None, busy=False)  # sync shows its own progress
    assert not runner.busy
    assert runner.wait(WAIT, (NETWORK,))


def test_an_answer_for_a_runner_whose_window_was_deleted_is_dropped(qtbot):
    """The window owns its runner (MainWindow.attach sets the parent); a job still running
    when the window is deleted must not call back into the deleted pages or emit on the
    deleted runner."""
    from PySide6.QtWidgets import QWidget

    window = QWidget()
    runner = TaskRunner(None)
    runner.setParent(window)
    release = threading.Event()
    answers: list = []
    runner.run(READS, lambda: release.wait(10), answers.append)
    threading.Timer(0.3, release.set).start()  # deleting the pools waits for the job
    window.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(window), timeout=5000)
    qtbot.wait(100)  # the queued answer arrives now; emitting busy_changed would raise
    assert answers == []

"""An unexpected error in the desktop app: the traceback is logged (frames, no contents),
a plain-words dialog appears, and "Copy details" gives IT the version, platform and frames
without the record's text."""
from __future__ import annotations

import logging
import sys
import threading
import uuid
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QPushButton

from supervision_app.gui.crash_dialog import HEADLINE, CrashDialog, install_crash_reporter
from supervision_app.logging_setup import configure_logging, stop_logging
from supervision_app.version import __version__


@pytest.fixture
def reporter(tmp_path: Path, qapp):
    log_file = configure_logging(tmp_path / "profile")
    installed = install_crash_reporter(lambda: log_file)
    yield installed, log_file
    installed.uninstall()
    if installed.dialog is not None:
        installed.dialog.close()
        installed.dialog.deleteLater()
    stop_logging()


def _save_note(text: str) -> None:
    raise RuntimeError(f"could not save the note {text}")


def _written(log_file: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return log_file.read_text(encoding="utf-8")


@pytest.mark.qt_no_exception_capture
def test_an_error_in_a_slot_is_logged_and_shown_in_plain_words(qtbot, reporter):
    crash, log_file = reporter
    note_text = f"Worried about the baby's bruising {uuid.uuid4().hex}"
    button = QPushButton("Save")
    qtbot.addWidget(button)
    button.clicked.connect(lambda: _save_note(note_text))

    button.click()  # Qt calls the slot; the slot raises

    dialog = crash.dialog
    assert isinstance(dialog, CrashDialog) and dialog.isVisible()
    words = " ".join(label.text() for label in dialog.findChildren(type(dialog.location)))
    assert HEADLINE in words and "Your work is saved" in words
    assert str(log_file) in words

    dialog.copy_button.click()
    copied = QApplication.clipboard().text()
    assert f"Supervision Recorder {__version__}" in copied
    assert "in _save_note" in copied and "builtins.RuntimeError" in copied
    assert str(log_file) in copied
    assert note_text not in copied and "bruising" not in copied

    written = _written(log_file)
    assert "CRITICAL supervision_app.gui.crash_dialog" in written
    assert "test_excepthook.py:" in written and "in _save_note" in written
    assert "builtins.RuntimeError" in written
    assert "bruising" not in written


@pytest.mark.qt_no_exception_capture
def test_an_error_in_another_thread_is_shown_on_the_gui_thread(qtbot, reporter):
    crash, log_file = reporter
    note_text = f"Disclosed in the car {uuid.uuid4().hex}"
    worker = threading.Thread(target=_save_note, args=(note_text,), name="export")
    worker.start()
    worker.join()

    qtbot.waitUntil(lambda: crash.dialog is not None and crash.dialog.isVisible())
    written = _written(log_file)
    assert "Unexpected error in a background thread" in written and "[export]" in written
    assert "in _save_note" in written and "Disclosed" not in written
    assert note_text not in crash.dialog.details


@pytest.mark.qt_no_exception_capture
def test_the_desktop_start_logs_to_the_profile_and_reports_errors(tmp_path: Path, qapp, monkeypatch):
    from supervision_app import cli
    from supervision_app.gui import app as app_module
    from supervision_app.gui.crash_dialog import CrashReporter
    from supervision_app.logging_setup import current_log_path

    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setattr(app_module, "start_desktop", lambda *args, **kwargs: 0)  # no event loop
    previous_hook, previous_thread_hook = sys.excepthook, threading.excepthook
    try:
        assert cli.main(["--data-dir", str(tmp_path / "profile")]) == 0
        assert current_log_path() == tmp_path / "profile" / "logs" / "supervision-app.log"
        assert isinstance(getattr(sys.excepthook, "__self__", None), CrashReporter)
        assert isinstance(getattr(threading.excepthook, "__self__", None), CrashReporter)
    finally:
        sys.excepthook, threading.excepthook = previous_hook, previous_thread_hook
        stop_logging()


def test_a_failed_background_task_is_logged_without_its_message(qtbot, tmp_path: Path):
    from supervision_app.gui.tasks import READS, TaskRunner

    log_file = configure_logging(tmp_path / "profile")
    try:
        runner = TaskRunner(None)
        note_text = f"Mother's new partner {uuid.uuid4().hex}"
        errors: list[BaseException] = []
        runner.run(READS, lambda: _save_note(note_text), errors.append, errors.append)
        qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
        runner.wait()
        written = _written(log_file)
    finally:
        stop_logging()
    assert "ERROR supervision_app.gui.tasks" in written and "Background task failed" in written
    assert "in _save_note" in written and "builtins.RuntimeError" in written
    assert "partner" not in written

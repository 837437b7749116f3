"""The Qt binding the app runs on keeps None alive, and a binding that does not is refused
before anything is opened (PySide6 6.12.0 on Python 3.11: see gui/qt_binding.py)."""
from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, QRect
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QWidget

from supervision_app.gui import app as app_module, qt_binding
from supervision_app.gui.app import EXIT_STARTUP_REFUSED, application, start_desktop


def test_void_qt_calls_leave_none_as_it_was(qtbot):
    """The calls every table paint makes many times over: painting a page of search results
    makes a few hundred. The installed binding must not take a reference to None each time."""
    application()
    widget = QWidget()
    qtbot.addWidget(widget)
    image = QImage(40, 40, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(2000):
        painter.save()
        painter.setClipRect(QRect(0, 0, 10, 10))
        painter.restore()
        probe.setObjectName("probe")
        widget.update()
    painter.end()
    assert before - sys.getrefcount(None) < 100  # (a faulty binding: 10,000 fewer)
    assert qt_binding.fault() is None


def _leaks_one_none():
    """What the faulty binding does on each void call: returns None without a reference."""
    ctypes.pythonapi.Py_DecRef(ctypes.py_object(None))


def _give_back(count: int) -> None:
    for _ in range(count):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(None))


def test_a_binding_that_loses_none_is_recognised():
    if sys.version_info >= (3, 12):
        assert qt_binding.fault(_leaks_one_none) is None  # None is immortal: no harm done
        return
    try:
        message = qt_binding.fault(_leaks_one_none)
    finally:
        _give_back(qt_binding.PROBE_CALLS)
    assert message is not None
    assert "close without warning" in message and "Nothing has been opened" in message
    assert "reinstall" in message


def test_the_app_refuses_to_start_on_such_a_binding(qtbot, monkeypatch):
    opened, problems = [], []
    monkeypatch.setattr(app_module.qt_binding, "fault",
                        lambda: "This installation's Qt library has a fault (test)")
    code = start_desktop(lambda: opened.append(True), argv=["supervision-app"],
                         on_problem=problems.append)
    assert code == EXIT_STARTUP_REFUSED
    assert problems == ["This installation's Qt library has a fault (test)"]
    assert opened == []  # the profile was never opened

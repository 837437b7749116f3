"""Waiting on the Qt event loop without starving the app's worker threads.

PySide6's ``QTest.qWait`` keeps Python's GIL while it spins Qt's event loop, so a background
job (an autosave, a query) gets a few slices a second and a 10 ms save takes seconds.
``QEventLoop.exec`` lets the GIL go, as the app's own ``QApplication.exec`` does; scripts
and child processes that drive the real window wait with :func:`pause` instead.
"""
from __future__ import annotations

from PySide6.QtCore import QEventLoop, QTimer


def pause(ms: int) -> None:
    """Run the event loop for ``ms`` milliseconds."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()

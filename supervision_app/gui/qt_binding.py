"""A check on the Qt binding itself, made before any record is opened.

PySide6 6.12.0 returns None from every call of a void Qt method without taking a reference
to it. From Python 3.12 None is immortal and nothing happens; on Python 3.11 each call
takes one away, and after enough of them (tens of thousands: a few minutes of scrolling)
Python aborts with "deallocating None": the app vanishes mid-sentence. ``pyproject.toml``
keeps that release off Python 3.11; this check catches an installation that has it anyway.
"""
from __future__ import annotations

import sys
from typing import Callable

PROBE_CALLS = 256


def loses_none_references(call: Callable[[], object] | None = None) -> bool:
    """True if ``call`` (by default a void Qt method) leaves None with fewer references
    each time it is made."""
    if call is None:
        from PySide6.QtCore import QObject

        probe = QObject()
        call = lambda: probe.setObjectName("probe")  # noqa: E731 - a void method
    before = sys.getrefcount(None)
    for _ in range(PROBE_CALLS):
        call()
    return before - sys.getrefcount(None) >= PROBE_CALLS // 2


def fault(call: Callable[[], object] | None = None) -> str | None:
    """What to tell the person if the binding has that fault, else None."""
    if not loses_none_references(call):
        return None
    import PySide6

    return (f"This installation's Qt library (PySide6 {PySide6.__version__}) has a fault that "
            "would make Supervision Recorder close without warning after a few minutes. "
            "Nothing has been opened or changed. Please ask IT support to reinstall the app "
            "(it needs PySide6 6.11, or Python 3.12 or newer).")

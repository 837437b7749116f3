"""Python's cycle collector paused while a pull turns pages of JSON into rows.

A 5,000-row page becomes tens of thousands of dicts within milliseconds; every 700 new
containers start a collection, and every hundredth of those may walk every object the
process holds (the GUI's, SQLAlchemy's, the parsed pages'). Measured on a first sync of
12,631 rows: 4-7% of its time. A pull makes no reference cycles (parsed JSON, tuples for
SQLite), so reference counting frees each page as before and the collector has nothing
to find; it resumes when the pull ends, however it ends. The pause is process-wide: cycles
the GUI thread makes meanwhile wait for the next collection, a pull's few seconds later.

Counted, so that two pulls at once in one process (several laptops in a test, say) resume
it only when both are done; left off if it was off before the first began.
"""
from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

_lock = threading.Lock()
_pulls = 0
_resume = False


@contextmanager
def collector_paused() -> Iterator[None]:
    global _pulls, _resume
    with _lock:
        if _pulls == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pulls += 1
    try:
        yield
    finally:
        with _lock:
            _pulls -= 1
            if _pulls == 0 and _resume:
                gc.enable()

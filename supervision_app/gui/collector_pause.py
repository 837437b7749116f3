"""Python's cyclic garbage collector held back while Qt walks its widgets (issue 19: a
segfault inside ``apply_text_scale`` under load).

Setting the application style sheet (or font) makes Qt take a list of every widget and
polish each in turn, sending events that run our Python handlers (``follow_font``, the
tables' width keepers). Any Python allocation in a handler may start a collection, and a
collection deletes, there and then, every window whose last Python reference sits in a
reference cycle: a widget still on Qt's list, which Qt then reaches and crashes on. So
garbage is collected first, before Qt takes its list, and not again until Qt is done.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Collect now, then no automatic collection inside the block (a collection already
    held back by the caller stays held back)."""
    was_enabled = gc.isenabled()
    if was_enabled:
        gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

"""Python wrappers of Qt layout items, which must not outlive the call that made them.

A ``QWidgetItem`` or ``QSpacerItem`` is not a QObject: when Qt deletes one (its layout is
deleted, or its widget moves or goes), PySide is not told, and the wrapper stays registered
under the item's address. The next object Qt allocates there, say a form's button, is then
looked up as that stale item: ``findChild(QObject, "openRecordButton")`` skips it and returns
None. That is how a page once failed to build in CI, now and then, depending on the heap.
"""
from __future__ import annotations

import sys


def layout_item_wrappers() -> list[str]:
    """Type names of the layout-item wrappers PySide holds right now (none, if Qt is unused)."""
    widgets = sys.modules.get("PySide6.QtWidgets")
    if widgets is None:
        return []
    import shiboken6
    from PySide6.QtCore import QObject

    return sorted(type(w).__name__ for w in shiboken6.getAllValidWrappers()
                  if isinstance(w, widgets.QLayoutItem) and not isinstance(w, QObject))

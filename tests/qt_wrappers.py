"""Python wrappers of objects Qt made and owns that are not QObjects, which must not
outlive the call that made them.

A ``QWidgetItem`` or ``QSpacerItem`` (say) is not a QObject: when Qt deletes one (its layout
is deleted, or its widget moves or goes), PySide is not told, and the wrapper stays
registered under the item's address. The next object Qt allocates there, say a form's
button, is then looked up as that stale item: ``findChild(QObject, "openRecordButton")``
skips it and returns None. That is how a page once failed to build in CI, now and then,
depending on the heap (``supervision_app/gui/layouts.py``).
"""
from __future__ import annotations

import sys


def borrowed_wrappers() -> list[str]:
    """Type names of the wrappers PySide holds right now of non-QObjects it neither made nor
    owns (none, if Qt is unused). Meta-objects are static: they are never deleted."""
    if "PySide6.QtCore" not in sys.modules:
        return []
    import shiboken6
    from PySide6.QtCore import QMetaObject, QObject

    return sorted(type(w).__name__ for w in shiboken6.getAllValidWrappers()
                  if not isinstance(w, (QObject, QMetaObject))
                  and not shiboken6.createdByPython(w) and not shiboken6.ownedByPython(w))

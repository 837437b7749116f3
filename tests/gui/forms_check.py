"""Accessibility checks shared by the GUI tests."""
from __future__ import annotations

from supervision_app.gui.accessibility import interactive_widgets


def unnamed(root) -> list[str]:
    """Controls under ``root`` a screen reader could not name."""
    out = []
    for widget in interactive_widgets(root):
        if not widget.accessibleName().strip():
            out.append(f"{type(widget).__name__}:{widget.objectName() or '?'} in {root.objectName()}")
    return out

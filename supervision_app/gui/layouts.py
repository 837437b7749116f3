"""Nested layouts put together so that PySide holds no wrappers of their items.

Handing ``addLayout`` (or ``QFormLayout.addRow``) a layout that already holds widgets makes
PySide wrap each of its items; ``QLayout.itemAt`` does the same. Those items are not QObjects,
so PySide is never told when Qt deletes them, and the wrapper stays registered at the freed
address. The next Qt object placed there (a button of the next form, say) is then taken for
that item: ``findChild`` skips it and a page fails to build, now and then, by heap luck.
So: add a nested layout while it is empty, then fill it; find a nested layout by QObject
parentage, never by walking items.
"""
from __future__ import annotations

from PySide6.QtWidgets import QBoxLayout, QFormLayout, QHBoxLayout, QLayout, QWidget


def add_row(outer: QBoxLayout, stretch: int = 0) -> QHBoxLayout:
    """An empty horizontal row at the end of ``outer``, for the caller to fill."""
    row = QHBoxLayout()
    outer.addLayout(row, stretch)
    return row


def add_form(outer: QBoxLayout) -> QFormLayout:
    """An empty label/field form at the end of ``outer``, for the caller to fill."""
    form = QFormLayout()
    outer.addLayout(form)
    return form


def layout_holding(top: QLayout, widget: QWidget) -> QLayout | None:
    """The layout, ``top`` or one nested in it at any depth, that holds ``widget`` directly."""
    for layout in [top, *top.findChildren(QLayout)]:
        if layout.indexOf(widget) >= 0:
            return layout
    return None

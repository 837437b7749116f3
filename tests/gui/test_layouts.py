"""Nested layouts and inline messages without PySide wrappers of layout items (layouts.py):
a wrapper left at a freed item's address once hid a form's button from ``findChild``."""
from __future__ import annotations

import shiboken6
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from supervision_app.gui.layouts import add_form, add_row, layout_holding
from supervision_app.gui.widgets import InlineErrors
from tests.qt_wrappers import borrowed_wrappers


def _page(qtbot):
    page = QWidget()
    qtbot.addWidget(page)
    outer = QVBoxLayout(page)
    first = QLineEdit(page)
    first.setObjectName("firstEdit")
    outer.addWidget(first)
    row = add_row(outer)
    row_edit, row_button = QLineEdit(page), QPushButton("Find", page)
    row_edit.setObjectName("rowEdit")
    row.addWidget(row_edit, 1)
    row.addWidget(row_button)
    form = add_form(outer)
    date_edit = QLineEdit(page)
    date_edit.setObjectName("dateEdit")
    form.addRow("Date", date_edit)
    last = QLabel("last", page)
    outer.addWidget(last)
    return page, outer, row, row_edit, last


def test_a_message_about_a_field_in_a_row_goes_under_the_whole_row(qtbot):
    page, outer, row, row_edit, last = _page(qtbot)
    assert layout_holding(outer, row_edit) is row
    assert layout_holding(outer, last) is outer

    errors = InlineErrors()
    errors.show(row_edit, "Not a case ID")
    label = errors.labels[row_edit]
    assert outer.indexOf(label) == 2  # right after the row, before the form
    assert label.text() == "Not a case ID" and row_edit.property("invalid")
    errors.show(page.findChild(QLineEdit, "firstEdit"), "Required")
    assert outer.indexOf(page.findChild(QLabel, "firstEditError")) == 1
    assert borrowed_wrappers() == []


def test_a_message_about_a_field_in_a_nested_form_goes_on_the_row_under_it(qtbot):
    """As in a case discussion: a form inside the group box's column of rows."""
    page, outer, _row, _row_edit, _last = _page(qtbot)
    date_edit = page.findChild(QLineEdit, "dateEdit")
    form = layout_holding(outer, date_edit)
    assert form is not outer and form.rowCount() == 1
    errors = InlineErrors()
    errors.show(date_edit, "Not a date")
    assert form.rowCount() == 2
    label = page.findChild(QLabel, "dateEditError")
    assert form.getWidgetPosition(label)[0] == 1 and label.text() == "Not a date"
    assert errors.first_invalid() is date_edit
    errors.clear(date_edit)
    assert errors.first_invalid() is None
    assert borrowed_wrappers() == []


def test_building_nested_layouts_leaves_no_item_wrappers(qtbot):
    _page(qtbot)
    assert borrowed_wrappers() == []
    # what the module's note warns about: a filled layout handed to addLayout
    page = QWidget()
    outer = QVBoxLayout(page)
    row = QVBoxLayout()
    row.addWidget(QLabel("x", page))
    outer.addLayout(row)
    assert borrowed_wrappers() == ["QWidgetItem"]
    shiboken6.delete(page)  # its layouts go with it, and so do those wrappers
    assert borrowed_wrappers() == []

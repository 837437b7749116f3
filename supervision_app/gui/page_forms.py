# ruff: noqa: N815 -- the attributes are the forms' object names, as drawn in Designer
"""The main window's pages' Designer forms (``pages.py``) with their widgets typed, as
``window_forms`` types the other pages' and dialogs': ``Form.__getattr__`` hands every
widget out as ``Any``. Each names the widgets its page uses."""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QTableView

from .forms import Child, Form


class MySupervisionForm(Form):
    """ui/my_supervision.ui"""

    recordsTable = Child(QTableView)
    actionsTable = Child(QTableView)
    childrenTable = Child(QTableView)
    actionStatusCombo = Child(QComboBox)
    openRecordButton = Child(QPushButton)
    setActionStatusButton = Child(QPushButton)
    openActionSourceButton = Child(QPushButton)
    openChildButton = Child(QPushButton)
    summaryLabel = Child(QLabel)

# ruff: noqa: N815 -- the attributes are the forms' object names, as drawn in Designer
"""The main window's and its dialogs' Designer forms with their widgets typed (as ``editor_forms``
types the record editor's): ``Form.__getattr__`` hands every widget out as ``Any``."""
from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QWidget,
)

from .editor_forms import Child
from .forms import Form


class MainWindowForm(Form):
    """ui/main_window.ui"""

    navList = Child(QListWidget)
    pageStack = Child(QStackedWidget)


class OversightNoteForm(Form):
    """ui/oversight_note.ui"""

    titleLabel = Child(QLabel)
    messageLabel = Child(QLabel)
    triggerCombo = Child(QComboBox)
    decisionEdit = Child(QPlainTextEdit)
    rationaleEdit = Child(QPlainTextEdit)
    reviewDateEdit = Child(QLineEdit)
    actionsGroup = Child(QGroupBox)
    actionsHost = Child(QWidget)
    saveStateLabel = Child(QLabel)
    signaturesButton = Child(QPushButton)
    addendumButton = Child(QPushButton)
    signNoteButton = Child(QPushButton)
    closeButton = Child(QPushButton)

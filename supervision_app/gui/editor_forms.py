# ruff: noqa: N815 -- the attributes are the forms' object names, as drawn in Designer
"""The record editor's Designer forms with their widgets typed.

``Form`` reaches a form's widgets by name through ``__getattr__``, so to mypy every widget is
``Any``. These forms name the widgets the editor uses with their classes (``shareButton`` is a
QPushButton), found on first use as ``Form`` finds them; a widget not named here is still
reached by name, untyped, as before.
"""
from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from .forms import Child, Form


class SessionEditorForm(Form):
    """ui/session_editor.ui"""

    # the top row and the foot
    topRow = Child(QHBoxLayout)
    titleLabel = Child(QLabel)
    stateLabel = Child(QLabel)
    deadlinesLabel = Child(QLabel)
    messageLabel = Child(QLabel)
    saveStateLabel = Child(QLabel)
    backButton = Child(QPushButton)
    shareButton = Child(QPushButton)
    withdrawButton = Child(QPushButton)
    signButton = Child(QPushButton)
    signaturesButton = Child(QPushButton)
    addendumButton = Child(QPushButton)
    scrollArea = Child(QScrollArea)
    scrollContent = Child(QWidget)
    # header and sections
    heldDateEdit = Child(QLineEdit)
    heldTimeEdit = Child(QLineEdit)
    durationSpin = Child(QSpinBox)
    typeCombo = Child(QComboBox)
    locationEdit = Child(QLineEdit)
    agreementCheck = Child(QCheckBox)
    wellbeingGroup = Child(QGroupBox)
    wellbeingEdit = Child(QPlainTextEdit)
    caseloadSpin = Child(QSpinBox)
    complexityCombo = Child(QComboBox)
    capacityCombo = Child(QComboBox)
    workloadNotesEdit = Child(QPlainTextEdit)
    learningEdit = Child(QPlainTextEdit)
    asyeLabel = Child(QLabel)
    asyeEdit = Child(QPlainTextEdit)
    nextGroup = Child(QGroupBox)
    nextForm = Child(QFormLayout)
    nextDateEdit = Child(QLineEdit)
    # actions carried forward from earlier sessions
    reviewGroup = Child(QGroupBox)
    reviewHint = Child(QLabel)
    reviewTable = Child(QTableView)
    reviewStatusLabel = Child(QLabel)
    reviewStatusCombo = Child(QComboBox)
    reviewNoteEdit = Child(QLineEdit)
    setReviewButton = Child(QPushButton)
    # case discussions and the record's other actions
    discussionsGroup = Child(QGroupBox)
    discussionsContainer = Child(QWidget)
    discussionsLayout = Child(QVBoxLayout)
    childSearchLabel = Child(QLabel)
    childSearchEdit = Child(QLineEdit)
    addDiscussionButton = Child(QPushButton)
    actionsGroup = Child(QGroupBox)
    generalActionsHost = Child(QWidget)
    # the supervisee's response and how a disagreement was resolved
    responseGroup = Child(QGroupBox)
    responseState = Child(QLabel)
    responseHint = Child(QLabel)
    commentsEdit = Child(QPlainTextEdit)
    agreeRadio = Child(QRadioButton)
    disagreeRadio = Child(QRadioButton)
    disagreementLabel = Child(QLabel)
    disagreementEdit = Child(QPlainTextEdit)
    saveResponseButton = Child(QPushButton)
    resolutionLabel = Child(QLabel)
    resolveHint = Child(QLabel)
    resolveButton = Child(QPushButton)
    # addenda
    addendaGroup = Child(QGroupBox)
    addendaTable = Child(QTableView)
    openAddendumButton = Child(QPushButton)


class DiscussionForm(Form):
    """ui/case_discussion.ui"""

    childDetailLabel = Child(QLabel)
    moveUpButton = Child(QPushButton)
    moveDownButton = Child(QPushButton)
    removeButton = Child(QPushButton)
    positionEdit = Child(QPlainTextEdit)
    worriesEdit = Child(QPlainTextEdit)
    workingEdit = Child(QPlainTextEdit)
    needsEdit = Child(QPlainTextEdit)
    scaleSpin = Child(QSpinBox)
    decisionEdit = Child(QPlainTextEdit)
    rationaleEdit = Child(QPlainTextEdit)
    actionsHost = Child(QWidget)


class ActionsPanelForm(Form):
    """ui/actions_panel.ui, as the editor reads it for its Tab order (the panel itself is
    ``widgets.ActionsPanel``)."""

    actionsTable = Child(QTableView)
    descriptionEdit = Child(QLineEdit)
    ownerCombo = Child(QComboBox)
    dueEdit = Child(QLineEdit)
    addActionButton = Child(QPushButton)
    removeActionButton = Child(QPushButton)

# ruff: noqa: N815 -- the attributes are the forms' object names, as drawn in Designer
"""The main window's pages' Designer forms (``pages.py``) with their widgets typed, as
``window_forms`` types the other pages' and dialogs': ``Form.__getattr__`` hands every
widget out as ``Any``. Each names the widgets its page uses."""
from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
)

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

class TeamPageForm(Form):
    """ui/team_page.ui"""

    workerTable = Child(QTableView)
    waitingGroup = Child(QGroupBox)
    flaggedGroup = Child(QGroupBox)
    filterEdit = Child(QLineEdit)
    statusFilter = Child(QComboBox)
    historyButton = Child(QPushButton)
    newSessionButton = Child(QPushButton)
    exportButton = Child(QPushButton)
    summaryLabel = Child(QLabel)
    flaggedTable = Child(QTableView)
    openFlaggedButton = Child(QPushButton)
    resolveFlaggedButton = Child(QPushButton)
    waitingTable = Child(QTableView)
    openWaitingButton = Child(QPushButton)

class HistoryPageForm(Form):
    """ui/history_page.ui"""

    historyTable = Child(QTableView)
    openButton = Child(QPushButton)
    newSessionButton = Child(QPushButton)
    exportButton = Child(QPushButton)
    backButton = Child(QPushButton)
    titleLabel = Child(QLabel)
    detailLabel = Child(QLabel)

class ChildrenPageForm(Form):
    """ui/children_page.ui"""

    childrenTable = Child(QTableView)
    filterEdit = Child(QLineEdit)
    openChildButton = Child(QPushButton)
    newNoteButton = Child(QPushButton)
    summaryLabel = Child(QLabel)

class ChildPageForm(Form):
    """ui/child_page.ui"""

    chronologyTable = Child(QTableView)
    openEntryButton = Child(QPushButton)
    newNoteButton = Child(QPushButton)
    backButton = Child(QPushButton)
    titleLabel = Child(QLabel)
    detailsLabel = Child(QLabel)
    entryView = Child(QPlainTextEdit)

class SettingsPageForm(Form):
    """ui/settings_page.ui"""

    textSizeCombo = Child(QComboBox)
    policyTeamCombo = Child(QComboBox)
    savePolicyButton = Child(QPushButton)
    policyGroup = Child(QGroupBox)
    dueSoonSpin = Child(QSpinBox)
    textGroup = Child(QGroupBox)
    intervalSpin = Child(QSpinBox)
    asyeInfoLabel = Child(QLabel)
    policyMessageLabel = Child(QLabel)
    policyForm = Child(QFormLayout)
    settingsContentLayout = Child(QVBoxLayout)

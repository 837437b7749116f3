# ruff: noqa: N815 -- the attributes are the forms' object names, as drawn in Designer
"""The main window's, its pages' and its dialogs' Designer forms with their widgets typed
(as ``editor_forms`` types the record editor's): ``Form.__getattr__`` hands every widget out
as ``Any``. Each names the widgets its module uses."""
from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from .forms import Child, Form


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


class AssurancePageForm(Form):
    """ui/assurance_page.ui"""

    exportCsvButton = Child(QPushButton)
    exportXlsxButton = Child(QPushButton)
    headlineTable = Child(QTableView)
    intervalSpin = Child(QSpinBox)
    legendLabel = Child(QLabel)
    oversightTable = Child(QTableView)
    periodCombo = Child(QComboBox)
    recordsButton = Child(QPushButton)
    refreshButton = Child(QPushButton)
    scopeLabel = Child(QLabel)
    signalsSummary = Child(QLabel)
    signalsTable = Child(QTableView)
    statusLabel = Child(QLabel)
    teamCombo = Child(QComboBox)
    teamTable = Child(QTableView)
    trendHost = Child(QWidget)
    workerFilterEdit = Child(QLineEdit)
    workerTable = Child(QTableView)


class AuditPageForm(Form):
    """ui/audit_page.ui"""

    actionDueEdit = Child(QDateEdit)
    actionEdit = Child(QLineEdit)
    actionGroup = Child(QGroupBox)
    actionOwnerLabel = Child(QLabel)
    actionsIntro = Child(QLabel)
    actionsTab = Child(QWidget)
    actionsTable = Child(QTableView)
    addActionButton = Child(QPushButton)
    allocationCombo = Child(QComboBox)
    checklistHost = Child(QWidget)
    closingNoteEdit = Child(QLineEdit)
    completeButton = Child(QPushButton)
    doneButton = Child(QPushButton)
    drawButton = Child(QPushButton)
    drawGroup = Child(QGroupBox)
    drawHint = Child(QLabel)
    exportButton = Child(QPushButton)
    findingEdit = Child(QPlainTextEdit)
    gradeGroup = Child(QGroupBox)
    gradedLabel = Child(QLabel)
    heldFromEdit = Child(QDateEdit)
    heldFromLabel = Child(QLabel)
    heldToEdit = Child(QDateEdit)
    heldToLabel = Child(QLabel)
    introLabel = Child(QLabel)
    itemFilterEdit = Child(QLineEdit)
    itemPane = Child(QWidget)
    itemPaneLayout = Child(QVBoxLayout)
    itemsPane = Child(QWidget)
    itemsTable = Child(QTableView)
    newSeedButton = Child(QPushButton)
    notNeededButton = Child(QPushButton)
    openRecordButton = Child(QPushButton)
    openRoundButton = Child(QPushButton)
    overallCombo = Child(QComboBox)
    populationCombo = Child(QComboBox)
    progressLabel = Child(QLabel)
    recordHeading = Child(QLabel)
    recordView = Child(QTextBrowser)
    refreshButton = Child(QPushButton)
    reopenButton = Child(QPushButton)
    roundSummary = Child(QLabel)
    roundTitleEdit = Child(QLineEdit)
    roundsTab = Child(QWidget)
    roundsLayout = Child(QVBoxLayout)
    roundsTable = Child(QTableView)
    sampleSplitter = Child(QSplitter)
    sampleTab = Child(QWidget)
    saveGradeButton = Child(QPushButton)
    seedEdit = Child(QLineEdit)
    showClosedCheck = Child(QCheckBox)
    sizeSpin = Child(QSpinBox)
    statusCombo = Child(QComboBox)
    statusLabel = Child(QLabel)
    tabs = Child(QTabWidget)
    teamCombo = Child(QComboBox)
    weightCheck = Child(QCheckBox)


class FirstRunForm(Form):
    """ui/first_run.ui"""

    addressSourceLabel = Child(QLabel)
    backButton = Child(QPushButton)
    chooseLocalButton = Child(QPushButton)
    connectButton = Child(QPushButton)
    demoButton = Child(QPushButton)
    firstRunStack = Child(QStackedWidget)
    firstSyncProgress = Child(QProgressBar)
    passwordEdit = Child(QLineEdit)
    serverAddressEdit = Child(QLineEdit)
    signInButton = Child(QPushButton)
    signInMessage = Child(QLabel)
    usernameEdit = Child(QLineEdit)
    welcomeExplain = Child(QLabel)
    welcomeMessage = Child(QLabel)


class SignInForm(Form):
    """ui/sign_in.ui"""

    buttonBox = Child(QDialogButtonBox)
    filterEdit = Child(QLineEdit)
    peopleTable = Child(QTableView)


class ResolutionForm(Form):
    """ui/resolution_dialog.ui"""

    cancelButton = Child(QPushButton)
    disagreementView = Child(QPlainTextEdit)
    messageLabel = Child(QLabel)
    noteEdit = Child(QPlainTextEdit)
    recordButton = Child(QPushButton)
    recordLabel = Child(QLabel)
    titleLabel = Child(QLabel)

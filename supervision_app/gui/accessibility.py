"""Accessibility and text-size helpers shared by every page."""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent, QFont
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QStatusBar,
    QTabWidget,
    QTextEdit,
    QWidget,
)

from .collector_pause import collector_paused

INTERACTIVE = (QAbstractButton, QAbstractItemView, QAbstractSpinBox, QComboBox, QLineEdit,
               QPlainTextEdit, QTextEdit, QTabWidget)

TEXT_SCALES = (1.0, 1.15, 1.3, 1.5)  # settings: Standard, Large, Larger, Largest
HEADING_SCALE = 1.35


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip(":").strip()


def ensure_accessible_names(root: QWidget) -> None:
    """Give every control a name a screen reader can say: its label (buddy) or its own
    text, where the form did not set one explicitly; and let every label that shows a
    value be heard by what it shows (``show_value``)."""
    for label in root.findChildren(QLabel):
        buddy = label.buddy()
        if buddy is not None and not buddy.accessibleName() and label.text():
            buddy.setAccessibleName(_plain(label.text()))
        if buddy is None and label.accessibleName() and label.pixmap().isNull():
            show_value(label, label.accessibleDescription() or label.accessibleName())
    for button in root.findChildren(QAbstractButton):
        if not button.accessibleName() and button.text():
            button.setAccessibleName(_plain(button.text()))


def show_value(label: QLabel, meaning: str) -> None:
    """A label showing a value (a record's state, a message, a result) is heard by what it
    shows, with ``meaning`` (what the value is) as its description.

    Qt on Linux gives labels no text interface: a screen reader hears a label's accessible
    name only, so a fixed name ("Save state") hid the words on screen. A label without an
    accessible name is named by its text, and Qt reports each change of that text to
    assistive technology (a name-change event), so the name is left empty here."""
    label.setAccessibleName("")
    label.setAccessibleDescription(meaning)


def accessible_name(widget: QWidget) -> str:
    """What a screen reader hears as ``widget``'s name (a label with no name of its own:
    its text)."""
    interface = QAccessible.queryAccessibleInterface(widget)
    return interface.text(QAccessible.Text.Name) if interface is not None else ""


class Announcer(QObject):
    """Hands messages to assistive technology to be spoken without moving the focus; tests
    listen to ``announced``."""

    announced = Signal(QObject, str)

    def announce(self, source: QObject, text: str) -> None:
        if not text:
            return
        event = QAccessibleAnnouncementEvent(source, text)
        event.setPoliteness(QAccessible.AnnouncementPoliteness.Polite)
        QAccessible.updateAccessibility(event)
        self.announced.emit(source, text)


_announcer: Announcer | None = None


def announcer() -> Announcer:
    global _announcer
    if _announcer is None:
        _announcer = Announcer(QApplication.instance())
    return _announcer


def announce(source: QObject, text: str) -> None:
    """Say ``text`` to a screen reader user now (a status message, a result)."""
    announcer().announce(source, text)


def follow_status_messages(bar: QStatusBar, idle_name: str = "Status") -> None:
    """The status bar is named by the message it shows (``idle_name`` when it shows none),
    and each new message is announced: "Shared with the supervisee." reaches a screen
    reader, not a fixed "Status"."""
    def shown(message: str) -> None:
        bar.setAccessibleName(message or idle_name)
        announce(bar, message)

    bar.setAccessibleName(bar.currentMessage() or idle_name)
    bar.messageChanged.connect(shown)


def interactive_widgets(root: QWidget) -> list[QWidget]:
    """Controls a keyboard or screen-reader user reaches (including ``root`` itself)."""
    found = [w for w in root.findChildren(QWidget) if isinstance(w, INTERACTIVE)]
    if isinstance(root, INTERACTIVE):
        found.insert(0, root)
    return [w for w in found if not _internal_part(w)]


def _internal_part(widget: QWidget) -> bool:
    """Parts Qt builds inside a control, which screen readers announce through their owner:
    a spin box's or combo box's editor and popup list, a table's headers and corner button,
    a toolbar's overflow button, a line edit's clear button."""
    if widget.objectName().startswith("qt_") or isinstance(widget, QHeaderView):
        return True
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, (QAbstractSpinBox, QComboBox, QLineEdit)):
            return True
        parent = parent.parentWidget()
    return False


_system_point_size: float | None = None
_base_style_sheet = ""  # app.qss as read (no font sizes in it)
_scale = 1.0  # the text size in use, as a factor of the system font


def system_point_size() -> float:
    global _system_point_size
    if _system_point_size is None:
        size = QApplication.font().pointSizeF()
        _system_point_size = size if size > 0 else 10.0
    return _system_point_size


def text_point_size(scale: float | None = None) -> float:
    """Body text in points: the system font times the Settings text size."""
    return system_point_size() * (_scale if scale is None else scale)


def text_style_sheet(scale: float | None = None) -> str:
    """The style sheet rules that carry the text size. Once an application style sheet is
    set, ``QApplication.setFont`` no longer reaches widgets that are already polished (Qt
    resolves their font through the style sheet instead), so the size is given here, in
    points derived from the system font, and every widget takes it when the sheet is set
    again: pages, menus, the navigation list, dialogs opened later. A widget's own
    ``setFont`` size is overridden by this rule; give it a property and a rule here instead
    (as headings have)."""
    body = text_point_size(scale)
    heading = body * HEADING_SCALE
    return (f"\n/* the text size (accessibility.text_style_sheet) */\n"
            f"* {{ font-size: {body:.6g}pt; }}\n"
            f'QLabel[heading="true"] {{ font-size: {heading:.6g}pt; font-weight: bold; }}\n')


def install_style_sheet(sheet: str) -> None:
    """Set the application style sheet (app.qss), with the text size in use."""
    global _base_style_sheet
    _base_style_sheet = sheet
    _set_sheet()


def _application() -> QApplication:
    """The running QApplication (text size and style sheet are set on it)."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        raise RuntimeError("no QApplication is running")
    return app


def _set_sheet() -> None:
    app = _application()
    font = QFont(app.font())
    font.setPointSizeF(text_point_size())
    sheet = _base_style_sheet + text_style_sheet()
    # Qt walks a list of every widget, running our handlers as it goes: no window may be
    # deleted under it by a garbage collection those handlers start (collector_pause)
    with collector_paused():
        app.setFont(font)  # what new widgets, tooltips and painters without a widget start from
        if app.styleSheet() != sheet:
            app.setStyleSheet(sheet)  # repolishes every widget there is, shown or not


def current_text_scale() -> float:
    return _scale


def apply_text_scale(scale: float) -> None:
    """Scale text relative to the system font (never a fixed pixel size): every widget in
    every window at once, and every widget made afterwards."""
    global _scale
    _scale = scale
    system_point_size()
    app = _application()
    with collector_paused():
        _set_sheet()
        for top in app.topLevelWidgets():
            style_headings(top)


def style_headings(root: QWidget) -> None:
    """Headings (``heading`` property) larger and bold: by the style sheet's rule, and as
    their own font where no style sheet is set."""
    base = QApplication.font().pointSizeF()
    for label in root.findChildren(QLabel):
        if label.property("heading"):
            font = QFont(QApplication.font())
            font.setPointSizeF(base * HEADING_SCALE)
            font.setBold(True)
            label.setFont(font)
            if label.testAttribute(Qt.WidgetAttribute.WA_WState_Polished):
                label.style().unpolish(label)  # a property set after polishing: the rule again
                label.style().polish(label)


def size_text_boxes(root: QWidget, lines: int = 4) -> None:
    """Multi-line fields about ``lines`` lines tall in the current font (they scroll beyond),
    so a long record stays easy to move through and grows with the text size."""
    for box in root.findChildren(QPlainTextEdit):
        keep_lines(box, 2, lines)


def keep_lines(box: QPlainTextEdit, fewest: int, most: int) -> None:
    """A text box between ``fewest`` and ``most`` lines tall in its own font, now and after
    every change of text size (never a height in pixels, which cuts lines off at a large
    size)."""
    def fit(_box: QWidget) -> None:  # follow_font passes ``box`` back, typed as any widget
        spacing = box.fontMetrics().lineSpacing()
        margin = box.document().documentMargin()
        extra = 2 * box.frameWidth() + int(2 * margin) + 4
        box.setMinimumHeight(spacing * fewest + extra)
        box.setMaximumHeight(spacing * most + extra)

    follow_font(box, fit, "keep_lines")


class _FontFollower(QObject):
    """Calls ``apply(widget)`` when the widget's font changes (a new text size)."""

    def __init__(self, widget: QWidget, apply: Callable[[QWidget], None], name: str) -> None:
        super().__init__(widget)
        self.setObjectName(name)
        self.apply = apply
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.FontChange and isinstance(watched, QWidget):
            self.apply(watched)
        return False


def follow_font(widget: QWidget, apply: Callable[[QWidget], None], name: str) -> None:
    """``apply(widget)`` now, and again whenever the widget's font changes: sizes worked out
    from font metrics stay right when the Settings text size changes. Asking again under
    the same ``name`` replaces what was asked before."""
    follower = widget.findChild(_FontFollower, name, Qt.FindChildOption.FindDirectChildrenOnly)
    if follower is None:
        _FontFollower(widget, apply, name)
    else:
        follower.apply = apply
    apply(widget)


def show_message(label: QLabel, text: str, *, warning: bool = True) -> None:
    """A message banner: hidden while it has nothing to say (an empty orange box read as
    a problem with no words), announced when it says something, and drawn as a warning
    only when it is one ("There are no changes to choose between" is not)."""
    label.setText(text)
    label.setVisible(bool(text))
    tone = "warning" if warning else "info"
    if label.property("tone") != tone:
        label.setProperty("tone", tone)
        label.style().unpolish(label)  # a property the style sheet reads: apply it again
        label.style().polish(label)
    if text:
        announce(label, text)

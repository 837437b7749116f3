"""Questions put to the person before something is lost, removed or signed, built one way:
the texts shown exactly as written (they quote what people typed), each answer a named
button that a screen reader can say, and the safe answer the one Enter and Escape give."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton, QWidget


def plain_text(box: QMessageBox) -> QMessageBox:
    """Show every text of ``box`` exactly as written. A message box guesses rich text from
    a leading tag, so a quoted "<h1>risk</h1>" became a heading and "<script>...</script>"
    vanished: whoever reads the box (and signs against it) must see the words that were
    typed. Call it once the texts are set; long lines wrap as they did as rich text."""
    box.setTextFormat(Qt.TextFormat.PlainText)
    for label in box.findChildren(QLabel):
        if label.objectName() in ("qt_msgbox_label", "qt_msgbox_informativelabel"):
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
    return box


def question(parent: QWidget, *, name: str, title: str, text: str, detail: str,
             answers: dict[str, tuple[str, QMessageBox.ButtonRole]], safe: str,
             icon: QMessageBox.Icon = QMessageBox.Icon.Question) -> tuple[QMessageBox, dict[str, QPushButton]]:
    """A question box named ``name``; ``answers`` maps each button's object name to its
    label and role, in order; ``safe`` names the answer Enter and Escape give. The caller
    shows it (``open`` or ``exec``) and reads the answer from the buttons returned."""
    box = QMessageBox(icon, title, text, parent=parent)
    box.setObjectName(name)
    box.setInformativeText(detail)
    box.setAccessibleName(title)
    buttons = {}
    for key, (label, role) in answers.items():
        button = box.addButton(label, role)
        button.setObjectName(key)
        button.setAccessibleName(label.replace("&", ""))
        buttons[key] = button
    box.setDefaultButton(buttons[safe])
    box.setEscapeButton(buttons[safe])
    plain_text(box)
    return box, buttons

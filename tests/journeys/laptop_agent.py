"""TEST ONLY: one laptop. Starts the real desktop app (``supervision_app.cli``) in this
process and serves JSON-line commands on 127.0.0.1 so that a journey test can use its
widgets the way a person would: find, click, type, press keys, read what is on screen,
screenshot. It never calls the store or the sync client.

    python -m tests.journeys.laptop_agent --port-file F -- [supervision-app arguments]

The port it listens on is written to ``--port-file`` once it is listening. Commands run on
the GUI thread, one at a time, in the order they arrive; they are also served while a modal
dialog runs its own event loop. An action (click, key, trigger...) is answered *before* it
runs, so that a click that opens a modal dialog does not hold up the answer.

A command is ``{"cmd": NAME, ...}``; the answer ``{"ok": true, "value": ...}`` or
``{"ok": false, "error": "..."}``. Widgets are found by a selector (see ``find``).
"""
from __future__ import annotations

import argparse
import faulthandler
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QModelIndex, QObject, QPoint, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtNetwork import QHostAddress, QTcpServer, QTcpSocket
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QRadioButton,
    QTabWidget,
    QTextEdit,
    QWidget,
)


def plain(text: str) -> str:
    """A label as a person reads it: without the '&' of its keyboard shortcut."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


# --------------------------------------------------------------------------- reading widgets

def widget_text(widget: QWidget) -> str:
    if isinstance(widget, (QTextEdit, QPlainTextEdit)):
        return widget.toPlainText()
    if isinstance(widget, QComboBox):
        return widget.currentText()
    if isinstance(widget, QGroupBox):
        return plain(widget.title())
    if isinstance(widget, QMessageBox):
        return "\n".join(t for t in (widget.text(), widget.informativeText()) if t)
    if isinstance(widget, QAbstractButton):
        return plain(widget.text())
    if isinstance(widget, (QLineEdit, QLabel)):
        return widget.text()
    if isinstance(widget, QAbstractSpinBox):
        return widget.text()
    if isinstance(widget, QProgressBar):
        return widget.text()
    if widget.isWindow():
        return widget.windowTitle()
    return ""


def describe(widget: QWidget) -> dict[str, Any]:
    info = {
        "cls": type(widget).__name__,
        "name": widget.objectName(),
        "accessible": widget.accessibleName(),
        "text": widget_text(widget),
        "enabled": widget.isEnabled(),
        "visible": widget.isVisible(),
        "tooltip": widget.toolTip(),
        "description": widget.accessibleDescription(),
    }
    if isinstance(widget, QAbstractButton) and widget.isCheckable():
        info["checked"] = widget.isChecked()
    if isinstance(widget, (QLineEdit, QTextEdit, QPlainTextEdit)):
        info["read_only"] = widget.isReadOnly()
    if isinstance(widget, QProgressBar):
        info["value"] = widget.value()
        info["maximum"] = widget.maximum()
    if isinstance(widget, QAbstractItemView) and widget.model() is not None:
        info["rows"] = table_rows(widget)
        current = widget.currentIndex()
        info["current_row"] = current.row() if current.isValid() else -1
    if isinstance(widget, QComboBox):
        info["items"] = [widget.itemText(i) for i in range(widget.count())]
    if isinstance(widget, QTabWidget):
        info["tabs"] = [plain(widget.tabText(i)) for i in range(widget.count())]
        info["current_tab"] = plain(widget.tabText(widget.currentIndex()))
    return info


def table_rows(view: QAbstractItemView) -> list[list[str]]:
    model = view.model()
    rows = []
    try:
        columns = max(1, model.columnCount(QModelIndex()))
    except TypeError:  # a list model keeps columnCount to itself: one column
        columns = 1
    for row in range(model.rowCount(QModelIndex())):
        rows.append([str(model.index(row, col).data(Qt.ItemDataRole.DisplayRole) or "")
                     for col in range(columns)])
    return rows


def row_showing(view: QAbstractItemView, text: str) -> int:
    for row, cells in enumerate(table_rows(view)):
        if any(text in cell for cell in cells):
            return row
    return -1


# --------------------------------------------------------------------------- finding widgets

def top_levels() -> list[QWidget]:
    """Visible windows, the modal dialog (or message box) first, then the active window."""
    app = QApplication.instance()
    windows = [w for w in app.topLevelWidgets() if w.isVisible()]
    first = [w for w in (app.activeModalWidget(), app.activeWindow()) if w is not None and w.isVisible()]
    ordered: list[QWidget] = []
    for w in first + windows:
        if w not in ordered:
            ordered.append(w)
    return ordered


def matches(widget: QWidget, sel: dict[str, Any]) -> bool:
    if sel.get("visible", True) and not widget.isVisible():
        return False
    if "name" in sel and widget.objectName() != sel["name"]:
        return False
    if "name_startswith" in sel and not widget.objectName().startswith(sel["name_startswith"]):
        return False
    if "names" in sel and widget.objectName() not in sel["names"]:
        return False
    if "accessible" in sel and widget.accessibleName() != sel["accessible"]:
        return False
    if "cls" in sel and not any(c.__name__ == sel["cls"] for c in type(widget).__mro__):
        return False
    if "text" in sel and widget_text(widget).strip() != sel["text"]:
        return False
    if "text_contains" in sel and sel["text_contains"] not in widget_text(widget):
        return False
    return True


def candidates(scope: list[QWidget]) -> list[QWidget]:
    found: list[QWidget] = []
    for root in scope:
        found.append(root)
        found.extend(root.findChildren(QWidget))
    return found


def find_all(sel: dict[str, Any]) -> list[QWidget]:
    if "within" in sel:
        scope = [find(sel["within"])]
    elif sel.get("modal"):
        modal = QApplication.instance().activeModalWidget()
        scope = [modal] if modal is not None else []
    else:
        scope = top_levels()
    seen, out = set(), []
    for widget in candidates(scope):
        if id(widget) not in seen and matches(widget, sel):
            seen.add(id(widget))
            out.append(widget)
    return out


def find(sel: dict[str, Any]) -> QWidget:
    found = find_all(sel)
    index = sel.get("index", 0)
    if len(found) <= index:
        raise LookupError(f"no widget matches {json.dumps(sel)} ({len(found)} found)")
    return found[index]


def find_action(sel: dict[str, Any]) -> QAction:
    for window in QApplication.instance().topLevelWidgets():
        for action in window.findChildren(QAction):
            if "name" in sel and action.objectName() != sel["name"]:
                continue
            if "text" in sel and plain(action.text()) != sel["text"]:
                continue
            return action
    raise LookupError(f"no action matches {json.dumps(sel)}")


# --------------------------------------------------------------------------- commands

def guarded(action: Callable[[], None]) -> Callable[[], None]:
    """An action on a widget that went away meanwhile (a page rebuilt) does nothing."""
    def run() -> None:
        try:
            action()
        except RuntimeError as error:  # "Internal C++ object already deleted"
            print(f"journey agent: action skipped: {error}", file=sys.stderr)
    return run


class Agent(QObject):
    def __init__(self, port_file: Path) -> None:
        super().__init__()
        self.server = QTcpServer(self)
        if not self.server.listen(QHostAddress.SpecialAddress.LocalHost, 0):
            raise SystemExit("the agent could not listen")
        self.server.newConnection.connect(self._connected)
        self.buffers: dict[int, bytes] = {}
        tmp = port_file.with_suffix(".tmp")
        tmp.write_text(str(self.server.serverPort()))
        tmp.replace(port_file)

    def _connected(self) -> None:
        while self.server.hasPendingConnections():
            sock = self.server.nextPendingConnection()
            self.buffers[id(sock)] = b""
            sock.readyRead.connect(lambda s=sock: self._read(s))

    def _read(self, sock: QTcpSocket) -> None:
        self.buffers[id(sock)] += bytes(sock.readAll().data())
        while b"\n" in self.buffers[id(sock)]:
            line, rest = self.buffers[id(sock)].split(b"\n", 1)
            self.buffers[id(sock)] = rest
            self._handle(sock, line)

    def _handle(self, sock: QTcpSocket, line: bytes) -> None:
        later: list[Callable[[], None]] = []
        try:
            request = json.loads(line)
            handler = getattr(self, "cmd_" + request.pop("cmd"))
            value = handler(later, **request)
            answer = {"ok": True, "value": value}
        except Exception as error:  # noqa: BLE001 - the test sees it
            answer = {"ok": False, "error": f"{type(error).__name__}: {error}",
                      "trace": traceback.format_exc(limit=4)}
        sock.write(json.dumps(answer).encode() + b"\n")
        sock.flush()
        for action in later:  # after the answer: it may open a modal dialog
            QTimer.singleShot(0, guarded(action))

    # --- reading
    def cmd_ping(self, later) -> str:
        return "pong"

    def cmd_read(self, later, **sel) -> dict[str, Any]:
        return describe(find(sel))

    def cmd_exists(self, later, **sel) -> int:
        return len(find_all(sel))

    def cmd_read_all(self, later, **sel) -> list[dict[str, Any]]:
        return [describe(w) for w in find_all(sel)]

    def cmd_windows(self, later) -> list[dict[str, Any]]:
        app = QApplication.instance()
        modal = app.activeModalWidget()
        return [dict(describe(w), title=w.windowTitle(), modal=w is modal) for w in top_levels()]

    def cmd_list(self, later, **sel) -> list[dict[str, Any]]:
        """Every visible widget with a name or text, for debugging a journey."""
        scope = [find(sel)] if sel else top_levels()
        out, seen = [], set()
        for widget in candidates(scope):
            if id(widget) in seen:
                continue
            seen.add(id(widget))
            if widget.isVisible() and (widget.objectName() or widget_text(widget)):
                info = describe(widget)
                info.pop("rows", None)
                out.append(info)
        return out

    def cmd_focused(self, later) -> dict[str, Any] | None:
        widget = QApplication.focusWidget()
        return describe(widget) if widget is not None else None

    def cmd_screenshot(self, later, path: str, **sel) -> str:
        widget = find(sel) if sel else top_levels()[0]
        widget.grab().save(path)
        return path

    # --- acting (answered first, done just after)
    def cmd_click(self, later, **sel) -> None:
        widget = find(sel)
        if not widget.isEnabled():
            raise RuntimeError(f"{widget.objectName() or widget_text(widget)!r} is not enabled")
        point = QPoint()  # the centre; a check box or radio button answers only on its indicator and text
        if isinstance(widget, (QCheckBox, QRadioButton)):
            point = QPoint(min(8, widget.width() // 2), widget.height() // 2)
        later.append(lambda: QTest.mouseClick(widget, Qt.MouseButton.LeftButton,
                                              Qt.KeyboardModifier.NoModifier, point))

    def cmd_trigger(self, later, **sel) -> None:
        """A menu command, as chosen from its menu."""
        action = find_action(sel)
        if not action.isEnabled():
            raise RuntimeError(f"{plain(action.text())!r} is not enabled")
        later.append(action.trigger)

    def cmd_type(self, later, text: str, clear: bool = False, **sel) -> None:
        widget = find(sel)

        def act():
            widget.setFocus()
            if clear:
                QTest.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
                QTest.keyClick(widget, Qt.Key.Key_Delete)
            QTest.keyClicks(widget, text)
        later.append(act)

    def cmd_key(self, later, key: str, modifiers: list[str] = (), **sel) -> None:
        widget = find(sel) if sel else (QApplication.focusWidget() or top_levels()[0])
        qt_key = getattr(Qt.Key, "Key_" + key)
        mods = Qt.KeyboardModifier.NoModifier
        for m in modifiers:
            mods |= getattr(Qt.KeyboardModifier, m + "Modifier")
        later.append(lambda: QTest.keyClick(widget, qt_key, mods))

    def cmd_choose(self, later, item: str, **sel) -> None:
        """Pick an entry of a combo box by its text."""
        combo = find(sel)
        index = combo.findText(item)
        if index < 0:
            raise LookupError(f"{item!r} is not among {[combo.itemText(i) for i in range(combo.count())]}")

        def act():
            combo.setFocus()
            combo.setCurrentIndex(index)
            combo.activated.emit(index)
        later.append(act)

    def cmd_set_date(self, later, iso: str, **sel) -> None:
        from PySide6.QtCore import QDate
        edit = find(sel)
        if not isinstance(edit, QDateEdit):
            raise TypeError("not a date field")
        later.append(lambda: edit.setDate(QDate.fromString(iso, Qt.DateFormat.ISODate)))

    def cmd_select_row(self, later, row_contains: str, double: bool = False, **sel) -> int:
        """Click (or double-click) the first row of a list or table showing that text."""
        view = find(sel)
        found = row_showing(view, row_contains)
        if found < 0:
            raise LookupError(f"no row shows {row_contains!r}")

        def act():
            # looked up again: the list may have reloaded since (an old index would crash Qt)
            if not shiboken6.isValid(view):
                return
            row = row_showing(view, row_contains)
            if row < 0:
                return
            index = view.model().index(row, 0)
            view.scrollTo(index)
            point: QPoint = view.visualRect(index).center()
            QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                             Qt.KeyboardModifier.NoModifier, point)
            if double:
                QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton,
                                  Qt.KeyboardModifier.NoModifier, point)
        later.append(act)
        return found

    def cmd_tab(self, later, tab: str, **sel) -> None:
        tabs = find(sel)
        titles = [plain(tabs.tabText(i)) for i in range(tabs.count())]
        if tab not in titles:
            raise LookupError(f"no tab {tab!r} among {titles}")
        later.append(lambda: tabs.setCurrentIndex(titles.index(tab)))

    def cmd_close(self, later, **sel) -> None:
        """Close a window (the main window, by default) as its close button would."""
        widget = find(sel) if sel else next(w for w in top_levels() if type(w).__name__ == "MainWindow")
        later.append(widget.close)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    app_args: list[str] = []
    if "--" in argv:
        split = argv.index("--")
        argv, app_args = argv[:split], argv[split + 1:]
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", type=Path, required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    faulthandler.enable()  # a crash leaves its stack in the laptop's log
    app = QApplication([sys.argv[0]])
    agent = Agent(args.port_file)  # noqa: F841 - kept alive for the app's lifetime
    from supervision_app import cli

    code = cli.main(app_args)
    del app
    return code


if __name__ == "__main__":
    sys.exit(main())

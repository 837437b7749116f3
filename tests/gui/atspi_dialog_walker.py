"""Walks the running app's dialogs through AT-SPI as a screen reader does (run with the
system python3, which has pyatspi; tests/gui/test_atspi_dialogs.py starts it): presses each
button that opens a dialog, as a keyboard user would, and reports the dialog's controls a
screen reader could not name, its combo boxes with no label, and the labels it hears.
Prints one JSON object.

Not a test module: pyatspi is a Debian package for the system python, not the venv's."""
from __future__ import annotations

import json
import os
import sys
import time

import pyatspi
from atspi_walker import INTERACTIVE, children, find_app, inside_combo_or_table, labelled, showing, walk
from gi.repository import GLib

# buttons on the team manager's first page that open a dialog (the name's beginning)
OPENERS = ("Sign in to the sync server", "Export signed records", "Group supervision sessions",
           "Open the selected worker's supervision agreement",
           "Record a cancelled supervision for the selected worker")
CLOSERS = ("Cancel", "Close")


def dialogs(app) -> list:
    return [c for c in children(app) if c.getRoleName() in ("dialog", "alert", "file chooser")
            and showing(c)]


def problems_in_dialog(dialog, where: str) -> tuple[list[str], list[str], list[str]]:
    found, controls, labels = [], [], []
    for node, _depth in walk(dialog):
        role = node.getRoleName()
        if not showing(node):
            continue
        if role == "label" and node.name:
            labels.append(node.name)
        if role not in INTERACTIVE or inside_combo_or_table(node):
            continue
        name = (node.name or "").strip()
        controls.append(f"{role}: {name}")
        if role == "combo box" and not labelled(node):
            found.append(f"{where}: combo box showing {name!r} has no label")
        elif not name and not labelled(node):
            found.append(f"{where}: {role} without a name")
        if not role or role == "unknown":
            found.append(f"{where}: {name!r} has no role")
    return found, controls, labels


def press(node) -> None:
    action = node.queryAction()
    action.doAction(next(i for i in range(action.nActions) if action.getName(i) == "Press"))


def main() -> None:
    app = find_app()
    deadline = time.time() + 60
    frame = None
    while time.time() < deadline:
        frame = next((c for c in children(app) if c.getRoleName() == "frame"), None)
        nav = frame and next((n for n, _d in walk(frame)
                              if n.getRoleName() == "list" and n.name == "Sections"), None)
        if nav is not None and nav.childCount > 0:
            break
        time.sleep(0.5)
        app.clear_cache()
    else:
        raise SystemExit(json.dumps({"error": "the window never showed its pages"}))
    time.sleep(1)
    report: dict = {"dialogs": {}, "problems": [], "not_found": []}
    steps = [(kind, opener) for opener in OPENERS for kind in ("open", "walk", "close")]

    def step():
        if not steps:
            pyatspi.Registry.stop()
            return False
        kind, opener = steps.pop(0)
        print(kind, opener, file=sys.stderr)
        app.clear_cache()
        if kind == "open":
            button = next((n for n, _d in walk(frame) if n.getRoleName() == "push button"
                           and (n.name or "").startswith(opener) and showing(n)), None)
            if button is None:
                report["not_found"].append(opener)
                report.setdefault("buttons", sorted({n.name for n, _d in walk(frame)
                                                     if n.getRoleName() == "push button"}))
                steps[:2] = []  # nothing to walk or close
            else:
                press(button)
        elif kind == "walk":
            shown = dialogs(app)
            if not shown:
                report["problems"].append(f"{opener}: no dialog came up")
            for dialog in shown:
                where = f"{opener} ({dialog.name})"
                if any(w.endswith(f"({dialog.name})") for w in report["dialogs"]):
                    continue  # one closed earlier that the bridge still reports as showing
                found, controls, labels = problems_in_dialog(dialog, where)
                report["dialogs"][where] = {"controls": controls, "labels": labels}
                report["problems"].extend(found)
        elif kind == "close":
            for dialog in dialogs(app):
                closer = next((n for n, _d in walk(dialog) if n.getRoleName() == "push button"
                               and (n.name or "").replace("&", "") in CLOSERS and showing(n)), None)
                if closer is not None:
                    press(closer)
                else:
                    pyatspi.Registry.generateKeyboardEvent(9, None, pyatspi.KEY_PRESSRELEASE)  # Escape
        GLib.timeout_add(2000 if kind in ("open", "close") else 200, step)
        return False

    GLib.timeout_add(500, step)
    GLib.timeout_add(150000, pyatspi.Registry.stop)
    pyatspi.Registry.start()
    print(json.dumps(report), flush=True)
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())

"""Walks the running app through AT-SPI as a screen reader does (run with the system
python3, which has pyatspi; tests/gui/test_atspi.py starts it). Prints one JSON object:
what it found on each page, the controls a screen reader could not name, and the status
messages it heard.

Not a test module: pyatspi is a Debian package for the system python, not the venv's."""
from __future__ import annotations

import json
import os
import sys
import time

import pyatspi
from gi.repository import GLib

APP_NAME = "Supervision Recorder"
# what a keyboard or screen-reader user operates; each needs a name and a role
INTERACTIVE = {"push button", "check box", "radio button", "combo box", "text", "spin button",
               "table", "list", "tree", "tree table", "page tab", "toggle button", "slider",
               "password text", "menu item"}
STATUS_MESSAGE = "New supervision record started; it saves as you type."


def find_app(timeout: float = 60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for app in pyatspi.Registry.getDesktop(0):
            if app is not None and app.name == APP_NAME:
                return app
        time.sleep(0.5)
    raise SystemExit(json.dumps({"error": "the app never appeared on the accessibility bus"}))


def children(node):
    for i in range(node.childCount):
        child = node.getChildAtIndex(i)
        if child is not None:
            yield child


LEAVES = {"table", "tree table", "list", "combo box", "menu bar", "scroll bar", "text"}


def walk(node, depth=0):
    """Every object under ``node``, not into a table's cells, a list's items or a combo
    box's popup (each a round trip on the bus, and named by their owner's model)."""
    yield node, depth
    if depth < 30 and node.getRoleName() not in LEAVES:
        for child in children(node):
            yield from walk(child, depth + 1)


def labelled(node) -> bool:
    return any(r.getRelationType() == pyatspi.RELATION_LABELLED_BY for r in node.getRelationSet())


def showing(node) -> bool:
    return node.getState().contains(pyatspi.STATE_SHOWING)


def inside_combo_or_table(node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.getRoleName() in ("combo box", "table", "tree table"):
            return True
        parent = parent.parent
    return False


def current_page(frame, title: str):
    """The page on screen: the one whose heading is the navigation entry's title (the
    bridge reports a page the stack has hidden as still showing)."""
    pane = next(n for n, _d in walk(frame) if n.getRoleName() == "layered pane")
    for page in children(pane):
        for node, _depth in walk(page):
            if node.getRoleName() == "label" and (node.name == title or node.name.startswith(title + " ")):
                return page
    return None


def scope(frame, title: str):
    """The window's own parts (navigation, menus, status bar) and the page on screen."""
    page = current_page(frame, title)
    for node, depth in walk(frame):
        if node.getRoleName() == "layered pane":
            if page is not None:
                yield from walk(page)
            continue
        if any(a.getRoleName() == "layered pane" for a in ancestors(node)):
            continue
        yield node, depth


def ancestors(node):
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def problems_in(frame, where: str) -> tuple[list[str], list[str], list[str]]:
    found, controls, labels = [], [], []
    if current_page(frame, where) is None:
        found.append(f"{where}: no page on screen has this title as its heading")
    for node, _depth in scope(frame, where):
        role = node.getRoleName()
        if not showing(node):
            continue
        if role == "label" and node.name:
            labels.append(node.name)
        if role not in INTERACTIVE or inside_combo_or_table(node):
            continue
        name = (node.name or "").strip()
        controls.append(f"{role}: {name}")
        if role == "combo box" and not labelled(node):  # on Linux its name is its value
            found.append(f"{where}: combo box showing {name!r} has no label")
        elif not name and not labelled(node):
            found.append(f"{where}: {role} without a name")
        if not role or role == "unknown":
            found.append(f"{where}: {name!r} has no role")
    return found, controls, labels


def main() -> None:
    app = find_app()
    deadline = time.time() + 60
    while True:  # the window shows before the records are open; wait for its pages
        frame = next((c for c in children(app) if c.getRoleName() == "frame"), None)
        nav = frame and next((n for n, _d in walk(frame)
                              if n.getRoleName() == "list" and n.name == "Sections"), None)
        if nav is not None and nav.childCount > 0:
            break
        if time.time() > deadline:
            raise SystemExit(json.dumps({"error": "the window never showed its pages"}))
        time.sleep(0.5)
        app.clear_cache()
    time.sleep(1)  # the first page's rows
    report = {"pages": {}, "problems": [], "heard": [], "status_bar_names": []}

    def heard(event):  # no calls back into the app from here: the event's own copies only
        text = event.any_data if isinstance(event.any_data, str) else ""
        report["heard"].append({"type": str(event.type), "role": str(getattr(event, "source_role", "")),
                                "name": str(getattr(event, "source_name", "") or ""), "text": text})

    pyatspi.Registry.registerEventListener(heard, "object:announcement")


    steps = []
    titles = [item.name for item in children(nav)]
    for index, title in enumerate(titles):
        steps.append(("select", index, title))
        steps.append(("walk", index, title))
    steps.append(("select", 0, titles[0]))
    steps.append(("press", STATUS_MESSAGE, "New supervision"))
    steps.append(("listen", None, None))

    def step():
        if not steps:
            pyatspi.Registry.stop()  # ends the event loop start() runs
            return False
        kind, arg, title = steps.pop(0)
        print(kind, title, file=sys.stderr)
        if kind == "select":  # as arrowing to it: the list's current item, and its page
            item = nav.getChildAtIndex(arg)
            item.queryComponent().grabFocus()
            nav.querySelection().selectChild(arg)
        elif kind == "walk":
            app.clear_cache()  # states as they are now: a page left behind is no longer showing
            found, controls, labels = problems_in(frame, title)
            report["pages"][title] = {"controls": controls, "labels": labels}
            report["problems"].extend(found)
        elif kind == "press":
            button = next(n for n, _d in walk(frame)
                          if n.getRoleName() == "push button" and n.name == title and showing(n))
            action = button.queryAction()
            action.doAction(next(i for i in range(action.nActions) if action.getName(i) == "Press"))
        elif kind == "listen":
            bars = [n for n in children(frame) if n.getRoleName() == "status bar"]
            report["status_bar_names"] = [b.name for b in bars]
        GLib.timeout_add(1500 if kind in ("select", "press") else 200, step)
        return False

    GLib.timeout_add(500, step)
    GLib.timeout_add(120000, pyatspi.Registry.stop)
    pyatspi.Registry.start()  # runs the event loop (the steps, the events) until stop()
    print(json.dumps(report), flush=True)
    os._exit(0)  # without waiting for the registry's own teardown, which can hang


if __name__ == "__main__":
    sys.exit(main())

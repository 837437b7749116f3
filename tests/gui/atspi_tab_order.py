"""Walks the running app's keyboard focus with real Tab key presses (through the AT-SPI
registry's device controller, which types them on the X server as a keyboard would) and
reports, for every stop, what a screen reader is told: the focused object's role, name,
labelled-by relation and where it is on screen. Run with the system python3, which has
pyatspi; tests/gui/test_atspi.py starts it and checks the order. Prints one JSON object.

Two walks: the main window from the navigation list round to it again (on the page named
by the first argument, "My team" if none), and the supervision record editor from its first field round to it again
("New supervision" opens a draft with the date of the session focused).

Not a test module: pyatspi is a Debian package for the system python, not the venv's."""
from __future__ import annotations

import json
import os
import sys
import time

import pyatspi
from atspi_walker import children, find_app  # beside this script: run as one
from gi.repository import GLib

TAB = 0xFF09  # the Tab keysym
MOST_STOPS = 120  # a walk that has not come round by then is reported as such
RECORD = "Record"  # the editor's scrolled content (ui/session_editor.ui)
PAGE = sys.argv[1] if len(sys.argv) > 1 else "My team"  # the page the main window's walk is on


def give_the_window_the_keyboard() -> bool:
    """What a window manager does for a window that opens: the X keyboard focus to it
    (Xvfb runs none, and the keys typed would go nowhere). Through Xlib itself (ctypes),
    as the system python has no X bindings: the largest window on screen is the app's
    (the only program on this X server)."""
    import ctypes

    c_ulong, c_uint, c_int, ref = ctypes.c_ulong, ctypes.c_uint, ctypes.c_int, ctypes.byref
    xlib = ctypes.cdll.LoadLibrary("libX11.so.6")
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XDefaultRootWindow.restype = c_ulong
    xlib.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    xlib.XQueryTree.argtypes = [ctypes.c_void_p, c_ulong, ctypes.POINTER(c_ulong), ctypes.POINTER(c_ulong),
                                ctypes.POINTER(ctypes.POINTER(c_ulong)), ctypes.POINTER(c_uint)]
    xlib.XGetGeometry.argtypes = [ctypes.c_void_p, c_ulong, ctypes.POINTER(c_ulong), ctypes.POINTER(c_int),
                                  ctypes.POINTER(c_int), ctypes.POINTER(c_uint), ctypes.POINTER(c_uint),
                                  ctypes.POINTER(c_uint), ctypes.POINTER(c_uint)]
    xlib.XSetInputFocus.argtypes = [ctypes.c_void_p, c_ulong, c_int, c_ulong]
    xlib.XSync.argtypes = [ctypes.c_void_p, c_int]
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    display = xlib.XOpenDisplay(None)
    if not display:
        return False
    # a window not on screen (Qt keeps some unmapped) refuses the focus with BadMatch, which
    # Xlib's own handler answers by exiting: noted here, and passed over
    refused: list[int] = []
    handler_type = ctypes.CFUNCTYPE(c_int, ctypes.c_void_p, ctypes.c_void_p)
    handler = handler_type(lambda _display, _event: refused.append(1) or 0)
    xlib.XSetErrorHandler.argtypes = [handler_type]
    xlib.XSetErrorHandler(handler)
    root = xlib.XDefaultRootWindow(display)
    root_back, parent = c_ulong(), c_ulong()
    windows, count = ctypes.POINTER(c_ulong)(), c_uint()
    xlib.XQueryTree(display, root, ref(root_back), ref(parent), ref(windows), ref(count))
    sized = []
    for i in range(count.value):
        x, y, width, height, border, depth = c_int(), c_int(), c_uint(), c_uint(), c_uint(), c_uint()
        if xlib.XGetGeometry(display, windows[i], ref(root_back), ref(x), ref(y), ref(width), ref(height),
                             ref(border), ref(depth)):
            sized.append((width.value * height.value, windows[i]))
    focused = False
    for _area, window in sorted(sized):  # the largest that takes it last, so it keeps it
        before = len(refused)
        xlib.XSetInputFocus(display, window, 2, 0)  # RevertToParent, CurrentTime
        xlib.XSync(display, 0)
        focused = focused or len(refused) == before
    xlib.XCloseDisplay(display)
    return focused


def walk(node, depth=0):
    yield node
    if depth < 30 and node.getRoleName() not in ("table", "tree table", "list", "combo box", "text"):
        for child in children(node):
            yield from walk(child, depth + 1)


def ancestors(node):
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def extents(node) -> list[int]:
    box = node.queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
    return [box.x, box.y, box.width, box.height]


def labelled(node) -> str:
    for relation in node.getRelationSet():
        if relation.getRelationType() == pyatspi.RELATION_LABELLED_BY and relation.getNTargets():
            return relation.getTarget(0).name or ""
    return ""


def in_navigation(node) -> bool:
    """The navigation list, or its current item (which has the focus once selected)."""
    def is_list(n) -> bool:
        return n is not None and n.getRoleName() == "list" and n.name == "Sections"
    return is_list(node) or (node.getRoleName() == "list item" and is_list(node.parent))


def stop_at(node) -> dict:
    """What a screen reader is told about the focused object, and where it is: ``region``
    is the navigation list, the status bar, the editor's scrolled record (``within`` is
    then its place in the record, however far it is scrolled) or the page."""
    above = list(ancestors(node))
    region, within = "page", None
    if in_navigation(node):
        region = "navigation"
        node = node if node.getRoleName() == "list" else node.parent  # the list, at its current item
    elif any(a.getRoleName() == "status bar" for a in above):
        region = "status bar"
    else:
        record = next((a for a in above if a.name == RECORD), None)
        if record is not None:
            region = "record"
            mine, its = extents(node), extents(record)
            within = [mine[0] - its[0], mine[1] - its[1], mine[2], mine[3]]
    return {"role": node.getRoleName(), "name": (node.name or "").strip(), "label": labelled(node),
            "extents": extents(node), "region": region, "within": within}


def focused_in(frame):
    """The object with the focus, found by looking (when no focus event came)."""
    for node in walk(frame):
        if node.getState().contains(pyatspi.STATE_FOCUSED):
            return node
    return None


def same_object(a, b) -> bool:
    """The same stop: the same object, or both the navigation list (as a whole or at its
    current item)."""
    if a is None or b is None:
        return False
    return a == b or (in_navigation(a) and in_navigation(b))


def main() -> None:
    app = find_app()
    deadline = time.time() + 60
    while True:  # the window shows before the records are open; wait for its pages
        frame = next((c for c in children(app) if c.getRoleName() == "frame"), None)
        nav = frame and next((n for n in walk(frame) if n.getRoleName() == "list" and n.name == "Sections"), None)
        if nav is not None and nav.childCount > 0:
            break
        if time.time() > deadline:
            raise SystemExit(json.dumps({"error": "the window never showed its pages"}))
        time.sleep(0.5)
        app.clear_cache()
    time.sleep(1.5)  # the first page's rows
    report: dict = {"walks": {}, "error": None}
    focused: list = []

    def focus_event(event):  # only a reference kept here; it is asked about between key presses
        if event.detail1 == 1:
            focused.append(event.source)

    pyatspi.Registry.registerEventListener(focus_event, "object:state-changed:focused")
    plan: list = [("start", "main window")]
    state: dict = {"walk": None, "first": None, "stops": []}

    def press_tab() -> None:
        pyatspi.Registry.generateKeyboardEvent(TAB, None, pyatspi.KEY_SYM)

    def finish_walk(came_round: bool) -> None:
        report["walks"][state["walk"]] = {"stops": state["stops"], "came_round": came_round}

    def step():
        try:
            return _step()
        except (RuntimeError, LookupError, StopIteration, ValueError, GLib.Error) as problem:  # reported, not a hang
            report["error"] = f"{type(problem).__name__}: {problem}"
            pyatspi.Registry.stop()
            return False

    def _step():
        kind, arg = plan[0]
        if kind == "start":
            plan.pop(0)
            state.update(walk=arg, first=None, stops=[])
            if arg == "main window":
                if not give_the_window_the_keyboard():
                    raise RuntimeError("no X window is the app's")
                titles = [item.name for item in children(nav)]
                nav.queryComponent().grabFocus()
                nav.querySelection().selectChild(titles.index(PAGE))
            else:  # the editor: New supervision on My team, as a person would press it
                nav.querySelection().selectChild(0)
                time.sleep(1.5)
                app.clear_cache()
                button = next(n for n in walk(frame) if n.getRoleName() == "push button"
                              and n.name == "New supervision")
                action = button.queryAction()
                action.doAction(next(i for i in range(action.nActions) if action.getName(i) == "Press"))
            plan.insert(0, ("first", None))
            GLib.timeout_add(3000, step)
            return False
        if kind == "first":  # where the walk starts: the focus now
            app.clear_cache()
            start = focused[-1] if focused else focused_in(frame)
            if state["walk"] == "editor" and (start is None or stop_at(start)["region"] != "record"):
                state["waits"] = state.get("waits", 0) + 1  # the record is still opening
                if state["waits"] > 40:
                    raise RuntimeError("the new record never opened with its first field focused")
                GLib.timeout_add(500, step)
                return False
            plan.pop(0)
            if start is None:
                raise RuntimeError(f"{state['walk']}: nothing has the focus to start from")
            state["first"] = start
            state["stops"].append(stop_at(start))
            focused.clear()
            plan.insert(0, ("tab", None))
            press_tab()
            GLib.timeout_add(400, step)
            return False
        if kind == "tab":
            app.clear_cache()
            now = focused[-1] if focused else focused_in(frame)
            focused.clear()
            if now is None:
                raise RuntimeError(f"{state['walk']}: nothing has the focus after a Tab")
            if same_object(now, state["first"]):
                plan.pop(0)
                finish_walk(True)
            elif len(state["stops"]) >= MOST_STOPS:
                plan.pop(0)
                finish_walk(False)
            else:
                state["stops"].append(stop_at(now))
                press_tab()
                GLib.timeout_add(400, step)
                return False
            if state["walk"] == "main window":
                plan.insert(0, ("start", "editor"))
                GLib.timeout_add(200, step)
                return False
            pyatspi.Registry.stop()
            return False
        return False

    GLib.timeout_add(500, step)
    GLib.timeout_add(200000, pyatspi.Registry.stop)
    pyatspi.Registry.start()
    print(json.dumps(report), flush=True)
    os._exit(0)  # without waiting for the registry's own teardown, which can hang


if __name__ == "__main__":
    sys.exit(main())

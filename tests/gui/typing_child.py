"""Child process for the kill -9 test: open the profile, open a draft in the real editor,
type into it like a person, and keep typing until killed.

    python -m tests.gui.typing_child PROFILE_DIR STAFF_ID SESSION_ID
"""
from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtTest import QTest

from supervision_app.gui.app import application, build_window
from supervision_app.store.database import open_database
from tests.gui.event_wait import pause

FIRST = "Reflected on the strategy meeting and what the child said about home. "


def main() -> None:
    folder, staff_id, session_id = sys.argv[1:4]
    db = open_database(Path(folder))
    application()
    window = build_window(db, staff_id)
    window.show()
    editor = window.open_session(session_id)
    while editor.detail is None:
        pause(20)
    box = editor.form.learningEdit
    box.setFocus()
    QTest.keyClicks(box, FIRST)  # typed; autosave is due within about a second
    print("TYPED", flush=True)
    n = 0
    while True:  # still typing when the kill comes
        QTest.keyClicks(box, f"more{n} ")
        pause(50)
        n += 1


if __name__ == "__main__":
    main()

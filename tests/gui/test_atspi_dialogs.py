"""Issue 19's AT-SPI check on dialogs, not only pages: the app runs as its own process on
Xvfb with the AT-SPI bus (the set-up of test_atspi), and tests/gui/atspi_dialog_walker.py
presses each button of the team manager's page that opens a dialog, as a keyboard user
would, and walks the dialog as Orca would: every control has a name and a role, every combo
box a label, and its value labels are heard by their text."""
from __future__ import annotations

from tests.gui.test_atspi import _run_app_and, desktop  # noqa: F401  (the fixture)


def test_a_screen_reader_can_name_everything_in_each_dialog(desktop, tmp_path):  # noqa: F811
    report = _run_app_and("atspi_dialog_walker.py", desktop, tmp_path)
    assert report.get("error") is None, report
    assert report["not_found"] == [], report
    assert report["problems"] == [], "\n".join(report["problems"])
    walked = report["dialogs"]
    assert len(walked) == 5, list(walked)
    for where, seen in walked.items():
        assert len(seen["controls"]) >= 2, (where, seen["controls"])  # the walk reached it
    def labels(opener: str) -> list[str]:
        return next(seen["labels"] for where, seen in walked.items() if where.startswith(opener))

    # value labels are heard by what they show, not by a fixed name ("Agreement status",
    # "Rebook by" hid these)
    assert "Draft: not signed yet." in labels("Open the selected worker's supervision agreement")
    assert any(t.startswith("Rebook for ") for t in labels("Record a cancelled supervision"))
    assert "Server address:" in labels("Sign in to the sync server")

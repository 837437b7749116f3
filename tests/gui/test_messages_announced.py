"""Issue 19's rule "a status message is announced", beyond the signing dialogs: the message
lines that say what came of something the person just did (Settings' policy saved, an
export's result, the compliance page's refusal) reach a screen reader as an announcement,
not only as label text it never hears."""
from __future__ import annotations

import pytest

import supervision_app.store.assurance_models  # noqa: F401  (as tests/assurance do)
from supervision_app.gui.accessibility import announcer
from supervision_app.gui.app import application
from supervision_app.store.supervision_records import load_actor
from tests.assurance.world import TODAY as WORLD_TODAY
from tests.gui.helpers import click, settle, type_into

WAIT = 30000


@pytest.fixture
def heard(qtbot):
    """What the announcer said while the test ran."""
    application()
    said: list[str] = []

    def note(_source, text: str) -> None:
        said.append(text)

    announcer().announced.connect(note)
    yield said
    announcer().announced.disconnect(note)


def test_saving_the_supervision_policy_is_announced(qtbot, open_window, team, heard):
    window = open_window(team.service_manager_id)
    page = window.show_page("settings")
    settle(qtbot, window)
    f = page.form
    assert f.savePolicyButton.isVisible()
    click(qtbot, window, f.savePolicyButton)
    saved = "Saved the policy for Assessment Team A."
    # the page reloads after saving (refresh_all), so the announcement is what is waited for
    qtbot.waitUntil(lambda: saved in heard, timeout=WAIT)
    settle(qtbot, window)  # the reload saving started has finished
    assert page.form.policyMessageLabel.text() == saved  # still there to read
    window.close()


def test_an_exports_result_is_announced(qtbot, open_window, team, heard, tmp_path):
    window = open_window(team.manager_id)
    page = window.pages["my_team"]
    click(qtbot, window, page.form.exportButton)
    dialog = window.export_dialog
    dialog.whoCombo.setCurrentIndex(dialog.whoCombo.findData(f"team:{team.team_id}"))
    click(qtbot, window, dialog.exportButton)  # no folder yet: it says what to do
    assert dialog.messageLabel.text() == "Choose the folder to export to."
    assert heard[-1] == "Choose the folder to export to."
    type_into(qtbot, dialog.folderEdit, str(tmp_path / "out"))
    click(qtbot, window, dialog.exportButton)
    nothing = "There are no signed records for that choice and period."
    qtbot.waitUntil(lambda: dialog.messageLabel.text() == nothing, timeout=WAIT)
    assert heard[-1] == nothing
    dialog.reject()
    window.close()


def test_the_compliance_pages_status_line_is_announced(qtbot, database, world, heard):
    from supervision_app.gui.assurance_page import AssurancePage

    with database.reading() as s:
        actor = load_actor(s, world.tm)
    page = AssurancePage(database, actor, today=WORLD_TODAY)
    qtbot.addWidget(page)
    with qtbot.waitSignals([page.loaded, page.signals_loaded], timeout=WAIT):
        page.refresh()
    page.show()
    page.form.recordsButton.click()  # nothing chosen yet: it says what to do
    said = page.form.statusLabel.text()
    assert said.startswith("Choose a figure")
    assert heard[-1] == said
    page.tasks.wait(10000)


def test_the_compliance_page_failing_says_so_in_the_status_bar(qtbot, open_window, team, heard, monkeypatch):
    """The page reports a failure on its ``failed`` signal; the window says it in the status
    bar (heard by screen readers) rather than leaving the figures blank without a word."""
    from supervision_app.domain.text_rules import InvalidInput
    from supervision_app.gui import assurance_page

    def refused(*_args, **_kwargs):
        raise InvalidInput("The figures could not be worked out for that period.")

    monkeypatch.setattr(assurance_page, "compliance_dashboard", refused)
    window = open_window(team.manager_id)
    window.show_page("compliance")
    said = "The figures could not be worked out for that period."
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == said, timeout=WAIT)
    window.close()

"""Through the Search page's widgets: the supervision of a head of service, who is in no
team (DESIGN.md §1.1), is found and opened at the matching section by the service manager
who supervises her and by her, wellbeing included; another team's manager finds nothing."""
from __future__ import annotations

from PySide6.QtWidgets import QApplication

from tests.gui.helpers import click, settle
from tests.store.test_search_people_in_no_team import add_head_of_service, share_and_answer, write_draft


def _type_search(qtbot, window, words: str):
    page = window.show_page("search")
    if page.form.searchEdit.text():
        page.form.searchEdit.clear()  # and the last results with it, on the pause
        qtbot.waitUntil(lambda: page.form.resultSummaryLabel.text() == "", timeout=10000)
    page.form.searchEdit.setFocus()
    qtbot.keyClicks(page.form.searchEdit, words)  # the search runs on the pause in typing
    qtbot.waitUntil(lambda: page.form.resultSummaryLabel.text().endswith(("result", "results")), timeout=10000)
    settle(qtbot, window)
    return page


def _shown(page) -> list[tuple[str, str]]:
    model = page.model
    return [(model.index(row, 0).data(), model.index(row, 1).data()) for row in range(model.rowCount())]


def test_the_pair_find_and_open_it_another_teams_manager_finds_nothing(qtbot, database, team, open_window):
    hana = add_head_of_service(database, team)
    session_id = write_draft(database, team.service_manager_id, hana, "CS-1003")
    share_and_answer(database, team.service_manager_id, hana, session_id)
    for who in (team.service_manager_id, hana):
        window = open_window(who)
        page = _type_search(qtbot, window, "heron")
        assert _shown(page) == [("Supervision of Hana Head", "Wellbeing and support")], who
        assert page.form.resultSummaryLabel.text() == "1 result"
        click(qtbot, window, page.form.openResultButton)
        qtbot.waitUntil(lambda window=window: window.editor is not None
                        and window.editor.form.wellbeingEdit.toPlainText() != "", timeout=10000)
        assert window.editor.session_id == session_id
        assert window.editor.form.wellbeingEdit.toPlainText() == "Carrying the heron restructure alone"
        assert QApplication.focusWidget() is window.editor.form.wellbeingEdit  # opened at the section
        assert _shown(_type_search(qtbot, window, "plover")) == [
            ("Casey Test (CS-1003): case discussion",
             "Decision")]
    olu = open_window(_olu(database))
    for words in ("heron", "kestrel", "plover"):
        assert _shown(_type_search(qtbot, olu, words)) == [], words


def _olu(database) -> str:
    from sqlalchemy import select

    from supervision_app.store.models import Staff

    with database.reading() as s:
        return s.scalars(select(Staff.id).where(Staff.username == "olu")).one()

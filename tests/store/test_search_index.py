"""The FTS5 index follows the records through inserts, edits and tombstones."""
from __future__ import annotations

from sqlalchemy import text

from supervision_app.store.models import CaseDiscussion, SupervisionSession
from tests.store.builders import make_session, make_team

QUERY = text(
    "SELECT k.kind, k.record_id, k.section, snippet(search_text, 0, '[', ']', '…', 8) "
    "FROM search_text JOIN search_key k ON k.rowid = search_text.rowid WHERE search_text MATCH :q"
)


def hits(db, query):
    with db.reading() as s:
        return s.execute(QUERY, {"q": query}).all()


def test_sections_are_indexed_with_their_record_and_section(database):
    team, manager, worker, child = make_team(database)
    session, discussion, action = make_session(database, manager, worker, child)
    found = hits(database, "neglect")
    assert [(h.kind, h.record_id, h.section) for h in found] == [("case_discussion", discussion.id, "worries")]
    assert "[Neglect]" in found[0][3]
    assert {(h.kind, h.section) for h in hits(database, "weekly")} == {("action", "description")}


def test_edits_replace_the_indexed_text(database):
    team, manager, worker, child = make_team(database)
    session, discussion, _ = make_session(database, manager, worker, child)
    with database.transaction() as s:
        s.get(CaseDiscussion, discussion.id).worries = "Housing instability"
    assert hits(database, "neglect") == []
    assert len(hits(database, "housing")) == 1


def test_stemming_and_diacritics(database):
    team, manager, worker, child = make_team(database)
    make_session(database, manager, worker, child, learning="Visited the café; discussing attachment")
    assert len(hits(database, "cafe")) == 1
    assert len(hits(database, "discussed")) == 1


def test_letters_with_their_mark_built_in_are_found_as_plainly_typed(database):
    """Ł, Ø, ß and the like: unicode61 keeps them; the folded column (0008) spells them
    plainly, so either spelling finds the record, and an edit keeps both right."""
    team, manager, worker, child = make_team(database)
    session, _, _ = make_session(database, manager, worker, child,
                                 learning="Łukasz and Søren met at the Straße; Zoë joined")
    for typed in ("lukasz", "Łukasz", "soren", "søren", "strasse", "straße", "zoe"):
        assert len(hits(database, f'"{typed}"')) == 1, typed
    with database.reading() as s:
        (body, folded), = s.execute(text(
            "SELECT body, folded FROM search_text JOIN search_key k ON k.rowid = search_text.rowid "
            "WHERE k.section = 'learning'")).all()
    assert body == "Łukasz and Søren met at the Straße; Zoë joined"
    assert folded == "Lukasz and Soren met at the Strasse; Zoë joined"
    with database.transaction() as s:
        s.get(SupervisionSession, session.id).learning = "Zoë’s café: accents the tokenizer folds"
    assert hits(database, "lukasz") == [] and len(hits(database, "zoe")) == 1
    with database.reading() as s:
        assert s.execute(text("SELECT count(*) FROM search_text WHERE folded <> ''")).scalar() == 0


def test_tombstoned_rows_leave_the_index(database):
    team, manager, worker, child = make_team(database)
    session, _, _ = make_session(database, manager, worker, child)
    with database.transaction() as s:
        s.get(SupervisionSession, session.id).tombstone = True
    assert [h for h in hits(database, "reflective")] == []


def test_the_app_and_the_index_agree_on_which_letters_are_spelt_plainly():
    import importlib

    from supervision_app.domain.text_rules import LETTERS_WITH_BUILT_IN_MARKS, search_fold

    m0008 = importlib.import_module("supervision_app.store.migrations.versions.0008_search_folding")
    assert {letter for letter, _plain in m0008.PLAIN_SPELLINGS} == set(LETTERS_WITH_BUILT_IN_MARKS)
    for letter, plain in m0008.PLAIN_SPELLINGS:
        assert search_fold(letter) == plain.casefold(), letter


def test_migration_0008_spells_existing_text_plainly_and_can_be_undone(database):
    """A profile from before 0008 keeps every index row; the upgrade fills the new column
    for what was already indexed, and the downgrade gives the single-column index back."""
    from alembic import command

    from supervision_app.store.migrations_config import alembic_config

    team, manager, worker, child = make_team(database)
    make_session(database, manager, worker, child, learning="Łukasz settled well")

    def migrate(step, revision):
        with database.engine.begin() as connection:
            step(alembic_config(connection), revision)

    migrate(command.downgrade, "0007")
    with database.reading() as s:
        columns = [r[1] for r in s.execute(text("PRAGMA table_info(search_text)")).all()]
    assert columns == ["body"]
    assert hits(database, "lukasz") == [] and len(hits(database, "łukasz")) == 1
    migrate(command.upgrade, "head")
    assert [h.section for h in hits(database, "lukasz")] == ["learning"]
    assert len(hits(database, "neglect")) == 1  # every row kept
    make_session(database, manager, worker, child, learning="Søren too")  # the triggers write it
    assert len(hits(database, "soren")) == 1


def test_migration_0009_slims_the_index_and_every_search_still_finds_the_same(database):
    """No per-section length table (nothing ranks by it) and one prefix index, for three
    letters: words, prefixes of every length and snippets are found as before the
    rebuild, both ways, and the triggers keep indexing."""
    from alembic import command

    from supervision_app.store.migrations_config import alembic_config

    team, manager, worker, child = make_team(database)
    long_text = " ".join(["Routine visit notes."] * 200) + " The neighbour raised a concern about neglect."
    make_session(database, manager, worker, child, learning=long_text)
    queries = ["neglect", "neg*", "negl*", "negle*", "neglec*", "concern*", "rout*", "visits"]

    def tables():
        with database.reading() as s:
            return {r[0] for r in s.execute(text(
                "SELECT name FROM sqlite_master WHERE name LIKE 'search_text%'")).all()}

    def found():
        return {q: sorted((h.record_id, h.section, h[3]) for h in hits(database, q)) for q in queries}

    def options():
        with database.reading() as s:
            return s.execute(text("SELECT sql FROM sqlite_master WHERE name = 'search_text'")).scalar_one()

    assert "search_text_docsize" not in tables() and "prefix = '3'," in options()
    before = found()
    assert len(before["neglect"]) == 2 and any("concern about [neglect]" in h[2] for h in before["neglect"])
    assert before["negl*"] == before["neglec*"] == before["neglect"]
    assert all(before[q] for q in queries)

    def migrate(step, revision):
        with database.engine.begin() as connection:
            step(alembic_config(connection), revision)

    migrate(command.downgrade, "0008")
    assert "search_text_docsize" in tables() and "prefix = '3 4 5'" in options()
    assert found() == before
    migrate(command.upgrade, "head")
    assert "search_text_docsize" not in tables()
    assert found() == before
    make_session(database, manager, worker, child, learning="Neglect again")  # the triggers write it
    assert len(hits(database, "negle*")) == 4

"""``database.LATEST_REVISION`` lets a database at the newest schema open without loading
Alembic; it must always name the real head of the migrations."""
from __future__ import annotations

from alembic.script import ScriptDirectory

from supervision_app.store import database
from supervision_app.store.migrations_config import MIGRATIONS_DIR, alembic_config


def test_latest_revision_is_the_alembic_head():
    config = alembic_config(None)
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert heads == [database.LATEST_REVISION], (
        f"bump store/database.py LATEST_REVISION to the new migration head {heads}")


def test_an_up_to_date_database_opens_without_alembic(profile_dir, monkeypatch):
    db = database.open_database(profile_dir)  # new: migrated by Alembic
    with db.reading() as s:
        assert s.connection().exec_driver_sql("SELECT version_num FROM alembic_version").scalar() \
            == database.LATEST_REVISION
    db.close()
    import alembic.command

    def refuse(*_a, **_k):
        raise AssertionError("Alembic ran for a database already at the head")

    monkeypatch.setattr(alembic.command, "upgrade", refuse)
    database.open_database(profile_dir).close()


def test_an_older_database_still_goes_through_alembic(profile_dir, monkeypatch):
    db = database.open_database(profile_dir)
    with db.transaction() as s:
        s.connection().exec_driver_sql("UPDATE alembic_version SET version_num = '0005'")
    db.close()
    import alembic.command

    calls = []
    monkeypatch.setattr(alembic.command, "upgrade", lambda config, target: calls.append(target))
    database.open_database(profile_dir).close()
    assert calls == ["head"]

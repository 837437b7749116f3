"""The audit log is append-only, hash-chained and holds no record contents."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from supervision_app.store import audit_log
from supervision_app.store.models import AuditEntry


def _log_three(db):
    with db.transaction() as s:
        audit_log.record_event(s, actor_id="u1", action="view", record_kind="supervision", record_id="r1")
        audit_log.record_event(s, actor_id="u1", action="export", record_kind="supervision", record_id="r1")
    with db.transaction() as s:
        audit_log.record_event(s, actor_id="u2", action="sign", record_kind="supervision", record_id="r2")


def test_an_intact_chain_verifies(database):
    _log_three(database)
    with database.reading() as s:
        report = audit_log.verify(s)
        assert report.ok and report.entries_checked == 3
        assert audit_log.chain_head(s)[0] == 3


def test_entries_cannot_be_changed_or_removed(database):
    _log_three(database)
    with database.engine.connect() as conn:
        for statement in ("UPDATE audit_entry SET action = 'view' WHERE seq = 2",
                          "DELETE FROM audit_entry WHERE seq = 3"):
            with pytest.raises(IntegrityError, match="append-only"):
                conn.execute(text(statement))
            conn.rollback()


def _tamper(db, statement):
    """An attacker with the key who drops the triggers still cannot hide the edit."""
    with db.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_entry_no_update"))
        conn.execute(text("DROP TRIGGER audit_entry_no_delete"))
        conn.execute(text(statement))


@pytest.mark.parametrize(
    ("statement", "broken_seq", "words"),
    [
        ("UPDATE audit_entry SET action = 'view' WHERE seq = 2", 2, "altered"),
        ("DELETE FROM audit_entry WHERE seq = 2", 3, "missing"),
        ("UPDATE audit_entry SET actor_id = 'someone-else' WHERE seq = 1", 1, "altered"),
    ],
)
def test_verify_reports_the_first_broken_link(database, statement, broken_seq, words):
    _log_three(database)
    _tamper(database, statement)
    with database.reading() as s:
        report = audit_log.verify(s)
    assert not report.ok
    assert report.first_broken_seq == broken_seq
    assert words in report.problem


def test_rewriting_an_entry_and_its_hash_breaks_the_next_link(database):
    _log_three(database)
    from supervision_app.security.audit_chain import entry_hash

    with database.reading() as s:
        first = s.get(AuditEntry, 1)
        forged = entry_hash(seq=1, at=first.at, actor_id="forger", action=first.action,
                            record_kind=first.record_kind, record_id=first.record_id, prev_hash=first.prev_hash)
    _tamper(database, f"UPDATE audit_entry SET actor_id = 'forger', entry_hash = '{forged}' WHERE seq = 1")
    with database.reading() as s:
        report = audit_log.verify(s)
    assert not report.ok and report.first_broken_seq == 2


def test_entries_hold_ids_and_actions_only():
    columns = {c.name for c in AuditEntry.__table__.columns}
    assert columns == {"seq", "at", "actor_id", "action", "record_kind", "record_id", "prev_hash", "entry_hash"}


def test_two_transactions_logging_at_once_both_append(database):
    """A view logged on the read pool while an autosave logs on the write queue: the second
    must wait for the first and link to it, not take the same place in the chain (before, the
    second read the head before the first committed, then failed its insert on the seq: "That
    change breaks a rule of the record", and the editor did not open)."""
    import threading

    _log_three(database)
    outcome: dict[str, object] = {}
    with database.transaction() as first:
        audit_log.record_event(first, actor_id="u1", action="edit", record_kind="supervision", record_id="r1")

        def second() -> None:
            try:
                with database.transaction() as s:
                    outcome["seq"] = audit_log.record_event(s, actor_id="u2", action="view",
                                                            record_kind="supervision", record_id="r1").seq
            except Exception as error:  # noqa: BLE001 - the test reports it
                outcome["error"] = error

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(0.5)  # it waits for the first transaction's lock
        assert thread.is_alive() and not outcome
    thread.join(30)
    assert "error" not in outcome, outcome
    assert outcome["seq"] == 5
    with database.reading() as s:
        report = audit_log.verify(s)
        assert report.ok and report.entries_checked == 5

"""DESIGN.md §3 rule 3 on the server: a supervisor's move to signed is accepted once the
supervisee has responded, and refused before then, however the laptop's clock or its
``shared_at`` claim the supervisee's 5 working days have passed: the server counts them
from the day it first held the record as shared, by its own clock (a real server process,
SQLite and PostgreSQL)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from supervision_app.domain.supervisee_response import day_words, supervisor_may_sign_from
from supervision_app.domain.time_rules import london_date
from supervision_app.store import models as m, supervision_records as sr
from supervision_app.sync.server.schema import mutation, record
from tests.sync import records as r


def _held(deployment, sid: str) -> tuple[str, list[str], list[str]]:
    """The server's state of the record, its signatures' roles, and the reasons it gave."""
    with deployment.engine.connect() as conn:
        rows = conn.execute(select(record.c.table_name, record.c.data).where(
            (record.c.id == sid) | (record.c.parent_id == sid))).all()
        reasons = conn.execute(select(mutation.c.reason).where(mutation.c.reason != "")).scalars().all()
    state = next(json.loads(data)["state"] for table, data in rows if table == "supervision_session")
    roles = [json.loads(data)["signer_role"] for table, data in rows if table == "signature"]
    return state, roles, reasons


def test_a_supervisor_signature_pushed_before_the_response_is_refused(deployment, laptops, monkeypatch):
    org = deployment.org
    tm, tm_id = laptops("tm_a"), org.ids["tm_a"]
    r.credentials(tm)
    # The manager's laptop records the sharing three weeks back (a wrong clock, or a
    # backdated row): on the laptop the worker's window has passed, on the server it opens now.
    with monkeypatch.context() as clock:
        clock.setattr(sr, "utc_now", lambda: datetime.now(timezone.utc) - timedelta(days=21))
        sid = r.shared_session(tm, org)
    server_today = london_date(datetime.now(timezone.utc))
    assert tm.client.sync().rejected == 0
    assert _held(deployment, sid)[0] == "shared"

    r.sign_session(tm, tm_id, sid)  # the laptop's own rule lets it sign
    with tm.db.reading() as s:
        assert s.get(m.SupervisionSession, sid).state == "supervisor_signed"
    assert tm.client.sync().rejected >= 1

    state, roles, reasons = _held(deployment, sid)
    assert state == "shared" and roles == []
    words = (f"You can sign once the supervisee has responded, or from "
             f"{day_words(supervisor_may_sign_from(server_today))} if they have not.")
    assert any(words in reason for reason in reasons), reasons


def test_once_the_worker_has_responded_the_same_move_is_accepted(deployment, laptops):
    org = deployment.org
    tm, sw = laptops("tm_a"), laptops("sw_a1")
    tm_id, sw_id = org.ids["tm_a"], org.ids["sw_a1"]
    r.credentials(tm)
    sid = r.shared_session(tm, org)
    assert tm.client.sync().rejected == 0
    sw.client.sync()
    r.respond(sw, sw_id, sid, agrees=False, comments="", disagreement="Not what we agreed.")
    assert sw.client.sync().rejected == 0
    tm.client.sync()
    r.sign_session(tm, tm_id, sid)
    assert tm.client.sync().rejected == 0
    state, roles, _ = _held(deployment, sid)
    assert state == "supervisor_signed" and roles == ["supervisor"]

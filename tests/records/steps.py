"""The supervisee's steps before sign-off, taken the way the app takes them (the write
service, as each person), so no test sets a record's state or response by hand."""
from __future__ import annotations

from datetime import datetime

from supervision_app.store import supervision_records as sr


def share(db, supervisor_id: str, session_id: str, *, at: datetime | None = None) -> None:
    """The supervisor shares the draft; ``at`` is the supervisor's clock when they did (a
    record shared weeks ago, for the supervisee's window to have passed)."""
    clock = sr.utc_now
    if at is not None:
        sr.utc_now = lambda: at
    try:
        with db.transaction() as s:
            sr.share_session(s, sr.load_actor(s, supervisor_id), session_id)
    finally:
        sr.utc_now = clock


def respond(db, supervisee_id: str, session_id: str, *, agreement: str = "agrees",
            disagreement: str | None = None, comments: str | None = None) -> None:
    with db.transaction() as s:
        sr.respond(s, sr.load_actor(s, supervisee_id), session_id, comments=comments,
                   agreement=agreement, disagreement=disagreement)


def share_and_respond(db, supervisor_id: str, supervisee_id: str, session_id: str) -> None:
    share(db, supervisor_id, session_id)
    respond(db, supervisee_id, session_id)

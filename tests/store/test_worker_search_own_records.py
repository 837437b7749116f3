"""A social worker's search asks the index only for the records they can hold (their own
supervision, their children's, what names them), not their team's, so their own older
records are found however many colleagues' records use the same words (issue 18 bench:
the team's rows were read and thrown away, in at most three rounds)."""
from __future__ import annotations

from datetime import date, datetime, timezone

from supervision_app.store import supervision_records as sr
from supervision_app.store.search_queries import search
from supervision_app.store.supervision_records import load_actor

WORDS = "Arrange the kinship assessment with the grandparents"


def test_a_worker_finds_their_own_older_action_behind_many_of_a_colleagues(database, team):
    with database.transaction() as s:
        manager = load_actor(s, team.manager_id)
        own = sr.create_session(s, manager, supervisee_id=team.worker_id,
                                held_at=datetime(2026, 3, 2, 10, tzinfo=timezone.utc))
        action_id = sr.add_action(s, manager, session_id=own, description=WORDS, owner_id=team.worker_id,
                                  due_on=date(2026, 4, 1))
        sr.share_session(s, manager, own)
        colleagues = sr.create_session(s, manager, supervisee_id=team.other_worker_id,
                                       held_at=datetime(2026, 3, 3, 10, tzinfo=timezone.utc))
        for n in range(40):  # written after Ben's: newer in the index
            sr.add_action(s, manager, session_id=colleagues, description=f"{WORDS} ({n})",
                          owner_id=team.other_worker_id, due_on=date(2026, 4, 1))
    with database.reading() as s:
        ben = load_actor(s, team.worker_id)
        assert [(h.kind, h.record_id) for h in search(s, ben, "kinship grandparents", limit=2)] == [
            ("action", action_id)]
        # his colleague's draft stays out, as before
        assert search(s, load_actor(s, team.other_worker_id), "kinship", limit=2) == []

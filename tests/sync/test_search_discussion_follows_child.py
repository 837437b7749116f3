"""Search finds a case discussion that followed its child (DESIGN.md §1.1, third bullet)
across a real server process: after the child moved to a worker in another team, the new
manager's and worker's laptops hold the released record's discussion alone (no
supervision record to give its index row a team or to be checked against), and search
finds it for them, under the chronology's title, and for nobody else."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from supervision_app.store import models as m
from supervision_app.store.search_queries import search
from supervision_app.store.supervision_records import load_actor
from tests.sync import records as r
from tests.sync.harness import Deployment, deploy
from tests.sync.test_case_discussions_follow_child import admin, moved_with_shared_record


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Deployment:
    """One server, on SQLite: the laptop's index does not depend on the server's database."""
    dep, teardown = deploy("sqlite", tmp_path_factory.mktemp("server-sqlite"))
    yield dep
    teardown()


def _found(laptop, staff_id: str, words: str):
    with laptop.db.reading() as s:
        return search(s, load_actor(s, staff_id), words)


def test_search_finds_a_discussion_that_followed_its_child_only_for_the_childs_readers(
        deployment, laptops):
    org = deployment.org
    tm_a = laptops("tm_a")
    tm_a.client.sync()
    child, shared, discussed = moved_with_shared_record(deployment, tm_a, org, "CASE-SEARCH-1")

    tm_b, sw_b1 = laptops("tm_b"), laptops("sw_b1")
    for reader in (tm_b, sw_b1):
        reader.client.sync()
        # the discussion alone: its record is not on this laptop
        assert r.get(reader, m.CaseDiscussion, discussed[child]) is not None
        assert r.get(reader, m.SupervisionSession, shared) is None

    sw_a1_name = r.get(tm_b, m.Staff, org.ids["sw_a1"]).display_name
    for reader, username in ((tm_b, "tm_b"), (sw_b1, "sw_b1")):
        hits = _found(reader, org.ids[username], "protection plan")
        assert [(h.kind, h.record_id, h.section) for h in hits] == [
            ("case_discussion", discussed[child], "decision")], username
        [hit] = hits
        assert hit.title == f"Child CASE-SEARCH-1 (CASE-SEARCH-1): case discussion in supervision with {sw_a1_name}"
        assert hit.when == datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)
        assert (hit.session_id, hit.child_id) == (None, child)  # it opens the child's page
        assert [h.section for h in _found(reader, org.ids[username], "injury")] == ["rationale"]

    # a manager of another service area, who may not see the child, asked on a laptop that
    # holds the discussion (their scope reads index rows of no team, as this one's is): nothing
    admin(deployment, "add-user", "sm_south", "--name", "South Manager", "--role", "service_manager",
          "--one-time-password")
    admin(deployment, "add-service-area", "South", "--manager", "sm_south")
    tm_b.client.sync()
    with tm_b.db.reading() as s:
        [sm_south] = s.scalars(select(m.Staff.id).where(m.Staff.display_name == "South Manager")).all()
    assert _found(tm_b, sm_south, "protection plan") == []
    assert _found(tm_b, org.ids["sw_a2"], "protection plan") == []  # the record's supervisee's colleague
    # the record's own manager finds it with the record, as before
    [own] = _found(tm_a, org.ids["tm_a"], "protection plan")
    assert (own.record_id, own.session_id) == (discussed[child], shared)

"""Agreements and cancellations in search after a sync (issue 21): the index a laptop builds
from pulled rows, set-based in bulk pages (``sync/search_index.py``) or row by row by the
triggers, equals the one the writer's laptop built, and the worker finds the cancellation
of their supervision, never the draft agreement."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from supervision_app.store import agreement_records as ar, cancellation_records as cr
from supervision_app.store.search_queries import search
from supervision_app.store.supervision_records import load_actor
from tests.sync.harness import PASSWORD, Deployment, deploy


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Deployment:
    """One server, on SQLite: the laptop's index does not depend on the server's database."""
    dep, teardown = deploy("sqlite", tmp_path_factory.mktemp("server-sqlite"))
    yield dep
    teardown()


def _act(laptop, staff_id, work):
    with laptop.db.transaction() as s:
        return work(s, load_actor(s, staff_id))


def _index(laptop) -> list[tuple]:
    with laptop.db.reading() as s:
        return sorted(s.execute(text(
            "select k.kind, k.record_id, k.section, k.session_id, k.team_id, t.body, t.folded "
            "from search_key k join search_text t on t.rowid = k.rowid "
            "where k.kind in ('agreement', 'cancellation')")).all())


def _found(laptop, staff_id, words):
    with laptop.db.reading() as s:
        return [(h.kind, h.record_id) for h in search(s, load_actor(s, staff_id), words)]


def test_pulled_agreements_and_cancellations_are_indexed_as_the_writer_indexed_them(deployment, laptops):
    org = deployment.org
    manager, worker_id = org.ids["tm_a"], org.ids["sw_a1"]
    writer = laptops("tm_a")
    agreement_id = _act(writer, manager, lambda s, a: ar.create_agreement(
        s, a, worker_id, {"location": "The Łódź room, second floor"}))
    cancellation_id = _act(writer, manager, lambda s, a: cr.record_cancellation(
        s, a, worker_id, planned_for=date(2027, 1, 4), cancelled_on=date(2027, 1, 4),
        cancelled_by="supervisor", reason="The court hearing overran"))
    writer.client.sync()

    bulk = laptops()
    bulk.client.bulk_rows = 1  # every page set-based
    bulk.client.login("tm_a", PASSWORD)
    bulk.client.sync()
    row_by_row = laptops()
    row_by_row.client.bulk_rows = 10**9  # the triggers, one row at a time
    row_by_row.client.login("tm_a", PASSWORD)
    row_by_row.client.sync()

    expected = _index(writer)
    assert {(row[0], row[1]) for row in expected} == {("agreement", agreement_id),
                                                      ("cancellation", cancellation_id)}
    assert len(expected) == 7  # six terms and a reason
    assert all(row[3] is None and row[4] == org.teams["A"] for row in expected)
    assert [row[6] for row in expected if row[2] == "location"] == ["The Lódź room, second floor"]
    assert _index(bulk) == expected
    assert _index(row_by_row) == expected
    assert _found(bulk, manager, "lodz") == [("agreement", agreement_id)]

    worker = laptops("sw_a1")
    worker.client.sync()
    assert _found(worker, worker_id, "court hearing") == [("cancellation", cancellation_id)]
    assert _found(worker, worker_id, "lodz") == []  # a draft agreement is not the worker's yet

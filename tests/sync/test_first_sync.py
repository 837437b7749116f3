"""The first-sync fast path: large pages written several to a transaction, every trigger
on the synced tables suspended and the search index written once before each commit.

Whatever happens (complete, cut off midway, a malformed row) the laptop's search index
must equal the one the migrations' own triggers build for the rows it holds, the cursor
must cover exactly the rows committed, and the triggers must be back as they were."""
from __future__ import annotations

import json
from types import SimpleNamespace

import httpx
import pytest
from sqlalchemy import text

from supervision_app.store.database import DATABASE_FILE, open_database
from supervision_app.sync import protocol as p
from supervision_app.sync.client import SyncClient, SyncError
from tests.sync import records as r
from tests.sync.harness import PASSWORD
from tests.sync.laptop_state import laptop_state

SEARCHABLE = ("supervision_session", "case_discussion", "oversight_note", "addendum", "action_item")


class PagesOnTheWire(httpx.HTTPTransport):
    """Real HTTP, with a hand on the pull pages: counts them, remembers each page's
    cursor, and can spoil page ``n`` (``spoil(body)`` edits the parsed JSON) or cut the
    connection before it."""

    def __init__(self, n: int | None = None, spoil=None, cut: bool = False) -> None:
        super().__init__()
        self.n, self.spoil, self.cut = n, spoil, cut
        self.served = 0
        self.cursors: list[int] = []
        self.limits: list[int] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path != "/v1/pull":
            return super().handle_request(request)
        self.served += 1
        self.limits.append(int(request.url.params["limit"]))
        if self.served == self.n and self.cut:
            raise httpx.ConnectError("connection cut")
        response = super().handle_request(request)
        body = json.loads(response.read())
        self.cursors.append(body["next_cursor"])
        if self.served == self.n and self.spoil is not None:
            self.spoil(body)
            return httpx.Response(response.status_code, json=body)
        return response


def _laptop(folder, url: str, transport: httpx.HTTPTransport, *, page: int, per_transaction: int,
            bulk_rows: int = 1) -> SyncClient:
    db = open_database(folder)
    client = SyncClient(db, url, http=httpx.Client(base_url=url, timeout=10, transport=transport))
    client.first_sync_page_size = client.page_size = page
    client.bulk_transaction_rows = per_transaction
    client.bulk_rows = bulk_rows
    client.login("tm_a", PASSWORD)
    return client


def _close(client: SyncClient) -> None:
    client.close()
    client.db.close()


def _index(cur) -> list[tuple]:
    return sorted(cur.execute(
        "select k.kind, k.record_id, k.section, k.session_id, k.team_id, t.body, t.folded "
        "from search_key k join search_text t on t.rowid = k.rowid").fetchall())


def index_held(client: SyncClient) -> list[tuple]:
    """The laptop's search index as it is."""
    with client._raw(write=False) as cur:
        return _index(cur)


def index_from_the_triggers(client: SyncClient) -> list[tuple]:
    """The index migrations 0002/0003/0008's own triggers build for the rows held: every
    searchable row rewritten (lock triggers lifted) in a transaction that is rolled back."""
    fairy = client.db.engine.raw_connection()
    conn = fairy.dbapi_connection
    previous = conn.isolation_level
    conn.isolation_level = None
    cur = conn.cursor()
    try:
        cur.execute("BEGIN IMMEDIATE")
        for (name,) in cur.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                   "AND sql LIKE '%RAISE(ABORT%'").fetchall():
            cur.execute(f'DROP TRIGGER "{name}"')
        for table in SEARCHABLE:
            cur.execute(f"UPDATE {table} SET tombstone = tombstone")
        return _index(cur)
    finally:
        cur.execute("ROLLBACK")
        cur.close()
        conn.isolation_level = previous
        fairy.close()


def triggers(client: SyncClient) -> set[tuple[str, str]]:
    with client._raw(write=False) as cur:
        return set(cur.execute("select name, sql from sqlite_master where type = 'trigger'").fetchall())


def cursor_of(client: SyncClient) -> int:
    return client.status().cursor


@pytest.fixture(scope="module")
def written(deployment, tmp_path_factory, memory_keyring_module):
    """Records for tm_a's share, written on a laptop (each record before its parts),
    some shared after (so the server re-numbers their parts before them): about 60 rows."""
    from tests.sync.harness import Laptop

    org = deployment.org
    writer = Laptop(tmp_path_factory.mktemp("writer"), deployment.url, "tm_a")
    try:
        sids, _withdrawn = r.write_share(writer, org, sessions=4, discussions=5)
        writer.client.sync()
        for sid in sids[1:3]:
            r.share(writer, org.ids["tm_a"], sid)
        writer.client.sync()
        yield sids
    finally:
        writer.close()


@pytest.fixture(scope="module")
def memory_keyring_module():
    import keyring

    from tests.memory_keyring import MemoryKeyring

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def reference(deployment, written, tmp_path):
    """tm_a's share as a laptop syncing in small pages, row by row (the triggers), holds it."""
    client = _laptop(tmp_path / "reference", deployment.url, httpx.HTTPTransport(),
                     page=5, per_transaction=10, bulk_rows=10**9)
    client.sync()
    yield client
    _close(client)


def _state(client: SyncClient) -> dict:
    return laptop_state(SimpleNamespace(db=client.db))


# Page and transaction sizes (rows) that split re-numbered parts and their record across
# transactions, so the index rows of parts written earlier must be given their team later.
@pytest.mark.parametrize("page, per_transaction", [(5, 10), (7, 14), (20, 40)])
def test_a_first_sync_in_bulk_transactions_holds_the_share_and_indexes_it(
        deployment, written, reference, tmp_path, page, per_transaction):
    wire = PagesOnTheWire()
    client = _laptop(tmp_path / "bulk", deployment.url, wire, page=page, per_transaction=per_transaction)
    try:
        report = client.sync()
        assert report.pages > 2  # several transactions of several pages
        assert _state(client) == _state(reference)
        held = index_held(client)
        assert any(row[0] == "case_discussion" and row[4] == deployment.org.teams["A"] for row in held)
        assert not any(row[5] == "withdrawn" for row in held)
        assert held == index_from_the_triggers(client) == index_held(reference)
        assert triggers(client) == triggers(reference)
        assert cursor_of(client) == wire.cursors[-1]
    finally:
        _close(client)


def test_a_first_sync_cut_off_midway_leaves_an_exact_index_and_resumes(deployment, written, reference, tmp_path):
    wire = PagesOnTheWire(n=5, cut=True)  # pages 1-2 and 3-4 commit, the 5th never comes
    client = _laptop(tmp_path / "cut", deployment.url, wire, page=7, per_transaction=14)
    try:
        with pytest.raises(SyncError):
            client.sync()
        assert cursor_of(client) == wire.cursors[3]
        held = index_held(client)
        assert held and held == index_from_the_triggers(client)
        assert triggers(client) == triggers(reference)
        wire.n = None
        client.sync()
        assert _state(client) == _state(reference)
        assert index_held(client) == index_held(reference)
    finally:
        _close(client)


def _first(body, wanted: str):
    """The first row of the page with a non-empty column that is a record id (``wanted``
    "id") or else of kind ``wanted``, and that column's name."""
    for row in body["rows"]:
        for spec in p.TABLE_FIELDS[row["table"]]:
            is_id = spec.name.endswith("_id")
            fits = is_id if wanted == "id" else spec.kind == wanted and not is_id
            if fits and row["data"][spec.name]:
                return row, spec.name
    raise AssertionError(f"no {wanted} column on this page")


def _wrong_type(body):
    row, name = _first(body, "text")
    row["data"][name] = 12


def _missing_column(body):
    row = body["rows"][-1]
    del row["data"][next(spec.name for spec in p.TABLE_FIELDS[row["table"]] if not spec.nullable)]


def _unknown_column(body):
    body["rows"][0]["data"]["contents"] = "x"


def _unknown_table(body):
    body["rows"][1]["table"] = "payroll"


def _not_an_id(body):
    row, name = _first(body, "id")
    row["data"][name] = "../../etc"


def _impossible_time(body):
    row, name = _first(body, "datetime")
    row["data"][name] = "2026-19-45T10:00:00Z"  # looks like a time, is not one


@pytest.mark.parametrize("spoil", [_wrong_type, _missing_column, _unknown_column, _unknown_table,
                                   _not_an_id, _impossible_time])
@pytest.mark.parametrize("bulk", [True, False])
def test_a_malformed_row_is_refused_in_words_and_nothing_of_its_transaction_is_kept(
        deployment, written, reference, tmp_path, spoil, bulk):
    wire = PagesOnTheWire(n=3, spoil=spoil)  # the first page of the second transaction
    client = _laptop(tmp_path / "spoiled", deployment.url, wire, page=20, per_transaction=40,
                     bulk_rows=1 if bulk else 10**9)
    try:
        with pytest.raises(SyncError) as refused:
            client.sync()
        assert "cannot read" in str(refused.value)
        assert cursor_of(client) == wire.cursors[1]  # pages 1 and 2, not 3
        rows = _state(client)
        assert rows and index_held(client) == index_from_the_triggers(client)
        assert triggers(client) == triggers(reference)
        wire.n = None
        client.sync()
        assert _state(client) == _state(reference)
        assert len(rows) < len(_state(client))
        assert index_held(client) == index_held(reference)
    finally:
        _close(client)


def test_every_page_the_server_sends_reads_the_same_through_both_schemas(deployment, written, tmp_path):
    wire = PagesOnTheWire()
    client = _laptop(tmp_path / "both", deployment.url, wire, page=7, per_transaction=14)
    token = client.secrets.get("sync-token")
    try:
        after, pages = 0, 0
        while True:
            body = httpx.get(f"{deployment.url}/v1/pull", params={"after": after, "limit": 7},
                             headers={"Authorization": f"Bearer {token}"}).content
            fast, model = p.read_pull_page(body), p.PullResponse.model_validate_json(body)
            assert [row["id"] for row in fast["rows"]] == [row.id for row in model.rows]
            for row, typed in zip(fast["rows"], model.rows):
                assert row["data"] == typed.data
                assert p.parse_datetime(row["updated_at"]) == typed.updated_at
            pages += 1
            if not fast["has_more"]:
                break
            after = fast["next_cursor"]
        assert pages > 3
    finally:
        _close(client)


class ServerFromBefore(PagesOnTheWire):
    """A server that still caps pull pages at the old default, as FastAPI refuses a
    ``limit`` above it: 422."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/pull" and int(request.url.params["limit"]) > p.DEFAULT_PAGE:
            return httpx.Response(422, json={"error": "The request is not valid."})
        return super().handle_request(request)


def test_a_first_sync_from_a_server_that_caps_pages_lower_still_completes(deployment, written, reference, tmp_path):
    wire = ServerFromBefore()  # the first page is small, the next asks for the largest
    client = _laptop(tmp_path / "older", deployment.url, wire, page=20, per_transaction=40)
    client.first_sync_page_size = p.FIRST_SYNC_PAGE
    try:
        client.sync()
        assert _state(client) == _state(reference)
        assert client.first_sync_page_size == p.DEFAULT_PAGE
    finally:
        _close(client)


def test_a_row_older_than_a_column_that_may_be_empty_is_stored_with_it_empty(deployment, written, tmp_path):
    """The server keeps rows as they were pushed: one stored before a column was added
    lacks it. Only a column that may be empty may be missing; it is stored empty."""
    def older(body):
        for row in body["rows"]:
            if row["table"] == "supervision_session":
                del row["data"]["next_session_on"]

    wire = PagesOnTheWire(n=1, spoil=older)
    client = _laptop(tmp_path / "older-rows", deployment.url, wire, page=500, per_transaction=500)
    try:
        client.sync()
        sessions = [row for row in _state(client).values() if "held_at" in row["data"]]
        assert sessions and all(row["data"]["next_session_on"] is None for row in sessions)
    finally:
        _close(client)


def test_the_wal_a_first_sync_grew_is_folded_into_the_database_after_it_returns(deployment, written, tmp_path):
    """sync() returns once the rows are committed; the checkpoint runs after, and close()
    waits for it, so the database file ends up holding every page."""
    folder = tmp_path / "fold"
    client = _laptop(folder, deployment.url, PagesOnTheWire(), page=20, per_transaction=40)
    try:
        client.sync()
        assert client._housekeeping is not None  # the fold runs behind the returned sync
        with client.db.reading() as s:
            held = s.execute(text("SELECT count(*) FROM case_discussion")).scalar_one()
        assert held > 0  # readable before the fold is done
    finally:
        client.close()
    assert client._housekeeping is None
    raw = client.db.engine.raw_connection()
    try:
        pages = raw.dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        size = int(raw.dbapi_connection.execute("PRAGMA page_size").fetchone()[0])
    finally:
        raw.close()
    client.db.close()
    assert (folder / DATABASE_FILE).stat().st_size == pages * size


def test_a_first_sync_works_up_to_the_largest_pages_and_later_syncs_ask_for_ordinary_ones(
        deployment, written, reference, tmp_path):
    wire = PagesOnTheWire()
    client = _laptop(tmp_path / "ramp", deployment.url, wire, page=4, per_transaction=40)
    client.first_sync_page_size = 20
    try:
        client.sync()
        assert _state(client) == _state(reference)
        assert wire.limits[:3] == [4, 10, 20] and set(wire.limits[3:]) <= {20}
        asked = len(wire.limits)
        client.sync()  # nothing new: one ordinary page
        assert wire.limits[asked:] == [4]
    finally:
        _close(client)


def test_pages_are_pulled_with_the_cycle_collector_paused_and_it_resumes_after(
        deployment, written, reference, tmp_path, monkeypatch):
    """Parsing and writing pages runs without Python's cycle collector (a page makes many
    dicts and no cycles); it is back on when the sync ends, and after one cut off too."""
    import gc

    seen: list[bool] = []
    take_page = SyncClient._take_page

    def noting(self, *args, **kwargs):
        seen.append(gc.isenabled())
        return take_page(self, *args, **kwargs)

    monkeypatch.setattr(SyncClient, "_take_page", noting)
    assert gc.isenabled()
    client = _laptop(tmp_path / "gc", deployment.url, PagesOnTheWire(), page=20, per_transaction=40)
    try:
        client.sync()
        assert _state(client) == _state(reference)
    finally:
        _close(client)
    assert len(seen) > 2 and not any(seen)
    assert gc.isenabled()
    cut = _laptop(tmp_path / "gc-cut", deployment.url, PagesOnTheWire(n=2, cut=True), page=20,
                  per_transaction=40)
    try:
        with pytest.raises(SyncError):
            cut.sync()
    finally:
        _close(cut)
    assert gc.isenabled()

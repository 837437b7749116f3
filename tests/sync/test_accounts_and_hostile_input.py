"""Sign-in, tokens, the login rate limit, and hostile requests (4xx, never 500)."""
from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid

import httpx
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from supervision_app.sync.client import SignInNeeded
from supervision_app.sync.server import accounts, directory
from tests.sync.harness import PASSWORD, REPO, ServerProcess, create_database


def _token(laptop) -> str:
    return laptop.client.secrets.get("sync-token")


def test_token_is_opaque_and_stored_only_as_a_hash(deployment, laptops):
    laptop = laptops("sw_a1")
    token = _token(laptop)
    assert len(token) >= 43  # 32 random bytes, url-safe base64
    from sqlalchemy import text
    with deployment.engine.connect() as conn:
        stored = [row[0] for row in conn.execute(text("select token_hash from auth_token"))]
        hashes = [row[0] for row in conn.execute(text("select password_hash from account"))]
    assert token not in stored and all(len(h) == 64 for h in stored)
    assert all(h.startswith("$argon2id$") for h in hashes)


def test_revoked_token_stops_working_at_once(deployment, laptops):
    one, two = laptops("sw_a2"), laptops("sw_a2")
    one.client.sync()
    completed = subprocess.run(
        [sys.executable, "-m", "supervision_app.sync.server.cli", "--database-url",
         deployment.database_url, "--log-level", "warning", "revoke-tokens", "sw_a2"],
        cwd=REPO, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert int(completed.stdout.strip()) >= 2
    for laptop in (one, two):
        with pytest.raises(SignInNeeded):
            laptop.client.sync()
        assert "sign" in laptop.client.status().last_error.lower()
    one.client.login("sw_a2", PASSWORD)
    one.client.sync()


def test_logout_revokes_only_that_token(deployment, laptops):
    one, two = laptops("sw_b1"), laptops("sw_b1")
    old = _token(one)
    one.client.logout()
    assert httpx.get(f"{deployment.url}/v1/me", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    two.client.sync()


def _new_user(deployment, prefix: str) -> str:
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    with deployment.engine.begin() as conn:
        directory.add_user(conn, name, PASSWORD, "V", "social_worker")
    return name


def _login(url: str, name: str, password: str, **headers) -> httpx.Response:
    return httpx.post(f"{url}/v1/login", headers=headers,
                      json={"username": name, "password": password, "device_id": str(uuid.uuid4())})


def test_wrong_guesses_slow_a_name_down_but_never_lock_the_person_out(deployment):
    """Five wrong guesses used to lock the real person out for 15 minutes; now the answers
    wait a little, and the right password works once the wait is over."""
    name = _new_user(deployment, "victim")
    statuses = [_login(deployment.url, name, "wrong-password!").status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    # the waits double (1 s, 2 s, 4 s...), so a refusal comes however slow this machine is
    for _ in range(10):
        refused = _login(deployment.url, name, "wrong-password!")
        if refused.status_code != 401:
            break
    assert refused.status_code == 429
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= accounts.MAX_ACCOUNT_DELAY.total_seconds()
    assert refused.json() == {"error": f"Too many failed sign-ins. Wait {wait} second{'s' if wait > 1 else ''} "
                                       "and try again."}
    time.sleep(wait)
    assert _login(deployment.url, name, PASSWORD).status_code == 200
    assert _login(deployment.url, name, "wrong-password!").status_code == 401  # counting starts again


def test_the_wait_holds_for_everyone_grows_and_is_capped(tmp_path, monkeypatch):
    """On the server's own clock: during a wait even the right password is refused (a guesser
    learns nothing); each failure after the free ones doubles the wait, up to the cap; the
    right password after the wait always works."""
    import asyncio
    from datetime import datetime, timedelta

    from supervision_app.sync.server.app import create_app
    from supervision_app.sync.server.storage import make_engine, migrate

    engine = make_engine(f"sqlite:///{tmp_path / 'server.db'}")
    migrate(engine)
    with engine.begin() as conn:
        directory.add_user(conn, "victim", PASSWORD, "V", "social_worker")
    clock = [datetime(2026, 12, 1, 9, 0)]
    monkeypatch.setattr(accounts, "utcnow_naive", lambda: clock[0])
    transport = httpx.ASGITransport(app=create_app(engine))

    def attempt(password: str) -> httpx.Response:
        async def post() -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, base_url="http://server") as client:
                return await client.post("/v1/login", json={"username": "victim", "password": password,
                                                            "device_id": str(uuid.uuid4())})
        return asyncio.run(post())

    assert [attempt("wrong-password!").status_code for _ in range(3)] == [401, 401, 401]
    waits = []
    for _ in range(9):
        refused = attempt("wrong-password!")
        assert refused.status_code == 429
        assert attempt(PASSWORD).status_code == 429  # the right one waits too
        waits.append(int(refused.headers["Retry-After"]))
        clock[0] += timedelta(seconds=waits[-1])
        assert attempt("wrong-password!").status_code == 401  # after the wait: checked again
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert attempt(PASSWORD).status_code == 429
    clock[0] += accounts.MAX_ACCOUNT_DELAY
    assert attempt(PASSWORD).status_code == 200
    engine.dispose()


def test_the_wait_grows_with_each_failure_and_is_capped():
    waits = [accounts.account_delay(n).total_seconds() for n in range(0, 40)]
    assert waits[:accounts.FREE_FAILURES] == [0] * accounts.FREE_FAILURES
    assert waits[accounts.FREE_FAILURES:accounts.FREE_FAILURES + 4] == [1, 2, 4, 8]
    assert waits == sorted(waits) and max(waits) == accounts.MAX_ACCOUNT_DELAY.total_seconds() == 60


def test_unknown_disabled_and_wrong_password_get_the_same_answer(deployment):
    active, leaver, wrong_leaver = (_new_user(deployment, "same") for _ in range(3))
    with deployment.engine.begin() as conn:
        for name in (leaver, wrong_leaver):
            directory.update_staff(conn, name, active=False)  # as `supervision-server disable-user`
    answers = [
        _login(deployment.url, f"nobody-{uuid.uuid4().hex[:8]}", PASSWORD),  # unknown name
        _login(deployment.url, active, "wrong-password!"),  # wrong password
        _login(deployment.url, leaver, PASSWORD),  # disabled, right password
        _login(deployment.url, wrong_leaver, "wrong-password!"),  # disabled, wrong password
    ]
    seen = {(a.status_code, a.text, a.headers.get("www-authenticate"), a.headers.get("retry-after"))
            for a in answers}
    assert seen == {(401, '{"error":"The username or password is not right."}', "Bearer", None)}


def test_a_client_cannot_choose_its_address_with_x_forwarded_for(tmp_path, monkeypatch):
    """Per-address limit by the real peer: X-Forwarded-For from a client that is not a
    configured proxy is ignored (uvicorn trusted it from 127.0.0.1 before)."""
    monkeypatch.delenv("SUPERVISION_SERVER_TRUSTED_PROXIES", raising=False)
    url, drop = create_database("sqlite", tmp_path)
    server = ServerProcess(url, tmp_path / "server.log").start()
    try:
        for n in range(accounts.MAX_FAILURES_PER_ADDRESS):  # a new name each time: no per-name wait
            answer = _login(server.url, f"guess-{n}", "wrong-password!",
                            **{"X-Forwarded-For": f"198.51.100.{n + 1}"})
            assert answer.status_code == 401
        refused = _login(server.url, "guess-next", "wrong-password!", **{"X-Forwarded-For": "203.0.113.99"})
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    finally:
        server.stop()
        drop()


def test_x_forwarded_for_from_a_trusted_proxy_names_the_client(tmp_path, monkeypatch):
    monkeypatch.setenv("SUPERVISION_SERVER_TRUSTED_PROXIES", "127.0.0.1, ::1")
    url, drop = create_database("sqlite", tmp_path)
    server = ServerProcess(url, tmp_path / "server.log").start()
    try:
        for n in range(accounts.MAX_FAILURES_PER_ADDRESS):
            assert _login(server.url, f"guess-{n}", "wrong-password!",
                          **{"X-Forwarded-For": "203.0.113.7"}).status_code == 401
        blocked = _login(server.url, "guess-next", "wrong-password!", **{"X-Forwarded-For": "203.0.113.7"})
        assert blocked.status_code == 429
        # what the client wrote itself sits left of what our proxy appended: still 203.0.113.7
        spoofed = _login(server.url, "guess-next", "wrong-password!",
                         **{"X-Forwarded-For": "198.51.100.1, 203.0.113.7"})
        assert spoofed.status_code == 429
        # another client behind the same proxy is not held up
        assert _login(server.url, "guess-other", "wrong-password!",
                      **{"X-Forwarded-For": "203.0.113.8"}).status_code == 401
    finally:
        server.stop()
        drop()


@pytest.mark.parametrize("peer, forwarded, proxies, expected", [
    ("198.51.100.1", ["203.0.113.7"], "", "198.51.100.1"),  # no proxies configured: the peer
    ("198.51.100.1", ["203.0.113.7"], "10.0.0.0/8", "198.51.100.1"),  # peer is not a proxy
    ("10.0.0.5", ["203.0.113.7"], "10.0.0.0/8", "203.0.113.7"),
    ("10.0.0.5", ["1.2.3.4, 203.0.113.7"], "10.0.0.0/8", "203.0.113.7"),  # client-written left part
    ("10.0.0.5", ["203.0.113.7, 10.0.0.9"], "10.0.0.0/8", "203.0.113.7"),  # two of our proxies
    ("10.0.0.5", ["not-an-address"], "10.0.0.0/8", "10.0.0.5"),
    ("10.0.0.5", ["10.0.0.6"], "10.0.0.0/8", "10.0.0.6"),  # only proxies: the farthest one
])
def test_client_address(peer, forwarded, proxies, expected):
    assert accounts.client_address(peer, forwarded, accounts.parse_trusted_proxies(proxies)) == expected


def test_trusted_proxies_setting_is_checked(tmp_path):
    from supervision_app.sync.server import config

    good = config.load(None, {"SUPERVISION_SERVER_TRUSTED_PROXIES": "10.0.0.5, 10.1.0.0/16"})
    assert good.trusted_proxies == "10.0.0.5, 10.1.0.0/16"
    assert config.load(None, {}).trusted_proxies is None
    with pytest.raises(config.ConfigError, match="trusted_proxies: 'proxy.example' is not an IP address"):
        config.load(None, {"SUPERVISION_SERVER_TRUSTED_PROXIES": "10.0.0.5, proxy.example"})


def test_expired_and_unknown_tokens_are_refused(deployment):
    for header in ("Bearer nonsense", "Bearer", "Basic abc", "Bearer " + "x" * 250):
        answer = httpx.get(f"{deployment.url}/v1/pull", headers={"Authorization": header})
        assert answer.status_code == 401, header
    assert httpx.get(f"{deployment.url}/v1/pull").status_code == 401


HOSTILE_BODIES = [
    b"", b"not json", b"[]", b"{}", b"null", b'{"device_id": 5}', b"[" * 100_000 + b"]" * 100_000,
    b'{"device_id":"' + b"a" * 10_000 + b'","mutations":[]}',
    json.dumps({"device_id": str(uuid.uuid4()), "mutations": [{"mutation_id": "x"}]}).encode(),
    json.dumps({"device_id": str(uuid.uuid4()), "mutations": [], "extra": 1}).encode(),
    b'{"device_id":"\xff\xfe","mutations":[]}', '{"a":"\ud800"}'.encode("utf-8", "surrogatepass"),
]


@pytest.mark.parametrize("body", HOSTILE_BODIES, ids=range(len(HOSTILE_BODIES)))
def test_hostile_push_bodies_get_a_clear_4xx(deployment, laptops, body):
    laptop = laptops("tm_a")
    answer = httpx.post(f"{deployment.url}/v1/push", content=body,
                        headers={"Authorization": f"Bearer {_token(laptop)}",
                                 "Content-Type": "application/json"})
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.json()["error"]


_cache: dict = {}


def test_oversized_body_is_refused_before_parsing(deployment, laptops):
    laptop = laptops("tm_a")
    big = b'{"device_id":"' + b"a" * (33 * 1024 * 1024) + b'"}'
    answer = httpx.post(f"{deployment.url}/v1/push", content=big, timeout=60,
                        headers={"Authorization": f"Bearer {_token(laptop)}"})
    assert answer.status_code == 413


def test_hostile_rows_inside_a_valid_push_are_rejected_one_by_one(deployment, laptops):
    laptop = laptops("tm_a")
    org = deployment.org
    device = laptop.client.device_id()

    def mutation(table, data, **row):
        return {"mutation_id": str(uuid.uuid4()), "base_version": 0, "row": {
            "table": table, "id": row.get("id", str(uuid.uuid4())), "version": 1,
            "updated_at": "2026-11-23T10:00:00Z", "tombstone": False, "data": data}}

    base = {
        "supervisee_id": org.ids["sw_a1"], "supervisor_id": org.ids["tm_a"], "team_id": org.teams["A"],
        "held_at": "2026-11-02T10:00:00Z", "duration_minutes": 60, "session_type": "planned_1to1",
        "location": "", "agreement_in_place": True, "wellbeing": "", "caseload_count": None,
        "caseload_complexity": "", "capacity": "", "workload_notes": "", "learning": "",
        "asye_progress": "", "next_session_on": None, "state": "draft", "shared_at": None,
        "supervisee_comments": "", "supervisee_agreement": None, "disagreement": "",
        "disagreement_resolved": False,
    }
    hostile = [
        mutation("supervision_session", dict(base, learning="nul\x00byte")),
        mutation("supervision_session", dict(base, duration_minutes=10**6)),
        mutation("supervision_session", dict(base, state="locked")),
        mutation("supervision_session", dict(base, learning="x" * 100_001)),
        mutation("supervision_session", dict(base, held_at="yesterday")),
        mutation("supervision_session", dict(base, supervisor_id="'; drop table record; --")),
        mutation("supervision_session", {k: v for k, v in base.items() if k != "learning"}),
        mutation("supervision_session", dict(base, surprise="field")),
        mutation("supervision_session", dict(base, caseload_count=True)),
        mutation("child", {"case_id": "X", "name": "n", "date_of_birth": "2015-02-30",
                           "legal_status": "child_in_need", "allocated_worker_id": None,
                           "has_pathway_plan": False}),
        mutation("signature", {"record_kind": "supervision", "record_id": str(uuid.uuid4()),
                               "signer_id": org.ids["tm_a"], "signer_role": "supervisor",
                               "signed_at": "2026-11-02T10:00:00Z", "digest": "0" * 64,
                               "certificate_pem": "", "signature_value": "!!notbase64"}),
        mutation("team", {"name": "t", "service_area_id": None, "manager_id": None,
                          "supervision_policy": None}, id=org.ids["tm_a"]),  # a staff id as a team
    ]
    answer = httpx.post(f"{deployment.url}/v1/push", json={"device_id": device, "mutations": hostile},
                        headers={"Authorization": f"Bearer {_token(laptop)}"})
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["rejected"] * len(hostile)
    assert all(r["reason"] for r in results)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["device_id", "mutations", "row", "data", "table", "id", "version",
                         "mutation_id", "base_version", "audit_head", "seq", "hash", "x"]),
        inner, max_size=5),
    max_leaves=30))
def test_random_json_never_gets_a_500(deployment, body):
    token = _cache.get(deployment.url)
    if token is None:
        answer = httpx.post(f"{deployment.url}/v1/login", json={
            "username": "qa", "password": PASSWORD, "device_id": str(uuid.uuid4())})
        token = _cache[deployment.url] = answer.json()["token"]
    content = json.dumps(body, allow_nan=True).encode()
    for path in ("/v1/push", "/v1/login"):
        answer = httpx.post(f"{deployment.url}{path}", content=content,
                            headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code < 500, (path, answer.text)
    answer = httpx.get(f"{deployment.url}/v1/pull", params={"after": str(body)[:50]},
                       headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code < 500


def test_openapi_document_is_served_and_describes_the_protocol(deployment):
    doc = httpx.get(f"{deployment.url}/openapi.json").json()
    assert {"/v1/login", "/v1/push", "/v1/pull", "/v1/logout", "/v1/me"} <= set(doc["paths"])
    push_body = doc["paths"]["/v1/push"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert push_body["$ref"].endswith("/PushRequest")
    assert "Mutation" in doc["components"]["schemas"] and "PullResponse" in doc["components"]["schemas"]

"""A real sync server in a subprocess on 127.0.0.1, over SQLite or a fresh PostgreSQL
database, with a small organisation in its directory, and laptops (encrypted profiles
with a SyncClient) signed in to it."""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

import supervision_app.store.outbox  # noqa: F401  (installs the outbox hook)
from supervision_app.store.database import Database, open_database
from supervision_app.sync.client import SyncClient
from supervision_app.sync.server import certificates, directory
from supervision_app.sync.server.storage import make_engine, migrate

PG_ADMIN_URL = (os.environ.get("SUPERVISION_TEST_POSTGRES_URL") or os.environ.get("SUPERVISION_TEST_PG")
                or "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "correct-horse-battery-staple"
CA_PASSPHRASE = "test-ca-passphrase-not-secret"
REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def create_database(backend: str, folder: Path) -> tuple[str, callable]:
    """A fresh empty database; returns its URL and a function that drops it."""
    if backend == "sqlite":
        path = folder / f"server-{secrets.token_hex(4)}.db"
        return f"sqlite:///{path}", lambda: None
    name = f"sync_test_{secrets.token_hex(6)}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"

    def drop() -> None:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()

    return url, drop


class ServerProcess:
    """``python -m supervision_app.sync.server.cli`` on a free port."""

    def __init__(self, database_url: str, log_path: Path, port: int | None = None,
                 module: str = "supervision_app.sync.server.cli") -> None:
        self.module = module  # bench_push also runs bench.server_without_checks
        self.database_url = database_url
        self.log_path = log_path
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "ServerProcess":
        log = open(self.log_path, "ab")
        env = dict(os.environ, SUPERVISION_SERVER_CA_PASSPHRASE=CA_PASSPHRASE)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", self.module, "--database-url",
             self.database_url, "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "info"],
            stdout=log, stderr=subprocess.STDOUT, cwd=REPO, env=env,
        )
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, whatever it was doing."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def restart(self) -> None:
        self.kill()
        self.start()


@dataclass
class Org:
    """Service area North (service manager sm), teams A (tm_a: sw_a1, sw_a2) and B (tm_b:
    sw_b1), a head of service, an auditor and an administrator; children allocated to
    sw_a1 and sw_b1."""

    ids: dict[str, str] = field(default_factory=dict)  # username -> staff id
    teams: dict[str, str] = field(default_factory=dict)
    area: str = ""
    children: dict[str, str] = field(default_factory=dict)  # name -> child id


def build_org(engine) -> Org:
    org = Org()
    with engine.begin() as conn:
        org.area = directory.add_service_area(conn, "North")
        for team in ("A", "B"):
            org.teams[team] = directory.add_team(conn, f"Team {team}", org.area)
        people = [
            ("sm", "service_manager", None), ("tm_a", "team_manager", "A"),
            ("tm_b", "team_manager", "B"), ("sw_a1", "social_worker", "A"),
            ("sw_a2", "social_worker", "A"), ("sw_b1", "social_worker", "B"),
            ("hos", "head_of_service", None), ("qa", "qa_auditor", None),
            ("admin", "administrator", None),
        ]
        for username, role, team in people:
            org.ids[username] = directory.add_user(
                conn, username, PASSWORD, username.upper(), role,
                org.teams[team] if team else None, date(2020, 1, 6))
        directory.set_service_area_manager(conn, org.area, org.ids["sm"])
        directory.set_team_manager(conn, org.teams["A"], org.ids["tm_a"])
        directory.set_team_manager(conn, org.teams["B"], org.ids["tm_b"])
        org.children["a"] = directory.add_child(conn, "CASE-A", "Child A", date(2015, 3, 1),
                                                "child_in_need", org.ids["sw_a1"])
        org.children["b"] = directory.add_child(conn, "CASE-B", "Child B", date(2016, 4, 2),
                                                "child_protection", org.ids["sw_b1"])
    return org


@dataclass
class Deployment:
    backend: str
    database_url: str
    engine: object
    server: ServerProcess
    org: Org
    folder: Path

    @property
    def url(self) -> str:
        return self.server.url


def deploy(backend: str, folder: Path,
           server_module: str = "supervision_app.sync.server.cli") -> tuple[Deployment, callable]:
    folder.mkdir(parents=True, exist_ok=True)
    url, drop = create_database(backend, folder)
    engine = make_engine(url)
    migrate(engine)
    org = build_org(engine)
    with engine.begin() as conn:
        certificates.create_ca(conn, CA_PASSPHRASE.encode(), "Test Council signing CA", "Test Council")
    server = ServerProcess(url, folder / "server.log", module=server_module).start()

    def teardown() -> None:
        server.stop()
        engine.dispose()
        drop()

    return Deployment(backend, url, engine, server, org, folder), teardown


class FaultyTransport(httpx.HTTPTransport):
    """Delivers requests like the network on a bad day, one planned fault at a time:

    * ``drop``: the connection is cut before the request reaches the server;
    * ``lose_answer``: the server handles the request, the answer never arrives;
    * ``duplicate``: the request is delivered twice;
    * ``hold``: the request is delayed: the sender sees it fail, and it reaches the server
      only after the sender's next request (reordered delivery).
    """

    def __init__(self) -> None:
        super().__init__()
        self.plan: tuple[str, str] | None = None  # (path, fault)
        self.held: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        plan, path = self.plan, request.url.path
        if plan is not None and plan[0] == path:
            self.plan = None
            fault = plan[1]
            if fault == "drop":
                raise httpx.ConnectError("connection cut before sending")
            if fault == "hold":
                request.read()
                self.held.append(request)
                raise httpx.ReadTimeout("no answer")
            if fault == "lose_answer":
                super().handle_request(request).read()
                raise httpx.ReadError("connection cut before the answer")
            if fault == "duplicate":
                request.read()
                super().handle_request(_copy(request)).read()
        response = super().handle_request(request)
        while self.held:
            late = self.held.pop(0)
            super().handle_request(late).read()
        return response


def _copy(request: httpx.Request) -> httpx.Request:
    return httpx.Request(request.method, request.url, headers=request.headers, content=request.content)


class Laptop:
    """An encrypted profile and its sync engine."""

    def __init__(self, folder: Path, server_url: str, username: str | None = None,
                 faulty: bool = False) -> None:
        self.folder = folder
        self.server_url = server_url
        self.faulty = faulty
        self._open()
        self.username = username
        if username:
            self.client.login(username, PASSWORD)
            self.client.sync()  # the directory and this user's share first

    def _open(self) -> None:
        self.db: Database = open_database(self.folder)
        self.transport = FaultyTransport() if self.faulty else None
        http = httpx.Client(base_url=self.server_url, timeout=10, transport=self.transport)
        self.client = SyncClient(self.db, self.server_url, http=http)

    def restart(self) -> None:
        """The laptop is switched off and on again (whatever was not committed is gone)."""
        self.close()
        self._open()

    def close(self) -> None:
        self.client.close()
        self.db.close()


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)

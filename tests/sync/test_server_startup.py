"""Start-up schema upgrades with several server instances (``supervision_app.sync.server.startup``).

Real ``supervision-server`` processes on 127.0.0.1, started together on one fresh database:
every one comes up and serves ``/version``, the schema ends at head, and exactly one of
them upgraded it (the others waited for the lock, then found it done).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from supervision_app.sync.server.startup import (
    MIGRATION_LOCK_KEY,
    VERSION_TABLE,
    current_revisions,
    head_revisions,
    migrate_once,
)
from supervision_app.sync.server.storage import make_engine
from supervision_app.version import __version__
from tests.sync.harness import CA_PASSPHRASE, REPO, create_database, free_port

INSTANCES = 4


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPERVISION_SERVER_")}
    return {**env, "SUPERVISION_SERVER_CA_PASSPHRASE": CA_PASSPHRASE, **extra}


def _command(database_url: str, *argv: str) -> list[str]:
    return [sys.executable, "-m", "supervision_app.sync.server.cli", "--database-url", database_url,
            "--log-level", "info", *argv]


class Instances:
    """Server processes started at once; stopped (and their logs kept) at the end."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.procs: list[tuple[subprocess.Popen, int, Path]] = []

    def start_together(self, database_url: str, count: int, **env: str) -> None:
        gate = threading.Barrier(count)

        def spawn(index: int) -> None:
            port, log = free_port(), self.folder / f"server-{index}.log"
            gate.wait()  # all Popen calls as close together as threads allow
            with open(log, "wb") as out:
                proc = subprocess.Popen(_command(database_url, "--host", "127.0.0.1", "--port", str(port)),
                                        stdout=out, stderr=subprocess.STDOUT, cwd=REPO, env=_env(**env))
            self.procs.append((proc, port, log))

        threads = [threading.Thread(target=spawn, args=(i,)) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def wait_serving(self, timeout: float = 120) -> list[dict]:
        answers = []
        deadline = time.monotonic() + timeout
        for proc, port, log in self.procs:
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"an instance exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
                try:
                    answer = httpx.get(f"http://127.0.0.1:{port}/version", timeout=2)
                    if answer.status_code == 200:
                        answers.append(answer.json())
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"an instance did not come up:\n{log.read_text()[-3000:]}")
                time.sleep(0.1)
        return answers

    def logs(self) -> list[str]:
        return [log.read_text(errors="replace") for _proc, _port, log in self.procs]

    def stop(self) -> None:
        for proc, _port, _log in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc, _port, _log in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def instances(tmp_path):
    started = Instances(tmp_path)
    yield started
    started.stop()


@pytest.fixture(params=["postgresql", "sqlite"])
def fresh_database(request, tmp_path):
    url, drop = create_database(request.param, tmp_path)
    yield url
    drop()


def _version_rows(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [row[0] for row in conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))]
    finally:
        engine.dispose()


def test_instances_started_together_on_a_fresh_database_all_serve_and_upgrade_once(
        fresh_database, instances):
    count = INSTANCES if fresh_database.startswith("postgresql") else 3
    instances.start_together(fresh_database, count)
    answers = instances.wait_serving()
    assert [a["version"] for a in answers] == [__version__] * count

    logs = instances.logs()
    upgraded = [log for log in logs if "upgrading the database schema from empty" in log]
    assert len(upgraded) == 1, "\n=====\n".join(logs)
    for log in logs:
        assert "Traceback" not in log, log
        assert "database schema already at" in log or "database schema upgraded to" in log, log
    assert sorted(_version_rows(fresh_database)) == list(head_revisions())


def test_migrate_once_upgrades_then_finds_the_schema_current(fresh_database):
    engine = make_engine(fresh_database)
    try:
        assert migrate_once(engine) is True
        assert migrate_once(engine) is False
        with engine.connect() as conn:
            assert current_revisions(conn) == head_revisions()
    finally:
        engine.dispose()


@pytest.fixture
def postgres_database(tmp_path):
    url, drop = create_database("postgresql", tmp_path)
    yield url
    drop()


def test_an_instance_waits_for_the_lock_and_gives_up_in_words(postgres_database, tmp_path):
    """While another session holds the upgrade lock, ``migrate`` with a short timeout fails
    with a message (no traceback); a server with the default timeout waits and comes up
    once the lock is released."""
    holder = create_engine(postgres_database, isolation_level="AUTOCOMMIT")
    with holder.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
        gave_up = subprocess.run(_command(postgres_database, "migrate"), cwd=REPO, capture_output=True,
                                 text=True, timeout=120,
                                 env=_env(SUPERVISION_SERVER_MIGRATION_LOCK_TIMEOUT="1.5"))
        assert gave_up.returncode == 1, gave_up.stderr
        assert "Traceback" not in gave_up.stderr
        assert "held the schema upgrade lock for more than 1.5 s" in gave_up.stderr
        assert "another server instance is upgrading the database schema; waiting" in gave_up.stderr
        assert _version_rows_or_none(postgres_database) is None  # nothing was created

        port, log = free_port(), tmp_path / "waiting.log"
        with open(log, "wb") as out:
            waiting = subprocess.Popen(_command(postgres_database, "--port", str(port)), cwd=REPO,
                                       stdout=out, stderr=subprocess.STDOUT, env=_env())
        try:
            deadline = time.monotonic() + 60
            while "waiting" not in log.read_text() and time.monotonic() < deadline:
                assert waiting.poll() is None, log.read_text()
                time.sleep(0.1)
            assert "is upgrading the database schema; waiting" in log.read_text()
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
            deadline = time.monotonic() + 60
            while True:
                assert waiting.poll() is None, log.read_text()
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/version", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        finally:
            waiting.terminate()
            waiting.wait(15)
    holder.dispose()
    assert sorted(_version_rows(postgres_database)) == list(head_revisions())


def _version_rows_or_none(url: str) -> list[str] | None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            exists = conn.execute(text("SELECT to_regclass(:t)"), {"t": VERSION_TABLE}).scalar()
        return None if exists is None else _version_rows(url)
    finally:
        engine.dispose()


def test_no_migrate_refuses_an_old_schema_until_migrate_is_run(postgres_database):
    refused = subprocess.run(_command(postgres_database, "--no-migrate", "--port", str(free_port())),
                             cwd=REPO, capture_output=True, text=True, timeout=120, env=_env())
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    assert re.search(r"schema is at empty but this server needs \S+: run `supervision-server "
                     r"migrate` first", refused.stderr), refused.stderr
    migrated = subprocess.run(_command(postgres_database, "migrate"), cwd=REPO, capture_output=True,
                              text=True, timeout=120, env=_env())
    assert migrated.returncode == 0, migrated.stderr
    listed = subprocess.run(_command(postgres_database, "--no-migrate", "revoke-tokens", "nobody"),
                            cwd=REPO, capture_output=True, text=True, timeout=120, env=_env())
    assert "run `supervision-server migrate`" not in listed.stderr
    assert "upgrading" not in listed.stderr  # --no-migrate never touches the schema

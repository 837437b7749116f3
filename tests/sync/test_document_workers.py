"""Issue 16: the server reads and verifies pushed signed copies in worker processes
(``sync.server.document_workers``), so the check runs on another core while the push applies
its rows. The checks are the same: every other sync test pushes its signed copies through a
server with its workers. Here: that the copies really are read there, that the server checks
them itself when a worker dies, that no worker outlives a killed server, that a push whose
copy is late lets go of the sequence lock and is applied again, and the setting."""
from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import Future

import pytest

from supervision_app.sync.server import config, document_check, push_apply
from supervision_app.sync.server.actors import load_actor
from supervision_app.sync.server.cli import build_parser
from supervision_app.sync.server.document_workers import DocumentWorkers, automatic_count
from tests.sync import records as r
from tests.sync.harness import Laptop, deploy
from tests.sync.processes import cpu_seconds, ended, running_children, stat
from tests.sync.raw_push import push_raw
from tests.sync.signing_units import pdf_of, server_state, signing_push, signing_unit, with_pdf


@pytest.fixture
def server(tmp_path, monkeypatch, memory_keyring):
    """A real server process with two document workers (a 2-core machine would start one)."""
    monkeypatch.setenv("SUPERVISION_SERVER_DOCUMENT_WORKERS", "2")
    folder = tmp_path / "server"
    folder.mkdir()
    deployment, teardown = deploy("sqlite", folder)
    opened: list[Laptop] = []

    def laptop(username: str) -> Laptop:
        opened.append(Laptop(tmp_path / f"laptop-{username}", deployment.url, username))
        r.credentials(opened[-1])
        return opened[-1]

    yield deployment, laptop
    for each in opened:
        each.close()
    teardown()


def test_signed_copies_are_read_and_verified_in_the_worker_processes(server):
    deployment, laptop = server
    org = deployment.org
    workers = running_children(deployment.server.proc.pid)
    assert len(workers) == 2
    assert "read and verified by 2 worker process(es)" in (deployment.folder / "server.log").read_text()
    before = sum(cpu_seconds(pid) for pid in workers)
    manager, worker = laptop("tm_a"), laptop("sw_a1")
    sids = [r.responded_session(manager, worker, org) for _ in range(2)]
    for sid in sids:
        r.sign_session(manager, org.ids["tm_a"], sid)
    assert manager.client.sync().rejected == 0
    worker.client.sync()
    for sid in sids:
        r.sign_session(worker, org.ids["sw_a1"], sid)
    assert worker.client.sync().rejected == 0
    assert [server_state(deployment, sid) for sid in sids] == [("locked", 2)] * 2
    # four copies read (two of them signed twice): tens of milliseconds of the workers' CPU
    assert sum(cpu_seconds(pid) for pid in workers) > before
    assert running_children(deployment.server.proc.pid) == workers


def test_when_the_workers_die_the_server_checks_the_copies_itself(server):
    deployment, laptop = server
    org = deployment.org
    manager, worker = laptop("tm_a"), laptop("sw_a1")
    first = r.responded_session(manager, worker, org)
    second = r.responded_session(manager, worker, org)
    for pid in running_children(deployment.server.proc.pid):
        os.kill(pid, signal.SIGKILL)
    r.sign_session(manager, org.ids["tm_a"], first)
    r.sign_session(manager, org.ids["tm_a"], second)
    unit, other = signing_unit(manager, first), signing_unit(manager, second)
    # a copy of another record is still refused, for the reason the check gives
    results = push_raw(deployment, manager, *with_pdf(unit, pdf_of(other)))
    assert [res["status"] for res in results] == ["rejected"] * 3
    assert "different record digest" in results[2]["reason"]
    assert server_state(deployment, first) == ("shared", 0)
    # and the honest signings are kept
    assert manager.client.sync().rejected == 0
    assert server_state(deployment, first) == ("supervisor_signed", 1)
    assert server_state(deployment, second) == ("supervisor_signed", 1)
    log = (deployment.folder / "server.log").read_text()
    assert ("The document workers have stopped" in log
            or "could not be checked by a document worker" in log), log[-2000:]


def test_no_worker_outlives_a_killed_server(server):
    deployment, _laptop = server
    workers = running_children(deployment.server.proc.pid)
    assert workers
    deployment.server.kill()
    deadline = time.monotonic() + 30
    while not all(ended(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(ended(pid) for pid in workers), [(pid, stat(pid)) for pid in workers]


@pytest.mark.parametrize("worker", ["late", "busy", "failing"])
def test_a_push_whose_copy_is_late_or_failed_lets_go_of_the_lock_and_is_applied_again(
        server, monkeypatch, worker):
    """Under the sequence lock a push waits for a copy's findings at most
    ``UNDER_LOCK_SECONDS`` and never reads a copy itself: when a worker is late with them,
    has not started on them (the workers are busy) or failed, the push rolls back (letting
    every other push go on), waits for the worker or reads the copy itself without the lock,
    and is applied again from the start: each change applied once, as if nothing had
    happened, and the copy checked once."""
    deployment, laptop = server
    org = deployment.org
    manager, supervisee = laptop("tm_a"), laptop("sw_a1")
    sid = r.responded_session(manager, supervisee, org)
    r.sign_session(manager, org.ids["tm_a"], sid)
    request = signing_push(manager, sid)
    engine = deployment.engine
    with engine.connect() as conn:
        loaded = load_actor(conn, org.ids["tm_a"])
        document_check._ca_certificates(conn)  # as a check under a lock leaves them for the next push
    assert loaded is not None
    actor = loaded[0]

    examined: list[document_check.Findings] = []
    examine = document_check.examine

    def counted_examine(*args):
        examined.append(examine(*args))
        return examined[-1]

    handed: list[Future] = []

    def elsewhere(pdf, ca_certificates, at) -> Future:
        future: Future = Future()
        handed.append(future)
        if worker == "late":  # started, and answers after the push has let go of the lock
            future.set_running_or_notify_cancel()
            threading.Timer(0.3, lambda: future.set_result(counted_examine(pdf, ca_certificates, at))).start()
        elif worker == "failing":
            future.set_exception(RuntimeError("the worker went away"))
        return future  # "busy": still queued; the push takes it back and reads the copy

    attempts = []
    apply_push = push_apply.apply_push

    def counted(*args, **kwargs):
        attempts.append(args[3] if len(args) > 3 else kwargs.get("prepared"))
        return apply_push(*args, **kwargs)

    monkeypatch.setattr(document_check, "UNDER_LOCK_SECONDS", 0.02)
    monkeypatch.setattr(document_check, "examine", counted_examine)
    monkeypatch.setattr(push_apply, "apply_push", counted)
    outcome = push_apply.push(engine, actor, request, elsewhere)
    assert [res["status"] for res in outcome.results] == ["applied"] * 3
    assert len(attempts) == 2 and attempts[0] is attempts[1]  # the same findings
    assert len(examined) == 1
    assert [future.cancelled() for future in handed] == [worker == "busy"]  # taken back, not waited for
    assert server_state(deployment, sid) == ("supervisor_signed", 1)
    # the laptop, sending the same changes, is told they are already there
    report = manager.client.sync()
    assert (report.rejected, report.duplicates) == (0, 3)


def test_workers_start_only_where_forking_is_safe():
    assert DocumentWorkers.start(0) is None
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert DocumentWorkers.start(1) is None  # a second thread: its locks could be inherited held
    finally:
        stop.set()
        other.join()


@pytest.mark.parametrize("cores, workers", [(1, 0), (2, 1), (3, 2), (64, 2)])
def test_by_default_one_worker_fewer_than_the_cores_at_most_two(cores, workers):
    assert automatic_count(cores) == workers


@pytest.mark.parametrize("value, words", [
    ("-1", "document_workers must be between 0 and 16, not -1"),
    ("17", "document_workers must be between 0 and 16, not 17"),
    ("two", "document_workers must be a whole number"),
])
def test_a_bad_document_workers_setting_is_refused_in_words(value, words):
    with pytest.raises(config.ConfigError, match=words):
        config.load(build_parser().parse_args([]), {"SUPERVISION_SERVER_DOCUMENT_WORKERS": value})


def test_document_workers_is_a_setting_with_an_automatic_default():
    assert config.load(build_parser().parse_args([]), {}).document_workers is None
    settings = config.load(build_parser().parse_args([]), {"SUPERVISION_SERVER_DOCUMENT_WORKERS": "0"})
    assert settings.document_workers == 0

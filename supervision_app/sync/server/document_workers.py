"""Worker processes that read and verify pushed signed copies beside the server (issue 16).

The sync server is one process, so its Python runs on one core at a time. Reading and
verifying a signed copy with pyHanko (``document_check.examine``) is the largest part of what
issue 16's checks add to a signed push, and it needs nothing from the database. With
:class:`DocumentWorkers`, a push hands each of its signed copies to a worker process as it
arrives (``document_check.prepare_documents``), then applies its rows under the sequence lock
and waits for a copy's findings only when it reaches that copy: the copies are read on
another core while the server does the rest of the push.

The checks are the same code with the same inputs. A worker runs ``examine`` on the bytes
pushed, with the CA certificates the server last read, at the signing's time, and sends back
its ``Findings`` (plain data), which ``document_check.document_problem`` judges against the
server's own rows as before. Whatever goes wrong with a worker (it died, it is busy, it did not
answer in time) leaves the copy to be read in the server process, as it is when there are no
workers, and never while the push holds the lock (``document_check.PreparedDocuments``).

The workers are forked once, at start-up, after the server has loaded everything a signed push
uses (``heap.settle``) and before it serves or starts a thread: they are ready at once, share
the loaded modules' memory with the server, and inherit no lock another thread holds and no
listening socket. A worker ends when the server ends, even when the server is killed.
"""
from __future__ import annotations

import functools
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from .document_check import Findings, examine, examine_here

__all__ = ["DocumentWorkers", "automatic_count"]

log = logging.getLogger(__name__)

#: One worker keeps up with the server's own process: a supervisor's copy takes a worker
#: ~8 ms, its trip there and back included, the rest of its signed push ~25 ms of the
#: server's (bench_push). A second one covers copies signed twice (~50 ms each) arriving together.
MAX_AUTOMATIC = 2


def automatic_count(cores: int | None = None) -> int:
    """Workers to start when the configuration does not say: one fewer than the cores (the
    server's own process needs one), at most :data:`MAX_AUTOMATIC`; none on one core."""
    cores = os.cpu_count() if cores is None else cores
    return max(0, min(MAX_AUTOMATIC, (cores or 1) - 1))


class DocumentWorkers:
    """Worker processes that run ``examine``. :meth:`start` forks them; :meth:`submit` hands
    them a copy; :meth:`close` ends them."""

    def __init__(self, pool: ProcessPoolExecutor, count: int) -> None:
        self._pool = pool
        self.count = count
        self._stopped = False

    @classmethod
    def start(cls, count: int) -> "DocumentWorkers | None":
        """Fork ``count`` workers now; None (copies are read in the server process) when
        ``count`` is 0, when this system cannot fork, or when the process already runs a
        second thread, whose locks a forked worker could inherit held."""
        if count <= 0:
            return None
        if "fork" not in multiprocessing.get_all_start_methods():
            log.info("Signed copies are checked in the server process: this system cannot fork workers")
            return None
        if threading.active_count() > 1:
            log.warning("Signed copies are checked in the server process: the document workers "
                        "must be started before any thread")
            return None
        pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_worker_started)
        # With fork, the pool forks every worker at its first task: now, while this is the
        # only thread.
        pool.submit(os.getpid).result()
        return cls(pool, count)

    def submit(self, pdf: bytes, ca_certificates: list[x509.Certificate], at: datetime) -> Future[Findings]:
        """``examine(pdf, ca_certificates, at)`` in a worker; in this process, at once, once
        the workers have stopped."""
        if not self._stopped:
            ders = tuple(c.public_bytes(serialization.Encoding.DER) for c in ca_certificates)
            try:
                return self._pool.submit(_examine, pdf, ders, at)
            except (BrokenProcessPool, RuntimeError) as error:
                self._stopped = True
                log.warning("The document workers have stopped (%s); signed copies are "
                            "checked in the server process from now on", type(error).__name__)
        return examine_here(pdf, ca_certificates, at)

    def close(self) -> None:
        self._stopped = True
        self._pool.shutdown(wait=True, cancel_futures=True)


# --- in a worker -------------------------------------------------------------------------------

def _worker_started() -> None:
    # Ctrl-C in the server's terminal reaches its whole process group: the server stops, then
    # ends its workers; a worker interrupted mid-task would only print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_end_with_server, name="end-with-server", daemon=True).start()


def _end_with_server() -> None:
    """A worker waits for its next task on a pipe the server holds open, and a killed server
    never closes it: the worker ends itself when the server's process ends."""
    server = multiprocessing.parent_process()
    if server is not None:
        multiprocessing.connection.wait([server.sentinel])
    os._exit(0)


@functools.lru_cache(maxsize=4)
def _certificates(ders: tuple[bytes, ...]) -> list[x509.Certificate]:
    return [x509.load_der_x509_certificate(der) for der in ders]


def _examine(pdf: bytes, ca_ders: tuple[bytes, ...], at: datetime) -> Findings:
    return examine(pdf, _certificates(ca_ders), at)

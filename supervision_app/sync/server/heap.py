"""The server process's heap, settled once it has started (issue 16, ``bench_push``).

Checking a signed copy builds tens of thousands of short-lived objects (pyHanko's PDF objects,
asn1crypto's values). Every so many allocations, Python's cycle collector walks the oldest
generation: everything the process has loaded (FastAPI, SQLAlchemy, pyHanko, their modules and
classes), well over a hundred thousand objects that will live as long as the process. In a
process with the server's modules loaded, the check of a supervisor's copy took 9.8-12 ms of
CPU with the collector as it is and 8.2-9 ms once they were frozen (40 checks, three times).

:func:`settle` loads what a signed push uses, collects what start-up left behind, and moves
every object alive then into the permanent generation (``gc.freeze``), which the collector no
longer walks. Objects made afterwards are collected as before.
"""
from __future__ import annotations

import gc
import importlib

__all__ = ["settle"]

#: What a signed push, its checks and the archiver load on first use (lazily, so that a CLI
#: command does not pay for them); loaded before the heap is settled so that they count too.
PUSH_PATH_MODULES = (
    "supervision_app.records.verify",
    "supervision_app.records.ades_judgement",
    "supervision_app.records.signed_file",
    "pyhanko.sign.validation",
    "pyhanko.sign.validation.ades",
    "pyhanko.sign.validation.dss",
    "pyhanko.sign.signers.pdf_signer",
    "pyhanko.pdf_utils.incremental_writer",
    "pyhanko_certvalidator",
)


def settle() -> int:
    """Load :data:`PUSH_PATH_MODULES`, collect, freeze; the number of objects now frozen."""
    for name in PUSH_PATH_MODULES:
        importlib.import_module(name)
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()

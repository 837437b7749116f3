"""The sync server as it was before issue 16's checks, for ``bench_push`` only.

Issue 16 asks for push throughput *with* verification beside the push path of the day it was
filed, which took a laptop's signatures and signed copies on trust. This launcher runs the
real server (``supervision_app.sync.server.cli``) after replacing, in every loaded server
module, the two checks that issue added to the signed push: the signature's verification
(``signature_check.signature_problem``) and the signed copy's reading and verification
(``document_check.prepare_documents`` / ``document_problem``). Everything else (facts from
the directory, versions, authorization, re-stamping, archiving) runs as shipped, so the
difference between the two servers is the cost of verification.

Never used by the app or its tests; the server has no switch for this.
"""
from __future__ import annotations

import sys

import supervision_app.sync.server.app  # noqa: F401  (loads every module the push path uses)
from supervision_app.sync.server import cli, document_check, signature_check


def _accepted(*_args, **_kwargs) -> None:
    return None


def _nothing_prepared(*_args, **_kwargs) -> document_check.PreparedDocuments:
    return document_check.PreparedDocuments()


REPLACEMENTS = {
    signature_check.signature_problem: _accepted,
    document_check.document_problem: _accepted,
    document_check.prepare_documents: _nothing_prepared,
}


def switch_checks_off() -> int:
    replaced = 0
    for name, module in list(sys.modules.items()):
        if not name.startswith("supervision_app.sync.server") or module is None:
            continue
        for attribute, value in list(vars(module).items()):
            if callable(value) and value in REPLACEMENTS:
                setattr(module, attribute, REPLACEMENTS[value])
                replaced += 1
    return replaced


if __name__ == "__main__":
    if switch_checks_off() < len(REPLACEMENTS):
        sys.exit("bench: the server's checks were not found where expected; nothing measured")
    sys.exit(cli.main())

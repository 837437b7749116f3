"""Check a pushed signed copy of a group session (issue 21) before the server keeps it, as
``document_check`` checks a record's: each person's copy (``records.group_pdf``) carries one
signature, in its ``AuthorSignature`` field; it must verify against the organisation's CA,
be made with the certificate of that person's signature row the server already holds (the
one ``group_sync`` verified over the form built from the server's own rows), and its
sign-off block must show that row's digest. Only the signer adds their own copy.

Everything is ``document_check``'s own reading and judging (``examine``, ``_judge``), with the
one signer in the author's place; no crypto of its own.

``group_sync.authorize_document`` asks it for each pushed group copy; who is sent a copy is
``group_sync.document_facts`` (never another attendee: the supervisor's holds every action).
"""
from __future__ import annotations

from typing import Any

from cryptography import x509
from sqlalchemy.engine import Connection

from ...domain.group_supervision import ATTENDANCE_KIND, GROUP_KIND
from .. import protocol as p
from .document_check import _SIGN_AGAIN, _ca_certificates, _judge, _pdf_of, _signature_rows, examine

#: the role ``document_check`` knows a one-signature copy by (field ``AuthorSignature``)
_ONE_SIGNER = "author"


def group_document_problem(conn: Connection, data: dict[str, Any], pushed_by: str, *,
                           ca_certificates: list[x509.Certificate] | None = None) -> str | None:
    """Why the pushed copy ``data`` (wire form of a ``record_document``) cannot be kept;
    None when it can. ``pushed_by``: who pushed it."""
    kind = data.get("record_kind")
    if kind not in (GROUP_KIND, ATTENDANCE_KIND):
        return "This is not a signed copy of a group session."
    pdf = _pdf_of(data)
    if pdf is None:
        return f"The signed copy is not a PDF document. {_SIGN_AGAIN}"
    rows = list(_signature_rows(conn, kind, data["record_id"]).values())
    if len(rows) != 1:
        return f"The signature this copy must carry is not on the server. {_SIGN_AGAIN}"
    signature = rows[0]
    if signature["signer_id"] != pushed_by:
        return "Only the person who signed adds their signed copy of a group session."
    if ca_certificates is None:
        ca_certificates = _ca_certificates(conn)
    if not ca_certificates:
        return "The server has no certificate authority to check the signed copy against."
    findings = examine(pdf, ca_certificates, p.parse_datetime(signature["signed_at"]))
    return _judge(findings, {_ONE_SIGNER: signature}, (_ONE_SIGNER,), signature)

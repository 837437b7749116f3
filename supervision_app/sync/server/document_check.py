"""Check a pushed signed copy (a ``record_document``) before the server keeps it.

A signed copy travels only inside its signing unit (``storage._signing_unit``): the record's
move to a signed state, its signature row and the PDF. The signature row is verified against
the record as the server holds it (``signature_check``); this module checks that the PDF is
the signed copy of *that* signing, believing nothing the laptop says about it:

* it is a PDF whose signatures verify with pyHanko against this organisation's CA
  certificates (active and retired) as the only trust roots, whose bytes are all covered by
  them, with nothing changed after a signature but a later signature
  (``records.verify.verify_pdf``, as every reader of an exported record checks it);
* it carries exactly the signatures its stage needs, in signing order, each in its own
  field: the supervisor's in ``SupervisorSignature`` (then the supervisee's in
  ``SuperviseeSignature``), an author's in ``AuthorSignature``;
* each was made with the very certificate of the server's signature row for that role:
  the one pushed in this unit, which the server has just checked was issued by its CA to
  the signer, usable at the signing time and not revoked, and for the supervisee's copy the
  supervisor's, checked when it was pushed (so a certificate expired since does not spoil
  the supervisor's signature in the supervisee's copy);
* the sign-off block printed on the document shows the record's digest: the one the
  signature row signs, which is the digest of the record as the server holds it
  (``records.pdf_render`` prints it as "Record digest (SHA-256): <hex>" at the end).

Any problem refuses the whole signing unit, with the reason in words. The check runs once
per signing; its cost is dominated by pyHanko's validation (tens of milliseconds for a
record's copy: ``tests/sync/test_pushed_documents.py`` measures it).
"""
from __future__ import annotations

import base64
import binascii
import io
import json
import re
import zlib
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select
from sqlalchemy.engine import Connection

from ...security import pki
from .. import protocol as p
from .schema import record

__all__ = ["document_problem", "SIGNERS_OF_STAGE"]

# Signature field names as the renderer draws them (records.pdf_render; not imported from
# there so the server does not load ReportLab).
FIELD_OF_ROLE = {"supervisor": "SupervisorSignature", "supervisee": "SuperviseeSignature",
                 "author": "AuthorSignature"}
#: The signatures a signed copy carries at each stage, in signing order.
SIGNERS_OF_STAGE: dict[tuple[str, str], tuple[str, ...]] = {
    ("supervision", "supervisor_signed"): ("supervisor",),
    ("supervision", "locked"): ("supervisor", "supervisee"),
    ("agreement", "supervisor_signed"): ("supervisor",),
    ("agreement", "locked"): ("supervisor", "supervisee"),
    ("oversight_note", "locked"): ("author",),
    ("addendum", "locked"): ("author",),
}
# Limits on the page content read for the digest: a signed copy's last page is a few kB.
MAX_CONTENT_BYTES = 4 * 1024 * 1024
MAX_PAGE_TREE_DEPTH = 32
_SIGN_AGAIN = "Open the record and sign it again."
_DIGEST_LINE = re.compile(rb"\(Record digest \\\(SHA-256\\\):\)\s*Tj(.{0,200}?)\(\s*([^()]{0,200}?)\s*\)\s*Tj",
                          re.DOTALL)


def _signature_rows(conn: Connection, record_kind: str, record_id: str) -> dict[str, dict[str, Any]]:
    """role -> the server's signature row of the record (its data)."""
    rows: dict[str, dict[str, Any]] = {}
    for text_ in conn.execute(select(record.c.data).where(
            record.c.parent_id == record_id, record.c.table_name == "signature",
            record.c.tombstone.is_(False))).scalars():
        data = json.loads(text_)
        if data.get("record_kind") == record_kind:
            rows[data["signer_role"]] = data
    return rows


def _der(certificate_pem: str) -> bytes | None:
    try:
        return pki.load_certificate(certificate_pem.encode("ascii")).public_bytes(serialization.Encoding.DER)
    except (ValueError, UnicodeEncodeError):
        return None


def _decoded(stream) -> bytes:
    """A content stream's bytes, decoded with a bound on their size (a compressed stream
    can expand a thousandfold); raises ValueError for filters a signed copy never uses."""
    from pyhanko.pdf_utils import generic

    raw = stream.encoded_data
    filters = stream.get("/Filter")
    if filters is None:
        names: list[str] = []
    elif isinstance(filters, generic.ArrayObject):
        names = [str(f) for f in filters]
    else:
        names = [str(filters)]
    if "/DecodeParms" in stream or "/DP" in stream:
        raise ValueError("decode parameters")
    data = bytes(raw)
    for name in names:
        if name in ("/ASCII85Decode", "/A85"):
            text_ = data.strip()
            if text_.startswith(b"<~"):
                text_ = text_[2:]
            data = base64.a85decode(text_ if text_.endswith(b"~>") else text_ + b"~>", adobe=True)
        elif name in ("/FlateDecode", "/Fl"):
            inflater = zlib.decompressobj()
            data = inflater.decompress(data, MAX_CONTENT_BYTES + 1)
            if len(data) > MAX_CONTENT_BYTES or inflater.unconsumed_tail:
                raise ValueError("too large")
        else:
            raise ValueError(f"filter {name}")
    return data


def _last_page_content(reader) -> bytes:
    """The decoded content of the document's last page, where the sign-off block is."""
    from pyhanko.pdf_utils import generic

    node = reader.root["/Pages"]
    for _ in range(MAX_PAGE_TREE_DEPTH):
        if node.get("/Type") != "/Pages":
            break
        kids = node["/Kids"]
        if not len(kids):
            raise ValueError("no pages")
        node = kids[len(kids) - 1]
        if isinstance(node, generic.IndirectObject):
            node = node.get_object()
    else:
        raise ValueError("page tree too deep")
    contents = node.get("/Contents")
    if contents is None:
        return b""
    streams = list(contents) if isinstance(contents, generic.ArrayObject) else [contents]
    out = b""
    for stream in streams:
        if isinstance(stream, generic.IndirectObject):
            stream = stream.get_object()
        if not isinstance(stream, generic.StreamObject):
            raise ValueError("not a stream")
        out += _decoded(stream) + b"\n"
        if len(out) > MAX_CONTENT_BYTES:
            raise ValueError("too large")
    return out


def _signer_der(signature_value) -> bytes | None:
    """The DER of the certificate a signature's CMS names as its signer, or None."""
    from asn1crypto import cms

    try:
        signed = cms.ContentInfo.load(bytes(signature_value))["content"]
        sid = signed["signer_infos"][0]["sid"].chosen
        for choice in signed["certificates"]:
            cert = choice.chosen
            if cert.issuer == sid["issuer"] and cert.serial_number == sid["serial_number"].native:
                return cert.dump()
    except Exception:  # noqa: BLE001 - a damaged CMS: verify_pdf says why
        return None
    return None


def _read(pdf: bytes) -> tuple[list[tuple[str, bytes | None]], bytes]:
    """(field name, signer certificate DER) of each signature in signing order (by how much
    of the file it covers), and the last page's content; raises ValueError (or pyHanko's
    PdfReadError) when the file cannot be read."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields as sig_fields

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    signatures = []
    for name, value, _ref in sig_fields.enumerate_sig_fields(reader):
        if value is None:
            continue
        if isinstance(value, generic.IndirectObject):
            value = value.get_object()
        if value.get("/Type", "/Sig") != "/Sig":
            continue  # a document time stamp: verify_pdf judges it
        covered = [int(v) for v in value["/ByteRange"]]
        signatures.append((covered[2] + covered[3], str(name), _signer_der(value["/Contents"])))
    signatures.sort(key=lambda item: item[0])
    return [(name, der) for _end, name, der in signatures], _last_page_content(reader)


def _digest_problem(content: bytes, expected: str) -> str | None:
    shown = [match.group(2).decode("latin-1").strip() for match in _DIGEST_LINE.finditer(content)]
    if not shown:
        return ("The signed copy does not show the record's digest in its sign-off block, so it "
                f"cannot be tied to the record that was signed. {_SIGN_AGAIN}")
    if any(value != expected for value in shown):
        return ("The signed copy shows a different record digest from the one signed: it is not "
                f"a copy of this record as the server holds it. {_SIGN_AGAIN}")
    return None


def document_problem(conn: Connection, data: dict[str, Any], stage: str, *,
                     ca_certificates: list[x509.Certificate] | None = None) -> str | None:
    """Why the pushed signed copy ``data`` (wire form, checked by ``protocol.check_data``),
    the copy of a signing into ``stage``, cannot be kept; None when it can. The signing's
    signature row must already be stored (the unit applies it first)."""
    from ...records.verify import verify_pdf

    kind = data["record_kind"]
    roles = SIGNERS_OF_STAGE.get((kind, stage))
    if roles is None:
        return "A signed copy of this record cannot be at that stage."
    try:
        pdf = base64.b64decode(data["pdf"], validate=True)
    except (binascii.Error, ValueError):
        return "The signed copy could not be read."
    if not pdf.lstrip()[:5].startswith(b"%PDF-"):
        return f"The signed copy is not a PDF document. {_SIGN_AGAIN}"
    rows = _signature_rows(conn, kind, data["record_id"])
    missing = [role for role in roles if role not in rows]
    if missing:
        return (f"The {' and '.join(missing)} signature this copy must carry is not on the server. "
                f"{_SIGN_AGAIN}")
    current = rows[roles[-1]]
    try:
        found, content = _read(pdf)
    except Exception:  # noqa: BLE001 - pyHanko raises many kinds on a broken file
        return f"The signed copy could not be read as a PDF. {_SIGN_AGAIN}"
    expected = [(FIELD_OF_ROLE[role], _der(rows[role]["certificate_pem"])) for role in roles]
    if [name for name, _ in found] != [name for name, _ in expected]:
        return ("The signed copy does not carry the signatures of this signing, in their fields "
                f"and order. {_SIGN_AGAIN}")
    for (_field, der), (_name, signed_with), role in zip(expected, found, roles):
        if der is None or signed_with != der:
            return (f"The {role}'s signature in the signed copy was not made with the certificate "
                    f"of the {role}'s signature on the record. {_SIGN_AGAIN}")
    problem = _digest_problem(content, current["digest"])
    if problem:
        return problem
    if ca_certificates is None:
        from .certificates import all_cas

        ca_certificates = [stored.certificate for stored in all_cas(conn)]
    if not ca_certificates:
        return "The server has no certificate authority to check the signed copy against."
    signed_at: datetime = p.parse_datetime(current["signed_at"])
    report = verify_pdf(pdf, ca_certificates, at=signed_at)
    if report.error:
        return f"The signed copy could not be checked: {report.error} {_SIGN_AGAIN}"
    if len(report.signatures) != len(roles):
        return f"The signed copy does not carry the signatures of this signing. {_SIGN_AGAIN}"
    for index, (sig, role) in enumerate(zip(report.signatures, roles)):
        own = index == len(roles) - 1
        # an earlier signer's certificate may have expired since they signed; it is the one
        # the server verified with their signature (checked above), so it need not be trusted now
        if not (sig.intact and sig.valid and not sig.disallowed_changes_after and (sig.trusted or not own)):
            why = "; ".join(sig.problems) or "it does not verify"
            return f"The {role}'s signature in the signed copy does not verify: {why} {_SIGN_AGAIN}"
    return None

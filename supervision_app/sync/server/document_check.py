"""Check a pushed signed copy (a ``record_document``) before the server keeps it.

A signed copy travels only inside its signing unit (``push_apply._signing_unit``): the record's
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
per signing. Its slow part, reading and verifying the PDF with pyHanko (6-9 ms of CPU for a
supervisor's copy, ~50 ms for a copy signed twice, whose changes after the first signature
pyHanko analyses), starts in :func:`prepare_documents` before the push takes the sequence
lock every push waits on: in the server's document workers (``document_workers``), which
read the copies while the push applies its rows, or, without them, in the server's process
before the lock. Under the lock :func:`document_problem` only compares those findings with
the server's rows (about a millisecond). ``bench/bench_document_check.py`` measures both;
``tests/sync/test_pushed_documents.py`` checks that a copy read before the lock is not read
again under it, ``tests/sync/test_document_workers.py`` that the workers read them.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import re
import time
import weakref
import zlib
from concurrent.futures import Future, TimeoutError as FuturesTimeout
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from ...errors import AppError
from .. import protocol as p
from .schema import record

__all__ = ["Findings", "FindingsNotReady", "PreparedDocuments", "document_problem", "examine",
           "prepare_documents", "SIGNERS_OF_STAGE"]

log = logging.getLogger(__name__)

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
#: Signed copies of one push read and verified before it takes the sequence lock; more (no
#: laptop sends that many signings at once) are checked under the lock if their signing gets that far.
MAX_PREPARED = 20
_SIGN_AGAIN = "Open the record and sign it again."
_DIGEST_LINE = re.compile(rb"\(Record digest \\\(SHA-256\\\):\)\s*Tj(.{0,200}?)\(\s*([^()]{0,200}?)\s*\)\s*Tj",
                          re.DOTALL)


# built once: a statement built per call costs more CPU than SQLite takes to answer it (issue 16)
_SIGNATURES_OF = select(record.c.data).where(
    record.c.parent_id == bindparam("record_id"), record.c.table_name == "signature",
    record.c.tombstone.is_(False))


def _signature_rows(conn: Connection, record_kind: str, record_id: str) -> dict[str, dict[str, Any]]:
    """role -> the server's signature row of the record (its data)."""
    rows: dict[str, dict[str, Any]] = {}
    for text_ in conn.execute(_SIGNATURES_OF, {"record_id": record_id}).scalars():
        data = json.loads(text_)
        if data.get("record_kind") == record_kind:
            rows[data["signer_role"]] = data
    return rows


def _der(certificate_pem: str) -> bytes | None:
    try:
        from .certificates import parsed_certificate  # (parsed once per process)

        return parsed_certificate(certificate_pem).public_bytes(serialization.Encoding.DER)
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


def _signer_der(signed) -> bytes | None:
    """The DER of the certificate the CMS ``signed`` (its SignedData) names as its signer: the
    first of its certificates with the signer's issuer and serial number, or None.

    The serial number is compared first, and the issuer's DER before asn1crypto's name
    comparison (LDAP string preparation of every attribute, a tenth of a ms a name): equal DER
    is an equal name, and only a certificate with the signer's serial can match at all."""
    try:
        sid = signed["signer_infos"][0]["sid"].chosen
        issuer, serial = sid["issuer"], sid["serial_number"].native
        issuer_der = issuer.dump()
        for choice in signed["certificates"]:
            cert = choice.chosen
            if cert.serial_number == serial and (cert.issuer.dump() == issuer_der or cert.issuer == issuer):
                return cert.dump()
    except Exception:  # noqa: BLE001 - a damaged CMS: verify_pdf says why
        return None
    return None


def _signed_data(value, contents, parsed: dict[int, Any]):
    """The CMS SignedData in ``contents``, the ``/Contents`` of the signature dictionary
    ``value``: pyHanko's own parse of those bytes when ``parsed`` (id of a signature dictionary
    -> pyHanko's embedded signature) has it, the object ``verify_parsed_pdf`` validates; else
    parsed here."""
    from asn1crypto import cms

    data = bytes(contents)
    embedded = parsed.get(id(value))
    if embedded is not None and embedded.sig_object is value and embedded.pkcs7_content == data:
        return embedded.signed_data
    return cms.ContentInfo.load(data)["content"]


def _parsed_signatures(reader) -> dict[int, Any]:
    """id of each signature dictionary -> pyHanko's embedded signature of it, as the reader
    keeps them for ``verify_parsed_pdf``; empty when pyHanko cannot read them (verify says why)."""
    try:
        return {id(sig.sig_object): sig for sig in reader.embedded_signatures}
    except Exception:  # noqa: BLE001 - pyHanko raises many kinds on a broken file
        return {}


def _read(reader) -> tuple[list[tuple[str, bytes | None]], bytes]:
    """(field name, signer certificate DER) of each signature in signing order (by how much
    of the file it covers), and the last page's content, through ``reader``
    (``records.verify.read_pdf``); raises ValueError (or pyHanko's PdfReadError) when the
    file cannot be read. Each signature's CMS is the one pyHanko parsed for the reader (and
    ``verify_parsed_pdf`` validates), not parsed a second time."""
    from pyhanko.pdf_utils import generic
    from pyhanko.sign import fields as sig_fields

    parsed = _parsed_signatures(reader)
    signatures = []
    for name, value, _ref in sig_fields.enumerate_sig_fields(reader):
        if value is None:
            continue
        if isinstance(value, generic.IndirectObject):
            value = value.get_object()
        if value.get("/Type", "/Sig") != "/Sig":
            continue  # a document time stamp: verify_pdf judges it
        covered = [int(v) for v in value["/ByteRange"]]
        contents = value["/Contents"]
        try:
            signed = _signed_data(value, contents, parsed)
        except Exception:  # noqa: BLE001 - a damaged CMS: verify_pdf says why
            signer = None
        else:
            signer = _signer_der(signed)
        signatures.append((covered[2] + covered[3], str(name), signer))
    signatures.sort(key=lambda item: item[0])
    return [(name, der) for _end, name, der in signatures], _last_page_content(reader)


@dataclass(frozen=True)
class Findings:
    """What reading and verifying one PDF found (the slow part of the check), independent of
    the server's rows: :func:`prepare_documents` finds it before a push takes the sequence
    lock, :func:`document_problem` compares it with the rows under the lock."""

    pdf_sha256: str
    at: datetime  # the moment the certificates were judged at (the signing's time)
    unreadable: bool = False
    #: (field name, signer certificate DER) of each signature, in signing order
    signatures: tuple[tuple[str, bytes | None], ...] = ()
    #: the digests the sign-off block shows
    digests: tuple[str, ...] = ()
    #: from ``verify_pdf``: its error, and per signature (intact, valid, changed after, trusted, problems)
    error: str | None = None
    verified: tuple[tuple[bool, bool, bool, bool, str], ...] = ()


def _sha256(pdf: bytes) -> str:
    return hashlib.sha256(pdf).hexdigest()


def examine(pdf: bytes, ca_certificates: list[x509.Certificate], at: datetime) -> Findings:
    """Read and verify ``pdf`` (pyHanko) with ``ca_certificates`` as the only trust roots,
    judging certificates at ``at``. The file is parsed once: the reader that finds the
    signatures and the sign-off block is the one ``verify_parsed_pdf`` validates with, so
    each signature's ``/Contents`` is read once, not twice (bench_push; how long a copy's
    check takes is bench_document_check's to measure)."""
    from ...records.verify import read_pdf, verify_parsed_pdf

    digest_of_pdf = _sha256(pdf)
    try:
        reader = read_pdf(pdf)
        found, content = _read(reader)
    except Exception:  # noqa: BLE001 - pyHanko raises many kinds on a broken file
        return Findings(digest_of_pdf, at, unreadable=True)
    digests = tuple(match.group(2).decode("latin-1").strip() for match in _DIGEST_LINE.finditer(content))
    try:
        # The copy is judged at its signing's time and needs no proof of when it existed, so
        # the PAdES long-term step (a third of verify's time per signature) is left out.
        report = verify_parsed_pdf(reader, pdf, ca_certificates, at=at, long_term=False)
    except Exception:  # noqa: BLE001 - it reports what it can; anything else is a broken file
        return Findings(digest_of_pdf, at, signatures=tuple(found), digests=digests,
                        error="pyHanko could not check it.")
    verified = tuple((sig.intact, sig.valid, sig.disallowed_changes_after, sig.trusted,
                      "; ".join(sig.problems)) for sig in report.signatures)
    return Findings(digest_of_pdf, at, signatures=tuple(found), digests=digests,
                    error=report.error, verified=verified)


# The organisation's CA certificates as last read under a push's lock, per engine (server
# process): what prepare_documents verifies with before the lock (it may read nothing).
_CA_CACHE: "weakref.WeakKeyDictionary[Any, tuple[float, list[x509.Certificate]]]" = weakref.WeakKeyDictionary()
CA_CACHE_SECONDS = 300.0


def _ca_certificates(conn: Connection) -> list[x509.Certificate]:
    from .certificates import all_cas

    certificates = [stored.certificate for stored in all_cas(conn)]
    _CA_CACHE[conn.engine] = (time.monotonic(), certificates)
    return certificates


def _cached_ca_certificates(engine: Any) -> list[x509.Certificate]:
    cached = _CA_CACHE.get(engine)
    if cached is None or time.monotonic() - cached[0] > CA_CACHE_SECONDS:
        return []
    return cached[1]


def _pdf_of(data: dict[str, Any]) -> bytes | None:
    value = data.get("pdf")  # (prepare_documents sees rows before protocol.check_data)
    if not isinstance(value, str):
        return None
    try:
        pdf = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return pdf if pdf.lstrip()[:5].startswith(b"%PDF-") else None


#: examine, in this process or elsewhere (``document_workers.DocumentWorkers.submit``)
Examiner = Callable[[bytes, "list[x509.Certificate]", datetime], "Future[Findings]"]
#: How long a push holding the sequence lock waits for a copy's findings before it lets go of
#: the lock to wait (``FindingsNotReady``): a supervisor's copy takes ~6 ms, one signed twice ~50.
UNDER_LOCK_SECONDS = 2.0
#: How long a push waits for a copy's findings without the lock; then the copy is read in the
#: push's own thread, still without the lock.
ANSWER_SECONDS = 120.0


class FindingsNotReady(AppError):
    """A push holding the sequence lock reached a signed copy whose findings had not come back
    within :data:`UNDER_LOCK_SECONDS`, or whose reading failed elsewhere: the push rolls back,
    letting go of the lock, waits for them or reads the copy itself
    (:meth:`PreparedDocuments.wait`), and is applied again (``push_apply.push``)."""


def examine_here(pdf: bytes, ca_certificates: list[x509.Certificate], at: datetime) -> Future[Findings]:
    done: Future[Findings] = Future()
    done.set_result(examine(pdf, ca_certificates, at))
    return done


@dataclass
class PreparedDocuments:
    """The signed copies of one push being read and verified: row id -> its findings to come,
    and what they are read from."""

    futures: dict[str, Future[Findings]] = field(default_factory=dict)
    inputs: dict[str, tuple[bytes, list[x509.Certificate], datetime]] = field(default_factory=dict)

    def findings(self, row_id: str) -> Findings | None:
        """The findings for ``row_id``, waiting at most :data:`UNDER_LOCK_SECONDS` (the caller
        holds the lock); None when it was not prepared, so :func:`document_problem` reads it.
        Raises :class:`FindingsNotReady` rather than read a copy under the lock."""
        future = self.futures.get(row_id)
        if future is None:
            return None
        try:
            return future.result(timeout=UNDER_LOCK_SECONDS)
        except FuturesTimeout:
            raise FindingsNotReady(row_id) from None
        except Exception as error:  # noqa: BLE001 - a worker's failure: read it without the lock
            log.warning("A signed copy could not be checked by a document worker (%s)",
                        type(error).__name__)
            raise FindingsNotReady(row_id) from None

    def wait(self) -> None:
        """Without the lock: read here each copy still queued for a worker (the workers are
        busy, perhaps with a slow copy of another push), and wait for those a worker has
        started (at most :data:`ANSWER_SECONDS` in all), reading here any that fail or take longer."""
        deadline = time.monotonic() + ANSWER_SECONDS
        for row_id, future in list(self.futures.items()):
            if future.cancel():
                self._read_here(row_id, "were busy")
                continue
            try:
                future.result(timeout=max(0.0, deadline - time.monotonic()))
            except FuturesTimeout:
                self._read_here(row_id, "took too long")
            except Exception:  # noqa: BLE001 - findings() logged what it was
                self._read_here(row_id, "failed")

    def _read_here(self, row_id: str, why: str) -> None:
        log.warning("A signed copy is checked in the server process: the document workers %s", why)
        self.futures[row_id] = examine_here(*self.inputs[row_id])


def prepare_documents(engine: Any, mutations: list[p.Mutation],
                      examiner: Examiner = examine_here) -> PreparedDocuments:
    """Start reading and verifying the signed copies of a push before it takes the sequence
    lock, so the slow part of their check does not hold up every other push: row id ->
    findings to come, for the copies (at most :data:`MAX_PREPARED`) that travel with the
    signature row of their signing in the batch. ``examiner`` reads them here, before this
    returns, or hands them to the document workers, which read them while the push applies
    its rows. It reads nothing from the database (the push's transaction must take the
    lock before it reads anything): the CA certificates are those the last check under a
    lock read, at most :data:`CA_CACHE_SECONDS` old; without them nothing is prepared. Nothing
    here is trusted: :func:`document_problem` uses findings only for the same bytes and signing
    time, compares them with the rows itself, and verifies again with the CA certificates it
    reads before it refuses a copy on them."""
    wanted: list[tuple[str, bytes, datetime]] = []
    signed_at: dict[tuple[str, str, str], str] = {}
    for m in mutations:
        if m.row.table == "signature":
            data = m.row.data
            signed_at[(str(data.get("record_kind")), str(data.get("record_id")),
                       str(data.get("signer_role")))] = str(data.get("signed_at"))
    for m in mutations:
        if m.row.table != "record_document" or len(wanted) >= MAX_PREPARED:
            continue
        data = m.row.data
        roles = SIGNERS_OF_STAGE.get((str(data.get("record_kind")), str(data.get("stage"))))
        when = signed_at.get((str(data.get("record_kind")), str(data.get("record_id")), roles[-1])) \
            if roles else None
        pdf = _pdf_of(dict(data)) if when else None
        if pdf is None or when is None:
            continue
        try:
            at = p.parse_datetime(when)
        except (ValueError, OverflowError):
            continue
        wanted.append((m.row.id, pdf, at))
    ca_certificates = _cached_ca_certificates(engine)
    if not wanted or not ca_certificates:
        return PreparedDocuments()
    return PreparedDocuments({row_id: examiner(pdf, ca_certificates, at) for row_id, pdf, at in wanted},
                             {row_id: (pdf, ca_certificates, at) for row_id, pdf, at in wanted})


def document_problem(conn: Connection, data: dict[str, Any], stage: str, *,
                     findings: Findings | None = None,
                     ca_certificates: list[x509.Certificate] | None = None) -> str | None:
    """Why the pushed signed copy ``data`` (wire form, checked by ``protocol.check_data``),
    the copy of a signing into ``stage``, cannot be kept; None when it can. The signing's
    signature row must already be stored (the unit applies it first). ``findings``: what
    :func:`prepare_documents` found for this copy, used if it is of these very bytes judged at
    this signing's time (else the PDF is read and verified here)."""
    kind = data["record_kind"]
    roles = SIGNERS_OF_STAGE.get((kind, stage))
    if roles is None:
        return "A signed copy of this record cannot be at that stage."
    pdf = _pdf_of(data)
    if pdf is None:
        return f"The signed copy is not a PDF document. {_SIGN_AGAIN}"
    rows = _signature_rows(conn, kind, data["record_id"])
    missing = [role for role in roles if role not in rows]
    if missing:
        return (f"The {' and '.join(missing)} signature this copy must carry is not on the server. "
                f"{_SIGN_AGAIN}")
    current = rows[roles[-1]]
    at = p.parse_datetime(current["signed_at"])
    prepared = findings is not None and findings.at == at and findings.pdf_sha256 == _sha256(pdf)
    if prepared and findings is not None:
        problem = _judge(findings, rows, roles, current, trust=False)
        if problem is not None or _judge(findings, rows, roles, current) is None:
            return problem
        # not trusted by the CA certificates as they were: check again with them as they are now
    if ca_certificates is None:
        ca_certificates = _ca_certificates(conn)
    if not ca_certificates:
        return "The server has no certificate authority to check the signed copy against."
    return _judge(examine(pdf, ca_certificates, at), rows, roles, current)


def _judge(findings: Findings, rows: dict[str, dict[str, Any]], roles: tuple[str, ...],
           current: dict[str, Any], *, trust: bool = True) -> str | None:
    """Why ``findings`` do not show the signed copy of this signing, or None; with ``trust``
    False, whether the signer's certificate was trusted is left aside (the only finding that
    depends on which CA certificates the PDF was verified with)."""
    if findings.unreadable:
        return f"The signed copy could not be read as a PDF. {_SIGN_AGAIN}"
    expected = [(FIELD_OF_ROLE[role], _der(rows[role]["certificate_pem"])) for role in roles]
    if [name for name, _ in findings.signatures] != [name for name, _ in expected]:
        return ("The signed copy does not carry the signatures of this signing, in their fields "
                f"and order. {_SIGN_AGAIN}")
    for (_field, der), (_name, signed_with), role in zip(expected, findings.signatures, roles):
        if der is None or signed_with != der:
            return (f"The {role}'s signature in the signed copy was not made with the certificate "
                    f"of the {role}'s signature on the record. {_SIGN_AGAIN}")
    if not findings.digests:
        return ("The signed copy does not show the record's digest in its sign-off block, so it "
                f"cannot be tied to the record that was signed. {_SIGN_AGAIN}")
    if current["digest"] not in findings.digests:  # (a record's own text may quote a digest)
        return ("The signed copy shows a different record digest from the one signed: it is not "
                f"a copy of this record as the server holds it. {_SIGN_AGAIN}")
    if findings.error:
        return f"The signed copy could not be checked: {findings.error} {_SIGN_AGAIN}"
    if len(findings.verified) != len(roles):
        return f"The signed copy does not carry the signatures of this signing. {_SIGN_AGAIN}"
    for index, ((intact, valid, changed_after, trusted, problems), role) in enumerate(
            zip(findings.verified, roles)):
        own = index == len(roles) - 1
        # an earlier signer's certificate may have expired since they signed; it is the one
        # the server verified with their signature (checked above), so it need not be trusted now
        if not (intact and valid and not changed_after and (trusted or not own or not trust)):
            why = problems or "it does not verify"
            return f"The {role}'s signature in the signed copy does not verify: {why} {_SIGN_AGAIN}"
    return None

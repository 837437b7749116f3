"""Reading a signed record PDF for :mod:`.verify`: pyHanko's reader over the bytes
(:func:`read_pdf`), the names in certificates, who the document says must sign which field
(read from the revision the first signature covers), and whether the signatures cover the
whole file (nothing after the last one but validation data). Split out of :mod:`.verify`
(issue 17)."""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass

from . import pyhanko_speedups

# Before anything here reads a file, and before a test could stand in for pyHanko's hex reader.
pyhanko_speedups.install()

# Signature field names as the exporter draws them (records.pdf_render); not imported from
# there so that checking a file does not load ReportLab.
_SUPERVISOR_FIELD = "SupervisorSignature"
_SUPERVISEE_FIELD = "SuperviseeSignature"
_AUTHOR_FIELD = "AuthorSignature"
# Certificates carry at most 64 characters of a name (X.509 upper bound for a common name).
_CN_LIMIT = 64


def _cn_of_asn1(name) -> str:
    try:
        native = name.native
        return str(native.get("common_name") or name.human_friendly)
    except Exception:  # pragma: no cover - defensive  # noqa: BLE001
        return "unknown"


def read_pdf(pdf_bytes: bytes):
    """pyHanko's reader over ``pdf_bytes``, as :func:`verify_parsed_pdf` expects it: a caller
    that reads the file itself as well (the server's ``document_check``) parses it once and
    hands the reader on, for reading a signature's hex ``/Contents`` is a good part of a
    check's time (bench_push). Raises what pyHanko raises on a broken file."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    return PdfFileReader(io.BytesIO(pdf_bytes), strict=False)


def _person_name(value) -> str:
    """A name as the exporter prints it and a certificate holds it: one line, NFC."""
    text = "" if value is None else str(value)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\t\n")
    return unicodedata.normalize("NFC", " ".join(text.split()))


def _same_person(certificate_name: str, document_name: str) -> bool:
    cn, named = _person_name(certificate_name), _person_name(document_name)
    return bool(cn) and bool(named) and (cn == named or (len(cn) == _CN_LIMIT and named.startswith(cn)))


@dataclass(frozen=True)
class _Expected:
    role: str
    name: str
    #: The text the name ends (the supervisee's: the whole title, "<title>: <name>"), so that a
    #: ": " inside the title or the name does not cut the name in the wrong place.
    ends: str = ""

    def words(self) -> str:
        return f"the {self.role}, {self.name}" if self.name else f"the {self.role}"

    def is_signed_by(self, certificate_name: str) -> bool:
        if self.ends:
            cn = _person_name(certificate_name)
            return bool(cn) and (self.ends.endswith(": " + cn)
                                 or (len(cn) == _CN_LIMIT and f": {cn}" in self.ends))
        return _same_person(certificate_name, self.name)


def _expected_signers(reader, revision: int) -> tuple[dict[str, _Expected], str | None]:
    """Who must sign which field, read from the document as it stood at ``revision``.

    Returns the field -> person map, or a problem in words when the document does not say.
    """
    from pyhanko.pdf_utils import generic
    from pyhanko.sign import fields as sig_fields

    view = reader.get_historical_resolver(revision)

    def as_of_revision(obj):
        # References inside a historical view still resolve to the newest version: follow
        # them through the view, or a later update could rename the people.
        while isinstance(obj, generic.IndirectObject):
            obj = view.get_object(obj.reference)
        return obj

    try:
        info = as_of_revision(view.trailer_view.raw_get("/Info"))
        author = _person_name(as_of_revision(info.raw_get("/Author")) if "/Author" in info else "")
        title = _person_name(as_of_revision(info.raw_get("/Title")) if "/Title" in info else "")
    except (KeyError, AttributeError, TypeError):
        author = title = ""
    names = {name for name, _, _ in sig_fields.enumerate_sig_fields(view)}
    if _SUPERVISOR_FIELD in names or _SUPERVISEE_FIELD in names:
        supervisee = title.rpartition(": ")[2] if ": " in title else ""
        expected = {_SUPERVISOR_FIELD: _Expected("supervisor", author),
                    _SUPERVISEE_FIELD: _Expected("supervisee", supervisee, ends=title)}
        missing = [p.role for p in expected.values() if not p.name]
    elif _AUTHOR_FIELD in names:
        expected = {_AUTHOR_FIELD: _Expected("author", author)}
        missing = ["author"] if not author else []
    else:
        return {}, ("The document has none of the signature fields of a supervision record, oversight "
                    "note or addendum, so who must sign it is not known.")
    if missing:
        return expected, (f"The document does not name its {' or '.join(missing)}, so the signer cannot be "
                          "checked.")
    return expected, None


def _ref_key(ref) -> tuple[int, int]:
    return (ref.idnum, ref.generation)


def _serialised(obj) -> bytes:
    buf = io.BytesIO()
    obj.write_to_stream(buf, None)
    return buf.getvalue()


_DSS_ROOT_KEYS = frozenset({"/DSS", "/Extensions"})


def _references_under(obj, resolver, limit: int = 10_000) -> set:
    """Every object reachable from ``obj`` (bounded): what a DSS update may rewrite."""
    from pyhanko.pdf_utils import generic

    seen: set = set()
    todo = [obj]
    while todo and len(seen) < limit:
        item = todo.pop()
        if isinstance(item, generic.IndirectObject):
            ref = item.reference
            if _ref_key(ref) in seen:
                continue
            seen.add(_ref_key(ref))
            item = resolver(ref)
        if isinstance(item, generic.DictionaryObject):
            todo.extend(item.raw_get(k) for k in item)
        elif isinstance(item, generic.ArrayObject):
            todo.extend(item.raw_get(i) for i in range(len(item)))
    return seen


def _validation_data_only(reader, revision: int) -> bool:
    """An unsigned revision that only adds validation data: new objects, the catalog gaining
    or changing nothing but ``/DSS`` (and ``/Extensions``), and a rewritten DSS.

    pyHanko's difference analysis rates some catalog changes (``/PageMode``...) as harmless
    LTA updates; a record is stricter: after the last signature, only a DSS."""
    from pyhanko.pdf_utils import generic

    before = reader.get_historical_resolver(revision - 1)
    after = reader.get_historical_resolver(revision)
    root_before, root_after = before.root, after.root
    if "/DSS" not in root_after:
        return False  # whatever it is, it is not validation data
    for key in set(root_before) | set(root_after):
        if key in _DSS_ROOT_KEYS:
            continue
        if key not in root_before or key not in root_after:
            return False
        if _serialised(root_before.raw_get(key)) != _serialised(root_after.raw_get(key)):
            return False
    # Every incremental writer (pyHanko's too) also refreshes the document information and
    # XMP metadata (modification date, producer); neither is drawn on a page, and the names
    # of the signers are read from the first signed revision, so they may change.
    may_rewrite = {_ref_key(before.root_ref)}
    for container, key in ((before.trailer_view, "/Info"), (root_before, "/Metadata")):
        value = container.raw_get(key) if key in container else None
        if isinstance(value, generic.IndirectObject):
            may_rewrite.add(_ref_key(value.reference))
    if "/DSS" in root_before:
        may_rewrite |= _references_under(root_before.raw_get("/DSS"), before.get_object)
    introduced = reader.xrefs.get_introducing_revision
    for ref in reader.xrefs.explicit_refs_in_revision(revision):
        if _ref_key(ref) in may_rewrite:
            continue
        try:
            if introduced(ref) < revision:
                return False
        except KeyError:
            continue
    return not reader.xrefs.refs_freed_in_revision(revision)


def _tail_problem(reader, pdf_bytes: bytes, final_revision: int) -> str | None:
    """Bytes after the end of the final revision (which the caller found to be unsigned)."""
    xrefs = reader.xrefs
    end = xrefs.get_xref_container_info(final_revision).end_location
    eof = pdf_bytes.find(b"%%EOF", end)
    if eof < 0:
        return "The end of the file is damaged (no end-of-file marker after the last update)."
    startxref = re.search(rb"startxref\s+(\d+)\s*$", pdf_bytes[end:eof])
    if startxref is None or int(startxref.group(1)) != xrefs.get_startxref_for_revision(final_revision):
        return "The end of the file is damaged (its last update does not end where it should)."
    extra = len(pdf_bytes[eof + 5:].strip(b"\r\n\t\f\x00 "))
    if extra:
        return f"{extra} bytes were added after the last update of the file and are covered by no signature."
    return None


def _covering_problem(reader, pdf_bytes, embedded, timestamps, vc_factory) -> str | None:
    """Whether the whole file is signed: the final revision belongs to a signature (or document
    timestamp) that covers every byte of the file, or it is validation data ending the file."""
    from pyhanko.sign.validation import validate_pdf_timestamp

    final_revision = reader.xrefs.total_revisions - 1
    final = [s for s in (*embedded, *timestamps) if s.signed_revision == final_revision]
    if not final:
        # Only validation data may follow the last signature; pyHanko's difference analysis of
        # that signature says so (checked by the caller); here: nothing after it in the file.
        return _tail_problem(reader, pdf_bytes, final_revision)
    last = final[-1]
    if last.evaluate_signature_coverage().name != "ENTIRE_FILE":
        _, first_len, _, second_len = (int(v) for v in last.byte_range)
        extra = len(pdf_bytes) - first_len - second_len - (len(last.pkcs7_content) * 2 + 2)
        return (f"{max(extra, 1)} bytes were added after the last signature and are covered by no "
                "signature.")
    if last.sig_object_type == "/DocTimeStamp":
        try:
            intact = validate_pdf_timestamp(last, vc_factory(), skip_diff=True).intact
        except Exception:  # noqa: BLE001 - pyHanko raises many kinds on a broken timestamp: it fails either way
            intact = False
        if not intact:
            return "The document timestamp at the end of the file does not match the file."
    return None

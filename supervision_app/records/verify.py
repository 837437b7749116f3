"""Check the signatures in an exported record PDF against the organisation CA.

:func:`verify_pdf` uses pyHanko's AdES validation (ETSI EN 319 102-1) with the given CA
certificate(s) as the *only* trust roots and the file's own data only (the certificates and
revocation lists in its DSS; no system trust store, nothing fetched: it works offline). For
each signature it reports whether the signed bytes are intact, the cryptographic signature
valid, the signer's certificate trusted as of the time the signature is proven to have
existed (its signature time stamp, or the first document time stamp over it), pyHanko's AdES
indication, the PAdES level reached, whether the certificate was revoked since (and whether
before or after signing), and whether the file was changed after that signature.

A record is only "all OK" when every signature is intact, valid and trusted, and every
change after a signature is nothing but a later signature (pyHanko's modification
analysis must find only signature/form-filling updates permitted by the DocMDP policy,
every later revision must belong to a later signature). The last signature must cover
the whole file: the only bytes allowed after it are later document timestamps and
validation data (a DSS), which pyHanko's analysis must find to be nothing else
(``ModificationLevel.LTA_UPDATES``) and which must themselves reach the end of the file.

The signers must be exactly the people the document names, as the exporter writes it
(:mod:`.pdf_render`): a supervision record's ``SupervisorSignature`` field is signed by the
supervisor (the document's ``/Author``) and its ``SuperviseeSignature`` field by the
supervisee (the ``/Title`` ends ``": <supervisee>"``); an oversight note's or addendum's
``AuthorSignature`` by its author (``/Author``). The names are read from the revision the
first signature covers, so a later update cannot rename anyone. A signature in any other
field, or by anyone else, fails with the reason in words. A record not yet signed by
everyone is reported as incomplete (still to sign: ...).

:func:`verify_main` is the ``verify FILE.pdf [--ca CA.pem]`` command; the top-level CLI
calls it. Exit codes: 0 all signatures OK and everyone named has signed; 1 a signature
failed a check; 2 the file or the CA could not be read (missing, not a PDF, damaged); 3 the
PDF has no signatures; 4 the signatures present are OK but someone named has not signed yet.

Like signing, validation runs an asyncio loop of its own: call it from a worker thread
in the GUI.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import dataclasses
import datetime as _dt
import io
import os
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence, TextIO

from cryptography import x509
from cryptography.hazmat.primitives import serialization

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FAILED",
    "EXIT_INCOMPLETE",
    "EXIT_NO_SIGNATURES",
    "EXIT_OK",
    "SignatureReport",
    "TimestampReport",
    "VerificationReport",
    "format_report",
    "read_pdf",
    "verify_main",
    "verify_parsed_pdf",
    "verify_pdf",
]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_NO_SIGNATURES = 3
EXIT_INCOMPLETE = 4

LONDON_TZ = "Europe/London"

# Modification levels that later signatures in our workflow produce.
_ACCEPTABLE_LEVELS = ("NONE", "LTA_UPDATES", "FORM_FILLING")
# ... and what may follow the last signature: document timestamps and validation data only.
_AFTER_LAST_LEVELS = ("NONE", "LTA_UPDATES")

# Signature field names as the exporter draws them (records.pdf_render); not imported from
# there so that checking a file does not load ReportLab.
_SUPERVISOR_FIELD = "SupervisorSignature"
_SUPERVISEE_FIELD = "SuperviseeSignature"
_AUTHOR_FIELD = "AuthorSignature"
# Certificates carry at most 64 characters of a name (X.509 upper bound for a common name).
_CN_LIMIT = 64


@dataclass(frozen=True)
class SignatureReport:
    field_name: str
    signer_common_name: str
    signing_time: _dt.datetime | None
    intact: bool
    valid: bool
    trusted: bool
    revoked: bool
    certification: bool
    #: Anything at all was appended to the file after this signature.
    modified_after: bool
    #: ... and it was more than later signatures permitted by the document's policy.
    disallowed_changes_after: bool
    coverage: str
    modification_level: str | None
    docmdp_ok: bool | None
    issuer_common_name: str = ""
    problems: tuple[str, ...] = ()
    #: Who the document says must sign this field ("the supervisor, Łukasz Nowak-Siân"), if anyone.
    expected_signer: str = ""
    #: The signer is the person the document names for this field.
    right_signer: bool = True
    #: PAdES baseline level reached: B-B (no proof of time), B-T (time stamped), B-LT (and the
    #: validation data is in the file), B-LTA (and a document time stamp covers that data).
    level: str = "B-B"
    #: The earliest time the signature is proven to have existed, and what proves it
    #: ("signature time stamp" or "document time stamp"); None without a valid time stamp.
    proven_at: _dt.datetime | None = None
    proven_by: str = ""
    #: When the signer's certificate was revoked, if a revocation list in hand says so.
    revoked_at: _dt.datetime | None = None
    #: pyHanko's AdES indication for the signature: "PASSED", or "INDETERMINATE (...)" /
    #: "FAILED (...)" with the ETSI EN 319 102-1 sub-indication.
    ades_indication: str = ""

    @property
    def ok(self) -> bool:
        return (self.intact and self.valid and self.trusted and not self.disallowed_changes_after
                and self.right_signer)

    @property
    def revoked_after_signing(self) -> bool:
        """Revoked since the proven signing time: the signature stays valid."""
        return (self.revoked_at is not None and self.proven_at is not None
                and self.revoked_at > self.proven_at)


@dataclass(frozen=True)
class TimestampReport:
    """A document time stamp: when, by which authority, and whether it checks out (as of the
    next document time stamp, or now for the newest)."""

    time: _dt.datetime | None
    authority: str
    ok: bool
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class VerificationReport:
    signatures: tuple[SignatureReport, ...] = ()
    unsigned_fields: tuple[str, ...] = ()
    #: Set when the file could not be checked at all (not a PDF, damaged...).
    error: str | None = None
    trust_root: str = ""
    #: People the document names who have not signed yet, e.g. "the supervisee, Zoë Ødegård".
    awaiting: tuple[str, ...] = ()
    #: The document time stamps, oldest first.
    document_timestamps: tuple[TimestampReport, ...] = ()

    @property
    def all_ok(self) -> bool:
        """Every signature present checks out, by the right person, covering the whole file."""
        return self.error is None and bool(self.signatures) and all(s.ok for s in self.signatures)

    @property
    def complete(self) -> bool:
        """All OK, and everyone the document names has signed."""
        return self.all_ok and not self.awaiting


def _run_sync(fn):
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


def _cn_of_asn1(name) -> str:
    try:
        native = name.native
        return str(native.get("common_name") or name.human_friendly)
    except Exception:  # pragma: no cover - defensive  # noqa: BLE001
        return "unknown"


def _to_asn1(cert):
    from asn1crypto import x509 as asn1_x509

    if isinstance(cert, asn1_x509.Certificate):
        return cert
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def verify_pdf(
    pdf_bytes: bytes,
    ca_cert: x509.Certificate | Sequence[x509.Certificate],
    *,
    crl: x509.CertificateRevocationList | None = None,
    at: _dt.datetime | None = None,
) -> VerificationReport:
    """Validate every signature in ``pdf_bytes`` against ``ca_cert`` (one certificate, or a
    list: the current organisation CA and those it replaced) as the only trust roots.

    Each signature is judged as of the earliest time it is proven to have existed (its
    signature time stamp, or the first document time stamp over it), with the certificates
    and revocation lists embedded in the file: a certificate that expired or was revoked
    after that time does not spoil it; one revoked before it does. Without a time stamp the
    signature is judged now (or at ``at``).

    ``crl`` (signed by the CA) adds revocation information; ``at`` validates the
    certificates at another moment than now. Problems with the input are reported in
    ``report.error`` rather than raised.
    """
    return _run_sync(lambda: _verify(bytes(pdf_bytes), ca_cert, crl, at))


def read_pdf(pdf_bytes: bytes):
    """pyHanko's reader over ``pdf_bytes``, as :func:`verify_parsed_pdf` expects it: a caller
    that reads the file itself as well (the server's ``document_check``) parses it once and
    hands the reader on, for pyHanko reads a signature's hex ``/Contents`` a character at a
    time (most of a check's time; bench_push). Raises what pyHanko raises on a broken file."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    return PdfFileReader(io.BytesIO(pdf_bytes), strict=False)


def verify_parsed_pdf(
    reader,
    pdf_bytes: bytes,
    ca_cert: x509.Certificate | Sequence[x509.Certificate],
    *,
    crl: x509.CertificateRevocationList | None = None,
    at: _dt.datetime | None = None,
    long_term: bool = True,
) -> VerificationReport:
    """:func:`verify_pdf` of ``pdf_bytes`` with the reader :func:`read_pdf` made of those very
    bytes (the caller may have read objects through it; reading changes nothing in the file).

    ``long_term=False`` leaves out pyHanko's PAdES long-term procedure: a signature's proven
    time is then its signature time stamp or the first document time stamp over it that
    checks out, and the level is reported as without the long-term evidence. For the server's
    check of a freshly pushed copy, at its signing's time (a third less time per signature)."""
    data = bytes(pdf_bytes)
    return _run_sync(lambda: _verify(data, ca_cert, crl, at, reader=reader, long_term=long_term))


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


def _verify(pdf_bytes: bytes, ca_cert, crl, at, reader=None, long_term: bool = True) -> VerificationReport:
    from asn1crypto import crl as asn1_crl
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.sign import fields as sig_fields
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.policy_decl import (
        CertRevTrustPolicy,
        RevocationCheckingPolicy,
        RevocationCheckingRule,
    )

    # Several roots: the organisation's CA and the ones it replaced (a CA rotation keeps the
    # records its predecessor's certificates signed verifiable).
    roots = [_to_asn1(c) for c in (ca_cert if isinstance(ca_cert, (list, tuple)) else [ca_cert])]
    root_names = list(dict.fromkeys(_cn_of_asn1(r.subject) for r in roots))
    root_name = " or ".join(root_names)
    if not pdf_bytes.lstrip()[:5].startswith(b"%PDF-"):
        return VerificationReport(error="The file is not a PDF document.", trust_root=root_name)
    try:
        if reader is None:
            reader = read_pdf(pdf_bytes)
        embedded = list(reader.embedded_regular_signatures)
        timestamps = list(reader.embedded_timestamp_signatures)
        fields = [(name, value is not None) for name, value, _ in sig_fields.enumerate_sig_fields(reader)]
        unsigned = tuple(name for name, signed in fields if not signed)
        total_revisions = reader.xrefs.total_revisions
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError) as exc:
        return VerificationReport(error=f"The PDF could not be read: {exc}", trust_root=root_name)
    if not embedded:
        return VerificationReport(unsigned_fields=unsigned, trust_root=root_name)

    signed_revisions = {sig.signed_revision for sig in embedded}
    timestamp_revisions = {ts.signed_revision for ts in timestamps}
    last_signed_revision = max(signed_revisions)
    vc_kwargs: dict = {"trust_roots": roots, "allow_fetching": False}
    if crl is not None:
        vc_kwargs["crls"] = [asn1_crl.CertificateList.load(crl.public_bytes(serialization.Encoding.DER))]
        # With a CRL in hand, the signer's certificate must be checked against it
        # (our certificates declare no distribution points, so "if declared" would skip it).
        vc_kwargs["revinfo_policy"] = CertRevTrustPolicy(
            RevocationCheckingPolicy(
                ee_certificate_rule=RevocationCheckingRule.CRL_REQUIRED,
                intermediate_ca_cert_rule=RevocationCheckingRule.NO_CHECK,
            )
        )
    if at is not None:
        vc_kwargs["moment"] = at if at.tzinfo else at.replace(tzinfo=_dt.timezone.utc)

    try:
        expected, naming_problem = _expected_signers(reader, min(signed_revisions))
        file_problem = _covering_problem(reader, pdf_bytes, embedded, timestamps,
                                         lambda: ValidationContext(**vc_kwargs))
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError) as exc:
        return VerificationReport(error=f"The PDF could not be read: {exc}", trust_root=root_name)

    # After the last signature, unsigned revisions may add validation data and nothing else.
    changed_after_last = [
        r for r in range(last_signed_revision + 1, total_revisions)
        if r not in timestamp_revisions and not _validation_data_only(reader, r)
    ]

    dss = _dss_material(reader)
    given_crls = list(vc_kwargs.get("crls", ()))
    stamp_reports = _document_timestamps(timestamps, vc_kwargs, dss, at)
    moment = vc_kwargs.get("moment") or _dt.datetime.now(_dt.timezone.utc)

    reports = []
    signed_fields: set[str] = set()
    for sig in embedded:
        problems: list[str] = []
        cn = "unknown"
        issuer_cn = ""
        try:
            cert = sig.signer_cert
            cn = _cn_of_asn1(cert.subject)
            issuer_cn = _cn_of_asn1(cert.issuer)
        except Exception:  # noqa: BLE001 - damaged CMS
            problems.append("The signer's certificate could not be read.")
        field_name = str(sig.field_name)
        person = expected.get(field_name)
        right_signer = person is not None and person.is_signed_by(cn) and field_name not in signed_fields
        signed_fields.add(field_name)
        if naming_problem:
            right_signer = False
            problems.append(naming_problem)
        elif person is None:
            allowed = " and ".join(p.words() for p in expected.values())
            problems.append(f"This signature by {cn} is in a field ({field_name}) the document does not have "
                            f"for a signer; only {allowed} sign it.")
        elif not right_signer:
            problems.append(f"This field is for {person.words()}, but it was signed by {cn}.")
        try:
            judgement = asyncio.run(_ades_judge(
                sig, roots, given_crls, dss, moment, historical=at is not None, long_term=long_term,
                stamp_poe=_first_stamp_after(sig, timestamps, stamp_reports)))
            status = judgement.status
            if status is None:
                raise ValueError(judgement.failure or judgement.indication)
        except Exception as exc:  # noqa: BLE001 - pyHanko raises on badly broken signatures
            reports.append(SignatureReport(
                field_name=field_name, signer_common_name=cn, signing_time=None,
                intact=False, valid=False, trusted=False, revoked=False,
                certification=False, modified_after=True, disallowed_changes_after=True,
                coverage="UNKNOWN", modification_level=None, docmdp_ok=None, issuer_common_name=issuer_cn,
                problems=tuple(problems + [f"The signature could not be checked: {exc}"]),
                expected_signer=person.words() if person else "", right_signer=right_signer,
            ))
            continue
        proven_at, proven_by, revoked_at = judgement.proven_at, judgement.proven_by, judgement.revoked_at

        coverage = status.coverage.name if status.coverage is not None else "UNKNOWN"
        level = status.modification_level.name if status.modification_level is not None else None
        is_last = sig.signed_revision == last_signed_revision
        later_revisions = set(range(sig.signed_revision + 1, total_revisions))
        # Revisions after the last signature are validation data at most (pyHanko's analysis
        # of the last signature says which); between signatures, only the signatures themselves.
        only_signatures_after = all(
            r in signed_revisions or r in timestamp_revisions or r > last_signed_revision
            for r in later_revisions
        )
        modified_after = coverage != "ENTIRE_FILE"
        if is_last:
            disallowed = bool(later_revisions or file_problem) and not (
                coverage == "ENTIRE_REVISION" and status.docmdp_ok is not False
                and level in _AFTER_LAST_LEVELS and not file_problem and not changed_after_last
            )
        else:
            disallowed = modified_after and not (
                only_signatures_after
                and status.docmdp_ok is True
                and level in _ACCEPTABLE_LEVELS
                and coverage == "ENTIRE_REVISION"
            )
        certification = False
        try:
            certification = sig.sig_object_type == "/Sig" and sig.docmdp_level is not None
        except Exception:  # pragma: no cover - defensive  # noqa: BLE001
            pass

        if not status.intact:
            problems.append("The signed content has been altered: the document digest does not match.")
        elif not status.valid:
            problems.append("The cryptographic signature is not valid.")
        if judgement.revoked:
            if revoked_at is not None and proven_at is not None:
                problems.append(f"The signer's certificate was revoked on {_fmt_time(revoked_at)}, before "
                                f"the signature was proven to exist ({_fmt_time(proven_at)}).")
            else:
                problems.append("The signer's certificate has been revoked.")
        elif not judgement.trusted:
            if issuer_cn and issuer_cn not in root_names:
                problems.append(
                    f"The signer's certificate was issued by {issuer_cn!r}, not by the trusted "
                    f"authority {root_name!r}."
                )
            else:
                problems.append(
                    f"The signer's certificate is not trusted by {root_name!r} "
                    "(wrong issuer, expired, or not valid for signing)."
                )
        if disallowed:
            if file_problem:
                problems.append(f"The file was changed after this signature: {file_problem}")
            elif is_last:
                problems.append(
                    "The document was changed after this signature (not only by a document timestamp "
                    f"or validation data; modification level {level or 'unknown'})."
                )
            elif not only_signatures_after:
                problems.append("The document was changed after this signature (not by a later signature).")
            else:
                problems.append(
                    f"Changes after this signature are not allowed by the document's policy "
                    f"(modification level {level or 'unknown'})."
                )
        reports.append(SignatureReport(
            field_name=field_name,
            signer_common_name=cn,
            signing_time=status.signer_reported_dt,
            intact=bool(status.intact),
            valid=bool(status.valid),
            trusted=judgement.trusted,
            revoked=judgement.revoked,
            certification=certification,
            modified_after=modified_after,
            disallowed_changes_after=disallowed,
            coverage=coverage,
            modification_level=level,
            docmdp_ok=status.docmdp_ok,
            issuer_common_name=issuer_cn,
            problems=tuple(problems),
            expected_signer=person.words() if person else "",
            right_signer=right_signer,
            level=_level(reader, sig, judgement, timestamps, stamp_reports),
            proven_at=proven_at,
            proven_by=proven_by,
            revoked_at=revoked_at,
            ades_indication=judgement.indication,
        ))
    awaiting = tuple(p.words() for f, p in expected.items() if f not in signed_fields)
    return VerificationReport(signatures=tuple(reports), unsigned_fields=unsigned, trust_root=root_name,
                              awaiting=awaiting, document_timestamps=tuple(stamp_reports))


# --------------------------------------------------------------------------- AdES validation


@dataclass(frozen=True)
class _AdESJudgement:
    """What pyHanko's AdES validation (ETSI EN 319 102-1) decided about one signature."""

    #: pyHanko's status of the signature (integrity, modifications, certificate as judged).
    status: Any
    #: "PASSED", or "INDETERMINATE"/"FAILED" and the sub-indication, e.g. "FAILED (REVOKED)".
    indication: str
    trusted: bool
    revoked: bool
    revoked_at: _dt.datetime | None
    proven_at: _dt.datetime | None
    proven_by: str
    #: The signer's certificate was checked against a revocation list the file holds.
    revocation_checked_from_file: bool
    #: A valid document time stamp after the signature (pyHanko's evidence record).
    evidence_record: bool
    failure: str | None


def _words_of(indication) -> str:
    status = indication.status.name
    return status if status == "PASSED" else f"{status} ({indication.name})"


def _local_knowledge(crls, certs):
    from pyhanko.sign.validation.policy_decl import LocalKnowledge
    from pyhanko_certvalidator.revinfo.archival import CRLContainer

    return LocalKnowledge(known_crls=[CRLContainer(c) for c in crls], known_certs=list(certs))


def _ades_spec(roots, *, crl_required: bool, knowledge, tsa_crl_required: bool = False):
    """Validation settings: the organisation's CA(s) as the only trust roots, nothing fetched
    from anywhere (the file's own data and what the caller gives), the signer's certificate
    checked against the revocation lists where the file holds its issuer's.

    Revocation lists are taken as retroactively valid (one issued at archiving says whether
    the certificate had been revoked by the earlier proven time), as our CA never suspends.
    A time-stamping authority's certificate is checked against the organisation's revocation
    lists in the file, if any, whatever their age: the newest document time stamp is judged
    now, and no list in the file is current now (offline nothing newer can be had), while an
    expired authority's older stamps can only be judged in the past with a list (pyHanko's
    past validation asks for one)."""
    from pyhanko.sign.validation.policy_decl import (
        CertificateFetchingRule,
        RevinfoOnlineFetchingRule,
        RevocationInfoGatheringSpec,
        SignatureValidationSpec,
    )
    from pyhanko_certvalidator.context import CertValidationPolicySpec
    from pyhanko_certvalidator.policy_decl import (
        CertRevTrustPolicy,
        FreshnessReqType,
        RevocationCheckingPolicy,
        RevocationCheckingRule,
    )
    from pyhanko_certvalidator.registry import SimpleTrustManager

    trust = SimpleTrustManager.build(trust_roots=roots)

    def policy(rule, *, any_age: bool = False):
        checking = RevocationCheckingPolicy(ee_certificate_rule=rule,
                                            intermediate_ca_cert_rule=RevocationCheckingRule.NO_CHECK)
        if any_age:
            return CertValidationPolicySpec(trust_manager=trust, revinfo_policy=CertRevTrustPolicy(
                checking, freshness=_ANY_AGE, freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION))
        return CertValidationPolicySpec(trust_manager=trust, revinfo_policy=CertRevTrustPolicy(
            checking, retroactive_revinfo=True))

    return SignatureValidationSpec(
        cert_validation_policy=policy(RevocationCheckingRule.CRL_REQUIRED if crl_required
                                      else RevocationCheckingRule.CHECK_IF_DECLARED_SOFT),
        ts_cert_validation_policy=(policy(RevocationCheckingRule.CRL_REQUIRED, any_age=True) if tsa_crl_required
                                   else policy(RevocationCheckingRule.CHECK_IF_DECLARED_SOFT)),
        revinfo_gathering_policy=RevocationInfoGatheringSpec(
            online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY,
            certificate_fetching_rule=CertificateFetchingRule.NEVER_FETCH),
        local_knowledge=knowledge)


_ANY_AGE = _dt.timedelta(days=100 * 366)


def _next_update(crl) -> _dt.datetime | None:
    return crl["tbs_cert_list"]["next_update"].native


def _issued_by_signers_ca(crl, sig) -> bool:
    try:
        return crl["tbs_cert_list"]["issuer"] == sig.signer_cert.issuer
    except Exception:  # noqa: BLE001 - a damaged CMS has no readable signer
        return False


def _last_known_moment(cert, issuer_crls, moment: _dt.datetime,
                       proven_at: _dt.datetime) -> _dt.datetime | None:
    """The latest moment the revocation lists in hand can say whether ``cert`` was revoked
    after ``proven_at``: now (or ``moment``), no later than the certificate's expiry and the
    newest list's issue (a list says nothing of the time after it). None when that moment is
    not after the proven time: a list issued before it (the CA's list is often older than a
    newly enrolled signer's certificate, whose start it may even precede) cannot show a later
    revocation, and judging the certificate at such a moment, before its own start, only
    fails (NotYetValidError, which pyHanko logs with a traceback)."""
    newest_list = max(c["tbs_cert_list"]["this_update"].native for c in issuer_crls)
    last = min(moment, cert.not_valid_after - _dt.timedelta(seconds=1), newest_list)
    if last <= proven_at or last < cert.not_valid_before:
        return None
    return last


async def _signature_stamp_time(sig, spec, moment: _dt.datetime, historical: bool) -> _dt.datetime | None:
    from pyhanko.sign.ades.report import AdESPassed
    from pyhanko.sign.validation import generic_cms
    from pyhanko.sign.validation.ades import ades_timestamp_validation
    from pyhanko_certvalidator.ltv.types import ValidationTimingInfo

    for token in generic_cms.extract_tst_data_iter(sig.signer_info, signed=False):
        result = await ades_timestamp_validation(
            token, spec, expected_tst_imprint=generic_cms.message_imprint_checker(sig.signer_info),
            timing_info=ValidationTimingInfo(moment, moment, historical))
        if result.ades_subindic == AdESPassed.OK and result.api_status is not None:
            return result.api_status.timestamp
    return None


async def _ades_judge(sig, roots, given_crls, dss: dict, moment: _dt.datetime, historical: bool,
                      long_term: bool, stamp_poe: _dt.datetime | None) -> _AdESJudgement:
    """Judge ``sig`` with pyHanko's AdES validation on the file's own data.

    With ``long_term``, the PAdES long-term procedure (``ades_lta_validation``) finds the
    earliest proven time: the signature time stamp, else the first document time stamp of a
    chain it validates (its evidence record); a FAILED answer of it (hash, cryptography,
    revoked, not yet valid) stands. The signer's certificate is then judged by AdES basic
    validation at that proven time (or at ``moment`` without one): valid and not revoked then.

    Why the basic validation at the proven time decides the certificate, and an INDETERMINATE
    long-term answer does not (pyHanko 0.38):
    - its long-term procedure answers SIG_CONSTRAINTS_FAILURE for every signature without a
      signature time stamp of its own ("No signature timestamp present"), even when a document
      time stamp proves it (an offline signature, time stamped at sync);
    - once the certificate has expired it checks expiry before revocation, and its past
      validation then PASSES a signature whose certificate was revoked before the proven time
      (a record signed after revocation would verify);
    - its past validation asks for proof that each certificate existed when the revocation
      list the archive step put in the file was issued, and the only proof is the document
      time stamp made just after it: the chain of an expired authority's older stamps, kept
      valid by renewal, then fails (NO_POE) and every signature it proves with it.
    ``stamp_poe`` (the first document time stamp after the signature that checks out as of
    the next one, :func:`_document_timestamps`) proves the time when pyHanko's evidence record
    cannot (the last case)."""
    from pyhanko.sign.ades.report import AdESPassed, AdESStatus
    from pyhanko.sign.validation.ades import ades_basic_validation, ades_lta_validation
    from pyhanko.sign.validation.policy_decl import PdfSignatureValidationSpec
    from pyhanko.sign.validation.status import PdfSignatureStatus
    from pyhanko_certvalidator.ltv.types import ValidationTimingInfo

    issuer_crls = [c for c in (*given_crls, *dss.get("crls", ())) if _issued_by_signers_ca(c, sig)]
    crls_from_file = any(_issued_by_signers_ca(c, sig) for c in dss.get("crls", ()))
    root_names = [root.subject for root in roots]
    tsa_crl_required = any(c["tbs_cert_list"]["issuer"] in root_names for c in (*given_crls, *dss.get("crls", ())))
    lta_spec = _ades_spec(roots, crl_required=bool(issuer_crls), knowledge=_local_knowledge(given_crls, ()),
                          tsa_crl_required=tsa_crl_required)
    proven_at, proven_by, evidence_record = None, "", False
    lta_verdict = None
    if long_term:
        # No difference analysis here (diff_policy None): it would run for every signature
        # and time stamp in the file on each call; the one this signature needs is below.
        lta = await ades_lta_validation(
            sig, PdfSignatureValidationSpec(lta_spec, diff_policy=None),
            timing_info=ValidationTimingInfo(moment, moment, historical))
        own_stamp = lta.signature_timestamp_status
        evidence_record = lta.oldest_evidence_record_timestamp is not None
        if own_stamp is not None and own_stamp.ades_subindic == AdESPassed.OK:
            proven_at, proven_by = lta.best_signature_time, "signature time stamp"
        elif evidence_record:
            proven_at, proven_by = lta.oldest_evidence_record_timestamp, "document time stamp"
        if lta.ades_subindic.status == AdESStatus.FAILED:
            lta_verdict = lta
    else:
        # Without the long-term step: the signature time stamp, if it checks out (pyHanko's
        # AdES time-stamp validation), proves the time.
        with_file_data = _ades_spec(roots, crl_required=bool(issuer_crls), tsa_crl_required=tsa_crl_required,
                                    knowledge=_local_knowledge([*given_crls, *dss.get("crls", ())],
                                                               dss.get("other_certs", ())))
        proven_at = await _signature_stamp_time(sig, with_file_data, moment, historical)
        proven_by = "signature time stamp" if proven_at is not None else ""
    if proven_at is None and stamp_poe is not None:
        proven_at, proven_by = stamp_poe, "document time stamp"
    sig.compute_integrity_info()  # pyHanko's difference analysis of what follows the signature
    judged_at = proven_at or moment
    # A revocation list says nothing of the time after its next update: one that old at the
    # judged time (the supervisee signing weeks after the archive step put the list in the
    # file) cannot be asked for; one issued later (retroactive) or current then must be.
    current_then = [c for c in issuer_crls if (_next_update(c) or judged_at) >= judged_at]
    basic_spec = _ades_spec(roots, crl_required=bool(current_then), tsa_crl_required=tsa_crl_required,
                            knowledge=_local_knowledge([*given_crls, *dss.get("crls", ())], dss.get("other_certs", ())))
    basic = await ades_basic_validation(
        sig.signed_data, basic_spec,
        timing_info=ValidationTimingInfo(judged_at, judged_at, historical or proven_at is not None),
        raw_digest=sig.compute_digest())
    decided = lta_verdict or basic
    status = None
    if basic.api_status is not None:
        # pyHanko 0.38's basic validation makes a CMS status whatever class it is asked for;
        # the PDF one adds the difference analysis (coverage, modification level, DocMDP).
        # (pyHanko's PDF validation takes the signer's claimed time from the signature
        # dictionary's /M when the CMS has none; the AdES one leaves it out.)
        fields = {f.name: getattr(basic.api_status, f.name) for f in dataclasses.fields(basic.api_status)}
        if fields.get("signer_reported_dt") is None:
            fields["signer_reported_dt"] = sig.self_reported_timestamp
        status = PdfSignatureStatus(**fields, **sig.summarise_integrity_info())
    revoked_at = None
    details = getattr(status, "revocation_details", None)
    if details is not None:
        revoked_at = details.revocation_date
    elif proven_at is not None and issuer_crls and (last := _last_known_moment(
            sig.signer_cert, issuer_crls, moment, proven_at)) is not None:
        # Revoked since the proven time? pyHanko's answer as the certificate stands at its
        # last known moment (see _last_known_moment), from the same revocation lists.
        later = await ades_basic_validation(
            sig.signed_data, _ades_spec(roots, crl_required=True, knowledge=basic_spec.local_knowledge),
            timing_info=ValidationTimingInfo(last, last, True), raw_digest=sig.compute_digest())
        later_details = getattr(later.api_status, "revocation_details", None)
        if later_details is not None:
            revoked_at = later_details.revocation_date
    passed = decided.ades_subindic == AdESPassed.OK
    return _AdESJudgement(
        status=status, indication=_words_of(decided.ades_subindic),
        trusted=passed and bool(status is not None and status.trusted),
        revoked=details is not None, revoked_at=revoked_at, proven_at=proven_at, proven_by=proven_by,
        revocation_checked_from_file=crls_from_file and passed,
        evidence_record=evidence_record, failure=decided.failure_msg)


# --------------------------------------------------------------------------- long-term validation


def _dss_material(reader) -> dict:
    """Certificates and revocation lists from the file's Document Security Store."""
    from asn1crypto import crl as asn1_crl
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError

    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except (NoDSSFoundError, PdfReadError, KeyError, TypeError, ValueError):
        return {}
    crls = []
    for ref in dss.crls:
        try:
            crls.append(asn1_crl.CertificateList.load(ref.get_object().data))
        except (ValueError, TypeError, KeyError):
            continue
    return {"other_certs": list(dss.load_certs()), "crls": crls}


def _as_of(vc_kwargs: dict, moment: _dt.datetime, dss_kwargs: dict) -> dict:
    """Validation settings for checking a certificate as it stood at ``moment``, with the
    revocation lists in the file (and any given), which may be issued after that moment."""
    from pyhanko_certvalidator.policy_decl import (
        CertRevTrustPolicy,
        RevocationCheckingPolicy,
        RevocationCheckingRule,
    )

    kwargs = dict(vc_kwargs)
    kwargs["moment"] = moment
    kwargs["other_certs"] = list(kwargs.get("other_certs", ())) + list(dss_kwargs.get("other_certs", ()))
    crls = list(kwargs.get("crls", ())) + list(dss_kwargs.get("crls", ()))
    if crls:
        kwargs["crls"] = crls
        kwargs["revinfo_policy"] = CertRevTrustPolicy(
            RevocationCheckingPolicy(
                ee_certificate_rule=RevocationCheckingRule.CRL_REQUIRED,
                intermediate_ca_cert_rule=RevocationCheckingRule.NO_CHECK,
            ),
            retroactive_revinfo=True,
        )
    return kwargs


def _soft_revocation_policy():
    from pyhanko_certvalidator.policy_decl import (
        CertRevTrustPolicy,
        RevocationCheckingPolicy,
        RevocationCheckingRule,
    )

    return CertRevTrustPolicy(RevocationCheckingPolicy(
        ee_certificate_rule=RevocationCheckingRule.CHECK_IF_DECLARED_SOFT,
        intermediate_ca_cert_rule=RevocationCheckingRule.NO_CHECK))


def _tsa_name(stamp) -> str:
    try:
        from pyhanko.sign.general import extract_certificate_info

        return _cn_of_asn1(extract_certificate_info(stamp.signed_data).signer_cert.subject)
    except Exception:  # noqa: BLE001 - damaged token: reported as not OK anyway
        return "unknown"


def _document_timestamps(timestamps, vc_kwargs: dict, dss_kwargs: dict, at) -> list[TimestampReport]:
    """Check each document time stamp as of the next one (whose time proves this one existed
    then, while its certificate was valid); the newest as of now (or ``at``)."""
    from pyhanko.sign.validation import validate_pdf_timestamp
    from pyhanko_certvalidator import ValidationContext

    ordered = sorted(timestamps, key=lambda ts: ts.signed_revision)
    reports: list[TimestampReport] = [None] * len(ordered)  # type: ignore[list-item]
    later_time: _dt.datetime | None = None
    for index in range(len(ordered) - 1, -1, -1):
        stamp = ordered[index]
        moment = later_time or (at if at is not None else _dt.datetime.now(_dt.timezone.utc))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=_dt.timezone.utc)
        problems: list[str] = []
        when = None
        kwargs = _as_of(vc_kwargs, moment, dss_kwargs)
        if later_time is None and "revinfo_policy" in kwargs:
            # The newest time stamp is judged now, and no revocation list in the file is
            # current now (they are checked below instead): nothing newer can be had offline.
            kwargs["revinfo_policy"] = _soft_revocation_policy()
        try:
            status = validate_pdf_timestamp(stamp, ValidationContext(**kwargs), skip_diff=True)
            when = status.timestamp
            ok = bool(status.intact and status.valid and status.trusted)
            if not ok:
                problems.append("The document time stamp is not intact, not valid or not from a trusted "
                                "authority (or its certificate has expired: the record needed renewing).")
            details = getattr(status, "revocation_details", None)
            if details is not None and when is not None and details.revocation_date <= when:
                ok = False
                problems.append("The time-stamping authority's certificate was revoked on "
                                f"{_fmt_time(details.revocation_date)}.")
        except Exception as exc:  # noqa: BLE001 - a broken time stamp fails, whatever pyHanko raised
            ok = False
            problems.append(f"The document time stamp could not be checked: {exc}")
        reports[index] = TimestampReport(time=when, authority=_tsa_name(stamp), ok=ok, problems=tuple(problems))
        later_time = when if ok else later_time
    return reports


def _first_stamp_after(sig, timestamps, stamp_reports) -> _dt.datetime | None:
    """The time of the first document time stamp over ``sig`` that checks out."""
    ordered = sorted(timestamps, key=lambda t: t.signed_revision)
    for stamp, report in zip(ordered, stamp_reports):
        if stamp.signed_revision > sig.signed_revision and report.ok and report.time is not None:
            return report.time
    return None


def _dss_revision(reader, after: int) -> int | None:
    """The first revision after ``after`` that holds revocation lists in a DSS."""
    for revision in range(after + 1, reader.xrefs.total_revisions):
        try:
            root = reader.get_historical_resolver(revision).root
            if "/DSS" in root and "/CRLs" in root["/DSS"] and len(root["/DSS"]["/CRLs"]) > 0:
                return revision
        except Exception:  # noqa: BLE001 - an unreadable revision adds nothing
            continue
    return None


def _level(reader, sig, judgement: _AdESJudgement, timestamps, stamp_reports) -> str:
    """B-B without proof of time; B-T with it; B-LT when pyHanko checked the signer's
    certificate against a revocation list the file holds (added after the signature); B-LTA
    when, besides, a document time stamp that checks out covers that validation data."""
    if judgement.proven_at is None:
        return "B-B"
    dss_revision = _dss_revision(reader, sig.signed_revision)
    if dss_revision is None or not judgement.revocation_checked_from_file:
        return "B-T"
    ordered = sorted(timestamps, key=lambda t: t.signed_revision)
    if any(stamp.signed_revision >= dss_revision and report.ok for stamp, report in zip(ordered, stamp_reports)):
        return "B-LTA"
    return "B-LT"


# --------------------------------------------------------------------------- CLI


def _fmt_time(when: _dt.datetime | None) -> str:
    if when is None:
        return "not stated"
    from zoneinfo import ZoneInfo

    local = when.astimezone(ZoneInfo(LONDON_TZ))
    return f"{local.day} {local:%B %Y}, {local:%H:%M:%S} {local.tzname()}"


_LEVEL_WORDS = {
    "B-B": "no proof of when it was signed",
    "B-T": "time stamped",
    "B-LT": "time stamped, with the data to check it kept in the file",
    "B-LTA": "time stamped, with the data to check it kept in the file and time stamped too",
}


def _yes(flag: bool) -> str:
    return "yes" if flag else "NO"


def format_report(report: VerificationReport, file_label: str = "") -> str:
    lines: list[str] = []
    if file_label:
        lines.append(f"File: {file_label}")
    lines.append(f"Trusted authority: {report.trust_root}")
    if report.error:
        lines.append(f"Error: {report.error}")
        return "\n".join(lines)
    n = len(report.signatures)
    lines.append(f"Signatures: {n}")
    for i, s in enumerate(report.signatures, start=1):
        kind = "certification" if s.certification else "approval"
        lines.append("")
        lines.append(f"Signature {i} of {n}: field {s.field_name} ({kind})")
        lines.append(f"  Signer:         {s.signer_common_name}")
        if s.expected_signer:
            lines.append(f"  Field is for:   {s.expected_signer}"
                         + ("" if s.right_signer else "  (SIGNED BY SOMEONE ELSE)"))
        lines.append(f"  Issued by:      {s.issuer_common_name or 'unknown'}")
        lines.append(f"  Signed at:      {_fmt_time(s.signing_time)}"
                     + ("" if s.proven_at else "  (as the signer's computer said; not proven)"))
        if s.proven_at is not None:
            lines.append(f"  Proven to exist: {_fmt_time(s.proven_at)} (by a {s.proven_by})")
        lines.append(f"  Level:          {s.level} ({_LEVEL_WORDS.get(s.level, '')})")
        if s.revoked_at is not None:
            when = "after it was signed: the signature stays valid" if s.revoked_after_signing else (
                "before it was proven to be signed: the signature does not count")
            lines.append(f"  Revoked since:  {_fmt_time(s.revoked_at)}, {when}")
        lines.append(f"  Intact:         {_yes(s.intact)}")
        lines.append(f"  Valid:          {_yes(s.valid)}")
        lines.append(f"  Trusted:        {_yes(s.trusted)}" + ("  (REVOKED)" if s.revoked else ""))
        if not s.modified_after:
            changed = "no (covers the whole file)"
        elif not s.disallowed_changes_after:
            changed = "only by later signatures (allowed)"
        else:
            changed = f"YES (modification level {s.modification_level or 'unknown'})"
        lines.append(f"  Changed after:  {changed}")
        if s.ades_indication:
            lines.append(f"  AdES result:    {s.ades_indication}")
        lines.append(f"  Result:         {'OK' if s.ok else 'FAILED'}")
        for p in s.problems:
            lines.append(f"  ! {p}")
    for i, ts in enumerate(report.document_timestamps, start=1):
        lines.append("")
        lines.append(f"Document time stamp {i} of {len(report.document_timestamps)}: "
                     f"{_fmt_time(ts.time)} by {ts.authority}: {'OK' if ts.ok else 'FAILED'}")
        for p in ts.problems:
            lines.append(f"  ! {p}")
    if report.unsigned_fields:
        lines.append("")
        lines.append("Unsigned signature fields: " + ", ".join(report.unsigned_fields))
    if report.awaiting and report.signatures:
        lines.append("")
        lines.append("Not signed yet by: " + "; ".join(report.awaiting))
    lines.append("")
    if not report.signatures:
        lines.append("Result: the PDF has no signatures.")
    elif not report.all_ok:
        lines.append("Result: VERIFICATION FAILED")
    elif report.awaiting:
        lines.append("Result: SIGNATURES OK SO FAR, NOT FULLY SIGNED: still to sign: " + "; ".join(report.awaiting))
    else:
        lines.append("Result: ALL SIGNATURES OK")
    return "\n".join(lines)


def _emit(out: TextIO, text: str) -> None:
    try:
        print(text, file=out)
    except UnicodeEncodeError:  # e.g. a legacy Windows console code page
        enc = getattr(out, "encoding", None) or "ascii"
        print(text.encode(enc, "replace").decode(enc), file=out)


def verify_main(
    argv: Sequence[str] | None = None,
    default_ca: Path | Sequence[Path] | None = None,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """``verify FILE.pdf [--ca CA.pem]``; returns the exit code (0 only if all OK and complete)."""
    out = out or sys.stdout
    err = err or sys.stderr
    parser = argparse.ArgumentParser(
        prog="verify",
        description="Check the digital signatures in an exported supervision record PDF.",
    )
    parser.add_argument("file", metavar="FILE.pdf", help="the PDF to check")
    parser.add_argument("--ca", metavar="CA.pem", type=Path, action="append", default=None,
                        help="organisation CA certificate (PEM or DER) to trust; give it again for "
                             "each earlier CA a rotation replaced"
                             + (f"; default {default_ca}" if default_ca else ""))
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:  # argparse already printed usage
        return EXIT_BAD_INPUT if exc.code else EXIT_OK

    if args.ca:
        ca_paths = list(args.ca)
    elif isinstance(default_ca, (str, os.PathLike)):
        ca_paths = [Path(default_ca)] if default_ca else []
    else:  # the current CA and those it replaced
        ca_paths = [Path(p) for p in default_ca] if default_ca else []
    if not ca_paths:
        _emit(err, "verify: no CA certificate given; use --ca CA.pem")
        return EXIT_BAD_INPUT
    ca_certs = []
    for ca_path in ca_paths:
        try:
            ca_data = ca_path.read_bytes()
        except FileNotFoundError:
            _emit(err, f"verify: CA certificate not found: {ca_path}")
            return EXIT_BAD_INPUT
        except OSError as exc:
            _emit(err, f"verify: cannot read CA certificate {ca_path}: {exc.strerror or exc}")
            return EXIT_BAD_INPUT
        try:
            from ..security.pki import load_certificate

            ca_certs.append(load_certificate(ca_data))
        except ValueError:
            _emit(err, f"verify: {ca_path} is not a certificate (expected PEM or DER)")
            return EXIT_BAD_INPUT
    ca_cert = ca_certs if len(ca_certs) > 1 else ca_certs[0]

    pdf_path = Path(args.file)
    try:
        data = pdf_path.read_bytes()
    except FileNotFoundError:
        _emit(err, f"verify: file not found: {pdf_path}")
        return EXIT_BAD_INPUT
    except IsADirectoryError:
        _emit(err, f"verify: {pdf_path} is a folder, not a PDF file")
        return EXIT_BAD_INPUT
    except OSError as exc:
        _emit(err, f"verify: cannot read {pdf_path}: {exc.strerror or exc}")
        return EXIT_BAD_INPUT

    report = verify_pdf(data, ca_cert)
    if report.error:
        _emit(err, f"verify: {pdf_path}: {report.error}")
        return EXIT_BAD_INPUT
    _emit(out, format_report(report, str(pdf_path)))
    if not report.signatures:
        _emit(err, f"verify: {pdf_path} has no signatures")
        return EXIT_NO_SIGNATURES
    if not report.all_ok:
        return EXIT_FAILED
    return EXIT_INCOMPLETE if report.awaiting else EXIT_OK

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

This module keeps the entry points and the verdict on each signature; the parts it uses
live beside it (issue 17): :mod:`.signed_file` reads the PDF, who must sign it and whether
the signatures cover it, :mod:`.ades_judgement` is pyHanko's AdES judgement of one
signature, :mod:`.long_term_evidence` the DSS, document time stamps and levels, and
:mod:`.signature_report` the report and its plain words.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import datetime as _dt
import functools
import os
import sys
from pathlib import Path
from typing import Sequence, TextIO

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from .ades_judgement import _ades_judge
from .long_term_evidence import _document_timestamps, _dss_material, _first_stamp_after, _level
from .signature_report import SignatureReport, TimestampReport, VerificationReport, _fmt_time, format_report
from .signed_file import (
    _cn_of_asn1,
    _covering_problem,
    _expected_signers,
    _validation_data_only,
    read_pdf,
)

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

# Modification levels that later signatures in our workflow produce.
_ACCEPTABLE_LEVELS = ("NONE", "LTA_UPDATES", "FORM_FILLING")
# ... and what may follow the last signature: document timestamps and validation data only.
_AFTER_LAST_LEVELS = ("NONE", "LTA_UPDATES")


def _run_sync(fn):
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


def _to_asn1(cert):
    """asn1crypto's form of a trust root, one object per certificate (its DER) for the process:
    the server verifies every pushed copy with the same CA certificates, and asn1crypto keeps
    what it works out about a certificate on the object (parsed fields, its names prepared for
    comparison: LDAP string preparation, ~0.3 ms of a copy's check done afresh each time)."""
    from asn1crypto import x509 as asn1_x509

    if isinstance(cert, asn1_x509.Certificate):
        return cert
    return _asn1_certificate(cert.public_bytes(serialization.Encoding.DER))


@functools.lru_cache(maxsize=64)
def _asn1_certificate(der: bytes):
    from asn1crypto import x509 as asn1_x509

    cert = asn1_x509.Certificate.load(der)
    try:
        _ = cert.native  # parsed through now, not lazily by the threads that share it
    except Exception:  # noqa: BLE001 - what cannot be parsed fails where it is used, as before
        pass
    return cert


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


# --------------------------------------------------------------------------- CLI


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

"""Check the signatures in an exported record PDF against the organisation CA.

:func:`verify_pdf` uses pyHanko's validation with the given CA certificate as the *only*
trust root (no system trust store, no network fetching). For each signature it reports
whether the signed bytes are intact, the cryptographic signature valid, the signer's
certificate trusted, and whether the file was changed after that signature.

A record is only "all OK" when every signature is intact, valid and trusted, and every
change after a signature is nothing but a later signature (pyHanko's modification
analysis must find only signature/form-filling updates permitted by the DocMDP policy,
every later revision must belong to a later signature, and the last signature must
cover the whole file).

:func:`verify_main` is the ``verify FILE.pdf [--ca CA.pem]`` command; the top-level CLI
calls it. Exit codes: 0 all signatures OK; 1 a signature failed a check; 2 the file or
the CA could not be read (missing, not a PDF, damaged); 3 the PDF has no signatures.

Like signing, validation runs an asyncio loop of its own: call it from a worker thread
in the GUI.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import datetime as _dt
import io
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence, TextIO

from cryptography import x509
from cryptography.hazmat.primitives import serialization

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FAILED",
    "EXIT_NO_SIGNATURES",
    "EXIT_OK",
    "SignatureReport",
    "VerificationReport",
    "format_report",
    "verify_main",
    "verify_pdf",
]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_NO_SIGNATURES = 3

LONDON_TZ = "Europe/London"

# Modification levels that later signatures in our workflow produce.
_ACCEPTABLE_LEVELS = ("NONE", "LTA_UPDATES", "FORM_FILLING")


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

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and not self.disallowed_changes_after


@dataclass(frozen=True)
class VerificationReport:
    signatures: tuple[SignatureReport, ...] = ()
    unsigned_fields: tuple[str, ...] = ()
    #: Set when the file could not be checked at all (not a PDF, damaged...).
    error: str | None = None
    trust_root: str = ""

    @property
    def all_ok(self) -> bool:
        return self.error is None and bool(self.signatures) and all(s.ok for s in self.signatures)


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
    except Exception:  # pragma: no cover - defensive
        return "unknown"


def _to_asn1(cert):
    from asn1crypto import x509 as asn1_x509

    if isinstance(cert, asn1_x509.Certificate):
        return cert
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def verify_pdf(
    pdf_bytes: bytes,
    ca_cert: x509.Certificate,
    *,
    crl: x509.CertificateRevocationList | None = None,
    at: _dt.datetime | None = None,
) -> VerificationReport:
    """Validate every signature in ``pdf_bytes`` against ``ca_cert`` as the only trust root.

    ``crl`` (signed by the CA) adds revocation information; ``at`` validates the
    certificates at another moment than now. Problems with the input are reported in
    ``report.error`` rather than raised.
    """
    return _run_sync(lambda: _verify(bytes(pdf_bytes), ca_cert, crl, at))


def _verify(pdf_bytes: bytes, ca_cert, crl, at) -> VerificationReport:
    from asn1crypto import crl as asn1_crl
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields as sig_fields
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.policy_decl import (
        CertRevTrustPolicy,
        RevocationCheckingPolicy,
        RevocationCheckingRule,
    )

    root = _to_asn1(ca_cert)
    root_name = _cn_of_asn1(root.subject)
    if not pdf_bytes.lstrip()[:5].startswith(b"%PDF-"):
        return VerificationReport(error="The file is not a PDF document.", trust_root=root_name)
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        embedded = list(reader.embedded_regular_signatures)
        unsigned = tuple(
            name for name, value, _ in sig_fields.enumerate_sig_fields(reader) if value is None
        )
        total_revisions = reader.xrefs.total_revisions
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError) as exc:
        return VerificationReport(error=f"The PDF could not be read: {exc}", trust_root=root_name)
    if not embedded:
        return VerificationReport(unsigned_fields=unsigned, trust_root=root_name)

    signed_revisions = {sig.signed_revision for sig in embedded}
    last_revision = total_revisions - 1
    vc_kwargs: dict = {"trust_roots": [root], "allow_fetching": False}
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

    reports = []
    for sig in embedded:
        problems: list[str] = []
        cn = "unknown"
        issuer_cn = ""
        try:
            cert = sig.signer_cert
            cn = _cn_of_asn1(cert.subject)
            issuer_cn = _cn_of_asn1(cert.issuer)
        except Exception:  # damaged CMS
            problems.append("The signer's certificate could not be read.")
        try:
            status = validate_pdf_signature(sig, ValidationContext(**vc_kwargs))
        except Exception as exc:  # pyHanko raises on badly broken signatures
            reports.append(SignatureReport(
                field_name=str(sig.field_name), signer_common_name=cn, signing_time=None,
                intact=False, valid=False, trusted=False, revoked=False,
                certification=False, modified_after=True, disallowed_changes_after=True,
                coverage="UNKNOWN", modification_level=None, docmdp_ok=None, issuer_common_name=issuer_cn,
                problems=tuple(problems + [f"The signature could not be checked: {exc}"]),
            ))
            continue

        coverage = status.coverage.name if status.coverage is not None else "UNKNOWN"
        level = status.modification_level.name if status.modification_level is not None else None
        modified_after = coverage != "ENTIRE_FILE"
        later_revisions = set(range(sig.signed_revision + 1, total_revisions))
        only_signatures_after = later_revisions <= signed_revisions and last_revision in signed_revisions
        disallowed = modified_after and not (
            only_signatures_after
            and status.docmdp_ok is True
            and level in _ACCEPTABLE_LEVELS
            and coverage == "ENTIRE_REVISION"
        )
        certification = False
        try:
            certification = sig.sig_object_type == "/Sig" and sig.docmdp_level is not None
        except Exception:  # pragma: no cover - defensive
            pass

        if not status.intact:
            problems.append("The signed content has been altered: the document digest does not match.")
        elif not status.valid:
            problems.append("The cryptographic signature is not valid.")
        if status.revoked:
            problems.append("The signer's certificate has been revoked.")
        elif not status.trusted:
            if issuer_cn and issuer_cn != root_name:
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
            if not only_signatures_after:
                problems.append("The document was changed after this signature (not by a later signature).")
            else:
                problems.append(
                    f"Changes after this signature are not allowed by the document's policy "
                    f"(modification level {level or 'unknown'})."
                )
        reports.append(SignatureReport(
            field_name=str(sig.field_name),
            signer_common_name=cn,
            signing_time=status.signer_reported_dt,
            intact=bool(status.intact),
            valid=bool(status.valid),
            trusted=bool(status.trusted),
            revoked=bool(status.revoked),
            certification=certification,
            modified_after=modified_after,
            disallowed_changes_after=disallowed,
            coverage=coverage,
            modification_level=level,
            docmdp_ok=status.docmdp_ok,
            issuer_common_name=issuer_cn,
            problems=tuple(problems),
        ))
    return VerificationReport(signatures=tuple(reports), unsigned_fields=unsigned, trust_root=root_name)


# --------------------------------------------------------------------------- CLI


def _fmt_time(when: _dt.datetime | None) -> str:
    if when is None:
        return "not stated"
    from zoneinfo import ZoneInfo

    local = when.astimezone(ZoneInfo(LONDON_TZ))
    return f"{local.day} {local:%B %Y}, {local:%H:%M:%S} {local.tzname()}"


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
        lines.append(f"  Issued by:      {s.issuer_common_name or 'unknown'}")
        lines.append(f"  Signed at:      {_fmt_time(s.signing_time)}")
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
        lines.append(f"  Result:         {'OK' if s.ok else 'FAILED'}")
        for p in s.problems:
            lines.append(f"  ! {p}")
    if report.unsigned_fields:
        lines.append("")
        lines.append("Unsigned signature fields: " + ", ".join(report.unsigned_fields))
    lines.append("")
    if not report.signatures:
        lines.append("Result: the PDF has no signatures.")
    else:
        lines.append("Result: ALL SIGNATURES OK" if report.all_ok else "Result: VERIFICATION FAILED")
    return "\n".join(lines)


def _emit(out: TextIO, text: str) -> None:
    try:
        print(text, file=out)
    except UnicodeEncodeError:  # e.g. a legacy Windows console code page
        enc = getattr(out, "encoding", None) or "ascii"
        print(text.encode(enc, "replace").decode(enc), file=out)


def verify_main(
    argv: Sequence[str] | None = None,
    default_ca: Path | None = None,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """``verify FILE.pdf [--ca CA.pem]``; returns the exit code (0 only if all OK)."""
    out = out or sys.stdout
    err = err or sys.stderr
    parser = argparse.ArgumentParser(
        prog="verify",
        description="Check the digital signatures in an exported supervision record PDF.",
    )
    parser.add_argument("file", metavar="FILE.pdf", help="the PDF to check")
    parser.add_argument("--ca", metavar="CA.pem", type=Path, default=None,
                        help="organisation CA certificate (PEM or DER) to trust"
                             + (f"; default {default_ca}" if default_ca else ""))
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:  # argparse already printed usage
        return EXIT_BAD_INPUT if exc.code else EXIT_OK

    ca_path: Path | None = args.ca or (Path(default_ca) if default_ca else None)
    if ca_path is None:
        _emit(err, "verify: no CA certificate given; use --ca CA.pem")
        return EXIT_BAD_INPUT
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

        ca_cert = load_certificate(ca_data)
    except ValueError:
        _emit(err, f"verify: {ca_path} is not a certificate (expected PEM or DER)")
        return EXIT_BAD_INPUT

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
    return EXIT_OK if report.all_ok else EXIT_FAILED

"""The verifier's report: what it found about each signature and document time stamp of a
record PDF (:class:`VerificationReport`, with ``all_ok`` and ``complete``), and the same in
plain words for a reader (:func:`format_report`, the text ``supervision-app verify`` prints
and the evidence pack keeps). Split out of :mod:`.verify` (issue 17), which fills it in."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

LONDON_TZ = "Europe/London"


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

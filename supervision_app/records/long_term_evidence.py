"""The long-term evidence in a record PDF for :mod:`.verify`: the certificates and revocation
lists of its Document Security Store, its document time stamps (each checked as of the next
one), and the PAdES baseline level each signature reaches (B-B, B-T, B-LT, B-LTA). Split out
of :mod:`.verify` (issue 17)."""

from __future__ import annotations

import datetime as _dt

from .ades_judgement import _AdESJudgement
from .signature_report import TimestampReport, _fmt_time
from .signed_file import _cn_of_asn1


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

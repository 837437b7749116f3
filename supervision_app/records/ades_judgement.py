"""The AdES judgement of one signature for :mod:`.verify`: pyHanko's AdES validation (ETSI EN
319 102-1) on the file's own data, with the organisation CA(s) as the only trust roots and
nothing fetched: the earliest proven time (signature time stamp, else a document time stamp
over it), whether the signer's certificate was valid and not revoked then, and whether it
was revoked since (:func:`_ades_judge`, :func:`_last_known_moment`). Split out of
:mod:`.verify` (issue 17)."""

from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass
from typing import Any, Callable


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


async def _signature_stamp_time(sig, make_spec: Callable[[], Any], moment: _dt.datetime,
                                historical: bool) -> _dt.datetime | None:
    """The time the signature's own time stamp proves, if it checks out with the settings
    ``make_spec`` makes (only when there is a stamp: most signatures have none)."""
    from pyhanko.sign.ades.report import AdESPassed
    from pyhanko.sign.validation import generic_cms
    from pyhanko.sign.validation.ades import ades_timestamp_validation
    from pyhanko_certvalidator.ltv.types import ValidationTimingInfo

    spec = None
    for token in generic_cms.extract_tst_data_iter(sig.signer_info, signed=False):
        if spec is None:
            spec = make_spec()
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
    proven_at, proven_by, evidence_record = None, "", False
    lta_verdict = None
    if long_term:
        lta_spec = _ades_spec(roots, crl_required=bool(issuer_crls), knowledge=_local_knowledge(given_crls, ()),
                              tsa_crl_required=tsa_crl_required)
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
        def with_file_data():
            return _ades_spec(roots, crl_required=bool(issuer_crls), tsa_crl_required=tsa_crl_required,
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

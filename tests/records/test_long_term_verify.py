"""Verification "as of" the proven time (issue 20). Time moves by the clock given to the
time-stamping authority and the ``at`` of verification, never by waiting.

- a certificate that expires after signing: the time-stamped record still verifies years later,
  the one without a time stamp does not;
- revoked after signing: still valid, and the report says when; revoked before signing: fails;
- renewal adds a newer document time stamp and the older ones still validate after their
  TSA certificate has expired;
- a CA rotation (and a new TSA under the new CA) between signing and verifying.
"""
from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from supervision_app.records.pdf_render import SUPERVISEE_FIELD, SUPERVISOR_FIELD, render_record_pdf
from supervision_app.records.pdf_sign import sign_pdf
from supervision_app.records.verify import format_report, verify_pdf
from supervision_app.security.pki import create_ca
from supervision_app.sync.server.archive import archive_pdf
from supervision_app.sync.server.timestamping import TimeStampAuthority, issue_tsa_certificate

from .pki import make_person
from .samples import sample_record

NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
SIGNED = NOW - dt.timedelta(days=2)
YEARS_LATER = NOW + dt.timedelta(days=3 * 365)


class Clock:
    def __init__(self, when: dt.datetime) -> None:
        self.when = when

    def __call__(self) -> dt.datetime:
        return self.when


def _tsa(ca, clock: Clock, valid_days: int = 3650) -> TimeStampAuthority:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = issue_tsa_certificate(ca, key, valid_days, not_before=NOW - dt.timedelta(days=30))
    return TimeStampAuthority(cert, key, [ca.certificate], clock=clock)


@pytest.fixture(scope="module")
def unsigned() -> bytes:
    return render_record_pdf(sample_record())


@pytest.fixture
def org():
    ca = create_ca("Exampleshire Children's Services CA", "Exampleshire Council")
    doc = sample_record()
    clock = Clock(SIGNED)
    return dict(
        ca=ca, clock=clock, tsa=_tsa(ca, clock),
        # the supervisor's certificate ends ten days from now: long before the record is read
        supervisor=make_person(ca, doc.supervisor_name, "S-1", "Team manager", valid_days=40),
        supervisee=make_person(ca, doc.supervisee_name, "S-2", "Social worker"),
    )


def _signed(org, unsigned: bytes, *, stamped: bool = True) -> bytes:
    """Supervisor signs online (signature time stamp) at SIGNED, supervisee offline."""
    ca, sup, see = org["ca"], org["supervisor"], org["supervisee"]
    first = sign_pdf(unsigned, SUPERVISOR_FIELD, sup.key, sup.cert, [ca.certificate], sup.name, "Supervisor",
                     certify=True, when=SIGNED, timestamper=org["tsa"].timestamper() if stamped else None)
    return sign_pdf(first, SUPERVISEE_FIELD, see.key, see.cert, [ca.certificate], see.name, "Supervisee",
                    certify=False, when=SIGNED + dt.timedelta(minutes=5))


def _crl_at(ca, when: dt.datetime) -> x509.CertificateRevocationList:
    """The CA's revocation list as it would be issued at ``when`` (the CA signs its CRLs with
    the wall clock; the archive step at a later time carries a CRL of that time)."""
    builder = (x509.CertificateRevocationListBuilder().issuer_name(ca.certificate.subject)
               .last_update(when - dt.timedelta(minutes=5)).next_update(when + dt.timedelta(days=7))
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.private_key.public_key()),
                              critical=False))
    for serial, revoked in ca.revoked.items():
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(revoked).build())
    return builder.sign(ca.private_key, hashes.SHA256())


def _archived(org, pdf: bytes, when: dt.datetime = NOW, tsa=None, cas=None) -> bytes:
    org["clock"].when = when
    tsa = tsa or org["tsa"]
    cas = cas or [org["ca"]]
    return archive_pdf(pdf, tsa.timestamper(),
                       certificates_=[c.certificate for c in cas] + [tsa.certificate],
                       crls=[_crl_at(c, when) for c in cas])


def test_a_time_stamped_record_verifies_years_after_the_certificate_expired(org, unsigned):
    pdf = _archived(org, _signed(org, unsigned))
    report = verify_pdf(pdf, org["ca"].certificate, at=YEARS_LATER)
    assert report.complete, format_report(report)
    supervisor, supervisee = report.signatures
    assert (supervisor.level, supervisor.proven_by, supervisor.proven_at) == ("B-LTA", "signature time stamp",
                                                                               SIGNED)
    assert (supervisee.level, supervisee.proven_by, supervisee.proven_at) == ("B-LTA", "document time stamp", NOW)
    text = format_report(report)
    assert "B-LTA" in text and "Proven to exist" in text

    # The same record with no time stamp at all proves nothing about when it was signed.
    bare = _signed(org, unsigned, stamped=False)
    late = verify_pdf(bare, org["ca"].certificate, at=YEARS_LATER)
    assert not late.all_ok
    assert late.signatures[0].level == "B-B" and not late.signatures[0].trusted


def test_revoked_after_signing_stays_valid_and_says_so(org, unsigned):
    signed = _signed(org, unsigned)
    org["ca"].revoke(org["supervisor"].cert.serial_number, SIGNED + dt.timedelta(days=1))
    report = verify_pdf(_archived(org, signed), org["ca"].certificate, at=YEARS_LATER)
    assert report.complete, format_report(report)
    supervisor = report.signatures[0]
    assert supervisor.revoked_at == SIGNED + dt.timedelta(days=1) and supervisor.revoked_after_signing
    assert "Revoked since" in format_report(report) and "after it was signed" in format_report(report)


def test_revoked_before_signing_fails(org, unsigned):
    # The laptop did not know yet (no revocation list given when signing); the archive does.
    org["ca"].revoke(org["supervisor"].cert.serial_number, SIGNED - dt.timedelta(days=1))
    report = verify_pdf(_archived(org, _signed(org, unsigned)), org["ca"].certificate)
    assert not report.all_ok
    supervisor = report.signatures[0]
    assert not supervisor.ok and supervisor.revoked and not supervisor.revoked_after_signing
    assert any("before the signature was proven to exist" in p for p in supervisor.problems), supervisor.problems


def test_renewal_keeps_older_time_stamps_valid_after_their_authority_expired(org, unsigned):
    short_lived = _tsa(org["ca"], org["clock"], valid_days=400)
    first = _archived(org, _signed(org, unsigned), tsa=short_lived)
    renewed = _archived(org, first, when=NOW + dt.timedelta(days=300))  # before it expires
    assert renewed.startswith(first)
    after_expiry = NOW + dt.timedelta(days=800)
    # Without renewal, the only document time stamp's authority has expired by then.
    stale = verify_pdf(first, org["ca"].certificate, at=after_expiry)
    assert not stale.document_timestamps[0].ok
    report = verify_pdf(renewed, org["ca"].certificate, at=after_expiry)
    assert [ts.ok for ts in report.document_timestamps] == [True, True], report.document_timestamps
    assert report.complete and all(s.level == "B-LTA" for s in report.signatures), format_report(report)


def test_a_ca_rotation_between_signing_and_verifying(org, unsigned):
    pdf = _archived(org, _signed(org, unsigned))
    new_ca = create_ca("Exampleshire Children's Services CA 2", "Exampleshire Council")
    new_tsa = _tsa(new_ca, org["clock"])
    renewed = _archived(org, pdf, when=NOW + dt.timedelta(days=30), tsa=new_tsa, cas=[org["ca"], new_ca])
    # The verifier holds the new CA and the one it replaced (the evidence pack carries both).
    report = verify_pdf(renewed, [new_ca.certificate, org["ca"].certificate], at=YEARS_LATER)
    assert report.complete, format_report(report)
    assert [ts.authority for ts in report.document_timestamps] == [
        org["tsa"].certificate.subject.rfc4514_string().split("CN=")[1].split(",")[0],
        new_tsa.certificate.subject.rfc4514_string().split("CN=")[1].split(",")[0]]
    # Trusting only the new CA, the old signatures cannot be checked: it says by whom they were issued.
    only_new = verify_pdf(renewed, new_ca.certificate, at=YEARS_LATER)
    assert not only_new.all_ok
    assert 'issued by "Exampleshire Children\'s Services CA", not by' in only_new.signatures[0].problems[-1]

"""`verify` decides with pyHanko's AdES validation on the file's own data (issue 20).

Time moves by the clock given to the time-stamping authority and the ``at`` of verification,
never by waiting. The scenarios of the issue (expired certificate, revoked after and before
signing, a B-LTA record from the archive step) are checked for pyHanko's AdES indication as
well as the plain words; two cases show where the project's own reading of the embedded data
answered wrongly before:

- a revocation list in the file that the organisation's CA never signed (names the CA, lists
  the supervisor's certificate as revoked after signing): the old reading parsed revocation
  dates out of any list naming the CA and printed "Revoked since"; pyHanko checks the list's
  signature and ignores it;
- an archive whose only revocation list is another authority's (an external time-stamping
  authority's CA): the old reading demanded a revocation list for every certificate once the
  file held any, and failed a good signature as untrusted.

And the check works offline: no socket is opened.
"""
from __future__ import annotations

import datetime as dt
import socket

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from supervision_app.records.verify import format_report, verify_main, verify_pdf
from supervision_app.security.pki import create_ca
from supervision_app.sync.server.archive import archive_pdf

from . import test_long_term_verify as long_term
from .test_long_term_verify import NOW, SIGNED, YEARS_LATER, _archived, _crl_at, _signed

# the PKI, time-stamping authority and record of the long-term tests
org = long_term.org
unsigned = long_term.unsigned


@pytest.fixture
def offline(monkeypatch):
    """Any attempt to reach the network fails the test."""
    def refuse(*_args, **_kwargs):
        raise AssertionError("verification tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_b_lta_from_the_archive_step_passes_ades_offline_years_after_expiry(org, unsigned, offline):
    pdf = _archived(org, _signed(org, unsigned))
    report = verify_pdf(pdf, org["ca"].certificate, at=YEARS_LATER)
    assert report.complete, format_report(report)
    supervisor, supervisee = report.signatures
    assert [s.ades_indication for s in report.signatures] == ["PASSED", "PASSED"]
    assert (supervisor.level, supervisor.proven_by, supervisor.proven_at) == ("B-LTA", "signature time stamp",
                                                                               SIGNED)
    # signed offline: proven by the archive's document time stamp
    assert (supervisee.level, supervisee.proven_by, supervisee.proven_at) == ("B-LTA", "document time stamp", NOW)
    assert "AdES result:    PASSED" in format_report(report)


def test_expired_without_proof_of_time_is_not_passed_by_ades(org, unsigned):
    bare = _signed(org, unsigned, stamped=False)
    report = verify_pdf(bare, org["ca"].certificate, at=YEARS_LATER)
    assert not report.all_ok
    supervisor = report.signatures[0]
    assert supervisor.level == "B-B" and not supervisor.trusted
    assert supervisor.ades_indication.startswith("INDETERMINATE"), supervisor.ades_indication


def test_revoked_after_signing_passes_ades_and_says_when(org, unsigned):
    signed = _signed(org, unsigned)
    org["ca"].revoke(org["supervisor"].cert.serial_number, SIGNED + dt.timedelta(days=1))
    report = verify_pdf(_archived(org, signed), org["ca"].certificate, at=YEARS_LATER)
    assert report.complete, format_report(report)
    supervisor = report.signatures[0]
    assert supervisor.ades_indication == "PASSED"
    assert supervisor.revoked_at == SIGNED + dt.timedelta(days=1) and supervisor.revoked_after_signing
    assert "after it was signed: the signature stays valid" in format_report(report)


@pytest.mark.parametrize("verified_at", [NOW + dt.timedelta(days=1), YEARS_LATER],
                         ids=["certificate still current", "certificate expired since"])
def test_revoked_before_signing_fails_ades(org, unsigned, verified_at):
    # Once the certificate has expired, pyHanko 0.38's long-term procedure alone would pass
    # this signature (it checks expiry before revocation): the AdES basic validation at the
    # proven time is what fails it.
    org["ca"].revoke(org["supervisor"].cert.serial_number, SIGNED - dt.timedelta(days=1))
    report = verify_pdf(_archived(org, _signed(org, unsigned)), org["ca"].certificate, at=verified_at)
    assert not report.all_ok
    supervisor = report.signatures[0]
    assert not supervisor.ok and supervisor.revoked and not supervisor.trusted
    assert supervisor.ades_indication != "PASSED", supervisor.ades_indication
    assert supervisor.revoked_at == SIGNED - dt.timedelta(days=1)
    assert any("before the signature was proven to exist" in p for p in supervisor.problems), supervisor.problems


def _forged_crl(ca, revoked_serial: int, revoked_on: dt.datetime, when: dt.datetime):
    """A revocation list that names the organisation's CA as issuer but is signed by someone else."""
    impostor = ec.generate_private_key(ec.SECP256R1())
    return (x509.CertificateRevocationListBuilder().issuer_name(ca.certificate.subject)
            .last_update(when - dt.timedelta(minutes=1)).next_update(when + dt.timedelta(days=7))
            .add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(revoked_serial)
                                     .revocation_date(revoked_on).build())
            .sign(impostor, hashes.SHA256()))


def test_a_revocation_list_the_ca_did_not_sign_says_nothing(org, unsigned):
    signed = _signed(org, unsigned)
    ca, tsa = org["ca"], org["tsa"]
    org["clock"].when = NOW
    forged = _forged_crl(ca, org["supervisor"].cert.serial_number, SIGNED + dt.timedelta(hours=1), NOW)
    pdf = archive_pdf(signed, tsa.timestamper(), certificates_=[ca.certificate, tsa.certificate],
                      crls=[_crl_at(ca, NOW), forged])
    report = verify_pdf(pdf, ca.certificate, at=YEARS_LATER)
    assert report.complete, format_report(report)
    supervisor = report.signatures[0]
    # The old reading took the date out of the forged list: "Revoked since ..., after it was signed".
    assert supervisor.revoked_at is None and not supervisor.revoked
    assert "Revoked since" not in format_report(report)


def test_another_authoritys_revocation_list_does_not_fail_a_good_signature(org, unsigned):
    signed = _signed(org, unsigned)
    ca, tsa = org["ca"], org["tsa"]
    external = create_ca("Commercial Time-Stamping Root", "Timestamps Ltd")
    org["clock"].when = NOW
    pdf = archive_pdf(signed, tsa.timestamper(), certificates_=[ca.certificate, tsa.certificate],
                      crls=[_crl_at(external, NOW)])
    report = verify_pdf(pdf, ca.certificate, at=NOW + dt.timedelta(days=1))
    # The old reading required a revocation list for the signer as soon as the file held one,
    # found none from the signer's CA and failed both signatures as untrusted.
    assert report.complete, format_report(report)
    assert [s.ades_indication for s in report.signatures] == ["PASSED", "PASSED"]
    # Nothing in the file says whether the signers' certificates were revoked: time stamped,
    # but not B-LT (the old reading called any DSS with any revocation list B-LT).
    assert [s.level for s in report.signatures] == ["B-T", "B-T"]


def test_verify_command_prints_the_ades_result(org, unsigned, tmp_path, capsys):
    pdf = tmp_path / "record.pdf"
    pdf.write_bytes(_archived(org, _signed(org, unsigned)))
    ca_path = tmp_path / "ca.pem"
    ca_path.write_bytes(org["ca"].certificate_pem())
    assert verify_main([str(pdf), "--ca", str(ca_path)]) == 0
    out = capsys.readouterr().out
    assert out.count("AdES result:    PASSED") == 2 and "Proven to exist" in out and "B-LTA" in out


def test_a_signature_made_weeks_after_the_archive_step_is_not_held_to_its_old_revocation_list(org, unsigned):
    """The supervisor's offline copy is stamped at sync (a DSS with the CA's list, current for
    a week); the supervisee signs on top a month later. The list cannot say anything of that
    time: the supervisee's signature is judged without it (on the laptop, and in the server's
    check at the signing time), as it was before the AdES path."""
    from supervision_app.records.pdf_render import SUPERVISEE_FIELD, SUPERVISOR_FIELD
    from supervision_app.records.pdf_sign import sign_pdf
    from supervision_app.records.verify import read_pdf, verify_parsed_pdf

    ca, sup, see = org["ca"], org["supervisor"], org["supervisee"]
    first = sign_pdf(unsigned, SUPERVISOR_FIELD, sup.key, sup.cert, [ca.certificate], sup.name, "Supervisor",
                     certify=True, when=SIGNED)
    stamped = _archived(org, first, when=SIGNED + dt.timedelta(hours=1))
    month_later = SIGNED + dt.timedelta(days=30)
    pdf = sign_pdf(stamped, SUPERVISEE_FIELD, see.key, see.cert, [ca.certificate], see.name, "Supervisee",
                   certify=False, when=month_later)
    report = verify_pdf(pdf, ca.certificate, at=month_later + dt.timedelta(days=1))
    assert report.complete, format_report(report)
    assert [s.ades_indication for s in report.signatures] == ["PASSED", "PASSED"]
    server_check = verify_parsed_pdf(read_pdf(pdf), pdf, [ca.certificate], at=month_later, long_term=False)
    assert server_check.all_ok, format_report(server_check)


def test_a_signer_enrolled_after_the_cas_last_list_is_judged_from_their_signature_on(org, unsigned, caplog):
    """A team manager enrolled after the CA last issued its revocation list (the server's
    list changes only when someone is revoked) signs offline; the server stamps the copy at
    sync with that older list. Their certificate was judged as of the list's issue, before
    it existed: pyHanko logged the NotYetValidError with a traceback into the server log at
    every such push (and at the supervisee's on top). Nothing that old can say it was revoked
    since the proven time: no such check, no traceback, the signature passes."""
    import logging

    from supervision_app.records.pdf_render import SUPERVISOR_FIELD
    from supervision_app.records.pdf_sign import sign_pdf
    from supervision_app.records.verify import read_pdf, verify_parsed_pdf

    from .pki import make_person
    from .test_long_term_verify import sample_record

    ca, tsa = org["ca"], org["tsa"]
    enrolled = SIGNED
    manager = make_person(ca, sample_record().supervisor_name, "S-9", "Team manager", not_before=enrolled)
    older_list = _crl_at(ca, enrolled - dt.timedelta(days=1))  # still current for six days
    first = sign_pdf(unsigned, SUPERVISOR_FIELD, manager.key, manager.cert, [ca.certificate], manager.name,
                     "Supervisor", certify=True, when=enrolled + dt.timedelta(hours=1))
    org["clock"].when = enrolled + dt.timedelta(hours=2)
    stamped = archive_pdf(first, tsa.timestamper(), certificates_=[ca.certificate, tsa.certificate],
                          crls=[older_list])
    with caplog.at_level(logging.WARNING):
        server_check = verify_parsed_pdf(read_pdf(stamped), stamped, [ca.certificate],
                                         at=enrolled + dt.timedelta(hours=3), long_term=False)
        report = verify_pdf(stamped, ca.certificate, at=enrolled + dt.timedelta(hours=3))
    for checked in (server_check, report):
        assert checked.all_ok, format_report(checked)
        (supervisor,) = checked.signatures
        assert supervisor.ades_indication == "PASSED" and supervisor.proven_by == "document time stamp"
        assert supervisor.revoked_at is None
    logged = [(r.name, r.getMessage()) for r in caplog.records if r.exc_info or "not valid until" in r.getMessage()]
    assert logged == []

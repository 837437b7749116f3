"""PAdES signing with pyHanko and verification against the organisation CA."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import io
import shutil
import subprocess

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from supervision_app.records.pdf_render import (
    AUTHOR_FIELD,
    SUPERVISEE_FIELD,
    SUPERVISOR_FIELD,
    render_oversight_pdf,
)
from supervision_app.records.pdf_sign import PdfSigningError, sign_pdf, signature_field_names
from supervision_app.records.verify import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_INCOMPLETE,
    EXIT_NO_SIGNATURES,
    EXIT_OK,
    format_report,
    verify_main,
    verify_pdf,
)
from supervision_app.security.pki import CertificateUnusable, create_ca

from .pki import SIGN_TIME_1, SIGN_TIME_2, make_person
from .samples import sample_oversight


def asn1(cert):
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding

    return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))


def run_cli(args, default_ca=None):
    out, err = io.StringIO(), io.StringIO()
    code = verify_main(args, default_ca, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


# --------------------------------------------------------------------------- happy path


def test_both_signatures_validate_with_pyhanko(pki, both_signed):
    reader = PdfFileReader(io.BytesIO(both_signed))
    sigs = reader.embedded_signatures
    assert [s.field_name for s in sigs] == [SUPERVISOR_FIELD, SUPERVISEE_FIELD]
    vc = ValidationContext(trust_roots=[asn1(pki.ca.certificate)])
    first = validate_pdf_signature(sigs[0], vc)
    second = validate_pdf_signature(sigs[1], ValidationContext(trust_roots=[asn1(pki.ca.certificate)]))
    for status in (first, second):
        assert status.intact and status.valid and status.trusted
        assert status.bottom_line
    # supervisor: certification signature; only the supervisee's signing came after it
    assert sigs[0].docmdp_level is not None and int(sigs[0].docmdp_level.value) == 2
    assert first.modification_level == ModificationLevel.FORM_FILLING and first.docmdp_ok
    assert second.modification_level == ModificationLevel.NONE
    assert first.signer_reported_dt == SIGN_TIME_1
    assert second.signer_reported_dt == SIGN_TIME_2
    # PAdES: ETSI.CAdES.detached with the CA chain embedded
    for s in sigs:
        assert s.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
        embedded = [c.dump() for c in s.other_embedded_certs]
        assert asn1(pki.ca.certificate).dump() in embedded


def test_supervisee_signature_is_an_incremental_update(supervisor_signed, both_signed):
    assert both_signed.startswith(supervisor_signed)
    assert signature_field_names(supervisor_signed) == {SUPERVISOR_FIELD: True, SUPERVISEE_FIELD: False}
    assert signature_field_names(both_signed) == {SUPERVISOR_FIELD: True, SUPERVISEE_FIELD: True}


def test_verify_pdf_reports_all_ok(pki, both_signed):
    report = verify_pdf(both_signed, pki.ca.certificate)
    assert report.all_ok and report.error is None and not report.unsigned_fields
    first, second = report.signatures
    assert (first.field_name, first.signer_common_name) == (SUPERVISOR_FIELD, "Łukasz Nowak-Siân")
    assert (second.field_name, second.signer_common_name) == (SUPERVISEE_FIELD, "Zoë Ødegård")
    assert first.certification and not second.certification
    for s in report.signatures:
        assert s.intact and s.valid and s.trusted and s.ok and not s.problems
        assert not s.disallowed_changes_after
    assert first.modified_after and not second.modified_after
    assert first.signing_time == SIGN_TIME_1 and second.signing_time == SIGN_TIME_2


def test_half_signed_record_is_ok_with_an_unsigned_field(pki, supervisor_signed):
    report = verify_pdf(supervisor_signed, pki.ca.certificate)
    assert report.all_ok
    assert report.unsigned_fields == (SUPERVISEE_FIELD,)


def test_verify_main_ok(both_signed, ca_pem_path, tmp_path):
    pdf = tmp_path / "record.pdf"
    pdf.write_bytes(both_signed)
    code, out, err = run_cli([str(pdf), "--ca", str(ca_pem_path)])
    assert code == EXIT_OK, out + err
    assert out.count("Result:         OK") == 2
    assert "Łukasz Nowak-Siân" in out and "Zoë Ødegård" in out
    assert "ALL SIGNATURES OK" in out
    # the default CA path is used when --ca is absent
    assert run_cli([str(pdf)], default_ca=ca_pem_path)[0] == EXIT_OK


def test_visible_appearance_shows_name_role_and_time(both_signed):
    last = PdfReader(io.BytesIO(both_signed)).pages[-1]
    names = []
    for annot in last["/Annots"]:
        a = annot.get_object()
        if a.get("/FT") == "/Sig":
            assert "/AP" in a and a["/V"] is not None
            names.append(a["/T"])
    assert sorted(names) == sorted([SUPERVISOR_FIELD, SUPERVISEE_FIELD])


# --------------------------------------------------------------------------- tampering


def _tamper_signed_byte(pdf: bytes) -> bytes:
    """Change one byte inside the first signed range (inside an early content stream)."""
    pos = pdf.index(b"stream", 200) + 40
    data = bytearray(pdf)
    data[pos] = (data[pos] + 1) % 256
    return bytes(data)


def test_changed_byte_in_signed_range_fails(pki, both_signed, ca_pem_path, tmp_path):
    tampered = _tamper_signed_byte(both_signed)
    sigs = PdfFileReader(io.BytesIO(tampered), strict=False).embedded_signatures
    status = validate_pdf_signature(sigs[0], ValidationContext(trust_roots=[asn1(pki.ca.certificate)]))
    assert not status.intact and not status.bottom_line
    report = verify_pdf(tampered, pki.ca.certificate)
    assert not report.all_ok
    assert all(not s.intact for s in report.signatures)
    assert "altered" in report.signatures[0].problems[0]
    path = tmp_path / "tampered.pdf"
    path.write_bytes(tampered)
    code, out, _ = run_cli([str(path), "--ca", str(ca_pem_path)])
    assert code == EXIT_FAILED and "VERIFICATION FAILED" in out


def _append_content_update(pdf: bytes) -> bytes:
    w = IncrementalPdfFileWriter(io.BytesIO(pdf))
    stream = generic.StreamObject(stream_data=b"BT /F1 28 Tf 120 400 Td (APPROVED BY DIRECTOR) Tj ET")
    w.add_stream_to_page(0, w.add_object(stream))
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def _append_catalog_update(pdf: bytes) -> bytes:
    w = IncrementalPdfFileWriter(io.BytesIO(pdf))
    w.root["/PageMode"] = generic.NameObject("/UseNone")
    w.update_root()
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


@pytest.mark.parametrize("append", [_append_content_update, _append_catalog_update])
def test_incremental_change_after_last_signature_is_reported(pki, both_signed, ca_pem_path, tmp_path, append):
    changed = append(both_signed)
    assert changed.startswith(both_signed)
    report = verify_pdf(changed, pki.ca.certificate)
    assert not report.all_ok
    last = report.signatures[-1]
    assert last.intact and last.valid and last.trusted  # the signed bytes themselves are fine...
    assert last.modified_after and last.disallowed_changes_after and not last.ok  # ...but not the file
    assert any("changed after this signature" in p for p in last.problems)
    path = tmp_path / "changed.pdf"
    path.write_bytes(changed)
    code, out, _ = run_cli([str(path), "--ca", str(ca_pem_path)])
    assert code != EXIT_OK and "Changed after:  YES" in out


def test_change_between_signatures_is_reported(pki, supervisor_signed):
    """A sneaky update before the supervisee signs is caught on the supervisor's signature."""
    sneaky = _append_content_update(supervisor_signed)
    s = pki.supervisee
    both = sign_pdf(sneaky, SUPERVISEE_FIELD, s.key, s.cert, pki.chain, s.name, "Supervisee", certify=False)
    report = verify_pdf(both, pki.ca.certificate)
    assert not report.all_ok
    first, second = report.signatures
    assert first.disallowed_changes_after and not first.ok
    assert second.ok


# --------------------------------------------------------------------------- trust


def test_signature_by_another_ca_is_untrusted(pki, supervisor_signed, ca_pem_path, tmp_path):
    rogue_ca = create_ca("Rogue CA", "Elsewhere")
    mallory = make_person(rogue_ca, "Zoë Ødegård", "EX0002", "Social worker")  # same name, wrong CA
    forged = sign_pdf(supervisor_signed, SUPERVISEE_FIELD, mallory.key, mallory.cert, [rogue_ca.certificate],
                      mallory.name, "Supervisee", certify=False)
    sigs = PdfFileReader(io.BytesIO(forged)).embedded_signatures
    status = validate_pdf_signature(sigs[1], ValidationContext(trust_roots=[asn1(pki.ca.certificate)]))
    assert status.intact and status.valid and not status.trusted
    report = verify_pdf(forged, pki.ca.certificate)
    assert not report.all_ok
    assert report.signatures[0].ok
    bad = report.signatures[1]
    assert bad.intact and bad.valid and not bad.trusted
    assert "Rogue CA" in bad.problems[0]
    path = tmp_path / "forged.pdf"
    path.write_bytes(forged)
    assert run_cli([str(path), "--ca", str(ca_pem_path)])[0] == EXIT_FAILED
    # ...and it is trusted only by its own CA
    assert verify_pdf(forged, rogue_ca.certificate).signatures[1].trusted


def test_expired_certificate_cannot_sign(pki, unsigned_pdf):
    now = dt.datetime.now(dt.timezone.utc)
    old = make_person(pki.ca, "Siân Expired", "EX0009", "Team manager", valid_days=30,
                      not_before=now - dt.timedelta(days=90))
    with pytest.raises(CertificateUnusable, match="expired"):
        sign_pdf(unsigned_pdf, SUPERVISOR_FIELD, old.key, old.cert, pki.chain, old.name, "Supervisor", True)


def test_revoked_certificate_cannot_sign(unsigned_pdf):
    ca = create_ca("Revoking CA", "Exampleshire Council")
    person = make_person(ca, "Revoked Manager", "EX0010", "Team manager")
    ca.revoke(person.cert.serial_number)
    with pytest.raises(CertificateUnusable, match="revoked"):
        sign_pdf(unsigned_pdf, SUPERVISOR_FIELD, person.key, person.cert, [ca.certificate], person.name,
                 "Supervisor", True, crl=ca.crl())


def test_revoked_certificate_is_reported_by_verify_with_crl(pki, unsigned_pdf):
    ca = create_ca("Revoking CA 2", "Exampleshire Council")
    person = make_person(ca, pki.supervisor.name, "EX0011", "Team manager")  # the record's supervisor
    signed = sign_pdf(unsigned_pdf, SUPERVISOR_FIELD, person.key, person.cert, [ca.certificate], person.name,
                      "Supervisor", True)
    assert verify_pdf(signed, ca.certificate, crl=ca.crl()).all_ok
    ca.revoke(person.cert.serial_number)
    report = verify_pdf(signed, ca.certificate, crl=ca.crl())
    assert not report.all_ok and not report.signatures[0].trusted
    assert report.signatures[0].revoked and "revoked" in report.signatures[0].problems[0]


def test_key_must_match_certificate(pki, unsigned_pdf):
    s = pki.supervisor
    with pytest.raises(PdfSigningError, match="does not belong"):
        sign_pdf(unsigned_pdf, SUPERVISOR_FIELD, pki.supervisee.key, s.cert, pki.chain, s.name, "Supervisor", True)


def test_unknown_or_used_field_is_refused(pki, unsigned_pdf, both_signed):
    s = pki.supervisor
    with pytest.raises(PdfSigningError, match="no signature field named"):
        sign_pdf(unsigned_pdf, "Nope", s.key, s.cert, pki.chain, s.name, "Supervisor", True)
    with pytest.raises(PdfSigningError, match="already signed"):
        sign_pdf(both_signed, SUPERVISOR_FIELD, s.key, s.cert, pki.chain, s.name, "Supervisor", False)
    with pytest.raises(PdfSigningError, match="not a PDF"):
        sign_pdf(b"hello", SUPERVISOR_FIELD, s.key, s.cert, pki.chain, s.name, "Supervisor", True)


# --------------------------------------------------------------------------- oversight, threads


def test_oversight_note_sign_and_verify(pki):
    pdf = render_oversight_pdf(sample_oversight())
    s = pki.supervisor
    signed = sign_pdf(pdf, AUTHOR_FIELD, s.key, s.cert, pki.chain, s.name, "Team manager", certify=True)
    report = verify_pdf(signed, pki.ca.certificate)
    assert report.all_ok and report.signatures[0].certification


def test_signing_is_thread_safe_and_works_inside_an_event_loop(pki, unsigned_pdf):
    s = pki.supervisor

    def job(_):
        return sign_pdf(unsigned_pdf, SUPERVISOR_FIELD, s.key, s.cert, pki.chain, s.name, "Supervisor", True)

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(job, range(4)))
    for pdf in results:
        assert verify_pdf(pdf, pki.ca.certificate).all_ok

    async def inside_loop():
        return job(0), verify_pdf(job(0), pki.ca.certificate)

    signed, report = asyncio.run(inside_loop())
    assert report.all_ok


@pytest.fixture
def signing_attempts(monkeypatch) -> list:
    """The room each signing attempt reserved (None: pyHanko's dry run measured it)."""
    import supervision_app.records.pdf_sign as pdf_sign

    attempts: list = []
    real = pdf_sign._TimedPdfSigner.sign_pdf

    def counted(self, *args, **kwargs):
        attempts.append(kwargs.get("bytes_reserved"))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pdf_sign._TimedPdfSigner, "sign_pdf", counted)
    return attempts


def test_too_small_reservation_falls_back_to_measuring(pki, unsigned_pdf, monkeypatch, signing_attempts):
    import supervision_app.records.pdf_sign as pdf_sign

    monkeypatch.setattr(pdf_sign, "_CMS_OVERHEAD", -1000)
    s = pki.supervisor
    signed = sign_pdf(unsigned_pdf, SUPERVISOR_FIELD, s.key, s.cert, pki.chain, s.name, "Supervisor", True)
    assert verify_pdf(signed, pki.ca.certificate).all_ok
    assert len(signing_attempts) == 2 and signing_attempts[-1] is None


@pytest.mark.parametrize("ca_name, organisation", [
    ("A", "B"),
    ("Exampleshire Children's Services CA", "Exampleshire Council"),
    ("€" * 21, "𝄞" * 64),  # the longest names in DER a CA can have
], ids=["short", "usual", "longest"])
@pytest.mark.parametrize("curve", ["secp256r1", "secp521r1"])
def test_the_room_reserved_fits_the_signature_with_little_padding(unsigned_pdf, signing_attempts, ca_name,
                                                                   organisation, curve):
    """Readers parse the reserved hex, padding included (issue 16; pyHanko's own reader a
    character at a time): the room is worked out from the certificates, the issuer's name and
    the key, so that it fits without pyHanko's dry run, with a few dozen bytes to spare (a
    flat allowance left ~550)."""
    from asn1crypto import cms
    from cryptography.hazmat.primitives.asymmetric import ec

    from supervision_app.security.pki import make_csr

    ca = create_ca(ca_name, organisation)
    key = ec.generate_private_key(ec.SECP256R1() if curve == "secp256r1" else ec.SECP521R1())
    cert = ca.issue_user_certificate(make_csr(key, "Łukasz"), "Ł" * 32, "E" * 64, "R" * 64)
    signed = sign_pdf(unsigned_pdf, SUPERVISOR_FIELD, key, cert, [ca.certificate], "Ł" * 32, "Supervisor", True)
    assert len(signing_attempts) == 1 and signing_attempts[0] is not None
    contents = PdfFileReader(io.BytesIO(signed)).embedded_regular_signatures[0].pkcs7_content
    padding = len(contents) - len(cms.ContentInfo.load(contents).dump())
    assert 16 <= padding <= 160


# --------------------------------------------------------------------------- CLI errors


def test_verify_main_input_errors(unsigned_pdf, ca_pem_path, tmp_path):
    code, _, err = run_cli([str(tmp_path / "missing.pdf"), "--ca", str(ca_pem_path)])
    assert code == EXIT_BAD_INPUT and "file not found" in err

    text = tmp_path / "notes.pdf"
    text.write_text("just some text, not a PDF")
    code, _, err = run_cli([str(text), "--ca", str(ca_pem_path)])
    assert code == EXIT_BAD_INPUT and "not a PDF" in err

    unsigned = tmp_path / "unsigned.pdf"
    unsigned.write_bytes(unsigned_pdf)
    code, out, err = run_cli([str(unsigned), "--ca", str(ca_pem_path)])
    assert code == EXIT_NO_SIGNATURES and "no signatures" in err
    assert "SupervisorSignature" in out  # lists the empty fields

    code, _, err = run_cli([str(unsigned), "--ca", str(tmp_path / "no-ca.pem")])
    assert code == EXIT_BAD_INPUT and "CA certificate not found" in err
    code, _, err = run_cli([str(unsigned)])
    assert code == EXIT_BAD_INPUT and "no CA certificate" in err
    code, _, err = run_cli([str(unsigned), "--ca", str(text)])
    assert code == EXIT_BAD_INPUT and "not a certificate" in err
    code, _, err = run_cli([])
    assert code == EXIT_BAD_INPUT


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils pdfsig not installed")
def test_pdfsig_sees_both_signatures(both_signed, tmp_path):
    path = tmp_path / "signed.pdf"
    path.write_bytes(both_signed)
    result = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60)
    out = result.stdout
    assert "Signature #1" in out and "Signature #2" in out
    assert out.count("Signature Validation: Signature is Valid.") == 2
    assert "ETSI.CAdES.detached" in out
    assert "Total document signed" in out


@pytest.mark.skipif(shutil.which("pdfsig") is None or shutil.which("certutil") is None,
                    reason="pdfsig or NSS certutil not installed")
def test_pdfsig_trusts_both_signatures_with_our_ca(both_signed, ca_pem_path, tmp_path):
    nss = tmp_path / "nss"
    nss.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True, timeout=60,
                   capture_output=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{nss}", "-n", "org-ca", "-t", "CT,C,C", "-i",
                    str(ca_pem_path)], check=True, timeout=60, capture_output=True)
    path = tmp_path / "signed.pdf"
    path.write_bytes(both_signed)
    out = subprocess.run(["pdfsig", "-nssdir", f"sql:{nss}", str(path)], capture_output=True, text=True,
                         timeout=60).stdout
    assert out.count("Certificate Validation: Certificate is Trusted.") == 2, out


# --------------------------------------------------------------------------- whole file, right people


def _sign_new_invisible_field(pdf: bytes, person, chain, field: str = "Witness") -> bytes:
    """What a colleague could do with pyHanko: add a signature field of their own and sign it."""
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from supervision_app.records.pdf_sign import _to_asn1_key

    signer = signers.SimpleSigner(signing_cert=asn1(person.cert), signing_key=_to_asn1_key(person.key),
                                  cert_registry=SimpleCertificateStore.from_certs([asn1(c) for c in chain]))
    out = signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)),
        signers.PdfSignatureMetadata(field_name=field, subfilter=fields.SigSeedSubFilter.PADES),
        signer=signer, new_field_spec=fields.SigFieldSpec(field),
    )
    return out.getvalue()


@pytest.mark.parametrize("tail", [b"\n% not signed by anyone\n", b"\n99 0 obj\n(APPROVED BY DIRECTOR)\nendobj\n"])
def test_bytes_appended_after_the_last_signature_fail(pki, both_signed, ca_pem_path, tmp_path, tail):
    report = verify_pdf(both_signed + tail, pki.ca.certificate)
    assert not report.all_ok
    last = report.signatures[-1]
    assert last.intact and last.valid and last.trusted and not last.ok
    assert any("added after the last signature and are covered by no signature" in p for p in last.problems)
    path = tmp_path / "appended.pdf"
    path.write_bytes(both_signed + tail)
    code, out, _ = run_cli([str(path), "--ca", str(ca_pem_path)])
    assert code == EXIT_FAILED and "VERIFICATION FAILED" in out and "covered by no signature" in out


def test_an_extra_signature_by_another_colleague_fails(pki, both_signed, ca_pem_path, tmp_path):
    colleague = make_person(pki.ca, "Priya Colleague", "EX0042", "Social worker")
    extra = _sign_new_invisible_field(both_signed, colleague, pki.chain)
    report = verify_pdf(extra, pki.ca.certificate)
    assert not report.all_ok
    first, second, third = report.signatures
    assert first.ok and second.ok  # the real signatures still check out...
    assert third.intact and third.valid and third.trusted and not third.right_signer and not third.ok
    assert third.problems == (
        "This signature by Priya Colleague is in a field (Witness) the document does not have for a "
        "signer; only the supervisor, Łukasz Nowak-Siân and the supervisee, Zoë Ødegård sign it.",)
    path = tmp_path / "extra.pdf"
    path.write_bytes(extra)
    code, out, _ = run_cli([str(path), "--ca", str(ca_pem_path)])
    assert code == EXIT_FAILED and "Priya Colleague" in out and "ALL SIGNATURES OK" not in out


def test_a_colleague_signing_in_the_supervisees_place_fails(pki, supervisor_signed):
    colleague = make_person(pki.ca, "Priya Colleague", "EX0042", "Social worker")
    signed = sign_pdf(supervisor_signed, SUPERVISEE_FIELD, colleague.key, colleague.cert, pki.chain,
                      colleague.name, "Supervisee", certify=False)
    report = verify_pdf(signed, pki.ca.certificate)
    assert not report.all_ok
    bad = report.signatures[1]
    assert bad.trusted and not bad.right_signer
    assert "This field is for the supervisee, Zoë Ødegård, but it was signed by Priya Colleague." in bad.problems


def test_an_oversight_note_signed_by_someone_other_than_its_author_fails(pki):
    pdf = render_oversight_pdf(sample_oversight())
    s = pki.supervisee  # the note names the supervisor's name as author (see samples)
    signed = sign_pdf(pdf, AUTHOR_FIELD, s.key, s.cert, pki.chain, s.name, "Team manager", certify=True)
    report = verify_pdf(signed, pki.ca.certificate)
    assert not report.all_ok and not report.signatures[0].right_signer
    assert "This field is for the author" in report.signatures[0].problems[0]


def test_renaming_the_supervisee_in_a_later_update_does_not_change_who_must_sign(pki, supervisor_signed):
    """The names come from the revision the first signature covers, not from later updates."""
    colleague = make_person(pki.ca, "Priya Colleague", "EX0042", "Social worker")
    w = IncrementalPdfFileWriter(io.BytesIO(supervisor_signed))
    info = w.trailer["/Info"]
    info["/Title"] = generic.TextStringObject("Supervision record: Priya Colleague")
    w.update_container(info)
    out = io.BytesIO()
    w.write(out)
    signed = sign_pdf(out.getvalue(), SUPERVISEE_FIELD, colleague.key, colleague.cert, pki.chain,
                      colleague.name, "Supervisee", certify=False)
    report = verify_pdf(signed, pki.ca.certificate)
    assert not report.all_ok and not report.signatures[1].right_signer


def test_half_signed_record_says_who_still_has_to_sign(pki, supervisor_signed, ca_pem_path, tmp_path):
    report = verify_pdf(supervisor_signed, pki.ca.certificate)
    assert report.all_ok and not report.complete
    assert report.awaiting == ("the supervisee, Zoë Ødegård",)
    path = tmp_path / "half.pdf"
    path.write_bytes(supervisor_signed)
    code, out, _ = run_cli([str(path), "--ca", str(ca_pem_path)])
    assert code == EXIT_INCOMPLETE
    assert "NOT FULLY SIGNED: still to sign: the supervisee, Zoë Ødegård" in out
    assert "ALL SIGNATURES OK" not in out


def _timestamper():
    """A test time-stamping authority of its own (pyHanko's DummyTimeStamper)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    from pyhanko.sign.timestamps import DummyTimeStamper

    from supervision_app.records.pdf_sign import _to_asn1_key

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # the dummy TSA is RSA-only
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .sign(key, hashes.SHA256()))
    return DummyTimeStamper(tsa_cert=asn1(cert), tsa_key=_to_asn1_key(key))


def test_a_later_document_timestamp_is_allowed(pki, both_signed, ca_pem_path, tmp_path):
    from pyhanko.sign.signers import PdfTimeStamper

    out = PdfTimeStamper(_timestamper()).timestamp_pdf(
        IncrementalPdfFileWriter(io.BytesIO(both_signed)), "sha256")
    stamped = out.getvalue()
    report = verify_pdf(stamped, pki.ca.certificate)
    assert report.complete, format_report(report)
    assert [s.field_name for s in report.signatures] == [SUPERVISOR_FIELD, SUPERVISEE_FIELD]
    # ...but not bytes after the timestamp
    assert not verify_pdf(stamped + b"\n% extra\n", pki.ca.certificate).all_ok


def test_later_validation_data_is_allowed_but_nothing_after_it(pki, both_signed):
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    buf = io.BytesIO(both_signed)
    DocumentSecurityStore.add_dss(buf, None, certs=[asn1(pki.ca.certificate), asn1(pki.supervisee.cert)],
                                  force_write=True)
    with_dss = buf.getvalue()
    assert len(with_dss) > len(both_signed)
    report = verify_pdf(with_dss, pki.ca.certificate)
    assert report.complete, format_report(report)
    report = verify_pdf(with_dss + b"\n% extra\n", pki.ca.certificate)
    assert not report.all_ok
    assert any("covered by no signature" in p for p in report.signatures[-1].problems)


def test_a_document_that_does_not_name_its_signers_fails_in_words(pki):
    """A PDF with our signature fields but a title that names no supervisee (not as the exporter
    writes it)."""
    from reportlab.pdfgen import canvas

    from supervision_app.records.pdf_render import _add_empty_signature_field

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    _add_empty_signature_field(c, SUPERVISOR_FIELD, (50, 50, 250, 120))
    c.showPage()
    c.save()
    s = pki.supervisor
    signed = sign_pdf(buf.getvalue(), SUPERVISOR_FIELD, s.key, s.cert, pki.chain, s.name, "Supervisor", True)
    report = verify_pdf(signed, pki.ca.certificate)
    assert not report.all_ok and not report.signatures[0].right_signer
    assert report.signatures[0].problems == (
        "The document does not name its supervisee, so the signer cannot be checked.",)


def test_a_supervisee_whose_name_holds_a_colon_is_still_recognised(pki):
    from supervision_app.records.pdf_render import render_record_pdf

    from .samples import sample_record

    supervisee = make_person(pki.ca, "Jo: Smith", "EX0050", "Social worker")
    pdf = render_record_pdf(sample_record(supervisee_name="Jo: Smith"))
    s = pki.supervisor
    pdf = sign_pdf(pdf, SUPERVISOR_FIELD, s.key, s.cert, pki.chain, s.name, "Supervisor", certify=True)
    pdf = sign_pdf(pdf, SUPERVISEE_FIELD, supervisee.key, supervisee.cert, pki.chain, supervisee.name,
                   "Supervisee", certify=False)
    assert verify_pdf(pdf, pki.ca.certificate).complete

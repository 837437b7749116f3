"""Issue 16 (bench_push): the server's check of a pushed signed copy parses the PDF once.

``document_check.examine`` finds the signatures and the sign-off block, then validates the
signatures (``records.verify``). Reading a signature's hex ``/Contents`` was most of the
check's time while pyHanko read it a character at a time (``records.pyhanko_speedups`` now
reads it at once); reading the file twice (once per step) nearly doubled it. The seam:
pyHanko's reader class and its hex-string reader, counted while one copy is examined.
Parsing twice shows as two readers and each signature's contents read twice."""
from __future__ import annotations

import pytest
from pyhanko.pdf_utils import generic, reader as pdf_reader

from supervision_app.records.verify import read_pdf, verify_parsed_pdf, verify_pdf
from supervision_app.security.pki import create_ca
from supervision_app.sync.server.document_check import examine

from .pki import SIGN_TIME_2

# A signature's /Contents is kilobytes of hex; the file's other hex strings (its /ID) are short.
SIGNATURE_CONTENTS_BYTES = 1000


@pytest.fixture
def parses(monkeypatch) -> dict[str, int]:
    counts = {"readers": 0, "signature_contents": 0}
    real_reader, real_hex = pdf_reader.PdfFileReader, generic.read_hex_string_from_stream

    class CountedReader(real_reader):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs):
            counts["readers"] += 1
            super().__init__(*args, **kwargs)

    def counted_hex(stream):
        value = real_hex(stream)
        if len(value.original_bytes) > SIGNATURE_CONTENTS_BYTES:
            counts["signature_contents"] += 1
        return value

    monkeypatch.setattr(pdf_reader, "PdfFileReader", CountedReader)
    monkeypatch.setattr(generic, "read_hex_string_from_stream", counted_hex)
    return counts


def test_a_copy_signed_twice_is_parsed_once_and_each_signature_read_once(pki, both_signed, parses):
    findings = examine(both_signed, [pki.ca.certificate], SIGN_TIME_2)
    assert parses == {"readers": 1, "signature_contents": 2}
    # ... and the one reading found everything the check compares
    assert [name for name, _der in findings.signatures] == ["SupervisorSignature", "SuperviseeSignature"]
    assert all(der for _name, der in findings.signatures)
    assert findings.digests and not findings.unreadable and findings.error is None
    assert [(intact, valid, changed_after, trusted) for intact, valid, changed_after, trusted, _ in findings.verified] \
        == [(True, True, False, True)] * 2


def test_the_seam_counts_a_second_parse(pki, both_signed, parses):
    """What the check did before: its own reading, then verify_pdf's."""
    examine(both_signed, [pki.ca.certificate], SIGN_TIME_2)
    verify_pdf(both_signed, pki.ca.certificate, at=SIGN_TIME_2)
    assert parses == {"readers": 2, "signature_contents": 4}


def test_verifying_a_parsed_copy_reports_as_verifying_its_bytes(pki, both_signed, supervisor_signed):
    for pdf in (both_signed, supervisor_signed, both_signed + b"\n% appended\n"):
        assert verify_parsed_pdf(read_pdf(pdf), pdf, pki.ca.certificate, at=SIGN_TIME_2) \
            == verify_pdf(pdf, pki.ca.certificate, at=SIGN_TIME_2)


@pytest.fixture
def cms_parses(monkeypatch) -> list[int]:
    """Sizes of the CMS blobs asn1crypto is asked to parse (a signature's is kilobytes)."""
    from asn1crypto import cms

    sizes: list[int] = []
    real_load = cms.ContentInfo.load.__func__

    def counted_load(cls, encoded_data, strict=False):
        if len(encoded_data) > SIGNATURE_CONTENTS_BYTES:
            sizes.append(len(encoded_data))
        return real_load(cls, encoded_data, strict=strict)

    monkeypatch.setattr(cms.ContentInfo, "load", classmethod(counted_load))
    return sizes


def test_each_signatures_cms_is_parsed_once(pki, both_signed, supervisor_signed, cms_parses):
    """The check finds the signer's certificate in the CMS pyHanko parsed for validation
    (it parsed each one a second time for that, ~0.4 ms of a copy's ~9 ms)."""
    findings = examine(both_signed, [pki.ca.certificate], SIGN_TIME_2)
    assert len(cms_parses) == 2
    assert all(der for _name, der in findings.signatures)
    cms_parses.clear()
    examine(supervisor_signed, [pki.ca.certificate], SIGN_TIME_2)
    assert len(cms_parses) == 1


def test_the_signer_is_found_without_pyhankos_parse(pki, both_signed, monkeypatch):
    """When pyHanko's parse is not at hand (it could not read a signature: verify says why),
    the check parses the CMS itself and finds the same certificates."""
    from supervision_app.sync.server import document_check

    reader = read_pdf(both_signed)
    found, content = document_check._read(reader)
    monkeypatch.setattr(document_check, "_parsed_signatures", lambda _reader: {})
    assert document_check._read(read_pdf(both_signed)) == (found, content)
    assert [der for _name, der in found] == [sig.signer_cert.dump() for sig in reader.embedded_regular_signatures]


def test_the_trust_roots_are_converted_once(pki, supervisor_signed):
    """Every check verifies with the same CA certificates: asn1crypto's form of each (with the
    names it prepared for comparison, ~0.3 ms of a check) is kept, one per certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from supervision_app.records import verify

    same_ca = x509.load_der_x509_certificate(pki.ca.certificate.public_bytes(serialization.Encoding.DER))
    assert verify._to_asn1(same_ca) is verify._to_asn1(pki.ca.certificate)
    other = create_ca("Another CA", "Elsewhere").certificate
    assert verify._to_asn1(other) is not verify._to_asn1(pki.ca.certificate)
    assert verify._to_asn1(other).dump() == other.public_bytes(serialization.Encoding.DER)
    # ... and judged as before: trusted by its own CA only
    assert verify_pdf(supervisor_signed, same_ca, at=SIGN_TIME_2).all_ok
    assert not verify_pdf(supervisor_signed, other, at=SIGN_TIME_2).signatures[0].trusted


def test_the_servers_check_builds_only_the_validation_settings_it_uses(pki, supervisor_signed, monkeypatch):
    """Without the long-term step and without a signature time stamp, one set of validation
    settings (the basic validation's) is built per signature, not three."""
    from supervision_app.records import ades_judgement

    built: list[bool] = []
    real = ades_judgement._ades_spec

    def counted(*args, **kwargs):
        built.append(True)
        return real(*args, **kwargs)

    monkeypatch.setattr(ades_judgement, "_ades_spec", counted)
    findings = examine(supervisor_signed, [pki.ca.certificate], SIGN_TIME_2)
    assert findings.verified and findings.verified[0][:4] == (True, True, False, True)
    assert len(built) == 1

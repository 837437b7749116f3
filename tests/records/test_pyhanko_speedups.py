"""``records.pyhanko_speedups`` answers exactly as the pyHanko functions it stands in for: the
hex-string reader on generated input (well-formed or not), the issuer-and-serial match on
real and altered certificate identifiers, and the server's whole check of signed copies."""
from __future__ import annotations

import io

import pytest
from asn1crypto import cms, tsp, x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from hypothesis import given, settings, strategies as st
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import general

from supervision_app.records import pyhanko_speedups as speedups
from supervision_app.records.signed_file import read_pdf  # (importing it installs the speedups)
from supervision_app.security.pki import create_ca
from supervision_app.sync.server.document_check import examine

from .pki import SIGN_TIME_1, SIGN_TIME_2, make_person

# What a hex string can hold, well-formed or not: digits, PDF white space, a comment's start,
# and characters a hex string may not hold.
_PIECES = [b"0", b"7", b"a", b"F", b"f", b" ", b"\n", b"\r", b"\t", b"\x00", b"\x0c",
           b"%", b"g", b"<", b">", b"/", b"(", b"\xff"]


def _outcome(read, data: bytes, start: int):
    stream = io.BytesIO(data)
    stream.seek(start)
    try:
        value = read(stream)
    except Exception as exc:  # noqa: BLE001 - the refusal itself is compared
        return ("refused", type(exc), str(exc), stream.tell())
    return (type(value), value, getattr(value, "original_bytes", None), stream.tell())


def test_both_are_in_place_once_records_read_files():
    read_pdf  # noqa: B018 - imported for its side effect
    assert generic.read_hex_string_from_stream is speedups.read_hex_string
    assert general.match_issuer_serial is speedups.match_issuer_serial
    speedups.install()  # a second time changes nothing
    assert speedups._pyhanko_read_hex_string is not speedups.read_hex_string


@settings(max_examples=400, deadline=None)
@given(prefix=st.binary(max_size=6), body=st.lists(st.sampled_from(_PIECES), max_size=40).map(b"".join),
       suffix=st.binary(max_size=6))
def test_a_hex_string_reads_as_pyhanko_reads_it(prefix, body, suffix):
    data = prefix + b"<" + body + suffix
    assert _outcome(speedups.read_hex_string, data, len(prefix)) == \
        _outcome(speedups._pyhanko_read_hex_string, data, len(prefix))


@pytest.mark.parametrize("data", [
    b"<>", b"<0>", b"<48656c6c6f>", b"< 48 65\n6c\r\n6c 6F >", b"<4865 6c6c 6f", b"<48%comment\n65>",
    b"<48g5>", b"<FEFF00480069>", b"x<00>", b"<" + b"ab" * 5000 + b">",
])
def test_well_formed_and_broken_hex_strings_read_alike(data):
    start = data.index(b"<")
    ours = _outcome(speedups.read_hex_string, data, start)
    assert ours == _outcome(speedups._pyhanko_read_hex_string, data, start)
    if data in (b"<48656c6c6f>", b"< 48 65\n6c\r\n6c 6F >"):
        assert ours[1] == "Hello" and ours[3] == len(data)


def test_a_stream_that_is_not_in_memory_is_read_by_pyhanko(tmp_path):
    path = tmp_path / "hex"
    path.write_bytes(b"<414243>")
    with path.open("rb") as stream:
        assert speedups.read_hex_string(stream) == "ABC"


# -------------------------------------------------------------- issuer and serial number

def _signer_info(pdf: bytes) -> tuple[cms.SignerInfo, asn1_x509.Certificate, list[asn1_x509.Certificate]]:
    signature = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_regular_signatures[0]
    signed_data = signature.signed_data
    certificates = [choice.chosen for choice in signed_data["certificates"]]
    return signed_data["signer_infos"][0], signature.signer_cert, certificates


def _ess_issuer_serial(info: cms.SignerInfo) -> tsp.IssuerSerial:
    for attribute in info["signed_attrs"]:
        if attribute["type"].native in ("signing_certificate_v2", "signing_certificate"):
            return attribute["values"][0]["certs"][0]["issuer_serial"]
    raise AssertionError("the signature has no signing-certificate attribute")


def _altered(issuer_serial: tsp.IssuerSerial, *, serial=None, names=None) -> tsp.IssuerSerial:
    return tsp.IssuerSerial({
        "issuer": names if names is not None else issuer_serial["issuer"],
        "serial_number": serial if serial is not None else issuer_serial["serial_number"].native,
    })


def test_an_issuer_and_serial_number_matches_as_pyhanko_matches_it(pki, supervisor_signed):
    info, signer, certificates = _signer_info(supervisor_signed)
    ess = _ess_issuer_serial(info)
    other_ca = create_ca("Another Council CA", "Another Council")
    stranger = make_person(other_ca, pki.supervisor.name, "AN0001", "Team manager")
    stranger_cert = asn1_x509.Certificate.load(stranger.cert.public_bytes(serialization.Encoding.DER))
    directory = ess["issuer"][0]
    cases = {
        "the signer, as signed": (ess, signer, True),
        "the signer, by the CMS signer identifier": (info["sid"].chosen, signer, True),
        "another serial number": (_altered(ess, serial=signer.serial_number + 1), signer, False),
        "the same name from another CA": (_altered(ess, serial=stranger_cert.serial_number), stranger_cert, False),
        "two names": (_altered(ess, names=asn1_x509.GeneralNames([directory, directory])), signer, False),
        "not a directory name": (_altered(ess, names=asn1_x509.GeneralNames(
            [asn1_x509.GeneralName(name="dns_name", value="ca.example.org")])), signer, False),
    } | {f"certificate {n} in the CMS": (ess, cert, cert.dump() == signer.dump())
         for n, cert in enumerate(certificates)}
    for case, (identifier, certificate, expected) in cases.items():
        for _ in range(2):  # the second time from what is remembered
            ours = speedups.match_issuer_serial(identifier, certificate)
            assert ours == speedups._pyhanko_match_issuer_serial(identifier, certificate) == expected, case


def test_a_cas_name_is_compared_once_for_all_its_signers(pki, supervisor_signed, both_signed, monkeypatch):
    speedups._ISSUER_MATCHES.clear()
    compared = []
    real_eq = asn1_x509.Name.__eq__

    def counted_eq(self, other):
        compared.append(1)
        return real_eq(self, other)

    monkeypatch.setattr(asn1_x509.Name, "__eq__", counted_eq)
    for pdf in (supervisor_signed, both_signed, both_signed):
        info, signer, _certificates = _signer_info(pdf)
        assert speedups.match_issuer_serial(_ess_issuer_serial(info), signer)
    assert len(compared) == 1


# -------------------------------------------------------------- the whole check

def test_the_servers_check_of_signed_copies_finds_what_it_found_with_pyhankos_own(
        pki, supervisor_signed, both_signed, monkeypatch):
    copies = [(supervisor_signed, SIGN_TIME_1), (both_signed, SIGN_TIME_2),
              (supervisor_signed[:-300], SIGN_TIME_1), (both_signed + b"%% appended\n", SIGN_TIME_2)]
    roots = [pki.ca.certificate]
    ours = [examine(pdf, roots, at) for pdf, at in copies]
    monkeypatch.setattr(generic, "read_hex_string_from_stream", speedups._pyhanko_read_hex_string)
    monkeypatch.setattr(general, "match_issuer_serial", speedups._pyhanko_match_issuer_serial)
    assert ours == [examine(pdf, roots, at) for pdf, at in copies]
    assert [bool(f.error or f.unreadable) or not all(v[0] and v[1] and not v[2] for v in f.verified)
            for f in ours] == [False, False, True, True]

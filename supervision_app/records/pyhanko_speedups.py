"""Two of pyHanko's internals made fast, answering exactly as they did (issue 16).

Reading and verifying a signed copy is most of what the server's check of a signed push costs
(``bench/bench_document_check.py``), and two steps of pyHanko 0.38 took about a third of it:

* **A hex string** (a signature's ``/Contents``: a few kB of hex digits) was read one character
  at a time, each through a generator. :func:`read_hex_string` reads a well-formed one (hex
  digits and PDF white space between ``<`` and ``>``) with one regular-expression match over
  the reader's buffer. Anything else (a comment inside, another character, no ``>``) goes to
  pyHanko's own reader, which reads it, or refuses it, as before.
* **Matching a certificate to the issuer and serial number** of a signing-certificate
  attribute. pyHanko compares the names' DER first and only then asks asn1crypto, whose name
  comparison prepares every attribute of both names (LDAP string preparation, about a third of
  a millisecond a match). But in that attribute the issuer is an explicitly tagged name, so
  its DER never equals the certificate's, and every match paid for the preparation, three
  times per signature. :func:`match_issuer_serial` is pyHanko's function with its comparison
  of the two names remembered by their DER: a name comparison depends on nothing but the two
  encodings, and the organisation's CA issues every signer's certificate, so after the first
  signature the answer is known.

:func:`install` puts both in place, once per process; importing ``records.signed_file`` (the
reader every check of a signed file uses) calls it. Both are checked
against pyHanko's own on generated input (``tests/records/test_pyhanko_speedups.py``). On a
pyHanko upgrade, that test says whether they still answer alike.
"""
from __future__ import annotations

import binascii
import io
import re
import threading
from typing import Any

__all__ = ["install", "match_issuer_serial", "read_hex_string"]

# PDF white space (pyhanko.pdf_utils.misc.PDF_WHITESPACE) and hex digits, nothing else.
_WHITE_SPACE = b" \n\r\t\f\x00"
_WELL_FORMED_HEX = re.compile(rb"<([0-9A-Fa-f \n\r\t\f\x00]*)>")

_installed = False
_install_lock = threading.Lock()
_pyhanko_read_hex_string: Any = None
_pyhanko_match_issuer_serial: Any = None

#: (expected issuer's DER as pyHanko compares it, certificate issuer's DER) -> whether they match
_ISSUER_MATCHES: dict[tuple[bytes, bytes], bool] = {}
_ISSUER_MATCHES_KEPT = 256


def read_hex_string(stream):
    """pyHanko's ``generic.read_hex_string_from_stream``: the hex string at the stream's
    position, the stream left after its ``>``."""
    if not isinstance(stream, io.BytesIO):
        return _pyhanko_hex(stream)
    from pyhanko.pdf_utils import generic

    digits, end = None, 0
    with stream.getbuffer() as buffer:
        match = _WELL_FORMED_HEX.match(buffer, stream.tell())
        if match is not None:
            digits = bytes(buffer[match.start(1):match.end(1)]).translate(None, _WHITE_SPACE)
            end = match.end()
        del match  # (it refers to the buffer, released on leaving)
    if digits is None:
        return _pyhanko_hex(stream)
    stream.seek(end)
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


def _pyhanko_hex(stream):
    from pyhanko.pdf_utils import generic

    return (_pyhanko_read_hex_string or generic.read_hex_string_from_stream)(stream)


def _issuers_match(expected, actual) -> bool:
    """pyHanko's comparison of two names (their DER, then asn1crypto's name matching; a name
    asn1crypto cannot prepare matches nothing), remembered by the two encodings."""
    key = (expected.dump(), actual.dump())
    known = _ISSUER_MATCHES.get(key)
    if known is None:
        try:
            known = key[0] == key[1] or expected == actual
        except ValueError:
            known = False
        if len(_ISSUER_MATCHES) >= _ISSUER_MATCHES_KEPT:
            _ISSUER_MATCHES.clear()
        _ISSUER_MATCHES[key] = known
    return known


def match_issuer_serial(expected_issuer_serial, cert) -> bool:
    """pyHanko's ``sign.general.match_issuer_serial`` (its body, MIT licence), with the names'
    comparison remembered (:func:`_issuers_match`)."""
    from asn1crypto import x509

    serial_asn1 = cert["tbs_certificate"]["serial_number"]
    expected_issuer = expected_issuer_serial["issuer"]
    # IssuerSerial in an ESSCertID: exactly one name, a directory name
    if isinstance(expected_issuer, x509.GeneralNames):
        if len(expected_issuer) != 1 or expected_issuer[0].name != "directory_name":
            return False
        expected_issuer = expected_issuer[0].chosen
    return _issuers_match(expected_issuer, cert.issuer) and expected_issuer_serial["serial_number"] == serial_asn1


def install() -> None:
    """Put both in place of pyHanko's, once per process (later calls do nothing)."""
    global _installed, _pyhanko_read_hex_string, _pyhanko_match_issuer_serial
    if _installed:
        return
    with _install_lock:
        if _installed:
            return
        from pyhanko.pdf_utils import generic
        from pyhanko.sign import general

        _pyhanko_read_hex_string = generic.read_hex_string_from_stream
        _pyhanko_match_issuer_serial = general.match_issuer_serial
        # looked up at each call by generic.read_object and general.check_ess_certid
        generic.read_hex_string_from_stream = read_hex_string
        general.match_issuer_serial = match_issuer_serial
        _installed = True

"""The server reads the sign-off block from a signed copy's last page, whose content ReportLab
writes ASCII85 (then Flate) encoded: ``document_check._a85decode`` decodes it as
``base64.a85decode`` does (Adobe framing, end marker optional), through ``b85decode`` when the
text is nothing but base-85 digits (a third less time). Same bytes, same refusals."""
from __future__ import annotations

import base64

from hypothesis import example, given, strategies as st

from supervision_app.sync.server.document_check import _a85decode


def _reference(text_: bytes):
    try:
        return base64.a85decode(text_ if text_.endswith(b"~>") else text_ + b"~>", adobe=True)
    except ValueError:
        return ValueError


def _ours(text_: bytes):
    try:
        return _a85decode(text_)
    except ValueError:
        return ValueError


_DIGITS = st.binary().map(lambda b: bytes(33 + x % 85 for x in b))
_ANY = st.lists(st.sampled_from(list(b"!#u<>~ztsz \n\t\x00\x7f0")), max_size=14).map(bytes)


@given(st.one_of(_DIGITS, _ANY, _DIGITS.map(lambda b: b + b"~>"), _ANY.map(lambda b: b"<~" + b),
                 st.binary(max_size=64).map(lambda raw: base64.a85encode(raw, adobe=True)[2:])))
@example(b"uuuuu")  # over 2**32: refused
@example(b"uu")  # a short last group over 2**32 once padded: refused
@example(b"<~>")
@example(b"s8W-!~>")
def test_decodes_as_a85decode(text_):
    assert _ours(text_) == _reference(text_)


def test_what_reportlab_writes_decodes_the_same():
    raw = bytes(range(256)) * 7 + b"\0\0\0\0" * 3 + b"end"
    assert _a85decode(base64.a85encode(raw, adobe=True)[2:]) == raw  # the digits only: b85decode
    assert _a85decode(base64.a85encode(raw)) == raw  # with 'z' for zeros: a85decode

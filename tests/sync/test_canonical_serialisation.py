"""``domain.canonical.canonical_bytes`` writes the canonical form with the standard library's
C JSON encoder where that is RFC 8785 byte for byte (issue 16: rfc8785's Python encoder was
most of the server's time to check a signature over a record with many parts). Here the
bytes are compared with ``rfc8785.dumps`` itself on generated documents: every escape and
control character, text beyond the BMP, keys that sort differently by code point and by
UTF-16 code unit, lone surrogates (refused alike), integers at the edge of the safe range,
nesting, and a record kind given as its enum. (The signature golden bytes are in
tests/domain/test_canonical.py.)
"""
from __future__ import annotations

import unicodedata
from datetime import date, datetime, timezone

import pytest
import rfc8785
from hypothesis import given, settings, strategies as st

from supervision_app.domain.canonical import (
    CANONICAL_FORMAT,
    NotCanonicalisable,
    _prepare,
    canonical_bytes,
    normalise_text,
)
from supervision_app.domain.lifecycle import RecordKind

SAFE = 2**53 - 1
awkward_text = st.lists(st.sampled_from(
    [chr(c) for c in range(0x00, 0x21)] + ['"', "\\", "/", "\x7f", "\u2028", "\u2029", "é", "e\u0301",
                                           "\ufb01", "\ue000", "\uffff", "\U0001f600", "\U00010000",
                                           "\ud800", "\udfff", "a", "Z", "\r\n"]), max_size=12).map("".join)
text = st.one_of(st.text(max_size=20), awkward_text)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-SAFE, SAFE),
                    st.sampled_from([SAFE, -SAFE, 0, -1]), text,
                    st.dates(), st.datetimes(timezones=st.just(timezone.utc)))
documents = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=5)), max_leaves=25)


def _reference(kind, record) -> bytes:
    return rfc8785.dumps({"format": CANONICAL_FORMAT, "kind": kind, "record": _prepare(record)})


def _outcome(build):
    try:
        return "bytes", build()
    except (rfc8785.CanonicalizationError, NotCanonicalisable, UnicodeEncodeError) as error:
        return "refused", type(error)


@settings(max_examples=400, deadline=None)
@given(record=st.dictionaries(text, documents, max_size=6),
       kind=st.sampled_from([RecordKind.SUPERVISION, "oversight_note", RecordKind.ADDENDUM]))
def test_the_bytes_are_rfc8785_s_whatever_the_record_holds(record, kind):
    assert _outcome(lambda: canonical_bytes(kind, record)) == _outcome(lambda: _reference(kind, record))


@pytest.mark.parametrize("record", [
    {"\ue000": 1, "\U0001f600": 2},  # UTF-16 puts the emoji first; code points the other way
    {"b": {"\uffff": [1], "\U00010000": [2]}, "a": None},
    {"text": "\ud800"},  # a lone surrogate: no UTF-8 for it
    {"\udfff": "key"},
    {"s": "\x00\x1f\b\f\n\r\t\"\\\x7f\u2028"},
    {"n": [SAFE, -SAFE, 0, True, False, None]},
    {"when": datetime(2026, 12, 7, 8, 0, tzinfo=timezone.utc), "day": date(2026, 12, 7)},
])
def test_edge_cases_match_rfc8785(record):
    assert _outcome(lambda: canonical_bytes("supervision", record)) == \
        _outcome(lambda: _reference("supervision", record))


@settings(max_examples=300, deadline=None)
@given(value=text)
def test_text_is_normalised_as_before(value):
    # ASCII without a carriage return is returned as it is: it is its own NFC form
    assert normalise_text(value) == unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))

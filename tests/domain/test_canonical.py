from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from supervision_app.domain.canonical import NotCanonicalisable, canonical_bytes, digest


def test_key_order_does_not_matter():
    assert canonical_bytes("x", {"a": 1, "b": "two"}) == canonical_bytes("x", {"b": "two", "a": 1})


def test_the_same_words_typed_on_different_platforms_sign_the_same():
    composed = "Zo\u00eb \u00d8deg\u00e5rd"
    decomposed = "Zoe\u0308 O\u0338dega\u030ard"
    assert digest("x", {"name": composed}) == digest("x", {"name": "Zo\u00eb \u00d8deg\u00e5rd"})
    assert digest("x", {"t": "line one\r\nline two"}) == digest("x", {"t": "line one\nline two"})
    assert canonical_bytes("x", {"n": decomposed}) != b""  # accepted


def test_times_are_normalised_to_utc():
    london_summer = datetime(2026, 7, 1, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    utc = datetime(2026, 7, 1, 9, 0, tzinfo=timezone.utc)
    assert digest("x", {"at": london_summer}) == digest("x", {"at": utc})


def test_known_bytes_do_not_drift():
    # Pinned: if this changes, every signature ever made stops verifying.
    assert canonical_bytes("supervision", {"b": "Siân", "a": [1, None, True], "d": date(2026, 1, 2)}) == (
        b'{"format":"supervision-recorder/record/v1","kind":"supervision",'
        b'"record":{"a":[1,null,true],"b":"Si\xc3\xa2n","d":"2026-01-02"}}'
    )
    assert digest("supervision", {"a": 1}) == digest("supervision", {"a": 1})
    assert len(digest("supervision", {"a": 1})) == 64


@pytest.mark.parametrize("bad", [{"f": 1.5}, {"i": 2**53}, {"t": datetime(2026, 1, 1)}, {1: "x"}, {"o": object()}])
def test_values_that_cannot_be_signed_reliably_are_refused(bad):
    with pytest.raises(NotCanonicalisable):
        canonical_bytes("x", bad)


json_like = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53 - 1), 2**53 - 1) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@given(record=st.dictionaries(st.text(max_size=8), json_like, max_size=6))
def test_digest_is_deterministic_and_sensitive(record):
    assert digest("k", record) == digest("k", dict(reversed(list(record.items()))))
    changed = dict(record)
    changed["__extra__"] = 1
    assert digest("k", changed) != digest("k", record)

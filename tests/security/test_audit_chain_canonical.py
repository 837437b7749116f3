"""The audit chain's fast canonical form is byte for byte RFC 8785, so logs written before
and after it hash the same."""
from __future__ import annotations

import hashlib

import rfc8785
from hypothesis import given, settings, strategies as st

from supervision_app.security.audit_chain import GENESIS_HASH, link_hash

# every code point but lone surrogates (which no writer of the log can produce)
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=400, derandomize=True)
@given(seq=st.integers(0, 2**53 - 1), at=texts, actor=st.none() | texts, action=texts, kind=texts,
       record_id=texts)
def test_link_hash_is_the_sha256_of_rfc8785(seq, at, actor, action, kind, record_id):
    payload = {"seq": seq, "at": at, "actor": actor, "action": action, "kind": kind,
               "id": record_id, "prev": GENESIS_HASH}
    expected = hashlib.sha256(rfc8785.dumps(payload)).hexdigest()
    assert link_hash(seq=seq, at=at, actor_id=actor, action=action, record_kind=kind,
                     record_id=record_id, prev_hash=GENESIS_HASH) == expected


def test_control_characters_and_quotes_are_escaped_as_rfc8785_does():
    awkward = "\x00\x01\x08\t\n\x0b\x0c\r\x1f\"\\\x7f\u2028é😀"
    payload = {"seq": 1, "at": awkward, "actor": None, "action": awkward, "kind": "", "id": "",
               "prev": GENESIS_HASH}
    assert link_hash(seq=1, at=awkward, actor_id=None, action=awkward, record_kind="", record_id="",
                     prev_hash=GENESIS_HASH) == hashlib.sha256(rfc8785.dumps(payload)).hexdigest()

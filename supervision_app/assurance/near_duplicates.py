"""Near-duplicate text: paragraphs copied (with small edits) between records.

Hand-rolled MinHash, so nothing beyond the standard library is needed:

1. Each text field is split into paragraphs; a paragraph of fewer than ``min_words`` words
   is too short to say anything about copying and is skipped.
2. A paragraph becomes the set of its word 3-shingles, each hashed to 64 bits. Hashing is
   stable across processes: words go through CRC-32 and a shingle is the hash of a tuple of
   ints (never ``hash()`` of a string, which Python salts per process).
3. Shingles found in very many records (stock phrases of recording: "no further action",
   "the child was seen alone") are dropped before comparing, so ordinary shared phrasing
   never makes two paragraphs look copied.
4. A MinHash sketch of ``BINS`` values is made with one-permutation hashing (one multiply
   per shingle, the top bits choose the bin; empty bins are filled from the next full one),
   and locality-sensitive hashing over ``BANDS`` (32) bands of ``ROWS`` (3) rows proposes
   candidate pairs: a pair with Jaccard similarity 0.5 shares a band with probability 0.986,
   one at 0.6 with 0.9996, an unrelated pair at 0.1 with 0.03.
5. Every candidate is then checked exactly: its true Jaccard similarity and containment over
   the shingle sets. The sketch only decides what to check; the answer is exact.

Only ids, fields and scores come out, never the text.
"""
from __future__ import annotations

import re
import zlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

__all__ = ["TextUnit", "DuplicatePair", "find_near_duplicates", "shingles", "SHINGLE_WORDS"]

SHINGLE_WORDS = 3
BINS = 96
ROWS = 3
BANDS = BINS // ROWS
_MASK = (1 << 64) - 1
_VALUE_MASK = (1 << 32) - 1
_EMPTY = 1 << 40
_MIX = 0x9E3779B97F4A7C15
_WORD = re.compile(r"\w+(?:'\w+)?")
_PARAGRAPH = re.compile(r"\n\s*\n|\n")


@dataclass(frozen=True)
class TextUnit:
    """A piece of text to compare, with what identifies where it came from."""

    record_kind: str  # case_discussion | supervision | oversight_note
    record_id: str
    field: str
    owner_key: str  # units with the same owner key (one record) are never paired
    text: str
    paragraph: int = 0


@dataclass(frozen=True)
class DuplicatePair:
    first: TextUnit
    second: TextUnit
    jaccard: float
    containment: float

    @property
    def score(self) -> float:
        return max(self.jaccard, self.containment)


_word_cache: dict[str, int] = {}


def _word_id(word: str) -> int:
    value = _word_cache.get(word)
    if value is None:
        value = zlib.crc32(word.encode("utf-8"))
        if len(_word_cache) < 500_000:
            _word_cache[word] = value
    return value


def shingles(text: str, k: int = SHINGLE_WORDS) -> frozenset[int]:
    ids = [_word_id(w) for w in _WORD.findall(text.casefold())]
    if len(ids) < k:
        return frozenset()
    return frozenset(hash(tuple(ids[i:i + k])) & _MASK for i in range(len(ids) - k + 1))


def _sketch(hashed: Iterable[int]) -> list[int]:
    bins = [_EMPTY] * BINS
    for h in hashed:
        x = (h * _MIX) & _MASK
        b = ((x >> 32) * BINS) >> 32  # the high half picks the bin, the low half is the value
        v = x & _VALUE_MASK
        if v < bins[b]:
            bins[b] = v
    if _EMPTY in bins:  # densify: borrow from the next full bin, marked by the distance
        full = [i for i, v in enumerate(bins) if v != _EMPTY]
        if not full:
            return bins
        out = list(bins)
        for i in range(BINS):
            if bins[i] == _EMPTY:
                j = next((f for f in full if f > i), full[0])
                out[i] = bins[j] + ((j - i) % BINS) * (1 << 32)
        return out
    return bins


def _paragraphs(unit: TextUnit, min_words: int) -> list[tuple[TextUnit, frozenset[int]]]:
    out = []
    for n, chunk in enumerate(_PARAGRAPH.split(unit.text)):
        if len(_WORD.findall(chunk)) < min_words:
            continue
        out.append((TextUnit(unit.record_kind, unit.record_id, unit.field, unit.owner_key, "", n),
                    shingles(chunk)))
    return out


def find_near_duplicates(
    units: Iterable[TextUnit],
    *,
    threshold: float = 0.5,
    containment_threshold: float = 0.8,
    min_words: int = 15,
    common_fraction: float = 0.02,
    common_min_records: int = 20,
    max_pairs: int = 5000,
) -> list[DuplicatePair]:
    """Pairs of paragraphs from different records whose shingle sets are this similar
    (Jaccard >= ``threshold``, or the shorter one is ``containment_threshold`` inside the
    longer), most similar first. The returned units carry no text."""
    pieces: list[tuple[TextUnit, frozenset[int]]] = []
    for unit in units:
        pieces.extend(_paragraphs(unit, min_words))
    if len(pieces) < 2:
        return []
    # drop stock phrases: shingles that occur in many different records
    records_with: dict[int, int] = defaultdict(int)
    by_owner: dict[str, set[int]] = defaultdict(set)
    for unit, sh in pieces:
        by_owner[unit.owner_key].update(sh)
    for owner_shingles in by_owner.values():
        for h in owner_shingles:
            records_with[h] += 1
    limit = max(common_min_records, int(common_fraction * len(by_owner)))
    common = {h for h, n in records_with.items() if n > limit}
    if common:
        pieces = [(u, sh - common) for u, sh in pieces]
    pieces = [(u, sh) for u, sh in pieces if len(sh) >= 3]

    buckets: dict[tuple[int, tuple[int, ...]], list[int]] = defaultdict(list)
    for index, (_unit, sh) in enumerate(pieces):
        sig = _sketch(sh)
        for band in range(BANDS):
            buckets[(band, tuple(sig[band * ROWS:(band + 1) * ROWS]))].append(index)
    candidates: set[tuple[int, int]] = set()
    for members in buckets.values():
        if len(members) < 2:
            continue
        if len(members) > 200:  # a degenerate bucket (identical boilerplate): compare in order
            members = members[:200]
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                a, b = members[x], members[y]
                if pieces[a][0].owner_key != pieces[b][0].owner_key:
                    candidates.add((a, b) if a < b else (b, a))
    found: dict[tuple[str, str], DuplicatePair] = {}
    for a, b in candidates:
        ua, sa = pieces[a]
        ub, sb = pieces[b]
        shared = len(sa & sb)
        if not shared:
            continue
        jaccard = shared / len(sa | sb)
        containment = shared / min(len(sa), len(sb))
        if jaccard < threshold and containment < containment_threshold:
            continue
        pair = DuplicatePair(ua, ub, round(jaccard, 3), round(containment, 3))
        first, second = sorted((ua.owner_key, ub.owner_key))
        key = (first, second)
        if key not in found or pair.score > found[key].score:  # one pair per two records
            found[key] = pair
    pairs = sorted(found.values(), key=lambda p: (-p.score, p.first.record_id, p.second.record_id))
    return pairs[:max_pairs]

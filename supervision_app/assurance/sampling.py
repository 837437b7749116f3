"""Dip sampling: a stratified random sample, reproducible from its seed.

The population is put in a fixed order (strata by key, records by id within each stratum)
before ``random.Random(seed)`` touches it, so the same seed over the same population always
draws the same sample, on any machine and in any Python process (no use of ``hash()``).

The sample size is shared between strata in proportion to their size (largest remainder,
ties to the stratum that sorts first), or a fixed number is drawn from every stratum.
A sample may be weighted (for instance by quality signals, so records showing warning signs
are likelier to be drawn) with the Efraimidis-Spirakis method: each record gets the key
``u ** (1 / weight)`` and the largest keys are taken.
"""
from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

__all__ = ["Candidate", "allocate", "draw_sample", "MAX_SEED"]

MAX_SEED = 2**53 - 1  # stays exact through JSON and the canonical form


@dataclass(frozen=True)
class Candidate:
    record_id: str
    stratum: tuple[str, ...]  # e.g. (team_id, legal_status)
    weight: float = 1.0


def allocate(sizes: Mapping[tuple[str, ...], int], total: int) -> dict[tuple[str, ...], int]:
    """Share ``total`` between strata in proportion to ``sizes`` (largest remainder)."""
    population = sum(sizes.values())
    if total <= 0 or population == 0:
        return {key: 0 for key in sizes}
    if total >= population:
        return dict(sizes)
    keys = sorted(sizes)
    exact = {k: total * sizes[k] / population for k in keys}
    shares = {k: int(exact[k]) for k in keys}
    left = total - sum(shares.values())
    by_remainder = sorted(keys, key=lambda k: (-(exact[k] - shares[k]), k))
    for k in by_remainder:
        if left == 0:
            break
        if shares[k] < sizes[k]:
            shares[k] += 1
            left -= 1
    return shares


def draw_sample(
    candidates: Iterable[Candidate],
    *,
    seed: int,
    size: int | None = None,
    per_stratum: int | None = None,
    weighted: bool = False,
) -> list[Candidate]:
    """Draw the sample: ``size`` shared proportionally, or ``per_stratum`` from each."""
    if (size is None) == (per_stratum is None):
        raise ValueError("Give either a sample size or a number per stratum.")
    if not 0 <= seed <= MAX_SEED:
        raise ValueError("The seed must be a whole number between 0 and 2**53 - 1.")
    strata: dict[tuple[str, ...], list[Candidate]] = defaultdict(list)
    seen: set[str] = set()
    for c in candidates:
        if c.record_id in seen:
            raise ValueError("A record appears twice in the population.")
        if weighted and not c.weight > 0:
            raise ValueError("Sampling weights must be positive.")
        seen.add(c.record_id)
        strata[c.stratum].append(c)
    for members in strata.values():
        members.sort(key=lambda c: c.record_id)
    sizes = {k: len(v) for k, v in strata.items()}
    if per_stratum is not None:
        quota = {k: min(per_stratum, n) for k, n in sizes.items()}
    else:
        assert size is not None  # one of the two, checked above
        quota = allocate(sizes, size)
    rng = random.Random(seed)
    chosen: list[Candidate] = []
    for key in sorted(strata):
        members, k = strata[key], quota[key]
        if k == 0:
            continue
        if weighted:
            keyed = [(rng.random() ** (1.0 / c.weight), c.record_id, c) for c in members]
            keyed.sort(key=lambda t: (-t[0], t[1]))
            picked = [t[2] for t in keyed[:k]]
        else:
            picked = rng.sample(members, k)
        chosen.extend(picked)
    return chosen


def stratum_sizes(candidates: Sequence[Candidate]) -> dict[tuple[str, ...], int]:
    sizes: dict[tuple[str, ...], int] = defaultdict(int)
    for c in candidates:
        sizes[c.stratum] += 1
    return dict(sizes)

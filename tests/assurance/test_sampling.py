"""Dip sampling: stratified, proportional, reproducible from the seed."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from supervision_app.assurance.sampling import Candidate, allocate, draw_sample


def population(n_per=(40, 25, 10, 5)):
    out = []
    for s, n in enumerate(n_per):
        for k in range(n):
            out.append(Candidate(f"id-{s}-{k:03d}", (f"team{s % 2}", f"status{s}")))
    return out


def ids(sample):
    return [c.record_id for c in sample]


def test_same_seed_same_sample_whatever_order_the_population_arrives_in():
    pop = population()
    first = draw_sample(pop, seed=20260320, size=16)
    again = draw_sample(list(reversed(pop)), seed=20260320, size=16)
    assert ids(first) == ids(again)
    other = draw_sample(pop, seed=20260321, size=16)
    assert ids(other) != ids(first)


def test_allocation_is_proportional_by_largest_remainder():
    sizes = {("a",): 40, ("b",): 25, ("c",): 10, ("d",): 5}
    # 16/80 of each: 8, 5, 2, 1 exactly
    assert allocate(sizes, 16) == {("a",): 8, ("b",): 5, ("c",): 2, ("d",): 1}
    # 10/80: 5, 3.125, 1.25, 0.625 -> floors 5, 3, 1, 0 (9); the largest remainder (d) gets 1
    assert allocate(sizes, 10) == {("a",): 5, ("b",): 3, ("c",): 1, ("d",): 1}
    assert allocate(sizes, 500) == sizes


def test_stratified_sample_draws_the_quota_from_each_stratum():
    sample = draw_sample(population(), seed=7, size=16)
    per = {}
    for c in sample:
        per[c.stratum] = per.get(c.stratum, 0) + 1
    assert per == {("team0", "status0"): 8, ("team1", "status1"): 5, ("team0", "status2"): 2,
                   ("team1", "status3"): 1}
    sample = draw_sample(population(), seed=7, per_stratum=3)
    assert len(sample) == 12 and len(set(ids(sample))) == 12


def test_weighted_sample_favours_heavy_records_and_stays_reproducible():
    pop = [Candidate(f"r{k:03d}", ("t", "s"), 50.0 if k < 10 else 1.0) for k in range(200)]
    a = draw_sample(pop, seed=3, size=10, weighted=True)
    assert ids(a) == ids(draw_sample(pop, seed=3, size=10, weighted=True))
    # 10 of 200 records hold 500 of the 690 weight: drawn far more often than 1 in 20
    heavy = [sum(1 for c in draw_sample(pop, seed=s, size=10, weighted=True) if c.weight > 1)
             for s in range(40)]
    plain = [sum(1 for c in draw_sample(pop, seed=s, size=10) if c.weight > 1) for s in range(40)]
    assert sum(heavy) / 40 > 4 > 1 > sum(plain) / 40


def test_bad_requests_are_refused():
    with pytest.raises(ValueError):
        draw_sample(population(), seed=1)
    with pytest.raises(ValueError):
        draw_sample(population(), seed=-1, size=3)
    with pytest.raises(ValueError):
        draw_sample([Candidate("x", ("a",)), Candidate("x", ("a",))], seed=1, size=1)


@settings(max_examples=60, deadline=None)
@given(sizes=st.lists(st.integers(0, 30), min_size=1, max_size=6), total=st.integers(0, 120),
       seed=st.integers(0, 2**53 - 1))
def test_sample_size_and_reproducibility_properties(sizes, total, seed):
    pop = population(tuple(sizes))
    sample = draw_sample(pop, seed=seed, size=total)
    assert len(sample) == min(total, len(pop))
    assert len(set(ids(sample))) == len(sample)
    assert ids(sample) == ids(draw_sample(pop, seed=seed, size=total))

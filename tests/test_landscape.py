"""Tests for game/landscape.py (Axelrod & Bennett 1993 landscape theory)."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from game.landscape import (
    Minimum,
    describe,
    energy,
    frustration,
    local_minima,
    switch_deltas,
)

# --- independent pure-python reference (recomputes energies from scratch) -----------------


def ref_energy(s, p, blocs):
    n = len(s)
    return sum(
        s[i] * s[j] * p[i][j] for i in range(n) for j in range(i + 1, n) if blocs[i] != blocs[j]
    )


def ref_tol(s, p):
    n = len(s)
    return 1e-9 * max(s[i] * sum(s[j] * abs(p[i][j]) for j in range(n) if j != i) for i in range(n))


def flipped(blocs, i):
    return blocs[:i] + (1 - blocs[i],) + blocs[i + 1 :]


def canonical(blocs):
    return blocs if blocs[0] == 0 else tuple(1 - b for b in blocs)


def ref_gains(s, p, blocs):
    e = ref_energy(s, p, blocs)
    return [ref_energy(s, p, flipped(blocs, i)) - e for i in range(len(s))]


def ref_descend(s, p, blocs, tol):
    while True:
        gains = ref_gains(s, p, blocs)
        best = min(gains)
        if best >= -tol:
            return blocs
        i = next(k for k, g in enumerate(gains) if g <= best + tol)
        blocs = flipped(blocs, i)


def ref_minima(s, p):
    """{canonical blocs: (energy, basin)} over all 2^n configurations, by brute force."""
    n, tol = len(s), ref_tol(s, p)
    configs = list(itertools.product((0, 1), repeat=n))
    out = {}
    for c in configs:
        if c[0] == 0 and min(ref_gains(s, p, c)) >= -tol:
            out[c] = [ref_energy(s, p, c), 0.0]
    for c in configs:
        out[canonical(ref_descend(s, p, c, tol))][1] += 1 / len(configs)
    return out


# --- strategies --------------------------------------------------------------------------


@st.composite
def grid_problem(draw, min_n=2, max_n=7):
    """Exactly representable data (integer sizes, propensities k/8): exact ties are common."""
    n = draw(st.integers(min_n, max_n))
    s = np.array(draw(st.lists(st.integers(1, 5), min_size=n, max_size=n)), dtype=float)
    upper = draw(st.lists(st.integers(-8, 8), min_size=n * n, max_size=n * n))
    a = np.array(upper, dtype=float).reshape(n, n) / 8
    p = np.triu(a, 1) + np.triu(a, 1).T
    return s, p


@st.composite
def generic_problem(draw, min_n=2, max_n=7):
    """Continuous random data from a drawn seed: ties have probability zero."""
    n = draw(st.integers(min_n, max_n))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    s = rng.uniform(0.1, 3.0, n)
    a = rng.uniform(-1, 1, (n, n))
    p = np.triu(a, 1) + np.triu(a, 1).T
    return s, p


problems = st.one_of(grid_problem(), generic_problem())


def as_map(minima):
    return {m.blocs: (m.energy, m.basin) for m in minima}


# --- fixed cases -------------------------------------------------------------------------


def test_two_groups_have_one_minimum_the_split_with_every_start():
    group = np.array([1, 1, 1, -1, -1, -1])
    p = np.outer(group, group).astype(float)  # +1 within, -1 across
    s = np.array([1.0, 2.0, 3.0, 1.5, 2.5, 0.5])
    [m] = local_minima(s, p)
    assert m.blocs == (0, 0, 0, 1, 1, 1)
    assert m.basin == 1.0
    assert m.energy == pytest.approx(-(s[:3].sum() * s[3:].sum()))


def test_hand_computed_three_actors():
    s = [1.0, 2.0, 3.0]
    p = [[0, 0.5, -1], [0.5, 0, 0.25], [-1, 0.25, 0]]
    # apart: (0,2) and (1,2): 1*3*(-1) + 2*3*0.25 = -3 + 1.5
    assert energy(s, p, [0, 0, 1]) == pytest.approx(-1.5)
    assert frustration(s, p, [0, 0, 1]) == pytest.approx([-3.0, 1.5, -1.5])
    # energies: 000 -> 0, 001 -> -1.5, 010 -> 2.5, 011 -> -2; only 011 has no improving switch
    assert local_minima(s, p) == [Minimum(blocs=(0, 1, 1), energy=-2.0, basin=1.0)]


def test_exact_ties_are_not_improvements():
    minima = local_minima([1, 1, 1], np.zeros((3, 3)))
    assert [m.blocs for m in minima] == [(0, 0, 0), (0, 0, 1), (0, 1, 0), (0, 1, 1)]
    assert all(m.energy == 0 and m.basin == 0.25 for m in minima)


def test_diagonal_is_ignored():
    p = np.array([[np.nan, -1.0], [-1.0, 7.0]])
    assert local_minima([1, 1], p) == [Minimum(blocs=(0, 1), energy=-1.0, basin=1.0)]


def test_n20_planted_split_completes_quickly():
    rng = np.random.default_rng(20)
    group = np.where(rng.random(20) < 0.5, 1.0, -1.0)
    group[0] = 1.0
    s = rng.uniform(0.5, 2.0, 20)
    [m] = local_minima(s, np.outer(group, group))
    assert m.blocs == tuple(int(g < 0) for g in group)
    assert m.basin == 1.0


def test_n20_random_minima_are_minima_and_basins_sum_to_one():
    rng = np.random.default_rng(7)
    a = rng.uniform(-1, 1, (20, 20))
    p = (a + a.T) / 2
    s = rng.uniform(0.5, 2.0, 20)
    minima = local_minima(s, p)
    assert sum(m.basin for m in minima) == pytest.approx(1.0)
    for m in minima:
        assert switch_deltas(s, p, m.blocs).min() >= 0
        assert m.energy == pytest.approx(energy(s, p, m.blocs))
    assert [m.energy for m in minima] == sorted(m.energy for m in minima)


def test_describe_and_as_dict():
    m = Minimum(blocs=(0, 0, 0, 1), energy=-1.234, basin=0.64)
    names = ["kim", "putin", "xi", "trump"]
    assert describe([m], names) == [
        "Bloc A: kim, putin, xi | Bloc B: trump  (energy -1.23, 64% of starts)"
    ]
    assert describe([Minimum((0, 0), 0.0, 1.0)], ["a", "b"]) == [
        "Bloc A: a, b | Bloc B: (none)  (energy 0.00, 100% of starts)"
    ]
    d = m.as_dict(names)
    assert json.loads(json.dumps(d)) == {
        "blocs": [0, 0, 0, 1],
        "energy": -1.234,
        "basin": 0.64,
        "bloc_a": ["kim", "putin", "xi"],
        "bloc_b": ["trump"],
    }
    minima = local_minima([1, 2, 3], [[0, 1, -1], [1, 0, -1], [-1, -1, 0]])
    json.dumps([x.as_dict() for x in minima])
    with pytest.raises(ValueError, match="names"):
        describe([m], names[:3])


@pytest.mark.parametrize(
    ("sizes", "propensity", "message"),
    [
        ([1.0], [[0.0]], "at least 2"),
        (np.ones(21), np.zeros((21, 21)), "at most 20"),
        ([1.0, 1.0], np.zeros((3, 3)), "shape"),
        ([[1.0, 1.0]], np.zeros((2, 2)), "one-dimensional"),
        ([1.0, np.nan], np.zeros((2, 2)), "NaN"),
        ([1.0, 1.0], [[0.0, np.nan], [np.nan, 0.0]], "NaN"),
        ([1.0, 0.0], np.zeros((2, 2)), "> 0"),
        ([1.0, -2.0], np.zeros((2, 2)), "> 0"),
        ([1.0, 1.0], [[0.0, 1.0], [-1.0, 0.0]], "symmetric"),
    ],
)
def test_bad_input_raises_clear_value_error(sizes, propensity, message):
    with pytest.raises(ValueError, match=message):
        local_minima(sizes, propensity)


def test_bad_blocs_raise():
    with pytest.raises(ValueError, match="0 or 1"):
        energy([1, 1], np.zeros((2, 2)), [0, 2])
    with pytest.raises(ValueError, match="one label per actor"):
        frustration([1, 1], np.zeros((2, 2)), [0, 1, 1])


# --- properties --------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(problems, st.data())
def test_switch_changes_energy_and_own_frustration_by_delta(problem, data):
    s, p = problem
    n = len(s)
    blocs = tuple(data.draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    gains = switch_deltas(s, p, blocs)
    e0, f0 = energy(s, p, blocs), frustration(s, p, blocs)
    scale = float(np.max(s * (np.abs(p) @ s))) + 1e-300
    for i in range(n):
        after = flipped(blocs, i)
        de = energy(s, p, after) - e0
        df = frustration(s, p, after)[i] - f0[i]
        assert de == pytest.approx(gains[i], abs=1e-12 * scale)
        assert df == pytest.approx(gains[i], abs=1e-12 * scale)
        brute = ref_energy(s, p, after) - ref_energy(s, p, blocs)
        assert de == pytest.approx(brute, abs=1e-12 * scale)


@settings(max_examples=150, deadline=None)
@given(problems)
def test_minima_and_basins_match_brute_force(problem):
    s, p = problem
    found = local_minima(s, p)
    expected = ref_minima(s.tolist(), p.tolist())
    got = as_map(found)
    assert set(got) == set(expected)
    for blocs, (e, basin) in expected.items():
        assert got[blocs][0] == pytest.approx(e, abs=1e-9)
        assert got[blocs][1] == pytest.approx(basin)
    for m in found:  # every configuration listed is a local minimum
        assert switch_deltas(s, p, m.blocs).min() >= -1e-9 * np.max(s * (np.abs(p) @ s))
        assert m.blocs[0] == 0
    assert [(m.energy, m.blocs) for m in found] == sorted((m.energy, m.blocs) for m in found)


@settings(max_examples=100, deadline=None)
@given(st.one_of(grid_problem(max_n=12), generic_problem(max_n=12)))
def test_basins_sum_to_one(problem):
    s, p = problem
    minima = local_minima(s, p)
    assert minima
    assert sum(m.basin for m in minima) == pytest.approx(1.0)
    starts = 2 ** (len(s) - 1)
    assert all(round(m.basin * starts) == pytest.approx(m.basin * starts) for m in minima)


def relabelled(minima, perm):
    """Minima of the permuted problem (new actor k = old actor perm[k]) expected from the old."""
    return {canonical(tuple(m.blocs[j] for j in perm)): (m.energy, m.basin) for m in minima}


@settings(max_examples=150, deadline=None)
@given(problems, st.randoms(use_true_random=False))
def test_minima_invariant_under_relabelling(problem, rnd):
    s, p = problem
    perm = list(range(len(s)))
    rnd.shuffle(perm)
    before = relabelled(local_minima(s, p), perm)
    after = as_map(local_minima(s[perm], p[np.ix_(perm, perm)]))
    assert set(after) == set(before)
    for blocs, (e, _) in before.items():
        assert after[blocs][0] == pytest.approx(e, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(generic_problem(max_n=9), st.randoms(use_true_random=False))
def test_basins_invariant_under_relabelling_without_ties(problem, rnd):
    # With exact ties the lowest-index rule makes basins depend on order; generic data has none.
    s, p = problem
    perm = list(range(len(s)))
    rnd.shuffle(perm)
    before = relabelled(local_minima(s, p), perm)
    after = as_map(local_minima(s[perm], p[np.ix_(perm, perm)]))
    assert set(after) == set(before)
    for blocs, (_, basin) in before.items():
        assert after[blocs][1] == pytest.approx(basin)

"""Tests of compare_service: statistics, effect sizes and the permutation test."""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.stats
from hypothesis import given
from hypothesis import strategies as st

import customer_kanban.customers._compare as compare_module
from customer_kanban.customers._compare import (
    ServiceComparison,
    _kth_key,
    _smallest,
    compare_service,
)
from customer_kanban.errors import InsufficientDataWarning, ValidationError

EPS_TOL = 100 * np.finfo(np.float64).eps


@contextlib.contextmanager
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        yield


def _stat(a, statistic, method="linear"):
    if statistic == "median":
        return np.median(a)
    if statistic == "mean":
        return np.mean(a)
    return np.percentile(a, float(statistic[1:]), method=method)


def _t(f, o, statistic, higher_is_better, method="linear"):
    sign = -1.0 if higher_is_better else 1.0
    return sign * (_stat(f, statistic, method) - _stat(o, statistic, method))


def _exact_reference(values, is_focus, statistic, higher_is_better=False, method="linear"):
    """p-value by enumerating every split, one at a time (the plainest possible loop)."""
    values = np.asarray(values, dtype=float)
    is_focus = np.asarray(is_focus, dtype=bool)
    n, n1 = len(values), int(is_focus.sum())
    t_obs = _t(values[is_focus], values[~is_focus], statistic, higher_is_better, method)
    count = total = 0
    for combo in itertools.combinations(range(n), n1):
        mask = np.zeros(n, dtype=bool)
        mask[list(combo)] = True
        t = _t(values[mask], values[~mask], statistic, higher_is_better, method)
        count += t >= t_obs - EPS_TOL * abs(t_obs)
        total += 1
    return count / total


def _scipy_pvalue(f, o, statistic, higher_is_better, n_resamples, seed, method="linear"):
    def stat(a, b, axis):
        sign = -1.0 if higher_is_better else 1.0
        if statistic == "median":
            g = np.median
        elif statistic == "mean":
            g = np.mean
        else:
            return sign * (
                np.percentile(a, float(statistic[1:]), axis=axis, method=method)
                - np.percentile(b, float(statistic[1:]), axis=axis, method=method)
            )
        return sign * (g(a, axis=axis) - g(b, axis=axis))

    return scipy.stats.permutation_test(
        (f, o),
        stat,
        permutation_type="independent",
        alternative="greater",
        n_resamples=n_resamples,
        vectorized=True,
        rng=seed,
    ).pvalue


def _within_mc_error(p, p_true, resamples, k=4.5):
    sd = math.sqrt(max(p_true * (1 - p_true), 1e-4) / resamples)
    return abs(p - p_true) <= k * sd + 2 / resamples


# --------------------------------------------------------------------------- by hand


def test_by_hand_lead_times():
    lt = [2.0, 3.0, 4.0, 9.0, 5.0, 6.0, 7.0, 8.0, 12.0, np.nan]
    seg = ["premium"] * 4 + ["other"] * 5 + ["premium"]
    r = compare_service(lt, by=seg, focus="premium", rng=0)
    assert isinstance(r, ServiceComparison)
    assert (r.focus, r.n_focus, r.n_other) == ("premium", 4, 5)
    assert (r.focus_statistic, r.other_statistic) == (3.5, 7.0)
    assert (r.difference, r.ratio) == (-3.5, 0.5)
    # focus > other: 9 > 5, 6, 7, 8 (4 pairs); focus < other: 16 of the other pairs.
    assert r.cliffs_delta == (4 - 16) / 20
    assert r.probability_better == 16 / 20
    assert r.served_at_least_as_well is True
    assert r.exact is True
    assert r.permutations == math.comb(9, 4)
    expected = _exact_reference(lt[:9], [True] * 4 + [False] * 5, "median")
    assert r.pvalue == expected
    scipy_exact = _scipy_pvalue(lt[:4], lt[4:9], "median", False, np.inf, 0)
    assert r.pvalue == pytest.approx(scipy_exact, abs=1e-12)
    d = json.loads(r.to_json())
    assert d["focus"] == "premium"
    assert d["served_at_least_as_well"] is True


def test_focus_served_worse_gives_small_pvalue_both_directions():
    rng = np.random.default_rng(3)
    other = rng.lognormal(1.0, 0.5, 300)
    premium = rng.lognormal(1.5, 0.5, 60)  # slower: served worse
    lt = np.r_[premium, other]
    seg = np.array(["premium"] * 60 + ["rest"] * 300)
    r = compare_service(lt, by=seg, focus="premium", rng=1, permutations=999)
    assert r.pvalue == 1 / 1000  # no relabelling is as extreme
    assert r.served_at_least_as_well is False
    assert r.cliffs_delta > 0.3
    assert r.probability_better < 0.35
    # The others are served worse than premium: premium's p-value is large.
    assert compare_service(lt, by=seg, focus="rest", rng=1, permutations=999).pvalue > 0.99
    # SLE met (higher is better): premium met 50 %, the rest 90 %.
    met = np.r_[np.arange(60) % 2 == 0, np.arange(300) % 10 != 0].astype(float)
    with pytest.raises(TypeError, match=r"`values` must hold numbers, not booleans"):
        compare_service(met > 0, by=seg, focus="premium", statistic="mean")
    r = compare_service(
        met, by=seg, focus="premium", higher_is_better=True, statistic="mean", rng=1
    )
    assert (r.focus_statistic, r.other_statistic) == (0.5, 0.9)
    assert r.served_at_least_as_well is False
    assert r.pvalue < 0.001
    assert r.probability_better == pytest.approx((1 + r.cliffs_delta) / 2)
    flipped = compare_service(
        met, by=seg, focus="premium", higher_is_better=False, statistic="mean", rng=1
    )
    assert flipped.served_at_least_as_well is True
    assert flipped.pvalue > 0.99


# --------------------------------------------------------------------------- exact


@pytest.mark.parametrize("statistic", ["median", "mean", "p85", "p20"])
@pytest.mark.parametrize("higher_is_better", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_exact_enumeration_matches_plain_loop_and_scipy(statistic, higher_is_better, seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 11))
    n1 = int(rng.integers(1, n))
    values = rng.integers(0, 6, n).astype(float)  # ties on purpose
    is_focus = np.zeros(n, dtype=bool)
    is_focus[rng.choice(n, n1, replace=False)] = True
    group = np.where(is_focus, "f", "o")
    r = compare_service(
        values, by=group, focus="f", statistic=statistic, higher_is_better=higher_is_better
    )
    assert r.exact is True
    assert r.permutations == math.comb(n, n1)
    assert r.pvalue == pytest.approx(
        _exact_reference(values, is_focus, statistic, higher_is_better), abs=1e-12
    )
    scipy_p = _scipy_pvalue(
        values[is_focus], values[~is_focus], statistic, higher_is_better, np.inf, 0
    )
    assert r.pvalue == pytest.approx(scipy_p, abs=1e-12)


@pytest.mark.parametrize("statistic", ["median", "mean", "p85", "p20"])
@pytest.mark.parametrize("alone", ["focus", "other"])
def test_exact_enumeration_with_a_side_of_one_item(statistic, alone):
    values = np.array([4.0, 1.0, 7.0, 2.0, 2.0, 9.0, 5.0, 3.0])
    for position in range(values.size):
        is_focus = np.arange(values.size) == position
        if alone == "other":
            is_focus = ~is_focus
        for hib in (False, True):
            r = compare_service(
                values, by=is_focus, focus=True, statistic=statistic, higher_is_better=hib
            )
            assert (r.exact, r.permutations) == (True, values.size)
            assert r.pvalue == pytest.approx(
                _exact_reference(values, is_focus, statistic, hib), abs=1e-12
            )


@pytest.mark.parametrize("method", ["inverted_cdf", "hazen", "nearest"])
def test_exact_enumeration_with_percentile_methods(method):
    values = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0])
    is_focus = np.array([1, 0, 1, 0, 0, 1, 0, 1, 0], dtype=bool)
    r = compare_service(values, by=is_focus, focus=True, statistic="p70", method=method)
    assert r.method == method
    assert r.focus_statistic == np.percentile(values[is_focus], 70, method=method)
    assert r.pvalue == pytest.approx(
        _exact_reference(values, is_focus, "p70", method=method), abs=1e-12
    )


# --------------------------------------------------------------------------- Monte Carlo

# Each sampler, forced on small data by moving the thresholds that choose it.
ENGINES = {
    "masks": {"_DISTINCT_FRACTION": 10**9, "_CHUNK_MIN": 10**9},
    "masks_band": {"_DISTINCT_FRACTION": 10**9, "_CHUNK_MIN": 10**9, "_BAND_MIN": 0},
    "cells": {"_DISTINCT_FRACTION": 1},
    "chunks": {"_DISTINCT_FRACTION": 10**9, "_CHUNK_MIN": 0, "_CHUNK_FACTOR": 0.7},
    "chunks_even": {"_DISTINCT_FRACTION": 10**9, "_CHUNK_MIN": 0, "_CHUNK_FACTOR": 0.5},
}

DATASETS = [
    # (values, focus mask): mid-range exact p-values, ties in the second and third.
    (
        [2.5, 7.25, 1.0, 4.75, 3.5, 9.0, 6.0, 5.5, 8.25, 0.5, 3.0],
        [1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0],
    ),
    ([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5], [1, 1, 0, 0, 1, 0, 1, 0, 1, 0, 0]),
    ([2, 2, 1, 3, 1, 2, 3, 1, 2, 2], [0, 1, 1, 0, 0, 1, 0, 1, 1, 0]),
]


@pytest.mark.parametrize(
    ("engine", "statistic"),
    [
        (engine, statistic)
        for engine in ENGINES
        for statistic in ("median", "mean", "p85", "p30")
        if not (engine.startswith("chunks") and statistic == "mean")  # quantiles only
    ],
)
@pytest.mark.parametrize("data", range(len(DATASETS)))
def test_every_sampler_matches_exact_enumeration(monkeypatch, engine, statistic, data):
    for name, value in ENGINES[engine].items():
        monkeypatch.setattr(compare_module, name, value)
    monkeypatch.setattr(compare_module, "_splits_at_most", lambda n, n1, limit: False)
    monkeypatch.setattr(compare_module, "_BATCH_ELEMENTS", 1 << 14)
    values, focus = (np.asarray(a) for a in DATASETS[data])
    is_focus = focus.astype(bool)
    method = "inverted_cdf" if statistic == "p30" else "linear"
    resamples = 20_000
    for hib in (False, True):
        r = compare_service(
            values,
            by=is_focus,
            focus=True,
            statistic=statistic,
            method=method,
            higher_is_better=hib,
            permutations=resamples,
            rng=11,
        )
        assert r.exact is False
        assert r.permutations == resamples
        exact = _exact_reference(values, is_focus, statistic, hib, method)
        assert _within_mc_error(r.pvalue, exact, resamples), (engine, hib, r.pvalue, exact)


def test_engines_are_chosen_as_documented(monkeypatch):
    calls = []
    for name in ("_cells_count", "_chunks_count", "_masks_count", "_exact_count"):
        real = getattr(compare_module, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            calls.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(compare_module, name, spy)
    rng = np.random.default_rng(0)
    g = np.arange(6000) % 3 == 0
    compare_service(rng.integers(0, 30, 6000), by=g, focus=True, permutations=9)
    compare_service(rng.random(6000), by=g, focus=True, permutations=9)
    compare_service(rng.random(6000), by=g, focus=True, statistic="mean", permutations=9)
    compare_service(rng.random(300), by=g[:300], focus=True, permutations=9)
    compare_service(rng.random(8), by=g[:8], focus=True, permutations=9999)
    assert calls == [
        "_cells_count",
        "_chunks_count",
        "_masks_count",
        "_masks_count",
        "_exact_count",
    ]


@pytest.mark.parametrize(
    ("statistic", "ties"), [("median", False), ("mean", False), ("p90", False), ("median", True)]
)
def test_monte_carlo_matches_scipy_permutation_test(statistic, ties):
    rng = np.random.default_rng(7)
    f = rng.lognormal(1.1, 0.6, 25)
    o = rng.lognormal(1.0, 0.6, 45)
    if ties:
        f, o = np.round(f), np.round(o)
    values = np.r_[f, o]
    group = np.array(["f"] * 25 + ["o"] * 45)
    r = compare_service(values, by=group, focus="f", statistic=statistic, rng=5)
    ref = _scipy_pvalue(f, o, statistic, False, 9999, 5)
    assert 0.02 < ref < 0.98  # a case where the comparison means something
    sd = math.sqrt(2 * ref * (1 - ref) / 10_000)
    assert abs(r.pvalue - ref) < 4.5 * sd


def test_chunk_sampler_matches_scipy_on_a_large_sample():
    rng = np.random.default_rng(21)
    n = 4500  # above _CHUNK_MIN
    values = rng.gamma(2.0, 3.0, n)
    group = np.where(rng.random(n) < 0.3, "premium", "other")
    values[group == "premium"] *= 1.02
    for statistic in ("median", "p85"):
        r = compare_service(values, by=group, focus="premium", statistic=statistic, rng=2)
        ref = _scipy_pvalue(
            values[group == "premium"], values[group == "other"], statistic, False, 2999, 3
        )
        sd = math.sqrt(max(ref * (1 - ref), 1e-3) * (1 / 10_000 + 1 / 3000))
        assert abs(r.pvalue - ref) < 4.5 * sd


def test_kth_key_band_equals_partition(monkeypatch):
    rng = np.random.default_rng(4)
    keys = rng.integers(0, 1 << 32, size=(5, 50_000), dtype=np.uint32)
    monkeypatch.setattr(compare_module, "_BAND_MIN", 0)
    for k in (0, 1, 7, 12_345, 25_000, 49_998, 49_999):
        expected = np.partition(keys, k, axis=1)[:, k]
        assert np.array_equal(_kth_key(keys, k), expected)
    skewed = keys.copy()
    skewed[0] //= 4  # the band misses: the fallback answers
    assert np.array_equal(_kth_key(skewed, 30_000), np.partition(skewed, 30_000, axis=1)[:, 30_000])


def test_smallest_is_a_uniform_subset_of_the_right_size():
    gen = np.random.default_rng(9)
    keys = gen.integers(0, 4, size=(2000, 6), dtype=np.uint32)  # many ties: redraws happen
    masks = _smallest(keys, 2, gen)
    assert (masks.sum(axis=1) == 2).all()
    # Every one of the 15 pairs about equally often.
    pairs = np.unique(masks, axis=0, return_counts=True)[1]
    assert len(pairs) == 15
    assert scipy.stats.chisquare(pairs).pvalue > 1e-4


# --------------------------------------------------------------------------- effect sizes


@st.composite
def two_samples(draw, *, max_size=25, ties=True):
    elements = (
        st.integers(0, 6).map(float)
        if ties and draw(st.booleans())
        else st.floats(0, 100, allow_nan=False)
    )
    f = draw(st.lists(elements, min_size=1, max_size=max_size))
    o = draw(st.lists(elements, min_size=1, max_size=max_size))
    return np.array(f), np.array(o)


@given(samples=two_samples(), higher_is_better=st.booleans())
def test_cliffs_delta_matches_double_loop_and_mannwhitneyu(samples, higher_is_better):
    f, o = samples
    values = np.r_[f, o]
    group = np.array(["f"] * len(f) + ["o"] * len(o))
    with _quiet():
        r = compare_service(
            values, by=group, focus="f", higher_is_better=higher_is_better, permutations=1, rng=0
        )
    greater = less = ties = 0
    for a in f:
        for b in o:
            if a > b:
                greater += 1
            elif a < b:
                less += 1
            else:
                ties += 1
    pairs = len(f) * len(o)
    assert r.cliffs_delta == pytest.approx((greater - less) / pairs, abs=1e-12)
    u = scipy.stats.mannwhitneyu(f, o, method="asymptotic").statistic
    assert r.cliffs_delta == pytest.approx(2 * u / pairs - 1, abs=1e-12)
    better = greater if higher_is_better else less
    assert r.probability_better == pytest.approx((better + ties / 2) / pairs, abs=1e-12)
    assert -1 <= r.cliffs_delta <= 1
    assert 0 <= r.probability_better <= 1


@given(samples=two_samples(), statistic=st.sampled_from(["median", "mean", "p85", "p5"]))
def test_statistics_equal_numpy_on_each_side(samples, statistic):
    f, o = samples
    values = np.r_[f, o]
    group = np.array([1] * len(f) + [2] * len(o))
    with _quiet():
        r = compare_service(values, by=group, focus=1, statistic=statistic, permutations=9, rng=0)
    expected = (_stat(f, statistic), _stat(o, statistic))
    if statistic == "mean":
        assert r.focus_statistic == pytest.approx(expected[0], rel=1e-12, abs=1e-12)
        assert r.other_statistic == pytest.approx(expected[1], rel=1e-12, abs=1e-12)
    else:
        assert (r.focus_statistic, r.other_statistic) == expected
    assert r.served_at_least_as_well == (r.focus_statistic <= r.other_statistic)
    assert 0 < r.pvalue <= 1


@given(samples=two_samples(max_size=40), data=st.data())
def test_invariant_to_row_order(samples, data):
    f, o = samples
    values = np.r_[f, o]
    group = np.array(["f"] * len(f) + ["o"] * len(o), dtype=object)
    perm = np.array(data.draw(st.permutations(range(len(values)))), dtype=np.intp)
    with _quiet():
        a = compare_service(values, by=group, focus="f", permutations=99, rng=3)
        b = compare_service(values[perm], by=group[perm], focus="f", permutations=99, rng=3)
    assert a == b


# --------------------------------------------------------------------------- randomness


def test_seeded_determinism():
    rng = np.random.default_rng(1)
    values = rng.gamma(2.0, 2.0, 500)
    group = rng.choice(np.array(["a", "b", "c"]), 500)
    one = compare_service(values, by=group, focus="a", rng=42, permutations=499)
    two = compare_service(values, by=group, focus="a", rng=42, permutations=499)
    assert one == two
    gen_a, gen_b = np.random.default_rng(42), np.random.default_rng(42)
    assert compare_service(values, by=group, focus="a", rng=gen_a, permutations=499) == (
        compare_service(values, by=group, focus="a", rng=gen_b, permutations=499)
    )
    others = {
        compare_service(values, by=group, focus="a", rng=seed, permutations=499).pvalue
        for seed in range(5)
    }
    assert len(others) > 1  # the seed matters


def test_memory_is_bounded_by_batches():
    rng = np.random.default_rng(0)
    n = 200_000
    values = rng.lognormal(1.0, 0.5, n)
    group = rng.random(n) < 0.2
    for statistic in ("mean", "median"):
        tracemalloc.start()
        try:
            compare_service(values, by=group, focus=True, statistic=statistic, permutations=60)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        # Data copies are ~n * 8 bytes each; one batch is ~_BATCH_ELEMENTS elements.
        assert peak < 20 * n * 8 + 6 * compare_module._BATCH_ELEMENTS * 8, statistic


# --------------------------------------------------------------------------- missing data


def test_nan_values_and_missing_groups_are_left_out():
    values = [1.0, np.nan, 2.0, 5.0, 6.0, 100.0]
    group = ["p", "p", "p", "o", "o", None]
    r = compare_service(values, by=group, focus="p", rng=0)
    assert (r.n_focus, r.n_other) == (2, 2)
    assert r.other_statistic == 5.5
    r = compare_service(values, by=(np.array([0, 0, 0, 1, 1, -1]), ["p", "o"]), focus="p")
    assert (r.n_focus, r.n_other, r.other_statistic) == (2, 2, 5.5)


def test_a_side_without_values_warns_and_is_nan():
    with pytest.warns(InsufficientDataWarning, match=r"no value in the focus group"):
        r = compare_service([1.0, np.nan], by=["o", "p"], focus="p")
    assert r.n_focus == 0
    assert math.isnan(r.focus_statistic)
    assert r.other_statistic == 1.0
    assert math.isnan(r.pvalue)
    assert math.isnan(r.cliffs_delta)
    assert r.served_at_least_as_well is None
    assert r.to_dict()["pvalue"] is None
    with pytest.warns(InsufficientDataWarning, match=r"no value in the other groups"):
        r = compare_service([1.0, 2.0], by=["p", "p"], focus="p")
    assert r.n_other == 0
    with pytest.warns(InsufficientDataWarning):
        r = compare_service([], by=(np.array([], dtype=np.intp), ["p", "o"]), focus="p")
    assert (r.n_focus, r.n_other) == (0, 0)


def test_tiny_groups_and_zero_statistic():
    r = compare_service([3.0, 1.0], by=["p", "o"], focus="p")
    assert (r.exact, r.permutations, r.pvalue) == (True, 2, 0.5)
    assert r.cliffs_delta == 1.0
    r = compare_service([1.0, 1.0, 1.0], by=["p", "o", "o"], focus="p")  # all tied
    assert (r.pvalue, r.cliffs_delta, r.probability_better) == (1.0, 0.0, 0.5)
    with pytest.warns(InsufficientDataWarning, match=r"the others' statistic is 0"):
        r = compare_service([1, 0, 0, 0], by=["p", "o", "o", "o"], focus="p", higher_is_better=True)
    assert math.isnan(r.ratio)
    assert r.served_at_least_as_well is True


# --------------------------------------------------------------------------- errors


def test_errors():
    with pytest.raises(ValidationError, match=r"`focus` 'gold' is not a label of `by`"):
        compare_service([1.0, 2.0], by=["p", "o"], focus="gold")
    with pytest.raises(
        ValidationError, match=r"`values` must be finite \(NaN = missing\); .*1 row \(row 1\)"
    ) as info:
        compare_service([1.0, np.inf], by=["p", "o"], focus="p")
    assert info.value.rows == (1,)
    with pytest.raises(ValidationError, match=r"`values` and `by` must have the same length"):
        compare_service([1.0, 2.0], by=["p"], focus="p")
    with pytest.raises(ValidationError, match=r"`by` codes must lie in \[-1, 1\]"):
        compare_service([1.0, 2.0], by=(np.array([0, 5]), ["p", "o"]), focus="p")
    with pytest.raises(ValidationError, match=r"`by` must give the group of each item"):
        compare_service([1.0], by=None, focus="p")
    with pytest.raises(ValidationError, match=r"`statistic` must be 'median', 'mean' or a"):
        compare_service([1.0, 2.0], by=["p", "o"], focus="p", statistic="p101")
    with pytest.raises(ValidationError, match=r"`statistic` must be .* got 'max'"):
        compare_service([1.0, 2.0], by=["p", "o"], focus="p", statistic="max")
    with pytest.raises(TypeError, match=r"`statistic` must be a string"):
        compare_service([1.0, 2.0], by=["p", "o"], focus="p", statistic=50)
    with pytest.raises(ValidationError, match=r"`method` must be one of"):
        compare_service([1.0, 2.0], by=["p", "o"], focus="p", statistic="p50", method="magic")
    with pytest.raises(ValidationError, match=r"`permutations` must be at least 1; got 0"):
        compare_service([1.0, 2.0], by=["p", "o"], focus="p", permutations=0)
    with pytest.raises(TypeError, match=r"`permutations` must be a whole number, got float"):
        compare_service([1.0, 2.0], by=["p", "o"], focus="p", permutations=99.0)
    with pytest.raises(TypeError, match=r"`higher_is_better` must be True or False"):
        compare_service([1.0, 2.0], by=["p", "o"], focus="p", higher_is_better="yes")
    with pytest.raises(TypeError, match=r"`rng` must be None, an int seed >= 0 or a numpy"):
        compare_service([1.0, 2.0], by=["p", "o"], focus="p", rng=np.random.RandomState(0))
    with pytest.raises(TypeError, match=r"`rng` must be None, an int seed >= 0 .* got PCG64"):
        compare_service([1.0, 2.0], by=["p", "o"], focus="p", rng=np.random.PCG64(0))
    with pytest.raises(ValidationError, match=r"`rng` as a seed must be >= 0; got -1"):
        compare_service([1.0, 2.0], by=["p", "o"], focus="p", rng=-1)
    with pytest.raises(TypeError, match=r"takes 1 positional argument but 2 positional"):
        compare_service([1.0, 2.0], ["p", "o"], focus="p")  # type: ignore[misc]
    with pytest.raises(TypeError, match=r"`values` must hold numbers"):
        compare_service(["1 day", "2 days"], by=["p", "o"], focus="p")


def test_permutations_are_bounded():
    values, group = [1.0, 2.0, 3.0], ["p", "o", "o"]
    for huge in (10**7 + 1, 10**12, 2**63):
        with pytest.raises(ValidationError, match=r"`permutations` must be at most 10000000; got"):
            compare_service(values, by=group, focus="p", permutations=huge)
    for bad in (True, "99", 1e9, None):
        with pytest.raises(TypeError, match=r"`permutations` must be a whole number"):
            compare_service(values, by=group, focus="p", permutations=bad)  # type: ignore[arg-type]
    # numpy integers are whole numbers; every split of 3 items is enumerated
    r = compare_service(values, by=group, focus="p", permutations=np.int64(10**7))
    assert (r.exact, r.permutations) == (True, 3)


@pytest.mark.parametrize(
    ("n", "statistic", "ties", "allowed"),
    [
        (10**5, "mean", False, 3 * 10**8 // (10**5 + 32)),  # random subsets: n + 32
        (10**5, "median", True, 3 * 10**8 // (13 * 10 + 40)),  # 10 distinct values
        (10**5, "p85", False, 3 * 10**8 // (3 * (211 + 4 * 475))),  # chunks of 475
    ],
)
def test_the_work_of_the_test_is_bounded(n, statistic, ties, allowed):
    rng = np.random.default_rng(4)
    values = rng.integers(0, 10, n) if ties else rng.gamma(2.0, 3.0, n)
    group = rng.random(n) < 0.3
    with pytest.raises(
        ValidationError, match=rf"`permutations` must be at most {allowed} for these values"
    ):
        compare_service(values, by=group, focus=True, statistic=statistic, permutations=allowed + 1)
    plan = compare_module._random_plan(
        compare_module._Problem(
            x=np.sort(values.astype(float)),
            flags=np.zeros(n, bool),
            n1=1,
            n2=n - 1,
            stat=compare_module._parse_statistic(statistic, "linear"),
            r1=None,
            r2=None,
            sign=1.0,
        ),
        allowed,
    )
    assert plan.relabellings * plan.work <= compare_module._WORK_BUDGET


def test_an_enumeration_beyond_the_bound_is_refused():
    # 2000 items, 2 in focus: 1,999,000 splits of 2,032 steps each would exceed the bound,
    # and fewer permutations than splits draw random subsets of 2,032 steps each.
    values = np.arange(2000, dtype=float)
    group = np.arange(2000) < 2
    with pytest.raises(
        ValidationError, match=r"`permutations` must be at most 147637 for these values"
    ):
        compare_service(values, by=group, focus=True, permutations=2 * 10**6)
    assert not compare_service(values, by=group, focus=True, permutations=9999, rng=0).exact


def test_focus_is_one_label():
    values = [1.0, 2.0, 3.0, 4.0]
    for bad in (np.array(["a", "b"]), ["a"], {"a"}):
        with pytest.raises(TypeError, match=r"`focus` must be one label of `by`, not a"):
            compare_service(values, by=["a", "a", "b", "b"], focus=bad)
    days = np.array(["2024-01-01"] * 2 + ["2024-02-01"] * 2, dtype="datetime64[ns]")
    for focus in (np.datetime64("2024-01-01", "ns"), np.datetime64("2024-01-01")):
        r = compare_service(values, by=days, focus=focus)
        assert (r.focus, r.n_focus) == (np.datetime64("2024-01-01", "ns"), 2)
    assert json.loads(r.to_json())["focus"] == "2024-01-01T00:00:00Z"
    assert compare_service(values, by=[0, 0, 1, 1], focus=np.int64(1)).focus == 1


# --------------------------------------------------------------------------- frames


def test_frame_of_a_comparison_is_one_row():
    lt = [2.0, 3.0, 4.0, 9.0, 5.0, 6.0, 7.0, 8.0, 12.0]
    r = compare_service(lt, by=["premium"] * 4 + ["other"] * 5, focus="premium")
    rows = r.to_frame().to_dict("records")
    assert len(rows) == 1
    assert rows[0]["focus"] == "premium"
    assert (rows[0]["focus_statistic"], rows[0]["other_statistic"]) == (3.5, 7.0)
    assert (rows[0]["permutations"], rows[0]["exact"]) == (126, True)
    assert rows[0]["pvalue"] == r.pvalue
    assert len(repr(r).splitlines()) <= 20

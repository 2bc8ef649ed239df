"""Tests of tail_ratio and recommend_sle."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_kanban.errors import InsufficientDataWarning, ValidationError
from customer_kanban.metrics import recommend_sle, tail_ratio
from customer_kanban.metrics.survival._predictability import _bootstrap_cdf, _rank

# --------------------------------------------------------------------------- tail_ratio


def test_tail_ratio_by_hand():
    d = np.arange(1.0, 101.0) ** 2  # nearest rank: Q50 = 50², Q98 = 98²
    r = tail_ratio(d)
    assert r.q50.tolist() == [2500.0]
    assert r.q98.tolist() == [9604.0]
    assert r.ratio.tolist() == [9604 / 2500]
    assert r.n.tolist() == [100]
    assert r.fat_tailed(3.8).tolist() == [True]
    assert r.fat_tailed(3.9).tolist() == [False]
    linear = tail_ratio(d, method="linear")
    assert linear.q50[0] == np.percentile(d, 50)
    assert linear.q98[0] == np.percentile(d, 98)


def test_tail_ratio_of_weibull_depends_on_shape_only():
    rng = np.random.default_rng(2)
    for k in (0.75, 1.0, 1.5, 3.0):
        d = 7.0 * rng.weibull(k, size=200_000)
        expected = (math.log(50) / math.log(2)) ** (1 / k)
        assert tail_ratio(d).ratio[0] == pytest.approx(expected, rel=0.02)


def test_tail_ratio_small_sample_and_zero_median_warn():
    with pytest.warns(InsufficientDataWarning, match=r"fewer than `min_size` = 50 .*'all'"):
        r = tail_ratio(np.arange(1.0, 50.0))
    assert np.isnan(r.ratio).all()
    assert r.q50.tolist() == [25.0]  # still reported
    assert tail_ratio(np.arange(1.0, 50.0), min_size=49).ratio[0] == 49 / 25
    with pytest.warns(InsufficientDataWarning, match=r"the median is 0"):
        r = tail_ratio(np.r_[np.zeros(30), np.ones(30)], min_size=10)
    assert np.isnan(r.ratio).all()
    assert r.fat_tailed(2.0).tolist() == [False]


def test_tail_ratio_groups_equal_separate_calls():
    rng = np.random.default_rng(5)
    d = rng.lognormal(1.0, 0.8, size=1000)
    d[rng.random(1000) < 0.05] = np.nan
    by = rng.choice(np.array(["a", "b", "c"]), size=1000)
    r = tail_ratio(d, by=by)
    for g, label in enumerate(r.groups):
        alone = tail_ratio(d[by == label])
        assert r.ratio[g] == alone.ratio[0]
        assert r.n[g] == alone.n[0] == np.count_nonzero(~np.isnan(d[by == label]))


def test_tail_ratio_censoring_aware():
    rng = np.random.default_rng(8)
    d = rng.weibull(1.0, size=400) * 10
    assert tail_ratio(d, np.ones(400, bool)).ratio[0] == tail_ratio(d).ratio[0]
    # Keep the slowest items open (seen at 60% of their lead time): dropping them
    # shrinks the tail; censoring keeps it.
    open_ = d > np.quantile(d, 0.9)
    seen = np.where(open_, 0.6 * d, d)
    dropped = tail_ratio(np.where(open_, np.nan, d))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        censored = tail_ratio(seen, ~open_)
    assert censored.n[0] == 360
    assert dropped.ratio[0] < 4.0
    assert np.isnan(censored.ratio[0]) or censored.ratio[0] > dropped.ratio[0]


def test_tail_ratio_errors():
    with pytest.raises(ValidationError, match=r"`min_size` must be at least 2; got 1"):
        tail_ratio([1.0], min_size=1)
    with pytest.raises(TypeError, match=r"`min_size` must be a whole number"):
        tail_ratio([1.0], min_size=50.0)
    with pytest.raises(ValidationError, match=r"`method` must be one of 'inverted_cdf', 'linear'"):
        tail_ratio([1.0], method="nearest-ish")
    with pytest.raises(ValidationError, match=r"`threshold` must be > 1"):
        tail_ratio(np.arange(1.0, 60.0)).fat_tailed(0.5)


# --------------------------------------------------------------------------- recommend_sle


def _enumerated_bootstrap(sample, p):
    """Every resample of a tiny sample, equally likely: the exact distribution."""
    n = len(sample)
    k = _rank(n, p)
    stats = [sorted(r)[k - 1] for r in itertools.product(sample, repeat=n)]
    values = sorted(set(stats))
    return np.array(values), np.array([np.mean(np.array(stats) <= v) for v in values])


@pytest.mark.parametrize(
    ("sample", "p"),
    [([1.0, 2.0, 3.0, 4.0], 0.85), ([2.0, 2.0, 5.0, 7.0, 7.0], 0.5), ([3.0, 1.0, 1.0], 0.99)],
)
def test_bootstrap_distribution_is_exact(sample, p):
    values, cdf = _bootstrap_cdf(np.sort(np.array(sample)), p)
    ref_values, ref_cdf = _enumerated_bootstrap(sample, p)
    # the exact distribution may give zero mass to small values: compare on the union
    union = np.union1d(values, ref_values)
    ours = cdf[np.searchsorted(values, union, side="right") - 1]
    ref = np.r_[0.0, ref_cdf][np.searchsorted(ref_values, union, side="right")]
    np.testing.assert_allclose(ours, ref, atol=1e-12)


def test_rank_is_numpys_inverted_cdf():
    for n in (1, 2, 7, 40, 101):
        x = np.arange(n, dtype=float)
        for p in (0.01, 0.5, 0.85, 0.95, 0.999):
            assert x[_rank(n, p) - 1] == np.percentile(x, 100 * p, method="inverted_cdf")


def test_monte_carlo_draws_follow_the_exact_distribution():
    rng = np.random.default_rng(3)
    d = np.round(rng.gamma(2.0, 3.0, size=80))
    exact = recommend_sle(d, probability=0.85, resamples=None)
    mc = recommend_sle(d, probability=0.85, resamples=200_000, rng=4)
    assert mc.percentile[0] == exact.percentile[0]
    # 200 000 draws: the interval ends land on the exact ones (or a neighbouring value)
    values = np.unique(d)
    for a, b in ((mc.low, exact.low), (mc.high, exact.high)):
        assert abs(np.searchsorted(values, a[0]) - np.searchsorted(values, b[0])) <= 1


def test_matches_plain_resampling_loop():
    rng = np.random.default_rng(11)
    d = rng.lognormal(1.5, 0.7, size=60)
    boot = np.random.default_rng(12)
    k = _rank(60, 0.85)
    stats = np.array([np.sort(boot.choice(d, size=60))[k - 1] for _ in range(4000)])
    naive_low, naive_high = np.percentile(stats, [2.5, 97.5], method="inverted_cdf")
    r = recommend_sle(d, probability=0.85, resamples=None)
    ordered = np.sort(d)
    assert r.percentile[0] == ordered[k - 1] == np.percentile(d, 85, method="inverted_cdf")
    for ours, naive in ((r.low[0], naive_low), (r.high[0], naive_high)):
        assert abs(np.searchsorted(ordered, ours) - np.searchsorted(ordered, naive)) <= 2


@given(
    d=st.lists(st.integers(0, 30), min_size=1, max_size=60),
    p=st.floats(0.05, 0.99),
    seed=st.integers(0, 2**32 - 1),
)
def test_interval_contains_quantile_and_is_seeded(d, p, seed):
    x = np.array(d, dtype=float)
    a = recommend_sle(x, probability=p, resamples=500, rng=seed)
    b = recommend_sle(x, probability=p, resamples=500, rng=seed)
    assert a == b
    exact = recommend_sle(x, probability=p, resamples=None)
    for r in (a, exact):
        assert x.min() <= r.low[0] <= r.high[0] <= x.max()
        assert r.days[0] == math.ceil(r.percentile[0])
    assert exact.low[0] <= exact.percentile[0] <= exact.high[0]


def test_groups_and_empty_group():
    rng = np.random.default_rng(6)
    d = rng.gamma(2.0, 2.0, size=300)
    by = rng.choice(np.array(["expedite", "standard"]), size=300)
    r = recommend_sle(d, probability=0.9, by=by, resamples=None)
    for g, label in enumerate(r.groups):
        alone = recommend_sle(d[by == label], probability=0.9, resamples=None)
        assert (r.percentile[g], r.low[g], r.high[g]) == (
            alone.percentile[0],
            alone.low[0],
            alone.high[0],
        )
    with pytest.warns(InsufficientDataWarning, match=r"no finished item in 1 of 2 groups \('b'\)"):
        e = recommend_sle([1.0, np.nan], by=(np.array([0, 1]), ["a", "b"]), rng=0)
    assert e.n.tolist() == [1, 0]
    assert np.isnan(e.percentile[1])
    assert e.to_dict()["probability"] == 0.85


def test_recommend_errors():
    with pytest.raises(
        ValidationError, match=r"`probability` must be a fraction in \(0, 1\); got 85 \(did you"
    ):
        recommend_sle([1.0], probability=85)
    with pytest.raises(TypeError, match="positional argument"):
        recommend_sle([1.0], 0.85)  # type: ignore[misc]
    with pytest.raises(ValidationError, match=r"`confidence` must be a fraction in \(0, 1\)"):
        recommend_sle([1.0], confidence=1.0)
    with pytest.raises(ValidationError, match=r"`resamples` must be at least 1"):
        recommend_sle([1.0], resamples=0)
    with pytest.raises(TypeError, match=r"`rng` must be None, an int seed >= 0 or a numpy"):
        recommend_sle([1.0], rng=np.random.RandomState(0))
    with pytest.raises(TypeError, match=r"`rng` must be None.*got PCG64"):
        recommend_sle([1.0], rng=np.random.PCG64(0))
    with pytest.raises(ValidationError, match=r"`rng` as a seed must be >= 0"):
        recommend_sle([1.0], rng=-1)
    with pytest.raises(ValidationError, match=r"`durations` must be >= 0"):
        recommend_sle([-1.0])


def test_frames_have_one_row_per_group():
    d = [2.0, 3.0, 3.0, 3.0, 6.0, 1.0, 9.0]
    by = ["a"] * 5 + ["b"] * 2
    tail = tail_ratio(d, by=by, min_size=2).to_frame()
    assert tail.columns.tolist() == ["group", "ratio", "q50", "q98", "n", "min_size"]
    assert tail["ratio"].tolist() == [2.0, 9.0]
    assert tail["min_size"].tolist() == [2, 2]
    sle = recommend_sle(d, by=by, resamples=None)
    frame = sle.to_frame()
    assert frame.columns.tolist() == [
        "group",
        "percentile",
        "days",
        "low",
        "high",
        "n",
        "probability",
        "confidence",
        "resamples",
    ]
    assert frame["percentile"].tolist() == [6.0, 9.0]
    assert frame["low"].tolist() == [3.0, 1.0]
    assert frame["probability"].tolist() == [0.85, 0.85]
    assert len(repr(sle).splitlines()) <= 20
    assert sle.to_frame("pyarrow").num_rows == 2


# --------------------------------------------------------------------------- hardening


def test_size_bounds():
    d = np.arange(1.0, 60.0)
    for huge in (10**9 + 1, 10**12, 2**63):
        with pytest.raises(ValidationError, match=r"`min_size` must be at most 1000000000"):
            tail_ratio(d, min_size=huge)
        with pytest.raises(ValidationError, match=r"`resamples` must be at most 1000000"):
            recommend_sle(d, resamples=huge, rng=0)
    assert recommend_sle(d, resamples=10**6, rng=0).n.tolist() == [59]

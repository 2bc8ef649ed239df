"""Tests of the Monte Carlo forecasts: daily_throughput, forecast_when, forecast_how_many."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from customer_kanban.errors import CustomerKanbanWarning, ValidationError
from customer_kanban.metrics.forecast._monte_carlo import (
    DailyThroughput,
    HowManyForecast,
    WhenForecast,
    daily_throughput,
    forecast_how_many,
    forecast_when,
)

PAST = [0, 1, 2, 0, 3, 1, 0, 2]

samples = st.lists(st.integers(0, 5), min_size=1, max_size=12).filter(any)
seeds = st.integers(0, 2**32 - 1)


def _reference_when(sample, items, trials, rng):
    """Plain per-trial loop: draw one past day at a time until `items` are delivered."""
    out = np.empty(trials)
    for t in range(trials):
        total = days = 0
        while total < items:
            total += sample[rng.integers(len(sample))]
            days += 1
        out[t] = days
    return out


def _reference_how_many(sample, days, trials, rng):
    return np.array(
        [sum(sample[rng.integers(len(sample))] for _ in range(days)) for _ in range(trials)]
    )


# --------------------------------------------------------------------------- daily_throughput


def test_daily_throughput_by_hand():
    delivered = ["2024-01-01T00:00", "2024-01-01T23:59", "2024-01-03", None, "2024-01-09"]
    out = daily_throughput(delivered, since="2024-01-01T15:00", until="2024-01-05T01:00")
    assert out.counts.dtype == np.int64
    assert out.counts.tolist() == [[2, 0, 1, 0, 0]]
    assert out.groups.tolist() == ["all"]
    # 5 days; the deliveries before and after the window are left out
    assert out.periods.tolist() == [np.datetime64("2024-01-01") + d for d in range(5)]


def test_daily_throughput_single_day_and_empty():
    assert daily_throughput([], since="2024-01-01", until="2024-01-01").counts.tolist() == [[0]]


def test_daily_throughput_total_equals_delivered_inside():
    rng = np.random.default_rng(3)
    ns = rng.integers(0, 30 * 86_400 * 10**9, size=500)
    delivered = np.datetime64("2024-01-01", "ns") + ns.astype("timedelta64[ns]")
    out = daily_throughput(delivered, since="2024-01-01", until="2024-01-30T12:00")
    assert out.counts.shape == (1, 30)
    assert out.counts.sum() == 500
    labels = rng.choice(np.array(["x", "y", "z"], dtype=object), size=500)
    labels[:7] = None  # in no group: left out
    grouped = daily_throughput(delivered, by=labels, since="2024-01-01", until="2024-01-30T12:00")
    assert grouped.groups.tolist() == ["x", "y", "z"]
    for g, label in enumerate(grouped.groups):
        alone = daily_throughput(
            delivered[labels == label], since="2024-01-01", until="2024-01-30T12:00"
        )
        assert np.array_equal(grouped.counts[g], alone.counts[0])
    assert grouped.counts.sum() == 493


def test_daily_throughput_until_before_since():
    with pytest.raises(ValidationError, match=r"`until` must not be before `since`"):
        daily_throughput([], since="2024-01-02", until="2024-01-01")
    with pytest.raises(TypeError, match="unexpected keyword argument 'start'"):
        daily_throughput([], start="2024-01-01", stop="2024-01-02")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="positional"):
        daily_throughput([], "2024-01-01", "2024-01-02")  # type: ignore[misc]


# --------------------------------------------------------------------------- forecast_when


@pytest.mark.parametrize(("k", "items"), [(1, 7), (3, 7), (3, 9), (5, 1), (2, 0)])
def test_when_constant_throughput_is_exact(k, items):
    f = forecast_when([k, k, k], items, trials=500, rng=1, as_of="2024-01-01")
    expected = math.ceil(items / k)
    assert f.days.shape == (1, 500)
    assert (f.days == expected).all()
    assert f.values.tolist() == [[expected] * 4]
    assert (f.completion == np.datetime64("2024-01-01") + expected).all()
    assert f.probability_by(expected).tolist() == [1.0]
    assert f.probability_by(expected - 1).tolist() == [0.0]


def test_when_geometric_case_chi_square():
    # Sample [0, 2], items 2: each day finishes with probability 1/2, P(days = d) = 0.5**d.
    f = forecast_when([0, 2], 2, trials=40_000, rng=7)
    days = f.days[0].astype(np.int64)
    observed = np.bincount(days, minlength=12)[1:12]
    observed[-1] += int((days > 11).sum())
    p = 0.5 ** np.arange(1, 12)
    p[-1] += 0.5**11  # the tail P(days >= 11)
    assert math.isclose(p.sum(), 1.0)
    _, pvalue = stats.chisquare(observed, p * days.size)
    assert pvalue > 1e-4


def test_when_matches_enumerated_distribution():
    # Sample [0, 1, 2], items 3: enumerate every sequence of 6 days (3**6 equally likely)
    # and record the day the running total reaches 3 (all are done by day 3... 6).
    sample = [0, 1, 2]
    exact = np.zeros(8)
    for seq in itertools.product(sample, repeat=6):
        cum = np.cumsum(seq)
        hit = np.flatnonzero(cum >= 3)
        exact[hit[0] + 1 if hit.size else 7] += 1
    exact /= exact.sum()
    f = forecast_when(sample, 3, trials=50_000, rng=11)
    observed = np.bincount(np.minimum(f.days[0], 7).astype(np.int64), minlength=8) / 50_000
    sigma = np.sqrt(exact * (1 - exact) / 50_000)
    assert (np.abs(observed - exact) <= 5 * sigma + 1e-12).all()
    assert exact[1] == 0  # never in one day: 2 < 3
    assert math.isclose(exact[2], 3 / 9)  # (1,2), (2,1), (2,2)


def test_when_matches_reference_loop_distribution():
    sample = np.array(PAST)
    ours = forecast_when(sample, 30, trials=20_000, rng=5).days[0]
    ref = _reference_when(sample, 30, 20_000, np.random.default_rng(6))
    q = [10, 50, 85, 95]
    assert np.abs(np.percentile(ours, q) - np.percentile(ref, q)).max() <= 1.0
    assert abs(ours.mean() - ref.mean()) < 0.2


def test_when_percentiles_are_inverted_cdf():
    f = forecast_when(PAST, 12, trials=999, q=[1, 33.3, 50, 85, 100], rng=3)
    ranked = np.sort(f.days[0])
    for q, v in zip(f.q, f.values[0], strict=True):
        k = math.ceil(q / 100 * ranked.size)  # nearest rank, rounding up
        assert v == ranked[k - 1]
        assert (f.days <= v).mean() >= q / 100


def test_when_split_rate():
    plain = forecast_when([2, 2], 10, trials=2000, rng=4)
    split = forecast_when([2, 2], 10, trials=2000, rng=4, split_rate=(1.0, 2.0))
    assert (plain.days == 5).all()
    assert split.days.min() >= 5
    assert split.days.max() <= 10
    assert split.days.mean() > 6.5  # target ceil(10 U), U in [1, 2): days ~ 7.5 on average
    fixed = forecast_when([2, 2], 10, trials=50, rng=4, split_rate=(1.5, 1.5))
    assert (fixed.days == 8).all()  # ceil(15 / 2)


def test_when_max_days_gives_inf_and_warns():
    with pytest.warns(CustomerKanbanWarning, match=r"not done within `max_days` = 3 days"):
        f = forecast_when([0, 0, 0, 1], 5, trials=100, rng=0, max_days=3, as_of="2024-01-01")
    assert np.isinf(f.days).all()
    assert np.isinf(f.values).all()
    assert np.isnat(f.dates).all()
    assert np.isnat(f.completion).all()
    assert f.probability_by(10**6).tolist() == [0.0]


def test_when_without_as_of_has_nat_dates():
    f = forecast_when(PAST, 5, trials=100, rng=0)
    assert f.dates.dtype == np.dtype("datetime64[D]")
    assert np.isnat(f.dates).all()
    assert np.isnat(f.completion).all()
    assert np.isnat(f.as_of)
    assert f.to_dict()["as_of"] is None
    with pytest.raises(ValidationError, match=r"only for a forecast made with `as_of`"):
        f.probability_by("2024-01-01")


def test_when_probability_by_date_and_days_agree():
    f = forecast_when(PAST, 15, trials=2000, rng=8, as_of="2024-02-27T18:00")
    for d in range(0, 30):
        date = np.datetime64("2024-02-27") + d
        by_date, by_days = f.probability_by(date), f.probability_by(d)
        assert by_date.tolist() == by_days.tolist() == [(f.completion <= date).mean()]
    assert f.probability_by("2024-03-10T23:59") == f.probability_by(12)


def test_when_result_is_exportable_and_compares():
    f = forecast_when(PAST, 5, trials=10, rng=0, as_of="2024-01-01")
    g = forecast_when(PAST, 5, trials=10, rng=0, as_of="2024-01-01")
    assert isinstance(f, WhenForecast)
    assert f == g
    d = f.to_dict()
    assert set(d) == {
        "groups",
        "items",
        "days",
        "q",
        "values",
        "dates",
        "completion",
        "as_of",
    }
    assert d["as_of"] == "2024-01-01T00:00:00Z"
    assert d["groups"] == ["all"]
    assert d["items"] == [5]
    assert len(d["days"][0]) == 10
    f.to_json()


def test_when_batch_size_bounds_and_small_batches():
    a = forecast_when(PAST, 40, trials=1000, rng=2, batch_size=7)
    b = forecast_when(PAST, 40, trials=1000, rng=2, batch_size=7)
    assert np.array_equal(a.days, b.days)
    assert np.all(np.isfinite(a.days))
    assert a.days.min() >= math.ceil(40 / 3)


def test_when_accepts_generator():
    gen = np.random.default_rng(9)
    a = forecast_when(PAST, 10, trials=100, rng=gen)
    b = forecast_when(PAST, 10, trials=100, rng=gen)  # the generator advanced
    c = forecast_when(PAST, 10, trials=100, rng=np.random.default_rng(9))
    assert np.array_equal(a.days, c.days)
    assert not np.array_equal(a.days, b.days)


# --------------------------------------------------------------------------- forecast_how_many


@pytest.mark.parametrize(("k", "days"), [(1, 7), (3, 0), (4, 30)])
def test_how_many_constant_throughput_is_exact(k, days):
    f = forecast_how_many([k] * 5, days, trials=300, rng=1)
    assert isinstance(f, HowManyForecast)
    assert f.counts.shape == (1, 300)
    assert (f.counts == k * days).all()
    assert f.values.tolist() == [[k * days] * 4]
    assert f.days == days


def test_how_many_values_read_from_low_side():
    f = forecast_how_many(PAST, 10, trials=1001, q=[1, 50, 85, 99.9, 100], rng=3)
    counts = f.counts[0]
    for q, n in zip(f.q, f.values[0], strict=True):
        assert (counts >= n).mean() >= q / 100  # "q % chance of n or more"
        assert (counts >= n + 1).mean() < q / 100  # and n is the largest such count
    assert f.values[0, -1] == counts.min()


def test_how_many_matches_reference_loop_distribution():
    sample = np.array(PAST)
    ours = forecast_how_many(sample, 20, trials=20_000, rng=5).counts[0]
    ref = _reference_how_many(sample, 20, 20_000, np.random.default_rng(6))
    q = [5, 50, 85, 95]
    assert np.abs(np.percentile(ours, q) - np.percentile(ref, q)).max() <= 1.0
    assert abs(ours.mean() - 22.5) < 0.1  # 20 days × mean 1.125
    assert abs(ref.mean() - 22.5) < 0.1


def test_how_many_two_point_sample_is_binomial():
    f = forecast_how_many([0, 1], 10, trials=40_000, rng=12)
    observed = np.bincount(f.counts[0], minlength=11)
    expected = stats.binom.pmf(np.arange(11), 10, 0.5) * f.counts.size
    merged_obs = np.r_[observed[:2].sum(), observed[2:9], observed[9:].sum()]
    merged_exp = np.r_[expected[:2].sum(), expected[2:9], expected[9:].sum()]
    _, pvalue = stats.chisquare(merged_obs, merged_exp)
    assert pvalue > 1e-4


# --------------------------------------------------------------------------- properties


@given(sample=samples, items=st.integers(0, 40), seed=seeds)
def test_when_values_monotone_in_q_and_probability_by(sample, items, seed):
    f = forecast_when(sample, items, trials=200, q=[5, 25, 50, 75, 95, 100], rng=seed)
    assert (np.diff(f.values) >= 0).all()
    probs = [f.probability_by(d)[0] for d in range(0, 60, 3)]
    assert (np.diff(probs) >= 0).all()
    assert 0 <= min(probs) <= max(probs) <= 1


@given(sample=samples, items=st.integers(0, 40), extra=st.integers(0, 40), seed=seeds)
def test_when_more_items_never_finish_earlier(sample, items, extra, seed):
    a = forecast_when(sample, items, trials=200, rng=seed)
    b = forecast_when(sample, items + extra, trials=200, rng=seed)
    assert (b.days >= a.days).all()  # trial by trial: the same simulated days
    assert (b.values >= a.values).all()


@given(sample=samples, days=st.integers(0, 40), extra=st.integers(0, 40), seed=seeds)
def test_how_many_monotone_in_q_and_days(sample, days, extra, seed):
    q = [5, 25, 50, 75, 95, 100]
    a = forecast_how_many(sample, days, trials=200, q=q, rng=seed)
    assert (np.diff(a.values) <= 0).all()  # more confidence, fewer items
    b = forecast_how_many(sample, days + extra, trials=200, q=q, rng=seed)
    assert (b.counts >= a.counts).all()  # one batch, one block: the same first days
    assert (b.values >= a.values).all()


@given(sample=samples, items=st.integers(0, 30), seed=seeds)
def test_same_seed_same_forecast(sample, items, seed):
    a = forecast_when(sample, items, trials=100, rng=seed, as_of="2024-01-01")
    b = forecast_when(sample, items, trials=100, rng=seed, as_of="2024-01-01")
    assert a == b
    assert np.array_equal(a.days, b.days)
    c = forecast_how_many(sample, items, trials=100, rng=seed)
    d = forecast_how_many(sample, items, trials=100, rng=seed)
    assert np.array_equal(c.counts, d.counts)


def test_global_rng_untouched():
    state = np.random.get_state()[1].copy()  # noqa: NPY002 - checking, not using, the legacy RNG
    forecast_when(PAST, 10, trials=100, rng=None)
    forecast_how_many(PAST, 10, trials=100, rng=None)
    assert np.array_equal(np.random.get_state()[1], state)  # noqa: NPY002


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("sample", [[0, 0, 0], [0]])
def test_no_deliveries_refused(sample):
    msg = r"^`daily_throughput` has no deliveries: the forecast would never end$"
    with pytest.raises(ValidationError, match=msg):
        forecast_when(sample, 3)
    with pytest.raises(ValidationError, match=msg):
        forecast_how_many(sample, 3)


def test_empty_history_refused():
    msg = r"^`daily_throughput` is empty: it has no day to sample from$"
    with pytest.raises(ValidationError, match=msg):
        forecast_when([], 3)
    with pytest.raises(ValidationError, match=msg):
        forecast_how_many([], 3)


def test_no_deliveries_in_a_group_named():
    with pytest.raises(ValidationError, match=r"no deliveries in groups \[1\]: the forecast"):
        forecast_when([[1, 0], [0, 0]], [1, 1])
    tp = daily_throughput(
        ["2024-01-01", "2024-01-02"],
        by=(np.array([0, 0]), ["a", "b"]),
        since="2024-01-01",
        until="2024-01-02",
    )
    with pytest.raises(ValidationError, match=r"no deliveries in groups \['b'\]"):
        forecast_when(tp, 1)
    assert forecast_when(tp, [2, 0], trials=10, rng=0).values[1].tolist() == [0.0] * 4
    with pytest.raises(ValidationError, match=r"no deliveries in groups \['b'\]"):
        forecast_how_many(tp, 5)


@pytest.mark.parametrize("sample", [[2, -1], [2, 1.5], [2, np.nan], [2, np.inf]])
def test_bad_throughput_values(sample):
    msg = r"^`daily_throughput` must hold whole numbers >= 0 \(items per day\); .*\(row 1\)$"
    with pytest.raises(ValidationError, match=msg):
        forecast_when(sample, 3)


def test_negative_items_and_days():
    with pytest.raises(ValidationError, match=r"^`items` must be >= 0; got -1$"):
        forecast_when(PAST, -1)
    with pytest.raises(ValidationError, match=r"^`days` must be at least 0 \[days\]; got -2$"):
        forecast_how_many(PAST, -2)
    with pytest.raises(TypeError, match=r"`items` must be an integer, one integer per group"):
        forecast_when(PAST, 2.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"`items` must be integers, got float"):
        forecast_when([[1], [2]], {0: 2, 1: 1.5})
    with pytest.raises(ValidationError, match=r"`items` names groups without a throughput"):
        forecast_when([[1], [2]], {3: 2})
    with pytest.raises(TypeError, match=r"`days` must be a whole number, got bool"):
        forecast_how_many(PAST, True)


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ([0, 50], r"^`q` must lie in \(0, 100\] \[%\]; got \[0.0, 50.0\]$"),
        ([50, 101], r"^`q` must lie in \[0, 100\] \[%\]; got \[50.0, 101.0\]$"),
        ([-5], r"^`q` must lie in \[0, 100\] \[%\]; got \[-5.0\]$"),
        ([np.nan], r"^`q` must lie in \[0, 100\] \[%\]; got \[nan\]$"),
        (0.85, r"^`q` is in percent; did you mean 85\? \(got 0.85; "),
        ([0.5, 0.85, 0.95], r"^`q` is in percent; did you mean \[50.0, 85.0, 95.0\]\?"),
    ],
)
def test_bad_percentiles(q, message):
    with pytest.raises(ValidationError, match=message):
        forecast_when(PAST, 3, q=q)
    with pytest.raises(ValidationError, match=message):
        forecast_how_many(PAST, 3, q=q)


def test_percentiles_is_now_q():
    with pytest.raises(TypeError, match="unexpected keyword argument 'percentiles'"):
        forecast_when(PAST, 3, percentiles=[85])  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument 'percentiles'"):
        forecast_how_many(PAST, 3, percentiles=[85])  # type: ignore[call-arg]
    assert forecast_when(PAST, 3, q=85, trials=10, rng=0).q.tolist() == [85.0]


@pytest.mark.parametrize(
    ("rng", "error", "message"),
    [
        (np.random.RandomState(0), TypeError, r"^`rng` must be None, an int seed >= 0 or a numpy"),
        (np.random.PCG64(0), TypeError, r"got PCG64$"),
        (np.random.SeedSequence(0), TypeError, r"got SeedSequence$"),
        (1.5, TypeError, r"got float$"),
        (True, TypeError, r"got bool$"),
        (-1, ValidationError, r"^`rng` as a seed must be >= 0; got -1$"),
    ],
)
def test_rng_forms(rng, error, message):
    with pytest.raises(error, match=message):
        forecast_when(PAST, 3, trials=5, rng=rng)
    with pytest.raises(error, match=message):
        forecast_how_many(PAST, 3, trials=5, rng=rng)
    seeded = forecast_when(PAST, 3, trials=50, rng=np.int64(4))
    assert seeded == forecast_when(PAST, 3, trials=50, rng=np.random.default_rng(4))


def test_bad_options():
    with pytest.raises(ValidationError, match=r"^`trials` must be at least 1; got 0$"):
        forecast_when(PAST, 3, trials=0)
    with pytest.raises(TypeError, match=r"^`trials` must be a whole number, got float 10.0$"):
        forecast_when(PAST, 3, trials=10.0)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"^`max_days` must be at least 1 \[days\]; got 0$"):
        forecast_when(PAST, 3, max_days=0)
    with pytest.raises(ValidationError, match=r"^`batch_size` must be at least 1; got 0$"):
        forecast_when(PAST, 3, batch_size=0)
    with pytest.raises(ValidationError, match=r"`split_rate` must satisfy 0 < low <= high"):
        forecast_when(PAST, 3, split_rate=(2.0, 1.0))
    with pytest.raises(ValidationError, match=r"`as_of` must be an instant, got NaT"):
        forecast_when(PAST, 3, as_of=np.datetime64("NaT"))
    with pytest.raises(ValidationError, match=r"`when` must be a number of days"):
        forecast_when(PAST, 3, trials=5, rng=0).probability_by(float("nan"))


# --------------------------------------------------------------------------- groups


def _two_customers():
    delivered = ["2024-02-01", "2024-02-02", "2024-02-02", "2024-02-05", "2024-02-06"]
    return daily_throughput(
        delivered, by=["C1", "C2", "C1", "C1", "C2"], since="2024-02-01", until="2024-02-07"
    )


def test_grouped_when_uses_each_groups_history():
    tp = _two_customers()
    assert tp.counts.tolist() == [[1, 1, 0, 0, 1, 0, 0], [0, 1, 0, 0, 0, 1, 0]]
    f = forecast_when(tp, [6, 4], trials=4000, rng=3)
    assert f.groups.tolist() == ["C1", "C2"]
    assert f.items.tolist() == [6, 4]
    assert f.days.shape == (2, 4000)
    for g in range(2):  # each group's distribution is that of its own history alone
        alone = forecast_when(tp.counts[g], int(f.items[g]), trials=4000, rng=100 + g).days[0]
        assert abs(np.median(f.days[g]) - np.median(alone)) <= 1.0
        assert abs(f.days[g].mean() - alone.mean()) < 0.05 * alone.mean()


def test_grouped_streams_are_independent_of_other_groups_items():
    tp = _two_customers()
    a = forecast_when(tp, [6, 1], trials=500, rng=8)
    b = forecast_when(tp, [6, 30], trials=500, rng=8)
    assert np.array_equal(a.days[0], b.days[0])
    assert (b.days[1] >= a.days[1]).all()


def test_mapping_selects_groups_in_its_order():
    tp = _two_customers()
    f = forecast_when(tp, {"C2": 3, "C1": 2}, trials=100, rng=0)
    assert f.groups.tolist() == ["C2", "C1"]
    assert f.items.tolist() == [3, 2]
    one = forecast_when(tp, {"C1": 4}, q=[85], trials=300, rng=1)
    assert one.values.shape == (1, 1)


def test_grouped_how_many_matches_per_group_means():
    tp = _two_customers()
    f = forecast_how_many(tp, 70, trials=4000, rng=5)
    assert f.groups.tolist() == ["C1", "C2"]
    expected = tp.counts.mean(axis=1) * 70  # 30 and 20 items expected in 70 days
    assert np.allclose(f.counts.mean(axis=1), expected, rtol=0.03)
    assert f.values.shape == (2, 4)


# --------------------------------------------------------------------------- frames


def test_daily_throughput_frame_is_group_by_period():
    tp = _two_customers()
    frame = tp.to_frame()
    assert frame.columns.tolist() == ["group", "period", "counts"]
    assert len(frame) == 2 * 7
    assert frame["group"].tolist() == ["C1"] * 7 + ["C2"] * 7
    assert frame["counts"].tolist() == tp.counts.ravel().tolist()
    assert [str(p.date()) for p in frame["period"][:2]] == ["2024-02-01", "2024-02-02"]
    assert len(repr(tp).splitlines()) <= 20


def test_when_frame_is_group_by_q_without_trials():
    # As many trials as percentiles: the per-trial arrays must not pass for a q axis.
    f = forecast_when(
        [[1, 1], [2, 2]], [3, 4], trials=3, q=[50, 85, 100], rng=0, as_of="2024-01-01"
    )
    frame = f.to_frame()
    assert frame.columns.tolist() == ["group", "q", "items", "values", "dates", "as_of"]
    assert frame["group"].tolist() == [0, 0, 0, 1, 1, 1]
    assert frame["q"].tolist() == [50.0, 85.0, 100.0] * 2
    assert frame["items"].tolist() == [3, 3, 3, 4, 4, 4]
    assert frame["values"].tolist() == [3.0, 3.0, 3.0, 2.0, 2.0, 2.0]
    assert [str(t.date()) for t in frame["dates"]] == ["2024-01-04"] * 3 + ["2024-01-03"] * 3
    assert [str(t.date()) for t in frame["as_of"]] == ["2024-01-01"] * 6
    assert len(repr(forecast_when(PAST, 5, trials=10_000, rng=0)).splitlines()) <= 20
    assert forecast_when(PAST, 5, trials=5, rng=0).to_frame("polars").shape == (4, 6)


def test_how_many_frame_is_group_by_q_without_trials():
    f = forecast_how_many([[1, 1], [0, 2]], 2, trials=2, q=[50, 100], rng=0)
    frame = f.to_frame()
    assert frame.columns.tolist() == ["group", "q", "values", "days"]
    assert frame["group"].tolist() == [0, 0, 1, 1]
    assert frame["q"].tolist() == [50.0, 100.0, 50.0, 100.0]
    assert frame["values"].tolist() == f.values.ravel().tolist()
    assert frame["values"].tolist()[:2] == [2, 2]
    assert frame["days"].tolist() == [2] * 4
    assert f.to_frame("pyarrow").num_rows == 4
    assert len(repr(forecast_how_many(PAST, 30, rng=0)).splitlines()) <= 20


# --------------------------------------------------------------------------- hardening


def test_size_bounds():
    for huge in (36_526, 10**9, 10**12, 2**63):
        with pytest.raises(ValidationError, match=r"^`days` must be at most 36525 \[days\]"):
            forecast_how_many(PAST, huge, trials=1)
        with pytest.raises(ValidationError, match=r"^`max_days` must be at most 36525 \[days\]"):
            forecast_when(PAST, 3, trials=1, max_days=huge)
    for huge in (1_000_001, 10**12, 2**63):
        with pytest.raises(ValidationError, match=r"^`trials` must be at most 1000000; got"):
            forecast_how_many(PAST, 1, trials=huge)
        with pytest.raises(ValidationError, match=r"^`trials` must be at most 1000000; got"):
            forecast_when(PAST, 3, trials=huge)
        with pytest.raises(ValidationError, match=r"^`batch_size` must be at most 262144; got"):
            forecast_when(PAST, 3, trials=1, batch_size=huge)
    with pytest.raises(TypeError, match=r"^`days` must be a whole number, got float 1000000000.0"):
        forecast_how_many(PAST, 1e9)  # type: ignore[arg-type]


def test_trials_times_days_is_bounded():
    message = r"`trials` × `days` must be at most 268,435,456 simulated days per group"
    with pytest.raises(ValidationError, match=message + r".*10,000 × 36,525"):
        forecast_how_many(PAST, 36_525, trials=10_000)
    message = r"`trials` × `max_days` must be at most 268,435,456 .* lower `trials` or `max_days`"
    with pytest.raises(ValidationError, match=message):
        forecast_when(PAST, 3, trials=100_000)  # with the default max_days = 3650
    assert forecast_when(PAST, 3, trials=100_000, max_days=2_000, rng=0).days.shape == (1, 100_000)
    assert forecast_how_many(PAST, 0, trials=1_000_000, rng=0).values.tolist() == [[0] * 4]


def test_items_and_throughput_bounds():
    with pytest.raises(ValidationError, match=r"^`items` must be at most 1,000,000,000; got 10000"):
        forecast_when(PAST, 10**12)
    with pytest.raises(ValidationError, match=r"^`items` must be at most 1,000,000,000; got 9223"):
        forecast_when(PAST, 2**63)
    with pytest.raises(ValidationError, match=r"^`items` must be at most 1,000,000,000; got"):
        forecast_when([[1, 2], [3, 4]], np.array([1, 2**62]))
    with pytest.raises(ValidationError, match=r"^`items` must be at most 1,000,000,000; got"):
        forecast_when([[1, 2], [3, 4]], {1: 10**10})
    with pytest.raises(TypeError, match=r"`items` must be an integer or one integer per group"):
        forecast_when([[1, 2], [3, 4]], [[1], [2, 3]])
    # Huge daily throughput would overflow the running totals of int64.
    msg = r"whole numbers >= 0 \(items per day\); at most 1,000,000,000; it does not in 2 rows"
    for sample in ([2**62, 2**62], [1e300, 1e300]):
        with pytest.raises(ValidationError, match=msg):
            forecast_how_many(sample, 14)
        with pytest.raises(ValidationError, match=msg):
            forecast_when(sample, 3)
    # At the bound the totals are exact.
    f = forecast_how_many([10**9], 36_525, trials=2, rng=0)
    assert f.counts.tolist() == [[36_525 * 10**9] * 2]
    with pytest.raises(ValidationError, match=r"`daily_throughput` must be one history or one row"):
        forecast_when([[1.0], [2.0, 3.0]], 3)


def test_hand_built_daily_throughput_is_checked():
    good = daily_throughput(["2024-01-01"], since="2024-01-01", until="2024-01-02")
    bad = DailyThroughput(groups=good.groups, periods=good.periods, counts=np.array([[-1, 2]]))
    with pytest.raises(ValidationError, match=r"`daily_throughput` must hold counts from 0 to"):
        forecast_when(bad, 3)
    odd = DailyThroughput(groups=good.groups, periods=good.periods, counts=np.array([1.0, 2.0]))
    with pytest.raises(ValidationError, match=r"must hold integer `counts` of shape"):
        forecast_how_many(odd, 3)


def test_split_rate_numbers_and_bound():
    for rate in ((True, 2.0), ("1.1", "1.5"), (1.0, np.datetime64("2024-01-01"))):
        with pytest.raises(TypeError, match=r"`split_rate` must be a pair of numbers"):
            forecast_when(PAST, 3, split_rate=rate)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"`split_rate` high must be at most 100"):
        forecast_when(PAST, 3, split_rate=(1.0, 1e300))
    assert forecast_when(PAST, 3, trials=10, rng=0, split_rate=(np.float32(1), 100)).days.size


def test_daily_throughput_size_is_bounded():
    with pytest.raises(ValidationError, match=r"would hold 204,535,000 counts, more than the"):
        daily_throughput(
            ["2000-01-01"] * 1_000, by=np.arange(1_000), since="1700-01-01", until="2259-12-31"
        )


def test_completion_dates_stay_instants():
    # From 2262-04-01, 10 days is the farthest a completion date may be.
    f = forecast_when([1], 3, trials=2, rng=0, as_of="2262-04-01", max_days=10)
    assert f.to_dict()["dates"][0][0] == "2262-04-04T00:00:00Z"
    with pytest.raises(ValidationError, match=r"`as_of` \+ `max_days` must not pass 2262-04-11"):
        forecast_when([1], 3, trials=2, rng=0, as_of="2262-04-01", max_days=11)

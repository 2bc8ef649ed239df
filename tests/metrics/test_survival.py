"""Tests of the Kaplan–Meier survival metrics."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from customer_kanban.errors import InsufficientDataWarning, ValidationError
from customer_kanban.metrics.survival import (
    SurvivalResult,
    kaplan_meier,
    kaplan_meier_from_instants,
    km_attainment,
    km_percentiles,
    single_item_forecast,
)

TOL = {"rel": 1e-12, "abs": 1e-12}

small_ints = st.lists(st.integers(0, 8), min_size=1, max_size=40)


@st.composite
def censored_samples(draw):
    """Small integer durations (many ties) with random event flags."""
    d = draw(small_ints)
    obs = draw(st.lists(st.booleans(), min_size=len(d), max_size=len(d)))
    return np.array(d, dtype=np.float64), np.array(obs, dtype=bool)


def reference_km(d, obs):
    """The plainest Kaplan–Meier: a loop over the distinct event times."""
    times, at_risk, events, surv = [], [], [], []
    s = 1.0
    for t in sorted(set(d[obs].tolist())):
        n_j = int(np.sum(d >= t))
        d_j = int(np.sum((d == t) & obs))
        s *= (n_j - d_j) / n_j
        times.append(t)
        at_risk.append(n_j)
        events.append(d_j)
        surv.append(s)
    return times, at_risk, events, surv


# --------------------------------------------------------------------------- by hand


def test_kaplan_meier_by_hand_with_ties():
    # durations 1  2  2  2  3  4  5  5   (c = censored)
    #           e  e  e  c  c  e  c  c
    #  t_j | n_j (>= t_j)      | d_j | S = prod (1 - d/n)
    #   1  | 8                 |  1  | 7/8
    #   2  | 7 (the censored 2 |  2  | 7/8 * 5/7 = 5/8
    #      |    is at risk)    |     |
    #   4  | 3 (4, 5, 5)       |  1  | 5/8 * 2/3 = 5/12
    # S never reaches 0.25 (the last two are censored): q75 = inf; median = 4.
    d = [1, 2, 2, 2, 3, 4, 5, 5, np.nan]
    obs = [1, 1, 1, 0, 0, 1, 0, 0, 1]
    r = kaplan_meier(d, obs)
    assert r.times.tolist() == [1.0, 2.0, 4.0]
    assert r.at_risk.tolist() == [8, 7, 3]
    assert r.events.tolist() == [1, 2, 1]
    assert r.survival == pytest.approx([7 / 8, 5 / 8, 5 / 12], **TOL)
    assert (r.n, r.n_events, r.confidence) == (8, 4, 0.95)
    assert r.median == 4.0
    assert r.percentile(75) == np.inf
    assert r.percentile([0.0, 12.5, 20, 37.5]).tolist() == [1.0, 1.0, 2.0, 2.0]
    assert r.percentile(np.float64(50)) == r.percentile(np.array(50.0)) == 4.0
    assert isinstance(r.percentile(np.array(50.0)), float)
    assert r.evaluate([0.5, 1.0, 3.9, 4.0, 100.0]) == pytest.approx(
        [1.0, 7 / 8, 5 / 8, 5 / 12, 5 / 12], **TOL
    )
    assert np.isnan(r.evaluate(np.nan))
    assert isinstance(r.median, float)
    assert isinstance(r.evaluate(2.0), float)
    assert np.all((r.low <= r.survival) & (r.survival <= r.high))


def test_median_inf_when_half_survives():
    # t=1: n=4, d=1 -> 3/4; the other three are censored: S never reaches 1/2.
    r = kaplan_meier([1.0, 2.0, 3.0, 4.0], [True, False, False, False])
    assert r.survival.tolist() == [0.75]
    assert r.median == np.inf


def test_all_finish_at_once_and_serialises():
    r = kaplan_meier([3.0, 3.0])
    assert r.survival.tolist() == [0.0]
    assert r.low.tolist() == [0.0]
    assert r.high.tolist() == [0.0]
    assert r.median == 3.0
    out = r.to_dict()
    assert out["times"] == [3.0]
    assert out["n"] == 2
    assert r == kaplan_meier([3.0, 3.0])
    assert r != kaplan_meier([3.0, 4.0])


def test_empty_input_warns():
    for d in ([], [np.nan, np.nan]):
        with pytest.warns(InsufficientDataWarning, match="no non-NaN value"):
            r = kaplan_meier(d)
        assert r.times.size == 0
        assert r.n == 0
        assert r.median == np.inf
        assert r.evaluate([0.0, 5.0]).tolist() == [1.0, 1.0]


def test_negative_zero_is_zero():
    r = kaplan_meier([-0.0, 0.0, 1.0], [True, False, True])
    assert r.times.tolist() == [0.0, 1.0]
    assert not np.signbit(r.times).any()
    assert r.at_risk.tolist() == [3, 1]


def test_errors_are_pinned():
    with pytest.raises(
        ValidationError, match=r"`durations` must be >= 0 .* 2 rows \(row 1; row 3\)"
    ):
        kaplan_meier([1.0, -1.0, 2.0, -0.5])
    with pytest.raises(ValidationError, match=r"`durations` and `observed` must have the same"):
        kaplan_meier([1.0, 2.0], [True])
    with pytest.raises(ValidationError, match=r"`observed` must be True/False \(no unknown\)"):
        kaplan_meier([1.0, 2.0], [1.0, np.nan])
    with pytest.raises(ValidationError, match=r"`confidence` must be a fraction in \(0, 1\)"):
        kaplan_meier([1.0], confidence=1.5)
    with pytest.raises(ValidationError, match=r"got 95 \(did you mean 0.95\?\)"):
        kaplan_meier([1.0], confidence=95)
    with pytest.raises(TypeError, match=r"`confidence` must be a number"):
        kaplan_meier([1.0], confidence="0.95")
    with pytest.raises(TypeError, match="unexpected keyword argument 'alpha'"):
        kaplan_meier([1.0], alpha=0.05)
    with pytest.raises(ValidationError, match=r"`q` must lie in \[0, 100\]"):
        kaplan_meier([1.0]).percentile(150)
    with pytest.raises(ValidationError, match=r"`q` is in percent; did you mean 85\?"):
        kaplan_meier([1.0]).percentile(0.85)
    with pytest.raises(ValidationError, match=r"`q` is in percent; did you mean \[50.0, 85.0\]"):
        kaplan_meier([1.0]).percentile([0.5, 0.85])
    with pytest.raises(ValidationError, match=r"`q` must lie in \[0, 100\]"):
        km_percentiles([1.0], None, 150)
    with pytest.raises(ValidationError, match=r"`q` is in percent; did you mean 85\?"):
        km_percentiles([1.0], None, 0.85)
    with pytest.raises(ValidationError, match=r"`days` must be > 0"):
        km_attainment([1.0], None, 0)
    with pytest.raises(ValidationError, match=r"`days` must be one number or one per group \(2\)"):
        km_attainment([1.0, 2.0], None, [1.0, 2.0, 3.0], by=["a", "b"])
    with pytest.raises(ValidationError, match=r"`end` is before `start`"):
        kaplan_meier_from_instants(["2024-01-02"], ["2024-01-01"], as_of="2024-01-05")
    with pytest.raises(TypeError, match="positional"):
        kaplan_meier_from_instants(["2024-01-02"], ["2024-01-03"], "2024-01-05")  # type: ignore[misc]
    with pytest.raises(ValidationError, match=r"`confidence` must be a fraction"):
        kaplan_meier_from_instants(["2024-01-02"], [None], as_of="2024-01-05", confidence=0)


# --------------------------------------------------------------------------- reference


@given(censored_samples())
def test_matches_plain_loop(sample):
    d, obs = sample
    times, at_risk, events, surv = reference_km(d, obs)
    r = kaplan_meier(d, obs)
    assert r.times.tolist() == times
    assert r.at_risk.tolist() == at_risk
    assert r.events.tolist() == events
    assert r.survival == pytest.approx(surv, **TOL)
    assert r.n == len(d)
    assert r.n_events == int(obs.sum())


@given(censored_samples(), st.permutations(range(40)))
def test_invariant_to_row_order(sample, perm):
    d, obs = sample
    order = np.array([i for i in perm if i < len(d)])
    a, b = kaplan_meier(d, obs), kaplan_meier(d[order], obs[order])
    assert a == b


@given(censored_samples(), st.lists(st.floats(0, 100), min_size=1, max_size=6))
def test_properties(sample, qs):
    d, obs = sample
    r = kaplan_meier(d, obs)
    assert np.all((r.survival >= 0) & (r.survival <= 1))
    assert np.all(np.diff(r.survival) <= 0)
    assert np.all((r.low >= 0) & (r.high <= 1) & (r.low <= r.high))
    q = np.sort(np.array([*qs, 100.0]))  # 100 keeps clear of the (0, 1] guard
    times = r.percentile(q)
    assert np.all(times[1:] >= times[:-1])  # inf allowed: no np.diff


@given(st.lists(st.integers(0, 8), min_size=1, max_size=40), st.floats(0, 100))
def test_no_censoring_equals_inverted_cdf(d, q):
    d = np.array(d, dtype=np.float64)
    # numpy's own rounding of n * q / 100 decides ties at exact ranks; skip those.
    rank = len(d) * q / 100
    assume(abs(rank - round(rank)) > 1e-9 or q in (0.0, 100.0))
    expected = np.percentile(d, q, method="inverted_cdf")
    assert kaplan_meier(d).percentile([q, 100.0])[0] == expected  # a list: no (0, 1] guard
    # exact ranks: S is within rounding of k/n, still the nearest rank
    k = np.arange(1, len(d) + 1)
    assert kaplan_meier(d).percentile(100 * k / len(d)).tolist() == np.sort(d).tolist()


# --------------------------------------------------------------------------- lifelines


def _random_censored(rng, n):
    d = np.round(rng.exponential(5.0, n), 1)  # rounding makes ties
    obs = rng.random(n) < 0.7
    return d, obs


@pytest.mark.filterwarnings("ignore:Approximating using `survival_function_`")
@pytest.mark.parametrize("seed", range(8))
def test_matches_lifelines(seed):
    lifelines = pytest.importorskip("lifelines")
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    d, obs = _random_censored(rng, n)
    alpha = [0.05, 0.1, 0.2][seed % 3]  # lifelines' significance level
    kmf = lifelines.KaplanMeierFitter(alpha=alpha).fit(d, obs)
    r = kaplan_meier(d, obs, confidence=1 - alpha)
    # lifelines' timeline holds 0 and censoring-only times too: align on ours.
    sf = kmf.survival_function_.iloc[:, 0]
    ci = kmf.confidence_interval_
    assert np.isin(r.times, sf.index.to_numpy()).all()
    assert r.survival == pytest.approx(sf.loc[r.times].to_numpy(), **TOL)
    assert r.evaluate(sf.index.to_numpy()) == pytest.approx(sf.to_numpy(), **TOL)
    # lifelines computes S as exp(cumsum(log(n - d) - log(n))), we as a product:
    # both round differently, and the log(-log S) transform amplifies that where
    # S is close to 1, so the band agrees to 1e-10 rather than 1e-12.
    assert r.low == pytest.approx(ci.iloc[:, 0].loc[r.times].to_numpy(), rel=1e-10, abs=1e-10)
    assert r.high == pytest.approx(ci.iloc[:, 1].loc[r.times].to_numpy(), rel=1e-10, abs=1e-10)
    assert r.median == kmf.median_survival_time_ or _near_level(r, 0.5)
    for q in (10, 25, 50, 75, 85, 95):
        p = q / 100
        # lifelines' percentile(s) is the time where S reaches s = 1 - p. Where
        # S equals 1 - p exactly (up to rounding), lifelines' exp/log rounding
        # may step over; we count the level as reached (see SurvivalResult.percentile).
        if not _near_level(r, p):
            assert r.percentile(q) == kmf.percentile(1 - p)


def _near_level(r: SurvivalResult, p: float) -> bool:
    return bool(np.any(np.abs(r.survival - (1 - p)) <= 1e-9))


# --------------------------------------------------------------------------- from instants


@st.composite
def instant_samples(draw):
    n = draw(st.integers(0, 25))
    day = np.timedelta64(1, "D")
    base = np.datetime64("2024-01-01", "ns")
    nat = np.datetime64("NaT", "ns")
    start, end = [], []
    for _ in range(n):
        s = draw(st.one_of(st.none(), st.integers(0, 20)))
        e = draw(st.one_of(st.none(), st.integers(0, 10)))
        start.append(nat if s is None else base + s * day)
        end.append(nat if s is None or e is None else base + (s + e) * day)
    return np.array(start), np.array(end), base + draw(st.integers(0, 25)) * day


@given(instant_samples())
def test_from_instants_matches_loop(sample):
    start, end, as_of = sample
    d, obs = [], []
    for s, e in zip(start.tolist(), end.tolist(), strict=True):
        if s is None or s > as_of.astype(int):
            continue
        done = e is not None and e <= as_of.astype(int)
        stop = e if done else as_of.astype(int)
        d.append((stop - s) / 86_400e9)
        obs.append(done)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        got = kaplan_meier_from_instants(start, end, as_of=as_of)
        expected = kaplan_meier(np.array(d, dtype=np.float64), np.array(obs, dtype=bool))
    assert got == expected


def test_from_instants_by_hand():
    start = ["2024-01-01", "2024-01-01", "2024-01-03", "2024-01-20", None]
    end = ["2024-01-03", None, "2024-01-15", None, None]
    r = kaplan_meier_from_instants(start, end, as_of="2024-01-05T12:00")
    # event 2 d; censored at 4.5 d and 2.5 d; two not started.
    assert (r.n, r.n_events) == (3, 1)
    assert r.times.tolist() == [2.0]
    assert r.survival == pytest.approx([2 / 3], **TOL)
    with pytest.warns(InsufficientDataWarning, match="no item had started"):
        kaplan_meier_from_instants(start, end, as_of="2023-12-01")


# --------------------------------------------------------------------------- grouped


@given(censored_samples(), st.data())
def test_km_percentiles_and_attainment_match_per_group(sample, data):
    d, obs = sample
    by = np.array(data.draw(st.lists(st.sampled_from("abc"), min_size=len(d), max_size=len(d))))
    q = [10.0, 50.0, 85.0]
    pr = km_percentiles(d, obs, q, by=by)
    ar = km_attainment(d, obs, 3.5, by=by)
    for g, label in enumerate(pr.groups.tolist()):
        sel = by == label
        r = kaplan_meier(d[sel], obs[sel])
        assert pr.values[g].tolist() == r.percentile(q).tolist()
        assert pr.counts[g] == sel.sum()
        assert ar.attainment[g] == pytest.approx(1 - r.evaluate(3.5), **TOL)
        assert ar.n_events[g] == obs[sel].sum()
    assert np.all((ar.attainment >= 0) & (ar.attainment <= 1))


def test_grouped_by_hand_with_empty_group():
    d = [2.0, 3.0, 3.0, 3.0, 6.0, 1.0, 9.0, np.nan]
    obs = [True, True, True, False, False, True, True, True]
    by = (np.array([0, 0, 0, 0, 0, 2, 2, 1]), ["a", "b", "c"])
    with pytest.warns(InsufficientDataWarning, match=r"1 of 3 groups \('b'\)"):
        pr = km_percentiles(d, obs, [50, 85], by=by)
    assert np.array_equal(pr.values, [[3.0, np.inf], [np.nan, np.nan], [1.0, 9.0]], equal_nan=True)
    assert pr.counts.tolist() == [5, 0, 2]
    with pytest.warns(InsufficientDataWarning, match=r"their attainment is NaN"):
        ar = km_attainment(d, obs, [2.5, 1.0, 5.0], by=by)
    # a: S(2.5) = 4/5; c: S(5) = 1/2.
    assert ar.attainment[[0, 2]] == pytest.approx([0.2, 0.5], **TOL)
    assert np.isnan(ar.attainment[1])
    assert ar.days.tolist() == [2.5, 1.0, 5.0]
    assert ar.n.tolist() == [5, 0, 2]


def test_km_attainment_without_censoring_equals_share_within():
    d = np.array([2.0, 5.0, 8.0, 12.0, np.nan])
    assert km_attainment(d, None, 8).attainment.tolist() == [0.75]


# --------------------------------------------------------------------------- single items

Q = np.array([10.0, 50.0, 85.0, 100.0])
W = np.array([0.0, 1.0, 2.5, 7.0])


def reference_empirical(history, age, q, within):
    """Plain loop: the finished items that outlived the age, nearest rank."""
    cond = sorted(t for t in history if t > age)
    if not cond:
        return [math.nan] * len(q), [math.nan] * len(within)
    remaining = [cond[math.ceil(p / 100 * len(cond) - 1e-9) - 1] - age for p in q]
    probability = [sum(t <= age + w for t in cond) / len(cond) for w in within]
    return remaining, probability


def reference_conditional_km(d, obs, age, q, within):
    """Plain loop over the plain-loop Kaplan–Meier curve."""
    times, _, _, surv = reference_km(d, obs)

    def s(x):
        out = 1.0
        for t, v in zip(times, surv, strict=True):
            if t <= x:
                out = v
        return out

    s_age = s(age)
    if s_age == 0:
        return [math.nan] * len(q), [math.nan] * len(within)
    remaining = []
    for p in q:
        target = (1 - p / 100) * s_age
        hit = [t for t, v in zip(times, surv, strict=True) if v <= target * (1 + 1e-10)]
        remaining.append(hit[0] - age if hit else math.inf)
    probability = [1 - s(age + w) / s_age for w in within]
    return remaining, probability


def test_by_hand():
    history = np.arange(1.0, 11.0)
    with pytest.warns(InsufficientDataWarning, match=r"1 item\(s\) cannot be forecast .*row 3"):
        f = single_item_forecast([0.0, 6.0, 9.5, 10.0], history, q=[50, 100], within=2)
    assert f.remaining[:3].tolist() == [[5.0, 10.0], [2.0, 4.0], [0.5, 0.5]]
    assert np.isnan(f.remaining[3]).all()  # older than all: nothing to condition on
    assert f.probability_within[:3, 0] == pytest.approx([0.2, 0.5, 1.0], abs=1e-15)
    assert f.support.tolist() == [10, 4, 1, 0]
    assert f.group.tolist() == ["all"] * 4


def test_censored_history_by_hand():
    # Finished after 2, 4, 6; one still open at 5 days. An item aged 3:
    # S(3) = 2/3, S(4) = 2/3 * 2/3 = 4/9, S(6) = 0 (the open one was censored at 5).
    f = single_item_forecast(
        [3.0], [2.0, 4.0, 6.0, 5.0], [True, True, True, False], q=[30, 90], within=[1, 3]
    )
    assert f.probability_within[0] == pytest.approx([1 - (4 / 9) / (2 / 3), 1.0], abs=1e-15)
    assert f.remaining[0].tolist() == [1.0, 3.0]  # 1 - 2/3 >= 0.3 at 4 days; S = 0 at 6
    e = single_item_forecast(
        [3.0], [2.0, 4.0, 6.0, 5.0], [True, True, True, False], within=[1], method="empirical"
    )
    assert e.probability_within[0].tolist() == [0.5]  # finished items 4 and 6 only


@given(sample=censored_samples(), ages=st.lists(st.integers(0, 9), min_size=1, max_size=6))
def test_matches_plain_loops(sample, ages):
    d, obs = sample
    a = np.array(ages, dtype=np.float64) + 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        km = single_item_forecast(a, d, obs, q=Q, within=W)
        emp = single_item_forecast(a, d, obs, q=Q, within=W, method="empirical")
    for i, age in enumerate(a):
        rem, prob = reference_conditional_km(d, obs, age, Q, W)
        np.testing.assert_allclose(km.remaining[i], rem, rtol=1e-12)
        np.testing.assert_allclose(km.probability_within[i], prob, rtol=1e-12, atol=1e-12)
        rem, prob = reference_empirical(d[obs].tolist(), age, Q, W)
        np.testing.assert_allclose(emp.remaining[i], rem, rtol=1e-12)
        np.testing.assert_allclose(emp.probability_within[i], prob, rtol=1e-12, atol=1e-12)
        assert km.support[i] == int(np.sum(d > age))


@given(sample=censored_samples(), age=st.floats(0, 10))
def test_monotone_and_consistent(sample, age):
    d, obs = sample
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        f = single_item_forecast([age], d, obs, q=Q, within=np.arange(0, 12.0))
    rem, p = f.remaining[0], f.probability_within[0]
    if np.isnan(rem).all():
        return
    assert (rem[1:] >= rem[:-1]).all()
    assert (np.diff(p) >= -1e-15).all()
    assert ((p >= -1e-15) & (p <= 1 + 1e-15)).all()
    for k, level in enumerate(Q):  # the promised days deliver the promised probability
        if np.isfinite(rem[k]):
            got = single_item_forecast([age], d, obs, within=rem[k]).probability_within[0, 0]
            assert got >= level / 100 - 1e-9


def test_without_censoring_both_methods_agree_and_age_zero_is_km_quantile():
    rng = np.random.default_rng(4)
    d = np.round(rng.gamma(2.0, 3.0, size=300), 1) + 0.1  # > 0: age 0 conditions on nothing
    ages = np.array([0.0, 1.0, 5.5, 12.0])
    km = single_item_forecast(ages, d, q=Q, within=W)
    emp = single_item_forecast(ages, d, np.ones(d.size, bool), q=Q, within=W, method="empirical")
    np.testing.assert_array_equal(km.remaining, emp.remaining)
    np.testing.assert_allclose(km.probability_within, emp.probability_within, rtol=1e-12)
    expected = np.percentile(d, Q, method="inverted_cdf")
    np.testing.assert_array_equal(km.remaining[0], expected)


def test_groups_equal_separate_calls_and_dates():
    rng = np.random.default_rng(9)
    d = rng.gamma(1.5, 4.0, size=200)
    obs = rng.random(200) > 0.3
    cls = rng.choice(np.array(["expedite", "standard"]), size=200)
    ages = np.array([1.0, 3.0, 2.0, 8.0, 0.5])
    item_cls = np.array(["standard", "expedite", "standard", "expedite", "fixed"])
    with pytest.warns(InsufficientDataWarning, match=r"1 item\(s\) cannot be forecast"):
        f = single_item_forecast(
            ages, d, obs, within=[3.0], by=item_cls, history_by=cls, as_of="2024-05-01T12:00"
        )
    for label in ("expedite", "standard"):
        alone = single_item_forecast(
            ages[item_cls == label], d[cls == label], obs[cls == label], within=[3.0]
        )
        np.testing.assert_array_equal(f.remaining[item_cls == label], alone.remaining)
        np.testing.assert_array_equal(
            f.probability_within[item_cls == label], alone.probability_within
        )
    assert f.group.tolist() == ["standard", "expedite", "standard", "expedite", None]
    assert np.isnan(f.remaining[4]).all()
    finite = np.isfinite(f.remaining)
    expect = np.datetime64("2024-05-01T12:00", "ns") + np.round(
        f.remaining[finite] * 86_400e9
    ).astype("timedelta64[ns]")
    np.testing.assert_array_equal(f.dates[finite], expect)
    assert np.isnat(f.dates[~finite]).all()
    assert set(f.to_dict()) >= {"remaining", "dates", "probability_within", "support"}


def test_errors():
    with pytest.raises(ValidationError, match=r"`ages`"):
        single_item_forecast([-1.0], [1.0, 2.0])
    with pytest.raises(ValidationError, match=r"`q` must lie in \(0, 100\]"):
        single_item_forecast([1.0], [1.0, 2.0], q=[0])
    with pytest.raises(ValidationError, match=r"`q` must lie in \[0, 100\]"):
        single_item_forecast([1.0], [1.0, 2.0], q=[50, 101])
    with pytest.raises(ValidationError, match=r"`q` is in percent; did you mean 85\?"):
        single_item_forecast([1.0], [1.0, 2.0], q=0.85)
    with pytest.raises(TypeError, match="unexpected keyword argument 'percentiles'"):
        single_item_forecast([1.0], [1.0, 2.0], percentiles=[50])
    with pytest.raises(ValidationError, match=r"`within` must be >= 0"):
        single_item_forecast([1.0], [1.0, 2.0], within=-1)
    with pytest.raises(ValidationError, match=r"`method`"):
        single_item_forecast([1.0], [1.0, 2.0], method="weibull")
    with pytest.raises(ValidationError, match=r"`by` and `history_by` must be given together"):
        single_item_forecast([1.0], [1.0, 2.0], by=["a"])


# --------------------------------------------------------------------------- frames and repr


def test_survival_result_frame_has_one_row_per_event_time():
    r = kaplan_meier([2.0, 3.0, 3.0, 3.0, 6.0], [True, True, True, False, False])
    frame = r.to_frame()
    assert frame.columns.tolist() == [
        "times",
        "survival",
        "at_risk",
        "events",
        "low",
        "high",
        "n",
        "n_events",
        "confidence",
    ]
    assert frame["times"].tolist() == [2.0, 3.0]
    assert frame["survival"].tolist() == pytest.approx([0.8, 0.4], **TOL)
    assert frame["at_risk"].tolist() == [5, 4]
    assert frame["low"].tolist() == r.low.tolist()
    assert frame["high"].tolist() == r.high.tolist()
    assert frame["n"].tolist() == [5, 5]
    assert frame["confidence"].tolist() == [0.95, 0.95]
    with pytest.warns(InsufficientDataWarning):
        assert len(kaplan_meier([]).to_frame()) == 0


def test_survival_results_repr_is_short():
    rng = np.random.default_rng(2)
    d, obs = _random_censored(rng, 5000)
    r = kaplan_meier(d, obs)
    assert r.times.size > 100
    text = repr(r)
    assert len(text.splitlines()) <= 20
    assert text.startswith("<SurvivalResult>")
    assert "<table" in r._repr_html_()
    by = rng.choice(np.array(["a", "b"]), d.size)
    assert len(repr(km_attainment(d, obs, 5.0, by=by)).splitlines()) <= 20


def test_survival_attainment_frame_per_group():
    d = [2.0, 4.0, 7.0, 8.0, 1.0, 10.0]
    obs = [True, True, True, True, False, False]
    frame = km_attainment(d, obs, [5.0, 3.0], by=["a", "a", "a", "a", "b", "b"]).to_frame()
    assert frame.columns.tolist() == ["group", "days", "attainment", "n", "n_events"]
    assert frame["group"].tolist() == ["a", "b"]
    assert frame["days"].tolist() == [5.0, 3.0]
    assert frame["attainment"].tolist() == pytest.approx([0.5, 0.0], **TOL)
    assert frame["n_events"].tolist() == [4, 0]


def test_item_forecast_frame_is_item_by_q():
    history = np.arange(1.0, 11.0)
    f = single_item_forecast([0.0, 6.0], history, q=[50, 100], within=[2, 0.5], as_of="2024-01-01")
    frame = f.to_frame()
    assert frame.columns.tolist() == [
        "item",
        "group",
        "ages",
        "q",
        "remaining",
        "dates",
        "support",
        "method",
        "probability_within_2",
        "probability_within_0.5",
    ]
    assert frame["item"].tolist() == [0, 0, 1, 1]
    assert frame["group"].tolist() == ["all"] * 4
    assert frame["ages"].tolist() == [0.0, 0.0, 6.0, 6.0]
    assert frame["q"].tolist() == [50.0, 100.0, 50.0, 100.0]
    assert frame["remaining"].tolist() == [5.0, 10.0, 2.0, 4.0]
    assert frame["support"].tolist() == [10, 10, 4, 4]
    assert frame["probability_within_2"].tolist() == pytest.approx([0.2, 0.2, 0.5, 0.5])
    assert frame["probability_within_0.5"].tolist() == [0.0] * 4
    assert [str(t.date()) for t in frame["dates"]] == [
        "2024-01-06",
        "2024-01-11",
        "2024-01-03",
        "2024-01-05",
    ]
    assert len(repr(f).splitlines()) <= 20
    empty = single_item_forecast([], history).to_frame()
    assert len(empty) == 0
    assert "probability_within_2" not in empty.columns


@pytest.mark.parametrize("backend", ["pandas", "polars", "pyarrow"])
def test_survival_frames_in_every_backend(backend):
    d = [2.0, 3.0, 3.0, 3.0, 6.0, 1.0, 9.0]
    obs = [True, True, True, False, False, True, True]
    results = [
        kaplan_meier(d, obs),
        km_attainment(d, obs, 5.0, by=list("aaaaabb")),
        single_item_forecast([1.0, 4.0], d, obs, q=[50, 85], within=[1.0], as_of="2024-01-01"),
    ]
    for r, rows in zip(results, [4, 2, 4], strict=True):  # event times 1, 2, 3, 9
        frame = r.to_frame(backend)
        assert (frame.num_rows if backend == "pyarrow" else len(frame)) == rows


# --------------------------------------------------------------------------- hardening


def test_km_from_instants_over_292_years_is_refused():
    with pytest.raises(ValidationError, match=r"`start` and `as_of` are more than 292 years"):
        kaplan_meier_from_instants(["1678-01-01"], [None], as_of="2261-12-31")


@pytest.mark.parametrize("days", ["5", True, [True, False]])
def test_km_attainment_days_must_be_numbers(days):
    with pytest.raises(TypeError, match=r"`days` must (be a number or numbers|hold numbers)"):
        km_attainment([1.0, 9.0], None, days)


def test_single_item_horizons_must_be_numbers():
    history = [1.0, 2.0, 3.0]
    for within in ("1.5", True, ["1", "2"], np.array(["2024-01-01"], dtype="datetime64[ns]")):
        with pytest.raises(TypeError, match=r"`within` must"):
            single_item_forecast([1.0], history, within=within)
    with pytest.raises(ValidationError, match=r"`within` must be one-dimensional"):
        single_item_forecast([1.0], history, within=[[1.0, 2.0]])
    # Any number of horizons, independent of the other arguments.
    r = single_item_forecast([1.0], history, within=[1, 2, 3, 4, 5], q=[50, 85])
    assert r.probability_within.shape == (1, 5)


def test_single_item_dates_beyond_datetime64_are_refused():
    # A history of 100,000-day lead times: an item forecast from 2024 ends after 2262.
    with pytest.raises(ValidationError, match=r"`as_of` \+ the remaining days .* after 2262"):
        single_item_forecast([1.0], [1e5, 2e5], as_of="2024-01-01")
    r = single_item_forecast([1.0], [1e5, 2e5])  # without `as_of`: the days only
    assert r.remaining[0, 0] == 1e5 - 1


def test_curve_methods_refuse_text():
    r = kaplan_meier([1.0, 2.0, 3.0])
    for t in ("2", True, ["1", "2"]):
        with pytest.raises(TypeError, match=r"`t` must be a number or an array of numbers"):
            r.evaluate(t)
    assert r.evaluate(np.float32(2.0)) == r.evaluate(2)

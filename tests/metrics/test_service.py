"""Tests of service-level metrics: percentiles, sle_attainment, at_risk, on_time_rate."""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_kanban._core.validation import PERCENTILE_METHODS
from customer_kanban.errors import InsufficientDataWarning, ValidationError
from customer_kanban.metrics import at_risk, on_time_rate, percentiles, sle_attainment
from customer_kanban.testing._arrays import duration_arrays, group_label_arrays, instant_arrays

# Percentiles in percent; a q whose values all lie in (0, 1] is refused (tested below).
qs = st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=5).filter(
    lambda q: not all(0 < x <= 1 for x in q)
)


@contextlib.contextmanager
def _quiet():
    """Empty groups are expected here; their warning is tested elsewhere."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        yield


def _permutation(data, n):
    return np.array(data.draw(st.permutations(range(n))), dtype=np.intp)


# --------------------------------------------------------------------------- percentiles


def test_percentiles_by_hand():
    # Sorted [1, 2, 3, 4, 10]; linear: position (n-1)p: p50 -> 2 -> 3;
    # p85 -> 3.4 -> 4 + 0.4 * (10 - 4) = 6.4. Nearest rank (inverted_cdf):
    # p85 -> ceil(0.85 * 5) = 5th value = 10; p50 -> ceil(2.5) = 3rd = 3.
    lt = [1.0, 2.0, 3.0, 4.0, 10.0, np.nan]
    r = percentiles(lt, [50, 85])
    assert r.values[0].tolist() == pytest.approx([3.0, 6.4])
    assert np.array_equal(r.values[0], np.percentile([1, 2, 3, 4, 10], [50, 85]))
    assert r.q.tolist() == [50.0, 85.0]
    assert r.counts.tolist() == [5]
    assert r.groups.tolist() == ["all"]
    assert percentiles(lt, [50, 85], method="inverted_cdf").values.tolist() == [[3.0, 10.0]]
    # 20 values: the 85th percentile by nearest rank is the 17th value.
    assert percentiles(np.arange(1.0, 21.0), 85, method="inverted_cdf").values.tolist() == [[17.0]]


def test_percentiles_grouped_by_hand_with_empty_group():
    values = pd.Series([1.0, 3.0, 10.0, 20.0, np.nan])
    by = (np.array([0, 0, 2, 2, 1]), ["expedite", "standard", "fixed"])
    with pytest.warns(InsufficientDataWarning, match=r"1 of 3 groups \('standard'\)"):
        r = percentiles(values, 50, by=by)
    # expedite: mean of 1 and 3 = 2; standard: only NaN -> NaN; fixed: 15.
    assert np.array_equal(r.values, [[2.0], [np.nan], [15.0]], equal_nan=True)
    assert r.counts.tolist() == [2, 0, 2]


def test_percentiles_errors():
    with pytest.raises(ValidationError, match=r"`q` must lie in \[0, 100\]"):
        percentiles([1.0], 101)
    with pytest.raises(ValidationError, match=r"`q` must lie in \[0, 100\]"):
        percentiles([1.0], [np.nan])
    with pytest.raises(ValidationError, match=r"`method` must be one of 'linear', 'inverted_cdf'"):
        percentiles([1.0], 50, method="nearest_rank")
    with pytest.raises(TypeError, match=r"`values` must hold numbers"):
        percentiles(["a"], 50)
    with pytest.raises(ValidationError, match=r"`q` must be a number or one-dimensional"):
        percentiles([1.0], [[50]])
    with pytest.raises(TypeError, match=r"`q` must be a number or a sequence of numbers"):
        percentiles([1.0], "85")
    with pytest.raises(ValidationError, match=r"`q` must hold at least one percentile"):
        percentiles([1.0], [])
    with pytest.raises(ValidationError, match=r"`values` must be one-dimensional"):
        percentiles([[1.0]], 50)


def test_percentiles_q_is_in_percent():
    lt = [1.0, 2.0, 3.0, 4.0, 10.0]
    with pytest.raises(ValidationError, match=r"`q` is in percent; did you mean 85\?"):
        percentiles(lt, 0.85)
    with pytest.raises(ValidationError, match=r"`q` is in percent; did you mean \[50\.0, 85\.0\]"):
        percentiles(lt, [0.5, 0.85])
    with pytest.raises(ValidationError, match=r"did you mean 100\?"):
        percentiles(lt, 1)
    # 0 and 100 are percentiles too, and so is a small q beside a large one.
    assert percentiles(lt, [0, 100]).values.tolist() == [[1.0, 10.0]]
    assert percentiles(lt, [0.5, 50]).values[0, 1] == 3.0
    assert percentiles(lt, np.int64(50)).q.tolist() == [50.0]


@pytest.mark.parametrize("method", PERCENTILE_METHODS)
@given(
    values=duration_arrays(max_size=25),
    q=qs,
    data=st.data(),
)
def test_percentiles_match_np_percentile_per_group(method, values, q, data):
    labels = data.draw(group_label_arrays(size=len(values)))
    with warnings.catch_warnings(record=True) as record:  # checked below
        warnings.simplefilter("always", InsufficientDataWarning)
        r = percentiles(values, q, by=labels, method=method)
        ungrouped = percentiles(values, q, method=method)
    for g, label in enumerate(r.groups):
        sample = values[(labels == label) & ~np.isnan(values)]
        assert r.counts[g] == sample.size
        if sample.size:
            expected = np.percentile(sample, q, method=method)
            assert np.array_equal(r.values[g], expected)  # exact, not approximate
        else:
            assert np.isnan(r.values[g]).all()
    finite = values[~np.isnan(values)]
    if finite.size:
        assert np.array_equal(ungrouped.values[0], np.percentile(finite, q, method=method))
    empty = (r.counts == 0).any() or finite.size == 0
    assert any(w.category is InsufficientDataWarning for w in record) == bool(empty)


@pytest.mark.parametrize("method", ["linear", "inverted_cdf", "midpoint"])
def test_percentiles_of_large_groups_with_ties_match_np_percentile(method):
    # Many values, many ties and many percentiles: each group's segment is partitioned
    # at every position needed, one after the other.
    rng = np.random.default_rng(5)
    values = np.round(rng.lognormal(2, 1, 60_000), 1)
    values[rng.random(values.size) < 0.1] = np.nan
    labels = np.array(["b", "a", "c"])[rng.integers(0, 3, values.size)]
    q = [0, 1, 50, 50.5, 85, 95, 99.99, 100]
    r = percentiles(values, q, by=labels, method=method)
    for g, label in enumerate(r.groups):
        sample = values[(labels == label) & ~np.isnan(values)]
        assert np.array_equal(r.values[g], np.percentile(sample, q, method=method))


@given(values=duration_arrays(min_size=1), q=qs, method=st.sampled_from(PERCENTILE_METHODS))
def test_percentiles_monotone_in_q(values, q, method):
    if np.isnan(values).all():
        return
    q = sorted(q)
    out = percentiles(values, q, method=method).values[0]
    assert (np.diff(out) >= 0).all()


@given(values=duration_arrays(), data=st.data())
def test_percentiles_grouped_equals_ungrouped_and_order_invariant(values, data):
    labels = data.draw(group_label_arrays(size=len(values), allow_missing=False))
    q = [0, 25, 50, 85, 100]
    with _quiet():
        grouped = percentiles(values, q, by=labels)
        for g, label in enumerate(grouped.groups):
            alone = percentiles(values[labels == label], q)
            assert np.array_equal(alone.values[0], grouped.values[g], equal_nan=True)
        perm = _permutation(data, len(values))
        assert percentiles(values[perm], q, by=labels[perm]) == grouped


# --------------------------------------------------------------------------- sle_attainment


def test_sle_attainment_by_hand():
    # Finished: 2, 5, 8, 12 (NaN left out); within 8 days: 2, 5, 8 -> 3 / 4.
    r = sle_attainment([2.0, 5.0, 8.0, 12.0, np.nan], 8)
    assert (r.attainment.tolist(), r.within.tolist(), r.n.tolist()) == ([0.75], [3], [4])
    # Per-item SLE days (class of service): expedite 3 days, standard 10 days.
    # expedite items 2 (ok), 5 (late); standard items 8 (ok), 12 (late).
    r = sle_attainment([2.0, 5.0, 8.0, 12.0], [3, 3, 10, 10], by=["exp", "exp", "std", "std"])
    assert r.groups.tolist() == ["exp", "std"]
    assert r.attainment.tolist() == [0.5, 0.5]


def test_sle_attainment_errors_and_warning():
    with pytest.raises(ValidationError, match=r"`days` must be > 0 \[days\]; got 0.0"):
        sle_attainment([1.0], 0)
    with pytest.raises(
        ValidationError, match=r"`days` must be > 0 \[days\]; it is not in 1 row \(row 1\)"
    ):
        sle_attainment([1.0, 2.0], [1.0, np.nan])
    with pytest.raises(ValidationError, match=r"`durations` and `days` must have the same length"):
        sle_attainment([1.0, 2.0], [1.0])
    with pytest.raises(ValidationError, match=r"`durations` must be >= 0 \[days\]"):
        sle_attainment([-1.0], 5)
    with pytest.raises(TypeError, match=r"`days` must be a number of days"):
        sle_attainment([1.0], "eight")
    with pytest.warns(InsufficientDataWarning, match="attainment is NaN"):
        r = sle_attainment([np.nan], 5)
    assert np.isnan(r.attainment).all()
    assert r.n.tolist() == [0]


@given(durations=duration_arrays(), days=st.floats(0.1, 40), data=st.data())
def test_sle_attainment_matches_reference_loop(durations, days, data):
    labels = data.draw(group_label_arrays(size=len(durations)))
    with _quiet():
        r = sle_attainment(durations, days, by=labels)
        for g, label in enumerate(r.groups):
            within = n = 0
            for d, lab in zip(durations.tolist(), labels.tolist(), strict=True):
                if lab == label and not np.isnan(d):
                    n += 1
                    within += d <= days
            assert (r.within[g], r.n[g]) == (within, n)
            if n:
                assert 0.0 <= r.attainment[g] <= 1.0
                assert r.attainment[g] == within / n
            alone = sle_attainment(durations[labels == label], days)
            assert np.array_equal(alone.attainment, r.attainment[g : g + 1], equal_nan=True)
        perm = _permutation(data, len(durations))
        assert sle_attainment(durations[perm], days, by=labels[perm]) == r


# --------------------------------------------------------------------------- at_risk


def test_at_risk_by_hand():
    # SLE 8 days, fraction 0.8 -> at risk from 6.4 days; past the SLE (9) is at risk too.
    assert at_risk([1.0, 6.4, 9.0, np.nan], 8).tolist() == [False, True, True, False]
    assert at_risk([4.0, 4.0], [5.0, 10.0], fraction=0.5).tolist() == [True, False]


def test_at_risk_errors():
    with pytest.raises(ValidationError, match=r"`fraction` must lie in \(0, 1\]; got 0.0"):
        at_risk([1.0], 5, fraction=0)
    with pytest.raises(ValidationError, match=r"`fraction` must lie in \(0, 1\]; got 1.5"):
        at_risk([1.0], 5, fraction=1.5)
    with pytest.raises(TypeError, match=r"`fraction` must be a number"):
        at_risk([1.0], 5, fraction=True)
    with pytest.raises(ValidationError, match=r"`sle_days` must be > 0"):
        at_risk([1.0], -1)


@given(age=duration_arrays(), sle=st.floats(0.5, 30), fraction=st.floats(0.01, 1.0))
def test_at_risk_matches_reference_loop(age, sle, fraction):
    got = at_risk(age, sle, fraction=fraction)
    expected = [not np.isnan(a) and a >= fraction * sle for a in age.tolist()]
    assert got.tolist() == expected


# --------------------------------------------------------------------------- on_time_rate


def test_on_time_rate_by_hand():
    # 0: delivered Jan 5, due Jan 10 -> on time.  1: delivered Jan 12, due Jan 10 -> late.
    # 2: undelivered, due Jan 8.  3: undelivered, due Jan 31.  4: no due date -> left out.
    delivered = ["2024-01-05", "2024-01-12", None, None, "2024-01-02"]
    due = ["2024-01-10", "2024-01-10", "2024-01-08", "2024-01-31", None]
    r = on_time_rate(delivered, due)
    assert (r.rate.tolist(), r.on_time.tolist(), r.n.tolist()) == ([0.5], [1], [2])
    # As of Jan 15: item 2 is overdue (late); item 3 not yet due (left out): 1 / 3.
    r = on_time_rate(delivered, due, as_of="2024-01-15")
    assert (r.on_time.tolist(), r.n.tolist()) == ([1], [3])
    # As of Jan 9: item 1 was not delivered yet and not yet due -> left out;
    # item 2 overdue -> late: 1 / 2.
    r = on_time_rate(delivered, due, as_of="2024-01-09")
    assert (r.on_time.tolist(), r.n.tolist()) == ([1], [2])
    # Delivered exactly at the due instant is on time.
    assert on_time_rate(["2024-01-10"], ["2024-01-10"]).rate.tolist() == [1.0]


def test_on_time_rate_errors_and_warning():
    with pytest.raises(ValidationError, match=r"`end` and `due` must have the same length"):
        on_time_rate(["2024-01-01"], [])
    with pytest.warns(InsufficientDataWarning, match=r"on-time rate is NaN"):
        r = on_time_rate(["2024-01-01"], [None])
    assert np.isnan(r.rate).all()


@given(data=st.data(), with_as_of=st.booleans())
def test_on_time_rate_matches_reference_loop(data, with_as_of):
    delivered = data.draw(instant_arrays(span_days=40))
    n = len(delivered)
    due = data.draw(instant_arrays(size=n, span_days=40))
    labels = data.draw(group_label_arrays(size=n))
    as_of = None
    if with_as_of:
        as_of = data.draw(instant_arrays(size=1, allow_nat=False, span_days=40))[0]
    with _quiet():
        r = on_time_rate(delivered, due, as_of=as_of, by=labels)
        for g, label in enumerate(r.groups):
            on_time = judged = 0
            for d, u, lab in zip(delivered, due, labels, strict=True):
                if lab != label or np.isnat(u):
                    continue
                done = not np.isnat(d) and (as_of is None or d <= as_of)
                if done:
                    judged += 1
                    on_time += d <= u
                elif as_of is not None and u < as_of:
                    judged += 1
            assert (r.on_time[g], r.n[g]) == (on_time, judged)
        perm = _permutation(data, n)
        assert on_time_rate(delivered[perm], due[perm], as_of=as_of, by=labels[perm]) == r


# ------------------------------------------------------------------ censoring-aware options


def _censored_case(seed=0, n=400):
    rng = np.random.default_rng(seed)
    lead = rng.gamma(2.0, 4.0, size=n)
    observed = rng.random(n) > 0.25
    seen = np.where(observed, lead, lead * rng.random(n))  # open items: their age so far
    by = rng.choice(np.array(["expedite", "standard", "fixed"]), size=n)
    return seen, observed, by


def test_percentiles_with_observed_are_kaplan_meier():
    from customer_kanban.metrics import km_percentiles

    d, obs, by = _censored_case()
    ours = percentiles(d, [50, 85, 95], by=by, observed=obs)
    assert ours == km_percentiles(d, obs, [50, 85, 95], by=by)
    assert ours == percentiles(d, [50, 85, 95], by=by, observed=obs, method="inverted_cdf")
    # dropping the open items biases every percentile low here
    dropped = percentiles(np.where(obs, d, np.nan), [50, 85, 95], by=by, method="inverted_cdf")
    assert (ours.values >= dropped.values).all()
    everything = np.ones(d.size, bool)
    assert np.array_equal(
        percentiles(d, [50, 85], observed=everything).values,
        percentiles(d, [50, 85], method="inverted_cdf").values,
    )
    with pytest.raises(ValidationError, match=r"`method` must be 'inverted_cdf' or omitted"):
        percentiles(d, 50, observed=obs, method="linear")


def test_sle_attainment_with_observed_is_kaplan_meier():
    from customer_kanban.metrics import km_attainment

    d, obs, by = _censored_case(1)
    ours = sle_attainment(d, 10.0, by=by, observed=obs)
    ref = km_attainment(d, obs, 10.0, by=by)
    assert np.array_equal(ours.attainment, ref.attainment)
    assert np.array_equal(ours.n, ref.n)
    for g, label in enumerate(ours.groups):
        rows = by == label
        assert ours.within[g] == np.count_nonzero(rows & obs & (d <= 10.0))
    # per-item days, constant within each class: the same as one value per class
    sle = {"expedite": 3.0, "fixed": 20.0, "standard": 10.0}
    per_item = np.array([sle[b] for b in by])
    a = sle_attainment(d, per_item, by=by, observed=obs)
    b = km_attainment(d, obs, [sle[g] for g in ours.groups], by=by)
    assert np.array_equal(a.attainment, b.attainment)
    # without censoring: the plain share within
    everything = np.ones(d.size, bool)
    assert np.allclose(
        sle_attainment(d, per_item, by=by, observed=everything).attainment,
        sle_attainment(d, per_item, by=by).attainment,
        rtol=1e-12,
    )


def test_sle_attainment_with_observed_needs_one_threshold_per_group():
    msg = r"`days` must be the same for every item of a group"
    with pytest.raises(ValidationError, match=msg):
        sle_attainment([1.0, 2.0, 3.0], [5.0, 6.0, 5.0], observed=[True, False, True])
    with pytest.warns(InsufficientDataWarning, match=r"no non-NaN value in 1 of 2 groups"):
        r = sle_attainment(
            [1.0, 2.0, np.nan], [5.0, 5.0, 9.0], by=["a", "a", "b"], observed=[True, False, True]
        )
    assert r.groups.tolist() == ["a", "b"]
    assert r.attainment[0] == 0.5  # S(5): one finished at 1 of 2 at risk, the other censored
    assert np.isnan(r.attainment[1])


# --------------------------------------------------------------------------- hardening


@pytest.mark.parametrize("days", ["7", True, np.array("7"), np.bool_(True), None])
def test_sle_days_must_be_numbers(days):
    with pytest.raises(TypeError, match=r"`days` must be a number of days, got"):
        sle_attainment([1.0, 8.0], days)
    with pytest.raises(TypeError, match=r"`sle_days` must be a number of days, got"):
        at_risk([1.0, 8.0], days)


def test_sle_days_of_any_number_type():
    for days in (7, np.int8(7), np.float32(7.0), np.array(7.0)):
        assert sle_attainment([1.0, 8.0], days).attainment.tolist() == [0.5]
    with pytest.raises(TypeError, match=r"`days` must hold numbers, not text"):
        sle_attainment([1.0, 8.0], ["7", "7"])

"""``km_attainment`` from each group's durations up to its `days` only: the same bits as
``1 - S(days)`` read off the group's whole Kaplan–Meier curve, on any number of threads."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_kanban._core.threads import each
from customer_kanban.errors import InsufficientDataWarning
from customer_kanban.metrics import kaplan_meier, km_attainment


def whole_curve(d, obs, codes, labels, days):
    """Per group: the whole curve of its non-NaN durations, read at its days."""
    out = []
    for g in range(len(labels)):
        sel = (codes == g) & ~np.isnan(d)
        if not sel.any():
            out.append(np.nan)
            continue
        out.append(1.0 - kaplan_meier(d[sel], obs[sel]).evaluate(float(days[g])))
    return np.array(out)


@st.composite
def grouped(draw):
    n = draw(st.integers(1, 60))
    values = st.one_of(st.integers(0, 9).map(float), st.floats(0, 10), st.just(np.nan))
    d = np.array(draw(st.lists(values, min_size=n, max_size=n)))
    obs = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    codes = np.array(draw(st.lists(st.integers(-1, 3), min_size=n, max_size=n)))
    days = np.array(draw(st.lists(st.sampled_from([0.5, 1.0, 2.5, 3.0, 9.0, 11.0]),
                                  min_size=4, max_size=4)))  # fmt: skip
    return d, obs, codes, days


@given(grouped())
def test_equals_the_whole_curve_to_the_last_bit(sample):
    d, obs, codes, days = sample
    labels = np.array(["a", "b", "c", "d"], dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)  # empty groups: NaN
        r = km_attainment(d, obs, days, by=(codes, labels))
    expected = whole_curve(d, obs, codes, labels, days)
    assert np.array_equal(r.attainment, expected, equal_nan=True)
    for g in range(4):
        sel = (codes == g) & ~np.isnan(d)
        assert r.n[g] == sel.sum()
        assert r.n_events[g] == (sel & obs).sum()


@given(st.integers(0, 2**32 - 1), st.integers(17, 60))
def test_many_groups_equal_the_whole_curve_to_the_last_bit(seed, groups):
    # beyond 16 groups the rows are gathered by one sort of their codes, not a mask each
    rng = np.random.default_rng(seed)
    n = 400
    d = np.round(rng.exponential(4.0, n), 1)
    d[rng.random(n) < 0.05] = np.nan
    obs = rng.random(n) < 0.7
    codes = rng.integers(-1, groups, n)
    labels = np.array([f"g{k}" for k in range(groups)], dtype=object)
    days = rng.choice([0.5, 1.0, 3.0, 7.0, 40.0], groups)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        r = km_attainment(d, obs, days, by=(codes, labels))
    expected = whole_curve(d, obs, codes, labels, days)
    assert np.array_equal(r.attainment, expected, equal_nan=True)


def test_many_groups_without_censoring_are_the_share_within():
    # 20,000 groups over 300,000 rows (the sorted gathering; a mask per group: 6e9 compares)
    rng = np.random.default_rng(3)
    n, groups = 300_000, 20_000
    d = rng.exponential(5.0, n)
    codes = rng.integers(0, groups, n)
    r = km_attainment(d, None, 5.0, by=codes)
    # without censoring it is the share of each group's durations within the days
    within = np.bincount(codes, weights=d <= 5.0, minlength=groups)
    np.testing.assert_allclose(r.attainment, within / np.bincount(codes, minlength=groups))


def test_threads_give_the_same_bits(monkeypatch):
    rng = np.random.default_rng(7)
    n = 1_200_000
    d = np.round(rng.exponential(5.0, n), 3)
    obs = rng.random(n) < 0.8
    codes = rng.integers(-1, 5, n)
    labels = np.array(list("abcde"), dtype=object)
    days = np.array([1.0, 3.0, 7.0, 14.0, 30.0])
    monkeypatch.setenv("CUSTOMER_KANBAN_THREADS", "1")
    one = km_attainment(d, obs, days, by=(codes, labels))
    monkeypatch.setenv("CUSTOMER_KANBAN_THREADS", "2")
    two = km_attainment(d, obs, days, by=(codes, labels))
    assert one.attainment.tobytes() == two.attainment.tobytes()
    assert np.array_equal(one.attainment, whole_curve(d, obs, codes, labels, days))
    assert one.n.tolist() == two.n.tolist()
    assert one.n_events.tolist() == two.n_events.tolist()


@given(st.lists(st.integers(0, 10**6), max_size=12))
def test_each_runs_every_task_once_in_order(weights):
    calls = []
    out = each(lambda k: calls.append(k) or k * 10, weights)
    assert out == [10 * k for k in range(len(weights))]
    assert sorted(calls) == list(range(len(weights)))


def test_censored_attainment_names_every_row_off_its_groups_days(monkeypatch):
    """Per-item days must be one per group: checked block by block on every core, the
    rows named are those whose days differ from the group's last item's (a plain loop)."""
    from customer_kanban.errors import ValidationError
    from customer_kanban.metrics import sle_attainment

    rng = np.random.default_rng(2)
    n = 300_001  # several blocks, a ragged last one
    codes = rng.integers(-1, 3, n)
    d = rng.exponential(4.0, n)
    d[rng.random(n) < 0.1] = np.nan
    days = np.array([2.0, 5.0, 9.0])[np.maximum(codes, 0)]
    off = rng.choice(n, 7, replace=False)
    days[off] += 1.0
    by = (codes, np.array(["a", "b", "c"], dtype=object))
    last = {}
    for row in range(n):  # the plain loop: each group's last item with a duration
        if codes[row] >= 0 and not np.isnan(d[row]):
            last[codes[row]] = days[row]
    expected = [
        row for row in range(n)
        if codes[row] >= 0 and not np.isnan(d[row]) and days[row] != last[codes[row]]
    ]  # fmt: skip
    assert expected  # some of the changed rows have a duration and a group
    for threads in ("1", "2"):
        monkeypatch.setenv("CUSTOMER_KANBAN_THREADS", threads)
        with pytest.raises(ValidationError, match="must be the same for every item") as e:
            sle_attainment(d, days, by=by, observed=rng.random(n) < 0.7)
        assert list(e.value.rows) == expected

"""Tests of customer value: segments, RFM, trailing and total value."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_kanban.customers._value import (
    RFM_SEGMENT_RULES,
    VALUE_CELLS,
    customer_value,
    rfm,
    rfm_segments,
    segment_customers,
    trailing_value,
)
from customer_kanban.errors import ValidationError

values = st.lists(
    st.one_of(st.floats(-50, 100, allow_nan=False), st.just(float("nan"))), min_size=0, max_size=30
)

# --------------------------------------------------------------------------- segments


def test_segments_by_hand_ties_and_unknown():
    cv = [1.0, 2.0, 3.0, 4.0, np.nan]
    fp = [4.0, 3.0, 2.0, 1.0, 9.0]
    s = segment_customers(cv, fp, groups=["a", "b", "c", "d", "e"])
    # medians of the known customers: 2.5 and 2.5; strictly above is high
    assert s.thresholds.tolist() == [2.5, 2.5]
    assert s.segment.tolist() == ["potential", "potential", "dilemma", "dilemma", "unknown"]
    assert s.groups.tolist() == ["a", "b", "c", "d", "e"]
    one = segment_customers([5.0], [5.0])  # the median is the value itself: not above
    assert one.segment.tolist() == ["basic"]
    tied = segment_customers([1.0, 1.0, 1.0], [2.0, 2.0, 3.0])
    assert tied.segment.tolist() == ["basic", "basic", "potential"]


def test_segments_quantile_absolute_and_custom_cells():
    rng = np.random.default_rng(1)
    cv, fp = rng.normal(size=1000), rng.normal(size=1000)
    s = segment_customers(cv, fp, thresholds="percentile", q=80)
    assert s.thresholds.tolist() == [np.quantile(cv, 0.8), np.quantile(fp, 0.8)]
    premium = (cv > np.quantile(cv, 0.8)) & (fp > np.quantile(fp, 0.8))
    assert np.array_equal(s.segment == "premium", premium)
    a = segment_customers(cv, fp, thresholds=(0.0, 1.0))
    assert np.array_equal(a.segment == "dilemma", (cv > 0) & ~(fp > 1))
    cells = {(True, True): "A", (False, True): "B", (True, False): "B", (False, False): "C"}
    c = segment_customers(cv, fp, cells=cells)
    assert c.labels.tolist() == ["A", "B", "C", "unknown"]
    assert c.sizes.sum() == 1000
    with pytest.raises(ValidationError, match=r"`cells` must name every cell"):
        segment_customers(cv, fp, cells={(True, True): "A"})
    with pytest.raises(ValidationError, match=r"`q` must lie in \[0, 100\]"):
        segment_customers(cv, fp, thresholds="percentile", q=150)
    with pytest.raises(ValidationError, match=r"`q` is in percent; did you mean 80\?"):
        segment_customers(cv, fp, thresholds="percentile", q=0.8)
    with pytest.raises(ValidationError, match=r"`q` must be one percentile"):
        segment_customers(cv, fp, thresholds="percentile", q=[50, 80])
    with pytest.raises(ValidationError, match=r"`thresholds` must be one of 'median', 'percent"):
        segment_customers(cv, fp, thresholds="quantile")
    with pytest.raises(ValidationError, match=r"`thresholds`"):
        segment_customers(cv, fp, thresholds="mean")


@given(data=st.data(), cv=values)
def test_segments_are_a_partition_matching_a_loop(data, cv):
    fp = data.draw(
        st.lists(
            st.one_of(st.floats(-50, 100, allow_nan=False), st.just(float("nan"))),
            min_size=len(cv),
            max_size=len(cv),
        )
    )
    s = segment_customers(cv, fp)
    assert s.sizes.sum() == len(cv)
    assert np.array_equal(s.labels[s.codes], s.segment)
    both = [(x, y) for x, y in zip(cv, fp, strict=True) if not (math.isnan(x) or math.isnan(y))]
    if both:  # the thresholds are the medians of the customers known on both axes
        assert s.thresholds[0] == np.median([x for x, _ in both])
        assert s.thresholds[1] == np.median([y for _, y in both])
    tc, tf = s.thresholds
    for i, (x, y) in enumerate(zip(cv, fp, strict=True)):
        if math.isnan(x) or math.isnan(y):
            assert s.segment[i] == "unknown"
        else:
            expected = {
                (True, True): "premium",
                (False, True): "potential",
                (True, False): "dilemma",
                (False, False): "basic",
            }[(x > tc, y > tf)]
            assert s.segment[i] == expected
    assert s.total(np.ones(len(cv))).tolist() == s.sizes.astype(float).tolist()


# --------------------------------------------------------------------------- RFM


def _reference_rfm(customer, at, value, as_of, bins):
    """Plain loops: per customer sums, then rank scores."""
    rows = {}
    for c, t, v in zip(customer, at, value, strict=True):
        if t <= as_of:
            last, n, total = rows.get(c, (None, 0, 0.0))
            rows[c] = (t if last is None or t > last else last, n + 1, total + v)
    names = sorted(rows)
    rec = [(as_of - rows[c][0]) / np.timedelta64(1, "D") for c in names]
    freq = [rows[c][1] for c in names]
    mon = [rows[c][2] for c in names]

    def score(xs):  # mid-rank: the customers below, plus half of those equal
        n = len(xs)
        return [
            1 + math.floor(bins * (sum(y < x for y in xs) + sum(y == x for y in xs) / 2) / n)
            for x in xs
        ]

    return names, rec, freq, mon, score([-r for r in rec]), score(freq), score(mon)


@st.composite
def transactions(draw):
    n = draw(st.integers(1, 40))
    customer = draw(st.lists(st.sampled_from("abcdefg"), min_size=n, max_size=n))
    days = draw(st.lists(st.integers(0, 60), min_size=n, max_size=n))
    value = draw(st.lists(st.integers(1, 50), min_size=n, max_size=n))
    at = np.datetime64("2024-01-01", "ns") + np.array(days).astype("timedelta64[D]")
    return np.array(customer), at, np.array(value, dtype=float)


@given(tx=transactions(), bins=st.integers(2, 9), cut=st.integers(0, 70))
def test_rfm_matches_plain_loops(tx, bins, cut):
    customer, at, value = tx
    as_of = np.datetime64("2024-01-01", "ns") + np.timedelta64(cut, "D")
    names, rec, freq, mon, rs, fs, ms = _reference_rfm(customer, at, value, as_of, bins)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = rfm(at, value, by=customer, as_of=as_of, bins=bins)
    assert r.groups.tolist() == names
    assert r.recency.tolist() == rec
    assert r.frequency.tolist() == freq
    assert np.allclose(r.monetary, mon)
    assert (r.r.tolist(), r.f.tolist(), r.m.tolist()) == (rs, fs, ms)
    assert r.score.tolist() == [100 * a + 10 * b + c for a, b, c in zip(rs, fs, ms, strict=True)]


@given(tx=transactions(), pick=st.integers(0, 10**6), extra=st.integers(1, 100))
def test_rfm_monotone_in_each_input(tx, pick, extra):
    customer, at, value = tx
    who = customer[pick % len(customer)]
    as_of = np.datetime64("2024-03-15", "ns")
    base = rfm(at, value, by=customer, as_of=as_of)
    i = base.groups.tolist().index(who)
    richer = value + np.where(customer == who, extra, 0.0)
    assert rfm(at, richer, by=customer, as_of=as_of).m[i] >= base.m[i]
    later = at + np.where(customer == who, np.timedelta64(1, "D"), np.timedelta64(0, "D"))
    assert rfm(later, value, by=customer, as_of=as_of).r[i] >= base.r[i]
    more = rfm(np.r_[at, at[:1]], np.r_[value, [1.0]], by=np.r_[customer, [who]], as_of=as_of)
    assert more.f[more.groups.tolist().index(who)] >= base.f[i]


def test_rfm_ties_share_a_middle_score():
    # three customers bought yesterday for 100: nobody is better, nobody worse
    r = rfm(["2024-06-29"] * 3, [100.0] * 3, by=["a", "b", "c"], as_of="2024-06-30")
    assert r.score.tolist() == [333, 333, 333]
    one = rfm(["2024-06-29"], [1000.0], by=["a"], as_of="2024-06-30")
    assert one.score.tolist() == [333]
    # ten distinct values: two per level
    ten = rfm(["2024-06-29"] * 10, np.arange(1.0, 11.0), by=list("abcdefghij"), as_of="2024-06-30")
    assert ten.m.tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_rfm_options_and_errors():
    customer = ["a", "a", "a", "b"]
    at = ["2024-01-01T08:00", "2024-01-01T18:00", "2024-01-03", "2024-01-02"]
    r = rfm(
        at, [1.0, 3.0, 5.0, 4.0], by=customer, as_of="2024-01-04", frequency="days", monetary="mean"
    )
    assert r.frequency.tolist() == [2, 1]
    assert r.monetary.tolist() == [3.0, 4.0]
    with pytest.raises(ValidationError, match=r"`bins` must be at least 2; got 1"):
        rfm(at, [1.0] * 4, by=customer, as_of="2024-01-04", bins=1)
    with pytest.raises(ValidationError, match=r"`bins` must be at most 9; got 10"):
        rfm(at, [1.0] * 4, by=customer, as_of="2024-01-04", bins=10)
    with pytest.raises(TypeError, match=r"`bins` must be a whole number, got float"):
        rfm(at, [1.0] * 4, by=customer, as_of="2024-01-04", bins=5.0)
    with pytest.raises(
        ValidationError, match=r"`by` \(the customer\) is missing in 1 row \(row 1\)"
    ):
        rfm(at, [1.0] * 4, by=["a", None, "a", "b"], as_of="2024-01-04")
    with pytest.raises(ValidationError, match=r"must be known for every transaction"):
        rfm(at, [1.0, np.nan, 1.0, 1.0], by=customer, as_of="2024-01-04")
    with pytest.raises(TypeError, match=r"`by` is required: the customer of each transaction"):
        rfm(at, [1.0] * 4, by=None, as_of="2024-01-04")
    with pytest.raises(TypeError, match=r"takes 2 positional arguments but 3"):
        rfm(customer, at, [1.0] * 4, as_of="2024-01-04")  # type: ignore[misc]
    with pytest.raises(ValidationError, match=r"`monetary` must be one of 'sum', 'mean'"):
        rfm(at, [1.0] * 4, by=customer, as_of="2024-01-04", monetary="median")


def test_rfm_segments_first_match_and_default_rules():
    rng = np.random.default_rng(2)
    n = 5000
    customer = rng.integers(0, 800, size=n)
    at = np.datetime64("2024-01-01", "ns") + rng.integers(0, 365, size=n).astype("timedelta64[D]")
    r = rfm(at, rng.gamma(2.0, 20.0, size=n), by=customer, as_of="2025-01-01")
    seg = rfm_segments(r)
    assert seg.sizes.sum() == r.groups.size
    assert seg.labels.tolist() == [name for name, _ in RFM_SEGMENT_RULES] + ["other"]
    fm = (r.f + r.m) / 2
    for i in range(r.groups.size):  # a plain first-match loop
        expected = "other"
        for name, cond in RFM_SEGMENT_RULES:
            vals = {"r": r.r[i], "f": r.f[i], "m": r.m[i], "fm": fm[i]}
            if all(lo <= vals[k] <= hi for k, (lo, hi) in cond.items()):
                expected = name
                break
        assert seg.segment[i] == expected
    with pytest.raises(ValidationError, match=r"unknown score 'x'"):
        rfm_segments(r, [("bad", {"x": (1, 2)})])
    with pytest.raises(ValidationError, match=r"range \(4, 6\) is not within the scores 1..5"):
        rfm_segments(r, [("bad", {"r": (4, 6)})])
    three = rfm(at, np.ones(n), by=customer, as_of="2025-01-01", bins=3)
    with pytest.raises(ValidationError, match=r"default RFM rules are for 5 score levels"):
        rfm_segments(three)


# --------------------------------------------------------------------------- value


def test_trailing_value_window_edges():
    customer = ["a", "a", "a", "b"]
    at = ["2023-06-30", "2023-07-01", "2024-06-30", "2024-07-01"]
    r = trailing_value(at, [1.0, 2.0, 4.0, 8.0], by=customer, as_of="2024-06-30", days=365)
    # window (2023-07-01, 2024-06-30]: 2023-07-01 is out (not after the start)
    assert r.groups.tolist() == ["a", "b"]
    assert r.values.tolist() == [4.0, 0.0]
    assert (r.as_of, r.days) == (np.datetime64("2024-06-30", "ns"), 365.0)
    unknown = trailing_value(at, [np.nan, 2.0, np.nan, 8.0], by=customer, as_of="2024-06-30")
    assert np.isnan(unknown.values[0])  # an unknown amount inside the window
    assert unknown.values[1] == 0.0
    with pytest.raises(ValidationError, match=r"`at` and `by` must have the same length"):
        trailing_value(at, [1.0] * 4, by=["a"], as_of="2024-06-30")
    with pytest.raises(ValidationError, match=r"`days` must be > 0"):
        trailing_value(at, [1.0] * 4, by=customer, as_of="2024-06-30", days=0)
    with pytest.raises(TypeError, match=r"`days` must be a number of days, got str"):
        trailing_value(at, [1.0] * 4, by=customer, as_of="2024-06-30", days="365")


def test_customer_value_per_customer_and_segment():
    rng = np.random.default_rng(3)
    n = 2000
    customer = rng.integers(0, 50, size=n)
    segment_of = rng.choice(np.array(["premium", "basic"]), size=50)
    revenue = rng.gamma(2.0, 10.0, size=n)
    margin = revenue * rng.uniform(-0.2, 0.5, size=n)
    per_customer = customer_value(revenue, margin, by=customer)
    per_segment = customer_value(revenue, margin, by=segment_of[customer], customer=customer)
    for g, label in enumerate(per_segment.groups):
        mine = np.flatnonzero(segment_of == label)
        assert per_segment.revenue[g] == pytest.approx(per_customer.revenue[mine].sum())
        assert per_segment.margin[g] == pytest.approx(per_customer.margin[mine].sum())
        assert per_segment.n_customers[g] == len(np.unique(customer[np.isin(customer, mine)]))
    for c in range(0, 50, 7):  # a plain loop over some customers
        mine = customer == c
        assert per_customer.profitability[c] == pytest.approx(
            margin[mine].sum() / revenue[mine].sum(), rel=1e-9
        )
    assert per_customer.transactions.sum() == n
    unknown = customer_value([1.0, 2.0])
    assert np.isnan(unknown.margin).all()
    assert unknown.revenue.tolist() == [3.0]


# --------------------------------------------------------------------------- frames


def test_frames_of_the_value_results():
    s = segment_customers([10, 50, 80, 20], [90, 70, 10, 5], groups=["w", "x", "y", "z"])
    f = s.to_frame()
    assert f.columns.tolist() == ["group", "segment"]
    assert f.to_dict("list") == {
        "group": ["w", "x", "y", "z"],
        "segment": ["potential", "premium", "dilemma", "basic"],
    }
    r = rfm(["2024-06-29", "2024-06-01"], [5.0, 7.0], by=["a", "b"], as_of="2024-06-30", bins=2)
    f = r.to_frame()
    assert f.columns.tolist() == [
        "group",
        "recency",
        "frequency",
        "monetary",
        "r",
        "f",
        "m",
        "score",
        "bins",
    ]
    assert f["group"].tolist() == ["a", "b"]
    assert f["recency"].tolist() == [1.0, 29.0]
    assert f["score"].tolist() == [221, 122]  # equal frequencies share the middle score
    assert f["bins"].tolist() == [2, 2]
    t = trailing_value(["2024-06-01", "2024-06-02"], [3.0, 4.0], by=["b", "a"], as_of="2024-06-30")
    f = t.to_frame()
    assert f.to_dict("list") == {
        "group": ["a", "b"],
        "values": [4.0, 3.0],
        "as_of": [pd.Timestamp("2024-06-30")] * 2,
        "days": [365.0, 365.0],
    }
    v = customer_value([100.0, 40.0, 60.0], [30.0, -5.0, 30.0], by=["a", "b", "a"])
    f = v.to_frame()
    assert f["group"].tolist() == ["a", "b"]
    assert f["profitability"].tolist() == [0.375, -0.125]
    for result in (s, r, t, v):
        assert len(repr(result).splitlines()) <= 20


# --------------------------------------------------------------------------- bad input


def _small_rfm():
    return rfm(
        ["2024-06-29", "2024-01-01", "2024-06-01"],
        [90.0, 5.0, 20.0],
        by=["a", "b", "c"],
        as_of="2024-06-30",
        bins=3,
    )


def test_rfm_segments_refuses_what_is_not_scores_or_rules():
    r = _small_rfm()
    for bad in (None, {"r": [1]}, 42, "scores"):
        with pytest.raises(TypeError, match=r"`scores` must be an RFMResult \(from rfm\), got"):
            rfm_segments(bad)  # type: ignore[arg-type]
    for bad in (None, {"best": {"r": (1, 3)}}, "best", 42, object()):
        with pytest.raises(TypeError, match=r"`rules` must be a sequence of \(name, conditions\)"):
            rfm_segments(r, bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"`rules` must hold \(name, conditions\) pairs; rule 0"):
        rfm_segments(r, ["best"])
    with pytest.raises(TypeError, match=r"`rules`: the name of rule 0 must be a string"):
        rfm_segments(r, np.zeros((2, 2), dtype=int))  # type: ignore[arg-type]
    assert rfm_segments(r, iter([("best", {"r": (3, 3)})])).sizes.tolist() == [1, 2]
    with pytest.raises(TypeError, match=r"`rules` must hold \(name, conditions\) pairs; rule 1"):
        rfm_segments(r, [("best", {"r": (3, 3)}), ("a", "b", "c")])
    with pytest.raises(TypeError, match=r"`rules`: the name of rule 0 must be a string"):
        rfm_segments(r, [(1, {"r": (3, 3)})])
    with pytest.raises(TypeError, match=r"`rules`: rule 'best' must map scores"):
        rfm_segments(r, [("best", [("r", (3, 3))])])
    with pytest.raises(TypeError, match=r"`rules`: rule 'best': 'r' must be a \(low, high\) pair"):
        rfm_segments(r, [("best", {"r": ("3", "3")})])  # text is not a score
    with pytest.raises(TypeError, match=r"'r' must be a \(low, high\) pair of numbers; got 3"):
        rfm_segments(r, [("best", {"r": 3})])
    with pytest.raises(TypeError, match=r"'r' must be a \(low, high\) pair"):
        rfm_segments(r, [("best", {"r": (True, True)})])
    with pytest.raises(ValidationError, match=r"`rules`: rule 'best': 'r' range \(nan, 3\)"):
        rfm_segments(r, [("best", {"r": (np.nan, 3)})])
    # Rules read from JSON (lists) are fine.
    assert rfm_segments(r, [["best", {"r": [3, 3]}]]).segment.tolist() == [
        "best",
        "other",
        "other",
    ]


def test_segment_names_must_be_strings():
    r = _small_rfm()
    for bad in (None, 1, {"a": 1}, object()):
        with pytest.raises(TypeError, match=r"`default` must be a string \(a segment name\)"):
            rfm_segments(r, [("best", {"r": (3, 3)})], default=bad)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=r"`unknown` must be a string \(a segment name\)"):
            segment_customers([1.0, 2.0], [3.0, 4.0], unknown=bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"`cells` must map each cell to a segment name"):
        segment_customers([1.0, 2.0], [3.0, 4.0], cells={**VALUE_CELLS, (True, True): 1})
    with pytest.raises(TypeError, match=r"`cells` must be a mapping"):
        segment_customers([1.0, 2.0], [3.0, 4.0], cells=["a", "b", "c", "d"])  # type: ignore[arg-type]
    s = segment_customers([1.0, np.nan], [3.0, 4.0], unknown="no data", groups=["a", "b"])
    assert s.segment.tolist() == ["basic", "no data"]
    assert s.to_json()  # every label is a string


def test_segment_customers_groups_one_label_per_customer():
    for bad in ("ab", {"a": 1}, 3, object()):
        with pytest.raises(TypeError, match=r"`groups` must be an array of customer labels"):
            segment_customers([1.0, 2.0], [3.0, 4.0], groups=bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"`groups` must be an array of customer labels"):
        segment_customers([1.0, 2.0], [3.0, 4.0], groups=[["a"], ["b", "c"]])
    with pytest.raises(ValidationError, match=r"`groups` must have one label per customer \(2\)"):
        segment_customers([1.0, 2.0], [3.0, 4.0], groups=[["a", "b"], ["c", "d"]])
    for bad in ([None, object()], np.array([b"a", b"b"]), np.array([1j, 2j])):
        with pytest.raises(TypeError, match=r"`groups` must hold labels"):
            segment_customers([1.0, 2.0], [3.0, 4.0], groups=bad)
    s = segment_customers([1.0, 2.0], [3.0, 4.0], groups=[1.5, None])
    assert s.to_json()


def test_segment_customers_thresholds_are_two_numbers():
    assert segment_customers([1.0], [2.0], thresholds=np.array([0.5, 1.5])).segment.tolist() == [
        "premium"
    ]
    for bad in (("1", "2"), (True, False), [1.0, None]):
        with pytest.raises(TypeError, match=r"`thresholds` must be two numbers, not"):
            segment_customers([1.0], [2.0], thresholds=bad)  # type: ignore[arg-type]
    for bad in (None, 3, {"a": 1}):
        with pytest.raises(TypeError, match=r"`thresholds` must be 'median', 'percentile' or two"):
            segment_customers([1.0], [2.0], thresholds=bad)  # type: ignore[arg-type]
    for bad in ((1, 2, 3), (np.nan, 1.0)):
        with pytest.raises(ValidationError, match=r"`thresholds` must be two numbers; got"):
            segment_customers([1.0], [2.0], thresholds=bad)  # type: ignore[arg-type]


def test_trailing_value_window_longer_than_the_instants_hold():
    at = ["1700-01-01", "2023-07-01", "2024-06-30", "2024-07-01"]
    for days in (math.inf, 1e300, 10**12, np.int64(10**15)):
        r = trailing_value(at, [1.0, 2.0, 4.0, 8.0], by=["a"] * 4, as_of="2024-06-30", days=days)
        assert r.values.tolist() == [7.0]  # everything up to `as_of`
    r = trailing_value(at, [1.0, 2.0, 4.0, 8.0], by=["a"] * 4, as_of="2024-06-30", days=365)
    assert r.values.tolist() == [4.0]
    with pytest.raises(ValidationError, match=r"`days` must be > 0; got nan"):
        trailing_value(at, [1.0] * 4, by=["a"] * 4, as_of="2024-06-30", days=math.nan)
    with pytest.raises(TypeError, match=r"`days` must be a number of days, got bool"):
        trailing_value(at, [1.0] * 4, by=["a"] * 4, as_of="2024-06-30", days=True)


def test_customer_names_its_parameter_in_type_errors():
    with pytest.raises(TypeError, match=r"`customer` as a tuple must be `\(codes, labels\)`"):
        customer_value([1.0, 2.0], customer=(1, 2, 3))

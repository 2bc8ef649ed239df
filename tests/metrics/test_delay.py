"""Tests of the cost-of-delay metrics: rate profiles, delay cost, CD3 and WSJF."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_kanban.errors import ValidationError
from customer_kanban.metrics.delay._delay import (
    URGENCIES,
    DelayCostResult,
    PriorityResult,
    cd3,
    cost_of_delay_rate,
    delay_cost,
    wsjf,
)
from customer_kanban.model import Urgency

DAY = np.timedelta64(1, "D")
SECOND = np.timedelta64(1, "s")
BASE = np.datetime64("2024-01-01T00:00:00", "ns")
NAT = np.datetime64("NaT", "ns")


def _at(days: float | None) -> np.datetime64:
    """BASE + `days` (whole seconds), NaT for None."""
    if days is None:
        return NAT
    return BASE + np.timedelta64(round(days * 86_400), "s")


def _instants(days: list[float | None]) -> np.ndarray:
    return np.array([_at(d) for d in days], dtype="datetime64[ns]")


# --------------------------------------------------------------------------- references


def _reference_cost(u, req, dlv, as_of, rate, due, step, horizon, growth):
    """One item's delay cost: the closed forms, written out with Python floats."""
    if np.isnat(req):
        return math.nan
    if req > as_of:
        return 0.0
    end = dlv if not np.isnat(dlv) and dlv <= as_of else as_of
    d = (end - req) / DAY
    if u == "expedite":
        lump = 0.0 if math.isnan(step) else step
        return rate * d + (lump if d > 0 else 0.0)
    if u == "fixed_date":
        p = (due - req) / DAY
        return rate * max(d - p, 0.0) + (step if d > p else 0.0)
    if u == "standard":
        return rate * d
    return rate * d + rate * growth * max(d - horizon, 0.0) ** 2 / 2


def _reference_order(score, requested=None):
    """Selection by repeated comparison: higher score, then earlier request, then position."""

    def key(i):
        r = (
            math.inf
            if requested is None or np.isnat(requested[i])
            else int(requested[i].view(np.int64))
        )
        return (-score[i], r, i)

    remaining = list(range(len(score)))
    order = []
    while remaining:
        best = remaining[0]
        for i in remaining[1:]:
            if key(i) < key(best):
                best = i
        order.append(best)
        remaining.remove(best)
    return order


# --------------------------------------------------------------------------- strategies


@st.composite
def items(draw, *, min_size=0, max_size=25, unknown=True):
    """Random items with every archetype's parameters (NaN where unused), in seconds."""
    n = draw(st.integers(min_size, max_size))
    u = draw(st.lists(st.sampled_from(URGENCIES), min_size=n, max_size=n))
    req_s = draw(st.lists(st.integers(0, 200 * 86_400), min_size=n, max_size=n))
    delay_s = draw(st.lists(st.integers(0, 200 * 86_400), min_size=n, max_size=n))
    delivered = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    known = [True] * n
    if unknown:  # about one request in ten unknown
        known = draw(st.lists(st.integers(0, 9).map(bool), min_size=n, max_size=n))
    due_s = draw(st.lists(st.integers(0, 100 * 86_400), min_size=n, max_size=n))
    money = st.floats(0, 1e4, allow_nan=False)
    rate = draw(st.lists(money, min_size=n, max_size=n))
    step = draw(st.lists(money, min_size=n, max_size=n))
    no_lump = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    horizon = draw(st.lists(st.floats(0, 150), min_size=n, max_size=n))
    growth = draw(st.lists(st.floats(0, 1), min_size=n, max_size=n))
    as_of = BASE + np.timedelta64(draw(st.integers(0, 400 * 86_400)), "s")
    req = np.array(
        [BASE + np.timedelta64(s, "s") if k else NAT for s, k in zip(req_s, known, strict=True)],
        dtype="datetime64[ns]",
    )
    dlv = np.array(
        [
            r + np.timedelta64(s, "s") if ok else NAT
            for r, s, ok in zip(req, delay_s, delivered, strict=True)
        ],
        dtype="datetime64[ns]",
    )
    fixed = np.array([x == "fixed_date" for x in u], dtype=bool)
    intangible = np.array([x == "intangible" for x in u], dtype=bool)
    expedite = np.array([x == "expedite" for x in u], dtype=bool)
    due = np.where(fixed, req + np.array(due_s, dtype="timedelta64[s]"), NAT)
    due = np.where(fixed & np.isnat(req), BASE, due)  # a due instant even if the request is not
    step_a = np.where(fixed | (expedite & ~np.array(no_lump, bool)), step, np.nan)
    return {
        "urgency": np.array(u, dtype=object),
        "requested": req,
        "delivered": dlv,
        "as_of": as_of,
        "rate": np.array(rate, dtype=np.float64),
        "due": due.astype("datetime64[ns]"),
        "step": step_a.astype(np.float64),
        "horizon": np.where(intangible, horizon, np.nan),
        "growth": np.where(intangible, growth, np.nan),
    }


def _call(d, **extra):
    return delay_cost(
        d["urgency"],
        d["requested"],
        d["delivered"],
        as_of=d["as_of"],
        rate=d["rate"],
        due=d["due"],
        step=d["step"],
        horizon=d["horizon"],
        growth=d["growth"],
        **extra,
    )


# --------------------------------------------------------------------------- the rate


def test_cost_of_delay_rate_by_hand():
    t = np.array([-1.0, 0.0, 3.0, 7.0, 10.0, np.nan])
    profiles = {
        "expedite": [0, 500, 500, 500, 500, np.nan],
        "fixed_date": [0, 0, 0, 100, 100, np.nan],  # due on day 7: the rate from day 7 on
        "standard": [0, 20, 20, 20, 20, np.nan],
        "intangible": [0, 5, 5, 5 * (1 + 0.5 * 3), 5 * (1 + 0.5 * 6), np.nan],  # horizon 4
    }
    rates = {"expedite": 500.0, "fixed_date": 100.0, "standard": 20.0, "intangible": 5.0}
    for urgency, expected in profiles.items():
        got = cost_of_delay_rate(
            urgency, t, rate=rates[urgency], due=7.0, step=1e6, horizon=4.0, growth=0.5
        )
        np.testing.assert_array_equal(got, expected, err_msg=urgency)


def test_cost_of_delay_rate_per_item_and_shape():
    # one scalar for everything gives one value; unused parameters may be NaN or anything
    assert cost_of_delay_rate("standard", 3.0, rate=2.0).tolist() == [2.0]
    got = cost_of_delay_rate(
        ["standard", "fixed_date", "intangible"],
        [5.0, 5.0, 5.0],
        rate=[1.0, 2.0, 3.0],
        due=[np.nan, 6.0, -4.0],  # only the fixed-date item's due is read
        horizon=[-1.0, np.inf, 1.0],
        growth=[np.nan, np.nan, 1.0],
    )
    assert got.tolist() == [1.0, 0.0, 3.0 * (1 + 4.0)]
    assert got.dtype == np.float64


def test_urgency_as_labels_codes_members_and_tuple():
    labels = ["intangible", "expedite", "standard", "fixed_date"]
    kw = {"rate": [1.0, 2.0, 3.0, 4.0], "due": 2.0, "horizon": 1.0, "growth": 1.0}
    expected = cost_of_delay_rate(labels, 3.0, **kw)
    codes = np.array([3, 0, 2, 1], dtype=np.int8)
    assert tuple(u.value for u in Urgency) == URGENCIES  # codes follow the model's order
    variants = [
        codes,
        codes.astype(np.uint64),
        np.array(labels),
        np.array(labels, dtype=object),
        [Urgency(x) for x in labels],
        np.array([Urgency(x) for x in labels], dtype=object),
        (np.array([0, 1, 2, 3]), ["intangible", "expedite", "standard", "fixed_date"]),
        (np.array([3, 2, 1, 0]), [Urgency.FIXED_DATE, "standard", "expedite", "intangible"]),
    ]
    for urgency in variants:
        np.testing.assert_array_equal(cost_of_delay_rate(urgency, 3.0, **kw), expected)
    assert cost_of_delay_rate(Urgency.EXPEDITE, 1.0, rate=5.0).tolist() == [5.0]
    assert cost_of_delay_rate(2, 1.0, rate=5.0).tolist() == [5.0]


def test_urgency_from_pandas():
    pd = pytest.importorskip("pandas")
    labels = ["standard", "expedite", "standard"]
    expected = cost_of_delay_rate(labels, 1.0, rate=[1.0, 2.0, 3.0])
    for column in (pd.Series(labels), pd.Series(labels, dtype="category")):
        np.testing.assert_array_equal(
            cost_of_delay_rate(column, 1.0, rate=pd.Series([1.0, 2.0, 3.0])), expected
        )


def test_cost_of_delay_rate_errors():
    rule = r"`urgency` must be one of 'expedite', 'fixed_date', 'standard', 'intangible'"
    with pytest.raises(ValidationError, match=rule + r".*; it is not in 2 rows \(row 1; row 2\)"):
        cost_of_delay_rate(["standard", "urgent", None], 1.0, rate=1.0)
    with pytest.raises(ValidationError, match=rule + r".*; got 'urgent'"):
        cost_of_delay_rate("urgent", 1.0, rate=1.0)
    with pytest.raises(ValidationError, match=r"it is not in 1 row \(row 1\)"):
        cost_of_delay_rate([0, 4], 1.0, rate=1.0)
    with pytest.raises(ValidationError, match=rule + r".*; got labels \['soon'\]"):
        cost_of_delay_rate(([0], ["soon"]), 1.0, rate=1.0)
    with pytest.raises(ValidationError, match=r"`urgency` codes must lie in \[0, 0\]; they do"):
        cost_of_delay_rate(([0, -1], ["standard"]), 1.0, rate=1.0)
    with pytest.raises(TypeError, match=r"`urgency` must hold labels or integer codes"):
        cost_of_delay_rate([1.0, 2.0], 1.0, rate=1.0)
    with pytest.raises(ValidationError, match=r"`urgency` must be one-dimensional"):
        cost_of_delay_rate([[0, 1]], 1.0, rate=1.0)
    with pytest.raises(
        ValidationError, match=r"`due` is required for fixed_date items; it is missing in 1 row"
    ):
        cost_of_delay_rate(["standard", "fixed_date"], 1.0, rate=1.0)
    with pytest.raises(ValidationError, match=r"`due` is required .* 1 row \(row 0\)"):
        cost_of_delay_rate(["fixed_date", "fixed_date"], 1.0, rate=1.0, due=[np.nan, 3.0])
    with pytest.raises(ValidationError, match=r"`due` must be a finite number >= 0 \[days\]"):
        cost_of_delay_rate("fixed_date", 1.0, rate=1.0, due=-1.0)
    for name in ("horizon", "growth"):
        given_ = {"horizon": 1.0, "growth": 1.0}
        del given_[name]
        with pytest.raises(
            ValidationError, match=rf"`{name}` is required for intangible items; it is missing"
        ):
            cost_of_delay_rate("intangible", 1.0, rate=1.0, **given_)
    with pytest.raises(
        ValidationError,
        match=r"`rate` must be a finite number >= 0 \[money/day\]; it is not in 2 rows "
        r"\(row 0; row 2\)",
    ):
        cost_of_delay_rate("standard", [1.0, 1.0, 1.0], rate=[-1.0, 2.0, np.inf])
    with pytest.raises(ValidationError, match=r"`rate` is required for all items; it is missing"):
        cost_of_delay_rate("standard", 1.0, rate=np.nan)
    with pytest.raises(ValidationError, match=r"`step` must be a finite number >= 0 \[money\]"):
        cost_of_delay_rate("expedite", 1.0, rate=1.0, step=-5.0)
    with pytest.raises(
        ValidationError, match=r"`urgency` and `elapsed` must have the same length \(got 2 and 3\)"
    ):
        cost_of_delay_rate(["standard", "standard"], [1.0, 2.0, 3.0], rate=1.0)
    with pytest.raises(TypeError, match=r"`elapsed` must be a number"):
        cost_of_delay_rate("standard", "soon", rate=1.0)


# --------------------------------------------------------------------------- delay cost


def test_delay_cost_by_hand():
    # as_of Jan 31 (day 30).
    #  0 expedite, 500/day + 1000 at once, delivered day 2: 2*500 + 1000 = 2000
    #  1 expedite, delivered the instant it was requested: no delay, no lump: 0
    #  2 fixed date due day 10 (requested day 0), 5000 + 100/day, delivered day 13: 5300
    #  3 fixed date due day 10, delivered ON the due date: on time, 0
    #  4 standard 20/day, open since day 5: 25 days so far -> 500
    #  5 intangible 10/day, horizon 20, growth 0.1, delivered day 30 (= as_of):
    #    10*30 + 10*0.1*10**2/2 = 350
    #  6 standard requested day 40, after as_of: 0, not counted
    #  7 standard, unknown request: NaN, not counted
    #  8 standard 1/day requested day 28, delivered day 35 (after as_of): open, 2 days -> 2
    r = delay_cost(
        ["expedite", "expedite", "fixed_date", "fixed_date"]
        + ["standard", "intangible"]
        + ["standard"] * 3,
        _instants([0, 1, 0, 0, 5, 0, 40, None, 28]),
        _instants([2, 1, 13, 10, None, 30, None, None, 35]),
        as_of=_at(30),
        rate=[500, 500, 100, 100, 20, 10, 20, 20, 1],
        due=_instants([None, None, 10, 10, None, None, None, None, None]),
        step=[1000, 1000, 5000, 5000, np.nan, np.nan, np.nan, np.nan, np.nan],
        horizon=20,
        growth=0.1,
        by=["a", "a", "b", "b", "b", "c", "c", "c", "a"],
    )
    assert isinstance(r, DelayCostResult)
    np.testing.assert_allclose(
        r.cost, [2000, 0, 5300, 0, 500, 350, 0, np.nan, 2], rtol=1e-12, equal_nan=True
    )
    assert r.open.tolist() == [False, False, False, False, True, False, False, False, True]
    assert r.groups.tolist() == ["a", "b", "c"]
    np.testing.assert_allclose(r.total, [2002, 5800, 350], rtol=1e-12)
    assert r.items.tolist() == [3, 3, 1]
    d = r.to_dict()
    assert d["cost"][7] is None
    assert d["groups"] == ["a", "b", "c"]
    assert r == r  # arrays compare by value, NaN equal to NaN
    r.to_json()


def test_delay_cost_lump_just_after_the_point():
    # one second late pays the whole step; one second early pays nothing
    for late, expected in ((-1, 0.0), (0, 0.0), (1, 5000.0 + 100.0 / 86_400)):
        r = delay_cost(
            "fixed_date",
            [BASE],
            [BASE + 10 * DAY + late * SECOND],
            as_of=BASE + 20 * DAY,
            rate=100.0,
            due=BASE + 10 * DAY,
            step=5000.0,
        )
        assert r.cost[0] == pytest.approx(expected, rel=1e-12)
    r = delay_cost("expedite", [BASE], [BASE + SECOND], as_of=BASE + DAY, rate=0.0, step=7.0)
    assert r.cost.tolist() == [7.0]
    r = delay_cost("expedite", [BASE], [BASE + SECOND], as_of=BASE + DAY, rate=0.0)  # no step
    assert r.cost.tolist() == [0.0]


def test_delay_cost_scalars_broadcast_and_pandas():
    pd = pytest.importorskip("pandas")
    req = pd.Series(pd.to_datetime(["2024-01-01", "2024-01-02"]))
    dlv = pd.Series(pd.to_datetime(["2024-01-11", None]))
    r = delay_cost(
        "fixed_date", req, dlv, as_of="2024-01-12", rate=10.0, due="2024-01-06", step=100.0
    )
    # due Jan 6 for both: item 0 late by 5 days, item 1 open, late by 6 days at as_of
    np.testing.assert_allclose(r.cost, [150.0, 160.0], rtol=1e-12)
    assert r.items.tolist() == [2]
    np.testing.assert_allclose(r.total, [310.0], rtol=1e-12)


def test_delay_cost_degenerate_inputs_define_results_without_warning():
    empty = np.array([], dtype="datetime64[ns]")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = delay_cost([], empty, empty, as_of=BASE, rate=[])
        assert r.cost.shape == r.open.shape == (0,)
        assert (r.groups.tolist(), r.total.tolist(), r.items.tolist()) == (["all"], [0.0], [0])
        r = delay_cost("standard", [NAT], [NAT], as_of=BASE, rate=1.0)
        assert np.isnan(r.cost).all()
        assert (r.total.tolist(), r.items.tolist()) == ([0.0], [0])
        r = delay_cost([], empty, empty, as_of=BASE, rate=1.0, by=(np.array([], int), ["x"]))
        assert (r.groups.tolist(), r.total.tolist()) == (["x"], [0.0])
        r.to_json()


def test_delay_cost_does_not_modify_its_inputs():
    d = {
        "urgency": np.array([1, 3], dtype=np.int8),
        "requested": _instants([0, 1]),
        "delivered": _instants([None, 20]),
        "as_of": _at(30),
        "rate": np.array([1.0, 2.0]),
        "due": _instants([5, None]),
        "step": np.array([3.0, np.nan]),
        "horizon": np.array([np.nan, 1.0]),
        "growth": np.array([np.nan, 0.5]),
    }
    before = {k: v.copy() for k, v in d.items() if isinstance(v, np.ndarray)}
    _call(d, by=np.array([0, 1]))
    for k, v in before.items():
        np.testing.assert_array_equal(d[k], v)


def test_delay_cost_errors():
    one = _instants([0])
    kw = {"as_of": _at(30), "rate": 1.0}
    with pytest.raises(
        ValidationError, match=r"`due` is required for fixed_date items; it is missing in 1 row"
    ):
        delay_cost("fixed_date", one, one, step=1.0, **kw)
    with pytest.raises(ValidationError, match=r"`due` is required .* 1 row \(row 1\)"):
        delay_cost(
            ["fixed_date"] * 2, _instants([0, 0]), _instants([1, 1]), due=_instants([5, None]),
            step=1.0, **kw,
        )  # fmt: skip
    with pytest.raises(
        ValidationError, match=r"`due` is before `start` for fixed_date items in 1 row \(row 0"
    ):
        delay_cost("fixed_date", _instants([3]), _instants([4]), due=_at(2), step=1.0, **kw)
    with pytest.raises(
        ValidationError, match=r"`step` is required for fixed_date items; it is missing in 1 row"
    ):
        delay_cost("fixed_date", one, one, due=_at(1), **kw)
    with pytest.raises(ValidationError, match=r"`step` must be a finite number >= 0 \[money\]"):
        delay_cost("expedite", one, one, step=-1.0, **kw)
    with pytest.raises(ValidationError, match=r"`end` is before `start` in 1 row \(row 0\)"):
        delay_cost("standard", _instants([2]), _instants([1]), **kw)
    with pytest.raises(ValidationError, match=r"`as_of` must be an instant, got None"):
        delay_cost("standard", one, one, as_of=None, rate=1.0)
    with pytest.raises(ValidationError, match=r"`start` and `end` must have the same length"):
        delay_cost("standard", one, _instants([1, 2]), **kw)
    with pytest.raises(
        ValidationError, match=r"`start` and `rate` must have the same length \(got 1 and 2\)"
    ):
        delay_cost("standard", one, one, as_of=_at(3), rate=[1.0, 2.0])
    with pytest.raises(ValidationError, match=r"`start` and `urgency` must have the same"):
        delay_cost(["standard"] * 2, one, one, **kw)
    with pytest.raises(ValidationError, match=r"`start` and `by` must have the same length"):
        delay_cost("standard", one, one, by=["a", "b"], **kw)
    with pytest.raises(TypeError, match=r"`due` must hold instants, not numbers"):
        delay_cost("fixed_date", one, one, due=[5.0], step=1.0, **kw)
    with pytest.raises(ValidationError, match=r"`growth` is required for intangible items"):
        delay_cost("intangible", one, one, horizon=1.0, **kw)


@given(d=items(), split=st.booleans())
def test_delay_cost_matches_reference_loop(d, split):
    labels = (
        np.array(["x" if i % 3 else None for i in range(len(d["rate"]))], dtype=object)
        if split
        else None
    )
    r = _call(d, by=labels)
    expected = [
        _reference_cost(*row, d["as_of"], *rest)
        for row, rest in zip(
            zip(d["urgency"], d["requested"], d["delivered"], strict=True),
            zip(d["rate"], d["due"], d["step"], d["horizon"], d["growth"], strict=True),
            strict=True,
        )
    ]
    np.testing.assert_allclose(r.cost, expected, rtol=1e-12, atol=1e-9, equal_nan=True)
    counted = [not np.isnat(q) and q <= d["as_of"] for q in d["requested"]]
    still_open = [
        c and not (not np.isnat(x) and x <= d["as_of"])
        for c, x in zip(counted, d["delivered"], strict=True)
    ]
    assert r.open.tolist() == still_open
    # by= totals are the per-group sums of the costs of the counted items
    for g, label in enumerate(r.groups.tolist()):
        mine = [
            i for i in range(len(expected)) if counted[i] and (labels is None or labels[i] == label)
        ]
        assert r.items[g] == len(mine)
        assert r.total[g] == pytest.approx(sum(expected[i] for i in mine), rel=1e-9, abs=1e-6)


@given(d=items(min_size=1), data=st.data())
def test_delay_cost_invariant_to_row_order(d, data):
    n = len(d["rate"])
    perm = np.array(data.draw(st.permutations(range(n))), dtype=np.intp)
    moved = {k: (v[perm] if isinstance(v, np.ndarray) else v) for k, v in d.items()}
    a, b = _call(d), _call(moved)
    np.testing.assert_array_equal(a.cost[perm], b.cost)
    np.testing.assert_array_equal(a.open[perm], b.open)
    np.testing.assert_allclose(a.total, b.total, rtol=1e-12, atol=1e-9)
    assert a.items.tolist() == b.items.tolist()


# A single item of each archetype, integrated numerically.
archetype_items = st.fixed_dictionaries(
    {
        "urgency": st.sampled_from(URGENCIES),
        "rate": st.floats(0, 1e4),
        "due_s": st.integers(0, 100 * 86_400),
        "step": st.floats(0, 1e5),
        "horizon": st.floats(0, 150),
        "growth": st.floats(0, 1),
        "delay_s": st.integers(0, 300 * 86_400),
        "open": st.booleans(),
        "asof_s": st.integers(0, 300 * 86_400),
    }
)


@given(item=archetype_items)
def test_delay_cost_is_the_integral_of_the_rate_plus_the_lumps(item):
    integrate = pytest.importorskip("scipy.integrate")
    u = item["urgency"]
    due_days = item["due_s"] / 86_400
    params = {"rate": item["rate"], "horizon": item["horizon"], "growth": item["growth"]}
    requested = BASE
    delivered = BASE + item["delay_s"] * SECOND
    as_of = BASE + item["asof_s"] * SECOND
    if item["open"]:
        delivered = NAT  # integrated to as_of
    r = delay_cost(
        u,
        [requested],
        [delivered],
        as_of=as_of,
        due=BASE + item["due_s"] * SECOND,
        step=item["step"],
        **params,
    )
    end = as_of if np.isnat(delivered) or delivered > as_of else delivered
    d = (end - requested) / DAY
    assert r.open[0] == (np.isnat(delivered) or delivered > as_of)

    def f(t):
        return cost_of_delay_rate(u, t, due=due_days, **params)[0]

    # quad on each smooth piece: between 0, the due date, the horizon and the delay
    edges = sorted({0.0, d, *(p for p in (due_days, item["horizon"]) if 0 < p < d)})
    integral = sum(
        integrate.quad(f, a, b, epsabs=1e-12, epsrel=1e-12)[0] for a, b in itertools.pairwise(edges)
    )
    lump = 0.0
    if u == "expedite" and d > 0:
        lump = item["step"]
    if u == "fixed_date" and d > due_days:
        lump = item["step"]
    expected = integral + lump
    assert r.cost[0] == pytest.approx(expected, rel=1e-8, abs=1e-8 * (1 + item["rate"]))


@given(d=items(min_size=1, unknown=False), later=st.lists(st.integers(0, 50 * 86_400)))
def test_delay_cost_does_not_decrease_with_the_delivery_time(d, later):
    n = len(d["rate"])
    extra = np.resize(np.array(later or [0], dtype=np.int64), n).astype("timedelta64[s]")
    a = _call(d)
    moved = dict(d, delivered=d["delivered"] + extra)  # NaT stays NaT (still open)
    b = _call(moved)
    assert (b.cost >= a.cost).all()
    never = dict(d, delivered=np.full(n, NAT))  # never delivered: the most it can cost by as_of
    assert (_call(never).cost >= b.cost).all()


# --------------------------------------------------------------------------- CD3 and WSJF


def test_cd3_by_hand():
    r = cd3([10.0, 30.0], [2.0, 4.0])  # Arnold: B (7.5) before A (5)
    assert isinstance(r, PriorityResult)
    assert r.score.tolist() == [5.0, 7.5]
    assert (r.rank.tolist(), r.order.tolist()) == ([2, 1], [1, 0])
    # negative cost of delay sorts last; zero before it
    r = cd3([-5.0, 0.0, 3.0], 1.0)
    assert r.order.tolist() == [2, 1, 0]
    # ties: earlier request first, NaT after known instants, then position
    req = _instants([3, 1, None, 1, 0])
    r = cd3([6, 6, 6, 6, 1], [2, 2, 2, 2, 1], requested_at=req)
    assert r.order.tolist() == [1, 3, 0, 2, 4]
    assert r.rank.tolist() == [3, 1, 4, 2, 5]
    # without requested_at, ties keep their positions
    assert cd3([6, 6, 6], [2, 2, 2]).order.tolist() == [0, 1, 2]
    assert r.to_dict()["order"] == [1, 3, 0, 2, 4]
    empty = cd3([], [])
    assert empty.order.shape == (0,)
    assert empty.rank.dtype == np.int64


def test_wsjf_by_hand():
    r = wsjf([8, 3, 13], [5, 8, 1], [1, 2, 1], [5, 2, 8])
    np.testing.assert_array_equal(r.score, [14 / 5, 13 / 2, 15 / 8])
    assert r.order.tolist() == [1, 0, 2]
    # equal scores: the earlier request first
    r = wsjf([1, 2], [1, 1], [1, 0], [3, 3], requested_at=_instants([5, 2]))
    assert r.order.tolist() == [1, 0]
    assert wsjf(1, 1, 1, [1, 3]).score.tolist() == [3.0, 1.0]


def test_priority_errors():
    with pytest.raises(
        ValidationError,
        match=r"`duration` must be a finite number > 0 \[days\]; it is not in 3 rows "
        r"\(row 0; row 1; row 3\)",
    ):
        cd3([1, 1, 1, 1], [0.0, -1.0, 2.0, np.nan])
    with pytest.raises(ValidationError, match=r"`duration` must be .* \[days\]; got 0.0"):
        cd3([1, 2], 0.0)
    with pytest.raises(ValidationError, match=r"`duration` must .* 1 row \(row 0\)"):
        cd3([1.0], [np.inf])
    with pytest.raises(
        ValidationError, match=r"`cost_of_delay` must be a finite number; it is not in 1 row"
    ):
        cd3([np.nan, 1.0], [1.0, 1.0])
    with pytest.raises(
        ValidationError, match=r"`cost_of_delay` and `duration` must have the same length"
    ):
        cd3([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValidationError, match=r"`cost_of_delay` and `requested_at` must have"):
        cd3([1.0, 2.0], 1.0, requested_at=_instants([1]))
    with pytest.raises(
        ValidationError, match=r"`job_size` must be a finite number > 0 \[1\]; it is not in 1 row"
    ):
        wsjf([1, 2], [1, 2], [1, 2], [3, 0])
    with pytest.raises(ValidationError, match=r"`time_criticality` must be a finite number"):
        wsjf([1, 2], [1, np.nan], [1, 2], [3, 1])
    with pytest.raises(TypeError, match=r"`job_size` must be a number"):
        wsjf(1, 1, 1, "large")


# scores with many ties (small integers) and requests with ties and NaT
@st.composite
def priorities(draw, *, min_size=0, max_size=30):
    n = draw(st.integers(min_size, max_size))
    cod = draw(st.lists(st.integers(-3, 6), min_size=n, max_size=n))
    duration = draw(st.lists(st.sampled_from([1, 2, 3, 0.5]), min_size=n, max_size=n))
    days = draw(st.lists(st.one_of(st.none(), st.integers(0, 4)), min_size=n, max_size=n))
    return (
        np.array(cod, dtype=np.float64),
        np.array(duration, dtype=np.float64),
        _instants(days),
    )


@given(p=priorities(), with_requests=st.booleans())
def test_cd3_matches_reference_loop(p, with_requests):
    cod, duration, requested = p
    req = requested if with_requests else None
    r = cd3(cod, duration, requested_at=req)
    score = [c / d for c, d in zip(cod.tolist(), duration.tolist(), strict=True)]
    assert r.score.tolist() == score
    assert r.order.tolist() == _reference_order(score, req)


@given(p=priorities(), data=st.data())
def test_wsjf_matches_reference_loop(p, data):
    _cod, _duration, requested = p
    n = len(requested)
    fib = st.sampled_from([1, 2, 3, 5, 8, 13, 20])
    bv, tc, rr, size = (
        np.array(data.draw(st.lists(fib, min_size=n, max_size=n)), dtype=np.float64)
        for _ in range(4)
    )
    r = wsjf(bv, tc, rr, size, requested_at=requested)
    score = [(a + b + c) / s for a, b, c, s in zip(bv, tc, rr, size, strict=True)]
    assert r.score.tolist() == score
    assert r.order.tolist() == _reference_order(score, requested)


@given(p=priorities(), k=st.integers(-30, 30))
def test_cd3_schedule_properties(p, k):
    cod, duration, requested = p
    r = cd3(cod, duration, requested_at=requested)
    n = len(cod)
    # the order is a permutation and the ranks its inverse
    assert sorted(r.order.tolist()) == list(range(n))
    assert r.rank[r.order].tolist() == list(range(1, n + 1))
    # scores never increase along the schedule
    ordered = r.score[r.order]
    assert (ordered[1:] <= ordered[:-1]).all()
    # among equal scores: earlier request first (NaT last), then earlier position
    for a, b in zip(r.order[:-1].tolist(), r.order[1:].tolist(), strict=True):
        if r.score[a] == r.score[b]:
            ka = math.inf if np.isnat(requested[a]) else requested[a].view(np.int64)
            kb = math.inf if np.isnat(requested[b]) else requested[b].view(np.int64)
            assert ka < kb or (ka == kb and a < b)
    # scaling every cost of delay by c > 0 keeps the schedule. c is a power of two, so
    # the scaled scores are exact: any other c may round two close scores into a tie.
    scaled = cd3(cod * 2.0**k, duration, requested_at=requested)
    assert scaled.order.tolist() == r.order.tolist()


# --------------------------------------------------------------------------- hardening


@pytest.mark.parametrize("value", [True, np.bool_(True), "40", np.datetime64("2024-01-01")])
def test_parameters_must_be_numbers(value):
    with pytest.raises(TypeError, match=r"`rate` must be a number or numbers, got"):
        cost_of_delay_rate("standard", [1.0], rate=value)
    with pytest.raises(TypeError, match=r"`rate` must be a number or numbers, got"):
        delay_cost("standard", ["2024-01-01"], [None], as_of="2024-01-05", rate=value)
    with pytest.raises(TypeError, match=r"`duration` must be a number or numbers, got"):
        cd3([10.0], value)


def test_missing_parameter_names_the_urgency():
    with pytest.raises(ValidationError, match=r"`step` is required .*, whose `urgency` is fixed"):
        delay_cost(1, ["2024-01-01"], [None], as_of="2024-01-05", rate=40.0, due="2024-01-02")
    with pytest.raises(ValidationError, match=r"`due` is required .*, whose `urgency` is fixed"):
        delay_cost(1, ["2024-01-01"], [None], as_of="2024-01-05", rate=40.0, step=1.0)
    with pytest.raises(ValidationError, match=r"`urgency` must be labels or integer codes"):
        cost_of_delay_rate([["standard"], ["standard", "expedite"]], [1.0, 2.0], rate=1.0)


def test_delay_over_292_years_is_refused():
    args = {"as_of": "2261-12-31", "rate": 1.0}
    with pytest.raises(ValidationError, match=r"`start` and `as_of` are more than 292 years"):
        delay_cost("standard", ["1678-01-01"], [None], **args)
    # Requested after `as_of`: the wrapped difference would have been a positive cost.
    with pytest.raises(ValidationError, match=r"`start` and `as_of` are more than 292 years"):
        delay_cost("standard", ["2261-12-31"], [None], as_of="1678-01-01", rate=1.0)
    with pytest.raises(ValidationError, match=r"`start` and `due` are more than 292 years"):
        delay_cost(
            "fixed_date", ["1678-01-01"], [None], as_of="1700-01-01", rate=1.0, step=1.0,
            due="2261-12-31",
        )  # fmt: skip

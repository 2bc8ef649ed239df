"""Tests of cohort_retention and get_keep_grow (customer retention, Get-Keep-Grow flows)."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import warnings
from pathlib import Path
from typing import Any, NamedTuple
from unittest import mock

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_kanban.customers import _retention
from customer_kanban.customers._retention import (
    CohortResult,
    GetKeepGrowResult,
    cohort_retention,
    get_keep_grow,
)
from customer_kanban.errors import InsufficientDataWarning, ValidationError
from customer_kanban.testing._arrays import instant_arrays

NAN = np.nan
FREQS = ["D", "W", "M", "Q"]
COUNTS = ("active", "acquired", "retained", "won_back", "lost", "let_go", "cross_sold")
VALUES = (
    "active_value",
    "acquired_value",
    "retained_value",
    "won_back_value",
    "lost_value",
    "let_go_value",
    "cross_sold_value",
    "new_product_value",
)
FIELDS = (*COUNTS, *VALUES, "lost_so_far", "live")


def _days(*dates: str) -> np.ndarray:
    return np.array(dates, dtype="datetime64[ns]")


def _sparse():
    """Force the sort-based paths (instead of the dense customer x period grid)."""
    return mock.patch.object(_retention, "_DENSE_SLACK", -(1 << 62))


# --------------------------------------------------------------------------- references
# Plain Python on datetime objects: one customer, one period at a time.

_MONDAY = dt.date(2024, 1, 1).toordinal() % 7  # 2024-01-01 is a Monday


def _period(instant: np.datetime64, freq: str) -> int:
    d = instant.astype("datetime64[us]").item().date()
    if freq == "D":
        return d.toordinal()
    if freq == "W":
        return (d.toordinal() - d.weekday()) // 7
    if freq == "M":
        return d.year * 12 + d.month - 1
    return d.year * 4 + (d.month - 1) // 3


def _start(p: int, freq: str) -> np.datetime64:
    if freq == "D":
        d = dt.date.fromordinal(p)
    elif freq == "W":
        d = dt.date.fromordinal(p * 7 + _MONDAY)
    elif freq == "M":
        d = dt.date(p // 12, p % 12 + 1, 1)
    else:
        d = dt.date(p // 4, (p % 4) * 3 + 1, 1)
    return np.datetime64(d, "ns")


class Log(NamedTuple):
    customer: np.ndarray  # object labels, None = no customer
    at: np.ndarray
    value: np.ndarray
    margin: np.ndarray
    product: np.ndarray  # object labels, None = unknown
    segment_of: dict[Any, Any]  # customer -> segment label
    as_of: np.datetime64 | None

    def segment(self) -> np.ndarray:
        out = np.empty(len(self.customer), dtype=object)
        out[:] = [self.segment_of.get(c) for c in self.customer]
        return out


def _counted(log: Log) -> list[int]:
    return [
        i
        for i in range(len(log.at))
        if log.customer[i] is not None
        and not np.isnat(log.at[i])
        and (log.as_of is None or log.at[i] <= log.as_of)
    ]


def ref_cohorts(log: Log, freq: str) -> dict[str, Any] | None:
    rows = _counted(log)
    if not rows:
        return None
    per = {i: _period(log.at[i], freq) for i in rows}
    first = min(per.values())
    last = max(per.values()) if log.as_of is None else _period(log.as_of, freq)
    k_max = last - first + 1
    periods: dict[Any, set[int]] = {}
    for i in rows:
        periods.setdefault(log.customer[i], set()).add(per[i])
    cohorts = sorted({min(ps) for ps in periods.values()})
    size, active, retention, churn = [], [], [], []
    for c in cohorts:
        members = [ps for ps in periods.values() if min(ps) == c]
        size.append(len(members))
        row_a, row_r, row_c = [], [], []
        for k in range(k_max):
            n_active = sum(1 for ps in members if c + k in ps)
            observed = c + k <= last
            row_a.append(n_active if observed else 0)
            row_r.append(n_active / len(members) if observed else NAN)
            if k == 0 or not observed or row_r[k - 1] == 0:
                row_c.append(NAN)
            else:
                row_c.append(1 - row_r[k] / row_r[k - 1])
        active.append(row_a)
        retention.append(row_r)
        churn.append(row_c)
    return {
        "cohorts": [_start(c, freq) for c in cohorts],
        "size": size,
        "active": active,
        "retention": retention,
        "churn": churn,
    }


def ref_flows(
    log: Log, freq: str, lag: int, *, use_margin: bool, use_product: bool, use_segment: bool
) -> dict[str, Any] | None:
    rows = _counted(log)
    if not rows:
        return None
    per = {i: _period(log.at[i], freq) for i in rows}
    first = min(per.values())
    last = max(per.values()) if log.as_of is None else _period(log.as_of, freq)
    n_periods = last - first + 1
    customers = sorted({log.customer[i] for i in rows}, key=repr)
    # With segments: those named on any row, as `by=` labels are.
    groups = sorted({s for s in log.segment() if s is not None}) if use_segment else ["all"]
    out = {name: np.zeros((len(groups), n_periods)) for name in FIELDS}
    for c in customers:
        seg = log.segment_of.get(c) if use_segment else "all"
        if seg is None:
            continue
        g = groups.index(seg)
        mine = [i for i in rows if log.customer[i] == c]
        active = sorted({per[i] - first for i in mine})
        for t in range(n_periods):
            now = [i for i in mine if per[i] - first == t]
            before = [p for p in active if p < t]
            spent = sum(log.value[i] for i in now)
            if now:
                out["active"][g, t] += 1
                out["active_value"][g, t] += spent
                if not before:
                    kind = "acquired"
                elif t - max(before) <= lag:
                    kind = "retained"
                else:
                    kind = "won_back"
                out[kind][g, t] += 1
                out[kind + "_value"][g, t] += spent
                if before and use_product:
                    bought = {log.product[i] for i in mine if per[i] - first < t}
                    new = [i for i in now if log.product[i] is not None]
                    new = [i for i in new if log.product[i] not in bought]
                    if new:
                        out["cross_sold"][g, t] += 1
                        out["cross_sold_value"][g, t] += spent
                        out["new_product_value"][g, t] += sum(log.value[i] for i in new)
            elif before and t - max(before) == lag:
                p = max(before)
                window = [i for i in mine if p - lag + 1 <= per[i] - first <= p]
                lost_value = sum(log.value[i] for i in window)
                out["lost"][g, t] += 1
                out["lost_value"][g, t] += lost_value
                if use_margin and sum(log.margin[i] for i in mine if per[i] - first <= p) <= 0:
                    out["let_go"][g, t] += 1
                    out["let_go_value"][g, t] += lost_value
            last_active = max([p for p in active if p <= t], default=None)
            if last_active is not None:
                state = "live" if t - last_active < lag else "lost_so_far"
                out[state][g, t] += 1
    out["periods"] = [_start(first + t, freq) for t in range(n_periods)]
    out["groups"] = groups
    return out


# --------------------------------------------------------------------------- strategies


@st.composite
def logs(draw, *, max_size: int = 25, span_days: float = 400.0) -> Log:
    n = draw(st.integers(0, max_size))
    names = ["a", "b", "c", "d", "e", "f"]
    customer = np.empty(n, dtype=object)
    customer[:] = draw(st.lists(st.sampled_from([*names, None]), min_size=n, max_size=n))
    at = draw(instant_arrays(size=n, span_days=span_days, allow_nat=draw(st.booleans())))
    # Whole numbers keep every sum exact, whatever the order of summation.
    value = np.array(draw(st.lists(st.integers(0, 100), min_size=n, max_size=n)), float)
    margin = np.array(draw(st.lists(st.integers(-20, 20), min_size=n, max_size=n)), float)
    product = np.empty(n, dtype=object)
    product[:] = draw(st.lists(st.sampled_from(["x", "y", "z", None]), min_size=n, max_size=n))
    segs = draw(st.lists(st.sampled_from(["s1", "s2", None]), min_size=6, max_size=6))
    as_of = None
    if draw(st.booleans()):
        days = draw(st.integers(-30, int(span_days) + 200))
        as_of = np.datetime64("2024-01-01T12:00", "ns") + np.timedelta64(days, "D")
    return Log(customer, at, value, margin, product, dict(zip(names, segs, strict=True)), as_of)


def _call_flows(log: Log, freq: str, lag: int, **options: bool) -> GetKeepGrowResult:
    return get_keep_grow(
        log.customer,
        log.at,
        log.value,
        freq=freq,
        lost_after=lag,
        margin=log.margin if options.get("use_margin") else None,
        product=log.product if options.get("use_product") else None,
        by=log.segment() if options.get("use_segment") else None,
        as_of=log.as_of,
    )


def _quiet(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        return function(*args, **kwargs)


# --------------------------------------------------------------------------- cohort_retention


def test_cohort_retention_by_hand():
    # Quarterly. Q1 2024: a, b, c acquired; Q2: d acquired, a and c buy;
    # Q3: b buys (back after a silent Q2); Q4: a and d buy. as_of in Q4.
    customer = ["a", "b", "c", "a", "c", "d", "b", "a", "d", "a"]
    at = _days(
        "2024-01-05",
        "2024-02-01",
        "2024-03-31T23:59",
        "2024-04-01",
        "2024-06-30",
        "2024-05-15",
        "2024-08-08",
        "2024-10-01",
        "2024-11-11",
        "2024-11-12",  # a twice in Q4: counted once
    )
    r = cohort_retention(customer, at, freq="Q", as_of="2024-12-15")
    assert r.groups.tolist() == _days("2024-01-01", "2024-04-01").tolist()
    assert r.periods_since.tolist() == [0, 1, 2, 3]
    assert r.size.tolist() == [3, 1]
    #                     k=0 k=1 k=2 k=3
    assert r.active.tolist() == [[3, 2, 1, 1], [1, 0, 1, 0]]
    assert r.observed.tolist() == [[True] * 4, [True, True, True, False]]
    np.testing.assert_allclose(r.retention, [[1, 2 / 3, 1 / 3, 1 / 3], [1, 0, 1, NAN]])
    # d is silent in Q3 (S = 0): the next step's churn is undefined.
    np.testing.assert_allclose(r.churn, [[NAN, 1 / 3, 0.5, 0.0], [NAN, 1.0, NAN, NAN]])
    np.testing.assert_allclose(r.pooled_retention, [1.0, 0.5, 0.5, 1 / 3])
    # Months, as of the end of May: a later transaction is left out.
    m = cohort_retention(customer, at, as_of="2024-05-31")
    assert m.groups.astype("datetime64[D]").astype(str).tolist() == [
        "2024-01-01",
        "2024-02-01",
        "2024-03-01",
        "2024-05-01",
    ]
    assert m.size.tolist() == [1, 1, 1, 1]
    assert m.active.tolist() == [
        [1, 0, 0, 1, 0],  # a: Jan, Apr
        [1, 0, 0, 0, 0],  # b: Feb
        [1, 0, 0, 0, 0],  # c: Mar (Jun is after as_of)
        [1, 0, 0, 0, 0],  # d: May
    ]
    assert m.observed.sum(axis=1).tolist() == [5, 4, 3, 1]
    np.testing.assert_array_equal(m.churn[0], [NAN, 1.0, NAN, NAN, 1.0])


def test_cohort_negative_churn_when_customers_come_back():
    r = cohort_retention(
        ["a", "b", "a", "b"], _days("2024-01-01", "2024-01-02", "2024-02-01", "2024-03-01")
    )
    np.testing.assert_array_equal(r.retention, [[1.0, 0.5, 0.5]])
    r = cohort_retention(
        ["a", "b", "a", "a", "b"],
        _days("2024-01-01", "2024-01-02", "2024-02-01", "2024-03-01", "2024-03-02"),
    )
    np.testing.assert_array_equal(r.retention, [[1.0, 0.5, 1.0]])
    np.testing.assert_array_equal(r.churn, [[NAN, 0.5, -1.0]])


@pytest.mark.parametrize("freq", FREQS)
@given(log=logs())
def test_cohort_retention_matches_loop(freq, log):
    ref = ref_cohorts(log, freq)
    r = _quiet(cohort_retention, log.customer, log.at, freq=freq, as_of=log.as_of)
    with _sparse():
        assert _quiet(cohort_retention, log.customer, log.at, freq=freq, as_of=log.as_of) == r
    if ref is None:
        assert r.size.shape == (0,)
        assert r.retention.shape == (0, 0)
        return
    np.testing.assert_array_equal(r.groups, np.array(ref["cohorts"], "datetime64[ns]"))
    assert r.size.tolist() == ref["size"]
    assert r.active.tolist() == ref["active"]
    np.testing.assert_allclose(r.retention, ref["retention"], rtol=1e-12)
    np.testing.assert_allclose(r.churn, ref["churn"], rtol=1e-12, atol=1e-12)
    # Invariants.
    assert (r.active[:, 0] == r.size).all()
    assert ((r.retention[r.observed] >= 0) & (r.retention[r.observed] <= 1)).all()
    assert np.isnan(r.retention[~r.observed]).all()
    assert r.observed[0].all()  # the oldest cohort is observed throughout


@given(log=logs(), freq=st.sampled_from(FREQS))
def test_cohort_diagonals_are_the_active_customers_per_period(log, freq):
    c = _quiet(cohort_retention, log.customer, log.at, freq=freq, as_of=log.as_of)
    f = _quiet(
        get_keep_grow, log.customer, log.at, log.value, freq=freq, lost_after=1, as_of=log.as_of
    )
    if c.size.size == 0:
        assert f.periods.size == 0
        return
    # Calendar period of each cell: cohort offset + k.
    offset = np.searchsorted(f.periods, c.groups)
    per_period = np.zeros(f.periods.size, dtype=np.int64)
    for i, o in enumerate(offset):  # a handful of cohorts
        per_period[o:] += c.active[i, : f.periods.size - o]
    assert per_period.tolist() == f.active[0].tolist()
    assert c.size.tolist() == f.acquired[0][offset].tolist()
    assert c.size.sum() == f.acquired.sum()


def test_cohort_retention_edges():
    with pytest.warns(InsufficientDataWarning, match="no periods"):
        empty = cohort_retention([], [])
    assert empty.groups.shape == (0,)
    assert empty.active.shape == (0, 0)
    one = cohort_retention(["a"], ["2024-05-05"], freq="W")
    assert one.size.tolist() == [1]
    assert one.retention.tolist() == [[1.0]]
    assert np.isnan(one.churn).all()
    assert one.groups.tolist() == _days("2024-04-29").tolist()  # the Monday
    same = cohort_retention(["a", "b", "a"], _days("2024-05-05", "2024-05-06", "2024-05-07"))
    assert same.size.tolist() == [2]
    assert same.active.tolist() == [[2]]
    with pytest.warns(InsufficientDataWarning, match="no periods"):
        missing = cohort_retention(["a", None], np.array(["NaT", "2024-01-01"], "datetime64[ns]"))
    assert missing.size.size == 0
    with pytest.warns(InsufficientDataWarning, match="no periods"):
        cohort_retention(["a"], ["2024-05-05"], as_of="2024-01-01")
    # A later as_of adds censored-free periods of silence.
    later = cohort_retention(["a"], ["2024-05-05"], as_of="2024-08-01")
    assert later.active.tolist() == [[1, 0, 0, 0]]
    assert later.observed.all()
    # (codes, labels): a customer without transactions, and -1 for no customer.
    coded = cohort_retention(
        (np.array([0, 2, -1]), np.array(["x", "y", "z"])),
        _days("2024-01-01", "2024-02-01", "2024-03-01"),
    )
    assert coded.size.tolist() == [1, 1]
    assert coded.active.tolist() == [[1, 0], [1, 0]]


def test_cohort_retention_errors():
    with pytest.raises(ValidationError, match=r"`freq` must be one of 'D', 'W', 'M', 'Q'"):
        cohort_retention(["a"], ["2024-01-01"], freq="Y")
    with pytest.raises(ValidationError, match=r"`at` and `customer` must have the same length"):
        cohort_retention(["a", "b"], ["2024-01-01"])
    with pytest.raises(TypeError, match=r"`customer` is required"):
        cohort_retention(None, ["2024-01-01"])
    with pytest.raises(ValidationError, match=r"`customer` codes must lie in \[-1, 0\].*row 1"):
        cohort_retention((np.array([0, 3]), np.array(["x"])), _days("2024-01-01", "2024-01-02"))
    with pytest.raises(ValidationError, match=r"`as_of` must be an instant, got NaT"):
        cohort_retention(["a"], ["2024-01-01"], as_of=np.datetime64("NaT"))
    with pytest.raises(TypeError, match=r"`at` must hold instants"):
        cohort_retention(["a"], [1.5])


# --------------------------------------------------------------------------- get_keep_grow


def test_get_keep_grow_by_hand():
    # Months Jan..Jul 2024, lost after 2 silent months. Segments: A and C "big", B "small".
    #   A: Jan(x 10), Feb(y 20), May(x 5, z 7, x 0) -> acq Jan, ret Feb, lost Apr, won back May,
    #      then lost Jul (May + 2). Margin so far: 6 at Apr (profitable), 6 - 10 = -4 at Jul
    #      (let go). Feb: y new after acquisition -> cross-sold; May: z new -> cross-sold
    #      (value 12, of which 7 on the new product).
    #   B: Jan(x 100), Mar(x 50) -> acq Jan, retained Mar (one silent month), lost May.
    #      margin 30 + 20 > 0: not let go. Its lost value = Feb..Mar window = 50.
    #   C: Jun(y 1)  -> acquired Jun; Jul silent but only 1 month: live (censored).
    customer = ["A", "A", "B", "A", "B", "A", "A", "C"]
    at = _days(
        "2024-01-03",
        "2024-02-10",
        "2024-01-31T23:00",
        "2024-05-01",
        "2024-03-15",
        "2024-05-31",
        "2024-05-02",
        "2024-06-06",
    )
    value = [10.0, 20.0, 100.0, 5.0, 50.0, 7.0, 0.0, 1.0]
    margin = [4.0, 2.0, 30.0, 1.0, 20.0, 0.5, -11.5, 0.2]
    product = ["x", "y", "x", "x", "x", "z", "x", "y"]
    segment = ["big", "big", "small", "big", "small", "big", "big", "big"]
    r = get_keep_grow(
        customer,
        at,
        value,
        freq="M",
        lost_after=2,
        margin=margin,
        product=product,
        as_of="2024-07-20",
    )
    assert r.periods.astype("datetime64[D]").astype(str).tolist() == [
        f"2024-0{m}-01" for m in range(1, 8)
    ]
    assert r.groups.tolist() == ["all"]
    assert r.freq == "M"
    assert r.lost_after == 2
    #                                  Jan Feb Mar Apr May Jun Jul
    assert r.active.tolist() == [[2, 1, 1, 0, 1, 1, 0]]
    assert r.acquired.tolist() == [[2, 0, 0, 0, 0, 1, 0]]
    assert r.retained.tolist() == [[0, 1, 1, 0, 0, 0, 0]]
    assert r.won_back.tolist() == [[0, 0, 0, 0, 1, 0, 0]]
    assert r.lost.tolist() == [[0, 0, 0, 1, 1, 0, 1]]
    assert r.let_go.tolist() == [[0, 0, 0, 0, 0, 0, 1]]
    assert r.lost_profitable.tolist() == [[0, 0, 0, 1, 1, 0, 0]]
    assert r.cross_sold.tolist() == [[0, 1, 0, 0, 1, 0, 0]]
    assert r.active_value.tolist() == [[110.0, 20.0, 50.0, 0.0, 12.0, 1.0, 0.0]]
    assert r.acquired_value.tolist() == [[110.0, 0, 0, 0, 0, 1.0, 0]]
    assert r.retained_value.tolist() == [[0, 20.0, 50.0, 0, 0, 0, 0]]
    assert r.won_back_value.tolist() == [[0, 0, 0, 0, 12.0, 0, 0]]
    # A lost in Apr: Jan..Feb window = 30; B lost in May: Feb..Mar = 50; A in Jul: Apr..May = 12.
    assert r.lost_value.tolist() == [[0, 0, 0, 30.0, 50.0, 0, 12.0]]
    assert r.let_go_value.tolist() == [[0, 0, 0, 0, 0, 0, 12.0]]
    assert r.cross_sold_value.tolist() == [[0, 20.0, 0, 0, 12.0, 0, 0]]
    assert r.new_product_value.tolist() == [[0, 20.0, 0, 0, 7.0, 0, 0]]
    assert r.lost_so_far.tolist() == [[0, 0, 0, 1, 1, 1, 2]]
    assert r.live.tolist() == [[2, 2, 2, 1, 1, 2, 1]]
    # Per segment.
    s = get_keep_grow(customer, at, value, freq="M", lost_after=2, by=segment, as_of="2024-07-20")
    assert s.groups.tolist() == ["big", "small"]
    assert s.let_go is None
    assert s.cross_sold is None
    assert s.lost_profitable is None
    assert s.acquired.tolist() == [[1, 0, 0, 0, 0, 1, 0], [1, 0, 0, 0, 0, 0, 0]]
    assert s.lost.tolist() == [[0, 0, 0, 1, 0, 0, 1], [0, 0, 0, 0, 1, 0, 0]]
    assert s.live.tolist() == [[1, 1, 1, 0, 1, 2, 1], [1, 1, 1, 1, 0, 0, 0]]
    # Lost after one silent month instead: B is lost in Feb, won back in Mar, lost in Apr;
    # A is lost in Mar and Jun, C in Jul.
    one = get_keep_grow(customer, at, value, freq="M", lost_after=1, as_of="2024-07-20")
    assert one.retained.tolist() == [[0, 1, 0, 0, 0, 0, 0]]
    assert one.won_back.tolist() == [[0, 0, 1, 0, 1, 0, 0]]
    assert one.lost.tolist() == [[0, 1, 1, 1, 0, 1, 1]]


@pytest.mark.parametrize("freq", FREQS)
@pytest.mark.parametrize("lag", [1, 2, 3])
@given(
    log=logs(),
    options=st.fixed_dictionaries(
        {"use_margin": st.booleans(), "use_product": st.booleans(), "use_segment": st.booleans()}
    ),
)
def test_get_keep_grow_matches_loop(freq, lag, log, options):
    ref = ref_flows(log, freq, lag, **options)
    r = _quiet(_call_flows, log, freq, lag, **options)
    with _sparse():
        assert _quiet(_call_flows, log, freq, lag, **options) == r
    if ref is None:
        assert r.periods.size == 0
        assert all(getattr(r, f) is None or getattr(r, f).shape[1] == 0 for f in FIELDS)
        return
    np.testing.assert_array_equal(r.periods, np.array(ref["periods"], "datetime64[ns]"))
    assert r.groups.tolist() == ref["groups"]
    for name in FIELDS:
        got = getattr(r, name)
        needs_margin = name in ("let_go", "let_go_value")
        needs_product = name in ("cross_sold", "cross_sold_value", "new_product_value")
        if (needs_margin and not options["use_margin"]) or (
            needs_product and not options["use_product"]
        ):
            assert got is None
        else:
            np.testing.assert_array_equal(got, ref[name], err_msg=name)


@given(log=logs(max_size=40), freq=st.sampled_from(FREQS), lag=st.integers(1, 4))
def test_flows_partition_each_customer_and_balance(log, freq, lag):
    # With each customer as its own segment, the counts are per customer and period.
    per_customer = log._replace(segment_of={c: c for c in "abcdef"})
    r = _quiet(
        _call_flows, per_customer, freq, lag, use_margin=True, use_product=True, use_segment=True
    )
    states = r.acquired + r.retained + r.won_back + r.lost
    assert states.max(initial=0) <= 1  # at most one state per customer and period
    assert (r.active == r.acquired + r.retained + r.won_back).all()
    assert (r.let_go <= r.lost).all()
    assert (r.cross_sold <= r.retained + r.won_back).all()
    assert (r.live + r.lost_so_far <= 1).all()
    # Flows balance (totals over customers as well).
    total = _quiet(_call_flows, log, freq, lag, use_margin=True, use_product=True)
    for res in (r, total):
        assert (res.active == res.acquired + res.retained + res.won_back).all()
        np.testing.assert_array_equal(
            res.active_value, res.acquired_value + res.retained_value + res.won_back_value
        )
        assert (res.lost_so_far == np.cumsum(res.lost - res.won_back, axis=1)).all()
        assert (res.live + res.lost_so_far == np.cumsum(res.acquired, axis=1)).all()
        assert (res.lost_so_far >= 0).all()
        assert (res.live >= 0).all()
        assert (res.new_product_value <= res.cross_sold_value).all()
    assert total.active_value.sum() == log.value[_counted(log)].sum()
    assert total.acquired.sum() == len({log.customer[i] for i in _counted(log)})
    # Segments split the totals (customers with a segment only).
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(r, name).sum(axis=0), getattr(total, name)[0])


@given(log=logs(), freq=st.sampled_from(FREQS), seed=st.integers(0, 2**32 - 1))
def test_row_order_does_not_matter(log, freq, seed):
    order = np.random.default_rng(seed).permutation(len(log.at))
    shuffled = Log(
        log.customer[order],
        log.at[order],
        log.value[order],
        log.margin[order],
        log.product[order],
        log.segment_of,
        log.as_of,
    )
    options = {"use_margin": True, "use_product": True, "use_segment": True}
    assert _quiet(_call_flows, shuffled, freq, 2, **options) == _quiet(
        _call_flows, log, freq, 2, **options
    )
    assert _quiet(cohort_retention, shuffled.customer, shuffled.at, freq=freq) == _quiet(
        cohort_retention, log.customer, log.at, freq=freq
    )


@given(log=logs(), freq=st.sampled_from(FREQS))
def test_codes_and_labels_give_the_same_result(log, freq):
    names = np.array(["a", "b", "c", "d", "e", "f", "unused"])
    codes = np.array([-1 if c is None else "abcdef".index(c) for c in log.customer])
    products = np.array(["z", "y", "x"])  # any order: (codes, labels) keeps it
    pcodes = np.array([-1 if p is None else "zyx".index(p) for p in log.product])
    by_labels = _quiet(
        get_keep_grow,
        log.customer,
        log.at,
        log.value,
        freq=freq,
        lost_after=np.int64(2),
        product=log.product,
        as_of=log.as_of,
    )
    by_codes = _quiet(
        get_keep_grow,
        (codes, names),
        log.at,
        log.value,
        freq=freq,
        lost_after=2,
        product=(pcodes, products),
        as_of=log.as_of,
    )
    assert by_codes == by_labels
    cohorts = _quiet(cohort_retention, (codes, names), log.at, freq=freq, as_of=log.as_of)
    assert cohorts == _quiet(cohort_retention, log.customer, log.at, freq=freq, as_of=log.as_of)


def test_inputs_are_not_modified():
    customer = np.array([0, 1, 0, 2, 1])  # codes 0..G-1: factorize hands back this array
    at = _days("2024-01-01", "2024-02-01", "2024-06-01", "2024-06-02", "2024-12-01")
    value = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    margin = np.array([1.0, -2.0, 3.0, -4.0, 5.0])
    product = np.array([0, 1, 1, 0, 2])
    segment = np.array([0, 1, 0, 0, 1])
    before = [a.copy() for a in (customer, at, value, margin, product, segment)]
    for freq in FREQS:
        get_keep_grow(
            customer,
            at,
            value,
            freq=freq,
            lost_after=1,
            margin=margin,
            product=product,
            by=segment,
        )
        with _sparse():
            get_keep_grow(
                customer,
                at,
                value,
                freq=freq,
                lost_after=1,
                margin=margin,
                product=product,
                by=segment,
            )
        cohort_retention(customer, at, freq=freq)
    for old, new in zip(before, (customer, at, value, margin, product, segment), strict=True):
        np.testing.assert_array_equal(old, new)


def test_get_keep_grow_edges():
    with pytest.warns(InsufficientDataWarning, match="no periods"):
        empty = get_keep_grow([], [], [], lost_after=1, margin=[], product=[])
    assert empty.periods.shape == (0,)
    assert empty.lost.shape == (1, 0)
    assert empty.let_go.shape == (1, 0)
    assert empty.new_product_value.shape == (1, 0)
    with pytest.warns(InsufficientDataWarning, match="no periods"):
        seg = get_keep_grow([], [], [], lost_after=1, by=([], ["p", "q"]))
    assert seg.groups.tolist() == ["p", "q"]
    assert seg.active.shape == (2, 0)
    with pytest.warns(InsufficientDataWarning, match="no periods"):
        get_keep_grow(["a"], np.array(["NaT"], "datetime64[ns]"), [NAN], lost_after=1)
    one = get_keep_grow(["a"], ["2024-02-02"], [5.0], lost_after=1)
    assert one.acquired.tolist() == [[1]]
    assert one.lost.tolist() == [[0]]
    assert one.live.tolist() == [[1]]
    assert one.active_value.tolist() == [[5.0]]
    # One customer, lost when as_of is far enough, never before.
    lone = get_keep_grow(
        ["a", "a"], _days("2024-01-01", "2024-04-01"), [1.0, 2.0], lost_after=4, as_of="2025-06-30"
    )
    assert lone.lost.tolist() == [[0, 0, 0, 0, 0, 1]]  # Q2 2024 + 4 quarters
    assert lone.lost_value.tolist() == [[0, 0, 0, 0, 0, 3.0]]
    early = get_keep_grow(
        ["a", "a"], _days("2024-01-01", "2024-04-01"), [1.0, 2.0], lost_after=4, as_of="2025-03-31"
    )
    assert early.lost.sum() == 0
    assert early.live[0, -1] == 1
    assert lone.lost_so_far[0, -1] == 1
    assert lone.live[0, -1] == 0
    # All transactions in one period: everybody acquired, nothing else.
    same = get_keep_grow(
        ["a", "b", "a"],
        _days("2024-01-01", "2024-02-01", "2024-03-31"),
        [1.0, 2.0, 3.0],
        lost_after=1,
        product=["x", "y", "z"],
    )
    assert same.acquired.tolist() == [[2]]
    assert same.cross_sold.tolist() == [[0]]
    assert same.acquired_value.tolist() == [[6.0]]
    # Rows after as_of, without a customer, or with NaT are left out (their values unread).
    left_out = get_keep_grow(
        ["a", None, "b", "c"],
        np.array(["2024-01-01", "2024-01-02", "NaT", "2024-09-01"], "datetime64[ns]"),
        [1.0, NAN, NAN, NAN],
        lost_after=1,
        as_of="2024-03-31",
    )
    assert left_out.acquired.tolist() == [[1]]
    assert left_out.active_value.tolist() == [[1.0]]
    # A customer without a segment is left out of a segmented result.
    s = get_keep_grow(
        ["a", "b"], _days("2024-01-01", "2024-01-02"), [1.0, 2.0], lost_after=1, by=["s", None]
    )
    assert s.groups.tolist() == ["s"]
    assert s.acquired.tolist() == [[1]]


def test_get_keep_grow_errors():
    at = _days("2024-01-01", "2024-02-01")
    with pytest.raises(ValidationError, match=r"`lost_after` must be >= 1 \[periods\]; got 0"):
        get_keep_grow(["a", "a"], at, [1, 2], lost_after=0)
    for huge in (250_001, 10**12, 2**63):
        with pytest.raises(ValidationError, match=r"`lost_after` must be <= 250000 \[periods\]"):
            get_keep_grow(["a", "a"], at, [1, 2], lost_after=huge)
    never = get_keep_grow(["a", "a"], at, [1, 2], freq="D", lost_after=np.int64(250_000))
    assert never.lost.sum() == 0  # a threshold no log reaches: nobody is lost
    for bad in (1.5, True, np.timedelta64(90, "D")):
        with pytest.raises(TypeError, match=r"`lost_after` must be a whole number of periods"):
            get_keep_grow(["a", "a"], at, [1, 2], lost_after=bad)
    with pytest.raises(TypeError, match=r"missing 1 required keyword-only argument: 'lost_after'"):
        get_keep_grow(["a", "a"], at, [1, 2])  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match=r"`at` and `value` must have the same length"):
        get_keep_grow(["a", "a"], at, [1], lost_after=1)
    with pytest.raises(ValidationError, match=r"`at` and `margin` must have the same length"):
        get_keep_grow(["a", "a"], at, [1, 2], lost_after=1, margin=[1])
    with pytest.raises(ValidationError, match=r"`at` and `product` must have the same length"):
        get_keep_grow(["a", "a"], at, [1, 2], lost_after=1, product=["x"])
    with pytest.raises(
        ValidationError, match=r"`value` must be a finite number in every counted row; .*row 1\)"
    ):
        get_keep_grow(["a", "a"], at, [1, NAN], lost_after=1)
    with pytest.raises(ValidationError, match=r"`margin` must be a finite number .*row 0\)"):
        get_keep_grow(["a", "a"], at, [1, 2], lost_after=1, margin=[np.inf, 1])
    with pytest.raises(TypeError, match=r"`value` must hold numbers"):
        get_keep_grow(["a", "a"], at, ["x", "y"], lost_after=1)
    with pytest.raises(
        ValidationError,
        match=r"`by` \(the segment\) must be the same on every row of a customer; "
        r".* 1 row \(row 0\)",
    ):
        get_keep_grow(
            ["a", "b", "a"], np.r_[at, at[:1]], [1, 2, 3], lost_after=1, by=["s", "t", "t"]
        )
    with pytest.raises(ValidationError, match=r"`by` \(the segment\) must be the same"):
        get_keep_grow(["a", "a"], at, [1, 2], lost_after=1, by=["s", None])
    with pytest.raises(ValidationError, match=r"`freq` must be one of"):
        get_keep_grow(["a", "a"], at, [1, 2], lost_after=1, freq="H")
    with pytest.raises(TypeError, match=r"`by` labels must be mutually orderable"):
        get_keep_grow(["a", "a"], at, [1, 2], lost_after=1, by=np.array([1, "s"], object))


def test_results_serialize():
    r = get_keep_grow(
        ["a", "b", "a"],
        _days("2024-01-01", "2024-02-01", "2024-09-01"),
        [1.0, 2.0, 3.0],
        lost_after=1,
        freq="M",
    )
    d = r.to_dict()
    assert d["let_go"] is None
    assert d["cross_sold"] is None
    assert d["periods"][0] == "2024-01-01T00:00:00Z"
    assert d["lost"] == [[0, 1, 1, 0, 0, 0, 0, 0, 0]]
    assert json.loads(r.to_json())["live"] == d["live"]
    c = cohort_retention(["a", "b", "a"], _days("2024-01-01", "2024-02-01", "2024-02-09"))
    d = c.to_dict()
    assert d["retention"] == [[1.0, 1.0], [1.0, None]]
    assert d["freq"] == "M"
    assert c == cohort_retention(["a", "b", "a"], _days("2024-01-01", "2024-02-01", "2024-02-09"))
    assert isinstance(c, CohortResult)


@given(
    counts=st.lists(st.integers(1, 6), min_size=0, max_size=8),
    data=st.data(),
)
def test_run_cumsum_restarts_per_customer(counts, data):
    n = sum(counts)
    x = np.array(data.draw(st.lists(st.integers(-9, 9), min_size=n, max_size=n)), float)
    starts = np.cumsum([0, *counts[:-1]]).astype(np.intp) if counts else np.zeros(0, np.intp)
    got = _retention._run_cumsum(x, starts, np.array(counts, dtype=np.int64))
    expected = []
    for s, c in zip(starts.tolist(), counts, strict=True):
        total = 0.0
        for v in x[s : s + c].tolist():
            total += v
            expected.append(total)
    assert got.tolist() == expected


def test_quarters_and_other_periods():
    ns = _days("1969-12-31T23:59", "1970-01-01", "2024-03-31T23:59:59", "2024-04-01").view(np.int64)
    assert _retention._ordinals(ns.copy(), "Q").tolist() == [-1, 0, 216, 217]
    assert _retention._ordinals(ns.copy(), "M").tolist() == [-1, 0, 650, 651]
    starts = _retention._period_starts(np.array([-1, 0, 217]), "Q")
    assert starts.astype("datetime64[D]").astype(str).tolist() == [
        "1969-10-01",
        "1970-01-01",
        "2024-04-01",
    ]


# --------------------------------------------------------------------------- real data

_CDNOW = Path("/work/shared/data/cdnow_master.txt")


def _read_cdnow() -> tuple[Any, Any]:
    pd = pytest.importorskip("pandas")
    if _CDNOW.exists():
        text = _CDNOW.read_text()
    else:  # the copy embedded in the package, where available
        datasets = pytest.importorskip("customer_kanban.datasets")
        path = getattr(datasets, "cdnow_path", None)
        if path is None:
            pytest.skip("CDNOW data not available")
        with gzip.open(path(), "rt") as fh:
            text = fh.read()
    df = pd.read_csv(io.StringIO(text), sep=r"\s+", dtype={"customer_id": str, "date": str})
    df["at"] = pd.to_datetime(df["date"], format="%Y%m%d")
    return pd, df


def test_cdnow_every_customer_acquired_in_1997_q1():
    pd, df = _read_cdnow()
    assert len(df) == 69659
    r = get_keep_grow(df["customer_id"], df["at"], df["dollar_value"], lost_after=2)
    assert r.periods[0] == np.datetime64("1997-01-01")
    assert r.periods.size == 6
    assert r.acquired[0].tolist() == [23570, 0, 0, 0, 0, 0]
    assert (r.active == r.acquired + r.retained + r.won_back).all()
    np.testing.assert_allclose(r.active_value.sum(), df["dollar_value"].sum(), rtol=1e-12)
    assert r.live[0, -1] + r.lost_so_far[0, -1] == 23570
    # Monthly cohorts: January, February and March 1997 only.
    c = cohort_retention(df["customer_id"], df["at"])
    assert c.groups.astype("datetime64[D]").astype(str).tolist() == [
        "1997-01-01",
        "1997-02-01",
        "1997-03-01",
    ]
    assert c.size.sum() == 23570
    assert c.periods_since.size == 18
    # The January cohort's retention, the plain-pandas way.
    month = df["at"].dt.to_period("M")
    first = month.groupby(df["customer_id"]).transform("min")
    cohort = first == pd.Period("1997-01", "M")
    size = df.loc[cohort, "customer_id"].nunique()
    active = df[cohort].groupby(month[cohort])["customer_id"].nunique()
    assert active.index.astype(str).tolist() == [f"1997-{m:02}" for m in range(1, 13)] + [
        f"1998-{m:02}" for m in range(1, 7)
    ]
    assert c.size[0] == size == 7846
    np.testing.assert_allclose(c.retention[0], (active / size).to_numpy(), rtol=1e-12)
    assert c.observed[0].all()
    assert c.observed[2].sum() == 16


# --------------------------------------------------------------------------- frames


def test_frames_of_the_retention_results():
    customer = ["a", "b", "c", "a", "b"]
    at = ["2024-01-05", "2024-01-20", "2024-02-03", "2024-02-10", "2024-03-02"]
    r = cohort_retention(customer, at, as_of="2024-03-31")
    f = r.to_frame()
    assert f.columns.tolist() == [
        "group",
        "periods_since",
        "size",
        "active",
        "observed",
        "retention",
        "churn",
        "freq",
    ]
    assert f["group"].astype(str).tolist() == ["2024-01-01"] * 3 + ["2024-02-01"] * 3
    assert f["periods_since"].tolist() == [0, 1, 2, 0, 1, 2]
    assert f["size"].tolist() == [2, 2, 2, 1, 1, 1]
    assert f["active"].tolist() == [2, 1, 1, 1, 0, 0]
    assert f["observed"].tolist() == [True, True, True, True, True, False]
    np.testing.assert_array_equal(f["retention"], [1.0, 0.5, 0.5, 1.0, 0.0, np.nan])
    assert f["freq"].tolist() == ["M"] * 6
    g = get_keep_grow(
        customer,
        at,
        [1.0, 2.0, 3.0, 4.0, 5.0],
        by=["x", "y", "x", "x", "y"],
        freq="M",
        lost_after=1,
    )
    f = g.to_frame()
    assert f.columns[:3].tolist() == ["group", "period", "active"]
    assert f.columns[-2:].tolist() == ["freq", "lost_after"]  # settings: constant columns
    assert f["group"].tolist() == ["x", "x", "x", "y", "y", "y"]
    assert f["period"].astype(str).tolist() == ["2024-01-01", "2024-02-01", "2024-03-01"] * 2
    assert f["acquired"].tolist() == [1, 1, 0, 1, 0, 0]
    assert f["active_value"].tolist() == [1.0, 7.0, 0.0, 2.0, 0.0, 5.0]
    assert "let_go" not in f.columns  # None without `margin`
    for result in (r, g):
        assert len(repr(result).splitlines()) <= 20


def test_get_keep_grow_groups_by_keyword_only():
    with pytest.raises(TypeError, match=r"takes 3 positional arguments but 4 positional"):
        get_keep_grow(["a"], ["2024-01-01"], [1.0], ["s"], lost_after=1)  # type: ignore[misc]


def test_result_sizes_are_bounded(monkeypatch):
    # Three customers acquired on three days, observed for 10 days: 3 x 10 cells.
    customer = ["a", "b", "c", "a"]
    at = _days("2024-01-01", "2024-01-02", "2024-01-03", "2024-01-10")
    monkeypatch.setattr(_retention, "_MAX_COHORT_CELLS", 30)
    assert cohort_retention(customer, at, freq="D").active.shape == (3, 10)
    monkeypatch.setattr(_retention, "_MAX_COHORT_CELLS", 29)
    with pytest.raises(
        ValidationError,
        match=r"`freq`: 3 cohorts x 10 periods of 'D' \(30 cells\) exceed the 29 cells a "
        r"result may hold; use a longer `freq` \('W', 'M', 'Q'\)",
    ):
        cohort_retention(customer, at, freq="D")
    assert cohort_retention(customer, at, freq="W").active.shape == (1, 2)
    monkeypatch.setattr(_retention, "_MAX_FLOW_CELLS", 30)
    flows = get_keep_grow(customer, at, [1.0] * 4, by=customer, freq="D", lost_after=2)
    assert flows.active.shape == (3, 10)
    monkeypatch.setattr(_retention, "_MAX_FLOW_CELLS", 29)
    with pytest.raises(
        ValidationError, match=r"`by`: 3 segments x 10 periods of 'D' \(30 cells\) exceed"
    ):
        get_keep_grow(customer, at, [1.0] * 4, by=customer, freq="D", lost_after=2)
    assert get_keep_grow(customer, at, [1.0] * 4, freq="D", lost_after=2).active.shape == (1, 10)

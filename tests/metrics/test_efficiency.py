"""Tests of efficiency metrics: flow_efficiency and blocked_time."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from customer_kanban.errors import ValidationError
from customer_kanban.metrics import blocked_time, flow_efficiency, time_in_state
from customer_kanban.testing._arrays import interval_arrays

ONE_DAY = np.timedelta64(1, "D")


# --------------------------------------------------------------------------- flow_efficiency


def test_flow_efficiency_by_hand():
    # Active states 1 and 3: (3 + 1) / (2 + 3 + 4 + 1) = 0.4; in progress -> NaN;
    # never in any state (total 0) -> NaN; all active -> 1.
    tis = [[2.0, 3.0, 4.0, 1.0], [np.nan, 1.0, 0.0, 0.0], [0.0] * 4, [0.0, 2.0, 0.0, 0.0]]
    expected = [0.4, np.nan, np.nan, 1.0]
    got = flow_efficiency(tis, [False, True, False, True])
    assert np.array_equal(got, expected, equal_nan=True)
    assert np.array_equal(flow_efficiency(tis, [3, 1]), expected, equal_nan=True)
    assert flow_efficiency(np.zeros((0, 4)), [1]).shape == (0,)


def test_flow_efficiency_composes_with_time_in_state():
    # queue Jan 1-3 (2 days), work Jan 3-4 (1 day), end Jan 4: 1 / 3 active.
    tis = time_in_state([0, 0], [0, 1], ["2024-01-01", "2024-01-03"], ["2024-01-04"])
    assert flow_efficiency(tis, [False, True]).tolist() == pytest.approx([1 / 3])


def test_flow_efficiency_errors():
    with pytest.raises(
        ValidationError, match=r"`active` as a boolean mask must have one entry per state"
    ):
        flow_efficiency([[1.0, 2.0]], [True])
    with pytest.raises(ValidationError, match=r"`active` must lie in \[0, 1\]"):
        flow_efficiency([[1.0, 2.0]], [2])
    with pytest.raises(
        ValidationError,
        match=r"`time_in_state` must be >= 0 \[days\]; it is negative in 1 row \(row 0\)",
    ):
        flow_efficiency([[-1.0, 2.0]], [0])
    with pytest.raises(ValidationError, match=r"`time_in_state` must be two-dimensional"):
        flow_efficiency([1.0, 2.0], [0])
    with pytest.raises(TypeError, match=r"`time_in_state` must hold numbers"):
        flow_efficiency([["a"]], [0])


@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.integers(0, 10), st.just(4)),
        elements=st.floats(0, 10) | st.just(np.nan),
    ),
    hnp.arrays(np.bool_, 4),
)
def test_flow_efficiency_matches_reference_loop(tis, active):
    got = flow_efficiency(tis, active)
    for i, row in enumerate(tis.tolist()):
        total = sum(row)
        worked = sum(x for x, a in zip(row, active.tolist(), strict=True) if a)
        if np.isnan(total) or total == 0:
            assert np.isnan(got[i])
        else:
            assert got[i] == pytest.approx(worked / total)
            assert 0.0 <= got[i] <= 1.0 + 1e-12


# --------------------------------------------------------------------------- blocked_time


def test_blocked_time_by_hand():
    # Item 0: Jan 1-3 and Jan 2-5 overlap -> union Jan 1-5 = 4 days; Jan 5-6 touches -> +1.
    # Item 1: Jan 1-10 contains Jan 2-3 -> 9 days; a zero-length block adds nothing.
    # Item 2: never blocked -> 0.  Item 3: open since Jan 9, as_of Jan 10 12:00 -> 1.5.
    # Item 4: Jan 10 - Jan 20 is cut at as_of -> 0.5; a block after as_of counts 0.
    item = [0, 0, 0, 1, 1, 1, 3, 4, 4]
    start = [
        "2024-01-01",
        "2024-01-02",
        "2024-01-05",
        "2024-01-01",
        "2024-01-02",
        "2024-01-04",
        "2024-01-09",
        "2024-01-10",
        "2024-01-11",
    ]
    end = [
        "2024-01-03",
        "2024-01-05",
        "2024-01-06",
        "2024-01-10",
        "2024-01-03",
        "2024-01-04",
        None,
        "2024-01-20",
        "2024-01-12",
    ]
    got = blocked_time(item, start, end, n_items=5, as_of="2024-01-10T12:00")
    assert got.tolist() == [5.0, 9.0, 0.0, 1.5, 0.5]
    # Without as_of (no open interval) nothing is cut.
    closed = blocked_time(item[:6], start[:6], end[:6], n_items=2)
    assert closed.tolist() == [5.0, 9.0]
    assert blocked_time([], [], [], n_items=2).tolist() == [0.0, 0.0]


def test_blocked_time_errors():
    with pytest.raises(
        ValidationError, match=r"`as_of` is required when `end` is NaT .* 1 row \(row 1\)"
    ) as info:
        blocked_time([0, 0], ["2024-01-01", "2024-01-02"], ["2024-01-02", None], n_items=1)
    assert info.value.rows == (1,)
    with pytest.raises(ValidationError, match=r"`end` is before `start` in 1 row \(row 0\)"):
        blocked_time([0], ["2024-01-02"], ["2024-01-01"], n_items=1)
    with pytest.raises(ValidationError, match=r"`start` must not be NaT"):
        blocked_time([0], [None], ["2024-01-01"], n_items=1)
    with pytest.raises(ValidationError, match=r"`item` must lie in \[0, 0\]"):
        blocked_time([1], ["2024-01-01"], ["2024-01-02"], n_items=1)
    with pytest.raises(TypeError, match=r"`n_items` must be an integer"):
        blocked_time([0], ["2024-01-01"], ["2024-01-02"], n_items=1.0)
    with pytest.raises(ValidationError, match=r"`item` and `end` must have the same length"):
        blocked_time([0], ["2024-01-01"], [], n_items=1)


def _blocked_reference(item, start, end, n_items, as_of):
    """Merge each item's sorted intervals, one item at a time."""
    out = np.zeros(n_items)
    for i in range(n_items):
        spans = []
        for it, s, e in zip(item, start, end, strict=True):
            if it != i:
                continue
            e = as_of if np.isnat(e) else e
            if as_of is not None:
                s, e = min(s, as_of), min(e, as_of)
            spans.append((s, e))
        spans.sort()
        total = np.timedelta64(0, "ns")
        cur_s = cur_e = None
        for s, e in spans:
            if cur_e is None or s > cur_e:
                if cur_e is not None:
                    total += cur_e - cur_s
                cur_s, cur_e = s, e
            else:
                cur_e = max(cur_e, e)
        if cur_e is not None:
            total += cur_e - cur_s
        out[i] = total / ONE_DAY
    return out


@given(
    st.integers(0, 5).flatmap(lambda n: st.tuples(st.just(n), interval_arrays(n_items=n))),
    st.booleans(),
)
def test_blocked_time_matches_reference_loop(case, use_as_of):
    n_items, (item, start, end) = case
    as_of = np.datetime64("2024-01-20", "ns") if use_as_of or np.isnat(end).any() else None
    got = blocked_time(item, start, end, n_items=n_items, as_of=as_of)
    expected = _blocked_reference(item, start, end, n_items, as_of)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-9)


@given(
    st.integers(1, 5).flatmap(lambda n: st.tuples(st.just(n), interval_arrays(n_items=n))),
    st.data(),
)
def test_blocked_time_invariant_to_row_order(case, data):
    n_items, (item, start, end) = case
    perm = np.array(data.draw(st.permutations(range(len(item)))), dtype=np.intp)
    as_of = "2024-02-15"
    a = blocked_time(item, start, end, n_items=n_items, as_of=as_of)
    b = blocked_time(item[perm], start[perm], end[perm], n_items=n_items, as_of=as_of)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-9)


def test_blocked_time_and_time_in_state_without_packable_keys():
    # Nanosecond instants 250 years apart (gcd 1 ns) cannot be packed into one int64
    # key with the item: both functions fall back to lexsort, same answers.
    far0, far1 = np.array(
        ["1800-01-01T00:00:00.000000001", "2050-01-01T00:00:00.000000002"],
        dtype="datetime64[ns]",
    )
    days = (far1 - far0) / ONE_DAY
    # Item 0: [far0, +1 d] and [far0, +5 d] -> 5 days; item 1: 2 days + 3 days.
    start = np.array([far0, far0, far1, far0])
    end = start + np.array([2, 1, 3, 5], dtype="timedelta64[D]")
    assert blocked_time([1, 0, 1, 0], start, end, n_items=2).tolist() == [5.0, 5.0]
    # Item 0: state 1 at far0, state 0 at far0 + 5 d, ends far0 + 10 d -> [5, 5].
    # Item 1 (rows out of order): state 1 at far0, state 0 at far1, ends far1 + 3 d.
    at = np.array([far1, far0, far0, far0 + np.timedelta64(5, "D")])
    ends = np.array([far0 + np.timedelta64(10, "D"), far1 + np.timedelta64(3, "D")])
    tis = time_in_state([1, 1, 0, 0], [0, 1, 1, 0], at, ends)
    assert tis[0].tolist() == [5.0, 5.0]
    assert tis[1].tolist() == pytest.approx([3.0, days])


# --------------------------------------------------------------------------- hardening


def test_blocked_time_sizes_codes_and_spans():
    one = (["2024-01-01"], ["2024-01-02"])
    for huge in (2**27 + 1, 10**12, 2**63):
        with pytest.raises(ValidationError, match=r"`n_items` must be at most 134,217,728"):
            blocked_time([0], *one, n_items=huge)
    with pytest.raises(ValidationError, match=r"`item` must lie in \[0, -1\].*\(`n_items` = 0\)"):
        blocked_time([0], *one, n_items=0)
    with pytest.raises(TypeError, match=r"`item` must hold integer codes"):
        blocked_time([1.7], *one, n_items=3)  # never item 1
    assert blocked_time([0], *one, n_items=np.int32(2)).tolist() == [1.0, 0.0]
    span = r"`start` and `end` are more than 292 years apart in 1 row \(row 0\)"
    with pytest.raises(ValidationError, match=span):
        blocked_time([0], ["1678-01-01"], ["2261-12-31"], n_items=1)
    with pytest.raises(ValidationError, match=r"`start` and `as_of` are more than 292 years"):
        blocked_time([0], ["1678-01-01"], [None], n_items=1, as_of="2261-12-31")

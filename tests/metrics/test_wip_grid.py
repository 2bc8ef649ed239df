"""``wip`` on an evenly spaced grid (bins, no sort) against a plain loop, against the
sorted path on the same instants, and on two threads against one."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from customer_kanban.metrics import wip

NAT = np.iinfo(np.int64).min


def plain_wip(s, e, t):
    return [
        sum(1 for a, b in zip(s, e, strict=True) if a != NAT and a <= x and (b == NAT or b > x))
        for x in t
    ]


@st.composite
def items_and_grid(draw):
    step = draw(st.sampled_from([1, 7, 3_600, 86_400 * 10**9]))
    first = draw(st.integers(-(10**12), 10**12))
    count = draw(st.integers(2, 12))
    span = step * (count + 2)
    n = draw(st.integers(0, 30))
    # instants on, between and beyond the grid's instants, and unknown ones
    offsets = st.one_of(
        st.integers(-span, span), st.sampled_from([k * step for k in range(-1, count + 1)])
    )
    s = [first + draw(offsets) if draw(st.integers(0, 9)) else NAT for _ in range(n)]
    e = [a + draw(st.integers(0, span)) if a != NAT and draw(st.integers(0, 3)) else NAT for a in s]
    t = [first + k * step for k in range(count)]
    return np.array(s, np.int64), np.array(e, np.int64), np.array(t, np.int64)


@given(items_and_grid())
def test_grid_equals_a_plain_loop_and_the_sorted_counts(sample):
    s, e, t = sample
    ns = "datetime64[ns]"
    got = wip(s.view(ns), e.view(ns), t.view(ns))
    assert got.tolist() == plain_wip(s.tolist(), e.tolist(), t.tolist())
    # the same instants out of order take the sorted path: the same counts
    order = np.arange(t.size)[::-1]
    assert wip(s.view(ns), e.view(ns), t[order].view(ns)).tolist() == got[order].tolist()


def test_grids_at_the_ends_of_int64_take_the_sorted_path():
    ns = "datetime64[ns]"
    t = np.array([NAT + 1, NAT + 2, NAT + 3], np.int64)  # no room for a step before
    s = np.array([NAT + 1, NAT + 2, 0], np.int64)
    e = np.array([NAT + 2, NAT, NAT], np.int64)
    assert wip(s.view(ns), e.view(ns), t.view(ns)).tolist() == plain_wip(s, e, t)
    top = np.iinfo(np.int64).max
    t = np.array([top - 2, top - 1, top], np.int64)
    s = np.array([top - 2, 0, top], np.int64)
    e = np.array([top - 1, top - 1, NAT], np.int64)
    assert wip(s.view(ns), e.view(ns), t.view(ns)).tolist() == plain_wip(s, e, t)


def test_grid_on_two_threads_equals_one(monkeypatch):
    rng = np.random.default_rng(9)
    n = 700_001
    day = 86_400 * 10**9
    s = rng.integers(0, 400 * day, n)
    e = s + rng.integers(0, 60 * day, n)
    s[rng.random(n) < 0.05] = NAT
    e[rng.random(n) < 0.2] = NAT
    t = np.arange(-5, 420) * day
    ns = "datetime64[ns]"
    monkeypatch.setenv("CUSTOMER_KANBAN_THREADS", "1")
    one = wip(s.view(ns), e.view(ns), t.view(ns))
    monkeypatch.setenv("CUSTOMER_KANBAN_THREADS", "2")
    two = wip(s.view(ns), e.view(ns), t.view(ns))
    assert np.array_equal(one, two)
    known = s != NAT
    starts = np.sort(s[known])
    ends = np.sort(e[known & (e != NAT)])
    expected = np.searchsorted(starts, t, side="right") - np.searchsorted(ends, t, side="right")
    assert one.tolist() == expected.tolist()


def test_a_grid_over_292_years_gives_the_plain_loop_counts():
    # yearly instants from 1700 to 2010: the bins' offsets would pass int64
    ns = "datetime64[ns]"
    t = (np.datetime64("1700-01-01", "ns") + np.arange(311) * np.timedelta64(365, "D")).view(
        np.int64
    )
    s = np.array([np.datetime64("2005-06-01", "ns").view(np.int64), t[3], NAT], np.int64)
    e = np.array([NAT, t[200] + 1, NAT], np.int64)
    got = wip(s.view(ns), e.view(ns), t.view(ns))
    assert got.tolist() == plain_wip(s.tolist(), e.tolist(), t.tolist())
    assert got[0] == 0
    assert got[-1] == 1

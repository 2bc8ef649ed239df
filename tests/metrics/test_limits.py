"""Tests of wip_breaches and allocation (WIP limits and capacity allocation)."""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from customer_kanban.errors import InsufficientDataWarning, ValidationError
from customer_kanban.metrics import wip
from customer_kanban.metrics.flow._limits import (
    AllocationResult,
    BreachResult,
    _pack,
    allocation,
    wip_breaches,
)

NAT = np.datetime64("NaT", "ns")
NS_PER_DAY = 86_400 * 10**9
BASE = np.datetime64("2024-01-01", "ns")


def ts(text: str | None) -> np.datetime64:
    return NAT if text is None else np.datetime64(text, "ns")


def same(instants: np.ndarray, *texts: str | None) -> bool:
    """Whether `instants` are exactly these (``None`` = NaT)."""
    expected = np.array([ts(t) for t in texts], dtype="datetime64[ns]")
    return bool(np.array_equal(instants, expected, equal_nan=True))


def quiet(function, *args, **kwargs):
    """Call without failing on InsufficientDataWarning (random data may hold no event)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        return function(*args, **kwargs)


# --------------------------------------------------------------------------- references


def _ns(value: np.datetime64) -> int | None:
    return None if np.isnat(value) else int(np.datetime64(value, "ns").astype(np.int64))


def _stays(entered, left, s, as_of):
    """(entry, exit or None) of the items in state `s` by `as_of`: a plain loop."""
    out = []
    for i in range(entered.shape[0]):
        e, x = _ns(entered[i, s]), _ns(left[i, s])
        if e is None or e > as_of:
            continue
        out.append((e, None if x is None or x > as_of else x))
    return out


def _count(stays, t):
    return sum(1 for e, x in stays if e <= t and (x is None or t < x))


def reference_breaches(entered, left, limits, as_of):
    """Event by event: WIP at every instant where something happened, then a walk."""
    n_states = entered.shape[1]
    intervals, maxima, max_at, integrals = [], [], [], []
    firsts = []
    for s in range(n_states):
        stays = _stays(entered, left, s, as_of)
        firsts += [e for e, _ in stays]
        instants = sorted({e for e, _ in stays} | {x for _, x in stays if x is not None})
        levels = [_count(stays, t) for t in instants]
        top = max(levels, default=0)
        maxima.append(top)
        max_at.append(instants[levels.index(top)] if top > 0 else None)
        integral = 0
        for k, t in enumerate(instants):
            nxt = instants[k + 1] if k + 1 < len(instants) else as_of
            integral += levels[k] * (nxt - t)
        integrals.append(integral)
        limit = limits[s]
        if limit is None:
            continue
        current = None
        for t, level in zip(instants, levels, strict=True):
            if level > limit:
                if current is None:
                    current = [s, t, None, level]
                current[3] = max(current[3], level)
            elif current is not None:
                current[2] = t
                intervals.append(tuple(current))
                current = None
        if current is not None:
            intervals.append(tuple(current))
    first = min(firsts, default=None)
    return intervals, maxima, max_at, integrals, first


def _default_as_of(entered, left):
    known = ~np.isnat(entered)
    values = [_ns(v) for v in entered[known]] + [_ns(v) for v in left[known]]
    values = [v for v in values if v is not None]
    return max(values, default=None)


def check_against_reference(entered, left, limits, as_of=None):
    r = quiet(wip_breaches, entered, left, limits, as_of=as_of)
    as_of_ns = _ns(ts(as_of)) if isinstance(as_of, str) else _default_as_of(entered, left)
    if as_of_ns is None:
        assert r.breach_count.sum() == 0
        assert np.isnat(r.as_of)
        return r
    lim = [None if (v is None or np.isnan(v) or v == -1) else int(v) for v in limits]
    intervals, maxima, max_at, integrals, first = reference_breaches(entered, left, lim, as_of_ns)
    assert r.breaches.state.tolist() == [i[0] for i in intervals]
    assert [_ns(v) for v in r.breaches.start] == [i[1] for i in intervals]
    assert [_ns(v) for v in r.breaches.end] == [i[2] for i in intervals]
    assert r.breaches.peak.tolist() == [i[3] for i in intervals]
    lengths = [((i[2] if i[2] is not None else as_of_ns) - i[1]) / NS_PER_DAY for i in intervals]
    np.testing.assert_allclose(r.breaches.days, lengths, rtol=1e-12, atol=0)
    assert r.breach_count.tolist() == [
        sum(i[0] == s for i in intervals) for s in range(len(limits))
    ]
    totals = [
        sum(d for i, d in zip(intervals, lengths, strict=True) if i[0] == s)
        for s in range(len(limits))
    ]
    np.testing.assert_allclose(r.breach_days, totals, rtol=1e-12, atol=1e-15)
    assert r.max_wip.tolist() == maxima
    assert [_ns(v) for v in r.max_at] == max_at
    assert _ns(r.first_event) == first
    assert _ns(r.as_of) == as_of_ns
    if first is not None and as_of_ns > first:
        expected = [v / (as_of_ns - first) for v in integrals]
        np.testing.assert_allclose(r.mean_wip, expected, rtol=1e-12)
    else:
        assert np.isnan(r.mean_wip).all()
    return r


# --------------------------------------------------------------------------- strategies


@st.composite
def stay_matrices(draw, *, max_items=10, max_states=3, step=3600, span_steps=48):
    """(entered, left) of shape (n, S), on a coarse grid so that ties are common.

    Some entries are NaT (never entered), some exits NaT (still there), some
    exits equal to their entries (zero-length stays), and some exits given
    where the entry is NaT (to be ignored).
    """
    n = draw(st.integers(0, max_items))
    n_states = draw(st.integers(1, max_states))
    shape = (n, n_states)
    start = draw(hnp.arrays(np.int64, shape, elements=st.integers(0, span_steps)))
    length = draw(hnp.arrays(np.int64, shape, elements=st.integers(0, span_steps // 2)))
    never = draw(hnp.arrays(np.bool_, shape, elements=st.booleans()))
    open_ = draw(hnp.arrays(np.bool_, shape, elements=st.booleans()))
    unit = np.timedelta64(step, "s").astype("timedelta64[ns]")
    entered = BASE + start * unit
    left = BASE + (start + length) * unit
    entered[never] = NAT
    left[open_] = NAT
    return entered, left


limit_values = st.one_of(st.integers(0, 4), st.just(np.nan), st.just(-1))


@st.composite
def breach_cases(draw):
    entered, left = draw(stay_matrices())
    n_states = entered.shape[1]
    limits = draw(st.lists(limit_values, min_size=n_states, max_size=n_states))
    as_of = draw(st.one_of(st.none(), st.integers(0, 80).map(_hour)))
    return entered, left, limits, as_of


def _hour(h: int) -> str:
    return str(BASE + np.timedelta64(h, "h"))


# --------------------------------------------------------------------------- wip_breaches: by hand


HAND_ENTERED = [
    "2024-01-01T00:00",  # A
    "2024-01-01T12:00",  # B
    "2024-01-01T18:00",  # C
    "2024-01-02T00:00",  # D enters when B leaves
    "2024-01-03T00:00",  # E enters when A leaves, still there
    "2024-01-03T12:00",  # F enters and leaves at once: never counted
    "2024-01-04T12:00",  # G still there
]
HAND_LEFT = [
    "2024-01-03T00:00",
    "2024-01-02T00:00",
    "2024-01-04T00:00",
    "2024-01-02T06:00",
    None,
    "2024-01-03T12:00",
    None,
]


def hand_case():
    # The same column twice, with limits 2 and 1, and a third column with no limit.
    entered = np.array([[ts(e), ts(e), ts(e)] for e in HAND_ENTERED])
    left = np.array([[ts(x), ts(x), ts(x)] for x in HAND_LEFT])
    return wip_breaches(
        entered, left, [2, 1, None], states=["at2", "at1", "free"], as_of="2024-01-05"
    )


def test_wip_breaches_by_hand():
    # WIP step function (written by hand):
    #   Jan 1 00:00 1 | 12:00 2 | 18:00 3 | Jan 2 00:00 3 (B out, D in) | 06:00 2
    #   Jan 3 00:00 2 (A out, E in) | 12:00 2 (F in and out) | Jan 4 00:00 1 | 12:00 2
    #   until as_of = Jan 5.
    r = hand_case()
    assert r.states.tolist() == ["at2", "at1", "free"]
    assert np.array_equal(r.limits, [2.0, 1.0, np.nan], equal_nan=True)
    # Limit 2: [Jan 1 18:00, Jan 2 06:00), no dip at Jan 2 00:00. Limit 1: from Jan 1
    # 12:00 to Jan 4 00:00, then again from Jan 4 12:00, still open at as_of.
    assert r.breaches.state.tolist() == [0, 1, 1]
    assert same(r.breaches.start, "2024-01-01T18:00", "2024-01-01T12:00", "2024-01-04T12:00")
    assert same(r.breaches.end, "2024-01-02T06:00", "2024-01-04T00:00", None)
    assert r.breaches.days.tolist() == [0.5, 2.5, 0.5]
    assert r.breaches.peak.tolist() == [3, 3, 2]
    assert r.breach_count.tolist() == [1, 2, 0]
    assert r.breach_days.tolist() == [0.5, 3.0, 0.0]
    assert r.max_wip.tolist() == [3, 3, 3]
    assert same(r.max_at, *["2024-01-01T18:00"] * 3)
    # ∫ WIP dt = 0.5 + 0.5 + 0.75 + 0.75 + 1.5 + 2 + 0.5 + 1 = 7.5 item-days over 4 days,
    # which is also the total time the items spent in the state (Little's bookkeeping).
    assert r.mean_wip.tolist() == [1.875] * 3
    assert r.first_event == ts("2024-01-01")
    assert r.as_of == ts("2024-01-05")
    assert r.span_days == 4.0
    assert r.rows("at1").tolist() == [1, 2]
    assert r.rows(0).tolist() == [0]


def test_wip_breaches_hand_case_minute_by_minute():
    # An independent check of the same case: count every minute of the 4 days.
    entered = np.array([ts(e) for e in HAND_ENTERED])
    left = np.array([ts(x) for x in HAND_LEFT])
    minutes = BASE + np.arange(4 * 1440) * np.timedelta64(60, "s").astype("timedelta64[ns]")
    level = wip(entered, left, minutes)
    r = hand_case()
    assert r.breach_days[0] == pytest.approx(np.count_nonzero(level > 2) / 1440)
    assert r.breach_days[1] == pytest.approx(np.count_nonzero(level > 1) / 1440)
    assert r.mean_wip[0] == pytest.approx(level.mean())
    assert r.max_wip[0] == level.max()


def test_exit_and_entry_at_one_instant_make_no_breach():
    # A leaves exactly when B enters: the WIP stays 1, never 2 (the exit counts first).
    entered = [["2024-01-01"], ["2024-01-02"]]
    left = [["2024-01-02"], [None]]
    r = wip_breaches(entered, left, 1, as_of="2024-01-03")
    assert r.breach_count.tolist() == [0]
    assert r.max_wip.tolist() == [1]
    assert r.mean_wip.tolist() == [1.0]
    # B entering one nanosecond earlier makes a one-nanosecond breach.
    entered = np.array([[ts("2024-01-01")], [ts("2024-01-02") - np.timedelta64(1, "ns")]])
    r = wip_breaches(entered, left, 1, as_of="2024-01-03")
    assert r.breach_count.tolist() == [1]
    assert r.breaches.days.tolist() == [1 / NS_PER_DAY]
    assert r.breaches.peak.tolist() == [2]


def test_zero_length_stay_is_never_counted():
    r = wip_breaches([["2024-01-01"]], [["2024-01-01"]], 0, as_of="2024-01-02")
    assert r.breach_count.tolist() == [0]
    assert r.max_wip.tolist() == [0]
    assert np.isnat(r.max_at).all()
    assert r.mean_wip.tolist() == [0.0]


def test_items_open_at_as_of_and_as_of_cuts_the_data():
    entered = [["2024-01-01"], ["2024-01-02"], ["2024-01-10"]]
    left = [[None], ["2024-01-08"], [None]]
    r = wip_breaches(entered, left, 1, as_of="2024-01-05")
    # The exit on Jan 8 is after as_of: B is still there; C enters after as_of: ignored.
    assert same(r.breaches.start, "2024-01-02")
    assert np.isnat(r.breaches.end).all()
    assert r.breaches.days.tolist() == [3.0]
    assert r.max_wip.tolist() == [2]
    # Without as_of the observation ends at the last instant (Jan 10), when C's entry
    # starts a second breach of length 0.
    r = wip_breaches(entered, left, 1)
    assert r.as_of == ts("2024-01-10")
    assert same(r.breaches.start, "2024-01-02", "2024-01-10")
    assert same(r.breaches.end, "2024-01-08", None)
    assert r.breaches.days.tolist() == [6.0, 0.0]
    assert r.mean_wip[0] == pytest.approx((1 + 2 * 6 + 1 * 2) / 9)


def test_breach_starting_at_as_of_has_length_zero():
    entered = [["2024-01-01"], ["2024-01-03"]]
    r = wip_breaches(entered, [[None], [None]], 1, as_of="2024-01-03")
    assert r.breach_count.tolist() == [1]
    assert same(r.breaches.start, "2024-01-03")
    assert np.isnat(r.breaches.end[0])
    assert r.breaches.days.tolist() == [0.0]
    assert r.breach_days.tolist() == [0.0]


def test_limit_zero_and_limit_forms():
    entered = [["2024-01-01", "2024-01-02"], ["2024-01-01", None]]
    left = [["2024-01-02", None], ["2024-01-03", None]]
    kwargs: dict[str, Any] = {"states": ["a", "b"], "as_of": "2024-01-04"}
    r0 = wip_breaches(entered, left, 0, **kwargs)
    assert r0.limits.tolist() == [0.0, 0.0]
    assert r0.breach_count.tolist() == [1, 1]
    assert r0.breach_days.tolist() == [2.0, 2.0]
    by_map = wip_breaches(entered, left, {"b": 0}, **kwargs)
    by_list = wip_breaches(entered, left, [-1, 0], **kwargs)
    by_nan = wip_breaches(entered, left, np.array([np.nan, 0.0]), **kwargs)
    by_none = wip_breaches(entered, left, [None, 0], **kwargs)
    assert by_map == by_list == by_nan == by_none
    assert by_map.breach_count.tolist() == [0, 1]
    none = wip_breaches(entered, left, None, **kwargs)  # no limit at all
    assert none.breach_count.tolist() == [0, 0]
    assert none.breaches.state.size == 0
    assert none.max_wip.tolist() == [2, 1]


def test_left_is_ignored_where_never_entered():
    entered = [["2024-01-01", None], ["2024-01-01", "2024-01-02"]]
    left = [["2024-01-03", "2023-12-01"], ["2024-01-02", "2024-01-04"]]  # row 0 never in b
    r = wip_breaches(entered, left, 0)
    assert r.as_of == ts("2024-01-04")  # the ignored exit does not set the default as_of
    assert r.max_wip.tolist() == [2, 1]


def test_no_items_and_all_missing_warn():
    empty = np.zeros((0, 3), dtype="datetime64[ns]")
    with pytest.warns(InsufficientDataWarning, match="`mean_wip` is NaN"):
        r = wip_breaches(empty, empty, [1, 2, 3])
    assert r.breach_count.tolist() == [0, 0, 0]
    assert r.max_wip.tolist() == [0, 0, 0]
    assert np.isnan(r.mean_wip).all()
    assert np.isnat(r.first_event)
    assert np.isnat(r.as_of)
    assert r.breaches.start.shape == r.breaches.end.shape == r.breaches.state.shape == (0,)
    assert np.isnan(r.span_days)
    missing = np.full((2, 2), NAT)
    with pytest.warns(InsufficientDataWarning, match="NaN"):
        r = wip_breaches(missing, missing, 0, as_of="2024-01-01")
    assert r.as_of == ts("2024-01-01")
    assert np.isnat(r.first_event)
    json.loads(r.to_json())  # NaN and NaT serialise


def test_observation_without_length_warns():
    with pytest.warns(InsufficientDataWarning, match="NaN"):
        r = wip_breaches([["2024-01-01"]], [[None]], 0)
    assert r.breach_count.tolist() == [1]
    assert r.breaches.days.tolist() == [0.0]
    assert np.isnan(r.mean_wip).all()


def test_wip_breaches_errors():
    one = [["2024-01-02"]]
    with pytest.raises(ValidationError, match="`entered` must be 2-dimensional"):
        wip_breaches(["2024-01-01"], ["2024-01-01"], 1)
    with pytest.raises(ValidationError, match=r"`entered` and `left` must have the same shape"):
        wip_breaches(one, [["2024-01-02", None]], 1)
    with pytest.raises(
        ValidationError,
        match=r"`left` is before `entered` in 2 rows \(row 1; row 2\), state column\(s\) \[0, 1\]",
    ) as info:
        wip_breaches(
            [["2024-01-02", None], ["2024-01-05", None], [None, "2024-01-05"]],
            [["2024-01-03", None], ["2024-01-04", None], [None, "2024-01-01"]],
            1,
        )
    assert info.value.rows == (1, 2)
    with pytest.raises(ValidationError, match=r"whole numbers >= 0 .* states '0' \(2.5\)"):
        wip_breaches(one, one, 2.5)
    with pytest.raises(ValidationError, match=r"whole numbers >= 0 .* states 'b' \(-2.0\)"):
        wip_breaches([["2024-01-02"] * 2], [[None] * 2], [1, -2], states=["a", "b"])
    with pytest.raises(ValidationError, match=r"whole numbers >= 0 .* \(inf\)"):
        wip_breaches(one, one, np.inf)
    with pytest.raises(ValidationError, match=r"`limits` must hold one limit per state \(1\)"):
        wip_breaches(one, one, [1, 2])
    with pytest.raises(ValidationError, match=r"`limits` names states that are not in"):
        wip_breaches(one, one, {"Doing": 1}, states=["doing"])
    with pytest.raises(TypeError, match="`limits` must hold numbers, got str"):
        wip_breaches(one, one, ["3"])
    with pytest.raises(ValidationError, match=r"`states` must hold one label per column"):
        wip_breaches(one, one, 1, states=["a", "b"])
    with pytest.raises(ValidationError, match="`as_of` must be an instant, got NaT"):
        wip_breaches(one, one, 1, as_of=NAT)
    with pytest.raises(ValidationError, match=r"`state` must be one of the states \['0'\]"):
        wip_breaches(one, one, 1, as_of="2024-01-03").rows("doing")
    with pytest.raises(ValidationError, match=r"`state` must lie in \[0, 0\]; got 3"):
        wip_breaches(one, one, 1, as_of="2024-01-03").rows(3)


def test_wip_breaches_does_not_modify_its_input():
    entered = np.array([[ts("2024-01-01"), ts("2024-01-02")]] * 3)
    left = np.array([[ts("2024-01-02"), NAT]] * 3)
    before = entered.copy(), left.copy()
    wip_breaches(entered, left, [1, 1])
    assert np.array_equal(entered, before[0])
    assert np.array_equal(left, before[1], equal_nan=True)


def test_breach_result_serialises_and_compares():
    r = hand_case()
    data = r.to_dict()
    assert data["breaches"]["start"][0] == "2024-01-01T18:00:00Z"
    assert data["breaches"]["end"][2] is None  # open at as_of
    assert data["limits"][2] is None  # no limit
    assert data["as_of"] == "2024-01-05T00:00:00Z"
    assert json.loads(r.to_json())["breaches"]["peak"] == [3, 3, 2]
    assert r == hand_case()
    assert hash(r) == hash(hand_case())
    assert isinstance(r, BreachResult)
    assert repr(r).startswith("<BreachResult: 3 states>")


def test_very_long_span_falls_back_to_lexsort():
    # Two centuries at nanosecond resolution (odd instants: no common divisor) do not
    # fit a packed int64 key.
    entered = np.array(
        [
            [ts("1900-01-01T00:00:00.000000001")],
            [ts("1900-01-01T00:00:00.000000004")],
            [ts("2100-01-01T00:00:00.000000007")],
        ]
    )
    left = np.array([[ts("2100-01-01T00:00:00.000000011")], [NAT], [NAT]])
    times = np.concatenate([entered.ravel(), left[:1, 0]]).view(np.int64)
    assert _pack(np.zeros(4, dtype=np.intp), 1, times) is None
    r = check_against_reference(entered, left, [1], as_of="2100-06-01")
    assert r.breach_count.tolist() == [1]
    assert r.breaches.peak.tolist() == [3]
    assert r.max_wip.tolist() == [3]


# --------------------------------------------------------------------------- wip_breaches: loops


@given(breach_cases())
def test_wip_breaches_matches_an_event_by_event_loop(case):
    entered, left, limits, as_of = case
    check_against_reference(entered, left, limits, as_of)


@given(stay_matrices(max_items=8, max_states=2, step=60, span_steps=600), st.integers(0, 4))
def test_wip_breaches_matches_a_minute_by_minute_loop(pair, limit):
    entered, left = pair
    as_of_min = 900  # later than every instant: the last 300 minutes only drain
    as_of = BASE + np.timedelta64(as_of_min, "m")
    r = quiet(wip_breaches, entered, left, limit, as_of=as_of)
    for s in range(entered.shape[1]):
        stays = _stays(entered, left, s, _ns(as_of))
        level = [_count(stays, _ns(BASE + np.timedelta64(m, "m"))) for m in range(as_of_min)]
        over = [v > limit for v in level]
        assert r.breach_days[s] * 1440 == pytest.approx(sum(over), abs=1e-9)
        runs = sum(1 for m in range(as_of_min) if over[m] and (m == 0 or not over[m - 1]))
        assert r.breach_count[s] == runs
        assert r.max_wip[s] == max(level)
        if not np.isnat(r.first_event):
            first = int((r.first_event - BASE) / np.timedelta64(1, "m"))
            assert r.mean_wip[s] == pytest.approx(sum(level[first:]) / (as_of_min - first))


# ------------------------------------------------------------------------- wip_breaches: properties


def _intervals_ok(r: BreachResult) -> None:
    span = r.span_days
    for s in range(len(r.states)):
        rows = r.rows(s)
        start, end = r.breaches.start[rows], r.breaches.end[rows]
        assert (np.diff(start.view(np.int64)) > 0).all()  # ordered
        closed = ~np.isnat(end)
        assert (start[closed] < end[closed]).all()
        assert not closed[:-1].size or closed[:-1].all()  # only the last may be open
        assert (end[:-1] < start[1:]).all()  # disjoint, and never touching
        assert r.breach_days[s] <= span + 1e-9 if not np.isnan(span) else r.breach_days[s] == 0
        assert (r.breaches.peak[rows] > r.limits[s]).all()
        assert (r.breaches.peak[rows] <= r.max_wip[s]).all()
        assert r.breach_count[s] == len(rows)


@given(breach_cases())
def test_wip_breaches_properties(case):
    entered, left, limits, as_of = case
    r = quiet(wip_breaches, entered, left, limits, as_of=as_of)
    _intervals_ok(r)
    assert (r.breaches.days >= 0).all()
    assert np.allclose(
        np.bincount(r.breaches.state, weights=r.breaches.days, minlength=len(limits)), r.breach_days
    )
    if not np.isnan(r.span_days) and r.span_days > 0:
        # mean WIP × span = total time the items spent in each state within the window.
        as_of_ns = _ns(r.as_of)
        for s in range(len(limits)):
            stays = _stays(entered, left, s, as_of_ns)
            inside = sum((as_of_ns if x is None else x) - e for e, x in stays) / NS_PER_DAY
            assert r.mean_wip[s] * r.span_days == pytest.approx(inside, rel=1e-9, abs=1e-9)


@given(stay_matrices(), st.integers(0, 4), st.integers(1, 3))
def test_a_higher_limit_never_gives_more_breach_time(pair, limit, more):
    entered, left = pair
    low = quiet(wip_breaches, entered, left, limit)
    high = quiet(wip_breaches, entered, left, limit + more)
    assert (high.breach_days <= low.breach_days + 1e-12).all()
    # Every breach of the higher limit lies inside a breach of the lower one.
    for k in range(len(high.breaches.state)):
        rows = low.rows(int(high.breaches.state[k]))
        inside = (low.breaches.start[rows] <= high.breaches.start[k]) & (
            np.isnat(low.breaches.end[rows])
            | (~np.isnat(high.breaches.end[k]) & (high.breaches.end[k] <= low.breaches.end[rows]))
        )
        assert inside.any()


@given(stay_matrices(), st.data())
def test_wip_breaches_is_invariant_to_row_order(pair, data):
    entered, left = pair
    order = np.array(data.draw(st.permutations(range(len(entered)))), dtype=np.intp)
    limits = [1] * entered.shape[1]
    assert quiet(wip_breaches, entered, left, limits) == quiet(
        wip_breaches, entered[order], left[order], limits
    )


# --------------------------------------------------------------------------- allocation: by hand


def hand_allocation(**kwargs):
    # Items: two standard from Jan 1 (one leaves Jan 5), expedite on Jan 2 (leaves Jan 4)
    # and Jan 3, one item without a class from Jan 6 to Jan 7, one never committed.
    entered = ["2024-01-01", "2024-01-01", "2024-01-02", "2024-01-03", "2024-01-06", None]
    left = ["2024-01-05", None, "2024-01-04", None, "2024-01-07", None]
    classes = ["standard", "standard", "expedite", "expedite", None, "standard"]
    shares = {"expedite": 0.25, "fixed date": 0.2}
    return allocation(entered, left, shares, by=classes, as_of="2024-01-09", **kwargs)


def test_allocation_by_hand():
    r = hand_allocation()
    assert r.groups.tolist() == ["expedite", "standard", "fixed date"]
    assert np.array_equal(r.shares, [0.25, np.nan, 0.2], equal_nan=True)
    assert same(r.at, *[f"2024-01-0{d}" for d in (1, 2, 3, 4, 5, 6, 7)])
    assert r.wip.tolist() == [2, 3, 4, 3, 2, 3, 2]
    # (group, instant); the item without a class counts in the WIP only (Jan 6).
    assert r.counts.tolist() == [
        [0, 1, 2, 1, 1, 1, 1],
        [2, 2, 2, 2, 1, 1, 1],
        [0, 0, 0, 0, 0, 0, 0],
    ]
    expedite = [0, 1 / 3, 1 / 2, 1 / 3, 1 / 2, 1 / 3, 1 / 2]
    np.testing.assert_allclose(r.actual[0], expedite)
    np.testing.assert_allclose(r.excess[0], np.array(expedite) - 0.25)
    assert np.isnan(r.excess[1]).all()  # no policy for standard
    assert (r.excess[2] == -0.2).all()
    # Expedite is above 25 % from Jan 2 on, for good: one interval, open at as_of.
    b = r.breaches
    assert b.group.tolist() == [0]
    assert same(b.start, "2024-01-02")
    assert np.isnat(b.end).all()
    assert b.days.tolist() == [7.0]
    assert b.peak.tolist() == [0.5]
    assert r.breach_count.tolist() == [1, 0, 0]
    assert r.breach_days.tolist() == [7.0, 0.0, 0.0]
    assert r.first_event == ts("2024-01-01")
    assert r.as_of == ts("2024-01-09")
    assert isinstance(r, AllocationResult)


def test_allocation_at_given_instants_and_empty_wip():
    r = hand_allocation(at=["2023-12-31", "2024-01-02T12:00", "2024-01-05", "2024-01-09"])
    assert r.wip.tolist() == [0, 3, 2, 2]
    assert r.counts.tolist() == [[0, 1, 1, 1], [0, 2, 1, 1], [0, 0, 0, 0]]
    assert np.isnan(r.actual[:, 0]).all()  # empty WIP: NaN, no division by zero
    assert np.isnan(r.excess[:, 0]).all()
    assert r.actual[:, 3].tolist() == [0.5, 0.5, 0.0]
    assert r.breaches == hand_allocation().breaches  # breaches do not depend on `at`


def test_allocation_breach_ends_and_empty_wip_ends_a_breach():
    # Expedite alone from Jan 1 to Jan 2 (share 1), then nothing, then 1 of 2 from Jan 3.
    entered = ["2024-01-01", "2024-01-03", "2024-01-03"]
    left = ["2024-01-02", None, "2024-01-05"]
    r = allocation(entered, left, [np.nan, 0.5], by=["x", "x", "s"], as_of="2024-01-06")
    assert r.groups.tolist() == ["s", "x"]  # an array of shares follows the sorted labels
    assert r.wip.tolist() == [1, 0, 2, 1]
    assert np.isnan(r.actual[:, 1]).all()
    b = r.breaches
    assert same(b.start, "2024-01-01", "2024-01-05")
    assert b.end[0] == ts("2024-01-02")  # 1/2 on Jan 3 is not above 0.5
    assert np.isnat(b.end[1])
    assert b.days.tolist() == [1.0, 1.0]
    assert b.peak.tolist() == [1.0, 1.0]


def test_allocation_class_forms():
    entered = ["2024-01-01", "2024-01-02", "2024-01-03"]
    left = [None, None, None]
    by_codes = allocation(entered, left, [0.5, 0.5], by=[1, 0, 1])
    by_pair = allocation(
        entered, left, {0: 0.5, 1: 0.5}, by=(np.array([1, 0, 1]), np.array([0, 1]))
    )
    assert by_codes.counts.tolist() == by_pair.counts.tolist() == [[0, 1, 1], [1, 1, 2]]
    assert by_codes.breach_count.tolist() == [0, 2]
    with_missing = allocation(
        entered, left, [1, 1], by=(np.array([-1, 0, 0]), np.array(["a", "b"]))
    )
    assert with_missing.wip.tolist() == [1, 2, 3]
    assert with_missing.counts.tolist() == [[0, 1, 2], [0, 0, 0]]
    np.testing.assert_allclose(with_missing.actual[0], [0, 0.5, 2 / 3])


def test_allocation_no_items_warns():
    empty = np.zeros(0, dtype="datetime64[ns]")
    with pytest.warns(InsufficientDataWarning, match="every share is NaN"):
        r = allocation(empty, empty, {"expedite": 0.1}, by=[])
    assert r.groups.tolist() == ["expedite"]
    assert r.at.shape == r.wip.shape == (0,)
    assert r.counts.shape == r.actual.shape == (1, 0)
    assert r.breach_count.tolist() == [0]
    with pytest.warns(InsufficientDataWarning, match="NaN"):
        r = allocation([None], [None], [0.5], by=["a"], at=["2024-01-01"])
    assert r.wip.tolist() == [0]
    assert np.isnan(r.actual).all()
    json.loads(r.to_json())


def test_allocation_errors():
    e, x = ["2024-01-01", "2024-01-02"], [None, None]
    with pytest.raises(ValidationError, match=r"`start` and `by` must have the same length"):
        allocation(e, x, [0.1], by=["a"])
    with pytest.raises(ValidationError, match=r"`start` and `end` must have the same length"):
        allocation(e, [None], [0.1, 0.1], by=["a", "b"])
    with pytest.raises(ValidationError, match=r"`end` is before `start` in 1 row \(row 1\)"):
        allocation(e, [None, "2024-01-01"], [0.1, 0.1], by=["a", "b"])
    with pytest.raises(ValidationError, match=r"`shares` must lie in \[0, 1\] .* 'b' \(1.5\)"):
        allocation(e, x, {"b": 1.5}, by=["a", "b"])
    with pytest.raises(ValidationError, match=r"`shares` must hold one share per class \(2: "):
        allocation(e, x, [0.1], by=["a", "b"])
    with pytest.raises(TypeError, match="`shares` must hold numbers"):
        allocation(e, x, {"a": "10%"}, by=["a", "b"])
    with pytest.raises(ValidationError, match=r"`by` codes must lie in \[-1, 0\]"):
        allocation(e, x, [0.1], by=(np.array([0, 3]), np.array(["a"])))
    with pytest.raises(ValidationError, match=r"`at` must not be NaT"):
        allocation(e, x, [0.1, 0.1], by=["a", "b"], at=[None])
    with pytest.raises(
        ValidationError, match=r"`at` must not be after `as_of` \(2024-01-02.*\); it is in 1 row"
    ):
        allocation(e, x, [0.1, 0.1], by=["a", "b"], as_of="2024-01-02", at=["2024-01-03"])
    with pytest.raises(TypeError, match="positional"):
        allocation(e, x, [0.1, 0.1], ["a", "b"])  # type: ignore[misc]


# --------------------------------------------------------------------------- allocation: loops


@st.composite
def allocation_cases(draw):
    entered, left = draw(stay_matrices(max_states=1))
    entered, left = entered[:, 0], left[:, 0]
    n = len(entered)
    classes = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n))
    shares = draw(
        st.fixed_dictionaries(
            {}, optional={k: st.sampled_from([0.0, 0.25, 0.5, 1.0, np.nan]) for k in "abc"}
        )
    )
    as_of = draw(st.one_of(st.none(), st.integers(0, 80).map(_hour)))
    return entered, left, np.array(classes, dtype=object), shares, as_of


@given(allocation_cases())
def test_allocation_matches_a_loop(case):
    entered, left, classes, shares, as_of = case
    r = quiet(allocation, entered, left, shares, by=classes, as_of=as_of)
    as_of_ns = _ns(r.as_of)
    labels = r.groups.tolist()
    if as_of_ns is None:
        assert r.at.size == 0
        return
    stays = [
        (e, x, c)
        for (e, x), c in zip(
            _stays(entered[:, None], left[:, None], 0, as_of_ns),
            [
                classes[i]
                for i in range(len(entered))
                if not np.isnat(entered[i]) and _ns(entered[i]) <= as_of_ns
            ],
            strict=True,
        )
    ]
    instants = sorted({e for e, _, _ in stays} | {x for _, x, _ in stays if x is not None})
    assert [_ns(t) for t in r.at] == instants
    expected_intervals = []
    for c, label in enumerate(labels):
        share = shares.get(label, np.nan)
        current = None
        for k, t in enumerate(instants):
            total = sum(1 for e, x, _ in stays if e <= t and (x is None or t < x))
            mine = sum(1 for e, x, cl in stays if cl == label and e <= t and (x is None or t < x))
            assert r.wip[k] == total
            assert r.counts[c, k] == mine
            actual = mine / total if total else np.nan
            assert np.array_equal(r.actual[c, k], actual, equal_nan=True)
            above = total > 0 and not np.isnan(share) and actual > share
            if above and current is None:
                current = [c, t, None, actual]
            elif above:
                current[3] = max(current[3], actual)
            elif current is not None:
                current[2] = t
                expected_intervals.append(tuple(current))
                current = None
        if current is not None:
            expected_intervals.append(tuple(current))
    b = r.breaches
    assert b.group.tolist() == [i[0] for i in expected_intervals]
    assert [_ns(v) for v in b.start] == [i[1] for i in expected_intervals]
    assert [_ns(v) for v in b.end] == [i[2] for i in expected_intervals]
    assert b.peak.tolist() == [i[3] for i in expected_intervals]


@given(allocation_cases(), st.lists(st.integers(-5, 90), max_size=6))
def test_allocation_properties(case, hours):
    entered, left, classes, shares, as_of = case
    at = [_hour(h) for h in hours]
    if as_of is not None:
        at = [t for t in at if np.datetime64(t) <= np.datetime64(as_of)]
    r = quiet(allocation, entered, left, shares, by=classes, as_of=as_of, at=at)
    assert r.counts.sum(axis=0).tolist() == r.wip.tolist()  # every item has a class here
    busy = r.wip > 0
    np.testing.assert_allclose(r.actual[:, busy].sum(axis=0), 1.0)
    assert np.isnan(r.actual[:, ~busy]).all()
    np.testing.assert_array_equal(r.excess, r.actual - r.shares[:, np.newaxis])
    # The WIP is metrics.wip's, where nothing after as_of is seen.
    if at and not np.isnat(r.as_of):
        cut_e = np.where(entered <= r.as_of, entered, NAT)
        cut_l = np.where(left <= r.as_of, left, NAT)
        assert r.wip.tolist() == wip(cut_e, cut_l, r.at).tolist()
    for c in range(len(r.groups)):
        rows = np.flatnonzero(r.breaches.group == c)
        start, end = r.breaches.start[rows], r.breaches.end[rows]
        assert (end[:-1] < start[1:]).all()
        assert (r.breaches.peak[rows] > r.shares[c]).all()
    if not np.isnat(r.first_event):
        span = (r.as_of - r.first_event) / np.timedelta64(1, "D")
        assert (r.breach_days <= span + 1e-9).all()


# --------------------------------------------------------------------------- the real data


def _exits_from_first_entries(first: np.ndarray) -> np.ndarray:
    """Exit of each state: the earliest entry into a later state not before this entry."""
    left = np.full(first.shape, NAT)
    for s in range(first.shape[1] - 1):
        later = first[:, s + 1 :]
        ok = ~np.isnat(later) & (later >= first[:, [s]])
        any_ok = ok.any(axis=1)
        left[any_ok, s] = np.where(ok, later, np.datetime64("2262-01-01", "ns")).min(axis=1)[any_ok]
    return left


def test_real_incidents_active_state_against_wip():
    # The cohort: the limits below and the event-by-event reference are sized for it.
    from customer_kanban.datasets import COHORT_AS_OF as DEMO_AS_OF
    from customer_kanban.datasets import load_incidents

    table, _ = load_incidents(cohort=True)
    first = table.first_entries()
    states = list(table.states)
    left = _exits_from_first_entries(first)
    # The naive exit (the earliest later entry) is before the Active entry for
    # incidents that skipped ahead and came back: the rows are named.
    naive = np.where(np.isnat(first[:, 2:]), np.datetime64("2262-01-01", "ns"), first[:, 2:])
    naive = naive.min(axis=1)
    with pytest.raises(ValidationError, match=r"`left` is before `entered` in 16 rows"):
        wip_breaches(first[:, [1]], naive[:, None], 100)

    limit = 100
    r = wip_breaches(first, left, {"Active": limit}, states=states, as_of=DEMO_AS_OF)
    active = states.index("Active")
    e, x = first[:, active], left[:, active]
    x = np.where(x <= r.as_of, x, NAT)
    assert r.breach_count[active] >= 1
    assert r.breach_count.sum() == r.breach_count[active]
    rows = r.rows("Active")
    # At every breach start the WIP (by metrics.wip) is above the limit, just before it
    # is not, and at every breach end it is back at or below the limit.
    assert (wip(e, x, r.breaches.start[rows]) > limit).all()
    assert (wip(e, x, r.breaches.start[rows] - np.timedelta64(1, "ns")) <= limit).all()
    closed = r.breaches.end[rows][~np.isnat(r.breaches.end[rows])]
    assert (wip(e, x, closed) <= limit).all()
    # The maximum is the largest WIP at any entry instant, reached at max_at.
    entries = np.unique(e[~np.isnat(e) & (e <= r.as_of)])
    assert r.max_wip[active] == wip(e, x, entries).max()
    assert wip(e, x, r.max_at[[active]]).tolist() == [r.max_wip[active]]
    for k in rows:  # each peak is the largest WIP at an entry inside its interval
        end = r.as_of if np.isnat(r.breaches.end[k]) else r.breaches.end[k]
        inside = entries[(entries >= r.breaches.start[k]) & (entries < end)]
        assert wip(e, x, inside).max() == r.breaches.peak[k]
    # The whole matrix (8 states) agrees with the event-by-event loop.
    check_against_reference(first, left, [None, limit, 40, 5, 1, 0, 300, 50], DEMO_AS_OF)


def test_real_incidents_allocation_by_priority():
    from customer_kanban.datasets import DEMO_AS_OF, load_incidents

    table, _ = load_incidents()
    committed, delivered = table["committed_at"], table["delivered_at"]
    priority = table.codes("class_of_service")
    policy = {"1 - Critical": 0.02, "2 - High": 0.04}
    r = allocation(committed, delivered, policy, by=priority, as_of=DEMO_AS_OF)
    assert r.groups.tolist() == ["1 - Critical", "2 - High", "3 - Moderate", "4 - Low"]
    cut = np.where(delivered <= r.as_of, delivered, NAT)
    assert r.wip.tolist() == wip(committed, cut, r.at).tolist()
    assert r.counts.sum(axis=0).tolist() == r.wip.tolist()
    assert r.breach_count[0] >= 1
    assert r.breach_count[1] >= 1
    assert r.breach_count[2:].tolist() == [0, 0]
    # Each breach starts where the class's share first exceeds its policy share.
    for k in range(len(r.breaches.group)):
        c = r.breaches.group[k]
        i = np.searchsorted(r.at, r.breaches.start[k])
        assert r.actual[c, i] > r.shares[c]
        assert i == 0 or not r.actual[c, i - 1] > r.shares[c]


# --------------------------------------------------------------------------- hardening


def test_instants_are_not_limits_or_shares():
    entered, left = [["2024-01-01"]], [["2024-01-02"]]
    instants = np.array(["2024-01-01"], dtype="datetime64[ns]")  # as objects: nanoseconds
    with pytest.raises(TypeError, match=r"`limits` must hold numbers, got an array of dtype"):
        wip_breaches(entered, left, instants)
    with pytest.raises(TypeError, match=r"`shares` must hold numbers, got an array of dtype"):
        allocation(["2024-01-01"], ["2024-01-02"], instants)
    with pytest.raises(ValidationError, match=r"`states` must be a sequence of labels"):
        wip_breaches(entered, left, [1], states=[["a"], ["b", "c"]])


def test_observations_over_292_years_are_refused():
    with pytest.raises(ValidationError, match=r"`entered` and `as_of` are more than 292 years"):
        wip_breaches([["1678-01-01"]], [[None]], [0], as_of="2261-12-31")
    with pytest.raises(ValidationError, match=r"`start` and `as_of` are more than 292 years"):
        allocation(["1678-01-01", "2261-12-31"], [None, None], [1.0])

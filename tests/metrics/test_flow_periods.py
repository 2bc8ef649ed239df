"""Tests of period-based flow metrics: cumulative_flow and throughput."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_kanban._core.periods import floor
from customer_kanban.errors import InsufficientDataWarning, ValidationError
from customer_kanban.metrics import CumulativeFlowResult, cumulative_flow, throughput
from customer_kanban.testing._arrays import group_label_arrays, instant_arrays

FREQS = ["D", "W", "M"]


def _next_period(start: np.datetime64, freq: str) -> np.datetime64:
    if freq == "D":
        return start + np.timedelta64(1, "D")
    if freq == "W":
        return start + np.timedelta64(7, "D")
    return (start.astype("datetime64[M]") + 1).astype("datetime64[ns]")


@st.composite
def entered_matrices(draw, *, max_items=12, max_states=4):
    n_states = draw(st.integers(1, max_states))
    n_items = draw(st.integers(0, max_items))
    flat = draw(instant_arrays(size=n_items * n_states, span_days=70))
    return flat.reshape(n_items, n_states)


# --------------------------------------------------------------------------- cumulative_flow


def test_cumulative_flow_by_hand():
    # Item A: todo Jan 1, doing Jan 2, done Jan 3.
    # Item B: todo Jan 1, skipped doing, done Jan 2 -> doing back-filled to Jan 2.
    # Item C: todo Jan 2 only.
    # Jan 1: todo {A, B} = 2, doing 0, done 0.
    # Jan 2: todo 3, doing {A, B} = 2, done {B} = 1.   Jan 3: todo 3, doing 2, done 2.
    entered = np.array(
        [
            ["2024-01-01", "2024-01-02", "2024-01-03"],
            ["2024-01-01", "NaT", "2024-01-02"],
            ["2024-01-02", "NaT", "NaT"],
        ],
        dtype="datetime64[ns]",
    )
    r = cumulative_flow(entered, states=["todo", "doing", "done"])
    assert (
        r.periods.tolist()
        == np.arange(np.datetime64("2024-01-01"), np.datetime64("2024-01-04"))
        .astype("datetime64[ns]")
        .tolist()
    )
    assert r.groups.tolist() == ["all"]
    assert r.counts.tolist() == [[[2, 0, 0], [3, 2, 1], [3, 2, 2]]]
    assert r.states.tolist() == ["todo", "doing", "done"]
    assert r.wip("todo", "done").tolist() == [[2, 2, 1]]
    assert r.wip(1, 2).tolist() == [[0, 1, 0]]
    # A window starting Jan 2: items that arrived before are counted from the start.
    later = cumulative_flow(entered, since="2024-01-02T15:00", until="2024-01-05")
    assert later.counts.tolist() == [[[3, 2, 1], [3, 2, 2], [3, 2, 2], [3, 2, 2]]]
    assert later.states.tolist() == ["0", "1", "2"]
    # Weekly: Jan 1 2024 is a Monday, so all in one week.
    assert cumulative_flow(entered, freq="W").counts.tolist() == [[[3, 2, 2]]]


def test_cumulative_flow_by_group_by_hand():
    # The items of test_cumulative_flow_by_hand; A and C expedite, B standard, D in no group.
    entered = np.array(
        [
            ["2024-01-01", "2024-01-02", "2024-01-03"],
            ["2024-01-01", "NaT", "2024-01-02"],
            ["2024-01-02", "NaT", "NaT"],
            ["2024-01-03", "2024-01-03", "2024-01-03"],
        ],
        dtype="datetime64[ns]",
    )
    r = cumulative_flow(entered, by=["expedite", "standard", "expedite", None])
    assert r.groups.tolist() == ["expedite", "standard"]
    assert r.counts.shape == (2, 3, 3)
    assert r.counts.tolist() == [
        [[1, 0, 0], [2, 1, 0], [2, 1, 1]],
        [[1, 0, 0], [1, 1, 1], [1, 1, 1]],
    ]
    assert r.wip(0, 2).tolist() == [[1, 2, 1], [1, 0, 0]]
    # (codes, labels) keeps an empty group, in the given order.
    r = cumulative_flow(entered, by=(np.array([1, 2, 1, -1]), ["fixed", "expedite", "standard"]))
    assert r.groups.tolist() == ["fixed", "expedite", "standard"]
    assert r.counts[0].tolist() == [[0, 0, 0]] * 3
    # A window that ends before the last entry drops the later arrivals in every group.
    r = cumulative_flow(entered, by=["a", "b", "a", "b"], until="2024-01-02")
    assert r.counts.tolist() == [[[1, 0, 0], [2, 1, 0]], [[1, 0, 0], [1, 1, 1]]]


def test_cumulative_flow_by_is_keyword_only():
    entered = np.array([["2024-01-01"]], dtype="datetime64[ns]")
    with pytest.raises(TypeError, match="positional"):
        cumulative_flow(entered, "D")  # type: ignore[misc]
    with pytest.raises(ValidationError, match=r"`entered` and `by` must have the same length"):
        cumulative_flow(entered, by=["a", "b"])


def test_cumulative_flow_wip_errors():
    r = cumulative_flow(np.array([["2024-01-01", "2024-01-02"]], dtype="datetime64[ns]"))
    with pytest.raises(ValidationError, match=r"`from_state` must not come after `to_state`"):
        r.wip(1, 0)
    with pytest.raises(ValidationError, match=r"`to_state` must be one of the states"):
        r.wip("0", "done")
    with pytest.raises(ValidationError, match=r"`from_state` must lie in \[0, 1\]"):
        r.wip(5, 1)


def test_cumulative_flow_errors_and_empty():
    with pytest.raises(ValidationError, match=r"`entered` must be 2-dimensional"):
        cumulative_flow(["2024-01-01"])
    with pytest.raises(ValidationError, match=r"`freq` must be one of 'D', 'W', 'M'; got 'Q'"):
        cumulative_flow(np.zeros((0, 2), "datetime64[ns]"), freq="Q")
    with pytest.raises(ValidationError, match=r"`until` must not be before `since`"):
        cumulative_flow(np.zeros((0, 2), "datetime64[ns]"), since="2024-02-01", until="2024-01-01")
    with pytest.raises(ValidationError, match=r"`states` must hold one label per column"):
        cumulative_flow(np.zeros((0, 2), "datetime64[ns]"), states=["a"])
    with pytest.warns(InsufficientDataWarning, match="no periods"):
        r = cumulative_flow(np.zeros((0, 2), "datetime64[ns]"))
    assert r.counts.shape == (1, 0, 2)
    with pytest.warns(InsufficientDataWarning, match="no periods"):
        r = cumulative_flow(np.zeros((0, 2), "datetime64[ns]"), by=np.array([], dtype=str))
    assert r.counts.shape == (0, 0, 2)
    # Given a window, an empty input has zero counts and no warning.
    r = cumulative_flow(np.zeros((0, 2), "datetime64[ns]"), since="2024-01-01", until="2024-01-02")
    assert r.counts.tolist() == [[[0, 0], [0, 0]]]


def _cfd_reference(entered, freq, since, until):
    """Loop over periods, states and items."""
    first = floor(np.array([since], "datetime64[ns]"), freq)[0]
    periods = [first]
    while _next_period(periods[-1], freq) <= until:
        periods.append(_next_period(periods[-1], freq))
    n_items, n_states = entered.shape
    counts = np.zeros((len(periods), n_states), dtype=np.int64)
    for p, begin in enumerate(periods):
        period_end = _next_period(begin, freq)
        for s in range(n_states):
            for i in range(n_items):
                later = [x for x in entered[i, s:] if not np.isnat(x)]
                if later and min(later) < period_end:
                    counts[p, s] += 1
    return np.array(periods, dtype="datetime64[ns]"), counts


@pytest.mark.parametrize("freq", FREQS)
@given(entered=entered_matrices())
def test_cumulative_flow_matches_reference_loop(freq, entered):
    known = entered[~np.isnat(entered)]
    if known.size == 0:
        with pytest.warns(InsufficientDataWarning):
            r = cumulative_flow(entered, freq=freq)
        assert r.counts.shape == (1, 0, entered.shape[1])
        return
    r = cumulative_flow(entered, freq=freq)
    periods, counts = _cfd_reference(entered, freq, known.min(), known.max())
    assert np.array_equal(r.periods, periods)
    assert np.array_equal(r.counts, counts[np.newaxis])
    assert r.counts.dtype == np.int64


@pytest.mark.parametrize("freq", FREQS)
@given(entered=entered_matrices(), data=st.data())
def test_cumulative_flow_by_group_matches_reference_loop(freq, entered, data):
    labels = data.draw(group_label_arrays(size=len(entered)))
    since, until = np.datetime64("2024-01-10", "ns"), np.datetime64("2024-02-20", "ns")
    r = cumulative_flow(entered, freq=freq, since=since, until=until, by=labels)
    for g, label in enumerate(r.groups):
        periods, counts = _cfd_reference(entered[labels == label], freq, since, until)
        assert np.array_equal(r.periods, periods)
        assert np.array_equal(r.counts[g], counts)
    assert r.counts.shape[0] == len(r.groups)


@given(entered=entered_matrices(), data=st.data())
def test_cumulative_flow_bands_monotone_ordered_and_order_invariant(entered, data):
    window = {"since": "2023-12-25", "until": "2024-03-20"}
    r = cumulative_flow(entered, freq="W", **window)
    assert (np.diff(r.counts, axis=1) >= 0).all()  # never decrease over time
    assert (np.diff(r.counts, axis=2) <= 0).all()  # ordered by workflow
    perm = np.array(data.draw(st.permutations(range(len(entered)))), dtype=np.intp)
    shuffled = cumulative_flow(entered[perm].reshape(entered.shape), freq="W", **window)
    assert shuffled == r


# --------------------------------------------------------------------------- throughput


def test_throughput_by_hand():
    # Deliveries: Jan 1 (x2), Jan 3, Jan 8 (Monday), NaT.
    end = ["2024-01-01T10:00", "2024-01-01T17:00", "2024-01-03", "2024-01-08", None]
    r = throughput(end)
    assert r.groups.tolist() == ["all"]
    assert r.counts.tolist() == [[2, 0, 1, 0, 0, 0, 0, 1]]
    assert len(r.periods) == 8
    # Weeks start on Monday: Jan 1-7 has 3, Jan 8-14 has 1.
    weekly = throughput(end, freq="W")
    assert weekly.periods.astype("datetime64[D]").astype(str).tolist() == [
        "2024-01-01",
        "2024-01-08",
    ]
    assert weekly.counts.tolist() == [[3, 1]]
    assert throughput(end, freq="M").counts.tolist() == [[4]]
    # A window leaves out deliveries outside it (whole periods, floored).
    window = throughput(end, since="2024-01-01T12:00", until="2024-01-03T08:00")
    assert window.counts.tolist() == [[2, 0, 1]]
    # Grouped: (codes, labels) keeps the empty group "fixed date".
    by = (np.array([0, 2, 2, -1, 0]), ["expedite", "fixed date", "standard"])
    grouped = throughput(end, freq="W", by=by)
    assert grouped.groups.tolist() == ["expedite", "fixed date", "standard"]
    assert grouped.counts.tolist() == [[1, 0], [0, 0], [2, 0]]


def test_throughput_errors_and_empty():
    with pytest.raises(ValidationError, match=r"`freq` must be one of 'D', 'W', 'M'; got '2W'"):
        throughput([], freq="2W")
    with pytest.raises(ValidationError, match=r"`end` and `by` must have the same length"):
        throughput(["2024-01-01"], by=["a", "b"])
    with pytest.raises(ValidationError, match=r"`since` must be an instant, got NaT"):
        throughput([], since="NaT")
    with pytest.raises(ValidationError, match=r"`until` must not be before `since`"):
        throughput([], since="2024-01-02", until="2024-01-01")
    with pytest.raises(TypeError, match="positional"):
        throughput([], "D")  # type: ignore[misc]
    with pytest.warns(InsufficientDataWarning, match="throughput has no periods"):
        r = throughput([None, None], by=["a", "b"])
    assert r.counts.shape == (2, 0)
    r = throughput([], since="2024-01-01", until="2024-01-03")
    assert r.counts.tolist() == [[0, 0, 0]]
    # Only one bound given, no data: a single period.
    assert throughput([], until="2024-01-03").counts.tolist() == [[0]]


@pytest.mark.parametrize("freq", FREQS)
@given(data=st.data())
def test_throughput_matches_reference_loop(freq, data):
    end = data.draw(instant_arrays(span_days=70))
    labels = data.draw(group_label_arrays(size=len(end)))
    since, until = np.datetime64("2024-01-10", "ns"), np.datetime64("2024-02-20", "ns")
    r = throughput(end, freq=freq, since=since, until=until, by=labels)
    periods = [floor(np.array([since]), freq)[0]]
    while _next_period(periods[-1], freq) <= until:
        periods.append(_next_period(periods[-1], freq))
    assert np.array_equal(r.periods, np.array(periods, dtype="datetime64[ns]"))
    expected = np.zeros((r.groups.size, len(periods)), dtype=np.int64)
    for g, label in enumerate(r.groups):
        for p, begin in enumerate(periods):
            for e, lab in zip(end, labels, strict=True):
                if lab == label and not np.isnat(e) and begin <= e < _next_period(begin, freq):
                    expected[g, p] += 1
    assert np.array_equal(r.counts, expected)


@given(end=instant_arrays(span_days=70), data=st.data())
def test_throughput_totals_grouping_and_row_order(end, data):
    valid = ~np.isnat(end)
    if not valid.any():
        return
    r = throughput(end)
    assert r.counts.sum() == valid.sum()  # default window holds every delivery
    labels = data.draw(group_label_arrays(size=len(end), allow_missing=False))
    grouped = throughput(end, by=labels, since=end[valid].min(), until=end[valid].max())
    assert np.array_equal(grouped.counts.sum(axis=0), r.counts[0])
    for g, label in enumerate(grouped.groups):
        alone = throughput(end[labels == label], since=end[valid].min(), until=end[valid].max())
        assert np.array_equal(alone.counts[0], grouped.counts[g])
    perm = np.array(data.draw(st.permutations(range(len(end)))), dtype=np.intp)
    assert throughput(end[perm], by=labels[perm]) == throughput(end, by=labels)


def test_results_serialise():
    r = throughput(["2024-01-01", None, "2024-01-02"], by=["a", None, "b"])
    assert r.to_dict() == {
        "groups": ["a", "b"],
        "periods": ["2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"],
        "counts": [[1, 0], [0, 1]],
    }
    assert isinstance(hash(r), int)
    cfd = cumulative_flow(np.array([["2024-01-01"]], dtype="datetime64[ns]"))
    assert isinstance(cfd, CumulativeFlowResult)
    assert '"counts": [[[1]]]' in cfd.to_json()


# --------------------------------------------------------------------------- hardening


def test_result_size_is_bounded():
    # Daily periods over five centuries for a thousand groups: 204 million cells, refused
    # before anything is allocated.
    end = np.array(["1700-01-01"] * 1_000, dtype="datetime64[ns]")
    window = {"since": "1700-01-01", "until": "2259-12-31"}
    with pytest.raises(ValidationError, match=r"the throughput \(groups × periods\) would hold"):
        throughput(end, by=np.arange(1_000), **window)
    entered = np.stack([end, end], axis=1)
    with pytest.raises(ValidationError, match=r"reduce the window \(`since`, `until`\)"):
        cumulative_flow(entered, by=np.arange(1_000), **window)
    # The same window for one group is fine (and spans more than 292 years: no subtraction).
    assert throughput(end[:1], **window).counts.shape == (1, 204_535)


def test_states_must_be_a_flat_sequence():
    entered = [["2024-01-01", "2024-01-02"]]
    with pytest.raises(ValidationError, match=r"`states` must be a sequence of labels"):
        cumulative_flow(entered, states=[["a"], ["b", "c"]])

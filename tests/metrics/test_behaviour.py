"""process_behaviour: XmR limits and detection rules against a plain loop."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_kanban.errors import InsufficientDataWarning, ValidationError
from customer_kanban.metrics import ProcessBehaviourResult, process_behaviour, throughput

# ---------------------------------------------------------------------- the reference


def reference(x: list[float]) -> tuple[dict[str, float], set[tuple[int, int]]]:
    """Wheeler's XmR by the most obvious loops: the limits and the (rule, index) signals."""
    n = len(x)
    centre = sum(x) / n
    ranges = [abs(x[i] - x[i - 1]) for i in range(1, n)]
    mr = sum(ranges) / len(ranges)
    high, low, url = centre + 2.66 * mr, centre - 2.66 * mr, 3.268 * mr
    signals = set()
    for i in range(n):
        if x[i] > high or x[i] < low:
            signals.add((1, i))
    for start in range(n - 7):  # every window of 8 wholly on one side: all its values
        window = x[start : start + 8]
        if all(v > centre for v in window) or all(v < centre for v in window):
            signals.update((2, i) for i in range(start, start + 8))
    up, down = centre + 1.33 * mr, centre - 1.33 * mr
    for start in range(n - 3):  # 3 of 4 beyond the midway line: those values
        window = range(start, start + 4)
        for beyond in (lambda v: v > up, lambda v: v < down):
            hits = [i for i in window if beyond(x[i])]
            if len(hits) >= 3:
                signals.update((3, i) for i in hits)
    for i in range(1, n):
        if ranges[i - 1] > url:
            signals.add((4, i))
    limits = {"centre": centre, "mr_mean": mr, "high": high, "low": low, "mr_high": url}
    return limits, signals


def signals_of(r: ProcessBehaviourResult, group: int = 0) -> set[tuple[int, int]]:
    mine = r.signal_group == group
    return set(zip(r.signal_rule[mine].tolist(), r.signal_index[mine].tolist(), strict=True))


# Small integers make ties (on the centre, on a limit, at the midway line) common.
SERIES = st.lists(st.integers(0, 12).map(float), min_size=2, max_size=60) | st.lists(
    st.floats(-1e3, 1e3, allow_nan=False), min_size=2, max_size=60
)


@given(SERIES)
def test_limits_and_signals_equal_the_loop_reference(x):
    r = process_behaviour(np.array(x))
    limits, signals = reference(x)
    for name, value in limits.items():
        assert getattr(r, name)[0] == pytest.approx(value, rel=1e-9, abs=1e-9), name
    # values within rounding of a line can go either way: compare away from the lines
    near = _near_a_line(x, limits)
    got = {s for s in signals_of(r) if s[1] not in near}
    assert got == {s for s in signals if s[1] not in near}


@given(st.lists(st.integers(0, 12).map(float), min_size=2, max_size=60))
def test_ties_on_every_line_count_as_the_loop_reference_counts_them(x):
    # whole numbers: the centre, limits and midway lines are computed alike to the last
    # bit, so values on a line (common here) must be classified exactly as the loop does
    r = process_behaviour(np.array(x))
    assert signals_of(r) == reference(x)[1]


def _near_a_line(x: list[float], limits: dict[str, float]) -> set[int]:
    c, mr = limits["centre"], limits["mr_mean"]
    lines = [c, c + 2.66 * mr, c - 2.66 * mr, c + 1.33 * mr, c - 1.33 * mr]
    close = {i for i, v in enumerate(x) for line in lines if abs(v - line) < 1e-6 * (1 + abs(v))}
    rows = set(close)
    for i in close:  # a value near a line changes the windows around it
        rows.update(range(max(0, i - 8), min(len(x), i + 9)))
    ranges = [abs(x[i] - x[i - 1]) for i in range(1, len(x))]
    rows.update(i for i in range(1, len(x)) if abs(ranges[i - 1] - 3.268 * mr) < 1e-6 * (1 + mr))
    return rows


WHOLE = st.lists(st.integers(0, 12).map(float), min_size=2, max_size=40)


@given(st.lists(WHOLE, min_size=1, max_size=4), st.randoms(use_true_random=False))
def test_groups_are_charted_separately_in_their_order(series, random):
    rows = [(g, v) for g, s in enumerate(series) for v in s]
    shuffled = sorted(range(len(rows)), key=lambda _: random.random())
    # interleave the groups but keep each group's own order: a stable sort by a random key
    # of the group only would keep it too; here rows are placed, then each group re-ordered
    placed: list[tuple[int, float]] = [rows[i] for i in shuffled]
    for g, s in enumerate(series):
        slots = [k for k, (h, _) in enumerate(placed) if h == g]
        for k, v in zip(slots, s, strict=True):
            placed[k] = (g, v)
    r = process_behaviour(
        np.array([v for _, v in placed]), by=np.array([f"g{g}" for g, _ in placed])
    )
    for g, s in enumerate(series):  # whole numbers: sums are exact, whatever their order
        one = process_behaviour(np.array(s))
        assert r.groups[g] == f"g{g}"
        assert np.array_equal(r.values[g, : len(s)], s)
        assert np.isnan(r.values[g, len(s) :]).all()
        for name in ("centre", "mr_mean", "low", "high", "mr_high"):
            assert getattr(r, name)[g] == getattr(one, name)[0], name
        assert signals_of(r, g) == signals_of(one)


def test_interleaved_groups_keep_their_rows():
    values = np.array([1.0, 10.0, 2.0, 20.0, 3.0, 30.0])
    r = process_behaviour(values, by=["a", "b", "a", "b", "a", "b"])
    assert np.array_equal(r.values, [[1, 2, 3], [10, 20, 30]])
    assert r.mr_mean.tolist() == [1.0, 10.0]
    b = [10.0, 20.0] * 5 + [2000.0]
    rows = np.r_[[1.0, 2.0, 3.0], b]
    big = process_behaviour(rows, by=["a"] * 3 + ["b"] * 11)
    jump = big.signal_rule == 4
    assert big.signal_index[jump].tolist() == [10]  # position in group b
    assert big.signal_row[jump].tolist() == [13]  # row of the input


# ---------------------------------------------------------------------- hand-computed


def test_a_hand_computed_chart():
    x = [5, 6, 5, 7, 6, 5, 6, 20, 6, 5]
    r = process_behaviour(x)
    assert r.centre[0] == 7.1
    assert r.mr_mean[0] == 4.0  # (1 + 1 + 2 + 1 + 1 + 1 + 14 + 14 + 1) / 9
    assert r.high[0] == pytest.approx(7.1 + 10.64)
    assert r.low[0] == pytest.approx(7.1 - 10.64)  # not clipped at 0
    assert r.mr_high[0] == pytest.approx(13.072)
    assert signals_of(r) == {(1, 7), (4, 7), (4, 8)}


def test_exactly_eight_on_one_side_is_a_run_and_seven_is_not():
    before, after = [10.0, 0.0] * 6, [0.0, 10.0] * 6
    eight = [*before, *[6.0] * 8, *after]  # centre 5.25: eight values above it
    r = process_behaviour(eight)
    assert r.centre[0] == 5.25
    assert {i for rule, i in signals_of(r) if rule == 2} == set(range(12, 20))
    seven = [*before, *[6.0] * 7, *after]
    assert not {i for rule, i in signals_of(process_behaviour(seven)) if rule == 2}


def test_a_value_on_the_centre_line_ends_a_run():
    # centre 5: four above, one on the line, four above; the same below
    x = [6.0, 6, 6, 6, 5, 6, 6, 6, 6, 4, 4, 4, 4, 5, 4, 4, 4, 4]
    r = process_behaviour(x)
    assert r.centre[0] == 5.0
    assert not {i for rule, i in signals_of(r) if rule == 2}
    x[4], x[13] = 6.0, 4.0  # off the line: two runs of nine
    runs = {i for rule, i in signals_of(process_behaviour(x)) if rule == 2}
    assert runs == set(range(18))


def test_three_of_four_near_a_limit_marks_only_the_values_beyond_the_midway_line():
    x = [0.0, 2] * 6 + [5, 1, 5, 5] + [0, 2] * 4
    r = process_behaviour(x)
    c, mr = r.centre[0], r.mr_mean[0]
    assert r.high[0] > 5 > c + 1.33 * mr > 2  # the three 5s are beyond the line, within limits
    assert signals_of(r) == {(3, 12), (3, 14), (3, 15)}


def test_a_value_on_a_limit_is_not_beyond_it():
    r = process_behaviour([0.0, 1.0, 0.0, 1.0])
    assert r.mr_mean[0] == 1.0
    inside = process_behaviour([0.0, 1.0, 0.0, 1.0, 0.5 + 2.66 * 1.0])
    assert (1, 4) not in signals_of(inside) or inside.values[0, 4] > inside.high[0]


def test_constant_values_have_zero_width_limits_and_no_signal():
    r = process_behaviour([3.0] * 10)
    assert r.low[0] == r.high[0] == r.centre[0] == 3.0
    assert r.signal_rule.size == 0


def test_a_throughput_result_is_charted_per_group_with_its_periods():
    end = np.array(["2024-01-01", "2024-01-02", "2024-01-02", "2024-01-04"], "datetime64[ns]")
    tp = throughput(end, freq="D", by=["a", "b", "a", "a"])
    r = process_behaviour(tp)
    assert r.groups.tolist() == ["a", "b"]
    assert np.array_equal(r.values, tp.counts)
    assert np.array_equal(r.periods, tp.periods)
    with pytest.raises(ValidationError, match="`by` must be None"):
        process_behaviour(tp, by=["a"])


def test_frame_has_one_row_per_value_and_a_column_per_rule():
    r = process_behaviour([1.0, 2.0, 9.0, 8.0, 7.0], by=["a", "a", "b", "b", "b"])
    frame = r.to_frame()
    assert len(frame) == 5
    assert frame["value"].tolist() == [1.0, 2.0, 9.0, 8.0, 7.0]
    assert {"beyond_limits", "run_of_eight", "three_of_four", "large_range"} <= set(frame)


# ---------------------------------------------------------------------- edges and errors


def test_fewer_than_two_values_give_nan_limits_and_a_warning():
    with pytest.warns(InsufficientDataWarning, match=r"fewer than 2 values.*NaN"):
        r = process_behaviour([4.0, 1.0, 2.0], by=["a", "b", "b"])
    assert r.centre.tolist() == [4.0, 1.5]
    assert np.isnan(r.high[0])
    assert r.high[1] == pytest.approx(1.5 + 2.66)
    with pytest.warns(InsufficientDataWarning):
        empty = process_behaviour([])
    assert empty.values.shape == (1, 0)
    assert np.isnan(empty.centre[0])


@pytest.mark.parametrize("bad", [[1.0, np.nan, 2.0], [1.0, np.inf]])
def test_non_finite_values_are_refused_with_their_rows(bad):
    with pytest.raises(ValidationError, match=r"`values` must be finite.*row 1"):
        process_behaviour(bad)


@pytest.mark.parametrize(
    ("bad", "match"),
    [(["1", "2"], "`values` must hold numbers, not text"), ([True, False], "not booleans")],
)
def test_non_numbers_are_a_type_error(bad, match):
    with pytest.raises(TypeError, match=match):
        process_behaviour(bad)


def test_by_must_match_the_values():
    with pytest.raises(ValidationError, match="`by`"):
        process_behaviour([1.0, 2.0], by=["a"])

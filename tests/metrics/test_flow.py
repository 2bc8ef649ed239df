"""Tests of per-item flow metrics: lead_time, time_in_state, work_item_age, wip."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_kanban._core.instants import NS_PER_DAY, days_between
from customer_kanban.errors import ValidationError
from customer_kanban.metrics import lead_time, time_in_state, wip, work_item_age
from customer_kanban.testing._arrays import instant_arrays, start_end_arrays, transition_arrays

NAT = np.datetime64("NaT", "ns")


def _dt(value: np.datetime64) -> dt.datetime | None:
    return None if np.isnat(value) else value.astype("datetime64[us]").item()


def _permutation(data, n):
    return np.array(data.draw(st.permutations(range(n))), dtype=np.intp)


DAY_COUNTS = ("elapsed", "exclusive", "inclusive", "business")
HOLIDAY = dt.date(2024, 1, 15)


def _days_by_hand(s: dt.datetime, e: dt.datetime, kind: str) -> float:
    """The span from `s` to `e` counted as `kind`, with datetime.date arithmetic."""
    if kind == "elapsed":
        return (e - s).total_seconds() / 86400
    days = (e.date() - s.date()).days
    if kind == "exclusive":
        return days
    if kind == "inclusive":
        return days + 1
    n_business = 0
    day = s.date()
    while day < e.date():
        n_business += day.weekday() < 5 and day != HOLIDAY
        day += dt.timedelta(days=1)
    return n_business


# (start, end) and the day counts (elapsed, exclusive, inclusive, business), by hand.
SPANS = {
    # Wednesday 09:00 -> 17:00: one UTC date; the minimum inclusive count is 1.
    "same day": (("2024-01-03T09:00", "2024-01-03T17:00"), (1 / 3, 0, 1, 0)),
    # Wednesday 23:00 -> Thursday 01:00: two hours, but two dates.
    "across midnight": (("2024-01-03T23:00", "2024-01-04T01:00"), (1 / 12, 1, 2, 1)),
    # Friday 17:00 -> Monday 09:00: dates Fri, Sat, Sun, Mon; Friday the one business day.
    "across a weekend": (("2024-01-05T17:00", "2024-01-08T09:00"), (8 / 3, 3, 4, 1)),
    # Saturday 12:00 CET -> Sunday 12:00 CEST (Rome's clocks move on 2024-03-31): 23 hours
    # in UTC, from 11:00Z to 10:00Z, over one UTC date boundary. No business day.
    "across a DST change": (
        ("2024-03-30T12:00+01:00", "2024-03-31T12:00+02:00"),
        (23 / 24, 1, 2, 0),
    ),
    # 23:30 -> 00:30 local time (+01:00) is 22:30Z -> 23:30Z: one UTC date, so the local
    # midnight between them does not count.
    "local midnight, one UTC date": (
        ("2024-03-29T23:30+01:00", "2024-03-30T00:30+01:00"),
        (1 / 24, 0, 1, 0),
    ),
}


# --------------------------------------------------------------------------- lead_time


def test_lead_time_day_counts_by_hand():
    # 2018-01-03 (Wed) 09:00 -> 2018-01-06 (Sat) 21:00: 3.5 days elapsed;
    # dates differ by 3 (jira-agile-metrics), 3 + 1 = 4 (ActionableAgile/Vacanti);
    # business days in [Wed, Sat) = Wed, Thu, Fri = 3.
    start = ["2018-01-03T09:00"]
    end = ["2018-01-06T21:00"]
    assert lead_time(start, end).tolist() == [3.5]
    assert lead_time(start, end, day_count="exclusive").tolist() == [3.0]
    assert lead_time(start, end, day_count="inclusive").tolist() == [4.0]
    assert lead_time(start, end, day_count="business").tolist() == [3.0]
    # A holiday on Thursday leaves Wed and Fri. A Monday-Saturday week changes
    # nothing: Saturday is the end date, outside busday_count's [start, end).
    assert lead_time(start, end, day_count="business", holidays=["2018-01-04"]).tolist() == [2.0]
    assert lead_time(start, end, day_count="business", weekmask="1111110").tolist() == [3.0]


def test_lead_time_same_day_and_missing():
    # Same day: 1 hour = 1/24 day; exclusive 0, inclusive 1 (minimum), business 0.
    start = ["2024-05-01T08:00", None, "2024-05-01"]
    end = ["2024-05-01T09:00", "2024-05-02", None]
    got = lead_time(start, end)
    assert got[0] == pytest.approx(1 / 24)
    assert np.isnan(got[1:]).all()
    for kind, value in [("exclusive", 0.0), ("inclusive", 1.0), ("business", 0.0)]:
        out = lead_time(start, end, day_count=kind)
        assert out[0] == value
        assert np.isnan(out[1:]).all()


def test_lead_time_accepts_tz_aware_pandas():
    start = pd.Series(pd.to_datetime(["2024-01-01T01:00"]).tz_localize("Europe/Rome"))
    end = pd.Series(pd.to_datetime(["2024-01-02T00:00"]).tz_localize("UTC"))
    # 01:00 in Rome is 00:00 UTC: exactly one day.
    assert lead_time(start, end).tolist() == [1.0]


def test_lead_time_errors():
    with pytest.raises(
        ValidationError, match=r"`end` is before `start` in 2 rows \(row 1; row 2\)"
    ) as info:
        lead_time(
            ["2024-01-02", "2024-01-05", "2024-01-05"], ["2024-01-03", "2024-01-04", "2024-01-01"]
        )
    assert info.value.rows == (1, 2)
    with pytest.raises(
        ValidationError, match=r"`start` and `end` must have the same length \(got 1 and 2\)"
    ):
        lead_time(["2024-01-01"], ["2024-01-02", "2024-01-03"])
    with pytest.raises(ValidationError, match=r"`day_count` must be one of 'elapsed', 'exclusive'"):
        lead_time([], [], day_count="weekdays")
    with pytest.raises(ValidationError, match=r"`weekmask` must be seven 0/1 characters"):
        lead_time(["2024-01-01"], ["2024-01-02"], day_count="business", weekmask="11")
    with pytest.raises(TypeError, match=r"`start` must hold instants"):
        lead_time([1.5], [2.5])


@pytest.mark.parametrize("case", SPANS)
def test_day_counts_of_a_lead_time_and_an_age_by_hand(case):
    (start, end), expected = SPANS[case]
    for kind, value in zip(DAY_COUNTS, expected, strict=True):
        assert lead_time([start], [end], day_count=kind)[0] == pytest.approx(value, abs=1e-12)
        # An open item's age at `as_of` is its lead time had it finished then.
        assert work_item_age([start], [None], as_of=end, day_count=kind)[0] == pytest.approx(
            value, abs=1e-12
        )


@given(start_end_arrays(allow_unstarted=True))
def test_lead_time_matches_reference_loop(pair):
    start, end = pair
    assert np.array_equal(lead_time(start, end), days_between(start, end), equal_nan=True)
    for kind in DAY_COUNTS:
        got = lead_time(start, end, day_count=kind, holidays=[HOLIDAY.isoformat()])
        for k in range(len(start)):
            s, e = _dt(start[k]), _dt(end[k])
            if s is None or e is None:
                assert np.isnan(got[k])
            else:
                assert got[k] == pytest.approx(_days_by_hand(s, e, kind), abs=1e-9)


# --------------------------------------------------------------------------- time_in_state


def test_time_in_state_by_hand():
    # Item 0: todo Jan 1 -> doing Jan 2 -> todo Jan 4 -> doing Jan 5, ends Jan 8
    #   todo = 1 + 1 = 2 days, doing = 2 + 3 = 5 days (the backward move adds up).
    # Item 1: in progress (end NaT) -> NaN row.  Item 2: no transitions -> zeros.
    # Item 3: todo Jan 1, doing Jan 3, done Jan 6 but ends Jan 4:
    #   todo 2, doing clipped to Jan 3..Jan 4 = 1, done 0 (after the end).
    item = [0, 0, 0, 0, 1, 3, 3, 3]
    state = [0, 1, 0, 1, 0, 0, 1, 2]
    at = [
        "2024-01-01",
        "2024-01-02",
        "2024-01-04",
        "2024-01-05",
        "2024-01-01",
        "2024-01-01",
        "2024-01-03",
        "2024-01-06",
    ]
    end = ["2024-01-08", None, "2024-01-03", "2024-01-04"]
    got = time_in_state(item, state, at, end)
    expected = np.array([[2.0, 5.0, 0.0], [np.nan] * 3, [0.0, 0.0, 0.0], [2.0, 1.0, 0.0]])
    assert np.array_equal(got, expected, equal_nan=True)
    # Unsorted input, explicit n_states: same answer, wider matrix.
    order = [7, 2, 5, 0, 4, 6, 1, 3]
    shuffled = time_in_state(
        np.take(item, order), np.take(state, order), np.take(at, order), end, n_states=4
    )
    assert np.array_equal(shuffled[:, :3], expected, equal_nan=True)
    assert np.array_equal(shuffled[:, 3], [0.0, np.nan, 0.0, 0.0], equal_nan=True)


def test_time_in_state_ties_go_to_the_later_state_whatever_the_row_order():
    # Two transitions of item 0 at the same instant: the later workflow state wins.
    got = time_in_state([0, 0], [0, 1], ["2024-01-01", "2024-01-01"], ["2024-01-03"])
    assert got.tolist() == [[0.0, 2.0]]
    got = time_in_state([0, 0], [1, 0], ["2024-01-01", "2024-01-01"], ["2024-01-03"])
    assert got.tolist() == [[0.0, 2.0]]


def test_time_in_state_errors():
    with pytest.raises(ValidationError, match=r"`item` must lie in \[0, 0\] in every row"):
        time_in_state([0, 1], [0, 0], ["2024-01-01"] * 2, ["2024-01-02"])
    with pytest.raises(ValidationError, match=r"`state` must lie in \[0, 1\]"):
        time_in_state([0], [2], ["2024-01-01"], ["2024-01-02"], n_states=2)
    with pytest.raises(ValidationError, match=r"`at` must not be NaT; it is in 1 row \(row 1\)"):
        time_in_state([0, 0], [0, 1], ["2024-01-01", None], ["2024-01-02"])
    with pytest.raises(ValidationError, match=r"`item` and `at` must have the same length"):
        time_in_state([0, 0], [0, 1], ["2024-01-01"], ["2024-01-02"])
    with pytest.raises(TypeError, match=r"`state` must hold integer codes"):
        time_in_state([0], [0.5], ["2024-01-01"], ["2024-01-02"])
    with pytest.raises(TypeError, match=r"`n_states` must be an integer"):
        time_in_state([0], [0], ["2024-01-01"], ["2024-01-02"], n_states=2.0)


def _time_in_state_reference(item, state, at, end, n_states):
    out = np.zeros((len(end), n_states))
    for i in range(len(end)):
        if np.isnat(end[i]):
            out[i] = np.nan
            continue
        rows = sorted(
            (r for r in range(len(item)) if item[r] == i), key=lambda r: (at[r], state[r])
        )
        for k, r in enumerate(rows):
            stop = at[rows[k + 1]] if k + 1 < len(rows) else end[i]
            stop = min(stop, end[i])
            if stop > at[r]:
                out[i, state[r]] += (stop - at[r]) / np.timedelta64(1, "D")
    return out


@given(transition_arrays())
def test_time_in_state_matches_reference_loop(t):
    got = time_in_state(t.item, t.state, t.at, t.end, n_states=t.n_states)
    expected = _time_in_state_reference(t.item, t.state, t.at, t.end, t.n_states)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-9)


@given(transition_arrays(min_items=1))
def test_time_in_state_row_sum_is_lead_time_from_first_transition(t):
    got = time_in_state(t.item, t.state, t.at, t.end, n_states=t.n_states)
    for i in range(len(t.end)):
        ats = t.at[t.item == i]
        if ats.size == 0 or np.isnat(t.end[i]) or t.end[i] < ats.min():
            continue
        expected = lead_time(ats.min(keepdims=True), t.end[i : i + 1])[0]
        assert got[i].sum() == pytest.approx(expected, abs=1e-9)


@given(transition_arrays(), st.data())
def test_time_in_state_invariant_to_row_order(t, data):
    # Ties in (item, at) included: they are taken in state order.
    perm = _permutation(data, len(t.item))
    a = time_in_state(t.item, t.state, t.at, t.end, n_states=t.n_states)
    b = time_in_state(t.item[perm], t.state[perm], t.at[perm], t.end, n_states=t.n_states)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-9)


# --------------------------------------------------------------------------- work_item_age


def test_work_item_age_by_hand():
    # as_of Jan 8 12:00. Item 0 open since Jan 1: 7.5 days. Item 1 finished Jan 5: NaN.
    # Item 2 starts after as_of: NaN. Item 3 not started: NaN. Item 4 finishes after
    # as_of (Jan 9): still in progress at as_of, 2.5 days. Item 5 finishes exactly at
    # as_of: finished, NaN. Item 6 started exactly at as_of: age 0.
    start = [
        "2024-01-01",
        "2024-01-01",
        "2024-01-09",
        None,
        "2024-01-06",
        "2024-01-06",
        "2024-01-08T12:00",
    ]
    end = [None, "2024-01-05", None, None, "2024-01-09", "2024-01-08T12:00", None]
    got = work_item_age(start, end, as_of="2024-01-08T12:00")
    assert np.array_equal(got, [7.5, np.nan, np.nan, np.nan, 2.5, np.nan, 0.0], equal_nan=True)


def test_work_item_age_errors():
    with pytest.raises(ValidationError, match=r"`as_of` must be an instant, got NaT"):
        work_item_age(["2024-01-01"], [None], as_of="NaT")
    with pytest.raises(ValidationError, match=r"`as_of` must be an instant, got None"):
        work_item_age(["2024-01-01"], [None], as_of=None)
    with pytest.raises(ValidationError, match=r"`as_of` must be one instant, got 2"):
        work_item_age(["2024-01-01"], [None], as_of=["2024-01-01", "2024-01-02"])
    with pytest.raises(ValidationError, match=r"`end` is before `start`"):
        work_item_age(["2024-01-02"], ["2024-01-01"], as_of="2024-01-03")
    with pytest.raises(TypeError, match="positional"):
        work_item_age(["2024-01-01"], [None], "2024-01-03")  # type: ignore[misc]
    with pytest.raises(TypeError, match="as_of"):
        work_item_age(["2024-01-01"], [None])  # type: ignore[call-arg]


@given(start_end_arrays(allow_unstarted=True), instant_arrays(size=1, allow_nat=False))
def test_work_item_age_matches_reference_loop(pair, as_of):
    start, end = pair
    t = as_of[0]
    got = work_item_age(start, end, as_of=t)
    for k in range(len(start)):
        s, e = start[k], end[k]
        if not np.isnat(s) and s <= t and (np.isnat(e) or e > t):
            assert got[k] == (t - s) / np.timedelta64(1, "D")
        else:
            assert np.isnan(got[k])


@pytest.mark.parametrize("kind", DAY_COUNTS)
@given(
    pair=start_end_arrays(allow_unstarted=True),
    as_of=instant_arrays(size=1, allow_nat=False),
)
def test_work_item_age_matches_reference_loop_for_every_day_count(kind, pair, as_of):
    start, end = pair
    t = as_of[0]
    got = work_item_age(start, end, as_of=t, day_count=kind, holidays=[HOLIDAY.isoformat()])
    when = _dt(t)
    for k in range(len(start)):
        s, e = _dt(start[k]), _dt(end[k])
        if s is not None and s <= when and (e is None or e > when):
            assert got[k] == pytest.approx(_days_by_hand(s, when, kind), abs=1e-9)
        else:
            assert np.isnan(got[k])


def test_work_item_age_day_count_options():
    # As of Monday 2024-01-08 12:00, an item open since Thursday 2024-01-04 09:00 has
    # aged over the business days Thursday and Friday; with Friday a holiday, Thursday
    # only; with a seven-day week, Thursday to Sunday.
    start, end = ["2024-01-04T09:00", "2024-01-01"], [None, "2024-01-02"]
    as_of = "2024-01-08T12:00"
    kw = {"as_of": as_of, "day_count": "business"}
    assert work_item_age(start, end, **kw)[0] == 2.0
    assert work_item_age(start, end, **kw, holidays=["2024-01-05"])[0] == 1.0
    assert work_item_age(start, end, **kw, weekmask="1111111")[0] == 4.0
    # A finished item has no age whatever the day count.
    for kind in DAY_COUNTS:
        assert np.isnan(work_item_age(start, end, as_of=as_of, day_count=kind)[1])


def test_work_item_age_day_count_errors_name_the_parameter():
    one = (["2024-01-01"], [None])
    with pytest.raises(
        ValidationError,
        match=r"`day_count` must be one of 'elapsed', 'exclusive', 'inclusive', 'business', "
        r"'calendar'; got 'weekdays'",
    ):
        work_item_age(*one, as_of="2024-01-03", day_count="weekdays")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"`weekmask` must be seven 0/1 characters"):
        work_item_age(*one, as_of="2024-01-03", day_count="business", weekmask="11")
    # The calendar options are checked whatever the day count, as lead_time does.
    with pytest.raises(ValidationError, match=r"`weekmask` must be seven 0/1 characters"):
        work_item_age(*one, as_of="2024-01-03", weekmask="not this")
    with pytest.raises(ValidationError, match=r"`holidays` holds text that is not an ISO 8601"):
        work_item_age(*one, as_of="2024-01-03", holidays=["soon"])
    with pytest.raises(ValidationError, match=r"`end` is before `start`"):
        work_item_age(["2024-01-02"], ["2024-01-01"], as_of="2024-01-03", day_count="inclusive")
    with pytest.raises(TypeError, match="positional"):
        work_item_age(*one, "2024-01-03", "inclusive")  # type: ignore[misc]


# --------------------------------------------------------------------------- wip


def test_wip_by_hand():
    # Items: A Jan 1 -> Jan 3, B Jan 2 -> open, C Jan 3 -> Jan 3 (zero length), D never started.
    # Jan 1: A. Jan 2 12:00: A, B. Jan 3: B (A and C finished at Jan 3, end > t fails).
    start = ["2024-01-01", "2024-01-02", "2024-01-03", None]
    end = ["2024-01-03", None, "2024-01-03", None]
    assert wip(start, end, ["2024-01-01", "2024-01-02T12:00", "2024-01-03"]).tolist() == [1, 2, 1]
    assert wip(start, end, []).tolist() == []
    assert wip([], [], ["2024-01-01"]).tolist() == [0]


def test_wip_errors():
    with pytest.raises(ValidationError, match=r"`at` must not be NaT"):
        wip(["2024-01-01"], [None], [None])
    with pytest.raises(ValidationError, match=r"`end` is before `start` in 1 row \(row 0\)"):
        wip(["2024-01-02"], ["2024-01-01"], ["2024-01-01"])


@given(start_end_arrays(allow_unstarted=True), instant_arrays(allow_nat=False, max_size=10))
def test_wip_matches_reference_loop_and_arrivals_minus_departures(pair, at):
    start, end = pair
    got = wip(start, end, at)
    assert got.dtype == np.int64
    for k, t in enumerate(at):
        in_progress = sum(
            1
            for s, e in zip(start, end, strict=True)
            if not np.isnat(s) and s <= t and (np.isnat(e) or e > t)
        )
        arrivals = sum(1 for s in start if not np.isnat(s) and s <= t)
        departures = sum(
            1
            for s, e in zip(start, end, strict=True)
            if not np.isnat(s) and not np.isnat(e) and e <= t
        )
        assert got[k] == in_progress == arrivals - departures


@given(start_end_arrays(allow_unstarted=True), instant_arrays(allow_nat=False), st.data())
def test_wip_invariant_to_row_order(pair, at, data):
    start, end = pair
    perm = _permutation(data, len(start))
    assert np.array_equal(wip(start, end, at), wip(start[perm], end[perm], at))


def test_elapsed_days_use_ns_per_day():
    got = lead_time(np.array([0], "datetime64[ns]"), np.array([NS_PER_DAY // 2], "datetime64[ns]"))
    assert got.tolist() == [0.5]


def test_time_in_state_ties_are_taken_in_state_order():
    at = ["2024-01-01", "2024-01-02", "2024-01-02"]
    a = time_in_state([0, 0, 0], [0, 1, 2], at, ["2024-01-05"], n_states=3)
    b = time_in_state([0, 0, 0], [0, 2, 1], at, ["2024-01-05"], n_states=3)
    # State 1 and 2 both entered on 01-02: state 2 (later in the workflow) holds the time.
    np.testing.assert_array_equal(a, [[1.0, 0.0, 3.0]])
    np.testing.assert_array_equal(b, a)


# --------------------------------------------------------------------------- hardening

CENTURIES_APART = (["1800-01-01", "2024-01-01"], ["2000-01-02", "2024-01-02"])


def test_spans_over_292_years_are_refused_not_wrapped():
    # Both instants are representable, but their difference in ns overflows int64.
    start, end = ["1678-01-01", "2024-01-01"], ["2261-12-31", "2024-01-02"]
    span = r"`start` and `end` are more than 292 years apart in 1 row \(row 0\)"
    with pytest.raises(ValidationError, match=span):
        lead_time(start, end)
    # Whole days cannot overflow: those day counts stay available.
    assert lead_time(start, end, day_count="exclusive").tolist() == [213_300.0, 1.0]
    assert lead_time(*CENTURIES_APART).tolist() == [73_049.0, 1.0]  # 200 years: fine
    with pytest.raises(ValidationError, match=r"`start` and `as_of` are more than 292 years"):
        work_item_age(start, [None, None], as_of="2261-12-31")
    # A finished item is not aged: its start does not matter.
    assert np.isnan(work_item_age(start, end, as_of="2261-12-31")).all()
    # Whole days cannot overflow: the ages in days stay available, as the lead times.
    age = work_item_age(start, [None, None], as_of="2261-12-31", day_count="exclusive")
    last = dt.date(2261, 12, 31)
    assert age.tolist() == [(last - dt.date(1678, 1, 1)).days, (last - dt.date(2024, 1, 1)).days]
    with pytest.raises(ValidationError, match=r"`at` and `end` are more than 292 years apart"):
        time_in_state([0, 1], [0, 0], start, end)


def test_calendar_options_are_checked_whatever_the_day_count():
    with pytest.raises(ValidationError, match=r"`weekmask` must be seven 0/1 characters"):
        lead_time(["2024-01-01"], ["2024-01-02"], weekmask=None)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"`weekmask` must be seven 0/1 characters"):
        lead_time(["2024-01-01"], ["2024-01-02"], weekmask="not this")
    with pytest.raises(ValidationError, match=r"`holidays` holds text that is not an ISO 8601"):
        lead_time(["2024-01-01"], ["2024-01-02"], holidays=["soon"])


def test_time_in_state_sizes_and_codes():
    one = (["2024-01-01"], ["2024-01-02"])
    with pytest.raises(
        ValidationError, match=r"`n_states` must be at most 10,000; got 1000000000000"
    ):
        time_in_state([0], [0], *one, n_states=10**12)
    with pytest.raises(ValidationError, match=r"`n_states` must be at most 10,000; got 9223"):
        time_in_state([0], [0], *one, n_states=2**63)
    with pytest.raises(ValidationError, match=r"`state` codes must be below 10,000"):
        time_in_state([0], [10**9], *one)
    with pytest.raises(ValidationError, match=r"`state` must lie in \[0, -1\].*\(`n_states` = 0\)"):
        time_in_state([0], [0], *one, n_states=0)
    with pytest.raises(ValidationError, match=r"`item` must lie in \[0, -1\].*0 rows of `end`"):
        time_in_state([0], [0], one[0], [])
    with pytest.raises(TypeError, match=r"`item` must hold integer codes"):
        time_in_state([0.0], [0], *one)  # a float is not an item, not even 0.0
    with pytest.raises(TypeError, match=r"`state` must hold integer codes"):
        time_in_state([0], [1.7], *one)
    with pytest.raises(ValidationError, match=r"would hold 200,000,000 cells, more than the"):
        time_in_state([0], [0], one[0], ["2024-01-02"] * 20_000, n_states=10_000)
    assert time_in_state([0], [0], *one, n_states=np.int64(3)).shape == (1, 3)

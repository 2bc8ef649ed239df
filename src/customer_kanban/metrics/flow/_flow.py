"""Flow metrics: lead time, time in state, age, WIP, cumulative flow, throughput."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from customer_kanban._core import periods as _periods
from customer_kanban._core.groups import Groups, order_by_code_then_time
from customer_kanban._core.instants import NS_PER_DAY
from customer_kanban._core.periods import Freq
from customer_kanban._core.threads import pair, split
from customer_kanban._core.types import FloatArray, InstantArray, Int64Array
from customer_kanban._core.validation import DayCount, warn_insufficient
from customer_kanban.metrics.flow._kernels import elapsed_age, elapsed_lead_time
from customer_kanban.metrics.flow._results import CumulativeFlowResult, ThroughputResult
from customer_kanban.metrics.flow._validation import (
    age_order,
    calendar_iv,
    check_cells,
    cumulative_flow_iv,
    lead_time_iv,
    lead_time_order,
    throughput_iv,
    time_in_state_iv,
    wip_iv,
    work_item_age_iv,
)

__all__ = [
    "cumulative_flow",
    "lead_time",
    "throughput",
    "time_in_state",
    "wip",
    "work_item_age",
]


_ONE_DAY = np.timedelta64(NS_PER_DAY, "ns")
_INT64_MAX = np.iinfo(np.int64).max
_INT64_MIN = np.iinfo(np.int64).min


def lead_time(
    start: npt.ArrayLike,
    end: npt.ArrayLike,
    *,
    day_count: DayCount = "elapsed",
    weekmask: str = "1111100",
    holidays: npt.ArrayLike | None = None,
) -> FloatArray:
    """Duration of each item from `start` to `end`.

    **Customer lead time** is ``lead_time(requested, delivered)``: the customer's
    view, from the request to the delivery. **System lead time** (cycle time
    through the kanban system) is ``lead_time(committed, delivered)``: from the
    commitment point to the delivery point.

    Parameters
    ----------
    start : array_like of instants, shape (n,)
        Start instant of each item (``NaT`` = unknown).
    end : array_like of instants, shape (n,)
        End instant of each item (``NaT`` = still in progress).
    day_count : {"elapsed", "exclusive", "inclusive", "calendar", "business"}, optional
        How to count days:

        * ``"elapsed"`` (default): fractional days, ``(end - start) / 1 day``;
        * ``"exclusive"``: whole calendar days between the UTC dates, same
          day = 0 (the jira-agile-metrics convention);
        * ``"inclusive"`` or ``"calendar"`` (two names of one count): the
          exclusive count + 1, so at least 1 (the ActionableAgile / Vacanti
          convention: 2018-01-03 → 2018-01-06 is 4);
        * ``"business"``: business days in ``[start date, end date)`` by
          :func:`numpy.busday_count` (same day = 0).
    weekmask : str, optional
        Business days of the week, Monday first (``"business"`` only).
    holidays : array_like of instants, optional
        Dates that are not business days (``"business"`` only).

    Returns
    -------
    numpy.ndarray of float64, shape (n,)
        Lead time of each item; NaN where `start` or `end` is ``NaT``. [days]

    Raises
    ------
    customer_kanban.errors.ValidationError
        If the lengths differ, `day_count` or `weekmask` is invalid (both
        options are checked whatever `day_count` is), some `end` is before
        its `start`, or (``"elapsed"``) an `end` is more than 292 years after
        its `start`, a span ``datetime64[ns]`` cannot subtract (the messages
        list the rows).
    TypeError
        If the inputs cannot be read as instants.

    See Also
    --------
    time_in_state : the same duration split by workflow state.

    Notes
    -----
    Dates are UTC calendar dates. Every day count is NaN for unfinished items;
    censoring-aware summaries take ``as_of`` explicitly elsewhere.

    Examples
    --------
    >>> start = ["2018-01-03T09:00", "2018-01-03T09:00", "2018-01-05"]
    >>> end = ["2018-01-06T21:00", "2018-01-03T10:00", None]
    >>> lead_time(start, end)
    array([3.5       , 0.04166667,        nan])
    >>> lead_time(start, end, day_count="exclusive")
    array([ 3.,  0., nan])
    >>> lead_time(start, end, day_count="inclusive")
    array([ 4.,  1., nan])
    >>> lead_time(start, end, day_count="business")  # Wed → Sat: Wed, Thu, Fri
    array([ 3.,  0., nan])
    """
    s, e, kind, calendar = lead_time_iv(start, end, day_count, weekmask, holidays, order=False)
    if kind == "elapsed":
        days = elapsed_lead_time(s, e)  # checked as computed
        if days is None:
            lead_time_order(s, e, kind)  # raises, naming the rows
        calendar_iv(kind, weekmask, holidays)  # checked whatever the day count
        if days is not None:
            return days
    return _days(s, e, kind, calendar)


def _days(
    s: InstantArray, e: InstantArray, kind: str, calendar: np.busdaycalendar | None
) -> FloatArray:
    """Days from `s` to `e` counted as `kind` (a :data:`DayCount`); NaN where either is NaT.

    The one day count of :func:`lead_time` and :func:`work_item_age`."""
    if kind == "elapsed":
        # timedelta / timedelta: float64 days with NaT -> NaN in one pass (as days_between).
        out: FloatArray = (e - s) / _ONE_DAY
        return out
    start_day = s.astype("datetime64[D]")
    end_day = e.astype("datetime64[D]")
    if kind == "business":
        assert calendar is not None
        missing = np.isnat(start_day) | np.isnat(end_day)
        start_day[missing] = end_day[missing] = np.datetime64(0, "D")
        out = np.busday_count(start_day, end_day, busdaycal=calendar).astype(np.float64)
        out[missing] = np.nan
        return out
    out = (end_day - start_day) / np.timedelta64(1, "D")
    if kind in ("inclusive", "calendar"):  # two names of one count
        out += 1.0
    return out


def time_in_state(
    item: npt.ArrayLike,
    state: npt.ArrayLike,
    at: npt.ArrayLike,
    end: npt.ArrayLike,
    *,
    n_states: int | None = None,
) -> FloatArray:
    """Time each item spent in each workflow state, from its transitions.

    Parameters
    ----------
    item : array_like of int, shape (m,)
        Item of each transition, a code in ``0..n_items-1``.
    state : array_like of int, shape (m,)
        State entered by each transition, a code in ``0..n_states-1``.
    at : array_like of instants, shape (m,)
        Instant of each transition (no ``NaT``).
    end : array_like of instants, shape (n_items,)
        End of each item (delivery or exit); ``NaT`` = still in progress.
    n_states : int, optional
        Number of states (default: the largest state code + 1), at most
        10,000.

    Returns
    -------
    numpy.ndarray of float64, shape (n_items, n_states)
        Days spent in each state: a row of NaN for an item whose `end` is
        ``NaT``, a row of 0 for an item without transitions. [days]

    Raises
    ------
    customer_kanban.errors.ValidationError
        If the lengths differ, codes are out of range or `at` holds ``NaT``;
        if `n_states` (or the largest state code + 1) exceeds 10,000, or the
        result (rows of `end` × `n_states`) would exceed 2**27 cells (1 GiB);
        or if a transition is more than 292 years from its item's `end` (a
        span ``datetime64[ns]`` cannot subtract).
    TypeError
        If a code array does not hold integers (``1.7`` is not an item), or
        `n_states` is not an integer.

    Notes
    -----
    Transitions need not be sorted: they are ordered by (item, `at`), ties
    keeping their input order. Each transition's interval runs from its `at`
    to the item's next transition, or to ``end[item]`` for the last one, and
    time after ``end[item]`` is not counted. Repeated visits to a state add up:
    backward moves are history, not wiped.  Entries of one item at the same
    instant are taken in workflow order (by state code), whatever the row order.

    For an item whose first transition is at its start instant, the row sums
    to ``lead_time(first at, end)``.

    Examples
    --------
    Item 0 goes todo (0) → doing (1) → todo → doing and ends; item 1 is still
    in progress; item 2 has no transitions.

    >>> item = [0, 0, 0, 0, 1]
    >>> state = [0, 1, 0, 1, 0]
    >>> at = ["2024-01-01", "2024-01-02", "2024-01-04", "2024-01-05", "2024-01-01"]
    >>> end = ["2024-01-08", None, "2024-01-03"]
    >>> time_in_state(item, state, at, end)
    array([[ 2.,  5.],
           [nan, nan],
           [ 0.,  0.]])
    """
    it, st, a, e, n_st = time_in_state_iv(item, state, at, end, n_states)
    n_items = len(e)
    times = a.view(np.int64)
    order = order_by_code_then_time(it, n_items, times)
    if order is not None:
        it, st, times = it[order], st[order], times[order]
    if len(it) > 1:
        tied = (it[1:] == it[:-1]) & (times[1:] == times[:-1])
        if tied.any():
            # Entries of one item at the same instant: the later workflow state counts as
            # entered last, so the result does not depend on the order of the rows.
            order = np.lexsort((st, times, it))
            it, st, times = it[order], st[order], times[order]
    open_ = np.isnat(e)
    item_end = np.where(open_, 0, e.view(np.int64))[it]  # open rows become NaN below
    stop = np.empty_like(times)
    stop[:-1] = times[1:]
    last = np.ones(len(it), dtype=bool)
    last[:-1] = it[1:] != it[:-1]
    np.minimum(stop, item_end, out=stop)
    stop[last] = item_end[last]
    stop -= times
    np.maximum(stop, 0, out=stop)
    flat = it * n_st
    flat += st
    out = np.bincount(flat, weights=stop, minlength=n_items * n_st).astype(np.float64, copy=False)
    out = out.reshape(n_items, n_st)
    out /= NS_PER_DAY
    out[open_] = np.nan
    return out


def work_item_age(
    start: npt.ArrayLike,
    end: npt.ArrayLike,
    *,
    as_of: object,
    day_count: DayCount = "elapsed",
    weekmask: str = "1111100",
    holidays: npt.ArrayLike | None = None,
) -> FloatArray:
    """Age of each unfinished item at `as_of`.

    The age is the span from `start` to `as_of`, counted as :func:`lead_time`
    counts the span from `start` to `end` (same `day_count` options, same
    rules): an item's age is its lead time had it finished at `as_of`.

    Parameters
    ----------
    start : array_like of instants, shape (n,)
        Start (typically commitment) instant of each item; ``NaT`` = not started.
    end : array_like of instants, shape (n,)
        End instant of each item; ``NaT`` = in progress.
    as_of : instant
        The instant at which ages are measured (keyword-only, required: never
        "today").
    day_count : {"elapsed", "exclusive", "inclusive", "calendar", "business"}, optional
        How to count days, as in :func:`lead_time`:

        * ``"elapsed"`` (default): fractional days, ``(as_of - start) / 1 day``;
        * ``"exclusive"``: whole calendar days between the UTC dates of
          `start` and `as_of`, started the same day = 0 (jira-agile-metrics'
          aging WIP);
        * ``"inclusive"``: the exclusive count + 1, so at least 1 (the
          ActionableAgile / Vacanti convention);
        * ``"business"``: business days in ``[start date, as_of date)`` by
          :func:`numpy.busday_count` (started the same day = 0).
    weekmask : str, optional
        Business days of the week, Monday first (``"business"`` only).
    holidays : array_like of instants, optional
        Dates that are not business days (``"business"`` only).

    Returns
    -------
    numpy.ndarray of float64, shape (n,)
        The age of items started at or before `as_of` and not finished by then
        (`end` is ``NaT`` or after `as_of`); NaN for finished and not-yet-started
        items. [days]

    Raises
    ------
    customer_kanban.errors.ValidationError
        If the lengths differ, `as_of` is not one instant, `day_count` or
        `weekmask` is invalid (both options are checked whatever `day_count`
        is), some `end` is before its `start`, or (``"elapsed"``) an item in
        progress started more than 292 years before `as_of` (a span
        ``datetime64[ns]`` cannot subtract).
    TypeError
        If the inputs cannot be read as instants.

    See Also
    --------
    lead_time : the same count from `start` to `end`, for finished items.

    Notes
    -----
    Dates are UTC calendar dates.

    Examples
    --------
    As of Monday 2024-01-08 09:00: an item started on Friday 17:00, one started
    an hour earlier, a finished item and one not started yet.

    >>> start = ["2024-01-05T17:00", "2024-01-08T08:00", "2024-01-01", None]
    >>> end = [None, None, "2024-01-05", None]
    >>> as_of = "2024-01-08T09:00"
    >>> work_item_age(start, end, as_of=as_of)
    array([2.66666667, 0.04166667,        nan,        nan])
    >>> work_item_age(start, end, as_of=as_of, day_count="exclusive")
    array([ 3.,  0., nan, nan])
    >>> work_item_age(start, end, as_of=as_of, day_count="inclusive")
    array([ 4.,  1., nan, nan])
    >>> work_item_age(start, end, as_of=as_of, day_count="business")  # Friday only
    array([ 1.,  0., nan, nan])
    """
    s, e, t, kind, calendar = work_item_age_iv(
        start, end, as_of, day_count, weekmask, holidays, order=False
    )
    if kind == "elapsed":
        age = elapsed_age(s, e, t)  # checked as computed
        if age is None:
            age_order(s, e, t, kind)  # raises, naming the rows
        calendar_iv(kind, weekmask, holidays)  # checked whatever the day count
        if age is not None:
            return age
    active = (s <= t) & ~(e <= t)  # NaT compares False: unknown start excluded, open end kept
    # The span from start to `as_of` where active; a NaT end elsewhere gives NaN.
    return _days(s, np.where(active, t, np.datetime64("NaT", "ns")), kind, calendar)


def wip(start: npt.ArrayLike, end: npt.ArrayLike, at: npt.ArrayLike) -> Int64Array:
    """Work in progress at each instant of `at`.

    Parameters
    ----------
    start : array_like of instants, shape (n,)
        Start (commitment) instant of each item; ``NaT`` = never started, never
        counted.
    end : array_like of instants, shape (n,)
        End (delivery) instant; ``NaT`` = still in progress.
    at : array_like of instants, shape (k,)
        Instants at which to count (no ``NaT``).

    Returns
    -------
    numpy.ndarray of int64, shape (k,)
        Items with ``start <= t`` and (``end`` is ``NaT`` or ``end > t``).

    Raises
    ------
    customer_kanban.errors.ValidationError
        If the lengths differ, `at` holds ``NaT`` or some `end` is before its
        `start`.

    Notes
    -----
    ``wip(t)`` = arrivals up to `t` − departures up to `t`. When `at` is evenly
    spaced and increasing (a daily grid, say), each start and end is put in the bin of
    the first instant at or after it by one integer division, the bins counted and
    summed up (no sort, on every core); otherwise arrivals and departures are counted
    with one binary search in the sorted starts and ends.  Both give the same counts.

    Examples
    --------
    >>> start = ["2024-01-01", "2024-01-02", "2024-01-03", None]
    >>> end = ["2024-01-03", None, "2024-01-03", None]
    >>> wip(start, end, ["2024-01-01", "2024-01-02T12:00", "2024-01-03"])
    array([1, 2, 1])
    """
    s, e, t = wip_iv(start, end, at)
    grid = _even_grid(t.view(np.int64))
    if grid is not None:
        return _grid_wip(s.view(np.int64), e.view(np.int64), *grid)

    def sorted_starts() -> Int64Array:
        values: Int64Array = s.view(np.int64)[~np.isnat(s)]
        values.sort()
        return values

    def sorted_ends() -> Int64Array:
        values: Int64Array = e.view(np.int64)[~np.isnat(s) & ~np.isnat(e)]
        values.sort()
        return values

    starts, ends = pair(sorted_starts, sorted_ends, size=s.size)  # two sorts, two cores
    tv = t.view(np.int64)
    out = np.searchsorted(starts, tv, side="right").astype(np.int64)
    out -= np.searchsorted(ends, tv, side="right")
    return out


def _even_grid(t: Int64Array) -> tuple[int, int, int] | None:
    """``(first, step, count)`` of instants evenly spaced and increasing, with room for a
    step on either side within int64 and the offsets of the grid plus a step (the bins'
    numerators, up to ``(count + 1) * step``) within int64; None for any other `t`."""
    if t.size < 2:
        return None
    first, step = int(t[0]), int(t[1]) - int(t[0])
    last = first + (t.size - 1) * step
    if step <= 0 or first - step <= _INT64_MIN or last + step > _INT64_MAX:
        return None
    if (t.size + 1) * step > _INT64_MAX:  # a grid over ~292 years: the sorted path
        return None
    if not (np.diff(t) == step).all():
        return None
    return first, step, int(t.size)


def _grid_wip(s: Int64Array, e: Int64Array, first: int, step: int, count: int) -> Int64Array:
    """:func:`wip` at ``first + j * step`` for ``j < count``: starts (and the ends of
    started items) binned by the first instant at or after them, counted block by block on
    every core, then summed up: ``#(start <= t_j) - #(end <= t_j)``."""
    width = count + 1  # bin `count`: after the last instant, or unknown: never counted
    block = max(_BIN_BLOCK, 4 * width)
    low, high = np.int64(first - step), np.int64(first + count * step)

    def bins(x: Int64Array, known: npt.NDArray[np.bool_]) -> Int64Array:
        k = np.clip(x, low, high)  # no overflow below; beyond the grid: bin `count`
        k -= np.int64(first - step + 1)
        k //= np.int64(step)  # ceil((x - first) / step): the first instant at or after x
        np.clip(k, 0, count, out=k)
        k[np.flatnonzero(~known)] = count  # by position: faster than a masked write
        return k

    def part(start: int, stop: int) -> Int64Array:
        out = np.zeros(2 * width, np.int64)
        for lo in range(start, stop, block):
            hi = min(lo + block, stop)
            started = s[lo:hi] != _INT64_MIN
            out[:width] += np.bincount(bins(s[lo:hi], started), minlength=width)
            started &= e[lo:hi] != _INT64_MIN
            out[width:] += np.bincount(bins(e[lo:hi], started), minlength=width)
        return out

    counts = np.sum(split(part, s.size, min_slice=_BIN_BLOCK), axis=0)
    arrived = np.cumsum(counts[: width - 1])
    arrived -= np.cumsum(counts[width : 2 * width - 1])
    return arrived


def _window(
    lo: np.datetime64 | None, hi: np.datetime64 | None, data_lo: int | None, data_hi: int | None
) -> tuple[int, int] | None:
    """Bounds (int64 ns) of the period window; missing bounds come from the data."""
    lo_ns = None if lo is None else int(np.int64(lo.astype("datetime64[ns]").view(np.int64)))
    hi_ns = None if hi is None else int(np.int64(hi.astype("datetime64[ns]").view(np.int64)))
    if lo_ns is None and hi_ns is None:
        if data_lo is None or data_hi is None:
            return None
        return data_lo, data_hi
    if lo_ns is None:
        assert hi_ns is not None
        lo_ns = hi_ns if data_lo is None else min(data_lo, hi_ns)
    if hi_ns is None:
        hi_ns = lo_ns if data_hi is None else max(data_hi, lo_ns)
    return lo_ns, hi_ns


def _data_range(ns: Int64Array, needed: bool = True) -> tuple[int | None, int | None]:
    """First and last known instant (int64 ns; NaT is the int64 minimum)."""
    if not needed or ns.size == 0:
        return None, None
    ns = ns.reshape(-1)  # the instants of every column of a matrix too

    def part(start: int, stop: int) -> tuple[int, int]:
        lo, hi = _INT64_MAX, _INT64_MIN
        for a in range(start, stop, _BIN_BLOCK):
            block = ns[a : min(stop, a + _BIN_BLOCK)]
            top = int(block.max())
            if top == _INT64_MIN:  # all NaT
                continue
            low = int(block.min())
            if low == _INT64_MIN:  # a NaT: the smallest known value, this block only
                low = int(block[block != _INT64_MIN].min())
            lo, hi = min(lo, low), max(hi, top)
        return lo, hi

    ranges = split(part, ns.size)
    hi = max(r[1] for r in ranges)
    if hi == _INT64_MIN:  # all NaT
        return None, None
    return min(r[0] for r in ranges), hi


def _periods_of(
    ns: Int64Array, since: np.datetime64 | None, until: np.datetime64 | None, freq: str
) -> tuple[int, int] | None:
    """Ordinals of the first and last period of the window (``None``: no period at all)."""
    window = _window(since, until, *_data_range(ns, since is None or until is None))
    if window is None:
        return None
    first = _periods.ordinal(np.datetime64(window[0], "ns"), freq)
    last = _periods.ordinal(np.datetime64(window[1], "ns"), freq)
    return first, last


def cumulative_flow(
    entered: npt.ArrayLike,
    *,
    freq: Freq = "D",
    since: object = None,
    until: object = None,
    states: npt.ArrayLike | None = None,
    by: object = None,
) -> CumulativeFlowResult:
    """Cumulative arrivals per workflow state and period (cumulative flow diagram).

    Parameters
    ----------
    entered : array_like of instants, shape (n_items, n_states)
        First entry of each item into each state, states in workflow order
        (``NaT`` = never entered).
    freq : {"D", "W", "M"}, optional
        Period: calendar day, week starting on Monday, or calendar month (UTC).
    since, until : instant, optional
        The window: whole periods from the one holding `since` to the one
        holding `until`. Default: the first and last instant in `entered`.
    states : array_like, shape (n_states,), optional
        State labels (default ``"0"``, ``"1"``, ...).
    by : array_like or tuple, optional
        Groups of the items (class of service, customer, ...): labels, integer
        codes or ``(codes, labels)``; see :mod:`customer_kanban.metrics`.
        Items in no group are left out.

    Returns
    -------
    CumulativeFlowResult
        ``counts[g, p, s]`` = items of group `g` that arrived in state `s` by
        the end of period `p` (shape (G, P, S), int64; G = 1, group ``"all"``,
        without `by`), with the group labels, period start instants and state
        labels.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If `entered` is not two-dimensional, `freq` is unknown, `until` is
        before `since`, `states` does not match the columns, `by` does not
        match the rows, or the result (groups × periods × states) would
        exceed 2**27 cells (1 GiB).

    Warns
    -----
    InsufficientDataWarning
        If `entered` holds no instant and neither `since` nor `until` is
        given: the result then has no periods (P = 0).

    Notes
    -----
    An item counts as arrived in state `s` at the earliest of its entries into
    `s` or any later state, so skipped states are back-filled (as in
    jira-agile-metrics). Counts are cumulative arrivals: bands never decrease
    over time and ``counts[:, :, s] >= counts[:, :, s + 1]``. Items that
    arrived before `since` are counted from the first period on. The window
    comes from all items, grouped or not, so every group shares the periods.
    Cost: one ``np.bincount`` per state over (group, period) cells.

    Examples
    --------
    Three items over three states (todo, doing, done); the second skipped
    "doing" and the third has not started "doing" yet.

    >>> entered = [["2024-01-01", "2024-01-02", "2024-01-03"],
    ...            ["2024-01-01", None,         "2024-01-02"],
    ...            ["2024-01-02", None,         None]]
    >>> cfd = cumulative_flow(entered, states=["todo", "doing", "done"])
    >>> cfd.counts[0]
    array([[2, 0, 0],
           [3, 2, 1],
           [3, 2, 2]])
    >>> cfd.wip("doing", "done")
    array([[0, 1, 0]])

    Per class of service:

    >>> cfd = cumulative_flow(entered, by=["expedite", "standard", "standard"])
    >>> cfd.groups, cfd.counts.shape
    (array(['expedite', 'standard'], dtype='<U8'), (2, 3, 3))
    >>> cfd.counts[1]
    array([[1, 0, 0],
           [2, 1, 1],
           [2, 1, 1]])
    """
    m, f, lo, hi, labels, groups = cumulative_flow_iv(entered, freq, since, until, states, by)
    n_states = m.shape[1]
    window = _periods_of(m.view(np.int64), lo, hi, f)
    if window is None:
        warn_insufficient(
            "`entered` holds no instant and no `since`/`until` was given: "
            "the cumulative flow has no periods"
        )
        return CumulativeFlowResult(
            groups=groups.labels,
            periods=np.zeros(0, dtype="datetime64[ns]"),
            states=labels,
            counts=np.zeros((groups.size, 0, n_states), dtype=np.int64),
        )
    first, last = window
    check_cells(
        groups.size * (last - first + 1) * n_states,
        what="the cumulative flow (groups × periods × states)",
        names="the window (`since`, `until`), coarsen `freq` or use fewer groups (`by`)",
    )
    return CumulativeFlowResult(
        groups=groups.labels,
        periods=_periods.period_starts(first, last, f),
        states=labels,
        counts=_cumulative_counts(_arrivals(m), groups, first, last, f),
    )


def _arrivals(entered: npt.NDArray[np.datetime64]) -> Int64Array:
    """Arrival (int64 ns) of each item in each state, back-filled, shape (S, n).

    Arrival in `s` = the earliest entry into `s` or any later state; never = int64 max.
    """
    n_items, n_states = entered.shape
    arrived = np.empty((n_states, n_items), dtype=np.int64)
    np.copyto(arrived, entered.view(np.int64).T)
    arrived[np.isnat(entered).T] = _INT64_MAX
    for s in range(n_states - 2, -1, -1):
        np.minimum(arrived[s], arrived[s + 1], out=arrived[s])
    return arrived


def _cumulative_counts(
    arrived: Int64Array, groups: Groups, first: int, last: int, freq: str
) -> Int64Array:
    """Cumulative arrivals per (group, period, state) from the back-filled arrivals."""
    n_states = arrived.shape[0]
    n_periods = last - first + 1
    width = n_periods + 1  # the last bin collects arrivals after the window (dropped)
    counts = np.empty((groups.size, n_periods, n_states), dtype=np.int64)
    never_beyond = last < _periods.ordinals(np.array([_INT64_MAX]), freq)[0]
    for s in range(n_states):  # a handful of states; one bincount each
        col = arrived[s]
        # "Never arrived" (int64 max) lands after the window like late arrivals.
        keep = None if never_beyond else col != _INT64_MAX
        idx = _periods.ordinals(col if keep is None else col[keep], freq)
        idx -= first
        np.clip(idx, 0, n_periods, out=idx)  # before the window: period 0; after: dropped
        if groups.codes is None:
            binned = np.bincount(idx, minlength=width)[np.newaxis, :n_periods]
        else:
            # Rows in no group have code G: their cells fall after the G kept rows.
            flat = groups.codes * width if keep is None else groups.codes[keep] * width
            flat += idx
            binned = np.bincount(flat, minlength=(groups.size + 1) * width)
            binned = binned.reshape(groups.size + 1, width)[: groups.size, :n_periods]
        np.cumsum(binned, axis=1, out=counts[:, :, s])
    return counts


def _binned(
    ns: npt.NDArray[np.int64],
    freq: str,
    first: int,
    n_periods: int,
    codes: npt.NDArray[Any] | None,
    size: int,
) -> npt.NDArray[np.int64]:
    """Counts per (group, period bin): bin 0 before the window, 1..P in it, P + 1 after it.

    Slices on a thread per core, each walked in cache-sized blocks: no temporary the
    size of `ns`, and the same counts whatever the number of threads.
    """
    width = n_periods + 2
    n_bins = width if codes is None else (size + 1) * width
    # NaT's ordinal is the smallest of all: bin 0, unless the window starts in 1677.
    nat_in_window = first <= _periods.ordinals(np.array([_INT64_MIN]), freq)[0]
    block = max(_BIN_BLOCK, 4 * n_bins)

    def part(start: int, stop: int) -> npt.NDArray[np.int64]:
        out = np.zeros(n_bins, np.int64)
        for lo in range(start, stop, block):
            hi = min(lo + block, stop)
            idx = _periods.ordinals(ns[lo:hi], freq)
            idx -= first - 1
            if nat_in_window:
                idx[ns[lo:hi] == _INT64_MIN] = 0
            np.clip(idx, 0, n_periods + 1, out=idx)
            if codes is not None:
                idx += codes[lo:hi] * width
            out += np.bincount(idx, minlength=n_bins)
        return out

    parts = split(part, ns.size)
    total: npt.NDArray[np.int64] = np.sum(parts, axis=0) if len(parts) > 1 else parts[0]
    return total


#: Instants per block of :func:`_binned`.
_BIN_BLOCK = 1 << 16


def throughput(
    end: npt.ArrayLike,
    *,
    freq: Freq = "D",
    since: object = None,
    until: object = None,
    by: object = None,
) -> ThroughputResult:
    """Items delivered per period (and per group).

    Parameters
    ----------
    end : array_like of instants, shape (n,)
        Delivery instant of each item; ``NaT`` (not delivered) is ignored.
    freq : {"D", "W", "M"}, optional
        Period: calendar day, week starting on Monday, or calendar month (UTC).
    since, until : instant, optional
        The window: whole periods from the one holding `since` to the one
        holding `until`. Default: the first and last delivery.
    by : array_like or tuple, optional
        Groups (e.g. class of service, customer): labels, integer codes or
        ``(codes, labels)``; see :mod:`customer_kanban.metrics`.

    Returns
    -------
    ThroughputResult
        ``counts[g, p]`` (shape (G, P), int64), periods without deliveries
        included, with the group labels and period start instants.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If `freq` is not "D", "W" or "M", `until` is before `since`, `by`
        does not match `end`, or the result (groups × periods) would exceed
        2**27 cells (1 GiB).

    Warns
    -----
    InsufficientDataWarning
        If there is no delivery and neither `since` nor `until` is given: the
        result then has no periods (P = 0).

    Notes
    -----
    Deliveries outside the window are left out, so ``counts.sum()`` equals the
    number of deliveries in the window (in some group).

    Examples
    --------
    >>> end = ["2024-01-01T10:00", "2024-01-01T17:00", "2024-01-03", None]
    >>> tp = throughput(end)
    >>> tp.periods
    array(['2024-01-01T00:00:00.000000000', '2024-01-02T00:00:00.000000000',
           '2024-01-03T00:00:00.000000000'], dtype='datetime64[ns]')
    >>> tp.counts
    array([[2, 0, 1]])
    >>> throughput(end, by=["expedite", "standard", "standard", "standard"]).counts
    array([[1, 0, 0],
           [1, 0, 1]])
    """
    e, f, lo, hi, groups = throughput_iv(end, freq, since, until, by)
    ns = e.view(np.int64)
    window = _periods_of(ns, lo, hi, f)
    if window is None:
        warn_insufficient(
            "`end` holds no delivery and no `since`/`until` was given: "
            "the throughput has no periods"
        )
        return ThroughputResult(
            groups=groups.labels,
            periods=np.zeros(0, dtype="datetime64[ns]"),
            counts=np.zeros((groups.size, 0), dtype=np.int64),
        )
    first, last = window
    n_periods = last - first + 1
    check_cells(
        groups.size * n_periods,
        what="the throughput (groups × periods)",
        names="the window (`since`, `until`), coarsen `freq` or use fewer groups (`by`)",
    )
    # Bin 0 collects deliveries before the window (NaT's ordinal is the smallest
    # of all), bins 1..P the window, bin P+1 those after it: no masks, no copies.
    width = n_periods + 2
    counts = _binned(ns, f, first, n_periods, groups.codes, groups.size)
    counts = counts.reshape(-1, width)[: 1 if groups.codes is None else groups.size, 1:-1]
    return ThroughputResult(
        groups=groups.labels,
        periods=_periods.period_starts(first, last, f),
        counts=counts.astype(np.int64),
    )

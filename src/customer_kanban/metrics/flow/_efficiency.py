"""Efficiency metrics: flow efficiency and blocked time."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from customer_kanban._core.groups import ratio, sort_key_by_code_then_time
from customer_kanban._core.instants import NS_PER_DAY
from customer_kanban._core.types import FloatArray
from customer_kanban.metrics.flow._validation import blocked_time_iv, flow_efficiency_iv

__all__ = ["blocked_time", "flow_efficiency"]


def flow_efficiency(time_in_state: npt.ArrayLike, active: npt.ArrayLike) -> FloatArray:
    """Share of each item's time spent in active (work) states.

    Parameters
    ----------
    time_in_state : array_like of float, shape (n_items, n_states)
        Days per item and state, as returned by :func:`time_in_state`. [days]
    active : array_like of bool, shape (n_states,), or array_like of int
        Which states are active (as named by the policy): a boolean mask, or
        the codes of the active states.

    Returns
    -------
    numpy.ndarray of float64, shape (n_items,)
        Time in active states / time in all states, in [0, 1]; NaN where the
        total is 0 or NaN (e.g. items still in progress).

    Raises
    ------
    customer_kanban.errors.ValidationError
        If `active` does not match the states or a time is negative.

    Examples
    --------
    States: queue (0), work (1), wait (2), review (3).

    >>> tis = [[2.0, 3.0, 4.0, 1.0],
    ...        [np.nan, np.nan, np.nan, np.nan],
    ...        [0.0, 0.0, 0.0, 0.0]]
    >>> flow_efficiency(tis, [False, True, False, True])
    array([0.4, nan, nan])
    >>> flow_efficiency(tis, [1, 3])
    array([0.4, nan, nan])
    """
    tis, weights = flow_efficiency_iv(time_in_state, active)
    total = tis.sum(axis=1)
    worked = tis @ weights
    return ratio(worked, total)


def blocked_time(
    item: npt.ArrayLike,
    start: npt.ArrayLike,
    end: npt.ArrayLike,
    *,
    n_items: int,
    as_of: object = None,
) -> FloatArray:
    """Days each item spent blocked, from its blocked intervals.

    Parameters
    ----------
    item : array_like of int, shape (m,)
        Item of each blocked interval, a code in ``0..n_items-1``.
    start : array_like of instants, shape (m,)
        Start of each blocked interval (no ``NaT``).
    end : array_like of instants, shape (m,)
        End of each blocked interval; ``NaT`` = still blocked (runs to `as_of`).
    n_items : int
        Number of items (length of the result), at most 2**27.
    as_of : instant, optional
        Required when some interval is open. When given, every interval is
        cut at `as_of`: time after it is not counted.

    Returns
    -------
    numpy.ndarray of float64, shape (n_items,)
        Blocked days per item; overlapping intervals of the same item count
        once (their union); 0 for items never blocked. [days]

    Raises
    ------
    customer_kanban.errors.ValidationError
        If codes are out of range, lengths differ, `start` holds ``NaT``, an
        `end` is before its `start`, an interval is open without `as_of`, or
        an interval (an open one: to `as_of`) lasts more than 292 years, a
        span ``datetime64[ns]`` cannot subtract (the messages list the
        rows); if `n_items` is negative or above 2**27 (a 1 GiB result).
    TypeError
        If `item` does not hold integer codes (``1.7`` is not an item) or
        `n_items` is not an integer.

    Notes
    -----
    One sort of the interval boundaries by (item, instant); a running count
    of open intervals marks the blocked stretches, summed per item with
    ``np.bincount``.

    Examples
    --------
    Item 0 has two overlapping blocks (Jan 1–3 and Jan 2–5: 4 days in all);
    item 2 is still blocked since Jan 9.

    >>> item = [0, 0, 2]
    >>> start = ["2024-01-01", "2024-01-02", "2024-01-09"]
    >>> end = ["2024-01-03", "2024-01-05", None]
    >>> blocked_time(item, start, end, n_items=3, as_of="2024-01-10T12:00")
    array([4. , 0. , 1.5])
    """
    it, s, e, n, t = blocked_time_iv(item, start, end, n_items, as_of)
    m = len(it)
    starts = s.view(np.int64)
    ends = e.view(np.int64)
    if t is not None:
        cut = int(t.view(np.int64))
        ends = np.where(np.isnat(e), cut, ends)
        np.minimum(ends, cut, out=ends)
        starts = np.minimum(starts, cut)
    times = np.concatenate((starts, ends))
    codes = np.concatenate((it, it))
    packed = sort_key_by_code_then_time(codes, n, times, low_bits=1)
    if packed is not None:
        key, _, step, width = packed
        key[:m] |= 1  # starts sort after ends at the same instant
        key.sort()
        opens = (key & 1).astype(bool)
        key >>= 1
        sorted_codes = key // width
        key -= sorted_codes * width
        instants = key  # (instant - t0) // step
    else:  # the packed key would overflow: sort the pair instead
        step = 1
        flags = np.zeros(2 * m, dtype=np.int8)
        flags[:m] = 1
        order = np.lexsort((flags, times, codes))
        opens = flags[order].astype(bool)
        sorted_codes = codes[order]
        instants = times[order]
    depth = np.cumsum(np.where(opens, 1, -1))
    gaps = np.diff(instants).astype(np.float64)
    gaps *= step
    gaps[depth[:-1] <= 0] = 0.0
    out = np.bincount(sorted_codes[:-1], weights=gaps, minlength=n).astype(np.float64)
    out /= NS_PER_DAY
    return out

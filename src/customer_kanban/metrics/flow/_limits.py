"""WIP limits and capacity allocation: when a state or a class of service held too much work.

Two policies a replenishment meeting and an operations review check against the
data (research notes §3.3):

* **WIP limits** per workflow state: :func:`wip_breaches` sweeps the exact WIP
  step function of each state (one +1 per entry, one -1 per exit, sorted,
  cumulated; no time grid) and reports the intervals where it exceeded the
  limit, their count and total duration, and the maximum and time-weighted
  mean WIP.
* **Capacity allocation** per class of service ("at most 10 % of WIP
  expedite"): :func:`allocation` gives each class's share of the work in
  progress over time beside its policy share, and the intervals where a class
  held more than its share.

Conventions shared by both functions:

* An item is in a state (or in the system) from its entry instant **included**
  to its exit instant **excluded**: ``entered <= t < left``, as
  :func:`~customer_kanban.metrics.wip` counts. ``NaT`` entry = never entered
  (the item is not counted, whatever its exit); ``NaT`` exit = still there.
* All entries and exits at one instant are applied together and the WIP at
  that instant is the value after all of them (the step function is
  right-continuous). An exit and an entry at the same instant therefore never
  make a momentary breach: in effect the **exit counts first**. An item that
  enters and leaves at the same instant is never counted.
* ``as_of`` ends the observation: entries after it are ignored and exits after
  it are treated as "not left yet". Without ``as_of`` the observation ends at
  the latest instant in the data (never "today"). A breach still running at
  ``as_of`` has ``end = NaT``; its duration runs to ``as_of``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from customer_kanban._core.groups import factorize, sort_key_by_code_then_time
from customer_kanban._core.instants import NS_PER_DAY
from customer_kanban._core.results import Result, result
from customer_kanban._core.types import (
    BoolArray,
    FloatArray,
    InstantArray,
    Int64Array,
    IntpArray,
    LabelArray,
)
from customer_kanban._core.validation import (
    as_instants,
    as_optional_instant_scalar,
    check_no_nat,
    warn_insufficient,
)
from customer_kanban.errors import ValidationError, describe_rows

__all__ = ["AllocationResult", "BreachResult", "ShareBreaches", "allocation", "wip_breaches"]


_NAT_NS = np.iinfo(np.int64).min  # NaT viewed as int64
_INT64_MAX = np.iinfo(np.int64).max
_NAT: np.datetime64 = np.datetime64("NaT", "ns")


# --------------------------------------------------------------------------- results


@result
class BreachResult(Result):
    """WIP per workflow state against its WIP limit.

    The breach intervals form a long table (one row per interval, ``K`` rows):
    ``state``, ``start``, ``end``, ``days`` and ``peak``, sorted by state and
    then by start. Per state (``S`` states) come the summaries.

    Attributes
    ----------
    states : numpy.ndarray, shape (S,)
        State labels in workflow order.
    limits : numpy.ndarray of float64, shape (S,)
        WIP limit of each state; NaN = no limit. A breach is WIP **above** the
        limit (a limit of 3 allows 3 items).
    first_event : numpy.datetime64
        The earliest entry into any state (at or before `as_of`): the start of
        the observation; ``NaT`` when there is none.
    as_of : numpy.datetime64
        The end of the observation; ``NaT`` when the data hold no instant and
        none was given.
    count : numpy.ndarray of int64, shape (S,)
        Breach intervals per state.
    duration : numpy.ndarray of float64, shape (S,)
        Total time in breach per state, open intervals counted to `as_of`.
        [days]
    max_wip : numpy.ndarray of int64, shape (S,)
        Highest WIP of each state over the observation.
    max_at : numpy.ndarray of datetime64[ns], shape (S,)
        First instant at which `max_wip` was reached; ``NaT`` where the state
        never held an item.
    mean_wip : numpy.ndarray of float64, shape (S,)
        Time-weighted mean WIP over ``[first_event, as_of]`` (the same window
        for every state, so the means add up across states); NaN when that
        window has no length.
    state : numpy.ndarray of int64, shape (K,)
        Position in `states` of each breach interval.
    start : numpy.ndarray of datetime64[ns], shape (K,)
        Instant at which the WIP rose above the limit.
    end : numpy.ndarray of datetime64[ns], shape (K,)
        Instant at which it fell back to the limit or below; ``NaT`` if still
        in breach at `as_of`.
    days : numpy.ndarray of float64, shape (K,)
        Length of each interval, to `as_of` when it is open. [days]
    peak : numpy.ndarray of int64, shape (K,)
        Highest WIP during each interval.
    """

    states: LabelArray
    limits: FloatArray
    first_event: np.datetime64
    as_of: np.datetime64
    count: Int64Array
    duration: FloatArray
    max_wip: Int64Array
    max_at: InstantArray
    mean_wip: FloatArray
    state: Int64Array
    start: InstantArray
    end: InstantArray
    days: FloatArray
    peak: Int64Array

    @property
    def span_days(self) -> float:
        """Length of the observation ``[first_event, as_of]`` (NaN without events). [days]"""
        if np.isnat(self.first_event) or np.isnat(self.as_of):
            return float("nan")
        return float((self.as_of - self.first_event) / np.timedelta64(1, "D"))

    def rows(self, state: int | str) -> IntpArray:
        """Rows of the interval table that belong to one state.

        Parameters
        ----------
        state : int or str
            State position or label.

        Returns
        -------
        numpy.ndarray of intp
            Positions in ``start``, ``end``, ``days`` and ``peak``, in time order.

        Raises
        ------
        customer_kanban.errors.ValidationError
            If the state is unknown.

        Examples
        --------
        >>> r = wip_breaches([["2024-01-01"], ["2024-01-02"]], [[None], ["2024-01-03"]], [1],
        ...                  states=["doing"], as_of="2024-01-04")
        >>> r.start[r.rows("doing")]
        array(['2024-01-02T00:00:00.000000000'], dtype='datetime64[ns]')
        """
        k = _label_index(self.states, state, "state", "states")
        out: IntpArray = np.flatnonzero(self.state == k)
        return out


@result
class ShareBreaches(Result):
    """Intervals where a class of service held more than its share of WIP (long table).

    ``K`` rows sorted by class and then by start; per class (``C``) the summaries.

    Attributes
    ----------
    group : numpy.ndarray of int64, shape (K,)
        Position in ``AllocationResult.classes`` of each interval's class.
    start : numpy.ndarray of datetime64[ns], shape (K,)
        Instant at which the class's share rose above its policy share.
    end : numpy.ndarray of datetime64[ns], shape (K,)
        Instant at which it fell back to the policy share or below (or the WIP
        became empty); ``NaT`` if still above at ``as_of``.
    days : numpy.ndarray of float64, shape (K,)
        Length of each interval, to ``as_of`` when it is open. [days]
    peak : numpy.ndarray of float64, shape (K,)
        Highest share of the class during each interval. [1]
    count : numpy.ndarray of int64, shape (C,)
        Intervals per class.
    duration : numpy.ndarray of float64, shape (C,)
        Total time above the policy share per class. [days]
    """

    group: Int64Array
    start: InstantArray
    end: InstantArray
    days: FloatArray
    peak: FloatArray
    count: Int64Array
    duration: FloatArray


@result
class AllocationResult(Result):
    """Share of the work in progress held by each class of service, beside its policy share.

    Attributes
    ----------
    classes : numpy.ndarray, shape (C,)
        Class labels: those of `classes` as factorised for ``by=`` (sorted
        labels, or the given order for ``(codes, labels)``), then classes named
        only in a `shares` mapping, in its order.
    shares : numpy.ndarray of float64, shape (C,)
        Policy: the largest share of WIP each class may hold; NaN = no policy.
        [1]
    first_event : numpy.datetime64
        The earliest entry at or before `as_of` (``NaT`` if none).
    as_of : numpy.datetime64
        The end of the observation (``NaT`` if the data hold no instant).
    at : numpy.ndarray of datetime64[ns], shape (T,)
        The instants reported (by default every instant at which the WIP
        changed, up to `as_of`).
    wip : numpy.ndarray of int64, shape (T,)
        Items in progress at each instant, items without a class included.
    counts : numpy.ndarray of int64, shape (T, C)
        Items in progress per class.
    actual : numpy.ndarray of float64, shape (T, C)
        ``counts / wip``; NaN where ``wip == 0``. [1]
    excess : numpy.ndarray of float64, shape (T, C)
        ``actual - shares``: positive where a class holds more than its share;
        NaN where either is NaN. [1]
    breaches : ShareBreaches
        The intervals where ``actual > shares``, computed on the exact step
        function (every event, whatever `at`).
    """

    classes: LabelArray
    shares: FloatArray
    first_event: np.datetime64
    as_of: np.datetime64
    at: InstantArray
    wip: Int64Array
    counts: Int64Array
    actual: FloatArray
    excess: FloatArray
    breaches: ShareBreaches


def _label_index(labels: LabelArray, value: int | str, name: str, what: str) -> int:
    n = len(labels)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        if not 0 <= value < n:
            raise ValidationError(f"`{name}` must lie in [0, {n - 1}]; got {value}")
        return int(value)
    hits = np.flatnonzero(labels == value)
    if hits.size == 0:
        raise ValidationError(
            f"`{name}` must be one of the {what} {labels.tolist()}; got {value!r}"
        )
    return int(hits[0])


# --------------------------------------------------------------------------- validation


def _instant_pair(
    entered: object, left: object, ndim: int
) -> tuple[InstantArray, InstantArray, BoolArray]:
    """`entered` and `left` as instants of the same shape; `left` not before `entered`.

    Returns the two arrays and the mask of known entries.
    """
    e = as_instants(entered, name="entered", ndim=ndim)
    lv = as_instants(left, name="left", ndim=ndim)
    if e.shape != lv.shape:
        raise ValidationError(
            f"`entered` and `left` must have the same shape (got {e.shape} and {lv.shape})"
        )
    known = ~np.isnat(e)
    bad = lv < e  # NaT compares False
    if bad.any():
        cells = np.argwhere(bad) if bad.ndim == 2 else np.flatnonzero(bad)[:, np.newaxis]
        rows = np.unique(cells[:, 0]).tolist()
        where = describe_rows(rows)
        if bad.ndim == 2:
            cols = np.unique(cells[:, 1]).tolist()
            where += f", state column(s) {cols}"
        raise ValidationError(f"`left` is before `entered` in {where}", rows=rows)
    return e, lv, known


def _resolve_as_of(
    as_of: object, entered: InstantArray, left: InstantArray, known: BoolArray, *more: InstantArray
) -> np.datetime64:
    """`as_of`, or the latest instant of the data (``NaT`` if none).

    The data are the known entries, the exits of those entries and `more`.
    """
    t = as_optional_instant_scalar(as_of, name="as_of")
    if t is not None:
        return t
    # NaT is the int64 minimum, so it never wins a maximum.
    latest = int(np.max(entered.view(np.int64), initial=_NAT_NS))
    latest = max(latest, int(np.max(left.view(np.int64), where=known, initial=_NAT_NS)))
    for arr in more:
        latest = max(latest, int(np.max(arr.view(np.int64), initial=_NAT_NS)))
    return np.datetime64(latest, "ns")


def _state_labels(states: object, n_states: int) -> LabelArray:
    if states is None:
        out: LabelArray = np.arange(n_states).astype(str)
        return out
    labels = np.asarray(states)
    if labels.ndim != 1 or len(labels) != n_states:
        raise ValidationError(
            f"`states` must hold one label per column of `entered` ({n_states}); "
            f"got shape {labels.shape}"
        )
    return labels


def _number_or_nan(value: object, name: str) -> float:
    if value is None:
        return float("nan")
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"`{name}` must hold numbers, got {type(value).__name__}")
    return float(value)


def _limits_iv(limits: object, labels: LabelArray) -> FloatArray:
    """Limits per state as float64, NaN = none; -1 and None read as none."""
    n = len(labels)
    if isinstance(limits, Mapping):
        names = labels.tolist()
        unknown = [k for k in limits if k not in names]
        if unknown:
            raise ValidationError(
                f"`limits` names states that are not in `states` {names}: {unknown}"
            )
        lim = np.full(n, np.nan)
        for key, value in limits.items():
            lim[names.index(key)] = _number_or_nan(value, "limits")
    else:
        arr = np.asarray(limits, dtype=object)
        if arr.ndim == 0:
            lim = np.full(n, _number_or_nan(arr.item(), "limits"))
        elif arr.ndim != 1 or len(arr) != n:
            raise ValidationError(
                f"`limits` must hold one limit per state ({n}), a scalar or a mapping "
                f"state -> limit; got shape {arr.shape}"
            )
        else:
            lim = np.array([_number_or_nan(v, "limits") for v in arr.tolist()], dtype=np.float64)
    lim[lim == -1] = np.nan
    bad = ~np.isnan(lim) & ~((lim >= 0) & (lim == np.floor(lim)) & np.isfinite(lim))
    if bad.any():
        names = labels.tolist()
        which = ", ".join(f"{names[k]!r} ({lim[k]})" for k in np.flatnonzero(bad)[:5])
        raise ValidationError(
            f"`limits` must be whole numbers >= 0 (NaN or -1 = no limit); "
            f"they are not for the states {which}"
        )
    return lim


# --------------------------------------------------------------------------- the sweep


def _fits(n_codes: int, span: int) -> bool:
    """Whether ``(code * (span + 1) + time) << 1`` stays below 2**62."""
    return span < 1 << 61 and max(n_codes, 1) * (span + 1) < 1 << 61


def _pack(
    codes: IntpArray, n_codes: int, times: Int64Array
) -> tuple[Int64Array, int, int, int] | None:
    """``(code * width + time - t0) << 1`` as one int64 key, or ``None`` if it cannot fit.

    The plain key is tried first (no division); then the shared packer, which
    also divides the times by their greatest common divisor.
    """
    if times.size == 0:
        return np.zeros(0, np.int64), 0, 1, 1
    t0 = int(times.min())
    span = int(times.max()) - t0
    if _fits(n_codes, span):
        key = codes.astype(np.int64)
        key *= span + 1
        key += times - t0
        key <<= 1
        return key, t0, 1, span + 1
    return sort_key_by_code_then_time(codes, n_codes, times, low_bits=1)


def _sweep(
    codes_in: IntpArray,
    t_in: Int64Array,
    codes_out: IntpArray,
    t_out: Int64Array,
    n_codes: int,
) -> tuple[IntpArray, Int64Array, Int64Array]:
    """Exact step function of the count per code, from +1 (in) and -1 (out) events.

    Returns ``(code, time, value)`` at each distinct (code, instant), sorted by
    code then instant: ``value`` is the count right after every event of that
    instant (the right-continuous step function).
    """
    n_in = len(t_in)
    times = np.concatenate([t_in, t_out])
    codes = np.concatenate([codes_in, codes_out])
    packed = _pack(codes, n_codes, times)
    if packed is not None:
        key, t0, step, width = packed
        key[:n_in] |= 1
        return _sweep_keys(key, n_codes, t0, step, width)
    # A span of centuries at nanosecond resolution: fall back to lexsort.
    order = np.lexsort((times, codes))
    code, time = codes[order], times[order]
    level = np.cumsum(np.where(order < n_in, 1, -1)).astype(np.int64)
    keep = np.ones(len(code), dtype=bool)
    keep[:-1] = (code[1:] != code[:-1]) | (time[1:] != time[:-1])
    bounds = np.searchsorted(code, np.arange(n_codes + 1))
    return _per_code(level, keep, bounds, code[keep], time[keep])


def _sweep_keys(
    key: Int64Array, n_codes: int, t0: int, step: int, width: int
) -> tuple[IntpArray, Int64Array, Int64Array]:
    """:func:`_sweep` on packed keys ``(code * width + (time - t0) // step) << 1 | entry``.

    One sort of the int64 keys, no argsort; `key` is sorted in place.
    """
    key.sort()
    level = key & 1
    level *= 2
    level -= 1  # +1 per entry, -1 per exit
    np.cumsum(level, out=level)
    key >>= 1
    keep = np.ones(len(key), dtype=bool)
    np.not_equal(key[1:], key[:-1], out=keep[:-1])  # last event of each (code, instant)
    key_k = key[keep]
    edges = np.arange(n_codes + 1, dtype=np.int64) * width
    code_k = np.repeat(np.arange(n_codes, dtype=np.intp), np.diff(np.searchsorted(key_k, edges)))
    time_k = key_k - code_k * width
    if step != 1:
        time_k *= step
    time_k += t0
    return _per_code(level, keep, np.searchsorted(key, edges), code_k, time_k)


def _per_code(
    level: Int64Array, keep: BoolArray, bounds: IntpArray, code_k: IntpArray, time_k: Int64Array
) -> tuple[IntpArray, Int64Array, Int64Array]:
    """Restart the cumulative `level` at each code (`bounds`: first event of each code)."""
    first = bounds[:-1]
    base = level[np.maximum(first - 1, 0)] if len(level) else np.zeros(len(first), np.int64)
    base[first == 0] = 0
    level_k = level[keep]
    level_k -= base[code_k]
    return code_k.astype(np.intp, copy=False), time_k, level_k


def _segments(code: IntpArray) -> tuple[BoolArray, BoolArray]:
    """Masks ``(same as previous, same as next)`` of a sorted code column."""
    prev = np.zeros(len(code), dtype=bool)
    nxt = np.zeros(len(code), dtype=bool)
    if len(code) > 1:
        np.equal(code[1:], code[:-1], out=prev[1:])
        nxt[:-1] = prev[1:]
    return prev, nxt


def _runs(
    code: IntpArray,
    time: Int64Array,
    over: BoolArray,
    value: npt.NDArray[Any],
    as_of_ns: int,
) -> tuple[IntpArray, Int64Array, Int64Array, Int64Array, npt.NDArray[Any]]:
    """Maximal runs of `over` within each code of a step function.

    Returns ``(code, start, end, length, peak)`` per run: `end` is the instant of
    the next step of the same code (``NaT`` as int64 when the run lasts to
    `as_of`), `length` runs to `as_of` for open runs [ns], `peak` is the largest
    `value` in the run.
    """
    prev, nxt = _segments(code)
    first = over & ~(prev & np.concatenate([[False], over[:-1]]))
    last = over & ~(nxt & np.concatenate([over[1:], [False]]))
    fi = np.flatnonzero(first)
    li = np.flatnonzero(last)
    closed = nxt[li]
    follow = np.minimum(li + 1, max(len(time) - 1, 0))
    end = np.where(closed, time[follow], _NAT_NS)
    length = np.where(closed, end, as_of_ns) - time[fi]
    if fi.size:
        low = np.array(-np.inf if value.dtype.kind == "f" else -1, dtype=value.dtype)
        peak = np.maximum.reduceat(np.where(over, value, low), fi)
    else:
        peak = value[:0]
    return code[fi], time[fi], end, length, peak


def _next_or(code: IntpArray, time: Int64Array, as_of_ns: int) -> Int64Array:
    """Instant of the next step of the same code, or `as_of` after the last one."""
    _, nxt = _segments(code)
    out = np.full(len(time), as_of_ns, dtype=np.int64)
    out[:-1][nxt[:-1]] = time[1:][nxt[:-1]]
    return out


def _to_instants(ns: Int64Array) -> InstantArray:
    out: InstantArray = ns.astype(np.int64, copy=False).view("datetime64[ns]")
    return out


# --------------------------------------------------------------------------- wip_breaches


def wip_breaches(
    entered: npt.ArrayLike,
    left: npt.ArrayLike,
    limits: object,
    *,
    states: npt.ArrayLike | None = None,
    as_of: object = None,
) -> BreachResult:
    """Intervals where the WIP of a workflow state exceeded its WIP limit.

    Parameters
    ----------
    entered : array_like of instants, shape (n_items, n_states)
        Entry of each item into each state, states in workflow order (``NaT``
        = never entered). A first-entry matrix such as
        ``WorkItemTable.first_entries()`` fits.
    left : array_like of instants, shape (n_items, n_states)
        Exit of each item from each state (``NaT`` = not left). The caller
        passes it: the exit from a state is usually the entry into the next
        state the item reached, e.g. the earliest entry into any later state
        that is not before the entry into this one. Ignored where `entered`
        is ``NaT``.
    limits : scalar, array_like of shape (n_states,) or mapping
        WIP limit per state: whole numbers >= 0; NaN, ``None`` or -1 = no
        limit. A scalar applies to every state; a mapping ``{state label:
        limit}`` leaves the states it does not name without a limit.
    states : array_like, shape (n_states,), optional
        State labels (default ``"0"``, ``"1"``, ...).
    as_of : instant, optional
        End of the observation. Default: the latest entry or exit in the data
        (exits of items that never entered a state do not count). Entries
        after it are ignored, exits after it read as "not left".

    Returns
    -------
    BreachResult
        Breach intervals as a long table (``state``, ``start``, ``end``,
        ``days``, ``peak``) and per state ``count``, ``duration``,
        ``max_wip``, ``max_at`` and ``mean_wip``.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If `entered` is not two-dimensional, `left` has another shape, some
        `left` is before its `entered` (the rows are listed), a limit is
        negative or fractional, a mapping names an unknown state, or `states`
        does not match the columns.
    TypeError
        If the instants cannot be read or a limit is not a number.

    Warns
    -----
    InsufficientDataWarning
        If no item entered a state by `as_of`, or the observation has no
        length: `mean_wip` is then NaN.

    See Also
    --------
    customer_kanban.metrics.wip : WIP at given instants (``entered <= t < left``).
    allocation : the same sweep per class of service, against policy shares.

    Notes
    -----
    The WIP of state `s` at instant `t` counts the items with
    ``entered[:, s] <= t < left[:, s]`` (a ``NaT`` exit never comes). It is
    computed exactly as an event sweep: every entry is a +1 and every exit a
    -1 event; one sort of all events by (state, instant) and a cumulative sum
    give the step function; events at one instant are applied together, so
    the WIP at an instant is the value after all its events (exits and entries
    at the same instant never make a momentary breach: in effect the exit
    counts first). A **breach** is WIP strictly above the limit; an interval
    runs from the instant the WIP rises above the limit (included) to the
    instant it falls back (excluded), so the intervals of a state are disjoint,
    ordered, and never touch. A breach starting exactly at `as_of` has length
    0.

    The mean WIP is ``∫ WIP dt / (as_of - first_event)`` with the same window
    for all states; ``mean_wip * span`` equals the total time items spent in
    the state within the window (Little's law bookkeeping). Cost: one sort of
    at most ``2 n_items n_states`` events.

    Examples
    --------
    Three items pass "doing" then "done"; the exit from "doing" is the entry
    into "done". "doing" has a WIP limit of 1, "done" none.

    >>> entered = [["2024-01-01", "2024-01-04"],
    ...            ["2024-01-02", "2024-01-03"],
    ...            ["2024-01-02T12:00", None]]
    >>> left = [["2024-01-04", None],
    ...         ["2024-01-03", None],
    ...         [None, None]]
    >>> r = wip_breaches(entered, left, [1, None], states=["doing", "done"],
    ...                  as_of="2024-01-05")

    WIP of "doing": 1 from Jan 1, 2 from Jan 2, 3 from Jan 2 noon, 2 from
    Jan 3, 1 from Jan 4: one breach from Jan 2 to Jan 4, peak 3.

    >>> r.start, r.end
    (array(['2024-01-02T00:00:00.000000000'], dtype='datetime64[ns]'),
     array(['2024-01-04T00:00:00.000000000'], dtype='datetime64[ns]'))
    >>> r.count, r.duration, r.peak
    (array([1, 0]), array([2., 0.]), array([3]))
    >>> r.max_wip, r.mean_wip  # (1 + 2 * 0.5 + 3 * 0.5 + 2 + 1) / 4 days
    (array([3, 2]), array([1.625, 0.75 ]))
    """
    e, lv, known = _instant_pair(entered, left, 2)
    n_states = e.shape[1]
    labels = _state_labels(states, n_states)
    lim = _limits_iv(limits, labels)
    t = _resolve_as_of(as_of, e, lv, known)
    as_of_ns = int(t.astype("datetime64[ns]").view(np.int64))
    e_ns = e.view(np.int64)
    l_ns = lv.view(np.int64)
    inside = known & (e_ns <= as_of_ns)  # as_of NaT only when no instant is known
    out_ok = inside & ~np.isnat(lv) & (l_ns <= as_of_ns)
    n_in = int(np.count_nonzero(inside))
    t_first = int(np.min(e_ns, where=inside, initial=_INT64_MAX))
    t_last = max(
        int(np.max(e_ns, where=inside, initial=_NAT_NS)),
        int(np.max(l_ns, where=out_ok, initial=_NAT_NS)),
    )
    if n_in and _fits(n_states, t_last - t_first):
        # Write the packed keys (state, instant, is-entry) straight from the columns.
        width = t_last - t_first + 1
        key = np.empty(n_in + int(np.count_nonzero(out_ok)), dtype=np.int64)
        pos = 0
        for s in range(n_states):  # a handful of states
            for mask, source, bit in ((inside, e_ns, 1), (out_ok, l_ns, 0)):
                seg = key[pos : pos + int(np.count_nonzero(mask[:, s]))]
                np.compress(mask[:, s], source[:, s], out=seg)
                seg -= t_first - s * width
                seg <<= 1
                seg |= bit
                pos += len(seg)
        code, time, level = _sweep_keys(key, n_states, t_first, 1, width)
        del key
    else:
        rows_in, states_in = np.nonzero(inside)
        rows_out, states_out = np.nonzero(out_ok)
        t_in, t_out = e_ns[rows_in, states_in], l_ns[rows_out, states_out]
        code, time, level = _sweep(states_in, t_in, states_out, t_out, n_states)

    first: np.datetime64 = _NAT
    first_ns = as_of_ns
    if n_in:
        first_ns = t_first
        first = np.datetime64(first_ns, "ns")
    span = as_of_ns - first_ns

    # Per-state summaries: time-weighted integral, maximum and its first instant.
    stop = _next_or(code, time, as_of_ns)
    weight = (stop - time).astype(np.float64)
    weight *= level
    integral = np.bincount(code, weights=weight, minlength=n_states)
    mean = np.full(n_states, np.nan)
    if span > 0:
        mean = integral / span
    else:
        warn_insufficient(
            "no item entered a state before `as_of`, or the observation has no length: "
            "`mean_wip` is NaN"
        )
    max_wip = np.zeros(n_states, dtype=np.int64)
    if len(code):
        _segment_max(max_wip, code, level)
    max_at = np.full(n_states, _NAT_NS, dtype=np.int64)
    top = np.flatnonzero((level == max_wip[code]) & (level > 0))
    if top.size:
        firsts = np.concatenate([[True], code[top][1:] != code[top][:-1]])
        max_at[code[top][firsts]] = time[top][firsts]

    # Breach intervals: runs of WIP > limit within each state.
    over = level > lim[code]  # NaN limit: never over
    r_code, r_start, r_end, r_len, r_peak = _runs(code, time, over, level, as_of_ns)
    count = np.bincount(r_code, minlength=n_states).astype(np.int64)
    duration = np.bincount(r_code, weights=r_len.astype(np.float64), minlength=n_states)
    return BreachResult(
        states=labels,
        limits=lim,
        first_event=first,
        as_of=t,
        count=count,
        duration=duration / NS_PER_DAY,
        max_wip=max_wip,
        max_at=_to_instants(max_at),
        mean_wip=mean,
        state=r_code.astype(np.int64),
        start=_to_instants(r_start),
        end=_to_instants(r_end),
        days=r_len / NS_PER_DAY,
        peak=r_peak.astype(np.int64),
    )


def _segment_max(out: Int64Array, code: IntpArray, level: Int64Array) -> None:
    """``out[c] = max(out[c], max(level[code == c]))`` for sorted `code`, by reduceat."""
    prev, _ = _segments(code)
    starts = np.flatnonzero(~prev)
    out[code[starts]] = np.maximum(out[code[starts]], np.maximum.reduceat(level, starts))


# --------------------------------------------------------------------------- allocation


def _classes_iv(classes: object, n: int) -> tuple[LabelArray, IntpArray]:
    """Factorise `classes`; codes in ``0..C`` with ``C`` = no class."""
    length = len(classes[0]) if isinstance(classes, tuple) and len(classes) == 2 else None
    if length is None and hasattr(classes, "__len__"):
        length = len(classes)
    if length is not None and length != n:
        raise ValidationError(
            f"`entered` and `classes` must have the same length (got {n} and {length})"
        )
    try:
        groups = factorize(classes, n, data_name="entered")
    except ValidationError as exc:
        raise ValidationError(str(exc).replace("`by`", "`classes`"), rows=exc.rows) from exc
    except TypeError as exc:
        raise TypeError(str(exc).replace("`by`", "`classes`")) from exc
    if groups.codes is None:  # classes=None: one class "all"
        return groups.labels, np.zeros(n, dtype=np.intp)
    return groups.labels, groups.codes.astype(np.intp, copy=False)  # missing = size


def _shares_iv(
    shares: object, labels: LabelArray, codes: IntpArray
) -> tuple[LabelArray, IntpArray, FloatArray]:
    """Policy share per class; classes named only in a mapping are appended."""
    size = len(labels)
    if isinstance(shares, Mapping):
        names = labels.tolist()
        extra = [k for k in shares if k not in names]
        if extra:
            names = names + extra
            kinds = {type(x).__name__ for x in names}
            labels = np.array(names, dtype=object if len(kinds) > 1 else None)
            codes = np.where(codes == size, len(names), codes)  # "no class" moves last
        pol = np.full(len(names), np.nan)
        for key, value in shares.items():
            pol[names.index(key)] = _number_or_nan(value, "shares")
    else:
        arr = np.asarray(shares, dtype=object)
        if arr.ndim != 1 or len(arr) != size:
            raise ValidationError(
                f"`shares` must hold one share per class ({size}: {labels.tolist()}) "
                f"or be a mapping class -> share; got shape {arr.shape}"
            )
        pol = np.array([_number_or_nan(v, "shares") for v in arr.tolist()], dtype=np.float64)
    bad = ~np.isnan(pol) & ~((pol >= 0) & (pol <= 1))
    if bad.any():
        names = labels.tolist()
        which = ", ".join(f"{names[k]!r} ({pol[k]})" for k in np.flatnonzero(bad)[:5])
        raise ValidationError(
            f"`shares` must lie in [0, 1] (NaN = no policy); they do not for the classes {which}"
        )
    return labels, codes, pol


def allocation(
    entered: npt.ArrayLike,
    left: npt.ArrayLike,
    classes: object,
    shares: object,
    *,
    as_of: object = None,
    at: npt.ArrayLike | None = None,
) -> AllocationResult:
    """Share of the work in progress held by each class of service, against the policy.

    Parameters
    ----------
    entered : array_like of instants, shape (n,)
        Entry of each item into the system, typically its commitment
        (``NaT`` = not entered, never counted).
    left : array_like of instants, shape (n,)
        Exit, typically its delivery (``NaT`` = still in progress).
    classes : array_like or tuple
        Class of service of each item: labels, integer codes, ``(codes,
        labels)`` or a pandas Categorical, read as ``by=`` is (see
        :mod:`customer_kanban.metrics`). Items without a class count in the
        WIP but in no class, so the shares then add up to less than 1.
    shares : mapping or array_like
        Capacity allocation policy: the largest share of WIP each class may
        hold, in [0, 1] (NaN or ``None`` = no policy). A mapping ``{class:
        share}`` (classes it does not name have no policy; classes it names
        that hold no item are added with zero WIP), or an array aligned with
        the factorised classes (sorted labels, or the given ``labels``).
    as_of : instant, optional
        End of the observation. Default: the latest entry or exit in the
        data (exits of items that never entered do not count) or instant of
        `at`.
    at : array_like of instants, shape (T,), optional
        Instants at which to report (no ``NaT``, none after `as_of`). Default:
        every instant at which the WIP changed, up to `as_of`.

    Returns
    -------
    AllocationResult
        ``wip`` (T,), ``counts``, ``actual`` and ``excess`` (T, C) at the
        instants `at`, and the intervals where a class held more than its share
        (``breaches``), computed on every event.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If lengths differ, some `left` is before its `entered`, a share lies
        outside [0, 1], an array of shares does not match the classes, or
        `at` holds ``NaT`` or an instant after `as_of`.
    TypeError
        If the instants or classes cannot be read, or a share is not a number.

    Warns
    -----
    InsufficientDataWarning
        If no item entered by `as_of`: every share is NaN (with the default
        `at`, an empty result).

    See Also
    --------
    wip_breaches : WIP limits per workflow state.
    customer_kanban.metrics.wip : WIP at given instants.

    Notes
    -----
    An item is in progress at `t` when ``entered <= t < left`` (as in
    :func:`~customer_kanban.metrics.wip`); all events at one instant are
    applied together (the exit counts first, in effect). With no item in
    progress the share of every class is NaN (no division by zero) and no
    class is in breach. A class is in breach while ``counts / wip > share``
    (strictly; ``1 / 10 > 0.1`` is False). Memory: O(T × C) for the result.

    Examples
    --------
    Policy: at most 25 % of WIP expedite.

    >>> entered = ["2024-01-01", "2024-01-01", "2024-01-02", "2024-01-03"]
    >>> left = ["2024-01-05", None, "2024-01-04", None]
    >>> cls = ["standard", "standard", "expedite", "expedite"]
    >>> r = allocation(entered, left, cls, {"expedite": 0.25}, as_of="2024-01-06")
    >>> r.classes, r.at[[0, -1]]
    (array(['expedite', 'standard'], dtype='<U8'),
     array(['2024-01-01T00:00:00.000000000', '2024-01-05T00:00:00.000000000'],
           dtype='datetime64[ns]'))
    >>> r.wip, r.counts[:, 0]
    (array([2, 3, 4, 3, 2]), array([0, 1, 2, 1, 1]))
    >>> r.actual[:, 0].round(3), r.excess[:, 0].round(3)
    (array([0.   , 0.333, 0.5  , 0.333, 0.5  ]), array([-0.25 ,  0.083,  0.25 ,  0.083,  0.25 ]))
    >>> r.breaches.start, r.breaches.end, r.breaches.days
    (array(['2024-01-02T00:00:00.000000000'], dtype='datetime64[ns]'),
     array(['NaT'], dtype='datetime64[ns]'), array([4.]))
    """
    e, lv, known = _instant_pair(entered, left, 1)
    n = len(e)
    labels, codes = _classes_iv(classes, n)
    labels, codes, policy = _shares_iv(shares, labels, codes)
    n_classes = len(labels)
    q = None if at is None else as_instants(at, name="at")
    if q is not None:
        check_no_nat(q, name="at")
    t = _resolve_as_of(as_of, e, lv, known, *(() if q is None else (q,)))
    as_of_ns = int(t.astype("datetime64[ns]").view(np.int64))
    if q is not None and q.size and not np.isnat(t) and (q > t).any():
        rows = np.flatnonzero(q > t).tolist()
        raise ValidationError(
            f"`at` must not be after `as_of` ({t}); it is in {describe_rows(rows)}", rows=rows
        )
    e_ns = e.view(np.int64)
    l_ns = lv.view(np.int64)
    inside = known & (e_ns <= as_of_ns)
    out_ok = inside & ~np.isnat(lv) & (l_ns <= as_of_ns)
    t_in = e_ns[inside]
    t_out = l_ns[out_ok]
    # One step function per class (code n_classes = "no class"), then a common grid.
    code, time, level = _sweep(codes[inside], t_in, codes[out_ok], t_out, n_classes + 1)
    grid = np.sort(time)  # the distinct instants of all classes
    if len(grid) > 1:
        grid = grid[np.concatenate([[True], grid[1:] != grid[:-1]])]
    k = len(grid)
    # Count of each class on the grid: the step value at the last step at or before t.
    counts_all = np.zeros((n_classes + 1, k), dtype=np.int64)
    prev, _ = _segments(code)
    starts = np.flatnonzero(~prev)
    bounds = np.append(starts, len(code))
    for j in range(len(starts)):  # one pass per class present (a handful)
        lo, hi = bounds[j], bounds[j + 1]
        pos = np.searchsorted(time[lo:hi], grid, side="right") - 1
        vals = level[lo:hi][np.maximum(pos, 0)]
        counts_all[code[lo]] = np.where(pos >= 0, vals, 0)
    wip_grid = counts_all.sum(axis=0)
    share_grid = _ratio(counts_all[:n_classes].T, wip_grid[:, np.newaxis])

    # Breaches on the exact grid, class by class as one long (class, instant) column.
    over = (share_grid > policy[np.newaxis, :]).T.ravel()  # NaN share or policy: False
    b_code = np.repeat(np.arange(n_classes, dtype=np.intp), k)
    b_time = np.tile(grid, n_classes)
    b_share = share_grid.T.ravel()
    r_code, r_start, r_end, r_len, r_peak = _runs(b_code, b_time, over, b_share, as_of_ns)
    breaches = ShareBreaches(
        group=r_code.astype(np.int64),
        start=_to_instants(r_start),
        end=_to_instants(r_end),
        days=r_len / NS_PER_DAY,
        peak=r_peak.astype(np.float64),
        count=np.bincount(r_code, minlength=n_classes).astype(np.int64),
        duration=np.bincount(r_code, weights=r_len.astype(np.float64), minlength=n_classes)
        / NS_PER_DAY,
    )

    if q is None:
        at_out = _to_instants(grid.copy())
        counts = counts_all[:n_classes].T.copy()
        total = wip_grid
    else:
        at_out = q
        pos = np.searchsorted(grid, q.view(np.int64), side="right") - 1
        picked = counts_all[:, np.maximum(pos, 0)] if k else np.zeros((n_classes + 1, len(q)))
        picked = np.where(pos >= 0, picked, 0).astype(np.int64)
        counts = picked[:n_classes].T.copy()
        total = picked.sum(axis=0)
    if not len(t_in):
        warn_insufficient(
            "no item entered by `as_of`: every share is NaN"
            + (" (an empty result)" if q is None else "")
        )
    actual = _ratio(counts, total[:, np.newaxis])
    excess = actual - policy[np.newaxis, :]
    first = np.datetime64(int(t_in.min()), "ns") if len(t_in) else _NAT
    return AllocationResult(
        classes=labels,
        shares=policy,
        first_event=first,
        as_of=t,
        at=at_out,
        wip=total.astype(np.int64),
        counts=counts,
        actual=actual,
        excess=excess,
        breaches=breaches,
    )


def _ratio(num: npt.NDArray[Any], den: npt.NDArray[Any]) -> FloatArray:
    """``num / den`` broadcast, NaN where ``den == 0``."""
    shape = np.broadcast_shapes(np.shape(num), np.shape(den))
    out = np.full(shape, np.nan)
    np.divide(num, den, out=out, where=np.broadcast_to(den > 0, shape))
    return out

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
    check_same_length,
    check_span,
    warn_insufficient,
)
from customer_kanban.errors import ValidationError, describe_rows
from customer_kanban.metrics.flow._validation import labels_of_states

__all__ = [
    "AllocationResult",
    "BreachResult",
    "LimitBreaches",
    "ShareBreaches",
    "allocation",
    "wip_breaches",
]


_NAT_NS = np.iinfo(np.int64).min  # NaT viewed as int64
_INT64_MAX = np.iinfo(np.int64).max
_NAT: np.datetime64 = np.datetime64("NaT", "ns")


# --------------------------------------------------------------------------- results


@result
class LimitBreaches(Result):
    """Intervals where a workflow state held more work than its WIP limit (long table).

    One row per interval (``K`` rows), sorted by state and then by start; its
    frame has one row per interval.

    Attributes
    ----------
    state : numpy.ndarray of int64, shape (K,)
        Position in ``BreachResult.states`` of each interval's state.
    start : numpy.ndarray of datetime64[ns], shape (K,)
        Instant at which the WIP rose above the limit.
    end : numpy.ndarray of datetime64[ns], shape (K,)
        Instant at which it fell back to the limit or below; ``NaT`` if still
        in breach at ``as_of``.
    days : numpy.ndarray of float64, shape (K,)
        Length of each interval, to ``as_of`` when it is open. [days]
    peak : numpy.ndarray of int64, shape (K,)
        Highest WIP during each interval.
    """

    state: Int64Array
    start: InstantArray
    end: InstantArray
    days: FloatArray
    peak: Int64Array


@result
class BreachResult(Result):
    """WIP per workflow state against its WIP limit.

    Per state (``S`` states) come the summaries; the breach intervals are the
    long table `breaches`. The frame has one row per state.

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
    breach_count : numpy.ndarray of int64, shape (S,)
        Breach intervals per state.
    breach_days : numpy.ndarray of float64, shape (S,)
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
    breaches : LimitBreaches
        The breach intervals of every state, sorted by state and then by start.
    """

    states: LabelArray
    limits: FloatArray
    first_event: np.datetime64
    as_of: np.datetime64
    breach_count: Int64Array
    breach_days: FloatArray
    max_wip: Int64Array
    max_at: InstantArray
    mean_wip: FloatArray
    breaches: LimitBreaches

    @property
    def span_days(self) -> float:
        """Length of the observation ``[first_event, as_of]`` (NaN without events). [days]"""
        if np.isnat(self.first_event) or np.isnat(self.as_of):
            return float("nan")
        return float((self.as_of - self.first_event) / np.timedelta64(1, "D"))

    def rows(self, state: int | str) -> IntpArray:
        """Rows of the interval table `breaches` that belong to one state.

        Parameters
        ----------
        state : int or str
            State position or label.

        Returns
        -------
        numpy.ndarray of intp
            Positions in ``breaches.start``, ``.end``, ``.days`` and ``.peak``,
            in time order.

        Raises
        ------
        customer_kanban.errors.ValidationError
            If the state is unknown.

        Examples
        --------
        >>> r = wip_breaches([["2024-01-01"], ["2024-01-02"]], [[None], ["2024-01-03"]], [1],
        ...                  states=["doing"], as_of="2024-01-04")
        >>> r.breaches.start[r.rows("doing")]
        array(['2024-01-02T00:00:00.000000000'], dtype='datetime64[ns]')
        """
        k = _label_index(self.states, state, "state", "states")
        out: IntpArray = np.flatnonzero(self.breaches.state == k)
        return out


@result
class ShareBreaches(Result):
    """Intervals where a class of service held more than its share of WIP (long table).

    One row per interval (``K`` rows), sorted by group and then by start; its
    frame has one row per interval.

    Attributes
    ----------
    group : numpy.ndarray of int64, shape (K,)
        Position in ``AllocationResult.groups`` of each interval's class.
    start : numpy.ndarray of datetime64[ns], shape (K,)
        Instant at which the class's share rose above its policy share.
    end : numpy.ndarray of datetime64[ns], shape (K,)
        Instant at which it fell back to the policy share or below (or the WIP
        became empty); ``NaT`` if still above at ``as_of``.
    days : numpy.ndarray of float64, shape (K,)
        Length of each interval, to ``as_of`` when it is open. [days]
    peak : numpy.ndarray of float64, shape (K,)
        Highest share of the class during each interval. [1]
    """

    group: Int64Array
    start: InstantArray
    end: InstantArray
    days: FloatArray
    peak: FloatArray


@result
class AllocationResult(Result):
    """Share of the work in progress held by each class of service, beside its policy share.

    The frame has one row per group and instant of `at` (columns ``group`` and
    ``at``), with the group's policy share and breach summary and the instant's
    total WIP repeated along the other axis.

    Attributes
    ----------
    groups : numpy.ndarray, shape (G,)
        Class labels: those of ``by=`` as factorised (sorted labels, or the
        given order for ``(codes, labels)``), then classes named only in a
        `shares` mapping, in its order.
    shares : numpy.ndarray of float64, shape (G,)
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
    counts : numpy.ndarray of int64, shape (G, T)
        Items in progress per class and instant.
    actual : numpy.ndarray of float64, shape (G, T)
        ``counts / wip``; NaN where ``wip == 0``. [1]
    excess : numpy.ndarray of float64, shape (G, T)
        ``actual - shares``: positive where a class holds more than its share;
        NaN where either is NaN. [1]
    breach_count : numpy.ndarray of int64, shape (G,)
        Intervals above the policy share per class.
    breach_days : numpy.ndarray of float64, shape (G,)
        Total time above the policy share per class. [days]
    breaches : ShareBreaches
        The intervals where ``actual > shares``, computed on the exact step
        function (every event, whatever `at`).
    """

    groups: LabelArray
    shares: FloatArray
    first_event: np.datetime64
    as_of: np.datetime64
    at: InstantArray
    wip: Int64Array
    counts: Int64Array
    actual: FloatArray
    excess: FloatArray
    breach_count: Int64Array
    breach_days: FloatArray
    breaches: ShareBreaches

    def _frame_columns(self) -> dict[str, npt.NDArray[Any]]:
        """One row per group and instant of `at` (the time axis is sampling instants)."""
        grid = np.meshgrid(np.arange(len(self.groups)), np.arange(len(self.at)), indexing="ij")
        g, t = grid[0].ravel(), grid[1].ravel()
        return {
            "group": self.groups[g],
            "at": self.at[t],
            "shares": self.shares[g],
            "wip": self.wip[t],
            "counts": self.counts[g, t],
            "actual": self.actual[g, t],
            "excess": self.excess[g, t],
            "breach_count": self.breach_count[g],
            "breach_days": self.breach_days[g],
            "first_event": np.repeat(self.first_event, g.size),
            "as_of": np.repeat(self.as_of, g.size),
        }


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
    entered: object, left: object, ndim: int, *, names: tuple[str, str] = ("entered", "left")
) -> tuple[InstantArray, InstantArray, BoolArray]:
    """`entered` and `left` as instants of the same shape; `left` not before `entered`.

    `names` are the parameter names in messages. Returns the two arrays and the mask
    of known entries.
    """
    first, second = names
    e = as_instants(entered, name=first, ndim=ndim)
    lv = as_instants(left, name=second, ndim=ndim)
    if ndim == 1:
        check_same_length(**{first: e, second: lv})
    elif e.shape != lv.shape:
        raise ValidationError(
            f"`{first}` and `{second}` must have the same shape (got {e.shape} and {lv.shape})"
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
        raise ValidationError(f"`{second}` is before `{first}` in {where}", rows=rows)
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


def _number_or_nan(value: object, name: str) -> float:
    if value is None:
        return float("nan")
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"`{name}` must hold numbers, got {type(value).__name__}")
    return float(value)


def _object_numbers(values: object, name: str) -> npt.NDArray[Any]:
    """`values` as an object array for :func:`_number_or_nan`; instants are not numbers.

    (An array of datetime64 turns into integers of nanoseconds as objects.)
    """
    kind = getattr(getattr(values, "dtype", None), "kind", "")
    if kind in ("M", "m"):
        dtype = values.dtype  # type: ignore[attr-defined]
        raise TypeError(f"`{name}` must hold numbers, got an array of dtype {dtype}")
    try:
        return np.asarray(values, dtype=object)
    except (TypeError, ValueError) as exc:  # ragged nested sequences
        raise ValidationError(f"`{name}` must be a number, a sequence or a mapping: {exc}") from exc


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
        arr = _object_numbers(limits, "limits")
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
        Per state ``breach_count``, ``breach_days``, ``max_wip``, ``max_at``
        and ``mean_wip``, and the breach intervals as the long table
        ``breaches`` (``state``, ``start``, ``end``, ``days``, ``peak``).

    Raises
    ------
    customer_kanban.errors.ValidationError
        If `entered` is not two-dimensional, `left` has another shape, some
        `left` is before its `entered` (the rows are listed), a limit is
        negative or fractional, a mapping names an unknown state, `states`
        does not match the columns, or the first entry is more than 292 years
        before `as_of` (a span ``datetime64[ns]`` cannot subtract).
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

    >>> r.breaches.start, r.breaches.end
    (array(['2024-01-02T00:00:00.000000000'], dtype='datetime64[ns]'),
     array(['2024-01-04T00:00:00.000000000'], dtype='datetime64[ns]'))
    >>> r.breach_count, r.breach_days, r.breaches.peak
    (array([1, 0]), array([2., 0.]), array([3]))
    >>> r.max_wip, r.mean_wip  # (1 + 2 * 0.5 + 3 * 0.5 + 2 + 1) / 4 days
    (array([3, 2]), array([1.625, 0.75 ]))
    """
    e, lv, known = _instant_pair(entered, left, 2)
    labels = labels_of_states(states, e.shape[1])
    lim = _limits_iv(limits, labels)
    t = _resolve_as_of(as_of, e, lv, known)
    as_of_ns = int(t.astype("datetime64[ns]").view(np.int64))
    code, time, level, t_first = _state_steps(e, lv, known, as_of_ns)
    first: np.datetime64 = _NAT if t_first is None else np.datetime64(t_first, "ns")
    span = as_of_ns - (as_of_ns if t_first is None else t_first)
    integral, max_wip, max_at = _level_summaries(code, time, level, len(labels), as_of_ns)
    mean = np.full(len(labels), np.nan)
    if span > 0:
        mean = integral / span
    else:
        warn_insufficient(
            "no item entered a state before `as_of`, or the observation has no length: "
            "`mean_wip` is NaN"
        )
    # Breach intervals: runs of WIP > limit within each state.
    over = level > lim[code]  # NaN limit: never over
    breaches, count, days = _breaches(code, time, over, level, as_of_ns, len(labels))
    return BreachResult(
        states=labels,
        limits=lim,
        first_event=first,
        as_of=t,
        breach_count=count,
        breach_days=days,
        max_wip=max_wip,
        max_at=_to_instants(max_at),
        mean_wip=mean,
        breaches=LimitBreaches(
            state=breaches[0].astype(np.int64),
            start=_to_instants(breaches[1]),
            end=_to_instants(breaches[2]),
            days=breaches[3] / NS_PER_DAY,
            peak=breaches[4].astype(np.int64),
        ),
    )


def _state_steps(
    e: InstantArray, lv: InstantArray, known: BoolArray, as_of_ns: int
) -> tuple[IntpArray, Int64Array, Int64Array, int | None]:
    """WIP step function of every state up to `as_of`, and the first entry (``None``: none).

    Returns ``(code, time, level, first)`` as :func:`_sweep` does, code = state.
    """
    n_states = e.shape[1]
    e_ns = e.view(np.int64)
    l_ns = lv.view(np.int64)
    inside = known & (e_ns <= as_of_ns)  # as_of NaT only when no instant is known
    out_ok = inside & ~np.isnat(lv) & (l_ns <= as_of_ns)
    n_in = int(np.count_nonzero(inside))
    t_first = int(np.min(e_ns, where=inside, initial=_INT64_MAX))
    if n_in:  # every step lies in [t_first, as_of]
        check_span(
            np.datetime64(t_first, "ns"),
            np.datetime64(as_of_ns, "ns"),
            earlier_name="entered",
            later_name="as_of",
        )
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
    else:
        rows_in, states_in = np.nonzero(inside)
        rows_out, states_out = np.nonzero(out_ok)
        t_in, t_out = e_ns[rows_in, states_in], l_ns[rows_out, states_out]
        code, time, level = _sweep(states_in, t_in, states_out, t_out, n_states)
    return code, time, level, (t_first if n_in else None)


def _level_summaries(
    code: IntpArray, time: Int64Array, level: Int64Array, n_codes: int, as_of_ns: int
) -> tuple[FloatArray, Int64Array, Int64Array]:
    """Per code: the time integral of the level to `as_of` [ns], its maximum and first instant.

    The first instant is int64 ``NaT`` where the level never rose above 0.
    """
    stop = _next_or(code, time, as_of_ns)
    weight = (stop - time).astype(np.float64)
    weight *= level
    integral = np.bincount(code, weights=weight, minlength=n_codes).astype(np.float64, copy=False)
    max_level = np.zeros(n_codes, dtype=np.int64)
    if len(code):
        _segment_max(max_level, code, level)
    max_at = np.full(n_codes, _NAT_NS, dtype=np.int64)
    top = np.flatnonzero((level == max_level[code]) & (level > 0))
    if top.size:
        firsts = np.concatenate([[True], code[top][1:] != code[top][:-1]])
        max_at[code[top][firsts]] = time[top][firsts]
    return integral, max_level, max_at


def _breaches(
    code: IntpArray,
    time: Int64Array,
    over: BoolArray,
    value: npt.NDArray[Any],
    as_of_ns: int,
    n_codes: int,
) -> tuple[
    tuple[IntpArray, Int64Array, Int64Array, Int64Array, npt.NDArray[Any]], Int64Array, FloatArray
]:
    """The runs of `over` (see :func:`_runs`), with their count and total days per code."""
    runs = _runs(code, time, over, value, as_of_ns)
    r_code, r_len = runs[0], runs[3]
    count = np.bincount(r_code, minlength=n_codes).astype(np.int64)
    days = np.bincount(r_code, weights=r_len.astype(np.float64), minlength=n_codes) / NS_PER_DAY
    return runs, count, days


def _segment_max(out: Int64Array, code: IntpArray, level: Int64Array) -> None:
    """``out[c] = max(out[c], max(level[code == c]))`` for sorted `code`, by reduceat."""
    prev, _ = _segments(code)
    starts = np.flatnonzero(~prev)
    out[code[starts]] = np.maximum(out[code[starts]], np.maximum.reduceat(level, starts))


# --------------------------------------------------------------------------- allocation


def _by_iv(by: object, n: int) -> tuple[LabelArray, IntpArray]:
    """Factorise `by`; codes in ``0..G`` with ``G`` = no class."""
    groups = factorize(by, n, data_name="start")
    if groups.codes is None:  # by=None: one class "all"
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
        arr = _object_numbers(shares, "shares")
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
    start: npt.ArrayLike,
    end: npt.ArrayLike,
    shares: object,
    *,
    by: object = None,
    as_of: object = None,
    at: npt.ArrayLike | None = None,
) -> AllocationResult:
    """Share of the work in progress held by each class of service, against the policy.

    Parameters
    ----------
    start : array_like of instants, shape (n,)
        Entry of each item into the system, typically its commitment
        (``NaT`` = not entered, never counted).
    end : array_like of instants, shape (n,)
        Exit, typically its delivery (``NaT`` = still in progress).
    shares : mapping or array_like
        Capacity allocation policy: the largest share of WIP each class may
        hold, in [0, 1] (NaN or ``None`` = no policy). A mapping ``{class:
        share}`` (classes it does not name have no policy; classes it names
        that hold no item are added with zero WIP), or an array aligned with
        the factorised classes (sorted labels, or the given ``labels``).
    by : array_like or tuple, optional
        Class of service of each item: labels, integer codes, ``(codes,
        labels)`` or a pandas Categorical (see :mod:`customer_kanban.metrics`).
        Items without a class count in the WIP but in no class, so the shares
        then add up to less than 1. Default: one class ``"all"``.
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
        ``wip`` (T,), ``counts``, ``actual`` and ``excess`` (G, T) at the
        instants `at`, and the intervals where a class held more than its share
        (``breaches``, with ``breach_count`` and ``breach_days`` per class),
        computed on every event.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If lengths differ, some `end` is before its `start`, a share lies
        outside [0, 1], an array of shares does not match the classes,
        `at` holds ``NaT`` or an instant after `as_of`, or the first entry is
        more than 292 years before `as_of` (a span ``datetime64[ns]`` cannot
        subtract).
    TypeError
        If the instants or `by` cannot be read, or a share is not a number.

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
    An item is in progress at `t` when ``start <= t < end`` (as in
    :func:`~customer_kanban.metrics.wip`); all events at one instant are
    applied together (the exit counts first, in effect). With no item in
    progress the share of every class is NaN (no division by zero) and no
    class is in breach. A class is in breach while ``counts / wip > share``
    (strictly; ``1 / 10 > 0.1`` is False). Memory: O(G × T) for the result.

    Examples
    --------
    Policy: at most 25 % of WIP expedite.

    >>> start = ["2024-01-01", "2024-01-01", "2024-01-02", "2024-01-03"]
    >>> end = ["2024-01-05", None, "2024-01-04", None]
    >>> cls = ["standard", "standard", "expedite", "expedite"]
    >>> r = allocation(start, end, {"expedite": 0.25}, by=cls, as_of="2024-01-06")
    >>> r.groups, r.at[[0, -1]]
    (array(['expedite', 'standard'], dtype='<U8'),
     array(['2024-01-01T00:00:00.000000000', '2024-01-05T00:00:00.000000000'],
           dtype='datetime64[ns]'))
    >>> r.wip, r.counts[0]
    (array([2, 3, 4, 3, 2]), array([0, 1, 2, 1, 1]))
    >>> r.actual[0].round(3), r.excess[0].round(3)
    (array([0.   , 0.333, 0.5  , 0.333, 0.5  ]), array([-0.25 ,  0.083,  0.25 ,  0.083,  0.25 ]))
    >>> r.breaches.start, r.breaches.end, r.breaches.days
    (array(['2024-01-02T00:00:00.000000000'], dtype='datetime64[ns]'),
     array(['NaT'], dtype='datetime64[ns]'), array([4.]))
    """
    e, lv, known, labels, codes, policy, q, t = _allocation_iv(start, end, shares, by, as_of, at)
    n_classes = len(labels)
    as_of_ns = int(t.astype("datetime64[ns]").view(np.int64))
    e_ns = e.view(np.int64)
    l_ns = lv.view(np.int64)
    inside = known & (e_ns <= as_of_ns)
    out_ok = inside & ~np.isnat(lv) & (l_ns <= as_of_ns)
    t_in = e_ns[inside]
    if t_in.size:  # every step lies in [first entry, as_of]
        check_span(
            np.datetime64(int(t_in.min()), "ns"), t, earlier_name="start", later_name="as_of"
        )
    # One step function per class (code n_classes = "no class"), then a common grid.
    code, time, level = _sweep(codes[inside], t_in, codes[out_ok], l_ns[out_ok], n_classes + 1)
    grid, counts_all = _on_grid(code, time, level, n_classes + 1)
    share_grid = _ratio(counts_all[:n_classes], counts_all.sum(axis=0)[np.newaxis, :])
    # Breaches on the exact grid, class by class as one long (class, instant) column.
    over = (share_grid > policy[:, np.newaxis]).ravel()  # NaN share or policy: False
    b_code = np.repeat(np.arange(n_classes, dtype=np.intp), len(grid))
    b_time = np.tile(grid, n_classes)
    runs, count, days = _breaches(b_code, b_time, over, share_grid.ravel(), as_of_ns, n_classes)
    at_out, counts, total = _sample(grid, counts_all, n_classes, q)
    if not len(t_in):
        warn_insufficient(
            "no item entered by `as_of`: every share is NaN"
            + (" (an empty result)" if q is None else "")
        )
    actual = _ratio(counts, total[np.newaxis, :])
    return AllocationResult(
        groups=labels,
        shares=policy,
        first_event=np.datetime64(int(t_in.min()), "ns") if len(t_in) else _NAT,
        as_of=t,
        at=at_out,
        wip=total.astype(np.int64),
        counts=counts,
        actual=actual,
        excess=actual - policy[:, np.newaxis],
        breach_count=count,
        breach_days=days,
        breaches=ShareBreaches(
            group=runs[0].astype(np.int64),
            start=_to_instants(runs[1]),
            end=_to_instants(runs[2]),
            days=runs[3] / NS_PER_DAY,
            peak=runs[4].astype(np.float64),
        ),
    )


def _allocation_iv(
    start: object, end: object, shares: object, by: object, as_of: object, at: object
) -> tuple[
    InstantArray,
    InstantArray,
    BoolArray,
    LabelArray,
    IntpArray,
    FloatArray,
    InstantArray | None,
    np.datetime64,
]:
    """Validate :func:`allocation` arguments.

    Returns ``(start, end, known, labels, codes, policy, at, as_of)``; codes in
    ``0..G`` with ``G`` = no class.
    """
    e, lv, known = _instant_pair(start, end, 1, names=("start", "end"))
    labels, codes = _by_iv(by, len(e))
    labels, codes, policy = _shares_iv(shares, labels, codes)
    q = None if at is None else as_instants(at, name="at")
    if q is not None:
        check_no_nat(q, name="at")
    t = _resolve_as_of(as_of, e, lv, known, *(() if q is None else (q,)))
    if q is not None and q.size and not np.isnat(t) and (q > t).any():
        rows = np.flatnonzero(q > t).tolist()
        raise ValidationError(
            f"`at` must not be after `as_of` ({t}); it is in {describe_rows(rows)}", rows=rows
        )
    return e, lv, known, labels, codes, policy, q, t


def _on_grid(
    code: IntpArray, time: Int64Array, level: Int64Array, n_codes: int
) -> tuple[Int64Array, Int64Array]:
    """The distinct instants of all codes and each code's step value there, shape (C, K)."""
    grid = np.sort(time)
    if len(grid) > 1:
        grid = grid[np.concatenate([[True], grid[1:] != grid[:-1]])]
    # Count of each code on the grid: the step value at the last step at or before t.
    counts = np.zeros((n_codes, len(grid)), dtype=np.int64)
    prev, _ = _segments(code)
    starts = np.flatnonzero(~prev)
    bounds = np.append(starts, len(code))
    for j in range(len(starts)):  # one pass per class present (a handful)
        lo, hi = bounds[j], bounds[j + 1]
        pos = np.searchsorted(time[lo:hi], grid, side="right") - 1
        vals = level[lo:hi][np.maximum(pos, 0)]
        counts[code[lo]] = np.where(pos >= 0, vals, 0)
    return grid, counts


def _sample(
    grid: Int64Array, counts_all: Int64Array, n_classes: int, q: InstantArray | None
) -> tuple[InstantArray, Int64Array, Int64Array]:
    """``(at, counts per class (G, T), total WIP (T,))`` at `q`, or on the grid if ``None``."""
    if q is None:
        return _to_instants(grid.copy()), counts_all[:n_classes].copy(), counts_all.sum(axis=0)
    k = len(grid)
    pos = np.searchsorted(grid, q.view(np.int64), side="right") - 1
    picked = counts_all[:, np.maximum(pos, 0)] if k else np.zeros((n_classes + 1, len(q)))
    picked = np.where(pos >= 0, picked, 0).astype(np.int64)
    return q, picked[:n_classes].copy(), picked.sum(axis=0)


def _ratio(num: npt.NDArray[Any], den: npt.NDArray[Any]) -> FloatArray:
    """``num / den`` broadcast, NaN where ``den == 0``."""
    shape = np.broadcast_shapes(np.shape(num), np.shape(den))
    out = np.full(shape, np.nan)
    np.divide(num, den, out=out, where=np.broadcast_to(den > 0, shape))
    return out

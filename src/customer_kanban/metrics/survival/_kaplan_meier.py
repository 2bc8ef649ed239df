"""Survival analysis of durations with right-censoring: the Kaplan–Meier estimator.

Unfinished work is the norm in a Kanban system: dropping it biases lead-time
percentiles low (the slow items are exactly the ones still open). The
Kaplan–Meier estimator keeps them as *right-censored* observations — "took at
least this long" — so the survival curve ``S(t) = P(duration > t)`` and its
quantiles use every item.

Definitions (the standard ones, as in lifelines and R's ``survival``):

* distinct event times ``t_1 < ... < t_J`` (durations of observed items);
* ``n_j`` items at risk at ``t_j`` (duration ``>= t_j``; an item censored at
  ``t_j`` is still at risk there), ``d_j`` events at ``t_j``;
* ``S(t) = prod_{t_j <= t} (1 - d_j / n_j)``, a right-continuous step function;
* Greenwood's variance ``sum_{t_j <= t} d_j / (n_j (n_j - d_j))`` and the
  pointwise "exponential Greenwood" (log-log) confidence band.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from statistics import NormalDist
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from customer_kanban._core.groups import Groups, describe_groups, factorize
from customer_kanban._core.instants import NS_PER_DAY
from customer_kanban._core.results import Result, result
from customer_kanban._core.threads import each
from customer_kanban._core.types import (
    BoolArray,
    FloatArray,
    Int64Array,
    IntpArray,
    LabelArray,
)
from customer_kanban._core.validation import (
    as_bool_or_unknown,
    as_durations,
    as_fraction,
    as_instant_scalar,
    as_instants,
    as_numbers,
    as_percentiles,
    check_not_before,
    check_same_length,
    check_span,
    warn_insufficient,
)
from customer_kanban.errors import ValidationError, describe_rows
from customer_kanban.metrics.service import PercentileResult

__all__ = [
    "SurvivalAttainmentResult",
    "SurvivalResult",
    "kaplan_meier",
    "kaplan_meier_from_instants",
    "km_attainment",
    "km_percentiles",
]


# S(t) is a product of rounded ratios: it can miss an exact level such as 0.5 by
# a few ulps. A level 1 - p counts as reached when S is within this relative
# tolerance of it, so that without censoring the quantile is the nearest-rank
# (inverted_cdf) one.
_LEVEL_RTOL = 1e-10


def _quantile_times(times: FloatArray, survival: FloatArray, p: FloatArray) -> FloatArray:
    """``inf{t_j : S(t_j) <= 1 - p}`` for each `p` (inf when never reached)."""
    level = (1.0 - p) * (1.0 + _LEVEL_RTOL)
    # -S is non-decreasing: the first index where -S >= -level is where S <= level.
    idx = np.searchsorted(-survival, -level, side="left")
    out = np.full(p.shape, np.inf)
    hit = idx < len(times)
    out[hit] = times[idx[hit]]
    return out


def times_of(t: object) -> FloatArray:
    """Durations [days] of any shape as float64: numbers only (no bool, text or instant)."""
    try:
        raw = np.asarray(t)
    except (TypeError, ValueError) as exc:  # a ragged nested sequence
        raise TypeError(f"`t` must be a number or an array of numbers [days]: {exc}") from exc
    numbers = raw.dtype.kind in "iuf"
    if raw.dtype.kind == "O":  # Python objects: numbers only (a bool is not one)
        numbers = all(
            isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
            for v in raw.ravel().tolist()
        )
    if not numbers:
        shown = repr(t)[:40]
        raise TypeError(f"`t` must be a number or an array of numbers [days], got {shown}")
    out: FloatArray = raw.astype(np.float64)
    return out


def _levels(q: object) -> tuple[FloatArray, bool]:
    """Percentiles `q` [%] as a 1-D array (``as_percentiles``); whether `q` was one number."""
    if isinstance(q, np.ndarray) and q.ndim == 0:
        q = q.reshape(1)[0]
    return as_percentiles(q), np.ndim(q) == 0  # type: ignore[arg-type]


@result
class SurvivalResult(Result):
    """A Kaplan–Meier survival curve with its pointwise confidence band.

    Attributes
    ----------
    times : numpy.ndarray of float64, shape (J,)
        Distinct event times (durations of observed items), ascending. [days]
    survival : numpy.ndarray of float64, shape (J,)
        ``S(times[j])``: estimated share of items taking longer than
        ``times[j]`` (the value just after the step), non-increasing in [0, 1].
    at_risk : numpy.ndarray of int64, shape (J,)
        ``n_j``: items with duration ``>= times[j]`` (censored ones included).
    events : numpy.ndarray of int64, shape (J,)
        ``d_j``: observed items with duration ``== times[j]``.
    low, high : numpy.ndarray of float64, shape (J,)
        Pointwise confidence band of ``survival`` at level `confidence`
        (Greenwood's variance, exponential "log-log" transform, as lifelines).
    n : int
        Items used (non-NaN durations).
    n_events : int
        Observed items among them (the rest are right-censored).
    confidence : float
        Level of the band, in (0, 1).

    Notes
    -----
    :meth:`to_frame` has one row per event time, with `n`, `n_events` and
    `confidence` as constant columns.
    """

    times: FloatArray
    survival: FloatArray
    at_risk: Int64Array
    events: Int64Array
    low: FloatArray
    high: FloatArray
    n: int
    n_events: int
    confidence: float

    _chart = "customer_kanban.plot._survival:survival_chart"

    @property
    def median(self) -> float:
        """Median duration ``percentile(50)`` [days]; ``inf`` if ``S`` stays above 0.5."""
        return self.percentile(50)

    @overload
    def percentile(self, q: float) -> float: ...

    @overload
    def percentile(self, q: npt.ArrayLike) -> FloatArray: ...

    def percentile(self, q: npt.ArrayLike) -> float | FloatArray:
        """Duration by which `q` % of items are expected to be done.

        Parameters
        ----------
        q : float or array_like of float, shape (Q,)
            Percentiles in [0, 100] (85 for "85 % of items"). [%]

        Returns
        -------
        float or numpy.ndarray of float64, shape (Q,)
            ``inf{t : S(t) <= 1 - q / 100}``, taken over the event times (so
            ``q = 0`` gives the first event time), ``inf`` where ``S`` never
            gets that low (e.g. the longest durations are censored). A float
            for a single `q`. [days]

        Raises
        ------
        customer_kanban.errors.ValidationError
            If a `q` is outside [0, 100], or every `q` is in (0, 1] (a
            fraction where a percentage is meant: ``"did you mean 85?"``).

        Notes
        -----
        ``S`` reaches the level ``1 - q / 100`` when it is within a relative
        ``1e-10`` of it, so that rounding in the product does not move a
        percentile to the next event time: without censoring the result
        equals ``np.percentile(durations, q, method="inverted_cdf")``.

        Examples
        --------
        >>> r = kaplan_meier([1.0, 2.0, 3.0, 4.0])
        >>> r.percentile(50), r.percentile([25, 100])
        (2.0, array([1., 4.]))
        """
        levels, single = _levels(q)
        out = _quantile_times(self.times, self.survival, levels / 100.0)
        return float(out[0]) if single else out

    @overload
    def evaluate(self, t: float) -> float: ...

    @overload
    def evaluate(self, t: npt.ArrayLike) -> FloatArray: ...

    def evaluate(self, t: npt.ArrayLike) -> float | FloatArray:
        """The survival function at arbitrary durations.

        Parameters
        ----------
        t : float or array_like of float
            Durations [days].

        Returns
        -------
        float or numpy.ndarray of float64
            ``S(t)``, right-continuous: 1 before the first event time, and the
            value of the last event time ``<= t`` after it; NaN where `t` is
            NaN. A float for a scalar `t`, else an array of the shape of `t`.

        Examples
        --------
        >>> r = kaplan_meier([1.0, 2.0, 3.0, 4.0])
        >>> r.evaluate(1.999), r.evaluate([0.0, 2.0, 10.0])
        (0.75, array([1. , 0.5, 0. ]))
        """
        ta = times_of(t)
        idx = np.searchsorted(self.times, ta, side="right")
        padded = np.concatenate(([1.0], self.survival))
        out = padded[idx]
        out = np.where(np.isnan(ta), np.nan, out)
        return float(out) if out.ndim == 0 else out


@result
class SurvivalAttainmentResult(Result):
    """Censoring-aware share of items done within a number of days, per group.

    Attributes
    ----------
    groups : numpy.ndarray, shape (G,)
        Group labels (``["all"]`` when ungrouped).
    days : numpy.ndarray of float64, shape (G,)
        The threshold of each group. [days]
    attainment : numpy.ndarray of float64, shape (G,)
        ``1 - S(days)`` (Kaplan–Meier) in [0, 1]; NaN where ``n == 0``.
    n : numpy.ndarray of int64, shape (G,)
        Items used (non-NaN durations), censored ones included.
    n_events : numpy.ndarray of int64, shape (G,)
        Observed (finished) items among them.
    """

    groups: LabelArray
    days: FloatArray
    attainment: FloatArray
    n: Int64Array
    n_events: Int64Array


# --------------------------------------------------------------------------- core


def _event_table(
    d: FloatArray, censored: BoolArray | None
) -> tuple[FloatArray, Int64Array, Int64Array]:
    """Event times, ``n_j`` and ``d_j`` of non-NaN, non-negative durations `d`.

    One sort. With censoring, each duration's bits (a non-negative float64
    orders like its bit pattern) are shifted left and the censoring flag put in
    the low bit: a single ``uint64`` sort orders by time, events before
    censorings at equal times. Runs of equal keys are then (time, kind) blocks;
    an event block starts its time's block, so ``n_j = n - start``.
    """
    n = d.size
    if n == 0:
        return np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64)
    if censored is None:
        keys: npt.NDArray[Any] = np.sort(d)
    else:
        bits = (d + 0.0).view(np.uint64)  # + 0.0 turns -0.0 into +0.0; a new array
        bits <<= np.uint64(1)
        bits |= censored
        bits.sort()
        keys = bits
    new = np.empty(n, dtype=np.bool_)
    new[0] = True
    np.not_equal(keys[1:], keys[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    counts = np.diff(starts, append=n).astype(np.int64, copy=False)
    if censored is None:
        times = keys[starts] + 0.0
        return times, (n - starts).astype(np.int64), counts
    run_keys = keys[starts]
    is_event = (run_keys & np.uint64(1)) == 0
    times = (run_keys[is_event] >> np.uint64(1)).view(np.float64)
    return times, (n - starts[is_event]).astype(np.int64), counts[is_event]


def _survival(at_risk: Int64Array, events: Int64Array) -> FloatArray:
    """``S_j = prod_{i <= j} (n_i - d_i) / n_i``."""
    out: FloatArray = np.cumprod((at_risk - events) / at_risk, dtype=np.float64)
    return out


def _curve(
    at_risk: Int64Array, events: Int64Array, confidence: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Survival and its exponential-Greenwood band (lifelines' formulas)."""
    n = at_risk.astype(np.float64)
    d = events.astype(np.float64)
    survival = _survival(at_risk, events)
    denom = n * (n - d)
    term = np.zeros_like(n)
    np.divide(d, denom, out=term, where=denom > 0)  # d_j == n_j contributes 0
    var = np.cumsum(term)
    # The two-sided normal quantile (AS241: full double precision, no scipy).
    z = NormalDist().inv_cdf((1.0 + confidence) / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.log(survival)
        log_minus_v = np.log(-v)
        half = z * np.sqrt(var) / v
        low = np.exp(-np.exp(log_minus_v - half))
        high = np.exp(-np.exp(log_minus_v + half))
    return survival, low, high


def _fit(d: FloatArray, censored: BoolArray | None, confidence: float) -> SurvivalResult:
    times, at_risk, events = _event_table(d, censored)
    survival, low, high = _curve(at_risk, events, confidence)
    return SurvivalResult(
        times=times,
        survival=survival,
        at_risk=at_risk,
        events=events,
        low=low,
        high=high,
        n=int(d.size),
        n_events=int(events.sum()),
        confidence=confidence,
    )


# --------------------------------------------------------------------------- validation


def _km_iv(durations: object, observed: object) -> tuple[FloatArray, BoolArray | None]:
    """Non-negative durations (NaN kept) and the censoring flags (``None`` = none)."""
    d = as_durations(durations, name="durations")
    if observed is None:
        return d, None
    obs, known = as_bool_or_unknown(observed, name="observed")
    check_same_length(durations=d, observed=obs)
    if known is not None:
        rows = np.flatnonzero(~known).tolist()
        raise ValidationError(
            f"`observed` must be True/False (no unknown) where `durations` is given; "
            f"it is unknown in {describe_rows(rows)}",
            rows=rows,
        )
    censored = ~obs
    return d, (censored if censored.any() else None)


def _drop_nan(d: FloatArray, censored: BoolArray | None) -> tuple[FloatArray, BoolArray | None]:
    keep = ~np.isnan(d)
    if keep.all():
        return d, censored
    return d[keep], (None if censored is None else censored[keep])


def _group_rows(groups: Groups) -> list[IntpArray | None]:
    """Rows of each group (``None`` = all rows) via one stable sort by group code."""
    if groups.codes is None:
        return [None]
    order = np.argsort(groups.codes, kind="stable")
    counts = np.bincount(groups.codes, minlength=groups.size + 1)
    bounds = np.concatenate(([0], np.cumsum(counts)))
    return [order[bounds[g] : bounds[g + 1]] for g in range(groups.size)]


def _grouped_fits(
    durations: object, observed: object, by: object
) -> tuple[Groups, list[tuple[FloatArray, Int64Array, Int64Array, int]]]:
    """Validate, factorise `by`, and build each group's event table and item count."""
    d, censored = _km_iv(durations, observed)
    groups = factorize(by, len(d), data_name="durations")
    fits = []
    for rows in _group_rows(groups):
        dg, cg = d, censored
        if rows is not None:
            dg, cg = d[rows], (None if censored is None else censored[rows])
        dg, cg = _drop_nan(dg, cg)
        times, at_risk, events = _event_table(dg, cg)
        fits.append((times, at_risk, events, int(dg.size)))
    return groups, fits


# --------------------------------------------------------------------------- public


def kaplan_meier(
    durations: npt.ArrayLike,
    observed: npt.ArrayLike | None = None,
    *,
    confidence: float = 0.95,
) -> SurvivalResult:
    """Kaplan–Meier estimate of the survival function of durations.

    Parameters
    ----------
    durations : array_like of float, shape (n,)
        Duration of each item, typically a lead time [days]; for an unfinished
        item, the time observed so far (its age). NaN rows are left out.
    observed : array_like of bool, shape (n,), optional
        True where the item finished (an event), False where it is
        right-censored (still open: it took *at least* its duration). Default:
        every item finished.
    confidence : float, optional
        Level of the pointwise confidence band, in (0, 1).

    Returns
    -------
    SurvivalResult
        Event times, ``S`` just after each, ``n_j``, ``d_j``, the band, and
        ``median`` / ``percentile(q)`` / ``evaluate(t)``.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If a duration is negative (the rows are named), `observed` is not
        True/False or has another length, or `confidence` is outside (0, 1).

    Warns
    -----
    InsufficientDataWarning
        If no duration is given (all NaN or empty): ``S = 1`` everywhere and
        the median is ``inf``.

    Notes
    -----
    At a time where some items finish and others are censored, the censored
    ones count as at risk (they lasted at least that long). The band follows
    lifelines' ``KaplanMeierFitter.confidence_interval_``: with Greenwood's
    ``V_j = sum_{i <= j} d_i / (n_i (n_i - d_i))`` (a term with
    ``d_i = n_i`` counts 0), ``v = log S`` and ``z`` the ``(1 + confidence) / 2``
    normal quantile, ``exp(-exp(log(-v) ∓ z sqrt(V) / v))``.

    One sort of the durations (with the censoring flag packed into the sort
    key) and run-length counting: O(n log n), no loop per item.

    Examples
    --------
    Five items: three finished after 2, 3 and 3 days; two still open after
    3 and 6 days.

    >>> r = kaplan_meier([2.0, 3.0, 3.0, 3.0, 6.0], [True, True, True, False, False])
    >>> r.times, r.at_risk, r.events
    (array([2., 3.]), array([5, 4]), array([1, 2]))
    >>> r.survival
    array([0.8, 0.4])
    >>> r.median, r.percentile(90)
    (3.0, inf)
    >>> r.low.round(3), r.high.round(3)  # 95 % band
    (array([0.204, 0.052]), array([0.969, 0.753]))
    """
    c = as_fraction(confidence, name="confidence")
    d, censored = _km_iv(durations, observed)
    d, censored = _drop_nan(d, censored)
    if d.size == 0:
        warn_insufficient("`durations` has no non-NaN value: S = 1 everywhere, median inf")
    return _fit(d, censored, c)


def kaplan_meier_from_instants(
    start: npt.ArrayLike,
    end: npt.ArrayLike,
    *,
    as_of: object,
    confidence: float = 0.95,
) -> SurvivalResult:
    """Kaplan–Meier estimate of durations from start and end instants.

    Parameters
    ----------
    start : array_like of instants, shape (n,)
        Start of each item (e.g. commitment); ``NaT`` = not started.
    end : array_like of instants, shape (n,)
        End of each item (e.g. delivery); ``NaT`` = not finished.
    as_of : instant
        The instant the data describes. Items finished by then are events
        with duration ``end - start``; unfinished ones (``end`` NaT or after
        `as_of`) are right-censored at ``as_of - start``; items not started by
        then (``start`` NaT or after `as_of`) are left out.
    confidence : float, optional
        Level of the pointwise confidence band, in (0, 1).

    Returns
    -------
    SurvivalResult
        As :func:`kaplan_meier`, durations in days.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If lengths differ, an `end` is before its `start`, `as_of` is not
        one instant, `confidence` is outside (0, 1), or an item started more
        than 292 years before `as_of` (a span ``datetime64[ns]`` cannot
        subtract).

    Warns
    -----
    InsufficientDataWarning
        If no item had started by `as_of`.

    Examples
    --------
    >>> start = ["2024-01-01", "2024-01-01", "2024-01-03", "2024-01-20"]
    >>> end = ["2024-01-03", None, "2024-01-15", None]
    >>> r = kaplan_meier_from_instants(start, end, as_of="2024-01-05")
    >>> r.n, r.n_events, r.times, r.survival  # censored at 4 and 2 days
    (3, 1, array([2.]), array([0.667]))
    """
    c = as_fraction(confidence, name="confidence")
    s = as_instants(start, name="start")
    e = as_instants(end, name="end")
    check_same_length(start=s, end=e)
    t = as_instant_scalar(as_of, name="as_of")
    check_not_before(s, e, start_name="start", end_name="end")
    started = s <= t  # NaT compares False
    check_span(s, t, earlier_name="start", later_name="as_of", where=started)
    done = e[started] <= t
    stop = np.where(done, e[started], t)
    d = (stop - s[started]).view(np.int64) / NS_PER_DAY
    censored = ~done
    if d.size == 0:
        warn_insufficient("no item had started by `as_of`: S = 1 everywhere, median inf")
    return _fit(d, censored if censored.any() else None, c)


def km_percentiles(
    durations: npt.ArrayLike,
    observed: npt.ArrayLike | None,
    q: npt.ArrayLike,
    *,
    by: object = None,
) -> PercentileResult:
    """Censoring-aware percentiles of durations (Kaplan–Meier quantiles), per group.

    Parameters
    ----------
    durations : array_like of float, shape (n,)
        Durations [days]; for an unfinished item its age. NaN rows are left out.
    observed : array_like of bool, shape (n,), or None
        True = finished, False = right-censored; ``None`` = all finished.
    q : float or sequence of float, shape (Q,)
        Percentiles in [0, 100]. [%]
    by : array_like or tuple, optional
        Groups, as for :func:`~customer_kanban.metrics.percentiles`.

    Returns
    -------
    PercentileResult
        ``values[g, k]`` = ``kaplan_meier(group g).percentile(q[k])``:
        ``inf`` where the group's curve never gets that low, NaN for a group
        without durations; ``counts[g]`` = non-NaN durations (censored ones
        included).

    Raises
    ------
    customer_kanban.errors.ValidationError
        If `q` is outside [0, 100] or every `q` is in (0, 1] (a fraction where
        a percentage is meant), a duration is negative, or lengths differ.

    Warns
    -----
    InsufficientDataWarning
        If a group has no non-NaN duration: its percentiles are NaN.

    Examples
    --------
    >>> d = [2.0, 3.0, 3.0, 3.0, 6.0, 1.0, 9.0]
    >>> obs = [True, True, True, False, False, True, True]
    >>> r = km_percentiles(d, obs, [50, 85], by=["a"] * 5 + ["b"] * 2)
    >>> r.groups, r.values, r.counts
    (array(['a', 'b'], dtype='<U1'), array([[ 3., inf], [ 1., 9.]]), array([5, 2]))
    """
    qa, _ = _levels(q)
    groups, fits = _grouped_fits(durations, observed, by)
    p = qa / 100.0
    values = np.full((groups.size, qa.size), np.nan)
    counts = np.zeros(groups.size, dtype=np.int64)
    for g, (times, at_risk, events, n) in enumerate(fits):
        counts[g] = n
        if n:
            values[g] = _quantile_times(times, _survival(at_risk, events), p)
    empty = counts == 0
    if empty.any():
        warn_insufficient(
            f"`durations` has no non-NaN value in {describe_groups(groups.labels, empty)}: "
            "their percentiles are NaN"
        )
    return PercentileResult(q=qa, groups=groups.labels, values=values, counts=counts)


def _attainment_days(days: npt.ArrayLike, size: int) -> FloatArray:
    """`days` of :func:`km_attainment`, one per group, each > 0."""
    limit = as_numbers(days, name="days", unit="days")
    if limit.ndim == 0:
        limit = np.full(size, float(limit))
    elif limit.shape != (size,):
        raise ValidationError(
            f"`days` must be one number or one per group ({size}); got shape {limit.shape}"
        )
    if not (limit > 0).all():
        raise ValidationError(f"`days` must be > 0 [days]; got {limit.tolist()}")
    return limit


#: Up to this many groups, each group's rows are taken by a mask over all rows (the groups
#: on the threads); beyond, by one stable sort of the kept rows' codes (time ~ n, not G * n).
_MASKED_GROUPS = 16

Durations = tuple[FloatArray, BoolArray | None]


def _upto(
    d: FloatArray, censored: BoolArray | None, groups: Groups, limit: FloatArray
) -> Callable[[int], Durations]:
    """``g -> (durations, censored)`` of the rows of group `g` whose duration is at most
    ``limit[g]``, in row order."""
    codes = groups.codes

    def take(rows: npt.NDArray[Any]) -> Durations:
        return d[rows], None if censored is None else censored[rows]

    if codes is None:
        return lambda g: take(d <= limit[0])  # NaN compares False
    if groups.size <= _MASKED_GROUPS:
        return lambda g: take((d <= limit[g]) & (codes == g))
    bound = np.append(limit, -np.inf)[codes]  # code G: in no group, never kept
    rows = np.flatnonzero(d <= bound)
    kept = codes[rows]
    rows = rows[np.argsort(kept, kind="stable")]  # by group, in row order within each
    per_group = np.bincount(kept, minlength=groups.size)
    ends = np.cumsum(per_group)
    starts = ends - per_group
    return lambda g: take(rows[starts[g] : ends[g]])


def _survival_at(upto: Callable[[int], Durations], g: int, size: int) -> float:
    """``1 - S(limit)`` of group `g` (NaN when it has no duration), from its durations up
    to its limit only (`upto`): they are the start of the group's sorted durations, so
    their event table is the start of the group's, with ``n_j`` short by the later ones
    (``size`` non-NaN durations in all), and the product up to the limit is the same to
    the last bit.
    """
    if not size:
        return math.nan
    dg, cg = upto(g)
    times, at_risk, events = _event_table(dg, cg)
    if not times.size:
        return 0.0
    at_risk += size - dg.size
    return 1.0 - float(_survival(at_risk, events)[-1])


def km_attainment(
    durations: npt.ArrayLike,
    observed: npt.ArrayLike | None,
    days: npt.ArrayLike,
    *,
    by: object = None,
) -> SurvivalAttainmentResult:
    """Censoring-aware share of items done within `days`: ``1 - S(days)`` per group.

    Parameters
    ----------
    durations : array_like of float, shape (n,)
        Durations [days]; for an unfinished item its age. NaN rows are left out.
    observed : array_like of bool, shape (n,), or None
        True = finished, False = right-censored; ``None`` = all finished.
    days : float or array_like of float, shape (G,)
        Threshold [days], > 0: one for all groups, or one per group (in the
        order of the result's ``groups``).
    by : array_like or tuple, optional
        Groups, as for :func:`~customer_kanban.metrics.sle_attainment`.

    Returns
    -------
    SurvivalAttainmentResult
        ``attainment[g] = 1 - S_g(days[g])`` in [0, 1]; NaN for a group
        without durations. Without censoring it equals
        :func:`~customer_kanban.metrics.sle_attainment`.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If a `days` is not > 0 or does not have one value per group, a
        duration is negative, or lengths differ.
    TypeError
        If `days` or `durations` are not numbers (booleans and text are
        refused).

    Warns
    -----
    InsufficientDataWarning
        If a group has no non-NaN duration: its attainment is NaN.

    Examples
    --------
    Four finished items, two open ones aged 1 and 10 days: within 5 days?

    >>> d = [2.0, 4.0, 7.0, 8.0, 1.0, 10.0]
    >>> obs = [True, True, True, True, False, False]
    >>> km_attainment(d, obs, 5).attainment  # S(5) = 4/5 * 3/4
    array([0.4])
    """
    d, censored = _km_iv(durations, observed)
    groups = factorize(by, len(d), data_name="durations")
    limit = _attainment_days(days, groups.size)
    known = ~np.isnan(d)
    n, n_events = groups.count_two(known, known if censored is None else known & ~censored)

    upto = _upto(d, censored, groups, limit)

    def one(g: int) -> float:
        return _survival_at(upto, g, int(n[g]))

    attainment = np.array(each(one, n.tolist()), dtype=np.float64).reshape(groups.size)
    empty = n == 0
    if empty.any():
        warn_insufficient(
            f"`durations` has no non-NaN value in {describe_groups(groups.labels, empty)}: "
            "their attainment is NaN"
        )
    return SurvivalAttainmentResult(
        groups=groups.labels, days=limit, attainment=attainment, n=n, n_events=n_events
    )

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

from statistics import NormalDist
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from customer_kanban._core.groups import Groups, describe_groups, factorize
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
    as_bool_or_unknown,
    as_durations,
    as_instant_scalar,
    as_instants,
    check_choice,
    check_not_before,
    check_same_length,
    warn_insufficient,
)
from customer_kanban.errors import ValidationError, describe_rows
from customer_kanban.metrics.service import PercentileResult

__all__ = [
    "ItemForecast",
    "SurvivalAttainmentResult",
    "SurvivalResult",
    "kaplan_meier",
    "kaplan_meier_from_instants",
    "km_attainment",
    "km_percentiles",
    "single_item_forecast",
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


def _as_probabilities(p: npt.ArrayLike) -> FloatArray:
    try:
        arr = np.asarray(p, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`p` must be a number or an array of numbers in [0, 1]: {exc}") from exc
    if not ((arr >= 0) & (arr <= 1)).all():
        raise ValidationError(f"`p` must lie in [0, 1]; got {arr.tolist()}")
    return arr


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
    lower, upper : numpy.ndarray of float64, shape (J,)
        Pointwise ``1 - alpha`` confidence band of ``survival`` (Greenwood's
        variance, exponential "log-log" transform, as lifelines).
    n : int
        Items used (non-NaN durations).
    n_events : int
        Observed items among them (the rest are right-censored).
    alpha : float
        Significance level of the band.
    """

    times: FloatArray
    survival: FloatArray
    at_risk: Int64Array
    events: Int64Array
    lower: FloatArray
    upper: FloatArray
    n: int
    n_events: int
    alpha: float

    @property
    def median(self) -> float:
        """Median duration ``quantile(0.5)`` [days]; ``inf`` if ``S`` stays above 0.5."""
        return self.quantile(0.5)

    @overload
    def quantile(self, p: float) -> float: ...

    @overload
    def quantile(self, p: npt.ArrayLike) -> FloatArray: ...

    def quantile(self, p: npt.ArrayLike) -> float | FloatArray:
        """Duration by which a share `p` of items is expected to be done.

        Parameters
        ----------
        p : float or array_like of float
            Shares in [0, 1] (0.85 for "85 % of items").

        Returns
        -------
        float or numpy.ndarray of float64
            ``inf{t : S(t) <= 1 - p}``, taken over the event times (so ``p = 0``
            gives the first event time), ``inf`` where ``S`` never gets that
            low (e.g. the longest durations are censored). A float for a
            scalar `p`, else an array of the shape of `p`. [days]

        Raises
        ------
        customer_kanban.errors.ValidationError
            If a `p` is outside [0, 1].

        Notes
        -----
        ``S`` reaches the level ``1 - p`` when it is within a relative
        ``1e-10`` of it, so that rounding in the product does not move a
        quantile to the next event time: without censoring the result equals
        ``np.quantile(durations, p, method="inverted_cdf")``.

        Examples
        --------
        >>> r = kaplan_meier([1.0, 2.0, 3.0, 4.0])
        >>> r.quantile(0.5), r.quantile([0.25, 1.0])
        (2.0, array([1., 4.]))
        """
        arr = _as_probabilities(p)
        out = _quantile_times(self.times, self.survival, arr.reshape(-1)).reshape(arr.shape)
        return float(out) if out.ndim == 0 else out

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
        try:
            ta = np.asarray(t, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"`t` must be a number or an array of numbers [days]: {exc}") from exc
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
    at_risk: Int64Array, events: Int64Array, alpha: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Survival and its exponential-Greenwood band (lifelines' formulas)."""
    n = at_risk.astype(np.float64)
    d = events.astype(np.float64)
    survival = _survival(at_risk, events)
    denom = n * (n - d)
    term = np.zeros_like(n)
    np.divide(d, denom, out=term, where=denom > 0)  # d_j == n_j contributes 0
    var = np.cumsum(term)
    z = NormalDist().inv_cdf(1.0 - alpha / 2.0)  # AS241: full double precision, no scipy
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.log(survival)
        log_minus_v = np.log(-v)
        half = z * np.sqrt(var) / v
        lower = np.exp(-np.exp(log_minus_v - half))
        upper = np.exp(-np.exp(log_minus_v + half))
    return survival, lower, upper


def _fit(d: FloatArray, censored: BoolArray | None, alpha: float) -> SurvivalResult:
    times, at_risk, events = _event_table(d, censored)
    survival, lower, upper = _curve(at_risk, events, alpha)
    return SurvivalResult(
        times=times,
        survival=survival,
        at_risk=at_risk,
        events=events,
        lower=lower,
        upper=upper,
        n=int(d.size),
        n_events=int(events.sum()),
        alpha=alpha,
    )


# --------------------------------------------------------------------------- validation


def _check_alpha(alpha: object) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.number)):
        raise TypeError(f"`alpha` must be a number, got {type(alpha).__name__}")
    a = float(alpha)
    if not 0 < a < 1:
        raise ValidationError(f"`alpha` must lie in (0, 1); got {a}")
    return a


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
    alpha: float = 0.05,
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
    alpha : float, optional
        Significance level of the pointwise confidence band, in (0, 1).

    Returns
    -------
    SurvivalResult
        Event times, ``S`` just after each, ``n_j``, ``d_j``, the band, and
        ``median`` / ``quantile(p)`` / ``evaluate(t)``.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If a duration is negative (the rows are named), `observed` is not
        True/False or has another length, or `alpha` is outside (0, 1).

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
    ``d_i = n_i`` counts 0), ``v = log S`` and ``z`` the ``1 - alpha / 2``
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
    >>> r.median, r.quantile(0.9)
    (3.0, inf)
    """
    a = _check_alpha(alpha)
    d, censored = _km_iv(durations, observed)
    d, censored = _drop_nan(d, censored)
    if d.size == 0:
        warn_insufficient("`durations` has no non-NaN value: S = 1 everywhere, median inf")
    return _fit(d, censored, a)


def kaplan_meier_from_instants(
    start: npt.ArrayLike,
    end: npt.ArrayLike,
    as_of: object,
    *,
    alpha: float = 0.05,
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
    alpha : float, optional
        Significance level of the confidence band, in (0, 1).

    Returns
    -------
    SurvivalResult
        As :func:`kaplan_meier`, durations in days.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If lengths differ, an `end` is before its `start`, or `as_of` is not
        one instant.

    Warns
    -----
    InsufficientDataWarning
        If no item had started by `as_of`.

    Examples
    --------
    >>> start = ["2024-01-01", "2024-01-01", "2024-01-03", "2024-01-20"]
    >>> end = ["2024-01-03", None, "2024-01-15", None]
    >>> r = kaplan_meier_from_instants(start, end, "2024-01-05")
    >>> r.n, r.n_events, r.times, r.survival  # censored at 4 and 2 days
    (3, 1, array([2.]), array([0.667]))
    """
    a = _check_alpha(alpha)
    s = as_instants(start, name="start")
    e = as_instants(end, name="end")
    check_same_length(start=s, end=e)
    t = as_instant_scalar(as_of, name="as_of")
    check_not_before(s, e, start_name="start", end_name="end")
    started = s <= t  # NaT compares False
    done = e[started] <= t
    stop = np.where(done, e[started], t)
    d = (stop - s[started]).view(np.int64) / NS_PER_DAY
    censored = ~done
    if d.size == 0:
        warn_insufficient("no item had started by `as_of`: S = 1 everywhere, median inf")
    return _fit(d, censored if censored.any() else None, a)


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
    q : float or sequence of float
        Percentiles in [0, 100]. [%]
    by : array_like or tuple, optional
        Groups, as for :func:`~customer_kanban.metrics.percentiles`.

    Returns
    -------
    PercentileResult
        ``values[g, k]`` = ``kaplan_meier(group g).quantile(q[k] / 100)``:
        ``inf`` where the group's curve never gets that low, NaN for a group
        without durations; ``counts[g]`` = non-NaN durations (censored ones
        included).

    Raises
    ------
    customer_kanban.errors.ValidationError
        If `q` is outside [0, 100], a duration is negative, or lengths differ.

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
    try:
        qa = np.asarray(q, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`q` must be a number or a sequence of numbers [%]: {exc}") from exc
    if qa.ndim > 1:
        raise ValidationError(f"`q` must be a scalar or one-dimensional; got shape {qa.shape}")
    qa = qa.reshape(-1)
    if not ((qa >= 0) & (qa <= 100)).all():
        raise ValidationError(f"`q` must lie in [0, 100] [%]; got {qa.tolist()}")
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
    groups, fits = _grouped_fits(durations, observed, by)
    try:
        limit = np.asarray(days, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`days` must be a number or one number per group: {exc}") from exc
    if limit.ndim == 0:
        limit = np.full(groups.size, float(limit))
    elif limit.shape != (groups.size,):
        raise ValidationError(
            f"`days` must be one number or one per group ({groups.size}); got shape {limit.shape}"
        )
    if not (limit > 0).all():
        raise ValidationError(f"`days` must be > 0 [days]; got {limit.tolist()}")
    attainment = np.full(groups.size, np.nan)
    n = np.zeros(groups.size, dtype=np.int64)
    n_events = np.zeros(groups.size, dtype=np.int64)
    for g, (times, at_risk, events, size) in enumerate(fits):
        n[g] = size
        n_events[g] = int(events.sum())
        if size:
            k = int(np.searchsorted(times, limit[g], side="right"))
            attainment[g] = 1.0 - (_survival(at_risk, events)[k - 1] if k else 1.0)
    empty = n == 0
    if empty.any():
        warn_insufficient(
            f"`durations` has no non-NaN value in {describe_groups(groups.labels, empty)}: "
            "their attainment is NaN"
        )
    return SurvivalAttainmentResult(
        groups=groups.labels, days=limit, attainment=attainment, n=n, n_events=n_events
    )


# --------------------------------------------------------------------------- single items


@result
class ItemForecast(Result):
    """When items already in progress will be done, from the conditional lead time.

    Attributes
    ----------
    ages : numpy.ndarray of float64, shape (m,)
        Age of each item in progress. [days]
    groups : numpy.ndarray, shape (m,)
        The history group each item was forecast from (``"all"`` without
        ``by``).
    method : str
        ``"kaplan_meier"`` (unfinished history censored) or ``"empirical"``
        (finished history only).
    percentiles : numpy.ndarray of float64, shape (Q,)
        Confidence levels. [%]
    remaining : numpy.ndarray of float64, shape (m, Q)
        ``remaining[i, k]``: the fewest further days within which item `i` is
        done with probability at least ``percentiles[k]`` %; ``inf`` when the
        history never gets there, NaN when the item is older than every
        history item (nothing to condition on). [days]
    dates : numpy.ndarray of datetime64[ns], shape (m, Q)
        ``as_of + remaining``; ``NaT`` without `as_of` or where `remaining`
        is not finite.
    within : numpy.ndarray of float64, shape (W,)
        The horizons asked for. [days]
    probability_within : numpy.ndarray of float64, shape (m, W)
        ``P(done within within[w] more days | still open at its age)``.
    support : numpy.ndarray of int64, shape (m,)
        History items of the group that lasted longer than the item's age
        (the evidence behind its forecast; small = uncertain).
    """

    ages: FloatArray
    groups: LabelArray
    method: str
    percentiles: FloatArray
    remaining: FloatArray
    dates: InstantArray
    within: FloatArray
    probability_within: FloatArray
    support: Int64Array


def _step_at(times: FloatArray, survival: FloatArray, x: FloatArray) -> FloatArray:
    """``S(x)`` of a right-continuous step curve (1 before the first time)."""
    k = np.searchsorted(times, x, side="right")
    padded = np.concatenate(([1.0], survival))
    out: FloatArray = padded[k]
    return out


def _item_groups(
    n_items: int, by: object, n_history: int, history_by: object
) -> tuple[Groups, IntpArray]:
    """History groups, and each item's history group (``G`` = none)."""
    if (by is None) != (history_by is None):
        raise ValidationError("`by` and `history_by` must be given together (or neither)")
    history = factorize(history_by, n_history, data_name="durations")
    if by is None:
        return history, np.zeros(n_items, dtype=np.intp)
    items = factorize(by, n_items, data_name="ages")
    index = {label: g for g, label in enumerate(history.labels.tolist())}
    lookup = np.array(
        [index.get(label, history.size) for label in items.labels.tolist()] + [history.size],
        dtype=np.intp,
    )
    assert items.codes is not None
    return history, lookup[items.codes]


def single_item_forecast(
    ages: npt.ArrayLike,
    durations: npt.ArrayLike,
    observed: npt.ArrayLike | None = None,
    *,
    percentiles: npt.ArrayLike = (50, 70, 85, 95),
    within: npt.ArrayLike = (),
    method: str = "kaplan_meier",
    by: object = None,
    history_by: object = None,
    as_of: object = None,
) -> ItemForecast:
    """Forecast when items in progress will be done, given how old they already are.

    An item open for `a` days has outlived every past item that took less:
    its remaining time follows the *conditional* lead-time distribution
    ``P(T <= a + d | T > a) = 1 - S(a + d) / S(a)``, with ``S`` estimated from
    the history (Kaplan–Meier, or the finished items only).

    Parameters
    ----------
    ages : array_like of float, shape (m,)
        Age of each item in progress [days] (e.g. :func:`work_item_age`);
        NaN gives NaN.
    durations : array_like of float, shape (n,)
        History: lead times of past items [days]; for an unfinished one, its
        age (then `observed` False). NaN rows are left out.
    observed : array_like of bool, shape (n,), optional
        True = finished, False = right-censored; default all finished.
    percentiles : array_like of float, optional
        Confidence levels in (0, 100] for `remaining` and `dates`. [%]
    within : float or array_like of float, optional
        Horizons (>= 0 days) for `probability_within`.
    method : {"kaplan_meier", "empirical"}, optional
        ``"kaplan_meier"``: every history item, unfinished ones censored;
        ``"empirical"``: finished history items only (the usual practice,
        optimistic when slow items are still open).
    by : array_like, optional
        Group of each item in progress (labels, e.g. its class of service);
        it is forecast from the history items of the same group. Needs
        `history_by`.
    history_by : array_like or tuple, optional
        Group of each history item (labels, codes, or ``(codes, labels)``).
    as_of : instant, optional
        The instant the ages refer to: gives `dates`.

    Returns
    -------
    ItemForecast
        Per item: the remaining days and dates at each confidence level, the
        probability of being done within each horizon, and the history
        support.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If an age or a history duration is negative, a percentile is outside
        (0, 100], a horizon is negative, `method` is unknown, only one of `by`
        and `history_by` is given, or lengths differ.

    Warns
    -----
    InsufficientDataWarning
        If some items cannot be forecast: older than every history item of
        their group, or in a group without history (their results are NaN).

    See Also
    --------
    forecast_when : when a number of items will be done, from throughput.
    kaplan_meier : the survival curve used here.

    Notes
    -----
    ``remaining`` at level ``q`` is ``inf{t : S(t) <= (1 - q) S(a)} - a``
    over the curve's steps (the Kaplan–Meier quantile of the conditional
    distribution; nearest rank without censoring). The curve of each group
    is built once; all items of a group are answered with ``searchsorted``
    (a loop over groups, none over items).

    Examples
    --------
    History: ten items took 1..10 days. An item already 6 days old has
    outlived six of them; the other four (7, 8, 9, 10) are equally likely.

    >>> history = np.arange(1.0, 11.0)
    >>> f = single_item_forecast([0.0, 6.0], history, percentiles=[50, 100], within=2)
    >>> f.remaining
    array([[ 5., 10.],
           [ 2.,  4.]])
    >>> f.probability_within
    array([[0.2],
           [0.5]])
    >>> f.support
    array([10,  4])
    """
    a = as_durations(ages, name="ages")
    m = check_choice(method, name="method", choices=("kaplan_meier", "empirical"))
    d, censored = _km_iv(durations, observed)
    q = _confidence_levels(percentiles)
    horizons = _horizons(within)
    t = None if as_of is None else as_instant_scalar(as_of, name="as_of")
    groups, item_group = _item_groups(a.size, by, d.size, history_by)

    remaining = np.full((a.size, q.size), np.nan)
    probability = np.full((a.size, horizons.size), np.nan)
    support = np.zeros(a.size, dtype=np.int64)
    for g, rows in enumerate(_group_rows(groups)):
        dg, cg = (d, censored) if rows is None else (d[rows], _take(censored, rows))
        dg, cg = _drop_nan(dg, cg)
        if m == "empirical" and cg is not None:
            dg, cg = dg[~cg], None
        mine = np.flatnonzero((item_group == g) & ~np.isnan(a))
        if mine.size == 0 or dg.size == 0:
            continue
        times, at_risk, events = _event_table(dg, cg)
        survival = _survival(at_risk, events)
        age = a[mine]
        if times.size == 0:  # every history item still open: S = 1, nothing ends
            support[mine] = dg.size - np.searchsorted(np.sort(dg), age, side="right")
            remaining[mine] = np.inf
            probability[mine] = 0.0
            continue
        support[mine] = dg.size - np.searchsorted(np.sort(dg), age, side="right")
        s_age = _step_at(times, survival, age)
        alive = s_age > 0
        rows_alive, age_alive, s_alive = mine[alive], age[alive], s_age[alive]
        if horizons.size:
            later = _step_at(times, survival, age_alive[:, None] + horizons[None, :])
            probability[rows_alive] = 1.0 - later / s_alive[:, None]
        level = (1.0 - q[None, :] / 100.0) * s_alive[:, None] * (1.0 + _LEVEL_RTOL)
        idx = np.searchsorted(-survival, -level, side="left")
        hit = idx < times.size
        done_at = np.where(hit, times[np.minimum(idx, times.size - 1)], np.inf)
        remaining[rows_alive] = done_at - age_alive[:, None]

    unknown = ~np.isnan(a) & np.isnan(remaining[:, 0]) if q.size else np.zeros(a.size, bool)
    if unknown.any():
        warn_insufficient(
            f"{int(unknown.sum())} item(s) cannot be forecast (older than every history item "
            f"of their group, or a group without history), e.g. "
            f"{describe_rows(np.flatnonzero(unknown).tolist())}: their results are NaN"
        )
    if (item_group < groups.size).all():
        labels = groups.labels[item_group]
    else:  # items of a group without history: label None
        padded = np.empty(groups.size + 1, dtype=object)
        padded[: groups.size] = groups.labels
        labels = padded[item_group]
    dates = np.full(remaining.shape, np.datetime64("NaT", "ns"))
    if t is not None:
        finite = np.isfinite(remaining)
        step = np.round(remaining[finite] * NS_PER_DAY).astype(np.int64)
        dates[finite] = t + step.astype("timedelta64[ns]")
    return ItemForecast(
        ages=a,
        groups=labels,
        method=m,
        percentiles=q,
        remaining=remaining,
        dates=dates,
        within=horizons,
        probability_within=probability,
        support=support,
    )


def _take(censored: BoolArray | None, rows: IntpArray) -> BoolArray | None:
    return None if censored is None else censored[rows]


def _confidence_levels(percentiles: object) -> FloatArray:
    try:
        q = np.asarray(percentiles, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`percentiles` must be a sequence of numbers [%]: {exc}") from exc
    if not ((q > 0) & (q <= 100)).all():
        raise ValidationError(f"`percentiles` must lie in (0, 100] [%]; got {q.tolist()}")
    return q


def _horizons(within: object) -> FloatArray:
    try:
        w = np.asarray(within, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`within` must be a number or numbers of days: {exc}") from exc
    if not (w >= 0).all():
        raise ValidationError(f"`within` must be >= 0 [days]; got {w.tolist()}")
    return w

"""Predictability of lead times: the tail ratio, and the SLE a service can promise.

Two questions a service delivery review asks of its lead times:

* *How fat is the tail?* :func:`tail_ratio` = ``Q98 / Q50``, scale-free (1 for
  a perfectly predictable service). For a Weibull distribution it depends on
  the shape `k` only, ``(ln 50 / ln 2) ** (1 / k)``: 5.64 for the exponential
  (``k = 1``), 3.17 for ``k = 1.5``, 10.1 for ``k = 0.75``. Cut-offs such as
  "fat above 5.6" circulate in Kanban training without a published source:
  :meth:`TailRatioResult.fat_tailed` takes the threshold as an argument.
* *What can we promise?* :func:`recommend_sle` = the number of days within
  which the given share of items finished, with a bootstrap confidence
  interval saying how sure the history makes us.
"""

from __future__ import annotations

import warnings
from typing import Literal, cast

import numpy as np
import numpy.typing as npt

from customer_kanban._core.groups import describe_groups
from customer_kanban._core.results import Result, result
from customer_kanban._core.types import BoolArray, FloatArray, Int64Array, LabelArray
from customer_kanban._core.validation import (
    PercentileMethod,
    as_durations,
    as_fraction,
    as_generator,
    as_whole_number,
    check_by,
    check_choice,
    choices_of,
    warn_insufficient,
)
from customer_kanban.errors import InsufficientDataWarning, ValidationError
from customer_kanban.metrics.service import percentiles
from customer_kanban.metrics.survival._kaplan_meier import (
    _drop_nan,
    _group_rows,
    _km_iv,
    km_percentiles,
)

__all__ = ["SLERecommendation", "TailRatioResult", "recommend_sle", "tail_ratio"]

#: Percentile methods of :func:`tail_ratio` without censoring (numpy's names).
TailMethod = Literal["inverted_cdf", "linear", "hazen", "weibull", "median_unbiased", "higher"]
TAIL_METHODS = choices_of(TailMethod)
#: Largest `min_size` of :func:`tail_ratio`: more finished items than any history holds.
MAX_MIN_SIZE = 10**9
#: Largest `resamples` of :func:`recommend_sle` per group: O(resamples log n) time and
#: 24 bytes per resample (about 0.3 s and 24 MB at the bound, n = 10**5).
MAX_RESAMPLES = 10**6


@result
class TailRatioResult(Result):
    """Tail ratio ``Q98 / Q50`` of lead times per group.

    Attributes
    ----------
    groups : numpy.ndarray, shape (G,)
        Group labels (``"all"`` without ``by``).
    ratio : numpy.ndarray of float64, shape (G,)
        ``q98 / q50``; NaN with fewer than ``min_size`` finished items, or
        where ``q50`` is 0 or ``q98`` infinite (censored tail). [1]
    q50, q98 : numpy.ndarray of float64, shape (G,)
        The median and the 98th percentile (computed whatever the sample
        size; NaN for a group without finished items). [days]
    n : numpy.ndarray of int64, shape (G,)
        Finished items per group (censored ones not counted).
    min_size : int
        The minimum number of finished items asked for.
    """

    groups: LabelArray
    ratio: FloatArray
    q50: FloatArray
    q98: FloatArray
    n: Int64Array
    min_size: int

    def fat_tailed(self, threshold: float) -> BoolArray:
        """Groups whose tail ratio exceeds `threshold` (NaN ratios: False).

        Parameters
        ----------
        threshold : float
            Cut-off (> 1). 5.64 is the exponential distribution's ratio; no
            value is canonical.

        Returns
        -------
        numpy.ndarray of bool, shape (G,)

        Examples
        --------
        >>> r = tail_ratio(np.arange(1.0, 101.0) ** 2)
        >>> r.ratio.round(2), r.fat_tailed(3.0)
        (array([3.84]), array([ True]))
        """
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.number)):
            raise TypeError(f"`threshold` must be a number, got {type(threshold).__name__}")
        if not float(threshold) > 1:
            raise ValidationError(f"`threshold` must be > 1; got {threshold}")
        out: BoolArray = np.nan_to_num(self.ratio, nan=-np.inf) > float(threshold)
        return out


@result
class SLERecommendation(Result):
    """Service level expectation a history supports, with its bootstrap interval.

    Attributes
    ----------
    groups : numpy.ndarray, shape (G,)
        Group labels (``"all"`` without ``by``).
    probability : float
        The share of items the SLE promises, e.g. 0.85 for "85 % within N
        days".
    percentile : numpy.ndarray of float64, shape (G,)
        The lead time at the ``100 * probability`` percentile: the smallest
        lead time within which at least `probability` of the group's items
        finished (nearest rank, numpy's ``inverted_cdf``). [days]
    days : numpy.ndarray of float64, shape (G,)
        ``ceil(percentile)``: whole days to promise. [days]
    low, high : numpy.ndarray of float64, shape (G,)
        Bootstrap percentile interval of `percentile` at level `confidence`.
        [days]
    n : numpy.ndarray of int64, shape (G,)
        Finished items per group.
    confidence : float
        Level of the interval.
    resamples : int
        Bootstrap resamples per group (0: the exact bootstrap distribution).
    """

    groups: LabelArray
    probability: float
    percentile: FloatArray
    days: FloatArray
    low: FloatArray
    high: FloatArray
    n: Int64Array
    confidence: float
    resamples: int


def tail_ratio(
    durations: npt.ArrayLike,
    observed: npt.ArrayLike | None = None,
    *,
    by: object = None,
    min_size: int = 50,
    method: TailMethod = "inverted_cdf",
) -> TailRatioResult:
    """Tail ratio ``Q98 / Q50`` of lead times, per group.

    Parameters
    ----------
    durations : array_like of float, shape (n,)
        Lead times [days]; NaN rows are left out (unfinished items, unless
        `observed` is given).
    observed : array_like of bool, shape (n,), optional
        True = finished, False = still open with `durations` its age: the
        percentiles are then Kaplan–Meier quantiles (censoring-aware).
    by : array_like or tuple, optional
        Groups, as for every grouped metric.
    min_size : int, optional
        Fewest finished items for a ratio (>= 2, at most 10**9). With fewer, Q98 is about the
        maximum and means little: the ratio is NaN and a warning is issued.
    method : {"inverted_cdf", "linear", "hazen", "weibull", "median_unbiased", "higher"}, optional
        numpy percentile method without censoring (default ``"inverted_cdf"``,
        nearest rank, which is what the censoring-aware percentile reduces
        to).

    Returns
    -------
    TailRatioResult
        Ratio, Q50, Q98 and finished items per group.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If a duration is negative, `min_size` < 2 or above 10**9, `method`
        is unknown, or lengths differ.

    Warns
    -----
    InsufficientDataWarning
        If a group has fewer than `min_size` finished items, a median of 0,
        or an infinite Q98 (too many open items in the tail): its ratio is NaN.

    Examples
    --------
    A Weibull sample of shape 1 (exponential): the ratio is near 5.64.

    >>> d = np.random.default_rng(1).weibull(1.0, size=20_000)
    >>> float(tail_ratio(d).ratio[0].round(1))
    5.6
    >>> with warnings.catch_warnings(record=True):
    ...     warnings.simplefilter("ignore")
    ...     tail_ratio([1.0, 2.0, 30.0]).ratio
    array([nan])
    """
    smallest = as_whole_number(min_size, name="min_size", minimum=2, maximum=MAX_MIN_SIZE)
    m = check_choice(method, name="method", choices=TAIL_METHODS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        if observed is None:
            d = as_durations(durations, name="durations")
            r = percentiles(d, [50, 98], by=by, method=cast("PercentileMethod", m))
            n = r.counts
        else:
            r = km_percentiles(durations, observed, [50, 98], by=by)
            d, censored = _km_iv(durations, observed)
            finished = ~np.isnan(d) if censored is None else ~np.isnan(d) & ~censored
            groups = check_by(by, d.size, "durations")
            n = groups.count(finished, n=d.size)
    q50, q98 = r.values[:, 0], r.values[:, 1]
    small = n < smallest
    undefined = ~small & ((q50 == 0) | ~np.isfinite(q98))
    ratio = np.full(q50.shape, np.nan)
    ok = ~small & ~undefined
    ratio[ok] = q98[ok] / q50[ok]
    if small.any():
        warn_insufficient(
            f"fewer than `min_size` = {smallest} finished items in "
            f"{describe_groups(r.groups, small)}: their tail ratio is NaN"
        )
    if undefined.any():
        warn_insufficient(
            f"the median is 0 or the 98th percentile is not reached in "
            f"{describe_groups(r.groups, undefined)}: their tail ratio is NaN"
        )
    return TailRatioResult(groups=r.groups, ratio=ratio, q50=q50, q98=q98, n=n, min_size=smallest)


def _rank(n: int, probability: float) -> int:
    """1-based rank numpy's ``inverted_cdf`` picks among `n` sorted values."""
    return int(np.percentile(np.arange(n), 100 * probability, method="inverted_cdf")) + 1


def _bootstrap_cdf(sorted_values: FloatArray, probability: float) -> tuple[FloatArray, FloatArray]:
    """Exact distribution of the resampled ``inverted_cdf`` quantile.

    A resample (n draws with replacement) has its k-th smallest value at most
    ``v`` exactly when at least k draws are ``<= v``: with ``c(v)`` sample
    values ``<= v``, that count is Binomial(n, c(v) / n), so
    ``P(stat <= v) = P(Binomial(n, c(v)/n) >= k)``.

    Returns
    -------
    (values, cdf)
        Distinct sample values, ascending, and ``P(stat <= value)``.
    """
    from scipy.special import bdtrc  # P(X > k) of a binomial

    n = sorted_values.size
    new = np.empty(n, dtype=np.bool_)
    new[:1] = True
    np.not_equal(sorted_values[1:], sorted_values[:-1], out=new[1:])
    last = np.append(np.flatnonzero(new)[1:], n) - 1  # last index of each distinct value
    values = sorted_values[last]
    k = _rank(n, probability)
    cdf = np.asarray(bdtrc(k - 1, n, (last + 1) / n), dtype=np.float64)
    cdf[-1] = 1.0  # c = n: every draw is <= the maximum
    return values, cdf


def _interval(
    ordered: FloatArray,
    probability: float,
    levels: FloatArray,
    resamples: int | None,
    stream: np.random.Generator | None,
) -> tuple[float, float]:
    """Bootstrap interval (nearest-rank percentiles `levels`) of one group's quantile."""
    values, cdf = _bootstrap_cdf(ordered, probability)
    if stream is None or resamples is None:  # nearest-rank percentiles of the exact distribution
        idx = np.searchsorted(cdf, levels * (1 - 1e-12), side="left")
        low, high = values[np.minimum(idx, values.size - 1)]
    else:
        u = stream.random(resamples)
        draws = values[np.minimum(np.searchsorted(cdf, u, side="left"), values.size - 1)]
        low, high = np.percentile(draws, 100 * levels, method="inverted_cdf")
    return float(low), float(high)


def recommend_sle(
    durations: npt.ArrayLike,
    *,
    probability: float = 0.85,
    by: object = None,
    confidence: float = 0.95,
    resamples: int | None = 10_000,
    rng: np.random.Generator | int | None = None,
) -> SLERecommendation:
    """The service level expectation a lead-time history supports, with a bootstrap interval.

    Parameters
    ----------
    durations : array_like of float, shape (n,)
        Lead times of finished items [days]; NaN (unfinished) is left out.
    probability : float, optional
        Share of items the SLE promises, in (0, 1): 0.85 gives "85 % of
        requests within N days".
    by : array_like or tuple, optional
        Groups (class of service, segment, customer), as for every grouped
        metric.
    confidence : float, optional
        Level of the confidence interval, in (0, 1).
    resamples : int or None, optional
        Bootstrap resamples per group (1 to 10**6). ``None``: the exact bootstrap
        distribution (the limit of infinitely many resamples; no randomness).
    rng : numpy.random.Generator or int or None, optional
        Source of randomness for the resamples: a generator, a seed >= 0, or
        ``None`` for fresh entropy. Each group draws from its own
        ``rng.spawn`` child.

    Returns
    -------
    SLERecommendation
        Per group: the nearest-rank percentile, the whole days to promise,
        and the bootstrap percentile interval of the percentile.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If a duration is negative, `probability` or `confidence` is outside
        (0, 1), `resamples` < 1 or above 10**6, `rng` is a negative seed, or
        lengths differ.
    TypeError
        If `rng` is not None, an int or a :class:`numpy.random.Generator`
        (a ``RandomState`` or a bit generator is refused), or `resamples` is
        not a whole number or None.

    Warns
    -----
    InsufficientDataWarning
        If a group has no finished item: its figures are NaN.

    Notes
    -----
    The bootstrap resamples the finished items with replacement and takes the
    same nearest-rank percentile of each resample; the interval is the
    ``(1 ± confidence) / 2`` nearest-rank percentiles of those values.
    The resampled percentile is an order statistic, whose distribution is
    known exactly (see ``_bootstrap_cdf``): each resample's value is drawn
    from it by inversion, at the cost of one uniform number, instead of
    drawing and sorting `n` values. The result is distributed exactly as the
    resample-and-sort bootstrap; the cost is O(n log n + resamples log n)
    per group instead of O(resamples · n log n).

    Examples
    --------
    >>> lt = np.arange(1.0, 41.0)  # 40 items took 1, 2, ..., 40 days
    >>> r = recommend_sle(lt, probability=0.85, resamples=None)
    >>> r.percentile, r.days, r.low, r.high
    (array([34.]), array([34.]), array([29.]), array([38.]))
    """
    p = as_fraction(probability, name="probability")
    c = as_fraction(confidence, name="confidence")
    n_resamples = (
        None
        if resamples is None
        else as_whole_number(resamples, name="resamples", minimum=1, maximum=MAX_RESAMPLES)
    )
    generator = as_generator(rng)
    d = as_durations(durations, name="durations")
    groups = check_by(by, d.size, "durations")
    size = groups.size
    percentile = np.full(size, np.nan)
    low = np.full(size, np.nan)
    high = np.full(size, np.nan)
    n = np.zeros(size, dtype=np.int64)
    streams = None if n_resamples is None else generator.spawn(size)
    levels = np.array([(1 - c) / 2, (1 + c) / 2])
    for g, rows in enumerate(_group_rows(groups)):
        dg, _ = _drop_nan(d if rows is None else d[rows], None)
        n[g] = dg.size
        if dg.size == 0:
            continue
        ordered = np.sort(dg)
        percentile[g] = ordered[_rank(dg.size, p) - 1]
        stream = None if streams is None else streams[g]
        low[g], high[g] = _interval(ordered, p, levels, n_resamples, stream)
    empty = n == 0
    if empty.any():
        warn_insufficient(
            f"`durations` has no finished item in {describe_groups(groups.labels, empty)}: "
            "their recommendation is NaN"
        )
    return SLERecommendation(
        groups=groups.labels,
        probability=p,
        percentile=percentile,
        days=np.ceil(percentile),
        low=low,
        high=high,
        n=n,
        confidence=c,
        resamples=0 if n_resamples is None else n_resamples,
    )

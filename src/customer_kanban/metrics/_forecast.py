"""Monte Carlo forecasts from daily throughput: "when" and "how many".

Both forecasts resample a window of past daily throughput with replacement
(every future day independently draws one past day) and summarise many
simulated futures ("trials"). Randomness comes only from the `rng` argument
(a :class:`numpy.random.Generator`, a seed, or ``None`` for fresh entropy):
the same seed and the same arguments give the same result. Trials are
simulated in batches of bounded memory, without a Python loop per trial or per
simulated day.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from customer_kanban._serialize import Exportable
from customer_kanban.errors import CustomerKanbanWarning, ValidationError, describe_rows
from customer_kanban.metrics._types import FloatArray, InstantArray, Int64Array
from customer_kanban.metrics._validation import (
    as_float_array,
    as_instant_scalar,
    as_instants,
)

__all__ = [
    "HowManyForecast",
    "WhenForecast",
    "daily_throughput",
    "forecast_how_many",
    "forecast_when",
]


#: Matrix entries (trials × simulated days) held at once by default.
_BUDGET = 1 << 24
#: Default number of trials per batch of :func:`forecast_when`.
_WHEN_BATCH = 1 << 14
#: Width (days) of the first block of simulated days; later blocks double.
_FIRST_BLOCK = 64
_NAT_D = np.datetime64("NaT", "D")


def _equal_nan(a: npt.NDArray[Any], b: npt.NDArray[Any]) -> bool:
    return bool(np.array_equal(a, b, equal_nan=True))


_EQ = attrs.cmp_using(eq=np.array_equal)
_EQ_NAN = attrs.cmp_using(eq=_equal_nan)


# --------------------------------------------------------------------------- results


@attrs.frozen(kw_only=True)
class WhenForecast(Exportable):
    """Distribution of the number of days needed to deliver a number of items.

    Attributes
    ----------
    days : numpy.ndarray of float64, shape (trials,)
        Days each trial needed (whole numbers; ``inf`` for a trial not done
        within ``max_days``; 0 when nothing was to be delivered). [days]
    percentiles : numpy.ndarray of float64, shape (Q,)
        The confidence levels asked for. [%]
    values : numpy.ndarray of float64, shape (Q,)
        ``values[k]``: the smallest number of days within which at least
        ``percentiles[k]`` % of the trials were done (``inverted_cdf``, that
        is nearest rank rounding up: never optimistic). [days]
    dates : numpy.ndarray of datetime64[D], shape (Q,)
        ``start + values`` (UTC dates); ``NaT`` without a `start` (and where a
        value is ``inf``).
    completion : numpy.ndarray of datetime64[D], shape (trials,)
        ``start + days`` per trial; all ``NaT`` without a `start`.
    start : numpy.ndarray of datetime64[D], shape (1,)
        The day the forecast starts from (day 0); ``NaT`` if not given.
    """

    days: FloatArray = attrs.field(eq=_EQ_NAN, hash=False)
    percentiles: FloatArray = attrs.field(eq=_EQ, hash=False)
    values: FloatArray = attrs.field(eq=_EQ_NAN, hash=False)
    dates: InstantArray = attrs.field(eq=_EQ_NAN, hash=False)
    completion: InstantArray = attrs.field(eq=_EQ_NAN, hash=False)
    start: InstantArray = attrs.field(eq=_EQ_NAN, hash=False)

    def probability_by(self, when: object) -> float:
        """Share of trials done on or before a number of days or a date.

        Parameters
        ----------
        when : number or instant
            Days after `start` (a number), or an instant (only when the
            forecast has a `start`; it counts by its UTC date).

        Returns
        -------
        float
            Share in [0, 1] of trials with ``days <= when`` (or
            ``completion <= date of when``).

        Raises
        ------
        customer_kanban.errors.ValidationError
            If `when` is NaN, or an instant while the forecast has no `start`.

        Examples
        --------
        >>> f = forecast_when([1, 1, 2], 4, trials=1000, start="2024-03-01", rng=42)
        >>> f.probability_by(1), f.probability_by(4)
        (0.0, 1.0)
        >>> f.probability_by("2024-03-03") == f.probability_by(2)
        True
        """
        if isinstance(when, (int, float, np.integer, np.floating)) and not isinstance(
            when, (bool, np.bool_)
        ):
            limit = float(when)
            if math.isnan(limit):
                raise ValidationError("`when` must be a number of days or an instant; got NaN")
        else:
            if np.isnat(self.start[0]):
                raise ValidationError(
                    "`when` can be an instant only for a forecast made with `start`; "
                    "pass a number of days instead"
                )
            day = as_instant_scalar(when, name="when").astype("datetime64[D]")
            limit = float((day - self.start[0]) / np.timedelta64(1, "D"))
        if self.days.size == 0:
            return math.nan
        return float(np.count_nonzero(self.days <= limit) / self.days.size)


@attrs.frozen(kw_only=True)
class HowManyForecast(Exportable):
    """Distribution of the number of items delivered in a number of days.

    Attributes
    ----------
    counts : numpy.ndarray of int64, shape (trials,)
        Items each trial delivered in ``days`` days.
    days : int
        The number of days simulated. [days]
    percentiles : numpy.ndarray of float64, shape (Q,)
        The confidence levels asked for. [%]
    values : numpy.ndarray of int64, shape (Q,)
        ``values[k]``: the largest count `N` such that at least
        ``percentiles[k]`` % of the trials delivered `N` or more ("an 85 %
        chance of `N` items or more"). Non-increasing in the percentile.
    """

    counts: Int64Array = attrs.field(eq=_EQ, hash=False)
    days: int
    percentiles: FloatArray = attrs.field(eq=_EQ, hash=False)
    values: Int64Array = attrs.field(eq=_EQ, hash=False)


# --------------------------------------------------------------------------- validation


def _check_int(value: object, *, name: str, minimum: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"`{name}` must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValidationError(f"`{name}` must be >= {minimum}; got {value}")
    return int(value)


def _sample_iv(values: object) -> Int64Array:
    """Past daily throughput: whole numbers >= 0, at least one delivery."""
    arr = as_float_array(values, name="daily_throughput")
    bad = ~((arr >= 0) & (arr == np.floor(arr)) & np.isfinite(arr))
    if bad.any():
        rows = np.flatnonzero(bad).tolist()
        raise ValidationError(
            "`daily_throughput` must hold whole numbers >= 0 (items per day); "
            f"it does not in {describe_rows(rows)}",
            rows=rows,
        )
    if not (arr > 0).any():
        raise ValidationError("`daily_throughput` has no deliveries: the forecast would never end")
    return arr.astype(np.int64)


def _percentiles_iv(percentiles: object) -> FloatArray:
    try:
        q = np.asarray(percentiles, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`percentiles` must be a sequence of numbers [%]: {exc}") from exc
    if q.ndim > 1:
        raise ValidationError(
            f"`percentiles` must be a scalar or one-dimensional; got shape {q.shape}"
        )
    q = q.reshape(-1)
    if not ((q > 0) & (q <= 100)).all():
        raise ValidationError(f"`percentiles` must lie in (0, 100] [%]; got {q.tolist()}")
    return q


def _split_rate_iv(split_rate: object) -> tuple[float, float] | None:
    if split_rate is None:
        return None
    try:
        low, high = (float(v) for v in split_rate)  # type: ignore[attr-defined]
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`split_rate` must be a pair of numbers (low, high): {exc}") from exc
    if not (0 < low <= high and math.isfinite(high)):
        raise ValidationError(
            f"`split_rate` must satisfy 0 < low <= high (finite); got ({low}, {high})"
        )
    return low, high


def _generator(rng: np.random.Generator | int | None) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(rng)


def _index_dtype(n: int) -> type[np.unsignedinteger[Any]]:
    """Smallest unsigned type holding indices ``0..n-1`` (cheaper random draws)."""
    if n <= 1 << 8:
        return np.uint8
    if n <= 1 << 16:
        return np.uint16
    return np.uint32


# --------------------------------------------------------------------------- public


def daily_throughput(delivered: npt.ArrayLike, *, start: object, stop: object) -> Int64Array:
    """Deliveries per UTC calendar day, days without deliveries included.

    Parameters
    ----------
    delivered : array_like of instants, shape (n,)
        Delivery instant of each item (``NaT`` = not delivered, ignored).
    start, stop : instant
        First and last instants of the window; every UTC calendar day from the
        day of `start` to the day of `stop` (both included) gets a count.

    Returns
    -------
    numpy.ndarray of int64, shape (days,)
        Items delivered on each day of the window; deliveries outside it are
        not counted.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If `stop` is before `start`, or either is missing or ``NaT``.

    Examples
    --------
    >>> daily_throughput(["2024-01-01T10:00", "2024-01-03", "2024-01-03T23:59", None],
    ...                  start="2024-01-01", stop="2024-01-04T08:00")
    array([1, 0, 2, 0])
    """
    d = as_instants(delivered, name="delivered")
    lo = as_instant_scalar(start, name="start")
    hi = as_instant_scalar(stop, name="stop")
    if hi < lo:
        raise ValidationError(f"`stop` must not be before `start`; got {lo} and {hi}")
    first = int(lo.astype("datetime64[D]").astype(np.int64))
    last = int(hi.astype("datetime64[D]").astype(np.int64))
    day = d.astype("datetime64[D]").view(np.int64)  # NaT: int64 minimum, outside the window
    inside = (day >= first) & (day <= last)
    out: Int64Array = np.bincount(day[inside] - first, minlength=last - first + 1).astype(
        np.int64, copy=False
    )
    return out


def forecast_when(
    daily_throughput: npt.ArrayLike,
    items: int,
    *,
    trials: int = 10_000,
    start: object = None,
    percentiles: npt.ArrayLike = (50, 70, 85, 95),
    rng: np.random.Generator | int | None = None,
    max_days: int = 3650,
    batch_size: int | None = None,
    split_rate: tuple[float, float] | None = None,
) -> WhenForecast:
    """Monte Carlo forecast of when `items` items will be delivered.

    Each trial simulates future days one after another; every day draws the
    throughput of one past day of `daily_throughput` at random, with
    replacement. The trial's result is the number of days until the delivered
    total reaches `items`.

    Parameters
    ----------
    daily_throughput : array_like of int, shape (n,)
        Items delivered per day over a past window, days with zero included
        (see :func:`daily_throughput`).
    items : int
        Items still to deliver (>= 0; 0 gives 0 days).
    trials : int, optional
        Number of simulated futures (>= 1).
    start : instant, optional
        Day the forecast starts from (day 0; its UTC date): the first
        simulated day is the next one. Needed for `dates` and `completion`.
    percentiles : array_like of float, optional
        Confidence levels in (0, 100]. [%]
    rng : numpy.random.Generator or int or None, optional
        Source of randomness: a generator (used, and advanced), a seed, or
        ``None`` for fresh entropy. The global numpy RNG is never used.
    max_days : int, optional
        Longest future simulated (>= 1); trials not done by then get
        ``inf`` days and a warning.
    batch_size : int, optional
        Trials simulated together (default ``16384``). Memory stays below
        about ``batch_size * max(64, 2**24 // batch_size)`` matrix entries.
    split_rate : (float, float), optional
        Backlog growth while it is worked (items split or are discovered):
        each trial's target is ``ceil(items * U)``, with ``U`` uniform in
        ``[low, high)`` drawn from `rng`. ``None`` (default): `items` exactly.

    Returns
    -------
    WhenForecast
        Days per trial, days and dates at each percentile, and
        :meth:`WhenForecast.probability_by`.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If `daily_throughput` is empty, holds no delivery (the forecast would
        never end), or holds negative or fractional values; if `items`,
        `trials`, `max_days` or `batch_size` is out of range; if a percentile
        is outside (0, 100]; or if `split_rate` is not ``0 < low <= high``.
    TypeError
        If `items`, `trials`, `max_days` or `batch_size` is not an integer.

    Warns
    -----
    customer_kanban.errors.CustomerKanbanWarning
        If some trials were not done within `max_days` (their days are ``inf``).

    See Also
    --------
    forecast_how_many : the number of items delivered in a number of days.

    Notes
    -----
    Percentile values use numpy's ``inverted_cdf`` method: the value at
    ``q`` is the smallest simulated number of days `d` with at least ``q`` %
    of trials done within `d` days (a ceiling on the rank; no interpolation),
    so "85 %: 30 days" means at least 85 % of the trials were done in 30 days.

    Simulated days are drawn in blocks (64 days, then doubling) for every
    trial of a batch at once, whatever `items` is: with the same seed, trial
    `i` sees the same sequence of days for any `items`, so more items never
    finish earlier, trial by trial. The result depends on the seed and on
    every argument, `batch_size` included.

    Examples
    --------
    >>> past = [0, 1, 2, 0, 3, 1, 0, 2]
    >>> f = forecast_when(past, 20, start="2024-03-01", rng=42)
    >>> f.values
    array([18., 20., 22., 25.])
    >>> f.dates
    array(['2024-03-19', '2024-03-21', '2024-03-23', '2024-03-26'],
          dtype='datetime64[D]')
    >>> round(f.probability_by("2024-03-22"), 2)
    0.8
    """
    sample = _sample_iv(daily_throughput)
    if isinstance(items, (bool, np.bool_)) or not isinstance(items, (int, np.integer)):
        raise TypeError(f"`items` must be an integer, got {type(items).__name__}")
    if items < 0:
        raise ValidationError(f"`items` must be >= 0; got {items}")
    n_trials = _check_int(trials, name="trials", minimum=1)
    horizon = _check_int(max_days, name="max_days", minimum=1)
    batch = (
        min(n_trials, _WHEN_BATCH)
        if batch_size is None
        else _check_int(batch_size, name="batch_size", minimum=1)
    )
    q = _percentiles_iv(percentiles)
    split = _split_rate_iv(split_rate)
    day0 = (
        _NAT_D if start is None else as_instant_scalar(start, name="start").astype("datetime64[D]")
    )
    gen = _generator(rng)

    widest = max(_FIRST_BLOCK, _BUDGET // batch)
    index_type = _index_dtype(sample.size)
    days = np.empty(n_trials, dtype=np.float64)
    for lo in range(0, n_trials, batch):
        b = min(batch, n_trials - lo)
        if split is None:
            target = np.full(b, int(items), dtype=np.int64)
        else:
            target = np.ceil(int(items) * gen.uniform(split[0], split[1], size=b)).astype(np.int64)
        days[lo : lo + b] = _simulate_batch(
            sample, target, gen, horizon=horizon, widest=widest, index_type=index_type
        )

    undone = int(np.count_nonzero(np.isinf(days)))
    if undone:
        warnings.warn(
            f"{undone} of {n_trials} trials were not done within `max_days` = {horizon} days; "
            "their days are inf (raise `max_days` to simulate further)",
            CustomerKanbanWarning,
            stacklevel=2,
        )
    values = np.percentile(days, q, method="inverted_cdf").astype(np.float64)
    return WhenForecast(
        days=days,
        percentiles=q,
        values=values,
        dates=_add_days(day0, values),
        completion=_add_days(day0, days),
        start=np.array([day0], dtype="datetime64[D]"),
    )


def _simulate_batch(
    sample: Int64Array,
    target: Int64Array,
    gen: np.random.Generator,
    *,
    horizon: int,
    widest: int,
    index_type: type[np.unsignedinteger[Any]],
) -> FloatArray:
    """Days until each trial's running total reaches its target (``inf`` if not by `horizon`).

    Each block draws days for every trial of the batch (so the random stream does
    not depend on the targets) and runs the cumulative sums of the unfinished ones.
    """
    b = target.size
    out = np.full(b, np.inf)
    out[target <= 0] = 0.0
    pending = np.flatnonzero(target > 0)
    total = np.zeros(b, dtype=np.int64)
    offset = 0
    width = _FIRST_BLOCK
    while pending.size and offset < horizon:
        w = min(width, widest, horizon - offset)
        idx = gen.integers(0, sample.size, size=(b, w), dtype=index_type)
        cum = np.cumsum(sample[idx[pending]], axis=1)
        cum += total[pending, None]
        need = target[pending]
        short = np.count_nonzero(cum < need[:, None], axis=1)  # days before the target
        done = short < w
        out[pending[done]] = offset + short[done] + 1
        total[pending] = cum[:, -1]
        pending = pending[~done]
        offset += w
        width *= 2
    return out


def _add_days(day0: np.datetime64, days: FloatArray) -> InstantArray:
    """``day0 + days`` as dates; NaT where `day0` is NaT or days are not finite."""
    out = np.full(days.shape, _NAT_D)
    if not np.isnat(day0):
        finite = np.isfinite(days)
        out[finite] = day0 + days[finite].astype(np.int64).astype("timedelta64[D]")
    return out


def forecast_how_many(
    daily_throughput: npt.ArrayLike,
    days: int,
    *,
    trials: int = 10_000,
    percentiles: npt.ArrayLike = (50, 70, 85, 95),
    rng: np.random.Generator | int | None = None,
) -> HowManyForecast:
    """Monte Carlo forecast of how many items will be delivered in `days` days.

    Each trial sums the throughput of `days` past days drawn at random, with
    replacement, from `daily_throughput`.

    Parameters
    ----------
    daily_throughput : array_like of int, shape (n,)
        Items delivered per day over a past window, days with zero included
        (see :func:`daily_throughput`).
    days : int
        Number of future days (>= 0; 0 gives 0 items).
    trials : int, optional
        Number of simulated futures (>= 1).
    percentiles : array_like of float, optional
        Confidence levels in (0, 100]. [%]
    rng : numpy.random.Generator or int or None, optional
        Source of randomness: a generator (used, and advanced), a seed, or
        ``None`` for fresh entropy. The global numpy RNG is never used.

    Returns
    -------
    HowManyForecast
        Items per trial and the count at each confidence level.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If `daily_throughput` is empty, holds no delivery, or holds negative
        or fractional values; if `days` < 0 or `trials` < 1; or if a
        percentile is outside (0, 100].
    TypeError
        If `days` or `trials` is not an integer.

    See Also
    --------
    forecast_when : the number of days needed for a number of items.

    Notes
    -----
    Values are read from the low side: the value at ``q`` is the largest `N`
    with at least ``q`` % of the trials delivering `N` items or more, that is
    ``-numpy.percentile(-counts, q, method="inverted_cdf")``. Higher
    confidence gives fewer items. Trials run in batches of 16384 trials
    and blocks of 1024 days (at most 2**24 draws at once); days are drawn day
    by day across the trials, so with one batch and one block (``trials <=
    16384``, ``days <= 1024``) the same seed extends every trial when `days`
    grows: more days never give fewer items, trial by trial.

    Examples
    --------
    >>> past = [0, 1, 2, 0, 3, 1, 0, 2]
    >>> f = forecast_how_many(past, 14, rng=42)
    >>> f.values  # 50 %: 16 items or more; 95 %: 9 or more
    array([16, 14, 12,  9])
    """
    sample = _sample_iv(daily_throughput)
    n_days = _check_int(days, name="days", minimum=0)
    n_trials = _check_int(trials, name="trials", minimum=1)
    q = _percentiles_iv(percentiles)
    gen = _generator(rng)

    counts = np.zeros(n_trials, dtype=np.int64)
    if n_days:
        index_type = _index_dtype(sample.size)
        rows = min(n_trials, _WHEN_BATCH)
        cols = _BUDGET // rows
        for lo in range(0, n_trials, rows):
            b = min(rows, n_trials - lo)
            for first in range(0, n_days, cols):
                w = min(cols, n_days - first)
                # Day-major draws: with one batch and one block, the first `days` days
                # of every trial are the same for any larger `days`.
                idx = gen.integers(0, sample.size, size=(w, b), dtype=index_type)
                counts[lo : lo + b] += sample[idx].sum(axis=0)
    values = -np.percentile(-counts, q, method="inverted_cdf").astype(np.int64)
    return HowManyForecast(counts=counts, days=n_days, percentiles=q, values=values)

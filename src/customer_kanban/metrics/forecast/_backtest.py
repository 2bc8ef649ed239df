"""Backtests of the Monte Carlo forecast: replayed at past dates, compared with what happened.

At each backtest date the "how many" forecast is made from the daily throughput of
the days before it, exactly as :func:`forecast_how_many` would have made it then,
and compared with the items actually delivered in the following days. The share of
dates where the actual count reached the forecast at ``q`` % is that percentile's
coverage: a well-calibrated forecast has coverage near ``q / 100``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from customer_kanban._core import periods as _periods
from customer_kanban._core.groups import describe_groups
from customer_kanban._core.results import Result, result
from customer_kanban._core.types import FloatArray, InstantArray, Int64Array, LabelArray
from customer_kanban._core.validation import (
    as_generator,
    as_instant_scalar,
    as_instants,
    as_whole_number,
    check_choice,
    warn_insufficient,
)
from customer_kanban.errors import ValidationError
from customer_kanban.metrics.forecast._monte_carlo import (
    MAX_DAYS,
    MAX_TRIALS,
    DailyThroughput,
    _confidence_levels,
    _result_samples,
    forecast_how_many,
)

__all__ = ["BacktestResult", "backtest_forecast"]

#: Largest simulated work of a backtest, dates × groups × trials × horizon (about 2 s).
MAX_BACKTEST_DAYS = 1 << 29
#: Largest number of backtest dates.
MAX_DATES = 100_000
_DAY = np.timedelta64(1, "D")


@result
class BacktestResult(Result):
    """The "how many" forecast replayed at past dates, against what was delivered.

    Attributes
    ----------
    groups : numpy.ndarray, shape (G,)
        Group labels, those of the daily throughput.
    periods : numpy.ndarray of datetime64[D], shape (D,)
        The backtest dates (UTC): each forecast is made at the start of its date.
    q : numpy.ndarray of float64, shape (Q,)
        The confidence levels. [%]
    forecast : numpy.ndarray of float64, shape (G, D, Q)
        Items the forecast made at each date promised at each level for the
        next `horizon` days: an ``q`` % chance of that many or more. NaN where
        the group delivered nothing in the window before the date (no
        forecast can be made).
    delivered : numpy.ndarray of int64, shape (G, D)
        Items delivered in the `horizon` days from each date on (the date
        included).
    coverage : numpy.ndarray of float64, shape (G, Q)
        Share of the dates with a forecast where ``delivered >= forecast``; NaN
        for a group without any forecast.
    n : numpy.ndarray of int64, shape (G,)
        Dates with a forecast, per group (the denominators of `coverage`).
    horizon : int
        Days forecast at each date. [days]
    window_days : int
        Days of history each forecast sampled. [days]
    trials : int
        Simulated futures per forecast.
    """

    groups: LabelArray
    periods: InstantArray
    q: FloatArray
    forecast: FloatArray
    delivered: Int64Array
    coverage: FloatArray
    n: Int64Array
    horizon: int
    window_days: int
    trials: int

    _dims = {  # noqa: RUF012 - a class constant of the base, read only
        "forecast": ("groups", "periods", "q"),
        "delivered": ("groups", "periods"),
        "coverage": ("groups", "q"),
        "n": ("groups",),
    }
    _chart = "customer_kanban.plot._behaviour:backtest"


# --------------------------------------------------------------------------- validation


def _history_iv(daily_throughput: object) -> tuple[LabelArray, InstantArray, Int64Array]:
    """Groups, days (consecutive, datetime64[D]) and counts (G, T) of a DailyThroughput."""
    if not isinstance(daily_throughput, DailyThroughput):
        raise TypeError(
            "`daily_throughput` must be a DailyThroughput (from `daily_throughput(...)`), "
            f"got {type(daily_throughput).__name__}"
        )
    labels, counts = _result_samples(daily_throughput)
    days = np.asarray(daily_throughput.periods)
    if days.dtype.kind != "M" or days.shape != counts.shape[1:]:
        raise ValidationError(
            "`daily_throughput` must have one period (a day) per column of its counts"
        )
    days = days.astype("datetime64[D]")
    if days.size > 1 and not (np.diff(days) == _DAY).all():
        raise ValidationError("`daily_throughput` must have consecutive days as its periods")
    return labels, days, counts


def _dates_iv(
    at: object,
    every: object,
    since: object,
    until: object,
    bounds: tuple[np.datetime64, np.datetime64],
) -> InstantArray:
    """The backtest dates: `at`, or the starts of every period within the bounds."""
    first, last = bounds  # earliest and latest date with a full window and horizon
    if at is not None:
        dates = np.unique(as_instants(at, name="at").astype("datetime64[D]"))
        outside = np.isnat(dates) | (dates < first) | (dates > last)
        if outside.any():
            raise ValidationError(
                f"`at` must be dates from {first} to {last} (a full `window_days` of history "
                f"before and a full `horizon` after each, in the data); got {dates[outside][0]}"
            )
        return dates
    freq = check_choice(every, name="every", choices=_periods.FREQS)
    lo = first if since is None else max(first, _day(since, "since"))
    hi = last if until is None else min(last, _day(until, "until"))
    if hi < lo:
        return np.zeros(0, dtype="datetime64[D]")
    ns = np.array([lo, hi], dtype="datetime64[ns]").view(np.int64)
    o = _periods.ordinals(ns, freq)
    starts = _periods.period_starts(int(o[0]), int(o[1]), freq).astype("datetime64[D]")
    out: InstantArray = starts[(starts >= lo) & (starts <= hi)]
    return out


def _day(value: object, name: str) -> np.datetime64:
    day: np.datetime64 = as_instant_scalar(value, name=name).astype("datetime64[D]")
    return day


def _work_iv(dates: int, groups: int, trials: int, horizon: int) -> None:
    if dates > MAX_DATES:
        raise ValidationError(
            f"the backtest must have at most {MAX_DATES:,} dates; got {dates:,}: "
            "choose a longer `every` or fewer `at`"
        )
    work = dates * groups * trials * horizon
    if work > MAX_BACKTEST_DAYS:
        raise ValidationError(
            f"dates × groups × `trials` × `horizon` must be at most {MAX_BACKTEST_DAYS:,} "
            f"simulated days (about 2 s); got {dates:,} × {groups:,} × {trials:,} × "
            f"{horizon:,} = {work:,}: lower `trials` or use fewer dates"
        )


# --------------------------------------------------------------------------- public


def backtest_forecast(
    daily_throughput: DailyThroughput,
    *,
    horizon: int = 14,
    at: npt.ArrayLike | None = None,
    every: _periods.Freq = "W",
    since: object = None,
    until: object = None,
    window_days: int = 30,
    trials: int = 2_000,
    q: npt.ArrayLike = (50, 70, 85, 95),
    rng: np.random.Generator | int | None = None,
) -> BacktestResult:
    """Replay the Monte Carlo "how many" forecast at past dates and score it by what happened.

    At each backtest date `d` (the start of that UTC day), the forecast is
    :func:`forecast_how_many` of the group's daily throughput over the
    `window_days` days before `d`, for the `horizon` days from `d` on; the
    actual count is the items delivered in those `horizon` days. A level's
    coverage is the share of dates where the actual count reached the
    forecast: a well-calibrated 85 % forecast has coverage near 0.85, a lower
    one promises too much.

    Parameters
    ----------
    daily_throughput : DailyThroughput
        Deliveries per day and group (from :func:`daily_throughput`), covering
        both the history and the horizons of the backtest dates.
    horizon : int, optional
        Days forecast at each date (1 to 36,525). [days]
    at : array_like of instants, optional
        The backtest dates (their UTC days; repeated days count once). Each
        needs `window_days` days of data before it and `horizon` days from it.
    every : {"D", "W", "M"}, optional
        Without `at`: a date at the start of every day, week (Monday) or month
        from `since` to `until`.
    since, until : instant, optional
        Without `at`: the first and last possible backtest date. Default (and
        at most): the first and last date with a full window and horizon in
        the data.
    window_days : int, optional
        Days of history sampled by each forecast (1 to 36,525), as in
        :func:`~customer_kanban.reviews.forecast_review`. [days]
    trials : int, optional
        Simulated futures per forecast (1 to 1,000,000).
    q : float or array_like of float, shape (Q,), optional
        Confidence levels in (0, 100]. [%]
    rng : numpy.random.Generator or int or None, optional
        Source of randomness: a generator (used, and advanced), a seed >= 0,
        or ``None`` for fresh entropy. Date `i` forecasts with child `i` of
        ``rng.spawn(len(periods))``.

    Returns
    -------
    BacktestResult
        Forecast and delivered per group and date, coverage per group and level.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If an `at` date has no full window or horizon in the data; if
        `horizon`, `window_days` or `trials` is out of range, or dates × groups
        × trials × horizon exceeds 2**29; if a `q` is outside (0, 100] or
        every `q` is in (0, 1]; if `every` is not one of the periods.
    TypeError
        If `daily_throughput` is not a DailyThroughput, an integer parameter
        is not an integer, or `rng` is not None, an int or a Generator.

    Warns
    -----
    customer_kanban.errors.InsufficientDataWarning
        If a group has no forecast at any date (no date, or no delivery in any
        window): its coverage is NaN.

    See Also
    --------
    forecast_how_many : the forecast replayed.

    Notes
    -----
    A forecast at ``q`` % is the largest count reached by at least ``q`` % of
    the trials, so with whole counts coverage tends to lie a little above
    ``q / 100`` even for a perfect model. Dates whose horizons overlap (a
    horizon longer than the step between dates) share deliveries: the
    coverages of neighbouring dates are not independent.

    Examples
    --------
    Two deliveries a day, every day, for 120 days: every forecast is right.

    >>> from customer_kanban.metrics import daily_throughput
    >>> end = np.datetime64("2024-01-01") + np.arange(0, 120, 0.5).astype("timedelta64[D]")
    >>> tp = daily_throughput(end, since="2024-01-01", until="2024-04-29")
    >>> r = backtest_forecast(tp, horizon=7, every="W", trials=500, rng=1)
    >>> r.periods[:2], r.delivered[0, :2]
    (array(['2024-02-05', '2024-02-12'], dtype='datetime64[D]'), array([14, 14]))
    >>> r.coverage
    array([[1., 1., 1., 1.]])
    """
    labels, days, counts = _history_iv(daily_throughput)
    n_horizon = as_whole_number(horizon, name="horizon", minimum=1, maximum=MAX_DAYS, unit="days")
    window = as_whole_number(
        window_days, name="window_days", minimum=1, maximum=MAX_DAYS, unit="days"
    )
    n_trials = as_whole_number(trials, name="trials", minimum=1, maximum=MAX_TRIALS)
    levels = _confidence_levels(q)
    generator = as_generator(rng)
    start = days[0] if days.size else np.datetime64("2000-01-01", "D")
    bounds = (start + window * _DAY, start + (days.size - n_horizon) * _DAY)
    dates = _dates_iv(at, every, since, until, bounds)
    _work_iv(dates.size, labels.size, n_trials, n_horizon)

    index = ((dates - start) / _DAY).astype(np.int64)  # the date's column in `counts`
    total = np.zeros((labels.size, days.size + 1), dtype=np.int64)
    np.cumsum(counts, axis=1, out=total[:, 1:])
    delivered = total[:, index + n_horizon] - total[:, index]
    forecast = np.full((labels.size, dates.size, levels.size), np.nan)
    for k, gen in enumerate(generator.spawn(dates.size)):
        history = counts[:, index[k] - window : index[k]]
        ok = history.any(axis=1)
        if ok.any():
            made = forecast_how_many(history[ok], n_horizon, trials=n_trials, q=levels, rng=gen)
            forecast[ok, k] = made.values
    made_any = ~np.isnan(forecast[:, :, 0])
    n = np.count_nonzero(made_any, axis=1).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        hits = (delivered[:, :, None] >= forecast) & made_any[:, :, None]
        coverage = np.count_nonzero(hits, axis=1) / n[:, None]
    if (n == 0).any():
        warn_insufficient(
            f"backtest_forecast: {describe_groups(labels, n == 0)} without a forecast at any "
            "date (no date, or no delivery in any window): their coverage is NaN"
        )
    return BacktestResult(
        groups=labels,
        periods=dates,
        q=levels,
        forecast=forecast,
        delivered=delivered,
        coverage=coverage,
        n=n,
        horizon=n_horizon,
        window_days=window,
        trials=n_trials,
    )

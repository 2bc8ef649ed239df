"""Monte Carlo forecasts from daily throughput: "when" and "how many".

Both forecasts resample a window of past daily throughput with replacement
(every future day independently draws one past day) and summarise many
simulated futures ("trials"). Randomness comes only from the `rng` argument
(a :class:`numpy.random.Generator`, an int seed, or ``None`` for fresh entropy):
the same seed and the same arguments give the same result. Trials are
simulated in batches of bounded memory, without a Python loop per trial or per
simulated day.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from customer_kanban._core.groups import factorize
from customer_kanban._core.iso import NS_MAX
from customer_kanban._core.results import Result, result
from customer_kanban._core.threads import later
from customer_kanban._core.types import (
    BoolArray,
    FloatArray,
    InstantArray,
    Int64Array,
    IntpArray,
    LabelArray,
)
from customer_kanban._core.validation import (
    as_float_array,
    as_float_matrix,
    as_generator,
    as_instant_scalar,
    as_instants,
    as_number,
    as_percentiles,
    as_whole_number,
)
from customer_kanban.errors import CustomerKanbanWarning, ValidationError, describe_rows

__all__ = [
    "DailyThroughput",
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
_LAST_DAY = np.datetime64(NS_MAX, "ns").astype("datetime64[D]")  # 2262-04-11

# Bounds of the size parameters. The cost of a forecast is one random draw per simulated
# day of every trial of every group: `trials` × `max_days` (forecast_when, when no trial
# finishes early) or `trials` × `days` (forecast_how_many) per group.

#: Largest `trials`: the result holds 8 (how many) or 16 (when) bytes per trial and group.
MAX_TRIALS = 1_000_000
#: Largest `max_days` (forecast_when) and `days` (forecast_how_many): 100 years.
MAX_DAYS = 36_525
#: Largest number of simulated days per group, `trials` × `max_days` or `trials` × `days`:
#: 2**28 draws take about 2 s (forecast_when, no trial finishing) and 1 s
#: (forecast_how_many) on two cores, in batches of bounded memory.
MAX_TRIAL_DAYS = 1 << 28
#: Largest number of items: to deliver (`items`) and delivered on one day (the values of
#: `daily_throughput`); every running total then stays far inside int64.
MAX_ITEMS = 10**9
#: Largest `batch_size`: a batch draws at most 2**18 trials × 64 days = 2**24 days at once.
MAX_BATCH = 1 << 18
#: Largest growth factor `high` of `split_rate`.
MAX_SPLIT = 100.0
#: Largest :func:`daily_throughput` result, groups × days: 2**27 counts (1 GiB).
MAX_CELLS = 1 << 27


# --------------------------------------------------------------------------- results


@result
class DailyThroughput(Result):
    """Deliveries per UTC calendar day over a window, per group.

    Attributes
    ----------
    groups : numpy.ndarray, shape (G,)
        Group labels (``"all"`` without ``by``).
    periods : numpy.ndarray of datetime64[D], shape (D,)
        Every UTC calendar day of the window, in order.
    counts : numpy.ndarray of int64, shape (G, D)
        Items of each group delivered on each day (zero days included).
    """

    groups: LabelArray
    periods: InstantArray
    counts: Int64Array


@result
class WhenForecast(Result):
    """Distribution of the number of days needed to deliver a number of items, per group.

    Attributes
    ----------
    groups : numpy.ndarray, shape (G,)
        Group labels (``"all"`` for a single history).
    items : numpy.ndarray of int64, shape (G,)
        Items each group had to deliver.
    days : numpy.ndarray of float64, shape (G, trials)
        Days each trial needed (whole numbers; ``inf`` for a trial not done
        within ``max_days``; 0 when nothing was to be delivered). [days]
    q : numpy.ndarray of float64, shape (Q,)
        The confidence levels asked for. [%]
    values : numpy.ndarray of float64, shape (G, Q)
        ``values[g, k]``: the smallest number of days within which at least
        ``q[k]`` % of group `g`'s trials were done (``inverted_cdf``, that is
        nearest rank rounding up: never optimistic). [days]
    dates : numpy.ndarray of datetime64[D], shape (G, Q)
        ``as_of + values`` (UTC dates); ``NaT`` without an `as_of` (and where
        a value is ``inf``).
    completion : numpy.ndarray of datetime64[D], shape (G, trials)
        ``as_of + days`` per trial; all ``NaT`` without an `as_of`.
    as_of : numpy.datetime64 of unit D
        The day the forecast starts from (day 0); ``NaT`` if not given.

    Notes
    -----
    :meth:`to_frame` has one row per group × `q`: columns ``group``, ``q``,
    ``items``, ``values``, ``dates`` and ``as_of`` (the trials are left out;
    they are in `days` and `completion`).
    """

    groups: LabelArray
    items: Int64Array
    days: FloatArray
    q: FloatArray
    values: FloatArray
    dates: InstantArray
    completion: InstantArray
    as_of: np.datetime64

    _chart = "customer_kanban.plot._forecast:forecast_when_chart"

    def _frame_columns(self) -> dict[str, npt.NDArray[Any]]:
        g, k = _group_q_grid(self.groups.size, self.q.size)
        return {
            "group": self.groups[g],
            "q": self.q[k],
            "items": self.items[g],
            "values": self.values[g, k],
            "dates": self.dates[g, k],
            "as_of": np.full(g.size, self.as_of),
        }

    def probability_by(self, when: object) -> FloatArray:
        """Share of each group's trials done on or before a number of days or a date.

        Parameters
        ----------
        when : number or instant
            Days after `as_of` (a number), or an instant (only when the
            forecast has an `as_of`; it counts by its UTC date).

        Returns
        -------
        numpy.ndarray of float64, shape (G,)
            Share in [0, 1] of trials with ``days <= when`` (or
            ``completion <= date of when``); NaN for a group without trials.

        Raises
        ------
        customer_kanban.errors.ValidationError
            If `when` is NaN, or an instant while the forecast has no `as_of`.

        Examples
        --------
        >>> f = forecast_when([1, 1, 2], 4, trials=1000, as_of="2024-03-01", rng=42)
        >>> f.probability_by(1), f.probability_by(4)
        (array([0.]), array([1.]))
        >>> (f.probability_by("2024-03-03") == f.probability_by(2)).all()
        np.True_
        """
        if isinstance(when, (int, float, np.integer, np.floating)) and not isinstance(
            when, (bool, np.bool_)
        ):
            limit = float(when)
            if math.isnan(limit):
                raise ValidationError("`when` must be a number of days or an instant; got NaN")
        else:
            if np.isnat(self.as_of):
                raise ValidationError(
                    "`when` can be an instant only for a forecast made with `as_of`; "
                    "pass a number of days instead"
                )
            day = as_instant_scalar(when, name="when").astype("datetime64[D]")
            limit = float((day - self.as_of) / np.timedelta64(1, "D"))
        trials = self.days.shape[1] if self.days.ndim == 2 else 0
        if trials == 0:
            return np.full(self.groups.size, np.nan)
        out: FloatArray = np.count_nonzero(self.days <= limit, axis=1) / trials
        return out


@result
class HowManyForecast(Result):
    """Distribution of the number of items delivered in a number of days, per group.

    Attributes
    ----------
    groups : numpy.ndarray, shape (G,)
        Group labels (``"all"`` for a single history).
    counts : numpy.ndarray of int64, shape (G, trials)
        Items each trial delivered in ``days`` days.
    days : int
        The number of days simulated. [days]
    q : numpy.ndarray of float64, shape (Q,)
        The confidence levels asked for. [%]
    values : numpy.ndarray of int64, shape (G, Q)
        ``values[g, k]``: the largest count `N` such that at least ``q[k]`` %
        of group `g`'s trials delivered `N` or more ("an 85 % chance of `N`
        items or more"). Non-increasing in `q`.

    Notes
    -----
    :meth:`to_frame` has one row per group × `q`: columns ``group``, ``q``,
    ``values`` and ``days`` (the trials are left out; they are in `counts`).
    """

    groups: LabelArray
    counts: Int64Array
    days: int
    q: FloatArray
    values: Int64Array

    _chart = "customer_kanban.plot._forecast:forecast_how_many_chart"

    def _frame_columns(self) -> dict[str, npt.NDArray[Any]]:
        g, k = _group_q_grid(self.groups.size, self.q.size)
        return {
            "group": self.groups[g],
            "q": self.q[k],
            "values": self.values[g, k],
            "days": np.full(g.size, self.days, dtype=np.int64),
        }


def _group_q_grid(n_groups: int, n_q: int) -> tuple[IntpArray, IntpArray]:
    """Group and percentile index of each row of a group × q frame."""
    return np.repeat(np.arange(n_groups), n_q), np.tile(np.arange(n_q), n_groups)


# --------------------------------------------------------------------------- validation


def _samples_iv(values: object) -> tuple[LabelArray, Int64Array]:
    """Past daily throughput per group: labels (G,) and whole numbers >= 0, shape (G, D)."""
    if isinstance(values, DailyThroughput):
        return _result_samples(values)
    try:
        two_d = np.ndim(cast("npt.ArrayLike", values)) == 2
    except ValueError as exc:  # a ragged nested sequence
        raise ValidationError(
            f"`daily_throughput` must be one history or one row per group: {exc}"
        ) from exc
    arr = as_float_matrix(values, name="daily_throughput") if two_d else None
    if arr is None:
        arr = as_float_array(values, name="daily_throughput")[None, :]
        labels: LabelArray = np.array(["all"])
    else:
        labels = np.arange(arr.shape[0])
    bad = ~((arr >= 0) & (arr <= MAX_ITEMS) & (arr == np.floor(arr)))  # NaN and inf fail
    if bad.any():
        where = np.argwhere(bad)
        rows = (where[:, 1] if arr.shape[0] == 1 else where[:, 0]).tolist()
        place = describe_rows(rows) if arr.shape[0] == 1 else f"groups {sorted(set(rows))[:5]}"
        raise ValidationError(
            "`daily_throughput` must hold whole numbers >= 0 (items per day); "
            f"at most {MAX_ITEMS:,}; it does not in {place}",
            rows=rows,
        )
    return labels, arr.astype(np.int64)


def _result_samples(values: DailyThroughput) -> tuple[LabelArray, Int64Array]:
    """The groups and counts of a :class:`DailyThroughput` (one built by hand is checked)."""
    counts, groups = values.counts, values.groups
    ok = (
        isinstance(counts, np.ndarray)
        and counts.ndim == 2
        and counts.dtype.kind in "iu"
        and isinstance(groups, np.ndarray)
        and groups.shape == counts.shape[:1]
    )
    if not ok:
        raise ValidationError(
            "`daily_throughput` as a DailyThroughput must hold integer `counts` of shape "
            "(groups, days) and one label per group"
        )
    if counts.size and not (counts.min() >= 0 and counts.max() <= MAX_ITEMS):
        raise ValidationError(
            f"`daily_throughput` must hold counts from 0 to {MAX_ITEMS:,} (items per day)"
        )
    return groups, counts.astype(np.int64, copy=False)


def _items_iv(items: object, labels: LabelArray) -> tuple[IntpArray, Int64Array]:
    """Groups to forecast (indices into `labels`) and items per group."""
    if isinstance(items, Mapping):
        chosen, values = _items_by_label(items, labels)
    elif isinstance(items, (int, np.integer)) and not isinstance(items, (bool, np.bool_)):
        chosen = np.arange(labels.size, dtype=np.intp)
        values = [items] * labels.size
    else:
        try:
            arr = np.asarray(items)
        except (TypeError, ValueError) as exc:  # a ragged nested sequence
            raise TypeError(f"`items` must be an integer or one integer per group: {exc}") from exc
        if arr.ndim != 1 or arr.size != labels.size or arr.dtype.kind not in "iu":
            raise TypeError(
                "`items` must be an integer, one integer per group "
                f"({labels.size}) or a mapping group -> integer; got {items!r}"[:200]
            )
        chosen = np.arange(labels.size, dtype=np.intp)
        values = arr.tolist()
    return chosen, _item_counts(values)


def _item_counts(values: list[object]) -> Int64Array:
    """Items per group: integers (no bool) in ``[0, MAX_ITEMS]``, as int64."""
    for v in values:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"`items` must be integers, got {type(v).__name__}")
    whole = [int(v) for v in values]  # type: ignore[call-overload]
    for rule, bad in (
        (">= 0", [v for v in whole if v < 0]),
        (f"at most {MAX_ITEMS:,}", [v for v in whole if v > MAX_ITEMS]),
    ):
        if bad:
            raise ValidationError(
                f"`items` must be {rule}; got {bad[0] if len(bad) == 1 else bad[:5]}"
            )
    return np.array(whole, dtype=np.int64).reshape(-1)


def _items_by_label(
    items: Mapping[Any, object], labels: LabelArray
) -> tuple[IntpArray, list[object]]:
    """`items` given as group label -> count: the groups' positions and the counts."""
    index = {label: g for g, label in enumerate(labels.tolist())}
    unknown = [key for key in items if key not in index]
    if unknown:
        raise ValidationError(
            f"`items` names groups without a throughput history: {unknown[:5]!r}; "
            f"the history has groups {labels.tolist()[:10]!r}"
        )
    chosen = np.array([index[key] for key in items], dtype=np.intp)
    return chosen, list(items.values())


def _check_deliveries(labels: LabelArray, samples: Int64Array, needed: BoolArray) -> None:
    """A group that must deliver but never did would never finish: refuse it."""
    if samples.shape[1] == 0:
        raise ValidationError("`daily_throughput` is empty: it has no day to sample from")
    none = needed & ~(samples > 0).any(axis=1)
    if none.any():
        where = "" if labels.size == 1 else f" in groups {labels[none].tolist()[:5]!r}"
        raise ValidationError(
            f"`daily_throughput` has no deliveries{where}: the forecast would never end"
        )


def _confidence_levels(q: object) -> FloatArray:
    """Percentiles [%] in (0, 100] (see ``as_percentiles``; 0 is no confidence level)."""
    levels = as_percentiles(q)
    if not (levels > 0).all():
        raise ValidationError(f"`q` must lie in (0, 100] [%]; got {levels.tolist()}")
    return levels


def _split_rate_iv(split_rate: object) -> tuple[float, float] | None:
    if split_rate is None:
        return None
    try:
        low, high = (as_number(v, name="split_rate") for v in split_rate)  # type: ignore[attr-defined]
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`split_rate` must be a pair of numbers (low, high): {exc}") from exc
    if not (0 < low <= high and math.isfinite(high)):
        raise ValidationError(
            f"`split_rate` must satisfy 0 < low <= high (finite); got ({low}, {high})"
        )
    if high > MAX_SPLIT:
        raise ValidationError(
            f"`split_rate` high must be at most {MAX_SPLIT:g} (the backlog growing "
            f"{MAX_SPLIT:g}-fold); got {high}"
        )
    return low, high


def _start_day(as_of: object, horizon: int) -> np.datetime64:
    """The date of `as_of` (``NaT`` without it); `horizon` days on must still be an instant."""
    if as_of is None:
        return _NAT_D
    day0: np.datetime64 = as_instant_scalar(as_of, name="as_of").astype("datetime64[D]")
    if day0 + np.timedelta64(horizon, "D") > _LAST_DAY:
        raise ValidationError(
            f"`as_of` + `max_days` must not pass {_LAST_DAY}, the last day an instant "
            f"(datetime64[ns]) can hold; got {day0} + {horizon} days: lower `max_days`"
        )
    return day0


def _trial_days(trials: int, days: int, name: str) -> None:
    """The simulated days per group, ``trials * days``, stay within :data:`MAX_TRIAL_DAYS`."""
    if trials * days > MAX_TRIAL_DAYS:
        raise ValidationError(
            f"`trials` × `{name}` must be at most {MAX_TRIAL_DAYS:,} simulated days per group "
            f"(about 2 s); got {trials:,} × {days:,} = {trials * days:,}: "
            f"lower `trials` or `{name}`"
        )


def _day_sums(history: npt.NDArray[Any], idx: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """Each trial's items over the drawn days `idx` (days, trials), summed in int64."""
    out: npt.NDArray[np.int64] = np.take(history, idx).sum(axis=0, dtype=np.int64)
    return out


def _add_sums(
    counts: npt.NDArray[np.int64], job: tuple[int, int, Callable[[], npt.NDArray[np.int64]]]
) -> None:
    lo, b, result = job
    counts[lo : lo + b] += result()


def _narrowest(values: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
    """`values` (daily counts, >= 0) in the narrowest integer type that holds them: their
    gathers move a quarter of the bytes or less."""
    top = int(values.max(initial=0))
    for dtype in (np.int8, np.int16, np.int32):
        if top <= np.iinfo(dtype).max:
            return values.astype(dtype)
    return values


def _index_dtype(n: int) -> type[np.unsignedinteger[Any]]:
    """Smallest unsigned type holding indices ``0..n-1`` (cheaper random draws)."""
    if n <= 1 << 8:
        return np.uint8
    if n <= 1 << 16:
        return np.uint16
    return np.uint32


# --------------------------------------------------------------------------- public


def daily_throughput(
    end: npt.ArrayLike, *, since: object, until: object, by: object = None
) -> DailyThroughput:
    """Deliveries per UTC calendar day, days without deliveries included, per group.

    Parameters
    ----------
    end : array_like of instants, shape (n,)
        Delivery instant of each item (``NaT`` = not delivered, ignored).
    since, until : instant
        First and last instants of the window; every UTC calendar day from the
        day of `since` to the day of `until` (both included) gets a count.
    by : array_like or tuple, optional
        Groups (class of service, segment, customer, ...), as for every
        grouped metric; see :mod:`customer_kanban.metrics`.

    Returns
    -------
    DailyThroughput
        ``counts[g, d]`` = items of group `g` delivered on ``periods[d]``;
        deliveries outside the window are not counted.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If `until` is before `since`, either is missing or ``NaT``, `by`
        does not match `end`, or the result (groups × days) would exceed
        2**27 counts (1 GiB).

    Examples
    --------
    >>> tp = daily_throughput(["2024-01-01T10:00", "2024-01-03", "2024-01-03T23:59", None],
    ...                       since="2024-01-01", until="2024-01-04T08:00")
    >>> tp.counts
    array([[1, 0, 2, 0]])
    >>> daily_throughput(["2024-01-01", "2024-01-03", "2024-01-03"], by=["a", "b", "a"],
    ...                  since="2024-01-01", until="2024-01-03").counts
    array([[1, 0, 1],
           [0, 0, 1]])
    """
    d = as_instants(end, name="end")
    lo = as_instant_scalar(since, name="since")
    hi = as_instant_scalar(until, name="until")
    if hi < lo:
        raise ValidationError(f"`until` must not be before `since`; got {lo} and {hi}")
    groups = factorize(by, d.size, data_name="end")
    first = int(lo.astype("datetime64[D]").astype(np.int64))
    last = int(hi.astype("datetime64[D]").astype(np.int64))
    width = last - first + 1
    if groups.size * width > MAX_CELLS:
        raise ValidationError(
            f"the daily throughput (groups × days) would hold {groups.size * width:,} counts, "
            f"more than the {MAX_CELLS:,} allowed (1 GiB): shorten the window (`since`, "
            "`until`) or use fewer groups (`by`)"
        )
    day = d.astype("datetime64[D]").view(np.int64)  # NaT: int64 minimum, outside the window
    inside = (day >= first) & (day <= last)
    if groups.codes is not None:
        inside &= groups.codes < groups.size
    cell = day[inside] - first
    if groups.codes is not None:
        cell += groups.codes[inside] * width
    counts = np.bincount(cell, minlength=groups.size * width).astype(np.int64, copy=False)
    return DailyThroughput(
        groups=groups.labels,
        periods=np.arange(first, last + 1).astype("datetime64[D]"),
        counts=counts.reshape(groups.size, width),
    )


def forecast_when(
    daily_throughput: npt.ArrayLike | DailyThroughput,
    items: int | npt.ArrayLike | Mapping[Any, int],
    *,
    trials: int = 10_000,
    as_of: object = None,
    q: npt.ArrayLike = (50, 70, 85, 95),
    rng: np.random.Generator | int | None = None,
    max_days: int = 3650,
    batch_size: int | None = None,
    split_rate: tuple[float, float] | None = None,
) -> WhenForecast:
    """Monte Carlo forecast of when `items` items will be delivered, per group.

    Each trial simulates future days one after another; every day draws the
    throughput of one past day of the group's history at random, with
    replacement. The trial's result is the number of days until the delivered
    total reaches the group's `items`.

    Parameters
    ----------
    daily_throughput : DailyThroughput or array_like of int, shape (D,) or (G, D)
        Items delivered per day over a past window, days with zero included
        (whole numbers from 0 to 10**9): the result of
        :func:`daily_throughput` (one history per group), one history (the
        group ``"all"``), or one row per group (groups ``0..G-1``).
    items : int, array_like of int of shape (G,), or mapping
        Items still to deliver (0 to 10**9; 0 gives 0 days): one number for every
        group, one per group, or ``{group: items}`` to forecast only those
        groups (e.g. ``{"C042": 12}``: when will this customer's 12 open
        requests be done?), in the mapping's order.
    trials : int, optional
        Number of simulated futures per group (1 to 1,000,000), with
        ``trials * max_days`` at most 2**28 (the simulated days of a group in
        the worst case, about 2 s).
    as_of : instant, optional
        Day the forecast starts from (day 0; its UTC date): the first
        simulated day is the next one. Needed for `dates` and `completion`.
    q : float or array_like of float, shape (Q,), optional
        Confidence levels in (0, 100]. [%]
    rng : numpy.random.Generator or int or None, optional
        Source of randomness: a generator (used, and advanced), a seed >= 0,
        or ``None`` for fresh entropy. The global numpy RNG is never used.
    max_days : int, optional
        Longest future simulated (1 to 36,525, a hundred years); trials not
        done by then get ``inf`` days and a warning.
    batch_size : int, optional
        Trials simulated together (default ``16384``, at most 2**18). Memory
        stays below about ``batch_size * max(64, 2**24 // batch_size)``
        matrix entries.
    split_rate : (float, float), optional
        Backlog growth while it is worked (items split or are discovered):
        each trial's target is ``ceil(items * U)``, with ``U`` uniform in
        ``[low, high)`` drawn from `rng` (``high`` at most 100). ``None``
        (default): `items` exactly.

    Returns
    -------
    WhenForecast
        Per group: days per trial, days and dates at each percentile, and
        :meth:`WhenForecast.probability_by`.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If `daily_throughput` is empty, holds no delivery for a group with
        items to deliver (the forecast would never end), or holds negative,
        fractional or too large (above 10**9) values; if `items` names an
        unknown group or is negative or above 10**9; if `trials` (1 to
        1,000,000), `max_days` (1 to 36,525) or `batch_size` (1 to 2**18) is
        out of range, ``trials * max_days`` exceeds 2**28, or ``as_of +
        max_days`` passes 2262-04-11 (the last day an instant can hold); if
        a `q` is outside (0, 100] or every `q` is in (0, 1] (a fraction where
        a percentage is meant); or if `split_rate` is not ``0 < low <= high
        <= 100``.
    TypeError
        If `items`, `trials`, `max_days` or `batch_size` is not an integer,
        or `rng` is not None, an int or a :class:`numpy.random.Generator`.

    Warns
    -----
    customer_kanban.errors.CustomerKanbanWarning
        If some trials were not done within `max_days` (their days are ``inf``).

    See Also
    --------
    forecast_how_many : the number of items delivered in a number of days.
    single_item_forecast : when one item already in progress will be done.

    Notes
    -----
    Percentile values use numpy's ``inverted_cdf`` method: the value at
    ``q`` is the smallest simulated number of days `d` with at least ``q`` %
    of trials done within `d` days (a ceiling on the rank; no interpolation),
    so "85 %: 30 days" means at least 85 % of the trials were done in 30 days.

    Each group gets its own random stream, ``rng.spawn`` child number `g`
    of the forecast's groups: a group's result does not depend on the other
    groups' items. Within a group, simulated days are drawn in blocks (64
    days, then doubling) for every trial of a batch at once, whatever
    `items` is: with the same seed, trial `i` sees the same sequence of days
    for any `items`, so more items never finish earlier, trial by trial. The
    result depends on the seed and on every argument, `batch_size` included.
    Groups are simulated one after another (a loop over groups, vectorized
    over trials and days within each).

    Examples
    --------
    >>> past = [0, 1, 2, 0, 3, 1, 0, 2]
    >>> f = forecast_when(past, 20, as_of="2024-03-01", rng=42)
    >>> f.values
    array([[18., 20., 22., 25.]])
    >>> f.dates
    array([['2024-03-19', '2024-03-21', '2024-03-23', '2024-03-26']],
          dtype='datetime64[D]')
    >>> f.probability_by("2024-03-22").round(2)
    array([0.8])

    One customer's open requests, from that customer's own deliveries:

    >>> tp = daily_throughput(["2024-02-01", "2024-02-02", "2024-02-02", "2024-02-05"],
    ...                       by=["C1", "C2", "C1", "C1"], since="2024-02-01", until="2024-02-07")
    >>> f = forecast_when(tp, {"C1": 4}, q=[85], rng=1)
    >>> f.groups, f.values
    (array(['C1'], dtype='<U2'), array([[12.]]))
    """
    labels, samples = _samples_iv(daily_throughput)
    chosen, targets = _items_iv(items, labels)
    n_trials = as_whole_number(trials, name="trials", minimum=1, maximum=MAX_TRIALS)
    horizon = as_whole_number(max_days, name="max_days", minimum=1, maximum=MAX_DAYS, unit="days")
    _trial_days(n_trials, horizon, "max_days")
    batch = (
        min(n_trials, _WHEN_BATCH)
        if batch_size is None
        else as_whole_number(batch_size, name="batch_size", minimum=1, maximum=MAX_BATCH)
    )
    levels = _confidence_levels(q)
    split = _split_rate_iv(split_rate)
    generator = as_generator(rng)
    labels, samples = labels[chosen], samples[chosen]
    _check_deliveries(labels, samples, targets > 0)
    day0 = _start_day(as_of, horizon)
    days = np.empty((labels.size, n_trials), dtype=np.float64)
    for g, gen in enumerate(generator.spawn(labels.size)):
        days[g] = _simulate_group(
            samples[g],
            int(targets[g]),
            gen,
            trials=n_trials,
            batch=batch,
            horizon=horizon,
            split=split,
        )

    undone = int(np.count_nonzero(np.isinf(days)))
    if undone:
        warnings.warn(
            f"{undone} of {days.size} trials were not done within `max_days` = {horizon} days; "
            "their days are inf (raise `max_days` to simulate further)",
            CustomerKanbanWarning,
            stacklevel=2,
        )
    values = np.percentile(days, levels, axis=1, method="inverted_cdf").T.astype(np.float64)
    return WhenForecast(
        groups=labels,
        items=targets,
        days=days,
        q=levels,
        values=values,
        dates=_add_days(day0, values),
        completion=_add_days(day0, days),
        as_of=day0,
    )


def _simulate_group(
    sample: Int64Array,
    items: int,
    gen: np.random.Generator,
    *,
    trials: int,
    batch: int,
    horizon: int,
    split: tuple[float, float] | None,
) -> FloatArray:
    """Days each of `trials` trials needs to deliver `items` from one group's history."""
    widest = max(_FIRST_BLOCK, _BUDGET // batch)
    index_type = _index_dtype(sample.size)
    days = np.empty(trials, dtype=np.float64)
    for lo in range(0, trials, batch):
        b = min(batch, trials - lo)
        if split is None:
            target = np.full(b, items, dtype=np.int64)
        else:
            u = gen.uniform(split[0], split[1], size=b)
            target = np.ceil(items * u).astype(np.int64)
        days[lo : lo + b] = _simulate_batch(
            sample, target, gen, horizon=horizon, widest=widest, index_type=index_type
        )
    return days


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
    daily_throughput: npt.ArrayLike | DailyThroughput,
    days: int,
    *,
    trials: int = 10_000,
    q: npt.ArrayLike = (50, 70, 85, 95),
    rng: np.random.Generator | int | None = None,
) -> HowManyForecast:
    """Monte Carlo forecast of how many items will be delivered in `days` days, per group.

    Each trial sums the throughput of `days` past days drawn at random, with
    replacement, from the group's history.

    Parameters
    ----------
    daily_throughput : DailyThroughput or array_like of int, shape (D,) or (G, D)
        Items delivered per day over a past window, days with zero included:
        the result of :func:`daily_throughput`, one history, or one row per
        group (as for :func:`forecast_when`).
    days : int
        Number of future days (0 to 36,525, a hundred years; 0 gives 0 items).
    trials : int, optional
        Number of simulated futures (1 to 1,000,000), with ``trials * days``
        at most 2**28 (the simulated days of a group, about 1 s).
    q : float or array_like of float, shape (Q,), optional
        Confidence levels in (0, 100]. [%]
    rng : numpy.random.Generator or int or None, optional
        Source of randomness: a generator (used, and advanced), a seed >= 0,
        or ``None`` for fresh entropy. The global numpy RNG is never used.

    Returns
    -------
    HowManyForecast
        Per group: items per trial and the count at each confidence level.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If `daily_throughput` is empty, a group holds no delivery (a forecast
        of 0 items from no history would be a guess), or holds negative,
        fractional or too large (above 10**9) values; if `days` is outside
        [0, 36,525], `trials` outside [1, 1,000,000] or ``trials * days``
        above 2**28; or if a `q` is outside (0, 100] or every `q` is in
        (0, 1] (a fraction where a percentage is meant).
    TypeError
        If `days` or `trials` is not an integer, or `rng` is not None, an
        int or a :class:`numpy.random.Generator`.

    See Also
    --------
    forecast_when : the number of days needed for a number of items.

    Notes
    -----
    Values are read from the low side: the value at ``q`` is the largest `N`
    with at least ``q`` % of the trials delivering `N` items or more, that is
    ``-numpy.percentile(-counts, q, method="inverted_cdf")``. Higher
    confidence gives fewer items. Each group has its own random stream
    (``rng.spawn``), as in :func:`forecast_when`. Trials run in batches of 16384 trials
    and blocks of 1024 days (at most 2**24 draws at once); days are drawn day
    by day across the trials, so with one batch and one block (``trials <=
    16384``, ``days <= 1024``) the same seed extends every trial when `days`
    grows: more days never give fewer items, trial by trial.

    Examples
    --------
    >>> past = [0, 1, 2, 0, 3, 1, 0, 2]
    >>> f = forecast_how_many(past, 14, rng=42)
    >>> f.values  # 50 %: 16 items or more; 95 %: 9 or more
    array([[16, 14, 12,  9]])
    """
    labels, samples = _samples_iv(daily_throughput)
    n_days = as_whole_number(days, name="days", minimum=0, maximum=MAX_DAYS, unit="days")
    n_trials = as_whole_number(trials, name="trials", minimum=1, maximum=MAX_TRIALS)
    _trial_days(n_trials, n_days, "days")
    levels = _confidence_levels(q)
    generator = as_generator(rng)
    _check_deliveries(labels, samples, np.ones(labels.size, dtype=np.bool_))
    streams = generator.spawn(labels.size)

    counts = np.zeros((labels.size, n_trials), dtype=np.int64)
    width = samples.shape[1]
    index_type = _index_dtype(width)
    rows = min(n_trials, _WHEN_BATCH)
    cols = _BUDGET // rows
    for g, gen in enumerate(streams):
        if not n_days:
            break
        history = _narrowest(samples[g])  # a narrow gather, summed exactly in int64
        summed: list[tuple[int, int, Callable[[], npt.NDArray[np.int64]]]] = []
        for lo in range(0, n_trials, rows):
            b = min(rows, n_trials - lo)
            for first in range(0, n_days, cols):
                w = min(cols, n_days - first)
                # Day-major draws: with one batch and one block, the first `days` days
                # of every trial are the same for any larger `days`.
                idx = gen.integers(0, width, size=(w, b), dtype=index_type)
                # The draws stay in order on this thread; their sums overlap the next
                # draws on another (integer sums: the same counts in any order).
                summed.append((lo, b, later(partial(_day_sums, history, idx))))
                if len(summed) > 1:
                    _add_sums(counts[g], summed.pop(0))
        for job in summed:
            _add_sums(counts[g], job)
    values = -np.percentile(-counts, levels, axis=1, method="inverted_cdf").T.astype(np.int64)
    return HowManyForecast(groups=labels, counts=counts, days=n_days, q=levels, values=values)

"""Single-item forecasts: when items already in progress will be done, given their age.

An item open for `a` days has outlived every past item that took less: its
remaining time follows the *conditional* lead-time distribution
``P(T <= a + d | T > a) = 1 - S(a + d) / S(a)``, with ``S`` the Kaplan–Meier
curve of the history (or of its finished items only). The function lives with
the Kaplan–Meier estimator it is built on (one event table per group, without
the confidence band a :class:`SurvivalResult` carries), and
:mod:`customer_kanban.metrics.forecast` re-exports it beside the Monte Carlo
forecasts.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from customer_kanban._core.groups import Groups, factorize
from customer_kanban._core.instants import NS_PER_DAY
from customer_kanban._core.iso import NS_MAX
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
    as_durations,
    as_instant_scalar,
    as_numbers,
    as_percentiles,
    check_choice,
    choices_of,
    warn_insufficient,
)
from customer_kanban.errors import ValidationError, describe_rows
from customer_kanban.metrics.survival._kaplan_meier import (
    _LEVEL_RTOL,
    _drop_nan,
    _event_table,
    _group_rows,
    _km_iv,
    _survival,
)

__all__ = ["ItemForecast", "single_item_forecast"]

#: How the history's survival curve is estimated.
ForecastMethod = Literal["kaplan_meier", "empirical"]
FORECAST_METHODS = choices_of(ForecastMethod)


@result
class ItemForecast(Result):
    """When items already in progress will be done, from the conditional lead time.

    Attributes
    ----------
    ages : numpy.ndarray of float64, shape (m,)
        Age of each item in progress. [days]
    group : numpy.ndarray, shape (m,)
        The history group each item was forecast from (``"all"`` without
        ``by``; ``None`` for an item whose group has no history). One label
        per item, not a group axis.
    method : {"kaplan_meier", "empirical"}
        ``"kaplan_meier"`` (unfinished history censored) or ``"empirical"``
        (finished history only).
    q : numpy.ndarray of float64, shape (Q,)
        Confidence levels asked for, in (0, 100]. [%]
    remaining : numpy.ndarray of float64, shape (m, Q)
        ``remaining[i, k]``: the fewest further days within which item `i` is
        done with probability at least ``q[k]`` %; ``inf`` when the history
        never gets there, NaN when the item is older than every history item
        (nothing to condition on). [days]
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

    Notes
    -----
    :meth:`to_frame` has one row per item × `q`: columns ``item`` (the
    item's position), ``group``, ``ages``, ``q``, ``remaining``, ``dates``,
    ``support``, ``method``, and one column ``probability_within_<w>`` per
    horizon `w` (in days).
    """

    ages: FloatArray
    group: LabelArray
    method: str
    q: FloatArray
    remaining: FloatArray
    dates: InstantArray
    within: FloatArray
    probability_within: FloatArray
    support: Int64Array

    def _frame_columns(self) -> dict[str, npt.NDArray[Any]]:
        m, n_q = self.remaining.shape
        item = np.repeat(np.arange(m), n_q)
        columns: dict[str, npt.NDArray[Any]] = {
            "item": item,
            "group": self.group[item],
            "ages": self.ages[item],
            "q": np.tile(self.q, m),
            "remaining": self.remaining.reshape(-1),
            "dates": self.dates.reshape(-1),
            "support": self.support[item],
            "method": np.repeat(np.asarray(self.method), m * n_q),
        }
        for w, horizon in enumerate(self.within.tolist()):
            columns[f"probability_within_{horizon:g}"] = self.probability_within[item, w]
        return columns


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


def _conditional(
    d: FloatArray, censored: BoolArray | None, age: FloatArray, q: FloatArray, horizons: FloatArray
) -> tuple[FloatArray, FloatArray, Int64Array]:
    """Remaining days (k, Q), probabilities within (k, W) and support (k,) of items aged `age`.

    `d` and `censored` are one group's history (no NaN); NaN where an item is
    older than every history item.
    """
    remaining = np.full((age.size, q.size), np.nan)
    probability = np.full((age.size, horizons.size), np.nan)
    support = d.size - np.searchsorted(np.sort(d), age, side="right")
    times, at_risk, events = _event_table(d, censored)
    if times.size == 0:  # every history item still open: S = 1, nothing ends
        remaining[:] = np.inf
        probability[:] = 0.0
        return remaining, probability, support.astype(np.int64)
    survival = _survival(at_risk, events)
    s_age = _step_at(times, survival, age)
    alive = s_age > 0
    age_alive, s_alive = age[alive], s_age[alive]
    if horizons.size:
        later = _step_at(times, survival, age_alive[:, None] + horizons[None, :])
        probability[alive] = 1.0 - later / s_alive[:, None]
    level = (1.0 - q[None, :] / 100.0) * s_alive[:, None] * (1.0 + _LEVEL_RTOL)
    idx = np.searchsorted(-survival, -level, side="left")
    hit = idx < times.size
    done_at = np.where(hit, times[np.minimum(idx, times.size - 1)], np.inf)
    remaining[alive] = done_at - age_alive[:, None]
    return remaining, probability, support.astype(np.int64)


def _labels_of(groups: Groups, item_group: IntpArray) -> LabelArray:
    """Each item's history group label; ``None`` for a group without history."""
    if (item_group < groups.size).all():
        out: LabelArray = groups.labels[item_group]
        return out
    padded = np.empty(groups.size + 1, dtype=object)
    padded[: groups.size] = groups.labels
    labels: LabelArray = padded[item_group]
    return labels


#: Float64 rounding of nanoseconds near the end of datetime64[ns] (its ulp there is 2048).
_MARGIN_NS = 1 << 12


def _dates(as_of: np.datetime64 | None, remaining: FloatArray) -> InstantArray:
    """``as_of + remaining`` to the nanosecond; ``NaT`` where not finite or without `as_of`."""
    dates = np.full(remaining.shape, np.datetime64("NaT", "ns"))
    if as_of is not None:
        finite = np.isfinite(remaining)
        step = np.round(remaining[finite] * NS_PER_DAY)
        room = NS_MAX - int(as_of.astype("datetime64[ns]").view(np.int64))
        if step.size and not step.max() < room - _MARGIN_NS:
            raise ValidationError(
                f"`as_of` + the remaining days (up to {step.max() / NS_PER_DAY:.6g}) lies after "
                "2262-04-11, beyond datetime64[ns]: the `durations` history holds lead times "
                "too long to give dates; leave out `as_of` to get the days only"
            )
        dates[finite] = as_of + step.astype(np.int64).astype("timedelta64[ns]")
    return dates


def _confidence_levels(q: object) -> FloatArray:
    levels = as_percentiles(q)
    if not (levels > 0).all():
        raise ValidationError(f"`q` must lie in (0, 100] [%]; got {levels.tolist()}")
    return levels


def _horizons(within: object) -> FloatArray:
    w = as_numbers(within, name="within", unit="days").reshape(-1)
    if not (w >= 0).all():
        raise ValidationError(f"`within` must be >= 0 [days]; got {w.tolist()}")
    return w


def single_item_forecast(
    ages: npt.ArrayLike,
    durations: npt.ArrayLike,
    observed: npt.ArrayLike | None = None,
    *,
    q: npt.ArrayLike = (50, 70, 85, 95),
    within: npt.ArrayLike = (),
    method: ForecastMethod = "kaplan_meier",
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
    q : float or array_like of float, shape (Q,), optional
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
        If an age or a history duration is negative, a `q` is outside
        (0, 100] or every `q` is in (0, 1] (a fraction where a percentage is
        meant), a horizon is negative, `method` is unknown, only one of `by`
        and `history_by` is given, or lengths differ; or if a date
        (``as_of`` + remaining days) would fall after 2262-04-11, beyond
        ``datetime64[ns]``.
    TypeError
        If `ages`, `durations` or `within` are not numbers (booleans, text
        and instants are refused).

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
    ``remaining`` at level ``q`` is ``inf{t : S(t) <= (1 - q / 100) S(a)} - a``
    over the curve's steps (the Kaplan–Meier percentile of the conditional
    distribution; nearest rank without censoring). The curve of each group
    is built once; all items of a group are answered with ``searchsorted``
    (a loop over groups, none over items).

    Examples
    --------
    History: ten items took 1..10 days. An item already 6 days old has
    outlived six of them; the other four (7, 8, 9, 10) are equally likely.

    >>> history = np.arange(1.0, 11.0)
    >>> f = single_item_forecast([0.0, 6.0], history, q=[50, 100], within=2)
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
    m = check_choice(method, name="method", choices=FORECAST_METHODS)
    d, censored = _km_iv(durations, observed)
    levels = _confidence_levels(q)
    horizons = _horizons(within)
    t = None if as_of is None else as_instant_scalar(as_of, name="as_of")
    groups, item_group = _item_groups(a.size, by, d.size, history_by)

    remaining = np.full((a.size, levels.size), np.nan)
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
        remaining[mine], probability[mine], support[mine] = _conditional(
            dg, cg, a[mine], levels, horizons
        )

    unknown = ~np.isnan(a) & np.isnan(remaining[:, 0])
    if unknown.any():
        warn_insufficient(
            f"{int(unknown.sum())} item(s) cannot be forecast (older than every history item "
            f"of their group, or a group without history), e.g. "
            f"{describe_rows(np.flatnonzero(unknown).tolist())}: their results are NaN"
        )
    return ItemForecast(
        ages=a,
        group=_labels_of(groups, item_group),
        method=m,
        q=levels,
        remaining=remaining,
        dates=_dates(t, remaining),
        within=horizons,
        probability_within=probability,
        support=support,
    )


def _take(censored: BoolArray | None, rows: IntpArray) -> BoolArray | None:
    return None if censored is None else censored[rows]

"""Forecast charts: the Monte Carlo "when" and "how many" distributions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from customer_kanban.errors import ValidationError
from customer_kanban.plot import style
from customer_kanban.plot._groups import group_index

if TYPE_CHECKING:
    from customer_kanban.metrics.forecast import HowManyForecast, WhenForecast

__all__ = ["forecast_how_many_chart", "forecast_when_chart", "histogram_edges"]

#: At most this many bars in a forecast histogram; wider ranges group values in bins.
MAX_BARS = 60


def histogram_edges(values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Bin edges of a histogram of whole numbers: one bar per value, or per few values.

    Edges sit half-way between whole numbers, so each bar is centred on the values
    it counts; a range wider than 60 values gets bars of ``ceil(range / 60)``
    values each.

    Parameters
    ----------
    values : array_like of float, shape (n,)
        Whole numbers (finite; at least one).

    Returns
    -------
    numpy.ndarray of float64, shape (B + 1,)

    Examples
    --------
    >>> histogram_edges([2, 3, 3, 5]).tolist()
    [1.5, 2.5, 3.5, 4.5, 5.5]
    """
    v = np.asarray(values, dtype=np.float64)
    low, high = float(v.min()), float(v.max())
    width = max(1, int(np.ceil((high - low + 1) / MAX_BARS)))
    n_bars = int((high - low) // width) + 1
    out: npt.NDArray[np.float64] = low - 0.5 + width * np.arange(n_bars + 1, dtype=np.float64)
    return out


def forecast_when_chart(result: WhenForecast, ax: Any = None, *, group: object = None) -> Any:
    """Draw a Monte Carlo "when" forecast: a histogram of the trials' finish dates.

    Each bar counts the trials that delivered the group's items on that day (or in
    that bin of days); a dashed line marks each confidence level of the result at
    its date ("85 %: Mar 10": 85 % of the trials were done by then).  Without an
    `as_of` the x axis is days from the start.  Trials not done within
    ``max_days`` are left out of the bars and counted in the title.

    Parameters
    ----------
    result : WhenForecast
        From :func:`customer_kanban.metrics.forecast_when`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    group : str, optional
        The group to draw; required when the result has several.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    customer_kanban.errors.ValidationError
        If `group` is not one of the result's groups, or no trial of the group
        finished (nothing to draw).

    Examples
    --------
    >>> from customer_kanban.metrics import forecast_when
    >>> r = forecast_when([0, 1, 2, 1, 3], 10, as_of="2024-01-01", rng=7, trials=500)
    >>> ax = r.plot()
    >>> ax.get_xlabel()
    'finish date (UTC)'
    """
    g = group_index(result.groups, group)
    days = np.asarray(result.days[g], dtype=np.float64)
    done = days[np.isfinite(days)]
    if done.size == 0:
        raise ValidationError(
            f"the forecast of group {str(result.groups[g])!r} has no finished trial to draw"
        )
    edges = histogram_edges(done)
    counts, _ = np.histogram(done, bins=edges)
    dated = not np.isnat(result.as_of)
    day0 = result.as_of.astype("datetime64[D]")
    with style.rc():
        ax = style.axes_for(ax)
        centres = (edges[:-1] + edges[1:]) / 2
        x = _day_positions(day0, centres) if dated else centres
        width = float(edges[1] - edges[0]) * 0.9
        ax.bar(x, counts, width=width, color=style.color(0), alpha=0.85, label="trials")
        span = np.array([min(edges[0], -0.5), edges[-1]])  # from the start, day 0
        ax.set_xlim(_day_positions(day0, span) if dated else span)
        labels = [
            f"{q:g} %: {_day_text(result.dates[g, k]) if dated else f'{v:g} days'}"
            for k, (q, v) in enumerate(
                zip(result.q.tolist(), result.values[g].tolist(), strict=True)
            )
        ]
        positions = [
            _day_positions(day0, np.array([v]))[0] if dated else v
            for v in result.values[g].tolist()
        ]
        _percentile_markers(ax, positions, labels, finite=np.isfinite(result.values[g]))
        if dated:
            style.date_axis(ax)
        title = f"When will {int(result.items[g])} items be done?"
        title += "" if result.groups.size == 1 else f" — {result.groups[g]}"
        late = days.size - done.size
        title += f" ({late} of {days.size} trials not done)" if late else ""
        return style.finish(
            ax,
            title=title,
            xlabel="finish date (UTC)" if dated else "days from start [days]",
            ylabel="trials",
        )


def forecast_how_many_chart(
    result: HowManyForecast, ax: Any = None, *, group: object = None
) -> Any:
    """Draw a Monte Carlo "how many" forecast: a histogram of the items per trial.

    Each bar counts the trials that delivered that many items (or a bin of counts)
    in the result's `days`; a dashed line marks each confidence level at its count.
    For "how many" the conservative levels are the high ones, read as "an 85 %
    chance of `N` items or more": their counts are the low ones.

    Parameters
    ----------
    result : HowManyForecast
        From :func:`customer_kanban.metrics.forecast_how_many`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    group : str, optional
        The group to draw; required when the result has several.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    customer_kanban.errors.ValidationError
        If `group` is not one of the result's groups or the group has no trial.

    Examples
    --------
    >>> from customer_kanban.metrics import forecast_how_many
    >>> r = forecast_how_many([0, 1, 2, 1, 3], 10, rng=7, trials=500)
    >>> ax = r.plot()
    >>> ax.get_xlabel()
    'items delivered in 10 days [items]'
    """
    g = group_index(result.groups, group)
    counts_per_trial = np.asarray(result.counts[g], dtype=np.float64)
    if counts_per_trial.size == 0:
        raise ValidationError(
            f"the forecast of group {str(result.groups[g])!r} has no trial to draw"
        )
    edges = histogram_edges(counts_per_trial)
    counts, _ = np.histogram(counts_per_trial, bins=edges)
    with style.rc():
        ax = style.axes_for(ax)
        centres = (edges[:-1] + edges[1:]) / 2
        width = float(edges[1] - edges[0]) * 0.9
        ax.bar(centres, counts, width=width, color=style.color(2), alpha=0.85, label="trials")
        ax.set_xlim(edges[0], edges[-1])
        values = result.values[g].tolist()
        labels = [f"{q:g} %: ≥ {v} items" for q, v in zip(result.q.tolist(), values, strict=True)]
        _percentile_markers(ax, values, labels, finite=np.ones(len(values), dtype=bool))
        title = f"How many items in {result.days} days?"
        title += "" if result.groups.size == 1 else f" — {result.groups[g]}"
        return style.finish(
            ax,
            title=title,
            xlabel=f"items delivered in {result.days} days [items]",
            ylabel="trials",
        )


def _day_positions(day0: np.datetime64, days: npt.NDArray[np.float64]) -> Any:
    """`days` (fractional) after `day0` as matplotlib date numbers."""
    import matplotlib.dates as mdates

    base = float(mdates.date2num(day0))  # type: ignore[no-untyped-call]
    return base + np.asarray(days, dtype=np.float64)


def _day_text(day: np.datetime64) -> str:
    """A date as ``"Mar 10"`` (``"Mar 10 2017"`` is not needed: the axis shows the year)."""
    if np.isnat(day):
        return "not reached"
    text: str = day.astype("datetime64[D]").item().strftime("%b %d")
    return text


def _percentile_markers(ax: Any, positions: list[Any], labels: list[str], *, finite: Any) -> None:
    """A dashed vertical line at each position, its label at the top, staggered downwards."""
    top = ax.get_ylim()[1]
    ax.set_ylim(0, top * (1.12 + 0.09 * len(positions)))
    for k, (x, text) in enumerate(zip(positions, labels, strict=True)):
        if not bool(finite[k]):
            continue
        ax.axvline(x, color=style.INK, linestyle="--", linewidth=1.0)
        ax.annotate(
            text,
            xy=(x, 1.0 - 0.09 * k),
            xycoords=("data", "axes fraction"),
            xytext=(3, -2),
            textcoords="offset points",
            va="top",
            ha="left",
            fontsize=8.5,
            color=style.INK,
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"},
        )

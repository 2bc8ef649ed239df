"""Charts of process behaviour (XmR) and of forecast backtests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from customer_kanban._core.validation import check_choice
from customer_kanban.errors import ValidationError
from customer_kanban.plot import style

if TYPE_CHECKING:
    from customer_kanban.metrics.flow import ProcessBehaviourResult
    from customer_kanban.metrics.forecast import BacktestResult

__all__ = ["backtest", "process_behaviour"]

#: How each detection rule is marked: label, marker, colour, size.
_RULE_MARKS = (
    ("1: beyond a limit", "o", style.PALETTE[5], 90),
    ("2: run of 8 on one side", "s", style.PALETTE[1], 44),
    ("3: 3 of 4 near a limit", "^", style.PALETTE[4], 52),
    ("4: large moving range", "D", style.PALETTE[3], 40),
)
_PANELS = ("values", "moving_ranges")


def process_behaviour(
    result: ProcessBehaviourResult,
    ax: Any = None,
    *,
    group: object = None,
    panel: Literal["values", "moving_ranges"] = "values",
    ylabel: str | None = None,
) -> Any:
    """Draw an XmR chart: the values (or moving ranges) with their limits and signals.

    The values are a run chart; the centre line and the natural process limits
    are labelled at the right; values flagged by a detection rule are marked,
    one marker per rule (a value can carry several).

    Parameters
    ----------
    result : ProcessBehaviourResult
        From :func:`customer_kanban.metrics.process_behaviour`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    group : str, optional
        The group to draw; required when the result has several.
    panel : {"values", "moving_ranges"}, optional
        The X chart (default) or the moving range chart (rule 4's signals).
    ylabel : str, optional
        The y axis label with its unit, e.g. ``"lead time [days]"``. Default:
        items per period for a throughput, else ``"value"``.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    TypeError
        If `ylabel` is not text, or `ax` not a matplotlib Axes.
    customer_kanban.errors.ValidationError
        If `panel` is unknown, `group` is not one of the result's groups, or the
        group has no value.

    Examples
    --------
    >>> from customer_kanban.metrics import process_behaviour as xmr
    >>> ax = xmr([5, 6, 5, 7, 6, 5, 6, 20, 6, 5]).plot(ylabel="lead time [days]")
    >>> [t.get_text().split()[0] for t in ax.texts]
    ['UNPL', 'CL', 'LNPL']
    """
    which = check_choice(panel, name="panel", choices=_PANELS)
    if ylabel is not None and not isinstance(ylabel, str):
        raise TypeError(f"`ylabel` must be text or None, got {type(ylabel).__name__} {ylabel!r}")
    g = _group_index(result.groups, group)
    n = int(result.n[g])
    if n == 0:
        raise ValidationError("the process behaviour chart has no value to draw")
    dated = not np.isnat(result.periods[:n]).any()
    x = result.periods[:n] if dated else np.arange(1, n + 1)
    ranges = which == "moving_ranges"
    y = (result.moving_ranges if ranges else result.values)[g, :n]
    lines: tuple[tuple[str, Any, str], ...]
    if ranges:
        lines = (("URL", result.mr_high[g], "--"), ("mR̄", result.mr_mean[g], "-"))
    else:
        lines = (
            ("UNPL", result.high[g], "--"),
            ("CL", result.centre[g], "-"),
            ("LNPL", result.low[g], "--"),
        )
    with style.rc():
        ax = style.axes_for(ax)
        ax.plot(
            x,
            y,
            color=style.PALETTE[0],
            linewidth=1.2,
            marker=".",
            markersize=4,
            label="moving range" if ranges else "value",
            zorder=2,
        )
        _limit_lines(ax, lines)
        _signals(ax, result, g, x, y, ranges)
        if dated:
            style.date_axis(ax)
        name = "" if result.groups.size == 1 else f" — {result.groups[g]}"
        mine = (result.signal_group == g) & ((result.signal_rule == 4) | (not ranges))
        count = np.unique(result.signal_index[mine]).size
        kind = "moving ranges (mR)" if ranges else "XmR"
        title = f"Process behaviour, {kind}{name}: {_signal_text(count, n - ranges, ranges)}"
        if ylabel is None:
            ylabel = "items per period" if dated else "value"
        ylabel = f"moving range of {ylabel}" if ranges else ylabel
        xlabel = "period" if dated else "position in time order"
        style.finish(ax, title=title, xlabel=xlabel, ylabel=ylabel)
        _legend_outside(ax)
        return ax


def _legend_outside(ax: Any, title: str | None = None) -> None:
    """The legend at the right of the axes, outside the data (which fills the axes)."""
    ax.legend(
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=8,
        borderaxespad=0,
        title=title,
        title_fontsize=8,
    )


def _signal_text(count: int, n: int, ranges: bool) -> str:
    noun = "moving ranges" if ranges else "values"
    return "no signal" if count == 0 else f"{count} of {n} {noun} signal"


def _limit_lines(ax: Any, lines: tuple[tuple[str, Any, str], ...]) -> None:
    """Horizontal reference lines, each labelled with its name and value at the right."""
    import matplotlib.transforms as mtransforms

    at_right = mtransforms.blended_transform_factory(ax.transAxes, ax.transData)
    for label, value, dash in lines:
        v = float(value)
        if not np.isfinite(v):
            continue
        ax.axhline(
            v,
            color=style.INK if dash == "-" else style.PALETTE[5],
            linewidth=1.0,
            linestyle=dash,
            zorder=1,
            label=f"_{label}",
        )
        ax.text(
            0.995,
            v,
            f"{label} {_figure(v)}",
            transform=at_right,
            ha="right",
            va="bottom",
            fontsize=8,
            color=style.INK,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1},
        )


def _signals(ax: Any, result: ProcessBehaviourResult, g: int, x: Any, y: Any, ranges: bool) -> None:
    """One scatter per detection rule that fired (rule 4 only on the moving ranges)."""
    mine = result.signal_group == g
    for rule, (label, marker, colour, size) in enumerate(_RULE_MARKS, start=1):
        if ranges and rule != 4:
            continue
        at = result.signal_index[mine & (result.signal_rule == rule)]
        if at.size == 0:
            continue
        ax.scatter(
            x[at],
            y[at],
            s=size,
            marker=marker,
            facecolors="none",
            edgecolors=colour,
            linewidths=1.6,
            label=label,
            zorder=3,
        )


def backtest(result: BacktestResult, ax: Any = None, *, group: object = None) -> Any:
    """Draw a forecast backtest: the forecast at each level per date, and what happened.

    Each confidence level is a step line (the items promised for the horizon
    from that date) with its coverage in the legend; the band spans the levels
    asked for; the dots are the items actually delivered. A dot below a line is
    a date where that level promised too much.

    Parameters
    ----------
    result : BacktestResult
        From :func:`customer_kanban.metrics.backtest_forecast`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    group : str, optional
        The group to draw; required when the result has several.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np
    >>> from customer_kanban.metrics import backtest_forecast, daily_throughput
    >>> end = np.datetime64("2024-01-01") + np.arange(0, 120, 0.5).astype("timedelta64[D]")
    >>> tp = daily_throughput(end, since="2024-01-01", until="2024-04-29")
    >>> ax = backtest_forecast(tp, horizon=7, trials=200, rng=1).plot()
    >>> [t.get_text() for t in ax.get_legend().get_texts()][:2]
    ['range of the levels', '50 %: coverage 1.00']
    """
    g = _group_index(result.groups, group)
    if result.periods.size == 0:
        raise ValidationError("the backtest has no date to draw")
    dates = result.periods.astype("datetime64[ns]")
    forecast = result.forecast[g]  # (D, Q)
    with style.rc():
        ax = style.axes_for(ax)
        made = ~np.isnan(forecast).all(axis=1)
        ax.vlines(
            dates[made],
            np.nanmin(forecast[made], axis=1),
            np.nanmax(forecast[made], axis=1),
            color=style.MUTED,
            alpha=0.35,
            linewidth=_bar_width(ax, dates.size),
            zorder=1,
            label="range of the levels",
        )
        for k in range(result.q.size):
            cov = result.coverage[g, k]
            text = "n/a" if np.isnan(cov) else f"{cov:.2f}"
            ax.scatter(
                dates,
                forecast[:, k],
                marker="_",
                s=120,
                linewidths=2.0,
                color=style.color(k),
                zorder=3,
                label=f"{result.q[k]:g} %: coverage {text}",
            )
        ax.scatter(
            dates, result.delivered[g], s=22, color=style.INK, zorder=4, label="actually delivered"
        )
        style.date_axis(ax)
        ax.set_ylim(bottom=0)
        name = "" if result.groups.size == 1 else f" — {result.groups[g]}"
        days = "day" if result.horizon == 1 else f"{result.horizon} days"
        title = f"Forecast backtest{name}: items in the next {days}"
        ylabel = f"items delivered in {result.horizon} days"
        style.finish(ax, title=title, xlabel="forecast date", ylabel=ylabel)
        _legend_outside(ax, "forecast level (well calibrated:\ncoverage ≈ level)")
        return ax


def _bar_width(ax: Any, count: int) -> float:
    """Width in points of one date's bar: about half the space per date, 2 to 10 points."""
    width_points = ax.figure.get_figwidth() * 72 * 0.8
    return float(np.clip(width_points / max(count, 1) * 0.5, 2.0, 10.0))


def _group_index(groups: Any, group: object) -> int:
    """Position of `group` among the result's groups (the only one when omitted)."""
    labels = [str(x) for x in np.asarray(groups).tolist()]
    if group is None:
        if len(labels) != 1:
            raise ValidationError(
                f"`group` must name one of the {len(labels)} groups to draw, e.g. {labels[0]!r}"
            )
        return 0
    if str(group) not in labels:
        shown = ", ".join(repr(x) for x in labels[:5])
        raise ValidationError(
            f"`group` must be one of the result's groups ({shown}...), got {group!r}"
        )
    return labels.index(str(group))


def _figure(value: float) -> str:
    """A limit as read on the chart: whole numbers with separators from 100, else 3 digits.

    Examples
    --------
    >>> _figure(2987.4), _figure(12.345), _figure(-1146.0)
    ('2,987', '12.3', '-1,146')
    """
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"

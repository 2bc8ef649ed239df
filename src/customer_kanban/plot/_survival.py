"""Survival charts: the Kaplan–Meier curve of lead times, and fitted distributions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from customer_kanban.errors import ValidationError
from customer_kanban.plot import style
from customer_kanban.plot._groups import group_index

if TYPE_CHECKING:
    from customer_kanban.metrics.survival import LeadTimeFit, SurvivalResult

__all__ = ["censored_positions", "lead_time_fit_chart", "survival_chart"]

_FIT_NAMES = {"weibull": "Weibull", "lognormal": "lognormal"}


def censored_positions(result: SurvivalResult) -> tuple[npt.NDArray[np.float64], Any]:
    """Where a Kaplan–Meier result's censored items lie, from its counts alone.

    The result keeps, per event time ``t_j``, the items at risk and the events, not
    the censored durations: ``n_j - d_j - n_{j+1}`` items were censored in
    ``[t_j, t_{j+1})`` (after the last event time: ``n_J - d_J``; before the first:
    ``n - n_1``, in ``[0, t_1)``).  Each such interval is placed at its start.

    Parameters
    ----------
    result : SurvivalResult
        From :func:`customer_kanban.metrics.kaplan_meier`.

    Returns
    -------
    times : numpy.ndarray of float64, shape (K,)
        Start of each interval holding censored items. [days]
    counts : numpy.ndarray of int64, shape (K,)
        Censored items in it.

    Raises
    ------
    TypeError
        If `result` is not a SurvivalResult.

    Examples
    --------
    >>> from customer_kanban.metrics import kaplan_meier
    >>> r = kaplan_meier([2.0, 3.0, 3.0, 3.0, 6.0], [True, True, True, False, False])
    >>> censored_positions(r)
    (array([3.]), array([2]))
    """
    from customer_kanban.metrics.survival import SurvivalResult

    if not isinstance(result, SurvivalResult):
        raise TypeError(
            "`result` must be a SurvivalResult (from metrics.kaplan_meier), "
            f"got {type(result).__name__}"
        )
    at_risk = np.asarray(result.at_risk, dtype=np.int64)
    events = np.asarray(result.events, dtype=np.int64)
    times = np.asarray(result.times, dtype=np.float64)
    following = np.append(at_risk[1:], 0)
    counts = at_risk - events - following
    before = int(result.n) - (int(at_risk[0]) if at_risk.size else 0)
    times = np.concatenate([[0.0], times])
    counts = np.concatenate([[before], counts])
    keep = counts > 0
    return times[keep], counts[keep]


def survival_chart(
    result: SurvivalResult,
    ax: Any = None,
    *,
    fit: LeadTimeFit | Sequence[LeadTimeFit] | None = None,
    censored: npt.ArrayLike | None = None,
) -> Any:
    """Draw a Kaplan–Meier survival curve: the share of items still open after `t` days.

    A step curve of ``S(t)`` (starting at 1 at 0 days) with its pointwise confidence
    band, ``+`` marks where items were censored (still open when observed), and the
    fitted survival of each `fit` over it.

    Parameters
    ----------
    result : SurvivalResult
        From :func:`customer_kanban.metrics.kaplan_meier` or
        :func:`~customer_kanban.metrics.kaplan_meier_from_instants`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    fit : LeadTimeFit or sequence of LeadTimeFit, optional
        Fitted distributions (:func:`customer_kanban.metrics.fit_lead_times`) whose
        survival ``1 - F(t)`` is drawn over the curve, one line per fitted group.
    censored : array_like of float, shape (k,), optional
        The censored durations, to mark each where it lies. [days] Default: the
        result's censoring, marked at the start of the interval between event
        times that holds it (see :func:`censored_positions`).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    customer_kanban.errors.ValidationError
        If the result has no event time (nothing to draw), or a `censored`
        duration is negative or not finite.
    TypeError
        If `fit` is not a LeadTimeFit or a sequence of them.

    Examples
    --------
    >>> from customer_kanban.metrics import kaplan_meier
    >>> r = kaplan_meier([2.0, 3.0, 3.0, 3.0, 6.0], [True, True, True, False, False])
    >>> ax = r.plot()
    >>> ax.get_ylabel()
    'probability still open'
    """
    fits = _fits_iv(fit)
    times = np.asarray(result.times, dtype=np.float64)
    if times.size == 0:
        raise ValidationError("the survival curve has no event time to draw (no item finished)")
    marks, ticks = _censoring(result, censored)
    x = np.concatenate([[0.0], times])
    y = np.concatenate([[1.0], result.survival])
    end = float(max(x[-1], marks.max() if marks.size else 0.0))
    x_step = np.append(x, end)
    with style.rc():
        ax = style.axes_for(ax)
        ax.fill_between(
            x_step,
            np.concatenate([[1.0], result.low, result.low[-1:]]),
            np.concatenate([[1.0], result.high, result.high[-1:]]),
            step="post",
            color=style.color(0),
            alpha=0.2,
            linewidth=0,
            label=f"{result.confidence:.0%} confidence band",
            rasterized=style.dense(x_step.size),
        )
        ax.step(
            x_step,
            np.append(y, y[-1]),
            where="post",
            color=style.color(0),
            linewidth=1.8,
            label=f"Kaplan–Meier ({result.n_events} done of {result.n})",
        )
        if marks.size:
            ax.plot(
                marks,
                ticks,
                linestyle="none",
                marker="+",
                markersize=8,
                color=style.INK,
                label=f"censored (still open: {result.n - result.n_events})",
                rasterized=style.dense(marks.size),
            )
        grid = _grid(end * 1.05)
        for k, (label, sf) in enumerate(_fitted(fits, grid)):
            ax.plot(grid, sf, color=style.color(k + 1), linewidth=1.4, linestyle="--", label=label)
        ax.set_xlim(0, end * 1.05)
        ax.set_ylim(0, 1.02)
        return style.finish(
            ax,
            title="Lead-time survival (Kaplan–Meier)",
            xlabel="duration [days]",
            ylabel="probability still open",
            legend=True,
        )


def lead_time_fit_chart(result: LeadTimeFit, ax: Any = None, *, group: object = None) -> Any:
    """Draw fitted lead-time distributions: the survival ``1 - F(t)`` of each group.

    The curve runs from 0 to the 95th percentile of the longest-tailed group drawn.
    The fit does not keep its data: draw a Kaplan–Meier curve with
    ``survival.plot(fit=result)`` to compare the two.

    Parameters
    ----------
    result : LeadTimeFit
        From :func:`customer_kanban.metrics.fit_lead_times`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    group : str, optional
        The one group to draw; every group when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    customer_kanban.errors.ValidationError
        If `group` is not one of the result's groups, or no group was fitted.

    Examples
    --------
    >>> from customer_kanban.metrics import fit_lead_times
    >>> ax = fit_lead_times([1.0, 2.0, 3.0, 5.0, 8.0]).plot()
    >>> ax.get_lines()[0].get_label()
    'Weibull: k = 1.60, λ = 4.26 days'
    """
    if group is not None:
        g = group_index(result.groups, group)
        chosen = [g]
    else:
        chosen = list(range(result.groups.size))
    chosen = [g for g in chosen if np.isfinite(result.shape[g]) and np.isfinite(result.scale[g])]
    if not chosen:
        raise ValidationError("the lead-time fit has no fitted group to draw")
    end = float(np.max(result.percentile(95.0)[chosen]))
    grid = _grid(end)
    with style.rc():
        ax = style.axes_for(ax)
        for k, (label, sf) in enumerate(_fitted([result], grid, only=chosen)):
            ax.plot(grid, sf, color=style.color(k), linewidth=1.8, label=label)
        ax.set_xlim(0, end)
        ax.set_ylim(0, 1.02)
        return style.finish(
            ax,
            title=f"Fitted lead-time survival ({_FIT_NAMES[result.distribution]})",
            xlabel="duration [days]",
            ylabel="probability still open",
            legend=True,
        )


def _grid(end: float) -> npt.NDArray[np.float64]:
    """0, then 400 durations up to `end`, dense near 0 (where heavy tails drop fast)."""
    out: npt.NDArray[np.float64] = np.concatenate([[0.0], np.geomspace(end * 1e-4, end, 400)])
    return out


def _fits_iv(fit: object) -> list[Any]:
    """`fit` as a list of LeadTimeFit (empty for None)."""
    from customer_kanban.metrics.survival import LeadTimeFit

    if fit is None:
        return []
    items = [fit] if isinstance(fit, LeadTimeFit) else fit
    if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
        raise TypeError(
            f"`fit` must be a LeadTimeFit or a sequence of them, got {type(fit).__name__}"
        )
    for k, item in enumerate(items):
        if not isinstance(item, LeadTimeFit):
            raise TypeError(
                f"`fit` must hold LeadTimeFit results, got {type(item).__name__} at position {k}"
            )
    return list(items)


def _censoring(result: SurvivalResult, censored: object) -> tuple[Any, Any]:
    """Positions [days] and heights of the censoring marks."""
    if censored is None:
        marks, _ = censored_positions(result)
    else:
        from customer_kanban._core.validation import as_float_array

        marks = as_float_array(censored, name="censored")
        bad = ~np.isfinite(marks) | (marks < 0)
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise ValidationError(
                f"`censored` must hold finite durations >= 0 [days]: {int(bad.sum())} do not"
                f" (first: position {first}, {marks[first]!r})"
            )
    return marks, np.asarray(result.evaluate(marks), dtype=np.float64)


def _fitted(
    fits: list[Any], grid: npt.NDArray[np.float64], *, only: list[int] | None = None
) -> list[tuple[str, npt.NDArray[np.float64]]]:
    """(label, survival on `grid`) of each fitted group of each fit."""
    out = []
    for fit in fits:
        sf = np.asarray(fit.sf(grid), dtype=np.float64)
        for g in only if only is not None else range(fit.groups.size):
            if not (np.isfinite(fit.shape[g]) and np.isfinite(fit.scale[g])):
                continue
            name = _FIT_NAMES[fit.distribution]
            params = (
                f"k = {fit.shape[g]:.2f}, λ = {fit.scale[g]:.3g} days"
                if fit.distribution == "weibull"
                else f"σ = {fit.shape[g]:.2f}, median = {fit.scale[g]:.3g} days"
            )
            who = "" if fit.groups.size == 1 else f" {fit.groups[g]}"
            out.append((f"{name}{who}: {params}", sf[g]))
    return out

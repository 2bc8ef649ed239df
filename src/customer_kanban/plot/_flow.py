"""Flow charts: cumulative flow, throughput run chart, lead-time scatter, aging WIP,
WIP against its limits, class-of-service mix.

The charts of a result (``CumulativeFlowResult.plot``, ``ThroughputResult.plot``) take
the result; the composite charts take a :class:`~customer_kanban.table.WorkItemTable`
and its :class:`~customer_kanban.model.Policy` and compute what they draw with the
library's own metrics, so that a line on a chart equals the metric's value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
import numpy.typing as npt

from customer_kanban._core.validation import (
    as_instant_scalar,
    as_optional_instant_scalar,
    as_percentiles,
    check_choice,
    choices_of,
)
from customer_kanban.errors import ValidationError
from customer_kanban.metrics.flow import lead_time, wip, wip_breaches, work_item_age
from customer_kanban.metrics.flow import throughput as _throughput
from customer_kanban.metrics.service import percentiles
from customer_kanban.model import Policy
from customer_kanban.plot import style
from customer_kanban.table import WorkItemTable, class_codes

if TYPE_CHECKING:
    from customer_kanban._core.periods import Freq
    from customer_kanban.metrics.flow import CumulativeFlowResult, ThroughputResult

__all__ = [
    "aging_wip",
    "class_of_service_mix",
    "cumulative_flow",
    "lead_time_scatter",
    "throughput",
    "wip_limits",
]

#: Whose lead time or age: since the request (the customer's) or the commitment.
Basis = Literal["customer", "system"]
#: Periods of the class-of-service mix: calendar day, week from Monday, calendar month.
MixFreq = Literal["D", "W", "M"]
_BASES = choices_of(Basis)
_FREQS = choices_of(MixFreq)
_PERIOD_NAMES = {"D": "day", "W": "week", "M": "month"}
#: Colour of marks that need attention (breaches, items at risk): Okabe–Ito vermillion.
_ALERT = style.PALETTE[5]
#: Pace bands of the aging chart, from "usual" to "late" (Okabe–Ito green, yellow,
#: orange, vermillion, lightened by their alpha).
_PACE_COLORS = (style.PALETTE[2], style.PALETTE[6], style.PALETTE[1], style.PALETTE[5])
_PACE_Q = (50.0, 85.0, 95.0)
#: Greys of the states outside the commitment..delivery span of a cumulative flow.
_BEFORE_GREYS = ("#D4D4D4", "#E4E4E4", "#C4C4C4")
_AFTER_GREYS = ("#8C8C8C", "#B0B0B0", "#6E6E6E")
_NO_CLASS = "no class of service"
#: Periods of the class-of-service mix with fewer deliveries are drawn pale.
_FEW_ITEMS = 10


# --------------------------------------------------------------------------- helpers


def _legend_right(
    ax: Any, handles: list[Any] | None = None, labels: list[str] | None = None
) -> Any:
    """A legend outside the plot area, on the right, so that it never covers data."""
    if handles is None or labels is None:
        handles, labels = ax.get_legend_handles_labels()
    return ax.legend(
        handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0
    )


def _check_table_policy(table: object, policy: object) -> tuple[WorkItemTable, Policy]:
    """`table` and `policy` of the right types, the table's states the policy's workflow."""
    if not isinstance(table, WorkItemTable):
        raise TypeError(f"`table` must be a WorkItemTable, got {type(table).__name__}")
    if not isinstance(policy, Policy):
        raise TypeError(f"`policy` must be a Policy, got {type(policy).__name__}")
    if table.states and tuple(table.states) != tuple(policy.workflow.states):
        raise ValidationError(
            f"`table` states {list(table.states)} must be the workflow states of `policy` "
            f"{list(policy.workflow.states)}, in the same order"
        )
    return table, policy


def _class_series(table: WorkItemTable, policy: Policy) -> tuple[npt.NDArray[np.int64], list[str]]:
    """Each item's class as a code into the returned names: the policy's classes in its
    order, then "no class of service" (code ``len(classes)``) for the items it does not name."""
    codes = class_codes(table, policy)
    names = [c.name for c in policy.classes_of_service]
    out: npt.NDArray[np.int64] = np.where(codes >= 0, codes, len(names))
    return out, [*names, _NO_CLASS]


def _class_color(k: int, n_classes: int) -> str:
    """Colour of class `k` of the policy; grey for the items without one (``k == n``)."""
    return style.MUTED if k >= n_classes else style.color(k)


def _days_label(value: float) -> str:
    return f"{value:.1f} d" if value < 100 else f"{value:.0f} d"


def _sle_lines(ax: Any, policy: Policy, classes: list[int] | None = None) -> None:
    """A dashed line at each class's SLE (in the class's colour), named in the legend."""
    n = len(policy.classes_of_service)
    for k, c in enumerate(policy.classes_of_service):
        if c.sle is None or (classes is not None and k not in classes):
            continue
        ax.axhline(
            c.sle.days,
            color=_class_color(k, n),
            linestyle="--",
            linewidth=1.2,
            label=f"SLE {c.name}: {c.sle.probability:.0%} within {c.sle.days:g} d",
            gid=f"sle-{k}",
        )


# --------------------------------------------------------------------- cumulative flow


def _state_colors(states: list[str], commitment: int | None, delivery: int | None) -> list[str]:
    """One colour per state: the palette, or for many states a sequential scheme.

    With a commitment and a delivery point, the states between them (the work in
    progress) get the colours and the states before and after them greys, so that the
    eye goes to the committed work; without them, up to six states get the palette and
    more states colours sampled from ``cividis`` (colour-blind-safe, ordered like the
    workflow).
    """
    n = len(states)
    lo = 0 if commitment is None else commitment
    hi = n if delivery is None else delivery
    middle = hi - lo
    if middle <= 6:
        coloured = [style.color(k) for k in range(middle)]
    else:
        import matplotlib as mpl
        from matplotlib.colors import to_hex

        cmap = mpl.colormaps["cividis"]
        coloured = [str(to_hex(cmap(x))) for x in np.linspace(0.1, 0.95, middle)]
    before = [_BEFORE_GREYS[k % len(_BEFORE_GREYS)] for k in range(lo)][::-1]
    after = [_AFTER_GREYS[k % len(_AFTER_GREYS)] for k in range(n - hi)]
    return before + coloured + after


def _state_position(states: list[str], value: object, name: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in states:
        raise ValidationError(f"`{name}` must be one of the states {states}; got {value!r}")
    return states.index(value)


def cumulative_flow(
    result: CumulativeFlowResult,
    ax: Any = None,
    *,
    group: object = None,
    commitment: str | None = None,
    delivery: str | None = None,
) -> Any:
    """Draw a cumulative flow diagram: one band per workflow state, in workflow order.

    The top edge of the first band is the cumulative arrivals, the top edge of the
    departures' band the cumulative departures; the height of a band at a date is the
    number of items in that state then.  The legend stands outside the plot, on the
    right, states listed top to bottom as the bands are stacked.

    Parameters
    ----------
    result : CumulativeFlowResult
        From :func:`customer_kanban.metrics.cumulative_flow`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    group : str, optional
        The group to draw; required when the result has several.
    commitment, delivery : str, optional
        The commitment and delivery points (state labels).  With them, the states
        between get colours and the others greys, and the departures line is the
        arrivals in `delivery`; without them, it is the arrivals in the last state.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    customer_kanban.errors.ValidationError
        If the result has no period, `group` is not one of its groups, or
        `commitment` / `delivery` is not one of its states or comes in the wrong order.

    Examples
    --------
    >>> import numpy as np
    >>> from customer_kanban.metrics.flow import CumulativeFlowResult
    >>> r = CumulativeFlowResult(
    ...     groups=np.array(["all"]),
    ...     periods=np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[ns]"),
    ...     states=np.array(["todo", "doing", "done"]),
    ...     counts=np.array([[[3, 2, 0], [4, 3, 1]]]),
    ... )
    >>> ax = r.plot(commitment="doing", delivery="done")
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['todo', 'doing', 'done', 'arrivals (todo)', 'departures (done)']
    """
    g = _group_index(result.groups, group)
    counts = np.asarray(result.counts[g], dtype=np.float64)  # (P, S)
    if counts.shape[0] == 0:
        raise ValidationError("the cumulative flow has no period to draw")
    states = [str(s) for s in result.states]
    start = _state_position(states, commitment, "commitment")
    done = _state_position(states, delivery, "delivery")
    if start is not None and done is not None and start >= done:
        raise ValidationError(
            f"`commitment` ({commitment!r}) must come before `delivery` ({delivery!r})"
        )
    departed = len(states) - 1 if done is None else done
    # band s = items that reached state s but not s + 1 (the last: all that reached it)
    bands = counts.copy()
    bands[:, :-1] -= counts[:, 1:]
    colors = _state_colors(states, start, done)
    with style.rc():
        ax = style.axes_for(ax)
        dates = result.periods.astype("datetime64[ns]")
        ax.stackplot(
            dates,
            bands[:, ::-1].T,  # the last state at the bottom, arrivals on top
            labels=states[::-1],
            colors=colors[::-1],
            linewidth=0,
        )
        ax.plot(
            dates, counts[:, 0], color=style.INK, linewidth=1.4, label=f"arrivals ({states[0]})"
        )
        ax.plot(
            dates,
            counts[:, departed],
            color=style.INK,
            linewidth=1.4,
            linestyle="--",
            label=f"departures ({states[departed]})",
        )
        handles, labels = ax.get_legend_handles_labels()
        order = [labels.index(s) for s in states if s in labels]
        order += [k for k, lab in enumerate(labels) if lab not in states]
        _legend_right(ax, [handles[i] for i in order], [labels[i] for i in order])
        style.date_axis(ax)
        ax.set_ylim(bottom=0)
        ax.margins(x=0)
        title = "Cumulative flow" + ("" if result.groups.size == 1 else f" — {result.groups[g]}")
        return style.finish(ax, title=title, xlabel="date", ylabel="items (cumulative)")


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


# ------------------------------------------------------------------------ throughput


def _period_name(periods: npt.NDArray[np.datetime64]) -> str:
    """ "day", "week" or "month" from the spacing of the period starts ("period" if unsure)."""
    if periods.size < 2:
        return "period"
    days = float((periods[1] - periods[0]) / np.timedelta64(1, "D"))
    if days == 1:
        return "day"
    if days == 7:
        return "week"
    if 28 <= days <= 31:
        return "month"
    return "period"


def throughput(result: ThroughputResult, ax: Any = None, *, group: object = None) -> Any:
    """Draw throughput as a run chart: items delivered per period, its median and trend.

    Parameters
    ----------
    result : ThroughputResult
        From :func:`customer_kanban.metrics.throughput`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    group : str, optional
        The group to draw; required when the result has several.

    Returns
    -------
    matplotlib.axes.Axes
        The run (line and points, gid ``"throughput"``), the median (``"median"``) and,
        with two periods or more, the least-squares trend line (``"trend"``,
        ``numpy.polyfit`` of the counts on the period number).

    Raises
    ------
    customer_kanban.errors.ValidationError
        If the result has no period or `group` is not one of its groups.

    Examples
    --------
    >>> from customer_kanban.metrics import throughput
    >>> tp = throughput(["2024-01-01", "2024-01-02", "2024-01-02", "2024-01-04"])
    >>> ax = tp.plot()
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['delivered', 'median: 1', 'trend: -0.2 per day']
    """
    g = _group_index(result.groups, group)
    counts = np.asarray(result.counts[g], dtype=np.float64)
    if counts.size == 0:
        raise ValidationError("the throughput has no period to draw")
    dates = result.periods.astype("datetime64[ns]")
    per = _period_name(result.periods)
    median = float(np.median(counts))
    with style.rc():
        ax = style.axes_for(ax)
        ax.plot(
            dates,
            counts,
            color=style.color(0),
            marker="o",
            markersize=4,
            linewidth=1.2,
            label="delivered",
            gid="throughput",
        )
        ax.axhline(
            median,
            color=style.INK,
            linewidth=1.0,
            linestyle=":",
            label=f"median: {median:g}",
            gid="median",
        )
        if counts.size >= 2:
            x = np.arange(counts.size, dtype=np.float64)
            slope, intercept = np.polyfit(x, counts, 1)
            ax.plot(
                dates,
                slope * x + intercept,
                color=style.color(1),
                linewidth=1.4,
                linestyle="--",
                label=f"trend: {slope:+.2g} per {per}",
                gid="trend",
            )
        _legend_right(ax)
        style.date_axis(ax)
        ax.set_ylim(bottom=0)
        title = "Throughput" + ("" if result.groups.size == 1 else f" — {result.groups[g]}")
        return style.finish(
            ax,
            title=title,
            xlabel="date" if per in ("day", "period") else f"{per} starting",
            ylabel=f"items delivered per {per}",
        )


# -------------------------------------------------------------------- lead-time scatter


def lead_time_scatter(
    table: WorkItemTable,
    policy: Policy,
    *,
    as_of: object = None,
    q: npt.ArrayLike = (50, 85, 95),
    basis: Basis = "customer",
    log: bool = False,
    ax: Any = None,
) -> Any:
    """Lead-time scatter: each delivered item a dot at its delivery date and lead time.

    Dots are coloured by class of service; horizontal lines mark the percentiles `q`
    of the lead time (labelled ``"85%: 3.1 d"``) and, dashed in the class's colour, the
    SLE of each class of the policy.

    Parameters
    ----------
    table : WorkItemTable
        The items.
    policy : Policy
        Its classes of service (colours, SLEs).
    as_of : instant, optional
        Draw the items delivered by this instant (as known then); default: all.
    q : float or sequence of float, optional
        Percentiles of the lead time to draw, in percent. [%]
    basis : {"customer", "system"}, optional
        ``"customer"`` (default): lead time from request to delivery (the customer's
        view, that of the SLEs); ``"system"``: from commitment to delivery.
    log : bool, optional
        A logarithmic lead-time axis, for long tails.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        One scatter per class of service (labelled with the class name); the
        percentile lines have gids ``"percentile-85"``..., equal to
        :func:`customer_kanban.metrics.percentiles` of
        :func:`customer_kanban.metrics.lead_time` over the delivered items.

    Raises
    ------
    TypeError
        If `table` is not a WorkItemTable, `policy` not a Policy, `q` not numbers, `log`
        not True or False, or `ax` not a matplotlib Axes.
    customer_kanban.errors.ValidationError
        If `q` is outside [0, 100] or a fraction, `basis` is unknown, `as_of` is not one
        instant, the table's states are not the policy's, or no item was delivered.

    Examples
    --------
    >>> from customer_kanban.datasets import load_incidents
    >>> from customer_kanban import plot
    >>> table, policy = load_incidents()
    >>> ax = plot.lead_time_scatter(table, policy, as_of="2016-03-07", log=True)
    >>> ax.get_title(loc="left")
    'Lead time of delivered items (customer: request → delivery)'
    >>> [t.get_text().split(":")[0] for t in ax.texts]  # "85%: 3.1 d"...
    ['50%', '85%', '95%']
    """
    table, policy = _check_table_policy(table, policy)
    style.check_axes(ax)
    qa = as_percentiles(q, name="q")
    basis = cast("Basis", check_choice(basis, name="basis", choices=_BASES))
    if not isinstance(log, (bool, np.bool_)):
        raise TypeError(f"`log` must be True or False, got {log!r}")
    if as_of is not None:
        table = table.as_of(as_instant_scalar(as_of, name="as_of"))
    start = table["requested_at" if basis == "customer" else "committed_at"]
    end = table["delivered_at"]
    lt = lead_time(start, end)
    done = ~np.isnan(lt)
    if not done.any():
        when = "" if as_of is None else f" by `as_of` {as_of!r}"
        raise ValidationError(f"`table` has no delivered item{when}: no lead time to draw")
    values = lt[done]
    pct = percentiles(values, qa).values[0]
    codes, names = _class_series(table, policy)
    codes = codes[done]
    dates = end[done]
    n_classes = len(policy.classes_of_service)
    with style.rc():
        ax = style.axes_for(ax)
        present, sizes = np.unique(codes, return_counts=True)
        # the smaller classes on top of the larger ones, so that expedite items show
        above = np.argsort(np.argsort(-sizes, kind="stable"), kind="stable")
        for k, z in zip(present.tolist(), above.tolist(), strict=True):
            mask = codes == k
            ax.scatter(
                dates[mask],
                values[mask],
                s=12,
                color=_class_color(k, n_classes),
                alpha=0.75,
                linewidths=0,
                label=f"{names[k]} (n={int(mask.sum())})",
                gid=f"class-{k}",
                rasterized=style.dense(int(mask.sum())),
                zorder=2 + 0.01 * z,
            )
        if log:
            ax.set_yscale("log")
        for p, v in zip(qa.tolist(), pct.tolist(), strict=True):
            ax.axhline(v, color=style.INK, linewidth=0.9, linestyle=":", gid=f"percentile-{p:g}")
            ax.text(
                1.0,
                v,
                f"{p:g}%: {_days_label(v)}",
                transform=ax.get_yaxis_transform(),
                ha="right",
                va="bottom",
                fontsize=8,
                color=style.INK,
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 1},
            )
        _sle_lines(ax, policy, [k for k in present.tolist() if k < n_classes])
        _legend_right(ax)
        style.date_axis(ax)
        if not log:
            ax.set_ylim(bottom=0)
        span = "request → delivery" if basis == "customer" else "commitment → delivery"
        return style.finish(
            ax,
            title=f"Lead time of delivered items ({basis}: {span})",
            xlabel="delivery date",
            ylabel="lead time [days]",
        )


# ------------------------------------------------------------------------- aging WIP


def aging_wip(
    table: WorkItemTable,
    policy: Policy,
    *,
    as_of: object,
    basis: Basis = "customer",
    ax: Any = None,
) -> Any:
    """Aging work in progress: each open item a dot in its state at its age.

    The x axis holds the states from the commitment point up to the delivery point, in
    workflow order; each open item (committed, not delivered by `as_of`) is a dot in its
    current state at its age (:func:`customer_kanban.metrics.work_item_age`).  Behind the
    dots, the pace of the finished items: per state, the 50th, 85th and 95th percentiles
    of their age when they left that state (entered a later one), as coloured bands.
    The SLE of each class of service is a dashed line; an item is **at risk** (a red
    cross) when its age is beyond its state's 85th percentile or beyond its class's SLE.

    Parameters
    ----------
    table : WorkItemTable
        The items with their transitions.
    policy : Policy
        Its workflow (states, commitment and delivery points) and SLEs.
    as_of : instant
        The instant at which the ages are measured (required: never "today").
    basis : {"customer", "system"}, optional
        Age since the request (``"customer"``, default, as the SLEs) or since the
        commitment (``"system"``); the pace of finished items is counted the same way.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The dots (gid ``"open"``, ``"at-risk"``): x is the state's position plus a
        deterministic spread of at most ±0.3, y the age [days].

    Raises
    ------
    TypeError
        If `table` is not a WorkItemTable, `policy` not a Policy, or `ax` not a
        matplotlib Axes.
    customer_kanban.errors.ValidationError
        If `as_of` is not one instant, `basis` is unknown, the table's states are not
        the policy's, or no item is in progress at `as_of`.

    Examples
    --------
    >>> from customer_kanban.datasets import load_incidents, DEMO_AS_OF
    >>> from customer_kanban import plot
    >>> table, policy = load_incidents()
    >>> ax = plot.aging_wip(table, policy, as_of=DEMO_AS_OF)
    >>> [t.get_text() for t in ax.get_xticklabels()][:2]
    ['Active', 'Awaiting User Info']
    """
    table, policy = _check_table_policy(table, policy)
    style.check_axes(ax)
    when = as_instant_scalar(as_of, name="as_of")
    basis = cast("Basis", check_choice(basis, name="basis", choices=_BASES))
    if not table.states:
        raise ValidationError("`table` has no workflow states: no state to place its items in")
    seen = table.as_of(when)
    wf = policy.workflow
    lo, hi = wf.commitment_index, wf.delivery_index
    shown = list(wf.states[lo:hi])
    start = seen["requested_at" if basis == "customer" else "committed_at"]
    committed = ~np.isnat(seen["committed_at"])
    age = work_item_age(start, seen["delivered_at"], as_of=when)
    state = _current_states(seen)
    open_ = committed & ~np.isnan(age) & (state >= lo) & (state < hi)
    if not open_.any():
        raise ValidationError(
            f"no item is in progress (in {shown[0]!r}..{shown[-1]!r}) at `as_of` {as_of!r}: "
            "no age to draw"
        )
    pace = _pace(seen, start, lo, hi)  # (len(shown), 3)
    codes, _ = _class_series(seen, policy)
    sle = np.array(
        [c.sle.days if c.sle is not None else np.inf for c in policy.classes_of_service] + [np.inf]
    )
    ages = age[open_]
    column = state[open_] - lo
    at_risk = (ages > pace[column, 1]) | (ages > sle[codes[open_]])  # NaN pace: not at risk
    x = column + _spread(column, ages)
    with style.rc():
        ax = style.axes_for(ax)
        top = max(float(np.nanmax(np.r_[ages, pace.ravel(), 0.0])), 1.0) * 1.15
        _pace_bands(ax, pace, top)
        if not at_risk.all():
            ax.scatter(
                x[~at_risk],
                ages[~at_risk],
                s=16,
                color=style.color(0),
                alpha=0.85,
                linewidths=0,
                label=f"in progress (n={int((~at_risk).sum())})",
                gid="open",
                rasterized=style.dense(int((~at_risk).sum())),
            )
        if at_risk.any():
            ax.scatter(
                x[at_risk],
                ages[at_risk],
                s=28,
                color=_ALERT,
                marker="X",
                linewidths=0,
                label=f"at risk: past 85th percentile or SLE (n={int(at_risk.sum())})",
                gid="at-risk",
                rasterized=style.dense(int(at_risk.sum())),
            )
        _sle_lines(ax, policy, sorted(set(codes[open_].tolist()) - {len(sle) - 1}))
        _legend_right(ax)
        ax.set_xticks(range(len(shown)), shown)
        ax.tick_params(axis="x", labelrotation=20)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")
        ax.set_xlim(-0.5, len(shown) - 0.5)
        ax.set_ylim(0, top)
        ax.grid(axis="x", visible=False)
        day = str(np.datetime_as_string(when, unit="D"))
        return style.finish(
            ax,
            title=f"Aging work in progress on {day}",
            xlabel="workflow state",
            ylabel=f"age [days] ({'since request' if basis == 'customer' else 'since commitment'})",
        )


def _pace_bands(ax: Any, pace: npt.NDArray[np.float64], top: float) -> None:
    """Per state (column j), bands 0–p50, p50–p85, p85–p95 and above p95, up to `top`."""
    labels = ["≤ 50th percentile", "50th–85th", "85th–95th", "> 95th"]
    named = False
    for j in range(pace.shape[0]):
        if np.isnan(pace[j]).any():
            continue  # no finished item passed through this state
        edges = [0.0, *pace[j].tolist(), max(top, float(pace[j, -1]))]
        for b in range(4):
            ax.fill_between(
                [j - 0.5, j + 0.5],
                edges[b],
                edges[b + 1],
                color=_PACE_COLORS[b],
                alpha=0.22,
                linewidth=0,
                label=None if named else f"pace of finished items: {labels[b]}",
            )
        named = True


def _current_states(table: WorkItemTable) -> npt.NDArray[np.int64]:
    """Each item's latest state (-1 without transitions); the table is already as of."""
    tr = table.transitions
    out = np.full(len(table), -1, dtype=np.int64)
    if len(tr):
        order = np.lexsort((tr.at.view(np.int64), tr.item))
        item = tr.item[order]
        last = np.r_[item[1:] != item[:-1], True]
        out[item[last]] = tr.state[order][last]
    return out


def _pace(
    table: WorkItemTable, start: npt.NDArray[np.datetime64], lo: int, hi: int
) -> npt.NDArray[np.float64]:
    """Percentiles 50/85/95 per state lo..hi-1 of the age at which delivered items left it.

    An item left state `s` when it first entered any later state; only delivered items
    that entered `s` count.  NaN for a state no delivered item passed through.
    """
    first = table.first_entries()
    n_states = first.shape[1]
    ns = first.view(np.int64).copy()
    never = np.iinfo(np.int64).max
    ns[np.isnat(first)] = never
    # arrival in a later state: the suffix minimum of the entries after each state
    later = np.minimum.accumulate(ns[:, ::-1], axis=1)[:, ::-1]
    out = np.full((hi - lo, len(_PACE_Q)), np.nan)
    delivered = ~np.isnat(table["delivered_at"]) & ~np.isnat(start)
    values, groups = [], []
    for s in range(lo, hi):  # the states of the committed span: a handful
        left = later[:, s + 1] if s + 1 < n_states else np.full(len(table), never)
        keep = delivered & (ns[:, s] != never) & (left != never)
        ages = lead_time(start[keep], left[keep].view("datetime64[ns]"))
        ages = ages[~np.isnan(ages) & (ages >= 0)]
        values.append(ages)
        groups.append(np.full(ages.size, s - lo))
    flat = np.concatenate(values)
    codes = np.concatenate(groups)
    present = np.unique(codes)
    if present.size:
        labels = np.array([str(k) for k in present.tolist()])
        remap = np.searchsorted(present, codes)
        r = percentiles(flat, _PACE_Q, by=(remap, labels))
        out[present] = r.values
    return out


def _spread(
    column: npt.NDArray[np.int64], ages: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Deterministic horizontal spread within each column (golden-ratio sequence by age rank)."""
    order = np.lexsort((ages, column))
    rank = np.empty(column.size, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(column[order])) + 1]
    sizes = np.diff(np.r_[starts, column.size])
    rank[order] = np.arange(column.size) - np.repeat(starts, sizes)
    out = (np.mod(rank * 0.6180339887, 1.0) - 0.5) * 0.6
    result: npt.NDArray[np.float64] = out.astype(np.float64)
    return result


# ------------------------------------------------------------------------ WIP limits


def _state_intervals(
    table: WorkItemTable, state: int
) -> tuple[npt.NDArray[np.datetime64], npt.NDArray[np.datetime64]]:
    """The stays in `state`: from each transition into it to the item's next transition
    (``NaT`` when there is none), from the transitions sorted by item and instant."""
    tr = table.transitions
    order = np.lexsort((tr.at.view(np.int64), tr.item))
    item, st, at = tr.item[order], tr.state[order], tr.at[order]
    nxt = np.full(at.shape, np.datetime64("NaT"), dtype="datetime64[ns]")
    same = item[1:] == item[:-1]
    nxt[:-1][same] = at[1:][same]
    mask = st == state
    return at[mask], nxt[mask]


_Series = tuple[str, npt.NDArray[np.datetime64], npt.NDArray[np.datetime64], float]


def _wip_series(table: WorkItemTable, policy: Policy) -> list[_Series]:
    """(name, stay starts, stay ends, limit) of each limited state in workflow order; the
    whole system (commitment to delivery, no limit) when the policy limits none."""
    limited = [s for s in policy.workflow.states if s in policy.wip_limits]
    if not limited:
        starts = table["committed_at"]
        keep = ~np.isnat(starts)
        return [("the system", starts[keep], table["delivered_at"][keep], np.nan)]
    out: list[_Series] = []
    for name in limited:
        starts, ends = _state_intervals(table, policy.workflow.index(name))
        out.append((name, starts, ends, float(policy.wip_limits[name])))
    return out


def _shade_breaches(
    ax: Any,
    stays: tuple[npt.NDArray[np.datetime64], npt.NDArray[np.datetime64]],
    limit: float,
    name: str,
    window: tuple[np.datetime64, np.datetime64],
    label: str,
) -> bool:
    """Shade the intervals where the stays exceed `limit` within `window`; any shaded?"""
    t0, t1 = window
    starts, ends = stays
    # each stay is one row of the breach sweep (an item may return to a state)
    b = wip_breaches(starts[:, None], ends[:, None], [limit], states=[name], as_of=t1).breaches
    b_end = np.where(np.isnat(b.end), t1, b.end)
    visible = (b_end > t0) & (b.start < t1)
    for s0, s1 in zip(b.start[visible], b_end[visible], strict=True):
        ax.axvspan(max(s0, t0), min(s1, t1), color=_ALERT, alpha=0.15, linewidth=0, label=label)
        label = "_breach"
    return bool(visible.any())


def wip_limits(
    table: WorkItemTable,
    policy: Policy,
    *,
    since: object = None,
    until: object = None,
    ax: Any = None,
) -> Any:
    """WIP over time of each state with a WIP limit, against its limit, breaches shaded.

    For each state the policy limits, the number of items in it at every instant (a
    step line, :func:`customer_kanban.metrics.wip` of the stays in the state) and its
    limit (dashed); the intervals where the WIP was above the limit
    (:func:`customer_kanban.metrics.wip_breaches`) are shaded.  Without any WIP limit in
    the policy, the work in progress of the whole system (committed, not delivered) is
    drawn instead.

    Parameters
    ----------
    table : WorkItemTable
        The items with their transitions.
    policy : Policy
        Its workflow and WIP limits.
    since, until : instant, optional
        The window to draw; default: from the first to the last transition (the last
        delivery or commitment without limits).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        One step line per limited state (gid ``"wip-<state>"``), its limit line
        (``"limit-<state>"``) and one shaded span per breach.

    Raises
    ------
    TypeError
        If `table` is not a WorkItemTable, `policy` not a Policy, or `ax` not a
        matplotlib Axes.
    customer_kanban.errors.ValidationError
        If `since` or `until` is not one instant, `until` is before `since`, the
        table's states are not the policy's, or nothing entered a state in the window.

    Examples
    --------
    >>> from customer_kanban.datasets import load_incidents, incidents_replenishment_policy
    >>> from customer_kanban import plot
    >>> table, _ = load_incidents()
    >>> ax = plot.wip_limits(table, incidents_replenishment_policy(),
    ...                      since="2016-02-29", until="2016-03-14")
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['WIP in Active', 'WIP limit of Active: 500', 'above the limit']
    """
    table, policy = _check_table_policy(table, policy)
    style.check_axes(ax)
    lo = as_optional_instant_scalar(since, name="since")
    hi = as_optional_instant_scalar(until, name="until")
    if lo is not None and hi is not None and hi < lo:
        raise ValidationError(f"`until` ({until!r}) must not be before `since` ({since!r})")
    series = _wip_series(table, policy)
    events = np.concatenate([np.r_[s, e] for _, s, e, _ in series]).astype("datetime64[ns]")
    events = events[~np.isnat(events)]
    if events.size == 0:
        raise ValidationError("`table` has no entry into a limited state: no WIP to draw")
    t0 = events.min() if lo is None else lo.astype("datetime64[ns]")
    t1 = events.max() if hi is None else hi.astype("datetime64[ns]")
    if t1 <= t0:
        raise ValidationError(f"the window from {t0} to {t1} has no length: no WIP to draw")
    with style.rc():
        ax = style.axes_for(ax)
        breach_label = "above the limit"
        for k, (name, starts, ends, limit) in enumerate(series):
            inside = events[(events > t0) & (events < t1)]
            grid = np.unique(np.r_[t0, inside, t1])
            level = wip(starts, ends, grid)
            colour = style.color(k)
            ax.step(
                grid,
                level,
                where="post",
                color=colour,
                linewidth=1.3,
                label=f"WIP in {name}",
                gid=f"wip-{name}",
            )
            if np.isnan(limit):
                continue
            ax.axhline(
                limit,
                color=colour,
                linestyle="--",
                linewidth=1.2,
                label=f"WIP limit of {name}: {limit:g}",
                gid=f"limit-{name}",
            )
            if _shade_breaches(ax, (starts, ends), limit, name, (t0, t1), breach_label):
                breach_label = "_breach"
        _legend_right(ax)
        style.date_axis(ax)
        ax.set_xlim(t0, t1)
        ax.set_ylim(bottom=0)
        title = (
            "Work in progress against WIP limits"
            if policy.wip_limits
            else "Work in progress of the system (the policy sets no WIP limit)"
        )
        return style.finish(ax, title=title, xlabel="date", ylabel="items in progress")


# -------------------------------------------------------------- class-of-service mix


def class_of_service_mix(
    table: WorkItemTable,
    policy: Policy,
    *,
    freq: MixFreq = "W",
    ax: Any = None,
) -> Any:
    """Share of the delivered items per class of service, per period (stacked bars).

    Parameters
    ----------
    table : WorkItemTable
        The items.
    policy : Policy
        Its classes of service (order and colours; items of no class of the policy
        form a grey "no class of service").
    freq : {"D", "W", "M"}, optional
        Period: calendar day, week starting on Monday (default), or calendar month.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        One bar container per class (its label the class name), heights in percent of
        the period's deliveries (:func:`customer_kanban.metrics.throughput` by class).
        Periods with fewer than 10 deliveries are drawn pale (their shares are of a
        handful of items); with at most 40 periods, each bar is topped by its count.

    Raises
    ------
    TypeError
        If `table` is not a WorkItemTable, `policy` not a Policy, or `ax` not a
        matplotlib Axes.
    customer_kanban.errors.ValidationError
        If `freq` is not "D", "W" or "M", the table's states are not the policy's, or
        no item was delivered.

    Examples
    --------
    >>> from customer_kanban.datasets import load_incidents
    >>> from customer_kanban import plot
    >>> table, policy = load_incidents()
    >>> ax = plot.class_of_service_mix(table, policy, freq="M")
    >>> [t.get_text() for t in ax.get_legend().get_texts()][:4]
    ['1 - Critical', '2 - High', '3 - Moderate', '4 - Low']
    """
    table, policy = _check_table_policy(table, policy)
    style.check_axes(ax)
    f = cast("Freq", check_choice(freq, name="freq", choices=_FREQS))
    end = table["delivered_at"]
    if np.isnat(end).all():
        raise ValidationError("`table` has no delivered item: no class-of-service mix to draw")
    codes, names = _class_series(table, policy)
    present = np.unique(codes[~np.isnat(end)])
    remap = np.searchsorted(present, codes)
    labels = np.array([names[k] for k in present.tolist()])
    tp = _throughput(end, freq=f, by=(remap, labels))
    counts = tp.counts.astype(np.float64)  # (G, P)
    total = counts.sum(axis=0)
    share = np.divide(counts * 100.0, total, out=np.zeros_like(counts), where=total > 0)
    periods = tp.periods.astype("datetime64[ns]")
    length = np.timedelta64({"D": 1, "W": 7, "M": 30}[f] * 86_400, "s").astype("timedelta64[ns]")
    x = periods + length // 2  # bars centred in their period
    n_classes = len(policy.classes_of_service)
    with style.rc():
        ax = style.axes_for(ax)
        few = (total > 0) & (total < _FEW_ITEMS)  # shares of a handful of items: pale
        bottom = np.zeros(total.size)
        for g, k in enumerate(present.tolist()):
            bars = ax.bar(
                x,
                share[g],
                width=length * 0.8,
                bottom=bottom,
                color=_class_color(k, n_classes),
                label=names[k],
                gid=f"mix-{k}",
            )
            for bar in np.asarray(bars.patches, dtype=object)[few]:
                bar.set_alpha(0.35)
            bottom += share[g]
        labelled = total.size <= 40
        if labelled:
            for xi, n in zip(x, total.tolist(), strict=True):
                if n > 0:
                    ax.text(
                        xi, 101, f"{n:g}", ha="center", va="bottom", fontsize=7, color=style.INK
                    )
        handles, legend_labels = ax.get_legend_handles_labels()
        if few.any():
            from matplotlib.patches import Patch

            handles.append(Patch(color=style.MUTED, alpha=0.35))
            legend_labels.append(f"pale: fewer than {_FEW_ITEMS} items delivered")
        _legend_right(ax, handles, legend_labels)
        style.date_axis(ax)
        ax.set_ylim(0, 108)
        ax.set_yticks([0, 25, 50, 75, 100])
        ax.grid(axis="x", visible=False)
        per = _PERIOD_NAMES[f]
        return style.finish(
            ax,
            title=f"Class-of-service mix of delivered items per {per}"
            + (" (items delivered above the bars)" if labelled else ""),
            xlabel=f"{per} of delivery",
            ylabel="share of delivered items [%]",
        )

"""Customer charts: the value × potential matrix, the RFM heat map, get-keep-grow flows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from customer_kanban.errors import ValidationError
from customer_kanban.plot import style
from customer_kanban.plot._groups import group_index

if TYPE_CHECKING:
    from customer_kanban.customers import CustomerSegments, GetKeepGrowResult, RFMResult

__all__ = [
    "get_keep_grow_chart",
    "portfolio_flows_chart",
    "portfolio_matrix",
    "rfm_heatmap",
    "segment_matrix",
]

# The four cells in ``customers.VALUE_CELLS`` order: (high current, high future).
_CELLS = ((True, True), (False, True), (True, False), (False, False))
_CELL_COLOURS = {
    (True, True): style.PALETTE[2],
    (False, True): style.PALETTE[4],
    (True, False): style.PALETTE[1],
    (False, False): style.MUTED,
}
_SCALES = ("linear", "symlog")


# --------------------------------------------------------------------------- value matrix


def segment_matrix(
    result: CustomerSegments,
    ax: Any = None,
    *,
    current_value: npt.ArrayLike | None = None,
    future_potential: npt.ArrayLike | None = None,
    scale: str = "linear",
) -> Any:
    """Draw customer segments: the 2×2 matrix of current value × future potential.

    The four cells (premium, potential, dilemma and the fourth, by the names of the
    segmentation) are shaded and labelled with their customer counts.  With the
    values the segmentation was made from, each customer is a dot at (current
    value, future potential) and the cells meet at the result's thresholds;
    without them the matrix shows the counts alone.  A segmentation by RFM rules
    (no thresholds) is drawn as customers per segment.

    Parameters
    ----------
    result : CustomerSegments
        From :func:`customer_kanban.customers.segment_customers` (or
        :func:`~customer_kanban.customers.rfm_segments`).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    current_value, future_potential : array_like of float, shape (n,), optional
        The values the segmentation was made from, one per customer (both or
        neither). [money]
    scale : {"linear", "symlog"}, optional
        Scale of both axes of the dots; ``"symlog"`` spreads skewed values (zero
        stays visible).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    customer_kanban.errors.ValidationError
        If only one of the values is given, their length is not the number of
        customers, `scale` is not a known one, or the result has no customer.

    Examples
    --------
    >>> from customer_kanban.customers import segment_customers
    >>> s = segment_customers([10, 50, 80, 20], [90, 70, 10, 5])
    >>> ax = s.plot(current_value=[10, 50, 80, 20], future_potential=[90, 70, 10, 5])
    >>> sorted(t.get_text() for t in ax.texts)[:2]
    ['basic\\n1 customer', 'dilemma\\n1 customer']
    """
    if scale not in _SCALES:
        raise ValidationError(f"`scale` must be one of {list(_SCALES)}, got {scale!r}")
    if int(result.codes.size) == 0:
        raise ValidationError("the segmentation has no customer to draw")
    if (current_value is None) != (future_potential is None):
        raise ValidationError(
            "`current_value` and `future_potential` go together: give both or neither"
        )
    if current_value is not None:  # checked before a figure is made
        cv, fp = _values_iv(current_value, future_potential, int(result.codes.size))
    labels = [str(x) for x in result.labels.tolist()]
    if not np.isfinite(result.thresholds).all() or len(labels) != len(_CELLS) + 1:
        return _segment_bars(labels, result.sizes, ax)
    names = dict(zip(_CELLS, labels[:4], strict=True))
    counts = {c: int(result.sizes[k]) for k, c in enumerate(_CELLS)}
    unknown = int(result.sizes[4])
    with style.rc():
        ax = style.axes_for(ax)
        if current_value is None:
            _quadrants(ax, names, counts, notes=None)
        else:
            _dots(ax, cv, fp, result.thresholds, names, counts, scale)
        title = "Customers by current value and future potential"
        title += f" ({unknown} unknown)" if unknown else ""
        if current_value is None:
            xlabel = f"current value (high: above {result.thresholds[0]:,.4g}) [money]"
            ylabel = f"future potential (high: above {result.thresholds[1]:,.4g}) [money]"
        else:
            xlabel, ylabel = "current value [money]", "future potential [money]"
        return style.finish(ax, title=title, xlabel=xlabel, ylabel=ylabel)


def portfolio_matrix(portfolio: Any, ax: Any = None) -> Any:
    """Draw a customer portfolio's value cells: customers and value per cell of the 2×2.

    Parameters
    ----------
    portfolio : CustomerPortfolio
        From :func:`customer_kanban.reviews.customer_portfolio` (any object with its
        ``cells``, ``customers`` and ``value``).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    customer_kanban.errors.ValidationError
        If the portfolio's cells are not the four value cells (and "unknown").

    Examples
    --------
    >>> from customer_kanban.datasets import CDNOW_AS_OF, load_cdnow
    >>> from customer_kanban.reviews import customer_portfolio
    >>> ax = customer_portfolio(load_cdnow(), as_of=CDNOW_AS_OF).plot()
    >>> ax.get_title(loc="left")
    'Customer portfolio by revenue'
    """
    cells = list(portfolio.cells)
    if len(cells) != len(_CELLS) + 1:
        raise ValidationError(
            f"`portfolio` must have the four value cells and 'unknown', got {len(cells)} cells"
        )
    names = {c: str(cells[k].segment) for k, c in enumerate(_CELLS)}
    counts = {c: int(cells[k].customers) for k, c in enumerate(_CELLS)}
    total = max(int(portfolio.customers), 1)
    notes = {
        c: f"{counts[c] / total:.0%} of customers\n"
        f"current {portfolio.value} {cells[k].current_value:,.0f}\n"
        f"potential {cells[k].future_potential:,.0f}"
        for k, c in enumerate(_CELLS)
    }
    unknown = int(cells[4].customers)
    with style.rc():
        ax = style.axes_for(ax)
        _quadrants(ax, names, counts, notes=notes)
        title = f"Customer portfolio by {portfolio.value}"
        title += f" ({unknown} unknown)" if unknown else ""
        return style.finish(
            ax,
            title=title,
            xlabel=f"current {portfolio.value} (low | high: above the median)",
            ylabel="future potential (low | high)",
        )


def _values_iv(cv: object, fp: object, n: int) -> tuple[Any, Any]:
    """The per-customer values as float arrays of length `n`."""
    from customer_kanban._core.validation import as_float_array

    out = []
    for name, values in (("current_value", cv), ("future_potential", fp)):
        arr = as_float_array(values, name=name)
        if arr.size != n:
            raise ValidationError(
                f"`{name}` must hold one value per customer ({n}), got {arr.size}"
            )
        out.append(arr)
    return out[0], out[1]


def _quadrants(ax: Any, names: dict[Any, str], counts: dict[Any, int], *, notes: Any) -> None:
    """The four cells as equal squares of the unit square, labelled with their counts."""
    for (high_c, high_f), name in names.items():
        x0, y0 = (0.5 if high_c else 0.0), (0.5 if high_f else 0.0)
        ax.add_patch(_rectangle((x0, y0), 0.5, 0.5, _CELL_COLOURS[(high_c, high_f)], alpha=0.35))
        text = _customers(counts[(high_c, high_f)])
        if notes is not None:
            text += "\n" + notes[(high_c, high_f)]
        ax.text(x0 + 0.25, y0 + 0.4, name, ha="center", va="center", fontweight="bold")
        ax.text(x0 + 0.25, y0 + 0.33, text, ha="center", va="top", color=style.INK, fontsize=8.5)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xticks([0.25, 0.75], ["low", "high"])
    ax.set_yticks([0.25, 0.75], ["low", "high"])
    ax.grid(False)


def _dots(
    ax: Any,
    cv: Any,
    fp: Any,
    thresholds: Any,
    names: dict[Any, str],
    counts: dict[Any, int],
    scale: str,
) -> None:
    """One dot per customer, the cells shaded from the thresholds outwards."""
    known = np.isfinite(cv) & np.isfinite(fp)
    if not known.any():
        raise ValidationError("no customer has both a current value and a future potential")
    ax.scatter(cv[known], fp[known], s=6, color=style.INK, alpha=0.35, linewidths=0)
    if scale == "symlog":
        ax.set_xscale("symlog", linthresh=_linthresh(cv[known]))
        ax.set_yscale("symlog", linthresh=_linthresh(fp[known]))
    (x_lo, x_hi), (y_lo, y_hi) = ax.get_xlim(), ax.get_ylim()
    tx, ty = float(thresholds[0]), float(thresholds[1])
    for (high_c, high_f), name in names.items():
        xs = (tx, x_hi) if high_c else (x_lo, tx)
        ys = (ty, y_hi) if high_f else (y_lo, ty)
        colour = _CELL_COLOURS[(high_c, high_f)]
        ax.add_patch(_rectangle((xs[0], ys[0]), xs[1] - xs[0], ys[1] - ys[0], colour, 0.25))
        ax.annotate(
            f"{name}\n{_customers(counts[(high_c, high_f)])}",
            xy=(1.0 if high_c else 0.0, 1.0 if high_f else 0.0),
            xycoords="axes fraction",
            xytext=(-6 if high_c else 6, -6 if high_f else 6),
            textcoords="offset points",
            ha="right" if high_c else "left",
            va="top" if high_f else "bottom",
            fontweight="bold",
            color=style.INK,
            bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "alpha": 0.8, "lw": 0},
        )
    ax.axvline(tx, color=style.INK, linewidth=0.8)
    ax.axhline(ty, color=style.INK, linewidth=0.8)
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)


def _linthresh(values: Any) -> float:
    """Linear range of a symlog axis: the smallest positive value (1 without one)."""
    positive = values[values > 0]
    return float(positive.min()) if positive.size else 1.0


def _rectangle(
    xy: tuple[float, float], width: float, height: float, colour: str, alpha: float
) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle(xy, width, height, facecolor=colour, alpha=alpha, linewidth=0, zorder=0)


def _customers(n: int) -> str:
    return f"{n:,} customer" + ("" if n == 1 else "s")


def _segment_bars(labels: list[str], sizes: Any, ax: Any) -> Any:
    """Customers per segment as horizontal bars (the segmentation has no 2×2)."""
    with style.rc():
        ax = style.axes_for(ax)
        y = np.arange(len(labels))
        ax.barh(y, sizes, color=style.color(0))
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        for k, n in enumerate(np.asarray(sizes).tolist()):
            ax.annotate(f"{n:,}", xy=(n, k), xytext=(3, 0), textcoords="offset points", va="center")
        ax.grid(axis="y", visible=False)
        return style.finish(ax, title="Customers per segment", xlabel="customers", ylabel="")


# --------------------------------------------------------------------------- RFM


def rfm_heatmap(result: RFMResult, ax: Any = None, *, value: str = "customers") -> Any:
    """Draw RFM scores: a heat map of recency score × frequency score.

    Each cell holds the customers with that recency and frequency score; its colour
    is their number (``value="customers"``) or their total monetary value
    (``value="monetary"``), and the number of customers is written in it.

    Parameters
    ----------
    result : RFMResult
        From :func:`customer_kanban.customers.rfm`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    value : {"customers", "monetary"}, optional
        What the colour shows.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    customer_kanban.errors.ValidationError
        If `value` is not a known one, or the result has no customer.

    Examples
    --------
    >>> from customer_kanban.customers import rfm
    >>> r = rfm(["2024-01-01", "2024-01-05", "2024-01-09"], [5.0, 7.0, 1.0],
    ...         by=["a", "b", "a"], as_of="2024-01-10", bins=2)
    >>> ax = r.plot()
    >>> ax.images[0].get_array().tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    if value not in ("customers", "monetary"):
        raise ValidationError(f"`value` must be 'customers' or 'monetary', got {value!r}")
    if int(result.groups.size) == 0:
        raise ValidationError("the RFM result has no customer to draw")
    bins = int(result.bins)
    cell = (np.asarray(result.f) - 1) * bins + (np.asarray(result.r) - 1)
    counts = np.bincount(cell, minlength=bins * bins).reshape(bins, bins)  # [f, r]
    money = np.bincount(cell, weights=np.nan_to_num(result.monetary), minlength=bins * bins)
    colour = counts if value == "customers" else money.reshape(bins, bins)
    with style.rc():
        ax = style.axes_for(ax)
        image = ax.imshow(
            colour.astype(np.float64),
            origin="lower",
            cmap="cividis",
            aspect="auto",
            extent=(0.5, bins + 0.5, 0.5, bins + 0.5),
        )
        bar = ax.figure.colorbar(image, ax=ax)
        bar.set_label("customers" if value == "customers" else "monetary value [money]")
        _annotate_cells(ax, counts, image)
        ticks = np.arange(1, bins + 1)
        ax.set_xticks(ticks)
        ax.set_yticks(ticks)
        ax.grid(False)
        return style.finish(
            ax,
            title=f"RFM scores of {result.groups.size:,} customers",
            xlabel=f"recency score (1 = longest ago, {bins} = most recent)",
            ylabel=f"frequency score ({bins} = most frequent)",
        )


def _annotate_cells(ax: Any, counts: Any, image: Any) -> None:
    """The count of each cell written in it, dark or light against its colour."""
    rows, cols = counts.shape
    for i in range(rows):
        for j in range(cols):
            rgba = image.cmap(image.norm(image.get_array()[i, j]))
            light = 0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2] > 0.5
            ax.text(
                j + 1,
                i + 1,
                f"{int(counts[i, j]):,}",
                ha="center",
                va="center",
                fontsize=8,
                color=style.INK if light else "white",
            )


# --------------------------------------------------------------------------- get, keep, grow


def get_keep_grow_chart(result: GetKeepGrowResult, ax: Any = None, *, group: object = None) -> Any:
    """Draw get-keep-grow flows: customers gotten, kept, won back and lost per period.

    Above zero, the active customers of each period stacked by how they came:
    acquired (got), retained (kept) and won back; below zero, the customers lost in
    the period.  With products, a dot marks the cross-sold customers (grown: a
    subset of the kept and won back).

    Parameters
    ----------
    result : GetKeepGrowResult
        From :func:`customer_kanban.customers.get_keep_grow`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    group : str, optional
        The segment to draw; required when the result has several.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    customer_kanban.errors.ValidationError
        If `group` is not one of the result's groups, or the result has no period.

    Examples
    --------
    >>> from customer_kanban.customers import get_keep_grow
    >>> r = get_keep_grow(["a", "b", "a"], ["2024-01-05", "2024-01-07", "2024-02-03"],
    ...                   [10.0, 5.0, 8.0], freq="M", lost_after=1, as_of="2024-02-28")
    >>> ax = r.plot()
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['acquired (get)', 'retained (keep)', 'won back', 'lost']
    """
    g = group_index(result.groups, group)
    parts = {
        "acquired": result.acquired[g],
        "retained": result.retained[g],
        "won_back": result.won_back[g],
        "lost": result.lost[g],
    }
    grown = None if result.cross_sold is None else result.cross_sold[g]
    title = "Get, keep, grow" + ("" if result.groups.size == 1 else f" — {result.groups[g]}")
    return _flows(ax, result.periods, str(result.freq), parts, grown, title)


def portfolio_flows_chart(flows: Any, ax: Any = None) -> Any:
    """Draw a portfolio's get-keep-grow flows (as :func:`get_keep_grow_chart`).

    Parameters
    ----------
    flows : PortfolioFlows
        The ``get_keep_grow`` of a :class:`customer_kanban.reviews.CustomerPortfolio`
        (any object with ``freq`` and ``periods`` of ``FlowPeriod``).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    customer_kanban.errors.ValidationError
        If there is no period.

    Examples
    --------
    >>> from customer_kanban.datasets import CDNOW_AS_OF, load_cdnow
    >>> from customer_kanban.reviews import customer_portfolio
    >>> ax = customer_portfolio(load_cdnow(), as_of=CDNOW_AS_OF).get_keep_grow.plot()
    >>> ax.get_title(loc="left")
    'Get, keep, grow'
    """
    rows = list(flows.periods)
    periods = np.array([np.datetime64(p.period, "D") for p in rows], dtype="datetime64[D]")
    parts = {
        name: np.array([getattr(p, name) for p in rows], dtype=np.int64)
        for name in ("acquired", "retained", "won_back", "lost")
    }
    return _flows(ax, periods, str(flows.freq), parts, None, "Get, keep, grow")


_FLOW_LABELS = {
    "acquired": "acquired (get)",
    "retained": "retained (keep)",
    "won_back": "won back",
    "lost": "lost",
}


def _flows(ax: Any, periods: Any, freq: str, parts: dict[str, Any], grown: Any, title: str) -> Any:
    """Stacked bars of the active customers by origin, the lost ones below zero."""
    if np.asarray(periods).size == 0:
        raise ValidationError("the get-keep-grow flows have no period to draw")
    x = np.arange(np.asarray(periods).size)
    with style.rc():
        ax = style.axes_for(ax)
        bottom = np.zeros(x.size)
        for k, name in enumerate(("acquired", "retained", "won_back")):
            height = np.asarray(parts[name], dtype=np.float64)
            ax.bar(
                x, height, bottom=bottom, width=0.7, color=style.color(k), label=_FLOW_LABELS[name]
            )
            bottom += height
        lost = -np.asarray(parts["lost"], dtype=np.float64)
        ax.bar(x, lost, width=0.7, color=style.PALETTE[5], label="lost")
        if grown is not None:
            ax.plot(
                x, grown, linestyle="none", marker="o", color=style.INK, label="cross-sold (grow)"
            )
        ax.axhline(0, color=style.INK, linewidth=0.8)
        low, high = ax.get_ylim()
        ax.set_ylim(low, high + 0.08 * (high - low))  # room above the tallest bar
        ax.set_xticks(x, _period_labels(periods, freq))
        ax.grid(axis="x", visible=False)
        ax.yaxis.set_major_formatter(_absolute_formatter())
        return style.finish(
            ax,
            title=title,
            xlabel=f"period ({_FREQ_NAMES.get(freq, freq)}, start date)",
            ylabel="customers (lost below 0)",
            legend=True,
        )


_FREQ_NAMES = {"D": "day", "W": "week", "M": "month", "Q": "quarter"}


def _period_labels(periods: Any, freq: str) -> list[str]:
    """Readable period names: ``1997 Q2``, ``1997-04``, or the first day."""
    days = np.asarray(periods).astype("datetime64[D]")
    if freq == "Q":
        months = days.astype("datetime64[M]").astype(np.int64)
        return [f"{1970 + m // 12} Q{(m % 12) // 3 + 1}" for m in months.tolist()]
    if freq == "M":
        return [str(d)[:7] for d in days.astype("datetime64[M]").tolist()]
    return [str(d) for d in days.astype("datetime64[D]").astype(str).tolist()]


def _absolute_formatter() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: f"{abs(v):,.0f}")

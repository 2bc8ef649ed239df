"""The one small style of every chart: colour-blind-safe colours, labelled axes, dates.

Every chart of :mod:`customer_kanban.plot` is drawn through these helpers, so that all
look alike: a title, axis labels with units, the Okabe–Ito palette (distinguishable
with every common colour-vision deficiency), dates on time axes, no chart junk.  SVG
output is deterministic (a fixed hash salt, no date in the metadata), so that the same
data gives the same bytes.

Examples
--------
>>> from customer_kanban.plot import style
>>> style.PALETTE[:3]
('#0072B2', '#E69F00', '#009E73')
>>> style.color(7) == style.PALETTE[1]  # six series colours, then again
True
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from customer_kanban._core.plotting import require_matplotlib

__all__ = [
    "DENSE",
    "FIGSIZE",
    "INK",
    "MUTED",
    "PALETTE",
    "SMALL_FIGSIZE",
    "axes_for",
    "check_axes",
    "color",
    "date_axis",
    "dense",
    "finish",
    "rc",
    "small_svg",
    "to_svg",
]

#: Okabe & Ito (2008) colour-blind-safe palette, most distinct first.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
#: Text and reference lines.
INK = "#222222"
#: Secondary marks: grids, bands, context.
MUTED = "#9A9A9A"
#: Size of a chart drawn on a new figure, in inches.
FIGSIZE = (8.0, 4.5)
#: Size of the charts shown beside a result's table in a notebook.
SMALL_FIGSIZE = (5.0, 2.8)
#: Marks beyond which a layer is drawn as an image inside the SVG (``rasterized``): ten
#: thousand dots as vector paths weigh megabytes, as an image tens of kilobytes.
DENSE = 2000


def dense(count: int) -> bool:
    """Whether a layer of `count` marks is drawn as an image inside vector output."""
    return count > DENSE


_RC: dict[str, Any] = {
    "svg.hashsalt": "customer_kanban",
    "svg.fonttype": "path",
    "text.parse_math": False,  # labels come from the data: "$5" is text, never a formula
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 10,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#E5E5E5",
    "grid.linewidth": 0.8,
    "xtick.color": INK,
    "ytick.color": INK,
    "legend.frameon": False,
    "legend.fontsize": 9,
}


def color(index: int) -> str:
    """The colour of series `index`: the palette's first six (yellow and black, hard to
    read as areas, are left for marks), cycling."""
    return PALETTE[index % 6]


@contextmanager
def rc() -> Iterator[None]:
    """matplotlib's settings of the package's style, for the duration of a drawing."""
    require_matplotlib()
    import matplotlib as mpl

    with mpl.rc_context(cast("Any", _RC)):
        yield


def check_axes(ax: object) -> None:
    """`ax` is None or one matplotlib ``Axes``: a ``TypeError`` naming it otherwise.

    Examples
    --------
    >>> check_axes(None)
    >>> check_axes("left")
    Traceback (most recent call last):
    ...
    TypeError: `ax` must be a matplotlib Axes (or None: a new figure), got str 'left'
    """
    if ax is None:
        return
    require_matplotlib()
    from matplotlib.axes import Axes

    if isinstance(ax, Axes):
        return
    shape = getattr(ax, "shape", None)
    if shape is not None and all(isinstance(a, Axes) for a in getattr(ax, "flat", ())):
        raise TypeError(
            f"`ax` must be one matplotlib Axes, got an array of {getattr(ax, 'size', '?')} "
            f"(shape {shape}): pass one of them, e.g. `axes[0]`"
        )
    shown = repr(ax)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    raise TypeError(
        f"`ax` must be a matplotlib Axes (or None: a new figure), got {type(ax).__name__} {shown}"
    )


def axes_for(ax: Any = None, *, figsize: tuple[float, float] = FIGSIZE) -> Any:
    """`ax`, or the axes of a new figure (pyplot's, so that notebooks show it).

    Raises
    ------
    TypeError
        If `ax` is neither None nor a matplotlib ``Axes`` (checked before any figure is made).
    """
    check_axes(ax)
    if ax is not None:
        return ax
    require_matplotlib()
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new


def finish(ax: Any, *, title: str, xlabel: str, ylabel: str, legend: bool = False) -> Any:
    """Title and axis labels (with units) on `ax`, a legend when asked; `ax` returned."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if legend and ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best")
    ax.set_axisbelow(True)
    return ax


def date_axis(ax: Any, axis: str = "x") -> None:
    """Concise dates (``Jan``, ``Feb 03``...) on a time axis."""
    import matplotlib.dates as mdates

    target = ax.xaxis if axis == "x" else ax.yaxis
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)  # type: ignore[no-untyped-call]
    target.set_major_locator(locator)
    target.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]


def to_svg(figure: Any, *, label: str | None = None) -> str:
    """The figure as an inline ``<svg>`` element, the same bytes for the same drawing.

    `label` (default: the first axes' title) becomes the SVG's ``<title>`` and
    ``aria-label``, escaped, so that screen readers and tooltips name the chart.
    """
    buffer = io.StringIO()
    with rc():
        figure.savefig(buffer, format="svg", dpi=120, metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    start = text.find("<svg")
    text = text[start:] if start >= 0 else text
    if label is None:
        axes = figure.get_axes()
        titles = [a.get_title(loc=loc) for a in axes[:1] for loc in ("left", "center", "right")]
        label = next((t for t in titles if t), "")
    if not label:
        return text
    name = html.escape(label, quote=True)
    head_end = text.index(">") + 1
    head = text[: head_end - 1] + f' role="img" aria-label="{name}">'
    return f"{head}<title>{name}</title>{text[head_end:]}"


def small_svg(owner: Any, **kwargs: Any) -> str:
    """A small SVG of `owner`'s chart (``owner.plot``), or ``""`` when it has nothing to draw."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=SMALL_FIGSIZE, layout="constrained")
    ax = figure.add_subplot()
    try:
        with rc():
            owner.plot(ax=ax, **kwargs)
    except (ValueError, TypeError):
        return ""
    return to_svg(figure)

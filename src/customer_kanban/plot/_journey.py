"""Journey charts: the hand-off matrix of departments, and blocker clusters."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
import numpy.typing as npt

from customer_kanban._core.validation import as_whole_number, check_choice, choices_of
from customer_kanban.errors import ValidationError
from customer_kanban.plot import style
from customer_kanban.plot._groups import group_index

if TYPE_CHECKING:
    from customer_kanban.metrics.flow import BlockerClusters

__all__ = ["blocker_chart", "blocker_clusters_chart", "handoff_matrix", "journey_chart"]

#: What a cell of the hand-off matrix shows: the days waited in all, or per hand-off.
Waiting = Literal["total", "mean"]
_WAITING = choices_of(Waiting)
#: Most departments a hand-off matrix shows (the docs' bound of `top`).
_MAX_TOP = 10**6
_PAIR_FIELDS = ("from_department", "to_department", "count", "waiting_days")
_CLUSTER_FIELDS = ("reason", "items", "impact", "likelihood")


def handoff_matrix(
    journey: Any, *, waiting: Waiting = "total", top: int = 12
) -> tuple[list[str], npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """The hand-offs of a customer journey as a department × department matrix.

    Departments are ranked by the waiting of the hand-offs they take part in (from
    or to); the `top` first get a row and a column each, the rest are summed into
    ``"(other)"``.

    Parameters
    ----------
    journey : CustomerJourney
        From :func:`customer_kanban.reviews.customer_journey` (any object with its
        ``handoff_pairs``).
    waiting : {"total", "mean"}, optional
        Days waited after the hand-offs of a cell in all, or per hand-off.
    top : int, optional
        Departments shown: 1 to 1,000,000.

    Returns
    -------
    departments : list of str, length D
        Row and column labels.
    waiting : numpy.ndarray of float64, shape (D, D)
        ``[from, to]``: days waited; NaN where there was no hand-off. [days]
    counts : numpy.ndarray of int64, shape (D, D)
        ``[from, to]``: hand-offs.

    Raises
    ------
    TypeError
        If `journey` has no ``handoff_pairs`` of hand-offs (with departments, a whole
        count and days waited), or `top` is not a whole number.
    customer_kanban.errors.ValidationError
        If `waiting` is unknown, `top` is outside [1, 1,000,000], a hand-off's count or
        days are negative, or the journey has no hand-off.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> j = NS(handoff_pairs=(NS(from_department="A", to_department="B", count=2,
    ...                          waiting_days=3.0),))
    >>> names, days, n = handoff_matrix(j, waiting="mean")
    >>> names, days.tolist(), n.tolist()
    (['A', 'B'], [[nan, 1.5], [nan, nan]], [[0, 2], [0, 0]])
    """
    waiting = cast("Waiting", check_choice(waiting, name="waiting", choices=_WAITING))
    top = as_whole_number(top, name="top", minimum=1, maximum=_MAX_TOP)
    pairs = _handoff_pairs(journey)
    if not pairs:
        raise ValidationError("`journey` has no hand-off between departments to draw")
    load: dict[str, float] = {}
    for p in pairs:
        for name in (p.from_department, p.to_department):
            load[name] = load.get(name, 0.0) + float(p.waiting_days)
    ranked = sorted(load, key=lambda name: (-load[name], name))
    names = ranked[:top] + (["(other)"] if len(ranked) > top else [])
    index = {name: min(k, len(names) - 1) for k, name in enumerate(ranked)}
    rows = np.array([[index[p.from_department], index[p.to_department]] for p in pairs])
    flat = rows[:, 0] * len(names) + rows[:, 1]
    size = len(names) * len(names)
    counts = np.bincount(flat, weights=[p.count for p in pairs], minlength=size)
    days = np.bincount(flat, weights=[p.waiting_days for p in pairs], minlength=size)
    counts = counts.astype(np.int64).reshape(len(names), len(names))
    days = days.reshape(len(names), len(names))
    seen = np.bincount(flat, minlength=size).reshape(len(names), len(names)) > 0
    shown = days / np.maximum(counts, 1) if waiting == "mean" else days
    return names, np.where(seen, shown, np.nan), counts


def _handoff_pairs(journey: object) -> list[Any]:
    """The hand-offs of `journey`, each with text departments and counts and days >= 0."""
    pairs = getattr(journey, "handoff_pairs", None)
    if isinstance(pairs, (str, bytes)) or not isinstance(pairs, Sequence):
        raise TypeError(
            "`journey` must be a CustomerJourney (an object with a sequence of "
            f"`handoff_pairs`), got {type(journey).__name__}"
        )
    for k, p in enumerate(pairs):
        missing = [f for f in _PAIR_FIELDS if not hasattr(p, f)]
        if missing:
            raise TypeError(
                f"`journey` hand-off {k} must have {', '.join(_PAIR_FIELDS)}; "
                f"{type(p).__name__} has no {', '.join(missing)}"
            )
        for f in ("from_department", "to_department"):
            if not isinstance(getattr(p, f), str):
                raise TypeError(
                    f"`journey` hand-off {k}: `{f}` must be text, got {getattr(p, f)!r}"
                )
        _whole(p.count, f"`journey` hand-off {k}: `count`")
        _days(p.waiting_days, f"`journey` hand-off {k}: `waiting_days`", nan=False)
    return list(pairs)


def _whole(value: object, what: str) -> int:
    """A count: a whole number >= 0 (not a bool)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{what} must be a whole number, got {value!r}")
    if value < 0:
        raise ValidationError(f"{what} must be >= 0, got {value!r}")
    return int(value)


def _days(value: object, what: str, *, nan: bool) -> float:
    """A finite number >= 0 (NaN too where `nan`), not a bool or text."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise TypeError(f"{what} must be a number, got {value!r}")
    f = float(value)
    if (math.isnan(f) and not nan) or math.isinf(f) or f < 0:
        raise ValidationError(f"{what} must be a finite number >= 0, got {value!r}")
    return f


def journey_chart(
    journey: Any, ax: Any = None, *, waiting: Waiting = "total", top: int = 12
) -> Any:
    """Draw a customer journey's hand-offs: departments × departments (from → to).

    The colour of a cell is the waiting after the hand-offs from its row's
    department to its column's (in all, or per hand-off); the number in it is the
    hand-offs.  See :func:`handoff_matrix` for the departments shown.

    Parameters
    ----------
    journey : CustomerJourney
        From :func:`customer_kanban.reviews.customer_journey`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    waiting : {"total", "mean"}, optional
        Days waited in all, or per hand-off.
    top : int, optional
        Departments shown (1 to 1,000,000); the rest are summed into ``"(other)"``.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    TypeError
        As :func:`handoff_matrix`, or if `ax` is not a matplotlib Axes.
    customer_kanban.errors.ValidationError
        As :func:`handoff_matrix`.

    Examples
    --------
    >>> from customer_kanban.datasets import DEMO_AS_OF, load_incidents
    >>> from customer_kanban.reviews import customer_journey
    >>> table, policy = load_incidents()
    >>> ax = customer_journey(table, workflow=policy, as_of=DEMO_AS_OF).plot(top=5)
    >>> ax.get_xlabel()
    'to department (numbers: hand-offs)'
    """
    style.check_axes(ax)
    names, days, counts = handoff_matrix(journey, waiting=waiting, top=top)
    with style.rc():
        ax = style.axes_for(ax)
        import matplotlib as mpl

        cmap = mpl.colormaps["cividis"].with_extremes(bad="white")
        image = ax.imshow(np.ma.masked_invalid(days), cmap=cmap, aspect="auto")
        bar = ax.figure.colorbar(image, ax=ax)
        bar.set_label("waiting per hand-off [days]" if waiting == "mean" else "waiting [days]")
        for i, j in zip(*np.nonzero(counts), strict=True):
            rgba = image.cmap(image.norm(days[i, j]))
            light = 0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2] > 0.5
            ax.text(
                j, i, str(counts[i, j]), ha="center", va="center", fontsize=7,
                color=style.INK if light else "white",
            )  # fmt: skip
        ticks = np.arange(len(names))
        ax.set_xticks(ticks, names, rotation=45, ha="right", rotation_mode="anchor", fontsize=8)
        ax.set_yticks(ticks, names, fontsize=8)
        ax.grid(False)
        return style.finish(
            ax,
            title="Hand-offs and waiting between departments",
            xlabel="to department (numbers: hand-offs)",
            ylabel="from department",
        )


# --------------------------------------------------------------------------- blockers


def blocker_clusters_chart(result: BlockerClusters, ax: Any = None, *, group: object = None) -> Any:
    """Draw blocker clusters: impact × likelihood of each blocker reason.

    One bubble per reason: x is its impact (days blocked per block), y its
    likelihood (share of the group's items blocked for it), the bubble's area the
    items blocked.  Reasons without a block are left out.  The top right holds the
    reasons to tackle first.

    Parameters
    ----------
    result : BlockerClusters
        From :func:`customer_kanban.metrics.blocker_clusters`.
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
        If `group` is not one of the result's groups, or the group has no block.

    Examples
    --------
    >>> from customer_kanban.metrics import blocker_clusters
    >>> r = blocker_clusters([0, 1, 1], ["2024-01-01"] * 3,
    ...                      ["2024-01-02", "2024-01-04", "2024-01-02"],
    ...                      ["a", "b", "a"], n_items=4)
    >>> ax = r.plot()
    >>> sorted(t.get_text() for t in ax.texts)
    ['a\\n2 items', 'b\\n1 item']
    """
    g = group_index(result.groups, group)
    title = "Blocker clusters" + ("" if result.groups.size == 1 else f" — {result.groups[g]}")
    return _bubbles(
        ax,
        [str(r) for r in result.reasons.tolist()],
        result.impact[g],
        result.likelihood[g],
        result.items[g],
        title,
    )


def blocker_chart(
    clusters: Sequence[Any], *, title: str = "Blocker clusters", ax: Any = None
) -> Any:
    """Draw the blocker clusters of a service delivery review line (impact × likelihood).

    Parameters
    ----------
    clusters : sequence of BlockerCluster
        The ``blockers`` of a :class:`customer_kanban.reviews.ServiceLevelRow` (any
        objects with ``reason``, ``items`` (a whole number >= 0), ``impact`` (days
        >= 0, NaN: none) and ``likelihood`` (a share in [0, 1], NaN: none)).
    title : str, optional
        The chart's title.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    TypeError
        If `clusters` is not a sequence of such objects, a field is not a number,
        `title` is not text, or `ax` is not a matplotlib Axes.
    customer_kanban.errors.ValidationError
        If a field is out of its range, or no cluster has a block.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> ax = blocker_chart([NS(reason="vendor", items=3, impact=2.5, likelihood=0.1)])
    >>> ax.collections[0].get_offsets().tolist()
    [[2.5, 10.0]]
    """
    if isinstance(clusters, (str, bytes)) or not isinstance(clusters, Sequence):
        raise TypeError(
            f"`clusters` must be a sequence of blocker clusters, got {type(clusters).__name__}"
        )
    if not isinstance(title, str):
        raise TypeError(f"`title` must be text, got {type(title).__name__} {title!r}")
    style.check_axes(ax)
    reasons, impact, likelihood, items = [], [], [], []
    for k, c in enumerate(clusters):
        missing = [f for f in _CLUSTER_FIELDS if not hasattr(c, f)]
        if missing:
            raise TypeError(
                f"`clusters` must hold blocker clusters (with {', '.join(_CLUSTER_FIELDS)}); "
                f"{type(c).__name__} at position {k} has no {', '.join(missing)}"
            )
        reasons.append(str(c.reason))
        items.append(_whole(c.items, f"`clusters` position {k}: `items`"))
        impact.append(_days(c.impact, f"`clusters` position {k}: `impact`", nan=True))
        share = _days(c.likelihood, f"`clusters` position {k}: `likelihood`", nan=True)
        if share > 1:
            raise ValidationError(
                f"`clusters` position {k}: `likelihood` must be a share in [0, 1], got {share!r}"
            )
        likelihood.append(share)
    return _bubbles(
        ax,
        reasons,
        np.array(impact, dtype=np.float64),
        np.array(likelihood, dtype=np.float64),
        np.array(items, dtype=np.int64),
        title,
        source="`clusters`",
    )


def _bubbles(
    ax: Any,
    reasons: list[str],
    impact: Any,
    likelihood: Any,
    items: Any,
    title: str,
    *,
    source: str = "the group",
) -> Any:
    """One bubble per reason with a block: impact (x), likelihood [%] (y), area = items."""
    keep = np.isfinite(impact) & np.isfinite(likelihood) & (np.asarray(items) > 0)
    if not keep.any():
        raise ValidationError(f"{source}: no blocker reason has a block to draw")
    x = np.asarray(impact, dtype=np.float64)[keep]
    y = 100.0 * np.asarray(likelihood, dtype=np.float64)[keep]
    n = np.asarray(items, dtype=np.float64)[keep]
    names = [r for r, k in zip(reasons, keep.tolist(), strict=True) if k]
    with style.rc():
        ax = style.axes_for(ax)
        area = 60.0 + 1400.0 * n / n.max()
        ax.scatter(
            x, y, s=area, color=[style.color(k) for k in range(x.size)],
            alpha=0.6, edgecolors=style.INK, linewidths=0.6,
        )  # fmt: skip
        radius = np.sqrt(area / np.pi)  # points
        for xi, yi, name, ni, ri in zip(x, y, names, n.tolist(), radius, strict=True):
            ax.annotate(
                f"{name}\n{_items(int(ni))}", xy=(xi, yi), xytext=(ri + 4, 0),
                textcoords="offset points", ha="left", va="center", fontsize=8.5,
                color=style.INK,
            )  # fmt: skip
        ax.set_xlim(0, max(float(x.max()) * 1.6, 1.0))
        ax.set_ylim(0, min(max(float(y.max()) * 1.3, 5.0), 105.0))
        return style.finish(
            ax,
            title=title,
            xlabel="impact: days blocked per block [days]",
            ylabel="likelihood: items blocked [%]",
        )


def _items(n: int) -> str:
    return f"{n:,} item" + ("" if n == 1 else "s")

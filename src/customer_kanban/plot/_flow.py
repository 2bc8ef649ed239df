"""Flow charts: cumulative flow."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from customer_kanban.errors import ValidationError
from customer_kanban.plot import style

if TYPE_CHECKING:
    from customer_kanban.metrics.flow import CumulativeFlowResult

__all__ = ["cumulative_flow"]


def cumulative_flow(result: CumulativeFlowResult, ax: Any = None, *, group: object = None) -> Any:
    """Draw a cumulative flow diagram: one band per workflow state, in workflow order.

    The top edge of the first band is the cumulative arrivals, the top edge of the last
    band the cumulative departures (items that reached the last state); the height of a
    band at a date is the number of items in that state then.

    Parameters
    ----------
    result : CumulativeFlowResult
        From :func:`customer_kanban.metrics.cumulative_flow`.
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
    >>> from customer_kanban.metrics.flow import CumulativeFlowResult
    >>> r = CumulativeFlowResult(
    ...     groups=np.array(["all"]),
    ...     periods=np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[ns]"),
    ...     states=np.array(["todo", "doing", "done"]),
    ...     counts=np.array([[[3, 2, 0], [4, 3, 1]]]),
    ... )
    >>> ax = r.plot()
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['todo', 'doing', 'done']
    """
    g = _group_index(result.groups, group)
    counts = np.asarray(result.counts[g], dtype=np.float64)  # (P, S)
    if counts.shape[0] == 0:
        raise ValidationError("the cumulative flow has no period to draw")
    states = [str(s) for s in result.states]
    # band s = items that reached state s but not s + 1 (the last: all that reached it)
    bands = counts.copy()
    bands[:, :-1] -= counts[:, 1:]
    with style.rc():
        ax = style.axes_for(ax)
        dates = result.periods.astype("datetime64[ns]")
        ax.stackplot(
            dates,
            bands[:, ::-1].T,  # the last state at the bottom, arrivals on top
            labels=states[::-1],
            colors=[style.color(k) for k in range(len(states))][::-1],
            alpha=0.9,
            linewidth=0,
        )
        ax.plot(dates, counts[:, 0], color=style.INK, linewidth=1.2, label="_arrivals")
        ax.plot(
            dates,
            counts[:, -1],
            color=style.INK,
            linewidth=1.2,
            linestyle="--",
            label="_departures",
        )
        handles, labels = ax.get_legend_handles_labels()
        order = [labels.index(s) for s in states if s in labels]
        ax.legend([handles[i] for i in order], [labels[i] for i in order], loc="upper left")
        style.date_axis(ax)
        ax.set_ylim(bottom=0)
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

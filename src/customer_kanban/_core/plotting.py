"""How a result draws itself: ``Result.plot`` finds its chart by name, imported on use.

A result class names the function that draws it in its ``_chart`` class attribute
(``"module:function"``, e.g. ``"customer_kanban.plot._flow:cumulative_flow"``).  The
function is imported only when a chart is asked for, so that neither matplotlib nor the
plot package is imported with the result classes (the plot package builds on them).
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

__all__ = ["PLOT_EXTRA_HINT", "chart_function", "chart_svg", "require_matplotlib"]

#: What to install for charts.
PLOT_EXTRA_HINT = 'pip install "customer-kanban[plot]"'


def require_matplotlib() -> None:
    """Raise an ImportError saying how to install the ``plot`` extra when matplotlib is missing."""
    if importlib.util.find_spec("matplotlib") is None:
        raise ImportError(f"charts need matplotlib: {PLOT_EXTRA_HINT}")


def chart_function(owner: object, name: str | None) -> Any:
    """The function `name` (``"module:function"``) that draws `owner`'s chart."""
    if name is None:
        raise TypeError(f"{type(owner).__name__} has no chart")
    require_matplotlib()
    module, _, function = name.partition(":")
    return getattr(importlib.import_module(module), function)


def chart_svg(owner: object) -> str:
    """A small inline SVG of `owner`'s chart for notebooks, or ``""`` without matplotlib.

    A chart that cannot be drawn (no data to show) gives ``""`` too: the table above it
    is the result's display, the chart an addition.
    """
    if importlib.util.find_spec("matplotlib") is None:
        return ""
    out: str = importlib.import_module("customer_kanban.plot.style").small_svg(owner)
    return out

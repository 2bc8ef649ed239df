"""Charts of customer_kanban results, drawn with matplotlib (the ``plot`` extra).

Every chartable result has ``.plot(ax=None, **kwargs)``, which returns the matplotlib
``Axes`` it drew on; the charts that combine several results are functions here taking
a table and a policy.  matplotlib is imported only when a chart is drawn; without it,
drawing raises an ``ImportError`` that says ``pip install "customer-kanban[plot]"``.
All charts share :mod:`customer_kanban.plot.style`.

:func:`lead_time_scatter`
    Lead time of each delivered item by delivery date, percentiles and SLEs.
:func:`aging_wip`
    Age of the open items per workflow state against the pace of finished ones.
:func:`wip_limits`
    WIP over time of each limited state against its WIP limit, breaches shaded.
:func:`class_of_service_mix`
    Share of the delivered items per class of service and period.

Results draw themselves: ``CumulativeFlowResult.plot()`` (cumulative flow diagram),
``ThroughputResult.plot()`` (run chart with median and trend).
"""

from customer_kanban.plot import style
from customer_kanban.plot._flow import (
    aging_wip,
    class_of_service_mix,
    lead_time_scatter,
    wip_limits,
)

__all__ = [
    "aging_wip",
    "class_of_service_mix",
    "lead_time_scatter",
    "style",
    "wip_limits",
]

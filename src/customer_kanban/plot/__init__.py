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
:func:`handoff_matrix`
    The hand-offs between departments (from × to) of a customer journey.
:func:`blocker_chart`
    Blocker clusters by impact and likelihood.

Results draw themselves: ``CumulativeFlowResult.plot()`` (cumulative flow diagram),
``ThroughputResult.plot()`` (run chart with median and trend), ``WhenForecast`` and
``HowManyForecast`` (Monte Carlo histograms), ``SurvivalResult`` (Kaplan–Meier, fits over
it), ``LeadTimeFit``, ``CustomerSegments`` and ``CustomerPortfolio`` (value × potential),
``RFMResult`` (heat map), ``GetKeepGrowResult`` and ``PortfolioFlows``, ``CustomerJourney``
(hand-off matrix), ``BlockerClusters``, ``ProcessBehaviourResult`` (XmR) and
``BacktestResult``.
"""

from customer_kanban.plot import style
from customer_kanban.plot._flow import (
    aging_wip,
    class_of_service_mix,
    lead_time_scatter,
    wip_limits,
)
from customer_kanban.plot._journey import blocker_chart, handoff_matrix
from customer_kanban.plot._survival import censored_positions

__all__ = [
    "aging_wip",
    "blocker_chart",
    "censored_positions",
    "class_of_service_mix",
    "handoff_matrix",
    "lead_time_scatter",
    "style",
    "wip_limits",
]

"""Charts of customer_kanban results, drawn with matplotlib (the ``plot`` extra).

Every chartable result has ``.plot(ax=None, **kwargs)``, which returns the matplotlib
``Axes`` it drew on; the charts that combine several results are functions here taking
a table and a policy.  matplotlib is imported only when a chart is drawn; without it,
drawing raises an ``ImportError`` that says ``pip install "customer-kanban[plot]"``.
All charts share :mod:`customer_kanban.plot.style`.
"""

from customer_kanban.plot import style
from customer_kanban.plot._journey import blocker_chart, handoff_matrix
from customer_kanban.plot._survival import censored_positions

__all__ = ["blocker_chart", "censored_positions", "handoff_matrix", "style"]

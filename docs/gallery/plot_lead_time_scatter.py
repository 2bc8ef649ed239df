"""
Lead-time scatter
=================

The customer lead time of every incident resolved by the demo's instant, by resolution date,
with the 50th, 85th and 95th percentiles and each class's service level expectation. A
logarithmic axis keeps the same-day resolutions and the multi-day ones readable together.
"""

from customer_kanban import plot
from customer_kanban.datasets import DEMO_AS_OF, load_incidents

table, policy = load_incidents()
ax = plot.lead_time_scatter(table, policy, as_of=DEMO_AS_OF, log=True)

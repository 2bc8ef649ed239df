"""
Throughput run chart
====================

Incidents resolved per week, with the median and a least-squares trend line, over the
eight whole weeks before the demo's instant.
"""

import numpy as np

from customer_kanban.datasets import DEMO_AS_OF, load_incidents
from customer_kanban.metrics import throughput

table, policy = load_incidents()
as_of = np.datetime64(DEMO_AS_OF)  # a Monday: the weeks before it are whole
weekly = throughput(
    table["delivered_at"],
    freq="W",
    since=as_of - np.timedelta64(8 * 7, "D"),
    until=as_of - np.timedelta64(1, "ns"),
)
print(int(weekly.counts.sum()), "incidents resolved in the eight weeks")

# %%
# ``freq="W"`` counts weeks starting on Monday, ``by=`` one line per class of service
# (``weekly.plot(group="2 - High")`` draws one of them).
ax = weekly.plot()

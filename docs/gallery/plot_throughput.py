"""
Throughput run chart
====================

Incidents resolved per day, zero days included, with the median and a trend line. The
embedded log is an arrival cohort: resolutions peak in the first days and then thin out
as the cohort drains, which the trend shows.
"""

from customer_kanban.datasets import load_incidents
from customer_kanban.metrics import throughput

table, policy = load_incidents()
daily = throughput(table["delivered_at"], freq="D", since="2016-02-29", until="2016-03-31")
print(int(daily.counts.sum()), "incidents resolved in March 2016")

# %%
# ``freq="W"`` counts weeks starting on Monday, ``by=`` one line per class of service
# (``daily.plot(group="2 - High")`` draws one of them).
ax = daily.plot()

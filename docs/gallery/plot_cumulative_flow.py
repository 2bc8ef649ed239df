"""
Cumulative flow
===============

The cumulative flow diagram of the embedded ServiceNow incidents: one band per workflow
state, in workflow order.  The top edge of the first band is the cumulative arrivals, the
top edge of the last band the cumulative departures; the height of a band on a day is the
number of incidents in that state then.

The log is an arrival cohort (890 incidents opened in three days) that drains out, so the
arrival edge rises once and the bands then narrow.
"""

from customer_kanban.datasets import load_incidents
from customer_kanban.metrics import cumulative_flow

table, policy = load_incidents()
cfd = cumulative_flow(
    table.first_entries(),  # first entry of each incident into each state
    states=table.states,
    since="2016-02-29",
    until="2016-03-31",
)
print(cfd)

# %%
# ``plot`` returns the matplotlib ``Axes`` it drew on, so the chart can be refined or
# placed in a figure of several panels (``cfd.plot(ax=axes[0])``).
ax = cfd.plot()

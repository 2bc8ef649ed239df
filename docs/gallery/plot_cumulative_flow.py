"""
Cumulative flow
===============

The cumulative flow diagram of the embedded ServiceNow incidents: one band per workflow
state, in workflow order.  The top edge of the first band is the cumulative arrivals, the
top edge of the last band the cumulative departures; the height of a band on a day is the
number of incidents in that state then.

The log is a service in steady state (about 2,000 incidents opened and resolved a week),
so the edges rise in parallel and the bands keep their width; a widening band is a queue
growing.
"""

import numpy as np

from customer_kanban.datasets import DEMO_AS_OF, load_incidents
from customer_kanban.metrics import cumulative_flow

table, policy = load_incidents()
as_of = np.datetime64(DEMO_AS_OF)
cfd = cumulative_flow(
    table.as_of(as_of).first_entries(),  # first entry of each incident into each state
    states=table.states,
    since=as_of - np.timedelta64(8 * 7, "D"),
    until=as_of,
)
print(cfd)

# %%
# ``plot`` returns the matplotlib ``Axes`` it drew on, so the chart can be refined or
# placed in a figure of several panels (``cfd.plot(ax=axes[0])``); the commitment and
# delivery points colour the states between them and grey the others.
wf = policy.workflow
ax = cfd.plot(commitment=wf.commitment_point, delivery=wf.delivery_point)

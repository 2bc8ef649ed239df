"""
WIP against its limit
=====================

The work in progress of each state with a WIP limit, over time, against the limit; the
periods above it are shaded. The replenishment demo policy limits *Active* to 500
incidents.
"""

import numpy as np

from customer_kanban import plot
from customer_kanban.datasets import DEMO_AS_OF, incidents_replenishment_policy, load_incidents

table, _ = load_incidents()
policy = incidents_replenishment_policy()
as_of = np.datetime64(DEMO_AS_OF)
ax = plot.wip_limits(table, policy, since=as_of - np.timedelta64(8 * 7, "D"), until=as_of)

"""
WIP against its limit
=====================

The work in progress of each state with a WIP limit, over time, against the limit; the
periods above it are shaded. The replenishment demo policy limits *Active* to 140
incidents.
"""

from customer_kanban import plot
from customer_kanban.datasets import incidents_replenishment_policy, load_incidents

table, _ = load_incidents()
policy = incidents_replenishment_policy()
ax = plot.wip_limits(table, policy, since="2016-02-29", until="2016-03-14")

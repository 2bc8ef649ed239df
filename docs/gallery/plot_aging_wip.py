"""
Aging work in progress
======================

Every incident still open at the demo's instant is a dot in its current state at its age. Behind
the dots, the pace of the finished incidents: per state, the 50th, 85th and 95th
percentiles of their age when they left it. Each class's SLE is a dashed line; an incident
beyond its state's 85th percentile or its class's SLE is at risk (a red cross) and is the
one to talk about in the daily meeting.
"""

from customer_kanban import plot
from customer_kanban.datasets import DEMO_AS_OF, load_incidents

table, policy = load_incidents()
ax = plot.aging_wip(table, policy, as_of=DEMO_AS_OF)

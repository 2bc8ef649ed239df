"""
Class-of-service mix
====================

The share of the resolved incidents per class of service (here the priority) and week:
how the capacity of the service was spent. Weeks with fewer than 10 resolutions are drawn
pale.
"""

from customer_kanban import plot
from customer_kanban.datasets import load_incidents

table, policy = load_incidents()
ax = plot.class_of_service_mix(table, policy, freq="W")

"""The columnar form of work items: :class:`WorkItemTable`."""

from customer_kanban.table._table import BlockedIntervals, Transitions, WorkItemTable, factorize

__all__ = ["BlockedIntervals", "Transitions", "WorkItemTable", "factorize"]

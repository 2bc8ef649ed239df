"""The columnar forms: work items (:class:`WorkItemTable`), customers and transactions."""

from customer_kanban.table._customers import CustomerTable, TransactionTable
from customer_kanban.table._table import BlockedIntervals, Transitions, WorkItemTable, factorize

__all__ = [
    "BlockedIntervals",
    "CustomerTable",
    "TransactionTable",
    "Transitions",
    "WorkItemTable",
    "factorize",
]

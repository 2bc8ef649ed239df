"""The columnar forms: work items (:class:`WorkItemTable`), customers and transactions."""

from customer_kanban.table._columns import factorize
from customer_kanban.table._customers import CustomerTable, TransactionTable
from customer_kanban.table._policy import (
    URGENCY_LABELS,
    CostOfDelayColumns,
    class_codes,
    cost_of_delay_by_class,
    cost_of_delay_columns,
)
from customer_kanban.table._table import BlockedIntervals, Transitions, WorkItemTable

__all__ = [
    "URGENCY_LABELS",
    "BlockedIntervals",
    "CostOfDelayColumns",
    "CustomerTable",
    "TransactionTable",
    "Transitions",
    "WorkItemTable",
    "class_codes",
    "cost_of_delay_by_class",
    "cost_of_delay_columns",
    "factorize",
]

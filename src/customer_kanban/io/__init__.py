"""Importers at the package's edge: event logs, transactions and feedback into tables.

Every reader takes a CSV file (a path or an open file, read in blocks with bounded
memory), a mapping of columns or a data frame (pandas, polars, pyarrow, or any other
narwhals supports, none of them imported before one is given), and returns what it could
build together
with every row it rejected and why (``rejected``; accepted + rejected = the input's rows),
and warns :class:`~customer_kanban.errors.RejectedRowsWarning` when it rejected any.

:func:`read_event_log`
    One row per state change into a :class:`~customer_kanban.table.WorkItemTable`.
:func:`read_transactions`
    One row per purchase into a :class:`~customer_kanban.table.TransactionTable`.
:func:`read_feedback`
    One row per piece of customer feedback into :class:`~customer_kanban.model.Feedback`.
"""

from customer_kanban.io._event_log import EventLogResult, Rejections, read_event_log
from customer_kanban.io._transactions import (
    FeedbackLogResult,
    TransactionLogResult,
    read_feedback,
    read_transactions,
)

__all__ = [
    "EventLogResult",
    "FeedbackLogResult",
    "Rejections",
    "TransactionLogResult",
    "read_event_log",
    "read_feedback",
    "read_transactions",
]

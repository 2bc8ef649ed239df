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
:func:`read_jira`
    Jira's issue search with changelogs (Cloud v3, Server / Data Center v2) into a table;
    :func:`fetch_jira` fetches it page by page.
:func:`read_azure_devops`
    Azure DevOps work-item updates or revisions into a table.
:func:`read_actionable_agile`, :func:`write_actionable_agile`
    ActionableAgile's CSV format (one row per item, a date per stage), both ways.

The tracker readers build on :func:`read_event_log` and return its result; their rows
are the status events of the items (ActionableAgile's: the items).
"""

from customer_kanban.io._actionable import read_actionable_agile, write_actionable_agile
from customer_kanban.io._azure import read_azure_devops
from customer_kanban.io._event_log import EventLogResult, Rejections, read_event_log
from customer_kanban.io._fetch import fetch_jira
from customer_kanban.io._jira import read_jira
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
    "fetch_jira",
    "read_actionable_agile",
    "read_azure_devops",
    "read_event_log",
    "read_feedback",
    "read_jira",
    "read_transactions",
    "write_actionable_agile",
]

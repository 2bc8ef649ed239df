"""Importers at the package's edge: event logs (files, frames, columns) into tables.

:func:`read_event_log` reads one row per state change from a CSV file, a mapping
of columns or a pandas DataFrame, and returns the :class:`~customer_kanban.table.WorkItemTable`
it could build together with a report of the rows it rejected and why.
"""

from customer_kanban.io._event_log import EventLogResult, Rejections, read_event_log

__all__ = ["EventLogResult", "Rejections", "read_event_log"]

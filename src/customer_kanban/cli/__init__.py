"""The ``customer-kanban`` command line.

``customer-kanban review --demo``
    The Service Delivery Review of the embedded ServiceNow incident log.
``customer-kanban review FILE --item C --state C --at C --states S1,S2,... --commit S --deliver S``
    The same review of your own event log (CSV, one row per state change).

``--json`` prints the review as JSON.  Bad input gives a one-line error on
standard error and exit status 2, never a traceback.
"""

from customer_kanban.cli._main import main

__all__ = ["main"]

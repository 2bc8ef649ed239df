"""Real data embedded in the package, for demos, tests and tutorials.

:func:`load_incidents` — 890 incidents of a real IT company's ServiceNow incident
process (UCI Machine Learning Repository #498, Amaral, Fantinato and Peres, 2018;
CC BY 4.0; see the NOTICE file).
"""

from customer_kanban.datasets._incidents import (
    DEMO_AS_OF,
    INCIDENT_STATES,
    incidents_path,
    incidents_policy,
    load_incidents,
    read_incidents,
)

__all__ = [
    "DEMO_AS_OF",
    "INCIDENT_STATES",
    "incidents_path",
    "incidents_policy",
    "load_incidents",
    "read_incidents",
]

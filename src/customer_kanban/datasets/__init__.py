"""Real data embedded in the package, for demos, tests and tutorials.

:func:`load_incidents` — 20,769 incidents of a real IT company's ServiceNow incident
process, opened over ten weeks at about 2,000 a week: a board in steady state (UCI
Machine Learning Repository #498, Amaral, Fantinato and Peres, 2018; CC BY 4.0; see
the NOTICE file).  ``load_incidents(cohort=True)``: its first 890 incidents, an
arrival cohort of three days, for tests against reference figures computed on it.

:func:`load_cdnow` — 69,659 purchases of 23,570 CDNOW customers, 1997–1998
(Fader and Hardie; "CDNOW data, via the lifetimes package"; MIT; see NOTICE).
"""

from customer_kanban.datasets._cdnow import CDNOW_AS_OF, cdnow_path, load_cdnow
from customer_kanban.datasets._incidents import (
    AWAITING_STATES,
    COHORT_AS_OF,
    DEMO_AS_OF,
    INCIDENT_STATES,
    REPLENISHMENT_AS_OF,
    incidents_path,
    incidents_policy,
    incidents_replenishment_policy,
    load_incidents,
    read_incidents,
)

__all__ = [
    "AWAITING_STATES",
    "CDNOW_AS_OF",
    "COHORT_AS_OF",
    "DEMO_AS_OF",
    "INCIDENT_STATES",
    "REPLENISHMENT_AS_OF",
    "cdnow_path",
    "incidents_path",
    "incidents_policy",
    "incidents_replenishment_policy",
    "load_cdnow",
    "load_incidents",
    "read_incidents",
]

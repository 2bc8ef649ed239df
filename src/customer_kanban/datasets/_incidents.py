"""The ServiceNow incident log (UCI #498, CC BY 4.0) as a table and a matching policy."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import attrs

from customer_kanban.io import EventLogResult, read_event_log
from customer_kanban.model import (
    AcceptanceRule,
    ClassOfService,
    CostOfDelay,
    Policy,
    RuleKind,
    ServiceLevelExpectation,
    Urgency,
    Workflow,
)
from customer_kanban.table import WorkItemTable

__all__ = [
    "AWAITING_STATES",
    "DEMO_AS_OF",
    "INCIDENT_STATES",
    "incidents_path",
    "incidents_policy",
    "load_incidents",
    "read_incidents",
]

#: The incident states of the log, in workflow order.
INCIDENT_STATES = (
    "New",
    "Active",
    "Awaiting User Info",
    "Awaiting Problem",
    "Awaiting Vendor",
    "Awaiting Evidence",
    "Resolved",
    "Closed",
)

#: The on-hold states of the incident workflow, recorded as blocks by :func:`load_incidents`.
AWAITING_STATES = INCIDENT_STATES[2:6]

#: The instant at which the demo review looks at the log: one week after the
#: cohort of incidents arrived, when some are still open.
DEMO_AS_OF = "2016-03-07T00:00:00"

# Priority -> (urgency, SLE days at 85%).  The log does not publish its SLA terms;
# these expectations are the demo policy's own choice, stated here and in the docs.
_CLASSES = {
    "1 - Critical": (Urgency.EXPEDITE, 1.0),
    "2 - High": (Urgency.EXPEDITE, 3.0),
    "3 - Moderate": (Urgency.STANDARD, 7.0),
    "4 - Low": (Urgency.INTANGIBLE, 14.0),
}


def incidents_path() -> Path:
    """Path of the embedded CSV file (5,998 audit rows, 36 columns)."""
    return Path(
        str(resources.files("customer_kanban.datasets") / "data" / "servicenow_incidents.csv")
    )


def incidents_policy() -> Policy:
    """The demo policy for the incident log.

    Workflow: the eight incident states; the commitment point is ``Active`` (someone
    works on it), the delivery point ``Resolved`` (the caller has a solution);
    only ``Active`` is active work, the ``Awaiting ...`` states are waiting.
    Classes of service: one per priority, ``1 - Critical`` and ``2 - High`` expedite,
    ``3 - Moderate`` standard, ``4 - Low`` intangible, with SLEs of 1, 3, 7 and
    14 days at 85% of the customer lead time (the log does not publish its SLA
    terms: these are this demo's own choice).
    """
    workflow = Workflow(INCIDENT_STATES, "Active", "Resolved", active_states=["Active"])
    classes = [
        ClassOfService(name=name, urgency=urgency, sle=ServiceLevelExpectation(days, 0.85))
        for name, (urgency, days) in _CLASSES.items()
    ]
    return Policy(workflow=workflow, classes_of_service=classes)


#: The instant of the demo replenishment meeting: two and a half days into the log.
REPLENISHMENT_AS_OF = "2016-03-02T12:00:00"


def incidents_replenishment_policy() -> Policy:
    """The demo policy plus what a replenishment meeting needs (this demo's own choices).

    * WIP limit 140 on ``Active`` (the commitment state);
    * capacity allocation: ``1 - Critical`` at most 10% and ``2 - High`` at most
      20% of that WIP;
    * cost of delay per day: 500 (critical, plus 2,000 at once), 150 (high), 40
      (moderate), 5 (low, rising 10% a day after a week);
    * acceptance: an incident must name its category (a request without it
      cannot be routed: the "missing delivery address" of seed 001).

    Examples
    --------
    >>> p = incidents_replenishment_policy()
    >>> p.wip_limits, p.allocation["1 - Critical"], [r.name for r in p.acceptance_rules]
    ({'Active': 140}, 0.1, ['category given'])
    """
    base = incidents_policy()
    costs = {
        "1 - Critical": CostOfDelay(rate=500.0, step=2000.0),
        "2 - High": CostOfDelay(rate=150.0),
        "3 - Moderate": CostOfDelay(rate=40.0),
        "4 - Low": CostOfDelay(rate=5.0, horizon_days=7.0, growth=0.1),
    }
    classes = [attrs.evolve(c, cost_of_delay=costs[c.name]) for c in base.classes_of_service]
    return attrs.evolve(
        base,
        wip_limits={"Active": 140},
        classes_of_service=classes,
        allocation={"1 - Critical": 0.1, "2 - High": 0.2},
        acceptance_rules=[
            AcceptanceRule(name="category given", kind=RuleKind.REQUIRED, field="category")
        ],
    )


def read_incidents() -> EventLogResult:
    """The full import result of the embedded log, with its rejected rows."""
    return read_event_log(
        incidents_path(),
        workflow=incidents_policy().workflow,
        item="number",
        state="incident_state",
        at="sys_updated_at",
        at_format="%d-%m-%Y %H:%M",
        attributes={
            "priority": "class_of_service",
            "caller_id": "customer",
            "category": "category",
        },
        department="assignment_group",
        na_values=("", "?"),
    )


def load_incidents() -> tuple[WorkItemTable, Policy]:
    """Load the embedded ServiceNow incident log as a table and its matching policy.

    One work item per incident (``number``); its status history
    (``incident_state`` at ``sys_updated_at``) gives the transitions; ``priority``
    becomes the class of service, ``caller_id`` the customer, ``category`` a
    categorical field, and ``assignment_group`` the department of each transition.
    The ``Awaiting ...`` states (ServiceNow's on-hold states: the incident waits for
    the caller, a vendor, a problem or evidence) are also recorded as blocked
    intervals, their reason what is awaited
    (:meth:`~customer_kanban.table.WorkItemTable.with_blocked_states`).

    Returns
    -------
    table : WorkItemTable
        890 incidents opened between 29 February and 2 March 2016, all closed by
        February 2017 — an arrival cohort that drains out.
    policy : Policy
        See :func:`incidents_policy`.

    Notes
    -----
    Source: "Incident management process enriched event log", UCI Machine Learning
    Repository #498 (Amaral, Fantinato and Peres, 2018), licensed CC BY 4.0; the
    first 5,998 rows, unchanged.

    Examples
    --------
    >>> table, policy = load_incidents()
    >>> len(table), policy.workflow.commitment_point
    (890, 'Active')
    """
    table = read_incidents().table.with_blocked_states(AWAITING_STATES)
    return table, incidents_policy()

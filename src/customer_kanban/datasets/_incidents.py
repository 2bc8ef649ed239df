"""The ServiceNow incident log (UCI #498, CC BY 4.0) as a table and a matching policy."""

from __future__ import annotations

import warnings
from importlib import resources
from pathlib import Path

import attrs

from customer_kanban.errors import RejectedRowsWarning
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
    "COHORT_AS_OF",
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

#: The instant at which the demo review looks at the log: Monday 9 May 2016, the end
#: of the last whole week of arrivals (they stop on 13 May, after which the log drains
#: out).  Per week from 28 March to 8 May, arrivals (first event) were 2174 2008 1995
#: 1401 2046 2064 and departures (first entry into ``Resolved`` or later) 2230 2147
#: 2098 1389 2138 2023 — about 2,000 a week on both sides, both low in the week of
#: 18 April — and 1,200 to 1,550 incidents were open at each week's end: a board in
#: steady state.  The review's four-week throughput trend reads 2098 1389 2138 2023,
#: 1,247 incidents are open, 902 of them committed.
DEMO_AS_OF = "2016-05-09T00:00:00"

#: The instant at which the reference tests look at the cohort
#: (``load_incidents(cohort=True)``): one week after its incidents arrived, when
#: some are still open.
COHORT_AS_OF = "2016-03-07T00:00:00"

# Priority -> (urgency, SLE days at 85%).  The log does not publish its SLA terms;
# these expectations are the demo policy's own choice, stated here and in the docs.
_CLASSES = {
    "1 - Critical": (Urgency.EXPEDITE, 1.0),
    "2 - High": (Urgency.EXPEDITE, 3.0),
    "3 - Moderate": (Urgency.STANDARD, 7.0),
    "4 - Low": (Urgency.INTANGIBLE, 14.0),
}


#: The reader's arguments for each embedded file: its name and its date format
#: (the full log writes ``29/2/2016 01:16``, the cohort ``29-02-2016 01:16``).
_FILES = {
    False: ("servicenow_incidents_full.csv.gz", "%d/%m/%Y %H:%M"),
    True: ("servicenow_incidents.csv", "%d-%m-%Y %H:%M"),
}


def incidents_path(*, cohort: bool = False) -> Path:
    """Path of an embedded incident log.

    Parameters
    ----------
    cohort : bool, optional
        ``False`` (default): the full log, gzip-compressed (119,998 audit rows of
        20,769 incidents, 36 columns).  ``True``: the arrival cohort, plain CSV
        (its first 5,998 rows, 890 incidents, in the original's date dialect).

    Examples
    --------
    >>> incidents_path().name, incidents_path(cohort=True).name
    ('servicenow_incidents_full.csv.gz', 'servicenow_incidents.csv')
    """
    name = _FILES[bool(cohort)][0]
    return Path(str(resources.files("customer_kanban.datasets") / "data" / name))


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


#: The instant of the demo replenishment meeting: Monday 9 May 2016 at 09:00, the
#: morning after :data:`DEMO_AS_OF`, inside the steady period (the weekend's
#: requests wait upstream of ``Active``).
REPLENISHMENT_AS_OF = "2016-05-09T09:00:00"


def incidents_replenishment_policy() -> Policy:
    """The demo policy plus what a replenishment meeting needs (this demo's own choices).

    * WIP limit 500 on ``Active`` (the commitment state; in the steady period
      about 470 to 520 incidents are ``Active`` at any time);
    * capacity allocation: ``1 - Critical`` and ``2 - High`` at most 5% each of
      that WIP;
    * cost of delay per day: 500 (critical, plus 2,000 at once), 150 (high), 40
      (moderate), 5 (low, rising 10% a day after a week);
    * acceptance: an incident must name its category (a request without it
      cannot be routed: the "missing delivery address" of seed 001).

    Examples
    --------
    >>> p = incidents_replenishment_policy()
    >>> p.wip_limits, p.allocation["1 - Critical"], [r.name for r in p.acceptance_rules]
    ({'Active': 500}, 0.05, ['category given'])
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
        wip_limits={"Active": 500},
        classes_of_service=classes,
        allocation={"1 - Critical": 0.05, "2 - High": 0.05},
        acceptance_rules=[
            AcceptanceRule(name="category given", kind=RuleKind.REQUIRED, field="category")
        ],
    )


def read_incidents(*, cohort: bool = False) -> EventLogResult:
    """The import result of an embedded log, with its rejected rows.

    Parameters
    ----------
    cohort : bool, optional
        Read the 890-incident arrival cohort instead of the full log (see
        :func:`load_incidents`).

    Returns
    -------
    EventLogResult
        The full log has 2 rejected rows (``unknown state '-100'``, real bad input
        of the source), reported with a
        :class:`~customer_kanban.errors.RejectedRowsWarning`; the cohort has none.
    """
    at_format = _FILES[bool(cohort)][1]
    return read_event_log(
        incidents_path(cohort=cohort),
        workflow=incidents_policy().workflow,
        item="number",
        state="incident_state",
        at="sys_updated_at",
        at_format=at_format,
        attributes={
            "priority": "class_of_service",
            "caller_id": "customer",
            "category": "category",
        },
        department="assignment_group",
        na_values=("", "?"),
    )


def load_incidents(*, cohort: bool = False) -> tuple[WorkItemTable, Policy]:
    """Load the embedded ServiceNow incident log as a table and its matching policy.

    One work item per incident (``number``); its status history
    (``incident_state`` at ``sys_updated_at``) gives the transitions; ``priority``
    becomes the class of service, ``caller_id`` the customer, ``category`` a
    categorical field, and ``assignment_group`` the department of each transition.
    The ``Awaiting ...`` states (ServiceNow's on-hold states: the incident waits for
    the caller, a vendor, a problem or evidence) are also recorded as blocked
    intervals, their reason what is awaited
    (:meth:`~customer_kanban.table.WorkItemTable.with_blocked_states`).

    Parameters
    ----------
    cohort : bool, optional
        ``False`` (default): the full log, a board in steady state — look at it as
        of :data:`DEMO_AS_OF`.  ``True``: only its first 890 incidents, all opened
        between 29 February and 2 March 2016 — an arrival cohort that drains out
        (no new work after its third day), kept for tests against reference
        figures computed on it; look at it as of :data:`COHORT_AS_OF`.

    Returns
    -------
    table : WorkItemTable
        The full log: 20,769 incidents opened between 29 February and 13 May 2016
        at about 2,000 a week, updated until February 2017; all but one resolved.
    policy : Policy
        See :func:`incidents_policy`.

    Notes
    -----
    Source: "Incident management process enriched event log", UCI Machine Learning
    Repository #498 (Amaral, Fantinato and Peres, 2018), licensed CC BY 4.0: the
    first 119,998 rows of its ``incident_event_log.csv`` (the last incident,
    INC0029233, is cut to its first row), gzip-compressed; the cohort is the first
    5,998 rows.  Two rows of the full log carry the invalid state ``-100`` and are
    rejected: :func:`read_incidents` reports them (with a warning); this function,
    a demo loader, leaves them out quietly.

    Examples
    --------
    >>> table, policy = load_incidents()
    >>> len(table), policy.workflow.commitment_point
    (20769, 'Active')
    >>> len(load_incidents(cohort=True)[0])
    890
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RejectedRowsWarning)
        result = read_incidents(cohort=cohort)
    return result.table.with_blocked_states(AWAITING_STATES), incidents_policy()

"""Flow: how work moves through the workflow.

lead_time, work_item_age, wip, time_in_state, cumulative_flow, throughput,
flow_efficiency, blocked_time, blocker_clusters, wip_breaches, allocation, and
process_behaviour (XmR charts of throughput or lead time).
"""

from __future__ import annotations

from customer_kanban.metrics.flow._behaviour import (
    ProcessBehaviourResult,
    process_behaviour,
)
from customer_kanban.metrics.flow._blockers import (
    BlockerClusters,
    blocker_clusters,
)
from customer_kanban.metrics.flow._efficiency import (
    blocked_time,
    flow_efficiency,
)
from customer_kanban.metrics.flow._flow import (
    cumulative_flow,
    lead_time,
    throughput,
    time_in_state,
    wip,
    work_item_age,
)
from customer_kanban.metrics.flow._limits import (
    AllocationResult,
    BreachResult,
    LimitBreaches,
    ShareBreaches,
    allocation,
    wip_breaches,
)
from customer_kanban.metrics.flow._results import (
    CumulativeFlowResult,
    ThroughputResult,
)

__all__ = [
    "AllocationResult",
    "BlockerClusters",
    "BreachResult",
    "CumulativeFlowResult",
    "LimitBreaches",
    "ProcessBehaviourResult",
    "ShareBreaches",
    "ThroughputResult",
    "allocation",
    "blocked_time",
    "blocker_clusters",
    "cumulative_flow",
    "flow_efficiency",
    "lead_time",
    "process_behaviour",
    "throughput",
    "time_in_state",
    "wip",
    "wip_breaches",
    "work_item_age",
]

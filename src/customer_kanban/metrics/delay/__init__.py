"""Cost of delay: urgency archetypes, delay cost, CD3 and WSJF."""

from __future__ import annotations

from customer_kanban.metrics.delay._delay import (
    URGENCIES,
    DelayCostResult,
    PriorityResult,
    cd3,
    cost_of_delay_rate,
    delay_cost,
    wsjf,
)

__all__ = [
    "URGENCIES",
    "DelayCostResult",
    "PriorityResult",
    "cd3",
    "cost_of_delay_rate",
    "delay_cost",
    "wsjf",
]

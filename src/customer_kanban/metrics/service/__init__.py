"""Service levels: what the customer is promised and gets.

percentiles, sle_attainment, at_risk, on_time_rate, customer_waiting_time,
customer_recognisable_share.
"""

from __future__ import annotations

from customer_kanban.metrics.service._results import (
    AttainmentResult,
    OnTimeResult,
    PercentileResult,
    ShareResult,
    WaitingTimeResult,
)
from customer_kanban.metrics.service._service import (
    at_risk,
    on_time_rate,
    percentiles,
    sle_attainment,
)
from customer_kanban.metrics.service._waiting import (
    customer_recognisable_share,
    customer_waiting_time,
)

__all__ = [
    "AttainmentResult",
    "OnTimeResult",
    "PercentileResult",
    "ShareResult",
    "WaitingTimeResult",
    "at_risk",
    "customer_recognisable_share",
    "customer_waiting_time",
    "on_time_rate",
    "percentiles",
    "sle_attainment",
]

"""Survival: lead times with unfinished work right-censored, not dropped.

kaplan_meier, kaplan_meier_from_instants, km_percentiles, km_attainment,
fit_lead_times, tail_ratio, recommend_sle, single_item_forecast (also
re-exported by :mod:`customer_kanban.metrics.forecast`).
"""

from __future__ import annotations

from customer_kanban.metrics.survival._fit import (
    LeadTimeFit,
    fit_lead_times,
)
from customer_kanban.metrics.survival._kaplan_meier import (
    SurvivalAttainmentResult,
    SurvivalResult,
    kaplan_meier,
    kaplan_meier_from_instants,
    km_attainment,
    km_percentiles,
)
from customer_kanban.metrics.survival._predictability import (
    SLERecommendation,
    TailRatioResult,
    recommend_sle,
    tail_ratio,
)
from customer_kanban.metrics.survival._single_item import (
    ItemForecast,
    single_item_forecast,
)

__all__ = [
    "ItemForecast",
    "LeadTimeFit",
    "SLERecommendation",
    "SurvivalAttainmentResult",
    "SurvivalResult",
    "TailRatioResult",
    "fit_lead_times",
    "kaplan_meier",
    "kaplan_meier_from_instants",
    "km_attainment",
    "km_percentiles",
    "recommend_sle",
    "single_item_forecast",
    "tail_ratio",
]

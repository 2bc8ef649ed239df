"""Survival: lead times with unfinished work right-censored, not dropped.

kaplan_meier, kaplan_meier_from_instants, km_percentiles, km_attainment,
fit_lead_times, tail_ratio, recommend_sle, single_item_forecast.
"""

from __future__ import annotations

from customer_kanban.metrics.survival._fit import (
    LeadTimeFit,
    fit_lead_times,
)
from customer_kanban.metrics.survival._kaplan_meier import (
    ItemForecast,
    SurvivalAttainmentResult,
    SurvivalResult,
    kaplan_meier,
    kaplan_meier_from_instants,
    km_attainment,
    km_percentiles,
    single_item_forecast,
)
from customer_kanban.metrics.survival._predictability import (
    SLERecommendation,
    TailRatioResult,
    recommend_sle,
    tail_ratio,
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

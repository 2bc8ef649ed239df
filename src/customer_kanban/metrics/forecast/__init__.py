"""Forecasts: Monte Carlo "when" and "how many" from daily throughput, and single items.

:func:`single_item_forecast` (when items in progress will be done, given their
age) is built on the Kaplan–Meier estimator and lives in
:mod:`customer_kanban.metrics.survival`; it is re-exported here.
"""

from __future__ import annotations

from customer_kanban.metrics.forecast._monte_carlo import (
    DailyThroughput,
    HowManyForecast,
    WhenForecast,
    daily_throughput,
    forecast_how_many,
    forecast_when,
)
from customer_kanban.metrics.survival import ItemForecast, single_item_forecast

__all__ = [
    "DailyThroughput",
    "HowManyForecast",
    "ItemForecast",
    "WhenForecast",
    "daily_throughput",
    "forecast_how_many",
    "forecast_when",
    "single_item_forecast",
]

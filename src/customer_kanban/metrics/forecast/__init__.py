"""Forecasts: Monte Carlo "when" and "how many" from daily throughput."""

from __future__ import annotations

from customer_kanban.metrics.forecast._monte_carlo import (
    DailyThroughput,
    HowManyForecast,
    WhenForecast,
    daily_throughput,
    forecast_how_many,
    forecast_when,
)

__all__ = [
    "DailyThroughput",
    "HowManyForecast",
    "WhenForecast",
    "daily_throughput",
    "forecast_how_many",
    "forecast_when",
]

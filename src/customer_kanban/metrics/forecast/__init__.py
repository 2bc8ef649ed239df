"""Forecasts: Monte Carlo "when" and "how many" from daily throughput, and single items.

:func:`backtest_forecast` replays the "how many" forecast at past dates and
scores each confidence level by what was actually delivered (its coverage).

:func:`single_item_forecast` (when items in progress will be done, given their
age) is built on the Kaplan–Meier estimator and lives in
:mod:`customer_kanban.metrics.survival`; it is re-exported here.
"""

from __future__ import annotations

from customer_kanban.metrics.forecast._backtest import BacktestResult, backtest_forecast
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
    "BacktestResult",
    "DailyThroughput",
    "HowManyForecast",
    "ItemForecast",
    "WhenForecast",
    "backtest_forecast",
    "daily_throughput",
    "forecast_how_many",
    "forecast_when",
    "single_item_forecast",
]

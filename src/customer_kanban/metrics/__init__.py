"""Vectorized flow and service-level metrics on plain arrays.

Pure functions: arrays (numpy, pandas/polars/pyarrow columns, lists) in, arrays or
frozen result objects out; no domain objects. Instants are ``datetime64[ns]`` UTC,
``NaT`` = missing (an ``NaT`` end means *in progress*); durations are float64 days.
Functions that need a reference instant take the keyword ``as_of=``; grouping is the
keyword ``by=``; percentiles ``q`` are in percent. See ``docs/conventions.md``.

One sub-package per concern; every name is also re-exported here:

:mod:`~customer_kanban.metrics.flow`
    Lead time, age, WIP, cumulative flow, throughput, time in state, flow
    efficiency, blocked time and blocker clusters, WIP limits and allocation,
    process behaviour (XmR) charts.
:mod:`~customer_kanban.metrics.service`
    Percentiles, SLE attainment, at-risk WIP, on-time rate, customer waiting time.
:mod:`~customer_kanban.metrics.survival`
    Kaplan–Meier with censoring, censoring-aware percentiles and attainment,
    Weibull / lognormal fits, tail ratio, SLE advice.
:mod:`~customer_kanban.metrics.forecast`
    Daily throughput and the Monte Carlo "when" and "how many" forecasts,
    single-item forecasts from the age of work in progress, backtests of the
    forecast at past dates.
:mod:`~customer_kanban.metrics.delay`
    Cost of delay per urgency archetype, delay cost, CD3 and WSJF.

Customer economics and voice live in :mod:`customer_kanban.customers`.

Grouping (``by=``)
    ``None`` (one group ``"all"``); an array of labels (``None``/NaN = no
    group, rows left out; groups are the sorted labels); an array of integer
    codes (groups = the sorted unique codes); a tuple ``(codes, labels)`` with
    ``-1`` = no group, where every label is a group, in order (even empty
    ones); or a column of a pandas, polars or pyarrow frame (a categorical one
    read as its codes and categories). A table's categorical field,
    ``table["class_of_service"]``, groups as its labels with the table's codes,
    without factorising again. Grouped results always have ``groups`` and the
    group axis first, also for ``by=None``.

Insufficient data
    Empty input, single items and all-NaN groups never crash: statistics are
    NaN and counts 0, and aggregate metrics issue
    :class:`~customer_kanban.errors.InsufficientDataWarning` saying what is
    NaN. Per-item functions (``lead_time``, ``work_item_age``, ...) return NaN
    for the items concerned without a warning.
"""

from __future__ import annotations

from customer_kanban.metrics.delay import (
    URGENCIES,
    DelayCostResult,
    PriorityResult,
    cd3,
    cost_of_delay_rate,
    delay_cost,
    wsjf,
)
from customer_kanban.metrics.flow import (
    AllocationResult,
    BlockerClusters,
    BreachResult,
    CumulativeFlowResult,
    LimitBreaches,
    ProcessBehaviourResult,
    ShareBreaches,
    ThroughputResult,
    allocation,
    blocked_time,
    blocker_clusters,
    cumulative_flow,
    flow_efficiency,
    lead_time,
    process_behaviour,
    throughput,
    time_in_state,
    wip,
    wip_breaches,
    work_item_age,
)
from customer_kanban.metrics.forecast import (
    BacktestResult,
    DailyThroughput,
    HowManyForecast,
    WhenForecast,
    backtest_forecast,
    daily_throughput,
    forecast_how_many,
    forecast_when,
)
from customer_kanban.metrics.service import (
    AttainmentResult,
    OnTimeResult,
    PercentileResult,
    ShareResult,
    WaitingTimeResult,
    at_risk,
    customer_recognisable_share,
    customer_waiting_time,
    on_time_rate,
    percentiles,
    sle_attainment,
)
from customer_kanban.metrics.survival import (
    ItemForecast,
    LeadTimeFit,
    SLERecommendation,
    SurvivalAttainmentResult,
    SurvivalResult,
    TailRatioResult,
    fit_lead_times,
    kaplan_meier,
    kaplan_meier_from_instants,
    km_attainment,
    km_percentiles,
    recommend_sle,
    single_item_forecast,
    tail_ratio,
)

__all__ = [
    "URGENCIES",
    "AllocationResult",
    "AttainmentResult",
    "BacktestResult",
    "BlockerClusters",
    "BreachResult",
    "CumulativeFlowResult",
    "DailyThroughput",
    "DelayCostResult",
    "HowManyForecast",
    "ItemForecast",
    "LeadTimeFit",
    "LimitBreaches",
    "OnTimeResult",
    "PercentileResult",
    "PriorityResult",
    "ProcessBehaviourResult",
    "SLERecommendation",
    "ShareBreaches",
    "ShareResult",
    "SurvivalAttainmentResult",
    "SurvivalResult",
    "TailRatioResult",
    "ThroughputResult",
    "WaitingTimeResult",
    "WhenForecast",
    "allocation",
    "at_risk",
    "backtest_forecast",
    "blocked_time",
    "blocker_clusters",
    "cd3",
    "cost_of_delay_rate",
    "cumulative_flow",
    "customer_recognisable_share",
    "customer_waiting_time",
    "daily_throughput",
    "delay_cost",
    "fit_lead_times",
    "flow_efficiency",
    "forecast_how_many",
    "forecast_when",
    "kaplan_meier",
    "kaplan_meier_from_instants",
    "km_attainment",
    "km_percentiles",
    "lead_time",
    "on_time_rate",
    "percentiles",
    "process_behaviour",
    "recommend_sle",
    "single_item_forecast",
    "sle_attainment",
    "tail_ratio",
    "throughput",
    "time_in_state",
    "wip",
    "wip_breaches",
    "work_item_age",
    "wsjf",
]

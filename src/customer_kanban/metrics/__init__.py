"""Vectorized flow, service-level and customer metrics on plain arrays.

Pure functions: arrays (numpy, pandas columns, lists) in, arrays or frozen
result objects out; no domain objects. Instants are ``datetime64[ns]`` UTC
(anything :func:`customer_kanban._time.as_instant_array` accepts), ``NaT`` =
missing (an ``NaT`` end means *in progress*); durations are float64 days.
Functions that need a reference instant take an explicit ``as_of``.

Flow
    lead_time
        Duration from start to end per item (customer or system lead time).
    time_in_state
        Days per item and workflow state, from transitions.
    work_item_age
        Age of unfinished items at ``as_of``.
    wip
        Work in progress at given instants.
    cumulative_flow
        Cumulative arrivals per state and period (CFD) -> CumulativeFlowResult.
    throughput
        Deliveries per period and group -> ThroughputResult.

Service levels
    percentiles
        Percentiles per group, numpy's ``method=`` names -> PercentileResult.
    sle_attainment
        Share of finished items within the SLE -> AttainmentResult.
    at_risk
        WIP whose age already uses most of its SLE.
    on_time_rate
        Delivered by the due instant -> OnTimeResult.

Efficiency
    flow_efficiency
        Active time / total time per item.
    blocked_time
        Union of blocked intervals per item.
    blocker_clusters
        Blocks, items and days blocked per reason; impact and likelihood
        -> BlockerClusters.

Customer
    customer_waiting_time
        Time customers spent waiting, per customer -> WaitingTimeResult.
    customer_recognisable_share
        Share of customer-recognisable work -> ShareResult.

Forecasts (Monte Carlo, seeded through ``rng``)
    daily_throughput
        Deliveries per calendar day over a window, zero days included -> DailyThroughput.
    forecast_when
        Days (and dates) until N items are done -> WhenForecast.
    forecast_how_many
        Items done within N days, read from the low side -> HowManyForecast.

Survival (in-progress work right-censored, not dropped)
    kaplan_meier
        Kaplan–Meier survival of durations, Greenwood band -> SurvivalResult.
    kaplan_meier_from_instants
        The same from start/end instants, unfinished items censored at ``as_of``.
    km_percentiles
        Censoring-aware lead-time percentiles per group -> PercentileResult.
    km_attainment
        Censoring-aware share expected within SLE days -> SurvivalAttainmentResult.
    single_item_forecast
        When items in progress will be done, given their age -> ItemForecast.

Predictability
    fit_lead_times
        Weibull / lognormal maximum likelihood with censoring, goodness of fit -> LeadTimeFit.
    tail_ratio
        Q98 / Q50 of lead times, NaN below a minimum sample -> TailRatioResult.
    recommend_sle
        The days a history supports promising, bootstrap interval -> SLERecommendation.

Customer value
    segment_customers
        Premium / potential / dilemma / basic by value and potential -> CustomerSegments.
    trailing_value
        Margin or revenue per customer over a trailing window (current value).
    customer_value
        Revenue, margin and profitability per customer or segment -> ValueResult.
    rfm
        Recency, frequency, monetary value and their 1..bins scores -> RFMResult.
    rfm_segments
        Named RFM segments by ordered first-match rules -> CustomerSegments.
    purchase_summary
        Frequency, recency, age and mean repeat value per customer -> PurchaseSummary.
    fit_bgnbd, fit_gamma_gamma
        BG/NBD and Gamma-Gamma maximum likelihood -> BGNBDFit, GammaGammaFit.
    lifetime_value
        Discounted expected value per customer from the two fits.
    simple_lifetime_value
        Closed form ``m r / (1 + d - r)``.
    cohort_retention
        Cohort x periods-since-acquisition retention and churn -> CohortResult.
    get_keep_grow
        Acquired, retained, lost, won back, let go, cross-sold per period -> GetKeepGrowResult.

Voice of the customer
    nps, csat, ces
        Survey scores with their scale, direction, n and confidence interval.
    feedback_summary
        Confirmation / improvement / negative feedback per group -> FeedbackResult.
    compare_service
        "Are these customers served at least as well as the others?": effect sizes
        and a one-sided permutation p-value -> ServiceComparison.

Policies
    cost_of_delay_rate, delay_cost
        Cost of delay per urgency archetype, and its integral per item and group.
    cd3, wsjf
        Cost of delay divided by duration, SAFe WSJF: scores and a stable order.
    wip_breaches
        Intervals, count and duration of WIP above each state's limit -> BreachResult.
    allocation
        Share of WIP per class of service over time vs its allocation -> AllocationResult.

Grouping (``by=``)
    ``None`` (one group ``"all"``); an array of labels (``None``/NaN = no
    group, rows left out; groups are the sorted labels); an array of integer
    codes (groups = the sorted unique codes); a tuple ``(codes, labels)`` with
    ``-1`` = no group, where every label is a group, in order (even empty
    ones); or a pandas Categorical. Grouped results always have ``groups`` and
    the group axis first, also for ``by=None``.

Insufficient data
    Empty input, single items and all-NaN groups never crash: statistics are
    NaN and counts 0, and aggregate metrics issue
    :class:`~customer_kanban.errors.InsufficientDataWarning` saying what is
    NaN. Per-item functions (``lead_time``, ``work_item_age``, ...) return NaN
    for the items concerned without a warning.
"""

from __future__ import annotations

from customer_kanban.metrics._blockers import BlockerClusters, blocker_clusters
from customer_kanban.metrics._clv import (
    BGNBDFit,
    GammaGammaFit,
    PurchaseSummary,
    fit_bgnbd,
    fit_gamma_gamma,
    lifetime_value,
    purchase_summary,
    simple_lifetime_value,
)
from customer_kanban.metrics._compare import ServiceComparison, compare_service
from customer_kanban.metrics._customer import customer_recognisable_share, customer_waiting_time
from customer_kanban.metrics._delay import (
    URGENCIES,
    DelayCostResult,
    PriorityResult,
    cd3,
    cost_of_delay_rate,
    delay_cost,
    wsjf,
)
from customer_kanban.metrics._efficiency import blocked_time, flow_efficiency
from customer_kanban.metrics._fit import LeadTimeFit, fit_lead_times
from customer_kanban.metrics._flow import (
    cumulative_flow,
    lead_time,
    throughput,
    time_in_state,
    wip,
    work_item_age,
)
from customer_kanban.metrics._forecast import (
    DailyThroughput,
    HowManyForecast,
    WhenForecast,
    daily_throughput,
    forecast_how_many,
    forecast_when,
)
from customer_kanban.metrics._limits import (
    AllocationResult,
    BreachResult,
    ShareBreaches,
    allocation,
    wip_breaches,
)
from customer_kanban.metrics._predictability import (
    SLERecommendation,
    TailRatioResult,
    recommend_sle,
    tail_ratio,
)
from customer_kanban.metrics._results import (
    AttainmentResult,
    CumulativeFlowResult,
    OnTimeResult,
    PercentileResult,
    ShareResult,
    ThroughputResult,
    WaitingTimeResult,
)
from customer_kanban.metrics._retention import (
    CohortResult,
    GetKeepGrowResult,
    cohort_retention,
    get_keep_grow,
)
from customer_kanban.metrics._service import at_risk, on_time_rate, percentiles, sle_attainment
from customer_kanban.metrics._survival import (
    ItemForecast,
    SurvivalAttainmentResult,
    SurvivalResult,
    kaplan_meier,
    kaplan_meier_from_instants,
    km_attainment,
    km_percentiles,
    single_item_forecast,
)
from customer_kanban.metrics._value import (
    RFM_SEGMENT_RULES,
    VALUE_CELLS,
    CustomerSegments,
    RFMResult,
    ValueResult,
    customer_value,
    rfm,
    rfm_segments,
    segment_customers,
    trailing_value,
)
from customer_kanban.metrics._voice import (
    FEEDBACK_KINDS,
    CESResult,
    CSATResult,
    FeedbackResult,
    NPSResult,
    ScoreResult,
    ces,
    csat,
    feedback_summary,
    nps,
)

__all__ = [
    "FEEDBACK_KINDS",
    "RFM_SEGMENT_RULES",
    "URGENCIES",
    "VALUE_CELLS",
    "AllocationResult",
    "AttainmentResult",
    "BGNBDFit",
    "BlockerClusters",
    "BreachResult",
    "CESResult",
    "CSATResult",
    "CohortResult",
    "CumulativeFlowResult",
    "CustomerSegments",
    "DailyThroughput",
    "DelayCostResult",
    "FeedbackResult",
    "GammaGammaFit",
    "GetKeepGrowResult",
    "HowManyForecast",
    "ItemForecast",
    "LeadTimeFit",
    "NPSResult",
    "OnTimeResult",
    "PercentileResult",
    "PriorityResult",
    "PurchaseSummary",
    "RFMResult",
    "SLERecommendation",
    "ScoreResult",
    "ServiceComparison",
    "ShareBreaches",
    "ShareResult",
    "SurvivalAttainmentResult",
    "SurvivalResult",
    "TailRatioResult",
    "ThroughputResult",
    "ValueResult",
    "WaitingTimeResult",
    "WhenForecast",
    "allocation",
    "at_risk",
    "blocked_time",
    "blocker_clusters",
    "cd3",
    "ces",
    "cohort_retention",
    "compare_service",
    "cost_of_delay_rate",
    "csat",
    "cumulative_flow",
    "customer_recognisable_share",
    "customer_value",
    "customer_waiting_time",
    "daily_throughput",
    "delay_cost",
    "feedback_summary",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "fit_lead_times",
    "flow_efficiency",
    "forecast_how_many",
    "forecast_when",
    "get_keep_grow",
    "kaplan_meier",
    "kaplan_meier_from_instants",
    "km_attainment",
    "km_percentiles",
    "lead_time",
    "lifetime_value",
    "nps",
    "on_time_rate",
    "percentiles",
    "purchase_summary",
    "recommend_sle",
    "rfm",
    "rfm_segments",
    "segment_customers",
    "simple_lifetime_value",
    "single_item_forecast",
    "sle_attainment",
    "tail_ratio",
    "throughput",
    "time_in_state",
    "trailing_value",
    "wip",
    "wip_breaches",
    "work_item_age",
    "wsjf",
]

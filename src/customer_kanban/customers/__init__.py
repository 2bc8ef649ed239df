"""Customer economics and voice."""

from __future__ import annotations

from customer_kanban.customers._clv import (
    BGNBDFit,
    GammaGammaFit,
    PurchaseSummary,
    fit_bgnbd,
    fit_gamma_gamma,
    lifetime_value,
    purchase_summary,
    simple_lifetime_value,
)
from customer_kanban.customers._compare import (
    ServiceComparison,
    compare_service,
)
from customer_kanban.customers._retention import (
    CohortResult,
    GetKeepGrowResult,
    cohort_retention,
    get_keep_grow,
)
from customer_kanban.customers._value import (
    RFM_SEGMENT_RULES,
    VALUE_CELLS,
    CustomerSegments,
    RFMResult,
    TrailingValueResult,
    ValueResult,
    customer_value,
    rfm,
    rfm_segments,
    segment_customers,
    trailing_value,
)
from customer_kanban.customers._voice import (
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
    "VALUE_CELLS",
    "BGNBDFit",
    "CESResult",
    "CSATResult",
    "CohortResult",
    "CustomerSegments",
    "FeedbackResult",
    "GammaGammaFit",
    "GetKeepGrowResult",
    "NPSResult",
    "PurchaseSummary",
    "RFMResult",
    "ScoreResult",
    "ServiceComparison",
    "TrailingValueResult",
    "ValueResult",
    "ces",
    "cohort_retention",
    "compare_service",
    "csat",
    "customer_value",
    "feedback_summary",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "get_keep_grow",
    "lifetime_value",
    "nps",
    "purchase_summary",
    "rfm",
    "rfm_segments",
    "segment_customers",
    "simple_lifetime_value",
    "trailing_value",
]

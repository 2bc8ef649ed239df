"""Feedback-loop reviews: reports that combine metrics and the explicit policy.

:func:`service_delivery_review`
    The Service Delivery Review, per class of service and customer segment.
:func:`sle_per_item`
    Each item's SLE from the policy, for the metrics that take per-item SLE days.
:func:`operations_review`
    The Operations Review: several services (teams, departments) side by side with
    the Service Delivery Review's figures, and the hand-offs between them.
:func:`customer_journey`
    The journey of each request between departments: hand-offs, re-assignments,
    waiting per department and per hand-off, re-opens, ping-pong loops.
:func:`service_by_segment`
    Service per customer segment, internal vs external customers, and whether the
    focus segment is served at least as well as the others.
:func:`customer_portfolio`
    The customers of a purchase log by current value × future potential, RFM segment,
    and get-keep-grow flows per period.
:func:`forecast_review`
    When the open requests will be done, how many items in the coming days, per class
    of service, and how predictable each class's lead time is.
:func:`report`
    All of them in one self-contained HTML report with charts (:class:`Report`).

Every review is a result object (:class:`customer_kanban.Result`): ``render()`` gives
the text, ``to_dict()`` / ``to_json()`` strict JSON, ``to_frame()`` one row per line and
``_repr_html_`` HTML tables in a notebook.
"""

from customer_kanban.reviews._customer_service import (
    SegmentServiceReview,
    SegmentServiceRow,
    service_by_segment,
)
from customer_kanban.reviews._forecast import (
    ClassForecast,
    ClassPredictability,
    ForecastReview,
    OpenItemForecast,
    forecast_review,
)
from customer_kanban.reviews._journey import (
    CostlyStep,
    CustomerJourney,
    HandoffPair,
    customer_journey,
)
from customer_kanban.reviews._operations import (
    OperationsReview,
    ServiceHandoffs,
    operations_review,
    service_of_items,
)
from customer_kanban.reviews._portfolio import (
    CustomerPortfolio,
    FlowPeriod,
    PortfolioFlows,
    RFMSegmentSize,
    ValueCell,
    customer_portfolio,
)
from customer_kanban.reviews._report import Report, ReportSection, report
from customer_kanban.reviews._service_delivery import (
    BlockerCluster,
    ServiceDeliveryReview,
    ServiceLevelRow,
    service_delivery_review,
    sle_per_item,
)

__all__ = [
    "BlockerCluster",
    "ClassForecast",
    "ClassPredictability",
    "CostlyStep",
    "CustomerJourney",
    "CustomerPortfolio",
    "FlowPeriod",
    "ForecastReview",
    "HandoffPair",
    "OpenItemForecast",
    "OperationsReview",
    "PortfolioFlows",
    "RFMSegmentSize",
    "Report",
    "ReportSection",
    "SegmentServiceReview",
    "SegmentServiceRow",
    "ServiceDeliveryReview",
    "ServiceHandoffs",
    "ServiceLevelRow",
    "ValueCell",
    "customer_journey",
    "customer_portfolio",
    "forecast_review",
    "operations_review",
    "report",
    "service_by_segment",
    "service_delivery_review",
    "service_of_items",
    "sle_per_item",
]

"""Feedback-loop reviews: reports that combine metrics and the explicit policy.

:func:`service_delivery_review`
    The Service Delivery Review, per class of service and customer segment.
:func:`sle_per_item`
    Each item's SLE from the policy, for the metrics that take per-item SLE days.
"""

from customer_kanban.reviews._service_delivery import (
    ServiceDeliveryReview,
    ServiceLevelRow,
    service_delivery_review,
    sle_per_item,
)

__all__ = ["ServiceDeliveryReview", "ServiceLevelRow", "service_delivery_review", "sle_per_item"]

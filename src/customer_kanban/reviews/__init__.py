"""Feedback-loop reviews: reports that combine metrics and the explicit policy.

:func:`service_delivery_review`
    The Service Delivery Review, per class of service and customer segment.
"""

from customer_kanban.reviews._service_delivery import (
    ServiceDeliveryReview,
    ServiceLevelRow,
    service_delivery_review,
)

__all__ = ["ServiceDeliveryReview", "ServiceLevelRow", "service_delivery_review"]

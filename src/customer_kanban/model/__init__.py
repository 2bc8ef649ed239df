"""The domain model: frozen, validated values of a customer-centric Kanban system.

Every value serialises through the package's one converter: ``obj.to_dict()``,
``obj.to_json()``, ``Cls.from_dict(data)``, ``Cls.from_json(text)``, or the
module functions :func:`to_dict`, :func:`from_dict`, :func:`to_json`,
:func:`from_json`.  Unknown keys are rejected with the path of the offending key.
"""

from customer_kanban._core.serialize import from_dict, from_json, to_dict, to_json
from customer_kanban.model._acceptance import AcceptanceRule, RuleKind
from customer_kanban.model._customer import Customer, CustomerSegment, Feedback, FeedbackKind
from customer_kanban.model._items import BlockedInterval, Transition, WorkItem, WorkType
from customer_kanban.model._maturity import MaturityLevel
from customer_kanban.model._service import (
    ClassOfService,
    CostOfDelay,
    ServiceLevelExpectation,
    Urgency,
)
from customer_kanban.model._workflow import Policy, SegmentServiceLevel, Workflow

__all__ = [
    "AcceptanceRule",
    "BlockedInterval",
    "ClassOfService",
    "CostOfDelay",
    "Customer",
    "CustomerSegment",
    "Feedback",
    "FeedbackKind",
    "MaturityLevel",
    "Policy",
    "RuleKind",
    "SegmentServiceLevel",
    "ServiceLevelExpectation",
    "Transition",
    "Urgency",
    "WorkItem",
    "WorkType",
    "Workflow",
    "from_dict",
    "from_json",
    "to_dict",
    "to_json",
]

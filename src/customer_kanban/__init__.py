"""customer_kanban: customer-centric Kanban, measurable.

A typed domain model (frozen attrs values) and vectorized numpy/scipy metrics
seen from the customer's side.  The layers, bottom up:

``model``
    :class:`WorkItem`, :class:`ClassOfService`, :class:`Policy`, ... — validated values.
``table``
    :class:`WorkItemTable` — the columnar form, the one bridge objects <-> arrays.
``metrics``
    Pure vectorized functions on arrays (lead time, throughput, SLE attainment, ...).
``reviews``
    Feedback-loop reports that combine metrics and policy.
``summaries``
    :class:`~customer_kanban.summaries.FlowSummary` — the flow in bounded, mergeable
    counts (built in parallel by the ``dask`` extra, :mod:`customer_kanban.dask`).
``io``, ``datasets``, ``cli``
    The edges: event logs, embedded data, the ``customer-kanban`` command.

Every result object derives from :class:`Result` (``to_dict``/``to_json``,
``to_frame``, a short repr, an HTML table in notebooks).

``import customer_kanban`` loads only the model and the table; the other
subpackages load on first use (``customer_kanban.metrics``) and never import
pandas, matplotlib or dask.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from customer_kanban import errors
from customer_kanban._core.results import Result
from customer_kanban.errors import ValidationError
from customer_kanban.model import (
    BlockedInterval,
    ClassOfService,
    Customer,
    CustomerSegment,
    Feedback,
    FeedbackKind,
    MaturityLevel,
    Policy,
    SegmentServiceLevel,
    ServiceLevelExpectation,
    Transition,
    Urgency,
    Workflow,
    WorkItem,
    WorkType,
    from_dict,
    from_json,
    to_dict,
    to_json,
)
from customer_kanban.table import CustomerTable, TransactionTable, WorkItemTable

if TYPE_CHECKING:
    from customer_kanban import assess, datasets, io, metrics, policy, reviews, summaries
    from customer_kanban.assess import MaturityEvidence, assess_maturity

__version__ = "0.2.0"

__all__ = [
    "BlockedInterval",
    "ClassOfService",
    "Customer",
    "CustomerSegment",
    "CustomerTable",
    "Feedback",
    "FeedbackKind",
    "MaturityEvidence",
    "MaturityLevel",
    "Policy",
    "Result",
    "SegmentServiceLevel",
    "ServiceLevelExpectation",
    "TransactionTable",
    "Transition",
    "Urgency",
    "ValidationError",
    "WorkItem",
    "WorkItemTable",
    "WorkType",
    "Workflow",
    "__version__",
    "assess",
    "assess_maturity",
    "datasets",
    "errors",
    "from_dict",
    "from_json",
    "io",
    "metrics",
    "policy",
    "reviews",
    "summaries",
    "to_dict",
    "to_json",
]

_LAZY = frozenset({"assess", "datasets", "io", "metrics", "policy", "reviews", "summaries"})
#: Names re-exported lazily from a subpackage (importing them loads the metrics).
_LAZY_NAMES = {"assess_maturity": "assess", "MaturityEvidence": "assess"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return importlib.import_module(f"customer_kanban.{name}")
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(f"customer_kanban.{_LAZY_NAMES[name]}"), name)
    raise AttributeError(f"module 'customer_kanban' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(__all__) | _LAZY)

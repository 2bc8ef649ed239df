"""Explicit policies evaluated over work: acceptance criteria, replenishment.

A layer beside :mod:`customer_kanban.reviews`: it composes the model's policy values
(:class:`~customer_kanban.model._acceptance.AcceptanceRule`) with the columnar
:class:`~customer_kanban.table.WorkItemTable`.

:func:`evaluate_acceptance`
    Evaluate acceptance rules over every item of a table at once -> AcceptanceResult.
:func:`register_predicate`, :func:`unregister_predicate`, :func:`predicates`
    The registry of named, vectorized predicates that ``predicate`` rules refer to.
:func:`replenish`
    Which requests to pull across the commitment point now, and why -> ReplenishmentRecord.
"""

from customer_kanban.policy._acceptance import (
    AcceptanceFailures,
    AcceptanceResult,
    FailureCause,
    Predicate,
    evaluate_acceptance,
    predicates,
    register_predicate,
    unregister_predicate,
)
from customer_kanban.policy._replenish import (
    Attendee,
    ReplenishmentDecision,
    ReplenishmentRecord,
    current_states,
    replenish,
)

__all__ = [
    "AcceptanceFailures",
    "AcceptanceResult",
    "Attendee",
    "FailureCause",
    "Predicate",
    "ReplenishmentDecision",
    "ReplenishmentRecord",
    "current_states",
    "evaluate_acceptance",
    "predicates",
    "register_predicate",
    "replenish",
    "unregister_predicate",
]

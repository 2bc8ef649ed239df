"""Maturity levels of the Kanban Maturity Model, seen through customer awareness."""

from __future__ import annotations

import enum

__all__ = ["MaturityLevel"]

_TITLES = {
    0: "Oblivious",
    1: "Emerging",
    2: "Defined",
    3: "Managed",
    4: "Quantitatively Managed",
    5: "Optimizing",
    6: "Congruent",
}

_DESCRIPTIONS = {
    0: (
        "Individuals manage their own tasks; the customer is barely visible and the "
        "relationship rests on a 'preferred contact' rather than on a process."
    ),
    1: (
        "Small collaborative teams form; awareness centres on the team's own identity "
        "('who we are') and its workload, not yet on the customer."
    ),
    2: (
        "The customer is explicitly recognised: work items are customer requests the "
        "customer would recognise, and attention moves from tasks to the flow of "
        "customer-valued work; trust rests on individual managers."
    ),
    3: (
        "Customer Service: customer satisfaction unifies the teams; delivery is "
        "consistent and predictable against customer expectations (lead time from the "
        "customer's side, SLEs, classes of service by cost of delay)."
    ),
    4: (
        "Service is managed quantitatively from the customer's side: lead-time "
        "distributions, tail risk and forecasts steer the network of services; reviews "
        "look at the customer's risks."
    ),
    5: (
        "Customer Intimacy: deep knowledge of the customer's context, risks and reasons "
        "for choosing the provider tailors services and economic outcomes; customers "
        "take part in the feedback loops."
    ),
    6: (
        "The organisation's identity is congruent with its customers' purpose: it asks "
        "whether who it is still serves them, and adapts what it offers."
    ),
}


class MaturityLevel(enum.IntEnum):
    """Kanban Maturity Model level, ML0 Oblivious to ML6 Congruent.

    Each level carries a :attr:`title` (the KMM name) and a :attr:`description` of
    the customer awareness expected at that level, after the source essay on
    customer awareness in the Kanban Method.

    Examples
    --------
    >>> MaturityLevel.ML3.title
    'Managed'
    >>> MaturityLevel(2) < MaturityLevel.ML4
    True
    """

    ML0 = 0
    ML1 = 1
    ML2 = 2
    ML3 = 3
    ML4 = 4
    ML5 = 5
    ML6 = 6

    @property
    def title(self) -> str:
        """The level's name in the Kanban Maturity Model (e.g. ``"Defined"``)."""
        return _TITLES[int(self)]

    @property
    def description(self) -> str:
        """The customer awareness expected at this level."""
        return _DESCRIPTIONS[int(self)]

"""Maturity assessment: the Kanban Maturity Model level reached, checked against data.

:func:`assess_maturity`
    The level from declared practices (:class:`MaturityEvidence`), the practices
    missing for the next level, and what a work item table and a policy confirm
    or contradict (:class:`DataCheck`).
:data:`REQUIRED_PRACTICES`
    The practice -> level mapping (cumulative), with its sources in the docs.
"""

from customer_kanban.assess._maturity import (
    CHECK_THRESHOLDS,
    PRACTICES,
    REQUIRED_PRACTICES,
    DataCheck,
    MaturityAssessment,
    MaturityEvidence,
    assess_maturity,
)

__all__ = [
    "CHECK_THRESHOLDS",
    "PRACTICES",
    "REQUIRED_PRACTICES",
    "DataCheck",
    "MaturityAssessment",
    "MaturityEvidence",
    "assess_maturity",
]

"""Mergeable flow summaries: the flow of a service in bounded counts, per group.

:func:`flow_summary` turns a :class:`~customer_kanban.table.WorkItemTable` into a
:class:`FlowSummary` whose size depends on groups × days × states and the histogram
bins, never on the number of items; :func:`merge_summaries` (or
:meth:`FlowSummary.merge`) combines the summaries of disjoint sets of items into the
summary of their union, so a summary can be built piece by piece, in parallel
(:mod:`customer_kanban.dask`). See ``docs/summaries.md`` for the formulas and the
error bounds.
"""

from __future__ import annotations

from customer_kanban.summaries._summary import (
    BY_FIELDS,
    RESOLUTIONS,
    BinCounts,
    FlowSummary,
    flow_summary,
    merge_summaries,
)

__all__ = [
    "BY_FIELDS",
    "RESOLUTIONS",
    "BinCounts",
    "FlowSummary",
    "flow_summary",
    "merge_summaries",
]

"""Flow summaries of event logs too large for one machine, on Dask (the ``dask`` extra).

``pip install "customer-kanban[dask]"`` brings ``dask[dataframe]`` and ``distributed``.
:func:`summarize` builds one :class:`~customer_kanban.summaries.FlowSummary` per
partition of an event log with the package's own vectorized code, then merges them
in a tree. It runs on whatever scheduler is active — a ``dask.distributed.Client``
pointing at a ``LocalCluster`` or at a cluster of many machines, or Dask's local
threads without one — and starts no cluster by itself.

``import customer_kanban`` never imports this module, nor Dask.
"""

from __future__ import annotations

from customer_kanban.dask._summarize import summarize

__all__ = ["summarize"]

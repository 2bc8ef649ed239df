"""
Blocker clusters
================

Each reason work was blocked for is a bubble: its impact (days blocked per block) across,
its likelihood (the share of incidents it blocked) up, its area the number of incidents
blocked. The reasons in the top right both happen often and hurt when they do: the first
ones to remove. The incidents here are blocked while they wait for the user, a problem,
a vendor or evidence.
"""

from customer_kanban.datasets import DEMO_AS_OF, load_incidents
from customer_kanban.metrics import blocker_clusters

table, policy = load_incidents()
seen = table.as_of(DEMO_AS_OF)
blocks = seen.blocked  # one row per blocked interval: item, start, end, reason
clusters = blocker_clusters(
    blocks.item,
    blocks.start,
    blocks.end,
    blocks.reason,
    reason_labels=blocks.reason_labels,
    n_items=len(seen),
    as_of=DEMO_AS_OF,
)
print(dict(zip(clusters.reasons.tolist(), clusters.blocks[0].tolist(), strict=True)))

# %%
ax = clusters.plot()

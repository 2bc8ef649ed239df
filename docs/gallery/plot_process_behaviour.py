"""
Process behaviour (XmR) charts
==============================

An XmR chart puts values in time order between their natural process limits (the mean
± 2.66 average moving ranges). Values inside the limits are routine variation, not worth
a story each; a point beyond a limit, a run of eight on one side of the centre line or
three of four near a limit is a signal that something changed. First the throughput per
period, then the lead time of each resolved incident in resolution order.
"""

import numpy as np

from customer_kanban.datasets import DEMO_AS_OF, load_incidents
from customer_kanban.metrics import lead_time, process_behaviour, throughput

table, policy = load_incidents()
seen = table.as_of(DEMO_AS_OF)
resolved = seen["delivered_at"][~np.isnat(seen["delivered_at"])]

# weekly counts once the log spans eight weeks or more (enough for limits), daily ones before
weeks = (resolved.max() - resolved.min()) / np.timedelta64(7, "D")
counts = throughput(resolved, freq="W" if weeks >= 8 else "D")
ax = process_behaviour(counts).plot()

# %%
# Lead times are charted one value per item, in the order the items were delivered.
done = ~np.isnat(seen["delivered_at"])
order = np.argsort(seen["delivered_at"][done], kind="stable")
days = lead_time(seen["requested_at"][done], seen["delivered_at"][done])[order]
lead_xmr = process_behaviour(days)
print(int(lead_xmr.n[0]), "lead times, centre line", lead_xmr.centre.round(2)[0], "days")
ax = lead_xmr.plot(ylabel="lead time [days]")

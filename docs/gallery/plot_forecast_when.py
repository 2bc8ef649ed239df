"""
Monte Carlo "when" forecast
===========================

When will the incidents open at the review be resolved? Each of 10,000 trials replays
days drawn from the recent daily throughput until the open incidents are done; the
histogram counts the trials per finish date. A dashed line marks each percentile: "an
85 % chance of being done by this date" is read at the 85 % line.
"""

import numpy as np

from customer_kanban.datasets import DEMO_AS_OF, load_incidents
from customer_kanban.metrics import daily_throughput, forecast_when

table, policy = load_incidents()
seen = table.as_of(DEMO_AS_OF)  # what was known at the review
today = np.datetime64(DEMO_AS_OF, "D")

# the last four weeks of history before the review (or all of it, if shorter)
first = seen["requested_at"].min().astype("datetime64[D]")
history = daily_throughput(
    seen["delivered_at"],
    since=max(first, today - np.timedelta64(28, "D")),
    until=today - np.timedelta64(1, "D"),
)
still_open = int(np.isnat(seen["delivered_at"]).sum())
when = forecast_when(history, still_open, as_of=today, rng=1)
print(still_open, "open incidents; 85 % chance of being done by", when.dates[0, 2])

# %%
# ``items`` can be one count per group (``by=`` in ``daily_throughput``), for example
# the open requests of each class of service.
ax = when.plot()

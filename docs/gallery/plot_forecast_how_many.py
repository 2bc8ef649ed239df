"""
Monte Carlo "how many" forecast
===============================

How many incidents will be resolved in the next two weeks? Each of 10,000 trials sums
14 days drawn from the recent daily throughput; the histogram counts the trials per
total. The percentiles are read from the low side: "an 85 % chance of resolving this
many or more" is the 85 % line, the figure to commit to.
"""

import numpy as np

from customer_kanban.datasets import DEMO_AS_OF, load_incidents
from customer_kanban.metrics import daily_throughput, forecast_how_many

table, policy = load_incidents()
seen = table.as_of(DEMO_AS_OF)
today = np.datetime64(DEMO_AS_OF, "D")

first = seen["requested_at"].min().astype("datetime64[D]")
history = daily_throughput(
    seen["delivered_at"],
    since=max(first, today - np.timedelta64(28, "D")),
    until=today - np.timedelta64(1, "D"),
)
how_many = forecast_how_many(history, 14, rng=1)
print(dict(zip(how_many.q.tolist(), how_many.values[0].tolist(), strict=True)))

# %%
ax = how_many.plot()

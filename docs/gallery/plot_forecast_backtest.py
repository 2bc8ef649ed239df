"""
Forecast backtest
=================

Would the "how many" forecast have come true? At each past date it is made again from the
throughput before that date only, and compared with what was then resolved. Each level is
a step line, the band spans the levels, the dots are what was delivered: a dot below a
line is a date where that level promised too much. A level is trustworthy when its
coverage (in the legend: the share of dates on which the forecast was met) is near the
level itself, about 85 % for the 85 % forecast.
"""

import numpy as np

from customer_kanban.datasets import DEMO_AS_OF, load_incidents
from customer_kanban.metrics import backtest_forecast, daily_throughput

table, policy = load_incidents()
seen = table.as_of(DEMO_AS_OF)
today = np.datetime64(DEMO_AS_OF, "D")
history = daily_throughput(
    seen["delivered_at"],
    since=seen["requested_at"].min().astype("datetime64[D]"),
    until=today - np.timedelta64(1, "D"),
)

# forecasts for the next two weeks from the four weeks before, as far as the history allows
span = history.periods.size
backtest = backtest_forecast(
    history,
    horizon=min(14, max(span // 4, 1)),
    window_days=min(28, max(span // 2, 1)),
    every="D",
    trials=2000,
    rng=1,
)
print(dict(zip(backtest.q.tolist(), backtest.coverage[0].round(2).tolist(), strict=True)))

# %%
ax = backtest.plot()

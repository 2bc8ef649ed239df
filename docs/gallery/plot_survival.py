"""
Lead-time survival with fitted distributions
============================================

The Kaplan–Meier curve: the share of incidents still open after a given number of days
since they were opened, counting the ones still open at the review as censored (``+``)
instead of leaving them out. The band is its 95 % confidence interval. A Weibull and a
lognormal distribution fitted by maximum likelihood, with the same censoring, are drawn
over it: where a dashed line leaves the band, that distribution describes the tail badly.
"""

import numpy as np

from customer_kanban.datasets import DEMO_AS_OF, load_incidents
from customer_kanban.metrics import fit_lead_times, kaplan_meier, lead_time

table, policy = load_incidents()
seen = table.as_of(DEMO_AS_OF)
done = ~np.isnat(seen["delivered_at"])
# days from request to resolution, or to the review for the open incidents
end = np.where(done, seen["delivered_at"], np.datetime64(DEMO_AS_OF))
days = lead_time(seen["requested_at"], end)

survival = kaplan_meier(days, done)
weibull = fit_lead_times(days, done, distribution="weibull")
lognormal = fit_lead_times(days, done, distribution="lognormal")
print(f"Weibull shape k = {weibull.shape[0]:.2f} (below 1: a fat tail)")

# %%
ax = survival.plot(fit=[weibull, lognormal])

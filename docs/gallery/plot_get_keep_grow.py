"""
Get, keep, grow
===============

The customers buying in each quarter by where they come from: acquired (their first
purchase), retained (they bought in one of the two quarters before) and won back (after
two silent quarters); below zero, the customers lost in the quarter (their second silent
one). CDNOW follows the customers of one acquisition quarter, so the later bars show only
how that cohort is kept and won back.
"""

from customer_kanban import customers
from customer_kanban.datasets import CDNOW_AS_OF, load_cdnow

purchases = load_cdnow()
flows = customers.get_keep_grow(
    purchases.codes("customer"),
    purchases["at"],
    purchases["revenue"],
    freq="Q",
    lost_after=2,
    as_of=CDNOW_AS_OF,
)

# %%
# With ``by=`` (a segment per customer) the result has one group per segment and
# ``plot(group=...)`` draws one of them.
ax = flows.plot()

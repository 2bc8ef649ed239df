"""
RFM heat map
============

Every CDNOW customer scored by recency (5 = bought most recently) and frequency (5 =
bought most often), by rank into quintiles; each cell holds the customers with that pair
of scores. The top-right corner holds the best customers, the left column the ones who
have not bought for longest.
"""

from customer_kanban import customers
from customer_kanban.datasets import CDNOW_AS_OF, load_cdnow

purchases = load_cdnow()
scores = customers.rfm(
    purchases["at"], purchases["revenue"], by=purchases.codes("customer"), as_of=CDNOW_AS_OF
)

# %%
# ``plot(value="monetary")`` colours the cells by their customers' total monetary value.
ax = scores.plot()

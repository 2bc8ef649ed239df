"""
Customer segments: value × potential
====================================

The CDNOW customers in the cells of current value (revenue of the last 12 months) ×
future potential (12-month lifetime value from BG/NBD and Gamma-Gamma fits), each split
at its median: premium (high, high), potential (low now, high later), dilemma (high now,
low later) and basic. Each cell gives its customers, their share, and their current and
potential value.
"""

from customer_kanban.datasets import CDNOW_AS_OF, load_cdnow
from customer_kanban.reviews import customer_portfolio

purchases = load_cdnow()
portfolio = customer_portfolio(purchases, as_of=CDNOW_AS_OF)
print([(cell.segment, cell.customers) for cell in portfolio.cells])

# %%
# ``customers.segment_customers`` makes the same split from any two per-customer figures;
# its result's ``plot(current_value=..., future_potential=...)`` draws each customer as a dot.
ax = portfolio.plot()

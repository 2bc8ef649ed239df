"""
Customer journey: hand-offs between departments
================================================

Every incident followed from department to department (the assignment group of each
transition). A cell counts the hand-offs from the row's department to the column's; its
colour is the days customers waited after those hand-offs. The busiest departments get a
row and a column each, the others are pooled as "(other)". The busy, bright cells are
where the journey costs customers most.
"""

from customer_kanban.datasets import DEMO_AS_OF, load_incidents
from customer_kanban.reviews import customer_journey

table, policy = load_incidents()
journey = customer_journey(table, workflow=policy, as_of=DEMO_AS_OF)
print(int((journey.handoffs > 0).sum()), "of", len(journey.ids), "incidents changed hands")

# %%
# ``plot(top=...)`` sets how many departments get their own row and column;
# ``plot(waiting="mean")`` colours by the days waited per hand-off.
ax = journey.plot()

"""Testing helpers for users of customer_kanban: hypothesis strategies.

Import :mod:`customer_kanban.testing.strategies` (requires ``hypothesis``).
"""

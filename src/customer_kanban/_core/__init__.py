"""Shared internals of customer_kanban: every layer may import them; users should not.

``types`` (array aliases), ``instants`` (instant parsing, day constants), ``validation``
(boundary checks), ``groups`` (``by=`` factorisation), ``periods`` (calendar periods),
``serialize`` (the one JSON converter), ``results`` (the result base).
"""

"""Argument checks shared by the reviews: domain objects, and the bounds of their sizes."""

from __future__ import annotations

__all__ = ["MAX_TOP", "MAX_TREND_WEEKS", "expect"]

#: Largest `top` of :func:`operations_review` and :func:`customer_journey`: more lines than
#: any review shows (a larger value keeps every service or step, as this one does).
MAX_TOP = 1_000_000
#: Largest `trend_weeks` of the service delivery and operations reviews: ten years of
#: weekly counts (the trend's first week must stay within the instants' range).
MAX_TREND_WEEKS = 520


def expect(value: object, kind: type | tuple[type, ...], name: str) -> None:
    """A TypeError naming the parameter unless `value` is a `kind` (a table, a Policy ...)."""
    if not isinstance(value, kind):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        wanted = " or a ".join(k.__name__ for k in kinds)
        raise TypeError(f"`{name}` must be a {wanted}, got {type(value).__name__}")

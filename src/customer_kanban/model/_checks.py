"""Small attrs validators whose messages name the field and the rule."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from customer_kanban._core.instants import as_utc_datetime
from customer_kanban.errors import ValidationError

__all__ = [
    "as_float",
    "non_empty_str",
    "opt_utc",
    "optional_non_empty_str",
    "positive",
    "probability",
    "raise_if",
    "to_utc",
    "unique",
]


def raise_if(condition: bool, message: str) -> None:
    """Raise :class:`ValidationError` with `message` when `condition` holds."""
    if condition:
        raise ValidationError(message)


def to_utc(value: _dt.datetime) -> _dt.datetime:
    """attrs converter: aware UTC datetime; naive values are taken as UTC."""
    if not isinstance(value, _dt.datetime):
        raise TypeError(f"expected a datetime, got {type(value).__name__}")
    return as_utc_datetime(value)


def opt_utc(value: _dt.datetime | None) -> _dt.datetime | None:
    """attrs converter: like :func:`to_utc`, keeping ``None``."""
    return None if value is None else to_utc(value)


def as_float(value: float) -> float:
    """attrs converter: a real number as float; bools and strings are type errors."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, got {value!r}")
    return float(value)


def non_empty_str(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Validator: a non-empty string."""
    if not isinstance(value, str):
        raise TypeError(f"`{attribute.name}` must be a string, got {type(value).__name__}")
    raise_if(not value.strip(), f"`{attribute.name}` must be a non-empty string")


def optional_non_empty_str(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Validator: ``None`` or a non-empty string."""
    if value is not None:
        non_empty_str(instance, attribute, value)


def positive(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Validator: a finite number > 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"`{attribute.name}` must be a number, got {type(value).__name__}")
    raise_if(
        not (value > 0 and value < float("inf")), f"`{attribute.name}` must be > 0 (got {value})"
    )


def probability(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Validator: a number in (0, 1]."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"`{attribute.name}` must be a number, got {type(value).__name__}")
    raise_if(not (0 < value <= 1), f"`{attribute.name}` must lie in (0, 1] (got {value})")


def unique(
    field: str, key: Callable[[Any], Any] = lambda x: x
) -> Callable[[Any, attrs.Attribute[Any], Iterable[Any]], None]:
    """Validator factory: the elements' keys are unique."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Iterable[Any]) -> None:
        seen: set[Any] = set()
        dupes = []
        for element in value:
            k = key(element)
            if k in seen:
                dupes.append(k)
            seen.add(k)
        raise_if(bool(dupes), f"`{field}` must be unique; repeated: {sorted(set(map(str, dupes)))}")

    return check

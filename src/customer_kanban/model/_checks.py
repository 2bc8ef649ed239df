"""Small attrs validators and converters whose messages name the field and the rule.

Converters normalise (naive datetimes to UTC, numpy scalars to Python ones, sequences to
tuples) and never raise; validators, which know the field, refuse what is left with a
message naming it (``"`requested_at` must be a datetime, got str"``).
"""

from __future__ import annotations

import datetime as _dt
import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs
import numpy as np

from customer_kanban._core.instants import RANGE, as_utc_datetime
from customer_kanban._core.iso import NS_MAX, NS_MIN
from customer_kanban.errors import ValidationError

__all__ = [
    "as_bool",
    "as_dict",
    "as_float",
    "as_tuple",
    "flag",
    "instance_of",
    "instant",
    "mapping",
    "non_empty_str",
    "number",
    "number_or_none",
    "opt_utc",
    "optional_instance_of",
    "optional_instant",
    "optional_non_empty_str",
    "optional_number",
    "optional_strings",
    "plain_number",
    "positive",
    "probability",
    "raise_if",
    "strings",
    "to_utc",
    "tuple_of",
    "unique",
]

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
_US = _dt.timedelta(microseconds=1)
#: The microseconds since the epoch a ``datetime64[ns]`` can hold (the tables' instants).
_US_MIN, _US_MAX = NS_MIN // 1000 + 1, NS_MAX // 1000


def raise_if(condition: bool, message: str) -> None:
    """Raise :class:`ValidationError` with `message` when `condition` holds."""
    if condition:
        raise ValidationError(message)


def _is_missing(value: object) -> bool:
    """None, NaT (pandas' or numpy's) or a float NaN: no instant."""
    if value is None or type(value).__name__ == "NaTType":
        return True
    if isinstance(value, np.datetime64):
        return bool(np.isnat(value))
    return isinstance(value, float) and math.isnan(value)


# Converters normalise what they can and pass anything else on unchanged: the field's
# validator, which knows the field's name, then refuses it with a message naming it.


def to_utc(value: _dt.datetime) -> _dt.datetime:
    """attrs converter: an aware UTC datetime (naive values are taken as UTC)."""
    given: object = value
    if isinstance(given, _dt.datetime) and not _is_missing(given):
        try:
            return as_utc_datetime(given)
        except OverflowError:  # beyond datetime's own range once in UTC: the validator says
            return value
    return value


def opt_utc(value: _dt.datetime | None) -> _dt.datetime | None:
    """attrs converter: like :func:`to_utc`; None, NaT and NaN mean "missing" (None)."""
    return None if _is_missing(value) else to_utc(value)  # type: ignore[arg-type]


def _check_instant(attribute: attrs.Attribute[Any], value: object) -> None:
    name = attribute.name
    if _is_missing(value):
        raise ValidationError(f"`{name}` must be an instant, got {value!r}")
    if not isinstance(value, _dt.datetime):
        raise TypeError(f"`{name}` must be a datetime, got {type(value).__name__} {value!r:.40}")
    try:
        us = (as_utc_datetime(value) - _EPOCH) // _US
    except OverflowError:
        us = _US_MAX + 1
    if not _US_MIN <= us <= _US_MAX:
        raise ValidationError(
            f"`{name}` is outside the representable range ({RANGE}); got {value.isoformat()}"
        )


def instant(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Validator: a datetime in the range of ``datetime64[ns]`` (the tables' instants)."""
    _check_instant(attribute, value)


def optional_instant(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Validator: None or :func:`instant`."""
    if value is not None:
        _check_instant(attribute, value)


def _is_real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def as_float(value: float) -> float:
    """attrs converter: a real number (any numpy width) as float (see :func:`number`)."""
    return float(value) if _is_real(value) else value


def number_or_none(value: float | None) -> float | None:
    """attrs converter: like :func:`as_float`, keeping None."""
    given: object = value
    return float(given) if _is_real(given) else value  # type: ignore[arg-type]


def number(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Validator: a number; bools and strings are type errors."""
    if not isinstance(value, float):
        raise TypeError(f"`{attribute.name}`: expected a number, got {value!r}")


def optional_number(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Validator: None or a number."""
    if value is not None and not isinstance(value, float):
        raise TypeError(f"`{attribute.name}`: expected a number or None, got {value!r}")


def plain_number(value: float | None) -> float | None:
    """attrs converter: numpy numbers as Python numbers (``np.int64(7)`` -> ``7``)."""
    given: object = value
    if isinstance(given, (np.integer, np.floating)):
        out: float = given.item()
        return out
    return value


def as_bool(value: bool) -> bool:
    """attrs converter: numpy's booleans as bool (see :func:`flag`)."""
    given: object = value
    return bool(given) if isinstance(given, np.bool_) else value


def flag(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Validator: True or False."""
    if not isinstance(value, bool):
        raise TypeError(f"`{attribute.name}` must be True or False, got {value!r}")


def _text(value: object, where: str) -> str:
    """A string without NUL characters (numpy's fixed-width text drops trailing ones)."""
    if not isinstance(value, str):
        raise TypeError(f"{where} must be a string, got {type(value).__name__}")
    raise_if("\x00" in value, f"{where} must not hold a NUL character (\\x00); got {value!r}")
    return value


def non_empty_str(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Validator: a non-empty string without NUL characters."""
    _text(value, f"`{attribute.name}`")
    raise_if(not value.strip(), f"`{attribute.name}` must be a non-empty string")


def optional_non_empty_str(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Validator: ``None`` or a non-empty string."""
    if value is not None:
        non_empty_str(instance, attribute, value)


def instance_of(kind: type) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    """Validator factory: a `kind` value, or a TypeError naming the field."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, kind):
            raise TypeError(
                f"`{attribute.name}` must be a {kind.__name__}, got {type(value).__name__}"
            )

    return check


def optional_instance_of(kind: type) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    """Validator factory: None or a `kind` value."""
    check = instance_of(kind)

    def optional(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None:
            check(instance, attribute, value)

    return optional


def as_tuple(values: Iterable[Any]) -> tuple[Any, ...]:
    """attrs converter: a sequence as a tuple (a string or a mapping is left to the validator)."""
    given: object = values
    if isinstance(given, (str, bytes, Mapping)) or not isinstance(given, Iterable):
        return values  # type: ignore[return-value]
    return tuple(given)


def _check_tuple(attribute: attrs.Attribute[Any], value: object) -> tuple[Any, ...]:
    if not isinstance(value, tuple):
        raise TypeError(f"`{attribute.name}` must be a sequence, got {type(value).__name__}")
    return value


def tuple_of(kind: type) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    """Validator factory: a tuple (see :func:`as_tuple`) of `kind` values."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        for k, element in enumerate(_check_tuple(attribute, value)):
            if not isinstance(element, kind):
                raise TypeError(
                    f"`{attribute.name}` must hold {kind.__name__} values; "
                    f"element {k} has type {type(element).__name__}"
                )

    return check


def strings(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Validator: a tuple of strings without NUL characters (not one string)."""
    if isinstance(value, str):
        raise TypeError(
            f"`{attribute.name}` must be a sequence of strings, got the string {value!r}"
        )
    for k, element in enumerate(_check_tuple(attribute, value)):
        _text(element, f"`{attribute.name}` element {k}")


def optional_strings(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Validator: None or :func:`strings`."""
    if value is not None:
        strings(instance, attribute, value)


def as_dict(value: Mapping[Any, Any] | None) -> dict[Any, Any]:
    """attrs converter: a mapping as a dict, None as an empty one (see :func:`mapping`)."""
    given: object = value
    if given is None:
        return {}
    return dict(given) if isinstance(given, Mapping) else value  # type: ignore[return-value]


def mapping(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Validator: a dict (made by :func:`as_dict`); its entries are checked by the class."""
    if not isinstance(value, dict):
        raise TypeError(f"`{attribute.name}` must be a mapping, got {type(value).__name__}")


def positive(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Validator: a finite number > 0."""
    if not _is_real(value):
        raise TypeError(f"`{attribute.name}` must be a number, got {type(value).__name__}")
    raise_if(
        not (value > 0 and value < float("inf")), f"`{attribute.name}` must be > 0 (got {value})"
    )


def probability(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Validator: a number in (0, 1]."""
    if not _is_real(value):
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

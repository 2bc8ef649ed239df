"""The one serialisation boundary of customer_kanban.

A single private :mod:`cattrs` converter, made with
``cattrs.preconf.json.make_converter(forbid_extra_keys=True)``, turns model
values and result objects into plain ``dict``/``list`` trees and back:

* datetimes as ISO 8601 strings in UTC (``"2024-01-02T03:04:05+00:00"``);
* numpy arrays as lists; ``NaN`` and ``NaT`` as ``null``; ``datetime64`` as ISO 8601;
* non-finite numbers (``NaN``, and the infinity of a quantile never reached) as
  ``null``, so that the output is strict JSON (RFC 8259: no ``NaN``/``Infinity``);
* enums by value; frozensets as sorted lists;
* unknown keys are rejected, and every failure is reported as a
  :class:`~customer_kanban.errors.ValidationError` naming the path of the
  offending value (``"... @ $.transitions[2].at"``).

Nothing here touches ``cattrs.global_converter``.
"""

from __future__ import annotations

import datetime as _dt
import enum
import functools
import json
import math
import typing
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import numpy as np

from customer_kanban._core.instants import as_utc_datetime
from customer_kanban.errors import ValidationError

if TYPE_CHECKING:
    import cattrs

__all__ = ["from_dict", "from_json", "to_dict", "to_json"]

T = TypeVar("T")


def _unstructure_datetime(value: _dt.datetime) -> str:
    return as_utc_datetime(value).isoformat()


def _structure_datetime(value: Any, _: type) -> _dt.datetime:
    if isinstance(value, _dt.datetime):
        return as_utc_datetime(value)
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO 8601 string, got {type(value).__name__}")
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    return as_utc_datetime(_dt.datetime.fromisoformat(text))


def _float_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _unstructure_array(value: np.ndarray[Any, Any]) -> Any:
    if np.issubdtype(value.dtype, np.datetime64):
        ns = value.astype("datetime64[ns]")
        text = np.datetime_as_string(ns, unit="s", timezone="UTC").astype(object)
        text[np.isnat(ns)] = None
        return text.tolist()
    if np.issubdtype(value.dtype, np.floating):
        out = value.astype(object)
        out[~np.isfinite(value)] = None
        return out.tolist()
    return value.tolist()


def _is_ndarray_alias(type_: Any) -> bool:
    origin: Any = typing.get_origin(type_)
    return origin is np.ndarray


def _unstructure_numpy_scalar(value: np.generic) -> Any:
    if isinstance(value, np.datetime64):
        return _unstructure_array(np.asarray([value]))[0]
    item = value.item()
    if isinstance(item, float):
        return _float_or_none(item)
    return item


def _strict_int(value: Any, type_: type) -> Any:
    if issubclass(type_, enum.Enum):
        return type_(value)  # an int-based enum member (MaturityLevel)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {value!r}")
    return value


def _strict_float(value: Any, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, got {value!r}")
    return float(value)


def _strict_bool(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {value!r}")
    return value


def _strict_str(value: Any, type_: type) -> Any:
    if issubclass(type_, enum.Enum):
        return type_(value)  # a str-based enum member (Urgency)
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    return value


@functools.cache
def _converter() -> cattrs.Converter:
    """The package's one converter, built on first use (keeps ``import`` light)."""
    from cattrs.preconf.json import make_converter

    conv = make_converter(forbid_extra_keys=True)
    conv.register_unstructure_hook(_dt.datetime, _unstructure_datetime)
    conv.register_structure_hook(_dt.datetime, _structure_datetime)
    conv.register_unstructure_hook(np.ndarray, _unstructure_array)
    # Fields annotated ``numpy.typing.NDArray[...]`` (a generic alias of ndarray).
    conv.register_unstructure_hook_func(_is_ndarray_alias, _unstructure_array)
    conv.register_unstructure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, np.generic), _unstructure_numpy_scalar
    )
    conv.register_unstructure_hook(float, _float_or_none)
    # No silent coercion (2.5 -> 2, "3" -> 3, True -> 1.0); enums deriving from int or str
    # (MaturityLevel, Urgency) reach these hooks too and are built from their values.
    conv.register_structure_hook(int, _strict_int)
    conv.register_structure_hook(float, _strict_float)
    conv.register_structure_hook(bool, _strict_bool)
    conv.register_structure_hook(str, _strict_str)
    # A sequence of names given as one string would be split into characters.
    base_tuple = conv.get_structure_hook(tuple[str, ...])

    def names(value: Any, type_: Any) -> Any:
        if isinstance(value, str):
            raise TypeError(f"expected a list of strings, got the string {value!r}")
        return base_tuple(value, type_)

    conv.register_structure_hook_func(lambda t: t == tuple[str, ...], names)
    conv.register_unstructure_hook(
        frozenset, lambda v: sorted((conv.unstructure(x) for x in v), key=repr)
    )
    return conv


_EXTRA = "\x1eunknown key:"


def _expand_extra_keys(message: str) -> list[str]:
    """Turn the marker for forbidden keys into one message per key, with its full path."""
    if not message.startswith(_EXTRA):
        return [message]
    keys, _, path = message[len(_EXTRA) :].rpartition(" @ ")
    return [f"unknown key {key!r} @ {path}.{key}" for key in keys.split("\x1f")]


def _format_exception(exc: BaseException, type_: type | None) -> str:
    import cattrs

    if isinstance(exc, ValidationError):
        return str(exc)
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, TypeError) and str(exc).startswith("expected"):
        return str(exc)
    if isinstance(type_, type) and issubclass(type_, enum.Enum):
        return f"expected one of {[m.value for m in type_]}"
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        return _EXTRA + "\x1f".join(sorted(exc.extra_fields))
    return cattrs.v.format_exception(exc, type_)


def to_dict(obj: Any) -> Any:
    """Unstructure a model value or result object into plain Python data.

    Examples
    --------
    >>> import datetime as dt
    >>> to_dict({"at": dt.datetime(2024, 1, 2, 3, 4, 5)})
    {'at': '2024-01-02T03:04:05+00:00'}
    """
    return _converter().unstructure(obj)


def from_dict(cls: type[T], data: Any) -> T:
    """Structure plain data into an instance of `cls`, validating everything.

    Raises
    ------
    customer_kanban.errors.ValidationError
        With one line per problem, each naming the path of the offending key.
    """
    import cattrs

    if not isinstance(cls, type):
        raise TypeError(f"`cls` must be a class, got {cls!r}: call from_dict(cls, data)")
    if attrs.has(cls) and not isinstance(data, Mapping):
        raise ValidationError(
            f"cannot build {cls.__name__}: expected an object, got {type(data).__name__} @ $"
        )
    try:
        return _converter().structure(data, cls)
    except cattrs.BaseValidationError as exc:
        raw = cattrs.transform_error(exc, path="$", format_exception=_format_exception)
        messages = [m for r in raw for m in _expand_extra_keys(r)]
        raise ValidationError(f"cannot build {cls.__name__}: " + "; ".join(messages)) from exc
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise ValidationError(f"cannot build {cls.__name__}: {exc} @ $") from exc


def to_json(obj: Any, *, indent: int | None = None) -> str:
    """Serialise `obj` to a JSON string (see :func:`to_dict`)."""
    return json.dumps(to_dict(obj), indent=indent, allow_nan=False)


def from_json(cls: type[T], text: str | bytes) -> T:
    """Parse a JSON string into an instance of `cls` (see :func:`from_dict`).

    Raises
    ------
    customer_kanban.errors.ValidationError
        If the text is not JSON or does not describe a valid `cls`.
    """
    if not isinstance(cls, type):
        raise TypeError(f"`cls` must be a class, got {cls!r}: call from_json(cls, text)")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"cannot build {cls.__name__}: not valid JSON ({exc})") from exc
    return from_dict(cls, data)


class Exportable:
    """Mixin giving attrs result classes ``to_dict`` and ``to_json`` (one way: results hold
    arrays computed from data, and are not rebuilt from JSON)."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """Return this value as plain Python data (JSON-compatible)."""
        result: dict[str, Any] = to_dict(self)
        return result

    def to_json(self, *, indent: int | None = None) -> str:
        """Return this value as a JSON string."""
        return to_json(self, indent=indent)


class Serializable(Exportable):
    """Mixin giving attrs classes ``to_dict``/``to_json`` and ``from_dict``/``from_json``."""

    __slots__ = ()

    @classmethod
    def from_dict(cls: type[T], data: Any) -> T:
        """Build a validated value from plain Python data."""
        return from_dict(cls, data)

    @classmethod
    def from_json(cls: type[T], text: str | bytes) -> T:
        """Build a validated value from a JSON string."""
        return from_json(cls, text)

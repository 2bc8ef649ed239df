"""Checks shared by the tables: domain objects, label text, whole-number ids."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from customer_kanban.errors import ValidationError, describe_rows

__all__ = ["expect", "refuse_nul", "state_names", "values_of", "whole_number_ids"]


def expect(value: object, kind: type, name: str) -> None:
    """A TypeError naming the parameter unless `value` is a `kind` (a Policy, a table ...)."""
    if not isinstance(value, kind):
        raise TypeError(f"`{name}` must be a {kind.__name__}, got {type(value).__name__}")


def values_of(values: object, kind: type, name: str) -> list[Any]:
    """The `kind` values of an iterable, as a list; a TypeError naming `name` otherwise."""
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise TypeError(
            f"`{name}` must be an iterable of {kind.__name__} values, got {type(values).__name__}"
        )
    out = list(values)
    for k, value in enumerate(out):
        if not isinstance(value, kind):
            raise TypeError(
                f"`{name}` must hold {kind.__name__} values; element {k} has type "
                f"{type(value).__name__}"
            )
    return out


def state_names(states: object) -> tuple[str, ...]:
    """Workflow states: a sequence of strings (not one string), without NUL characters."""
    if isinstance(states, (str, bytes, Mapping)) or not isinstance(states, Iterable):
        raise TypeError(f"`states` must be a sequence of state names, got {type(states).__name__}")
    out = tuple(states)
    for k, state in enumerate(out):
        if not isinstance(state, str):
            raise TypeError(
                f"`states` must hold strings; element {k} has type {type(state).__name__}"
            )
        if "\x00" in state:
            raise ValidationError(f"`states` must not hold a NUL character (\\x00); got {state!r}")
    return out


def _nul_mask(arr: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    """Rows of a text array holding a NUL character (all False for other dtypes)."""
    if arr.dtype.kind == "U" and arr.size and arr.itemsize:
        # Fixed-width text pads with NULs: a NUL followed by another character is one.
        code = np.ascontiguousarray(arr.reshape(-1)).view(np.uint32).reshape(arr.size, -1)
        zero = code == 0
        inner: npt.NDArray[np.bool_] = (zero[:, :-1] & ~zero[:, 1:]).any(axis=1)
        return inner
    if arr.dtype.kind == "O" and arr.size:
        values = arr.reshape(-1).tolist()
        try:
            found = "\x00" in "".join(values)  # one pass in C when every value is text
        except TypeError:
            found = True  # not all text: look value by value
        if found:
            return np.fromiter(
                (isinstance(v, str) and "\x00" in v for v in values), dtype=bool, count=arr.size
            )
    return np.zeros(arr.size, dtype=bool)


def refuse_nul(arr: npt.NDArray[Any], name: str) -> None:
    """Ids and labels may not hold a NUL character.

    numpy's fixed-width strings drop trailing NULs, so ``'D\\x00'`` and ``'D'`` would
    silently become one item or one group.
    """
    bad = _nul_mask(arr)
    if bad.any():
        rows = np.flatnonzero(bad)
        shown = [repr(str(arr.reshape(-1)[r])) for r in rows[:3].tolist()]
        raise ValidationError(
            f"`{name}` must not hold a NUL character (\\x00): numpy's fixed-width text drops "
            "trailing ones, which would merge 'D\\x00' with 'D'; it does in "
            f"{describe_rows(rows.tolist())}: {', '.join(shown)}",
            rows=rows.tolist(),
        )


def whole_number_ids(values: npt.NDArray[Any], name: str) -> npt.NDArray[np.int64]:
    """`values` as int64 ids: integers, or numbers and texts holding whole numbers.

    A float id such as ``1.7`` is refused (an integer cast would silently make it 1).
    """
    if values.dtype.kind in "iu":
        return values.astype(np.int64)
    if values.dtype.kind == "b":
        raise TypeError(f"`{name}` must hold item ids, not booleans")
    try:
        numbers = values.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"`{name}` must hold the table's whole-number ids: {exc}") from exc
    bad = ~np.isfinite(numbers) | (numbers != np.round(numbers)) | (np.abs(numbers) >= 2.0**63)
    if bad.any():
        rows = np.flatnonzero(bad)
        raise ValidationError(
            f"`{name}` must hold the table's whole-number ids; it does not in "
            f"{describe_rows(rows.tolist(), values[rows].astype(str))}",
            rows=rows.tolist(),
        )
    if values.dtype.kind == "O":
        try:  # Python ints exactly, beyond float64's 2**53
            return values.astype(np.int64)
        except (TypeError, ValueError, OverflowError):
            pass
    return numbers.astype(np.int64)

"""Frames and HTML tables of the reviews: one row per line, readable column names.

A review's lines are records (a :class:`~customer_kanban.Result` per line); each review
turns a line into an ordered mapping of cells (``{"group": ..., "delivered": ...}``) and
these helpers turn the cells of all lines into the 1-D columns that
:meth:`~customer_kanban.Result.to_frame` and the HTML table of ``_repr_html_`` are built
from (:func:`customer_kanban._core.results._html_table`, which escapes every label).
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from customer_kanban._core.results import _html_table
from customer_kanban._core.validation import _is_number

__all__ = ["as_column", "columns_of", "constant_columns", "html_tables", "with_changes"]

Cells = Mapping[str, object]
Columns = dict[str, npt.NDArray[Any]]


def as_column(values: Sequence[object]) -> npt.NDArray[Any]:
    """One frame column: ``datetime64[ns]`` (UTC) for instants, int64 for whole numbers,
    float64 (NaN for None) for numbers, bool for flags, else objects (text, or values with
    ``None`` where unknown)."""
    known = [v for v in values if v is not None]
    kind = _kind(known)
    complete = len(known) == len(values)
    if kind == "instant":
        return _instants(values)
    if kind == "float":
        return _floats(np.array(values, dtype=object))
    if kind in ("bool", "int") and complete:
        return np.array(values, dtype=bool if kind == "bool" else np.int64)
    out: npt.NDArray[Any] = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


def _kind(known: Sequence[object]) -> str:
    """What the known values of a column are: instants, flags, whole numbers, numbers."""
    if not known:
        return "object"
    if all(isinstance(v, (_dt.datetime, np.datetime64)) for v in known):
        return "instant"
    if all(isinstance(v, (bool, np.bool_)) for v in known):
        return "bool"
    if not all(_is_number(v) for v in known):
        return "object"
    return "int" if all(isinstance(v, (int, np.integer)) for v in known) else "float"


def _instants(values: Sequence[object]) -> npt.NDArray[np.datetime64]:
    """Instants as ``datetime64[ns]`` in UTC (None: NaT)."""
    out = np.full(len(values), np.datetime64("NaT", "ns"))
    for k, v in enumerate(values):
        if isinstance(v, _dt.datetime) and v.tzinfo is not None:
            v = v.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        if isinstance(v, _dt.datetime):
            out[k] = np.datetime64(v, "ns")
        elif isinstance(v, np.datetime64):
            out[k] = v.astype("datetime64[ns]")
    return out


def columns_of(records: Sequence[Cells]) -> Columns:
    """The columns of records whose cells have the same names in the same order."""
    names = list(records[0]) if records else []
    return {name: as_column([r[name] for r in records]) for name in names}


def constant_columns(n: int, **values: object) -> Columns:
    """Settings repeated on each of `n` rows (the scalar settings of a result)."""
    return {name: as_column([value] * n) for name, value in values.items()}


def with_changes(now: Columns, before: Sequence[Cells | None], keep: Sequence[str]) -> Columns:
    """`now` with, after each numeric column, its change since `before` (NaN where a line
    has no earlier self or either value is unknown); the columns in `keep` stay as they are.

    A ``new`` column says which lines had no earlier self.
    """
    out: Columns = {}
    for name, column in now.items():
        out[name] = column
        if name in keep or not _numeric(column):
            continue
        old = np.array([None if b is None else b[name] for b in before], dtype=object)
        out[f"{name}_change"] = _floats(column) - _floats(old)
    out["new"] = np.array([b is None for b in before], dtype=bool)
    return out


def _numeric(column: npt.NDArray[Any]) -> bool:
    if column.dtype.kind in "iuf":
        return True
    values = [v for v in column.tolist() if v is not None] if column.dtype.kind == "O" else []
    return bool(values) and all(_is_number(v) for v in values)


def _floats(column: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    """Numbers as float64, None as NaN."""
    if column.dtype.kind == "O":
        return np.array([math.nan if v is None else float(v) for v in column.tolist()])
    out: npt.NDArray[np.float64] = column.astype(np.float64)
    return out


def html_tables(*tables: tuple[str, Columns]) -> str:
    """HTML tables (each with its caption) one after the other: every label escaped,
    numbers right-aligned, the head and tail only of a long table."""
    return "".join(_html_table(title, columns) for title, columns in tables)

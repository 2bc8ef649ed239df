"""Converters from a column of a source block to typed values, with the rows they refuse.

Each returns the values and the masks of missing and malformed entries, so that a
reader can reject those rows with a reason instead of failing or guessing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from customer_kanban._core.frames import ArrowText, Categorical
from customer_kanban._core.instants import as_instant_array
from customer_kanban.io._instants import TimeFormat, parse_format, parse_iso
from customer_kanban.io._source import fixed_bytes, text_column

__all__ = ["instants", "numbers"]

I64 = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]
_NAT = np.iinfo(np.int64).min
# Longest text an instant can be ("2024-01-02T03:04:05.123456789+01:00" and formats).
_INSTANT_WIDTH = 64
# Longest text a number can be.
_NUMBER_WIDTH = 64


def instants(
    column: Any, na_values: Sequence[str], fmt: TimeFormat | None, name: str
) -> tuple[I64, Mask, Mask]:
    """Nanoseconds since the epoch, the missing mask and the unparseable mask."""
    if isinstance(column, Categorical):  # each label parsed once
        ns, missing, bad = instants(column.labels, na_values, fmt, name)
        return _gather(column.codes, (ns, missing, bad), (0, True, False))
    if isinstance(column, ArrowText):
        return _arrow_instants(column, na_values, fmt, name)
    if isinstance(column, np.ndarray) and column.dtype.kind == "M":
        ns = as_instant_array(column, name=name).view(np.int64)
        missing = ns == _NAT
        return ns, missing, np.zeros(ns.shape, bool)
    dtype = np.asarray(column).dtype
    if dtype.kind not in "OUS":
        if dtype.kind == "f" and np.isnan(np.asarray(column, dtype=float)).all():
            n = len(column)
            return np.zeros(n, np.int64), np.ones(n, bool), np.zeros(n, bool)
        raise TypeError(
            f"`at` column {name!r} must hold instants (datetime64 or text), got dtype {dtype}"
        )
    text, missing = text_column(column, na_values)
    too_long = np.zeros(text.shape, bool)
    if text.dtype.kind != "U":
        text, too_long = fixed_bytes(text, _INSTANT_WIDTH)  # no instant is longer
    present = ~missing & ~too_long
    if present.all():
        ns, ok = parse_format(text, fmt) if fmt is not None else parse_iso(text)
    else:
        ns = np.zeros(text.shape, np.int64)
        ok = np.zeros(text.shape, bool)
        sub = text[present]
        ns[present], ok[present] = parse_format(sub, fmt) if fmt is not None else parse_iso(sub)
    return ns, missing, (present & ~ok) | (too_long & ~missing)


def numbers(
    column: Any, na_values: Sequence[str], name: str
) -> tuple[npt.NDArray[np.float64], Mask, Mask]:
    """Numbers of a column, the missing mask and the mask of entries that are not numbers.

    Text is parsed as decimal numbers (``"1.5"``, ``"-2e3"``); infinities and NaN
    written out are not numbers here.  Booleans and instants are refused.
    """
    if isinstance(column, Categorical):  # each label parsed once
        parsed = numbers(column.labels, na_values, name)
        return _gather(column.codes, parsed, (np.nan, True, False))
    if isinstance(column, ArrowText):
        column = column.objects()
    arr = np.asarray(column)
    if arr.dtype.kind in "iuf":
        out = arr.astype(np.float64)
        missing = np.isnan(out)
        return out, missing, np.isinf(out)
    if arr.dtype.kind not in "OUS":
        raise TypeError(f"`{name}` column must hold numbers (or their text), got dtype {arr.dtype}")
    text, missing = text_column(column, na_values)
    too_long = np.zeros(text.shape, bool)
    if text.dtype.kind != "U":
        text, too_long = fixed_bytes(text, _NUMBER_WIDTH)
    present = ~missing & ~too_long
    out = np.full(text.shape, np.nan)
    ok = np.zeros(text.shape, bool)
    out[present], ok[present] = _parse_numbers(text[present])
    return out, missing, present & ~ok | (too_long & ~missing)


def _parse_numbers(text: npt.NDArray[Any]) -> tuple[npt.NDArray[np.float64], Mask]:
    """Decimal text as float64 and which parsed; each distinct bad text tried once."""
    try:
        out = text.astype(np.float64)
        return out, np.isfinite(out)
    except ValueError:
        pass
    distinct, inverse = np.unique(text, return_inverse=True)
    values = np.array([_float_or_nan(s) for s in distinct.tolist()], dtype=np.float64)
    out = values[inverse]
    return out, np.isfinite(out)


def _float_or_nan(text: str | bytes) -> float:
    """One distinct text that numpy refused as a whole column: a number, or NaN."""
    try:
        return float(text)
    except ValueError:
        return float("nan")


def _gather(
    codes: npt.NDArray[np.int32], per_label: tuple[Any, Mask, Mask], null: tuple[Any, bool, bool]
) -> tuple[Any, Mask, Mask]:
    """Per-row values, missing and bad masks from the per-label ones (-1: a null row)."""
    out = []
    for values, fill in zip(per_label, null, strict=True):
        extended = np.append(values, np.array([fill], dtype=values.dtype))
        out.append(extended[np.where(codes >= 0, codes, values.size)])
    return out[0], out[1], out[2]


def _arrow_instants(
    column: ArrowText, na_values: Sequence[str], fmt: TimeFormat | None, name: str
) -> tuple[I64, Mask, Mask]:
    """Instants of Arrow text: pyarrow's ISO 8601 cast chunk by chunk where it takes every
    value of the chunk (its rules are this package's), the package's parser for the rest."""
    n = len(column)
    ns = np.zeros(n, np.int64)
    missing = np.zeros(n, bool)
    done = np.zeros(n, bool)
    if fmt is None and not any(na_values):  # pyarrow would parse a missing-value text
        ns, missing, done = column.iso_instants()
    if done.all():
        return ns, missing, np.zeros(n, bool)
    rest = np.flatnonzero(~done)
    text, too_long = column.take(rest).fixed_bytes(_INSTANT_WIDTH)
    sub_ns, sub_missing, sub_bad = instants(text, na_values, fmt, name)
    sub_bad |= too_long & ~sub_missing
    bad = np.zeros(n, bool)
    ns[rest], missing[rest], bad[rest] = sub_ns, sub_missing, sub_bad
    return ns, missing, bad

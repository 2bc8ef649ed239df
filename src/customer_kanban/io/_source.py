"""Reading an event-log source into columns: a CSV file or a mapping of array-likes.

Text is normalised here once: every column comes back as a numpy array together
with a mask of missing entries (``None``, ``NaN``, ``NaT``, the empty string and
the caller's ``na_values``).
"""

from __future__ import annotations

import csv
import os
import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from customer_kanban.errors import ValidationError

__all__ = ["Columns", "LazyText", "read_source", "text_column"]

Mask = npt.NDArray[np.bool_]


@attrs.frozen(eq=False)
class Columns:
    """The columns of a source, by name, all of length `n_rows`.

    Attributes
    ----------
    data : dict of str to column
        numpy arrays, or the caller's own column objects (pandas Series) where
        they carry more than their values (time zones).
    n_rows : int
    label : str
        How error messages name the source (the file name, or ``"the mapping"``).
    """

    data: dict[str, Any]
    n_rows: int
    label: str

    def require(self, name: str, role: str) -> None:
        """Raise ValidationError if the column `name` (used as `role`) is absent."""
        if name not in self.data:
            raise ValidationError(
                f"`{role}` column {name!r} not found in {self.label}; columns are {list(self.data)}"
            )


def _file_label(path: str | os.PathLike[str]) -> str:
    return Path(path).name or str(path)


def _read_header(path: str | os.PathLike[str], label: str, delimiter: str) -> list[str]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle, delimiter=delimiter, quotechar='"'), None)
    except FileNotFoundError as exc:
        raise ValidationError(f"cannot read {label}: no such file ({path})") from exc
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ValidationError(f"cannot read {label}: not a UTF-8 CSV file ({exc})") from exc
    if not header or all(not h.strip() for h in header):
        raise ValidationError(f"cannot read {label}: no header row")
    return header


def _loadtxt_reason(exc: Exception) -> str:
    """numpy's complaint, with its 1-based row count turned into our 0-based data row."""
    if isinstance(exc, UnicodeDecodeError):
        return f"not a UTF-8 CSV file ({exc})"
    text = str(exc).split(";")[0]
    found = re.fullmatch(r"the number of columns changed from (\d+) to (\d+) at row (\d+)", text)
    if found is None:
        return text
    before, after, row = (int(g) for g in found.groups())
    return f"ragged rows: data row {row - 1} has {after} fields, the rows before it have {before}"


def _field_counts(path: str | os.PathLike[str], delimiter: str) -> npt.NDArray[np.int64]:
    """Fields of each non-blank data line (header excluded), counted without a Python loop.

    Delimiters and line breaks inside double quotes do not count (a doubled quote
    toggles twice, so escaped quotes need no special case).
    """
    raw = np.fromfile(path, dtype=np.uint8)
    outside = ~np.logical_xor.accumulate(raw == ord('"'))
    breaks = np.flatnonzero((raw == ord("\n")) & outside)
    delims = np.flatnonzero((raw == ord(delimiter)) & outside)
    starts = np.concatenate(([0], breaks + 1))
    ends = np.concatenate((breaks, [raw.size]))
    # A line holding only "\r" (or nothing) is blank, as numpy's reader sees it.
    length = ends - starts
    cr_end = np.zeros(length.size, dtype=bool)
    nonempty = length > 0
    cr_end[nonempty] = raw[ends[nonempty] - 1] == ord("\r")
    blank = (length - cr_end) == 0
    fields: npt.NDArray[np.int64] = (
        np.searchsorted(delims, ends) - np.searchsorted(delims, starts) + 1
    )
    data_fields: npt.NDArray[np.int64] = fields[1:][~blank[1:]]
    return data_fields


def _read_csv(
    path: str | os.PathLike[str], delimiter: str, columns: Sequence[str] | None = None
) -> Columns:
    """Read a CSV file; only `columns` (all when None) are loaded, each row checked."""
    label = _file_label(path)
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise ValidationError(
            "`delimiter` must be one character other than a quote or a line break, "
            f"got {delimiter!r}"
        )
    header = _read_header(path, label, delimiter)
    try:
        fields = _field_counts(path, delimiter)
    except OSError as exc:  # pragma: no cover - the header was readable a moment ago
        raise ValidationError(f"cannot read {label}: {exc}") from exc
    _check_field_counts(fields, len(header), label)
    first = {name: k for k, name in reversed(list(enumerate(header)))}
    wanted = list(header) if columns is None else [c for c in dict.fromkeys(columns) if c in first]
    if not fields.size:
        empty = np.empty(0, dtype=str)
        return Columns(dict.fromkeys(header, empty), 0, label)
    # Only the wanted columns are parsed: one long cell elsewhere in the file (a free-text
    # description, say) would otherwise widen every column's fixed-width strings.
    table = _load_text(path, label, delimiter, [first[name] for name in wanted])
    present = dict.fromkeys(header, np.empty(0, dtype=str))  # names, for messages
    data: dict[str, Any] = {name: table[:, k] for k, name in enumerate(wanted)}
    return Columns({**present, **data}, table.shape[0], label)


def _check_field_counts(fields: npt.NDArray[np.int64], n_header: int, label: str) -> None:
    """Every data row has as many fields as the header."""
    if not fields.size:
        return
    changed = np.flatnonzero(fields != fields[0])
    if changed.size:
        row = int(changed[0])
        raise ValidationError(
            f"cannot read {label}: ragged rows: data row {row} has {fields[row]} fields, "
            f"the rows before it have {fields[0]}"
        )
    if fields[0] != n_header:
        raise ValidationError(
            f"cannot read {label}: the rows have {fields[0]} fields but the header has {n_header}"
        )


def _load_text(
    path: str | os.PathLike[str], label: str, delimiter: str, usecols: list[int]
) -> npt.NDArray[np.str_]:
    """The data rows' `usecols` as a 2-D array of text."""
    try:
        with warnings.catch_warnings():
            # Blank-line notices.
            warnings.simplefilter("ignore", UserWarning)
            table = np.loadtxt(
                path,
                dtype=str,
                delimiter=delimiter,
                quotechar='"',
                skiprows=1,
                ndmin=2,
                encoding="utf-8",
                comments=None,
                usecols=usecols or [0],
            )
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(f"cannot read {label}: {_loadtxt_reason(exc)}") from exc
    except OSError as exc:  # pragma: no cover - the header was readable a moment ago
        raise ValidationError(f"cannot read {label}: {exc}") from exc
    out: npt.NDArray[np.str_] = table
    return out


def _values(column: Any) -> npt.NDArray[Any]:
    if hasattr(column, "to_numpy") and not isinstance(column, np.ndarray):
        column = column.to_numpy()
    arr = np.asarray(column)
    return arr.reshape(-1) if arr.ndim != 1 else arr


def _read_mapping(source: Mapping[str, Any] | Any) -> Columns:
    label = "the mapping"
    data: dict[str, Any] = {}
    for key in source:  # a dict or a DataFrame alike
        column = source[key]
        # pandas columns are kept: `.dt` knows their time zone and `.isna()` their
        # missing entries (pd.NA cannot be compared); the rest become numpy arrays.
        pandas_like = hasattr(column, "isna") and hasattr(column, "to_numpy")
        data[str(key)] = column if pandas_like else _values(column)
    lengths = {name: len(col) for name, col in data.items()}
    if len(set(lengths.values())) > 1:
        raise ValidationError(f"the columns of {label} have different lengths: {lengths}")
    n_rows = next(iter(lengths.values()), 0)
    return Columns(data, n_rows, label)


def read_source(
    source: str | os.PathLike[str] | Mapping[str, Any] | Any,
    *,
    delimiter: str,
    columns: Sequence[str] | None = None,
) -> Columns:
    """Read a CSV path, a mapping of array-likes or a DataFrame into :class:`Columns`.

    For a CSV file only `columns` are parsed (the others keep their names, empty).
    """
    if isinstance(source, (str, os.PathLike)):
        return _read_csv(source, delimiter, columns)
    frame_like = hasattr(source, "columns") and hasattr(source, "__getitem__")
    if isinstance(source, Mapping) or frame_like:
        return _read_mapping(source)
    raise TypeError(
        "`source` must be a CSV path or a mapping of columns (dict of arrays, DataFrame), "
        f"got {type(source).__name__}"
    )


def _na_mask(arr: npt.NDArray[Any], na_values: Sequence[str]) -> Mask:
    """Entries of a ``str`` array that are empty or one of `na_values`."""
    missing: Mask = arr == ""
    for value in na_values:
        if value:
            missing |= arr == value
    return missing


def text_column(column: Any, na_values: Sequence[str]) -> tuple[npt.NDArray[Any], Mask]:
    """A column as a ``str`` array with missing entries set to ``""``, and the missing mask.

    Missing: ``None``, ``NaN``, ``NaT``, ``""`` and `na_values`.  Integer, boolean,
    float and datetime columns are written as text.
    """
    isna = getattr(column, "isna", None)
    pandas_missing = np.asarray(isna(), dtype=bool) if callable(isna) else None
    arr = _values(column)
    if arr.dtype.kind == "O":
        if pandas_missing is None:
            missing = np.asarray(arr == None, dtype=bool)  # noqa: E711 - elementwise
            missing |= np.asarray(arr != arr, dtype=bool)  # NaN and NaT only
        else:
            missing = pandas_missing
        if missing.any():
            arr = arr.copy()
            arr[missing] = ""
        arr = arr.astype(str)
    elif arr.dtype.kind in "fM":
        missing = np.isnan(arr) if arr.dtype.kind == "f" else np.isnat(arr)
        arr = np.where(missing, "", arr.astype(str))
    elif arr.dtype.kind == "S":
        arr = np.char.decode(arr, "utf-8")
        missing = np.zeros(arr.shape, bool)
    elif arr.dtype.kind != "U":
        arr = arr.astype(str)
        missing = np.zeros(arr.shape, bool)
    else:
        missing = np.zeros(arr.shape, bool)
    missing = missing | _na_mask(arr, na_values)
    if missing.any():
        arr = np.where(missing, "", arr)
    return arr, missing


@attrs.frozen(eq=False)
class LazyText:
    """A column whose missing mask is known and whose text is made only for rows asked for.

    Integer and boolean columns are never missing and become text only where
    needed (``str`` columns are text already; other kinds are converted at once).
    """

    values: npt.NDArray[Any]
    missing: Mask

    @classmethod
    def of(cls, column: Any, na_values: Sequence[str]) -> LazyText:
        """Wrap `column` (``na_values`` apply to text)."""
        arr = _values(column)
        if arr.dtype.kind in "iub":
            return cls(arr, np.zeros(arr.shape, bool))
        if arr.dtype.kind == "U" and not callable(getattr(column, "isna", None)):
            return cls(arr, _na_mask(arr, na_values))
        return cls(*text_column(column, na_values))

    def text(self, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.str_]:
        """The text of `rows` (which must not be missing)."""
        return self.values[rows].astype(str)

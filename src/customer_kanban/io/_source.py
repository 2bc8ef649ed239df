"""Sources of rows — a CSV file or open file, a mapping of columns, a data frame — as blocks.

Every reader takes its rows from :func:`column_blocks`: a CSV source streams block by
block (:class:`~customer_kanban.io._csv.CsvReader`), a mapping or a frame is one block.
Text is normalised here once: :func:`text_column` gives a column's text and its mask of
missing entries (``None``, ``NaN``, ``NaT``, the empty string and the caller's
``na_values``).  Text read from a CSV file stays UTF-8 bytes (``S`` arrays) until labels
are made, which halves its memory and keeps every comparison in C.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from typing import IO, Any

import attrs
import numpy as np
import numpy.typing as npt

from customer_kanban._core.frames import ArrowText, Categorical, frame_columns, is_frame
from customer_kanban.errors import RejectedRowsWarning, ValidationError
from customer_kanban.io._csv import (
    FIELD_LIMIT,
    INPUT_LIMIT,
    CsvReader,
    check_delimiter,
    check_limit,
    is_file,
)

__all__ = [
    "ColumnBlock",
    "LazyText",
    "categories",
    "check_column_names",
    "column_blocks",
    "decode",
    "fixed_bytes",
    "reader_options",
    "text_column",
    "warn_rejected",
]

Mask = npt.NDArray[np.bool_]
I64 = npt.NDArray[np.int64]


@attrs.frozen(eq=False)
class ColumnBlock:
    """Rows of a source: the fields of the wanted columns, and the rows refused on reading.

    Attributes
    ----------
    label : str
        How messages name the source (the file name, or ``"the mapping"``).
    names : tuple of str
        Every column of the source (for messages; the header of a CSV file).
    n_rows : int
        Rows in the block, refused ones included.
    rows : numpy.ndarray of int64
        Row number (0 = the first data row of the source) of each row in `columns`.
    columns : dict of str to column
        The wanted columns' values for `rows`: numpy arrays, or the caller's own
        column objects (pandas Series) where they carry more than their values.
    rejected_rows, rejected_reasons : sequence
        Rows the source itself refused (a CSV row with another number of fields than
        the header, say) and why.
    streamed : bool
        One of several blocks of the source (a coding of its columns holds for this
        block only).
    n_bytes : int
        Bytes of the source the block's rows take (about; 0 when not known).
    """

    label: str
    names: tuple[str, ...]
    n_rows: int
    rows: I64
    columns: dict[str, Any]
    rejected_rows: Sequence[int] = ()
    rejected_reasons: Sequence[str] = ()
    streamed: bool = False
    n_bytes: int = 0

    def require(self, name: str, role: str) -> None:
        """Raise ValidationError if the column `name` (used as `role`) is absent."""
        if name not in self.names:
            raise ValidationError(
                f"`{role}` column {name!r} not found in {self.label}; "
                f"columns are {list(self.names)}"
            )


def _values(column: Any) -> npt.NDArray[Any]:
    if hasattr(column, "to_numpy") and not isinstance(column, np.ndarray):
        column = column.to_numpy()
    arr = np.asarray(column)
    return arr.reshape(-1) if arr.ndim != 1 else arr


def _mapping_block(source: Mapping[str, Any] | Any, columns: Sequence[str]) -> ColumnBlock:
    """A mapping of columns or a data frame (pandas, polars, pyarrow, ...) as one block."""
    label = "the mapping" if isinstance(source, Mapping) else f"the {type(source).__name__}"
    names, data = frame_columns(source, list(columns))
    for name, column in data.items():
        if isinstance(column, np.ndarray) and column.ndim != 1:
            raise ValidationError(
                f"column {name!r} of {label} must be one-dimensional, got shape {column.shape}"
            )
    lengths = {name: len(col) for name, col in data.items()}
    if len(set(lengths.values())) > 1:
        raise ValidationError(f"the columns of {label} have different lengths: {lengths}")
    n_rows = next(iter(lengths.values()), 0)
    return ColumnBlock(label, names, n_rows, np.arange(n_rows, dtype=np.int64), data)


def column_blocks(
    source: str | os.PathLike[str] | IO[Any] | Mapping[str, Any] | Any,
    *,
    columns: Sequence[str],
    delimiter: str | None = ",",
    field_limit: int = FIELD_LIMIT,
    input_limit: int = INPUT_LIMIT,
) -> Iterator[ColumnBlock]:
    """The rows of `source` block by block, with the fields of `columns` only.

    A CSV path or open file streams (bounded memory); a mapping of array-likes or a
    DataFrame is one block.  The first block is yielded even when the source has no
    data row, so that missing columns are reported.
    """
    if isinstance(source, (str, os.PathLike)) or is_file(source):
        reader = CsvReader(
            source,  # type: ignore[arg-type]
            delimiter=delimiter,
            field_limit=field_limit,
            input_limit=input_limit,
        )
        names = tuple(reader.header)
        empty = True
        for block in reader.blocks(columns):
            empty = False
            yield ColumnBlock(
                reader.label,
                names,
                block.n_rows,
                block.rows,
                block.columns,
                block.rejected_rows,
                block.rejected_reasons,
                n_bytes=block.n_bytes,
            )
        if empty:
            blank = {c: np.zeros(0, dtype="S1") for c in columns if c in names}
            yield ColumnBlock(reader.label, names, 0, np.zeros(0, np.int64), blank)
        return
    if isinstance(source, Mapping) or is_frame(source):
        yield _mapping_block(source, columns)
        return
    raise TypeError(
        "`source` must be a CSV path, an open file, a mapping of columns or a data frame "
        f"(pandas, polars, pyarrow), got {type(source).__name__}"
    )


def reader_options(
    na_values: object, delimiter: object, field_limit: object, input_limit: object
) -> tuple[str, ...]:
    """Check the options every reader takes; return the missing-value texts."""
    if isinstance(na_values, (str, bytes)) or not isinstance(na_values, (Sequence, np.ndarray)):
        raise TypeError(f"`na_values` must be a sequence of strings, got {na_values!r:.60}")
    texts = list(na_values)
    bad = [v for v in texts if not isinstance(v, str)]
    if bad:
        raise TypeError(f"`na_values` must hold strings, got {bad[0]!r:.40}")
    if delimiter is not None:
        check_delimiter(delimiter)
    check_limit(field_limit, "field_limit")
    check_limit(input_limit, "input_limit")
    return tuple(texts)


def check_column_names(**columns: object) -> None:
    """Every named column is a non-empty string (optional ones may be None)."""
    for role, name in columns.items():
        if name is not None and (not isinstance(name, str) or not name):
            raise TypeError(f"`{role}` must be a column name (a non-empty str), got {name!r:.40}")


# ---------------------------------------------------------------------- text


def decode(values: npt.NDArray[Any], *, errors: str = "strict") -> npt.NDArray[Any]:
    """UTF-8 bytes (``S`` arrays, or objects holding bytes) as ``str``; other text unchanged."""
    if values.dtype.kind == "S":
        out: npt.NDArray[Any] = np.char.decode(values, "utf-8", errors=errors)
        return out
    if values.dtype.kind == "O":
        return np.array(
            [v.decode("utf-8", errors) if isinstance(v, bytes) else v for v in values.tolist()],
            dtype=object,
        )
    return values


def fixed_bytes(values: npt.NDArray[Any], width: int) -> tuple[npt.NDArray[Any], Mask]:
    """Text as fixed-width bytes of at most `width`, and which values were longer.

    For columns whose valid values are short (instants, states): a longer value can
    only be invalid, and is cut rather than widening every row.
    """
    if values.dtype.kind == "S" and values.dtype.itemsize <= width:
        return values, np.zeros(values.shape, bool)
    if values.dtype.kind == "U":
        values = np.char.encode(values, "utf-8")
    if values.dtype.kind == "S":
        long = np.char.str_len(values) > width
        return values.astype(f"S{width}"), long
    items = [v if isinstance(v, bytes) else str(v).encode("utf-8") for v in values.tolist()]
    long = np.array([len(v) > width for v in items], dtype=bool)
    return np.array([v[:width] for v in items], dtype=f"S{width}"), long


def _is_bytes_objects(arr: npt.NDArray[Any]) -> bool:
    return arr.dtype.kind == "O" and arr.size > 0 and isinstance(arr.flat[0], bytes)


def _na_mask(arr: npt.NDArray[Any], na_values: Sequence[str]) -> Mask:
    """Entries of a text array that are empty or one of `na_values` (as text or bytes)."""
    as_bytes = arr.dtype.kind == "S" or _is_bytes_objects(arr)
    empty: Any = b"" if as_bytes else ""
    missing: Mask = np.asarray(arr == empty, dtype=bool)
    for value in na_values:
        if value:
            missing |= np.asarray(arr == (value.encode("utf-8") if as_bytes else value), bool)
    return missing


def text_column(column: Any, na_values: Sequence[str]) -> tuple[npt.NDArray[Any], Mask]:
    """A column as text (``str``, or UTF-8 bytes as read from a file) and its missing mask.

    Missing entries are set to the empty string.  Missing: ``None``, ``NaN``,
    ``NaT``, ``""`` and `na_values`.  Integer, boolean, float and datetime columns
    are written as text; categorical and Arrow columns are written from their labels.
    """
    if isinstance(column, (Categorical, ArrowText)):
        cat, missing = categories(column, na_values)
        return cat.text(), missing
    arr = _values(column)
    if arr.dtype.kind == "O" and not _is_bytes_objects(arr):
        missing = np.asarray(arr == None, dtype=bool)  # noqa: E711 - elementwise
        missing |= np.asarray(arr != arr, dtype=bool)  # NaN and NaT only
        if missing.any():
            arr = arr.copy()
            arr[missing] = ""
        arr = arr.astype(str)
    elif arr.dtype.kind in "fM":
        missing = np.isnan(arr) if arr.dtype.kind == "f" else np.isnat(arr)
        arr = np.where(missing, "", arr.astype(str))
    elif arr.dtype.kind not in "USO":
        arr = arr.astype(str)
        missing = np.zeros(arr.shape, bool)
    else:
        missing = np.zeros(arr.shape, bool)
    missing = missing | _na_mask(arr, na_values)
    if missing.any():
        arr = np.where(missing, b"" if arr.dtype.kind == "S" else "", arr)
    return arr, missing


def categories(
    column: Categorical | ArrowText, na_values: Sequence[str]
) -> tuple[Categorical, Mask]:
    """A coded column with its labels in text order, and its missing mask.

    Missing: a null, or a label that is empty or one of `na_values`; those rows get
    the code -1.
    """
    cat = (column.categorical() if isinstance(column, ArrowText) else column).ranked()
    label_missing = _na_mask(cat.labels, na_values)
    missing = cat.codes < 0
    if label_missing.any():
        missing |= label_missing[np.maximum(cat.codes, 0)] & ~missing
        cat = Categorical(np.where(missing, np.int32(-1), cat.codes), cat.labels)
    return cat, missing


@attrs.frozen(eq=False)
class LazyText:
    """A column whose missing mask is known and whose text is made only for rows asked for.

    Integer and boolean columns are never missing and become text only where
    needed; categorical columns keep their codes (`values`, -1 where missing) and
    their labels in text order (`categories`); other text columns are text already.
    """

    values: npt.NDArray[Any]
    missing: Mask
    categories: npt.NDArray[Any] | None = None

    @classmethod
    def of(cls, column: Any, na_values: Sequence[str]) -> LazyText:
        """Wrap `column` (``na_values`` apply to text)."""
        if isinstance(column, (Categorical, ArrowText)):
            cat, missing = categories(column, na_values)
            return cls(cat.codes, missing, cat.labels)
        arr = _values(column)
        if arr.dtype.kind in "iub":
            return cls(arr, np.zeros(arr.shape, bool))
        if arr.dtype.kind in "US":
            return cls(arr, _na_mask(arr, na_values))
        return cls(*text_column(column, na_values))

    def take(self, rows: npt.NDArray[np.intp] | None) -> LazyText:
        """The same column restricted to `rows` (``None``: all)."""
        if rows is None:
            return self
        return LazyText(self.values[rows], self.missing[rows], self.categories)

    def text(self, rows: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
        """The text of `rows` (which must not be missing), ordered as text orders it.

        UTF-8 bytes order as their code points, so bytes are returned as they are.
        """
        values = self.values[rows]
        if self.categories is not None:
            out: npt.NDArray[Any] = self.categories[values]
            return out
        if values.dtype.kind in "US":
            return values
        if _is_bytes_objects(values):
            return values
        return values.astype(str)

    def full_text(self) -> npt.NDArray[Any]:
        """The text of every row, empty where missing (as a text column holds it)."""
        categories = np.asarray(self.values if self.categories is None else self.categories)
        if self.categories is None:
            return categories
        labels = np.append(categories, np.zeros(1, categories.dtype))
        out: npt.NDArray[Any] = labels[np.where(self.missing, labels.size - 1, self.values)]
        return out

    def factorize(
        self, rows: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.object_]]:
        """Codes (-1 where missing) and labels (text, in text order) of `rows`."""
        values = self.values[rows]
        present = ~self.missing[rows]
        codes = np.full(values.shape, -1, np.int32)
        distinct, inverse = np.unique(values[present], return_inverse=True)
        if self.categories is not None:
            labels = self.categories[distinct].astype(str)
        else:
            labels = decode(distinct).astype(str)
            if distinct.dtype.kind not in "US" and not _is_bytes_objects(distinct):
                by_text = np.argsort(labels, kind="stable")  # numbers: in their text's order
                rank = np.empty(by_text.size, np.int64)
                rank[by_text] = np.arange(by_text.size)
                labels, inverse = labels[by_text], rank[inverse]
        codes[present] = inverse
        return codes, labels.astype(object)

    @staticmethod
    def concatenate(parts: Sequence[LazyText]) -> LazyText:
        """One column from the same column of successive blocks."""
        if len(parts) == 1:
            return parts[0]
        values = [p.values if p.categories is None else p.full_text() for p in parts]
        kinds = {v.dtype.kind for v in values}
        if len(kinds) > 1:  # e.g. S in most blocks, objects where a value was very long
            values = [v.astype(object) for v in values]
        return LazyText(np.concatenate(values), np.concatenate([p.missing for p in parts]))


def warn_rejected(
    rows: npt.NDArray[Any], reasons: npt.NDArray[Any], n_rows: int, label: str, hint: str = ""
) -> None:
    """Issue one :class:`RejectedRowsWarning` for the rows a reader rejected.

    When most rows are rejected the message starts ``MOST ROWS REJECTED`` and adds
    `hint` (the first rejected values and the format tried, say): a table made of
    the few rows left is rarely what was meant.  Attributed to the reader's caller
    (two frames up).
    """
    shown = "; ".join(f"row {int(r)}: {why}" for r, why in zip(rows[:3], reasons[:3], strict=True))
    more = "; ..." if len(rows) > 3 else ""
    share = len(rows) / n_rows if n_rows else 1.0
    summary = f"{label}: {len(rows):,} of {n_rows:,} rows rejected ({share:.1%}): {shown}{more}"
    if share > 0.5:
        summary = f"MOST ROWS REJECTED - {summary}" + (f"; {hint}" if hint else "")
    warning = RejectedRowsWarning(
        f"{summary} (every rejected row and its reason are in the result's `rejected`)"
    )
    warning.summary = summary
    warnings.warn(warning, stacklevel=3)

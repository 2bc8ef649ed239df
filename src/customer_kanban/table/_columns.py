"""Columns as the tables take them: from mappings of array-likes and from any data frame.

A table's constructor gets its columns from :func:`_columns_of`: a mapping's values as
given (frame columns among them converted), a data frame's (pandas, polars, pyarrow, or
anything narwhals supports) through :func:`customer_kanban._core.frames.frame_columns`.
Each column is then a numpy array, a :class:`~customer_kanban._core.frames.Categorical`
(codes and labels: categorical and dictionary columns) or an
:class:`~customer_kanban._core.frames.ArrowText` (Arrow strings).  The converters below
take all three and give the same result for the same values:

* :func:`_factorize` codes a column: a coded one from its labels, once per label,
  never a Python object per row;
* :func:`_instants` reads instants: a coded one parses each label once, Arrow text is
  cast by pyarrow where it takes every value of a chunk;
* :func:`_column` gives any column as a numpy array (a coded one as its labels).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from customer_kanban._core.frames import (
    ArrowText,
    Categorical,
    column_values,
    frame_columns,
    is_frame,
    is_series,
)
from customer_kanban._core.instants import as_instant_array
from customer_kanban._core.labels import unique_inverse
from customer_kanban.errors import ValidationError
from customer_kanban.table._checks import refuse_nul

__all__ = ["Codes", "Labels", "factorize"]

Codes = npt.NDArray[np.int32]
Labels = npt.NDArray[np.object_]
_NAT = np.datetime64("NaT", "ns")


def _readonly(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
    a.flags.writeable = False
    return a


def _columns_of(
    data: object, name: str, wanted: Sequence[str] | None = None
) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The column names of a mapping or a data frame, and its (`wanted`) columns by name.

    A data frame's columns come as numpy arrays, codes and labels or Arrow text; so do
    the frame columns (pandas, polars, pyarrow series) among a mapping's values.
    """
    if isinstance(data, Mapping):
        names = tuple(str(k) for k in data)
        return names, {
            str(k): _native(v) for k, v in data.items() if wanted is None or str(k) in wanted
        }
    if is_frame(data):
        return frame_columns(data, None if wanted is None else list(wanted))
    raise TypeError(
        f"`{name}` must be a mapping of column names to array-likes or a data frame "
        f"(pandas, polars, pyarrow), got {type(data).__name__}"
    )


def _native(values: object) -> Any:
    """A frame's column (a pandas, polars or pyarrow series) converted; others as given."""
    if isinstance(values, (np.ndarray, list, tuple, Categorical, ArrowText)):
        return values
    return column_values(values) if is_series(values) else values


def _column(values: object, name: str = "values") -> npt.NDArray[Any]:
    """A 1-D numpy array from an array-like or a pandas column (missing values -> None).

    A coded column gives its labels (``None`` where missing), Arrow text its strings.
    Anything else is refused, naming `name`: a scalar, ``None`` or a mapping (TypeError),
    a nested or ragged sequence (ValidationError).
    """
    if isinstance(values, ArrowText):
        return values.objects()
    if isinstance(values, Categorical):
        return _labels_of(values.codes, values.labels.astype(object))
    if values is None or isinstance(values, (str, bytes, Mapping)):
        raise TypeError(
            f"`{name}` must be a one-dimensional array-like, got {type(values).__name__}"
        )
    if hasattr(values, "to_numpy") and not isinstance(values, np.ndarray):
        isna = getattr(values, "isna", None)
        dtype_kind = getattr(getattr(values, "dtype", None), "kind", "O")
        if callable(isna) and dtype_kind not in "biufcmM":
            # pandas extension columns (string, category, nullable) may hold pd.NA.
            mask = np.asarray(isna(), dtype=bool)
            obj = np.asarray(values.to_numpy(dtype=object), dtype=object)
            obj[mask] = None
            return obj
        values = values.to_numpy()
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError) as exc:  # ragged nesting
        raise ValidationError(f"`{name}` must be one-dimensional: {exc}") from exc
    if arr.ndim == 0:
        raise TypeError(
            f"`{name}` must be a one-dimensional array-like, got {type(values).__name__}"
        )
    if arr.ndim != 1:
        raise ValidationError(f"`{name}` must be one-dimensional, got shape {arr.shape}")
    if arr.dtype.kind == "U" and isinstance(values, (list, tuple)):
        # numpy's fixed-width text has dropped trailing NULs: look at the values given.
        refuse_nul(np.asarray(values, dtype=object), name)
    return arr


def _is_coded(values: object) -> bool:
    """Whether a column is held as codes and labels, or as Arrow text."""
    return isinstance(values, (Categorical, ArrowText))


def _values(column: object, name: str) -> Any:
    """A coded column or Arrow text as it is, any other column as a checked numpy array."""
    return column if _is_coded(column) else _column(column, name)


def _coded(values: object) -> Categorical | None:
    """Codes and labels of a categorical column or of Arrow text; None for others."""
    if isinstance(values, ArrowText):
        return values.categorical()
    return values if isinstance(values, Categorical) else None


def _missing_label(arr: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    """Missing categorical entries: None, NaN, empty strings."""
    if arr.dtype.kind in "US":
        empty: npt.NDArray[np.bool_] = np.char.str_len(arr) == 0
        return empty
    if arr.dtype.kind == "f":
        nan: npt.NDArray[np.bool_] = np.isnan(arr)
        return nan
    if arr.dtype.kind == "O":
        # Vectorised tests for None, NaN and "" in an object array.
        is_none = np.equal(arr, np.array(None, dtype=object))
        is_empty = np.equal(arr, "")
        is_nan = arr != arr  # NaN is the only value not equal to itself
        return np.asarray(is_none | is_empty | is_nan, dtype=bool)
    return np.zeros(arr.shape, dtype=bool)


def _labels_of(codes: Codes, labels: Labels) -> Labels:
    """Labels of `codes` as an object array, ``None`` where the code is -1."""
    with_none = np.empty(labels.size + 1, dtype=object)  # with_none[-1]: code -1
    with_none[:-1] = labels
    out: Labels = with_none[codes]
    return out


def factorize(values: object, labels: Sequence[str] | None = None) -> tuple[Codes, Labels]:
    """Encode labels as ``int32`` codes (-1 for missing) and an object array of labels.

    Parameters
    ----------
    values : array_like or column of a data frame
        Labels; ``None``, ``NaN`` and ``""`` are missing.  A categorical column
        (pandas, polars, Arrow dictionary) is coded from its categories, each
        converted once.
    labels : sequence of str, optional
        Known labels, in order; values outside them raise ValidationError.
        Default: the sorted distinct values, as strings.

    Examples
    --------
    >>> codes, labels = factorize(["b", None, "a", "b"])
    >>> codes.tolist(), labels.tolist()
    ([1, -1, 0, 1], ['a', 'b'])

    Raises
    ------
    TypeError
        If `values` is not a one-dimensional array-like (``None``, a scalar, a mapping).
    customer_kanban.errors.ValidationError
        If `values` is nested or not one-dimensional, a label holds a NUL character
        (numpy's fixed-width text would drop a trailing one and merge ``'D\\x00'``
        with ``'D'``), or a value is not among the known `labels`.
    """
    return _factorize(_native(values), labels, "values")


def _factorize(values: object, labels: Sequence[str] | None, name: str) -> tuple[Codes, Labels]:
    """:func:`factorize`, its messages naming the column `name`."""
    if labels is not None:
        if isinstance(labels, (str, bytes)) or not isinstance(labels, Iterable):
            raise TypeError(f"`labels` must be a sequence of labels, got {type(labels).__name__}")
        refuse_nul(np.asarray(list(labels), dtype=object), "labels")
    coded = _coded(values)
    if coded is not None:
        found = _factorize_coded(coded, labels, name)
        if found is not None:
            return found
        values = coded  # a label not among `labels`: the message, from the rows
    arr = _column(values, name)
    refuse_nul(arr, name)
    missing = _missing_label(arr)
    codes = np.full(arr.shape, -1, dtype=np.int32)
    if arr.dtype.kind == "S" and labels is None:  # UTF-8 bytes as read from a file
        uniq, inverse = unique_inverse(arr[~missing])
        codes[~missing] = inverse.astype(np.int32)
        return codes, np.char.decode(uniq, "utf-8").astype(object)
    if arr.dtype.kind == "S":
        arr = np.char.decode(arr, "utf-8")
    present = arr[~missing]
    if labels is None:
        uniq, inverse = _unique_text(present)
        codes[~missing] = inverse.astype(np.int32)
        return codes, np.asarray(uniq.astype(object), dtype=object)
    if present.dtype.kind != "U":
        present = present.astype(str)
    found_codes = _known_codes(present, labels)
    if found_codes is None:
        known = np.asarray(list(labels), dtype=object)
        if not known.size:
            raise ValidationError(f"`{name}`: values found but no labels are known")
        ok = np.isin(present, known.astype(str))
        bad = np.unique(present[~ok])[:5].tolist()
        raise ValidationError(f"`{name}`: values {bad} are not among the known labels")
    codes[~missing] = found_codes
    return codes, np.asarray(list(labels), dtype=object)


def _unique_text(values: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], npt.NDArray[np.intp]]:
    """Distinct values as text, sorted, and each value's position among them.

    ``str`` objects are factorised as they are (one dict lookup each); other objects
    (numbers, say) by their text, as ``astype(str)`` writes it.
    """
    if values.dtype.kind == "O":
        try:
            uniq, inverse = unique_inverse(values)
        except TypeError:  # not mutually orderable: by their text
            pass
        else:
            if all(isinstance(v, str) for v in uniq.tolist()):
                return uniq, inverse
        values = values.astype(str)
    return unique_inverse(values)


def _known_codes(present: npt.NDArray[Any], labels: Sequence[str]) -> Codes | None:
    """Position of each of `present` (text) among `labels`; None if one is not there."""
    present = present.astype(str, copy=False)
    known = np.asarray(list(labels), dtype=object).astype(str)
    if known.size == 0:
        return None if present.size else np.zeros(0, np.int32)
    order = np.argsort(known)
    sorted_known = known[order]
    pos = np.minimum(np.searchsorted(sorted_known, present), sorted_known.size - 1)
    if not (sorted_known[pos] == present).all():
        return None
    return order[pos].astype(np.int32)


def _factorize_coded(
    column: Categorical, labels: Sequence[str] | None, name: str
) -> tuple[Codes, Labels] | None:
    """:func:`_factorize` of a coded column, once per label; None if a label is unknown.

    The labels used by some row and not missing are coded, then the rows' codes are
    looked up: the result equals that of the column's values, row by row.
    """
    own = column.labels
    if _holds_nul(own):
        return None  # the message names rows, not labels
    size = own.size
    used = np.bincount(column.codes + 1, minlength=size + 1)[1:] > 0
    used &= ~_missing_label(own)
    text = _label_text(column)[used]
    per_label = np.full(size + 1, -1, np.int32)  # per_label[-1]: a null row
    if labels is None:
        uniq, inverse = np.unique(text, return_inverse=True)
        per_label[np.flatnonzero(used)] = inverse.reshape(-1)
        return per_label[column.codes], np.asarray(uniq.astype(object), dtype=object)
    found = _known_codes(text, labels)
    if found is None:
        return None
    per_label[np.flatnonzero(used)] = found
    return per_label[column.codes], np.asarray(list(labels), dtype=object)


def _holds_nul(labels: Labels) -> bool:
    try:
        refuse_nul(labels, "labels")
    except ValidationError:
        return True
    return False


def _coded_text(column: Categorical) -> npt.NDArray[Any] | None:
    """The labels of a coded column row by row, as fixed-width text (``""`` where missing).

    As wide as the longest label used, as the same values given as text would be.  None
    when a label holds a NUL character (refused with the rows, from the values).
    """
    labels = _label_text(column)
    if _holds_nul(labels):
        return None
    text = np.append(labels, "")  # text[-1]: a null row
    used = np.bincount(column.codes + 1, minlength=text.size + 1)[1:] > 0
    used[-1] = False
    width = max(int(np.char.str_len(text[used]).max(initial=0)), 1)
    out: npt.NDArray[Any] = text.astype(f"<U{width}")[column.codes]
    return out


def _label_text(column: Categorical) -> npt.NDArray[Any]:
    """The labels of a coded column as a ``str`` array."""
    labels = column.labels
    return labels if labels.dtype.kind == "U" else labels.astype(object).astype(str)


def _instants(values: object, name: str) -> npt.NDArray[np.datetime64]:
    """Instants of a column (:func:`~customer_kanban._core.instants.as_instant_array`).

    A coded column parses each label once; Arrow text is cast by pyarrow, chunk by chunk,
    where pyarrow takes every value of a chunk (its ISO 8601 rules are this package's);
    the rest, and any column with a bad value (for the message naming its rows), is
    read value by value.
    """
    if isinstance(values, ArrowText):
        ns, null, done = values.iso_instants()
        if done.all():
            out: npt.NDArray[np.datetime64] = ns.view("datetime64[ns]")
            out[null] = _NAT
            return out
        values = values.categorical()
    if isinstance(values, Categorical):
        try:
            per_label = as_instant_array(values.labels.astype(object), name=name)
        except ValidationError:  # perhaps an unused label: the rows tell
            return as_instant_array(_column(values, name), name=name)
        return np.append(per_label, _NAT)[values.codes]
    return as_instant_array(values, name=name)

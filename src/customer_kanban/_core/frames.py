"""Columns of any data frame as numpy arrays, codes or Arrow text, through narwhals.

A reader asks :func:`frame_columns` for some columns of a pandas, polars or pyarrow
table (or anything else narwhals supports, or a mapping of such columns and array-likes)
and gets each as one of:

* a numpy array: numbers, booleans, ``datetime64`` (columns with a time zone are
  converted to UTC first), or text as ``str``/objects with ``None`` where the frame
  has a null;
* a :class:`Categorical`: integer codes and their labels, for categorical, enum and
  dictionary columns, read without making a Python object per row;
* an :class:`ArrowText`: a string column held in Arrow memory (polars and pyarrow
  strings, when pyarrow is installed), which its reader turns into codes, fixed-width
  bytes or instants, whichever it needs, without a Python object per row.

No frame library is imported here before a frame is given: narwhals recognises the
frame, and pyarrow is used only when installed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

__all__ = [
    "ArrowText",
    "Categorical",
    "arrow_available",
    "column_values",
    "frame_columns",
    "is_frame",
    "is_series",
]

I32 = npt.NDArray[np.int32]


def arrow_available() -> bool:
    """Whether pyarrow can be imported (without importing it twice)."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


@attrs.frozen(eq=False)
class Categorical:
    """A column as codes into labels: ``labels[codes]``, with -1 for a null.

    Attributes
    ----------
    codes : numpy.ndarray of int32
        One code per row, -1 where the frame has a null.
    labels : numpy.ndarray of str
        Distinct labels (the text of the categories); `codes` index them.
    declared : bool
        Whether `labels` are the column's own categories in its own order (pandas
        categories, a polars ``Enum``, an Arrow dictionary), unused ones included,
        rather than the distinct values found in it.

    Examples
    --------
    >>> c = Categorical(np.array([1, -1, 0], np.int32), np.array(["b", "a"]))
    >>> r = c.ranked()
    >>> r.labels.tolist(), r.codes.tolist(), c.text().tolist()
    (['a', 'b'], [0, -1, 1], ['a', '', 'b'])
    """

    codes: I32
    labels: npt.NDArray[Any]
    declared: bool = True

    def __len__(self) -> int:
        return int(self.codes.size)

    def ranked(self) -> Categorical:
        """The same column with its labels in text order (codes then order as the text)."""
        if self.labels.size < 2:
            return self
        if (self.labels[1:] > self.labels[:-1]).all():  # already in order: one pass
            return self
        order = np.argsort(self.labels)  # labels are distinct: any sort gives one order
        rank = np.empty(order.size + 1, np.int32)  # the last entry: code -1 stays -1
        rank[order] = np.arange(order.size, dtype=np.int32)
        rank[-1] = -1
        return Categorical(rank[self.codes], self.labels[order], self.declared)

    def text(self) -> npt.NDArray[Any]:
        """One label per row (``""`` for a null)."""
        labels = np.append(self.labels, np.array([""], dtype=self.labels.dtype))
        return labels[np.where(self.codes >= 0, self.codes, labels.size - 1)]


@attrs.frozen(eq=False)
class ArrowText:
    """A string column held by pyarrow (a ``ChunkedArray`` of a string type).

    Its reader chooses what to make of it: :meth:`categorical` for ids and labels,
    :meth:`fixed_bytes` for short values such as instants, :meth:`objects` otherwise.
    """

    array: Any

    def __len__(self) -> int:
        return len(self.array)

    def categorical(self) -> Categorical:
        """Dictionary-encode the column (one hash pass in Arrow) into codes and labels."""
        import pyarrow as pa
        import pyarrow.compute as pc

        # One array, one dictionary: the chunks of an encoded ChunkedArray each carry the
        # whole dictionary, and unifying them costs chunks x labels (17 s for 10**6 ids).
        whole = _as_large(self.array)
        whole = whole.combine_chunks() if whole.num_chunks else pa.array([], pa.large_string())
        encoded = pc.dictionary_encode(whole)
        return attrs.evolve(_categorical_of(encoded.indices, encoded.dictionary), declared=False)

    def take(self, rows: npt.NDArray[np.intp]) -> ArrowText:
        """The values of `rows`."""
        return ArrowText(self.array.take(rows))

    def iso_instants(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[Any], npt.NDArray[Any]]:
        """pyarrow's ISO 8601 cast, chunk by chunk on both cores.

        Returns nanoseconds, the null mask, and which rows were cast: those of the
        chunks whose every value pyarrow parsed.  pyarrow accepts what
        :func:`customer_kanban._core.iso.parse_iso` accepts for naive instants, with
        the same values (a test holds them equal); a chunk with anything else — an
        offset, a fraction over nine digits, a value outside ``datetime64[ns]`` —
        is left to the package's parser.
        """
        from concurrent.futures import ThreadPoolExecutor

        chunks = _as_large(self.array).chunks
        with ThreadPoolExecutor(max_workers=2) as pool:
            cast = list(pool.map(_cast_chunk, chunks))
        n = len(self)
        ns = np.zeros(n, np.int64)
        null = np.zeros(n, bool)
        done = np.zeros(n, bool)
        start = 0
        for chunk, values in zip(chunks, cast, strict=True):
            stop = start + len(chunk)
            if values is not None:
                ns[start:stop], null[start:stop] = values
                done[start:stop] = True
            start = stop
        return ns, null, done

    def objects(self) -> npt.NDArray[Any]:
        """Every value as a Python ``str`` (``None`` for nulls): the slow, general way."""
        out: npt.NDArray[Any] = np.asarray(self.array.to_numpy(zero_copy_only=False), dtype=object)
        return out

    def width(self) -> int:
        """Bytes of the longest value (at least 1)."""
        import pyarrow.compute as pc

        longest = pc.max(pc.binary_length(self.array)).as_py() if len(self) else None
        return max(int(longest or 0), 1)

    def fixed_bytes(self, width: int) -> tuple[npt.NDArray[Any], npt.NDArray[np.bool_]]:
        """The UTF-8 bytes of every value in an ``S{width}`` array (``b""`` for nulls) and
        which values were longer than `width` (and were cut)."""
        import pyarrow as pa

        n = len(self)
        out = np.zeros(n, dtype=f"S{max(width, 1)}")
        long = np.zeros(n, bool)
        start = 0
        for chunk in _as_large(self.array).chunks:
            stop = start + len(chunk)
            if len(chunk):
                out[start:stop], long[start:stop] = _chunk_bytes(chunk, width, pa)
            start = stop
        return out, long


def _cast_chunk(chunk: Any) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]] | None:
    """One chunk cast to ``timestamp[ns]`` (nanoseconds, nulls), or None if pyarrow refuses."""
    import pyarrow as pa

    try:
        cast = chunk.cast(pa.timestamp("ns"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    null = np.asarray(cast.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    values = np.asarray(cast.fill_null(0).to_numpy(zero_copy_only=False)).view(np.int64)
    return values, null


def _as_large(array: Any) -> Any:
    """The column as a ``ChunkedArray`` of ``large_string`` (int64 offsets, any length)."""
    import pyarrow as pa

    if isinstance(array, pa.Array):
        array = pa.chunked_array([array])
    if array.type != pa.large_string():
        array = array.cast(pa.large_string())
    return array


def _chunk_bytes(chunk: Any, width: int, pa: Any) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """One Arrow ``large_string`` chunk as an ``S{width}`` array: column by column of bytes."""
    n = len(chunk)
    offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64)[chunk.offset : chunk.offset + n + 1]
    data_buffer = chunk.buffers()[2]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0)
    starts = offsets[:-1]
    lengths = np.diff(offsets)
    if chunk.null_count:
        valid = np.asarray(chunk.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        lengths = np.where(valid, lengths, 0)
    long = lengths > width
    matrix = np.zeros((n, max(width, 1)), np.uint8)
    if data.size:
        last = data.size - 1
        for j in range(min(width, int(lengths.max(initial=0)))):
            byte = data[np.minimum(starts + j, last)]
            byte[lengths <= j] = 0
            matrix[:, j] = byte
    return matrix.view(f"S{max(width, 1)}").reshape(n), long


def _categorical_of(indices: Any, dictionary: Any) -> Categorical:
    """Arrow indices (with nulls) and dictionary as a :class:`Categorical`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    codes = indices if indices.type == pa.int32() else pc.cast(indices, pa.int32())
    if isinstance(codes, pa.ChunkedArray):
        codes = codes.combine_chunks() if codes.num_chunks else pa.array([], pa.int32())
    if codes.null_count:  # (a pass over every row: only when there are nulls)
        codes = pc.fill_null(codes, -1)
    labels = _dictionary_text(dictionary.cast(pa.large_string()), pa)
    return Categorical(primitive_values(codes, np.int32), labels)


def primitive_values(array: Any, dtype: Any) -> npt.NDArray[Any]:
    """A fixed-width Arrow array (or chunked array) without nulls as a numpy array.

    Read from Arrow's buffers (zero copy for one chunk): pyarrow's own ``to_numpy``
    imports pandas when it is installed (a tenth of a second, and its memory).
    """
    chunks = array.chunks if hasattr(array, "chunks") else [array]
    parts = [
        np.frombuffer(c.buffers()[1], dtype=dtype)[c.offset : c.offset + len(c)]
        for c in chunks
        if len(c)
    ]
    if not parts:
        return np.zeros(0, dtype=dtype)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _dictionary_text(dictionary: Any, pa: Any) -> npt.NDArray[Any]:
    """An Arrow ``large_string`` dictionary as a ``str`` array.

    A large ASCII dictionary (item ids) goes through fixed-width bytes, vectorized, instead
    of one Python string per label.
    """
    if len(dictionary) > 1024 and not dictionary.null_count:
        data = dictionary.buffers()[2]
        ascii_only = data is None or not len(data) or int(np.frombuffer(data, np.uint8).max()) < 128
        offsets = np.frombuffer(dictionary.buffers()[1], dtype=np.int64)
        offsets = offsets[dictionary.offset : dictionary.offset + len(dictionary) + 1]
        width = int(np.diff(offsets).max(initial=0))
        if ascii_only and 0 < width <= 256:
            fixed, _ = _chunk_bytes(dictionary, width, pa)
            return fixed.astype(f"U{width}")
    # to_pylist, not to_numpy: pyarrow's string to_numpy imports pandas (0.1 s, once)
    return _text(np.asarray(dictionary.to_pylist(), dtype=object))


def _text(labels: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Labels as a ``str`` array (categories of numbers become their text)."""
    if labels.dtype.kind == "U":
        return labels
    if labels.size == 0:
        return np.zeros(0, dtype="<U1")
    return np.asarray([str(v) for v in labels.tolist()], dtype=str)


# ----------------------------------------------------------------------------- frames


def _narwhals() -> Any:
    import narwhals as nw

    return nw


def is_frame(source: object) -> bool:
    """Whether narwhals recognises `source` as an eager data frame."""
    if isinstance(source, (Mapping, np.ndarray, str, bytes)) or source is None:
        return False
    nw = _narwhals()
    return nw.dependencies.is_into_dataframe(source)  # type: ignore[no-any-return]


def is_series(source: object) -> bool:
    """Whether `source` is a column narwhals knows (pandas, polars, pyarrow, ...)."""
    if isinstance(source, (Mapping, np.ndarray, list, tuple, str, bytes)) or source is None:
        return False
    if type(source).__module__.startswith("pyarrow"):  # pyarrow is imported already
        import pyarrow as pa

        return isinstance(source, (pa.Array, pa.ChunkedArray))
    nw = _narwhals()
    return nw.dependencies.is_into_series(source)  # type: ignore[no-any-return]


def frame_columns(
    source: Mapping[str, Any] | Any, wanted: list[str] | None = None
) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The column names of `source` and the `wanted` ones converted (all if None).

    Parameters
    ----------
    source : mapping of str to array_like or series, or data frame
        A ``dict`` (values: numpy arrays, lists, pandas/polars series, pyarrow
        arrays) or any eager frame narwhals supports (pandas, polars, pyarrow, ...).
    wanted : list of str, optional
        Columns to convert; others are only named.

    Returns
    -------
    names : tuple of str
    columns : dict of str to numpy.ndarray, Categorical or ArrowText
    """
    if isinstance(source, Mapping):
        names = tuple(str(k) for k in source)
        pick = [k for k in source if wanted is None or str(k) in wanted]
        return names, {str(k): column_values(source[k]) for k in pick}
    nw = _narwhals()
    frame = nw.from_native(source, eager_only=True)
    names = tuple(str(c) for c in frame.columns)
    pick = [c for c in frame.columns if wanted is None or str(c) in wanted]
    return names, {str(c): _series(frame.get_column(c)) for c in pick}


def column_values(column: Any) -> Any:
    """One column (an array-like or any series narwhals knows) converted as above."""
    if isinstance(column, np.ndarray):
        return column
    if isinstance(column, (list, tuple, range)):
        return np.asarray(column)
    nw = _narwhals()
    if type(column).__module__.startswith("pyarrow"):  # pyarrow is imported already
        import pyarrow as pa

        if isinstance(column, pa.Array):
            column = pa.chunked_array([column])  # narwhals takes chunked arrays as series
    series = nw.from_native(column, series_only=True, pass_through=True)
    if isinstance(series, nw.Series):
        return _series(series)
    return np.asarray(column)


def _series(s: Any) -> Any:
    nw = _narwhals()
    dtype = s.dtype
    if isinstance(dtype, (nw.Categorical, nw.Enum)):
        return _categorical(s)
    if isinstance(dtype, nw.Datetime):
        if dtype.time_zone is not None:
            s = s.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        native = s.to_native()
        if (
            s.implementation.is_pyarrow()
            and hasattr(native, "null_count")
            and not native.null_count
        ):
            unit = native.type.unit
            return primitive_values(native, np.int64).view(f"datetime64[{unit}]")
        return np.asarray(s.to_numpy())
    if isinstance(dtype, nw.String) and _arrow_backed(s):
        return ArrowText(_to_arrow(s))
    values = np.asarray(s.to_numpy())
    if values.dtype.kind == "O" and s.null_count():
        values = values.copy()
        values[np.asarray(s.is_null().to_numpy(), dtype=bool)] = None  # pd.NA and the like
    return values


def _arrow_backed(s: Any) -> bool:
    """A polars or pyarrow string column, with pyarrow installed to hold it."""
    impl = s.implementation
    return bool((impl.is_polars() or impl.is_pyarrow()) and arrow_available())


def _to_arrow(s: Any) -> Any:
    import pyarrow as pa

    native = s.to_native()
    if isinstance(native, (pa.ChunkedArray, pa.Array)):
        return native
    return s.to_arrow()


def _categorical(s: Any) -> Categorical:
    """Codes and labels of a categorical, enum or dictionary column, per library."""
    impl = s.implementation
    native = s.to_native()
    if impl.is_pandas_like():
        codes = np.asarray(native.cat.codes.to_numpy(), dtype=np.int32)
        return Categorical(codes, _text(np.asarray(native.cat.categories.to_numpy())))
    if impl.is_pyarrow():
        chunked = native.unify_dictionaries()
        if not chunked.num_chunks:
            return Categorical(np.zeros(0, np.int32), np.zeros(0, dtype="<U1"))
        import pyarrow as pa

        indices = pa.chunked_array([c.indices for c in chunked.chunks])
        return _categorical_of(indices, chunked.chunk(0).dictionary)
    if impl.is_polars():
        return _polars_categorical(native)
    nw = _narwhals()
    text = np.asarray(s.cast(nw.String).to_numpy(), dtype=object)
    return _factorize_objects(text)


def _polars_categorical(native: Any) -> Categorical:
    """polars: the physical codes, mapped to the distinct values present (no object per row).

    An ``Enum``'s physical codes index its categories, which are its labels.
    """
    import polars as pl

    if isinstance(native.dtype, pl.Enum):
        codes = native.to_physical().cast(pl.Int32).fill_null(-1).to_numpy()
        categories = np.asarray(native.dtype.categories.to_numpy(), dtype=object)
        return Categorical(np.asarray(codes, np.int32), _text(categories))
    physical = native.to_physical().cast(pl.Int64).fill_null(-1).to_numpy()
    present = native.unique().drop_nulls()
    keys = present.to_physical().cast(pl.Int64).to_numpy()
    labels = _text(np.asarray(present.cast(pl.String).to_numpy(), dtype=object))
    order = np.argsort(keys)
    keys, labels = keys[order], labels[order]
    pos = np.searchsorted(keys, physical)
    codes = np.where(physical >= 0, pos, -1).astype(np.int32)
    return Categorical(codes, labels, declared=False)


def _factorize_objects(text: npt.NDArray[Any]) -> Categorical:
    missing = np.asarray([v is None for v in text.tolist()], dtype=bool)
    labels, inverse = np.unique(text[~missing].astype(str), return_inverse=True)
    codes = np.full(text.size, -1, np.int32)
    codes[~missing] = inverse
    return Categorical(codes, labels, declared=False)

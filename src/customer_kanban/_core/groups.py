"""The ``by=`` factorisation shared by every grouped metric.

:func:`factorize` turns any accepted ``by`` into a :class:`Groups`: one label per
group and one integer code per row (rows in no group are left out).
Accepted forms:

* ``None``: one group labelled ``"all"``;
* a :class:`Groups` already factorised (a caller computing many figures over one
  grouping, such as a review, factorises it once);
* an array of labels (strings, numbers, any mutually orderable hashables);
  ``None``/``NaN``/``NaT`` labels mean "no group"; groups are the sorted
  unique labels;
* an array of integer codes: groups are the sorted unique codes;
* a tuple ``(codes, labels)`` as returned by a table's ``codes()`` method:
  codes index into `labels`, ``-1`` = missing, and **every** label is a group
  (even an empty one), in the given order;
* a categorical column of a data frame, read as ``(codes, categories)``: pandas
  ``Categorical``, polars ``Enum``, Arrow ``dictionary`` (every category is a
  group, in the column's order); a polars ``Categorical`` has no category list
  of its own, so its groups are its labels, sorted;
* any other column of a data frame (pandas, polars, pyarrow, ...), read as an
  array of labels; Arrow text is dictionary-encoded in Arrow, not copied to
  Python objects.

Text labels are factorised by :func:`~customer_kanban._core.labels.unique_inverse`
(O(n) when the labels are few) rather than sorted row by row.  An array of labels
registered with :func:`remember_codes` (a table's categorical field, see
``WorkItemTable.__getitem__``) is not factorised at all: its codes are used.

The helpers below compute per-group counts, sums and sorted values in one
vectorized pass (``np.bincount``, one sort), never a loop per row or per group.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from customer_kanban._core.frames import ArrowText, Categorical, column_values
from customer_kanban._core.labels import unique_inverse
from customer_kanban._core.threads import split
from customer_kanban._core.types import BoolArray, FloatArray, Int64Array, IntpArray
from customer_kanban.errors import ValidationError, describe_rows

__all__ = [
    "Groups",
    "count_codes",
    "describe_groups",
    "factorize",
    "order_by_code_then_time",
    "ratio",
    "remember_codes",
    "sort_key_by_code_then_time",
]


_ALL = np.array(["all"])
_NONE = np.array(None, dtype=object)
# Integer labels spanning at most this many values (or len(by)) use a lookup table.
_TABLE_SPAN = 1 << 16
# Up to this many groups, Groups.grouped_values picks each group's rows by a comparison
# (G passes of O(n), each a fraction of the cost of a radix sort); beyond, it sorts.
_FEW_GROUPS = 8
# Rows per block of the counting pass: the block's keys stay in cache.
_COUNT_BLOCK = 1 << 16


@attrs.frozen
class Groups:
    """A factorised ``by=``.

    Attributes
    ----------
    labels : numpy.ndarray
        One label per group, length G.
    codes : numpy.ndarray of intp or None
        Group of each row in ``0..G-1``, or ``G`` for a row in no group (so that
        ``np.bincount(codes, minlength=G + 1)[:G]`` drops those rows without a
        mask); ``None`` means every row is in group 0 (``by=None``).
    has_missing : bool
        Whether some row is in no group.
    """

    labels: npt.NDArray[Any] = attrs.field(eq=False)
    codes: IntpArray | None = attrs.field(eq=False)
    has_missing: bool = False

    @property
    def size(self) -> int:
        """Number of groups G."""
        return len(self.labels)

    def rows(self, mask: BoolArray | None = None) -> BoolArray | None:
        """Rows that are in `mask` (``None`` = all) and in some group; ``None`` = all rows."""
        if not self.has_missing:
            return mask
        assert self.codes is not None
        ingroup = self.codes < self.size
        return ingroup if mask is None else mask & ingroup

    def codes_of(self, rows: BoolArray | None) -> IntpArray:
        """Codes of the selected rows (from :meth:`rows`)."""
        assert self.codes is not None
        return self.codes if rows is None else self.codes[rows]

    def count(self, mask: BoolArray | None = None, *, n: int = 0) -> Int64Array:
        """Rows per group among `mask` (``None`` = all `n` rows), shape (G,)."""
        if self.codes is None:
            total = n if mask is None else int(np.count_nonzero(mask))
            return np.array([total], dtype=np.int64)
        if mask is None:
            counts: Int64Array = np.bincount(self.codes, minlength=self.size + 1).astype(np.int64)
            return counts[: self.size]
        first: Int64Array = self.counts(mask)[0]
        return first

    def count_two(self, first: BoolArray, second: BoolArray) -> tuple[Int64Array, Int64Array]:
        """Rows per group where `first` holds, and where `second` holds: ``count(first),
        count(second)`` in one counting pass (on every core), shape (G,) each."""
        both = self.counts(first, second)
        return both[0], both[1]

    def counts(self, *masks: BoolArray) -> Int64Array:
        """Rows per group where each of `masks` holds, shape (len(masks), G), in one
        counting pass on every core.

        Each row's key is its group code with one bit per mask beside it; keys are
        counted by ``np.bincount`` and the counts of the keys with each bit set are added
        up: exact integers. With up to 2**14 keys (``(G + 1) * 2**len(masks)``) the rows
        are counted block by block, with no array the size of the rows; with more, each
        thread counts its slice in one block (a key array the size of its rows, as a
        per-block count table would be larger).
        """
        k, n = len(masks), (0 if self.codes is None else self.codes.size)
        if self.codes is None:
            return np.array([[np.count_nonzero(m)] for m in masks], dtype=np.int64)
        slots = (self.size + 1) << k
        codes = self.codes

        def key(a: int, b: int) -> IntpArray:
            out = np.left_shift(codes[a:b], k, dtype=np.intp)
            for bit, mask in enumerate(masks):
                out += np.left_shift(mask[a:b], bit, dtype=np.intp)
            return out

        block = _COUNT_BLOCK if slots <= _COUNT_BLOCK >> 2 else max(n, 1)
        per_key = _count_keys(key, n, slots, block).reshape(self.size + 1, -1)
        has_bit = (np.arange(1 << k)[:, np.newaxis] >> np.arange(k)) & 1  # (keys, masks)
        out: Int64Array = (per_key[: self.size] @ has_bit).T.astype(np.int64)
        return out

    def sum(self, weights: FloatArray, mask: BoolArray | None = None) -> FloatArray:
        """Sum of `weights` per group among `mask` (``None`` = all rows), shape (G,)."""
        if self.codes is None:
            total = weights.sum() if mask is None else np.sum(weights, where=mask)
            return np.array([total], dtype=np.float64)
        w = weights if mask is None else np.where(mask, weights, 0.0)
        out = np.bincount(self.codes, weights=w, minlength=self.size + 1)
        return out[: self.size].astype(np.float64, copy=False)

    def grouped_values(
        self, values: FloatArray, mask: BoolArray | None = None
    ) -> tuple[FloatArray, Int64Array, Int64Array]:
        """Gather `values` group after group: a stable counting sort by group, O(n).

        Returns
        -------
        (grouped, offsets, counts)
            A new array; group g occupies ``grouped[offsets[g]:offsets[g] + counts[g]]``
            (in row order, not sorted by value).
        """
        if self.codes is None:
            v = values.copy() if mask is None else values[mask]
            return v, np.zeros(1, np.int64), np.array([len(v)], np.int64)
        size = self.size
        if size == 1 or size >= 0xFFFF:
            rows = self.rows(mask)
            codes = self.codes_of(rows)
            counts = np.bincount(codes, minlength=size).astype(np.int64, copy=False)
            offsets = np.cumsum(counts) - counts
            if size == 1:
                return values.copy() if rows is None else values[rows], offsets, counts
            order = np.argsort(codes, kind="stable")
            if rows is not None:
                order = np.flatnonzero(rows)[order]
            return values[order], offsets, counts
        # Rows left out get code `size`: sorted last, or never picked.
        small = np.uint8 if size < 0xFF else np.uint16
        key = self.codes.astype(small)
        if mask is not None:
            key = np.where(mask, key, small(size))
        if size <= _FEW_GROUPS:
            # A few groups: each group's values picked out by one comparison, in row order.
            grouped = np.empty(values.size, values.dtype)
            counts = np.zeros(size, np.int64)
            start = 0
            for g in range(size):
                rows = key == g
                counts[g] = np.count_nonzero(rows)
                np.compress(rows, values, out=grouped[start : start + counts[g]])
                start += int(counts[g])
            return grouped[:start], np.cumsum(counts) - counts, counts
        # numpy's stable sort of 8- and 16-bit keys is a radix sort.
        counts = np.bincount(key, minlength=size + 1)[:size].astype(np.int64)
        order = np.argsort(key, kind="stable")[: int(counts.sum())]
        return values[order], np.cumsum(counts) - counts, counts

    def sorted_values(
        self, values: FloatArray, mask: BoolArray | None = None
    ) -> tuple[FloatArray, Int64Array, Int64Array]:
        """Sort `values` by (group, value) in ONE sort.

        Returns
        -------
        (sorted, offsets, counts)
            `sorted` holds each group's values in ascending order, group after
            group; group g occupies ``sorted[offsets[g]:offsets[g] + counts[g]]``.

        Notes
        -----
        The pair is packed into one ``complex128`` (real = group code, imaginary
        = value): numpy sorts complex numbers lexicographically, so a single
        ``sort`` (no ``argsort``, no ``lexsort``) orders by group, then value.
        `values` must hold no NaN inside `mask`.
        """
        if self.codes is None:
            v = values if mask is None else values[mask]
            return np.sort(v), np.zeros(1, np.int64), np.array([len(v)], np.int64)
        rows = self.rows(mask)
        codes = self.codes_of(rows)
        v = values if rows is None else values[rows]
        packed = np.empty(len(v), dtype=np.complex128)
        packed.real = codes
        packed.imag = v
        packed.sort()
        counts = np.bincount(codes, minlength=self.size).astype(np.int64, copy=False)
        offsets = np.cumsum(counts) - counts
        return packed.imag, offsets, counts


def count_codes(codes: npt.NDArray[np.integer[Any]], size: int) -> Int64Array:
    """Rows of each code ``0..size-1`` among `codes` (``-1`` = none, not counted), by
    ``np.bincount`` block by block on every core: no array the size of the rows.

    Examples
    --------
    >>> count_codes(np.array([0, 2, -1, 2], dtype=np.int32), 3).tolist()
    [1, 0, 2]
    """

    def key(a: int, b: int) -> IntpArray:
        out: IntpArray = np.add(codes[a:b], 1, dtype=np.intp)  # -1: slot 0, dropped
        return out

    return _count_keys(key, codes.size, size + 1, _COUNT_BLOCK)[1:]


def _count_keys(key: Callable[[int, int], IntpArray], n: int, slots: int, block: int) -> Int64Array:
    """``np.bincount`` of the keys of rows ``0..n-1`` (``key(a, b)`` makes those of rows
    ``a..b-1``, each in ``[0, slots)``), `block` rows at a time, on every core."""

    def part(start: int, stop: int) -> Int64Array:
        counts = np.zeros(slots, dtype=np.int64)
        for a in range(start, stop, block):
            counts += np.bincount(key(a, min(a + block, stop)), minlength=slots)
        return counts

    out: Int64Array = np.sum(split(part, n, min_slice=1 << 16), axis=0)
    return out


def factorize(by: object, n: int, *, data_name: str) -> Groups:
    """Factorise `by` for `n` rows of `data_name` (named in length errors).

    Raises
    ------
    customer_kanban.errors.ValidationError
        If `by` does not have `n` rows, or codes lie outside ``[-1, G)``.
    TypeError
        If `by` has an unsupported type or its labels cannot be ordered.
    """
    if by is None:
        return Groups(labels=_ALL, codes=None)
    if isinstance(by, Groups):  # factorised once by a caller that groups many figures
        if by.codes is not None:
            _check_length(len(by.codes), n, data_name)
        return by
    if isinstance(by, tuple):
        if len(by) != 2:
            raise TypeError("`by` as a tuple must be `(codes, labels)`")
        return _from_codes(by[0], by[1], n, data_name)
    arr = _coded_or_values(by, n, data_name)
    if isinstance(arr, Groups):
        return arr
    if arr.ndim != 1:
        raise ValidationError(f"`by` must be one-dimensional, got shape {arr.shape}")
    _check_length(len(arr), n, data_name)
    kind = arr.dtype.kind
    if kind in "biu":
        return _from_integers(arr)
    if kind in "fcMmUS":
        missing = np.isnat(arr) if kind in "Mm" else (np.isnan(arr) if kind in "fc" else None)
        return _from_sortable(arr, missing)
    if kind == "O":
        return _from_sortable(arr, _object_missing(arr))
    raise TypeError(f"`by` must hold group labels or integer codes, got dtype {arr.dtype}")


def _coded_or_values(by: object, n: int, data_name: str) -> Groups | npt.NDArray[Any]:
    """The groups of a `by` that carries its codes, or else its values as an array."""
    known = _remembered(by)
    if known is not None:
        _check_length(len(known[0]), n, data_name)
        return _from_known(*known)
    cat = getattr(by, "cat", None)
    if cat is not None and hasattr(cat, "codes") and hasattr(cat, "categories"):
        return _from_codes(cat.codes, cat.categories, n, data_name)
    column = _frame_column(by)
    if isinstance(column, Categorical):
        return _from_codes(column.codes, column.labels.astype(object), n, data_name)
    return _as_array(by if column is None else column)


def _frame_column(by: object) -> Categorical | npt.NDArray[Any] | None:
    """A data frame's column as codes (categorical columns) or values; None for arrays."""
    if isinstance(by, (np.ndarray, list, range, str, bytes)) or not hasattr(by, "__len__"):
        return None
    column = column_values(by)
    if isinstance(column, ArrowText):
        column = column.categorical()
    if isinstance(column, Categorical):
        # Found labels (not a declared list of categories) group as labels do: sorted.
        return column if column.declared else column.ranked()
    return np.asarray(column)


# Arrays of labels that came with their codes (see remember_codes): id -> (a weak
# reference to the array, its codes, the sorted labels the codes index).
_REMEMBERED: dict[int, tuple[weakref.ref[Any], npt.NDArray[np.int32], npt.NDArray[Any]]] = {}


def remember_codes(
    values: npt.NDArray[Any], codes: npt.NDArray[np.int32], labels: npt.NDArray[Any]
) -> None:
    """Let ``by=values`` use `codes` instead of factorising `values` again.

    `values` must be the read-only array ``labels[codes]`` (``None`` where a code is
    -1), as a table hands out a categorical field; `labels` distinct strings in sorted
    order (other labels are not remembered: those arrays are factorised as any other).
    The entry lasts as long as `values` does.
    """
    if values.flags.writeable or not _sorted_text(labels):
        return
    key = id(values)

    def forget(ref: weakref.ref[Any]) -> None:
        entry = _REMEMBERED.get(key)
        if entry is not None and entry[0] is ref:
            del _REMEMBERED[key]

    _REMEMBERED[key] = (weakref.ref(values, forget), codes, labels)


def _sorted_text(labels: npt.NDArray[Any]) -> bool:
    """Whether `labels` are strings in strictly increasing order (as np.unique gives)."""
    text = labels.tolist()
    if not all(isinstance(label, str) for label in text):
        return False
    return all(a < b for a, b in itertools.pairwise(text))


def _remembered(by: object) -> tuple[npt.NDArray[np.int32], npt.NDArray[Any]] | None:
    """The codes and labels :func:`remember_codes` registered for `by`, if any."""
    entry = _REMEMBERED.get(id(by))
    if entry is None or entry[0]() is not by:
        return None
    return entry[1], entry[2]


def _from_known(codes: npt.NDArray[np.int32], labels: npt.NDArray[Any]) -> Groups:
    """The groups of ``labels[codes]`` as labels: the labels present, sorted; -1 in none."""
    size = len(labels)
    if codes.size == 0:
        return Groups(labels=labels[:0], codes=np.zeros(0, np.intp))
    found = np.zeros(size + 1, bool)  # found[-1]: some row has code -1
    found[codes] = True
    present, has_missing = found[:size], bool(found[size])
    if present.all() and not has_missing:
        return Groups(labels=labels, codes=codes.astype(np.intp))
    lookup = np.empty(size + 1, np.intp)  # lookup[-1]: code -1, no group
    lookup[:size] = np.cumsum(present) - 1
    kept = labels[present]
    lookup[size] = len(kept)
    return Groups(labels=kept, codes=lookup[codes], has_missing=has_missing)


def _as_array(values: object, name: str = "by") -> npt.NDArray[Any]:
    to_numpy = getattr(values, "to_numpy", None)
    if callable(to_numpy) and not isinstance(values, np.ndarray):
        return np.asarray(to_numpy())
    try:
        return np.asarray(values)
    except ValueError as exc:  # a ragged nested sequence
        raise ValidationError(f"`{name}` must be a 1-D sequence of labels: {exc}") from exc


def _check_length(got: int, n: int, data_name: str) -> None:
    if got != n:
        raise ValidationError(
            f"`{data_name}` and `by` must have the same length (got {n} and {got})"
        )


def _from_codes(codes: object, labels: object, n: int, data_name: str) -> Groups:
    c = _as_array(codes)
    lab = _as_array(labels)
    if c.ndim != 1 or lab.ndim != 1:
        raise ValidationError("`by` as `(codes, labels)` must hold two one-dimensional arrays")
    _check_length(len(c), n, data_name)
    if c.dtype.kind not in "iu" and c.size > 0:
        raise TypeError(f"`by` codes must be integers, got dtype {c.dtype}")
    if c.size == 0:
        return Groups(labels=lab, codes=np.zeros(0, np.intp))
    lo, hi = int(c.min()), int(c.max())
    if lo < -1 or hi >= len(lab):
        rows = np.flatnonzero((c < -1) | (c >= len(lab))).tolist()
        raise ValidationError(
            f"`by` codes must lie in [-1, {len(lab) - 1}] (-1 = no group); "
            f"they do not in {describe_rows(rows)}",
            rows=rows,
        )
    if lo == -1:
        codes = np.where(c < 0, len(lab), c).astype(np.intp)
        return Groups(labels=lab, codes=codes, has_missing=True)
    return Groups(labels=lab, codes=c.astype(np.intp, copy=False))


def _from_integers(arr: npt.NDArray[Any]) -> Groups:
    if arr.size == 0:
        return Groups(labels=arr[:0], codes=np.zeros(0, np.intp))
    lo, hi = arr.min(), arr.max()
    span = int(hi) - int(lo)
    uint64 = arr.dtype.kind == "u" and arr.dtype.itemsize == 8
    if arr.dtype.kind == "b" or (span < max(len(arr), _TABLE_SPAN) and not uint64):
        # O(n) lookup table instead of a sort.
        shifted = arr.astype(np.intp, copy=False)
        if int(lo) != 0:
            shifted = shifted - int(lo)  # a new array: never modify the caller's
        present = np.bincount(shifted, minlength=span + 1) > 0
        labels = (np.flatnonzero(present) + int(lo)).astype(arr.dtype)
        if int(lo) == 0 and present.all():
            return Groups(labels=labels, codes=shifted)  # codes 0..G-1 already
        table = np.cumsum(present, dtype=np.intp) - 1
        return Groups(labels=labels, codes=table[shifted])
    labels, inverse = np.unique(arr, return_inverse=True)
    return Groups(labels=labels, codes=inverse.astype(np.intp, copy=False))


def _from_sortable(arr: npt.NDArray[Any], missing: BoolArray | None) -> Groups:
    has_missing = missing is not None and bool(missing.any())
    keep = arr[~missing] if has_missing and missing is not None else arr
    try:
        labels, inverse = unique_inverse(keep)
    except TypeError as exc:
        raise TypeError(
            "`by` labels must be mutually orderable (e.g. all strings or all numbers) "
            "so that groups can be sorted; pass `(codes, labels)` for another order"
        ) from exc
    if not has_missing:
        return Groups(labels=labels, codes=inverse.astype(np.intp, copy=False))
    assert missing is not None
    codes = np.full(len(arr), len(labels), dtype=np.intp)
    codes[~missing] = inverse
    return Groups(labels=labels, codes=codes, has_missing=True)


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if type(value).__name__ in ("NAType", "NaTType"):
        return True
    if isinstance(value, (float, np.floating)):
        return bool(np.isnan(value))
    if isinstance(value, np.datetime64):
        return bool(np.isnat(value))
    return False


_is_missing_ufunc = np.frompyfunc(_is_missing, 1, 1)


def _object_missing(arr: npt.NDArray[Any]) -> BoolArray:
    """``None``/NaN/NaT/pandas NA labels of an object array."""
    try:
        missing: BoolArray = np.equal(arr, _NONE) | np.not_equal(arr, arr)
    except (TypeError, ValueError):
        # Objects whose comparison is not a plain bool (pandas NA): the slow path.
        missing = _is_missing_ufunc(arr).astype(bool)
    return missing


# --------------------------------------------------------------------------- ordering


def sort_key_by_code_then_time(
    codes: IntpArray, n_codes: int, times: Int64Array, *, low_bits: int = 0
) -> tuple[Int64Array, int, int, int] | None:
    """Pack (code, time) into one int64 that sorts like the pair, if it fits.

    Times are shifted to start at 0 and divided by their greatest common divisor
    (timestamps in whole seconds shrink by 10^9), so the pack fits for most real
    data; `low_bits` free bits are left at the bottom for a payload.

    Returns
    -------
    (key, t0, step, width) or None
        ``key = (code * width + (time - t0) // step) << low_bits``; ``None``
        when the packed key would overflow int64.
    """
    if times.size == 0:
        return np.zeros(0, np.int64), 0, 1, 1
    t0 = int(times.min())
    span = int(times.max()) - t0
    if span >= 1 << 62:
        return None
    rel = times - t0
    step = 1
    if span > 0:
        step = int(np.gcd.reduce(rel[:1024]))
        if step > 1:
            step = int(np.gcd(step, np.gcd.reduce(rel)))
        if step > 1:
            rel //= step
            span //= step
    width = span + 1
    if max(n_codes, 1) * width << low_bits >= 1 << 62:
        return None
    key = codes.astype(np.int64) * width
    key += rel
    if low_bits:
        key <<= low_bits
    return key, t0, step, width


def order_by_code_then_time(codes: IntpArray, n_codes: int, times: Int64Array) -> IntpArray | None:
    """Stable order of rows by (code, time); ``None`` when already in that order.

    Event logs usually arrive sorted by item then time, or by time alone; both
    are detected in O(n) and cost no (or one cheap integer) sort.
    """
    if len(codes) < 2:
        return None
    code_up = codes[1:] >= codes[:-1]
    time_up = times[1:] >= times[:-1]  # comparisons, not np.diff: no int64 overflow
    time_sorted = bool(time_up.all())
    if bool(code_up.all()) and (time_sorted or bool(((codes[1:] > codes[:-1]) | time_up).all())):
        return None
    if time_sorted:
        order: IntpArray = np.argsort(codes, kind="stable")
        return order
    packed = sort_key_by_code_then_time(codes, n_codes, times)
    if packed is not None:
        order = np.argsort(packed[0], kind="stable")
        return order
    order = np.lexsort((times, codes))
    return order


# --------------------------------------------------------------------------- helpers


def ratio(num: npt.NDArray[Any], den: npt.NDArray[Any]) -> FloatArray:
    """``num / den`` as float64, NaN where ``den == 0`` (no division warning)."""
    out = np.full(np.shape(den), np.nan, dtype=np.float64)
    np.divide(num, den, out=out, where=den > 0)
    return out


def describe_groups(labels: npt.NDArray[Any], which: BoolArray, *, limit: int = 5) -> str:
    """``"2 of 3 groups ('b', 'c')"`` for warning messages."""
    picked = labels[which]
    shown = ", ".join(repr(x) for x in picked[:limit].tolist())
    more = ", ..." if len(picked) > limit else ""
    noun = "group" if len(labels) == 1 else "groups"
    return f"{len(picked)} of {len(labels)} {noun} ({shown}{more})"

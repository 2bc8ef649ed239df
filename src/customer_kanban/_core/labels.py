"""``np.unique(values, return_inverse=True)`` for labels, without sorting every row.

Grouping by text labels (classes of service, segments, departments) needs the sorted
distinct labels and each row's position among them.  ``np.unique`` sorts every row:
on a million ``<U10`` labels that is about 0.2 s, and on an object array of strings,
compared one pair at a time in Python, about 1 s.  Real label columns hold few
distinct values, so :func:`unique_inverse` avoids the sort:

* fixed-width text (``U`` and ``S`` arrays): the distinct labels of a sample of the
  rows are sorted, a few character positions that tell them apart are packed into
  one integer key per row, and each row is looked up among the sample's keys, then
  checked against its label in full.  Rows whose label the sample missed (or whose
  key matched a label they are not) go through ``np.unique``; their labels are
  merged in.  The result is exactly ``np.unique``'s.
* object arrays of ``str``: one dict lookup per row, then the distinct labels sorted
  (a few microseconds).  Other objects take ``np.unique``.

Both stay O(n) whatever the labels; many distinct labels (above :data:`_FEW`) take
``np.unique`` directly, where the sort is the right tool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["unique_inverse"]

# Below this many rows np.unique is as fast as anything here.
_SMALL = 1 << 14
# Rows in the sample whose distinct labels are the candidates.
_SAMPLE = 4096
# More distinct labels than this in the sample: np.unique.
_FEW = 256
# Bits per character in a packed key: UCS-4 code points, UTF-8 bytes.
_BITS = {"U": 21, "S": 8}
# Rows checked against their candidate label at a time.
_BLOCK = 1 << 16
# Keys spanning fewer values than this are looked up in a table, others by bisection.
_TABLE_SPAN = 1 << 20


def unique_inverse(values: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], npt.NDArray[np.intp]]:
    """``np.unique(values, return_inverse=True)`` of a 1-D array, in O(n) for few labels.

    Parameters
    ----------
    values : numpy.ndarray, 1-D
        Any array ``np.unique`` accepts; text (``U``, ``S``, objects holding ``str``)
        takes the fast paths.

    Returns
    -------
    labels : numpy.ndarray
        The sorted distinct values (dtype of `values`).
    inverse : numpy.ndarray of intp
        ``labels[inverse]`` equals `values`.

    Raises
    ------
    TypeError
        As ``np.unique``, for objects that cannot be ordered.

    Examples
    --------
    >>> labels, inverse = unique_inverse(np.array(["b", "a", "b"] * 10_000))
    >>> labels.tolist(), inverse[:3].tolist()
    (['a', 'b'], [1, 0, 1])
    """
    if values.size >= max(_SMALL, 1) and values.ndim == 1:
        kind = values.dtype.kind
        found = None
        if kind in "US" and values.itemsize:
            found = _fixed_text(values)
        elif kind == "O":
            found = _str_objects(values)
        if found is not None:
            return found
    labels, inverse = np.unique(values, return_inverse=True)
    return labels, inverse.reshape(-1).astype(np.intp, copy=False)


def _str_objects(values: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], npt.NDArray[np.intp]] | None:
    """One dict lookup per row, when every value is a ``str``; None otherwise."""
    rows = values.tolist()
    index: dict[Any, int] = dict.fromkeys(rows, 0)
    if not all(isinstance(label, str) for label in index):
        return None  # numbers, None, mixed: np.unique's rules (or its TypeError)
    ordered = sorted(index)
    index = {label: code for code, label in enumerate(ordered)}
    inverse = np.fromiter(map(index.__getitem__, rows), dtype=np.intp, count=len(rows))
    labels = np.empty(len(ordered), dtype=object)
    labels[:] = ordered
    return labels, inverse


def _fixed_text(values: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], npt.NDArray[np.intp]] | None:
    """Few distinct ``U``/``S`` labels: keys of a few characters, looked up, then checked."""
    values = np.ascontiguousarray(values)
    n = values.size
    sample = np.unique(values[:: max(1, n // _SAMPLE)])
    if sample.size > _FEW:
        return None
    unit = np.uint32 if values.dtype.kind == "U" else np.uint8
    width = values.itemsize // np.dtype(unit).itemsize
    bits = _BITS[values.dtype.kind]
    columns = _telling_columns(sample.view(unit).reshape(sample.size, width), 63 // bits)
    if columns is None:
        return None
    chars = values.view(unit).reshape(n, width)
    find = _finder(_packed(sample.view(unit).reshape(sample.size, width), columns, bits))
    inverse = np.empty(n, np.intp)
    found = np.empty(n, bool)
    for start in range(0, n, _BLOCK):  # a block at a time: its temporaries stay in cache
        rows = slice(start, start + _BLOCK)
        candidate = find(_packed(chars[rows], columns, bits))
        ok = candidate >= 0
        candidate[~ok] = 0
        ok &= np.take(sample, candidate) == values[rows]  # the key only names a candidate
        inverse[rows], found[rows] = candidate, ok
    if found.all():
        return sample, inverse.astype(np.intp, copy=False)
    rest = np.flatnonzero(~found)
    extra, extra_inverse = np.unique(values[rest], return_inverse=True)
    labels = np.union1d(sample, extra)
    inverse = np.searchsorted(labels, sample)[inverse]
    inverse[rest] = np.searchsorted(labels, extra)[extra_inverse.reshape(-1)]
    return labels, inverse.astype(np.intp, copy=False)


def _telling_columns(chars: npt.NDArray[Any], most: int) -> list[int] | None:
    """At most `most` character positions on which the rows of `chars` all differ.

    Greedy: each step adds the position that splits the rows into the most distinct
    tuples.  None when `most` positions cannot tell the rows apart.
    """
    k, width = chars.shape
    if k < 2:
        return [0]
    chosen: list[int] = []
    tuples = np.zeros(k, np.int64)
    for _ in range(min(most, width)):
        best, best_count, best_tuples = 0, 0, tuples
        for column in sorted(set(range(width)) - set(chosen)):
            _, combined = np.unique(
                np.stack((tuples, chars[:, column].astype(np.int64))), axis=1, return_inverse=True
            )
            count = int(combined.max()) + 1
            if count > best_count:
                best, best_count, best_tuples = column, count, combined.reshape(-1)
        chosen.append(best)
        tuples = best_tuples.astype(np.int64)
        if best_count == k:
            return chosen
    return None


def _finder(
    known: npt.NDArray[np.uint64],
) -> Callable[[npt.NDArray[np.uint64]], npt.NDArray[np.intp]]:
    """A function giving the position of each key in `known` (distinct keys), -1 if absent.

    A table indexed by the key when the known keys span a small range, else a binary
    search among them.
    """
    low = known.min()
    span = int(known.max() - low)
    if span < _TABLE_SPAN:
        table = np.full(span + 2, -1, dtype=np.intp)
        table[(known - low).astype(np.intp)] = np.arange(known.size)

        def look_up(key: npt.NDArray[np.uint64]) -> npt.NDArray[np.intp]:
            offset = key - low  # below `low`: wraps round to a huge number
            np.minimum(offset, np.uint64(span + 1), out=offset)
            out: npt.NDArray[np.intp] = table[offset]
            return out

        return look_up
    order = np.argsort(known)
    ordered = known[order]

    def bisect(key: npt.NDArray[np.uint64]) -> npt.NDArray[np.intp]:
        pos = np.minimum(np.searchsorted(ordered, key), ordered.size - 1)
        return np.where(ordered[pos] == key, order[pos], -1).astype(np.intp, copy=False)

    return bisect


def _packed(chars: npt.NDArray[Any], columns: list[int], bits: int) -> npt.NDArray[np.uint64]:
    """The characters at `columns` of every row, packed into one ``uint64``."""
    key = chars[:, columns[0]].astype(np.uint64)
    for column in columns[1:]:
        key <<= np.uint64(bits)
        key |= chars[:, column]
    return key

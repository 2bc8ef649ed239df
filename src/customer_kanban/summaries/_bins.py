"""Sparse histograms of durations: sorted ``(group, bin, count)`` rows, merged by a sort.

A duration ``t`` (an integer number of nanoseconds, ``t >= 0``) falls in bin
``ceil(t / resolution)``: the bin's value ``bin × resolution`` is the duration rounded
*up* to the resolution, so ``t <= d`` and ``bin <= d / resolution`` agree whenever `d` is
a multiple of the resolution.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["bin_of", "reduce_rows"]

Ints = npt.NDArray[np.int64]


def bin_of(durations_ns: Ints, resolution_ns: int) -> Ints:
    """``ceil(durations_ns / resolution_ns)`` in integers (no float rounding)."""
    out: Ints = -((-durations_ns) // resolution_ns)
    return out


def reduce_rows(group: Ints, bins: Ints, count: Ints) -> tuple[Ints, Ints, Ints]:
    """Rows with the same ``(group, bin)`` summed, sorted by group then bin; zero counts
    dropped. One lexicographic sort and one ``np.add.reduceat``."""
    keep = count != 0
    group, bins, count = group[keep], bins[keep], count[keep]
    if not group.size:
        empty = np.empty(0, np.int64)
        return empty, empty.copy(), empty.copy()
    order = np.lexsort((bins, group))
    g, b, c = group[order], bins[order], count[order]
    new = np.ones(g.size, dtype=bool)
    new[1:] = (g[1:] != g[:-1]) | (b[1:] != b[:-1])
    starts = np.flatnonzero(new)
    return g[starts], b[starts], np.add.reduceat(c, starts).astype(np.int64)

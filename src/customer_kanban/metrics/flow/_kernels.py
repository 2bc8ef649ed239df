"""Elapsed days per item, checked and computed in one pass over cache-sized blocks.

``lead_time`` and ``work_item_age`` in elapsed days are a subtraction and a division per
item, but their checks (no end before its start, no span over 292 years) were whole-array
passes of their own: about seven passes over memory for two of work.  Here each thread
takes a contiguous slice (:func:`customer_kanban._core.threads.split`) and walks it in
blocks small enough to stay in cache, checking and computing each block at once.  The
values are those of the whole-array expression to the bit: ``(double) (end - start) /
(double) ns_per_day``, NaN where an instant is unknown, as numpy divides two
``timedelta64``.  A block that fails a check stops the kernel (``None``); the caller then
runs the whole-array checks, which name every offending row.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from customer_kanban._core.instants import NS_PER_DAY
from customer_kanban._core.threads import split
from customer_kanban._core.types import FloatArray, InstantArray

__all__ = ["BLOCK", "elapsed_age", "elapsed_lead_time"]

#: Items per block: big enough that the dozen numpy calls per block cost little, small
#: enough that its temporaries stay in cache (measured best from 2**15 to 2**17).
BLOCK = 1 << 17
_NAT = np.iinfo(np.int64).min
_NAT_NEXT = np.int64(_NAT + 1)
_INT64_MAX = int(np.iinfo(np.int64).max)
_DAY = float(NS_PER_DAY)


def elapsed_lead_time(start: InstantArray, end: InstantArray) -> FloatArray | None:
    """``(end - start)`` in days, NaN where either is NaT; ``None`` when some end is before
    its start or a span overflows (the caller's checks then say where)."""
    s, e = start.view(np.int64), end.view(np.int64)
    out = np.empty(s.size, np.float64)

    def run(first: int, stop: int) -> bool:
        scratch = _Scratch(min(BLOCK, stop - first))
        for lo in range(first, stop, BLOCK):
            hi = min(lo + BLOCK, stop)
            if not _days(s[lo:hi], e[lo:hi], out[lo:hi], scratch.sized(hi - lo)):
                return False
        return True

    return out if all(split(run, s.size)) else None


def elapsed_age(start: InstantArray, end: InstantArray, as_of: np.datetime64) -> FloatArray | None:
    """``(as_of - start)`` in days for items started by `as_of` and not finished by then
    (NaN for the others); ``None`` when some end is before its start or a span overflows."""
    s, e = start.view(np.int64), end.view(np.int64)
    t = np.int64(as_of.astype("datetime64[ns]").view(np.int64))
    out = np.empty(s.size, np.float64)

    def run(first: int, stop: int) -> bool:
        scratch = _Scratch(min(BLOCK, stop - first))
        for lo in range(first, stop, BLOCK):
            hi = min(lo + BLOCK, stop)
            if not _age(s[lo:hi], e[lo:hi], t, out[lo:hi], scratch.sized(hi - lo)):
                return False
        return True

    return out if all(split(run, s.size)) else None


class _Scratch:
    """One thread's temporaries for a block, made once and reused (no allocation, no page
    fault per block)."""

    def __init__(self, size: int) -> None:
        self.d = np.empty(size, np.int64)
        self.a = np.empty(size, bool)
        self.b = np.empty(size, bool)
        self.c = np.empty(size, bool)

    def sized(self, n: int) -> tuple[Any, Any, Any, Any]:
        return self.d[:n], self.a[:n], self.b[:n], self.c[:n]


def _days(s: Any, e: Any, out: Any, scratch: tuple[Any, Any, Any, Any]) -> bool:
    """One block of :func:`elapsed_lead_time`; False if a check fails.

    The pairs' instants are first bounded by two reductions: when no known pair can
    span more than int64 holds backwards (the usual case: instants within 292 years of
    each other), an end before its start or a span that overflows forwards both show as
    a negative day count, so one reduction of the days checks them all."""
    d, unknown = scratch[0], scratch[1]
    np.minimum(s, e, out=d)  # NaT is the least int64: the pair has one iff its minimum is
    np.subtract(d, _NAT_NEXT, out=d)  # as uint64: NaT the largest, the others in order
    np.equal(d, -1, out=unknown)
    least = int(d.view(np.uint64).min()) + _NAT + 1  # the least known instant of a pair
    if int(s.max()) - least > _INT64_MAX:  # a pair may wrap backwards: check each one
        return _days_checked(s, e, out, scratch)
    np.subtract(e, s, out=d)  # wraps where the span overflows: then negative
    np.divide(d, _DAY, out=out)  # int64 -> float64, then one division: as numpy's
    # By positions: a masked write mispredicts its branches on mixed masks (2-5x slower).
    out[np.flatnonzero(unknown)] = np.nan
    return not np.fmin.reduce(out) < 0  # NaN (no known pair) compares False


def _days_checked(s: Any, e: Any, out: Any, scratch: tuple[Any, Any, Any, Any]) -> bool:
    """:func:`_days` checking each pair's order and span on its own."""
    d, unknown, bad, tmp = scratch
    np.minimum(s, e, out=d)
    np.equal(d, _NAT, out=unknown)
    np.subtract(e, s, out=d)  # wraps where the span overflows: then negative, or e < s
    np.less(e, s, out=bad)
    np.less(d, 0, out=tmp)
    bad |= tmp
    np.greater(bad, unknown, out=tmp)  # bad and known
    if tmp.any():
        return False
    np.divide(d, _DAY, out=out)
    out[np.flatnonzero(unknown)] = np.nan
    return True


def _age(s: Any, e: Any, t: np.int64, out: Any, scratch: tuple[Any, Any, Any, Any]) -> bool:
    """One block of :func:`elapsed_age`; False if a check fails."""
    d, active, bad, tmp = scratch
    np.not_equal(s, _NAT, out=active)  # s known
    np.not_equal(e, _NAT, out=bad)  # e known
    np.less(e, s, out=tmp)
    tmp &= bad
    tmp &= active
    if tmp.any():
        return False
    np.less_equal(e, t, out=tmp)
    tmp &= bad  # finished by as_of
    np.less_equal(s, t, out=bad)
    active &= bad
    active &= ~tmp  # started by as_of, not finished by then
    np.subtract(t, s, out=d)
    np.less(d, 0, out=tmp)
    tmp &= active
    if tmp.any():  # wrapped: started more than 292 years before as_of
        return False
    np.divide(d, _DAY, out=out)
    np.logical_not(active, out=active)
    np.putmask(out, active, np.nan)
    return True

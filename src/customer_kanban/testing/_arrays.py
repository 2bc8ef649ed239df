"""Hypothesis strategies for the array inputs of :mod:`customer_kanban.metrics`.

Instants are ``datetime64[ns]`` arrays on a whole-second grid within
``span_days`` of 2024-01-01 (ties and day boundaries included on purpose),
with ``NaT`` for missing; durations are float64 days with NaN for unfinished.
Sizes are keyword-only (``min_size``/``max_size``, or ``size`` to align with
another array).

Examples
--------
>>> from hypothesis import given
>>> from customer_kanban.testing._arrays import start_end_arrays
>>> @given(start_end_arrays(max_size=5))
... def test_end_not_before_start(pair):
...     start, end = pair
...     assert not (end < start).any()
>>> test_end_not_before_start()
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = [
    "TransitionArrays",
    "duration_arrays",
    "group_label_arrays",
    "instant_arrays",
    "interval_arrays",
    "start_end_arrays",
    "transition_arrays",
]

FloatArray = npt.NDArray[np.float64]
InstantArray = npt.NDArray[np.datetime64]
IntpArray = npt.NDArray[np.intp]

BASE = np.datetime64("2024-01-01T00:00:00", "ns")
_NS_PER_S = 10**9
_NAT = np.datetime64("NaT", "ns")


class TransitionArrays(NamedTuple):
    """Inputs of :func:`customer_kanban.metrics.time_in_state`."""

    item: IntpArray
    state: IntpArray
    at: InstantArray
    end: InstantArray
    n_states: int


def _size(draw: st.DrawFn, size: int | None, min_size: int, max_size: int) -> int:
    if size is not None:
        return size
    return draw(st.integers(min_size, max_size))


def _seconds(span_days: float) -> st.SearchStrategy[int]:
    top = int(span_days * 86_400)
    # Whole days and half days make ties and period boundaries likely.
    return st.one_of(
        st.integers(0, top),
        st.integers(0, int(span_days) * 2).map(lambda k: k * 43_200),
    )


def _to_instants(seconds: npt.NDArray[np.int64], missing: npt.NDArray[np.bool_]) -> InstantArray:
    out = BASE + (seconds * _NS_PER_S).astype("timedelta64[ns]")
    out[missing] = _NAT
    return out


@st.composite
def duration_arrays(
    draw: st.DrawFn,
    *,
    size: int | None = None,
    min_size: int = 0,
    max_size: int = 30,
    max_days: float = 60.0,
    allow_nan: bool = True,
) -> FloatArray:
    """Durations in days (>= 0), with NaN for unfinished items when `allow_nan`."""
    n = _size(draw, size, min_size, max_size)
    finite = st.one_of(
        st.sampled_from([0.0, 0.5, 1.0, 2.0, 8.0]),
        st.floats(0.0, max_days, allow_nan=False, allow_infinity=False),
    )
    elements = st.one_of(finite, st.just(np.nan)) if allow_nan else finite
    arr: FloatArray = draw(hnp.arrays(np.float64, n, elements=elements))
    return arr


@st.composite
def instant_arrays(
    draw: st.DrawFn,
    *,
    size: int | None = None,
    min_size: int = 0,
    max_size: int = 30,
    span_days: float = 60.0,
    allow_nat: bool = True,
) -> InstantArray:
    """``datetime64[ns]`` instants within `span_days` of 2024-01-01; ``NaT`` when allowed."""
    n = _size(draw, size, min_size, max_size)
    seconds = draw(hnp.arrays(np.int64, n, elements=_seconds(span_days)))
    missing = draw(hnp.arrays(np.bool_, n)) if allow_nat else np.zeros(n, dtype=bool)
    return _to_instants(seconds, missing)


@st.composite
def start_end_arrays(
    draw: st.DrawFn,
    *,
    size: int | None = None,
    min_size: int = 0,
    max_size: int = 30,
    span_days: float = 60.0,
    max_days: float = 30.0,
    allow_open: bool = True,
    allow_unstarted: bool = False,
) -> tuple[InstantArray, InstantArray]:
    """``(start, end)`` with ``end >= start``; open items (``NaT`` end) when
    `allow_open`; items with neither (both ``NaT``) when `allow_unstarted`."""
    n = _size(draw, size, min_size, max_size)
    begin = draw(hnp.arrays(np.int64, n, elements=_seconds(span_days)))
    length = draw(hnp.arrays(np.int64, n, elements=_seconds(max_days)))
    no_start = draw(hnp.arrays(np.bool_, n)) if allow_unstarted else np.zeros(n, dtype=bool)
    no_end = draw(hnp.arrays(np.bool_, n)) if allow_open else np.zeros(n, dtype=bool)
    start = _to_instants(begin, no_start)
    end = _to_instants(begin + length, no_start | no_end)
    return start, end


@st.composite
def group_label_arrays(
    draw: st.DrawFn,
    *,
    size: int | None = None,
    min_size: int = 0,
    max_size: int = 30,
    n_groups: int = 3,
    allow_missing: bool = True,
) -> npt.NDArray[Any]:
    """Object arrays of string labels ``"g0"``, ``"g1"``, ...; ``None`` = no group."""
    n = _size(draw, size, min_size, max_size)
    labels = [f"g{k}" for k in range(n_groups)]
    choices: list[str | None] = [*labels, None] if allow_missing else list(labels)
    arr = np.empty(n, dtype=object)
    arr[:] = draw(st.lists(st.sampled_from(choices), min_size=n, max_size=n))
    return arr


@st.composite
def transition_arrays(
    draw: st.DrawFn,
    *,
    min_size: int = 0,
    max_size: int = 30,
    min_items: int = 0,
    max_items: int = 6,
    n_states: int = 4,
    span_days: float = 30.0,
) -> TransitionArrays:
    """Unsorted transitions (item, state, at) and item ends (some ``NaT``, some
    before the item's last transitions, to exercise clipping)."""
    n_items = draw(st.integers(min_items, max_items))
    m = draw(st.integers(min_size, max_size)) if n_items else 0
    item = draw(hnp.arrays(np.intp, m, elements=st.integers(0, max(n_items - 1, 0))))
    state = draw(hnp.arrays(np.intp, m, elements=st.integers(0, n_states - 1)))
    at = _to_instants(
        draw(hnp.arrays(np.int64, m, elements=_seconds(span_days))), np.zeros(m, dtype=bool)
    )
    end = instant_arrays(size=n_items, span_days=span_days * 1.2)
    return TransitionArrays(item, state, at, draw(end), n_states)


@st.composite
def interval_arrays(
    draw: st.DrawFn,
    *,
    n_items: int,
    min_size: int = 0,
    max_size: int = 30,
    span_days: float = 30.0,
    allow_open: bool = True,
) -> tuple[IntpArray, InstantArray, InstantArray]:
    """Blocked intervals ``(item, start, end)`` of `n_items` items; open ones
    (``NaT`` end) when `allow_open`. Intervals of an item may overlap."""
    m = draw(st.integers(min_size, max_size)) if n_items else 0
    item = draw(hnp.arrays(np.intp, m, elements=st.integers(0, max(n_items - 1, 0))))
    start, end = draw(
        start_end_arrays(size=m, span_days=span_days, max_days=span_days / 3, allow_open=allow_open)
    )
    return item, start, end

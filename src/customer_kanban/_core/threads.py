"""Work split over a few threads, for numpy kernels that release the GIL.

numpy's ufuncs, sorts and integer gathers run without the GIL, so slices of one large
array can be processed on several cores by plain threads.  :func:`split` runs a function
over contiguous slices of ``range(size)`` and returns its results in slice order; each
slice's work is the serial work restricted to it, so results do not depend on the
number of threads.  The number of threads is ``os.cpu_count()`` (at most
:data:`MAX_THREADS`), or the ``CUSTOMER_KANBAN_THREADS`` environment variable when set;
1 runs everything in the calling thread.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["MAX_THREADS", "MIN_SLICE", "each", "later", "n_threads", "pair", "split"]

T = TypeVar("T")
U = TypeVar("U")

#: Most threads used, whatever the machine.
MAX_THREADS = 8
#: Below this many elements per slice, threads cost more than they give.
MIN_SLICE = 1 << 18

_pool: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def _forget_pool() -> None:
    """In a forked child the pool's threads do not exist: make a new pool on first use."""
    global _pool, _lock
    _pool = None
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_pool)


def n_threads() -> int:
    """Threads to use: ``CUSTOMER_KANBAN_THREADS`` when set, else the machine's cores.

    Examples
    --------
    >>> n_threads() >= 1
    True
    """
    value = os.environ.get("CUSTOMER_KANBAN_THREADS", "").strip()
    if value:
        try:
            count = int(value)
        except ValueError:
            raise ValueError(
                f"CUSTOMER_KANBAN_THREADS must be a whole number >= 1, got {value!r}"
            ) from None
        if count < 1:
            raise ValueError(f"CUSTOMER_KANBAN_THREADS must be a whole number >= 1, got {value!r}")
        return min(count, MAX_THREADS)
    return max(1, min(os.cpu_count() or 1, MAX_THREADS))


def split(func: Callable[[int, int], T], size: int, *, min_slice: int | None = None) -> list[T]:
    """``[func(start, stop), ...]`` over contiguous slices covering ``range(size)``.

    As many slices as threads (fewer when a slice would hold under `min_slice`
    elements, :data:`MIN_SLICE` by default); one slice, in the calling thread, when
    that is all there is.

    Examples
    --------
    >>> split(lambda a, b: (a, b), 10)
    [(0, 10)]
    >>> sum(b - a for a, b in split(lambda a, b: (a, b), 10**6, min_slice=1000)) == 10**6
    True
    """
    smallest = MIN_SLICE if min_slice is None else min_slice
    parts = max(1, min(n_threads(), size // max(smallest, 1)))
    bounds = [size * k // parts for k in range(parts + 1)]
    if parts == 1:
        return [func(0, size)]
    pool = _shared_pool()
    futures = [pool.submit(func, a, b) for a, b in itertools.pairwise(bounds)]
    return [f.result() for f in futures]


def pair(first: Callable[[], T], second: Callable[[], U], *, size: int) -> tuple[T, U]:
    """``(first(), second())``, the second on another thread when there is one and the
    work (`size` elements) is worth it.

    Examples
    --------
    >>> pair(lambda: 1, lambda: "two", size=10)
    (1, 'two')
    """
    if n_threads() < 2 or size < MIN_SLICE:
        return first(), second()
    other = _shared_pool().submit(second)
    return first(), other.result()


def later(func: Callable[[], T]) -> Callable[[], T]:
    """Start ``func()`` on another thread when there is one (else run it now); the
    returned callable waits for its result.  For overlapping a step that must stay in
    order (drawing random numbers) with work on what it produced.

    Examples
    --------
    >>> result = later(lambda: 6 * 7)
    >>> result()
    42
    """
    if n_threads() < 2:
        value = func()
        return lambda: value
    return _shared_pool().submit(func).result


def each(func: Callable[[int], T], weights: Sequence[int]) -> list[T]:
    """``[func(k) for k in range(len(weights))]``, the tasks shared among the threads by
    their `weights` (the heaviest first, each to the lightest thread so far); in the
    calling thread when there is one thread or the work (the weights' sum, in elements)
    is under :data:`MIN_SLICE`.  Each task is independent: results do not depend on the
    number of threads.

    Examples
    --------
    >>> each(lambda k: k * k, [3, 1, 2])
    [0, 1, 4]
    """
    threads = min(n_threads(), len(weights))
    if threads < 2 or sum(weights) < MIN_SLICE:
        return [func(k) for k in range(len(weights))]
    lanes: list[list[int]] = [[] for _ in range(threads)]
    load = [0] * threads
    for k in sorted(range(len(weights)), key=lambda k: -weights[k]):  # a task per group
        lightest = load.index(min(load))
        lanes[lightest].append(k)
        load[lightest] += weights[k]

    def run(lane: list[int]) -> list[tuple[int, T]]:
        return [(k, func(k)) for k in lane]

    pool = _shared_pool()
    futures = [pool.submit(run, lane) for lane in lanes[1:] if lane]
    done = dict(run(lanes[0]))
    for future in futures:
        done.update(future.result())
    return [done[k] for k in range(len(weights))]


def _shared_pool() -> ThreadPoolExecutor:
    """One pool for the process, made on first use (no thread at import)."""
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=MAX_THREADS, thread_name_prefix="customer_kanban"
            )
        return _pool

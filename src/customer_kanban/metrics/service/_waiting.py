"""Customer-centric metrics: customer waiting time, customer-recognisable work."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from customer_kanban._core.groups import describe_groups, ratio
from customer_kanban._core.instants import NS_PER_DAY
from customer_kanban._core.threads import split
from customer_kanban._core.validation import warn_insufficient
from customer_kanban.metrics.service._results import ShareResult, WaitingTimeResult
from customer_kanban.metrics.service._validation import (
    customer_recognisable_share_iv,
    customer_waiting_time_iv,
)

__all__ = ["customer_recognisable_share", "customer_waiting_time"]


def customer_waiting_time(
    start: npt.ArrayLike,
    end: npt.ArrayLike,
    *,
    as_of: object,
    by: object = None,
) -> WaitingTimeResult:
    """Time customers spent waiting on the service, in total and per item.

    "Save the customer's time": every item requested at or before
    `as_of` makes its customer wait from the request to the delivery, or to
    `as_of` when it is not delivered by then.

    Parameters
    ----------
    start : array_like of instants, shape (n,)
        Request (arrival) instant of each item, typically ``requested_at``;
        ``NaT`` = unknown, left out.
    end : array_like of instants, shape (n,)
        Delivery instant, typically ``delivered_at``; ``NaT`` = not delivered.
    as_of : instant
        End of the observation (required: never "today"). Items requested
        after it are left out; deliveries after it count as not yet made.
    by : array_like or tuple, optional
        Groups, typically the customer (or customer segment).

    Returns
    -------
    WaitingTimeResult
        Per group (shape (G,)): ``total_days`` and ``mean_days`` of waiting,
        ``items`` counted and ``open_items`` still waiting at `as_of`.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If the lengths differ, `as_of` is not one instant, an `end` is
        before its `start`, or an item was requested more than 292 years
        before `as_of` (a span ``datetime64[ns]`` cannot subtract); the
        messages list the rows.

    Warns
    -----
    InsufficientDataWarning
        If a group has no item requested by `as_of`: its ``mean_days`` is NaN
        (``total_days`` is 0).

    Examples
    --------
    Customer A waited 2 days for one item and is still waiting (3 days so
    far) for another; customer B waited 1 day.

    >>> start = ["2024-01-01", "2024-01-07", "2024-01-02", "2024-01-20"]
    >>> end = ["2024-01-03", None, "2024-01-03", None]
    >>> r = customer_waiting_time(start, end, as_of="2024-01-10",
    ...                           by=["A", "A", "B", "B"])
    >>> r.groups, r.total_days, r.mean_days
    (array(['A', 'B'], dtype='<U1'), array([5., 1.]), array([2.5, 1. ]))
    >>> r.items, r.open_items
    (array([2, 1]), array([1, 0]))
    """
    r, d, t, groups = customer_waiting_time_iv(start, end, as_of, by)
    counted = r <= t  # NaT compares False
    done = d <= t
    waited = _waited(r, d, t, done)
    items, open_items = groups.counts(counted, counted & ~done)
    every = groups.codes is not None and bool(counted.all())  # the mask changes no sum
    total = groups.sum(waited, None if every else counted)
    empty = items == 0
    if empty.any():
        warn_insufficient(
            f"no item requested by `as_of` in {describe_groups(groups.labels, empty)}: "
            "their `mean_days` is NaN"
        )
    return WaitingTimeResult(
        groups=groups.labels,
        total_days=total,
        mean_days=ratio(total, items),
        items=items,
        open_items=open_items,
    )


#: Items per block of the waiting times (their temporaries stay in cache).
_BLOCK = 1 << 16


def _waited(
    r: npt.NDArray[np.datetime64],
    d: npt.NDArray[np.datetime64],
    t: np.datetime64,
    done: npt.NDArray[np.bool_],
) -> npt.NDArray[np.float64]:
    """Days from each request to its delivery, or to `t` when not done by then, block by
    block on every core (no temporary the size of the items)."""
    out = np.empty(r.size, dtype=np.float64)
    t_ns = t.view(np.int64)

    def part(start: int, stop: int) -> None:
        for a in range(start, stop, _BLOCK):
            b = min(a + _BLOCK, stop)
            ns = np.where(done[a:b], d[a:b].view(np.int64), t_ns)
            ns -= r[a:b].view(np.int64)
            np.divide(ns, NS_PER_DAY, out=out[a:b])

    split(part, r.size, min_slice=_BLOCK)
    return out


def customer_recognisable_share(recognisable: npt.ArrayLike, *, by: object = None) -> ShareResult:
    """Share of work items whose work type the customer would recognise.

    Customer-recognisable work is the unit of customer-centric
    Kanban: requests the customer made and would name, not internal tasks.

    Parameters
    ----------
    recognisable : array_like of bool, shape (n,)
        Whether each item's work type is customer-recognisable; 1/0 numbers
        are accepted, NaN/None = unknown (left out).
    by : array_like or tuple, optional
        Groups (service, team, customer, ...).

    Returns
    -------
    ShareResult
        ``count`` = recognisable items, ``n`` = items where it is known,
        ``share = count / n`` (shape (G,)).

    Raises
    ------
    customer_kanban.errors.ValidationError
        If a value is neither True/False nor 1/0/NaN, or `by` does not match.

    Warns
    -----
    InsufficientDataWarning
        If a group has no item with a known value: its share is NaN.

    Examples
    --------
    >>> r = customer_recognisable_share([True, False, True, True],
    ...                                 by=["ops", "ops", "dev", "dev"])
    >>> r.groups, r.share
    (array(['dev', 'ops'], dtype='<U3'), array([1. , 0.5]))
    """
    value, known, groups = customer_recognisable_share_iv(recognisable, by)
    count = groups.count(value, n=len(value))
    n = groups.count(known, n=len(value))
    empty = n == 0
    if empty.any():
        warn_insufficient(
            f"`recognisable` is unknown for every item in "
            f"{describe_groups(groups.labels, empty)}: their share is NaN"
        )
    return ShareResult(groups=groups.labels, share=ratio(count, n), count=count, n=n)

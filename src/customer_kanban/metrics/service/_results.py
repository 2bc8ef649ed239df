"""Result objects of the metrics: frozen attrs values holding numpy arrays.

Every grouped result has ``groups`` (1-D, length G) and arrays with the group
axis first, also for ``by=None`` (G = 1, label ``"all"``): the return type
never changes with the input.  All results serialise with ``to_dict()`` /
``to_json()`` (arrays become lists, NaN becomes ``null``, instants ISO 8601).
"""

from __future__ import annotations

from customer_kanban._core.results import Result, result
from customer_kanban._core.types import FloatArray, Int64Array, LabelArray

__all__ = [
    "AttainmentResult",
    "OnTimeResult",
    "PercentileResult",
    "ShareResult",
    "WaitingTimeResult",
]


@result
class PercentileResult(Result):
    """Percentiles of a sample per group.

    Attributes
    ----------
    groups : numpy.ndarray, shape (G,)
        Group labels (``["all"]`` when ungrouped).
    q : numpy.ndarray of float64, shape (Q,)
        The percentiles asked for. [%]
    values : numpy.ndarray of float64, shape (G, Q)
        ``values[g, k]``: the ``q[k]``-th percentile of group `g`, in the unit
        of the input (typically [days]); NaN for a group without values.
    counts : numpy.ndarray of int64, shape (G,)
        Non-NaN values per group.
    """

    groups: LabelArray
    q: FloatArray
    values: FloatArray
    counts: Int64Array


@result
class AttainmentResult(Result):
    """Service level expectation attainment per group.

    Attributes
    ----------
    groups : numpy.ndarray, shape (G,)
        Group labels (``["all"]`` when ungrouped).
    attainment : numpy.ndarray of float64, shape (G,)
        ``within / n`` in [0, 1]; NaN where ``n == 0``.
    within : numpy.ndarray of int64, shape (G,)
        Finished items whose duration is within their SLE days.
    n : numpy.ndarray of int64, shape (G,)
        Finished items (non-NaN durations).
    """

    groups: LabelArray
    attainment: FloatArray
    within: Int64Array
    n: Int64Array


@result
class OnTimeResult(Result):
    """On-time delivery rate of items with a due instant, per group.

    Attributes
    ----------
    groups : numpy.ndarray, shape (G,)
        Group labels (``["all"]`` when ungrouped).
    rate : numpy.ndarray of float64, shape (G,)
        ``on_time / n`` in [0, 1]; NaN where ``n == 0``.
    on_time : numpy.ndarray of int64, shape (G,)
        Items delivered at or before their due instant.
    n : numpy.ndarray of int64, shape (G,)
        Items judged: delivered ones, plus undelivered ones already overdue at
        ``as_of``.
    """

    groups: LabelArray
    rate: FloatArray
    on_time: Int64Array
    n: Int64Array


@result
class WaitingTimeResult(Result):
    """Time customers spent waiting on the service, per group.

    Attributes
    ----------
    groups : numpy.ndarray, shape (G,)
        Group labels (typically customers; ``["all"]`` when ungrouped).
    total_days : numpy.ndarray of float64, shape (G,)
        Total waiting time. [days]
    mean_days : numpy.ndarray of float64, shape (G,)
        Mean waiting time per item; NaN where ``items == 0``. [days]
    items : numpy.ndarray of int64, shape (G,)
        Items requested at or before ``as_of``.
    open_items : numpy.ndarray of int64, shape (G,)
        Of those, items not delivered by ``as_of`` (still waiting).
    """

    groups: LabelArray
    total_days: FloatArray
    mean_days: FloatArray
    items: Int64Array
    open_items: Int64Array


@result
class ShareResult(Result):
    """Share of items with a property, per group.

    Attributes
    ----------
    groups : numpy.ndarray, shape (G,)
        Group labels (``["all"]`` when ungrouped).
    share : numpy.ndarray of float64, shape (G,)
        ``count / n`` in [0, 1]; NaN where ``n == 0``.
    count : numpy.ndarray of int64, shape (G,)
        Items with the property.
    n : numpy.ndarray of int64, shape (G,)
        Items where the property is known.
    """

    groups: LabelArray
    share: FloatArray
    count: Int64Array
    n: Int64Array

"""Result objects of the metrics: frozen attrs values holding numpy arrays.

Every grouped result has ``groups`` (1-D, length G) and arrays with the group
axis first, also for ``by=None`` (G = 1, label ``"all"``): the return type
never changes with the input.  All results serialise with ``to_dict()`` /
``to_json()`` (arrays become lists, NaN becomes ``null``, instants ISO 8601).
"""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt

from customer_kanban._serialize import Exportable
from customer_kanban.errors import ValidationError
from customer_kanban.metrics._types import EQ as _EQ
from customer_kanban.metrics._types import EQ_NAN as _EQ_NAN
from customer_kanban.metrics._types import FloatArray, InstantArray, Int64Array, LabelArray

__all__ = [
    "AttainmentResult",
    "CumulativeFlowResult",
    "OnTimeResult",
    "PercentileResult",
    "ShareResult",
    "ThroughputResult",
    "WaitingTimeResult",
]


# Arrays compare by value; they take no part in the hash (equal objects still
# hash equal, and a result does not raise on hash()).


@attrs.frozen
class CumulativeFlowResult(Exportable):
    """Cumulative arrivals per workflow state and period (a cumulative flow diagram).

    Attributes
    ----------
    periods : numpy.ndarray of datetime64[ns], shape (P,)
        Start instant of each period (UTC).
    states : numpy.ndarray, shape (S,)
        State labels in workflow order.
    counts : numpy.ndarray of int64, shape (P, S)
        ``counts[p, s]``: items that had arrived in state `s` (or any later
        state) by the end of period `p`. Non-decreasing down each column and
        non-increasing along each row.
    """

    periods: InstantArray = attrs.field(eq=_EQ_NAN, hash=False)
    states: LabelArray = attrs.field(eq=_EQ, hash=False)
    counts: Int64Array = attrs.field(eq=_EQ, hash=False)

    def wip(self, from_state: int | str, to_state: int | str) -> npt.NDArray[np.int64]:
        """Items between two states at the end of each period.

        Parameters
        ----------
        from_state, to_state : int or str
            State positions (or labels); ``from_state`` must not come after
            ``to_state``. The band counts items that arrived in ``from_state``
            but not yet in ``to_state``.

        Returns
        -------
        numpy.ndarray of int64, shape (P,)
            ``counts[:, from_state] - counts[:, to_state]``.

        Raises
        ------
        customer_kanban.errors.ValidationError
            If a state is unknown or ``from_state`` comes after ``to_state``.

        Examples
        --------
        >>> import numpy as np
        >>> r = CumulativeFlowResult(
        ...     periods=np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[ns]"),
        ...     states=np.array(["todo", "doing", "done"]),
        ...     counts=np.array([[3, 2, 0], [4, 3, 1]]),
        ... )
        >>> r.wip("doing", "done")
        array([2, 2])
        """
        lo = self._state_index(from_state, "from_state")
        hi = self._state_index(to_state, "to_state")
        if lo > hi:
            raise ValidationError("`from_state` must not come after `to_state` in the workflow")
        out: npt.NDArray[np.int64] = self.counts[:, lo] - self.counts[:, hi]
        return out

    def _state_index(self, state: int | str, name: str) -> int:
        n = len(self.states)
        if isinstance(state, (int, np.integer)) and not isinstance(state, bool):
            if not 0 <= state < n:
                raise ValidationError(f"`{name}` must lie in [0, {n - 1}]; got {state}")
            return int(state)
        hits = np.flatnonzero(self.states == state)
        if hits.size == 0:
            raise ValidationError(
                f"`{name}` must be one of the states {self.states.tolist()}; got {state!r}"
            )
        return int(hits[0])


@attrs.frozen
class ThroughputResult(Exportable):
    """Items delivered per period and group.

    Attributes
    ----------
    periods : numpy.ndarray of datetime64[ns], shape (P,)
        Start instant of each period (UTC); periods without deliveries included.
    groups : numpy.ndarray, shape (G,)
        Group labels (``["all"]`` when ungrouped).
    counts : numpy.ndarray of int64, shape (G, P)
        Deliveries per group and period.
    """

    periods: InstantArray = attrs.field(eq=_EQ_NAN, hash=False)
    groups: LabelArray = attrs.field(eq=_EQ, hash=False)
    counts: Int64Array = attrs.field(eq=_EQ, hash=False)


@attrs.frozen(kw_only=True)
class PercentileResult(Exportable):
    """Percentiles of a sample per group.

    Attributes
    ----------
    q : numpy.ndarray of float64, shape (Q,)
        The percentiles asked for. [%]
    groups : numpy.ndarray, shape (G,)
        Group labels (``["all"]`` when ungrouped).
    values : numpy.ndarray of float64, shape (G, Q)
        ``values[g, k]``: the ``q[k]``-th percentile of group `g`, in the unit
        of the input (typically [days]); NaN for a group without values.
    counts : numpy.ndarray of int64, shape (G,)
        Non-NaN values per group.
    """

    q: FloatArray = attrs.field(eq=_EQ_NAN, hash=False)
    groups: LabelArray = attrs.field(eq=_EQ, hash=False)
    values: FloatArray = attrs.field(eq=_EQ_NAN, hash=False)
    counts: Int64Array = attrs.field(eq=_EQ, hash=False)


@attrs.frozen(kw_only=True)
class AttainmentResult(Exportable):
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

    groups: LabelArray = attrs.field(eq=_EQ, hash=False)
    attainment: FloatArray = attrs.field(eq=_EQ_NAN, hash=False)
    within: Int64Array = attrs.field(eq=_EQ, hash=False)
    n: Int64Array = attrs.field(eq=_EQ, hash=False)


@attrs.frozen(kw_only=True)
class OnTimeResult(Exportable):
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

    groups: LabelArray = attrs.field(eq=_EQ, hash=False)
    rate: FloatArray = attrs.field(eq=_EQ_NAN, hash=False)
    on_time: Int64Array = attrs.field(eq=_EQ, hash=False)
    n: Int64Array = attrs.field(eq=_EQ, hash=False)


@attrs.frozen(kw_only=True)
class WaitingTimeResult(Exportable):
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

    groups: LabelArray = attrs.field(eq=_EQ, hash=False)
    total_days: FloatArray = attrs.field(eq=_EQ_NAN, hash=False)
    mean_days: FloatArray = attrs.field(eq=_EQ_NAN, hash=False)
    items: Int64Array = attrs.field(eq=_EQ, hash=False)
    open_items: Int64Array = attrs.field(eq=_EQ, hash=False)


@attrs.frozen(kw_only=True)
class ShareResult(Exportable):
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

    groups: LabelArray = attrs.field(eq=_EQ, hash=False)
    share: FloatArray = attrs.field(eq=_EQ_NAN, hash=False)
    count: Int64Array = attrs.field(eq=_EQ, hash=False)
    n: Int64Array = attrs.field(eq=_EQ, hash=False)

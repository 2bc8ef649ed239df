"""Result objects of the metrics: frozen attrs values holding numpy arrays.

Every grouped result has ``groups`` (1-D, length G) and arrays with the group
axis first, also for ``by=None`` (G = 1, label ``"all"``): the return type
never changes with the input.  All results serialise with ``to_dict()`` /
``to_json()`` (arrays become lists, NaN becomes ``null``, instants ISO 8601).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from customer_kanban._core.results import Result, result
from customer_kanban._core.types import InstantArray, Int64Array, LabelArray
from customer_kanban.errors import ValidationError

__all__ = [
    "CumulativeFlowResult",
    "ThroughputResult",
]


@result
class CumulativeFlowResult(Result):
    """Cumulative arrivals per group, period and workflow state (a cumulative flow diagram).

    Attributes
    ----------
    groups : numpy.ndarray, shape (G,)
        Group labels (``["all"]`` when ungrouped).
    periods : numpy.ndarray of datetime64[ns], shape (P,)
        Start instant of each period (UTC).
    states : numpy.ndarray, shape (S,)
        State labels in workflow order.
    counts : numpy.ndarray of int64, shape (G, P, S)
        ``counts[g, p, s]``: items of group `g` that had arrived in state `s`
        (or any later state) by the end of period `p`. Non-decreasing along
        the periods and non-increasing along the states.
    """

    groups: LabelArray
    periods: InstantArray
    states: LabelArray
    counts: Int64Array

    _chart = "customer_kanban.plot._flow:cumulative_flow"

    def wip(self, from_state: int | str, to_state: int | str) -> npt.NDArray[np.int64]:
        """Items between two states at the end of each period, per group.

        Parameters
        ----------
        from_state, to_state : int or str
            State positions (or labels); ``from_state`` must not come after
            ``to_state``. The band counts items that arrived in ``from_state``
            but not yet in ``to_state``.

        Returns
        -------
        numpy.ndarray of int64, shape (G, P)
            ``counts[:, :, from_state] - counts[:, :, to_state]``.

        Raises
        ------
        customer_kanban.errors.ValidationError
            If a state is unknown or ``from_state`` comes after ``to_state``.

        Examples
        --------
        >>> import numpy as np
        >>> r = CumulativeFlowResult(
        ...     groups=np.array(["all"]),
        ...     periods=np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[ns]"),
        ...     states=np.array(["todo", "doing", "done"]),
        ...     counts=np.array([[[3, 2, 0], [4, 3, 1]]]),
        ... )
        >>> r.wip("doing", "done")
        array([[2, 2]])
        """
        lo = self._state_index(from_state, "from_state")
        hi = self._state_index(to_state, "to_state")
        if lo > hi:
            raise ValidationError("`from_state` must not come after `to_state` in the workflow")
        out: npt.NDArray[np.int64] = self.counts[:, :, lo] - self.counts[:, :, hi]
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


@result
class ThroughputResult(Result):
    """Items delivered per group and period.

    Attributes
    ----------
    groups : numpy.ndarray, shape (G,)
        Group labels (``["all"]`` when ungrouped).
    periods : numpy.ndarray of datetime64[ns], shape (P,)
        Start instant of each period (UTC); periods without deliveries included.
    counts : numpy.ndarray of int64, shape (G, P)
        Deliveries per group and period.
    """

    groups: LabelArray
    periods: InstantArray
    counts: Int64Array

    _chart = "customer_kanban.plot._flow:throughput"

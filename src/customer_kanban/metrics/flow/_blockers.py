"""Blocker clustering: blocked intervals grouped by their reason.

The input of a Risk Review: every blocked interval carries a reason (the
*cluster*: customer, environment, supplier, ...). Per cluster come the number
of blocks, the distinct items blocked and the days blocked; from them the
**impact** (days per block) and the **likelihood** (share of items blocked) that
place a cluster on a risk matrix.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from customer_kanban._core.groups import Groups, describe_groups, factorize, ratio
from customer_kanban._core.results import Result, result
from customer_kanban._core.types import FloatArray, Int64Array, IntpArray, LabelArray
from customer_kanban._core.validation import warn_insufficient
from customer_kanban.errors import ValidationError, describe_rows
from customer_kanban.metrics.flow._efficiency import blocked_time
from customer_kanban.metrics.flow._validation import blocked_time_iv

__all__ = ["BlockerClusters", "blocker_clusters"]

NO_REASON = "(none)"


@result
class BlockerClusters(Result):
    """Blocked intervals clustered by reason, per group of items.

    Attributes
    ----------
    groups : numpy.ndarray, shape (G,)
        Group labels (``["all"]`` when ungrouped).
    reasons : numpy.ndarray, shape (R,)
        Reason labels in label order (the order of the reason codes), with
        ``"(none)"`` last when some interval has no reason.
    blocks : numpy.ndarray of int64, shape (G, R)
        Blocked intervals of each reason on the group's items.
    items : numpy.ndarray of int64, shape (G, R)
        Distinct items of the group blocked at least once for each reason.
    days : numpy.ndarray of float64, shape (G, R)
        Days blocked for each reason: per item the union of its intervals of
        that reason (overlaps count once), summed over the group's items. [days]
    n_items : numpy.ndarray of int64, shape (G,)
        Items in the group, blocked or not.
    blocked_items : numpy.ndarray of int64, shape (G,)
        Items of the group blocked at least once.
    blocked_days : numpy.ndarray of float64, shape (G,)
        Days blocked for any reason: per item the union of all its intervals,
        summed over the group's items; at most ``days.sum(axis=1)``, which
        counts a day blocked for two reasons twice. [days]

    Notes
    -----
    The frame (:meth:`to_frame`) has one row per group and reason (columns
    ``group`` and ``reason``), with `impact` and `likelihood`, and the
    group's `n_items`, `blocked_items` and `blocked_days` repeated on its rows.
    """

    groups: LabelArray
    reasons: LabelArray
    blocks: Int64Array
    items: Int64Array
    days: FloatArray
    n_items: Int64Array
    blocked_items: Int64Array
    blocked_days: FloatArray

    _chart = "customer_kanban.plot._journey:blocker_clusters_chart"

    def _frame_columns(self) -> dict[str, npt.NDArray[Any]]:
        """One row per group and reason, with the group's totals repeated on its rows."""
        grid = np.meshgrid(np.arange(len(self.groups)), np.arange(len(self.reasons)), indexing="ij")
        g, r = grid[0].ravel(), grid[1].ravel()
        return {
            "group": self.groups[g],
            "reason": self.reasons[r],
            "blocks": self.blocks[g, r],
            "items": self.items[g, r],
            "days": self.days[g, r],
            "impact": self.impact[g, r],
            "likelihood": self.likelihood[g, r],
            "n_items": self.n_items[g],
            "blocked_items": self.blocked_items[g],
            "blocked_days": self.blocked_days[g],
        }

    @property
    def impact(self) -> FloatArray:
        """Days blocked per block, shape (G, R); NaN where there is no block. [days]"""
        return ratio(self.days, self.blocks)

    @property
    def likelihood(self) -> FloatArray:
        """Share of the group's items blocked for each reason, shape (G, R), in [0, 1].

        ``items / n_items``; NaN for a group without items.
        """
        return ratio(self.items, np.broadcast_to(self.n_items[:, None], self.items.shape))

    def ranked(self, group: object = None) -> LabelArray:
        """Reasons from the most days blocked to the least (ties in label order).

        Parameters
        ----------
        group : label, optional
            One of `groups`; ``None`` ranks the days summed over all groups.

        Returns
        -------
        numpy.ndarray, shape (R,)
            Every reason label, reasons without a block last.

        Raises
        ------
        customer_kanban.errors.ValidationError
            If `group` is not one of `groups`.

        Examples
        --------
        >>> r = blocker_clusters([0, 1, 1], ["2024-01-01"] * 3,
        ...                      ["2024-01-02", "2024-01-04", "2024-01-02"],
        ...                      ["a", "b", "c"], n_items=2)
        >>> r.ranked()
        array(['b', 'a', 'c'], dtype='<U1')
        """
        if group is None:
            days = self.days.sum(axis=0)
        else:
            hits = np.flatnonzero(self.groups == group)
            if hits.size == 0:
                raise ValidationError(
                    f"`group` must be one of the groups {self.groups.tolist()}; got {group!r}"
                )
            days = self.days[hits[0]]
        out: LabelArray = self.reasons[np.argsort(-days, kind="stable")]
        return out


def blocker_clusters(
    item: npt.ArrayLike,
    start: npt.ArrayLike,
    end: npt.ArrayLike,
    reason: object,
    *,
    n_items: int,
    as_of: object = None,
    by: object = None,
    reason_labels: npt.ArrayLike | None = None,
) -> BlockerClusters:
    """Blocks, items blocked and days blocked per reason (blocker clustering).

    Blocked intervals are clustered by their reason; per cluster and group of
    items the result gives the number of blocks, the distinct items blocked
    and the days blocked, with the cluster's **impact** (days per block) and
    **likelihood** (items blocked / items) for a Risk Review.

    Parameters
    ----------
    item : array_like of int, shape (m,)
        Item of each blocked interval, a code in ``0..n_items-1``.
    start : array_like of instants, shape (m,)
        Start of each blocked interval (no ``NaT``).
    end : array_like of instants, shape (m,)
        End of each blocked interval; ``NaT`` = still blocked (runs to `as_of`).
    reason : array_like, shape (m,)
        Reason of each interval: labels (``None``/NaN = no reason; reasons are
        the sorted labels), or integer codes into `reason_labels` (``-1`` = no
        reason). Intervals without a reason form the cluster ``"(none)"``.
    n_items : int
        Number of items, blocked or not (the denominator of the likelihood),
        at most 2**27.
    as_of : instant, optional
        Required when some interval is open. When given, every interval is
        cut at `as_of`, and intervals starting after it are not counted.
    by : array_like or tuple, optional
        Groups of the **items** (length `n_items`): class of service, work
        type, ... (labels, codes, or ``(codes, labels)``; see
        :mod:`customer_kanban.metrics`). Items in no group are left out.
    reason_labels : array_like, optional
        Label of each reason code when `reason` holds integer codes; every
        label is a reason, in the given order, even one without a block.

    Returns
    -------
    BlockerClusters
        ``blocks``, ``items`` and ``days`` per group and reason (shape (G, R)),
        ``n_items``, ``blocked_items`` and ``blocked_days`` per group, and the
        ``impact`` and ``likelihood`` properties.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If the lengths differ, an item or reason code is out of range, `start`
        holds ``NaT``, an `end` is before its `start`, an interval is open
        without `as_of`, an interval lasts more than 292 years (a span
        ``datetime64[ns]`` cannot subtract), or `by` does not have `n_items`
        rows (the messages list the rows); if `n_items` is negative or above
        2**27.
    TypeError
        If `reason` holds integer codes without `reason_labels`, or labels
        with them; if `item` does not hold integer codes.

    Warns
    -----
    InsufficientDataWarning
        If a group has no item while some reason exists: its ``likelihood``
        is NaN.

    See Also
    --------
    blocked_time : Days blocked per item (``blocked_days`` is its group sum).

    Notes
    -----
    Overlapping intervals of one item and one reason count once in ``days``;
    intervals of different reasons that overlap count in each reason, and
    once in ``blocked_days``. An interval of zero length is a block of zero
    days. Both unions come from :func:`blocked_time`, the per-reason one on the
    (item, reason) pairs; every count is one ``np.bincount``.

    Examples
    --------
    Six items. Item 0 waited 10 days for the customer; item 1 waited twice
    for the customer (Jan 2–6 and Jan 4–8: 6 days) and, meanwhile, 2 days for
    the environment; item 2 waited 1 day for the environment; item 3 has been
    blocked by the customer since Jan 9; item 4 was blocked for no recorded
    reason.

    >>> item = [0, 1, 1, 1, 2, 3, 4]
    >>> start = ["2024-01-01", "2024-01-02", "2024-01-04", "2024-01-05",
    ...          "2024-01-03", "2024-01-09", "2024-01-10"]
    >>> end = ["2024-01-11", "2024-01-06", "2024-01-08", "2024-01-07",
    ...        "2024-01-04", None, "2024-01-11"]
    >>> reason = ["customer", "customer", "customer", "environment",
    ...           "environment", "customer", None]
    >>> r = blocker_clusters(item, start, end, reason, n_items=6, as_of="2024-01-12")
    >>> r.reasons.tolist()
    ['customer', 'environment', '(none)']
    >>> r.blocks, r.items, r.days
    (array([[4, 2, 1]]), array([[3, 2, 1]]), array([[19.,  3.,  1.]]))
    >>> r.impact, r.likelihood
    (array([[4.75, 1.5 , 1.  ]]), array([[0.5  , 0.333, 0.167]]))
    >>> r.blocked_items, r.blocked_days
    (array([5]), array([21.]))

    Per class of service of the items:

    >>> r = blocker_clusters(item, start, end, reason, n_items=6, as_of="2024-01-12",
    ...                      by=["expedite", "standard", "standard", "standard",
    ...                          "expedite", "standard"])
    >>> r.groups, r.days
    (array(['expedite', 'standard'], dtype='<U8'), array([[10.,  0.,  1.], [ 9.,  3.,  0.]]))
    >>> r.ranked("standard").tolist()
    ['customer', 'environment', '(none)']
    """
    it, s, e, n, t = blocked_time_iv(item, start, end, n_items, as_of)
    codes, reasons = _reason_codes(reason, reason_labels, len(it))
    groups = factorize(by, n, data_name="n_items")
    if t is not None and (s > t).any():  # not yet blocked at `as_of`
        kept = s <= t
        it, s, e, codes = it[kept], s[kept], e[kept], codes[kept]
    r = len(reasons)
    g = groups.size
    group_of_item = np.zeros(n, np.intp) if groups.codes is None else groups.codes
    cells = (g + 1) * r  # row g collects the items in no group

    def per_cell(cell: IntpArray, weights: FloatArray | None = None) -> npt.NDArray[Any]:
        return np.bincount(cell, weights, minlength=cells)[: g * r].reshape(g, r)

    blocks = per_cell(group_of_item[it] * r + codes).astype(np.int64)
    # One union per (item, reason) pair that occurs, the pairs numbered 0..P-1.
    pairs, pair_of_row = np.unique(it * r + codes, return_inverse=True)
    pair_days = blocked_time(pair_of_row.reshape(-1), s, e, n_items=len(pairs), as_of=t)
    pair_cell = group_of_item[pairs // max(r, 1)] * r + pairs % max(r, 1)
    items = per_cell(pair_cell).astype(np.int64)
    days = per_cell(pair_cell, pair_days).astype(np.float64)

    item_days = blocked_time(it, s, e, n_items=n, as_of=t)
    blocked = np.bincount(it, minlength=n) > 0
    n_per_group = groups.count(n=n)
    if r and (n_per_group == 0).any():
        warn_insufficient(
            f"no item in {describe_groups(groups.labels, n_per_group == 0)}: "
            "their `likelihood` is NaN"
        )
    return BlockerClusters(
        groups=groups.labels,
        reasons=reasons,
        blocks=blocks,
        items=items,
        days=days,
        n_items=n_per_group,
        blocked_items=groups.count(blocked, n=n),
        blocked_days=groups.sum(item_days),
    )


def _reason_codes(reason: object, labels: object, m: int) -> tuple[IntpArray, LabelArray]:
    """Reason code of each interval in ``0..R-1`` and the R reason labels."""
    to_numpy = getattr(reason, "to_numpy", None)
    try:
        arr = np.asarray(to_numpy() if callable(to_numpy) else reason)
    except (TypeError, ValueError) as exc:  # ragged nested sequences
        raise ValidationError(f"`reason` must be a sequence of labels or codes: {exc}") from exc
    if arr.ndim != 1:
        raise ValidationError(f"`reason` must be one-dimensional, got shape {arr.shape}")
    if len(arr) != m:
        raise ValidationError(
            f"`item` and `reason` must have the same length (got {m} and {len(arr)})"
        )
    integer = arr.dtype.kind in "iu"
    if labels is None:
        if integer and arr.size:
            raise TypeError(
                "`reason` holds integer codes: give their labels as `reason_labels` "
                "(or pass the labels themselves)"
            )
        try:
            found = factorize(arr, m, data_name="reason")
        except TypeError as exc:
            raise TypeError(
                "`reason` must hold labels of one orderable kind (e.g. all strings), "
                "None/NaN for no reason"
            ) from exc
    else:
        try:
            lab = np.asarray(labels)
        except (TypeError, ValueError) as exc:  # ragged nested sequences
            raise ValidationError(f"`reason_labels` must be a sequence of labels: {exc}") from exc
        if lab.ndim != 1:
            raise ValidationError(f"`reason_labels` must be one-dimensional, got shape {lab.shape}")
        if not integer and arr.size:
            raise TypeError(
                f"`reason` must hold integer codes when `reason_labels` is given, "
                f"got an array of dtype {arr.dtype}"
            )
        bad = (arr < -1) | (arr >= len(lab))
        if bad.any():
            rows = np.flatnonzero(bad).tolist()
            raise ValidationError(
                f"`reason` codes must lie in [-1, {len(lab) - 1}] (-1 = no reason); "
                f"they do not in {describe_rows(rows)}",
                rows=rows,
            )
        found = factorize((arr.astype(np.intp, copy=False), lab), m, data_name="reason")
    return _codes(found, m), _with_no_reason(found)


def _codes(found: Groups, m: int) -> IntpArray:
    return np.zeros(m, np.intp) if found.codes is None else found.codes


def _with_no_reason(found: Groups) -> LabelArray:
    """The reason labels, with ``"(none)"`` after them when some interval has none."""
    if not found.has_missing:
        return found.labels
    labels = found.labels
    none = np.array([NO_REASON], dtype=None if labels.dtype.kind == "U" else object)
    out: LabelArray = np.concatenate((labels, none))  # "<U" labels widen to fit
    return out

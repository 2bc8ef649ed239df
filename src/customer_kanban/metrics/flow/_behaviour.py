"""Process behaviour charts (XmR, Wheeler): is the flow stable, and where did it change?

An XmR chart puts each value (X) on a run chart with a centre line and natural
process limits computed from the average moving range (mR), and reads four
detection rules. Everything is computed on a (groups × values) matrix padded with
NaN: one pass of comparisons and cumulative sums, no Python loop over values or
groups.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from customer_kanban._core.groups import describe_groups, factorize
from customer_kanban._core.results import Result, result
from customer_kanban._core.types import BoolArray, FloatArray, InstantArray, Int64Array, LabelArray
from customer_kanban._core.validation import as_float_array, warn_insufficient
from customer_kanban.errors import ValidationError, describe_rows
from customer_kanban.metrics.flow._results import ThroughputResult

__all__ = ["ProcessBehaviourResult", "process_behaviour"]

#: Width of the natural process limits: 3 / d2 with d2 = 1.128 (moving ranges of two).
LIMIT_FACTOR = 2.66
#: Upper range limit: D4 = 3.268 (moving ranges of two).
RANGE_FACTOR = 3.268
#: Successive values on one side of the centre line that make a run (rule 2).
RUN = 8
#: Window and count of rule 3: three of four successive values beyond the midway line.
WINDOW, NEEDED = 4, 3
#: The detection rules, in the order of their numbers 1 to 4 (frame column names).
RULES = ("beyond_limits", "run_of_eight", "three_of_four", "large_range")
#: Largest result, groups × longest series (2**27 values of float64: 1 GiB).
MAX_CELLS = 1 << 27


@result
class ProcessBehaviourResult(Result):
    """An XmR process behaviour chart per group: limits, moving ranges and signals.

    Attributes
    ----------
    groups : numpy.ndarray, shape (G,)
        Group labels (``"all"`` without ``by``).
    periods : numpy.ndarray of datetime64[ns], shape (N,)
        The period of each position when the values came from a
        :class:`ThroughputResult` (its period starts); all ``NaT`` otherwise.
    values : numpy.ndarray of float64, shape (G, N)
        Each group's values in their given order, padded with NaN after the
        group's last value (N is the longest series).
    n : numpy.ndarray of int64, shape (G,)
        Values of each group.
    centre : numpy.ndarray of float64, shape (G,)
        The centre line: the mean of the group's values.
    mr_mean : numpy.ndarray of float64, shape (G,)
        The average moving range ``mean |x[i] - x[i-1]|`` (NaN below 2 values).
    low, high : numpy.ndarray of float64, shape (G,)
        Natural process limits ``centre ∓ 2.66 × mr_mean``. Not clipped: a
        lower limit below a natural boundary (0 for counts and durations)
        simply cannot be crossed.
    mr_high : numpy.ndarray of float64, shape (G,)
        Upper range limit ``3.268 × mr_mean``.
    moving_ranges : numpy.ndarray of float64, shape (G, N)
        ``|x[i] - x[i-1]|`` at position `i`; NaN at position 0 and after the
        group's last value.
    signal_group, signal_rule, signal_index, signal_row : numpy.ndarray of int64, shape (S,)
        One entry per (value, rule) signal, sorted by group, rule, position:
        the group's position in `groups`, the rule (1 to 4, see
        :func:`process_behaviour`), the position in the group's series and the
        row of the input `values` (the period for a :class:`ThroughputResult`).

    Notes
    -----
    :meth:`to_frame` has one row per group × value: ``group``, ``index``,
    ``period``, ``value``, ``moving_range``, ``centre``, ``low``, ``high``,
    ``mr_mean``, ``mr_high`` and one boolean column per rule:
    ``beyond_limits``, ``run_of_eight``, ``three_of_four``, ``large_range``.
    """

    groups: LabelArray
    periods: InstantArray
    values: FloatArray
    n: Int64Array
    centre: FloatArray
    mr_mean: FloatArray
    low: FloatArray
    high: FloatArray
    mr_high: FloatArray
    moving_ranges: FloatArray
    signal_group: Int64Array
    signal_rule: Int64Array
    signal_index: Int64Array
    signal_row: Int64Array

    _chart: ClassVar[str | None] = "customer_kanban.plot._behaviour:process_behaviour"

    def flags(self) -> BoolArray:
        """The signals as a boolean array ``flags[g, rule - 1, i]``, shape (G, 4, N)."""
        out = np.zeros((self.groups.size, len(RULES), self.values.shape[1]), dtype=np.bool_)
        out[self.signal_group, self.signal_rule - 1, self.signal_index] = True
        return out

    def _frame_columns(self) -> dict[str, npt.NDArray[Any]]:
        g, i = np.nonzero(np.arange(self.values.shape[1]) < self.n[:, None])
        flags = self.flags()
        columns: dict[str, npt.NDArray[Any]] = {
            "group": self.groups[g],
            "index": i.astype(np.int64),
            "period": self.periods[i],
            "value": self.values[g, i],
            "moving_range": self.moving_ranges[g, i],
        }
        for name in ("centre", "low", "high", "mr_mean", "mr_high"):
            columns[name] = getattr(self, name)[g]
        for r, name in enumerate(RULES):
            columns[name] = flags[g, r, i]
        return columns


# --------------------------------------------------------------------------- validation


def _series_iv(
    values: object, by: object
) -> tuple[LabelArray, FloatArray, Int64Array, Int64Array, InstantArray]:
    """Labels (G,), padded values (G, N), counts (G,), input rows (G, N), periods (N,)."""
    if isinstance(values, ThroughputResult):
        if by is not None:
            raise ValidationError(
                "`by` must be None when `values` is a ThroughputResult (its groups are used)"
            )
        counts = np.asarray(values.counts, dtype=np.float64)
        if counts.ndim != 2 or counts.shape[0] != np.asarray(values.groups).size:
            raise ValidationError(
                "`values` as a ThroughputResult must hold counts (groups, periods)"
            )
        g, width = counts.shape
        _check_cells(g, width)
        rows = np.broadcast_to(np.arange(width, dtype=np.int64), (g, width))
        n = np.full(g, width, dtype=np.int64)
        return values.groups, counts, n, rows, values.periods.astype("datetime64[ns]")
    x = as_float_array(values, name="values")
    bad = ~np.isfinite(x)
    if bad.any():
        where = np.flatnonzero(bad).tolist()
        raise ValidationError(
            "`values` must be finite numbers (a process behaviour chart reads successive "
            f"values; leave out unfinished items first); it is NaN or infinite in "
            f"{describe_rows(where)}",
            rows=where,
        )
    groups = factorize(by, x.size, data_name="values")
    rows_f, offsets, n = groups.grouped_values(np.arange(x.size, dtype=np.float64))
    width = int(n.max()) if n.size else 0
    _check_cells(groups.size, width)
    member = np.repeat(np.arange(groups.size), n)
    position = np.arange(rows_f.size) - np.repeat(offsets, n)
    rows = np.full((groups.size, width), -1, dtype=np.int64)
    rows[member, position] = rows_f.astype(np.int64)
    padded = np.full((groups.size, width), np.nan)
    padded[member, position] = x[rows[member, position]]
    periods = np.full(width, np.datetime64("NaT", "ns"))
    return groups.labels, padded, n.astype(np.int64), rows, periods


def _check_cells(groups: int, width: int) -> None:
    if groups * width > MAX_CELLS:
        raise ValidationError(
            f"the chart (groups × longest series) would hold {groups * width:,} values, more "
            f"than the {MAX_CELLS:,} allowed (1 GiB): use fewer groups (`by`) or values"
        )


# --------------------------------------------------------------------------- rules


def _windows(mask: BoolArray, width: int, needed: int) -> BoolArray:
    """``out[g, i]``: at least `needed` of ``mask[g, i:i + width]`` are True, shape (G, N)
    (False where the window passes the end)."""
    g, n = mask.shape
    total = np.zeros((g, n + 1), dtype=np.int64)
    np.cumsum(mask, axis=1, out=total[:, 1:])
    out = np.zeros((g, n), dtype=np.bool_)
    if n >= width:
        out[:, : n - width + 1] = (total[:, width:] - total[:, : n - width + 1]) >= needed
    return out


def _in_window(starts: BoolArray, width: int) -> BoolArray:
    """``out[g, j]``: some window of `width` starting at ``j - width + 1 .. j`` is marked."""
    return _windows(np.pad(starts, ((0, 0), (width - 1, 0))), width, 1)[:, : starts.shape[1]]


def _rules(
    x: FloatArray, mr: FloatArray, centre: FloatArray, mr_mean: FloatArray
) -> tuple[BoolArray, BoolArray, BoolArray, BoolArray]:
    """The four rules' flags, each of shape (G, N) (NaN padding never signals)."""
    c = centre[:, None]
    spread = LIMIT_FACTOR * mr_mean[:, None]
    beyond = (x > c + spread) | (x < c - spread)
    run = np.zeros_like(beyond)
    three = np.zeros_like(beyond)
    for side in (x > c, x < c):  # the two sides of the centre line
        run |= _in_window(_windows(side, RUN, RUN), RUN)
    for far in (x > c + spread / 2, x < c - spread / 2):  # closer to a limit than to c
        three |= far & _in_window(_windows(far, WINDOW, NEEDED), WINDOW)
    large = mr > RANGE_FACTOR * mr_mean[:, None]
    return beyond, run, three, large


# --------------------------------------------------------------------------- public


def process_behaviour(
    values: npt.ArrayLike | ThroughputResult, *, by: object = None
) -> ProcessBehaviourResult:
    """An XmR process behaviour chart (Wheeler): natural process limits and signals.

    The centre line is the mean of the values; the average moving range
    ``mR̄ = mean |x[i] - x[i-1]|`` measures routine variation; the natural
    process limits are ``centre ± 2.66 mR̄`` and the upper range limit is
    ``3.268 mR̄``. Four detection rules mark exceptional variation:

    1. a value beyond a natural process limit (strictly above `high` or below
       `low`);
    2. a run of eight or more successive values on the same side of the centre
       line (every value of the run is marked; a value equal to the centre is
       on neither side and ends a run);
    3. three of four successive values closer to the same limit than to the
       centre line, i.e. beyond ``centre ± 1.33 mR̄`` (1.5 sigma; the values
       beyond that line in such a window are marked; a value exactly on it does
       not count);
    4. a moving range above the upper range limit (marked at the later value).

    Parameters
    ----------
    values : array_like of float, shape (n,), or ThroughputResult
        Finite numbers in time order: e.g. lead times [days] of delivered items
        sorted by delivery, or the counts of a :class:`ThroughputResult` (each
        of its groups is one chart, its periods kept for the time axis).
    by : array_like or tuple, optional
        Groups (class of service, customer...): one chart per group, each
        group's values in their order in `values`; see
        :mod:`customer_kanban.metrics`. Must be None for a ThroughputResult.

    Returns
    -------
    ProcessBehaviourResult
        Per group: values, centre, limits, moving ranges and the signals as
        (group, rule, index) arrays.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If a value is NaN or infinite (rows named), `by` does not match
        `values` or is given with a ThroughputResult, or the chart would hold
        more than 2**27 values (groups × longest series).
    TypeError
        If `values` holds text, booleans or other non-numbers.

    Warns
    -----
    customer_kanban.errors.InsufficientDataWarning
        If a group has fewer than 2 values: its moving range and limits are NaN.

    Notes
    -----
    Limits are not clipped at a natural boundary: for counts and durations a
    lower limit below 0 cannot be crossed, and only the other rules can signal
    low values. Signals mean the process changed or was disturbed; limits
    computed from a period holding such changes are wider than the routine
    variation (Wheeler, *Understanding Variation*, 1993).

    Examples
    --------
    >>> r = process_behaviour([5, 6, 5, 7, 6, 5, 6, 20, 6, 5])
    >>> float(r.centre[0]), round(float(r.mr_mean[0]), 3)
    (7.1, 4.0)
    >>> round(float(r.high[0]), 2), round(float(r.mr_high[0]), 2)
    (17.74, 13.07)
    >>> list(zip(r.signal_rule.tolist(), r.signal_index.tolist()))
    [(1, 7), (4, 7), (4, 8)]

    Lead times in delivery order, one chart per class of service:

    >>> import numpy as np
    >>> delivered = np.array(["2024-01-03", "2024-01-01", "2024-01-02"], dtype="datetime64[D]")
    >>> lead = np.array([4.0, 2.0, 3.0])
    >>> order = np.argsort(delivered, kind="stable")
    >>> r = process_behaviour(lead[order], by=np.array(["a", "a", "a"]))
    >>> r.values
    array([[2., 3., 4.]])

    Weekly throughput: ``process_behaviour(throughput(end, freq="W"))``.
    """
    labels, x, n, rows, periods = _series_iv(values, by)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = np.where(n > 0, np.nansum(x, axis=1) / np.maximum(n, 1), np.nan)
        mr = np.full_like(x, np.nan)
        mr[:, 1:] = np.abs(np.diff(x, axis=1))
        mr_mean = np.where(n > 1, np.nansum(mr, axis=1) / np.maximum(n - 1, 1), np.nan)
    short = n < 2
    if short.any():
        warn_insufficient(
            f"process_behaviour: {describe_groups(labels, short)} with fewer than 2 values: "
            "their moving range and limits are NaN"
        )
    flags = np.stack(_rules(x, mr, centre, mr_mean), axis=1)  # (G, 4, N)
    g, r, i = (a.astype(np.int64) for a in np.nonzero(flags))
    return ProcessBehaviourResult(
        groups=labels,
        periods=periods,
        values=x,
        n=n,
        centre=centre,
        mr_mean=mr_mean,
        low=centre - LIMIT_FACTOR * mr_mean,
        high=centre + LIMIT_FACTOR * mr_mean,
        mr_high=RANGE_FACTOR * mr_mean,
        moving_ranges=mr,
        signal_group=g,
        signal_rule=r + 1,
        signal_index=i,
        signal_row=rows[g, i] if g.size else np.zeros(0, dtype=np.int64),
    )

"""Customer value: value/potential segments, RFM scores and segments, value per customer.

The seeds ask to treat customers differently by their *current* value and their
*future potential* (premium, potential, dilemma customers). The 2×2 cell names
and which cell gets which name are not fixed by any source — they are data
here (:data:`VALUE_CELLS`), as are the RFM segment rules
(:data:`RFM_SEGMENT_RULES`), which differ between vendors.

Per-customer results take the customer of each transaction as ``by=`` (labels,
integer codes or ``(codes, labels)``, as a table's ``codes("customer")``): their
group axis, ``groups``, is the customers, in sorted label order (or the given
label order), like every ``by=``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from customer_kanban._core.groups import Groups, factorize
from customer_kanban._core.instants import NS_PER_DAY
from customer_kanban._core.results import Result, result
from customer_kanban._core.types import FloatArray, Int64Array, LabelArray
from customer_kanban._core.validation import (
    as_float_array,
    as_instant_scalar,
    as_instants,
    as_percentiles,
    as_whole_number,
    check_choice,
    check_same_length,
    choices_of,
    warn_insufficient,
)
from customer_kanban.errors import ValidationError, describe_rows

__all__ = [
    "RFM_SEGMENT_RULES",
    "VALUE_CELLS",
    "CustomerSegments",
    "RFMResult",
    "TrailingValueResult",
    "ValueResult",
    "customer_value",
    "rfm",
    "rfm_segments",
    "segment_customers",
    "trailing_value",
]

#: Default names of the value × potential cells: (high current, high future) -> name.
VALUE_CELLS: Mapping[tuple[bool, bool], str] = {
    (True, True): "premium",
    (False, True): "potential",
    (True, False): "dilemma",
    (False, False): "basic",
}

#: Default RFM segments on 1–5 scores, first match wins ("fm" = mean of F and M).
#: After the common vendor tables (research notes §1.3); overlapping, so the order matters.
RFM_SEGMENT_RULES: tuple[tuple[str, Mapping[str, tuple[float, float]]], ...] = (
    ("champions", {"r": (4, 5), "fm": (4, 5)}),
    ("loyal", {"r": (2, 5), "fm": (3, 5)}),
    ("new", {"r": (4, 5), "f": (1, 1)}),
    ("potential loyalist", {"r": (3, 5), "fm": (1, 3)}),
    ("need attention", {"r": (2, 3), "fm": (2, 3)}),
    ("at risk", {"r": (1, 2), "fm": (2, 5)}),
    ("hibernating", {"r": (1, 2), "fm": (1, 2)}),
)

# The earliest instant datetime64[ns] holds (its minimum is NaT). [ns since the epoch]
_EARLIEST_NS = int(np.iinfo(np.int64).min) + 1

#: How :func:`segment_customers` places the "high" thresholds.
Thresholds = Literal["median", "percentile"]
#: Monetary value of :func:`rfm`: total or mean per transaction.
Monetary = Literal["sum", "mean"]
#: Frequency of :func:`rfm`: transactions, or distinct purchase days.
Frequency = Literal["transactions", "days"]
_THRESHOLDS = choices_of(Thresholds)
_MONETARY = choices_of(Monetary)
_FREQUENCY = choices_of(Frequency)


# --------------------------------------------------------------------------- results


@result
class CustomerSegments(Result):
    """A partition of customers into named segments.

    Attributes
    ----------
    groups : numpy.ndarray, shape (n,)
        Customer labels (positions ``0..n-1`` when none were given).
    labels : numpy.ndarray of object, shape (L,)
        Segment names, in the declared order (every one, even if empty).
    codes : numpy.ndarray of int64, shape (n,)
        ``labels[codes[i]]`` is customer `i`'s segment.
    sizes : numpy.ndarray of int64, shape (L,)
        Customers per segment; they add up to `n`.
    thresholds : numpy.ndarray of float64, shape (2,)
        The current-value and future-potential thresholds used (NaN for RFM).

    The frame (:meth:`to_frame`) has one row per customer: ``group`` and its
    ``segment``.
    """

    groups: LabelArray
    labels: LabelArray
    codes: Int64Array
    sizes: Int64Array
    thresholds: FloatArray

    _chart = "customer_kanban.plot._customers:segment_matrix"

    @property
    def segment(self) -> LabelArray:
        """Segment name of each customer (``labels[codes]``), shape (n,)."""
        out: LabelArray = self.labels[self.codes]
        return out

    def total(self, values: npt.ArrayLike) -> FloatArray:
        """Sum of a per-customer quantity (e.g. current value) per segment, shape (L,)."""
        v = as_float_array(values, name="values")
        check_same_length(codes=self.codes, values=v)
        out = np.bincount(self.codes, weights=np.nan_to_num(v), minlength=self.labels.size)
        return out.astype(np.float64)

    def _frame_columns(self) -> dict[str, npt.NDArray[Any]]:
        # `labels` and `sizes` run over the segments, not the customers: no inference.
        return {"group": self.groups, "segment": self.segment}


@result
class RFMResult(Result):
    """Recency, frequency and monetary value per customer, and their scores.

    Attributes
    ----------
    groups : numpy.ndarray, shape (C,)
        Customer labels (those with a transaction by `as_of`).
    recency : numpy.ndarray of float64, shape (C,)
        Days from the last transaction to `as_of`. [days]
    frequency : numpy.ndarray of int64, shape (C,)
        Transactions (or distinct purchase days, per `frequency=`).
    monetary : numpy.ndarray of float64, shape (C,)
        Total (or mean) value per customer.
    r, f, m : numpy.ndarray of int64, shape (C,)
        Scores 1..bins; higher is better (recent, frequent, valuable).
    score : numpy.ndarray of int64, shape (C,)
        ``100 r + 10 f + m``: the "RFM" cell as a number, e.g. ``545``.
    bins : int
        Number of score levels (2 to 9).
    """

    groups: LabelArray
    recency: FloatArray
    frequency: Int64Array
    monetary: FloatArray
    r: Int64Array
    f: Int64Array
    m: Int64Array
    score: Int64Array
    bins: int

    _chart = "customer_kanban.plot._customers:rfm_heatmap"


@result
class TrailingValueResult(Result):
    """The value each customer brought over a trailing window (see :func:`trailing_value`).

    Attributes
    ----------
    groups : numpy.ndarray, shape (C,)
        Customer labels: every customer of the input, with or without a
        transaction in the window.
    values : numpy.ndarray of float64, shape (C,)
        Sum of the amounts in ``(as_of - days, as_of]``; 0 for a customer
        without a transaction in the window, NaN where an amount in the window
        is unknown.
    as_of : numpy.datetime64
        End of the window (included).
    days : float
        Length of the window. [days]
    """

    groups: LabelArray
    values: FloatArray
    as_of: np.datetime64
    days: float


@result
class ValueResult(Result):
    """Revenue, margin and profitability per group (customer, segment, ...).

    Attributes
    ----------
    groups : numpy.ndarray, shape (G,)
        Group labels.
    revenue, margin : numpy.ndarray of float64, shape (G,)
        Sums; margin NaN where a transaction's margin is unknown.
    profitability : numpy.ndarray of float64, shape (G,)
        ``margin / revenue`` (NaN where revenue is 0 or margin unknown). [1]
    transactions : numpy.ndarray of int64, shape (G,)
        Transactions per group.
    n_customers : numpy.ndarray of int64, shape (G,)
        Distinct customers per group (0 without `customer`).
    """

    groups: LabelArray
    revenue: FloatArray
    margin: FloatArray
    profitability: FloatArray
    transactions: Int64Array
    n_customers: Int64Array


# --------------------------------------------------------------------------- helpers


def _customers(
    by: object, n: int, *, data_name: str, name: str = "by"
) -> tuple[Groups, npt.NDArray[np.intp]]:
    """The customer of each transaction (`by`, or the parameter `name`), every one known."""
    if by is None:
        raise TypeError(
            f"`{name}` is required: the customer of each transaction (labels, integer codes "
            "or `(codes, labels)`)"
        )
    try:
        groups = factorize(by, n, data_name=data_name)
    except ValidationError as exc:  # factorize speaks of `by`
        raise ValidationError(str(exc).replace("`by`", f"`{name}`"), rows=exc.rows) from exc
    except TypeError as exc:
        raise TypeError(str(exc).replace("`by`", f"`{name}`")) from exc
    codes = np.zeros(n, np.intp) if groups.codes is None else groups.codes
    if groups.has_missing:
        rows = np.flatnonzero(codes >= groups.size).tolist()
        raise ValidationError(
            f"`{name}` (the customer) is missing in {describe_rows(rows)}", rows=rows
        )
    return groups, codes


def _distinct_per_group(group: npt.NDArray[Any], key: Int64Array, size: int) -> Int64Array:
    """Distinct values of `key` per group (one ``unique`` of packed pairs)."""
    if key.size == 0:
        return np.zeros(size, np.int64)
    lo = int(key.min())
    span = int(key.max()) - lo + 1
    pairs = np.unique(group.astype(np.int64) * span + (key - lo))
    out: Int64Array = np.bincount(pairs // span, minlength=size).astype(np.int64)[:size]
    return out


def _scores(values: FloatArray, bins: int) -> Int64Array:
    """Mid-rank scores ``1 + floor(bins * (below + ties / 2) / n)``: ties share a score."""
    n = values.size
    if n == 0:
        return np.zeros(0, np.int64)
    _uniq, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    below = np.cumsum(counts) - counts
    # 2 * below + counts is an exact integer: no rounding at the bin edges
    out: Int64Array = (1 + (bins * (2 * below + counts)[inverse]) // (2 * n)).astype(np.int64)
    return out


# --------------------------------------------------------------------------- public


def segment_customers(
    current_value: npt.ArrayLike,
    future_potential: npt.ArrayLike,
    *,
    thresholds: Thresholds | tuple[float, float] = "median",
    q: float = 80.0,
    cells: Mapping[tuple[bool, bool], str] = VALUE_CELLS,
    unknown: str = "unknown",
    groups: npt.ArrayLike | None = None,
) -> CustomerSegments:
    """Segment customers by current value and future potential (a 2×2 portfolio).

    Parameters
    ----------
    current_value, future_potential : array_like of float, shape (n,)
        One value per customer: e.g. trailing margin (:func:`trailing_value`)
        and predicted value (lifetime value) or a user column. NaN = unknown.
    thresholds : {"median", "percentile"} or (float, float), optional
        Where "high" starts on each axis: strictly above the median (default),
        strictly above the `q`-th percentile, or strictly above two absolute
        values (current, future).
    q : float, optional
        Percentile for ``thresholds="percentile"``, in percent, in [0, 100]
        (80 = the top fifth is high). [%]
    cells : mapping, optional
        ``(high current, high future) -> segment name`` for the four cells.
        The default (:data:`VALUE_CELLS`): premium (high, high), potential
        (low current, high future), dilemma (high current, low future), basic
        (low, low). The seeds leave this mapping open: it is data.
    unknown : str, optional
        Segment of customers with a NaN value or potential (a name: a string,
        as every segment name in `cells`).
    groups : array_like, shape (n,), optional
        Customer labels, carried into the result's ``groups``.

    Returns
    -------
    CustomerSegments
        One segment per customer: a partition (sizes add up to n).

    Raises
    ------
    customer_kanban.errors.ValidationError
        If lengths differ, `thresholds` is invalid, `q` is outside [0, 100] or
        looks like a fraction (``0.8``: did you mean 80?), `cells` does not
        name all four cells, or `groups` does not hold one label per customer.
    TypeError
        If `cells` is not a mapping, a segment name (in `cells` or `unknown`)
        is not a string, or a value is not numeric.

    Examples
    --------
    >>> s = segment_customers([10, 50, 80, 20], [90, 70, 10, 5])
    >>> s.segment.tolist()
    ['potential', 'premium', 'dilemma', 'basic']
    >>> s.thresholds.tolist(), s.sizes.tolist(), s.labels.tolist()
    ([35.0, 40.0], [1, 1, 1, 1, 0], ['premium', 'potential', 'dilemma', 'basic', 'unknown'])
    """
    cv = as_float_array(current_value, name="current_value")
    fp = as_float_array(future_potential, name="future_potential")
    check_same_length(current_value=cv, future_potential=fp)
    _check_cells(cells)
    _check_segment_name(unknown, name="unknown")
    labels = _customer_labels(groups, cv.size)
    known = ~np.isnan(cv) & ~np.isnan(fp)
    t = _thresholds(cv, fp, known, thresholds, q)
    names = list(dict.fromkeys([*(cells[c] for c in VALUE_CELLS), unknown]))
    index = {name: k for k, name in enumerate(names)}
    cell_code = np.array([index[cells[c]] for c in VALUE_CELLS], dtype=np.int64)
    # VALUE_CELLS order: (T,T), (F,T), (T,F), (F,F) -> position = 2*(1-high_f) + (1-high_c)
    high_c = cv > t[0]
    high_f = fp > t[1]
    position = 2 * (~high_f).astype(np.int64) + (~high_c).astype(np.int64)
    codes = cell_code[position]
    if not known.all():
        codes[~known] = index[unknown]
    return CustomerSegments(
        groups=labels,
        labels=np.array(names, dtype=object),
        codes=codes,
        sizes=np.bincount(codes, minlength=len(names)).astype(np.int64),
        thresholds=t,
    )


def _is_real(value: object) -> bool:
    """A real number of any width; not a boolean, not text."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def _check_segment_name(value: object, *, name: str) -> str:
    """A segment name: a string (segment names are labels of results exported as JSON)."""
    if not isinstance(value, str):
        raise TypeError(f"`{name}` must be a string (a segment name), got {type(value).__name__}")
    return value


def _check_cells(cells: object) -> None:
    """`cells` maps each of the four (high current, high future) cells to a segment name."""
    if not isinstance(cells, Mapping):
        raise TypeError(
            "`cells` must be a mapping (high current, high future) -> segment name, "
            f"got {type(cells).__name__}"
        )
    missing_cells = [c for c in VALUE_CELLS if c not in cells]
    if missing_cells:
        raise ValidationError(f"`cells` must name every cell; missing {missing_cells}")
    for c in VALUE_CELLS:
        if not isinstance(cells[c], str):
            raise TypeError(
                f"`cells` must map each cell to a segment name (a string); {c} maps to "
                f"{type(cells[c]).__name__} {cells[c]!r:.40}"
            )


def _customer_labels(groups: object, n: int) -> LabelArray:
    """The customer labels of :func:`segment_customers` (positions without `groups`)."""
    if groups is None:
        return np.arange(n)
    if isinstance(groups, (str, bytes, Mapping)) or not hasattr(groups, "__len__"):
        raise TypeError(
            f"`groups` must be an array of customer labels, got {type(groups).__name__}"
        )
    try:
        labels: LabelArray = np.asarray(groups)
    except (TypeError, ValueError) as exc:  # ragged input
        raise TypeError(f"`groups` must be an array of customer labels: {exc}") from exc
    if labels.shape != (n,):
        raise ValidationError(
            f"`groups` must have one label per customer ({n}); got shape {labels.shape}"
        )
    if labels.dtype.kind == "O":  # labels are exported as JSON: text, numbers, None
        for label in labels.tolist():
            if not (label is None or isinstance(label, str) or _is_real(label)):
                raise TypeError(
                    "`groups` must hold labels (text, numbers or None), not "
                    f"{type(label).__name__} {label!r:.40}"
                )
    elif labels.dtype.kind not in "iufUM":
        raise TypeError(f"`groups` must hold labels, got an array of dtype {labels.dtype}")
    return labels


def _thresholds(
    cv: FloatArray, fp: FloatArray, known: npt.NDArray[np.bool_], thresholds: object, q: object
) -> FloatArray:
    """The two "high" thresholds of :func:`segment_customers`, shape (2,)."""
    if not isinstance(thresholds, str):
        if not isinstance(thresholds, (Sequence, np.ndarray)):
            raise TypeError(
                "`thresholds` must be 'median', 'percentile' or two numbers (current, future); "
                f"got {type(thresholds).__name__}"
            )
        if len(thresholds) != 2:
            raise ValidationError(f"`thresholds` must be two numbers; got {thresholds!r:.60}")
        if not all(_is_real(v) for v in thresholds):
            raise TypeError(f"`thresholds` must be two numbers, not {thresholds!r:.60}")
        t = np.array([float(v) for v in thresholds], dtype=np.float64)
        if np.isnan(t).any():
            raise ValidationError(f"`thresholds` must be two numbers; got {thresholds!r:.60}")
        return t
    how = check_choice(thresholds, name="thresholds", choices=_THRESHOLDS)
    pct = as_percentiles(q)
    if pct.size != 1:
        raise ValidationError(f"`q` must be one percentile; got {pct.tolist()}")
    if not known.any():
        return np.full(2, np.nan)
    a, b = (cv, fp) if known.all() else (cv[known], fp[known])  # copy only if needed
    if how == "median":
        return np.array([np.median(a), np.median(b)])
    return np.array([np.percentile(a, pct[0]), np.percentile(b, pct[0])])


def trailing_value(
    at: npt.ArrayLike,
    amount: npt.ArrayLike,
    *,
    by: object,
    as_of: object,
    days: float = 365.0,
) -> TrailingValueResult:
    """Sum of `amount` per customer over the `days` before `as_of` (current value).

    Parameters
    ----------
    at : array_like of instants, shape (n,)
        Transaction instants.
    amount : array_like of float, shape (n,)
        Margin (preferred: the value a customer brings) or revenue.
    by : array_like or tuple, shape (n,)
        Customer of each transaction (labels, codes or ``(codes, labels)``);
        the result's groups.
    as_of : instant
        End of the window (included).
    days : float, optional
        Window length (> 0): transactions in ``(as_of - days, as_of]`` count.
        A window reaching before 1678 (what ``datetime64[ns]`` holds), or
        ``inf``, counts every transaction up to `as_of`.

    Returns
    -------
    TrailingValueResult
        ``groups``: every customer of the input, with or without a transaction
        by `as_of`; ``values``: their trailing sum (0 for a customer without
        transactions in the window, NaN where an amount in the window is
        unknown).

    Raises
    ------
    customer_kanban.errors.ValidationError
        If lengths differ, a customer is missing (rows named), or `days` <= 0.
    TypeError
        If `by` is None.

    Examples
    --------
    >>> r = trailing_value(["2023-01-01", "2024-05-01", "2024-06-01"], [5.0, 7.0, 11.0],
    ...                    by=["a", "b", "a"], as_of="2024-06-30")
    >>> r.groups, r.values
    (array(['a', 'b'], dtype='<U1'), array([11.,  7.]))
    """
    t = as_instants(at, name="at")
    a = as_float_array(amount, name="amount")
    check_same_length(at=t, amount=a)
    groups, codes = _customers(by, t.size, data_name="at")
    end = as_instant_scalar(as_of, name="as_of")
    if isinstance(days, bool) or not isinstance(days, (int, float, np.integer, np.floating)):
        raise TypeError(f"`days` must be a number of days, got {type(days).__name__}")
    if not days > 0:
        raise ValidationError(f"`days` must be > 0; got {days}")
    inside = t <= end  # NaT is outside; a NaN amount inside makes NaN
    # Python numbers: an integer window is exact, a numpy integer cannot overflow.
    window = (int(days) if isinstance(days, (int, np.integer)) else float(days)) * NS_PER_DAY
    end_ns = int(end.astype("datetime64[ns]").view(np.int64))
    if window < end_ns - _EARLIEST_NS:  # else the window starts before every instant
        start = end - np.timedelta64(round(window), "ns")
        inside &= t > start
    value = np.bincount(codes, weights=np.where(inside, a, 0.0), minlength=groups.size)
    return TrailingValueResult(
        groups=groups.labels,
        values=value[: groups.size].astype(np.float64),
        as_of=end.astype("datetime64[ns]"),
        days=float(days),
    )


def customer_value(
    revenue: npt.ArrayLike,
    margin: npt.ArrayLike | None = None,
    *,
    by: object = None,
    customer: object = None,
) -> ValueResult:
    """Revenue, margin and profitability per group of transactions.

    Parameters
    ----------
    revenue : array_like of float, shape (n,)
        Revenue of each transaction.
    margin : array_like of float, shape (n,), optional
        Margin of each transaction (revenue minus the cost of serving it).
    by : array_like or tuple, optional
        Groups: the customer (value per customer), the customer's segment
        (value per segment), a product, ...
    customer : array_like or tuple, optional
        Customer of each transaction: counts distinct customers per group.

    Returns
    -------
    ValueResult

    Examples
    --------
    >>> r = customer_value([100.0, 40.0, 60.0], [30.0, -5.0, 30.0], by=["a", "b", "a"])
    >>> r.groups.tolist(), r.margin.tolist(), r.profitability.tolist()
    (['a', 'b'], [60.0, -5.0], [0.375, -0.125])
    """
    rev = as_float_array(revenue, name="revenue")
    marg = np.full(rev.size, np.nan) if margin is None else as_float_array(margin, name="margin")
    check_same_length(revenue=rev, margin=marg)
    groups = factorize(by, rev.size, data_name="revenue")
    g = np.zeros(rev.size, np.intp) if groups.codes is None else groups.codes
    size = groups.size
    total_rev = np.bincount(g, weights=rev, minlength=size + 1)[:size]
    total_margin = np.bincount(g, weights=marg, minlength=size + 1)[:size]  # NaN propagates
    count = np.bincount(g, minlength=size + 1)[:size].astype(np.int64)
    distinct = np.zeros(size, np.int64)
    if customer is not None:
        _, ccodes = _customers(customer, rev.size, data_name="revenue", name="customer")
        keep = g < size
        distinct = _distinct_per_group(g[keep], ccodes[keep].astype(np.int64), size)
    with np.errstate(divide="ignore", invalid="ignore"):
        profitability = np.where(total_rev != 0, total_margin / total_rev, np.nan)
    if size and (count == 0).any():
        warn_insufficient("some groups have no transaction: their value is 0 and profitability NaN")
    return ValueResult(
        groups=groups.labels,
        revenue=total_rev.astype(np.float64),
        margin=total_margin.astype(np.float64),
        profitability=profitability.astype(np.float64),
        transactions=count,
        n_customers=distinct,
    )


def rfm(
    at: npt.ArrayLike,
    value: npt.ArrayLike,
    *,
    by: object,
    as_of: object,
    bins: int = 5,
    monetary: Monetary = "sum",
    frequency: Frequency = "transactions",
) -> RFMResult:
    """Recency, frequency and monetary value per customer, scored 1..bins.

    Parameters
    ----------
    at : array_like of instants, shape (n,)
        Transaction instants; those after `as_of` are ignored.
    value : array_like of float, shape (n,)
        Value of each transaction (revenue or margin).
    by : array_like or tuple, shape (n,)
        Customer of each transaction (labels, codes or ``(codes, labels)``);
        the result's groups.
    as_of : instant
        The analysis instant (never "now" implicitly).
    bins : int, optional
        Score levels, 2 to 9 (5 = quintiles, 4 = quartiles).
    monetary : {"sum", "mean"}, optional
        Total or mean value per transaction.
    frequency : {"transactions", "days"}, optional
        Count transactions, or distinct purchase days.

    Returns
    -------
    RFMResult
        One row per customer with a transaction by `as_of`.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If lengths differ, a customer, instant or value is missing (rows
        named), `bins` is outside 2..9, or an option is unknown.
    TypeError
        If `by` is None or `bins` is not a whole number.

    Notes
    -----
    Scores are mid-rank based: ``score = 1 + floor(bins * (b + e / 2) / C)``,
    with `b` the customers strictly worse, `e` those equal (the customer
    included) and `C` all customers. Equal values get equal scores (no
    arbitrary split of ties, unlike quantile cuts that drop duplicate edges),
    a better value never gets a lower score, each level holds about
    ``C / bins`` customers when values are distinct, and a value shared by
    everyone scores in the middle. Recency is reversed: the most recent
    customers score highest.

    Examples
    --------
    >>> r = rfm(["2024-06-01", "2024-01-01", "2024-05-01", "2024-06-20", "2024-06-25",
    ...          "2024-06-28"], [10.0, 5.0, 5.0, 30.0, 30.0, 40.0],
    ...         by=["a", "b", "b", "c", "c", "c"], as_of="2024-06-30", bins=3)
    >>> r.groups.tolist(), r.recency.tolist(), r.frequency.tolist()
    (['a', 'b', 'c'], [29.0, 60.0, 2.0], [1, 2, 3])
    >>> r.score.tolist()
    [212, 122, 333]
    """
    n_bins = as_whole_number(bins, name="bins", minimum=2, maximum=9)
    how_m = check_choice(monetary, name="monetary", choices=_MONETARY)
    how_f = check_choice(frequency, name="frequency", choices=_FREQUENCY)
    t = as_instants(at, name="at")
    v = as_float_array(value, name="value")
    check_same_length(at=t, value=v)
    groups, codes = _customers(by, t.size, data_name="at")
    end = as_instant_scalar(as_of, name="as_of")
    bad = np.isnat(t) | np.isnan(v)
    if bad.any():
        rows = np.flatnonzero(bad).tolist()
        raise ValidationError(
            f"`at` and `value` must be known for every transaction; not in {describe_rows(rows)}",
            rows=rows,
        )
    keep = t <= end
    if keep.all():
        c, tv, vv = codes, t.view(np.int64), v
    else:
        c, tv, vv = codes[keep], t[keep].view(np.int64), v[keep]
    size = groups.size
    count = np.bincount(c, minlength=size)
    last = np.full(size, np.iinfo(np.int64).min)
    np.maximum.at(last, c, tv)
    total = np.bincount(c, weights=vv, minlength=size)
    present = count > 0
    freq = _distinct_per_group(c, tv // NS_PER_DAY, size) if how_f == "days" else count
    recency = (end.astype("datetime64[ns]").view(np.int64) - last[present]) / NS_PER_DAY
    money = total[present] if how_m == "sum" else total[present] / count[present]
    f_counts = freq[present].astype(np.int64)
    r_score = _scores(-recency, n_bins)
    f_score = _scores(f_counts.astype(np.float64), n_bins)
    m_score = _scores(money.astype(np.float64), n_bins)
    score = 100 * r_score + 10 * f_score + m_score
    if not present.any():
        warn_insufficient(
            "no transaction at or before `as_of`: no customer to score (empty result)"
        )
    return RFMResult(
        groups=groups.labels[present],
        recency=recency.astype(np.float64),
        frequency=f_counts,
        monetary=money.astype(np.float64),
        r=r_score,
        f=f_score,
        m=m_score,
        score=score,
        bins=n_bins,
    )


def rfm_segments(
    scores: RFMResult,
    rules: Sequence[tuple[str, Mapping[str, tuple[float, float]]]] = RFM_SEGMENT_RULES,
    *,
    default: str = "other",
) -> CustomerSegments:
    """Name RFM segments by ordered first-match rules (data, not code).

    Parameters
    ----------
    scores : RFMResult
        From :func:`rfm`.
    rules : sequence of (name, conditions), optional
        In order; a customer takes the first rule whose every condition
        holds. Conditions map ``"r"``, ``"f"``, ``"m"`` or ``"fm"`` (the mean
        of F and M) to an inclusive ``(low, high)`` score range. Rules
        serialise to JSON as they are. Default :data:`RFM_SEGMENT_RULES`
        (for 5 levels).
    default : str, optional
        Segment of customers no rule matches.

    Returns
    -------
    CustomerSegments
        A partition of the customers: labels in rule order, then `default`.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If a condition names an unknown score, is not a ``(low, high)`` pair
        within ``1..bins``, or the default rules meet scores of other than 5
        levels.
    TypeError
        If `scores` is not an :class:`RFMResult`, `rules` is not a sequence
        of ``(name, conditions)`` pairs with a string name and a mapping of
        conditions, a bound is not a number, or `default` is not a string.

    Examples
    --------
    >>> r = rfm(["2024-06-29", "2024-01-01", "2024-06-01"], [90.0, 5.0, 20.0],
    ...         by=["a", "b", "c"], as_of="2024-06-30", bins=3)
    >>> rules = [("best", {"r": (3, 3), "m": (3, 3)}), ("lapsed", {"r": (1, 1)})]
    >>> rfm_segments(r, rules).segment.tolist()
    ['best', 'lapsed', 'other']
    """
    if not isinstance(scores, RFMResult):
        raise TypeError(f"`scores` must be an RFMResult (from rfm), got {type(scores).__name__}")
    if rules is RFM_SEGMENT_RULES and scores.bins != 5:
        raise ValidationError(
            f"the default RFM rules are for 5 score levels; these scores have {scores.bins}: "
            "pass `rules` for them"
        )
    checked = _rules_iv(rules, scores.bins)
    _check_segment_name(default, name="default")
    n = scores.r.size
    fm = (scores.f + scores.m) / 2.0
    fields = {"r": scores.r, "f": scores.f, "m": scores.m, "fm": fm}
    names: list[str] = []
    codes = np.full(n, -1, dtype=np.int64)
    for name, conditions in checked:
        mask = codes < 0
        for key, low, high in conditions:
            mask &= (fields[key] >= low) & (fields[key] <= high)
        if name not in names:
            names.append(name)
        codes[mask] = names.index(name)
    if default not in names:
        names.append(default)
    codes[codes < 0] = names.index(default)
    labels = np.array(names, dtype=object)
    return CustomerSegments(
        groups=scores.groups,
        labels=labels,
        codes=codes,
        sizes=np.bincount(codes, minlength=labels.size).astype(np.int64),
        thresholds=np.full(2, np.nan),
    )


def _rules_iv(rules: object, bins: int) -> list[tuple[str, list[tuple[str, float, float]]]]:
    """The rules of :func:`rfm_segments`: ``(name, [(score, low, high), ...])`` in order."""
    if isinstance(rules, (str, bytes, Mapping)) or not isinstance(rules, Iterable):
        raise TypeError(
            f"`rules` must be a sequence of (name, conditions) pairs, got {type(rules).__name__}"
        )
    out = []
    for k, rule in enumerate(rules):
        pair = isinstance(rule, (Sequence, np.ndarray)) and not isinstance(rule, (str, bytes))
        if not pair or len(rule) != 2:
            raise TypeError(f"`rules` must hold (name, conditions) pairs; rule {k} is {rule!r:.60}")
        name, conditions = rule
        if not isinstance(name, str):
            raise TypeError(
                f"`rules`: the name of rule {k} must be a string (a segment name), "
                f"got {type(name).__name__}"
            )
        if not isinstance(conditions, Mapping):
            raise TypeError(
                f"`rules`: rule {name!r} must map scores to (low, high) ranges, "
                f"got {type(conditions).__name__}"
            )
        out.append(
            (name, [_condition(name, key, bounds, bins) for key, bounds in conditions.items()])
        )
    return out


def _condition(name: str, key: object, bounds: object, bins: int) -> tuple[str, float, float]:
    """One condition of an RFM rule: ``(score, low, high)`` within ``1..bins``."""
    if key not in ("r", "f", "m", "fm"):
        raise ValidationError(
            f"`rules`: rule {name!r}: unknown score {key!r}; use 'r', 'f', 'm' or 'fm'"
        )
    pair = bounds if isinstance(bounds, Sequence) and not isinstance(bounds, (str, bytes)) else ()
    if len(pair) != 2 or not all(_is_real(b) for b in pair):
        raise TypeError(
            f"`rules`: rule {name!r}: {key!r} must be a (low, high) pair of numbers; "
            f"got {bounds!r:.60}"
        )
    low, high = float(pair[0]), float(pair[1])
    if not 1 <= low <= high <= bins:
        raise ValidationError(
            f"`rules`: rule {name!r}: {key!r} range ({low:g}, {high:g}) is not within the "
            f"scores 1..{bins}"
        )
    return str(key), low, high

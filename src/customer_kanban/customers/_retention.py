"""Customer retention by cohort, and the Get–Keep–Grow flows of customers per period.

Both functions read a *transaction log*: one row per purchase (an order, a paid
request, a delivered work item) with the customer and the instant, and for
:func:`get_keep_grow` its value (revenue), optionally its margin, product (work
type) and the customer's segment.

The setting is **non-contractual**: nobody tells us that a customer has left, so
a customer is *active* in a period when they bought something in it, and *lost*
after a chosen number of periods without a purchase. A customer may come back
after any silence (they are then *won back*), so cohort "retention" is the share
of the cohort buying in a period, not a survival function: it can rise again.

Periods (``freq``) are calendar periods in UTC, identified by integer ordinals as
in :mod:`customer_kanban._core.periods`:

* ``"D"`` days, ``"W"`` weeks starting on Monday, ``"M"`` calendar months;
* ``"Q"`` calendar quarters starting in January, April, July and October
  (ordinal = quarters since 1970-Q1).

Glossary (see :func:`get_keep_grow` for the exact rules)
    acquired
        First transaction ever of a customer in the period.
    retained
        Active in the period and active in one of the `lost_after` periods before.
    lost
        The period that completes `lost_after` consecutive periods without a purchase.
    won back
        Active again after having been lost.
    let go
        Lost while unprofitable: total margin so far ``<= 0``.
    cross-sold
        First purchase of a product new to the customer, after the acquisition period.
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from customer_kanban._core import periods as _periods
from customer_kanban._core.groups import Groups, factorize
from customer_kanban._core.instants import NS_PER_DAY
from customer_kanban._core.results import Result, result
from customer_kanban._core.types import (
    BoolArray,
    FloatArray,
    InstantArray,
    Int64Array,
    IntpArray,
    LabelArray,
)
from customer_kanban._core.validation import (
    as_float_array,
    as_instants,
    as_optional_instant_scalar,
    check_choice,
    choices_of,
    warn_insufficient,
)
from customer_kanban.errors import ValidationError, describe_rows

__all__ = ["CohortResult", "GetKeepGrowResult", "cohort_retention", "get_keep_grow"]

#: Periods of the retention metrics: day, week from Monday, calendar month and quarter.
Freq = Literal["D", "W", "M", "Q"]
FREQS = choices_of(Freq)

# A dense (customer x period) grid is used instead of a sort when it holds at most
# about 4 cells per transaction (plus this many): bincount is O(n + cells).
_DENSE_SLACK = 1 << 16

# Active-cell categories, as coded in `_classify`.
_ACQUIRED, _RETAINED, _WON_BACK = 0, 1, 2

_NO_PERIODS = "no transaction at or before `as_of`: the result has no periods"

# Most cells (cohorts x periods) of a cohort_retention result: about 26 bytes each at
# the peak, so at most about 0.5 GB and 2 s (4e7 cells measured: 1.0 GB, 4.5 s).
_MAX_COHORT_CELLS = 2 * 10**7
# Most cells (segments x periods) of a get_keep_grow result: about 130 bytes each at the
# peak (its 17 arrays and their temporaries), so at most about 0.65 GB and 1.3 s.
_MAX_FLOW_CELLS = 5 * 10**6

# Largest `lost_after` of get_keep_grow: more periods than ``datetime64[ns]``
# spans in days (213,503), so that every threshold that can ever be reached is allowed.
_MAX_LOST_AFTER = 250_000


# --------------------------------------------------------------------------- results


@result
class CohortResult(Result):
    """Retention of customer cohorts, period after period since acquisition.

    The group axis is the cohorts; the time axis is the age of a cohort in
    periods. The frame (:meth:`to_frame`) has one row per cohort and age:
    ``group`` (the cohort's start), ``periods_since`` and the figures.

    Attributes
    ----------
    groups : numpy.ndarray of datetime64[ns], shape (C,)
        The cohorts: start of each acquisition period holding at least one
        newly acquired customer (the period of each customer's first
        transaction), ascending.
    periods_since : numpy.ndarray of int64, shape (K,)
        ``0, 1, ..., K - 1``: periods since acquisition; ``K - 1`` is the age of
        the oldest cohort at `as_of`.
    size : numpy.ndarray of int64, shape (C,)
        Customers acquired in each cohort.
    active : numpy.ndarray of int64, shape (C, K)
        ``active[c, k]``: customers of cohort `c` with a transaction in the
        `k`-th period after acquisition (``active[:, 0] == size``); 0 where not
        `observed`.
    observed : numpy.ndarray of bool, shape (C, K)
        Whether period ``cohort + k`` is at or before the period holding `as_of`.
        Young cohorts have fewer observed periods (right-censoring).
    retention : numpy.ndarray of float64, shape (C, K)
        ``S(k) = active / size``; NaN where not observed (censored, not 0).
        ``S(0) = 1``. Not monotone: customers may come back. [1]
    churn : numpy.ndarray of float64, shape (C, K)
        ``1 - S(k) / S(k - 1)`` per step; NaN for ``k = 0``, where not
        observed, and where ``S(k - 1) = 0``. Negative when more customers
        of the cohort buy in period `k` than in period ``k - 1``. [1]
    freq : str
        The period: "D", "W", "M" or "Q".
    """

    groups: InstantArray
    periods_since: Int64Array
    size: Int64Array
    active: Int64Array
    observed: BoolArray
    retention: FloatArray
    churn: FloatArray
    freq: str

    @property
    def pooled_retention(self) -> FloatArray:
        """Retention by age pooled over the cohorts observed at that age, shape (K,).

        ``sum(active[c, k]) / sum(size[c])`` over the cohorts `c` whose period
        `k` is observed: cohorts of different ages are aligned by age, and a
        censored cell never counts as a zero.

        Examples
        --------
        >>> r = cohort_retention(["a", "b", "a", "c"],
        ...                      ["2024-01-03", "2024-01-09", "2024-02-01", "2024-02-11"])
        >>> r.retention
        array([[1. , 0.5],
               [1. , nan]])
        >>> r.pooled_retention
        array([1. , 0.5])
        """
        den = (self.size[:, np.newaxis] * self.observed).sum(axis=0)
        num = self.active.sum(axis=0)
        out = np.full(den.shape, np.nan)
        np.divide(num, den, out=out, where=den > 0)
        return out

    def _frame_columns(self) -> dict[str, npt.NDArray[Any]]:
        # The time axis is an age (`periods_since`), not period starts: laid out here.
        n_cohorts, n_ages = self.active.shape
        cohort = np.repeat(np.arange(n_cohorts), n_ages)
        age = np.tile(np.arange(n_ages), n_cohorts)
        return {
            "group": self.groups[cohort],
            "periods_since": self.periods_since[age],
            "size": self.size[cohort],
            "active": self.active.reshape(-1),
            "observed": self.observed.reshape(-1),
            "retention": self.retention.reshape(-1),
            "churn": self.churn.reshape(-1),
            "freq": np.repeat(np.asarray(self.freq), n_cohorts * n_ages),
        }


@result
class GetKeepGrowResult(Result):
    """Customers acquired, retained, won back, lost, let go and cross-sold per period.

    Counts are numbers of customers; ``*_value`` are sums of the transaction
    `value` (revenue) of those customers. Every array has shape (G, P): one
    row per segment (``["all"]`` without segments) and one column per period.
    For each segment and period:

    * ``active = acquired + retained + won_back`` (a partition of the active
      customers); ``active_value`` likewise;
    * a lost customer is not active in the period it is counted lost;
    * ``lost_so_far = cumsum(lost - won_back)`` and
      ``live = cumsum(acquired) - lost_so_far``.

    Attributes
    ----------
    groups : numpy.ndarray, shape (G,)
        Segment labels (``["all"]`` without `by`), in `by`'s order.
    periods : numpy.ndarray of datetime64[ns], shape (P,)
        Start of each period, from the first transaction's to the period
        holding `as_of`.
    freq : str
        The period: "D", "W", "M" or "Q".
    lost_after : int
        Consecutive periods without a purchase after which a customer is lost.
    active, acquired, retained, won_back, lost : numpy.ndarray of int64
        Customers per segment and period (see :func:`get_keep_grow`).
    let_go : numpy.ndarray of int64 or None
        Lost customers whose total margin up to then is ``<= 0`` (a subset of
        `lost`); None without `margin`.
    cross_sold : numpy.ndarray of int64 or None
        Customers buying a product new to them after their acquisition period
        (a subset of ``retained + won_back``); None without `product`.
    active_value, acquired_value, retained_value, won_back_value : numpy.ndarray of float64
        Value of those customers' transactions in the period.
    lost_value : numpy.ndarray of float64
        Value the lost customers bought in their last `lost_after` periods up
        to their last purchase: the revenue per `lost_after` periods that left.
    let_go_value : numpy.ndarray of float64 or None
        The same for the let-go customers; None without `margin`.
    cross_sold_value : numpy.ndarray of float64 or None
        Value of all the cross-sold customers' transactions in the period;
        None without `product`.
    new_product_value : numpy.ndarray of float64 or None
        The part of `cross_sold_value` spent on the products new to the
        customer; None without `product`.
    lost_so_far : numpy.ndarray of int64
        Customers lost and not won back by the end of the period.
    live : numpy.ndarray of int64
        Customers acquired and not lost by the end of the period.
    """

    groups: LabelArray
    periods: InstantArray
    freq: str
    lost_after: int
    active: Int64Array
    acquired: Int64Array
    retained: Int64Array
    won_back: Int64Array
    lost: Int64Array
    let_go: Int64Array | None
    cross_sold: Int64Array | None
    active_value: FloatArray
    acquired_value: FloatArray
    retained_value: FloatArray
    won_back_value: FloatArray
    lost_value: FloatArray
    let_go_value: FloatArray | None
    cross_sold_value: FloatArray | None
    new_product_value: FloatArray | None
    lost_so_far: Int64Array
    live: Int64Array

    _chart = "customer_kanban.plot._customers:get_keep_grow_chart"

    @property
    def lost_profitable(self) -> Int64Array | None:
        """Lost customers with a positive margin so far (``lost - let_go``): win-back targets.

        None without `margin`.
        """
        if self.let_go is None:
            return None
        out: Int64Array = self.lost - self.let_go
        return out


# --------------------------------------------------------------------------- public


def cohort_retention(
    customer: object,
    at: npt.ArrayLike,
    *,
    freq: Freq = "M",
    as_of: object = None,
) -> CohortResult:
    """Retention and churn of customer cohorts by period since acquisition.

    A customer's *cohort* is the period of their first transaction. Cohort `c`
    is *active* ``k`` periods later by the number of its customers with a
    transaction in period ``c + k``; retention is that number over the cohort
    size. Non-contractual setting: "active" means "bought in that period", so
    a customer silent in period ``k`` may count again in period ``k + 1``.

    Parameters
    ----------
    customer : array_like or tuple, shape (n,)
        Customer of each transaction: labels, integer codes or
        ``(codes, labels)`` (see :mod:`customer_kanban.metrics`). Rows without
        a customer (``None``/NaN label, code -1) are left out.
    at : array_like of instants, shape (n,)
        Instant of each transaction; ``NaT`` rows are left out.
    freq : {"M", "Q", "W", "D"}, optional
        Period: calendar month (default), calendar quarter, week starting on
        Monday, or day (UTC).
    as_of : instant, optional
        End of the observation: transactions after it are left out, and
        periods after the one holding it are censored. The period holding
        `as_of` counts as observed up to `as_of` (pass the end of a period for
        whole periods only). Default: the last transaction.

    Returns
    -------
    CohortResult
        The cohorts as ``groups``; ``size`` per cohort, ``active``,
        ``retention`` and ``churn`` per cohort and period since acquisition,
        NaN where censored.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If `customer` and `at` differ in length, `freq` is unknown, `as_of` is
        not one instant, codes are out of range, or the result would hold
        more than 2e7 cells (cohorts x periods, e.g. a daily cohort for each
        of 4,473 days): the message suggests a longer `freq`.
    TypeError
        If `customer` is None or holds unorderable labels, or `at` does not
        hold instants.

    Warns
    -----
    InsufficientDataWarning
        If no transaction is at or before `as_of`: the result then has no
        cohorts and no periods (C = K = 0).

    See Also
    --------
    get_keep_grow : acquired / retained / lost / won back per period.

    Notes
    -----
    Cohorts are the periods in which at least one customer was acquired, so
    every ``size`` is positive; ``K`` is the number of periods from the first
    cohort's to the one holding `as_of`. Do not average ``retention`` over
    cohorts by hand: use :attr:`CohortResult.pooled_retention`, which aligns
    them by age and leaves censored cells out.

    Examples
    --------
    Customers a and b are acquired in January, c in February; a buys again in
    February and b in March:

    >>> customer = ["a", "b", "c", "a", "b"]
    >>> at = ["2024-01-05", "2024-01-20", "2024-02-03", "2024-02-10", "2024-03-02"]
    >>> r = cohort_retention(customer, at, as_of="2024-03-31")
    >>> r.groups
    array(['2024-01-01T00:00:00.000000000', '2024-02-01T00:00:00.000000000'],
          dtype='datetime64[ns]')
    >>> r.size, r.active
    (array([2, 1]), array([[2, 1, 1],
           [1, 0, 0]]))
    >>> r.retention
    array([[1. , 0.5, 0.5],
           [1. , 0. , nan]])
    >>> r.churn
    array([[nan, 0.5, 0. ],
           [nan, 1. , nan]])
    """
    a = as_instants(at, name="at")
    f = check_choice(freq, name="freq", choices=FREQS)
    log = _log_iv(customer, a, f, as_of)
    if log is None:
        warn_insufficient(_NO_PERIODS)
        return _empty_cohorts(f)
    cells = _cells(log, ())
    n_periods = log.n_periods
    acq = cells.per[cells.first]  # acquisition period of each customer, in run order
    acq_cell = np.repeat(acq, cells.counts)
    since = cells.per - acq_cell
    present = np.bincount(acq, minlength=n_periods) > 0
    cohort_per = np.flatnonzero(present)
    _check_cells(len(cohort_per), "cohorts", n_periods, f, _MAX_COHORT_CELLS, "freq")
    cohort_of = np.cumsum(present, dtype=np.intp)
    cohort_of -= 1
    flat = cohort_of[acq_cell] * n_periods
    flat += since
    n_cohorts = len(cohort_per)
    active = np.bincount(flat, minlength=n_cohorts * n_periods)
    active = active.reshape(n_cohorts, n_periods).astype(np.int64, copy=False)
    size = active[:, 0].copy()
    ks = np.arange(n_periods, dtype=np.int64)
    observed = cohort_per[:, np.newaxis] + ks[np.newaxis, :] < n_periods
    retention = np.full(active.shape, np.nan)
    np.divide(active, size[:, np.newaxis], out=retention, where=observed)
    churn = np.full(active.shape, np.nan)
    prev = retention[:, :-1]
    step = observed[:, 1:] & (prev > 0)  # NaN compares False
    np.divide(retention[:, 1:], prev, out=churn[:, 1:], where=step)
    np.subtract(1.0, churn[:, 1:], out=churn[:, 1:], where=step)
    return CohortResult(
        groups=_period_starts(log.first + cohort_per, log.freq),
        periods_since=ks,
        size=size,
        active=active,
        observed=observed,
        retention=retention,
        churn=churn,
        freq=log.freq,
    )


def get_keep_grow(
    customer: object,
    at: npt.ArrayLike,
    value: npt.ArrayLike,
    *,
    by: object = None,
    freq: Freq = "Q",
    lost_after: int,
    margin: npt.ArrayLike | None = None,
    product: object = None,
    as_of: object = None,
) -> GetKeepGrowResult:
    """Customers acquired, retained, lost, won back, let go and cross-sold per period.

    "Get, keep, grow" profitable customers: acquire them, retain them, win
    back the profitable ones that were lost, accept losing the unprofitable
    ones, and sell them more. Non-contractual setting: a customer is *active*
    in a period when they have a transaction in it, and *lost* after
    `lost_after` consecutive periods without one.

    For each customer and period ``t`` (``L = lost_after``):

    * **acquired**: the customer's first transaction ever is in ``t``;
    * **retained**: active in ``t`` and active in one of ``t - L .. t - 1``;
    * **won back**: active in ``t``, not acquired in ``t``, and silent in all of
      ``t - L .. t - 1`` (so they were lost before ``t``);
    * **lost**: ``t`` is the ``L``-th consecutive period without a
      transaction after an active period ``p`` (``t = p + L``); the customer
      stays lost until won back, and may be lost again later;
    * **let go**: lost in ``t`` with a total `margin` over all their
      transactions up to then ``<= 0``;
    * **cross-sold**: active in ``t`` after the acquisition period, buying a
      `product` they had never bought before ``t``.

    Acquired, retained, won back and lost are mutually exclusive: each
    customer is in at most one of them in each period, and active customers
    are in exactly one of the first three.

    Parameters
    ----------
    customer : array_like or tuple, shape (n,)
        Customer of each transaction: labels, integer codes or
        ``(codes, labels)``. Rows without a customer are left out.
    at : array_like of instants, shape (n,)
        Instant of each transaction; ``NaT`` rows are left out.
    value : array_like of float, shape (n,)
        Value (revenue) of each transaction; finite in every row counted.
    by : array_like or tuple, shape (n,), optional
        The groups of the result: the customer's segment **on each
        transaction row** (labels, codes or ``(codes, labels)``); it must be
        the same on every counted row of a customer (assign segments per
        customer, then broadcast them to the rows). Customers without a
        segment are left out of the result. Default: one group ``"all"``.
    freq : {"Q", "M", "W", "D"}, optional
        Period: calendar quarter (default), month, week starting on Monday,
        or day (UTC).
    lost_after : int
        Consecutive periods without a transaction after which a customer is
        lost, 1 to 250,000 (more periods than any log
        spans), in units of `freq`: with quarters, 4 = a year. Required:
        no threshold suits every business.
    margin : array_like of float, shape (n,), optional
        Margin (profit) of each transaction; finite in every row counted.
        Needed for `let_go`.
    product : array_like or tuple, shape (n,), optional
        Product or work type of each transaction (labels, codes or
        ``(codes, labels)``). Needed for `cross_sold`; rows without a product
        count for activity but never as cross-selling.
    as_of : instant, optional
        End of the observation: transactions after it are left out, and the
        last period is the one holding `as_of`, observed up to `as_of` (a
        customer silent since then may still buy before the period ends).
        Default: the last transaction.

    Returns
    -------
    GetKeepGrowResult
        Counts and values per segment and period; ``let_go`` without `margin`
        and ``cross_sold`` without `product` are None.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If the lengths differ, `freq` is unknown, `lost_after` is outside
        1..250,000, a counted row has a non-finite `value` or `margin`, a
        customer has two segments, codes are out of range (messages list the
        rows), or the result would hold more than 5e6 cells (segments x
        periods, e.g. 2,000 segments over 2,500 days).
    TypeError
        If `lost_after` is not a whole number, `customer` is None, or an
        argument has the wrong type.

    Warns
    -----
    InsufficientDataWarning
        If no transaction is at or before `as_of`: the result has no periods
        (P = 0).

    See Also
    --------
    cohort_retention : retention by acquisition cohort.

    Notes
    -----
    Lost value: the lost customer's transactions in the `lost_after` periods
    ending with their last active period — what they bought per
    `lost_after` periods before they went silent.

    A customer lost in a period ``t`` is counted there even when ``t`` is the
    period holding `as_of` and not over yet. Customers whose last purchase is
    less than `lost_after` periods before the last period are not lost
    (right-censored): they are ``live``.

    Margins are summed in float64: margins cancelling to zero in decimal
    (``0.1 + 0.2 - 0.3``) may leave a rounding error of either sign.

    Examples
    --------
    Quarterly, lost after one quarter without a purchase. A is acquired in Q1,
    retained in Q2, lost in Q3; B is acquired in Q1, lost in Q2, won back in
    Q4; C is acquired in Q3 and lost in Q4.

    >>> customer = ["A", "B", "A", "C", "B"]
    >>> at = ["2024-01-10", "2024-02-01", "2024-04-05", "2024-08-01", "2024-10-01"]
    >>> value = [100.0, 80.0, 50.0, 20.0, 30.0]
    >>> r = get_keep_grow(customer, at, value, lost_after=1, as_of="2024-12-31")
    >>> r.periods.astype("datetime64[D]")
    array(['2024-01-01', '2024-04-01', '2024-07-01', '2024-10-01'],
          dtype='datetime64[D]')
    >>> r.acquired, r.retained, r.won_back, r.lost
    (array([[2, 0, 1, 0]]), array([[0, 1, 0, 0]]), array([[0, 0, 0, 1]]), array([[0, 1, 1, 1]]))
    >>> r.lost_value
    array([[ 0., 80., 50., 20.]])
    >>> r.lost_so_far, r.live
    (array([[0, 1, 2, 2]]), array([[2, 1, 1, 1]]))

    With margins and products: A bought a new product in Q2 (cross-sold), and
    C's only purchase lost money, so C is let go.

    >>> r = get_keep_grow(customer, at, value, lost_after=1, as_of="2024-12-31",
    ...                   margin=[30.0, 20.0, 10.0, -5.0, 8.0],
    ...                   product=["x", "x", "y", "x", "x"])
    >>> r.let_go, r.cross_sold, r.new_product_value
    (array([[0, 0, 0, 1]]), array([[0, 1, 0, 0]]), array([[ 0., 50.,  0.,  0.]]))
    """
    args = _get_keep_grow_iv(customer, at, value, freq, lost_after, margin, product, by, as_of)
    log, f, lag, val, mar, prod, seg, seg_of = args
    if log is None:
        warn_insufficient(_NO_PERIODS)
        return _empty_flows(seg, f, lag, margin is not None, product is not None)
    n_groups = 1 if seg is None else seg.size
    _check_cells(n_groups, "segments", log.n_periods, f, _MAX_FLOW_CELLS, "by")
    tally = _Tally(seg_of, n_groups, log.n_periods)
    return _flows(log, val, mar, prod, seg, tally, lag)


# --------------------------------------------------------------------------- validation


def _check_cells(rows: int, what: str, n_periods: int, freq: str, limit: int, name: str) -> None:
    """A result of `rows` x `n_periods` cells stays within `limit` (bounded memory)."""
    if rows * n_periods <= limit:
        return
    longer = [f for f in ("W", "M", "Q") if FREQS.index(f) > FREQS.index(freq)]
    hint = f"a longer `freq` ({', '.join(repr(f) for f in longer)}), " if longer else ""
    raise ValidationError(
        f"`{name}`: {rows} {what} x {n_periods} periods of {freq!r} ({rows * n_periods} "
        f"cells) exceed the {limit} cells a result may hold; use {hint}fewer {what} or a "
        "shorter span of transactions"
    )


class _Log(NamedTuple):
    """The counted transactions, with periods as ordinals relative to the first."""

    cust: IntpArray  # customer code of each counted row
    per: Int64Array  # period of each counted row, 0..n_periods-1
    rows: IntpArray | None  # positions of the counted rows in the input (None = all)
    n_customers: int
    first: int  # ordinal of period 0
    n_periods: int
    freq: str

    def take(self, values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return values if self.rows is None else values[self.rows]

    def positions(self, mask: BoolArray) -> list[int]:
        hit = np.flatnonzero(mask)
        out: list[int] = (hit if self.rows is None else self.rows[hit]).tolist()
        return out


def _factorize(values: object, n: int, *, name: str) -> Groups:
    """:func:`factorize` with the parameter's own name in the messages."""
    if values is None:
        raise TypeError(f"`{name}` is required: labels, integer codes or `(codes, labels)`")
    try:
        return factorize(values, n, data_name="at")
    except ValidationError as exc:
        text = str(exc).replace("`by`", f"`{name}`")
        raise ValidationError(text, rows=exc.rows) from exc
    except TypeError as exc:
        raise TypeError(str(exc).replace("`by`", f"`{name}`")) from exc


def _ordinals(ns: Int64Array, freq: str) -> Int64Array:
    """Period ordinal of each instant (int64 nanoseconds, no NaT)."""
    if freq in ("D", "W"):
        return _periods.ordinals(ns, freq)
    # Months through a per-day lookup table: one integer division and one gather,
    # several times faster than a calendar cast of every instant. The table spans
    # at most the ~213,000 days that datetime64[ns] can hold.
    days = ns // NS_PER_DAY
    lo = int(days.min())
    hi = int(days.max())
    table = np.arange(lo, hi + 1).astype("datetime64[D]").astype("datetime64[M]").view(np.int64)
    if freq == "Q":
        table //= 3
    days -= lo
    out: Int64Array = table[days]
    return out


def _period_starts(ords: Int64Array, freq: str) -> InstantArray:
    """Start instants (``datetime64[ns]``) of the periods with the given ordinals."""
    if freq in ("M", "Q"):
        months = ords * 3 if freq == "Q" else ords
        out: InstantArray = months.astype("datetime64[M]").astype("datetime64[ns]")
        return out
    if len(ords) == 0:
        return np.zeros(0, dtype="datetime64[ns]")
    starts = _periods.period_starts(int(ords.min()), int(ords.max()), freq)
    picked: InstantArray = starts[ords - ords.min()]
    return picked


def _log_iv(customer: object, a: InstantArray, f: str, as_of: object) -> _Log | None:
    """Validate the transaction log (`at` already converted); None when no row counts."""
    t = as_optional_instant_scalar(as_of, name="as_of")
    groups = _factorize(customer, len(a), name="customer")
    known = ~np.isnat(a) if t is None else a <= t  # NaT compares False
    mask = groups.rows(None if known.all() else known)
    rows = None if mask is None else np.flatnonzero(mask)
    if a.size == 0 or (rows is not None and rows.size == 0):
        return None
    ns = a.view(np.int64) if rows is None else a.view(np.int64)[rows]
    if groups.codes is None:  # not reachable with customer given; for the type checker
        raise TypeError("`customer` is required")
    cust = groups.codes if rows is None else groups.codes[rows]
    per = _ordinals(ns, f)
    first = int(per.min())
    last = int(per.max()) if t is None else int(_ordinals(np.array([t.view(np.int64)]), f)[0])
    per -= first
    return _Log(cust, per, rows, groups.size, first, last - first + 1, f)


def _numbers(values: object, n: int, log: _Log | None, *, name: str) -> FloatArray:
    """A float column of the counted rows, every value finite."""
    v = as_float_array(values, name=name)
    if len(v) != n:
        raise ValidationError(f"`at` and `{name}` must have the same length (got {n} and {len(v)})")
    if log is None:
        return v[:0]
    counted = log.take(v)
    bad = ~np.isfinite(counted)
    if bad.any():
        rows = log.positions(bad)
        raise ValidationError(
            f"`{name}` must be a finite number in every counted row; "
            f"it is not in {describe_rows(rows)}",
            rows=rows,
        )
    return counted


def _get_keep_grow_iv(
    customer: object,
    at: object,
    value: object,
    freq: object,
    lost_after: object,
    margin: object,
    product: object,
    by: object,
    as_of: object,
) -> tuple[
    _Log | None,
    str,
    int,
    FloatArray,
    FloatArray | None,
    Groups | None,
    Groups | None,
    npt.NDArray[np.signedinteger[Any]] | None,
]:
    """Validate :func:`get_keep_grow` arguments (with each customer's segment code)."""
    # numpy's timedelta64 subclasses its integers: refuse it by name (not days).
    if isinstance(lost_after, (bool, np.timedelta64)) or not isinstance(
        lost_after, (int, np.integer)
    ):
        raise TypeError(
            f"`lost_after` must be a whole number of periods (of `freq`), "
            f"got {type(lost_after).__name__}"
        )
    lag = int(lost_after)
    if lag < 1:
        raise ValidationError(f"`lost_after` must be >= 1 [periods]; got {lag}")
    if lag > _MAX_LOST_AFTER:
        raise ValidationError(
            f"`lost_after` must be <= {_MAX_LOST_AFTER} [periods] (more than any log spans); "
            f"got {lag}"
        )
    a = as_instants(at, name="at")
    f = check_choice(freq, name="freq", choices=FREQS)
    n = len(a)
    log = _log_iv(customer, a, f, as_of)
    val = _numbers(value, n, log, name="value")
    mar = None if margin is None else _numbers(margin, n, log, name="margin")
    prod = None if product is None else _factorize(product, n, name="product")
    seg = None if by is None else _factorize(by, n, name="by")
    seg_of = None if seg is None or log is None else _segment_of_customers(log, seg)
    return log, f, lag, val, mar, prod, seg, seg_of


def _segment_of_customers(log: _Log, seg: Groups) -> npt.NDArray[np.signedinteger[Any]]:
    """Segment code of each customer (G = none); every counted row of a customer agrees."""
    assert seg.codes is not None
    codes = log.take(seg.codes)
    # A compact array: it is written and read at random, once per row.
    of_customer = np.zeros(log.n_customers, dtype=_index_dtype(seg.size + 1))
    of_customer[log.cust] = codes  # the last row of each customer wins
    bad = of_customer[log.cust] != codes
    if bad.any():
        rows = log.positions(bad)
        raise ValidationError(
            "`by` (the segment) must be the same on every row of a customer; it differs from "
            f"the customer's last row in {describe_rows(rows)}",
            rows=rows,
        )
    return of_customer


# --------------------------------------------------------------------------- cells


class _Cells(NamedTuple):
    """Distinct (customer, period) pairs with a transaction, sorted by customer then period."""

    key: Int64Array  # cust * n_periods + per, ascending
    cust: Int64Array
    per: Int64Array
    first: BoolArray  # first cell of its customer
    starts: IntpArray  # index of each customer's first cell
    counts: Int64Array  # cells per customer (same order as starts)
    sums: list[FloatArray]  # per-cell sums of the weights
    row_key: Int64Array  # key of each counted row
    row_cell: IntpArray | None  # sort path, when asked: the cell of each counted row
    dense: bool  # whether a (customer x period) grid is affordable
    grids: list[FloatArray | None] | None  # dense path: the sums on the (customer, period) grid
    n_periods: int

    def prefix(self, which: int, keys: Int64Array) -> FloatArray:
        """Sum of weight `which` over the cells of the customer of each key up to its period.

        Summed in period order, one customer at a time, as a plain loop would:
        no rounding carried over from other customers. Call once per weight:
        the dense grid is summed in place.
        """
        if self.grids is not None:
            dense = self.grids[which]
            assert dense is not None, "prefix() called twice for the same weight"
            self.grids[which] = None
            grid = dense.reshape(-1, self.n_periods)
            np.cumsum(grid, axis=1, out=grid)  # adding the empty cells' 0.0 is exact
            out: FloatArray = grid.reshape(-1)[keys]
            return out
        run = _run_cumsum(self.sums[which], self.starts, self.counts)
        j = np.searchsorted(self.key, keys, side="right") - 1
        j_ok = np.maximum(j, 0)
        mine = (j >= 0) & (self.cust[j_ok] == keys // self.n_periods)
        return np.where(mine, run[j_ok], 0.0)


def _index_dtype(size: int) -> type[np.signedinteger[Any]]:
    """The smallest of int16, int32, int64 holding ``0 .. size``."""
    if size < 1 << 15:
        return np.int16
    return np.int32 if size < 1 << 31 else np.int64


def _sorted_with_order(key: Int64Array, bound: int) -> tuple[Int64Array, IntpArray]:
    """``(np.sort(key), order)`` for keys in ``[0, bound)``, by one sort of plain integers.

    The row number is packed below the key when both fit in 63 bits: a plain
    sort is several times faster than ``argsort``.
    """
    n = len(key)
    bits = max(n - 1, 1).bit_length()
    if bound > 0 and bound << bits < 1 << 63:
        packed = key << bits
        packed |= np.arange(n, dtype=np.int64)
        packed.sort()
        order: IntpArray = packed & ((1 << bits) - 1)
        packed >>= bits
        return packed, order
    order = np.argsort(key)
    return key[order], order


def _cells(log: _Log, weights: tuple[FloatArray, ...], *, row_cell: bool = False) -> _Cells:
    """Group the counted rows into cells, by a dense scatter and bincount, or one sort.

    `row_cell`: also map each row to its cell on the sort path (the dense path
    maps keys through a grid instead).
    """
    n_periods = log.n_periods
    n = len(log.per)
    key = np.multiply(log.cust, n_periods, dtype=np.int64)
    key += log.per
    size = log.n_customers * n_periods
    grids: list[FloatArray | None] | None = None
    cell_of_row: IntpArray | None = None
    dense = size <= 4 * n + _DENSE_SLACK
    if dense:
        present = np.zeros(size, dtype=bool)
        present[key] = True  # a scatter into a small array: faster than bincount
        keys = np.flatnonzero(present)
        on_grid = [_as_float(np.bincount(key, weights=w, minlength=size)) for w in weights]
        sums = [g[keys] for g in on_grid]
        grids = list(on_grid)
    else:
        ks, order = _sorted_with_order(key, size)
        new = np.empty(n, dtype=bool)
        new[0] = True
        np.not_equal(ks[1:], ks[:-1], out=new[1:])
        first_rows = np.flatnonzero(new)
        keys = ks[first_rows]
        sums = [_as_float(np.add.reduceat(w[order], first_rows)) for w in weights]
        if row_cell:
            sorted_cell = np.cumsum(new, dtype=np.intp)
            sorted_cell -= 1
            cell_of_row = np.empty(n, dtype=np.intp)
            cell_of_row[order] = sorted_cell
    cust, per = np.divmod(keys, n_periods)
    m = len(keys)
    first = np.empty(m, dtype=bool)
    first[0] = True
    np.not_equal(cust[1:], cust[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    counts = np.diff(starts, append=m)
    return _Cells(
        keys, cust, per, first, starts, counts, sums, key, cell_of_row, dense, grids, n_periods
    )


def _as_float(values: npt.NDArray[Any]) -> FloatArray:
    out: FloatArray = values.astype(np.float64, copy=False)
    return out


def _run_cumsum(x: FloatArray, starts: IntpArray, counts: Int64Array) -> FloatArray:
    """Cumulative sums restarting at each customer's first cell.

    Sums are sequential within each customer (as a plain loop would add them),
    so a customer's sum does not carry rounding from the customers before it;
    one vectorized step per position in the run (at most P steps).
    """
    out: FloatArray = x.copy()
    if len(counts) == 0 or int(counts.max()) <= 1:
        return out
    # Runs by decreasing length; a stable sort of 16-bit keys is a radix sort.
    longest_run = int(counts.max())
    small = np.int16 if longest_run < 1 << 15 else np.int64
    order = np.argsort(-counts.astype(small), kind="stable")
    s = starts[order]
    longest = -counts[order]  # ascending
    longer = np.searchsorted(longest, -np.arange(1, longest_run), side="left")
    for j, k in enumerate(longer.tolist(), start=1):
        idx = s[:k] + j
        out[idx] += out[idx - 1]
    return out


# --------------------------------------------------------------------------- flows


class _Tally(NamedTuple):
    """Bincounts per (group, period), dropping customers in no group."""

    group: npt.NDArray[np.signedinteger[Any]] | None  # group of each customer (G = none)
    n_groups: int
    n_periods: int

    def flat(self, cust: Int64Array, per: Int64Array) -> Int64Array:
        if self.group is None:
            return per
        out: Int64Array = self.group[cust].astype(np.int64) * self.n_periods
        out += per
        return out

    def counts(self, flat: Int64Array, width: int = 1) -> Int64Array:
        rows = self.n_groups + (self.group is not None)
        out = np.bincount(flat, minlength=rows * self.n_periods * width)
        return out.reshape(rows, self.n_periods * width)[: self.n_groups].astype(np.int64)

    def sums(self, flat: Int64Array, weights: FloatArray, width: int = 1) -> FloatArray:
        rows = self.n_groups + (self.group is not None)
        out = np.bincount(flat, weights=weights, minlength=rows * self.n_periods * width)
        out = out.reshape(rows, self.n_periods * width)[: self.n_groups]
        return out.astype(np.float64, copy=False)


def _flows(
    log: _Log,
    value: FloatArray,
    margin: FloatArray | None,
    product: Groups | None,
    segment: Groups | None,
    tally: _Tally,
    lag: int,
) -> GetKeepGrowResult:
    n_periods = log.n_periods
    weights = (value,) if margin is None else (value, margin)
    cells = _cells(log, weights, row_cell=product is not None)
    cust, per, first = cells.cust, cells.per, cells.first
    cell_value = cells.sums[0]

    # Active cells: 0 acquired, 1 retained, 2 won back.
    m = len(per)
    gap = np.zeros(m, dtype=np.int64)
    np.subtract(per[1:], per[:-1], out=gap[1:])
    won = gap > lag  # silent for >= lag periods in between
    won &= ~first
    category = (~first).astype(np.int64)
    category += won
    flat = tally.flat(cust, per)
    flat3 = flat * 3
    flat3 += category
    counts3 = tally.counts(flat3, 3).reshape(tally.n_groups, n_periods, 3)
    values3 = tally.sums(flat3, cell_value, 3).reshape(tally.n_groups, n_periods, 3)

    # Lost: the lag-th silent period after an active cell, if it is observed.
    last = np.empty(m, dtype=bool)
    last[:-1] = first[1:]
    last[-1] = True
    lost_cell = np.zeros(m, dtype=bool)
    lost_cell[:-1] = won[1:]
    lost_cell |= last & (per < n_periods - lag)
    li = np.flatnonzero(lost_cell)
    lost_flat = tally.flat(cust[li], per[li] + lag)
    # The lost value: the customer's cells in periods p - lag + 1 .. p, as the
    # difference of the sums up to p and up to p - lag (0 before the first period).
    key_li = cells.key[li]
    earlier = per[li] >= lag
    upto = cells.prefix(0, np.concatenate([key_li, np.where(earlier, key_li - lag, key_li)]))
    lost_value = upto[: len(li)] - np.where(earlier, upto[len(li) :], 0.0)

    let_go = let_go_value = None
    if margin is not None:
        unprofitable = cells.prefix(1, key_li) <= 0
        let_go = tally.counts(lost_flat[unprofitable])
        let_go_value = tally.sums(lost_flat[unprofitable], lost_value[unprofitable])

    cross_sold = cross_sold_value = new_product_value = None
    if product is not None:
        hits = _new_products(log, product, cells)
        sold_cells = _cells_of(cells, hits)
        sold = flat[sold_cells]
        cross_sold = tally.counts(sold)
        cross_sold_value = tally.sums(sold, cell_value[sold_cells])
        new_product_value = tally.sums(tally.flat(log.cust[hits], log.per[hits]), value[hits])

    acquired = counts3[..., _ACQUIRED]
    won_back = counts3[..., _WON_BACK]
    lost = tally.counts(lost_flat)
    lost_so_far = np.cumsum(lost - won_back, axis=1)
    return GetKeepGrowResult(
        periods=_period_starts(np.arange(n_periods, dtype=np.int64) + log.first, log.freq),
        groups=np.array(["all"]) if segment is None else segment.labels,
        freq=log.freq,
        lost_after=lag,
        active=counts3.sum(axis=2),
        acquired=acquired,
        retained=counts3[..., _RETAINED],
        won_back=won_back,
        lost=lost,
        let_go=let_go,
        cross_sold=cross_sold,
        active_value=values3.sum(axis=2),
        acquired_value=values3[..., _ACQUIRED],
        retained_value=values3[..., _RETAINED],
        won_back_value=values3[..., _WON_BACK],
        lost_value=tally.sums(lost_flat, lost_value),
        let_go_value=let_go_value,
        cross_sold_value=cross_sold_value,
        new_product_value=new_product_value,
        lost_so_far=lost_so_far,
        live=np.cumsum(acquired, axis=1) - lost_so_far,
    )


def _new_products(log: _Log, product: Groups, cells: _Cells) -> IntpArray:
    """Counted rows (positions among them) buying a product new to the customer after acquisition.

    A row qualifies when it falls in the first period in which its customer
    bought its product, and that period is after the customer's acquisition.
    """
    assert product.codes is not None
    prod = log.take(product.codes)
    n_products = product.size + 1  # and a slot G for rows without a product
    pair = np.multiply(log.cust, n_products, dtype=np.int64)
    pair += prod
    # Periods in the smallest integer type: the arrays below are read at random.
    small = _index_dtype(log.n_periods + 1)
    per = log.per.astype(small)
    acquisition = np.zeros(log.n_customers, dtype=small)
    acquisition[cells.cust[cells.first]] = cells.per[cells.first]
    n_pairs = log.n_customers * n_products
    if n_pairs <= 4 * len(pair) + _DENSE_SLACK:
        # First purchase period of each (customer, product); pairs first bought in the
        # acquisition period get -1, so that one gather and one comparison decide.
        first_buy = np.full(n_pairs, log.n_periods, dtype=small)
        np.minimum.at(first_buy, pair, per)
        by_customer = first_buy.reshape(-1, n_products)
        by_customer[by_customer <= acquisition[:, np.newaxis]] = -1
        is_new = per == first_buy[pair]
    else:
        if n_pairs * log.n_periods < 1 << 62:
            order = _sorted_with_order(pair * log.n_periods + per, n_pairs * log.n_periods)[1]
        else:
            order = np.lexsort((per, pair))
        sp = pair[order]
        new = np.empty(len(pair), dtype=bool)
        new[:1] = True
        np.not_equal(sp[1:], sp[:-1], out=new[1:])
        run = np.cumsum(new) - 1
        first_of_row = np.empty(len(pair), dtype=small)
        first_of_row[order] = per[order][np.flatnonzero(new)][run]
        is_new = (per == first_of_row) & (per > acquisition[log.cust])
    if product.has_missing:
        is_new &= prod < product.size
    hits: IntpArray = np.flatnonzero(is_new)
    return hits


def _cells_of(cells: _Cells, rows: IntpArray) -> IntpArray:
    """Distinct cells (ascending indices) of the given counted rows."""
    if cells.row_cell is not None:
        mark = np.zeros(len(cells.key), dtype=bool)
        mark[cells.row_cell[rows]] = True
        return np.flatnonzero(mark)
    assert cells.dense, "the sort path maps rows to cells with `row_cell`"
    size = (int(cells.cust[-1]) + 1) * cells.n_periods if len(cells.key) else 0
    flag = np.zeros(size, dtype=bool)  # the dense grid
    flag[cells.row_key[rows]] = True
    out: IntpArray = np.flatnonzero(flag[cells.key])  # cells.key ascends: a sequential read
    return out


# --------------------------------------------------------------------------- empty


def _empty_cohorts(freq: str) -> CohortResult:
    return CohortResult(
        groups=np.zeros(0, dtype="datetime64[ns]"),
        periods_since=np.zeros(0, dtype=np.int64),
        size=np.zeros(0, dtype=np.int64),
        active=np.zeros((0, 0), dtype=np.int64),
        observed=np.zeros((0, 0), dtype=bool),
        retention=np.zeros((0, 0)),
        churn=np.zeros((0, 0)),
        freq=freq,
    )


def _empty_flows(
    segment: Groups | None, freq: str, lag: int, with_margin: bool, with_product: bool
) -> GetKeepGrowResult:
    labels = np.array(["all"]) if segment is None else segment.labels
    g = len(labels)

    def counts() -> Int64Array:
        return np.zeros((g, 0), dtype=np.int64)

    def values() -> FloatArray:
        return np.zeros((g, 0))

    return GetKeepGrowResult(
        periods=np.zeros(0, dtype="datetime64[ns]"),
        groups=labels,
        freq=freq,
        lost_after=lag,
        active=counts(),
        acquired=counts(),
        retained=counts(),
        won_back=counts(),
        lost=counts(),
        let_go=counts() if with_margin else None,
        cross_sold=counts() if with_product else None,
        active_value=values(),
        acquired_value=values(),
        retained_value=values(),
        won_back_value=values(),
        lost_value=values(),
        let_go_value=values() if with_margin else None,
        cross_sold_value=values() if with_product else None,
        new_product_value=values() if with_product else None,
        lost_so_far=counts(),
        live=counts(),
    )

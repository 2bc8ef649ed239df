"""Customer lifetime value: purchase summaries, BG/NBD, Gamma-Gamma and the closed form.

Two ways to put a value on a customer:

* **Closed form** (:func:`simple_lifetime_value`): a constant margin ``m`` per
  period, a retention probability ``r`` per period and a discount rate ``d``
  per period give ``CLV = m r / (1 + d - r)`` (Gupta & Lehmann's margin
  multiple), the first margin one period from now.
* **Probability models of non-contractual purchasing** (the ``lifetimes``
  package's models, with its exact definitions, so that its figures are
  reproduced): :func:`purchase_summary` turns transactions into each
  customer's ``frequency``, ``recency``, ``T`` and ``monetary`` value;
  :func:`fit_bgnbd` fits the BG/NBD model of how often customers buy and when
  they silently leave (Fader, Hardie & Lee 2005); :func:`fit_gamma_gamma`
  fits the Gamma-Gamma model of how much they spend (Fader, Hardie & Lee
  2005b; Fader & Hardie 2013); :func:`lifetime_value` combines the two into a
  discounted value over the next months.

Both maximum-likelihood fits are written here, vectorized, with analytic
gradients (BFGS on the logarithms of the parameters); customers with the same
history are fitted once, with a weight. ``scipy`` is imported only inside the
functions that need it.

Glossary (``lifetimes``' names; one *period* is a day, a week, a month or a
number of days, see :func:`purchase_summary`):

frequency ``x``
    Number of *repeat* purchase periods: periods with a purchase, minus one.
recency ``t_x``
    Age of the customer at the last purchase: last minus first purchase
    period. [periods]
T
    Age of the customer at the end of the observation: `as_of` minus the first
    purchase period. [periods]
monetary ``m``
    Mean value of the repeat purchase periods (the first purchase is left
    out); 0 when ``x = 0``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from customer_kanban._core.groups import Groups, factorize
from customer_kanban._core.instants import NS_PER_DAY
from customer_kanban._core.results import Result, result
from customer_kanban._core.types import BoolArray, FloatArray, Int64Array, LabelArray
from customer_kanban._core.validation import (
    as_float_array,
    as_instants,
    as_optional_instant_scalar,
    as_whole_number,
    check_same_length,
    choices_of,
    warn_insufficient,
)
from customer_kanban.errors import ValidationError, describe_rows

__all__ = [
    "BGNBDFit",
    "GammaGammaFit",
    "PurchaseSummary",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "lifetime_value",
    "purchase_summary",
    "simple_lifetime_value",
]


#: Named periods of :func:`purchase_summary`: day, week (Monday to Sunday), calendar month.
Period = Literal["D", "W", "M"]
PERIODS = choices_of(Period)

#: Length of the month of :func:`lifetime_value`, as in ``lifetimes``. [days]
MONTH_DAYS = 30.0
# Longest horizon of :func:`lifetime_value`: 30 years. [months]
# Its cost grows faster than the months (``2F1`` converges slowly as ``t`` grows):
# 360 months of the 11,104 distinct CDNOW histories take about 2 s.
_MAX_MONTHS = 360
# Cells (distinct histories x months) of one block of :func:`lifetime_value`: the
# temporary arrays stay within a few tens of MB whatever the number of customers.
_BLOCK_CELLS = 1 << 21

# 1970-01-05, the first Monday after numpy's epoch, is day 4: pandas' weekly periods
# ("W" = "W-SUN") run from Monday to Sunday.
_FIRST_MONDAY = 4
# BFGS stops when every component of the gradient of the mean negative
# log-likelihood (with respect to the log-parameters) is below this ...
_GTOL = 1e-10
# ... and a result counts as a maximum when that gradient is below this.
_ACCEPT_GTOL = 1e-6
# ``lifetimes`` starts both optimisations at log-parameters of 0.1.
_START = 0.1


# --------------------------------------------------------------------------- summary


@result
class PurchaseSummary(Result):
    """Each customer's purchase history as ``lifetimes`` summarises it.

    Attributes
    ----------
    groups : numpy.ndarray, shape (C,)
        Customer labels, sorted (or in the order of the given labels with
        ``(codes, labels)``); customers without a purchase up to `as_of` are
        left out.
    frequency : numpy.ndarray of int64, shape (C,)
        Repeat purchase periods: distinct periods with a purchase, minus one.
    recency : numpy.ndarray of float64, shape (C,)
        Last minus first purchase period. [periods]
    T : numpy.ndarray of float64, shape (C,)
        `as_of`'s period minus the first purchase period. [periods]
    monetary : numpy.ndarray of float64, shape (C,)
        Mean value of the repeat periods (each period's values summed; the
        first period left out), 0 when ``frequency`` is 0; NaN everywhere when
        no `value` was given, or for a customer with a NaN value in a repeat
        period.
    first : numpy.ndarray of datetime64[ns], shape (C,)
        Instant of the first purchase (not floored to its period).
    n_transactions : numpy.ndarray of int64, shape (C,)
        Transactions counted (up to `as_of`), before same-period merging.
    period : str or float
        The period: ``"D"``, ``"W"``, ``"M"`` or a number of days.
    as_of : numpy.datetime64
        End of the observation (``NaT`` when there was no transaction).
    """

    groups: LabelArray
    frequency: Int64Array
    recency: FloatArray
    T: FloatArray
    monetary: FloatArray
    first: npt.NDArray[np.datetime64]
    n_transactions: Int64Array
    period: str | float
    as_of: np.datetime64


def _check_period(period: object) -> tuple[str, float]:
    """``(kind, unit)``: kind "D"/"W"/"M", or "days" with `unit` days per period."""
    if isinstance(period, str):
        if period not in PERIODS:
            allowed = ", ".join(repr(p) for p in PERIODS)
            raise ValidationError(
                f"`period` must be one of {allowed} or a number of days > 0; got {period!r}"
            )
        return period, 1.0
    if isinstance(period, bool) or not isinstance(period, (int, float, np.integer, np.floating)):
        raise TypeError(
            f"`period` must be 'D', 'W', 'M' or a number of days, got {type(period).__name__}"
        )
    days = float(period)
    if not (days > 0 and math.isfinite(days)):
        raise ValidationError(f"`period` as a number of days must be > 0 and finite; got {days}")
    return "days", days


def _period_index(ns: Int64Array, kind: str) -> Int64Array:
    """Index of the period of each instant (nanoseconds since the epoch), floored."""
    day = ns // NS_PER_DAY
    if kind == "W":
        out: Int64Array = (day - _FIRST_MONDAY) // 7
        return out
    if kind == "M":
        months: Int64Array = day.astype("datetime64[D]").astype("datetime64[M]").view(np.int64)
        return months
    return day


def _customers(by: object, n: int) -> Groups:
    """Factorise `by`, the customer of each transaction (required)."""
    if by is None:
        raise TypeError(
            "`by` is required: the customer of each transaction (labels, integer codes or "
            "`(codes, labels)`)"
        )
    return factorize(by, n, data_name="at")


def _summary_iv(
    at: object, value: object, by: object, as_of: object, period: object
) -> tuple[Groups, Int64Array, FloatArray | None, np.datetime64 | None, str, float]:
    """Validate :func:`purchase_summary` arguments."""
    kind, unit = _check_period(period)
    t = as_instants(at, name="at")
    v = None
    if value is not None:
        v = as_float_array(value, name="value")
        check_same_length(at=t, value=v)
    end = as_optional_instant_scalar(as_of, name="as_of")
    groups = _customers(by, len(t))
    ns: Int64Array = t.view(np.int64)
    return groups, ns, v, end, kind, unit


def purchase_summary(
    at: npt.ArrayLike,
    value: npt.ArrayLike | None = None,
    *,
    by: object,
    as_of: object = None,
    period: Period | float = "D",
) -> PurchaseSummary:
    """Frequency, recency, age and mean value per customer, from transactions.

    Exactly the rules of ``lifetimes.utils.summary_data_from_transaction_data``:
    instants are floored to their period, the transactions of one customer in
    the same period are merged (values summed), and

    * ``frequency`` = distinct purchase periods - 1 (repeat periods);
    * ``recency`` = last - first purchase period;
    * ``T`` = `as_of`'s period - first purchase period;
    * ``monetary`` = mean value of the repeat periods, 0 when ``frequency`` is 0.

    Parameters
    ----------
    at : array_like of instants, shape (n,)
        Instant of each transaction; ``NaT`` = unknown, left out.
    value : array_like of float, shape (n,), optional
        Value of each transaction (revenue or margin). A NaN value makes the
        customer's ``monetary`` NaN when it falls in a repeat period (it is
        ignored in the first period, which ``monetary`` leaves out).
    by : array_like or tuple, shape (n,)
        Customer of each transaction: labels, integer codes or
        ``(codes, labels)``, the result's groups; a transaction with no
        customer (``None``/NaN label, code -1) is left out.
    as_of : instant, optional
        End of the observation; transactions in a later period are left out.
        Default: the latest instant of a transaction with a customer.
    period : {"D", "W", "M"} or float, optional
        ``"D"`` days; ``"W"`` weeks from Monday to Sunday (pandas' ``"W"``);
        ``"M"`` calendar months; a number ``k`` of days: instants floored to
        days, same-day purchases merged, ``recency`` and ``T`` in units of
        ``k`` days (``lifetimes``' ``freq="D", freq_multiplier=k``; 7 gives
        the weeks of Fader, Hardie & Lee's CDNOW data).

    Returns
    -------
    PurchaseSummary
        One row per customer with a purchase up to `as_of`: ``groups``,
        ``frequency``, ``recency``, ``T``, ``monetary``, ``first``,
        ``n_transactions``, and the ``period`` and ``as_of`` used.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If the lengths differ, `period` or `as_of` is invalid, or `by` codes
        lie outside their labels.
    TypeError
        If `by` is missing or `at`/`value` have the wrong type.

    See Also
    --------
    fit_bgnbd, fit_gamma_gamma : the models fitted to this summary.

    Notes
    -----
    With ``"M"``, ``recency`` and ``T`` are whole calendar months (``lifetimes``
    divides by ``numpy.timedelta64(1, "M")``, which pandas 2 and later refuse).
    The work is one sort of ``(customer, period)`` packed into one integer,
    then run-length counting and ``bincount``: no loop per customer or
    transaction.

    Examples
    --------
    Customer A buys twice on 2 January (one purchase period), then on 5 and
    10 January; B once:

    >>> at = ["2024-01-02T09:00", "2024-01-02T17:00", "2024-01-05", "2024-01-10",
    ...       "2024-01-03"]
    >>> s = purchase_summary(at, [10.0, 5.0, 20.0, 30.0, 8.0], by=["A", "A", "A", "A", "B"],
    ...                      as_of="2024-01-31")
    >>> s.groups, s.frequency, s.recency, s.T
    (array(['A', 'B'], dtype='<U1'), array([2, 0]), array([8., 0.]), array([29., 28.]))
    >>> s.monetary, s.n_transactions
    (array([25.,  0.]), array([4, 1]))
    """
    groups, ns, v, end, kind, unit = _summary_iv(at, value, by, as_of, period)
    size = groups.size
    keep = ns != np.iinfo(np.int64).min  # NaT
    if groups.has_missing:
        keep &= groups.codes_of(None) < size
    if end is None:
        end_ns = int(ns[keep].max()) if keep.any() else None
    else:
        end_ns = int(np.asarray(end).view(np.int64))
    if end_ns is None:
        return _empty_summary(groups, period)
    p = _period_index(ns, kind)
    p_end = int(_period_index(np.array([end_ns], dtype=np.int64), kind)[0])
    if end is not None:  # the default `as_of` is the latest instant: nothing is after it
        keep &= p <= p_end
    all_rows = bool(keep.all())
    codes = groups.codes_of(None)
    c = codes if all_rows else codes[keep]
    pk = p if all_rows else p[keep]
    count, first_p, last_p = _period_runs(c, pk, size)
    present = count > 0
    frequency = count - 1
    if v is None:
        monetary = np.full(size, np.nan)
    else:
        vk = v if all_rows else v[keep]
        repeat = pk > first_p[c]
        sums = np.bincount(c, weights=np.where(repeat, vk, 0.0), minlength=size)
        monetary = np.zeros(size)
        np.divide(sums, frequency, out=monetary, where=frequency > 0)
    first = np.full(size, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, c, ns if all_rows else ns[keep])
    n_transactions = np.bincount(c, minlength=size)
    return PurchaseSummary(
        groups=groups.labels[present],
        frequency=frequency[present].astype(np.int64),
        recency=(last_p - first_p)[present] / unit,
        T=(p_end - first_p[present]) / unit,
        monetary=monetary[present],
        first=first[present].view("datetime64[ns]"),
        n_transactions=n_transactions[present].astype(np.int64),
        period=period if isinstance(period, str) else unit,
        as_of=np.datetime64(end_ns, "ns"),
    )


def _period_runs(
    codes: npt.NDArray[Any], periods: Int64Array, size: int
) -> tuple[Int64Array, Int64Array, Int64Array]:
    """Distinct purchase periods of each customer, and their first and last period.

    Returns
    -------
    (count, first, last)
        Each of shape (size,); 0 for a customer without a purchase.
    """
    pair_code, key, width, lo = _distinct_pairs(codes, periods, size)
    # Each customer's pairs form one run: its first and last pair.
    change = np.flatnonzero(pair_code[1:] != pair_code[:-1])
    run_start = np.concatenate(([0], change + 1)) if pair_code.size else change
    run_end = np.concatenate((change, [pair_code.size - 1])) if pair_code.size else change
    customer_of_run = pair_code[run_start]
    count = np.zeros(size, dtype=np.int64)
    count[customer_of_run] = run_end - run_start + 1
    first_p = np.zeros(size, dtype=np.int64)
    last_p = np.zeros(size, dtype=np.int64)
    first_p[customer_of_run] = key[run_start] - customer_of_run * width + lo
    last_p[customer_of_run] = key[run_end] - customer_of_run * width + lo
    return count, first_p, last_p


def _distinct_pairs(
    codes: npt.NDArray[Any], periods: Int64Array, size: int
) -> tuple[Int64Array, Int64Array, int, int]:
    """Distinct ``(code, period)`` pairs, sorted by code then period: one sort.

    Returns
    -------
    (pair_code, key, width, lo)
        The code of each distinct pair and a key from which its period is
        ``key - pair_code * width + lo`` (computed only where needed).
    """
    if codes.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), 0, 0
    lo = int(periods.min())
    width = int(periods.max()) - lo + 1
    if max(size, 1) * width < 1 << 62:  # always, in practice: a packed int64 key
        key = np.multiply(codes, width, dtype=np.int64)
        key += periods
        key -= lo
        key.sort()
        distinct = key[np.concatenate(([True], key[1:] != key[:-1]))]
        return distinct // width, distinct, width, lo
    order = np.lexsort((periods, codes))  # pragma: no cover
    sc, sp = codes[order].astype(np.int64), periods[order]  # pragma: no cover
    new = np.concatenate(([True], (sc[1:] != sc[:-1]) | (sp[1:] != sp[:-1])))  # pragma: no cover
    return sc[new], sp[new], 0, 0  # pragma: no cover


def _empty_summary(groups: Groups, period: str | float) -> PurchaseSummary:
    return PurchaseSummary(
        groups=groups.labels[:0],
        frequency=np.zeros(0, np.int64),
        recency=np.zeros(0),
        T=np.zeros(0),
        monetary=np.zeros(0),
        first=np.zeros(0, "datetime64[ns]"),
        n_transactions=np.zeros(0, np.int64),
        period=period if isinstance(period, str) else float(period),
        as_of=np.datetime64("NaT", "ns"),
    )


# --------------------------------------------------------------------------- validation


def _check_penalizer(penalizer: object) -> float:
    if isinstance(penalizer, bool) or not isinstance(
        penalizer, (int, float, np.integer, np.floating)
    ):
        raise TypeError(f"`penalizer` must be a number, got {type(penalizer).__name__}")
    value = float(penalizer)
    if not (value >= 0 and math.isfinite(value)):
        raise ValidationError(f"`penalizer` must be >= 0 and finite; got {value}")
    return value


_PARAMETERS = {
    "BGNBDFit": ("purchase_shape", "purchase_scale", "dropout_a", "dropout_b"),
    "GammaGammaFit": ("spend_shape", "mixing_shape", "mixing_scale"),
}


def _check_parameters(fit: Result, *, owner: str) -> None:
    """Each parameter of a fitted model is a number > 0, or NaN (unfitted).

    A model built by hand with a text, negative or zero parameter would give
    numbers without meaning: it is refused, naming the model and the field.
    """
    for field in _PARAMETERS[type(fit).__name__]:
        value = getattr(fit, field)
        if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, float, np.integer, np.floating)
        ):
            raise TypeError(
                f"{owner}: `{field}` must be a number > 0 (NaN = unfitted), "
                f"got {type(value).__name__} {value!r:.40}"
            )
        if not (value > 0 or math.isnan(value)):
            raise ValidationError(f"{owner}: `{field}` must be > 0 (NaN = unfitted); got {value!r}")


def _bad_rows(bad: BoolArray, message: str) -> None:
    if bad.any():
        rows = np.flatnonzero(bad).tolist()
        raise ValidationError(f"{message} in {describe_rows(rows)}", rows=rows)


def _check_history(x: FloatArray, tx: FloatArray, T: FloatArray) -> None:
    """The rules of a (frequency, recency, T) history; NaN passes (no rule is broken)."""
    _bad_rows(
        np.isinf(x) | np.isinf(tx) | np.isinf(T),
        "`frequency`, `recency` and `T` must be finite (NaN = unknown); one is infinite",
    )
    _bad_rows(
        (x < 0) | ((x != np.floor(x)) & ~np.isnan(x)),
        "`frequency` must be a whole number >= 0 (repeat purchase periods); it is not",
    )
    _bad_rows((tx < 0) | (T < 0), "`recency` and `T` must be >= 0 [periods]; one is negative")
    _bad_rows(
        tx > T, "`recency` must not exceed `T` (the last purchase is before the end); it does"
    )
    _bad_rows(
        (x == 0) & (tx != 0) & ~np.isnan(tx),
        "`recency` must be 0 where `frequency` is 0 (no repeat purchase); it is not",
    )


def _history_iv(
    frequency: object, recency: object, T: object, *extra: tuple[str, object]
) -> list[FloatArray]:
    """One-dimensional float arrays, broadcast together (length 1 or a common length)."""
    named = [("frequency", frequency), ("recency", recency), ("T", T), *extra]
    arrays = [as_float_array(value, name=name) for name, value in named]
    lengths = {len(a) for a in arrays} - {1}
    if len(lengths) > 1:
        names = ", ".join(f"`{name}`" for name, _ in named)
        got = ", ".join(str(len(a)) for a in arrays)
        raise ValidationError(f"{names} must have one length (or length 1); got {got}")
    out = [np.ascontiguousarray(a) for a in np.broadcast_arrays(*arrays)]
    _check_history(out[0], out[1], out[2])
    return out


# --------------------------------------------------------------------------- BG/NBD


def _distinct_histories(
    x: FloatArray, tx: FloatArray, T: FloatArray
) -> tuple[Int64Array, Int64Array, Int64Array]:
    """Group identical ``(x, t_x, T)`` rows with one sort.

    Returns
    -------
    (order, starts, inverse)
        Rows ``order[starts[k]:starts[k + 1]]`` share the k-th distinct history;
        ``inverse[i]`` is the history of row ``i``. NaN rows are never merged.
    """
    order = np.lexsort((T, tx, x))
    xs, txs, ts = x[order], tx[order], T[order]
    new = np.concatenate(
        ([True], (xs[1:] != xs[:-1]) | (txs[1:] != txs[:-1]) | (ts[1:] != ts[:-1]))
    )[: len(x)]
    starts = np.flatnonzero(new)
    inverse = np.empty(len(x), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return order, starts, inverse


class _Patterns:
    """Distinct ``(x, t_x, T)`` histories with their total weight, and the distinct ``x``."""

    def __init__(self, x: FloatArray, tx: FloatArray, T: FloatArray, w: FloatArray) -> None:
        order, starts, _ = _distinct_histories(x, tx, T)
        first = order[starts]
        self.x = x[first]
        self.tx = tx[first]
        self.T = T[first]
        self.w = np.add.reduceat(w[order], starts) if len(x) else np.zeros(0)
        self.x_values, self.x_index = np.unique(self.x, return_inverse=True)
        self.repeat = self.x > 0
        self.total = float(self.w.sum())


#: Log-parameters are clipped to +-_LOG_BOUND inside the objectives (exp stays in (0, inf)).
_LOG_BOUND = 600.0


def _bgnbd_objective(
    log_params: FloatArray, data: _Patterns, scale: float, penalizer: float
) -> tuple[float, FloatArray]:
    """Mean negative log-likelihood (+ penalty) and its gradient in log-parameters.

    Time is multiplied by `scale` (``1 / max T``, as in ``lifetimes``): the
    maximum is the same, but the penalty applies to ``alpha * scale``.
    """
    # Parameters stay positive and finite even where the optimiser wanders far:
    # exp of a clipped log never underflows to 0 nor overflows (no division by 0).
    params = np.exp(np.clip(log_params, -_LOG_BOUND, _LOG_BOUND))
    ll, grad = _bgnbd_log_likelihood(params, data, scale=scale, gradient=True, per_pattern=False)
    f = -ll / data.total + penalizer * float(np.dot(params, params))
    g = -grad / data.total + 2.0 * penalizer * params * params
    return f, g


def _bgnbd_log_likelihood(
    params: FloatArray, data: _Patterns, *, scale: float, gradient: bool, per_pattern: bool
) -> tuple[Any, FloatArray]:
    """Weighted BG/NBD log-likelihood (FHL 2005, eq. 6) at ``(r, alpha, a, b)``.

    ``alpha`` is in scaled time (``alpha * scale``). With `gradient`, also the
    gradient with respect to the log-parameters (``theta * d/d theta``).
    """
    from scipy import special

    r, alpha, a, b = (float(p) for p in params)
    T = data.T * scale
    tx = data.tx * scale
    xu = data.x_values
    xi = data.x_index
    x = data.x
    rep = data.repeat
    # Terms that depend on x only, on the distinct x values.
    g1 = special.gammaln(r + xu) - special.gammaln(r)
    g2 = special.betaln(a, b + xu) - special.betaln(a, b)
    rx = r + x
    log_at = np.log(alpha + T)
    log_atx = np.log(alpha + tx)
    a3 = -rx * log_at
    log_a = math.log(a) if a > 0 else -math.inf  # exp(log a) can underflow to 0
    a4 = log_a - np.log(b + np.maximum(x, 1.0) - 1.0) - rx * log_atx
    both = np.logaddexp(a3, a4)
    log_alpha = math.log(alpha) if alpha > 0 else -math.inf
    ll_each = (g1 + g2)[xi] + r * log_alpha + np.where(rep, both, a3)
    ll = ll_each if per_pattern else float(np.dot(data.w, ll_each))
    if not gradient:
        return ll, np.zeros(4)
    # Shares of the two terms of the sum: w3 = e^A3 / (e^A3 + 1[x>0] e^A4).
    w4 = np.where(rep, np.exp(a4 - both), 0.0)
    w3 = 1.0 - w4
    psi = special.digamma
    d_r = (psi(r + xu) - psi(r))[xi] + log_alpha - w3 * log_at - w4 * log_atx
    d_alpha = r / alpha - rx * (w3 / (alpha + T) + w4 / (alpha + tx))
    d_a = (psi(a + b) - psi(a + b + xu))[xi] + w4 / a
    d_b = (psi(a + b) + psi(b + xu) - psi(b) - psi(a + b + xu))[xi] - w4 / (
        b + np.maximum(x, 1.0) - 1.0
    )
    w = data.w
    grad = params * np.array([np.dot(w, d_r), np.dot(w, d_alpha), np.dot(w, d_a), np.dot(w, d_b)])
    return ll, grad


def _ln_hyp2f1(a: Any, b: Any, c: Any, z: Any) -> FloatArray:
    """``ln 2F1(a, b; c; z)``, through Euler's transformation where scipy overflows.

    ``2F1(a, b; c; z) = (1 - z)^(c - a - b) 2F1(c - a, c - b; c; z)``, the
    fallback of ``lifetimes``.
    """
    from scipy import special

    a, b, c, z = np.broadcast_arrays(a, b, c, z)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out: FloatArray = np.log(special.hyp2f1(a, b, c, z))
        bad = np.isinf(out)
        if bad.any():
            a, b, c, z = a[bad], b[bad], c[bad], z[bad]
            out[bad] = np.log(special.hyp2f1(c - a, c - b, c, z)) + (c - a - b) * np.log1p(-z)
    return out


@result
class BGNBDFit(Result):
    """The BG/NBD model of repeat purchasing, fitted by maximum likelihood.

    While alive, a customer buys as a Poisson process of rate ``λ``; after
    each purchase, they leave for good with probability ``p``. Across
    customers ``λ ~ Gamma(shape r, rate α)`` and ``p ~ Beta(a, b)``
    (Fader, Hardie & Lee 2005). The formulas below use the paper's symbols.

    Attributes
    ----------
    purchase_shape : float
        ``r`` in the paper (``lifetimes``' ``r``): shape of the
        distribution of the purchase rate ``λ``. NaN when unfitted.
    purchase_scale : float
        ``α`` in the paper (``lifetimes``' ``alpha``): rate parameter of that
        distribution, in periods (the time scale of purchasing:
        ``purchase_shape / purchase_scale`` is the mean purchase rate per
        period). NaN when unfitted.
    dropout_a, dropout_b : float
        ``a`` and ``b`` in the paper (``lifetimes``' ``a`` and ``b``): the
        Beta distribution of the dropout probability ``p`` (mean
        ``a / (a + b)``). NaN when unfitted.
    log_likelihood : float
        Maximised log-likelihood, summed over customers (times their weights),
        in the given time unit, without the penalty.
    n : int
        Customers used (rows without NaN).
    converged : bool
        Whether the optimiser reached a maximum (gradient below 1e-6).
    penalizer : float
        The L2 penalty coefficient used.
    """

    purchase_shape: float
    purchase_scale: float
    dropout_a: float
    dropout_b: float
    log_likelihood: float
    n: int
    converged: bool
    penalizer: float = 0.0

    def expected_purchases(
        self,
        t: npt.ArrayLike,
        frequency: npt.ArrayLike,
        recency: npt.ArrayLike,
        T: npt.ArrayLike,
    ) -> FloatArray:
        """Expected repeat purchases in the next `t` periods, given each history.

        Equation (10) of Fader, Hardie & Lee (2005), ``lifetimes``'
        ``conditional_expected_number_of_purchases_up_to_time``::

            E[Y(t) | x, t_x, T] = (a + b + x - 1) / (a - 1)
                * [1 - ((alpha + T) / (alpha + T + t))^(r + x)
                       * 2F1(r + x, b + x; a + b + x - 1; t / (alpha + T + t))]
                / (1 + 1[x > 0] * a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r + x))

        Parameters
        ----------
        t : float or array_like of float
            Horizon from the end of the observation. [periods]
        frequency, recency, T : float or array_like of float
            Each customer's history (see :func:`purchase_summary`); the four
            arguments broadcast together (length 1 or one common length).

        Returns
        -------
        numpy.ndarray of float64
            One value per customer (the broadcast length); NaN where an input
            is NaN or the model is unfitted.

        Raises
        ------
        customer_kanban.errors.ValidationError
            If a history breaks the rules (negative, non-integer frequency,
            ``recency > T``, ...) or the lengths differ.
        TypeError, ValidationError
            If a parameter of the model is not a number > 0 (NaN = unfitted).

        Examples
        --------
        >>> fit = BGNBDFit(purchase_shape=0.243, purchase_scale=4.414, dropout_a=0.793,
        ...                dropout_b=2.426, log_likelihood=np.nan, n=0, converged=True)
        >>> fit.expected_purchases(39.0, [0, 2, 7], [0.0, 30.43, 35.0], 38.86)
        array([0.1951, 1.2260, 4.3875])
        """
        _check_parameters(self, owner="BGNBDFit")
        x, tx, age, horizon = _history_iv(frequency, recency, T, ("t", t))
        _bad_rows(horizon < 0, "`t` must be >= 0 [periods]; it is negative")
        return _conditional_expected(self, horizon, x, tx, age)

    def probability_alive(
        self, frequency: npt.ArrayLike, recency: npt.ArrayLike, T: npt.ArrayLike
    ) -> FloatArray:
        """Probability that each customer is still alive at the end of the observation.

        ``1 / (1 + 1[x > 0] * a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r + x))``
        (Fader, Hardie & Lee, note 021): 1 when ``x = 0``, since in the model a
        customer can only leave right after a repeat purchase.

        Parameters
        ----------
        frequency, recency, T : float or array_like of float
            Each customer's history; broadcast together.

        Returns
        -------
        numpy.ndarray of float64
            Probabilities in (0, 1]; NaN where an input is NaN or the model is
            unfitted.

        Raises
        ------
        customer_kanban.errors.ValidationError
            If a history breaks the rules or the lengths differ.
        TypeError, ValidationError
            If a parameter of the model is not a number > 0 (NaN = unfitted).

        Examples
        --------
        Ten repeat purchases: the customer whose last one was 28 weeks ago is
        almost surely gone, the one who bought last week probably not:

        >>> fit = BGNBDFit(purchase_shape=0.243, purchase_scale=4.414, dropout_a=0.793,
        ...                dropout_b=2.426, log_likelihood=np.nan, n=0, converged=True)
        >>> fit.probability_alive([0, 10, 10], [0.0, 10.0, 37.0], 38.0)
        array([1.0000e+00, 2.2771e-04, 9.1860e-01])
        """
        _check_parameters(self, owner="BGNBDFit")
        x, tx, age = _history_iv(frequency, recency, T)
        return _probability_alive(self, x, tx, age)

    def expected_purchases_new(self, t: npt.ArrayLike) -> FloatArray:
        """Expected repeat purchases of a new customer in their first `t` periods.

        Equation (9) of Fader, Hardie & Lee (2005)::

            E[X(t)] = (a + b - 1) / (a - 1)
                * [1 - (alpha / (alpha + t))^r * 2F1(r, b; a + b - 1; t / (alpha + t))]

        Parameters
        ----------
        t : float or array_like of float, shape (K,)
            Times since the first purchase, >= 0. [periods]

        Returns
        -------
        numpy.ndarray of float64, shape (K,)
            NaN where `t` is NaN or the model is unfitted.

        Raises
        ------
        customer_kanban.errors.ValidationError
            If a `t` is negative.
        TypeError, ValidationError
            If a parameter of the model is not a number > 0 (NaN = unfitted).

        Examples
        --------
        >>> fit = BGNBDFit(purchase_shape=0.243, purchase_scale=4.414, dropout_a=0.793,
        ...                dropout_b=2.426, log_likelihood=np.nan, n=0, converged=True)
        >>> fit.expected_purchases_new([0.0, 39.0, 78.0])
        array([0.    , 1.1967, 1.8605])
        """
        _check_parameters(self, owner="BGNBDFit")
        horizon = as_float_array(t, name="t")
        _bad_rows(horizon < 0, "`t` must be >= 0 [periods]; it is negative")
        from scipy import special

        r, alpha, a, b = self.purchase_shape, self.purchase_scale, self.dropout_a, self.dropout_b
        with np.errstate(invalid="ignore", divide="ignore"):
            hyp = special.hyp2f1(r, b, a + b - 1.0, horizon / (alpha + horizon))
            # + 0.0 turns the -0.0 at t = 0 (when a < 1) into 0.0.
            second = 1.0 - hyp * (alpha / (alpha + horizon)) ** r
            out: FloatArray = (a + b - 1.0) / (a - 1.0) * second + 0.0
        return out


def _conditional_expected(
    fit: BGNBDFit, t: FloatArray, x: FloatArray, tx: FloatArray, T: FloatArray
) -> FloatArray:
    r, alpha, a, b = fit.purchase_shape, fit.purchase_scale, fit.dropout_a, fit.dropout_b
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        c = a + b + x - 1.0
        ln_hyp = _ln_hyp2f1(r + x, b + x, c, t / (alpha + T + t))
        second = -np.expm1(ln_hyp + (r + x) * np.log((alpha + T) / (alpha + t + T)))
        numerator = c / (a - 1.0) * second
        odds = np.where(
            x > 0,
            a / (b + np.maximum(x, 1.0) - 1.0) * ((alpha + T) / (alpha + tx)) ** (r + x),
            0.0,
        )
        out: FloatArray = numerator / (1.0 + odds)
    return out


def _probability_alive(fit: BGNBDFit, x: FloatArray, tx: FloatArray, T: FloatArray) -> FloatArray:
    from scipy import special

    r, alpha, a, b = fit.purchase_shape, fit.purchase_scale, fit.dropout_a, fit.dropout_b
    with np.errstate(invalid="ignore", divide="ignore"):
        log_odds = (r + x) * np.log((alpha + T) / (alpha + tx)) + np.log(
            a / (b + np.maximum(x, 1.0) - 1.0)
        )
        alive = special.expit(-log_odds)
    out: FloatArray = np.where(x == 0, 1.0, alive)
    out[np.isnan(x) | np.isnan(tx) | np.isnan(T) | math.isnan(r + alpha + a + b)] = np.nan
    return out


def _drop_nan(*arrays: FloatArray) -> list[FloatArray]:
    known = ~np.logical_or.reduce([np.isnan(a) for a in arrays])
    if known.all():
        return list(arrays)
    return [a[known] for a in arrays]


def _fit_iv(
    frequency: object, recency: object, T: object, penalizer: object, weights: object
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, float]:
    pen = _check_penalizer(penalizer)
    x = as_float_array(frequency, name="frequency")
    tx = as_float_array(recency, name="recency")
    age = as_float_array(T, name="T")
    check_same_length(frequency=x, recency=tx, T=age)
    if weights is None:
        w = np.ones(len(x))
    else:
        w = as_float_array(weights, name="weights")
        check_same_length(frequency=x, weights=w)
        _bad_rows(~(w >= 0) | np.isinf(w), "`weights` must be >= 0 and finite; it is not")
    _check_history(x, tx, age)
    return x, tx, age, w, pen


def fit_bgnbd(
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,
    *,
    penalizer: float = 0.0,
    weights: npt.ArrayLike | None = None,
) -> BGNBDFit:
    """Maximum-likelihood BG/NBD model of repeat purchases (``lifetimes``' ``BetaGeoFitter``).

    Parameters
    ----------
    frequency : array_like of int, shape (C,)
        Repeat purchase periods ``x`` of each customer (see
        :func:`purchase_summary`).
    recency : array_like of float, shape (C,)
        Last minus first purchase ``t_x``, 0 when ``x = 0``. [periods]
    T : array_like of float, shape (C,)
        Age at the end of the observation, ``>= recency``. [periods]
    penalizer : float, optional
        L2 penalty ``penalizer * (r^2 + (alpha / max T)^2 + a^2 + b^2)`` (the
        paper's symbols, see :class:`BGNBDFit`) added to the mean negative
        log-likelihood, exactly as ``lifetimes``' ``penalizer_coef``;
        0.001-0.1 tames implausibly large parameters on small samples.
    weights : array_like of float, shape (C,), optional
        Number of customers with each row's history (default 1 each), as in
        ``lifetimes``.

    Returns
    -------
    BGNBDFit
        ``purchase_shape`` (r), ``purchase_scale`` (alpha), ``dropout_a``,
        ``dropout_b``, ``log_likelihood``, ``n``, ``converged``, and the
        methods ``expected_purchases``, ``probability_alive`` and
        ``expected_purchases_new``.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If a history breaks the rules (the rows are named): a negative or
        non-integer ``frequency``, a negative ``recency`` or ``T``,
        ``recency > T``, ``recency != 0`` where ``frequency == 0``, an infinite
        value; or the lengths differ, or a weight or `penalizer` is negative.

    Warns
    -----
    InsufficientDataWarning
        If no customer (with a positive weight) has a repeat purchase — the
        dropout process is then not observed and the likelihood has no
        maximum: the parameters are NaN; or if the optimiser did not reach a
        maximum: ``converged`` is False and the parameters are its last
        iterate.

    See Also
    --------
    purchase_summary : the histories from transactions.
    lifetime_value : the value of the predicted purchases.

    Notes
    -----
    The log-likelihood of a customer (Fader, Hardie & Lee 2005, eq. 6) is::

        ln L = ln Γ(r + x) - ln Γ(r) + r ln alpha + ln B(a, b + x) - ln B(a, b)
               + ln[ (alpha + T)^-(r+x) + 1[x > 0] a / (b + x - 1) (alpha + t_x)^-(r+x) ]

    As in ``lifetimes``, time is divided by ``max T`` while optimising (then
    ``alpha`` is scaled back), the objective is the mean negative
    log-likelihood plus the penalty, and BFGS starts from log-parameters of
    0.1; the gradient is analytic. Identical histories are fitted once with
    their total weight, and the terms in ``x`` alone once per distinct ``x``.
    NaN rows are left out.

    Examples
    --------
    Thirteen kinds of customers observed for 40 weeks (rows are histories,
    `weights` how many customers have each):

    >>> x = [0, 0, 1, 1, 2, 2, 3, 4, 5, 6, 8, 10, 1]
    >>> tx = [0, 0, 5, 30, 10, 35, 38, 20, 36, 39, 37, 39, 2]
    >>> T = [40, 30, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 30]
    >>> w = [400, 300, 60, 40, 30, 30, 25, 10, 15, 10, 8, 5, 50]
    >>> fit = fit_bgnbd(x, tx, T, weights=w)
    >>> print(f"r={fit.purchase_shape:.3f} alpha={fit.purchase_scale:.2f} "
    ...       f"a={fit.dropout_a:.3f} b={fit.dropout_b:.3f}")
    r=0.192 alpha=6.97 a=0.210 b=0.395
    >>> fit.probability_alive([1, 1], [5, 30], 40)  # same frequency, later last purchase
    array([0.269, 0.585])
    """
    x, tx, age, w, pen = _fit_iv(frequency, recency, T, penalizer, weights)
    x, tx, age, w = _drop_nan(x, tx, age, w)
    n = len(x)
    positive = w > 0
    too_few = float(w[positive].sum()) < 4  # fewer customers than parameters
    if too_few or not (positive & (x > 0) & (age > 0)).any():
        warn_insufficient(
            "cannot fit the BG/NBD model: fewer than 4 customers (its 4 parameters), or no "
            "customer has a repeat purchase (`frequency` > 0 and `T` > 0), so dropout is not "
            "observed; the parameters are NaN"
        )
        nan = float("nan")
        return BGNBDFit(
            purchase_shape=nan,
            purchase_scale=nan,
            dropout_a=nan,
            dropout_b=nan,
            log_likelihood=nan,
            n=n,
            converged=False,
            penalizer=pen,
        )
    data = _Patterns(x[positive], tx[positive], age[positive], w[positive])
    scale = 1.0 / float(data.T.max())
    log_params, converged = _maximise(
        lambda p: _bgnbd_objective(p, data, scale, pen), np.full(4, _START)
    )
    r, alpha_scaled, a, b = np.exp(log_params)
    params = np.array([r, alpha_scaled / scale, a, b])
    ll, _ = _bgnbd_log_likelihood(params, data, scale=1.0, gradient=False, per_pattern=False)
    if not converged:
        warn_insufficient(
            "the BG/NBD fit did not converge (the likelihood may have no maximum on this data): "
            "`converged` is False and the parameters are the last iterate; a small `penalizer` "
            "(0.001-0.1) usually helps"
        )
    return BGNBDFit(
        purchase_shape=float(r),
        purchase_scale=float(alpha_scaled / scale),
        dropout_a=float(a),
        dropout_b=float(b),
        log_likelihood=float(ll),
        n=n,
        converged=converged,
        penalizer=pen,
    )


def _maximise(
    objective: Callable[[FloatArray], tuple[float, FloatArray]], start: FloatArray
) -> tuple[FloatArray, bool]:
    """BFGS on `objective` (value and gradient); ``(x, converged)``."""
    from scipy import optimize

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        res = optimize.minimize(
            objective, start, jac=True, method="BFGS", options={"gtol": _GTOL, "maxiter": 1000}
        )
        x = np.asarray(res.x, dtype=np.float64)
        value, grad = objective(x)
    converged = bool(
        np.isfinite(x).all() and math.isfinite(value) and np.abs(grad).max() < _ACCEPT_GTOL
    )
    return x, converged


# --------------------------------------------------------------------------- Gamma-Gamma


@result
class GammaGammaFit(Result):
    """The Gamma-Gamma model of spend per purchase, fitted by maximum likelihood.

    A customer's purchase values are Gamma distributed with shape ``p`` and a
    rate ``ν`` of their own; across customers ``ν ~ Gamma(shape q, rate v)``.
    The mean value per purchase in the population is ``p v / (q - 1)``
    (finite when ``q > 1``). The model assumes that spend does not depend on
    purchase frequency: check that their correlation is near 0. The formulas
    below use the paper's symbols (Fader, Hardie & Lee 2005b).

    Attributes
    ----------
    spend_shape : float
        ``p`` in the paper (``lifetimes``' ``p``): shape of the distribution
        of a customer's purchase values. NaN when unfitted.
    mixing_shape : float
        ``q`` in the paper (``lifetimes``' ``q``): shape of the distribution
        of the customers' rates ``ν``. NaN when unfitted.
    mixing_scale : float
        ``v`` in the paper (``lifetimes``' ``v``): rate parameter of that
        distribution, in the unit of the values (the scale of spend). NaN
        when unfitted.
    log_likelihood : float
        Maximised log-likelihood (``lifetimes``' formula), without the penalty.
    n : int
        Customers used: those with ``frequency > 0`` (and no NaN).
    converged : bool
        Whether the optimiser reached a maximum.
    penalizer : float
        The L2 penalty coefficient used.
    """

    spend_shape: float
    mixing_shape: float
    mixing_scale: float
    log_likelihood: float
    n: int
    converged: bool
    penalizer: float = 0.0

    def expected_value(self, frequency: npt.ArrayLike, monetary: npt.ArrayLike) -> FloatArray:
        """Expected value per purchase of each customer, given their history.

        ``lifetimes``' ``conditional_expected_average_profit`` (Fader & Hardie,
        note 025, eq. 5): a weighted mean of the population mean and the
        customer's own mean, ``(1 - w) p v / (q - 1) + w m`` with
        ``w = p x / (p x + q - 1)``; the population mean when ``x = 0``.

        Parameters
        ----------
        frequency : float or array_like of float
            Repeat purchase periods ``x``.
        monetary : float or array_like of float
            Mean value of the repeat periods ``m``; broadcast with `frequency`.

        Returns
        -------
        numpy.ndarray of float64
            One value per customer; NaN where an input is NaN or the model is
            unfitted. With ``q < 1`` the population mean is negative.

        Raises
        ------
        customer_kanban.errors.ValidationError
            If a `frequency` is negative or not a whole number, or the lengths
            differ.
        TypeError, ValidationError
            If a parameter of the model is not a number > 0 (NaN = unfitted).

        Examples
        --------
        >>> fit = GammaGammaFit(spend_shape=6.25, mixing_shape=3.74, mixing_scale=15.44,
        ...                     log_likelihood=np.nan, n=0, converged=True)
        >>> fit.expected_value([0, 1, 10], [0.0, 100.0, 100.0]).round(2)
        array([35.22, 80.26, 97.28])
        """
        _check_parameters(self, owner="GammaGammaFit")
        x, m = _value_iv(frequency, monetary)
        return _expected_value(self, x, m)


def _expected_value(fit: GammaGammaFit, x: FloatArray, m: FloatArray) -> FloatArray:
    p, q, v = fit.spend_shape, fit.mixing_shape, fit.mixing_scale
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = p * x / (p * x + q - 1.0)
        out: FloatArray = (1.0 - weight) * (v * p / (q - 1.0)) + weight * m
    return out


def _value_iv(frequency: object, monetary: object) -> tuple[FloatArray, FloatArray]:
    x = as_float_array(frequency, name="frequency")
    m = as_float_array(monetary, name="monetary")
    if len(x) != len(m) and 1 not in (len(x), len(m)):
        raise ValidationError(
            f"`frequency` and `monetary` must have one length (or length 1); "
            f"got {len(x)} and {len(m)}"
        )
    x, m = (np.ascontiguousarray(a) for a in np.broadcast_arrays(x, m))
    _bad_rows(
        (x < 0) | ((x != np.floor(x)) & ~np.isnan(x)),
        "`frequency` must be a whole number >= 0 (repeat purchase periods); it is not",
    )
    return x, m


def _gg_log_likelihood(
    params: FloatArray,
    x: FloatArray,
    m: FloatArray,
    *,
    gradient: bool,
) -> tuple[float, FloatArray]:
    """Gamma-Gamma log-likelihood (``lifetimes``) and its gradient in log-parameters."""
    from scipy import special

    p, q, v = (float(t) for t in params)
    log_v = math.log(v) if v > 0 else -math.inf  # exp(log v) can underflow to 0
    px = p * x
    log_xm_v = np.log(x * m + v)
    log_m = np.log(m)
    log_x = np.log(x)
    each = (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * log_v
        + (px - 1.0) * log_m
        + px * log_x
        - (px + q) * log_xm_v
    )
    ll = float(each.sum())
    if not gradient:
        return ll, np.zeros(3)
    psi_pxq = special.digamma(px + q)
    d_p = x * (psi_pxq - special.digamma(px) + log_m + log_x - log_xm_v)
    d_q = psi_pxq - special.digamma(q) + log_v - log_xm_v
    d_v = q / v - (px + q) / (x * m + v)
    grad = np.asarray(params) * np.array([d_p.sum(), d_q.sum(), d_v.sum()])
    return ll, grad


def fit_gamma_gamma(
    frequency: npt.ArrayLike, monetary: npt.ArrayLike, *, penalizer: float = 0.0
) -> GammaGammaFit:
    """Maximum-likelihood Gamma-Gamma model of spend (``lifetimes``' ``GammaGammaFitter``).

    Parameters
    ----------
    frequency : array_like of int, shape (C,)
        Repeat purchase periods ``x``; only customers with ``x > 0`` are used
        (the others have no repeat purchase to learn from).
    monetary : array_like of float, shape (C,)
        Mean value of the repeat periods (see :func:`purchase_summary`); must
        be > 0 where ``x > 0``.
    penalizer : float, optional
        L2 penalty ``penalizer * (p^2 + q^2 + v^2)`` (the paper's symbols, see
        :class:`GammaGammaFit`) added to the mean negative log-likelihood, as
        ``lifetimes``' ``penalizer_coef``.

    Returns
    -------
    GammaGammaFit
        ``spend_shape`` (p), ``mixing_shape`` (q), ``mixing_scale`` (v),
        ``log_likelihood``, ``n``, ``converged`` and the method
        ``expected_value``.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If a `monetary` is not > 0 (or infinite) where ``frequency > 0``, a
        `frequency` is negative or not whole (the rows are named), the lengths
        differ, or `penalizer` is negative.

    Warns
    -----
    InsufficientDataWarning
        If no customer has ``frequency > 0`` (parameters NaN), or the optimiser
        did not reach a maximum (``converged`` False, last iterate).

    Notes
    -----
    The log-likelihood of a customer with ``x`` repeat periods of mean value
    ``m`` is ``lifetimes``' (Fader & Hardie, note 025)::

        ln Γ(p x + q) - ln Γ(p x) - ln Γ(q) + q ln v + (p x - 1) ln m
        + p x ln x - (p x + q) ln(x m + v)

    maximised by BFGS from log-parameters of 0.1, with the analytic gradient.
    Rows with NaN are left out. On small or nearly homogeneous samples the
    likelihood can be almost flat along large ``q`` and ``v`` (implausibly
    large values with ``converged`` True): a small `penalizer` keeps them in
    range.

    Examples
    --------
    Nine customers; the last has no repeat purchase and is left out:

    >>> x = [2, 1, 4, 3, 1, 6, 2, 5, 0]
    >>> m = [15.0, 40.0, 22.0, 90.0, 12.0, 35.0, 60.0, 18.0, 0.0]
    >>> fit = fit_gamma_gamma(x, m)
    >>> print(f"p={fit.spend_shape:.2f} q={fit.mixing_shape:.2f} v={fit.mixing_scale:.2f} "
    ...       f"n={fit.n} {fit.converged}")
    p=5.88 q=3.48 v=15.73 n=8 True

    A new customer is worth the population mean per purchase; one with four
    repeat purchases of 25 on average, a little more than 25:

    >>> fit.expected_value([0, 4], [0.0, 25.0]).round(2)
    array([37.36, 26.18])
    """
    pen = _check_penalizer(penalizer)
    x = as_float_array(frequency, name="frequency")
    m = as_float_array(monetary, name="monetary")
    check_same_length(frequency=x, monetary=m)
    x, m = _value_iv(x, m)
    used = (x > 0) & ~np.isnan(m)
    _bad_rows(
        used & ~((m > 0) & np.isfinite(m)),
        "`monetary` must be > 0 and finite where `frequency` > 0; it is not",
    )
    xu, mu = x[used], m[used]
    n = len(xu)
    if n < 3:
        warn_insufficient(
            "cannot fit the Gamma-Gamma model: fewer than 3 customers (its 3 parameters) with a "
            "repeat purchase (`frequency` > 0); the parameters are NaN"
        )
        nan = float("nan")
        return GammaGammaFit(
            spend_shape=nan,
            mixing_shape=nan,
            mixing_scale=nan,
            log_likelihood=nan,
            n=n,
            converged=False,
            penalizer=pen,
        )

    def objective(log_params: FloatArray) -> tuple[float, FloatArray]:
        params = np.exp(np.clip(log_params, -_LOG_BOUND, _LOG_BOUND))
        ll, grad = _gg_log_likelihood(params, xu, mu, gradient=True)
        f = -ll / n + pen * float(np.dot(params, params))
        return f, -grad / n + 2.0 * pen * params * params

    log_params, converged = _maximise(objective, np.full(3, _START))
    params = np.exp(log_params)
    ll, _ = _gg_log_likelihood(params, xu, mu, gradient=False)
    if not converged:
        warn_insufficient(
            "the Gamma-Gamma fit did not converge (the likelihood may have no maximum on this "
            "data): `converged` is False and the parameters are the last iterate; a small "
            "`penalizer` (0.001-0.1) usually helps"
        )
    return GammaGammaFit(
        spend_shape=float(params[0]),
        mixing_shape=float(params[1]),
        mixing_scale=float(params[2]),
        log_likelihood=ll,
        n=n,
        converged=converged,
        penalizer=pen,
    )


# --------------------------------------------------------------------------- CLV


def _check_number(value: object, *, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"`{name}` must be a number, got {type(value).__name__}")
    return float(value)


def lifetime_value(
    bgnbd: BGNBDFit,
    gamma_gamma: GammaGammaFit,
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,
    monetary: npt.ArrayLike,
    *,
    months: int = 12,
    discount_rate: float = 0.01,
    period_days: float = 1.0,
) -> FloatArray:
    """Discounted value of each customer's purchases over the next `months`.

    ``lifetimes``' ``GammaGammaFitter.customer_lifetime_value`` with a BG/NBD
    model::

        CLV = sum_{k=1..months} value * (E(k M) - E((k - 1) M)) / (1 + discount_rate)^k

    where ``E(t)`` is :meth:`BGNBDFit.expected_purchases` (the expected repeat
    purchases in the next ``t`` periods), ``M = 30 / period_days`` is a month
    of 30 days in model periods, and ``value`` is
    :meth:`GammaGammaFit.expected_value`.

    Parameters
    ----------
    bgnbd : BGNBDFit
        The purchase model, fitted in periods of `period_days` days.
    gamma_gamma : GammaGammaFit
        The spend model.
    frequency, recency, T, monetary : array_like of float, shape (C,)
        Each customer's history (see :func:`purchase_summary`); broadcast
        together.
    months : int, optional
        Horizon in months of 30 days, 0 to 360 (30 years; the cost grows
        faster than the horizon, see Notes).
    discount_rate : float, optional
        Discount rate per month, > -1 (0.01 = 1 % a month, about 12.7 % a
        year).
    period_days : float, optional
        Length of the model's period in days: 1 for ``period="D"``, 7 for
        ``"W"`` or ``period=7``. (``lifetimes`` counts 4.345 weeks in a month
        for ``freq="W"``, not 30/7: pass ``period_days=30 / 4.345`` to match
        it.)

    Returns
    -------
    numpy.ndarray of float64, shape (C,)
        Customer lifetime value in the unit of `monetary`; NaN where an input
        is NaN or a model is unfitted.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If a history breaks the rules, the lengths differ, `months` is
        outside 0..360, `discount_rate` <= -1, `period_days` <= 0, or a
        model's parameter is not > 0 (NaN = unfitted).
    TypeError
        If a model or an option has the wrong type, or a model's parameter is
        not a number.

    Notes
    -----
    **Timing.** The expected purchases of month ``k`` (from ``30 (k - 1)`` to
    ``30 k`` days after the end of the observation) are valued at the
    customer's expected value per purchase and discounted by
    ``(1 + discount_rate)^k``: as if paid at the end of the month, so even the
    first month is discounted once. Purchases are counted from the end of the
    observation, not from today.

    **Cost.** ``E(t)`` is computed once per distinct history and month, in
    blocks of bounded memory. Its hypergeometric function converges more
    slowly as ``t`` grows, so the cost grows faster than `months`: on the
    11,104 distinct CDNOW histories, 12 months take 0.02 s, 120 months
    0.3 s and 360 months (the bound) about 2 s. A horizon far beyond the
    model's time scale (a model fitted in days used with a much smaller
    `period_days`) costs up to about 20 ms per distinct history at 360 months.

    Examples
    --------
    >>> bg = BGNBDFit(purchase_shape=0.243, purchase_scale=4.414, dropout_a=0.793,
    ...               dropout_b=2.426, log_likelihood=np.nan, n=0, converged=True)
    >>> gg = GammaGammaFit(spend_shape=6.25, mixing_shape=3.74, mixing_scale=15.44,
    ...                    log_likelihood=np.nan, n=0, converged=True)
    >>> lifetime_value(bg, gg, [0, 2, 7], [0.0, 30.43, 35.0], [38.86, 38.86, 38.86],
    ...                [0.0, 22.35, 40.0], period_days=7.0)
    array([  8.268,  35.882, 204.948])
    """
    if not isinstance(bgnbd, BGNBDFit):
        raise TypeError(f"`bgnbd` must be a BGNBDFit, got {type(bgnbd).__name__}")
    if not isinstance(gamma_gamma, GammaGammaFit):
        raise TypeError(f"`gamma_gamma` must be a GammaGammaFit, got {type(gamma_gamma).__name__}")
    _check_parameters(bgnbd, owner="`bgnbd`")
    _check_parameters(gamma_gamma, owner="`gamma_gamma`")
    months = as_whole_number(months, name="months", minimum=0, maximum=_MAX_MONTHS)
    d = _check_number(discount_rate, name="discount_rate")
    if not (d > -1 and math.isfinite(d)):
        raise ValidationError(f"`discount_rate` must be > -1 and finite (per month); got {d}")
    days = _check_number(period_days, name="period_days")
    if not (days > 0 and math.isfinite(days)):
        raise ValidationError(f"`period_days` must be > 0 and finite [days]; got {days}")
    x, tx, age, m = _history_iv(frequency, recency, T, ("monetary", monetary))
    value = _expected_value(gamma_gamma, x, m)
    # The purchases depend on the history only: computed once per distinct history.
    order, starts, inverse = _distinct_histories(x, tx, age)
    first = order[starts]
    step = MONTH_DAYS / days
    grid = np.arange(months + 1, dtype=np.float64)[np.newaxis, :] * step
    discount = (1.0 + d) ** -np.arange(1, months + 1, dtype=np.float64)
    purchases = np.empty(first.size)  # discounted purchases of each distinct history
    rows = max(64, _BLOCK_CELLS // (months + 1) // 64 * 64)
    for lo in range(0, first.size, rows):  # blocks of histories: bounded memory
        block = first[lo : lo + rows, np.newaxis]
        expected = _conditional_expected(bgnbd, grid, x[block], tx[block], age[block])
        with np.errstate(invalid="ignore"):  # inf - inf of a degenerate fit: NaN, as it should
            per_month = np.diff(expected, axis=1)
        purchases[lo : lo + rows] = per_month @ discount
    out: FloatArray = value * purchases[inverse]
    return out


def _number_or_vector(raw: object, *, name: str) -> FloatArray:
    """A number (as a 0-dimensional array) or a 1-D array of numbers, as float64."""
    if raw is None:
        raise TypeError(f"`{name}` must be a number or an array of numbers, got None")
    if isinstance(raw, (list, tuple)):
        try:
            np.asarray(raw)
        except (TypeError, ValueError) as exc:  # ragged input
            raise TypeError(f"`{name}` must be a number or an array of numbers: {exc}") from exc
    arr = as_float_array(raw, name=name)  # refuses text, booleans and 2-D input
    if isinstance(raw, (int, float, np.generic)) or (isinstance(raw, np.ndarray) and raw.ndim == 0):
        return arr.reshape(())
    return arr


def simple_lifetime_value(
    margin: npt.ArrayLike,
    retention: npt.ArrayLike,
    discount_rate: npt.ArrayLike,
    *,
    first_margin_now: bool = False,
) -> FloatArray:
    """Closed-form lifetime value of a constant margin with constant retention.

    ``CLV = m r / (1 + d - r)`` (Gupta & Lehmann's margin multiple): the sum
    over periods ``t >= 1`` of the margin ``m`` earned if the customer is
    still there (probability ``r^t``), discounted by ``(1 + d)^t``.

    Parameters
    ----------
    margin : float or array_like of float, shape (n,)
        Margin per period ``m`` (may be negative).
    retention : float or array_like of float, shape (n,)
        Probability ``r`` that a customer present in one period is still there
        the next, in ``[0, 1 + d)``.
    discount_rate : float or array_like of float, shape (n,)
        Discount rate ``d`` per period, > -1. `margin`, `retention` and
        `discount_rate` must use the same period (a monthly retention with an
        annual rate is a classic mistake). Each is a number or a
        one-dimensional array; the arrays have one length (or length 1) and
        numbers apply to every row.
    first_margin_now : bool, optional
        **Timing.** False (default): the first margin comes one period from
        now, conditional on retention, ``m r / (1 + d - r)``. True: the margin
        of the current period is counted now as well, undiscounted,
        ``m (1 + d) / (1 + d - r)`` (``m`` more).

    Returns
    -------
    numpy.ndarray of float64
        Shape ``(n,)``, or 0-dimensional when every input is a number; NaN
        where an input is NaN.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If a `retention` is not a probability in [0, 1] or not below
        ``1 + d`` (the series diverges at ``r >= 1 + d``), or a
        `discount_rate` is <= -1 (the positions are named), an input has more
        than one dimension, or the lengths differ.
    TypeError
        If an input is not numeric (text, booleans).

    Examples
    --------
    A margin of 100 a year, 80 % retained each year, a 10 % discount rate:
    a multiple of 0.8 / 0.3 = 2.67.

    >>> simple_lifetime_value(100.0, 0.8, 0.1)
    array(266.667)
    >>> float(simple_lifetime_value(1.0, 0.8, 0.1))  # the multiple
    2.6667
    >>> simple_lifetime_value(100.0, [0.5, 0.8, 0.9], 0.1, first_margin_now=True)
    array([183.333, 366.667, 550.   ])
    """
    if not isinstance(first_margin_now, (bool, np.bool_)):
        raise TypeError(f"`first_margin_now` must be True or False, got {first_margin_now!r}")
    named = (("margin", margin), ("retention", retention), ("discount_rate", discount_rate))
    arrays = [_number_or_vector(raw, name=name) for name, raw in named]
    try:
        m, r, d = np.broadcast_arrays(*arrays)
    except ValueError as exc:
        raise ValidationError(
            f"`margin`, `retention` and `discount_rate` must broadcast together: {exc}"
        ) from exc
    flat_d = d.reshape(-1)
    _bad_rows(
        (flat_d <= -1) | np.isinf(flat_d),
        "`discount_rate` must be > -1 and finite (per period); it is not",
    )
    flat_r = r.reshape(-1)
    _bad_rows(
        (flat_r < 0) | (flat_r > 1) | (flat_r >= 1 + flat_d),
        "`retention` must be a probability in [0, 1] and below 1 + `discount_rate` (the "
        "series diverges beyond); it is not",
    )
    numerator = m * (1.0 + d) if first_margin_now else m * r
    out: FloatArray = np.asarray(numerator / (1.0 + d - r), dtype=np.float64)
    return out

"""Cost of delay: urgency archetypes, delay cost, and CD3 / WSJF scheduling.

Cost of delay (CoD) is "the partial derivative of the total expected value with
respect to time" (Joshua Arnold): the money lost per day an item is not
delivered, ``[money/day]``. The **delay cost** of a delay ``D`` is its integral,
``∫_0^D CoD(t) dt`` ``[money]``. Kanban's classes of service name four
qualitative shapes of CoD (Anderson); the sources give no formula, so the
parametrisation below is a **modelling assumption** of this package (research
notes §3.1), chosen so that every delay cost has a closed form. ``t`` is days
since the request; the rate is 0 before it (``t < 0``):

=============  ===============================================  ==========================
urgency        cost-of-delay rate ``CoD(t)`` [money/day]         lump [money]
=============  ===============================================  ==========================
expedite       ``rate`` from ``t = 0`` (high from the start)      optional ``step`` at 0
fixed_date     0 before ``due``, ``rate`` from ``due`` on         ``step`` at ``due``
standard       ``rate`` (constant)                                none
intangible     ``rate`` (low) until ``horizon``, then              none
               ``rate * (1 + growth * (t - horizon))``
=============  ===============================================  ==========================

A **lump** is a one-off cost incurred the moment the delay passes a point (the
fixed-date penalty for missing the date; the expedite item's immediate loss). It
is a Dirac mass in the CoD, so it is not part of :func:`cost_of_delay_rate` (a
finite rate) and appears only in the integral, :func:`delay_cost`: an item
delivered ``D`` days after its request pays the lump of a point ``p`` when
``D > p`` — delivered *on* the due date is on time and pays no lump (the rule
of :func:`~customer_kanban.metrics.on_time_rate`: on time = delivered ≤ due),
and an expedite item pays its lump as soon as any delay exists (``D > 0``).
Closed forms, with ``x⁺ = max(x, 0)``:

* expedite: ``rate * D + step * [D > 0]``;
* fixed_date: ``rate * (D - due)⁺ + step * [D > due]``;
* standard: ``rate * D``;
* intangible: ``rate * D + rate * growth * ((D - horizon)⁺)² / 2``.

**CD3** (cost of delay divided by duration, Arnold) schedules items by
descending ``CoD / duration``; for constant rates worked one at a time this
minimises the total delay cost (Smith's weighted-shortest-processing-time rule),
and only then: with fixed-date steps or rising rates compare delay costs
instead. The ratio of two scores is not the ratio of outcomes. **WSJF** as
SAFe defines it replaces money by relative scores (see :func:`wsjf`).

Urgency is given per item as labels (:data:`URGENCIES`, the values of
``customer_kanban.model.Urgency``; its members work too), integer codes
``0..3`` in the order of :data:`URGENCIES`, or ``(codes, labels)`` as a table's
``codes()`` returns.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from customer_kanban._core.groups import factorize
from customer_kanban._core.instants import NS_PER_DAY
from customer_kanban._core.results import Result, result
from customer_kanban._core.types import (
    BoolArray,
    FloatArray,
    InstantArray,
    Int64Array,
    LabelArray,
)
from customer_kanban._core.validation import (
    as_instant_scalar,
    as_instants,
    as_numbers,
    check_not_before,
    check_span,
)
from customer_kanban.errors import ValidationError, describe_rows

__all__ = [
    "URGENCIES",
    "DelayCostResult",
    "PriorityResult",
    "cd3",
    "cost_of_delay_rate",
    "delay_cost",
    "wsjf",
]

#: Urgency labels; an integer code is the position of its label here.
URGENCIES: tuple[str, ...] = ("expedite", "fixed_date", "standard", "intangible")

_EXPEDITE, _FIXED_DATE, _STANDARD, _INTANGIBLE = range(4)
_SORTED_LABELS = np.array(sorted(URGENCIES))
_SORTED_TO_CODE = np.array([URGENCIES.index(s) for s in sorted(URGENCIES)], dtype=np.int8)
_I64_MAX = np.iinfo(np.int64).max
_NAT = np.iinfo(np.int64).min  # NaT as int64

Int8Array = npt.NDArray[np.int8]


# --------------------------------------------------------------------------- results


@result
class DelayCostResult(Result):
    """Delay cost per item and its total per group.

    Attributes
    ----------
    groups : numpy.ndarray, shape (G,)
        Group labels (``["all"]`` when ungrouped).
    total : numpy.ndarray of float64, shape (G,)
        Sum of `cost` over the group's items requested by `as_of`. [money]
    items : numpy.ndarray of int64, shape (G,)
        Items requested by `as_of` in each group (those summed in `total`).
    cost : numpy.ndarray of float64, shape (n,)
        Delay cost of each item so far: the integral of its cost-of-delay rate
        from the request to the delivery (to `as_of` if not delivered by then),
        lumps included; 0 for an item requested after `as_of`; NaN for an item
        whose request instant is unknown. [money]
    open : numpy.ndarray of bool, shape (n,)
        Requested by `as_of` and not delivered by then (still costing).

    Notes
    -----
    The frame (:meth:`to_frame`) has one row per group (``group``, ``total``,
    ``items``); the per-item `cost` and `open` are in the attributes and in
    :meth:`to_dict`.
    """

    groups: LabelArray
    total: FloatArray
    items: Int64Array
    cost: FloatArray
    open: BoolArray

    def _frame_columns(self) -> dict[str, npt.NDArray[Any]]:
        """One row per group: the per-item arrays have no group axis."""
        return {"group": self.groups, "total": self.total, "items": self.items}


@result
class PriorityResult(Result):
    """A priority score per item and the schedule it gives.

    Attributes
    ----------
    score : numpy.ndarray of float64, shape (n,)
        The item's score (higher goes first).
    rank : numpy.ndarray of int64, shape (n,)
        Position of the item in the schedule, 1 = first; distinct (ties are
        broken, see the function).
    order : numpy.ndarray of int64, shape (n,)
        Item indices in schedule order: ``order[0]`` goes first;
        ``rank[order] == 1..n``.
    """

    score: FloatArray
    rank: Int64Array
    order: Int64Array


# --------------------------------------------------------------------------- validation


def _as_numbers(value: object, *, name: str) -> FloatArray:
    """A number (shape ``()``) or a 1-D array of numbers (shape ``(n,)``) as float64.

    Booleans, text and instants are refused (``True`` is no rate).
    """
    return as_numbers(value, name=name)


def _common_length(arrays: dict[str, npt.NDArray[Any] | None], *, n: int | None = None) -> int:
    """The length shared by the 1-D arrays (scalars broadcast); the first pair that differs."""
    first = None
    for name, arr in arrays.items():
        if arr is None or arr.ndim == 0:
            continue
        if first is None:
            first, n = name, len(arr)
            continue
        if len(arr) != n:
            raise ValidationError(
                f"`{first}` and `{name}` must have the same length (got {n} and {len(arr)})"
            )
    return 1 if n is None else n


def _rows_error(bad: BoolArray, message: str, suffix: str = "") -> ValidationError:
    rows = np.flatnonzero(bad).tolist()
    return ValidationError(f"{message} {describe_rows(rows)}{suffix}", rows=rows)


def _urgency_from_labels(labels: npt.NDArray[Any]) -> tuple[Int8Array, BoolArray]:
    """Codes of label strings among :data:`URGENCIES` and which labels are known."""
    text = labels if labels.dtype.kind == "U" else labels.astype(str)
    pos = np.searchsorted(_SORTED_LABELS, text)
    np.minimum(pos, len(_SORTED_LABELS) - 1, out=pos)
    known: BoolArray = _SORTED_LABELS[pos] == text
    codes: Int8Array = _SORTED_TO_CODE[pos]
    return codes, known


def _enum_value(value: object) -> object:
    return getattr(value, "value", value)


_enum_values = np.frompyfunc(_enum_value, 1, 1)

_URGENCY_RULE = (
    "`urgency` must be one of 'expedite', 'fixed_date', 'standard', 'intangible' "
    "(or codes 0 to 3 in that order)"
)


def _as_label_array(values: object) -> npt.NDArray[Any]:
    """`values` as an ndarray of labels or codes; str-based enum members become their values."""
    try:
        if isinstance(values, np.ndarray):
            arr: npt.NDArray[Any] = values
        elif hasattr(values, "to_numpy"):
            arr = np.asarray(values.to_numpy())
        else:
            # Via objects: numpy would turn str-based enum members into their repr.
            arr = np.asarray(values, dtype=object)
        if arr.dtype.kind == "O" and arr.size:
            arr = np.asarray(np.asarray(_enum_values(arr), dtype=object).tolist())
    except ValueError as exc:  # a ragged nested sequence
        raise ValidationError(f"`urgency` must be labels or integer codes: {exc}") from exc
    return arr


def _codes_of(arr: npt.NDArray[Any]) -> tuple[Int8Array, BoolArray | None]:
    """Codes of a 1-D array of labels or codes, and which are known (``None`` = all)."""
    kind = arr.dtype.kind
    if kind in "iu" or (kind == "O" and not arr.size):
        if not arr.size or (arr.min() >= 0 and arr.max() < len(URGENCIES)):
            return arr.astype(np.int8, copy=False), None
        return np.zeros(arr.shape, np.int8), (arr >= 0) & (arr < len(URGENCIES))
    if kind in "USO":
        codes, known = _urgency_from_labels(arr)
        return codes, (None if known.all() else known)
    raise TypeError(
        f"`urgency` must hold labels or integer codes, got an array of dtype {arr.dtype}"
    )


def _urgency_codes(urgency: object) -> Int8Array:
    """Urgency as int8 codes 0..3, shape ``()`` for one value or ``(n,)``."""
    if isinstance(urgency, tuple):
        if len(urgency) != 2:
            raise TypeError("`urgency` as a tuple must be `(codes, labels)`")
        c = _as_label_array(urgency[0])
        labels = _as_label_array(urgency[1])
        if c.ndim != 1 or labels.ndim != 1:
            raise ValidationError("`urgency` as `(codes, labels)` must hold two 1-D arrays")
        if c.dtype.kind not in "iu" and c.size:
            raise TypeError(f"`urgency` codes must be integers, got dtype {c.dtype}")
        table, known = _codes_of(labels)
        if known is not None:
            wrong = labels[~known].tolist()
            raise ValidationError(f"{_URGENCY_RULE}; got labels {wrong}")
        bad = (c < 0) | (c >= len(table))
        if bad.any():
            rule = f"`urgency` codes must lie in [0, {len(table) - 1}]"
            raise _rows_error(bad, f"{rule}; they do not in")
        out: Int8Array = table[c]
        return out
    arr = _as_label_array(urgency)
    if arr.ndim > 1:
        raise ValidationError(f"`urgency` must be one-dimensional, got shape {arr.shape}")
    codes, known = _codes_of(arr.reshape(-1))
    if known is not None:
        if arr.ndim == 0:
            raise ValidationError(f"{_URGENCY_RULE}; got {arr.item()!r}")
        raise _rows_error(~known, f"{_URGENCY_RULE}; it is not in")
    return codes.reshape(arr.shape)


def _check_parameter(
    values: FloatArray | None,
    *,
    name: str,
    unit: str,
    needed: BoolArray | None,
    used: BoolArray | None,
    archetypes: str,
) -> None:
    """`values` is given wherever `needed` and finite and >= 0 wherever `used`.

    ``None`` masks mean "no row". NaN means "not given": an error where needed,
    ignored where only used (an optional parameter) or unused.
    """
    required = f"`{name}` is required for {archetypes} items; it is missing in"
    why = "" if archetypes == "all" else f", whose `urgency` is {archetypes}"
    if values is None:
        if needed is not None and needed.any():
            raise _rows_error(needed, required, why)
        return
    if used is None:
        return
    flat = values.reshape(-1)
    if flat.size and np.fmin.reduce(flat) >= 0 and np.fmax.reduce(flat) < np.inf:
        # Every number is valid (NaN-ignoring reductions, no mask): only gaps remain.
        if needed is not None:
            gap = needed & np.isnan(values)
            if gap.any():
                raise _rows_error(gap, required, why)
        return
    missing = np.isnan(values)
    if needed is not None:
        gap = needed & missing
        if gap.any():
            raise _rows_error(gap, required, why)
    invalid = used & ~missing & ~((values >= 0) & (values < np.inf))
    if invalid.any():
        rule = f"`{name}` must be a finite number >= 0 [{unit}]"
        raise _rows_error(invalid, f"{rule}; it is not in")


@attrs.frozen
class _Profiles:
    """Checked archetype parameters: codes of shape (n,), numbers of shape () or (n,)."""

    codes: Int8Array
    rate: FloatArray
    step: FloatArray | None
    horizon: FloatArray | None
    growth: FloatArray | None
    fixed: BoolArray | None  # fixed_date items (None = none)
    lumpy: BoolArray | None  # expedite or fixed_date items
    intangible: BoolArray | None


def _profiles(
    urgency: object,
    rate: object,
    step: object,
    horizon: object,
    growth: object,
    *,
    lengths: dict[str, npt.NDArray[Any] | None],
    n: int | None,
    step_needed: bool,
) -> _Profiles:
    """Parse and check the archetype parameters against the other per-item `lengths`."""
    codes = _urgency_codes(urgency)
    r = _as_numbers(rate, name="rate")
    k = None if step is None else _as_numbers(step, name="step")
    h = None if horizon is None else _as_numbers(horizon, name="horizon")
    g = None if growth is None else _as_numbers(growth, name="growth")
    n = _common_length(
        {**lengths, "urgency": codes, "rate": r, "step": k, "horizon": h, "growth": g}, n=n
    )
    codes = np.broadcast_to(codes, (n,))
    fixed = codes == _FIXED_DATE
    lumpy = codes <= _FIXED_DATE
    intangible = codes == _INTANGIBLE
    p = _Profiles(
        codes=codes,
        rate=r,
        step=k,
        horizon=h,
        growth=g,
        fixed=fixed if fixed.any() else None,
        lumpy=lumpy if lumpy.any() else None,
        intangible=intangible if intangible.any() else None,
    )
    if r.size and not (r.min() >= 0 and r.max() < np.inf):
        every = np.ones(n, dtype=bool)
        _check_parameter(
            r, name="rate", unit="money/day", needed=every, used=every, archetypes="all"
        )
    step_for = p.fixed if step_needed else None
    _check_parameter(
        k, name="step", unit="money", needed=step_for, used=p.lumpy, archetypes="fixed_date"
    )
    for values, name, unit in ((h, "horizon", "days"), (g, "growth", "1/day")):
        _check_parameter(
            values,
            name=name,
            unit=unit,
            needed=p.intangible,
            used=p.intangible,
            archetypes="intangible",
        )
    return p


def _cost_of_delay_rate_iv(
    urgency: object,
    elapsed: object,
    rate: object,
    due: object,
    step: object,
    horizon: object,
    growth: object,
) -> tuple[_Profiles, FloatArray, FloatArray | None]:
    """Validate :func:`cost_of_delay_rate` arguments: (profiles, elapsed, due days)."""
    t = _as_numbers(elapsed, name="elapsed")
    d = None if due is None else _as_numbers(due, name="due")
    p = _profiles(
        urgency,
        rate,
        step,
        horizon,
        growth,
        lengths={"urgency": None, "elapsed": t, "due": d},  # urgency named first
        n=None,
        step_needed=False,
    )
    _check_parameter(
        d, name="due", unit="days", needed=p.fixed, used=p.fixed, archetypes="fixed_date"
    )
    return p, t, d


def _delay_cost_iv(
    urgency: object,
    start: object,
    end: object,
    as_of: object,
    rate: object,
    due: object,
    step: object,
    horizon: object,
    growth: object,
) -> tuple[_Profiles, InstantArray, InstantArray, np.datetime64, InstantArray | None]:
    """Validate :func:`delay_cost` arguments: (profiles, start, end, as_of, due)."""
    req = as_instants(start, name="start")
    dlv = as_instants(end, name="end")
    t = as_instant_scalar(as_of, name="as_of")
    u = None
    if due is not None:
        u = as_instants(due, name="due")
        if isinstance(due, (str, np.datetime64)) or (
            not hasattr(due, "to_numpy") and np.ndim(due) == 0  # type: ignore[arg-type]
        ):
            u = u.reshape(())  # one instant for every item
    p = _profiles(
        urgency,
        rate,
        step,
        horizon,
        growth,
        lengths={"start": req, "end": dlv, "due": u},
        n=len(req),
        step_needed=True,
    )
    check_not_before(req, dlv, start_name="start", end_name="end")
    if p.fixed is not None:
        required = "`due` is required for fixed_date items; it is missing in"
        why = ", whose `urgency` is fixed_date"
        if u is None:
            raise _rows_error(p.fixed, required, why)
        problem = p.fixed & ~(u >= req)  # NaT compares False: a missing due, or a NaT request
        if problem.any():
            gap = p.fixed & np.isnat(u)
            if gap.any():
                raise _rows_error(gap, required, why)
            early = p.fixed & (u < req)
            if early.any():
                raise _rows_error(early, "`due` is before `start` for fixed_date items in")
        check_span(req, u, earlier_name="start", later_name="due", where=p.fixed)
    # The delay of every requested item runs from `start` to `as_of` at most; items
    # requested after `as_of` are told apart by the sign of `as_of - start`.
    check_span(req, t, earlier_name="start", later_name="as_of")
    return p, req, dlv, t, u


def _priority_iv(
    scores: dict[str, object], positive: str, unit: str, requested_at: object
) -> tuple[dict[str, FloatArray], InstantArray | None, int]:
    """Finite numbers (scalars broadcast); `positive` also > 0; instants or None."""
    arrays = {name: _as_numbers(value, name=name) for name, value in scores.items()}
    req = None if requested_at is None else as_instants(requested_at, name="requested_at")
    n = _common_length({**arrays, "requested_at": req})
    for name, arr in arrays.items():
        if arr.ndim == 0 or not arr.size:
            ok = bool(np.isfinite(arr).all()) and (name != positive or bool((arr > 0).all()))
        else:
            lo, hi = arr.min(), arr.max()
            ok = bool(lo > -np.inf and hi < np.inf) and (name != positive or bool(lo > 0))
        if ok:
            continue
        if name == positive:
            message = f"`{name}` must be a finite number > 0 [{unit}]; it is not in"
            bad = ~((arr > 0) & (arr < np.inf))
        else:
            message = f"`{name}` must be a finite number; it is not in"
            bad = ~np.isfinite(arr)
        if arr.ndim == 0:
            raise ValidationError(f"{message.removesuffix('; it is not in')}; got {float(arr)}")
        raise _rows_error(bad, message)
    out = {name: np.broadcast_to(arr, (n,)) for name, arr in arrays.items()}
    return out, req, n


# --------------------------------------------------------------------------- core


def _schedule(
    score: FloatArray, requested_at: InstantArray | None, *, ties_likely: bool = False
) -> PriorityResult:
    """Descending score; ties by earlier `requested_at` (NaT last), then by position.

    With `requested_at`, one stable sort by score first, and the two-key sort only
    if two scores are equal (rare for money over days) — or at once when
    `ties_likely` (scores on a small scale, as WSJF's).
    """
    n = len(score)
    neg = np.negative(score)
    order = None
    if requested_at is None or n < 2 or not ties_likely:
        order = np.argsort(neg, kind="stable")
    if requested_at is not None and n > 1:
        ranked = None if order is None else neg[order]
        if ranked is None or bool((ranked[1:] == ranked[:-1]).any()):
            key = requested_at.view(np.int64)
            nat = np.isnat(requested_at)
            if nat.any():
                key = np.where(nat, _I64_MAX, key)
            order = np.lexsort((key, neg))  # stable: then by position
    assert order is not None
    order = order.astype(np.int64, copy=False)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(1, n + 1, dtype=np.int64)
    return PriorityResult(score=score, rank=rank, order=order)


# --------------------------------------------------------------------------- public


def cost_of_delay_rate(
    urgency: object,
    elapsed: npt.ArrayLike,
    *,
    rate: npt.ArrayLike,
    due: npt.ArrayLike | None = None,
    step: npt.ArrayLike | None = None,
    horizon: npt.ArrayLike | None = None,
    growth: npt.ArrayLike | None = None,
) -> FloatArray:
    """Cost-of-delay rate of each item `elapsed` days after its request.

    The four urgency archetypes are a modelling assumption (see the module
    notes): expedite costs `rate` from day 0; fixed_date costs nothing until
    `due`, then `rate`; standard costs `rate`; intangible costs `rate` until
    `horizon`, then ``rate * (1 + growth * (t - horizon))``. One-off lumps
    (`step`) are not a rate: they appear only in :func:`delay_cost`.

    Parameters
    ----------
    urgency : str, int or array_like, shape (n,)
        Labels of :data:`URGENCIES`, codes 0..3 in that order, or
        ``(codes, labels)``.
    elapsed : float or array_like of float, shape (n,)
        Days since the request. [days]
    rate : float or array_like of float, shape (n,)
        Cost of delay per day (every archetype; after `due` for fixed_date,
        the base level for intangible). Finite, >= 0. [money/day]
    due : float or array_like of float, shape (n,), optional
        Days from the request to the due date; required for fixed_date items,
        ignored for the others. [days]
    step : float or array_like of float, shape (n,), optional
        The lump of expedite / fixed_date items: checked (finite, >= 0) but
        not part of the rate. [money]
    horizon : float or array_like of float, shape (n,), optional
        Days until an intangible item's cost starts rising; required for
        intangible items. [days]
    growth : float or array_like of float, shape (n,), optional
        Relative rise of an intangible item's rate per day after `horizon`
        (the rate doubles ``1 / growth`` days after it); required for
        intangible items. [1/day]

    Returns
    -------
    numpy.ndarray of float64, shape (n,)
        ``CoD(elapsed)`` per item (``n = 1`` when every argument is a
        scalar); 0 before the request (``elapsed < 0``), NaN where `elapsed`
        is NaN. At ``elapsed == due`` a fixed-date item already costs `rate`.
        [money/day]

    Raises
    ------
    customer_kanban.errors.ValidationError
        If lengths differ, an urgency is unknown, a parameter an item's
        archetype needs is missing (``None`` or NaN), or a used parameter is
        negative or not finite; the message lists the rows.
    TypeError
        If a parameter is not numbers (booleans and text are refused).

    Examples
    --------
    One item of each archetype, 10 days after the request:

    >>> cost_of_delay_rate(
    ...     ["expedite", "fixed_date", "standard", "intangible"], 10.0,
    ...     rate=[500.0, 100.0, 20.0, 5.0], due=[0, 7, 0, 0], horizon=4, growth=0.5)
    array([500., 100.,  20.,  20.])

    The profile of one intangible item over time:

    >>> cost_of_delay_rate("intangible", [0, 4, 6, 8], rate=5.0, horizon=4, growth=0.5)
    array([ 5.,  5., 10., 15.])
    """
    p, t, d = _cost_of_delay_rate_iv(urgency, elapsed, rate, due, step, horizon, growth)
    n = len(p.codes)
    with np.errstate(invalid="ignore", over="ignore"):  # unused rows may hold inf or NaN
        start = np.where(p.codes == _FIXED_DATE, d, 0.0) if d is not None else np.zeros(1)
        out = np.where(t >= start, p.rate, 0.0)
        if p.intangible is not None and p.horizon is not None and p.growth is not None:
            rise = np.maximum(t - p.horizon, 0.0)
            rise *= p.growth
            rise += 1.0
            out = np.where(p.intangible, out * rise, out)
    out = np.where(np.isnan(t), np.nan, out)
    result: FloatArray = np.array(np.broadcast_to(out, (n,)), dtype=np.float64)
    return result


def delay_cost(
    urgency: object,
    start: npt.ArrayLike,
    end: npt.ArrayLike,
    *,
    as_of: object,
    rate: npt.ArrayLike,
    due: npt.ArrayLike | None = None,
    step: npt.ArrayLike | None = None,
    horizon: npt.ArrayLike | None = None,
    growth: npt.ArrayLike | None = None,
    by: object = None,
) -> DelayCostResult:
    """Delay cost of each item so far, and its total per group.

    The integral of :func:`cost_of_delay_rate` from the request to the
    delivery — or to `as_of` for an item not delivered by then — plus the
    lumps whose point the delay has passed, in closed form (module notes):
    with ``D`` the delay in days and ``x⁺ = max(x, 0)``,

    * expedite: ``rate * D + step * [D > 0]`` (`step` optional);
    * fixed_date: ``rate * (D - due)⁺ + step * [D > due]``;
    * standard: ``rate * D``;
    * intangible: ``rate * D + rate * growth * ((D - horizon)⁺)² / 2``.

    Parameters
    ----------
    urgency : str, int or array_like, shape (n,)
        Labels of :data:`URGENCIES`, codes 0..3 in that order, or
        ``(codes, labels)``; one value applies to every item.
    start : array_like of instants, shape (n,)
        Request (arrival) instant, where the delay starts; ``NaT`` = unknown.
    end : array_like of instants, shape (n,)
        Delivery instant, where it ends; ``NaT`` = not delivered.
    as_of : instant
        End of the observation (required: never "today"). Deliveries after
        it count as not yet made.
    rate : float or array_like of float, shape (n,)
        Cost of delay per day of every item (see :func:`cost_of_delay_rate`).
        Finite, >= 0. [money/day]
    due : instant or array_like of instants, shape (n,), optional
        Due instant; required (not ``NaT``, not before the request) for
        fixed_date items, ignored for the others. The delay counts from the
        request, so ``due - start`` is the day the step falls on.
    step : float or array_like of float, shape (n,), optional
        One-off cost [money]: required for fixed_date items (missing the
        date), optional for expedite items (NaN = none), ignored otherwise.
    horizon, growth : float or array_like of float, shape (n,), optional
        When an intangible item's rate starts rising [days] and how fast
        [1/day]; required for intangible items.
    by : array_like or tuple, optional
        Groups (class of service, customer, segment, ...).

    Returns
    -------
    DelayCostResult
        Per item: ``cost`` and ``open``; per group (shape (G,)): ``total``
        and ``items``. Items requested after `as_of` cost 0 and are left out
        of ``total`` and ``items``; so are items with an unknown request
        (their ``cost`` is NaN).

    Raises
    ------
    customer_kanban.errors.ValidationError
        If lengths differ, `as_of` is not one instant, an `end` is before
        its `start`, an urgency is unknown, a parameter an item's archetype
        needs is missing, a fixed-date item is due before its request, a
        used parameter is negative or not finite, or a request is more than
        292 years from `as_of` (or from its `due`), a span
        ``datetime64[ns]`` cannot subtract; the message lists the rows.
    TypeError
        If a parameter is not numbers (booleans and text are refused) or the
        instants cannot be read.

    Examples
    --------
    As of Jan 21: an expedite item (500/day plus 1,000 at once) delivered
    after 2 days; a fixed-date item due Jan 11 with a 5,000 penalty and
    100/day after it, delivered Jan 14 (3 days late); a standard item at
    20/day still open after 20 days.

    >>> r = delay_cost(
    ...     ["expedite", "fixed_date", "standard"],
    ...     ["2024-01-01", "2024-01-01", "2024-01-01"],
    ...     ["2024-01-03", "2024-01-14", None],
    ...     as_of="2024-01-21", rate=[500, 100, 20],
    ...     due=[None, "2024-01-11", None], step=[1000, 5000, 0],
    ...     by=["a", "a", "b"])
    >>> r.cost, r.open
    (array([2000., 5300.,  400.]), array([False, False,  True]))
    >>> r.groups, r.total, r.items
    (array(['a', 'b'], dtype='<U1'), array([7300.,  400.]), array([2, 1]))
    """
    p, req, dlv, t, u = _delay_cost_iv(urgency, start, end, as_of, rate, due, step, horizon, growth)
    n = len(req)
    groups = factorize(by, n, data_name="start")
    t_ns = t.view(np.int64)
    req_ns = req.view(np.int64)
    has_unknown = bool(req.size) and bool(req_ns.min() == _NAT)  # NaT is the least int64
    counted = req <= t if has_unknown else req_ns <= t_ns  # NaT compares False
    done = dlv <= t
    # Blends by multiplying with a mask are branch-free, unlike np.where on random
    # masks; int64 wrap-around in rows multiplied by 0 (NaT) does no harm.
    stop = dlv.view(np.int64) - t_ns
    stop *= done
    stop += t_ns
    stop -= req_ns  # wraps for a NaT request: those costs become NaN below
    delay = stop / NS_PER_DAY  # < 0 for items requested after as_of: every term is then 0
    with np.errstate(invalid="ignore", over="ignore"):  # unused rows may hold inf or NaN
        if p.fixed is not None and u is not None:
            due_ns = u.view(np.int64) - req_ns
            due_ns *= p.fixed
            past = due_ns / NS_PER_DAY
            np.subtract(delay, past, out=past)
        else:
            past = delay
        cost = np.maximum(past, 0.0)
        cost *= p.rate
        k = p.step
        if p.lumpy is not None and k is not None:
            lump = past > 0
            lump &= p.lumpy
            if k.size and not k.min() >= 0:  # NaN (no lump, for expedite) fails `k >= 0`
                lump &= k >= 0
            cost += np.where(lump, k, 0.0)
        if p.intangible is not None and p.horizon is not None and p.growth is not None:
            rise = delay - p.horizon
            np.maximum(rise, 0.0, out=rise)
            rise *= rise
            rise *= p.growth
            rise *= p.rate
            rise *= 0.5
            cost += np.where(p.intangible, rise, 0.0)
    unknown = np.isnat(req) if has_unknown else None
    total = groups.sum(cost, None if unknown is None else ~unknown)
    if unknown is not None:
        cost[unknown] = np.nan
    return DelayCostResult(
        groups=groups.labels,
        total=total,
        items=groups.count(counted, n=n),
        cost=cost,
        open=counted & ~done,
    )


def cd3(
    cost_of_delay: npt.ArrayLike,
    duration: npt.ArrayLike,
    *,
    requested_at: npt.ArrayLike | None = None,
) -> PriorityResult:
    """CD3 schedule: cost of delay divided by duration, highest first.

    ``score = cost_of_delay / duration`` (Arnold's CD3; Reinertsen's WSJF).
    Working items in descending score minimises the total delay cost when
    each item's cost of delay is a constant rate and items are done one at a
    time (Smith's rule); with steps or rising rates (fixed-date, intangible)
    it is a heuristic. The ratio of two scores is not the ratio of outcomes.
    Duration is a point estimate of a fat-tailed lead time: the schedule is
    only as good as it.

    Parameters
    ----------
    cost_of_delay : array_like of float, shape (n,)
        Cost of delay per item, finite; negative values are allowed (an item
        whose delay makes money) and sort last. [money/day]
    duration : float or array_like of float, shape (n,)
        Expected duration per item (one value applies to all), finite and
        > 0. [days]
    requested_at : array_like of instants, shape (n,), optional
        Request instants: among equal scores the earlier request goes first
        (FIFO); ``NaT`` goes after known instants.

    Returns
    -------
    PriorityResult
        ``score`` [money/day²], ``rank`` (1 = first) and ``order``. Equal
        scores keep the earlier request first, then the earlier position
        (the sort is stable), so the schedule is fully determined.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If lengths differ, a cost of delay is NaN or infinite, or a duration
        is <= 0, NaN or infinite (the message lists the rows).

    Examples
    --------
    Arnold's example: A costs 10/week and takes 2 weeks, B 30/week and 4.

    >>> r = cd3([10.0, 30.0], [2.0, 4.0])
    >>> r.score, r.rank, r.order
    (array([5. , 7.5]), array([2, 1]), array([1, 0]))

    Equal scores: the earlier request first.

    >>> cd3([6, 3, 6], [2, 1, 2],
    ...     requested_at=["2024-03-02", "2024-03-01", "2024-03-03"]).order
    array([1, 0, 2])
    """
    arrays, req, _ = _priority_iv(
        {"cost_of_delay": cost_of_delay, "duration": duration}, "duration", "days", requested_at
    )
    return _schedule(arrays["cost_of_delay"] / arrays["duration"], req)


def wsjf(
    business_value: npt.ArrayLike,
    time_criticality: npt.ArrayLike,
    risk_reduction: npt.ArrayLike,
    job_size: npt.ArrayLike,
    *,
    requested_at: npt.ArrayLike | None = None,
) -> PriorityResult:
    """SAFe's weighted shortest job first: relative cost of delay over job size.

    ``score = (business_value + time_criticality + risk_reduction) / job_size``,
    each input a relative score, in SAFe estimated column by column against
    the other items on a modified Fibonacci scale (1, 2, 3, 5, 8, 13, 20; not
    enforced here).

    The critique (research notes §3.2): the sum of relative scores is not
    money per time, so the score cannot support an economic trade-off (how
    much is a delay worth, is it worth more capacity?), a scale change of one
    column changes the order, and job size stands in for duration, a
    fat-tailed random variable. Prefer :func:`cd3` with a cost of delay in
    money per day (e.g. from :func:`cost_of_delay_rate`) when one can be
    estimated.

    Parameters
    ----------
    business_value, time_criticality, risk_reduction : array_like of float, shape (n,)
        Relative scores (risk reduction or opportunity enablement), finite;
        one value applies to every item. [1]
    job_size : float or array_like of float, shape (n,)
        Relative size, finite and > 0. [1]
    requested_at : array_like of instants, shape (n,), optional
        Among equal scores the earlier request goes first; ``NaT`` last.

    Returns
    -------
    PriorityResult
        ``score``, ``rank`` (1 = first) and ``order``; ties as in
        :func:`cd3`.

    Raises
    ------
    customer_kanban.errors.ValidationError
        If lengths differ, a score is NaN or infinite, or a job size is
        <= 0, NaN or infinite (the message lists the rows).

    Examples
    --------
    >>> r = wsjf([8, 3, 13], [5, 8, 1], [1, 2, 1], [5, 2, 8])
    >>> r.score, r.order
    (array([2.8  , 6.5  , 1.875]), array([1, 0, 2]))
    """
    arrays, req, _ = _priority_iv(
        {
            "business_value": business_value,
            "time_criticality": time_criticality,
            "risk_reduction": risk_reduction,
            "job_size": job_size,
        },
        "job_size",
        "1",
        requested_at,
    )
    cost = arrays["business_value"] + arrays["time_criticality"]
    cost += arrays["risk_reduction"]
    return _schedule(cost / arrays["job_size"], req, ties_likely=True)

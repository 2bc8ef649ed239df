"""Input validation for :mod:`customer_kanban.metrics`.

One helper per public function (``<name>_iv``, as in ``scipy.stats``) turns the
raw arguments into checked arrays, so the body of every metric is only maths.
The shared converters below give every metric the same rules and messages:

* messages name the parameter in backticks and the rule;
* bad values raise :class:`~customer_kanban.errors.ValidationError` (a
  :class:`ValueError`), bad types raise :class:`TypeError`;
* mismatched lengths name both parameters;
* offending rows are listed with :func:`~customer_kanban.errors.describe_rows`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from customer_kanban._time import as_instant_array
from customer_kanban.errors import InsufficientDataWarning, ValidationError, describe_rows
from customer_kanban.metrics._groups import Groups, factorize
from customer_kanban.metrics._periods import FREQS
from customer_kanban.metrics._types import BoolArray, FloatArray, InstantArray, IntpArray

__all__ = [
    "DAY_COUNTS",
    "PERCENTILE_METHODS",
    "as_bool_or_unknown",
    "as_float_array",
    "as_instant_scalar",
    "as_instants",
    "as_int_codes",
    "as_optional_instant_scalar",
    "as_positive_days",
    "check_choice",
    "check_not_before",
    "check_same_length",
    "warn_insufficient",
]


DAY_COUNTS = ("elapsed", "exclusive", "inclusive", "business")

PERCENTILE_METHODS = (
    "linear",
    "inverted_cdf",
    "averaged_inverted_cdf",
    "closest_observation",
    "interpolated_inverted_cdf",
    "hazen",
    "weibull",
    "median_unbiased",
    "normal_unbiased",
    "lower",
    "higher",
    "nearest",
    "midpoint",
)


# --------------------------------------------------------------------------- shared


def warn_insufficient(message: str) -> None:
    """Issue an :class:`InsufficientDataWarning` attributed to the calling metric.

    Call it from the public metric itself: the warning is attributed to that
    function (``stacklevel=2``), inside the package, so the project's
    ``error:::customer_kanban`` test filter turns any unhandled one into an error.
    """
    warnings.warn(message, InsufficientDataWarning, stacklevel=2)


def _to_numpy(values: object) -> Any:
    """Return `values` as an ndarray without importing pandas."""
    if hasattr(values, "to_numpy") and not isinstance(values, np.ndarray):
        return values.to_numpy()
    return np.asarray(values)


def as_float_array(values: object, *, name: str) -> FloatArray:
    """Convert a 1-D numeric array-like (or pandas Series) to float64.

    Booleans and integers are accepted; ``None`` and pandas' ``NA`` become NaN.
    """
    if hasattr(values, "to_numpy") and not isinstance(values, np.ndarray):
        try:
            arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError):
            arr = values.to_numpy()
    else:
        arr = np.asarray(values)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValidationError(f"`{name}` must be one-dimensional, got shape {arr.shape}")
    return _numbers(arr, name)


def _numbers(arr: npt.NDArray[Any], name: str) -> FloatArray:
    """`arr` as float64; objects converted, non-numeric dtypes refused."""
    if arr.dtype.kind == "O":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"`{name}` must hold numbers: {exc}") from exc
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"`{name}` must hold numbers, got an array of dtype {arr.dtype}")
    out: FloatArray = arr.astype(np.float64, copy=False)
    return out


def as_float_matrix(values: object, *, name: str) -> FloatArray:
    """Convert a 2-D numeric array-like (or DataFrame) to float64."""
    arr = _to_numpy(values)
    if arr.ndim != 2:
        raise ValidationError(f"`{name}` must be two-dimensional, got shape {arr.shape}")
    return _numbers(arr, name)


def as_instants(values: object, *, name: str, ndim: int = 1) -> InstantArray:
    """Convert instants with :func:`customer_kanban._time.as_instant_array`, checking `ndim`."""
    arr = as_instant_array(values, name=name)
    if arr.ndim != ndim:
        dims = "one-dimensional" if ndim == 1 else f"{ndim}-dimensional"
        raise ValidationError(f"`{name}` must be {dims}, got shape {arr.shape}")
    return arr


def as_optional_instant_scalar(value: object, *, name: str) -> np.datetime64 | None:
    """One instant or ``None``; ``NaT`` is refused (pass ``None`` instead)."""
    if value is None:
        return None
    return as_instant_scalar(value, name=name)


def as_instant_scalar(value: object, *, name: str) -> np.datetime64:
    """Exactly one instant (not ``NaT``)."""
    if value is None:
        raise ValidationError(f"`{name}` must be an instant, got None")
    arr = as_instant_array(value, name=name)
    if arr.size != 1:
        raise ValidationError(f"`{name}` must be one instant, got {arr.size}")
    out: np.datetime64 = arr.reshape(-1)[0]
    if np.isnat(out):
        raise ValidationError(f"`{name}` must be an instant, got NaT")
    return out


def as_int_codes(values: object, *, name: str, upper: int | None = None) -> IntpArray:
    """Integer codes in ``[0, upper)`` (``upper=None``: only ``>= 0``), as intp."""
    arr = _to_numpy(values)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValidationError(f"`{name}` must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        return np.zeros(0, dtype=np.intp)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"`{name}` must hold integer codes, got an array of dtype {arr.dtype}")
    lo, hi = arr.min(), arr.max()
    if lo < 0 or (upper is not None and hi >= upper):
        bound = "[0, ∞)" if upper is None else f"[0, {upper - 1}]"
        bad = arr < 0 if upper is None else (arr < 0) | (arr >= upper)
        rows = np.flatnonzero(bad).tolist()
        raise ValidationError(
            f"`{name}` must lie in {bound} in every row; it does not in {describe_rows(rows)}",
            rows=rows,
        )
    out: IntpArray = arr.astype(np.intp, copy=False)
    return out


def as_bool_or_unknown(values: object, *, name: str) -> tuple[BoolArray, BoolArray | None]:
    """Booleans, or 0/1 numbers with NaN/None for unknown.

    Returns
    -------
    (value, known)
        `known` is ``None`` when every row is known.
    """
    arr = _to_numpy(values)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValidationError(f"`{name}` must be one-dimensional, got shape {arr.shape}")
    if arr.dtype.kind == "b":
        out: BoolArray = arr
        return out, None
    num = as_float_array(values, name=name)  # pandas nullable booleans: NA -> NaN
    known = ~np.isnan(num)
    bad = known & (num != 0) & (num != 1)
    if bad.any():
        rows = np.flatnonzero(bad).tolist()
        raise ValidationError(
            f"`{name}` must be True/False (or 1/0, NaN = unknown); "
            f"it is not in {describe_rows(rows)}",
            rows=rows,
        )
    value: BoolArray = num == 1
    return value, (None if known.all() else known)


def check_same_length(**arrays: Any) -> int:
    """Every array has the same length; the message names the first mismatching pair."""
    items = list(arrays.items())
    first_name, first = items[0]
    n = len(first)
    for name, arr in items[1:]:
        if len(arr) != n:
            raise ValidationError(
                f"`{first_name}` and `{name}` must have the same length (got {n} and {len(arr)})"
            )
    return n


def check_not_before(
    start: InstantArray, end: InstantArray, *, start_name: str, end_name: str
) -> None:
    """``end >= start`` wherever both are known; lists the offending rows."""
    bad = end < start  # NaT compares False
    if bad.any():
        rows = np.flatnonzero(bad).tolist()
        raise ValidationError(
            f"`{end_name}` is before `{start_name}` in {describe_rows(rows)}", rows=rows
        )


def check_no_nat(values: InstantArray, *, name: str) -> None:
    """Every instant is known; lists the rows holding ``NaT``."""
    bad = np.isnat(values)
    if bad.any():
        rows = np.flatnonzero(bad).tolist()
        raise ValidationError(
            f"`{name}` must not be NaT; it is in {describe_rows(rows)}", rows=rows
        )


def check_choice(value: object, *, name: str, choices: Sequence[str]) -> str:
    """`value` is one of `choices` (strings)."""
    if not isinstance(value, str) or value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ValidationError(f"`{name}` must be one of {allowed}; got {value!r}")
    return value


def as_positive_days(value: object, *, name: str, n: int, n_name: str) -> FloatArray:
    """A scalar or an array aligned with `n` rows of days, every value > 0.

    Returns a float64 array of shape ``()`` (scalar) or ``(n,)``.
    """
    if hasattr(value, "to_numpy") or np.ndim(value) > 0:  # type: ignore[arg-type]
        arr = as_float_array(value, name=name)
        if len(arr) != n:
            raise ValidationError(
                f"`{n_name}` and `{name}` must have the same length (got {n} and {len(arr)})"
            )
    else:
        try:
            arr = np.asarray(float(value), dtype=np.float64)  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise TypeError(f"`{name}` must be a number of days: {exc}") from exc
    bad = ~(arr > 0)  # NaN fails the rule too
    if bad.any():
        if arr.ndim == 0:
            raise ValidationError(f"`{name}` must be > 0 [days]; got {float(arr)}")
        rows = np.flatnonzero(bad).tolist()
        raise ValidationError(
            f"`{name}` must be > 0 [days]; it is not in {describe_rows(rows)}", rows=rows
        )
    return arr


def _check_by(by: object, n: int, data_name: str) -> Groups:
    return factorize(by, n, data_name=data_name)


def _check_freq(freq: object) -> str:
    return check_choice(freq, name="freq", choices=FREQS)


# --------------------------------------------------------------------------- flow


def lead_time_iv(
    start: object, end: object, day_count: object, weekmask: object, holidays: object
) -> tuple[InstantArray, InstantArray, str, np.busdaycalendar | None]:
    """Validate :func:`~customer_kanban.metrics.lead_time` arguments."""
    s = as_instants(start, name="start")
    e = as_instants(end, name="end")
    check_same_length(start=s, end=e)
    kind = check_choice(day_count, name="day_count", choices=DAY_COUNTS)
    check_not_before(s, e, start_name="start", end_name="end")
    calendar = None
    if kind == "business":
        days = None
        if holidays is not None:
            days = as_instants(holidays, name="holidays").astype("datetime64[D]")
            days = days[~np.isnat(days)]
        try:
            calendar = np.busdaycalendar(
                weekmask=weekmask,  # type: ignore[arg-type]
                holidays=[] if days is None else days,
            )
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                f"`weekmask` must be seven 0/1 characters such as '1111100' "
                f"(Monday first) with at least one business day: {exc}"
            ) from exc
    return s, e, kind, calendar


def time_in_state_iv(
    item: object, state: object, at: object, end: object, n_states: object
) -> tuple[IntpArray, IntpArray, InstantArray, InstantArray, int]:
    """Validate :func:`~customer_kanban.metrics.time_in_state` arguments."""
    e = as_instants(end, name="end")
    it = as_int_codes(item, name="item", upper=len(e))
    if n_states is not None:
        if isinstance(n_states, bool) or not isinstance(n_states, (int, np.integer)):
            raise TypeError(f"`n_states` must be an integer, got {type(n_states).__name__}")
        if n_states < 0:
            raise ValidationError(f"`n_states` must be >= 0; got {n_states}")
    st = as_int_codes(state, name="state", upper=None if n_states is None else int(n_states))
    a = as_instants(at, name="at")
    check_same_length(item=it, state=st, at=a)
    check_no_nat(a, name="at")
    s = int(n_states) if n_states is not None else (int(st.max()) + 1 if st.size else 0)
    return it, st, a, e, s


def work_item_age_iv(
    start: object, end: object, as_of: object
) -> tuple[InstantArray, InstantArray, np.datetime64]:
    """Validate :func:`~customer_kanban.metrics.work_item_age` arguments."""
    s = as_instants(start, name="start")
    e = as_instants(end, name="end")
    check_same_length(start=s, end=e)
    t = as_instant_scalar(as_of, name="as_of")
    check_not_before(s, e, start_name="start", end_name="end")
    return s, e, t


def wip_iv(
    start: object, end: object, at: object
) -> tuple[InstantArray, InstantArray, InstantArray]:
    """Validate :func:`~customer_kanban.metrics.wip` arguments."""
    s = as_instants(start, name="start")
    e = as_instants(end, name="end")
    check_same_length(start=s, end=e)
    t = as_instants(at, name="at")
    check_no_nat(t, name="at")
    check_not_before(s, e, start_name="start", end_name="end")
    return s, e, t


def cumulative_flow_iv(
    entered: object, freq: object, start: object, stop: object, states: object
) -> tuple[InstantArray, str, np.datetime64 | None, np.datetime64 | None, npt.NDArray[Any]]:
    """Validate :func:`~customer_kanban.metrics.cumulative_flow` arguments."""
    m = as_instants(entered, name="entered", ndim=2)
    f = _check_freq(freq)
    lo = as_optional_instant_scalar(start, name="start")
    hi = as_optional_instant_scalar(stop, name="stop")
    _check_window(lo, hi)
    n_states = m.shape[1]
    if states is None:
        labels: npt.NDArray[Any] = np.arange(n_states).astype(str)
    else:
        labels = _to_numpy(states)
        if labels.ndim != 1 or len(labels) != n_states:
            raise ValidationError(
                f"`states` must hold one label per column of `entered` "
                f"({n_states}); got shape {labels.shape}"
            )
    return m, f, lo, hi, labels


def _check_window(lo: np.datetime64 | None, hi: np.datetime64 | None) -> None:
    if lo is not None and hi is not None and hi < lo:
        raise ValidationError(f"`stop` must not be before `start`; got {lo} and {hi}")


def throughput_iv(
    end: object, freq: object, start: object, stop: object, by: object
) -> tuple[InstantArray, str, np.datetime64 | None, np.datetime64 | None, Groups]:
    """Validate :func:`~customer_kanban.metrics.throughput` arguments."""
    e = as_instants(end, name="end")
    f = _check_freq(freq)
    lo = as_optional_instant_scalar(start, name="start")
    hi = as_optional_instant_scalar(stop, name="stop")
    _check_window(lo, hi)
    return e, f, lo, hi, _check_by(by, len(e), "end")


# --------------------------------------------------------------------------- service


def percentiles_iv(
    values: object, q: object, by: object, method: object
) -> tuple[FloatArray, FloatArray, Groups, str]:
    """Validate :func:`~customer_kanban.metrics.percentiles` arguments."""
    v = as_float_array(values, name="values")
    try:
        qa = np.asarray(q, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`q` must be a number or a sequence of numbers [%]: {exc}") from exc
    if qa.ndim > 1:
        raise ValidationError(f"`q` must be a scalar or one-dimensional; got shape {qa.shape}")
    qa = qa.reshape(-1)
    if not ((qa >= 0) & (qa <= 100)).all():
        raise ValidationError(f"`q` must lie in [0, 100] [%]; got {qa.tolist()}")
    m = check_choice(method, name="method", choices=PERCENTILE_METHODS)
    return v, qa, _check_by(by, len(v), "values"), m


def _non_negative_durations(values: object, *, name: str) -> FloatArray:
    d = as_float_array(values, name=name)
    bad = d < 0
    if bad.any():
        rows = np.flatnonzero(bad).tolist()
        raise ValidationError(
            f"`{name}` must be >= 0 [days] (NaN = unfinished); "
            f"it is negative in {describe_rows(rows)}",
            rows=rows,
        )
    return d


def sle_attainment_iv(
    durations: object, days: object, by: object
) -> tuple[FloatArray, FloatArray, Groups]:
    """Validate :func:`~customer_kanban.metrics.sle_attainment` arguments."""
    d = _non_negative_durations(durations, name="durations")
    limit = as_positive_days(days, name="days", n=len(d), n_name="durations")
    return d, limit, _check_by(by, len(d), "durations")


def at_risk_iv(
    age: object, sle_days: object, fraction: object
) -> tuple[FloatArray, FloatArray, float]:
    """Validate :func:`~customer_kanban.metrics.at_risk` arguments."""
    a = as_float_array(age, name="age")
    limit = as_positive_days(sle_days, name="sle_days", n=len(a), n_name="age")
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float, np.number)):
        raise TypeError(f"`fraction` must be a number, got {type(fraction).__name__}")
    f = float(fraction)
    if not 0 < f <= 1:
        raise ValidationError(f"`fraction` must lie in (0, 1]; got {f}")
    return a, limit, f


def on_time_rate_iv(
    delivered: object, due: object, as_of: object, by: object
) -> tuple[InstantArray, InstantArray, np.datetime64 | None, Groups]:
    """Validate :func:`~customer_kanban.metrics.on_time_rate` arguments."""
    d = as_instants(delivered, name="delivered")
    u = as_instants(due, name="due")
    check_same_length(delivered=d, due=u)
    t = as_optional_instant_scalar(as_of, name="as_of")
    return d, u, t, _check_by(by, len(d), "delivered")


# --------------------------------------------------------------------------- efficiency


def flow_efficiency_iv(time_in_state: object, active: object) -> tuple[FloatArray, FloatArray]:
    """Validate :func:`~customer_kanban.metrics.flow_efficiency` arguments.

    Returns the matrix and the active mask as a float64 vector of 0/1.
    """
    tis = as_float_matrix(time_in_state, name="time_in_state")
    n_states = tis.shape[1]
    mask = _to_numpy(active)
    if mask.ndim != 1:
        raise ValidationError(f"`active` must be one-dimensional, got shape {mask.shape}")
    if mask.dtype.kind == "b":
        if len(mask) != n_states:
            raise ValidationError(
                f"`active` as a boolean mask must have one entry per state "
                f"(columns of `time_in_state`: {n_states}); got {len(mask)}"
            )
        weights = mask.astype(np.float64)
    else:
        codes = as_int_codes(mask, name="active", upper=n_states)
        weights = np.zeros(n_states, dtype=np.float64)
        weights[codes] = 1.0
    bad = (tis < 0).any(axis=1)
    if bad.any():
        rows = np.flatnonzero(bad).tolist()
        raise ValidationError(
            f"`time_in_state` must be >= 0 [days]; it is negative in {describe_rows(rows)}",
            rows=rows,
        )
    return tis, weights


def blocked_time_iv(
    item: object, start: object, end: object, n_items: object, as_of: object
) -> tuple[IntpArray, InstantArray, InstantArray, int, np.datetime64 | None]:
    """Validate :func:`~customer_kanban.metrics.blocked_time` arguments."""
    if isinstance(n_items, bool) or not isinstance(n_items, (int, np.integer)):
        raise TypeError(f"`n_items` must be an integer, got {type(n_items).__name__}")
    if n_items < 0:
        raise ValidationError(f"`n_items` must be >= 0; got {n_items}")
    it = as_int_codes(item, name="item", upper=int(n_items))
    s = as_instants(start, name="start")
    e = as_instants(end, name="end")
    check_same_length(item=it, start=s, end=e)
    check_no_nat(s, name="start")
    check_not_before(s, e, start_name="start", end_name="end")
    t = as_optional_instant_scalar(as_of, name="as_of")
    if t is None:
        open_ = np.isnat(e)
        if open_.any():
            rows = np.flatnonzero(open_).tolist()
            raise ValidationError(
                f"`as_of` is required when `end` is NaT (open blocked intervals) in "
                f"{describe_rows(rows)}",
                rows=rows,
            )
    return it, s, e, int(n_items), t


# --------------------------------------------------------------------------- customer


def customer_waiting_time_iv(
    requested: object, delivered: object, as_of: object, by: object
) -> tuple[InstantArray, InstantArray, np.datetime64, Groups]:
    """Validate :func:`~customer_kanban.metrics.customer_waiting_time` arguments."""
    r = as_instants(requested, name="requested")
    d = as_instants(delivered, name="delivered")
    check_same_length(requested=r, delivered=d)
    t = as_instant_scalar(as_of, name="as_of")
    check_not_before(r, d, start_name="requested", end_name="delivered")
    return r, d, t, _check_by(by, len(r), "requested")


def customer_recognisable_share_iv(
    recognisable: object, by: object
) -> tuple[BoolArray, BoolArray | None, Groups]:
    """Validate :func:`~customer_kanban.metrics.customer_recognisable_share` arguments."""
    value, known = as_bool_or_unknown(recognisable, name="recognisable")
    return value, known, _check_by(by, len(value), "recognisable")

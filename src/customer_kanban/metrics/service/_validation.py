"""Input validation of the service-level metrics (one ``<name>_iv`` helper per function)."""

from __future__ import annotations

import numpy as np

from customer_kanban._core.groups import Groups
from customer_kanban._core.types import BoolArray, FloatArray, InstantArray
from customer_kanban._core.validation import (
    PERCENTILE_METHODS,
    as_bool_or_unknown,
    as_durations,
    as_float_array,
    as_instant_scalar,
    as_instants,
    as_number,
    as_optional_instant_scalar,
    as_percentiles,
    as_positive_days,
    check_by,
    check_choice,
    check_not_before,
    check_same_length,
    check_span,
)
from customer_kanban.errors import ValidationError


def _days(value: object, *, name: str, n: int, n_name: str) -> FloatArray:
    """:func:`as_positive_days`; a scalar must be a number (not a bool or text)."""
    if not hasattr(value, "to_numpy") and np.ndim(value) == 0:  # type: ignore[arg-type]
        one = value.item() if isinstance(value, np.ndarray) else value
        try:
            as_number(one, name=name)
        except TypeError:
            kind = type(one).__name__
            raise TypeError(f"`{name}` must be a number of days, got {kind} {one!r:.40}") from None
    return as_positive_days(value, name=name, n=n, n_name=n_name)


# --------------------------------------------------------------------------- service


def percentiles_iv(
    values: object, q: object, by: object, method: object
) -> tuple[FloatArray, FloatArray, Groups, str]:
    """Validate :func:`~customer_kanban.metrics.percentiles` arguments."""
    v = as_float_array(values, name="values")
    qa = as_percentiles(q)
    m = check_choice(method, name="method", choices=PERCENTILE_METHODS)
    return v, qa, check_by(by, len(v), "values"), m


def sle_attainment_iv(
    durations: object, days: object, by: object
) -> tuple[FloatArray, FloatArray, Groups]:
    """Validate :func:`~customer_kanban.metrics.sle_attainment` arguments."""
    d = as_durations(durations, name="durations")
    limit = _days(days, name="days", n=len(d), n_name="durations")
    return d, limit, check_by(by, len(d), "durations")


def at_risk_iv(
    age: object, sle_days: object, fraction: object
) -> tuple[FloatArray, FloatArray, float]:
    """Validate :func:`~customer_kanban.metrics.at_risk` arguments."""
    a = as_float_array(age, name="age")
    limit = _days(sle_days, name="sle_days", n=len(a), n_name="age")
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float, np.number)):
        raise TypeError(f"`fraction` must be a number, got {type(fraction).__name__}")
    f = float(fraction)
    if not 0 < f <= 1:
        raise ValidationError(f"`fraction` must lie in (0, 1]; got {f}")
    return a, limit, f


def on_time_rate_iv(
    end: object, due: object, as_of: object, by: object
) -> tuple[InstantArray, InstantArray, np.datetime64 | None, Groups]:
    """Validate :func:`~customer_kanban.metrics.on_time_rate` arguments."""
    d = as_instants(end, name="end")
    u = as_instants(due, name="due")
    check_same_length(end=d, due=u)
    t = as_optional_instant_scalar(as_of, name="as_of")
    return d, u, t, check_by(by, len(d), "end")


# --------------------------------------------------------------------------- customer


def customer_waiting_time_iv(
    start: object, end: object, as_of: object, by: object
) -> tuple[InstantArray, InstantArray, np.datetime64, Groups]:
    """Validate :func:`~customer_kanban.metrics.customer_waiting_time` arguments."""
    r = as_instants(start, name="start")
    d = as_instants(end, name="end")
    check_same_length(start=r, end=d)
    t = as_instant_scalar(as_of, name="as_of")
    check_not_before(r, d, start_name="start", end_name="end")
    check_span(r, t, earlier_name="start", later_name="as_of", where=r <= t)
    return r, d, t, check_by(by, len(r), "start")


def customer_recognisable_share_iv(
    recognisable: object, by: object
) -> tuple[BoolArray, BoolArray | None, Groups]:
    """Validate :func:`~customer_kanban.metrics.customer_recognisable_share` arguments."""
    value, known = as_bool_or_unknown(recognisable, name="recognisable")
    return value, known, check_by(by, len(value), "recognisable")

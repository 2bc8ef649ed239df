"""Input validation of the flow metrics (one ``<name>_iv`` helper per function)."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from customer_kanban._core.groups import Groups
from customer_kanban._core.types import FloatArray, InstantArray, IntpArray
from customer_kanban._core.validation import (
    DAY_COUNTS,
    as_float_matrix,
    as_instant_scalar,
    as_instants,
    as_int_codes,
    as_optional_instant_scalar,
    check_by,
    check_choice,
    check_freq,
    check_no_nat,
    check_not_before,
    check_same_length,
    to_numpy,
)
from customer_kanban.errors import ValidationError, describe_rows

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
    entered: object, freq: object, since: object, until: object, states: object, by: object
) -> tuple[InstantArray, str, np.datetime64 | None, np.datetime64 | None, npt.NDArray[Any], Groups]:
    """Validate :func:`~customer_kanban.metrics.cumulative_flow` arguments."""
    m = as_instants(entered, name="entered", ndim=2)
    f = check_freq(freq)
    lo, hi = _window_iv(since, until)
    n_states = m.shape[1]
    if states is None:
        labels: npt.NDArray[Any] = np.arange(n_states).astype(str)
    else:
        labels = to_numpy(states)
        if labels.ndim != 1 or len(labels) != n_states:
            raise ValidationError(
                f"`states` must hold one label per column of `entered` "
                f"({n_states}); got shape {labels.shape}"
            )
    return m, f, lo, hi, labels, check_by(by, len(m), "entered")


def _window_iv(since: object, until: object) -> tuple[np.datetime64 | None, np.datetime64 | None]:
    """The window bounds `since` and `until` (each optional), `until` not before `since`."""
    lo = as_optional_instant_scalar(since, name="since")
    hi = as_optional_instant_scalar(until, name="until")
    if lo is not None and hi is not None and hi < lo:
        raise ValidationError(f"`until` must not be before `since`; got {lo} and {hi}")
    return lo, hi


def throughput_iv(
    end: object, freq: object, since: object, until: object, by: object
) -> tuple[InstantArray, str, np.datetime64 | None, np.datetime64 | None, Groups]:
    """Validate :func:`~customer_kanban.metrics.throughput` arguments."""
    e = as_instants(end, name="end")
    f = check_freq(freq)
    lo, hi = _window_iv(since, until)
    return e, f, lo, hi, check_by(by, len(e), "end")


# --------------------------------------------------------------------------- efficiency


def flow_efficiency_iv(time_in_state: object, active: object) -> tuple[FloatArray, FloatArray]:
    """Validate :func:`~customer_kanban.metrics.flow_efficiency` arguments.

    Returns the matrix and the active mask as a float64 vector of 0/1.
    """
    tis = as_float_matrix(time_in_state, name="time_in_state")
    n_states = tis.shape[1]
    mask = to_numpy(active)
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

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
    check_span,
    to_numpy,
)
from customer_kanban.errors import ValidationError, describe_rows

#: Cells of one result array (items × states, groups × periods × states): 2**27 cells,
#: 1 GiB of float64 or int64, built in about a second.
MAX_CELLS = 1 << 27
#: Workflow states of :func:`~customer_kanban.metrics.time_in_state` (`n_states`).
MAX_STATES = 10_000


def check_cells(cells: int, *, what: str, names: str) -> None:
    """A result of `cells` cells stays within :data:`MAX_CELLS`; the message names the cause."""
    if cells > MAX_CELLS:
        raise ValidationError(
            f"{what} would hold {cells:,} cells, more than the {MAX_CELLS:,} allowed "
            f"(1 GiB): reduce {names}"
        )


def _codes_into(values: object, *, name: str, upper: int, rows_of: str) -> IntpArray:
    """Integer codes in ``[0, upper)`` (:func:`as_int_codes`); the message says what `upper` is."""
    try:
        return as_int_codes(values, name=name, upper=upper)
    except ValidationError as exc:
        raise ValidationError(f"{exc} ({rows_of})", rows=exc.rows) from exc


def _whole_number(value: object, *, name: str, maximum: int) -> int:
    """A count (any Python or numpy integer, not a bool) in ``[0, maximum]``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"`{name}` must be an integer, got {type(value).__name__}")
    if value < 0:
        raise ValidationError(f"`{name}` must be >= 0; got {value}")
    if value > maximum:
        raise ValidationError(f"`{name}` must be at most {maximum:,}; got {value}")
    return int(value)


def labels_of_states(states: object, n_states: int) -> npt.NDArray[Any]:
    """State labels: ``"0"``, ``"1"``, ... by default, else one label per column of `entered`."""
    if states is None:
        out: npt.NDArray[Any] = np.arange(n_states).astype(str)
        return out
    try:
        labels: npt.NDArray[Any] = to_numpy(states)
    except (TypeError, ValueError) as exc:  # ragged nested sequences
        raise ValidationError(f"`states` must be a sequence of labels: {exc}") from exc
    if labels.ndim != 1 or len(labels) != n_states:
        raise ValidationError(
            f"`states` must hold one label per column of `entered` "
            f"({n_states}); got shape {labels.shape}"
        )
    return labels


# --------------------------------------------------------------------------- flow


def day_count_iv(day_count: object) -> str:
    """The `day_count` of :func:`~customer_kanban.metrics.lead_time` and
    :func:`~customer_kanban.metrics.work_item_age`, checked."""
    return check_choice(day_count, name="day_count", choices=DAY_COUNTS)


def calendar_iv(kind: str, weekmask: object, holidays: object) -> np.busdaycalendar | None:
    """The business-day calendar of `weekmask` and `holidays` (``"business"`` only; both
    options are checked whatever the day count is: a wrong one is a mistake)."""
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
    return calendar if kind == "business" else None


def lead_time_iv(
    start: object,
    end: object,
    day_count: object,
    weekmask: object,
    holidays: object,
    *,
    order: bool = True,
) -> tuple[InstantArray, InstantArray, str, np.busdaycalendar | None]:
    """Validate :func:`~customer_kanban.metrics.lead_time` arguments (without `order`,
    for elapsed days, the checks of the instants' order and span and then of the
    calendar options are left to the caller: its kernel checks as it computes)."""
    s = as_instants(start, name="start")
    e = as_instants(end, name="end")
    check_same_length(start=s, end=e)
    kind = day_count_iv(day_count)
    if not order and kind == "elapsed":
        return s, e, kind, None
    lead_time_order(s, e, kind)
    return s, e, kind, calendar_iv(kind, weekmask, holidays)


def lead_time_order(s: InstantArray, e: InstantArray, kind: str) -> None:
    """No end before its start; (elapsed) no span beyond ``datetime64[ns]``."""
    check_not_before(s, e, start_name="start", end_name="end")
    if kind == "elapsed":
        check_span(s, e, earlier_name="start", later_name="end")


def time_in_state_iv(
    item: object, state: object, at: object, end: object, n_states: object
) -> tuple[IntpArray, IntpArray, InstantArray, InstantArray, int]:
    """Validate :func:`~customer_kanban.metrics.time_in_state` arguments."""
    e = as_instants(end, name="end")
    it = _codes_into(item, name="item", upper=len(e), rows_of=f"the {len(e)} rows of `end`")
    if n_states is None:
        st = as_int_codes(state, name="state")
        s = int(st.max()) + 1 if st.size else 0
        if s > MAX_STATES:
            raise ValidationError(
                f"`state` codes must be below {MAX_STATES:,} (`n_states` at most "
                f"{MAX_STATES:,}); the largest is {s - 1}"
            )
    else:
        s = _whole_number(n_states, name="n_states", maximum=MAX_STATES)
        st = _codes_into(state, name="state", upper=s, rows_of=f"`n_states` = {s}")
    a = as_instants(at, name="at")
    check_same_length(item=it, state=st, at=a)
    check_no_nat(a, name="at")
    check_cells(len(e) * s, what="the time in state (rows of `end` × `n_states`)", names="them")
    if it.size:
        item_end = e[it]
        check_span(a, item_end, earlier_name="at", later_name="end")
    return it, st, a, e, s


def work_item_age_iv(
    start: object,
    end: object,
    as_of: object,
    day_count: object,
    weekmask: object,
    holidays: object,
    *,
    order: bool = True,
) -> tuple[InstantArray, InstantArray, np.datetime64, str, np.busdaycalendar | None]:
    """Validate :func:`~customer_kanban.metrics.work_item_age` arguments (the day count
    as :func:`lead_time_iv`, the span to `as_of` in place of the span to `end`)."""
    s = as_instants(start, name="start")
    e = as_instants(end, name="end")
    check_same_length(start=s, end=e)
    t = as_instant_scalar(as_of, name="as_of")
    kind = day_count_iv(day_count)
    if not order and kind == "elapsed":
        return s, e, t, kind, None
    age_order(s, e, t, kind)
    return s, e, t, kind, calendar_iv(kind, weekmask, holidays)


def age_order(s: InstantArray, e: InstantArray, t: np.datetime64, kind: str) -> None:
    """No end before its start; (elapsed) no item in progress older than 292 years."""
    check_not_before(s, e, start_name="start", end_name="end")
    if kind == "elapsed":
        active = (s <= t) & ~(e <= t)
        check_span(s, t, earlier_name="start", later_name="as_of", where=active)


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
    labels = labels_of_states(states, m.shape[1])
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
    n = _whole_number(n_items, name="n_items", maximum=MAX_CELLS)
    it = _codes_into(item, name="item", upper=n, rows_of=f"`n_items` = {n}")
    s = as_instants(start, name="start")
    e = as_instants(end, name="end")
    check_same_length(item=it, start=s, end=e)
    check_no_nat(s, name="start")
    check_not_before(s, e, start_name="start", end_name="end")
    check_span(s, e, earlier_name="start", later_name="end")
    t = as_optional_instant_scalar(as_of, name="as_of")
    open_ = np.isnat(e)
    if t is None:
        if open_.any():
            rows = np.flatnonzero(open_).tolist()
            raise ValidationError(
                f"`as_of` is required when `end` is NaT (open blocked intervals) in "
                f"{describe_rows(rows)}",
                rows=rows,
            )
    else:  # an open interval runs to `as_of`
        check_span(s, t, earlier_name="start", later_name="as_of", where=open_ & (s <= t))
    return it, s, e, n, t

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

from customer_kanban._core.groups import Groups, factorize
from customer_kanban._core.instants import as_instant_array
from customer_kanban._core.periods import FREQS
from customer_kanban._core.types import BoolArray, FloatArray, InstantArray, IntpArray
from customer_kanban.errors import InsufficientDataWarning, ValidationError, describe_rows

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


def to_numpy(values: object) -> Any:
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
    arr = to_numpy(values)
    if arr.ndim != 2:
        raise ValidationError(f"`{name}` must be two-dimensional, got shape {arr.shape}")
    return _numbers(arr, name)


def as_instants(values: object, *, name: str, ndim: int = 1) -> InstantArray:
    """Instants as by :func:`~customer_kanban._core.instants.as_instant_array`; check `ndim`."""
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
    arr = to_numpy(values)
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
    arr = to_numpy(values)
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


def check_by(by: object, n: int, data_name: str) -> Groups:
    return factorize(by, n, data_name=data_name)


def check_freq(freq: object) -> str:
    return check_choice(freq, name="freq", choices=FREQS)


def as_durations(values: object, *, name: str) -> FloatArray:
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

"""Input validation at every public boundary of customer_kanban.

Each public function checks its arguments first (the metrics with one
``<name>_iv`` helper each, as in ``scipy.stats``), so its body is only maths.
The shared converters below give every function the same rules and messages
(the conventions of ``docs/conventions.md``):

* messages name the parameter in backticks and the rule;
* bad values raise :class:`~customer_kanban.errors.ValidationError` (a
  :class:`ValueError`), bad types raise :class:`TypeError`;
* mismatched lengths name both parameters;
* offending rows are listed with :func:`~customer_kanban.errors.describe_rows`.
"""

from __future__ import annotations

import typing
import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from customer_kanban._core.groups import Groups, factorize
from customer_kanban._core.instants import as_instant_array
from customer_kanban._core.types import BoolArray, FloatArray, InstantArray, IntpArray
from customer_kanban.errors import InsufficientDataWarning, ValidationError, describe_rows

__all__ = [
    "DAY_COUNTS",
    "PERCENTILE_METHODS",
    "DayCount",
    "PercentileMethod",
    "as_bool_or_unknown",
    "as_float_array",
    "as_instant_scalar",
    "as_instants",
    "as_int_codes",
    "as_number",
    "as_numbers",
    "as_optional_instant_scalar",
    "as_positive_days",
    "check_choice",
    "check_not_before",
    "check_same_length",
    "check_span",
    "warn_insufficient",
]


#: How :func:`~customer_kanban.metrics.lead_time` counts days.
DayCount = Literal["elapsed", "exclusive", "inclusive", "business", "calendar"]

#: numpy's percentile methods (``numpy.percentile(..., method=...)``).
PercentileMethod = Literal[
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
]


# --------------------------------------------------------------------------- shared


def warn_insufficient(message: str) -> None:
    """Issue an :class:`InsufficientDataWarning` attributed to the calling metric.

    Call it from the public metric itself: the warning is attributed to that
    function (``stacklevel=2``), inside the package, so the project's
    ``error:::customer_kanban`` test filter turns any unhandled one into an error.
    """
    warnings.warn(message, InsufficientDataWarning, stacklevel=2)


def to_numpy(values: object, name: str | None = None) -> Any:
    """Return `values` as an ndarray without importing pandas.

    A ragged nested sequence is a ValidationError naming `name` when given.
    """
    if hasattr(values, "to_numpy") and not isinstance(values, np.ndarray):
        return values.to_numpy()
    try:
        return np.asarray(values)
    except ValueError as exc:
        if name is None:
            raise
        raise ValidationError(f"`{name}` must not be a ragged nested sequence: {exc}") from exc


def as_float_array(values: object, *, name: str) -> FloatArray:
    """Convert a 1-D numeric array-like (or a frame column) to float64.

    Integers and floats of any width are accepted; ``None`` and pandas' ``NA`` become
    NaN.  Booleans and text are refused with a TypeError: ``True`` is not 1 day and
    ``"1.5"`` is not a number here.

    Examples
    --------
    >>> as_float_array([1, 2.5, None], name="durations")
    array([1. , 2.5, nan])
    >>> as_float_array(["1.5"], name="durations")
    Traceback (most recent call last):
    ...
    TypeError: `durations` must hold numbers, not text (got '1.5')
    """
    arr = _column_values(values, name)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValidationError(f"`{name}` must be one-dimensional, got shape {arr.shape}")
    return _numbers(arr, name)


def _column_values(values: object, name: str) -> npt.NDArray[Any]:
    """A column's values; nullable frame columns with their missing entries as NaN."""
    if hasattr(values, "to_numpy") and not isinstance(values, np.ndarray):
        raw = values.to_numpy()
        if raw.dtype.kind == "O":  # nullable integers and floats: NA -> NaN
            try:
                return np.asarray(values.to_numpy(dtype=np.float64, na_value=np.nan))
            except (TypeError, ValueError):
                return np.asarray(raw)
        return np.asarray(raw)
    try:
        return np.asarray(values)
    except ValueError as exc:  # a ragged nested sequence
        raise ValidationError(f"`{name}` must be a 1-D sequence: {exc}") from exc


def _numbers(arr: npt.NDArray[Any], name: str) -> FloatArray:
    """`arr` as float64; numbers only (objects holding numbers or None are converted)."""
    if arr.dtype.kind == "b":
        raise TypeError(f"`{name}` must hold numbers, not booleans")
    if arr.dtype.kind in "US":
        shown = str(arr.flat[0]) if arr.size else ""
        raise TypeError(f"`{name}` must hold numbers, not text (got {shown!r})")
    if arr.dtype.kind == "O":
        _check_number_objects(arr, name)
        arr = arr.astype(np.float64)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"`{name}` must hold numbers, got an array of dtype {arr.dtype}")
    out: FloatArray = arr.astype(np.float64, copy=False)
    return out


def _check_number_objects(arr: npt.NDArray[Any], name: str) -> None:
    """Objects that are numbers or missing (None, NaN, pandas' NA); a slow path by nature."""
    for value in arr.ravel().tolist():
        if value is None or type(value).__name__ == "NAType":
            continue
        if isinstance(value, (bool, np.bool_)):
            raise TypeError(f"`{name}` must hold numbers, not booleans (got {value!r})")
        if isinstance(value, (str, bytes)):
            raise TypeError(f"`{name}` must hold numbers, not text (got {value!r:.40})")
        if not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(
                f"`{name}` must hold numbers, not {type(value).__name__} (got {value!r:.40})"
            )


def as_float_matrix(values: object, *, name: str) -> FloatArray:
    """Convert a 2-D numeric array-like (or DataFrame) to float64."""
    arr = to_numpy(values, name)
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
    arr = to_numpy(values, name)
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
    arr = to_numpy(values, name)
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
    """`value` is one of `choices`: the strings of an option's ``Literal``.

    Examples
    --------
    >>> check_choice("W", name="freq", choices=("D", "W", "M"))
    'W'
    >>> check_choice("week", name="freq", choices=("D", "W", "M"))
    Traceback (most recent call last):
    ...
    customer_kanban.errors.ValidationError: `freq` must be one of 'D', 'W', 'M'; got 'week'
    """
    if not isinstance(value, str) or value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ValidationError(f"`{name}` must be one of {allowed}; got {value!r}")
    return value


def choices_of(literal: Any) -> tuple[str, ...]:
    """The strings of a ``Literal`` type, in order (one source for the type and the check).

    Examples
    --------
    >>> from typing import Literal
    >>> choices_of(Literal["D", "W", "M"])
    ('D', 'W', 'M')
    """
    values = typing.get_args(literal)
    if not values or not all(isinstance(v, str) for v in values):
        raise TypeError(f"expected a Literal of strings, got {literal!r}")
    return tuple(values)


DAY_COUNTS = choices_of(DayCount)
PERCENTILE_METHODS = choices_of(PercentileMethod)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def as_percentiles(q: object, *, name: str = "q") -> FloatArray:
    """Percentiles in percent, like ``numpy.percentile``: a number or a 1-D sequence in [0, 100].

    A `q` whose values are all in (0, 1] is refused: it is almost surely a
    fraction meant as a percentage (``0.85`` for the 85th percentile).

    Examples
    --------
    >>> as_percentiles([50, 85])
    array([50., 85.])
    >>> as_percentiles(0.85)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    customer_kanban.errors.ValidationError: `q` is in percent; did you mean 85? (got 0.85; ...)
    """
    if isinstance(q, (str, bytes)) or (hasattr(q, "dtype") and q.dtype.kind in "USO"):
        raise TypeError(f"`{name}` must be a number or a sequence of numbers [%]; got {q!r}")
    values = [q] if _is_number(q) else q
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`{name}` must be a number or a sequence of numbers [%]: {exc}") from exc
    if arr.ndim != 1:
        raise ValidationError(
            f"`{name}` must be a number or one-dimensional; got shape {arr.shape}"
        )
    if arr.size and arr.dtype.kind not in "iuf":
        raise TypeError(f"`{name}` must hold numbers [%], got {arr.dtype} values {arr.tolist()!r}")
    out = arr.astype(np.float64)
    if out.size == 0:
        raise ValidationError(f"`{name}` must hold at least one percentile")
    if not ((out >= 0) & (out <= 100)).all():
        raise ValidationError(f"`{name}` must lie in [0, 100] [%]; got {out.tolist()}")
    if ((out > 0) & (out <= 1)).all():
        first = out[0] * 100
        guess = f"{first:g}" if out.size == 1 else f"{(out * 100).tolist()}"
        shown = f"{out[0]:g}" if out.size == 1 else f"{out.tolist()}"
        raise ValidationError(
            f"`{name}` is in percent; did you mean {guess}? (got {shown}; "
            "percentiles lie in [0, 100], as in numpy.percentile)"
        )
    return out


def as_fraction(value: object, *, name: str) -> float:
    """A probability, confidence or share: a number in the open interval (0, 1).

    Examples
    --------
    >>> as_fraction(0.95, name="confidence")
    0.95
    >>> as_fraction(95, name="confidence")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    customer_kanban.errors.ValidationError: `confidence` must be a fraction in (0, 1); got 95 ...
    """
    if not _is_number(value):
        raise TypeError(f"`{name}` must be a number in (0, 1), got {type(value).__name__}")
    f = float(value)  # type: ignore[arg-type]
    if not 0 < f < 1:
        hint = f" (did you mean {f / 100:g}?)" if 1 < f < 100 else ""
        raise ValidationError(f"`{name}` must be a fraction in (0, 1); got {value!r}{hint}")
    return f


def as_generator(rng: object, *, name: str = "rng") -> np.random.Generator:
    """`rng` as a :class:`numpy.random.Generator`: ``None`` (fresh entropy), an int seed or one.

    Examples
    --------
    >>> int(as_generator(42).integers(10)) == int(as_generator(42).integers(10))
    True
    >>> as_generator(np.random.RandomState(0))
    Traceback (most recent call last):
    ...
    TypeError: `rng` must be None, an int seed >= 0 or a numpy.random.Generator; got RandomState
    """
    if rng is None or isinstance(rng, np.random.Generator):
        return np.random.default_rng(rng)
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, (bool, np.bool_)):
        if rng < 0:
            raise ValidationError(f"`{name}` as a seed must be >= 0; got {rng}")
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"`{name}` must be None, an int seed >= 0 or a numpy.random.Generator; "
        f"got {type(rng).__name__}"
    )


def as_whole_number(
    value: object, *, name: str, minimum: int = 0, maximum: int | None = None, unit: str = ""
) -> int:
    """An integer (any numpy integer type too, not a bool) in ``[minimum, maximum]``.

    Examples
    --------
    >>> as_whole_number(np.int64(3), name="trials", minimum=1)
    3
    >>> as_whole_number(10**9, name="trials", minimum=1, maximum=10**7)
    Traceback (most recent call last):
    ...
    customer_kanban.errors.ValidationError: `trials` must be at most 10000000; got 1000000000
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"`{name}` must be a whole number, got {type(value).__name__} {value!r}")
    n = int(value)
    suffix = f" [{unit}]" if unit else ""
    if n < minimum:
        raise ValidationError(f"`{name}` must be at least {minimum}{suffix}; got {n}")
    if maximum is not None and n > maximum:
        raise ValidationError(f"`{name}` must be at most {maximum}{suffix}; got {n}")
    return n


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
    from customer_kanban._core.periods import FREQS  # periods builds on this module

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


def as_number(value: object, *, name: str, unit: str = "") -> float:
    """One real number: any Python or numpy integer or float; not a bool, text or an array.

    NaN and infinities pass (the caller states its range).

    Examples
    --------
    >>> as_number(np.float32(1.5), name="rate")
    1.5
    >>> as_number("1.5", name="rate", unit="days")
    Traceback (most recent call last):
    ...
    TypeError: `rate` must be a number [days], got str '1.5'
    """
    if not _is_number(value):
        suffix = f" [{unit}]" if unit else ""
        raise TypeError(
            f"`{name}` must be a number{suffix}, got {type(value).__name__} {value!r:.40}"
        )
    return float(value)  # type: ignore[arg-type]


#: The longest span between two instants whose difference datetime64[ns] can hold.
SPAN_LIMIT = "292 years"


def _within_one_span(*ns: npt.NDArray[np.int64]) -> bool:
    """Whether every known instant (int64 ns, NaT the minimum) lies within one int64 span.

    Then no difference of two of them overflows: the cheap test that almost all data pass.
    """
    top = max(int(np.max(v, initial=np.iinfo(np.int64).min)) for v in ns)
    low = min(int(np.min(v, where=v != np.iinfo(np.int64).min, initial=top)) for v in ns)
    return top - low <= np.iinfo(np.int64).max


def check_span(
    earlier: npt.NDArray[np.datetime64] | np.datetime64,
    later: npt.NDArray[np.datetime64] | np.datetime64,
    *,
    earlier_name: str,
    later_name: str,
    where: BoolArray | None = None,
) -> None:
    """``later - earlier`` fits a ``datetime64[ns]`` difference (about 292 years either way).

    Checked wherever both instants are known (and `where`, if given); the arrays
    broadcast, so `earlier` or `later` may be one instant (an ``as_of``).  Two instants
    more than 292 years apart are both representable, but their difference in
    nanoseconds overflows int64: it would wrap around into a wrong duration.

    Raises
    ------
    customer_kanban.errors.ValidationError
        Naming both parameters and the offending rows.

    Examples
    --------
    >>> a = np.array(["1700-01-01", "2000-01-01"], dtype="datetime64[ns]")
    >>> check_span(a, np.datetime64("2200-01-01", "ns"), earlier_name="start", later_name="as_of")
    Traceback (most recent call last):
    ...
    customer_kanban.errors.ValidationError: `start` and `as_of` are more than 292 years apart \
in 1 row (row 0): the difference of two instants must fit numpy's datetime64[ns] (292 years)
    """
    a = np.asarray(earlier, dtype="datetime64[ns]").view(np.int64)
    b = np.asarray(later, dtype="datetime64[ns]").view(np.int64)
    nat = np.iinfo(np.int64).min
    if _within_one_span(a, b):
        return
    with np.errstate(over="ignore"):
        diff = np.subtract(b, a, dtype=np.int64)  # wraps around where it overflows
    overflow = ((a ^ b) & (b ^ diff)) < 0
    overflow &= (a != nat) & (b != nat)
    if where is not None:
        overflow &= where
    if not overflow.any():
        return
    place = "" if overflow.ndim == 0 else f" in {describe_rows(np.flatnonzero(overflow).tolist())}"
    raise ValidationError(
        f"`{earlier_name}` and `{later_name}` are more than {SPAN_LIMIT} apart{place}: the "
        f"difference of two instants must fit numpy's datetime64[ns] ({SPAN_LIMIT})",
        rows=[] if overflow.ndim == 0 else np.flatnonzero(overflow).tolist(),
    )


def as_numbers(value: object, *, name: str, unit: str = "") -> FloatArray:
    """A number (shape ``()``) or a 1-D array of numbers (shape ``(n,)``) as float64.

    As :func:`as_number` for one value and :func:`as_float_array` for an array:
    booleans, text and instants are refused with a TypeError.

    Examples
    --------
    >>> as_numbers(3, name="days"), as_numbers([1, 2.5], name="days")
    (array(3.), array([1. , 2.5]))
    >>> as_numbers(True, name="days")
    Traceback (most recent call last):
    ...
    TypeError: `days` must be a number or numbers, got bool True
    """
    try:
        scalar = not hasattr(value, "to_numpy") and np.ndim(value) == 0  # type: ignore[arg-type]
    except ValueError as exc:  # a ragged nested sequence
        raise ValidationError(f"`{name}` must be a number or a 1-D sequence: {exc}") from exc
    if not scalar:
        return as_float_array(value, name=name)
    one = value.item() if isinstance(value, np.ndarray) else value
    if not _is_number(one):
        suffix = f" [{unit}]" if unit else ""
        raise TypeError(
            f"`{name}` must be a number or numbers{suffix}, got {type(one).__name__} {one!r:.40}"
        )
    return np.asarray(float(one), dtype=np.float64)  # type: ignore[arg-type]

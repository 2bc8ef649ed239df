"""Conversion of instants and durations to the package's conventions.

Instants are ``numpy.datetime64[ns]`` in UTC.  The rule for inputs:

* ``datetime64`` arrays of any unit are cast to nanoseconds (assumed UTC);
* aware :class:`datetime.datetime` objects are converted to UTC;
* **naive** :class:`datetime.datetime` objects and naive strings are taken to
  be in UTC already (the rule applied everywhere in the package);
* pandas columns with a time zone are converted to UTC without importing pandas;
* ``None``, ``NaT`` and ``NaN`` mean "no instant" (``NaT``).

Durations are ``float64`` days.
"""

from __future__ import annotations

import datetime as _dt
import warnings
from typing import Any

import numpy as np
import numpy.typing as npt

from customer_kanban.errors import ValidationError

__all__ = [
    "NS_PER_DAY",
    "as_instant_array",
    "as_utc_datetime",
    "days_between",
    "to_datetime",
]

NS_PER_DAY = 86_400 * 10**9
_NAT = np.datetime64("NaT", "ns")


def as_utc_datetime(value: _dt.datetime) -> _dt.datetime:
    """Return `value` as an aware UTC datetime; naive values are taken as UTC."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        return value.replace(tzinfo=_dt.timezone.utc)
    return value.astimezone(_dt.timezone.utc)


_MISSING_TYPES = frozenset({"NaTType", "NAType"})  # pandas.NaT, pandas.NA


def _scalar_to_datetime64(value: object) -> np.datetime64:
    if value is None or type(value).__name__ in _MISSING_TYPES:
        return _NAT
    if isinstance(value, float) and np.isnan(value):
        return _NAT
    result: np.datetime64
    if isinstance(value, _dt.datetime):
        naive = as_utc_datetime(value).replace(tzinfo=None)
        result = np.datetime64(naive, "ns")
        return result
    if isinstance(value, _dt.date):
        result = np.datetime64(value, "ns")
        return result
    if isinstance(value, np.datetime64):
        result = value.astype("datetime64[ns]")
        return result
    if isinstance(value, str):
        result = _parse_iso_strings(np.asarray([value]))[0]
        return result
    to_dt = getattr(value, "to_datetime64", None)  # pandas Timestamp / NaT
    if callable(to_dt):
        tz = getattr(value, "tz", None)
        if tz is not None:
            value = value.tz_convert("UTC").tz_localize(None)  # type: ignore[attr-defined]
            to_dt = value.to_datetime64  # type: ignore[attr-defined]
        result = np.datetime64(to_dt(), "ns")
        return result
    raise TypeError(f"cannot interpret {value!r} of type {type(value).__name__} as an instant")


def _parse_iso_strings(values: npt.NDArray[Any]) -> npt.NDArray[np.datetime64]:
    """Parse ISO 8601 strings: naive ones are taken as UTC, ``Z`` and ``+hh:mm`` applied.

    Empty strings and ``"NaT"`` become ``NaT``.
    """
    text = np.char.strip(np.asarray(values, dtype=str))
    out = np.full(text.shape, _NAT)
    if text.size == 0:
        return out
    missing = (text == "") | (np.char.upper(text) == "NAT")
    body = np.where(np.char.endswith(text, "Z"), np.char.rstrip(text, "Z"), text)
    keep = ~missing
    with warnings.catch_warnings():
        # numpy applies "+hh:mm" offsets (to UTC) but warns that it does; the rule is documented.
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        out[keep] = np.asarray(body[keep], dtype="datetime64[ns]")
    return out


def _objects_as_text_instants(flat: npt.NDArray[Any]) -> npt.NDArray[np.datetime64] | None:
    """Vectorized path for object arrays of strings, datetimes or timestamps.

    Each object is turned into its text (``str``, at C speed) and parsed as ISO 8601,
    offsets applied; ``None``, NaN and NaT are missing.  Returns ``None`` when the
    objects do not all read that way, for the caller's element-by-element path.
    """
    try:
        missing = np.asarray(np.equal(flat, np.array(None, dtype=object)) | (flat != flat), bool)
        text = flat.astype(str)
    except (TypeError, ValueError):  # e.g. pandas.NA refuses to be a boolean
        return None
    text[missing] = ""
    try:
        return _parse_iso_strings(text)
    except ValueError:
        return None


def as_instant_array(values: object, *, name: str = "values") -> npt.NDArray[np.datetime64]:
    """Convert array-like `values` to a 1-D ``datetime64[ns]`` array in UTC.

    Parameters
    ----------
    values : array_like
        ``datetime64`` array, pandas datetime column (naive or aware), sequence of
        :class:`datetime.datetime`, ISO 8601 strings, or ``None``/``NaT`` for
        missing instants.
    name : str, optional
        Parameter name used in error messages.

    Returns
    -------
    numpy.ndarray
        ``datetime64[ns]``; missing instants are ``NaT``.

    Raises
    ------
    TypeError
        If the values cannot be read as instants.

    Examples
    --------
    >>> as_instant_array(["2024-01-01T12:00", None])
    array(['2024-01-01T12:00:00.000000000',                           'NaT'],
          dtype='datetime64[ns]')
    """
    dt_accessor = getattr(values, "dt", None)
    if dt_accessor is not None and getattr(dt_accessor, "tz", None) is not None:
        values = dt_accessor.tz_convert("UTC").dt.tz_localize(None)
    elif getattr(values, "tz", None) is not None and hasattr(values, "tz_convert"):
        values = values.tz_convert("UTC").tz_localize(None)  # a tz-aware pandas index
    if hasattr(values, "to_numpy") and not isinstance(values, np.ndarray):
        values = values.to_numpy()
    arr = np.asarray(values)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if np.issubdtype(arr.dtype, np.datetime64):
        return arr.astype("datetime64[ns]", copy=False)
    if arr.dtype.kind in "US":
        try:
            return _parse_iso_strings(arr)
        except ValueError as exc:
            raise ValidationError(
                f"`{name}` holds strings that are not ISO 8601 instants: {exc}"
            ) from exc
    if arr.dtype.kind == "O" or arr.dtype.kind == "f":
        if arr.dtype.kind == "f":
            if np.isnan(arr).all():
                return np.full(arr.shape, _NAT)
            raise TypeError(f"`{name}` must hold instants, not numbers")
        flat = arr.ravel()
        fast = _objects_as_text_instants(flat)
        if fast is not None:
            return fast.reshape(arr.shape)
        try:  # mixed or unusual objects (pandas.NA, ...): one by one
            converted = [_scalar_to_datetime64(v) for v in flat.tolist()]
        except (TypeError, ValueError) as exc:
            raise TypeError(f"`{name}` must hold instants: {exc}") from exc
        return np.array(converted, dtype="datetime64[ns]").reshape(arr.shape)
    raise TypeError(f"`{name}` must hold instants, got an array of dtype {arr.dtype}")


def to_datetime(value: np.datetime64) -> _dt.datetime | None:
    """Convert one ``datetime64`` to an aware UTC :class:`datetime.datetime` (``None`` for NaT).

    Examples
    --------
    >>> to_datetime(np.datetime64("2024-01-01T00:00:00", "ns"))
    datetime.datetime(2024, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)
    """
    if np.isnat(value):
        return None
    us = value.astype("datetime64[us]").astype(np.int64)
    base = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
    return base + _dt.timedelta(microseconds=int(us))


def days_between(
    start: npt.NDArray[np.datetime64], end: npt.NDArray[np.datetime64]
) -> npt.NDArray[np.float64]:
    """Elapsed days from `start` to `end` as float64; NaN where either is NaT."""
    delta = (end - start).astype("timedelta64[ns]").astype(np.int64).astype(np.float64)
    delta[np.isnat(start) | np.isnat(end)] = np.nan
    return delta / NS_PER_DAY

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
from typing import Any

import numpy as np
import numpy.typing as npt

from customer_kanban._core.iso import NS_MAX, NS_MIN, parse_iso
from customer_kanban.errors import ValidationError, describe_rows

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
_MISSING_TEXT = ("", "NAT", "NAN", "NONE", "NULL")
#: The instants ``datetime64[ns]`` can hold.
RANGE = "1677-09-21T00:12:43 to 2262-04-11T23:47:16 UTC"


def _out_of_range(rows: npt.NDArray[np.intp], shown: list[str], name: str) -> ValidationError:
    listed = "; ".join(shown[:3]) + ("; ..." if len(shown) > 3 else "")
    return ValidationError(
        f"`{name}` holds instants outside the representable range ({RANGE}) in "
        f"{describe_rows(rows.tolist())}: {listed}",
        rows=rows.tolist(),
    )


def _datetime64_ns(arr: npt.NDArray[np.datetime64], name: str) -> npt.NDArray[np.datetime64]:
    """`arr` (any datetime64 unit) as nanoseconds, refusing instants the cast would wrap."""
    unit, _ = np.datetime_data(arr.dtype)
    if unit in ("ns", "ps", "fs", "as") or arr.size == 0:
        return arr.astype("datetime64[ns]", copy=False)
    as_us = arr.astype("datetime64[us]")  # exact for the day/second units, wider than ns
    v = as_us.view(np.int64)
    nat = np.isnat(as_us)
    bad = ~nat & ((v < NS_MIN // 1000 + 1) | (v > NS_MAX // 1000))
    if bad.any():
        rows = np.flatnonzero(bad)
        raise _out_of_range(rows, [str(arr[r]) for r in rows[:4].tolist()], name)
    out: npt.NDArray[np.datetime64] = arr.astype("datetime64[ns]")
    return out


def _scalar_to_datetime64(value: object) -> np.datetime64:
    if value is None or type(value).__name__ in _MISSING_TYPES:
        return _NAT
    if isinstance(value, float) and np.isnan(value):
        return _NAT
    if isinstance(value, _dt.datetime):
        naive = as_utc_datetime(value).replace(tzinfo=None)
        return _in_range(np.datetime64(naive, "us"), value)
    if isinstance(value, _dt.date):
        return _in_range(np.datetime64(value, "us"), value)
    if isinstance(value, np.datetime64):
        out: np.datetime64 = _datetime64_ns(np.asarray([value]), "value")[0]
        return out
    if isinstance(value, str):
        parsed: np.datetime64 = _parse_text(np.asarray([value]), "value")[0]
        return parsed
    to_dt = getattr(value, "to_datetime64", None)  # pandas Timestamp / NaT
    if callable(to_dt):
        tz = getattr(value, "tz", None)
        if tz is not None:
            value = value.tz_convert("UTC").tz_localize(None)  # type: ignore[attr-defined]
            to_dt = value.to_datetime64  # type: ignore[attr-defined]
        result: np.datetime64 = np.datetime64(to_dt(), "ns")
        return result
    raise TypeError(f"cannot interpret {value!r} of type {type(value).__name__} as an instant")


def _in_range(us: np.datetime64, original: object) -> np.datetime64:
    v = int(us.astype(np.int64))
    if not NS_MIN // 1000 + 1 <= v <= NS_MAX // 1000:
        raise ValidationError(f"{original!r} is outside the representable range ({RANGE})")
    out: np.datetime64 = us.astype("datetime64[ns]")
    return out


def _parse_text(values: npt.NDArray[Any], name: str) -> npt.NDArray[np.datetime64]:
    """Parse ISO 8601 strings (:func:`~customer_kanban._core.iso.parse_iso`); missing = NaT.

    Empty strings, ``"NaT"``, ``"NaN"``, ``"None"`` and ``"null"`` (any case) are missing;
    anything else that does not parse is an error naming the rows.
    """
    text = np.char.strip(np.asarray(values, dtype=str))
    out = np.full(text.shape, _NAT)
    if text.size == 0:
        return out
    missing = np.isin(np.char.upper(text), _MISSING_TEXT)
    ns, ok = parse_iso(text)
    bad = ~missing & ~ok
    if bad.any():
        rows = np.flatnonzero(bad)
        shown = [repr(str(text[r])) for r in rows[:4].tolist()]
        listed = ", ".join(shown[:3]) + (", ..." if len(shown) > 3 else "")
        raise ValidationError(
            f"`{name}` holds text that is not an ISO 8601 instant (YYYY-MM-DD, optionally "
            f"a time and Z or an offset) in the representable range ({RANGE}) in "
            f"{describe_rows(rows.tolist())}: {listed}",
            rows=rows.tolist(),
        )
    out[~missing] = ns[~missing].view("datetime64[ns]")
    return out


def _objects_as_text_instants(
    flat: npt.NDArray[Any], name: str
) -> npt.NDArray[np.datetime64] | None:
    """Vectorized path for object arrays of strings, datetimes or timestamps.

    Each object is turned into its text (``str``, at C speed) and parsed as ISO 8601,
    offsets applied; ``None``, NaN and NaT are missing.  Returns ``None`` when the
    objects are not all text, datetimes or timestamps, for the caller's one-by-one path
    (numbers are never read as instants: ``2024`` is not a year).
    """
    try:
        missing = np.asarray(np.equal(flat, np.array(None, dtype=object)) | (flat != flat), bool)
        text = flat.astype(str)
    except (TypeError, ValueError):  # e.g. pandas.NA refuses to be a boolean
        return None
    text[missing] = ""
    try:
        return _parse_text(text, name)
    except ValidationError:
        return None


def as_instant_array(values: object, *, name: str = "values") -> npt.NDArray[np.datetime64]:
    """Convert array-like `values` to a ``datetime64[ns]`` array in UTC.

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
        If the values are not instants (numbers, booleans, other objects).
    customer_kanban.errors.ValidationError
        If text is not an ISO 8601 instant, or an instant lies outside the
        ``datetime64[ns]`` range (never wrapped around).

    Examples
    --------
    >>> as_instant_array(["2024-01-01T12:00", None])
    array(['2024-01-01T12:00:00.000000000',                           'NaT'],
          dtype='datetime64[ns]')
    """
    arr = _as_numpy(values)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    kind = arr.dtype.kind
    if kind == "M":
        return _datetime64_ns(arr, name)
    if kind in "US":
        return _parse_text(arr.reshape(-1), name).reshape(arr.shape)
    if kind == "f" and np.isnan(arr).all():
        return np.full(arr.shape, _NAT)
    if kind == "O":
        return _objects(arr, name)
    if kind in "biuf":
        raise TypeError(
            f"`{name}` must hold instants, not numbers (got an array of dtype {arr.dtype}; "
            "an epoch count or a year is ambiguous: convert it to datetime64 first)"
        )
    raise TypeError(
        f"`{name}` must hold instants (datetime64, datetimes or ISO 8601 text), "
        f"got an array of dtype {arr.dtype}"
    )


def _as_numpy(values: object) -> npt.NDArray[Any]:
    """Any column as a numpy array; time-zone-aware pandas columns converted to UTC first."""
    dt_accessor = getattr(values, "dt", None)
    if dt_accessor is not None and getattr(dt_accessor, "tz", None) is not None:
        values = dt_accessor.tz_convert("UTC").dt.tz_localize(None)
    elif getattr(values, "tz", None) is not None and hasattr(values, "tz_convert"):
        values = values.tz_convert("UTC").tz_localize(None)  # a tz-aware pandas index
    if hasattr(values, "to_numpy") and not isinstance(values, np.ndarray):
        values = values.to_numpy()
    return np.asarray(values)


def _objects(arr: npt.NDArray[Any], name: str) -> npt.NDArray[np.datetime64]:
    flat = arr.ravel()
    fast = _objects_as_text_instants(flat, name)
    if fast is not None:
        return fast.reshape(arr.shape)
    converted = []
    for row, v in enumerate(flat.tolist()):  # mixed or unusual objects: one by one
        if isinstance(v, (bool, int, float, np.number)) and not (
            isinstance(v, float) and np.isnan(v)
        ):
            raise TypeError(
                f"`{name}` must hold instants, not numbers: row {row} holds {v!r} "
                "(an epoch count or a year is ambiguous; convert it to datetime64 first)"
            )
        try:
            converted.append(_scalar_to_datetime64(v))
        except ValidationError as exc:
            raise ValidationError(f"`{name}` row {row}: {exc}", rows=[row]) from exc
        except (TypeError, ValueError) as exc:
            raise TypeError(f"`{name}` must hold instants: row {row}: {exc}") from exc
    return np.array(converted, dtype="datetime64[ns]").reshape(arr.shape)


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

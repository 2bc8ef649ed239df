"""Vectorized parsing of text instants: ISO 8601 and fixed-width ``strptime``-style formats.

Both parsers take a 1-D ``str`` (or ``bytes``) array and return ``(ns, ok)``: the
instants as ``int64`` nanoseconds since the epoch (UTC) and a boolean mask of the
strings that parsed.  Entries where ``ok`` is false hold an arbitrary value.
Instants must fall inside the ``datetime64[ns]`` range (1677-09-21 to 2262-04-11);
those outside are not parseable.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from customer_kanban.errors import ValidationError

__all__ = ["FixedFormat", "parse_fixed", "parse_iso"]

I64 = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]

_NS_PER_S = 10**9
# The datetime64[ns] range in whole seconds (int64 nanoseconds, NaT excluded).
_MIN_S = -(2**63 - 1) // _NS_PER_S + 1
_MAX_S = (2**63 - 1) // _NS_PER_S
_CHUNK = 1 << 16
_FIELDS = {"Y": 4, "m": 2, "d": 2, "H": 2, "M": 2, "S": 2}
_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def char_matrix(text: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """The code points of a ``str``/``bytes`` array as an ``(n, width)`` integer matrix.

    Shorter strings are padded with zeros (numpy's own fixed-width storage).
    """
    arr = np.ascontiguousarray(text)
    n = arr.shape[0]
    if arr.dtype.kind == "U":
        width = arr.dtype.itemsize // 4
        return arr.view(np.uint32).reshape(n, width) if width else np.zeros((n, 0), np.uint32)
    width = arr.dtype.itemsize
    return arr.view(np.uint8).reshape(n, width) if width else np.zeros((n, 0), np.uint8)


def _digits(chars: npt.NDArray[Any], start: int, width: int) -> tuple[I64, Mask]:
    """The number written in columns ``start:start+width`` and whether all are ASCII digits."""
    block = chars[:, start : start + width].astype(np.int64) - 48
    ok: Mask = np.all((block >= 0) & (block <= 9), axis=1)
    weights = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    value: I64 = block @ weights
    return value, ok


def _is_leap(year: I64) -> Mask:
    leap: Mask = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    return leap


def _epoch_seconds(
    year: I64, month: I64, day: I64, hour: I64, minute: I64, second: I64
) -> tuple[I64, Mask]:
    """Seconds since the epoch from calendar fields, and which fields form a valid instant."""
    ok = (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1)
    month0 = np.clip(month - 1, 0, 11)
    days_in = _DAYS_IN_MONTH[month0] + ((month0 == 1) & _is_leap(year))
    ok &= (day <= days_in) & (hour < 24) & (minute < 60) & (second < 60)
    months = (np.clip(year, 1, 9999) - 1970) * 12 + month0
    days = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) + day - 1
    seconds = days * 86_400 + hour * 3_600 + minute * 60 + second
    ok &= (seconds >= _MIN_S) & (seconds <= _MAX_S)
    return seconds, ok


@attrs.frozen
class FixedFormat:
    """A parsed ``at_format``: fixed-width fields and literal characters.

    Attributes
    ----------
    pattern : str
        The format as given, e.g. ``"%d-%m-%Y %H:%M"``.
    fields : tuple of (str, int)
        ``(directive letter, start column)`` of each field.
    literals : tuple of (int, str)
        ``(column, character)`` of each literal character.
    width : int
        Length of every matching string.
    """

    pattern: str
    fields: tuple[tuple[str, int], ...]
    literals: tuple[tuple[int, str], ...]
    width: int

    @classmethod
    def parse(cls, pattern: str) -> FixedFormat:
        """Read a format made of ``%Y %m %d %H %M %S %%`` and literal characters.

        Raises
        ------
        customer_kanban.errors.ValidationError
            Unsupported or repeated directives, or no ``%Y``, ``%m`` and ``%d``.
        """
        if not isinstance(pattern, str):
            raise TypeError(f"`at_format` must be a string, got {type(pattern).__name__}")
        fields: list[tuple[str, int]] = []
        literals: list[tuple[int, str]] = []
        col = 0
        for token in re.findall(r"%.?|[^%]", pattern, flags=re.DOTALL):
            if token == "%%":
                literals.append((col, "%"))
                col += 1
            elif token.startswith("%"):
                letter = token[1:]
                if letter not in _FIELDS:
                    raise ValidationError(
                        f"`at_format` {pattern!r} uses the unsupported directive {token!r}; "
                        "supported: %Y %m %d %H %M %S %% and literal characters"
                    )
                if any(f == letter for f, _ in fields):
                    raise ValidationError(f"`at_format` {pattern!r} repeats {token!r}")
                fields.append((letter, col))
                col += _FIELDS[letter]
            else:
                literals.append((col, token))
                col += 1
        missing = [f"%{f}" for f in "Ymd" if all(f != g for g, _ in fields)]
        if missing:
            raise ValidationError(f"`at_format` {pattern!r} must contain {' '.join(missing)}")
        return cls(pattern, tuple(fields), tuple(literals), col)


def parse_fixed(text: npt.NDArray[Any], fmt: FixedFormat) -> tuple[I64, Mask]:
    """Parse strings written exactly in `fmt` (every field zero-padded to its width).

    The strings are read as a fixed-width matrix of code points; fields, literal
    characters and calendar ranges (month 1-12, the day within the month with leap
    years, hour < 24, minute < 60, second < 60) are checked column-wise.

    Returns
    -------
    ns : numpy.ndarray of int64
        Nanoseconds since the epoch (UTC).
    ok : numpy.ndarray of bool
        Which strings match the format and name a valid instant.
    """
    n = text.shape[0]
    chars = char_matrix(text)
    if chars.shape[1] < fmt.width:
        return np.zeros(n, np.int64), np.zeros(n, bool)
    ok = np.ones(n, bool)
    if chars.shape[1] > fmt.width:
        ok &= chars[:, fmt.width] == 0  # nothing after the last field
    for col, char in fmt.literals:
        ok &= chars[:, col] == ord(char)
    values: dict[str, I64] = {}
    for letter, col in fmt.fields:
        values[letter], digits_ok = _digits(chars, col, _FIELDS[letter])
        ok &= digits_ok
    zero = np.zeros(n, np.int64)
    seconds, valid = _epoch_seconds(
        values["Y"],
        values["m"],
        values["d"],
        values.get("H", zero),
        values.get("M", zero),
        values.get("S", zero),
    )
    ok &= valid
    return np.where(ok, seconds, 0) * _NS_PER_S, ok


def _cast(text: npt.NDArray[Any], unit: str) -> tuple[I64, Mask]:
    """numpy's ISO 8601 cast, with the rows it cannot parse reported instead of raised."""
    dtype = f"datetime64[{unit}]"
    with warnings.catch_warnings():
        # numpy converts "Z" and "+hh:mm" suffixes to UTC, as documented here, but warns.
        warnings.filterwarnings("ignore", message=".*timezone", category=UserWarning)
        warnings.filterwarnings("ignore", message=".*timezone", category=DeprecationWarning)
        try:
            out = text.astype(dtype).view(np.int64)
            return out, out != np.iinfo(np.int64).min
        except ValueError:
            pass
        out = np.zeros(text.shape[0], np.int64)
        ok = np.zeros(text.shape[0], bool)
        # Error path: cast chunk by chunk (a loop over chunks, not rows); inside a chunk
        # that fails, try each *distinct* string once.  Only reached when some string
        # passes the vectorized shape checks but numpy still rejects it.
        for start in range(0, text.shape[0], _CHUNK):
            chunk = text[start : start + _CHUNK]
            stop = start + chunk.shape[0]
            try:
                out[start:stop] = chunk.astype(dtype).view(np.int64)
                ok[start:stop] = True
                continue
            except ValueError:
                pass
            distinct, inverse = np.unique(chunk, return_inverse=True)
            values = np.zeros(distinct.shape[0], np.int64)
            good = np.zeros(distinct.shape[0], bool)
            for j, string in enumerate(distinct.tolist()):
                try:
                    values[j] = np.asarray([string]).astype(dtype).view(np.int64)[0]
                except ValueError:
                    continue
                good[j] = True
            out[start:stop] = values[inverse]
            ok[start:stop] = good[inverse]
    ok &= out != np.iinfo(np.int64).min
    return out, ok


def parse_iso(text: npt.NDArray[Any]) -> tuple[I64, Mask]:
    """Parse ISO 8601 strings that start with ``YYYY-MM-DD``.

    The date may be followed by ``T`` or a space and a time (``hh``, ``hh:mm``,
    ``hh:mm:ss`` with an optional fraction), then optionally ``Z`` or a UTC offset
    ``+hh:mm``, which is converted to UTC.  Naive instants are taken as UTC.
    Anything else (``"now"``, ``"today"``, compact ``20240101``, reduced forms such as
    ``"2024-01"``, surrounding spaces) is not parseable.

    The shape of the date is checked column-wise first, then numpy's own
    ``datetime64`` cast parses the rest in one call.

    Returns
    -------
    ns : numpy.ndarray of int64
        Nanoseconds since the epoch (UTC).
    ok : numpy.ndarray of bool
        Which strings parsed to an instant inside the ``datetime64[ns]`` range.
    """
    n = text.shape[0]
    out = np.zeros(n, np.int64)
    chars = char_matrix(text)
    if chars.shape[1] < 10:
        return out, np.zeros(n, bool)
    year, ok = _digits(chars, 0, 4)
    for start in (5, 8):
        ok &= _digits(chars, start, 2)[1]
    ok &= (chars[:, 4] == ord("-")) & (chars[:, 7] == ord("-"))
    if chars.shape[1] > 10:
        after = chars[:, 10]
        ok &= (after == 0) | (after == ord("T")) | (after == ord(" "))
    # Years 1678-2261 fit datetime64[ns] whatever the time and offset; numpy's cast
    # wraps around silently outside, so the two boundary years go through microseconds.
    safe = ok & (year >= 1678) & (year <= 2261)
    edge = ok & ((year == 1677) | (year == 2262))
    if safe.all():
        return _cast(text, "ns")
    parsed = np.zeros(n, bool)
    if safe.any():
        out[safe], parsed[safe] = _cast(text[safe], "ns")
    if edge.any():
        us, good = _cast(text[edge], "us")
        seconds = us // 10**6
        good &= (seconds >= _MIN_S) & (seconds <= _MAX_S)
        out[edge] = np.where(good, us, 0) * 1000
        parsed[edge] = good
    return out, parsed

"""Vectorized ISO 8601 parsing into ``datetime64[ns]``, offsets applied by the package itself.

:func:`parse_iso` takes a 1-D ``str`` (or ``bytes``) array and returns ``(ns, ok)``:
the instants as ``int64`` nanoseconds since the epoch (UTC) and a boolean mask of the
strings that parsed.  Accepted: ``YYYY-MM-DD``, optionally followed by ``T`` or a space
and a time (``hh``, ``hh:mm``, ``hh:mm:ss`` with an optional fraction), optionally
followed by ``Z`` or a UTC offset ``±hh:mm``, ``±hhmm`` or ``±hh``.  Naive instants are
taken as UTC.  Anything else — ``"now"``, ``"today"``, compact ``20240102``, reduced
forms such as ``"2024-01"``, surrounding spaces, instants outside the ``datetime64[ns]``
range (1677-09-21 to 2262-04-11) — is not parseable: never read as something else and
never wrapped around.

The offset is cut off column-wise and subtracted here, so numpy only ever parses naive
text (its time-zone parsing is deprecated); the shape of the date is checked
column-wise, then numpy's ``datetime64`` cast parses the rest in one call.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["NS_MAX", "NS_MIN", "char_matrix", "digits", "parse_iso"]

I64 = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]

_NS_PER_S = 10**9
_NS_PER_MIN = 60 * _NS_PER_S
#: The ``datetime64[ns]`` range as int64 nanoseconds (NaT, the int64 minimum, excluded).
NS_MIN = -(2**63) + 1
NS_MAX = 2**63 - 1
_CHUNK = 1 << 16
# Shortest text before an offset: "YYYY-MM-DDThh".
_TIME_START = 13


def char_matrix(text: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """The code points of a ``str``/``bytes`` array as an ``(n, width)`` integer matrix.

    Shorter strings are padded with zeros (numpy's own fixed-width storage).

    Examples
    --------
    >>> char_matrix(np.array(["ab", "c"]))
    array([[97, 98],
           [99,  0]], dtype=uint32)
    """
    arr = np.ascontiguousarray(text)
    n = arr.shape[0]
    if arr.dtype.kind == "U":
        width = arr.dtype.itemsize // 4
        return arr.view(np.uint32).reshape(n, width) if width else np.zeros((n, 0), np.uint32)
    width = arr.dtype.itemsize
    return arr.view(np.uint8).reshape(n, width) if width else np.zeros((n, 0), np.uint8)


def digits(chars: npt.NDArray[Any], start: npt.ArrayLike, width: int) -> tuple[I64, Mask]:
    """The number written in ``width`` columns from ``start`` and whether all are ASCII digits.

    `start` is one column for every row, or one per row.
    """
    cols = np.asarray(start)[..., np.newaxis] + np.arange(width)
    if cols.ndim == 1:
        block = chars[:, cols].astype(np.int64) - 48
    else:
        block = np.take_along_axis(chars, np.clip(cols, 0, chars.shape[1] - 1), axis=1)
        block = block.astype(np.int64) - 48
    ok: Mask = np.all((block >= 0) & (block <= 9), axis=1)
    weights = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    value: I64 = block @ weights
    return value, ok


def _lengths(text: npt.NDArray[Any]) -> I64:
    """Length of each string."""
    out: I64 = np.char.str_len(text).astype(np.int64)
    return out


def _is_digit(chars: npt.NDArray[Any]) -> Mask:
    """Which code points are ASCII digits."""
    out: Mask = (chars >= 48) & (chars <= 57)
    return out


def _at(chars: npt.NDArray[Any], col: I64) -> npt.NDArray[Any]:
    """The code point at column `col` of each row (0 outside the string)."""
    inside = (col >= 0) & (col < chars.shape[1])
    picked = chars[np.arange(chars.shape[0]), np.clip(col, 0, max(chars.shape[1] - 1, 0))]
    out: npt.NDArray[Any] = np.where(inside, picked, 0)
    return out


def _offsets(chars: npt.NDArray[Any], length: I64) -> tuple[I64, I64, Mask]:
    """Where each string's UTC designator starts, its offset in minutes, and whether it is valid.

    A string without a designator gets its own length as the cut and offset 0.  Only the
    rows with a ``Z``, ``+`` or ``-`` after the hour are looked at closely.
    """
    n = length.shape[0]
    marked = (_at(chars, length - 1) == ord("Z")) | _any_sign(chars, length)
    if not marked.any():
        return length, np.zeros(n, np.int64), np.ones(n, bool)
    if marked.all():
        return _designators(chars, length)
    cut, minutes, ok = length.copy(), np.zeros(n, np.int64), np.ones(n, bool)
    cut[marked], minutes[marked], ok[marked] = _designators(chars[marked], length[marked])
    return cut, minutes, ok


def _any_sign(chars: npt.NDArray[Any], length: I64) -> Mask:
    """Rows with ``+`` or ``-`` where an offset ``±hh:mm``, ``±hhmm`` or ``±hh`` would start."""
    out = np.zeros(length.shape[0], bool)
    for size in (6, 5, 3):
        sign = _at(chars, length - size)
        out |= ((sign == ord("+")) | (sign == ord("-"))) & (length - size >= _TIME_START)
    return out


def _designators(chars: npt.NDArray[Any], length: I64) -> tuple[I64, I64, Mask]:
    """:func:`_offsets` on rows that may carry a designator."""
    cut = length.copy()
    minutes = np.zeros(length.shape[0], np.int64)
    ok = np.ones(length.shape[0], bool)
    zulu = (_at(chars, length - 1) == ord("Z")) & (length - 1 >= _TIME_START)
    cut[zulu] = length[zulu] - 1
    taken = zulu.copy()
    # ±hh:mm, then ±hhmm, then ±hh (a sign after the hour of the time).
    for size, colon in ((6, True), (5, False), (3, False)):
        sign_col = length - size
        sign = _at(chars, sign_col)
        here = ~taken & (sign_col >= _TIME_START) & ((sign == ord("+")) | (sign == ord("-")))
        if colon:
            here &= _at(chars, sign_col + 3) == ord(":")
        if not here.any():
            continue
        hh, hh_ok = digits(chars, np.where(here, sign_col + 1, 0), 2)
        mm, mm_ok = (
            digits(chars, np.where(here, sign_col + (4 if colon else 3), 0), 2)
            if size > 3
            else (np.zeros_like(hh), np.ones_like(hh_ok))
        )
        valid = hh_ok & mm_ok & (hh <= 23) & (mm <= 59)
        ok &= ~here | valid
        direction = np.where(sign == ord("-"), -1, 1)
        minutes = np.where(here, direction * (hh * 60 + mm), minutes)
        cut = np.where(here, sign_col, cut)
        taken |= here
    return cut, minutes, ok


def _naive_text(
    text: npt.NDArray[Any], chars: npt.NDArray[Any], cut: I64, length: I64
) -> npt.NDArray[Any]:
    """The strings cut at `cut` (code points from there on set to the padding zero)."""
    if (cut == length).all():
        return text
    trimmed = chars.copy()
    trimmed[np.arange(chars.shape[1]) >= cut[:, np.newaxis]] = 0
    out: npt.NDArray[Any] = trimmed.reshape(-1).view(text.dtype)
    return out


def _cast(text: npt.NDArray[Any], unit: str) -> tuple[I64, Mask]:
    """numpy's cast of naive ISO text, with the rows it cannot parse reported instead of raised."""
    dtype = f"datetime64[{unit}]"
    try:
        out = text.astype(dtype).view(np.int64)
        return out, out != np.iinfo(np.int64).min
    except ValueError:
        pass
    out = np.zeros(text.shape[0], np.int64)
    ok = np.zeros(text.shape[0], bool)
    # Error path: cast chunk by chunk (a loop over chunks, not rows); inside a chunk that
    # fails, try each *distinct* string once.  Only reached when some string passes the
    # vectorized shape checks but numpy still rejects it (e.g. "2024-01-02T25").
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


def _date_shape(chars: npt.NDArray[Any], isdig: Mask) -> tuple[I64, Mask]:
    """The year of each string and whether it starts ``YYYY-MM-DD`` then ends, ``T`` or space."""
    ok = (chars[:, 4] == ord("-")) & (chars[:, 7] == ord("-"))
    for col in (0, 1, 2, 3, 5, 6, 8, 9):
        ok &= isdig[:, col]
    year = np.zeros(chars.shape[0], np.int64)
    for col in range(4):
        year *= 10
        year += chars[:, col]
    year -= 48 * 1111
    if chars.shape[1] > 10:
        after = chars[:, 10]
        ok &= (after == 0) | (after == ord("T")) | (after == ord(" "))
    return year, ok


def _time_shape(chars: npt.NDArray[Any], isdig: Mask, cut: I64) -> Mask:
    """Whether the text before `cut` is a date alone or a date, ``T``/space and
    ``hh[:mm[:ss[.fff...]]]``: numpy then never sees text it could take for a time zone."""
    ok: Mask = (cut == 10) | (cut == 13) | (cut == 16) | (cut == 19) | (cut >= 21)
    timed = cut > 10
    width = chars.shape[1]
    for start in (11, 14, 17):
        need = timed & (cut >= start + 2)
        if need.any() and width >= start + 2:
            ok &= ~need | (isdig[:, start] & isdig[:, start + 1])
    for col, char in ((13, ":"), (16, ":"), (19, ".")):
        need = cut > col
        if need.any() and width > col:
            ok &= ~need | (chars[:, col] == ord(char))
    fraction = cut > 20
    if width > 20 and fraction.any():
        inside = np.arange(20, width) < cut[fraction, np.newaxis]
        ok[fraction] &= np.all(~inside | isdig[fraction, 20:], axis=1)
    return ok


def parse_iso(text: npt.NDArray[Any]) -> tuple[I64, Mask]:
    """Parse ISO 8601 strings (see the module docstring) into UTC nanoseconds.

    Returns
    -------
    ns : numpy.ndarray of int64
        Nanoseconds since the epoch (UTC); arbitrary where `ok` is false.
    ok : numpy.ndarray of bool
        Which strings parsed to an instant inside the ``datetime64[ns]`` range.

    Examples
    --------
    >>> ns, ok = parse_iso(np.array(["2024-01-02T03:00+01:00", "2024-01-02T02:00Z", "today"]))
    >>> ns.view("datetime64[ns]")[:2], ok
    (array(['2024-01-02T02:00:00.000000000', '2024-01-02T02:00:00.000000000'],
          dtype='datetime64[ns]'), array([ True,  True, False]))
    """
    n = text.shape[0]
    out = np.zeros(n, np.int64)
    chars = char_matrix(text)
    if chars.shape[1] < 10:
        return out, np.zeros(n, bool)
    isdig = _is_digit(chars)
    year, ok = _date_shape(chars, isdig)
    length = _lengths(text)
    cut, minutes, offset_ok = _offsets(chars, length)
    ok &= offset_ok & _time_shape(chars, isdig, cut)
    naive = _naive_text(text, chars, cut, length)
    # Years 1678-2261 fit datetime64[ns] whatever the time and offset; numpy's cast wraps
    # around silently outside, so the two boundary years go through microseconds.
    safe = ok & (year >= 1678) & (year <= 2261)
    edge = ok & ((year == 1677) | (year == 2262))
    parsed = np.zeros(n, bool)
    if safe.all():
        out, parsed = _cast(naive, "ns")
    elif safe.any():
        out[safe], parsed[safe] = _cast(naive[safe], "ns")
    out -= minutes * _NS_PER_MIN
    if edge.any():
        out[edge], parsed[edge] = _edge_years(naive[edge], chars[edge], cut[edge], minutes[edge])
    return out, parsed


def _edge_years(
    naive: npt.NDArray[Any], chars: npt.NDArray[Any], cut: I64, minutes: I64
) -> tuple[I64, Mask]:
    """Instants of the boundary years 1677 and 2262: microseconds from numpy's cast, then
    the fraction's seventh to ninth digits added exactly, then the range checked exactly."""
    us, good = _cast(naive, "us")
    us -= minutes * (_NS_PER_MIN // 1000)
    extra = np.zeros(us.shape, np.int64)
    for col in (26, 27, 28):  # "YYYY-MM-DDThh:mm:ss.ffffff" then the nanosecond digits
        extra *= 10
        if chars.shape[1] > col:
            extra += np.where(cut > col, chars[:, col].astype(np.int64) - 48, 0)
    lo, lo_rest = divmod(NS_MIN, 1000)
    hi, hi_rest = divmod(NS_MAX, 1000)
    good &= (us > lo) | ((us == lo) & (extra >= lo_rest))
    good &= (us < hi) | ((us == hi) & (extra <= hi_rest))
    us = np.where(good, us, 0)
    return us * 1000 + extra, good

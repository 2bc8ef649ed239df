"""Vectorized parsing of text instants in ``strptime`` formats.

ISO 8601 text is parsed by :func:`customer_kanban._core.iso.parse_iso`, re-exported
here; :func:`parse_format` parses text in a :class:`TimeFormat`.  Both take a 1-D ``str``
(or ``bytes``) array and return ``(ns, ok)``: the instants as ``int64`` nanoseconds since
the epoch (UTC) and a boolean mask of the strings that parsed.  Entries where ``ok`` is
false hold an arbitrary value.  Instants must fall inside the ``datetime64[ns]`` range
(1677-09-21 to 2262-04-11); those outside are not parseable.

The format is matched as Python's :func:`datetime.datetime.strptime` matches it
(a test holds the two equal): numeric fields with or without zero padding, names of
months and weekdays in English and in any case, 12-hour clocks with ``AM``/``PM``,
a run of white space in the format matching one or more white-space characters, and
the whole string consumed.  A numeric field takes as many digits as its widest form
(two for ``%m``, four for ``%Y``): where two numbers touch with no separator
(``%Y%m%d``) they must be zero-padded, as strptime's backtracking is not reproduced.
The strings are a matrix of code points and every
directive is matched column-wise for all rows at once; while every row has the same
layout the columns are read directly (the common zero-padded case).
"""

from __future__ import annotations

import re
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from customer_kanban._core.iso import char_matrix, parse_iso
from customer_kanban.errors import ValidationError

__all__ = ["TimeFormat", "parse_format", "parse_iso"]

I64 = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]
Pos = int | I64  # one column for every row, or one per row

_NS_PER_S = 10**9
_NS_MAX = 2**63 - 1
# The datetime64[ns] range in whole seconds (int64 nanoseconds, NaT excluded).
_MIN_S = -(2**63 - 1) // _NS_PER_S + 1
_MAX_S = _NS_MAX // _NS_PER_S
_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
#: Numeric directives: (fewest digits, most digits, smallest value, largest value).
_NUMBERS = {
    "Y": (4, 4, 0, 9999),
    "y": (2, 2, 0, 99),
    "m": (1, 2, 1, 12),
    "d": (1, 2, 1, 31),
    "H": (1, 2, 0, 23),
    "I": (1, 2, 1, 12),
    "M": (1, 2, 0, 59),
    "S": (1, 2, 0, 59),
    "f": (1, 6, 0, 999_999),
    "j": (1, 3, 1, 366),
}
_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_NAMES = {
    "b": [m[:3] for m in _MONTHS],
    "h": [m[:3] for m in _MONTHS],
    "B": _MONTHS,
    "a": [d[:3] for d in _DAYS],
    "A": _DAYS,
}
_SUPPORTED = "%Y %y %m %d %H %I %M %S %f %p %j %b %h %B %a %A %z %%"
# Python accepts a space before a one-digit day or 12-hour clock hour.
_SPACE_PADDED = frozenset("dI")


@attrs.frozen
class TimeFormat:
    """A parsed ``at_format``: its directives and literal text, in order.

    Attributes
    ----------
    pattern : str
        The format as given, e.g. ``"%d/%m/%Y %I:%M %p"``.
    tokens : tuple of (str, str)
        ``("field", letter)``, ``("literal", text)`` or ``("space", " ")``.

    Examples
    --------
    >>> TimeFormat.parse("%d/%m/%Y %H:%M").tokens[:3]
    (('field', 'd'), ('literal', '/'), ('field', 'm'))
    """

    pattern: str
    tokens: tuple[tuple[str, str], ...]

    @classmethod
    def parse(cls, pattern: object) -> TimeFormat:
        """Read a ``strptime`` format (directives: see the module docstring).

        Raises
        ------
        TypeError
            If `pattern` is not a string.
        customer_kanban.errors.ValidationError
            Unsupported or repeated directives, or no year, or neither month and day
            nor day of the year.
        """
        if not isinstance(pattern, str):
            raise TypeError(f"`at_format` must be a string, got {type(pattern).__name__}")
        tokens: list[tuple[str, str]] = []
        for token in re.findall(r"%.?|\s+|[^%\s]+", pattern, flags=re.DOTALL):
            if token == "%%":
                tokens.append(("literal", "%"))
            elif token.startswith("%"):
                tokens.append(("field", _directive(pattern, token)))
            elif token.isspace():
                tokens.append(("space", " "))
            else:
                tokens.append(("literal", token))
        letters = [v for kind, v in tokens if kind == "field"]
        _check_fields(pattern, letters)
        return cls(pattern, tuple(tokens))

    @property
    def letters(self) -> tuple[str, ...]:
        """The directive letters, in order."""
        return tuple(v for kind, v in self.tokens if kind == "field")


def _directive(pattern: str, token: str) -> str:
    letter = token[1:]
    if letter not in _NUMBERS and letter not in _NAMES and letter not in ("p", "z"):
        raise ValidationError(
            f"`at_format` {pattern!r} uses the unsupported directive {token!r}; "
            f"supported: {_SUPPORTED} and literal text"
        )
    return letter


def _check_fields(pattern: str, letters: list[str]) -> None:
    kinds = [{"h": "b"}.get(x, x) for x in letters]
    repeated = sorted({f"%{x}" for x in kinds if kinds.count(x) > 1})
    if repeated:
        raise ValidationError(f"`at_format` {pattern!r} repeats {' '.join(repeated)}")
    has = set(kinds)
    if not has & {"Y", "y"}:
        raise ValidationError(f"`at_format` {pattern!r} must contain a year (%Y or %y)")
    if "j" not in has and not ({"m", "b", "B"} & has and "d" in has):
        raise ValidationError(
            f"`at_format` {pattern!r} must contain a month (%m, %b or %B) and a day (%d), "
            "or the day of the year (%j)"
        )
    if len(has & {"m", "b", "B"}) > 1:
        raise ValidationError(f"`at_format` {pattern!r} gives the month twice")


# ---------------------------------------------------------------------------- matching


@attrs.define
class _Cursor:
    """Where each row's match has reached, and whether it still matches."""

    chars: npt.NDArray[Any]  # (n, width + 1) code points, a zero column at the end
    lengths: I64
    pos: Pos
    ok: Mask

    def at(self, offset: Pos = 0) -> npt.NDArray[Any]:
        """The code point `offset` columns past each row's position (0 past the end)."""
        last = self.chars.shape[1] - 1
        if isinstance(self.pos, int) and isinstance(offset, int):
            out: npt.NDArray[Any] = self.chars[:, min(self.pos + offset, last)]
            return out
        cols = np.minimum(self.pos + np.asarray(offset, np.int64), last)
        cols = np.broadcast_to(cols, self.lengths.shape)[:, np.newaxis]
        return np.take_along_axis(self.chars, cols, axis=1)[:, 0]

    def advance(self, width: I64 | int) -> None:
        """Move every row on by its `width`; collapse to one column when all agree."""
        pos = self.pos + width
        if not isinstance(pos, int):
            lo, hi = int(pos.min(initial=0)), int(pos.max(initial=0))
            pos = lo if lo == hi else pos
        self.pos = pos


def _lower(code: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """ASCII letters in lower case (other code points as they are)."""
    upper = (code >= 65) & (code <= 90)
    return np.where(upper, code + 32, code)


def _literal(cur: _Cursor, text: str) -> None:
    for k, char in enumerate(text.lower()):  # strptime matches literals in any case
        cur.ok &= _lower(cur.at(k)) == ord(char)
    cur.advance(len(text))


def _space(cur: _Cursor) -> None:
    """One or more white-space characters."""
    width = np.zeros(cur.lengths.shape, np.int64)
    going = np.ones(cur.lengths.shape, bool)
    for k in range(cur.chars.shape[1]):
        code = cur.at(k)
        going &= (code == 32) | ((code >= 9) & (code <= 13))
        if not going.any():
            break
        width += going
    cur.ok &= width > 0
    cur.advance(width)


def _number(cur: _Cursor, letter: str) -> I64:
    """The digits of a numeric directive: greedy up to its widest form, then range-checked."""
    fewest, most, lo, hi = _NUMBERS[letter]
    n = cur.lengths.shape[0]
    value = np.zeros(n, np.int64)
    width = np.zeros(n, np.int64)
    lead = np.zeros(n, np.int64)
    if letter in _SPACE_PADDED:  # " 5": a space, then one digit
        lead = ((cur.at(0) == 32) & (cur.at(1) >= 48) & (cur.at(1) <= 57)).astype(np.int64)
        cur.advance(lead)
    going = np.ones(n, bool)
    for k in range(most):
        digit = cur.at(k).astype(np.int64) - 48
        going &= (digit >= 0) & (digit <= 9)
        if not going.any():
            break
        value = np.where(going, value * 10 + digit, value)
        width += going
    cur.ok &= (width >= fewest) & ((lead == 0) | (width == 1))
    if letter == "f":  # a fraction of a second: its digits scaled to nanoseconds
        value = value * 10 ** (9 - width)
    else:
        cur.ok &= (value >= lo) & (value <= hi)
    cur.advance(width)
    return value


def _name(cur: _Cursor, letter: str) -> I64:
    """The 1-based index of the longest English name matched (month or weekday)."""
    n = cur.lengths.shape[0]
    found = np.zeros(n, np.int64)
    width = np.zeros(n, np.int64)
    lowered = [_lower(cur.at(k)) for k in range(max(len(s) for s in _NAMES[letter]))]
    for index, name in enumerate(_NAMES[letter], start=1):
        match = np.ones(n, bool)
        for k, char in enumerate(name):
            match &= lowered[k] == ord(char)
        better = match & (len(name) > width)
        found[better], width[better] = index, len(name)
    cur.ok &= width > 0
    cur.advance(width)
    return found


def _meridian(cur: _Cursor) -> I64:
    """``AM`` (0) or ``PM`` (1), in any case."""
    first, second = _lower(cur.at(0)), _lower(cur.at(1))
    cur.ok &= ((first == ord("a")) | (first == ord("p"))) & (second == ord("m"))
    cur.advance(2)
    pm: I64 = np.asarray(first == ord("p"), dtype=np.int64)
    return pm


def _zone(cur: _Cursor) -> I64:
    """A UTC offset in seconds: ``Z``, or ``±hh[:]mm[[:]ss]`` as Python reads it."""
    first = cur.at(0)
    zulu = first == ord("Z")
    sign = np.where(first == ord("-"), -1, 1)
    colon = (cur.at(3) == ord(":")).astype(np.int64)  # "+hh:mm" rather than "+hhmm"
    hours, minutes = _two_digits(cur, 1), _two_digits(cur, 3 + colon)
    good = ((first == ord("+")) | (first == ord("-"))) & (hours >= 0) & (hours < 24)
    good &= (minutes >= 0) & (minutes < 60)
    width = 5 + colon
    s_at = width + (cur.at(width) == ord(":"))
    seconds = _two_digits(cur, s_at)
    has_seconds = good & (seconds >= 0) & (seconds < 60)
    width = np.where(has_seconds, s_at + 2, width)
    offset = hours * 3600 + minutes * 60 + np.where(has_seconds, seconds, 0)
    cur.ok &= good | zulu
    cur.advance(np.where(zulu, 1, np.where(good, width, 0)))
    return np.where(zulu, 0, sign * offset)


def _two_digits(cur: _Cursor, offset: Pos) -> I64:
    """The two-digit number at `offset` columns past each position (-1 if not digits)."""
    tens = cur.at(offset).astype(np.int64) - 48
    ones = cur.at(offset + 1).astype(np.int64) - 48
    good = (tens >= 0) & (tens <= 9) & (ones >= 0) & (ones <= 9)
    return np.where(good, tens * 10 + ones, -1)


def parse_format(text: npt.NDArray[Any], fmt: TimeFormat) -> tuple[I64, Mask]:
    """Parse strings written in `fmt`; naive instants are UTC, ``%z`` offsets applied.

    Returns
    -------
    ns : numpy.ndarray of int64
        Nanoseconds since the epoch (UTC).
    ok : numpy.ndarray of bool
        Which strings match the format and name a valid instant.

    Examples
    --------
    >>> fmt = TimeFormat.parse("%d/%m/%Y %I:%M %p")
    >>> ns, ok = parse_format(np.array(["29/2/2016 1:16 PM", "1/13/2016 1:16 AM"]), fmt)
    >>> ns[:1].view("datetime64[ns]"), ok
    (array(['2016-02-29T13:16:00.000000000'], dtype='datetime64[ns]'), array([ True, False]))
    """
    n = text.shape[0]
    matrix = char_matrix(text)
    chars = np.zeros((n, matrix.shape[1] + 1), matrix.dtype)
    chars[:, : matrix.shape[1]] = matrix
    lengths = np.asarray(np.char.str_len(text), dtype=np.int64)
    cur = _Cursor(chars, lengths, 0, np.ones(n, bool))
    values: dict[str, I64] = {}
    for kind, value in fmt.tokens:
        if kind == "literal":
            _literal(cur, value)
        elif kind == "space":
            _space(cur)
        elif value in _NUMBERS:
            values[value] = _number(cur, value)
        elif value in _NAMES:
            values[value] = _name(cur, value)
        elif value == "p":
            values["p"] = _meridian(cur)
        else:
            values["z"] = _zone(cur)
    cur.ok &= np.asarray(cur.pos == lengths)  # nothing left over
    ns, valid = _instant(values, n)
    ok = cur.ok & valid
    return np.where(ok, ns, 0), ok


def _instant(values: dict[str, I64], n: int) -> tuple[I64, Mask]:
    """Nanoseconds from the fields matched, and which rows name a valid instant."""
    zero = np.zeros(n, np.int64)
    year = values["Y"] if "Y" in values else np.where(values["y"] <= 68, 2000, 1900) + values["y"]
    hour = values.get("H", zero)
    if "I" in values and "H" not in values:
        hour = values["I"] % 12 + 12 * values["p"] if "p" in values else values["I"]
    if "j" in values and not ("d" in values and ({"m", "b", "h", "B"} & set(values))):
        days, ok = _ordinal_days(year, values["j"])
    else:
        month = values.get("m", values.get("b", values.get("h", values.get("B", zero))))
        days, ok = _calendar_days(year, month, values["d"])
    seconds = days * 86_400 + hour * 3_600 + values.get("M", zero) * 60 + values.get("S", zero)
    seconds -= values.get("z", zero)
    fraction = values.get("f", zero)
    ok &= (seconds >= _MIN_S) & (
        (seconds < _MAX_S) | ((seconds == _MAX_S) & (fraction <= _NS_MAX % _NS_PER_S))
    )
    seconds = np.where(ok, seconds, 0)
    return seconds * _NS_PER_S + fraction, ok


def _is_leap(year: I64) -> Mask:
    leap: Mask = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    return leap


def _calendar_days(year: I64, month: I64, day: I64) -> tuple[I64, Mask]:
    """Days since the epoch of a calendar date, and which dates exist."""
    ok = (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1)
    month0 = np.clip(month - 1, 0, 11)
    ok &= day <= _DAYS_IN_MONTH[month0] + ((month0 == 1) & _is_leap(year))
    months = (np.clip(year, 1, 9999) - 1970) * 12 + month0
    days = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) + day - 1
    return days, ok


def _ordinal_days(year: I64, ordinal: I64) -> tuple[I64, Mask]:
    """Days since the epoch of the `ordinal` day of `year` (1 = 1 January).

    As ``datetime.strptime``: day 366 of a common year is 1 January of the next.
    """
    ok = (year >= 1) & (ordinal >= 1) & (ordinal <= 366) & ((year < 9999) | (ordinal <= 365))
    first = (np.clip(year, 1, 9999) - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    return first.astype(np.int64) + ordinal - 1, ok

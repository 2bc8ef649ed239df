"""Vectorized parsing of text instants in fixed-width ``strptime``-style formats.

ISO 8601 text is parsed by :func:`customer_kanban._core.iso.parse_iso`, re-exported
here.  Both parsers take a 1-D ``str`` (or ``bytes``) array and return ``(ns, ok)``: the
instants as ``int64`` nanoseconds since the epoch (UTC) and a boolean mask of the
strings that parsed.  Entries where ``ok`` is false hold an arbitrary value.
Instants must fall inside the ``datetime64[ns]`` range (1677-09-21 to 2262-04-11);
those outside are not parseable.
"""

from __future__ import annotations

import re
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from customer_kanban._core.iso import char_matrix, digits, parse_iso
from customer_kanban.errors import ValidationError

__all__ = ["FixedFormat", "parse_fixed", "parse_iso"]

I64 = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]

_NS_PER_S = 10**9
# The datetime64[ns] range in whole seconds (int64 nanoseconds, NaT excluded).
_MIN_S = -(2**63 - 1) // _NS_PER_S + 1
_MAX_S = (2**63 - 1) // _NS_PER_S
_FIELDS = {"Y": 4, "m": 2, "d": 2, "H": 2, "M": 2, "S": 2}
_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


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
        values[letter], digits_ok = digits(chars, col, _FIELDS[letter])
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

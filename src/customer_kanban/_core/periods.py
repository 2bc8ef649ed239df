"""Calendar periods for period-based metrics (throughput, cumulative flow).

Every period is identified by an integer *ordinal*, so binning instants is one
integer division (days, weeks) or one calendar cast (months):

* ``"D"``: calendar days, UTC; ordinal = days since 1970-01-01;
* ``"W"``: weeks starting on Monday 00:00 UTC; ordinal = weeks since Monday
  1969-12-29 (1970-01-01 was a Thursday);
* ``"M"``: calendar months, UTC; ordinal = months since 1970-01.

Instants are handled as their int64 nanosecond view; callers mask ``NaT``
first (its integer view is meaningless here).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from customer_kanban._core.instants import NS_PER_DAY
from customer_kanban._core.types import InstantArray, Int64Array
from customer_kanban._core.validation import choices_of

__all__ = ["FREQS", "Freq", "floor", "ordinal", "ordinals", "period_starts"]

#: A period of a period-based metric: calendar day, week from Monday, calendar month (UTC).
Freq = Literal["D", "W", "M"]
#: The values of :data:`Freq`, in order.
FREQS = choices_of(Freq)


# 1970-01-01 (day 0) is a Thursday: shifting days by 3 puts Monday at 0 mod 7.
_MONDAY_SHIFT = 3


def ordinals(ns: Int64Array, freq: str) -> Int64Array:
    """Period ordinal of each instant given as int64 nanoseconds since the epoch.

    Examples
    --------
    >>> t = np.array(["2024-01-07T23:00", "2024-01-08"], dtype="datetime64[ns]")
    >>> ordinals(t.view(np.int64), "W")  # Sunday, then the next Monday
    array([2818, 2819])
    """
    days = ns // NS_PER_DAY
    if freq == "D":
        return days
    if freq == "W":
        days += _MONDAY_SHIFT
        days //= 7
        return days
    months: Int64Array = ns.view("datetime64[ns]").astype("datetime64[M]").view(np.int64)
    return months


def ordinal(instant: np.datetime64, freq: str) -> int:
    """Period ordinal of one instant (not NaT)."""
    ns = np.asarray([instant], dtype="datetime64[ns]").view(np.int64)
    return int(ordinals(ns, freq)[0])


def period_starts(first: int, last: int, freq: str) -> InstantArray:
    """Start instants (``datetime64[ns]``) of the periods with ordinals ``first..last``.

    Examples
    --------
    >>> period_starts(648, 650, "M")
    array(['2024-01-01T00:00:00.000000000', '2024-02-01T00:00:00.000000000',
           '2024-03-01T00:00:00.000000000'], dtype='datetime64[ns]')
    """
    idx = np.arange(first, last + 1, dtype=np.int64)
    if freq == "M":
        return idx.astype("datetime64[M]").astype("datetime64[ns]")
    days = idx * 7 - _MONDAY_SHIFT if freq == "W" else idx
    out: InstantArray = (days * NS_PER_DAY).view("datetime64[ns]")
    return out


def floor(instants: InstantArray, freq: str) -> InstantArray:
    """Start of the period holding each instant; ``NaT`` stays ``NaT``.

    Examples
    --------
    >>> t = np.array(["2024-02-29T13:00", "NaT"], dtype="datetime64[ns]")
    >>> floor(t, "M")
    array(['2024-02-01T00:00:00.000000000', 'NaT'], dtype='datetime64[ns]')
    """
    ns = instants.astype("datetime64[ns]").view(np.int64)
    ords = ordinals(ns, freq)
    if freq == "M":
        out = ords.astype("datetime64[M]").astype("datetime64[ns]")
    else:
        days = ords * 7 - _MONDAY_SHIFT if freq == "W" else ords
        out = (days * NS_PER_DAY).view("datetime64[ns]")
    out[np.isnat(instants)] = np.datetime64("NaT", "ns")
    return out

"""Tests of calendar periods (customer_kanban._core.periods)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given

from customer_kanban._core.periods import floor, ordinal, ordinals, period_starts
from customer_kanban.testing._arrays import instant_arrays


def _floor_reference(value: np.datetime64, freq: str) -> np.datetime64:
    """Plain datetime arithmetic."""
    if np.isnat(value):
        return np.datetime64("NaT", "ns")
    d = value.astype("datetime64[us]").item()
    day = dt.datetime(d.year, d.month, d.day)
    if freq == "W":
        day -= dt.timedelta(days=day.weekday())  # Monday = 0
    elif freq == "M":
        day = day.replace(day=1)
    return np.datetime64(day, "ns")


@pytest.mark.parametrize(
    ("instant", "freq", "expected"),
    [
        ("2024-01-03T23:59:59", "D", "2024-01-03"),
        ("2024-01-07T23:00", "W", "2024-01-01"),  # Sunday -> Monday before
        ("2024-01-08T00:00", "W", "2024-01-08"),  # Monday stays
        ("2024-02-29T12:00", "M", "2024-02-01"),
        ("1969-12-31T23:00", "W", "1969-12-29"),  # before the epoch
        ("1969-12-31T23:00", "D", "1969-12-31"),
    ],
)
def test_floor_hand_cases(instant, freq, expected):
    got = floor(np.array([instant], dtype="datetime64[ns]"), freq)
    assert got[0] == np.datetime64(expected, "ns")


@pytest.mark.parametrize("freq", ["D", "W", "M"])
@given(instants=instant_arrays(span_days=400))
def test_floor_matches_datetime_reference(freq, instants):
    got = floor(instants, freq)
    expected = np.array([_floor_reference(v, freq) for v in instants], dtype="datetime64[ns]")
    assert np.array_equal(got, expected, equal_nan=True)


@pytest.mark.parametrize("freq", ["D", "W", "M"])
@given(instants=instant_arrays(span_days=400, allow_nat=False, min_size=1))
def test_period_starts_round_trip(freq, instants):
    ords = ordinals(instants.view(np.int64), freq)
    lo, hi = int(ords.min()), int(ords.max())
    starts = period_starts(lo, hi, freq)
    assert len(starts) == hi - lo + 1
    assert np.array_equal(starts[ords - lo], floor(instants, freq))
    assert ordinal(starts[0], freq) == lo

"""ISO 8601 parsing: offsets applied by the package, strict shapes, the datetime64[ns] range."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_kanban._core.instants import as_instant_array
from customer_kanban._core.iso import parse_iso
from customer_kanban.errors import ValidationError


def _ns(text: str) -> int:
    return int(np.datetime64(text, "ns").astype(np.int64))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-02", "2024-01-02T00:00"),
        ("2024-01-02T03", "2024-01-02T03:00"),
        ("2024-01-02 03:04", "2024-01-02T03:04"),
        ("2024-01-02T03:04:05", "2024-01-02T03:04:05"),
        ("2024-01-02T03:04:05.123456789", "2024-01-02T03:04:05.123456789"),
        ("2024-01-02T03:04Z", "2024-01-02T03:04"),
        ("2024-01-02T03:04+01:00", "2024-01-02T02:04"),
        ("2024-01-02T03:04-05:30", "2024-01-02T08:34"),
        ("2024-01-02T03:04:05.5+0200", "2024-01-02T01:04:05.5"),
        ("2024-01-02T03+02", "2024-01-02T01:00"),
        ("2024-01-01T00:30+01:00", "2023-12-31T23:30"),
    ],
)
def test_forms_and_offsets(text, expected):
    ns, ok = parse_iso(np.array([text]))
    assert ok.tolist() == [True]
    assert int(ns[0]) == _ns(expected)


@pytest.mark.parametrize(
    "text",
    [
        "today",
        "now",
        "20240102",
        "2024-01",
        "2024",
        " 2024-01-02",
        "2024-01-02T03:04junk",
        "2024-01-02T03:04+25:00",
        "2024-01-02T03:04+01:60",
        "2024-02-30",
        "2024-01-02T24:00",
        "0201-03-04",
        "9999-12-31",
        "1677-09-21T00:00",
        "2262-04-12",
        "2024-01-02Z",
    ],
)
def test_what_is_not_an_instant(text):
    _, ok = parse_iso(np.array([text]))
    assert ok.tolist() == [False]


def test_the_range_edges_are_exact():
    ns, ok = parse_iso(
        np.array(["1677-09-21T00:12:44", "2262-04-11T23:47:16", "2262-04-11T23:47:17"])
    )
    assert ok.tolist() == [True, True, False]
    assert ns[0] == np.datetime64("1677-09-21T00:12:44", "ns").astype(np.int64)
    # an offset can move an edge instant out of the range
    _, ok = parse_iso(np.array(["2262-04-11T23:47:16-01:00"]))
    assert ok.tolist() == [False]


def test_the_boundary_years_keep_every_nanosecond():
    # The first and last representable nanoseconds, and one past each.
    texts = np.array(
        [
            "1677-09-21T00:12:43.145224193",
            "1677-09-21T00:12:43.145224192",
            "2262-04-11T23:47:16.854775807",
            "2262-04-11T23:47:16.854775808",
            "1677-09-21T09:30:15.123456789",
            "2262-04-11T10:00:00.1234567+01:00",
        ]
    )
    ns, ok = parse_iso(texts)
    assert ok.tolist() == [True, False, True, False, True, True]
    expected = [np.datetime64(str(t)[:29], "ns").astype(np.int64) for t in texts[[0, 2, 4]]]
    assert ns[[0, 2, 4]].tolist() == expected
    assert ns[5] == np.datetime64("2262-04-11T09:00:00.1234567", "ns").astype(np.int64)


def test_numpy_time_zone_parsing_is_never_used():
    texts = np.array(["2024-01-02T03:04+01:00", "2024-01-02T03:04Z", "2024-01-02T03:04:05junk"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parse_iso(texts)
        as_instant_array(texts[:2], name="t")


@given(
    st.datetimes(min_value=dt.datetime(1700, 1, 1), max_value=dt.datetime(2200, 1, 1)),
    st.integers(-14 * 60, 14 * 60),
)
def test_any_offset_matches_the_standard_library(naive, minutes):
    tz = dt.timezone(dt.timedelta(minutes=minutes))
    aware = naive.replace(tzinfo=tz)
    text = aware.isoformat()  # e.g. 2024-01-02T03:04:05.123456+01:30
    ns, ok = parse_iso(np.array([text]))
    assert ok.tolist() == [True]
    utc = aware.astimezone(dt.timezone.utc).replace(tzinfo=None)
    assert int(ns[0]) == int(np.datetime64(utc, "ns").astype(np.int64))


def test_direct_calls_refuse_what_cannot_be_an_instant():
    with pytest.raises(ValidationError, match=r"`t` holds text that is not an ISO 8601 instant"):
        as_instant_array(["2024-01-02", "today"], name="t")
    with pytest.raises(ValidationError, match=r"in 1 row \(row 0\): '20240102'"):
        as_instant_array(["20240102"], name="t")
    with pytest.raises(ValidationError, match=r"outside the representable range"):
        as_instant_array(np.array(["9999-12-31"], dtype="datetime64[D]"), name="t")
    with pytest.raises(ValidationError, match=r"`t` row 0: .*outside the representable range"):
        as_instant_array(np.array([dt.datetime(9999, 12, 31)], dtype=object), name="t")
    with pytest.raises(TypeError, match=r"`t` must hold instants, not numbers: row 1 holds 2024"):
        as_instant_array(np.array(["2024-01-02", 2024], dtype=object), name="t")
    with pytest.raises(TypeError, match=r"`t` must hold instants, not numbers"):
        as_instant_array(np.array([1_700_000_000]), name="t")


def test_missing_spellings_are_nat():
    out = as_instant_array(["", "NaT", "nan", "None", "null", "2024-01-02"], name="t")
    assert np.isnat(out[:5]).all()
    assert out[5] == np.datetime64("2024-01-02", "ns")

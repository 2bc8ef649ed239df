"""Parsing of text instants: `at_format` against datetime.strptime, ISO 8601."""

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reading import read_log

from customer_kanban.errors import ValidationError
from customer_kanban.io._instants import TimeFormat, parse_format, parse_iso
from customer_kanban.model import Workflow

WF = Workflow(["Open", "Done"], "Open", "Done")
# The datetime64[ns] range in whole seconds.
LOWEST = dt.datetime(1677, 9, 21, 0, 12, 44)
HIGHEST = dt.datetime(2262, 4, 11, 23, 47, 16)


def _strptime(text, fmt):
    """The reference: datetime.strptime (aware results in UTC), within the ns range."""
    try:
        value = dt.datetime.strptime(text, fmt)
    except ValueError:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value if LOWEST <= value <= HIGHEST else None


def _ours(texts, fmt):
    ns, ok = parse_format(np.array(texts, dtype=str), TimeFormat.parse(fmt))
    return [
        (np.datetime64(int(v), "ns").astype("datetime64[us]").item() if good else None)
        for v, good in zip(ns.tolist(), ok.tolist(), strict=True)
    ]


_DIGITS = "0123456789"


def _number(lo, hi, width):
    """Zero-padded, unpadded and space-padded numbers, some out of range, or junk."""
    padded = st.integers(lo, hi).map(f"{{:0{width}d}}".format)
    plain = st.integers(lo, hi).map(str)
    spaced = st.integers(lo, hi).map(f"{{:{width}d}}".format)
    junk = st.text(_DIGITS + "x", min_size=1, max_size=width + 1)
    return st.one_of(padded, plain, spaced, junk)


_field = {
    "Y": st.one_of(
        st.integers(1600, 2300).map("{:04d}".format), st.text(_DIGITS + "a", min_size=3, max_size=5)
    ),
    "y": _number(0, 99, 2),
    "m": _number(0, 13, 2),
    "d": _number(0, 32, 2),
    "H": _number(0, 25, 2),
    "I": _number(0, 13, 2),
    "M": _number(0, 61, 2),
    "S": _number(0, 61, 2),
    "f": st.text(_DIGITS, min_size=1, max_size=7),
    "j": _number(0, 367, 3),
    "p": st.sampled_from(["AM", "PM", "am", "pM", "A", "XM"]),
    "b": st.sampled_from(["Jan", "feb", "SEP", "Sept", "May", "Mai", "Dec"]),
    "B": st.sampled_from(["January", "june", "Jun", "SEPTEMBER", "Sep", "Maybe"]),
    "a": st.sampled_from(["Mon", "tue", "Sunday", "Xyz"]),
    "z": st.sampled_from(["Z", "+0100", "-05:30", "+01", "+2400", "+01:00:30", "+0160", "z"]),
}
_PADDED = {letter: st.integers(0, 99).map("{:02d}".format) for letter in "mdHMS"}
FORMATS = [
    "%d-%m-%Y %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%m/%d/%Y",
    "%Y%m%d%H%M%S",
    "%H:%M %d.%m.%Y",
    "%d/%m/%Y %H:%M",
    "%m/%d/%y %I:%M %p",
    "%d %b %Y",
    "%B %d, %Y %I:%M:%S%p",
    "%a %d %b %Y",
    "%j/%Y",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%d  %H",
    "%Y%%%m%%%d",
]


@st.composite
def formatted(draw, fmt):
    """A string written in `fmt`, with fields sometimes out of range, unpadded or not
    digits, and now and then a wrong separator, a missing or an extra character."""
    out, k = [], 0
    while k < len(fmt):
        if fmt[k] == "%":
            letter = fmt[k + 1]
            # Adjacent numbers (no separator) must be zero-padded: strptime's regular
            # expression would backtrack into another split, which is not documented.
            field = _PADDED.get(letter, _field.get(letter)) if "%m%d" in fmt else _field.get(letter)
            out.append("%" if letter == "%" else draw(field))
            k += 2
        else:
            out.append(draw(st.sampled_from([fmt[k]] * 8 + ["/", "_", "  "])))
            k += 1
    text = "".join(out)
    # A cut or an extra digit in adjacent numbers is a width strptime would backtrack into
    # (refused here: see test_adjacent_numbers_must_be_padded).
    damages = ["lower", "upper"] if "%m%d" in fmt else ["cut", "extra", "lower", "upper"]
    damage = draw(st.sampled_from(["none"] * 6 + damages))
    if damage == "cut":
        text = text[:-1]
    elif damage == "extra":
        text += draw(st.sampled_from(["0", " ", "Z"]))
    elif damage in ("lower", "upper"):
        text = getattr(text, damage)()
    return text


def test_adjacent_numbers_must_be_padded():
    # strptime reads '1678010100700' as 00:07:00 by backtracking; a width short by one is
    # refused here, as documented.
    assert _ours(["1678010100700", "16780101000700"], "%Y%m%d%H%M%S") == [
        None,
        _strptime("16780101000700", "%Y%m%d%H%M%S"),
    ]


def test_day_366_of_a_common_year_is_the_next_new_year_as_strptime_says():
    assert _ours(["366/1677", "366/2024", "367/2024"], "%j/%Y") == [
        _strptime("366/1677", "%j/%Y"),
        _strptime("366/2024", "%j/%Y"),
        None,
    ]


@given(st.data())
def test_at_format_agrees_with_strptime(data):
    fmt = data.draw(st.sampled_from(FORMATS))
    texts = data.draw(st.lists(formatted(fmt), min_size=1, max_size=20))
    assert _ours(texts, fmt) == [_strptime(t, fmt) for t in texts]


@given(
    st.datetimes(
        min_value=dt.datetime(1700, 1, 1),
        max_value=dt.datetime(2200, 1, 1),
        timezones=st.sampled_from(
            [
                dt.timezone.utc,
                dt.timezone(dt.timedelta(hours=5, minutes=30)),
                dt.timezone(-dt.timedelta(hours=3)),
            ]
        ),
    ),
    st.sampled_from(FORMATS),
)
def test_at_format_reads_what_strftime_writes(value, fmt):
    text = value.strftime(fmt)
    assert _ours([text], fmt) == [_strptime(text, fmt)]
    assert _ours([text], fmt)[0] is not None


def test_the_servicenow_full_log_format():
    # Day and month without zero padding, as in the full ServiceNow log.
    texts = ["29/2/2016 01:16", "1/3/2016 9:05", "31/12/2016 23:59", "30/2/2016 01:16"]
    assert _ours(texts, "%d/%m/%Y %H:%M") == [
        dt.datetime(2016, 2, 29, 1, 16),
        dt.datetime(2016, 3, 1, 9, 5),
        dt.datetime(2016, 12, 31, 23, 59),
        None,
    ]


def test_twelve_hour_clocks_and_offsets():
    assert _ours(
        ["12/31/68 12:00 AM", "1/1/69 12:30 pm", "3/4/20 1:02 PM"], "%m/%d/%y %I:%M %p"
    ) == [
        dt.datetime(2068, 12, 31, 0, 0),
        dt.datetime(1969, 1, 1, 12, 30),
        dt.datetime(2020, 3, 4, 13, 2),
    ]
    assert _ours(["2024-01-01 00:00:00+01:30", "2024-01-01 00:00:00Z"], "%Y-%m-%d %H:%M:%S%z") == [
        dt.datetime(2023, 12, 31, 22, 30),
        dt.datetime(2024, 1, 1),
    ]


@pytest.mark.parametrize(
    ("fmt", "match"),
    [
        ("%H:%M", "must contain a year"),
        ("%Y-%m", "must contain a month"),
        ("%Y-%m-%d %Q", "unsupported directive '%Q'"),
        ("%Y-%m-%d %m", "repeats %m"),
        ("%Y-%b-%d %m", "gives the month twice"),
    ],
)
def test_unusable_formats_are_named(fmt, match):
    with pytest.raises(ValidationError, match=match):
        TimeFormat.parse(fmt)
    with pytest.raises(TypeError, match="`at_format` must be a string"):
        TimeFormat.parse(42)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("29-02-2016 10:00", dt.datetime(2016, 2, 29, 10, 0)),
        ("29-02-2000 23:59", dt.datetime(2000, 2, 29, 23, 59)),
        ("31-12-2261 00:00", dt.datetime(2261, 12, 31)),
        ("31-02-2016 10:00", None),
        ("29-02-2015 10:00", None),
        ("29-02-1900 10:00", None),
        ("31-04-2016 10:00", None),
        ("01-01-2016 24:00", None),
        ("01-01-2016 10:60", None),
        ("00-01-2016 10:00", None),
        ("01-00-2016 10:00", None),
        ("01-13-2016 10:00", None),
        ("1-01-2016 10:00", dt.datetime(2016, 1, 1, 10, 0)),
        ("01-01-2016 10:00 ", None),
        ("01-01-2016T10:00", None),
        ("01-01-3000 10:00", None),
        ("01-01-0000 10:00", None),
        ("", None),
    ],
)
def test_at_format_examples(text, expected):
    assert _ours([text], "%d-%m-%Y %H:%M") == [expected]


def test_at_format_with_percent_literal_and_bytes():
    fmt = TimeFormat.parse("%Y%%%m%%%d")
    ns, ok = parse_format(np.array([b"2024%01%31", b"2024-01-31"]), fmt)
    assert ok.tolist() == [True, False]
    assert ns[0] == np.datetime64("2024-01-31", "ns").astype(np.int64)


def test_at_format_in_read_event_log():
    log = {
        "item": ["A", "A", "B"],
        "state": ["Open", "Done", "Open"],
        "at": ["29-02-2016 01:23", "31-02-2016 08:53", "?"],
    }
    result = read_log(log, workflow=WF, at_format="%d-%m-%Y %H:%M", na_values=("?",))
    assert result.rejected.reasons.tolist() == ["unparseable instant", "missing instant"]
    assert result.rejected.rows.tolist() == [1, 2]
    assert result.table["requested_at"][0] == np.datetime64("2016-02-29T01:23", "ns")


@given(
    st.lists(
        st.datetimes(min_value=dt.datetime(1678, 1, 1), max_value=dt.datetime(2261, 12, 31)),
        max_size=10,
    )
)
def test_iso_round_trips_datetimes(values):
    texts = [v.isoformat(sep="T "[k % 2]) for k, v in enumerate(values)]
    ns, ok = parse_iso(np.array(texts, dtype=str))
    assert ok.all()
    expected = np.array(values, dtype="datetime64[us]").astype("datetime64[ns]")
    assert ns.tolist() == expected.view(np.int64).tolist()


def test_iso_error_path_spans_chunks():
    # More rows than one chunk of the error path, with bad strings in two chunks.
    texts = np.full(140_000, "2024-01-01T00:00", dtype="<U20")
    texts[7] = "2024-02-30"
    texts[100_000] = "2024-01-01T00:00junk"
    texts[139_999] = "2024-01-02"
    ns, ok = parse_iso(texts)
    assert np.flatnonzero(~ok).tolist() == [7, 100_000]
    assert ns[139_999] == np.datetime64("2024-01-02", "ns").astype(np.int64)
    assert ns[8] == np.datetime64("2024-01-01", "ns").astype(np.int64)


def test_iso_on_short_and_bytes_arrays():
    assert parse_iso(np.array(["2024"]))[1].tolist() == [False]
    ns, ok = parse_iso(np.array([b"2024-01-01T10:00", b"junk"]))
    assert ok.tolist() == [True, False]
    assert ns[0] == np.datetime64("2024-01-01T10:00", "ns").astype(np.int64)

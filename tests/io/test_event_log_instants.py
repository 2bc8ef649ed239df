"""Parsing of text instants: fixed-width `at_format` against datetime.strptime, ISO 8601."""

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reading import read_log

from customer_kanban.io._instants import FixedFormat, parse_fixed, parse_iso
from customer_kanban.model import Workflow

WF = Workflow(["Open", "Done"], "Open", "Done")
# The datetime64[ns] range in whole seconds.
LOWEST = dt.datetime(1677, 9, 21, 0, 12, 44)
HIGHEST = dt.datetime(2262, 4, 11, 23, 47, 16)


def _strptime(text, fmt):
    """The reference: datetime.strptime, within the datetime64[ns] range.

    Only strings of the format's full width count: strptime also reads shorter,
    unpadded fields ("1678010100000" for %Y%m%d%H%M%S), which a fixed-width format
    does not.  At full width, every strptime field has its full width too.
    """
    if len(text) != FixedFormat.parse(fmt).width:
        return None
    try:
        value = dt.datetime.strptime(text, fmt)
    except ValueError:
        return None
    return value if LOWEST <= value <= HIGHEST else None


def _ours(texts, fmt):
    ns, ok = parse_fixed(np.array(texts, dtype=str), FixedFormat.parse(fmt))
    return [
        (np.datetime64(int(v), "ns").astype("datetime64[us]").item() if good else None)
        for v, good in zip(ns.tolist(), ok.tolist(), strict=True)
    ]


_DIGITS = "0123456789"
_field = {
    "Y": st.one_of(
        st.integers(1600, 2300).map("{:04d}".format), st.text(_DIGITS + "a", min_size=4, max_size=4)
    ),
    "m": st.one_of(
        st.integers(0, 13).map("{:02d}".format), st.text(_DIGITS + "x", min_size=2, max_size=2)
    ),
    "d": st.one_of(
        st.integers(0, 32).map("{:02d}".format), st.text(_DIGITS + "x", min_size=2, max_size=2)
    ),
    "H": st.integers(0, 25).map("{:02d}".format),
    "M": st.integers(0, 61).map("{:02d}".format),
    "S": st.integers(0, 61).map("{:02d}".format),
}
FORMATS = ["%d-%m-%Y %H:%M", "%Y-%m-%dT%H:%M:%S", "%m/%d/%Y", "%Y%m%d%H%M%S", "%H:%M %d.%m.%Y"]


@st.composite
def formatted(draw, fmt):
    """A string written in `fmt`, with fields sometimes out of range or not digits,
    and now and then a wrong separator, a missing or an extra character."""
    out, k = [], 0
    while k < len(fmt):
        if fmt[k] == "%":
            out.append(draw(_field[fmt[k + 1]]))
            k += 2
        else:
            out.append(draw(st.sampled_from([fmt[k]] * 8 + ["/", "_"])))
            k += 1
    text = "".join(out)
    damage = draw(st.sampled_from(["none"] * 6 + ["cut", "extra"]))
    if damage == "cut":
        text = text[:-1]
    elif damage == "extra":
        text += draw(st.sampled_from(["0", " ", "Z"]))
    return text


@given(st.data())
def test_at_format_agrees_with_strptime(data):
    fmt = data.draw(st.sampled_from(FORMATS))
    texts = data.draw(st.lists(formatted(fmt), min_size=1, max_size=20))
    assert _ours(texts, fmt) == [_strptime(t, fmt) for t in texts]


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
        ("1-01-2016 10:00", None),
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
    fmt = FixedFormat.parse("%Y%%%m%%%d")
    assert fmt.width == 10
    ns, ok = parse_fixed(np.array([b"2024%01%31", b"2024-01-31"]), fmt)
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

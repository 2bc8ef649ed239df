"""The blockwise elapsed-days kernels equal the whole-array expressions to the bit, on one
thread or several, and leave every error to the whole-array checks that name the rows."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_kanban._core import threads
from customer_kanban.errors import ValidationError
from customer_kanban.metrics import lead_time, work_item_age
from customer_kanban.metrics.flow import _kernels

NAT = np.iinfo(np.int64).min
DAY = np.timedelta64(86_400 * 10**9, "ns")

instants = st.one_of(
    st.just(NAT),
    st.integers(-(2**62), 2**62),  # anything datetime64[ns] holds, NaT included
    st.integers(NAT + 1, 2**63 - 1),  # to the ends of int64: spans that wrap either way
    st.integers(1_600_000_000 * 10**9, 1_700_000_000 * 10**9),  # the usual range
)


def _arrays(draw_pairs):
    s = np.array([a for a, _ in draw_pairs], np.int64).view("datetime64[ns]")
    e = np.array([b for _, b in draw_pairs], np.int64).view("datetime64[ns]")
    return s, e


@pytest.fixture(autouse=True)
def _small_blocks(monkeypatch):
    """Blocks of 3 items and slices of 5 on 3 threads: every edge is exercised."""
    monkeypatch.setattr(_kernels, "BLOCK", 3)
    monkeypatch.setattr(threads, "MIN_SLICE", 5)
    monkeypatch.setenv("CUSTOMER_KANBAN_THREADS", "3")


@given(st.lists(st.tuples(instants, instants), max_size=60))
def test_lead_time_equals_the_whole_array_expression(pairs):
    s, e = _arrays(pairs)
    expected_ok = not (((e < s) & ~np.isnat(e) & ~np.isnat(s)).any())
    try:
        with np.errstate(over="ignore"):
            reference = (e - s) / DAY
    except OverflowError:  # pragma: no cover - numpy wraps, does not raise
        reference = None
    got = _kernels.elapsed_lead_time(s, e)
    spans_fit = _spans_fit(s, e)
    if expected_ok and spans_fit:
        assert got is not None
        np.testing.assert_array_equal(got, reference)  # bit for bit, NaN where NaT
    else:
        assert got is None


@given(st.lists(st.tuples(instants, instants), max_size=60), instants.filter(lambda v: v != NAT))
def test_age_equals_the_whole_array_expression(pairs, t):
    s, e = _arrays(pairs)
    as_of = np.int64(t).view("datetime64[ns]")
    known = ~np.isnat(s) & ~np.isnat(e)
    ordered = not ((e < s) & known).any()
    active = (s <= as_of) & ~(e <= as_of)
    fits = _spans_fit(s[active], np.full(int(active.sum()), as_of))
    got = _kernels.elapsed_age(s, e, as_of)
    if ordered and fits:
        with np.errstate(over="ignore"):
            reference = (np.where(active, as_of, np.datetime64("NaT", "ns")) - s) / DAY
        assert got is not None
        np.testing.assert_array_equal(got, reference)
    else:
        assert got is None


def _spans_fit(s, e):
    """Whether every known end - start fits int64 (a plain Python loop)."""
    for a, b in zip(s.view(np.int64).tolist(), e.view(np.int64).tolist(), strict=True):
        if NAT in (a, b):
            continue
        if not -(2**63) <= b - a < 2**63:
            return False
    return True


def test_one_thread_and_several_give_the_same_bits(monkeypatch):
    rng = np.random.default_rng(3)
    s = rng.integers(1_600_000_000, 1_650_000_000, 10_000) * 10**9
    e = s + rng.integers(0, 10**15, 10_000)
    e[rng.random(10_000) < 0.2] = NAT
    s, e = s.view("datetime64[ns]"), e.view("datetime64[ns]")
    monkeypatch.setenv("CUSTOMER_KANBAN_THREADS", "1")
    one = lead_time(s, e), work_item_age(s, e, as_of=s.max())
    monkeypatch.setenv("CUSTOMER_KANBAN_THREADS", "4")
    many = lead_time(s, e), work_item_age(s, e, as_of=s.max())
    for a, b in zip(one, many, strict=True):
        assert a.tobytes() == b.tobytes()


def test_the_errors_still_name_every_row():
    s = np.array(["2024-01-02", "2024-01-01", "2024-01-05", "2024-01-09"], "datetime64[ns]")
    e = np.array(["2024-01-01", "2024-01-03", "2024-01-04", "NaT"], "datetime64[ns]")
    with pytest.raises(
        ValidationError, match=r"`end` is before `start` in 2 rows \(row 0; row 2\)"
    ):
        lead_time(s, e)
    with pytest.raises(
        ValidationError, match=r"`end` is before `start` in 2 rows \(row 0; row 2\)"
    ):
        work_item_age(s, e, as_of="2024-02-01")
    old = np.array(["1700-01-01"], "datetime64[ns]")
    with pytest.raises(ValidationError, match="more than 292 years apart"):
        lead_time(old, np.array(["2200-01-01"], "datetime64[ns]"))
    with pytest.raises(ValidationError, match="more than 292 years apart"):
        work_item_age(old, np.array(["NaT"], "datetime64[ns]"), as_of="2200-01-01")


def test_the_calendar_options_are_checked_after_the_instants_as_before():
    s = np.array(["2024-01-02"], "datetime64[ns]")
    e = np.array(["2024-01-01"], "datetime64[ns]")
    with pytest.raises(ValidationError, match="`end` is before `start`"):
        lead_time(s, e, weekmask="xx")
    with pytest.raises(ValidationError, match="`weekmask` must be seven 0/1 characters"):
        lead_time(e, s, weekmask="xx")
    with pytest.raises(ValidationError, match="`weekmask` must be seven 0/1 characters"):
        work_item_age(e, s, as_of="2024-02-01", weekmask="xx")

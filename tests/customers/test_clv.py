"""Tests of customer lifetime value: purchase summaries, BG/NBD, Gamma-Gamma, closed form.

References: plain Python loops (``math``, scalar ``scipy.special``), figures
published by Fader, Hardie & Lee (2005) and in the ``lifetimes`` documentation,
the ``lifetimes`` package itself when it is importable, and a simulation of the
BG/NBD model.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import math
import warnings
import zlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import optimize, special

import customer_kanban.customers._clv as clv_module
from customer_kanban.customers._clv import (
    BGNBDFit,
    GammaGammaFit,
    PurchaseSummary,
    _bgnbd_log_likelihood,
    _bgnbd_objective,
    _gg_log_likelihood,
    _ln_hyp2f1,
    _Patterns,
    fit_bgnbd,
    fit_gamma_gamma,
    lifetime_value,
    purchase_summary,
    simple_lifetime_value,
)
from customer_kanban.datasets import CDNOW_AS_OF, load_cdnow
from customer_kanban.errors import InsufficientDataWarning, ValidationError

NAT = np.datetime64("NaT", "ns")

# The reference figures below use the paper's and lifetimes' parameter names; ours are
# descriptive (BGNBDFit, GammaGammaFit document each symbol).
BGNBD_NAMES = {"r": "purchase_shape", "alpha": "purchase_scale", "a": "dropout_a", "b": "dropout_b"}
GAMMA_GAMMA_NAMES = {"p": "spend_shape", "q": "mixing_shape", "v": "mixing_scale"}


def _ours(params):
    """Parameters by lifetimes' names -> by our field names."""
    names = {**BGNBD_NAMES, **GAMMA_GAMMA_NAMES}
    return {names[k]: v for k, v in params.items()}


def _bg_params(fit):
    """(r, alpha, a, b) of a BGNBDFit, in the paper's order."""
    return [getattr(fit, name) for name in BGNBD_NAMES.values()]


# Fader, Hardie & Lee (2005), "Counting your customers the easy way", on the CDNOW
# sample (2,357 customers, weeks 1-39), also in lifetimes' docs as r 0.24, alpha 4.41,
# a 0.79, b 2.43 ("fitted with 2357 subjects").
FHL_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
FHL_LOG_LIKELIHOOD = -9582.4
# lifetimes' docs, GammaGammaFitter on the same sample's 946 repeat customers.
LIFETIMES_DOCS_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "v": 15.45}
# Gamma-Gamma parameters for the lifetime value tests (lifetimes' docs, rounded).
GG_EXAMPLE = {"p": 6.25, "q": 3.74, "v": 15.44}
# lifetimes 0.11.3 (pandas 3.1.1, numpy 2.4.6, scipy 1.17.1) on the whole CDNOW log:
# summary_data_from_transaction_data(freq="D", observation_period_end="1998-06-30"),
# BetaGeoFitter().fit(...) and GammaGammaFitter().fit(...) on the repeat customers with
# monetary_value > 0 (one has 0).
LIFETIMES_FULL_BGNBD = {
    "r": 0.26712777455768094,
    "alpha": 41.90544762266701,
    "a": 0.4835169148279938,
    "b": 2.11160810258319,
}
LIFETIMES_FULL_GAMMA_GAMMA = {
    "p": 5.0860441072487905,
    "q": 3.9951207390118997,
    "v": 21.25223764487248,
}
# The master ids (1..23570) of the 2,357 customers of Fader & Hardie's 1/10 CDNOW sample
# (lifetimes/datasets/CDNOW_sample.txt, "CDNOW data, via the lifetimes package"): the
# gaps between sorted ids as uint8, zlib-compressed, base64.
FHL_SAMPLE_IDS = (
    "eNodltlyxDoOQ4uLVorUZneSuneq5v+/ctDzlJTdtiTgALSG/Kfb/COizWdS7O6Jc/P0rMm3Non32Wr032CPGEt5"
    "y7+FZ7M71tqX1Dm1/B5+aecT6Zit+cMPzXEul8KBt5R4Y1Mnn1K1zGS9zCHOZUqqvresFH3oojLZsLhqKzUzKe3e"
    "yszZJLE8bS+x7NeFwtoaM3L8LdFDMxXhdOa95EpiWuwenulvJPrl1am+dUrnKLEIp2i5pKyefT7PWmM9teqrjH3R"
    "yb3WPWmNkgLvPiqSUmEsvIy7aP7opVSNgp+rT75Gg7JaHS+PIaO7cll8Gmmr5TFu2lTCeB78l1Z89rh0TTtpzJen"
    "NYpjPaWjNc5y3ZKTVts38bjJ9mctprfkeldL2rA3uVPbOG3cZ1etMxJurIPDxfb8I1J5SOQRDFk6s+vdOmCHJM/M"
    "o5VGhxL0/CQOmI1LeTPvvHRAS4Wyst5ZE3tOped4d66vbsXB8GNK3iXbD8uvvK3FnImTQPkpHHFDqPR5Rovba5cm"
    "pUJPe9aZO2QvYED16PmDU2uWnkYpyqtEb1Fn+qS2YlvDvaH/vIsfztbz/MmRXd6xeual4tLfT+NaueahWc/X1DF9"
    "uQx4WXuRf3NtPFVLJixhjBMPUln6WqmRxrFwqLlW67diZfvCyhaZm8zX8Ey9xWm/C7d+a6w3BlEucT+13f0iE2I9"
    "CGxgGQ4zPYNuK2n+20fFsodXnqPMR+knpjHDlVKml9HSFEs7wXFLlqENvCjv1NKK9skAY6r/JvcPWVjW1DeAAeB8"
    "j+kvPWtPGR+xVcCrjkxtplZrTVLI0iw5wNxbQB8inHsHo9lomspADGHMuALExZMHyfF9Npf8AzlTa3m0nW0DlF3q"
    "3n7muI4/OmLzUFqWfDzqsg5eYYPh/V6fvwOPkjqdOzzJKqnkwjlPK5b5RJVcFxAqB5BsnY2zOHztlokTpXWjdKHU"
    "hsa/D/Txn49EbeuT/XennB1tROfQHroh1mF78Jwx8dEkLXxPYO7VW7w++GwPXwMRwTbsybgd2c5QrSV4/SYgQ5oM"
    "7t/k6C6uKaUA4FRrbynH0V4pfvRBLzSFd3BtJASUa+uKzBJ20QYkbTgXjTvXBd8NxxheJh7iNX3EFJoliB2LbeBX"
    "V8pdriKId0e+l8Xgaa9oVahr7lJt0UMwcYK6Ba5yUNnvme6ELWqViwulJDBdi6Z2Kmcy+pK1u8G1MT9byCD1lFau"
    "pfPLfjZwI09zvcVGFNtUbTKFfAa6/Y+7if+gbVHTk9i+fdrT9AcEETwwFpjLSDtKFK3jm6Ab/NA7aw+7re0zRkFD"
    "9iR8TeRdeNNgDfp2CNJ+IlpNkdGBAUzXg+Y71kxpzt2stGFt5HZ2kKOtRyinWHlF1qrCI/mEqC+h83Yp2f/mRQ69"
    "9vTAz7WQFvR1ura+LVfquWisYZZKgz53ci+fWuSfmXUShgv2WRD60PZcGRNoQhHLEqOAs4VLgsGBHfSzsa24e6Bz"
    "BMNpgKBnfgPTr9YMP7Z6RVDPKng1BieH1/+z+o2lq6YjH3Azm2+ZaqvVgQasCOHkL5lAvFU5rc+xZcPVb8p+Jibw"
    "wpA6Ej7cMGvBPSvX0WMhUuZQ67cCBhfRjt4wDyixIiB+0o7ahJv7W1nn9eLIRm+r2diYko0b74I5wRdE1EGvyRh+"
    "ILh0TA6sFCitkSajdFD+BUO5YOyhKgMtdxyDBQvuvjQjMvv5McEXhctXAC+V3QNZz/wAohX32wH2Ix9pXKoub7Vr"
    "+o6oZznaCaV5eOCToWPLSECgA2xPJD3wTUKE7okz1zcQvbbpyIfHF4kqsf+8516iFYx2VM7dpgb2pUrDcPg4xmig"
    "K1wLPiW0sL5MSPdgiDVQGj5OQqf3rBC5IRkLHyvoJ6Aq7P8DEmFcEg=="
)


def _sample_ids() -> np.ndarray:
    gaps = np.frombuffer(zlib.decompress(base64.b64decode(FHL_SAMPLE_IDS)), dtype=np.uint8)
    return np.cumsum(gaps.astype(np.int64))


@functools.cache
def _cdnow():
    t = load_cdnow()
    codes, labels = t.codes("customer")
    return (codes, labels), t["at"], t["revenue"]


@functools.cache
def _cdnow_summary() -> PurchaseSummary:
    customer, at, value = _cdnow()
    return purchase_summary(at, value, by=customer, as_of=CDNOW_AS_OF)


@functools.cache
def _fhl_summary() -> PurchaseSummary:
    """The calibration data of FHL 2005: the sample, weeks (7 days) up to 1997-09-30."""
    (codes, labels), at, value = _cdnow()
    rows = np.isin(labels.astype(np.int64)[codes], _sample_ids())
    return purchase_summary(
        at[rows], value[rows], by=labels[codes[rows]], as_of="1997-09-30", period=7
    )


def _quiet(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        return function(*args, **kwargs)


def _as_dict(fit, names):
    """The fitted parameters by lifetimes' names."""
    ours = {**BGNBD_NAMES, **GAMMA_GAMMA_NAMES}
    return {name: getattr(fit, ours[name]) for name in names}


# =========================================================================== summary


def _reference_summary(customers, instants, values, as_of, period):
    """The rules of lifetimes' summary_data_from_transaction_data, one row at a time."""

    def day(t):
        return t.astype("datetime64[us]").item().date()

    def floor(d):
        if period == "W":
            return d - dt.timedelta(days=d.weekday())
        if period == "M":
            return (d.year, d.month)
        return d

    def between(p1, p0):
        if period == "M":
            return float((p1[0] - p0[0]) * 12 + p1[1] - p0[1])
        days = (p1 - p0).days
        if period == "W":
            return days / 7
        return days / (1.0 if period == "D" else float(period))

    rows = [
        (c, t, v)
        for c, t, v in zip(customers, instants, values, strict=True)
        if c is not None and not np.isnat(t)
    ]
    if not rows:
        return {}, (None if as_of is None else np.datetime64(as_of, "ns"))
    end = max(t for _, t, _ in rows) if as_of is None else np.datetime64(as_of, "ns")
    last_period = floor(day(end))
    out = {}
    for c in sorted({c for c, _, _ in rows}):
        mine = [(t, v) for cc, t, v in rows if cc == c and floor(day(t)) <= last_period]
        if not mine:
            continue
        sums = {}
        for t, v in mine:
            p = floor(day(t))
            sums[p] = sums.get(p, 0.0) + v
        periods = sorted(sums)
        repeat = [sums[p] for p in periods[1:]]
        monetary = sum(repeat) / len(repeat) if repeat else 0.0
        out[c] = {
            "frequency": len(periods) - 1,
            "recency": between(periods[-1], periods[0]),
            "T": between(last_period, periods[0]),
            "monetary": monetary,
            "first": min(t for t, _ in mine),
            "n_transactions": len(mine),
        }
    return out, end


@st.composite
def transactions(draw):
    n = draw(st.integers(0, 25))
    customers = draw(st.lists(st.sampled_from(["a", "b", "c", "d", None]), min_size=n, max_size=n))
    # Around the epoch too, where flooring negative day numbers matters.
    base = draw(st.sampled_from(["1969-12-20", "2024-02-20"]))
    seconds = draw(st.lists(st.integers(0, 90 * 86_400), min_size=n, max_size=n))
    instants = np.datetime64(base, "ns") + np.array(seconds, dtype="timedelta64[s]")
    missing = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    instants[np.array(missing, dtype=bool) & (np.arange(n) % 4 == 0)] = NAT
    values = draw(
        st.lists(
            st.one_of(st.floats(-50, 500, allow_nan=False), st.just(np.nan)),
            min_size=n,
            max_size=n,
        )
    )
    as_of = draw(st.one_of(st.none(), st.integers(0, 100 * 86_400)))
    if as_of is not None:
        as_of = np.datetime64(base, "ns") + np.timedelta64(as_of, "s")
    period = draw(st.sampled_from(["D", "W", "M", 7, 2.5]))
    labels = np.empty(n, dtype=object)
    labels[:] = customers
    return labels, instants, np.array(values, dtype=np.float64), as_of, period


@given(transactions())
def test_summary_matches_a_plain_loop(data):
    customers, instants, values, as_of, period = data
    s = purchase_summary(instants, values, by=customers, as_of=as_of, period=period)
    ref, end = _reference_summary(customers, instants, values, as_of, period)
    assert s.groups.tolist() == list(ref)
    assert s.period == period
    if end is None:
        assert np.isnat(s.as_of)
    else:
        assert s.as_of == end
    for field in ("frequency", "n_transactions"):
        assert getattr(s, field).tolist() == [r[field] for r in ref.values()]
    for field in ("recency", "T", "monetary"):
        np.testing.assert_allclose(
            getattr(s, field), [r[field] for r in ref.values()], rtol=1e-12, atol=1e-9
        )
    assert s.first.tolist() == [r["first"].item() for r in ref.values()]
    assert s.frequency.dtype == np.int64
    assert s.first.dtype == np.dtype("datetime64[ns]")


@given(transactions(), st.randoms(use_true_random=False))
def test_summary_is_invariant_to_row_order_and_label_form(data, random):
    customers, instants, values, as_of, period = data
    s = purchase_summary(instants, values, by=customers, as_of=as_of, period=period)
    order = list(range(len(customers)))
    random.shuffle(order)
    shuffled = purchase_summary(
        instants[order], values[order], by=customers[order], as_of=as_of, period=period
    )
    np.testing.assert_allclose(shuffled.monetary, s.monetary, rtol=1e-12, atol=1e-9)
    assert shuffled == PurchaseSummary(  # same but for summation order in `monetary`
        **{**attrs_dict(s), "monetary": shuffled.monetary}
    )
    # (codes, labels) with an extra label nobody uses: the same customers.
    names = np.array(["a", "b", "c", "d", "zz"], dtype=object)
    codes = np.array([-1 if c is None else "abcd".index(c) for c in customers], dtype=np.int64)
    by_codes = purchase_summary(instants, values, by=(codes, names), as_of=as_of, period=period)
    assert by_codes.groups.tolist() == s.groups.tolist()
    assert by_codes.frequency.tolist() == s.frequency.tolist()


def attrs_dict(obj):
    import attrs

    return attrs.asdict(obj, recurse=False)


def test_summary_by_hand_days_weeks_months():
    customer = ["A", "A", "A", "A", "B", "B"]
    at = [
        "2024-01-01T09:00",  # Monday
        "2024-01-07T23:00",  # Sunday: same week as the Monday
        "2024-01-08",  # next Monday
        "2024-02-29",
        "2024-01-31",
        "2024-02-01",
    ]
    value = [10.0, 5.0, 20.0, 30.0, 8.0, 12.0]
    d = purchase_summary(at, value, by=customer, as_of="2024-03-04T12:00")
    assert d.frequency.tolist() == [3, 1]
    assert d.recency.tolist() == [59.0, 1.0]
    assert d.T.tolist() == [63.0, 33.0]
    assert d.monetary.tolist() == [(5 + 20 + 30) / 3, 12.0]
    assert d.n_transactions.tolist() == [4, 2]
    assert str(d.first[0]) == "2024-01-01T09:00:00.000000000"
    assert str(d.as_of) == "2024-03-04T12:00:00.000000000"
    w = purchase_summary(at, value, by=customer, as_of="2024-03-04T12:00", period="W")
    # Monday 1 and Sunday 7 January merge, so do Wednesday 31 Jan and Thursday 1 Feb.
    assert w.frequency.tolist() == [2, 0]
    assert w.recency.tolist() == [8.0, 0.0]  # week of 26 Feb - week of 1 Jan
    assert w.T.tolist() == [9.0, 5.0]  # week of 4 Mar - week of 1 Jan / of 29 Jan
    assert w.monetary.tolist() == [25.0, 0.0]  # repeat weeks: 20 and 30
    m = purchase_summary(at, value, by=customer, as_of="2024-03-04", period="M")
    assert m.frequency.tolist() == [1, 1]
    assert m.recency.tolist() == [1.0, 1.0]
    assert m.T.tolist() == [2.0, 2.0]
    assert m.monetary.tolist() == [30.0, 12.0]
    k = purchase_summary(at, value, by=customer, as_of="2024-03-04", period=7)
    np.testing.assert_allclose(k.recency, [59 / 7, 1 / 7])
    np.testing.assert_allclose(k.T, [63 / 7, 33 / 7])
    assert k.frequency.tolist() == d.frequency.tolist()


def test_summary_as_of_cuts_later_periods_and_customers():
    customer = [1, 1, 2, 3]
    at = ["2024-01-01", "2024-01-10T20:00", "2024-01-11", "2024-01-02"]
    s = purchase_summary(at, [1.0, 2.0, 3.0, 4.0], by=customer, as_of="2024-01-10T08:00")
    # The 20:00 purchase is in as_of's day (kept, as lifetimes floors both); customer 2
    # first bought after as_of and is left out.
    assert s.groups.tolist() == [1, 3]
    assert s.frequency.tolist() == [1, 0]
    assert s.T.tolist() == [9.0, 8.0]
    assert s.monetary.tolist() == [2.0, 0.0]
    none = purchase_summary(at, by=customer, as_of="2023-12-31")
    assert len(none.groups) == 0
    assert str(none.as_of) == "2023-12-31T00:00:00.000000000"


def test_summary_missing_values_and_customers():
    customer = np.array(["a", "a", "a", None, "b", "b"], dtype=object)
    at = np.array(
        ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-09", "NaT", "2024-01-05"],
        dtype="datetime64[ns]",
    )
    s = purchase_summary(at, [np.nan, 4.0, 6.0, 100.0, 1.0, 2.0], by=customer)
    assert s.groups.tolist() == ["a", "b"]
    assert s.n_transactions.tolist() == [3, 1]  # the NaT and the customer-less row left out
    assert str(s.as_of)[:10] == "2024-01-05"  # latest instant of a row with a customer
    assert s.monetary.tolist() == [5.0, 0.0]  # a NaN first period is not in `monetary`
    nan_repeat = purchase_summary(["2024-01-01", "2024-01-02"], [1.0, np.nan], by=["a", "a"])
    assert np.isnan(nan_repeat.monetary[0])
    no_value = purchase_summary(["2024-01-01", "2024-01-02"], by=["a", "a"])
    assert np.isnan(no_value.monetary).all()
    assert no_value.frequency.tolist() == [1]


def test_summary_degenerate_inputs():
    empty = purchase_summary(np.array([], dtype="datetime64[ns]"), [], by=[])
    assert len(empty.groups) == 0
    assert np.isnat(empty.as_of)
    assert empty.frequency.dtype == np.int64
    all_nat = purchase_summary(np.array(["NaT"], dtype="datetime64[ns]"), by=["a"])
    assert len(all_nat.groups) == 0
    one = purchase_summary(["2024-05-05"], [9.0], by=["a"])
    assert (one.frequency.tolist(), one.recency.tolist(), one.T.tolist()) == ([0], [0.0], [0.0])
    assert one.monetary.tolist() == [0.0]
    empty_labels = purchase_summary([], [], by=(np.array([], np.intp), ["x", "y"]))
    assert empty_labels.groups.tolist() == []


def test_summary_serialises_and_compares():
    s = purchase_summary(["2024-01-01", "2024-01-02", "2024-01-05"], [1, 2, 3], by=["a", "b", "a"])
    data = json.loads(s.to_json())
    assert data["frequency"] == [1, 0]
    assert data["first"][0].startswith("2024-01-01T00:00:00")
    assert data["period"] == "D"
    assert s == purchase_summary(
        ["2024-01-01", "2024-01-02", "2024-01-05"], [1, 2, 3], by=["a", "b", "a"]
    )
    assert s != purchase_summary(
        ["2024-01-01", "2024-01-02", "2024-01-06"], [1, 2, 3], by=["a", "b", "a"]
    )
    no_value = purchase_summary(["2024-01-01"], by=["a"])
    assert no_value == purchase_summary(["2024-01-01"], by=["a"])  # NaN monetary compares equal


def test_summary_invalid_inputs():
    at = ["2024-01-01", "2024-01-02"]
    with pytest.raises(ValidationError, match=r"`period` must be one of 'D', 'W', 'M' or a number"):
        purchase_summary(at, by=["a", "b"], period="Q")
    with pytest.raises(ValidationError, match=r"`period` as a number of days must be > 0"):
        purchase_summary(at, by=["a", "b"], period=0)
    with pytest.raises(TypeError, match=r"`period` must be 'D', 'W', 'M' or a number of days"):
        purchase_summary(at, by=["a", "b"], period=True)
    with pytest.raises(ValidationError, match=r"`at` and `value` must have the same length"):
        purchase_summary(at, [1.0], by=["a", "b"])
    with pytest.raises(ValidationError, match=r"`at` and `by` must have the same length"):
        purchase_summary(at, by=["a"])
    with pytest.raises(ValidationError, match=r"`by` codes must lie in \[-1, 0\].*row 1"):
        purchase_summary(at, by=(np.array([0, 3]), ["x"]))
    with pytest.raises(TypeError, match=r"`by` is required: the customer of each transaction"):
        purchase_summary(at, by=None)
    with pytest.raises(TypeError, match=r"`at` must hold instants"):
        purchase_summary([1.5, 2.5], by=["a", "b"])
    with pytest.raises(ValidationError, match=r"`as_of` must be one instant"):
        purchase_summary(at, by=["a", "b"], as_of=["2024-01-01", "2024-01-02"])
    with pytest.raises(TypeError, match=r"`value` must hold numbers"):
        purchase_summary(at, ["x", "y"], by=["a", "b"])
    with pytest.raises(TypeError, match=r"missing 1 required keyword-only argument: 'by'"):
        purchase_summary(at, [1.0, 2.0])  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"from 1 to 2 positional arguments but 3 were given"):
        purchase_summary(["a", "b"], at, [1.0, 2.0])  # type: ignore[misc]


def test_summary_of_cdnow_matches_the_fhl_calibration_data():
    s = _fhl_summary()
    assert len(s.groups) == 2357
    assert int((s.frequency > 0).sum()) == 946  # lifetimes: "fitted with 946 subjects"
    # Rows 1 and 2 of lifetimes' cdnow_customers_summary_with_transactions.csv
    # (master ids 4 and 21): x, t_x, T, zbar.
    for master, (x, tx, T, zbar) in {
        4: (2, 30.43, 38.86, 22.35),
        21: (1, 1.71, 38.86, 11.77),
    }.items():
        i = s.groups.tolist().index(f"{master:05d}")
        assert s.frequency[i] == x
        assert s.recency[i] == pytest.approx(tx, abs=0.005)
        assert s.T[i] == pytest.approx(T, abs=0.005)
        assert s.monetary[i] == pytest.approx(zbar, abs=0.005 + 1e-9)
    # Master id 314 bought twice on 13 January 1997: one period, values summed.
    i = s.groups.tolist().index("00314")
    assert (s.frequency[i], s.monetary[i]) == (1, pytest.approx(166.89 + 60.25))


# =========================================================================== BG/NBD


def _bgnbd_ll_loop(r, alpha, a, b, x, tx, T, w=None):
    """FHL 2005 eq. 6 summed over customers, one customer at a time."""
    total = 0.0
    for i in range(len(x)):
        xi, txi, Ti = int(x[i]), float(tx[i]), float(T[i])
        a1 = math.lgamma(r + xi) - math.lgamma(r) + r * math.log(alpha)
        a2 = math.lgamma(a + b) + math.lgamma(b + xi) - math.lgamma(b) - math.lgamma(a + b + xi)
        a3 = -(r + xi) * math.log(alpha + Ti)
        if xi > 0:
            a4 = math.log(a) - math.log(b + xi - 1) - (r + xi) * math.log(alpha + txi)
            top = max(a3, a4)
            last = top + math.log(math.exp(a3 - top) + math.exp(a4 - top))
        else:
            last = a3
        total += (1.0 if w is None else float(w[i])) * (a1 + a2 + last)
    return total


def _histories(seed, n, r=0.5, alpha=6.0, a=0.9, b=2.5):
    """Histories drawn from the BG/NBD model, ``t_x`` rounded up to whole periods.

    Purchases while alive form a Poisson process of rate lambda ~ Gamma(r, 1/alpha);
    the customer leaves right after the K-th repeat purchase, K ~ Geometric(p),
    p ~ Beta(a, b). Given N purchases in (0, T], the K-th is at T * Beta(K, N - K + 1).
    """
    rng = np.random.default_rng(seed)
    T = rng.integers(1, 60, n).astype(float)
    lam = rng.gamma(r, 1 / alpha, n)
    k = rng.geometric(rng.beta(a, b, n))
    purchases = rng.poisson(lam * T)
    x = np.minimum(purchases, k)
    tx = np.zeros(n)
    some = x > 0
    tx[some] = np.ceil(T[some] * rng.beta(x[some], purchases[some] - x[some] + 1))
    return x.astype(float), np.clip(tx, 1.0, T) * some, T


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bgnbd_log_likelihood_and_gradient_match_a_loop(seed):
    x, tx, T = _histories(seed, 300)
    w = np.random.default_rng(seed).integers(1, 4, 300).astype(float)
    data = _Patterns(x, tx, T, w)
    assert data.w.sum() == w.sum()
    assert len(data.x) < len(x)  # duplicates were grouped
    params = np.array([0.7, 3.0, 1.3, 2.2])
    ll, grad = _bgnbd_log_likelihood(params, data, scale=1.0, gradient=True, per_pattern=False)
    assert ll == pytest.approx(_bgnbd_ll_loop(*params, x, tx, T, w), rel=1e-12)
    # Time scaling only shifts the log-likelihood by sum(w x) ln(scale).
    scale = 1 / 60
    scaled = params * [1, scale, 1, 1]
    ll_s, _ = _bgnbd_log_likelihood(scaled, data, scale=scale, gradient=False, per_pattern=False)
    assert ll_s == pytest.approx(ll - np.dot(w, x) * math.log(scale), rel=1e-12)

    def f(log_params):
        return _bgnbd_log_likelihood(
            np.exp(log_params), data, scale=1.0, gradient=False, per_pattern=False
        )[0]

    numeric = optimize.approx_fprime(np.log(params), f, 1e-6)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-4)
    for penalizer in (0.0, 0.3):
        obj = functools.partial(_bgnbd_objective, data=data, scale=scale, penalizer=penalizer)
        point = np.log(scaled)
        numeric = optimize.approx_fprime(point, lambda p, obj=obj: obj(p)[0], 1e-7)
        np.testing.assert_allclose(obj(point)[1], numeric, rtol=1e-5, atol=1e-7)


def test_bgnbd_on_cdnow_matches_the_published_figures():
    s = _fhl_summary()
    fit = fit_bgnbd(s.frequency, s.recency, s.T)
    assert fit.converged
    assert fit.n == 2357
    for name, value in FHL_BGNBD.items():
        assert getattr(fit, BGNBD_NAMES[name]) == pytest.approx(value, rel=0.01), name
        assert round(getattr(fit, BGNBD_NAMES[name]), 3) == value, name  # three decimals
    assert {k: round(v, 2) for k, v in _as_dict(fit, FHL_BGNBD).items()} == {
        "r": 0.24,
        "alpha": 4.41,
        "a": 0.79,
        "b": 2.43,
    }  # lifetimes' documentation
    assert fit.log_likelihood == pytest.approx(FHL_LOG_LIKELIHOOD, abs=0.05)
    assert fit.log_likelihood == pytest.approx(
        _bgnbd_ll_loop(*_bg_params(fit), s.frequency, s.recency, s.T), rel=1e-12
    )
    # FHL 2005: customer ID 1 (x = 2, t_x = 30.43, T = 38.86) is expected to make
    # 1.226 purchases in the next 39 weeks.
    bg = BGNBDFit(log_likelihood=np.nan, n=0, converged=True, **_ours(FHL_BGNBD))
    assert bg.expected_purchases(39, 2, 30.43, 38.86)[0] == pytest.approx(1.226, abs=5e-4)


def test_bgnbd_on_the_whole_cdnow_log_matches_lifetimes():
    s = _cdnow_summary()
    fit = fit_bgnbd(s.frequency, s.recency, s.T)
    assert fit.converged
    assert fit.n == 23_570
    for name, value in LIFETIMES_FULL_BGNBD.items():
        assert getattr(fit, BGNBD_NAMES[name]) == pytest.approx(value, rel=1e-4), name


def test_bgnbd_is_a_local_maximum():
    s = _fhl_summary()
    fit = fit_bgnbd(s.frequency, s.recency, s.T)
    best = _bgnbd_ll_loop(*_bg_params(fit), s.frequency, s.recency, s.T)
    for k in range(4):
        for sign in (-1, 1):
            p = _bg_params(fit)
            p[k] *= 1 + sign * 1e-3
            assert _bgnbd_ll_loop(*p, s.frequency, s.recency, s.T) < best


def test_bgnbd_weights_equal_repeated_rows_and_penalizer_shrinks():
    x, tx, T = _histories(5, 400)
    w = np.random.default_rng(5).integers(1, 5, 400)
    weighted = fit_bgnbd(x, tx, T, weights=w)
    repeated = fit_bgnbd(np.repeat(x, w), np.repeat(tx, w), np.repeat(T, w))
    for name in BGNBD_NAMES.values():
        assert getattr(weighted, name) == pytest.approx(getattr(repeated, name), rel=1e-6)
    assert weighted.log_likelihood == pytest.approx(repeated.log_likelihood, rel=1e-10)
    assert (weighted.n, repeated.n) == (400, int(w.sum()))
    penalized = fit_bgnbd(x, tx, T, weights=w, penalizer=0.5)
    assert penalized.penalizer == 0.5
    assert penalized.log_likelihood < weighted.log_likelihood

    def size(f):
        return (
            f.purchase_shape**2
            + (f.purchase_scale / T.max()) ** 2
            + f.dropout_a**2
            + f.dropout_b**2
        )

    assert size(penalized) < size(weighted)


def test_bgnbd_methods_match_closed_forms_by_loop():
    fit = BGNBDFit(log_likelihood=np.nan, n=0, converged=True, **_ours(FHL_BGNBD))
    x, tx, T = _histories(3, 60)
    t = np.linspace(0.0, 80.0, 60)
    expected, alive = [], []
    for ti, xi, txi, Ti in zip(t, x, tx, T, strict=True):
        r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
        hyp = special.hyp2f1(r + xi, b + xi, a + b + xi - 1, ti / (alpha + Ti + ti))
        numerator = (
            (a + b + xi - 1) / (a - 1) * (1 - ((alpha + Ti) / (alpha + Ti + ti)) ** (r + xi) * hyp)
        )
        odds = a / (b + xi - 1) * ((alpha + Ti) / (alpha + txi)) ** (r + xi) if xi > 0 else 0.0
        expected.append(numerator / (1 + odds))
        alive.append(1 / (1 + odds))
    np.testing.assert_allclose(fit.expected_purchases(t, x, tx, T), expected, rtol=1e-10)
    np.testing.assert_allclose(fit.probability_alive(x, tx, T), alive, rtol=1e-12)
    new = []
    for ti in t:
        r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
        hyp = special.hyp2f1(r, b, a + b - 1, ti / (alpha + ti))
        new.append((a + b - 1) / (a - 1) * (1 - (alpha / (alpha + ti)) ** r * hyp))
    np.testing.assert_allclose(fit.expected_purchases_new(t), new, rtol=1e-10, atol=1e-15)
    assert fit.expected_purchases_new([0.0]).tolist() == [0.0]
    # Properties: 0 at t = 0, increasing in t, alive = 1 without repeat purchases.
    assert np.all(fit.expected_purchases(0.0, x, tx, T) == 0)
    grid = fit.expected_purchases(np.linspace(0, 100, 50), 3, 20.0, 40.0)
    assert np.all(np.diff(grid) > 0)
    assert fit.probability_alive([0, 0], [0, 0], [1.0, 500.0]).tolist() == [1.0, 1.0]


def test_bgnbd_expected_purchases_new_matches_a_simulation():
    # X(t) = min(N(t), K): N(t) ~ Poisson(lambda t) while alive, death right after the
    # K-th repeat purchase, K ~ Geometric(p) on {1, 2, ...}; lambda ~ Gamma(r, 1/alpha),
    # p ~ Beta(a, b).
    r, alpha, a, b = 0.8, 5.0, 1.6, 3.0
    fit = BGNBDFit(
        purchase_shape=r,
        purchase_scale=alpha,
        dropout_a=a,
        dropout_b=b,
        log_likelihood=np.nan,
        n=0,
        converged=True,
    )
    rng = np.random.default_rng(2024)
    n = 400_000
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    k = rng.geometric(p)
    for t in (10.0, 40.0):
        counts = np.minimum(rng.poisson(lam * t), k)
        se = counts.std() / math.sqrt(n)
        assert fit.expected_purchases_new(t)[0] == pytest.approx(counts.mean(), abs=4 * se)


@pytest.mark.parametrize("x", [400, 2000])
def test_hypergeometric_fallback_matches_the_series_where_scipy_overflows(x):
    a, b, c, z = 0.3 + x, 2.4 + x, 0.8 + 2.4 + x - 1, 0.5
    if x == 2000:
        assert np.isinf(special.hyp2f1(a, b, c, z))  # Euler's transformation is needed
    # ln of sum_k (a)_k (b)_k / ((c)_k k!) z^k, term by term in log space.
    logs = [0.0]
    for k in range(100_000):
        logs.append(logs[-1] + math.log((a + k) * (b + k) / ((c + k) * (k + 1))) + math.log(z))
        if k > 50 and logs[-1] < max(logs) - 50:
            break
    top = max(logs)
    reference = top + math.log(sum(math.exp(t - top) for t in logs))
    assert _ln_hyp2f1(np.array([a]), b, c, z)[0] == pytest.approx(reference, rel=1e-12)
    fit = BGNBDFit(
        log_likelihood=np.nan,
        n=0,
        converged=True,
        **_ours({"r": 0.3, "alpha": 4.0, "a": 0.8, "b": 2.4}),
    )
    assert np.isfinite(fit.expected_purchases(50.0, x, 40.0, 40.0)).all()


def test_bgnbd_methods_propagate_nan_and_check_inputs():
    fit = BGNBDFit(
        log_likelihood=np.nan,
        n=0,
        converged=True,
        **_ours({"r": 0.3, "alpha": 4.0, "a": 0.8, "b": 2.4}),
    )
    out = fit.expected_purchases(10.0, [1, np.nan], [1.0, 0.0], [5.0, 5.0])
    assert np.isfinite(out[0])
    assert np.isnan(out[1])
    assert np.isnan(fit.probability_alive(np.nan, 0.0, 5.0)).all()
    unfitted = BGNBDFit(
        log_likelihood=np.nan, n=0, converged=False, **dict.fromkeys(BGNBD_NAMES.values(), np.nan)
    )
    assert np.isnan(unfitted.expected_purchases(5.0, [0, 2], [0, 3], [5, 5])).all()
    assert np.isnan(unfitted.probability_alive([0, 2], [0, 3], [5, 5])).all()
    assert np.isnan(unfitted.expected_purchases_new([1.0])).all()
    with pytest.raises(
        ValidationError, match=r"`t` must be >= 0 \[periods\]; it is negative in 1 row \(row 1\)"
    ):
        fit.expected_purchases([1.0, -1.0], 1, 1.0, 5.0)
    with pytest.raises(ValidationError, match=r"`recency` must not exceed `T`"):
        fit.probability_alive(1, 6.0, 5.0)
    with pytest.raises(
        ValidationError, match=r"`t`.* must have one length \(or length 1\); got 2, 1, 1, 3"
    ):
        fit.expected_purchases([1.0, 2.0, 3.0], [1, 2], 1.0, 5.0)
    with pytest.raises(ValidationError, match=r"`t` must be >= 0"):
        fit.expected_purchases_new([-2.0])


def test_bgnbd_cannot_be_fitted_without_repeat_purchases():
    with pytest.warns(InsufficientDataWarning, match=r"no customer has a repeat purchase"):
        fit = fit_bgnbd([0, 0, 0], [0, 0, 0], [10, 20, 30])
    assert math.isnan(fit.purchase_shape)
    assert math.isnan(fit.log_likelihood)
    assert (fit.n, fit.converged) == (3, False)
    with pytest.warns(InsufficientDataWarning):
        empty = fit_bgnbd([], [], [])
    assert empty.n == 0
    assert math.isnan(empty.purchase_scale)
    with pytest.warns(InsufficientDataWarning):
        all_nan = fit_bgnbd([np.nan], [np.nan], [np.nan])
    assert all_nan.n == 0
    with pytest.warns(InsufficientDataWarning):  # the only repeat customer weighs 0
        zero = fit_bgnbd([0, 2], [0, 3], [5, 5], weights=[1, 0])
    assert math.isnan(zero.dropout_b)
    assert json.loads(empty.to_json())["purchase_shape"] is None
    with pytest.warns(InsufficientDataWarning, match=r"`T` > 0"):
        assert math.isnan(fit_bgnbd([1], [0.0], [0.0]).purchase_shape)


def test_bgnbd_edge_cases_never_crash():
    # One customer, customers with one purchase: the likelihood may have no maximum.
    for x, tx, T in (([3], [8.0], [10.0]), ([0, 0, 1], [0, 0, 2.0], [5.0, 6.0, 7.0])):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit = fit_bgnbd(x, tx, T)
        assert fit.converged or any(w.category is InsufficientDataWarning for w in caught)
        assert fit.n == len(x)
    # NaN rows are left out.
    x, tx, T = _histories(7, 200)
    base = fit_bgnbd(x, tx, T)
    with_nan = fit_bgnbd(np.append(x, np.nan), np.append(tx, 1.0), np.append(T, np.nan))
    assert with_nan.n == 200
    assert with_nan == base


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        (
            ([1, -1], [1, 0], [2, 2]),
            {},
            ValidationError,
            r"`frequency` must be a whole number >= 0.*row 1",
        ),
        (([1.5], [1], [2]), {}, ValidationError, r"`frequency` must be a whole number"),
        (
            ([1, 1], [3, 1], [2, 2]),
            {},
            ValidationError,
            r"`recency` must not exceed `T`.*\(row 0\)",
        ),
        (([0], [1], [2]), {}, ValidationError, r"`recency` must be 0 where `frequency` is 0"),
        (([1], [-1], [2]), {}, ValidationError, r"`recency` and `T` must be >= 0"),
        (([1], [1], [np.inf]), {}, ValidationError, r"must be finite .* infinite in 1 row"),
        (
            ([1, 1], [1], [2, 2]),
            {},
            ValidationError,
            r"`frequency` and `recency` must have the same length",
        ),
        (([1], [1], [2]), {"weights": [-1]}, ValidationError, r"`weights` must be >= 0"),
        (([1], [1], [2]), {"weights": [1, 2]}, ValidationError, r"`frequency` and `weights`"),
        (([1], [1], [2]), {"penalizer": -0.1}, ValidationError, r"`penalizer` must be >= 0"),
        (([1], [1], [2]), {"penalizer": "a"}, TypeError, r"`penalizer` must be a number"),
        ((["a"], [1], [2]), {}, TypeError, r"`frequency` must hold numbers"),
    ],
)
def test_bgnbd_invalid_inputs(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        fit_bgnbd(*args, **kwargs)


# =========================================================================== Gamma-Gamma


def _gg_ll_loop(p, q, v, x, m):
    total = 0.0
    for xi, mi in zip(x, m, strict=True):
        px = p * xi
        total += (
            math.lgamma(px + q)
            - math.lgamma(px)
            - math.lgamma(q)
            + q * math.log(v)
            + (px - 1) * math.log(mi)
            + px * math.log(xi)
            - (px + q) * math.log(xi * mi + v)
        )
    return total


def test_gamma_gamma_log_likelihood_and_gradient_match_a_loop():
    rng = np.random.default_rng(4)
    x = rng.integers(1, 12, 200).astype(float)
    m = rng.gamma(3.0, 10.0, 200)
    params = np.array([4.0, 3.0, 20.0])
    ll, grad = _gg_log_likelihood(params, x, m, gradient=True)
    assert ll == pytest.approx(_gg_ll_loop(*params, x, m), rel=1e-12)
    numeric = optimize.approx_fprime(
        np.log(params), lambda lp: _gg_log_likelihood(np.exp(lp), x, m, gradient=False)[0], 1e-6
    )
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-4)


def test_gamma_gamma_on_cdnow_matches_the_published_figures():
    s = _fhl_summary()
    fit = fit_gamma_gamma(s.frequency, s.monetary)
    assert fit.converged
    assert fit.n == 946
    for name, value in LIFETIMES_DOCS_GAMMA_GAMMA.items():
        assert getattr(fit, GAMMA_GAMMA_NAMES[name]) == pytest.approx(value, rel=0.01), name
    params = (fit.spend_shape, fit.mixing_shape, fit.mixing_scale)
    assert fit.log_likelihood == pytest.approx(
        _gg_ll_loop(*params, *(a[s.frequency > 0] for a in (s.frequency, s.monetary))),
        rel=1e-12,
    )


def test_gamma_gamma_on_the_whole_cdnow_log_matches_lifetimes():
    s = _cdnow_summary()
    bad = np.flatnonzero((s.frequency > 0) & (s.monetary <= 0))
    assert len(bad) == 1  # lifetimes refuses it too
    with pytest.raises(ValidationError, match=rf"`monetary` must be > 0 .* \(row {bad[0]}"):
        fit_gamma_gamma(s.frequency, s.monetary)
    keep = np.ones(len(s.groups), dtype=bool)
    keep[bad] = False
    fit = fit_gamma_gamma(s.frequency[keep], s.monetary[keep])
    for name, value in LIFETIMES_FULL_GAMMA_GAMMA.items():
        assert getattr(fit, GAMMA_GAMMA_NAMES[name]) == pytest.approx(value, rel=1e-4), name


def test_gamma_gamma_expected_value_by_hand():
    fit = GammaGammaFit(
        spend_shape=6.0,
        mixing_shape=4.0,
        mixing_scale=15.0,
        log_likelihood=np.nan,
        n=0,
        converged=True,
    )
    population = 6.0 * 15.0 / 3.0  # p v / (q - 1) = 30
    w = 6.0 * 2 / (6.0 * 2 + 3.0)  # p x / (p x + q - 1) = 0.8
    out = fit.expected_value([0, 2, 2], [0.0, 50.0, np.nan])
    assert out[0] == pytest.approx(population)
    assert out[1] == pytest.approx((1 - w) * population + w * 50.0)
    assert np.isnan(out[2])
    assert fit.expected_value(2, [10.0, 20.0]).shape == (2,)
    with pytest.raises(ValidationError, match=r"`frequency` must be a whole number"):
        fit.expected_value([-1], [1.0])


def test_gamma_gamma_degenerate_and_invalid_inputs():
    with pytest.warns(InsufficientDataWarning, match=r"fewer than 3 customers .* repeat purchase"):
        fit = fit_gamma_gamma([0, 0], [0.0, 0.0])
    assert math.isnan(fit.spend_shape)
    assert fit.n == 0
    with pytest.warns(InsufficientDataWarning):
        assert fit_gamma_gamma([], []).n == 0
    with pytest.warns(InsufficientDataWarning, match=r"fewer than 3 customers"):
        assert math.isnan(fit_gamma_gamma([1], [2.0]).spend_shape)  # once: log(0) of v
    with pytest.warns(InsufficientDataWarning, match=r"fewer than 4 customers"):
        assert math.isnan(fit_bgnbd([1], [2.0], [3.0]).purchase_shape)  # was 8.5e6, unwarned
    # frequency 0 rows may hold any monetary; NaN rows are left out.
    x = [2, 1, 4, 3, 1, 6, 2, 5]
    m = [15.0, 40.0, 22.0, 90.0, 12.0, 35.0, 60.0, 18.0]
    base = fit_gamma_gamma(x, m)
    assert fit_gamma_gamma([*x, 0, 3], [*m, -5.0, np.nan]) == base
    with pytest.raises(
        ValidationError,
        match=r"`monetary` must be > 0 and finite where `frequency` > 0; "
        r"it is not in 2 rows \(row 1; row 2\)",
    ):
        fit_gamma_gamma([1, 2, 3], [5.0, 0.0, -1.0])
    with pytest.raises(
        ValidationError, match=r"`frequency` and `monetary` must have the same length"
    ):
        fit_gamma_gamma([1, 2], [5.0])
    with pytest.raises(ValidationError, match=r"`penalizer` must be >= 0"):
        fit_gamma_gamma(x, m, penalizer=-1)
    penalized = fit_gamma_gamma(x, m, penalizer=0.01)

    def size(f):
        return f.spend_shape**2 + f.mixing_shape**2 + f.mixing_scale**2

    assert size(penalized) < size(base)


# =========================================================================== CLV


def test_lifetime_value_matches_a_loop_over_months():
    bg = BGNBDFit(log_likelihood=np.nan, n=0, converged=True, **_ours(FHL_BGNBD))
    gg = GammaGammaFit(log_likelihood=np.nan, n=0, converged=True, **_ours(GG_EXAMPLE))
    x, tx, T = _histories(11, 20)
    m = np.where(x > 0, np.linspace(5.0, 80.0, 20), 0.0)
    for months, rate, days in ((12, 0.01, 7.0), (5, 0.0, 1.0), (3, 0.2, 30.0)):
        out = lifetime_value(
            bg, gg, x, tx, T, m, months=months, discount_rate=rate, period_days=days
        )
        step = 30.0 / days
        for i in range(len(x)):
            value = gg.expected_value(x[i], m[i])[0]
            clv = 0.0
            for k in range(1, months + 1):
                now = bg.expected_purchases(k * step, x[i], tx[i], T[i])[0]
                before = bg.expected_purchases((k - 1) * step, x[i], tx[i], T[i])[0]
                clv += value * (now - before) / (1 + rate) ** k
            assert out[i] == pytest.approx(clv, rel=1e-12), (months, rate, i)
    # Without discounting the months telescope to E(months) x value.
    flat = lifetime_value(bg, gg, x, tx, T, m, months=6, discount_rate=0.0, period_days=7.0)
    np.testing.assert_allclose(
        flat, gg.expected_value(x, m) * bg.expected_purchases(6 * 30 / 7, x, tx, T), rtol=1e-12
    )
    assert lifetime_value(bg, gg, x, tx, T, m, months=0).tolist() == [0.0] * 20
    assert lifetime_value(bg, gg, [], [], [], []).shape == (0,)
    # Customers with the same history share the purchase forecast, not the value.
    twins = lifetime_value(bg, gg, [2, 2], [20.0, 20.0], [30.0, 30.0], [10.0, 40.0])
    one = lifetime_value(bg, gg, [2], [20.0], [30.0], [40.0])
    assert twins[1] == pytest.approx(one[0], rel=1e-14)
    assert twins[0] < twins[1]


def test_lifetime_value_checks_inputs_and_propagates_nan():
    bg = BGNBDFit(log_likelihood=np.nan, n=0, converged=True, **_ours(FHL_BGNBD))
    gg = GammaGammaFit(log_likelihood=np.nan, n=0, converged=True, **_ours(GG_EXAMPLE))
    unfitted = GammaGammaFit(
        log_likelihood=np.nan,
        n=0,
        converged=False,
        **dict.fromkeys(GAMMA_GAMMA_NAMES.values(), np.nan),
    )
    assert np.isnan(lifetime_value(bg, unfitted, [1], [1.0], [5.0], [10.0])).all()
    assert np.isnan(lifetime_value(bg, gg, [1, np.nan], [1.0, 1.0], [5.0, 5.0], [10.0, 10.0])[1])
    with pytest.raises(TypeError, match=r"`bgnbd` must be a BGNBDFit"):
        lifetime_value(gg, gg, [1], [1.0], [5.0], [10.0])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"`gamma_gamma` must be a GammaGammaFit"):
        lifetime_value(bg, bg, [1], [1.0], [5.0], [10.0])  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"`months` must be at least 0; got -1"):
        lifetime_value(bg, gg, [1], [1.0], [5.0], [10.0], months=-1)
    with pytest.raises(TypeError, match=r"`months` must be a whole number, got float"):
        lifetime_value(bg, gg, [1], [1.0], [5.0], [10.0], months=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"`discount_rate` must be > -1"):
        lifetime_value(bg, gg, [1], [1.0], [5.0], [10.0], discount_rate=-1.0)
    with pytest.raises(ValidationError, match=r"`period_days` must be > 0"):
        lifetime_value(bg, gg, [1], [1.0], [5.0], [10.0], period_days=0.0)
    with pytest.raises(ValidationError, match=r"`recency` must not exceed `T`"):
        lifetime_value(bg, gg, [1], [6.0], [5.0], [10.0])


def test_simple_lifetime_value_by_hand():
    assert float(simple_lifetime_value(1.0, 0.8, 0.1)) == pytest.approx(0.8 / 0.3)  # 2.666...
    assert float(simple_lifetime_value(1.0, 0.8, 0.1, first_margin_now=True)) == pytest.approx(
        1.1 / 0.3
    )
    out = simple_lifetime_value(100.0, 0.8, 0.1)
    assert isinstance(out, np.ndarray)
    assert out.shape == ()
    row = simple_lifetime_value(20.0, [0.0, 0.5, 0.9], 0.0)
    assert row.shape == (3,)
    np.testing.assert_allclose(row, [0.0, 20.0, 180.0])
    assert np.isnan(simple_lifetime_value([np.nan, 1.0], 0.5, 0.1)[0])


@given(
    st.floats(-1e4, 1e4, allow_nan=False),
    st.floats(0.0, 0.5),
    st.floats(0.0, 0.98),
    st.booleans(),
)
def test_simple_lifetime_value_is_the_sum_of_its_series(margin, d, share, now):
    r = share  # a probability; r / (1 + d) <= 0.98: 2000 terms leave < 1e-17 of the sum
    series = sum(margin * (r / (1 + d)) ** t for t in range(1, 2001))
    if now:
        series += margin
    got = float(simple_lifetime_value(margin, r, d, first_margin_now=now))
    assert got == pytest.approx(series, rel=1e-9, abs=1e-9)


def test_simple_lifetime_value_rejects_a_diverging_series():
    with pytest.raises(
        ValidationError, match=r"`retention` must be a probability in \[0, 1\] .*row 1"
    ):
        simple_lifetime_value(1.0, [0.5, 1.1], 0.1)
    with pytest.raises(ValidationError, match=r"`retention` must be a probability"):
        simple_lifetime_value(1.0, 1.0, 0.0)  # r = 1, d = 0: the series diverges
    with pytest.raises(ValidationError, match=r"`retention` must be a probability"):
        simple_lifetime_value(1.0, -0.1, 0.0)
    with pytest.raises(ValidationError, match=r"`discount_rate` must be > -1"):
        simple_lifetime_value(1.0, 0.5, -1.0)
    with pytest.raises(TypeError, match=r"`margin` must hold numbers"):
        simple_lifetime_value("a", 0.5, 0.1)
    with pytest.raises(TypeError, match=r"`first_margin_now` must be True or False"):
        simple_lifetime_value(1.0, 0.5, 0.1, first_margin_now=1)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"must broadcast together"):
        simple_lifetime_value([1.0, 2.0], [0.5, 0.6, 0.7], 0.1)


def test_lifetime_value_bounds_the_horizon():
    bg = BGNBDFit(log_likelihood=np.nan, n=0, converged=True, **_ours(FHL_BGNBD))
    gg = GammaGammaFit(log_likelihood=np.nan, n=0, converged=True, **_ours(GG_EXAMPLE))
    history = ([2], [20.0], [30.0], [40.0])
    for months in (361, 10**6, 10**12, 2**63):
        with pytest.raises(ValidationError, match=r"`months` must be at most 360; got"):
            lifetime_value(bg, gg, *history, months=months)
    for bad in (True, 12.0, "12", None):
        with pytest.raises(TypeError, match=r"`months` must be a whole number"):
            lifetime_value(bg, gg, *history, months=bad)  # type: ignore[arg-type]
    longest = lifetime_value(bg, gg, *history, months=np.int64(360), discount_rate=0.0)
    assert longest == pytest.approx(
        gg.expected_value(2, 40.0) * bg.expected_purchases(360 * 30.0, 2, 20.0, 30.0), rel=1e-12
    )


def test_lifetime_value_in_blocks_equals_one_block(monkeypatch):
    bg = BGNBDFit(log_likelihood=np.nan, n=0, converged=True, **_ours(FHL_BGNBD))
    gg = GammaGammaFit(log_likelihood=np.nan, n=0, converged=True, **_ours(GG_EXAMPLE))
    x, tx, T = _histories(12, 300)
    m = np.where(x > 0, np.linspace(5.0, 80.0, 300), 0.0)
    whole = lifetime_value(bg, gg, x, tx, T, m, months=24)
    monkeypatch.setattr(clv_module, "_BLOCK_CELLS", 64 * 25 * 2)  # blocks of 128 histories
    blocks = lifetime_value(bg, gg, x, tx, T, m, months=24)
    np.testing.assert_allclose(blocks, whole, rtol=1e-14)


@pytest.mark.parametrize(
    ("field", "value", "error", "message"),
    [
        ("purchase_shape", "x", TypeError, r"`purchase_shape` must be a number > 0"),
        ("purchase_scale", None, TypeError, r"`purchase_scale` must be a number > 0"),
        ("dropout_b", True, TypeError, r"`dropout_b` must be a number > 0"),
        ("dropout_a", [1.0, 2.0], TypeError, r"`dropout_a` must be a number > 0"),
        ("dropout_a", -1.0, ValidationError, r"`dropout_a` must be > 0 \(NaN = unfitted\)"),
        ("dropout_a", 0.0, ValidationError, r"`dropout_a` must be > 0 \(NaN = unfitted\)"),
    ],
)
def test_fitted_models_with_meaningless_parameters_are_refused(field, value, error, message):
    params = {**_ours(FHL_BGNBD), field: value}
    bg = BGNBDFit(log_likelihood=np.nan, n=0, converged=True, **params)
    gg = GammaGammaFit(log_likelihood=np.nan, n=0, converged=True, **_ours(GG_EXAMPLE))
    with pytest.raises(error, match=r"^`bgnbd`: " + message):
        lifetime_value(bg, gg, [1], [1.0], [5.0], [10.0])
    with pytest.raises(error, match=r"^BGNBDFit: " + message):
        bg.expected_purchases(1.0, [1], [1.0], [5.0])
    with pytest.raises(error, match=message):
        bg.probability_alive([1], [1.0], [5.0])
    with pytest.raises(error, match=message):
        bg.expected_purchases_new([1.0])
    spend = {"spend_shape": value, "mixing_shape": 3.74, "mixing_scale": 15.44}
    bad_gg = GammaGammaFit(log_likelihood=np.nan, n=0, converged=True, **spend)
    gg_message = message.replace(field, "spend_shape")
    with pytest.raises(error, match=r"^`gamma_gamma`: " + gg_message):
        lifetime_value(
            BGNBDFit(log_likelihood=np.nan, n=0, converged=True, **_ours(FHL_BGNBD)),
            bad_gg,
            [1],
            [1.0],
            [5.0],
            [10.0],
        )
    with pytest.raises(error, match=r"^GammaGammaFit: " + gg_message):
        bad_gg.expected_value([1], [10.0])


def test_simple_lifetime_value_refuses_what_is_not_numbers_or_one_dimensional():
    with pytest.raises(
        ValidationError, match=r"`margin` must be one-dimensional, got shape \(2, 1\)"
    ):
        simple_lifetime_value([[10.0], [20.0]], [0.0, 0.5, 0.9], 0.0)
    with pytest.raises(ValidationError, match=r"`discount_rate` must be one-dimensional"):
        simple_lifetime_value(1.0, 0.5, np.full((2, 2), 0.1))
    with pytest.raises(TypeError, match=r"`retention` must hold numbers, not booleans"):
        simple_lifetime_value(1.0, [True, False], 0.1)
    with pytest.raises(TypeError, match=r"`discount_rate` must hold numbers, not booleans"):
        simple_lifetime_value(1.0, 0.5, True)
    with pytest.raises(
        TypeError, match=r"`discount_rate` must be a number or an array of numbers, got None"
    ):
        simple_lifetime_value(1.0, 0.5, None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"`margin` must be a number or an array of numbers: "):
        simple_lifetime_value([[1.0], [2.0, 3.0]], 0.5, 0.1)
    with pytest.raises(TypeError, match=r"`margin` must hold numbers, not text"):
        simple_lifetime_value(["1.5"], 0.5, 0.1)
    # numpy scalars and 0-d arrays are numbers: a 0-d result
    out = simple_lifetime_value(np.float32(1.0), np.array(0.8), np.int64(0))
    assert out.shape == ()
    assert float(out) == pytest.approx(4.0)


# =========================================================================== lifetimes, live


@pytest.fixture(scope="module")
def lifetimes():
    module = pytest.importorskip("lifetimes")
    pytest.importorskip("pandas")
    return module


def _lifetimes_summary(lifetimes, period="D", multiplier=1):
    import pandas as pd
    from lifetimes.utils import summary_data_from_transaction_data

    (codes, labels), at, value = _cdnow()
    frame = pd.DataFrame({"id": labels[codes], "date": at, "value": value})
    return summary_data_from_transaction_data(
        frame,
        "id",
        "date",
        "value",
        observation_period_end="1998-06-30",
        freq=period,
        freq_multiplier=multiplier,
    )


@pytest.mark.parametrize(("period", "multiplier"), [("D", 1), ("W", 1), ("D", 7)])
def test_summary_equals_lifetimes_on_cdnow(lifetimes, period, multiplier):
    ref = _lifetimes_summary(lifetimes, period, multiplier)
    customer, at, value = _cdnow()
    ours = purchase_summary(
        at, value, by=customer, as_of="1998-06-30", period=period if multiplier == 1 else multiplier
    )
    assert ours.groups.tolist() == ref.index.tolist()
    np.testing.assert_array_equal(ours.frequency, ref["frequency"])
    np.testing.assert_allclose(ours.recency, ref["recency"], rtol=1e-15)
    np.testing.assert_allclose(ours.T, ref["T"], rtol=1e-15)
    np.testing.assert_allclose(ours.monetary, ref["monetary_value"], rtol=1e-12)


def test_fits_equal_lifetimes_live(lifetimes):
    s = _cdnow_summary()
    bgf = lifetimes.BetaGeoFitter().fit(s.frequency, s.recency, s.T)
    ours = fit_bgnbd(s.frequency, s.recency, s.T)
    for name, field in BGNBD_NAMES.items():
        assert getattr(ours, field) == pytest.approx(bgf.params_[name], rel=1e-4), name
    # The penalty on the scaled alpha, and weights, as lifetimes does them.
    bgf_pen = lifetimes.BetaGeoFitter(penalizer_coef=0.05).fit(s.frequency, s.recency, s.T)
    pen = fit_bgnbd(s.frequency, s.recency, s.T, penalizer=0.05)
    for name, field in BGNBD_NAMES.items():
        assert getattr(pen, field) == pytest.approx(bgf_pen.params_[name], rel=1e-4), name
    repeat = (s.frequency > 0) & (s.monetary > 0)
    ggf = lifetimes.GammaGammaFitter().fit(s.frequency[repeat], s.monetary[repeat])
    gg = fit_gamma_gamma(s.frequency[repeat], s.monetary[repeat])
    for name, field in GAMMA_GAMMA_NAMES.items():
        assert getattr(gg, field) == pytest.approx(ggf.params_[name], rel=1e-4), name
    # lifetimes' own CDNOW summaries (rounded to 2 decimals), as in its documentation.
    from lifetimes.datasets import load_cdnow_summary_data_with_monetary_value

    doc = load_cdnow_summary_data_with_monetary_value()
    bgf_doc = lifetimes.BetaGeoFitter().fit(doc["frequency"], doc["recency"], doc["T"])
    ours_doc = fit_bgnbd(doc["frequency"], doc["recency"], doc["T"])
    for name, field in BGNBD_NAMES.items():
        assert getattr(ours_doc, field) == pytest.approx(bgf_doc.params_[name], rel=1e-4), name
    fhl = _fhl_summary()
    # The documentation's rows follow the sample ids, not the master ids: compare multisets.
    assert sorted(fhl.frequency.tolist()) == sorted(doc["frequency"].astype(int).tolist())
    assert sorted(np.round(fhl.T, 2).tolist()) == sorted(doc["T"].tolist())


def test_methods_and_clv_equal_lifetimes_live(lifetimes):
    s = _cdnow_summary()
    bgf = lifetimes.BetaGeoFitter().fit(s.frequency, s.recency, s.T)
    bg = BGNBDFit(
        log_likelihood=np.nan,
        n=0,
        converged=True,
        **_ours({k: float(bgf.params_[k]) for k in BGNBD_NAMES}),
    )
    np.testing.assert_allclose(
        bg.expected_purchases(30.0, s.frequency, s.recency, s.T),
        bgf.conditional_expected_number_of_purchases_up_to_time(30.0, s.frequency, s.recency, s.T),
        rtol=1e-10,
    )
    np.testing.assert_allclose(
        bg.probability_alive(s.frequency, s.recency, s.T),
        bgf.conditional_probability_alive(s.frequency, s.recency, s.T),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        bg.expected_purchases_new([1.0, 30.0, 365.0]),
        bgf.expected_number_of_purchases_up_to_time(np.array([1.0, 30.0, 365.0])),
        rtol=1e-10,
    )
    import pandas as pd

    repeat = (s.frequency > 0) & (s.monetary > 0)
    ggf = lifetimes.GammaGammaFitter().fit(s.frequency[repeat], s.monetary[repeat])
    gg = GammaGammaFit(
        log_likelihood=np.nan,
        n=0,
        converged=True,
        **_ours({k: float(ggf.params_[k]) for k in GAMMA_GAMMA_NAMES}),
    )
    sub = slice(0, 3000)
    frame = pd.DataFrame(
        {"f": s.frequency[sub], "r": s.recency[sub], "T": s.T[sub], "m": s.monetary[sub]}
    )
    ref = ggf.customer_lifetime_value(
        bgf, frame["f"], frame["r"], frame["T"], frame["m"], time=12, discount_rate=0.01, freq="D"
    )
    ours = lifetime_value(bg, gg, s.frequency[sub], s.recency[sub], s.T[sub], s.monetary[sub])
    np.testing.assert_allclose(ours, ref.to_numpy(), rtol=1e-9)
    weekly = ggf.customer_lifetime_value(
        bgf,
        frame["f"] * 0 + 2,
        frame["r"] * 0 + 20,
        frame["T"] * 0 + 60,
        frame["m"] * 0 + 30,
        time=6,
        discount_rate=0.02,
        freq="W",
    )
    ours_weekly = lifetime_value(
        bg, gg, 2, 20.0, 60.0, 30.0, months=6, discount_rate=0.02, period_days=30 / 4.345
    )
    assert ours_weekly[0] == pytest.approx(weekly.iloc[0], rel=1e-9)


def test_simple_lifetime_value_refuses_a_retention_above_one():
    with pytest.raises(ValidationError, match=r"`retention` must be a probability in \[0, 1\]"):
        simple_lifetime_value(100.0, 1.05, 0.1)


# =========================================================================== frames


def test_frames_of_the_clv_results():
    at = ["2024-01-01", "2024-01-03", "2024-01-02"]
    s = purchase_summary(at, [1.0, 2.0, 3.0], by=["a", "a", "b"], as_of="2024-01-10")
    f = s.to_frame()
    assert f.columns.tolist() == [
        "group",
        "frequency",
        "recency",
        "T",
        "monetary",
        "first",
        "n_transactions",
        "period",
        "as_of",
    ]
    assert f["group"].tolist() == ["a", "b"]
    assert f["frequency"].tolist() == [1, 0]
    assert f["T"].tolist() == [9.0, 8.0]
    assert f["first"].astype(str).tolist() == ["2024-01-01", "2024-01-02"]
    assert f["period"].tolist() == ["D", "D"]
    bg = BGNBDFit(log_likelihood=np.nan, n=0, converged=True, **_ours(FHL_BGNBD))
    row = bg.to_frame().to_dict("records")
    assert len(row) == 1  # one row of parameters
    assert row[0]["purchase_shape"] == 0.243
    assert row[0]["dropout_b"] == 2.426
    assert math.isnan(row[0]["log_likelihood"])
    gg = GammaGammaFit(log_likelihood=-5.0, n=3, converged=True, **_ours(GG_EXAMPLE))
    assert gg.to_frame().to_dict("records") == [
        {
            "spend_shape": 6.25,
            "mixing_shape": 3.74,
            "mixing_scale": 15.44,
            "log_likelihood": -5.0,
            "n": 3,
            "converged": True,
            "penalizer": 0.0,
        }
    ]
    for result in (s, bg, gg):
        assert len(repr(result).splitlines()) <= 20

"""Tests of the shared input conversions (customer_kanban._core.validation)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from customer_kanban._core.validation import (
    as_bool_or_unknown,
    as_float_array,
    as_instant_scalar,
    as_int_codes,
    as_positive_days,
    check_same_length,
)
from customer_kanban.errors import InsufficientDataWarning, ValidationError
from customer_kanban.metrics import lead_time, percentiles, sle_attainment, throughput


def test_as_float_array_accepts_pandas_and_missing():
    s = pd.Series([1.5, None, 3], dtype="Float64")  # nullable: NA -> NaN
    assert np.array_equal(as_float_array(s, name="x"), [1.5, np.nan, 3.0], equal_nan=True)
    with pytest.raises(TypeError, match=r"`x` must hold numbers, not booleans"):
        as_float_array(np.array([True, False]), name="x")
    with pytest.raises(TypeError, match=r"`x` must hold numbers, not text \(got '1\.5'\)"):
        as_float_array(np.array(["1.5"], dtype=object), name="x")
    with pytest.raises(TypeError, match=r"`x` must hold numbers, not booleans \(got True\)"):
        as_float_array(np.array([1.0, True], dtype=object), name="x")
    assert as_float_array(np.array([1, None, 2.5], dtype=object), name="x").tolist()[::2] == [
        1.0,
        2.5,
    ]
    assert as_float_array(np.array([1, 2], dtype=np.int8), name="x").tolist() == [1.0, 2.0]
    assert np.isnan(as_float_array(np.array([None], dtype=object), name="x")).all()
    assert as_float_array(2.0, name="x").tolist() == [2.0]
    with pytest.raises(TypeError, match=r"`x` must hold numbers, not text \(got 'a'\)"):
        as_float_array(["a"], name="x")
    with pytest.raises(ValidationError, match=r"`x` must be one-dimensional, got shape \(1, 1\)"):
        as_float_array([[1.0]], name="x")


def test_as_instant_scalar_forms():
    expected = np.datetime64("2024-01-01T01:00", "ns")
    assert as_instant_scalar("2024-01-01T01:00", name="t") == expected
    aware = dt.datetime(2024, 1, 1, 2, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert as_instant_scalar(aware, name="t") == expected
    assert as_instant_scalar(pd.Timestamp("2024-01-01T01:00Z"), name="t") == expected
    with pytest.raises(TypeError, match=r"`t` must hold instants"):
        as_instant_scalar(object(), name="t")


def test_as_int_codes_and_lengths():
    assert as_int_codes(pd.Series([0, 2]), name="c", upper=3).tolist() == [0, 2]
    with pytest.raises(
        ValidationError,
        match=r"`c` must lie in \[0, ∞\) in every row; it does not in 1 row \(row 1\)",
    ):
        as_int_codes([0, -1], name="c")
    with pytest.raises(
        ValidationError, match=r"`a` and `b` must have the same length \(got 1 and 2\)"
    ):
        check_same_length(a=[1], b=[1, 2])


def test_as_positive_days_and_booleans():
    assert as_positive_days(pd.Series([1.0, 2.0]), name="d", n=2, n_name="x").tolist() == [1.0, 2.0]
    assert as_positive_days(np.float32(3), name="d", n=5, n_name="x").shape == ()
    value, known = as_bool_or_unknown(pd.Series([True, None, False], dtype="boolean"), name="r")
    assert value.tolist() == [True, False, False]
    assert known is not None
    assert known.tolist() == [True, False, True]


def test_pandas_columns_through_public_functions():
    frame = pd.DataFrame(
        {
            "requested": pd.to_datetime(["2024-01-01", "2024-01-02", None]).tz_localize("UTC"),
            "delivered": pd.to_datetime(["2024-01-03", None, None]).tz_localize("UTC"),
            "cos": pd.Categorical(["std", "exp", "std"]),
        }
    )
    lt = lead_time(frame["requested"], frame["delivered"])
    assert np.array_equal(lt, [2.0, np.nan, np.nan], equal_nan=True)
    tp = throughput(frame["delivered"], by=frame["cos"])
    assert tp.groups.tolist() == ["exp", "std"]
    assert tp.counts.tolist() == [[0], [1]]
    with pytest.warns(InsufficientDataWarning, match=r"\('exp'\)"):
        r = sle_attainment(pd.Series(lt), 5, by=frame["cos"].astype(str).to_numpy())
    assert r.groups.tolist() == ["exp", "std"]
    assert r.n.tolist() == [0, 1]
    with pytest.warns(InsufficientDataWarning, match=r"percentiles are NaN"):
        pct = percentiles(pd.Series(lt), 50, by=frame["cos"])
    assert np.array_equal(pct.values, [[np.nan], [2.0]], equal_nan=True)


def test_object_instants_take_the_vectorized_text_path():
    import datetime as dt

    import pandas as pd

    from customer_kanban._core.instants import as_instant_array

    rome = dt.timezone(dt.timedelta(hours=1))
    objs = np.array(
        [
            dt.datetime(2024, 1, 1, 10, tzinfo=rome),
            None,
            pd.NaT,
            pd.Timestamp("2024-01-02", tz="UTC"),
            "2024-01-03T00:00Z",
            float("nan"),
        ],
        dtype=object,
    )
    expected = np.array(
        ["2024-01-01T09:00", "NaT", "NaT", "2024-01-02T00:00", "2024-01-03T00:00", "NaT"],
        dtype="datetime64[ns]",
    )
    np.testing.assert_array_equal(as_instant_array(objs), expected)
    idx = pd.date_range("2024-01-01", periods=3, freq="D", tz="Europe/Rome")
    assert as_instant_array(idx)[0] == np.datetime64("2023-12-31T23:00", "ns")
    with_na = np.array([pd.NA, "2024-01-01"], dtype=object)
    assert np.isnat(as_instant_array(with_na)).tolist() == [True, False]

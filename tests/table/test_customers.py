"""Tests of TransactionTable, CustomerTable and the CDNOW data set."""

from __future__ import annotations

import datetime as dt
import gzip

import numpy as np
import pandas as pd
import pytest

from customer_kanban.datasets import cdnow_path, load_cdnow
from customer_kanban.errors import ValidationError
from customer_kanban.model import Customer
from customer_kanban.table import CustomerTable, TransactionTable


def test_transactions_from_dataframe_with_cost_and_product():
    df = pd.DataFrame(
        {
            "client": ["b", "a", "b"],
            "when": pd.to_datetime(
                ["2024-01-01 10:00", "2024-01-02 00:00", "2024-01-03 00:00"]
            ).tz_localize("Europe/Rome"),
            "sales": [10.0, 20.0, 30.0],
            "cost": [4.0, 25.0, 10.0],
            "item": ["cd", "dvd", pd.NA],
        }
    )
    t = TransactionTable.from_columns(
        df, customer="client", at="when", revenue="sales", cost="cost", product="item"
    )
    assert len(t) == 3
    assert t.customers.tolist() == ["a", "b"]
    assert t.codes("customer")[0].tolist() == [1, 0, 1]
    assert t["margin"].tolist() == [6.0, -5.0, 20.0]
    assert str(t["at"][0]) == "2024-01-01T09:00:00.000000000"  # Rome 10:00 = 09:00 UTC
    assert t.codes("product")[0].tolist() == [0, 1, -1]
    assert not t["revenue"].flags.writeable
    sub = t.as_of("2024-01-02")
    assert len(sub) == 2
    assert sub.customers.tolist() == ["a", "b"]
    assert "3 transactions of 2 customers" in repr(t)
    with pytest.raises(KeyError, match=r"categorical: use .codes"):
        t["customer"]


def test_transactions_validation_names_every_row():
    with pytest.raises(ValidationError) as info:
        TransactionTable.from_columns(
            {
                "customer": ["a", None, "b", "c"],
                "at": ["2024-01-01", "2024-01-02", None, "2024-01-04"],
                "revenue": [1.0, 2.0, 3.0, np.inf],
            }
        )
    message = str(info.value)
    assert "`customer` is missing in 1 row (row 1)" in message
    assert "`at` is missing (NaT) in 1 row (row 2)" in message
    assert "`revenue` is not a finite number in 1 row (row 3)" in message
    assert list(info.value.rows) == [1, 2, 3]
    with pytest.raises(ValidationError, match=r"give `margin` or `cost`, not both"):
        TransactionTable.from_columns({}, margin="m", cost="c")
    with pytest.raises(ValidationError, match=r"column 'revenue' not found"):
        TransactionTable.from_columns({"customer": ["a"], "at": ["2024-01-01"]})


def test_customer_table_round_trip_lookup_and_join():
    customers = [
        Customer(id="c2", segment="premium", acquired_at=dt.datetime(2024, 2, 1)),
        Customer(id="c1", internal=True),
        Customer(id="c3", segment="basic"),
    ]
    ct = CustomerTable.from_customers(customers)
    assert ct.ids.tolist() == ["c2", "c1", "c3"]
    assert ct.internal.tolist() == [False, True, False]
    assert str(ct.acquired_at[0])[:10] == "2024-02-01"
    assert np.isnat(ct.acquired_at[1])
    codes, labels = ct.segment_of(np.array(["c3", "c2", "c9", "c1", None], dtype=object))
    assert [labels[c] if c >= 0 else None for c in codes] == ["basic", "premium", None, None, None]
    with pytest.raises(ValidationError, match=r"`id` is repeated in 2 rows \(row 0; row 2\)"):
        CustomerTable.from_columns({"id": ["a", "b", "a"]})


def test_cdnow_is_the_published_data_set():
    t = load_cdnow()
    assert len(t) == 69_659
    assert len(t.customers) == 23_570
    with gzip.open(cdnow_path(), "rt") as fh:  # a plain reading of the same file
        lines = fh.read().split("\n")[1:]
    rows = [line.split() for line in lines if line.strip()]
    assert len(rows) == len(t)
    assert t["revenue"].sum() == pytest.approx(sum(float(r[3]) for r in rows), rel=1e-12)
    assert len({r[0] for r in rows}) == len(t.customers)
    first = np.full(len(t.customers), np.datetime64("2100-01-01", "ns"))
    np.minimum.at(first, t.codes("customer")[0], t["at"])
    months = first.astype("datetime64[M]")
    assert set(months.astype(str)) == {"1997-01", "1997-02", "1997-03"}  # all acquired in Q1


def test_columns_of_another_length_are_refused():
    with pytest.raises(ValidationError, match=r"column 'seg' has 1 values but 'id' has 3"):
        CustomerTable.from_columns({"id": ["a", "b", "c"], "seg": ["x"]}, segment="seg")
    with pytest.raises(TypeError, match=r"column 'int' must hold True/False"):
        CustomerTable.from_columns({"id": ["a"], "int": ["yes"]}, internal="int")
    base = {"customer": ["a", "b"], "at": ["2024-01-01", "2024-01-02"], "revenue": [1.0, 2.0]}
    with pytest.raises(ValidationError, match=r"column 'cost' has 1 values"):
        TransactionTable.from_columns({**base, "cost": [0.5]}, cost="cost")
    with pytest.raises(ValidationError, match=r"column 'item' has 3 values"):
        TransactionTable.from_columns({**base, "item": ["x", "y", "z"]}, product="item")


# ----------------------------------------------------------------- bad input (issue G)


def test_customer_lookup_refuses_fractional_float_ids():
    ct = CustomerTable.from_columns({"id": [1, 2, 3]})
    assert ct.lookup(np.array([2.0, np.nan, 3.0])).tolist() == [1, -1, 2]
    with pytest.raises(ValidationError, match=r"`ids` must hold the table's whole-number ids"):
        ct.lookup(np.array([1.7]))
    floats = CustomerTable.from_columns({"id": [1.0, 2.0]})
    assert floats.ids.tolist() == ["1", "2"]
    with pytest.raises(ValidationError, match=r"`id` must hold the table's whole-number ids"):
        CustomerTable.from_columns({"id": [1.5, 2.0]})


def test_customer_ids_and_segments_with_a_nul_character_are_refused():
    with pytest.raises(ValidationError, match=r"`id` must not hold a NUL character"):
        CustomerTable.from_columns({"id": ["D", "D\x00"]})
    with pytest.raises(ValidationError, match=r"`seg` must not hold a NUL character"):
        CustomerTable.from_columns({"id": ["a", "b"], "seg": ["x", "x\x00"]}, segment="seg")
    ct = CustomerTable.from_columns({"id": ["D"]})
    with pytest.raises(ValidationError, match=r"`ids` must not hold a NUL character"):
        ct.lookup(["D\x00"])
    with pytest.raises(ValidationError, match=r"`customer` must not hold a NUL character"):
        TransactionTable.from_columns(
            {"customer": ["a", "a\x00"], "at": ["2024-01-01"] * 2, "revenue": [1.0, 2.0]}
        )


def test_tables_refuse_data_that_is_no_mapping():
    with pytest.raises(TypeError, match=r"`data` must be a mapping of column names"):
        CustomerTable.from_columns(None)
    with pytest.raises(TypeError, match=r"`data` must be a mapping of column names"):
        TransactionTable.from_columns([1, 2])
    with pytest.raises(TypeError, match=r"`ids` must be a one-dimensional array-like"):
        CustomerTable.from_columns({"id": ["a"]}).lookup(None)


def test_from_customers_checks_its_values():
    with pytest.raises(TypeError, match=r"`customers` must hold Customer values; element 0"):
        CustomerTable.from_customers(["a"])
    with pytest.raises(TypeError, match=r"`customers` must be an iterable of Customer values"):
        CustomerTable.from_customers(None)

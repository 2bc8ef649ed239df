"""Integer item ids coded by value equal the general (hashed text) coding, or step aside."""

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_kanban._core.frames import ArrowText
from customer_kanban.io import _ids
from customer_kanban.io._source import categories


def _column(texts, chunks=3):
    size = max(1, -(-len(texts) // chunks))
    return ArrowText(pa.chunked_array([texts[k : k + size] for k in range(0, len(texts), size)]))


@pytest.fixture(autouse=True)
def _small(monkeypatch):
    monkeypatch.setattr(_ids, "MIN_ROWS", 1)


@given(st.lists(st.integers(0, 5000), min_size=1, max_size=300), st.integers(1, 4))
def test_equal_to_the_general_coding(values, chunks):
    column = _column([str(v) for v in values], chunks)
    fast = _ids.integer_ids(column)
    general, missing = categories(column, ())
    assert fast is not None
    assert fast.labels.tolist() == general.labels.tolist()
    assert fast.codes.tolist() == general.codes.tolist()
    assert not missing.any()


@pytest.mark.parametrize("odd", ["017", "+17", " 17", "17 ", "-3", "1.0", "x", "", "1e3"])
def test_anything_but_canonical_decimals_takes_the_general_path(odd):
    assert _ids.integer_ids(_column(["1", "2", odd, "4"])) is None


def test_sparse_ranges_nulls_and_na_values_take_the_general_path():
    assert _ids.integer_ids(_column(["1", str(10**12)])) is None
    assert _ids.integer_ids(ArrowText(pa.chunked_array([["1", None, "3"]]))) is None
    assert _ids.integer_ids(_column(["1", "0", "3"]), ("0",)) is None


@given(st.lists(st.integers(0, 10**15), min_size=1, max_size=200, unique=True))
def test_text_order_and_decimal_text_equal_python_str(values):
    v = np.array(values, np.int64)
    assert _ids.decimal_text(v).tolist() == [str(x) for x in values]
    assert v[_ids.text_order(v)].tolist() == sorted(values, key=str)
    assert _ids.digits(v).tolist() == [len(str(x)) for x in values]


@given(st.lists(st.integers(0, 5000), min_size=1, max_size=300))
def test_bytes_ids_equal_numpys_unique(values):
    ids = np.array([str(v).encode() for v in values])
    codes = _ids.decimal_values(ids)
    assert codes is not None
    assert codes.tolist() == [int(v) for v in values]
    labels = _ids.code_in_place(codes)  # the values become codes in text order
    distinct, inverse = np.unique(ids, return_inverse=True)
    assert labels is not None
    assert labels.tolist() == [d.decode() for d in distinct.tolist()]
    assert codes.tolist() == inverse.tolist()


@pytest.mark.parametrize(
    "odd", [b"017", b"+17", b" 17", b"17 ", b"-3", b"1.0", b"x", b"", b"1\x002", b"\x001"]
)
def test_bytes_ids_but_canonical_decimals_take_the_general_path(odd):
    assert _ids.decimal_values(np.array([b"1", b"2", odd, b"4"])) is None


def test_values_in_a_sparse_range_are_left_for_the_general_path():
    values = np.array([0, 10**12, 5], np.int64)
    assert _ids.code_in_place(values) is None
    assert values.tolist() == [0, 10**12, 5]  # untouched

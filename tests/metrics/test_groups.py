"""Tests of the ``by=`` factorisation (customer_kanban._core.groups)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from customer_kanban._core.groups import (
    factorize,
    order_by_code_then_time,
    ratio,
    sort_key_by_code_then_time,
)
from customer_kanban.errors import ValidationError


def _decoded(groups, n):
    """Label of each row (None when in no group), via the simplest loop."""
    if groups.codes is None:
        return ["all"] * n
    labels = groups.labels.tolist()
    return [labels[c] if c < groups.size else None for c in groups.codes.tolist()]


def test_none_is_one_group_all():
    g = factorize(None, 3, data_name="values")
    assert g.labels.tolist() == ["all"]
    assert g.codes is None
    assert g.count(n=3).tolist() == [3]


def test_string_labels_sorted_missing_left_out():
    g = factorize(np.array(["b", None, "a", "b", np.nan], dtype=object), 5, data_name="x")
    assert g.labels.tolist() == ["a", "b"]
    assert _decoded(g, 5) == ["b", None, "a", "b", None]
    assert g.count(n=5).tolist() == [1, 2]


def test_unicode_array_and_pandas_string_with_na():
    assert factorize(np.array(["y", "x"]), 2, data_name="x").labels.tolist() == ["x", "y"]
    s = pd.Series(["y", pd.NA, "x"], dtype="string")
    g = factorize(s, 3, data_name="x")
    assert g.labels.tolist() == ["x", "y"]
    assert _decoded(g, 3) == ["y", None, "x"]


def test_integer_codes_are_their_sorted_unique_values():
    g = factorize(np.array([7, 3, 7, 10]), 4, data_name="x")
    assert g.labels.tolist() == [3, 7, 10]
    assert _decoded(g, 4) == [7, 3, 7, 10]
    # Dense codes 0..G-1 are used as they are.
    dense = factorize(np.array([1, 0, 2, 1]), 4, data_name="x")
    assert dense.labels.tolist() == [0, 1, 2]
    assert _decoded(dense, 4) == [1, 0, 2, 1]


def test_integer_labels_are_not_modified():
    by = np.array([5, 6, 5])
    g = factorize(by, 3, data_name="x")
    assert by.tolist() == [5, 6, 5]
    assert g.labels.tolist() == [5, 6]
    assert _decoded(g, 3) == [5, 6, 5]


def test_huge_integer_labels_fall_back_to_unique():
    g = factorize(np.array([10**15, -(10**15), 10**15]), 3, data_name="x")
    assert g.labels.tolist() == [-(10**15), 10**15]


def test_float_labels_nan_is_missing():
    g = factorize(np.array([2.0, np.nan, 1.0]), 3, data_name="x")
    assert g.labels.tolist() == [1.0, 2.0]
    assert _decoded(g, 3) == [2.0, None, 1.0]


def test_codes_labels_tuple_keeps_every_label_in_order():
    g = factorize((np.array([2, -1, 2, 0]), ["z", "y", "x"]), 4, data_name="x")
    assert g.labels.tolist() == ["z", "y", "x"]
    assert _decoded(g, 4) == ["x", None, "x", "z"]
    assert g.count(n=4).tolist() == [1, 0, 2]  # "y" is an empty group, still listed


def test_pandas_categorical_is_read_as_codes_and_categories():
    s = pd.Series(pd.Categorical(["lo", None, "hi"], categories=["lo", "mid", "hi"]))
    g = factorize(s, 3, data_name="x")
    assert g.labels.tolist() == ["lo", "mid", "hi"]
    assert _decoded(g, 3) == ["lo", None, "hi"]


def test_length_mismatch_names_both():
    with pytest.raises(ValidationError, match=r"`values` and `by` must have the same length"):
        factorize(["a"], 2, data_name="values")


def test_codes_out_of_range():
    with pytest.raises(ValidationError, match=r"`by` codes must lie in \[-1, 1\]") as info:
        factorize((np.array([0, 2, -2]), ["a", "b"]), 3, data_name="x")
    assert info.value.rows == (1, 2)


def test_bad_types():
    with pytest.raises(TypeError, match=r"`by` as a tuple must be `\(codes, labels\)`"):
        factorize((1, 2, 3), 3, data_name="x")
    with pytest.raises(TypeError, match=r"`by` codes must be integers"):
        factorize((np.array([0.5]), ["a"]), 1, data_name="x")
    with pytest.raises(TypeError, match=r"`by` labels must be mutually orderable"):
        factorize(np.array(["a", 1], dtype=object), 2, data_name="x")
    with pytest.raises(ValidationError, match=r"`by` must be one-dimensional"):
        factorize(np.zeros((2, 2)), 2, data_name="x")


@given(st.lists(st.sampled_from(["a", "b", "c", None]), max_size=30))
def test_count_and_sum_match_a_loop(labels):
    n = len(labels)
    arr = np.empty(n, dtype=object)
    arr[:] = labels
    g = factorize(arr, n, data_name="x")
    weights = np.arange(n, dtype=np.float64)
    mask = weights % 2 == 0
    expected_count = dict.fromkeys(g.labels.tolist(), 0)
    expected_sum = dict.fromkeys(g.labels.tolist(), 0.0)
    for lab, w, m in zip(labels, weights.tolist(), mask.tolist(), strict=True):
        if lab is not None and m:
            expected_count[lab] += 1
            expected_sum[lab] += w
    assert g.count(mask, n=n).tolist() == list(expected_count.values())
    assert g.sum(weights, mask).tolist() == list(expected_sum.values())


@given(
    hnp.arrays(np.intp, st.integers(0, 40), elements=st.integers(0, 4)),
    st.data(),
)
def test_sorted_values_sorts_by_group_then_value(codes, data):
    values = data.draw(
        hnp.arrays(np.float64, len(codes), elements=st.floats(-5, 5, allow_nan=False))
    )
    g = factorize((codes, np.arange(5)), len(codes), data_name="x")
    ordered, offsets, counts = g.sorted_values(values)
    for k in range(5):
        segment = ordered[offsets[k] : offsets[k] + counts[k]]
        assert segment.tolist() == sorted(values[codes == k].tolist())


@given(
    hnp.arrays(np.intp, st.integers(0, 40), elements=st.integers(0, 5)),
    st.data(),
)
def test_order_by_code_then_time_is_a_stable_lexsort(codes, data):
    times = data.draw(
        hnp.arrays(np.int64, len(codes), elements=st.integers(-(10**12), 10**12) | st.just(0))
    )
    order = order_by_code_then_time(codes, 6, times)
    expected = np.lexsort((times, codes))
    got = np.arange(len(codes)) if order is None else order
    assert got.tolist() == expected.tolist()


def test_sort_key_overflow_returns_none():
    times = np.array([0, 1, 2**61 + 1], dtype=np.int64)  # gcd 1: no compression
    assert sort_key_by_code_then_time(np.array([0, 1, 2]), 4, times) is None
    key, t0, step, width = sort_key_by_code_then_time(
        np.array([1, 0]), 2, np.array([10 * 10**9, 30 * 10**9])
    )
    assert (t0, step, width) == (10 * 10**9, 20 * 10**9, 2)
    assert key.tolist() == [2, 1]


def test_ratio_is_nan_without_denominator():
    assert np.array_equal(ratio(np.array([1, 0]), np.array([2, 0])), [0.5, np.nan], equal_nan=True)


# ----------------------------------------------------------------------------- frames


def _frame_columns():
    """The same labels (None = missing) as a column of each frame library."""
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    values = ["b", None, "a", "b", "c"]
    yield "pandas-object", pd.Series(values, dtype=object)
    yield "pandas-string", pd.Series(values, dtype="string")
    yield "polars-string", pl.Series(values)
    yield "polars-categorical", pl.Series(values, dtype=pl.Categorical)
    yield "pyarrow-string", pa.chunked_array([values[:2], values[2:]])
    yield "pyarrow-large-string", pa.array(values, pa.large_string())


FRAME_COLUMNS = ["pandas-object", "pandas-string", "polars-string", "polars-categorical",
                 "pyarrow-string", "pyarrow-large-string"]  # fmt: skip


@pytest.mark.parametrize("name", FRAME_COLUMNS)
def test_frame_columns_of_labels_group_as_labels(name):
    column = dict(_frame_columns())[name]
    g = factorize(column, 5, data_name="x")
    assert g.labels.tolist() == ["a", "b", "c"]
    assert _decoded(g, 5) == ["b", None, "a", "b", "c"]


def test_declared_categories_are_every_group_in_their_order():
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    enum = pl.Series(["lo", None, "hi"], dtype=pl.Enum(["lo", "mid", "hi"]))
    dictionary = pa.DictionaryArray.from_arrays(
        pa.array([0, None, 2], pa.int8()), pa.array(["lo", "mid", "hi"])
    )
    for column in (enum, dictionary, pa.chunked_array([dictionary[:1], dictionary[1:]])):
        g = factorize(column, 3, data_name="x")
        assert g.labels.tolist() == ["lo", "mid", "hi"]
        assert _decoded(g, 3) == ["lo", None, "hi"]


def test_frame_columns_of_numbers_and_their_length():
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    for column in (pl.Series([3, 1, 3]), pa.array([3, 1, 3]), pd.Series([3, 1, 3])):
        g = factorize(column, 3, data_name="x")
        assert g.labels.tolist() == [1, 3]
        assert _decoded(g, 3) == [3, 1, 3]
    with pytest.raises(ValidationError, match="`values` and `by` must have the same length"):
        factorize(pl.Series(["a"]), 2, data_name="values")


# ------------------------------------------------------------ a table's label column


def _table(labels):
    from customer_kanban.table import WorkItemTable

    n = len(labels)
    return WorkItemTable.from_columns(
        {"id": [str(k) for k in range(n)], "requested_at": ["2024-01-01"] * n, "cos": labels}
    )


@given(st.lists(st.sampled_from(["x", "y", "z", None]), max_size=30), st.data())
def test_a_tables_label_column_groups_as_its_labels(labels, data):
    table = _table(labels)
    keep = data.draw(st.lists(st.booleans(), min_size=len(labels), max_size=len(labels)))
    for t in (table, table.filter(np.array(keep, dtype=bool))):  # some labels now unused
        column = t["cos"]
        g = factorize(column, len(t), data_name="x")
        plain = factorize(column.copy(), len(t), data_name="x")  # writable: factorised
        assert g.labels.tolist() == plain.labels.tolist()
        assert g.labels.dtype == plain.labels.dtype
        assert _decoded(g, len(t)) == _decoded(plain, len(t)) == column.tolist()
        assert g.has_missing == plain.has_missing


def test_a_tables_label_column_uses_its_codes(monkeypatch):
    import customer_kanban._core.groups as groups

    table = _table(["b", "a", None, "b"])
    column = table["cos"]
    assert table["cos"] is column  # made once, kept with the table
    del table
    assert not column.flags.writeable
    with pytest.raises(ValueError, match="WRITEABLE"):
        column.flags.writeable = True
    monkeypatch.setattr(groups, "unique_inverse", None)  # factorising would fail
    assert _decoded(factorize(column, 4, data_name="x"), 4) == ["b", "a", None, "b"]
    key = id(column)
    assert key in groups._REMEMBERED
    del column
    assert key not in groups._REMEMBERED  # forgotten with the array


def test_only_read_only_arrays_of_sorted_text_are_remembered():
    import customer_kanban._core.groups as groups

    codes = np.array([0, 1], np.int32)
    for values, labels in [
        (np.array(["a", "b"], dtype=object), np.array(["a", "b"], dtype=object)),  # writable
        (np.array(["b", "a"], dtype=object), np.array(["b", "a"], dtype=object)),  # unsorted
        (np.array([1, 2], dtype=object), np.array([1, 2], dtype=object)),  # not text
    ]:
        if values[0] != "a":
            values.flags.writeable = False
        groups.remember_codes(values, codes, labels)
        assert groups._remembered(values) is None


@given(
    hnp.arrays(np.intp, st.integers(0, 60), elements=st.integers(-1, 19)),
    st.integers(1, 20),
    st.data(),
)
def test_grouped_values_gathers_each_group_in_row_order(codes, size, data):
    # Few groups are picked by comparisons, more by a radix sort: the same result.
    codes = np.minimum(codes, size - 1)
    n = len(codes)
    values = np.arange(n, dtype=np.float64)
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    g = factorize((codes, np.arange(size)), n, data_name="x")
    grouped, offsets, counts = g.grouped_values(values, mask)
    for k in range(size):
        segment = grouped[offsets[k] : offsets[k] + counts[k]]
        assert segment.tolist() == values[(codes == k) & mask].tolist()

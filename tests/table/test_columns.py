"""Tables from pandas, polars and pyarrow frames equal the tables of the same numpy arrays."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from customer_kanban._core.frames import ArrowText
from customer_kanban.errors import ValidationError
from customer_kanban.table import (
    CustomerTable,
    TransactionTable,
    WorkItemTable,
    _columns,
    factorize,
)
from frames import MAKERS, arrow_table, instants, objects, pandas_frame, polars_frame

pl = pytest.importorskip("polars")
pa = pytest.importorskip("pyarrow")

STATES = ("Backlog", "Doing", "Done")


# The reference: hand-built numpy columns, with a categorical column, instants (given
# below in UTC, in the frames with a time zone) and missing values of every kind.
ITEMS = {
    "id": np.array(["A", "B", "C", "D", "E"]),
    "requested_at": instants(
        "2024-01-01T08:00", "2024-01-02T23:30", "2024-01-03", "2024-01-03", "2024-01-05T12:00"
    ),
    "committed_at": instants("2024-01-02T09:00", None, "2024-01-04", None, "2024-01-06"),
    "delivered_at": instants("2024-01-05T17:45", None, None, None, "2024-01-09"),
    "class_of_service": objects("Standard", "Expedite", None, "Standard", "Fixed date"),
    "customer": objects("c2", None, "c1", "c1", "c3"),
    "customer_recognisable": np.array([True, False, True, True, False]),
    "size": np.array([3.0, np.nan, 1.0, 8.0, 2.0]),
    "team": objects("red", "blue", None, "red", "blue"),
}
CATEGORICAL = ("class_of_service", "customer", "team")
TRANSITIONS = {
    "item": np.array(["A", "A", "A", "C", "E", "E", "B"]),
    "state": np.array(["Backlog", "Doing", "Done", "Doing", "Doing", "Done", "Backlog"]),
    "at": instants(
        "2024-01-01T08:00",
        "2024-01-02T09:00",
        "2024-01-05T17:45",
        "2024-01-04",
        "2024-01-06",
        "2024-01-09",
        "2024-01-02T23:30",
    ),
    "department": objects("sales", "dev", None, "dev", "dev", "ops", "sales"),
}
BLOCKED = {
    "item": np.array(["A", "E", "C"]),
    "start": instants("2024-01-03", "2024-01-07", "2024-01-04T12:00"),
    "end": instants("2024-01-04", None, None),
    "reason": objects("vendor", None, "customer"),
}


def _reference():
    return WorkItemTable.from_columns(
        ITEMS, states=STATES, transitions=TRANSITIONS, blocked=BLOCKED
    )


def _enum(name):
    values = {**ITEMS, **TRANSITIONS, **BLOCKED}.get(name)
    labels = sorted({v for v in values.tolist() if v is not None})
    return pl.Enum(["unused", *reversed(labels)])  # categories in their own order


def _sources():
    coded = ((*CATEGORICAL, "id"), ("item", "state", "department"), ("item", "reason"))
    item_coded, tr_coded, bl_coded = coded
    for name, make in [
        ("pandas", pandas_frame),
        ("polars", polars_frame),
        ("pyarrow", arrow_table),
    ]:
        for coding, (a, b, c) in [("coded", coded), ("text", ((), (), ()))]:
            yield f"{name}-{coding}", make(ITEMS, a), make(TRANSITIONS, b), make(BLOCKED, c)
    yield (
        "polars-enum",
        polars_frame(ITEMS, CATEGORICAL, dtype=_enum),
        polars_frame(TRANSITIONS, ("state", "department"), dtype=_enum),
        polars_frame(BLOCKED, ("reason",), dtype=_enum),
    )
    yield (
        "pyarrow-chunked-dictionaries",
        arrow_table(ITEMS, item_coded, chunked=True),
        arrow_table(TRANSITIONS, tr_coded, chunked=True),
        arrow_table(BLOCKED, bl_coded, chunked=True),
    )
    yield (
        "mapping-of-series",
        {
            **ITEMS,
            "id": pl.Series(ITEMS["id"]),
            "class_of_service": pd.Series(ITEMS["class_of_service"], dtype="category"),
            "customer": pa.array(list(ITEMS["customer"])).dictionary_encode(),
            "requested_at": pandas_frame({"t": ITEMS["requested_at"]}, ())["t"],
            "delivered_at": arrow_table({"t": ITEMS["delivered_at"]}, ())["t"],
            "team": pl.Series(list(ITEMS["team"]), dtype=pl.Categorical),
        },
        {**TRANSITIONS, "state": pa.array(TRANSITIONS["state"])},
        {**BLOCKED, "reason": pd.Series(BLOCKED["reason"], dtype="string")},
    )


SOURCES = {name: rest for name, *rest in _sources()}


def _same_table(got, expected):
    assert got.equals(expected)
    for name in expected.fields:
        if name in expected.categorical_fields:
            for a, b in zip(got.codes(name), expected.codes(name), strict=True):
                assert a.tolist() == b.tolist(), name
        else:
            assert got[name].dtype == expected[name].dtype, name
    a, b = got.transitions, expected.transitions
    assert a.department.tolist() == b.department.tolist()
    assert a.department_labels.tolist() == b.department_labels.tolist()
    c, d = got.blocked, expected.blocked
    assert c.reason.tolist() == d.reason.tolist()
    assert c.reason_labels.tolist() == d.reason_labels.tolist()
    assert np.array_equal(c.end, d.end, equal_nan=True)


@pytest.mark.parametrize("name", list(SOURCES))
def test_work_item_table_of_every_frame_equals_that_of_numpy_arrays(name):
    items, transitions, blocked = SOURCES[name]
    got = WorkItemTable.from_columns(items, states=STATES, transitions=transitions, blocked=blocked)
    _same_table(got, _reference())


def test_coded_columns_are_read_without_a_python_object_per_row(monkeypatch):
    def refuse(*args):
        raise AssertionError("a Python object per row")

    monkeypatch.setattr(_columns, "_labels_of", refuse)
    texts = []
    objects = ArrowText.objects
    monkeypatch.setattr(ArrowText, "objects", lambda self: texts.append(len(self)) or objects(self))
    for name in ("pandas-coded", "polars-coded", "pyarrow-coded", "pyarrow-text"):
        items, transitions, blocked = SOURCES[name]
        got = WorkItemTable.from_columns(
            items, states=STATES, transitions=transitions, blocked=blocked
        )
        _same_table(got, _reference())
    # Only the ids of Arrow text, where every item has its own, become Python strings.
    assert texts == [len(ITEMS["id"])]


@pytest.mark.parametrize("make", [pandas_frame, polars_frame, arrow_table])
def test_a_label_outside_the_states_is_the_same_error(make):
    bad = {**TRANSITIONS, "state": np.array(["Backlog", "Doing", "Nope", *["Done"] * 4])}
    messages = []
    for transitions in (bad, make(bad, ("item", "state"))):
        with pytest.raises(ValidationError, match="not among the known labels") as info:
            WorkItemTable.from_columns(ITEMS, states=STATES, transitions=transitions)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("make", [pandas_frame, polars_frame, arrow_table])
def test_an_unknown_item_is_the_same_error(make):
    bad = {**BLOCKED, "item": np.array(["A", "Z", "C"])}
    messages = []
    for blocked in (bad, make(bad, ("item",))):
        with pytest.raises(ValidationError, match="names items that are not in") as info:
            WorkItemTable.from_columns(ITEMS, blocked=blocked)
        messages.append((str(info.value), info.value.rows))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("make", [pandas_frame, polars_frame, arrow_table])
def test_a_bad_instant_names_its_row(make):
    columns = {"id": np.array(["A", "B", "C"]), "requested_at": np.array(["2024-01-01"] * 3),
               "class_of_service": np.array(["x", "y", "x"])}  # fmt: skip
    frame = make({**columns, "requested_at": np.array(["2024-01-01", "2024-13-01", ""])},
                 ("requested_at",))  # fmt: skip
    with pytest.raises(ValidationError, match="requested_at") as info:
        WorkItemTable.from_columns(frame)
    assert info.value.rows == (1,)


def test_a_frame_that_is_not_a_frame_is_refused():
    with pytest.raises(TypeError, match=r"`columns` must be a mapping .* or a data frame"):
        WorkItemTable.from_columns([("A", "2024-01-01")])
    with pytest.raises(TypeError, match=r"`data` must be a mapping .* or a data frame"):
        TransactionTable.from_columns(np.zeros(3))


def test_factorize_takes_frame_columns():
    for column in (
        pd.Series(["b", None, "a"], dtype="category"),
        pl.Series(["b", None, "a"], dtype=pl.Categorical),
        pa.array(["b", None, "a"]).dictionary_encode(),
        pa.array(["b", None, "a"]),
    ):
        codes, labels = factorize(column)
        assert (codes.tolist(), labels.tolist()) == ([1, -1, 0], ["a", "b"])


# ----------------------------------------------------------------- customers


TRANSACTIONS = {
    "customer": objects("b", "a", "b", None, "c"),
    "at": instants("2024-01-05T10:00", "2024-01-09", "2024-01-20", None, "2024-02-03T23:00"),
    "revenue": np.array([100.0, 40.0, 60.0, 10.0, 5.0]),
    "cost": np.array([70.0, np.nan, 30.0, 1.0, 2.0]),
    "product": objects("x", "y", None, "x", "x"),
}
CUSTOMERS = {
    "id": np.array(["a", "b", "c"]),
    "internal": np.array([False, True, False]),
    "segment": objects("premium", None, "premium"),
    "acquired_at": instants("2023-05-01T12:00", None, "2024-01-01"),
}


@pytest.mark.parametrize("library", list(MAKERS))
@pytest.mark.parametrize("coding", ["coded", "text"])
def test_transaction_table_of_every_frame_equals_that_of_numpy_arrays(library, coding):
    kw = {"cost": "cost", "product": "product"}
    rows = np.array([0, 1, 2, 4])  # a missing customer or instant is an error
    numpy = {k: v[rows] for k, v in TRANSACTIONS.items()}
    expected = TransactionTable.from_columns(numpy, **kw)
    coded = ("customer", "product") if coding == "coded" else ()
    got = TransactionTable.from_columns(MAKERS[library](numpy, coded), **kw)
    for name in ("customer", "product"):
        assert [a.tolist() for a in got.codes(name)] == [b.tolist() for b in expected.codes(name)]
    for name in ("at", "revenue", "margin"):
        assert np.array_equal(got[name], expected[name], equal_nan=True), name
        assert got[name].dtype == expected[name].dtype
    with pytest.raises(ValidationError) as info:
        TransactionTable.from_columns(MAKERS[library](TRANSACTIONS, coded), **kw)
    with pytest.raises(ValidationError) as reference:
        TransactionTable.from_columns(TRANSACTIONS, **kw)
    assert str(info.value) == str(reference.value)


@pytest.mark.parametrize("library", list(MAKERS))
@pytest.mark.parametrize("coding", ["coded", "text"])
def test_customer_table_of_every_frame_equals_that_of_numpy_arrays(library, coding):
    kw = {"internal": "internal", "segment": "segment", "acquired_at": "acquired_at"}
    expected = CustomerTable.from_columns(CUSTOMERS, **kw)
    coded = ("id", "segment") if coding == "coded" else ()
    got = CustomerTable.from_columns(MAKERS[library](CUSTOMERS, coded), **kw)
    assert got.ids.tolist() == expected.ids.tolist()
    assert got.internal.tolist() == expected.internal.tolist()
    assert [a.tolist() for a in got.codes("segment")] == [
        b.tolist() for b in expected.codes("segment")
    ]
    assert np.array_equal(got.acquired_at, expected.acquired_at, equal_nan=True)


def test_a_missing_column_of_a_frame_is_named():
    with pytest.raises(ValidationError, match=r"column 'amount' not found; the data has \["):
        TransactionTable.from_columns(pl.DataFrame(TRANSACTIONS), revenue="amount")


@pytest.mark.parametrize("repeat", [1, 10_000])
def test_factorize_takes_objects_by_their_text(repeat):
    # 10 and 10.0 are equal numbers but different text; str objects stay as they are.
    for values, labels in [
        ([10, "9", None, 10.0], ["10", "10.0", "9"]),
        ([10, 10.0, np.nan], ["10", "10.0"]),
        (["b", None, "a", ""], ["a", "b"]),
    ]:
        column = np.array(values * repeat, dtype=object)
        codes, found = factorize(column)
        assert found.tolist() == labels
        expected = [None if v is None or v != v or v == "" else str(v) for v in values]
        assert [None if c < 0 else labels[c] for c in codes[: len(values)]] == expected

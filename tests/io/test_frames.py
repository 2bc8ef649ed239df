"""Every reader on pandas, polars and pyarrow tables gives what it gives on numpy arrays.

The reference is a mapping of hand-built numpy arrays with missing values of every kind;
each frame holds the same values with its categorical columns coded and its instants in
a time zone of its own.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from customer_kanban._core.frames import ArrowText
from customer_kanban.errors import RejectedRowsWarning
from customer_kanban.io import _source as source_module
from customer_kanban.io import read_event_log, read_feedback, read_transactions
from customer_kanban.model import Workflow
from frames import MAKERS, instants, objects

pytest.importorskip("polars")
pytest.importorskip("pyarrow")

CODINGS = ["coded", "text"]


def _read(reader, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RejectedRowsWarning)
        return reader(*args, **kwargs)


def _same_rejections(got, expected):
    assert (got.n_rows, got.n_accepted) == (expected.n_rows, expected.n_accepted)
    assert got.rejected.rows.tolist() == expected.rejected.rows.tolist()
    assert got.rejected.reasons.tolist() == expected.rejected.reasons.tolist()


# ----------------------------------------------------------------------------- event log

WORKFLOW = Workflow(["Backlog", "Doing", "Done"], "Doing", "Done")
EVENTS = {
    "item": objects("A", "A", "A", "B", None, "B", "B", "C", "C"),
    "state": objects("Backlog", "Doing", "Done", "Doing", "Doing", "Nope", "Done", None, "Doing"),
    "at": instants(
        "2024-01-01T09:00",
        "2024-01-02T09:00",
        "2024-01-05T18:30",
        "2024-01-03",
        "2024-01-03",
        "2024-01-04",
        None,
        "2024-01-05T09:00",
        "2024-01-05T23:00",
    ),
    "team": objects("Sales", "Dev", "Dev", None, "Dev", "Dev", "Dev", "QA", "QA"),
    "prio": objects("High", None, "Low", "Low", None, None, None, "High", "High"),
}


@pytest.mark.parametrize("library", list(MAKERS))
@pytest.mark.parametrize("coding", CODINGS)
def test_read_event_log(library, coding):
    kw = {"workflow": WORKFLOW, "department": "team", "attributes": {"prio": "class_of_service"}}
    expected = _read(read_event_log, EVENTS, **kw)
    coded = ("item", "state", "team", "prio") if coding == "coded" else ()
    got = _read(read_event_log, MAKERS[library](EVENTS, coded), **kw)
    assert got.table.equals(expected.table)
    assert got.table.codes("class_of_service")[1].tolist() == ["High", "Low"]
    _same_rejections(got, expected)
    assert got.n_merged == expected.n_merged


# ----------------------------------------------------------------------------- transactions

TRANSACTIONS = {
    "customer": objects("b", "a", "b", None, "c", "a"),
    "at": instants(
        "2024-01-05T10:00", "2024-01-09", None, "2024-02-01", "2024-02-03T23:00", "2024-03-01"
    ),
    "revenue": np.array([100.0, 40.0, 60.0, 10.0, 5.0, np.nan]),
    "cost": np.array([70.0, 35.0, np.nan, 1.0, 2.0, 3.0]),
    "product": objects("x", "y", None, "x", "x", "y"),
}


@pytest.mark.parametrize("library", list(MAKERS))
@pytest.mark.parametrize("coding", CODINGS)
def test_read_transactions(library, coding):
    kw = {"cost": "cost", "product": "product"}
    expected = _read(read_transactions, TRANSACTIONS, **kw)
    coded = ("customer", "product") if coding == "coded" else ()
    got = _read(read_transactions, MAKERS[library](TRANSACTIONS, coded), **kw)
    _same_rejections(got, expected)
    a, b = got.table, expected.table
    for name in ("customer", "product"):
        assert [x.tolist() for x in a.codes(name)] == [y.tolist() for y in b.codes(name)]
    for name in ("at", "revenue", "margin"):
        assert a[name].dtype == b[name].dtype
        assert np.array_equal(a[name], b[name], equal_nan=True), name


def test_coded_customers_are_read_as_codes(monkeypatch):
    # The labels of a coded column are read once each: never a Python object per row,
    # nor a label written out per row.
    def refuse(self, *args):
        raise AssertionError("a value per row")

    monkeypatch.setattr(ArrowText, "objects", refuse)
    monkeypatch.setattr(source_module.Categorical, "text", refuse)
    coded = ("customer", "product")
    expected = _read(read_transactions, TRANSACTIONS, cost="cost", product="product")
    for make in MAKERS.values():
        got = _read(read_transactions, make(TRANSACTIONS, coded), cost="cost", product="product")
        assert got.table.codes("customer")[0].tolist() == (
            expected.table.codes("customer")[0].tolist()
        )


# ----------------------------------------------------------------------------- feedback

FEEDBACK = {
    "customer": objects("C1", "C2", None, "C1", "C3", "C2"),
    "at": instants(
        "2024-05-02T08:00", "2024-05-03", "2024-05-03", None, "2024-05-04", "2024-05-05"
    ),
    "kind": objects("Negative", "praise", "improvement", "confirmation", None, "negative"),
    "item": objects("I1", None, "I2", "I3", "I4", "I5"),
    "score": np.array([2.0, 9.0, np.nan, 7.0, 8.0, 10.0]),
    "text": objects("slow", "great", None, "ok", "fine", "late"),
}


@pytest.mark.parametrize("library", list(MAKERS))
@pytest.mark.parametrize("coding", CODINGS)
def test_read_feedback(library, coding):
    kw = {"item": "item", "score": "score", "text": "text"}
    expected = _read(read_feedback, FEEDBACK, **kw)
    coded = ("customer", "kind", "item") if coding == "coded" else ()
    got = _read(read_feedback, MAKERS[library](FEEDBACK, coded), **kw)
    _same_rejections(got, expected)
    assert got.feedback == expected.feedback
    assert len(got.feedback) == 2

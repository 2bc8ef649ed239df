"""read_transactions and read_feedback: files and columns alike, every refused row reported."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest

from customer_kanban.datasets import load_cdnow
from customer_kanban.errors import RejectedRowsWarning, ValidationError
from customer_kanban.io import read_feedback, read_transactions
from customer_kanban.model import FeedbackKind


def _quiet(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RejectedRowsWarning)
        return function(*args, **kwargs)


def test_a_csv_of_cdnow_reads_back_to_the_same_table(tmp_path):
    table = load_cdnow()
    codes, labels = table.codes("customer")
    frame = pd.DataFrame(
        {
            "who": labels[codes],
            "when": np.datetime_as_string(table["at"], unit="D"),
            "usd": table["revenue"],
        }
    )
    path = tmp_path / "cdnow.csv"
    frame.to_csv(path, index=False)
    result = read_transactions(path, customer="who", at="when", revenue="usd")
    assert result.n_rows == result.n_accepted == len(table)
    assert len(result.rejected) == 0
    got = result.table
    assert got.customers.tolist() == table.customers.tolist()
    assert np.array_equal(got.codes("customer")[0], codes)
    assert np.array_equal(got["at"], table["at"])
    assert np.array_equal(got["revenue"], table["revenue"])
    # the same data as columns gives the same table
    from_frame = read_transactions(frame, customer="who", at="when", revenue="usd").table
    assert np.array_equal(from_frame["revenue"], got["revenue"])
    assert np.array_equal(from_frame.codes("customer")[0], got.codes("customer")[0])


def test_refused_rows_have_their_first_reason(tmp_path):
    path = tmp_path / "buys.csv"
    path.write_text(
        "customer;at;revenue;cost;product\n"
        "a;2024-01-01;10;4;cd\n"
        ";2024-01-01;10;1;cd\n"  # no customer
        "b;yesterday;10;1;cd\n"  # not an instant
        "c;2024-01-03;;1;dvd\n"  # no revenue
        "d;2024-01-04;1e999;1;dvd\n"  # not finite
        "e;2024-01-05;12;much;dvd\n"  # cost not a number
        "f;2024-01-06;20;5\n"  # a field short
        "g;2024-01-07;7.5;2.5;\n",
        encoding="utf-8",
    )
    with pytest.warns(RejectedRowsWarning, match=r"buys\.csv: 6 of 8 rows rejected \(75\.0%\)"):
        r = read_transactions(path, cost="cost", product="product", delimiter=None)
    assert r.rejected.rows.tolist() == [1, 2, 3, 4, 5, 6]
    assert r.rejected.reasons.tolist() == [
        "missing customer",
        "unparseable instant",
        "missing revenue",
        "revenue is not a finite number",
        "cost is not a finite number",
        "4 fields where the header has 5",
    ]
    assert r.n_accepted + len(r.rejected) == r.n_rows == 8
    assert r.table.customers.tolist() == ["a", "g"]
    assert r.table["margin"].tolist() == [6.0, 5.0]
    assert r.table.codes("product")[1].tolist() == ["cd"]


def test_transaction_arguments():
    with pytest.raises(ValidationError, match=r"give `margin` or `cost`, not both"):
        read_transactions({}, margin="m", cost="c")
    with pytest.raises(ValidationError, match=r"`revenue` column 'usd' not found"):
        read_transactions({"customer": ["a"], "at": ["2024-01-01"]}, revenue="usd")
    with pytest.raises(TypeError, match=r"`customer` must be a column name"):
        read_transactions({}, customer=3)


def test_feedback_rows_become_feedback_values(tmp_path):
    path = tmp_path / "voice.csv"
    path.write_bytes(
        "\ufeffwho,when,what,about,nps,words\r\n"
        'C1,2024-05-02T10:00Z,Negative,INC-7,2,"late, again"\r\n'
        "C2,2024-05-03,confirmation,,10,\r\n"
        "C3,2024-05-03,praise,,9,\r\n"
        "C4,2024-05-04,improvement,,nine,\r\n"
        ",2024-05-04,improvement,,1,\r\n".encode()
    )
    with pytest.warns(RejectedRowsWarning, match=r"3 of 5 rows rejected"):
        r = read_feedback(
            path, customer="who", at="when", kind="what", item="about", score="nps", text="words"
        )
    assert r.rejected.reasons.tolist() == [
        "unknown kind 'praise'",
        "score is not a finite number",
        "missing customer",
    ]
    first, second = r.feedback
    assert first.customer == "C1"
    assert first.at == dt.datetime(2024, 5, 2, 10, tzinfo=dt.timezone.utc)
    assert first.kind is FeedbackKind.NEGATIVE
    assert (first.item, first.score, first.text) == ("INC-7", 2.0, "late, again")
    assert (second.item, second.score, second.text) == (None, 10.0, "")
    assert r.n_accepted + len(r.rejected) == r.n_rows == 5


def test_feedback_from_columns_without_optional_ones():
    r = _quiet(
        read_feedback,
        {"customer": ["a", "b"], "at": ["2024-01-01", None], "kind": ["negative", "negative"]},
    )
    assert [f.customer for f in r.feedback] == ["a"]
    assert r.rejected.reasons.tolist() == ["missing instant"]


@pytest.mark.parametrize("reader", [read_transactions, read_feedback])
def test_reader_options_are_checked_before_any_reading(reader):
    with pytest.raises(TypeError, match=r"`na_values` must be a sequence of strings, got None"):
        reader({}, na_values=None)
    with pytest.raises(TypeError, match=r"`na_values` must hold strings, got 3"):
        reader({}, na_values=["NA", 3])
    with pytest.raises(TypeError, match=r"`customer` must be a column name .*, got None"):
        reader({}, customer=None)
    with pytest.raises(TypeError, match=r"`field_limit` must be a whole number of bytes"):
        reader({}, field_limit=1.5)
    with pytest.raises(ValidationError, match=r"`input_limit` must lie in \[1, "):
        reader({}, input_limit=-1)
    with pytest.raises(ValidationError, match=r"`delimiter` must be one character"):
        reader({}, delimiter=";;")


def test_many_blocks_give_the_table_of_one(tmp_path, monkeypatch):
    import functools

    from customer_kanban.io import _source
    from customer_kanban.io._csv import CsvReader

    rng = np.random.default_rng(3)
    n = 3000
    customers = [f"c{k}é" if k % 7 == 0 else f"c{k}" for k in rng.integers(0, 400, n)]
    days = rng.integers(1, 28, n)
    text = "customer,at,revenue\n" + "".join(
        f"{c},2024-02-{d:02d},{k % 50}.5\n"
        for k, (c, d) in enumerate(zip(customers, days, strict=True))
    )
    path = tmp_path / "purchases.csv"
    path.write_text(text, encoding="utf-8")
    one = read_transactions(path).table
    monkeypatch.setattr(_source, "CsvReader", functools.partial(CsvReader, block_bytes=4096))
    many = read_transactions(path).table
    assert many.codes("customer")[1].tolist() == one.codes("customer")[1].tolist()
    assert many.codes("customer")[0].tolist() == one.codes("customer")[0].tolist()
    assert sorted(one.codes("customer")[1].tolist()) == sorted(set(customers))
    np.testing.assert_array_equal(many["revenue"], one["revenue"])

"""The streaming CSV reader: equal to Python's csv module, bounded, and clear about bad input."""

from __future__ import annotations

import csv
import io
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from customer_kanban.errors import ValidationError
from customer_kanban.io._csv import CsvReader, sniff_delimiter


def _read(data: bytes, **kwargs):
    reader = CsvReader(io.BytesIO(data), **kwargs)
    columns = {name: [] for name in reader.header}
    rows, rejected = [], []
    n = 0
    for block in reader.blocks():
        n += block.n_rows
        rows += block.rows.tolist()
        for name, values in block.columns.items():
            columns[name] += [bytes(v).decode() for v in values.tolist()]
        rejected += list(zip(block.rejected_rows, block.rejected_reasons, strict=True))
    return reader, columns, rows, rejected, n


FIELD = st.text(alphabet=st.sampled_from(list('ab,;"\n\r é☃1')), max_size=8)


@settings(max_examples=200)
@given(
    table=st.lists(st.lists(FIELD, min_size=3, max_size=3), max_size=40),
    terminator=st.sampled_from(["\n", "\r\n", "\r"]),
    block=st.sampled_from([1024, 4096]),
)
def test_equal_to_pythons_csv_module_at_any_block_size(table, terminator, block):
    text = io.StringIO()
    # every field quoted: a line end inside a field is then data, as csv writes it
    csv.writer(text, lineterminator=terminator, quoting=csv.QUOTE_ALL).writerows(
        [["a", "b", "c"], *table]
    )
    expected = list(csv.reader(io.StringIO(text.getvalue(), newline="")))[1:]
    expected = [r for r in expected if r]
    _, columns, rows, rejected, n = _read(text.getvalue().encode(), block_bytes=block)
    got = [list(r) for r in zip(columns["a"], columns["b"], columns["c"], strict=True)]
    assert got == expected
    assert not rejected
    assert rows == list(range(n))


def test_bom_line_ends_and_blank_lines():
    for data in (
        b"\xef\xbb\xbfid,state\r\nA,New\r\n\r\nB,Done\r\n",
        b"id,state\rA,New\r\rB,Done",
        b"id,state\nA,New\n\nB,Done\n\n",
    ):
        reader, columns, rows, rejected, n = _read(data)
        assert reader.header == ["id", "state"]
        assert columns == {"id": ["A", "B"], "state": ["New", "Done"]}
        assert (rows, rejected, n) == ([0, 1], [], 2)


def test_the_delimiter_is_sniffed_from_the_header():
    assert sniff_delimiter(b"id;state;at") == ";"
    assert sniff_delimiter(b"id\tstate") == "\t"
    assert sniff_delimiter(b'"a;b",c,d') == ","
    reader, columns, *_ = _read(b"id|state\nA|New\n", delimiter=None)
    assert reader.delimiter == "|"
    assert columns == {"id": ["A"], "state": ["New"]}


def test_malformed_rows_are_rejected_with_their_row_number():
    data = b'id,state\nA,New\nB\nD,Doing,x\nE,Done\nC,"Done\nF,New\n'
    _, columns, rows, rejected, n = _read(data)
    assert columns["id"] == ["A", "E"]
    assert rejected == [
        (1, "1 fields where the header has 2"),
        (2, "3 fields where the header has 2"),
        (4, "unbalanced quotes"),  # the open quote runs to the end: one row
    ]
    assert len(rows) + len(rejected) == n == 5


def test_stray_quotes_and_nul_characters():
    data = b'id,state\nE,"Ne"x\nF,N\x00ew\nG,Done\n'
    _, columns, rows, rejected, n = _read(data)
    assert columns["id"] == ["G"]
    assert [r for r, _ in rejected] == [0, 1]
    assert all("malformed field in column 'state'" in why for _, why in rejected)
    assert len(rows) + len(rejected) == n == 3


def test_header_rules():
    with pytest.raises(ValidationError, match=r"the header repeats the column names \['id'\]"):
        CsvReader(io.BytesIO(b"id,state,id\nA,New,B\n"))
    with pytest.raises(ValidationError, match=r"header column 1 has no name"):
        CsvReader(io.BytesIO(b"id,,state\n"))
    with pytest.raises(ValidationError, match=r"no header row"):
        CsvReader(io.BytesIO(b"\n\n"))
    with pytest.raises(ValidationError, match=r"the header is not UTF-8 text"):
        CsvReader(io.BytesIO(b"\xff\xfeid,state\n"))


def test_limits_are_clear_errors():
    long = b"id,note\nA," + b"x" * 3000 + b"\n"
    with pytest.raises(
        ValidationError, match=r"row 0 has a field of 3,000 bytes, more than .* 2,048"
    ):
        list(CsvReader(io.BytesIO(long), field_limit=2048).blocks())
    assert sum(b.n_rows for b in CsvReader(io.BytesIO(long), field_limit=4096).blocks()) == 1
    endless = b"id,note\n" + b"A,x\n" * 10_000
    with pytest.raises(ValidationError, match=r"larger than the limit of 20,000 bytes"):
        list(CsvReader(io.BytesIO(endless), input_limit=20_000).blocks())
    no_line_end = b"id,note\n" + b"x" * 100_000
    with pytest.raises(ValidationError, match=r"row 0 is longer than"):
        list(CsvReader(io.BytesIO(no_line_end), field_limit=1024, block_bytes=4096).blocks())
    with pytest.raises(ValidationError, match=r"`field_limit` must lie in \[1, 2,147,483,648\]"):
        CsvReader(io.BytesIO(b"a\n"), field_limit=0)


def test_files_that_are_not_files(tmp_path):
    with pytest.raises(ValidationError, match=r"it is a directory, not a file"):
        CsvReader(tmp_path)
    with pytest.raises(ValidationError, match=r"no such file"):
        CsvReader(tmp_path / "nope.csv")
    if os.path.exists("/dev/zero"):
        with pytest.raises(ValidationError, match=r"it is a device, not a file"):
            CsvReader("/dev/zero")


def test_not_utf8_names_the_row():
    data = b"id,state\nA,New\nB,D\xe9j\xe0\n"
    with pytest.raises(ValidationError, match=r"row 1 is not UTF-8 text"):
        _read(data)


def test_open_text_and_binary_files(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("id,state\nA,New\n", encoding="utf-8")
    with open(path, encoding="utf-8") as text, open(path, "rb") as binary:
        for handle in (text, binary):
            reader = CsvReader(handle)
            assert reader.label == "log.csv"
            assert [b.columns["id"].tolist() for b in reader.blocks()] == [[b"A"]]


def test_only_the_wanted_columns_are_cut_and_long_values_stay_whole():
    value = "v" * 300
    data = f"id,note,state\nA,{value},New\nB,short,Done\n".encode()
    reader = CsvReader(io.BytesIO(data))
    (block,) = list(reader.blocks(["state", "note"]))
    assert set(block.columns) == {"state", "note"}
    assert block.columns["note"].dtype == object  # longer than the fixed width
    assert block.columns["note"].tolist() == [value.encode(), b"short"]
    assert np.asarray(block.columns["state"]).dtype.kind == "S"

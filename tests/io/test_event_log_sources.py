"""Sources of read_event_log: CSV files, mappings and pandas DataFrames; bad files."""

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from reading import read_log

from customer_kanban.errors import RejectedRowsWarning, ValidationError
from customer_kanban.io import read_event_log
from customer_kanban.model import Workflow

DATA = Path(__file__).parent / "data"
WF = Workflow(["Backlog", "Doing", "Done"], "Doing", "Done")
ROWS = [
    ("A", "Backlog", "2024-01-01T09:00", "Sales", "High"),
    ("A", "Doing", "2024-01-02T09:00", "Dev", ""),
    ("A", "Doing", "2024-01-02T10:00", "Dev", "?"),
    ("B", "Doing", "2024-01-03T00:00", "?", "Low"),
    ("", "Doing", "2024-01-03T00:00", "Dev", ""),
    ("B", "Nope", "2024-01-04T00:00", "Dev", ""),
    ("B", "Done", "not a date", "Dev", ""),
    ("A", "Done", "2024-01-05T09:00", "QA", "Low"),
]
HEADER = ("item", "state", "at", "team", "prio")
KW = {
    "workflow": WF,
    "department": "team",
    "attributes": {"prio": "class_of_service"},
    "na_values": ("", "?"),
}


def _write(path, rows, header=HEADER, delimiter=","):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _mapping(rows=ROWS):
    return {name: [r[k] for r in rows] for k, name in enumerate(HEADER)}


def _pairs(rejected):
    return list(zip(rejected.rows.tolist(), rejected.reasons.tolist(), strict=True))


def test_csv_mapping_and_dataframe_give_equal_tables(tmp_path):
    path = _write(tmp_path / "log.csv", ROWS)
    from_csv = read_log(path, **KW)
    from_str_path = read_log(str(path), **KW)
    from_mapping = read_log(_mapping(), **KW)
    from_arrays = read_log({k: np.array(v) for k, v in _mapping().items()}, **KW)
    from_frame = read_log(pd.DataFrame(_mapping()), **KW)
    for other in (from_str_path, from_mapping, from_arrays, from_frame):
        assert from_csv.table.equals(other.table)
        assert _pairs(from_csv.rejected) == _pairs(other.rejected)
    assert _pairs(from_csv.rejected) == [
        (4, "missing item id"),
        (5, "unknown state 'Nope'"),
        (6, "unparseable instant"),
    ]
    assert from_csv.table["class_of_service"].tolist() == ["Low", "Low"]


def test_dataframe_with_missing_values_and_datetime_columns():
    frame = pd.DataFrame(
        {
            "item": ["A", None, "A", "B", "B"],
            "state": ["Backlog", "Doing", "Done", np.nan, "Doing"],
            "at": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", None]),
        }
    )
    result = read_log(frame, workflow=WF)
    assert _pairs(result.rejected) == [
        (1, "missing item id"),
        (3, "missing state"),
        (4, "missing instant"),
    ]
    assert result.table["id"].tolist() == ["A"]
    assert result.table["delivered_at"][0] == np.datetime64("2024-01-03", "ns")


def test_dataframe_with_time_zone_is_converted_to_utc():
    frame = pd.DataFrame(
        {
            "item": ["A", "A"],
            "state": ["Backlog", "Doing"],
            "at": pd.to_datetime(["2024-01-01 09:00", "2024-01-02 09:00"]).tz_localize(
                "Europe/Paris"
            ),
        }
    )
    t = read_log(frame, workflow=WF).table
    assert t["requested_at"][0] == np.datetime64("2024-01-01T08:00", "ns")
    assert t["committed_at"][0] == np.datetime64("2024-01-02T08:00", "ns")


def test_pandas_string_dtype_columns():
    frame = pd.DataFrame(_mapping()).astype("string")
    frame.loc[0, "prio"] = pd.NA
    result = read_log(frame, **KW)
    assert result.table["class_of_service"].tolist() == ["Low", "Low"]
    assert len(result.rejected) == 3


def test_fixture_with_bom_quotes_blank_line_and_semicolons():
    result = read_log(
        DATA / "semicolon_log.csv",
        workflow=Workflow(["Open", "Working", "Closed"], "Working", "Closed"),
        item="ticket",
        state="status",
        at="changed at",
        department="team",
        attributes=["note"],
        delimiter=";",
    )
    # The blank line is not a data row: rows count from the first line after the header.
    assert result.n_rows == 5
    assert _pairs(result.rejected) == [(3, "unknown state 'Bogus'")]
    t = result.table
    assert t["id"].tolist() == ["T-1", "T-2"]
    assert t["note"].tolist() == ["done", "a, b"]
    tr = t.transitions
    assert tr.department_labels[tr.department[tr.department >= 0]].tolist() == [
        "Ops; night",
        "Ops",
        "Ops",
    ]
    assert (tr.department < 0).sum() == 1
    assert t["delivered_at"][0] == np.datetime64("2024-03-03T12:00", "ns")


def test_header_only_file_gives_an_empty_table(tmp_path):
    path = _write(tmp_path / "empty.csv", [])
    result = read_log(path, **KW)
    assert len(result.table) == 0
    assert result.n_rows == 0
    assert len(result.rejected) == 0


def test_wide_csv_fields_do_not_change_the_id_dtype(tmp_path):
    rows = [(*r[:4], "a very long priority label indeed") for r in ROWS]
    a = read_log(_write(tmp_path / "wide.csv", rows), **KW)
    b = read_log(_mapping(rows), **KW)
    assert a.table["id"].dtype == b.table["id"].dtype == np.dtype("<U1")
    assert a.table.equals(b.table)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (None, r"^cannot read nope\.csv: no such file"),
        (b"", r"^cannot read bad\.csv: no header row$"),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe\xfa",
            r"^cannot read bad\.csv: the header is not UTF-8 text \(byte 0\)$",
        ),
        (
            b"item,state,at\nA,Doing,2024-01-01\n\xff\xfe,Doing,2024-01-01\n",
            r"^cannot read bad\.csv: row 1 is not UTF-8 text \(give the file as UTF-8\)$",
        ),
        (
            b"item,state,item\nA,Doing,2024-01-01\n",
            r"^cannot read bad\.csv: the header repeats the column names \['item'\]$",
        ),
        (
            b"id,state,at\nA,Doing,2024-01-01\n",
            r"^`item` column 'item' not found in bad\.csv; columns are \['id', 'state', 'at'\]$",
        ),
    ],
)
def test_bad_files(tmp_path, content, match):
    path = tmp_path / ("nope.csv" if content is None else "bad.csv")
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ValidationError, match=match):
        read_log(path, workflow=WF)


def test_ragged_rows_are_rejected_with_their_row_number(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_bytes(
        b"item,state,at\nA,Doing,2024-01-01\nB,Doing\nC,Doing,2024-01-02,x\nD,Doing,2024-01-03\n"
    )
    with pytest.warns(RejectedRowsWarning, match=r"ragged\.csv: 2 of 4 rows rejected \(50\.0%\)"):
        result = read_event_log(path, workflow=WF)
    assert result.rejected.rows.tolist() == [1, 2]
    assert result.rejected.reasons.tolist() == [
        "2 fields where the header has 3",
        "4 fields where the header has 3",
    ]
    assert result.table["id"].tolist() == ["A", "D"]
    assert result.n_accepted + len(result.rejected) == result.n_rows == 4


def test_a_directory_is_not_a_file(tmp_path):
    with pytest.raises(ValidationError, match=r"^cannot read "):
        read_log(tmp_path, workflow=WF)


def test_a_long_cell_in_an_unused_column_does_not_widen_the_columns_read(tmp_path):
    import tracemalloc

    path = tmp_path / "notes.csv"
    lines = ["item,state,at,note"]
    lines += [f"I{k},Doing,2024-01-01T00:00,short" for k in range(2000)]
    lines.append('I0,Done,2024-01-02T00:00,"' + "x" * 5000 + ', with a comma"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tracemalloc.start()
    try:
        result = read_log(path, workflow=WF)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.n_rows == 2001
    assert len(result.table) == 2000
    # Reading the note column too would hold 2,001 rows x 4 columns x 5,000+ chars x 4 bytes.
    assert peak < 10_000_000


def test_quoted_delimiters_and_line_breaks_are_not_ragged(tmp_path):
    path = tmp_path / "quoted.csv"
    path.write_bytes(
        b'item,state,at\r\n"A,1",Doing,2024-01-01\r\n\r\n"B ""x""",Doing,2024-01-02\r\n'
    )
    result = read_log(path, workflow=WF)
    assert sorted(result.table["id"].tolist()) == ["A,1", 'B "x"']


def test_delimiter_must_be_one_character(tmp_path):
    path = _write(tmp_path / "x.csv", ROWS)
    with pytest.raises(ValidationError, match="`delimiter` must be one character"):
        read_log(path, **{**KW, "delimiter": ";;"})


def test_a_gzip_file_is_read_as_it_is_decompressed(tmp_path):
    import gzip

    plain = _write(tmp_path / "log.csv", ROWS)
    packed = tmp_path / "log.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    expected = read_log(plain, **KW)
    for engine in ("auto", "numpy", "arrow"):
        got = read_log(packed, **KW, engine=engine)
        assert got.table.equals(expected.table)
        assert _pairs(got.rejected) == _pairs(expected.rejected)
    # The input limit counts the decompressed text: a small archive cannot hide a bomb.
    bomb = tmp_path / "bomb.csv.gz"
    bomb.write_bytes(gzip.compress(b"item,state,at\n" + b"A,Doing,2024-01-01\n" * 100_000))
    with pytest.raises(ValidationError, match="larger than the limit of 100,000 bytes"):
        read_event_log(bomb, workflow=WF, input_limit=100_000)


def test_a_truncated_gzip_file_is_a_clear_error(tmp_path):
    import gzip

    packed = tmp_path / "log.csv.gz"
    rows = "".join(f"I{k},Doing,2024-01-01\n" for k in range(5000)).encode()
    whole = gzip.compress(b"item,state,at\n" + rows)
    packed.write_bytes(whole[: len(whole) // 2])
    message = r"cannot read log\.csv\.gz: not a complete gzip file"
    with pytest.raises(ValidationError, match=message):
        read_event_log(packed, workflow=WF)


def test_most_rows_rejected_is_said_loudly_with_values_and_format():
    log = {
        "item": ["A", "B", "C"],
        "state": ["Doing"] * 3,
        "at": ["29/2/2016 01:16", "1/3/2016 9:05", "2016-03-02"],
    }
    with pytest.warns(RejectedRowsWarning) as caught:
        read_event_log(log, workflow=WF)
    text = str(caught[0].message)
    assert text.startswith("MOST ROWS REJECTED - the mapping: 2 of 3 rows rejected (66.7%)")
    assert (
        "unparseable instants such as '29/2/2016 01:16', '1/3/2016 9:05' were read as ISO 8601"
        in text
    )
    with pytest.warns(RejectedRowsWarning) as caught:
        read_event_log(log, workflow=WF, at_format="%Y/%m/%d")
    assert "were read as at_format '%Y/%m/%d'" in str(caught[0].message)
    # a minority of rejected rows keeps the usual message
    with pytest.warns(RejectedRowsWarning) as caught:
        read_event_log(log, workflow=WF, at_format="%d/%m/%Y %H:%M")
    assert str(caught[0].message).startswith("the mapping: 1 of 3 rows rejected (33.3%)")

"""ActionableAgile's CSV format: read_actionable_agile and write_actionable_agile."""

from __future__ import annotations

import functools
import io

import numpy as np
import pytest
from reading import read_log, read_with

from customer_kanban.errors import ValidationError
from customer_kanban.io import _actionable as actionable
from customer_kanban.io import read_actionable_agile, write_actionable_agile
from customer_kanban.io._csv import CsvReader
from customer_kanban.model import Workflow
from customer_kanban.table import WorkItemTable
from tracker_server import TRACKERS

WF = Workflow(["New", "Triage", "In Progress", "Resolved", "Closed"], "In Progress", "Resolved")
AA = TRACKERS / "actionable_agile.csv"
EVENTS = TRACKERS / "events.csv"
MAPPED = {"class_of_service": "Class of Service", "customer": "Customer",
          "assignee": "Assignee", "resolution": "Resolution"}  # fmt: skip
SMALL = Workflow(["Backlog", "Doing", "Done"], "Doing", "Done")


def read(source, **kwargs):
    return read_with(read_actionable_agile, source, **{"workflow": WF, **kwargs})


def events() -> WorkItemTable:
    attributes = ["class_of_service", "customer", "assignee", "resolution"]
    return read_log(
        EVENTS,
        workflow=WF,
        attributes=attributes,
        state_map={"Waiting for customer": "In Progress"},
    ).table


def text(table, **kwargs) -> str:
    out = io.StringIO()
    write_actionable_agile(table, out, **kwargs)
    return out.getvalue()


def ns(value: str) -> np.datetime64:
    return np.datetime64(value, "ns")


def floor(values, unit="D"):
    return values.astype(f"datetime64[{unit}]").astype("datetime64[ns]")


# ------------------------------------------------------------------------ reading
def test_the_fixture_is_read_stage_by_stage():
    result = read(AA, fields=MAPPED)
    t = result.table
    assert (result.n_rows, result.n_accepted, result.n_merged) == (8, 8, 0)
    assert t["id"].tolist() == [f"INC-10{k}" for k in range(1, 9)]
    assert t["class_of_service"].tolist()[:3] == ["Standard", "Expedite", "Fixed Date"]
    assert t["requested_at"][0] == ns("2024-03-04")
    assert t["committed_at"][1] == ns("2024-03-06")
    assert np.isnat(t["delivered_at"][4])  # INC-105 is not resolved
    # each stage date is an entry into it
    entries = t.first_entries()
    assert list(entries[0]) == [ns(d) for d in
                                   ("2024-03-04", "2024-03-04", "2024-03-04", "2024-03-05",
                                    "2024-03-08")]  # fmt: skip


def test_by_default_every_attribute_column_is_a_field():
    t = read(AA).table
    extra = ("Class of Service", "Customer", "Assignee", "Resolution", "Blocked Days")
    assert t.fields[-5:] == extra
    assert t["Blocked Days"].tolist()[4] == "9"
    assert "Link" not in t.fields


def test_link_and_name_are_read_when_named():
    t = read(AA, fields={"title": "Name", "url": "Link"}).table
    assert t["title"].tolist()[0] == "VPN drops every hour"
    assert t["url"].tolist()[0] == "https://example.atlassian.net/browse/INC-101"


def test_per_item_instants_are_the_event_logs_to_the_day():
    aa = read(AA, fields=MAPPED).table
    log = events()
    for name in ("requested_at", "committed_at", "delivered_at"):
        assert np.array_equal(aa[name], floor(log[name]), equal_nan=True), name


def test_other_date_formats():
    csv = "ID,Backlog,Doing,Done\nA,2024/03/01,2024/03/04,\n"
    t = read(io.StringIO(csv), workflow=SMALL, at_format="%Y/%m/%d").table
    assert t["committed_at"][0] == ns("2024-03-04")
    minutes = "ID,Backlog,Doing,Done\nA,2024-03-01 08:15,2024-03-04T10:30:00Z,\n"
    t = read(io.StringIO(minutes), workflow=SMALL).table
    assert t["requested_at"][0] == ns("2024-03-01T08:15")
    assert t["committed_at"][0] == ns("2024-03-04T10:30")
    # US dates with a 12-hour clock, unpadded, as ActionableAgile's own exports may hold
    us = "ID,Backlog,Doing,Done\nA,3/1/2024 8:15 AM,3/4/2024 1:05 PM,\n"
    t = read(io.StringIO(us), workflow=SMALL, at_format="%m/%d/%Y %I:%M %p").table
    assert t["requested_at"][0] == ns("2024-03-01T08:15")
    assert t["committed_at"][0] == ns("2024-03-04T13:05")


def test_columns_of_a_mapping_or_a_frame():
    import pandas as pd
    import polars as pl
    import pyarrow as pa

    frame = pd.read_csv(AA, dtype=str, keep_default_na=False)
    expected = read(AA, fields=MAPPED).table
    assert read(frame, fields=MAPPED).table.equals(expected)
    columns = {k: frame[k].tolist() for k in frame.columns}
    assert read(columns, fields=MAPPED).table.equals(expected)
    assert read(pl.DataFrame(columns), fields=MAPPED).table.equals(expected)
    assert read(pa.table(columns), fields=MAPPED).table.equals(expected)
    assert read(frame.astype("category"), fields=MAPPED).table.equals(expected)


def test_rejected_rows():
    csv = (
        "ID,Backlog,Doing,Done,Team\n"
        "A,2024-03-01,2024-03-02,,x\n"
        ",2024-03-01,,,x\n"  # 1 missing id
        "B,2024-03-01,2024-13-02,,x\n"  # 2 a bad date
        "C,,,,x\n"  # 3 no date at all
        "A,2024-03-05,,,y\n"  # 4 A again
        "D,2024-03-01,x\n"  # 5 malformed
        "E,2024-03-01,,2024-03-09,z\n"
    )
    result = read(io.StringIO(csv), workflow=SMALL)
    assert result.rejected.rows.tolist() == [1, 2, 3, 4, 5]
    assert result.rejected.reasons.tolist() == [
        "missing item id", "unparseable instant in 'Doing'", "no stage date",
        "repeated item id", "3 fields where the header has 5",
    ]  # fmt: skip
    t = result.table
    assert t["id"].tolist() == ["A", "E"]
    assert t["Team"].tolist() == ["x", "z"]  # the first row of A
    assert t["delivered_at"][1] == ns("2024-03-09")  # a skipped stage
    assert t["committed_at"][1] == ns("2024-03-09")


def test_the_first_bad_stage_is_named():
    csv = "ID,Backlog,Doing,Done\nA,soon,later,\n"
    result = read(io.StringIO(csv), workflow=SMALL)
    assert result.rejected.reasons.tolist() == ["unparseable instant in 'Backlog'"]


def test_rows_in_many_blocks(monkeypatch):
    lines = ["ID,Backlog,Doing,Done,Size"]
    lines += [f"K-{k},2024-03-01,2024-03-0{1 + k % 8},,{'S' if k % 3 else ''}"
              for k in range(3000)]  # fmt: skip
    lines += ["K-7,2024-03-01,,,L"]  # a repeated id in a later block
    data = ("\n".join(lines) + "\n").encode()
    whole = read(io.BytesIO(data), workflow=SMALL)
    monkeypatch.setattr(actionable, "CsvReader", functools.partial(CsvReader, block_bytes=4096))
    blocks = read(io.BytesIO(data), workflow=SMALL)
    assert blocks.table.equals(whole.table)
    assert blocks.rejected.rows.tolist() == whole.rejected.rows.tolist() == [3000]
    assert len(blocks.table) == 3000


def test_only_a_header_gives_an_empty_table():
    result = read(io.StringIO("ID,Backlog,Doing,Done,Team\n"), workflow=SMALL)
    assert (len(result.table), result.n_rows) == (0, 0)
    assert "Team" in result.table.fields


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Key,Backlog,Doing,Done", "first column of the file object must be the item id"),
        ("ID,Backlog,Done", r"`workflow` states \['Doing'\] are not columns"),
        ("ID,Doing,Backlog,Done", "must be contiguous and in the order of `workflow`"),
        ("ID,Backlog,Team,Doing,Done", "must be contiguous"),
    ],
)
def test_a_layout_the_workflow_does_not_fit(header, message):
    with pytest.raises(ValidationError, match=message):
        read_actionable_agile(io.StringIO(header + "\n"), workflow=SMALL)


def test_fields_must_name_columns():
    with pytest.raises(ValidationError, match=r"`fields` names columns not in .*: \['Tier'\]"):
        read_actionable_agile(AA, workflow=WF, fields={"segment": "Tier"})
    with pytest.raises(ValidationError, match="`fields` maps 'Closed' to 'delivered_at'"):
        read_actionable_agile(AA, workflow=WF, fields={"delivered_at": "Closed"})


def test_arguments_of_the_wrong_type():
    with pytest.raises(TypeError, match="`workflow` must be a Workflow"):
        read_actionable_agile(AA, workflow=["New"])
    with pytest.raises(TypeError, match="`source` must be a CSV path"):
        read_actionable_agile(42, workflow=WF)
    with pytest.raises(ValidationError, match="`delimiter` must be one character"):
        read_actionable_agile(AA, workflow=WF, delimiter="ab")


# ------------------------------------------------------------------------ writing
def test_written_as_the_format_asks():
    lines = text(events(), link="https://example.atlassian.net/browse/{id}").splitlines()
    assert lines[0] == (
        "ID,Link,Name,New,Triage,In Progress,Resolved,Closed,customer,segment,work_type,"
        "class_of_service,assignee,resolution"
    )
    # INC-103 skipped Triage: back-filled with its next stage's date
    assert lines[3] == (
        "INC-103,https://example.atlassian.net/browse/INC-103,,2024-03-05,2024-03-05,"
        "2024-03-05,2024-03-06,2024-03-09,Initech,,,Fixed Date,Ada Lovelace,Fixed"
    )
    # INC-106 was reopened: the first entries; INC-104 has not reached In Progress
    assert lines[6].split(",")[3:8] == ["2024-03-08", "2024-03-08", "2024-03-08",
                                        "2024-03-11", "2024-03-16"]  # fmt: skip
    assert lines[4].split(",")[3:8] == ["2024-03-06", "2024-03-06", "", "", ""]


def test_round_trip_keeps_what_the_format_holds():
    log = events()
    for precision, unit in (("day", "D"), ("minute", "m")):
        back = read(io.StringIO(text(log, precision=precision))).table
        assert back["id"].tolist() == log["id"].tolist()
        for name in ("requested_at", "committed_at", "delivered_at"):
            assert np.array_equal(back[name], floor(log[name], unit), equal_nan=True), name
        for name in log.categorical_fields:
            assert back[name].tolist() == log[name].tolist(), name
        # what was read from the format writes the same file and reads back equal
        again = text(back, precision=precision)
        assert again == text(log, precision=precision)
        assert read(io.StringIO(again)).table.equals(back)


def test_the_fixture_is_what_the_writer_writes():
    # the hand-made ActionableAgile file and the library's own output read to equal tables
    written = read(io.StringIO(text(events()))).table
    assert written.equals(read(AA, fields=MAPPED).table)


def test_minute_precision_and_a_file(tmp_path):
    path = tmp_path / "aa.csv"
    write_actionable_agile(events(), path, precision="minute")
    data = path.read_bytes()
    assert b"\r\n" in data
    assert data.splitlines()[1].startswith(b"INC-101,,,2024-03-04 09:15,2024-03-04 09:40,")


def test_a_table_without_transitions_has_its_request_date():
    t = WorkItemTable.from_columns(
        {"id": ["A"], "requested_at": ["2024-03-01T10:00"]}, states=["Backlog", "Done"]
    )
    assert text(t).splitlines()[1] == "A,,,2024-03-01,,,,,"


def test_quoted_values():
    t = WorkItemTable.from_columns(
        {"id": ["A"], "requested_at": ["2024-03-01"], "customer": ['Acme, "Inc"']},
        states=["Backlog", "Done"],
        transitions={"item": ["A"], "state": ["Backlog"], "at": ["2024-03-01"]},
    )
    out = text(t)
    assert '"Acme, ""Inc"""' in out
    back = read_actionable_agile(io.StringIO(out), workflow=Workflow(["Backlog", "Done"],
                                 "Backlog", "Done")).table  # fmt: skip
    assert back["customer"].tolist() == ['Acme, "Inc"']


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"precision": "second"}, ValidationError, "`precision` must be one of 'day', 'minute'"),
        ({"link": "https://example.com/browse/"}, ValidationError, "`link` must be a URL with"),
        ({"table": "t"}, TypeError, "`table` must be a WorkItemTable"),
        ({"link": 3}, TypeError, "`link` must be a string or None"),
        ({"path": 3}, TypeError, "`path` must be a path or an open text file"),
        ({"path": ""}, ValidationError, "cannot write `path` ''"),
        ({"path": "no/such/folder/aa.csv"}, ValidationError, "cannot write `path`"),
    ],
)
def test_writing_refuses(kwargs, error, message):
    call = {"table": events(), "path": io.StringIO(), **kwargs}
    with pytest.raises(error, match=message):
        write_actionable_agile(**call)


def test_field_names_that_clash_with_the_format():
    t = WorkItemTable.from_columns(
        {"id": ["A"], "requested_at": ["2024-03-01"], "Name": ["x"]}, states=["Backlog", "Done"]
    )
    with pytest.raises(ValidationError, match=r"fields named like the format's other columns: "
                       r"\['Name'\]"):  # fmt: skip
        text(t)
    with pytest.raises(ValidationError, match="no workflow states"):
        text(WorkItemTable.from_columns({"id": ["A"], "requested_at": ["2024-03-01"]}))


def test_an_open_binary_file_is_written_as_utf8_and_left_open(tmp_path):
    table = events()
    expected = text(table).encode("utf-8")
    buffer = io.BytesIO()
    write_actionable_agile(table, buffer)
    assert buffer.getvalue() == expected
    assert not buffer.closed
    path = tmp_path / "aa.csv"
    with path.open("wb") as handle:
        write_actionable_agile(table, handle)
        assert not handle.closed
    assert path.read_bytes() == expected
    assert read(path).table.equals(read(io.StringIO(expected.decode("utf-8"))).table)

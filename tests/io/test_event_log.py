"""read_event_log on small hand-computed logs: tables, rejections, merging, errors."""

import numpy as np
import pytest
from reading import read_log

from customer_kanban.errors import ValidationError
from customer_kanban.io import EventLogResult, Rejections
from customer_kanban.model import Workflow

WF = Workflow(["Backlog", "Doing", "Review", "Done", "Archived"], "Doing", "Done")

# row item   state      at                    team    prio    cust
LOG_ROWS = [
    ("A", "Backlog", "2024-01-01T09:00", "Sales", "High", "c1"),  # 0
    ("A", "Doing", "2024-01-02T09:00", "Dev", "", "c1"),  # 1
    ("A", "Doing", "2024-01-02T12:00", "Dev", "Low", ""),  # 2 repeat: merged into row 1
    ("A", "Doing", "2024-01-03T09:00", "QA", "", ""),  # 3 hand-off within Doing: kept
    ("A", "Review", "2024-01-04T09:00", "QA", "?", ""),  # 4
    ("A", "Doing", "2024-01-05T09:00", "Dev", "", ""),  # 5 backward move: kept
    ("A", "Done", "2024-01-06T09:00", "Dev", "", ""),  # 6
    ("B", "Done", "2024-01-03T00:00", "Sales", "", "c2"),  # 7 listed before its Backlog row
    ("B", "Backlog", "2024-01-02T00:00", "Sales", "High", "c2"),  # 8
    ("C", "Backlog", "2024-01-02T00:00", "?", "", ""),  # 9 no department
    ("C", "Archived", "2024-01-09T00:00", "", "Low", "c3"),  # 10 skips Doing and Done
    ("", "Doing", "2024-01-02T00:00", "Dev", "", ""),  # 11 missing item id
    ("D", "Lost", "2024-01-02T00:00", "Dev", "", ""),  # 12 unknown state
    ("D", "Doing", "02/01/2024", "Dev", "", ""),  # 13 unparseable instant
    ("D", "Doing", "", "Dev", "", ""),  # 14 missing instant
    ("D", "?", "2024-01-02T00:00", "Dev", "", ""),  # 15 missing state
    ("D", "Backlog", "2024-01-07T00:00", "Dev", "Low", "c4"),  # 16
]
COLUMNS = ("item", "state", "at", "team", "prio", "cust")
ATTRS = {"prio": "class_of_service", "cust": "customer"}


def _log(rows=LOG_ROWS):
    return {name: [r[k] for r in rows] for k, name in enumerate(COLUMNS)}


def _read(log, **kw):
    kw = {"workflow": WF, "department": "team", "attributes": ATTRS, "na_values": ("", "?")} | kw
    return read_log(log, **kw)


def _ts(*values):
    return np.array([v if v else "NaT" for v in values], dtype="datetime64[ns]")


def _same(actual, expected):
    """Instants equal, NaT included."""
    return (
        actual.dtype == expected.dtype
        and actual.view(np.int64).tolist() == expected.view(np.int64).tolist()
    )


def _pairs(rejected, rows=None):
    mapped = rejected.rows.tolist() if rows is None else [rows[r] for r in rejected.rows.tolist()]
    return sorted(zip(mapped, rejected.reasons.tolist(), strict=True))


def _transitions(table):
    tr = table.transitions
    dept = [None if c < 0 else tr.department_labels[c] for c in tr.department.tolist()]
    return [
        (str(table["id"][i]), table.states[s], str(a.astype("datetime64[m]")), d)
        for i, s, a, d in zip(tr.item.tolist(), tr.state.tolist(), tr.at, dept, strict=True)
    ]


def test_hand_computed_table():
    result = _read(_log())
    t = result.table
    assert t["id"].tolist() == ["A", "B", "C", "D"]
    assert _same(
        t["requested_at"], _ts("2024-01-01T09:00", "2024-01-02", "2024-01-02", "2024-01-07")
    )
    # B skips Doing: committed when it enters Done; C skips Doing and Done: both at Archived.
    assert _same(t["committed_at"], _ts("2024-01-02T09:00", "2024-01-03", "2024-01-09", None))
    assert _same(t["delivered_at"], _ts("2024-01-06T09:00", "2024-01-03", "2024-01-09", None))
    # Latest row where the column is not missing ("" and "?" are missing).
    assert t["class_of_service"].tolist() == ["Low", "High", "Low", "Low"]
    assert t["customer"].tolist() == ["c1", "c2", "c3", "c4"]
    assert t["segment"].tolist() == [None] * 4
    assert np.isnat(t["due_at"]).all()
    assert t.states == WF.states
    assert _transitions(t) == [
        ("A", "Backlog", "2024-01-01T09:00", "Sales"),
        ("A", "Doing", "2024-01-02T09:00", "Dev"),
        ("A", "Doing", "2024-01-03T09:00", "QA"),
        ("A", "Review", "2024-01-04T09:00", "QA"),
        ("A", "Doing", "2024-01-05T09:00", "Dev"),
        ("A", "Done", "2024-01-06T09:00", "Dev"),
        ("B", "Backlog", "2024-01-02T00:00", "Sales"),
        ("B", "Done", "2024-01-03T00:00", "Sales"),
        ("C", "Backlog", "2024-01-02T00:00", None),
        ("C", "Archived", "2024-01-09T00:00", None),
        ("D", "Backlog", "2024-01-07T00:00", "Dev"),
    ]


def test_hand_computed_rejections_and_counts():
    result = _read(_log())
    assert result.rejected.rows.tolist() == [11, 12, 13, 14, 15]
    assert result.rejected.reasons.tolist() == [
        "missing item id",
        "unknown state 'Lost'",
        "unparseable instant",
        "missing instant",
        "missing state",
    ]
    assert result.n_rows == 17
    assert result.n_accepted == 12
    assert result.n_merged == 1
    assert result.n_accepted + len(result.rejected) == result.n_rows
    assert result.n_accepted == len(result.table.transitions) + result.n_merged


def test_first_entries_keep_the_first_of_a_backward_move():
    t = _read(_log()).table
    first = t.first_entries()
    assert first[0, WF.index("Doing")] == np.datetime64("2024-01-02T09:00", "ns")
    assert np.isnat(first[1, WF.index("Doing")])


def test_rejection_reasons_priority_item_then_state_then_instant():
    log = {
        "item": ["", "X", "X", "X"],
        "state": ["Nope", "", "Nope", "Doing"],
        "at": ["junk", "junk", "junk", ""],
    }
    result = read_log(log, workflow=WF)
    assert result.rejected.reasons.tolist() == [
        "missing item id",
        "missing state",
        "unknown state 'Nope'",
        "missing instant",
    ]
    assert len(result.table) == 0
    assert result.n_accepted == 0


def test_merged_repeats_without_department():
    log = {
        "item": ["A"] * 4,
        "state": ["Doing", "Doing", "Done", "Done"],
        "at": ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"],
    }
    result = read_log(log, workflow=WF)
    assert _transitions(result.table) == [
        ("A", "Doing", "2024-01-01T00:00", None),
        ("A", "Done", "2024-01-03T00:00", None),
    ]
    assert result.n_merged == 2
    # Without a department column, repeats merge whatever the other columns say.
    assert result.table["requested_at"][0] == np.datetime64("2024-01-01", "ns")


def test_ties_on_an_instant_are_ordered_by_content():
    # Same item, same instant: workflow order of the states, then department, then
    # attribute values (the latest non-missing value in that order wins).
    rows = [
        ("A", "Doing", "2024-01-01", "Z", "b", ""),
        ("A", "Backlog", "2024-01-01", "Y", "a", ""),
        ("A", "Doing", "2024-01-01", "Y", "c", ""),
    ]
    forward = _read(_log(rows))
    backward = _read(_log(rows[::-1]))
    assert forward.table.equals(backward.table)
    assert _transitions(forward.table) == [
        ("A", "Backlog", "2024-01-01T00:00", "Y"),
        ("A", "Doing", "2024-01-01T00:00", "Y"),
        ("A", "Doing", "2024-01-01T00:00", "Z"),
    ]
    assert forward.table["class_of_service"].tolist() == ["b"]


def test_any_row_order_gives_an_equal_table():
    rows = LOG_ROWS
    order = [5, 16, 0, 12, 3, 9, 14, 1, 7, 10, 2, 15, 8, 11, 4, 13, 6]
    a, b = _read(_log(rows)), _read(_log([rows[k] for k in order]))
    assert a.table.equals(b.table)
    assert _pairs(a.rejected) == _pairs(b.rejected, order)


def test_state_map_and_attribute_sequence():
    log = {
        "id": ["A", "A", "B"],
        "status": ["todo", "wip", "done"],
        "when": ["2024-01-01", "2024-01-02", "2024-01-03"],
        "kind": ["bug", "bug", "feature"],
    }
    result = read_log(
        log,
        workflow=WF,
        item="id",
        state="status",
        at="when",
        attributes=["kind"],
        state_map={"todo": "Backlog", "wip": "Doing", "done": "Done"},
    )
    t = result.table
    assert t["kind"].tolist() == ["bug", "feature"]
    assert "kind" in t.categorical_fields
    assert _same(t["committed_at"], _ts("2024-01-02", "2024-01-03"))
    # A raw value that is a workflow state passes through the map unchanged.
    both = read_log(
        {"item": ["A", "A"], "state": ["wip", "Done"], "at": ["2024-01-01", "2024-01-02"]},
        workflow=WF,
        state_map={"wip": "Doing"},
    )
    assert [s for _, s, _, _ in _transitions(both.table)] == ["Doing", "Done"]


def test_integer_item_ids_are_kept_as_integers():
    log = {
        "item": np.array([30, 10, 30, 10], dtype=np.int64),
        "state": np.array(["Backlog", "Backlog", "Doing", "Done"]),
        "at": np.array(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"], "datetime64[s]"),
    }
    t = read_log(log, workflow=WF).table
    assert t["id"].dtype.kind == "i"
    assert t["id"].tolist() == [10, 30]
    assert _same(t["delivered_at"], _ts("2024-01-04", None))
    assert _same(t["committed_at"], _ts("2024-01-04", "2024-01-03"))


def test_iso_instants_offsets_fractions_and_garbage():
    at = [
        "2024-01-01T10:00Z",
        "2024-01-01T10:00+02:00",
        "2024-01-01 10:00:00.123456789",
        "2024-01-01T10",
        "now",
        "today",
        "20240101",
        "2024-01",
        "2024-01-01 ",
        " 2024-01-01",
        "2024-02-30",
        "2024-01-01T24:00",
        "3000-01-01",
        "2262-04-11T23:47:16",
        "2262-04-12",
        "1677-09-21T00:12:44",
        "1677-09-21T00:12:43",
    ]
    n = len(at)
    log = {"item": [f"I{k:02d}" for k in range(n)], "state": ["Backlog"] * n, "at": at}
    result = read_log(log, workflow=WF)
    assert result.rejected.rows.tolist() == [4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 16]
    assert set(result.rejected.reasons.tolist()) == {"unparseable instant"}
    assert result.table["requested_at"].astype(str).tolist() == [
        "2024-01-01T10:00:00.000000000",
        "2024-01-01T08:00:00.000000000",
        "2024-01-01T10:00:00.123456789",
        "2024-01-01T10:00:00.000000000",
        "2262-04-11T23:47:16.000000000",
        "1677-09-21T00:12:44.000000000",
    ]


def test_datetime_columns_of_a_mapping_are_taken_as_they_are():
    log = {
        "item": np.array(["A", "A", "B"]),
        "state": np.array(["Backlog", "Done", "Doing"]),
        "at": np.array(["2024-01-01", "2024-01-03", "NaT"], dtype="datetime64[D]"),
    }
    result = read_log(log, workflow=WF)
    assert result.rejected.rows.tolist() == [2]
    assert result.rejected.reasons.tolist() == ["missing instant"]
    assert result.table["delivered_at"].tolist() == [np.datetime64("2024-01-03", "ns").item()]


def test_empty_inputs_give_an_empty_table():
    result = read_log({"item": [], "state": [], "at": []}, workflow=WF)
    assert len(result.table) == 0
    assert len(result.table.transitions) == 0
    assert result.n_rows == result.n_accepted == len(result.rejected) == 0
    assert result.table.states == WF.states


def test_result_objects():
    result = _read(_log())
    assert isinstance(result, EventLogResult)
    assert result.rejected.counts() == {
        "missing instant": 1,
        "missing item id": 1,
        "missing state": 1,
        "unknown state 'Lost'": 1,
        "unparseable instant": 1,
    }
    assert result.rejected.to_dict() == {
        "rows": [11, 12, 13, 14, 15],
        "reasons": result.rejected.reasons.tolist(),
    }
    assert repr(result).startswith("EventLogResult(n_rows=17, n_accepted=12, n_merged=1, ")
    assert "Rejections(5 rows: " in repr(result)
    same = Rejections(rows=[11, 12, 13, 14, 15], reasons=result.rejected.reasons.tolist())
    assert same == result.rejected
    assert Rejections(rows=[], reasons=[]).counts() == {}
    with pytest.raises(ValueError, match="read-only"):
        result.rejected.rows[0] = 3
    with pytest.raises(ValidationError, match="`rows` has 1 entries but `reasons` has 0"):
        Rejections(rows=[1], reasons=[])


def test_counts_order_most_frequent_first():
    r = Rejections(rows=[0, 1, 2], reasons=["b", "a", "b"])
    assert list(r.counts().items()) == [("b", 2), ("a", 1)]


# ---------------------------------------------------------------- argument errors
def test_missing_column_names_the_role_and_the_columns():
    with pytest.raises(
        ValidationError,
        match=r"^`item` column 'id' not found in the mapping; "
        r"columns are \['item', 'state', 'at'\]$",
    ):
        read_log({"item": [], "state": [], "at": []}, workflow=WF, item="id")
    with pytest.raises(ValidationError, match="`department` column 'team' not found"):
        read_log({"item": [], "state": [], "at": []}, workflow=WF, department="team")
    with pytest.raises(ValidationError, match="`attributes` column 'p' not found"):
        read_log({"item": [], "state": [], "at": []}, workflow=WF, attributes=["p"])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"workflow": "wf"}, TypeError, "`workflow` must be a Workflow, got str"),
        ({"item": 3}, TypeError, r"`item` must be a column name \(str\), got int"),
        ({"department": 1}, TypeError, "`department` must be a column name or None"),
        ({"attributes": "prio"}, TypeError, "`attributes` must be a sequence or mapping"),
        ({"attributes": {"prio": "id"}}, ValidationError, "reserved table field 'id'"),
        ({"attributes": {"a": 3}}, TypeError, "`attributes` must name columns and fields as"),
        ({"attributes": {"a": "x", "b": "x"}}, ValidationError, r"fields \['x'\] more than once"),
        ({"na_values": "?"}, TypeError, "`na_values` must be a sequence of strings"),
        ({"delimiter": ";;"}, ValidationError, "`delimiter` must be one character"),
        ({"state_map": {"x": "Gone"}}, ValidationError, r"states not in the workflow: \['Gone'\]"),
        ({"state_map": ["x"]}, TypeError, "`state_map` must be a mapping"),
        ({"at_format": "%d %Q %Y"}, ValidationError, "unsupported directive '%Q'"),
        ({"at_format": "%H:%M"}, ValidationError, "must contain a year"),
        ({"at_format": "%Y-%m-%d %Y"}, ValidationError, "repeats %Y"),
        ({"at_format": 5}, TypeError, "`at_format` must be a string"),
    ],
)
def test_argument_errors(kwargs, error, match):
    log = {"item": ["A"], "state": ["Doing"], "at": ["2024-01-01"], "a": ["x"], "b": ["y"]}
    with pytest.raises(error, match=match):
        read_log(log, **({"workflow": WF} | kwargs))


def test_source_errors():
    with pytest.raises(TypeError, match="`source` must be a CSV path, an open file, a mapping"):
        read_log(42, workflow=WF)
    with pytest.raises(ValidationError, match=r"different lengths: \{'item': 2, 'state': 1"):
        read_log({"item": ["A", "B"], "state": ["Doing"], "at": ["x"]}, workflow=WF)
    with pytest.raises(TypeError, match=r"`at` column 'at' must hold instants .* got dtype int"):
        read_log({"item": ["A"], "state": ["Doing"], "at": [5]}, workflow=WF)


def test_all_nan_instants_are_missing():
    result = read_log({"item": ["A"], "state": ["Doing"], "at": [float("nan")]}, workflow=WF)
    assert result.rejected.reasons.tolist() == ["missing instant"]

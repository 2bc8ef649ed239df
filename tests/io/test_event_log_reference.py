"""read_event_log against a plain-loop reference, and its invariance to row order."""

import datetime as dt
import re

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from reading import read_log

from customer_kanban.model import Workflow
from customer_kanban.table import WorkItemTable

STATES = ("New", "Doing", "Review", "Done", "Closed")
WF = Workflow(STATES, "Doing", "Done")
NA = ("", "?")
ATTRIBUTES = {"prio": "class_of_service", "team": "last_team"}
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?")


# ------------------------------------------------------------------ reference
def _missing(value):
    return value is None or value in NA


def _parse(text):
    if not _ISO.fullmatch(text):
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def reference(log, *, department=None, attributes=None, state_map=None):
    """The simplest loop: check each row, sort each item's rows, walk them."""
    attributes = attributes or {}
    rejected, accepted = [], []
    for r in range(len(log["item"])):
        item, state, at = log["item"][r], log["state"][r], log["at"][r]
        if _missing(item):
            rejected.append((r, "missing item id"))
            continue
        if _missing(state):
            rejected.append((r, "missing state"))
            continue
        state = (state_map or {}).get(state, state)
        if state not in STATES:
            rejected.append((r, f"unknown state {state!r}"))
            continue
        if _missing(at):
            rejected.append((r, "missing instant"))
            continue
        when = _parse(at)
        if when is None:
            rejected.append((r, "unparseable instant"))
            continue
        dept = None
        if department is not None and not _missing(log[department][r]):
            dept = log[department][r]
        values = {}
        for column, field in attributes.items():
            values[field] = None if _missing(log[column][r]) else log[column][r]
        accepted.append((item, when, STATES.index(state), dept, values))

    def content(row):
        item, when, state, dept, values = row
        keys = [(0, "") if v is None else (1, v) for v in [dept, *values.values()]]
        return (item, when, state, keys)

    histories = {}
    for row in sorted(accepted, key=content):
        histories.setdefault(row[0], []).append(row)
    ids = sorted(histories)
    columns = {
        "id": np.array(ids, dtype=str),
        "requested_at": [],
        "committed_at": [],
        "delivered_at": [],
    }
    columns.update({field: [] for field in attributes.values()})
    transitions = {"item": [], "state": [], "at": [], "department": []}
    for item in ids:
        history = histories[item]
        committed = delivered = previous = None
        for _, when, state, dept, _ in history:
            if committed is None and state >= WF.commitment_index:
                committed = when
            if delivered is None and state >= WF.delivery_index:
                delivered = when
            if (state, dept) != previous:
                transitions["item"].append(item)
                transitions["state"].append(STATES[state])
                transitions["at"].append(when)
                transitions["department"].append(dept)
            previous = (state, dept)
        columns["requested_at"].append(history[0][1])
        columns["committed_at"].append(committed)
        columns["delivered_at"].append(delivered)
        for field in attributes.values():
            present = [row[4][field] for row in history if row[4][field] is not None]
            columns[field].append(present[-1] if present else None)
    for name in ("requested_at", "committed_at", "delivered_at"):
        columns[name] = np.array(columns[name], dtype="datetime64[ns]")
    for field in attributes.values():
        columns[field] = np.array(columns[field], dtype=object)
    table = WorkItemTable.from_columns(columns, states=STATES, transitions=transitions)
    return table, rejected


# ----------------------------------------------------------------- strategies
_instants = st.one_of(
    st.builds("2024-01-{:02d}T{:02d}:00".format, st.integers(1, 4), st.integers(0, 2)),
    st.builds("2024-01-{:02d}".format, st.integers(1, 4)),
    st.sampled_from(
        ["", "?", None, "2024-02-30", "now", "junk", "2024-13-01", "2024-01-01T25:00", "2024-1-1"]
    ),
)
_row = st.tuples(
    st.sampled_from(["A", "B", "C", "", "?", None]),
    st.sampled_from([*STATES, "Lost", "", "?", None]),
    _instants,
    st.sampled_from(["X", "Y", "", "?", None]),
    st.sampled_from(["p1", "p2", "", "?", None]),
)


@st.composite
def event_logs(draw, *, min_size=0, max_size=40):
    """Logs with few items (many ties and repeats), unknown states and bad instants."""
    rows = draw(st.lists(_row, min_size=min_size, max_size=max_size))
    return {
        name: [r[k] for r in rows] for k, name in enumerate(("item", "state", "at", "team", "prio"))
    }


def _pairs(rejected, rows=None):
    mapped = rejected.rows.tolist() if rows is None else [rows[r] for r in rejected.rows.tolist()]
    return sorted(zip(mapped, rejected.reasons.tolist(), strict=True))


def _read(log, **kw):
    return read_log(log, workflow=WF, na_values=NA, **kw)


# ---------------------------------------------------------------------- tests
@given(event_logs())
def test_matches_the_reference_with_departments_and_attributes(log):
    result = _read(log, department="team", attributes=ATTRIBUTES)
    expected, rejected = reference(log, department="team", attributes=ATTRIBUTES)
    assert result.table.equals(expected)
    assert _pairs(result.rejected) == rejected
    assert result.n_rows == len(log["item"])
    assert result.n_accepted + len(result.rejected) == result.n_rows
    assert result.n_accepted == len(result.table.transitions) + result.n_merged


@given(event_logs())
def test_matches_the_reference_without_departments(log):
    result = _read(log, state_map={"Lost": "Closed"})
    expected, rejected = reference(log, state_map={"Lost": "Closed"})
    assert result.table.equals(expected)
    assert _pairs(result.rejected) == rejected
    assert result.n_accepted + len(result.rejected) == result.n_rows


@given(st.data())
def test_row_order_does_not_matter(data):
    log = data.draw(event_logs(min_size=1))
    n = len(log["item"])
    perm = data.draw(st.permutations(range(n)))
    shuffled = {name: [column[k] for k in perm] for name, column in log.items()}
    a = _read(log, department="team", attributes=ATTRIBUTES)
    b = _read(shuffled, department="team", attributes=ATTRIBUTES)
    assert a.table.equals(b.table)
    assert _pairs(a.rejected) == _pairs(b.rejected, perm)
    assert (a.n_accepted, a.n_merged) == (b.n_accepted, b.n_merged)


@given(event_logs(max_size=25), st.integers(0, 2**32 - 1))
def test_integer_ids_and_datetime_columns_match_text_ones(log, salt):
    # Same log with integer ids and datetime64 instants: the same items and history.
    keep = [
        k
        for k in range(len(log["item"]))
        if not _missing(log["item"][k])
        and not _missing(log["at"][k])
        and _parse(log["at"][k]) is not None
    ]
    numbers = {"A": salt, "B": salt + 1, "C": salt + 2}
    as_numbers = {
        "item": np.array([numbers[log["item"][k]] for k in keep], dtype=np.int64),
        "state": [log["state"][k] for k in keep],
        "at": np.array([_parse(log["at"][k]) for k in keep], dtype="datetime64[s]"),
    }
    as_text = {name: [log[name][k] for k in keep] for name in ("item", "state", "at")}
    a, b = _read(as_numbers), _read(as_text)
    assert a.table["id"].tolist() == [numbers[i] for i in b.table["id"].tolist()]
    for name in ("requested_at", "committed_at", "delivered_at"):
        assert a.table[name].view(np.int64).tolist() == b.table[name].view(np.int64).tolist()
    assert a.table.transitions.item.tolist() == b.table.transitions.item.tolist()
    assert a.table.transitions.state.tolist() == b.table.transitions.state.tolist()
    assert _pairs(a.rejected) == _pairs(b.rejected)

"""read_event_log's order=, requested= and delivered= against hand-computed cases and a loop."""

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reading import read_log

from customer_kanban.errors import ValidationError
from customer_kanban.model import Workflow

STATES = ("Backlog", "Doing", "Done")
WF = Workflow(STATES, "Doing", "Done")
LOG = {
    "item": ["A", "A", "A", "B", "B", "B", "C", "C"],
    "state": ["Done", "Doing", "Backlog", "Backlog", "Done", "Doing", "Doing", "Done"],
    "at": ["2024-01-02"] * 3 + ["2024-01-01", "2024-01-03", "2024-01-05"] + ["2024-01-02"] * 2,
    "seq": ["3", "2", "1", "1", "2", "3", "2", "1"],
    "opened": ["2023-12-30", "", "", "", "2023-12-31", "", "2024-01-03", ""],
}


def day(text):
    return np.datetime64(text, "ns") if text != "NaT" else np.datetime64("NaT", "ns")


def days(*texts):
    return np.array([day(t) for t in texts])


def test_without_order_ties_follow_the_workflow():
    table = read_log(LOG, workflow=WF).table
    assert table.transitions.state.tolist() == [0, 1, 2, 0, 2, 1, 1, 2]


def test_order_decides_events_at_one_instant():
    table = read_log(LOG, workflow=WF, order="seq").table
    # C: Done (seq 1) then Doing (seq 2) on the same day.
    assert table.transitions.state.tolist() == [0, 1, 2, 0, 2, 1, 2, 1]
    np.testing.assert_array_equal(
        table["delivered_at"], days("2024-01-02", "2024-01-03", "2024-01-02")
    )


def test_requested_is_the_earliest_request_or_first_event():
    table = read_log(LOG, workflow=WF, requested="opened").table
    # C's request (Jan 3) is after its first event (Jan 2): the first event wins.
    np.testing.assert_array_equal(
        table["requested_at"], days("2023-12-30", "2023-12-31", "2024-01-02")
    )


def test_delivered_last_is_the_last_entry_and_none_after_a_move_back():
    table = read_log(LOG, workflow=WF, order="seq", delivered="last").table
    # B and C moved back to Doing after Done: not delivered.
    np.testing.assert_array_equal(table["delivered_at"], days("2024-01-02", "NaT", "NaT"))
    log = {
        "item": ["X"] * 5,
        "state": ["Backlog", "Done", "Doing", "Done", "Done"],
        "at": ["2024-01-01", "2024-01-02", "2024-01-04", "2024-01-07", "2024-01-09"],
    }
    first = read_log(log, workflow=WF).table["delivered_at"]
    last = read_log(log, workflow=WF, delivered="last").table["delivered_at"]
    np.testing.assert_array_equal(first, days("2024-01-02"))
    np.testing.assert_array_equal(last, days("2024-01-07"))


def test_bad_order_and_request_values_are_rejected_with_their_reason():
    log = {
        "item": ["A", "A", "A", "A"],
        "state": ["Backlog", "Doing", "Done", "Done"],
        "at": ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"],
        "seq": ["1", "", "x", "4"],
        "opened": ["2023-01-01", "", "", "yesterday"],
    }
    result = read_log(log, workflow=WF, order="seq", requested="opened")
    assert result.rejected.rows.tolist() == [1, 2, 3]
    assert result.rejected.reasons.tolist() == [
        "missing order",
        "order is not a number",
        "unparseable request instant",
    ]
    np.testing.assert_array_equal(result.table["requested_at"], days("2023-01-01"))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"delivered": "final"}, ValueError, r"delivered.*'first', 'last'.*'final'"),
        ({"order": 3}, TypeError, r"order"),
        ({"requested": "nope"}, ValidationError, r"requested.*nope"),
    ],
)
def test_option_errors_name_the_parameter(kwargs, error, match):
    with pytest.raises(error, match=match):
        read_log(LOG, workflow=WF, **kwargs)


# ------------------------------------------------------------------ loop reference
def reference(log, delivered):
    """Sort each item's rows by (instant, order, state) and walk them."""
    rows = {}
    for item, state, at, seq, opened in zip(
        *(log[k] for k in ("item", "state", "at", "seq", "opened")), strict=True
    ):
        rows.setdefault(item, []).append((at, seq, STATES.index(state), opened))
    out = {}
    for item, events in sorted(rows.items()):
        events.sort(key=lambda e: e[:3])
        walk = []
        for at, _, state, _ in events:
            if not walk or walk[-1][1] != state:
                walk.append((at, state))
        requests = [e[3] for e in events if e[3]]
        requested = min([walk[0][0], *requests])
        entries = [
            at for k, (at, s) in enumerate(walk) if s >= 2 and (k == 0 or walk[k - 1][1] < 2)
        ]
        if delivered == "first":
            done = entries[0] if entries else None
        else:
            done = entries[-1] if entries and walk[-1][1] >= 2 else None
        out[item] = (walk, requested, done)
    return out


EVENT = st.tuples(
    st.sampled_from("ABC"),
    st.sampled_from(STATES),
    st.integers(0, 3),
    st.integers(0, 5),
    st.one_of(st.none(), st.integers(0, 5)),
)


@given(st.lists(EVENT, min_size=1, max_size=25), st.sampled_from(["first", "last"]))
def test_equals_a_loop(events, delivered):
    start = dt.datetime(2024, 1, 10)
    log = {
        "item": [e[0] for e in events],
        "state": [e[1] for e in events],
        "at": [(start + dt.timedelta(days=e[2])).isoformat() for e in events],
        # a distinct order per row keeps the reference's order total
        "seq": [str(e[3] * 100 + k) for k, e in enumerate(events)],
        "opened": [
            "" if e[4] is None else (start + dt.timedelta(days=e[4] - 3)).isoformat()
            for e in events
        ],
    }
    table = read_log(log, workflow=WF, order="seq", requested="opened", delivered=delivered).table
    expected = reference({**log, "seq": [int(s) for s in log["seq"]]}, delivered)
    assert table["id"].tolist() == sorted(expected)
    tr = table.transitions
    for code, item in enumerate(sorted(expected)):
        walk, requested, done = expected[item]
        mine = tr.item == code
        got = list(zip(tr.at[mine].tolist(), tr.state[mine].tolist(), strict=True))
        assert got == [(np.datetime64(a, "ns").astype("datetime64[ns]").item(), s) for a, s in walk]
        assert table["requested_at"][code] == np.datetime64(requested, "ns")
        want = np.datetime64("NaT", "ns") if done is None else np.datetime64(done, "ns")
        assert str(table["delivered_at"][code]) == str(want)


@pytest.mark.parametrize("engine", ["numpy", "arrow"])
def test_a_csv_file_gives_the_same_table_on_both_engines(tmp_path, engine):
    pytest.importorskip("pyarrow")
    path = tmp_path / "log.csv"
    keys = list(LOG)
    lines = [",".join(keys)] + [",".join(LOG[k][r] for k in keys) for r in range(len(LOG["item"]))]
    path.write_text("\n".join(lines) + "\n")
    options = {"order": "seq", "requested": "opened", "delivered": "last"}
    from_file = read_log(path, workflow=WF, engine=engine, **options).table
    assert from_file.equals(read_log(LOG, workflow=WF, **options).table)

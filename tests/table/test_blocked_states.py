"""`WorkItemTable.with_blocked_states` and `cost_of_delay_columns`: against plain loops."""

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from customer_kanban import (
    BlockedInterval,
    ClassOfService,
    Policy,
    Transition,
    ValidationError,
    Workflow,
    WorkItem,
    WorkItemTable,
    metrics,
)
from customer_kanban.datasets import AWAITING_STATES, load_incidents, read_incidents
from customer_kanban.errors import RejectedRowsWarning
from customer_kanban.model import CostOfDelay
from customer_kanban.table import URGENCY_LABELS, class_codes, cost_of_delay_columns

STATES = ["New", "Doing", "Held", "Waiting", "Done"]
T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def _items(paths):
    """Items whose transitions follow `paths`: lists of (state, hours since T0)."""
    items = []
    for i, path in enumerate(paths):
        at = 0
        transitions = []
        for state, step in path:
            at += step
            transitions.append(Transition(state, T0 + dt.timedelta(hours=at)))
        items.append(
            WorkItem(
                id=f"I{i}",
                requested_at=T0,
                transitions=transitions,
                blocked=[BlockedInterval(T0, T0 + dt.timedelta(hours=1), reason="own")]
                if i % 3 == 0
                else [],
            )
        )
    return items


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(st.sampled_from(STATES), st.integers(0, 30)), max_size=6),
        min_size=1,
        max_size=8,
    ),
    st.lists(st.sampled_from(["Held", "Waiting"]), min_size=1, max_size=2, unique=True),
)
def test_stays_against_a_plain_loop(paths, states):
    table = WorkItemTable.from_items(_items(paths), states=STATES)
    out = table.with_blocked_states(states).blocked
    expected = []
    for i, path in enumerate(paths):
        if i % 3 == 0:
            expected.append((i, 0, 1, "own"))
        at, stamps = 0, []
        for state, step in path:
            at += step
            stamps.append((state, at))
        for k, (state, at) in enumerate(stamps):
            if state in states and (k == 0 or stamps[k - 1][0] != state):
                later = [t for s, t in stamps[k + 1 :] if s != state]
                expected.append((i, at, later[0] if later else None, state))
    hours = np.timedelta64(1, "h")
    t0 = np.datetime64("2024-01-01", "ns")
    got = [
        (
            int(item),
            int((s - t0) // hours),
            None if np.isnat(e) else int((e - t0) // hours),
            str(out.reason_labels[r]),
        )
        for item, s, e, r in zip(out.item, out.start, out.end, out.reason, strict=True)
    ]
    # Sorted by (item, start) in both; ties in order of the transitions.
    key = lambda x: (x[0], x[1])  # noqa: E731
    assert sorted(got, key=key) == sorted(expected, key=key)
    assert got == sorted(got, key=key)


def test_unknown_state_and_kept_columns():
    table = WorkItemTable.from_items(_items([[("Doing", 1), ("Held", 2)]]), states=STATES)
    with pytest.raises(ValidationError, match="Stuck"):
        table.with_blocked_states(["Stuck"])
    out = table.with_blocked_states(["Held"])
    assert out.equals(table) is False  # the blocks differ
    assert np.array_equal(out["id"], table["id"])
    assert len(out.transitions) == len(table.transitions)


def test_demo_blocks_are_the_awaiting_stays():
    with pytest.warns(RejectedRowsWarning, match="unknown state '-100'"):
        raw = read_incidents().table
    table, _ = load_incidents()
    b = table.blocked
    assert len(raw.blocked) == 0
    tr = raw.transitions
    state = np.asarray(raw.states)[tr.state]
    # One block per stay: an Awaiting transition not preceded by the same state.
    first = np.r_[True, (tr.item[1:] != tr.item[:-1]) | (tr.state[1:] != tr.state[:-1])]
    stays = np.isin(state, AWAITING_STATES) & first
    assert len(b) == int(stays.sum())
    assert len(b) < int(np.isin(state, AWAITING_STATES).sum())  # the log repeats states
    assert set(b.reason_labels) == set(AWAITING_STATES)


def test_cost_of_delay_columns():
    wf = Workflow(["Doing", "Done"], "Doing", "Done")
    policy = Policy(
        workflow=wf,
        classes_of_service=[
            ClassOfService(name="Std", cost_of_delay=CostOfDelay(rate=3.0)),
            ClassOfService(
                name="Date", urgency="fixed_date", cost_of_delay=CostOfDelay(rate=1.0, step=9.0)
            ),
            ClassOfService(name="Free"),
            ClassOfService(
                name="Later",
                urgency="intangible",
                cost_of_delay=CostOfDelay(rate=2.0, horizon_days=5, growth=0.5),
            ),
        ],
    )
    items = [
        WorkItem(id="a", requested_at=T0, class_of_service="Std"),
        WorkItem(id="b", requested_at=T0, class_of_service="Date", due_at=T0),
        WorkItem(id="c", requested_at=T0, class_of_service="Date"),  # no due date
        WorkItem(id="d", requested_at=T0, class_of_service="Free"),
        WorkItem(id="e", requested_at=T0, class_of_service="Later"),
        WorkItem(id="f", requested_at=T0, class_of_service="Unknown"),
        WorkItem(id="g", requested_at=T0),
    ]
    table = WorkItemTable.from_items(items)
    assert class_codes(table, policy).tolist() == [0, 1, 1, 2, 3, -1, -1]
    c = cost_of_delay_columns(table, policy)
    assert c.known.tolist() == [True, True, False, False, True, False, False]
    assert [URGENCY_LABELS[k] for k in c.urgency] == [
        "standard",
        "fixed_date",
        "fixed_date",
        "standard",
        "intangible",
        "standard",
        "standard",
    ]
    np.testing.assert_equal(c.rate, [3.0, 1.0, 1.0, np.nan, 2.0, np.nan, np.nan])
    assert (c.step[1], c.horizon[4], c.growth[4]) == (9.0, 5.0, 0.5)
    assert np.isnat(c.due[2])
    assert not np.isnat(c.due[1])


def test_urgency_codes_are_the_metrics_codes():
    assert metrics.URGENCIES == URGENCY_LABELS

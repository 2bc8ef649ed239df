"""Tests of the customer journey review (hand-offs, waiting per department, re-opens)."""

from __future__ import annotations

import collections
import csv
import itertools
import json
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_kanban.datasets import incidents_path, load_incidents
from customer_kanban.errors import ValidationError
from customer_kanban.io import read_event_log
from customer_kanban.model import Workflow
from customer_kanban.reviews._journey import CustomerJourney, customer_journey

WF = Workflow(
    ["New", "Doing", "Waiting", "Done", "Closed"], "Doing", "Done", active_states=["Doing"]
)
DELIVERY = WF.delivery_index


def _table(rows: list[tuple[str, str, str, str | None]]) -> Any:
    log = {
        "item": [r[0] for r in rows],
        "state": [r[1] for r in rows],
        "at": [r[2] for r in rows],
        "team": [r[3] or "" for r in rows],
    }
    return read_event_log(log, workflow=WF, department="team").table


# ------------------------------------------------------------------ hand-computed journeys
def test_hand_computed_journey() -> None:
    # A: Desk waits 2 days (New), Dev works 1, Ops holds 4 days waiting, Dev finishes;
    #    delivered on the 9th, re-opened on the 11th (Done -> Doing), closed on the 12th.
    # B: Desk -> (none) -> Ops: one hand-off Desk -> Ops, two re-assignments; it waits
    #    in New 1 day with Desk, 2 days unassigned, then 1 day with Ops until Ops starts
    #    work on the 14th: 1 + 2 + 1 = 4 days.
    rows = [
        ("A", "New", "2024-01-01", "Desk"),
        ("A", "Doing", "2024-01-03", "Dev"),
        ("A", "Waiting", "2024-01-04", "Ops"),
        ("A", "Doing", "2024-01-08", "Dev"),
        ("A", "Done", "2024-01-09", "Dev"),
        ("A", "Doing", "2024-01-11", "Dev"),
        ("A", "Closed", "2024-01-12", "Dev"),
        ("B", "New", "2024-01-10", "Desk"),
        ("B", "New", "2024-01-11", None),
        ("B", "New", "2024-01-13", "Ops"),
        ("B", "Doing", "2024-01-14", "Ops"),
    ]
    j = customer_journey(_table(rows), workflow=WF)
    assert j.ids.tolist() == ["A", "B"]
    assert j.handoffs.tolist() == [3, 1]
    assert j.reassignments.tolist() == [3, 2]
    assert j.reopens.tolist() == [1, 0]
    assert j.ping_pongs.tolist() == [1, 0]
    assert j.waiting_days.tolist() == [6.0, 4.0]
    assert j.department_waiting("Desk") == 3.0  # A 2 + B 1
    assert j.department_waiting("Ops") == 5.0  # A 4 + B 1
    assert j.department_waiting("Dev") == 0.0
    assert j.department_waiting("(none)") == 2.0
    pairs = {
        (p.from_department, p.to_department): (p.count, p.waiting_days) for p in j.handoff_pairs
    }
    # Desk -> Ops (B): from the release (the 11th) to the next active state (the 14th):
    # 2 days unassigned + 1 day with Ops in New.
    assert pairs == {
        ("Desk", "Dev"): (1, 0.0),
        ("Dev", "Ops"): (1, 4.0),
        ("Ops", "Dev"): (1, 0.0),
        ("Desk", "Ops"): (1, 3.0),
    }
    assert [(p.from_department, p.to_department) for p in j.handoff_pairs][:2] == [
        ("Dev", "Ops"),
        ("Desk", "Ops"),
    ]
    steps = [(s.kind, s.origin, s.destination, s.count, s.waiting_days) for s in j.costliest_steps]
    assert steps == [
        ("state", "Doing", "Waiting", 1, 4.0),
        ("department", "Dev", "Ops", 1, 4.0),
        ("department", "Desk", "Ops", 1, 3.0),
    ]
    assert j.item("B") == {
        "handoffs": 1,
        "reassignments": 2,
        "reopens": 0,
        "ping_pongs": 0,
        "waiting_days": 4.0,
    }


def test_ping_pongs_overlap_and_as_of() -> None:
    rows = [
        ("A", "New", "2024-01-01", "X"),
        ("A", "New", "2024-01-02", "Y"),
        ("A", "New", "2024-01-03", "X"),
        ("A", "New", "2024-01-04", "Y"),
        ("A", "Doing", "2024-01-06", "Y"),
    ]
    t = _table(rows)
    j = customer_journey(t, workflow=WF)
    assert (j.handoffs.tolist(), j.ping_pongs.tolist()) == ([3], [2])  # X Y X, Y X Y
    assert j.waiting_days.tolist() == [5.0]
    # as of the 3rd noon: only X Y X seen, the open interval ends at as_of
    early = customer_journey(t, workflow=WF, as_of="2024-01-03T12:00")
    assert (early.handoffs.tolist(), early.ping_pongs.tolist()) == ([2], [1])
    assert early.waiting_days.tolist() == [2.5]
    assert early.department_waiting("X") == 1.5
    assert early.as_of is not None
    assert early.as_of.isoformat() == "2024-01-03T12:00:00+00:00"


def test_empty_and_errors() -> None:
    t = _table([("A", "New", "2024-01-01", "X")])
    j = customer_journey(t, workflow=WF)
    assert j.handoffs.tolist() == [0]
    assert j.handoff_pairs == ()
    assert j.costliest_steps == ()
    assert "Customer journey of 1 items" in j.render()
    other = Workflow(["New", "Doing", "Done"], "Doing", "Done")
    with pytest.raises(ValidationError, match="differ from the workflow's `states`"):
        customer_journey(t, workflow=other)
    with pytest.raises(ValidationError, match="`top` must be at least 0; got -1"):
        customer_journey(t, workflow=WF, top=-1)
    for top in (1.5, True, "3"):
        with pytest.raises(TypeError, match="`top` must be a whole number"):
            customer_journey(t, workflow=WF, top=top)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="`as_of` must be one instant, got 2"):
        customer_journey(t, workflow=WF, as_of=["2024-01-01", "2024-01-02"])
    with pytest.raises(ValidationError, match="`as_of` must be an instant, got NaT"):
        customer_journey(t, workflow=WF, as_of=np.datetime64("NaT"))
    with pytest.raises(TypeError, match="`workflow` must be a Workflow or a Policy"):
        customer_journey(t, workflow="WF")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`table` must be a WorkItemTable"):
        customer_journey({}, workflow=WF)  # type: ignore[arg-type]
    with pytest.raises(KeyError, match="no department"):
        j.department_waiting("Nobody")


def test_html_escapes_department_names() -> None:
    rows = [
        ("A", "New", "2024-01-01", "<R&D>"),
        ("A", "Waiting", "2024-01-02", 'Ops "2"'),
        ("A", "Doing", "2024-01-04", "<R&D>"),
    ]
    j = customer_journey(_table(rows), workflow=WF)
    text = j.render()
    assert '<R&D> -> Ops "2"' in text
    out = j._repr_html_()
    assert "&lt;R&amp;D&gt;" in out
    assert "&quot;2&quot;" in out
    assert "<R&D>" not in out
    assert out.startswith('<table class="customer-kanban-result">')
    assert out.count("<table") == 3  # per department, hand-off pairs, costliest steps
    assert "<pre>" not in out
    assert "<th>from_department</th>" in out
    assert '<td style="text-align: right;">2</td>' in out  # a count, right-aligned
    assert json.loads(j.to_json())["handoffs"] == [2]


# ------------------------------------------------------------------ plain-loop reference
def _reference(
    journeys: dict[str, list[tuple[int, str | None, int]]],
) -> tuple[dict[str, tuple[int, int, int, int, float]], dict[Any, float], dict[Any, Any]]:
    """Per item (handoffs, reassignments, reopens, ping_pongs, waiting), waiting per
    department and (count, waiting) per hand-off pair, by plain loops.

    Consecutive rows with the same state and department are first merged into the
    earliest (the importer's documented rule: audit logs repeat rows).
    """
    merged = {}
    for name, seq in journeys.items():
        keep = [seq[0]]
        for row in seq[1:]:
            if row[:2] != keep[-1][:2]:
                keep.append(row)
        merged[name] = keep
    journeys = merged
    end = max(t for seq in journeys.values() for _, _, t in seq)
    active = [s in (WF.active_states or ()) for s in WF.states]
    waiting = [not a and k < DELIVERY for k, a in enumerate(active)]
    per_item = {}
    dep_wait: dict[Any, float] = collections.defaultdict(float)
    pairs: dict[Any, list[float]] = {}
    for name, seq in journeys.items():
        durs = []
        for k, (s, d, t) in enumerate(seq):
            t_next = seq[k + 1][2] if k + 1 < len(seq) else end
            w = float(t_next - t) if waiting[s] else 0.0
            durs.append(w)
            dep_wait[d or "(none)"] += w
        reassign = sum(1 for k in range(1, len(seq)) if seq[k][1] != seq[k - 1][1])
        reopen = sum(1 for k in range(1, len(seq)) if seq[k - 1][0] >= DELIVERY > seq[k][0])
        known = [(k, d) for k, (_, d, _) in enumerate(seq) if d is not None]
        hand = [
            (known[i][0], known[i + 1])
            for i in range(len(known) - 1)
            if known[i][1] != known[i + 1][1]
        ]
        handoff_starts = [k1 + 1 for k1, _ in hand]
        for i, (k1, (_, d2)) in enumerate(hand):
            start = k1 + 1
            stop = len(seq)
            if i + 1 < len(hand):
                stop = handoff_starts[i + 1]
            for k in range(start, stop):
                if active[seq[k][0]]:
                    stop = k
                    break
            key = (seq[k1][1], d2)
            c, w = pairs.get(key, [0, 0.0])
            pairs[key] = [c + 1, w + sum(durs[start:stop])]
        runs: list[str] = []
        for _, d in known:
            if not runs or runs[-1] != d:
                runs.append(d)
        ping = sum(1 for i in range(2, len(runs)) if runs[i] == runs[i - 2])
        per_item[name] = (len(hand), reassign, reopen, ping, sum(durs))
    return per_item, dep_wait, pairs


@st.composite
def journeys(draw: st.DrawFn) -> dict[str, list[tuple[int, str | None, int]]]:
    n_items = draw(st.integers(1, 5))
    out = {}
    for i in range(n_items):
        steps = draw(
            st.lists(
                st.tuples(
                    st.integers(0, len(WF.states) - 1),
                    st.sampled_from(["X", "Y", "Z", None]),
                    st.integers(1, 5),
                ),
                min_size=1,
                max_size=10,
            )
        )
        t = draw(st.integers(0, 20))
        seq = []
        for s, d, gap in steps:
            seq.append((s, d, t))
            t += gap  # strictly increasing instants: the time order is unambiguous
        out[f"I{i}"] = seq
    return out


@given(journeys())
def test_matches_plain_loop_reference(js: dict[str, list[tuple[int, str | None, int]]]) -> None:
    rows = [
        (name, WF.states[s], str(np.datetime64("2024-01-01") + np.timedelta64(t, "D")), d)
        for name, seq in js.items()
        for s, d, t in seq
    ]
    j = customer_journey(_table(rows), workflow=WF)
    per_item, dep_wait, pairs = _reference(js)
    for k, name in enumerate(j.ids.tolist()):
        h, r, ro, pp, w = per_item[name]
        assert (j.handoffs[k], j.reassignments[k], j.reopens[k], j.ping_pongs[k]) == (
            h,
            r,
            ro,
            pp,
        ), name
        assert j.waiting_days[k] == pytest.approx(w)
    for dep, w in zip(j.departments, j.department_waiting_days, strict=True):
        assert w == pytest.approx(dep_wait.get(dep, 0.0))
    got = {(p.from_department, p.to_department): (p.count, p.waiting_days) for p in j.handoff_pairs}
    assert got.keys() == pairs.keys()
    for key, (c, w) in pairs.items():
        assert got[key][0] == c
        assert got[key][1] == pytest.approx(w)
    # invariants: totals add up, row order irrelevant
    assert j.department_waiting_days.sum() == pytest.approx(j.waiting_days.sum())
    assert sum(p.count for p in j.handoff_pairs) == j.handoffs.sum()
    assert (j.handoffs <= j.reassignments).all()
    shuffled = customer_journey(_table(rows[::-1]), workflow=WF)
    assert shuffled == j


# ------------------------------------------------------------------ the ServiceNow demo
#: The log's counter rises without any change of ``assignment_group`` in its rows:
#: the audit rows of those updates are not in the log (or the group was changed and
#: changed back within one update).
HIDDEN_CHANGES = {"INC0000173": (1, 0), "INC0000722": (1, 0), "INC0001252": (4, 3)}


def test_reassignments_agree_with_servicenow_reassignment_count() -> None:
    # On the cohort: each difference from the log's own counter is explained below.
    table, policy = load_incidents(cohort=True)
    j = customer_journey(table, workflow=policy)
    with incidents_path(cohort=True).open(newline="", encoding="utf-8") as f:
        raw = list(csv.DictReader(f))
    rows_of: dict[str, list[dict[str, str]]] = collections.defaultdict(list)
    for row in raw:
        rows_of[row["number"]].append(row)
    logged = {n: int(rs[-1]["reassignment_count"]) for n, rs in rows_of.items()}
    ours = dict(zip(j.ids.tolist(), j.reassignments.tolist(), strict=True))
    assert ours.keys() == logged.keys()
    differ = {n for n in ours if ours[n] != logged[n]}
    assert len(ours) - len(differ) == 864  # of 890 incidents

    # 1. Three incidents whose counter moves without a visible group change.
    for n, (count, ours_n) in HIDDEN_CHANGES.items():
        assert (logged[n], ours[n]) == (count, ours_n)
        groups = [r["assignment_group"] for r in rows_of[n]]
        in_rows = sum(a != b for a, b in itertools.pairwise(groups))
        assert in_rows < logged[n]
    # 2. Every other difference: the log's timestamps have minute resolution, and the
    #    importer orders rows of one item at the same minute by content, not by file
    #    position (so that any row order gives the same table).  Two groups set within
    #    one minute can then be read in the other order, adding a change (A B A read
    #    as A A B ... or B A A).  In file order the same definition agrees exactly.
    tied = differ - HIDDEN_CHANGES.keys()
    assert len(tied) == 23
    tr = table.transitions
    pos = {n: k for k, n in enumerate(j.ids.tolist())}
    for n in tied:
        groups = [r["assignment_group"] for r in rows_of[n]]
        assert sum(a != b for a, b in itertools.pairwise(groups)) == logged[n], n
        mine = tr.item == pos[n]
        at, dep = tr.at[mine], tr.department[mine]
        same_minute = at[1:] == at[:-1]
        assert (same_minute & (dep[1:] != dep[:-1])).any(), n
        assert ours[n] > logged[n], n
    # The whole definition on the raw rows in file order: 887 of 890 agree.
    in_file_order = {
        n: sum(a["assignment_group"] != b["assignment_group"] for a, b in itertools.pairwise(rs))
        for n, rs in rows_of.items()
    }
    assert {n for n in logged if in_file_order[n] != logged[n]} == HIDDEN_CHANGES.keys()


def test_demo_journey_is_consistent() -> None:
    table, policy = load_incidents()
    j = customer_journey(table, workflow=policy, top=3)
    assert isinstance(j, CustomerJourney)
    assert len(j.ids) == len(table) == 20_769
    assert (j.handoffs <= j.reassignments).all()
    assert j.department_waiting_days.sum() == pytest.approx(j.waiting_days.sum())
    assert sum(p.count for p in j.handoff_pairs) == j.handoffs.sum()
    assert len(j.costliest_steps) == 6
    assert "Waiting per department" in j.render()


# ----------------------------------------------------------------- bad input (issue G)


def test_top_is_bounded():
    table, policy = load_incidents()
    with pytest.raises(ValidationError, match=r"`top` must be at most 1000000; got 1000000000000"):
        customer_journey(table, workflow=policy, top=10**12)
    with pytest.raises(ValidationError, match=r"`top` must be at most 1000000"):
        customer_journey(table, workflow=policy, top=2**63)
    assert len(customer_journey(table, workflow=policy, top=10**6).costliest_steps) > 0

"""Tests of replenish: the decision honours WIP limits, allocations and acceptance."""

from __future__ import annotations

import itertools

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from customer_kanban.datasets import incidents_replenishment_policy, load_incidents
from customer_kanban.errors import ValidationError
from customer_kanban.policy import Attendee, current_states, replenish

TABLE, _ = load_incidents()
POLICY = incidents_replenishment_policy()
CLASSES = [c.name for c in POLICY.classes_of_service]


def _split(when):
    seen = TABLE["requested_at"] <= when
    started = TABLE["committed_at"] <= when
    done = TABLE["delivered_at"] <= when
    return TABLE.filter(seen & ~started & ~done), TABLE.filter(started & ~done)


def _class_names(table):
    codes, labels = table.codes("class_of_service")
    return np.array([str(labels[c]) if c >= 0 else "" for c in codes], dtype=object)


@settings(max_examples=25, deadline=None)
@given(
    hours=st.integers(6, 90),
    limit=st.integers(1, 300),
    shares=st.fixed_dictionaries({}, optional={name: st.floats(0.01, 1.0) for name in CLASSES}),
)
def test_never_exceeds_the_wip_limit_or_an_allocation(hours, limit, shares):
    when = np.datetime64("2016-02-29T00:00", "ns") + np.timedelta64(hours, "h")
    policy = attrs.evolve(POLICY, wip_limits={"Active": limit}, allocation=shares)
    backlog, in_progress = _split(when)
    record = replenish(backlog, in_progress, policy, as_of=when)
    pulled = [d for d in record.decisions if d.decision == "pull"]
    states = current_states(in_progress, as_of=when)
    active = policy.workflow.states.index("Active")
    in_commit = int(np.count_nonzero(states == active))
    assert len(pulled) <= max(limit - in_commit, 0)  # the WIP limit of the commitment state
    assert record.free_slots == max(limit - in_commit, 0)
    names = _class_names(in_progress)
    in_system = (states >= active) & (states < policy.workflow.states.index("Resolved"))
    for name, share in shares.items():
        cap = int(np.floor(share * limit))
        used = int(np.count_nonzero(in_system & (names == name)))
        added = sum(d.class_of_service == name for d in pulled)
        assert added <= max(cap - used, 0), (name, cap, used, added)
    # every candidate decided once; refusals are exactly the acceptance failures
    ids = [d.id for d in record.decisions]
    assert sorted(ids) == sorted(str(i) for i in backlog["id"])
    refused = {d.id for d in record.decisions if d.decision == "refuse"}
    category = backlog.codes("category")[0]
    assert refused == {str(i) for i, c in zip(backlog["id"], category, strict=True) if c < 0}


def test_order_expedite_first_then_cd3_then_request_date():
    when = np.datetime64("2016-03-02T12:00", "ns")
    backlog, in_progress = _split(when)
    record = replenish(backlog, in_progress, POLICY, as_of=when)
    ranked = [d for d in record.decisions if d.decision != "refuse"]
    assert [d.priority for d in ranked] == list(range(1, len(ranked) + 1))
    tier = [0 if d.class_of_service in ("1 - Critical", "2 - High") else 1 for d in ranked]
    assert tier == sorted(tier)
    later = [d.cd3 for d in ranked if d.class_of_service not in ("1 - Critical", "2 - High")]
    assert later == sorted(later, reverse=True)
    requested = dict(zip((str(i) for i in backlog["id"]), backlog["requested_at"], strict=True))
    for a, b in itertools.pairwise(ranked):  # ties by the earlier request
        if a.cd3 == b.cd3 and a.class_of_service == b.class_of_service:
            assert requested[a.id] <= requested[b.id]
    assert record.pulled == tuple(d.id for d in ranked[: len(record.pulled)])


def test_record_is_data_with_attendance():
    when = np.datetime64("2016-03-02T12:00", "ns")
    backlog, in_progress = _split(when)
    people = [
        Attendee(name="SDM", role="service delivery manager"),
        Attendee(name="Ada", role="customer"),
    ]
    record = replenish(backlog, in_progress, POLICY, as_of=when, attendees=people)
    assert record.customer_present
    data = record.to_dict()
    assert data["attendees"][1] == {"name": "Ada", "role": "customer"}
    assert data["commitment_state"] == "Active"
    assert "customer present: yes" in record.render()
    alone = replenish(backlog, in_progress, POLICY, as_of=when)
    assert not alone.customer_present
    with pytest.raises(ValidationError, match=r"`attendees` must be Attendee values"):
        replenish(backlog, in_progress, POLICY, as_of=when, attendees=["Ada"])


def test_no_limit_uses_slots():
    when = np.datetime64("2016-03-02T12:00", "ns")
    backlog, in_progress = _split(when)
    open_policy = attrs.evolve(POLICY, wip_limits={}, allocation={})
    assert len(replenish(backlog, in_progress, open_policy, as_of=when, slots=5).pulled) == 5
    everything = replenish(backlog, in_progress, open_policy, as_of=when)
    assert everything.free_slots is None
    refused = sum(d.decision == "refuse" for d in everything.decisions)
    assert len(everything.pulled) == len(backlog) - refused


# ----------------------------------------------------------------- bad input (issue G)


def test_only_requests_not_yet_committed_are_candidates():
    when = np.datetime64("2016-03-02T12:00", "ns")
    backlog, in_progress = _split(when)
    # The whole table as the backlog: committed, delivered and later requests are no
    # candidates, and the decision about the true backlog does not change.
    record = replenish(TABLE, in_progress, POLICY, as_of=when)
    alone = replenish(backlog, in_progress, POLICY, as_of=when)
    assert [d for d in record.decisions if d.decision != "skip"] == list(alone.decisions)
    skipped = {d.id: d for d in record.decisions if d.decision == "skip"}
    assert len(skipped) == len(TABLE) - len(backlog)
    row = {str(i): k for k, i in enumerate(TABLE["id"])}
    for item, d in skipped.items():
        k = row[item]
        assert d.priority == 0
        assert np.isnan(d.cd3)
        assert d.reason.startswith("no candidate: ")
        if TABLE["delivered_at"][k] <= when:
            assert "already delivered on" in d.reason
        elif TABLE["committed_at"][k] <= when:
            assert "already committed on" in d.reason
        else:
            assert "not requested yet" in d.reason
    assert not set(record.pulled) & set(skipped)


def test_requests_in_progress_or_past_the_commitment_point_are_no_candidates():
    from customer_kanban.table import WorkItemTable

    when = np.datetime64("2016-03-02T12:00", "ns")
    _, in_progress = _split(when)
    stale = TABLE.filter(np.isin(TABLE["id"], in_progress["id"][:3]))
    record = replenish(stale, in_progress, POLICY, as_of=when)
    assert {d.decision for d in record.decisions} == {"skip"}
    assert all(d.reason.startswith("no candidate: already") for d in record.decisions)
    # A request that entered the commitment point by its transitions, without an instant.
    states = POLICY.workflow.states
    moved = WorkItemTable.from_columns(
        {"id": ["A", "B"], "requested_at": ["2016-03-01"] * 2, "category": ["x", "x"]},
        states=states,
        transitions={"item": ["A", "B"], "state": ["New", "Active"], "at": ["2016-03-01"] * 2},
    )
    record = replenish(moved, in_progress.filter([]), POLICY, as_of=when)
    assert record.pulled == ("A",)
    assert record.decisions[1].reason == "no candidate: already in 'Active' or beyond"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"slots": -1}, ValidationError, r"`slots` must be at least 0; got -1"),
        ({"slots": "3"}, TypeError, r"`slots` must be a whole number"),
        ({"slots": 2.5}, TypeError, r"`slots` must be a whole number"),
        ({"slots": 10**12}, ValidationError, r"`slots` must be at most 1000000000"),
        ({"attendees": None}, TypeError, r"`attendees` must be a sequence of Attendee values"),
        ({"backlog": None}, TypeError, r"`backlog` must be a WorkItemTable, got NoneType"),
        ({"in_progress": {}}, TypeError, r"`in_progress` must be a WorkItemTable, got dict"),
        ({"policy": "p"}, TypeError, r"`policy` must be a Policy, got str"),
    ],
)
def test_bad_arguments_name_the_parameter(kwargs, error, match):
    when = np.datetime64("2016-03-02T12:00", "ns")
    backlog, in_progress = _split(when)
    args = {"backlog": backlog, "in_progress": in_progress, "policy": POLICY, **kwargs}
    with pytest.raises(error, match=match):
        replenish(**args, as_of=when)


def test_slots_accept_numpy_integers():
    when = np.datetime64("2016-03-02T12:00", "ns")
    backlog, in_progress = _split(when)
    open_policy = attrs.evolve(POLICY, wip_limits={}, allocation={})
    record = replenish(backlog, in_progress, open_policy, as_of=when, slots=np.int64(3))
    assert len(record.pulled) == 3

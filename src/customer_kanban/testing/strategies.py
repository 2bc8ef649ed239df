"""Hypothesis strategies for customer_kanban values, shared by its tests and yours.

Every strategy is a function returning a :class:`hypothesis.strategies.SearchStrategy`;
sizes are keyword-only (``min_size``/``max_size``).  The values generated are valid
(they pass the model's validation), so properties can be stated on them directly.

Examples
--------
>>> from hypothesis import given
>>> from customer_kanban.testing.strategies import work_items
>>> @given(work_items())
... def test_round_trip(item):
...     assert type(item).from_json(item.to_json()) == item
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from hypothesis import strategies as st

from customer_kanban.model import (
    BlockedInterval,
    ClassOfService,
    CostOfDelay,
    Customer,
    CustomerSegment,
    Feedback,
    FeedbackKind,
    Policy,
    SegmentServiceLevel,
    ServiceLevelExpectation,
    Transition,
    Urgency,
    Workflow,
    WorkItem,
    WorkType,
)

__all__ = [
    "classes_of_service",
    "costs_of_delay",
    "customer_segments",
    "customers",
    "feedback",
    "instants",
    "names",
    "policies",
    "service_level_expectations",
    "work_items",
    "work_types",
    "workflows",
]

_EPOCH = _dt.datetime(2020, 1, 1, tzinfo=_dt.timezone.utc)


def names(*, min_size: int = 1, max_size: int = 8) -> st.SearchStrategy[str]:
    """Short non-blank names (letters, digits, a few separators)."""
    alphabet = st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789 -_")
    return st.text(alphabet, min_size=min_size, max_size=max_size).filter(lambda s: s.strip() != "")


def instants(*, min_days: float = 0.0, max_days: float = 3650.0) -> st.SearchStrategy[_dt.datetime]:
    """Aware UTC datetimes, whole microseconds, between 2020-01-01 + `min_days` and + `max_days`."""
    return st.integers(int(min_days * 86_400e6), int(max_days * 86_400e6)).map(
        lambda us: _EPOCH + _dt.timedelta(microseconds=us)
    )


def service_level_expectations() -> st.SearchStrategy[ServiceLevelExpectation]:
    """Valid SLEs: days in (0, 365], probability in (0, 1]."""
    return st.builds(
        ServiceLevelExpectation,
        days=st.floats(0.01, 365, allow_nan=False),
        probability=st.floats(0.01, 1.0, allow_nan=False),
    )


def work_types() -> st.SearchStrategy[WorkType]:
    """Work types, customer-recognisable or not."""
    return st.builds(WorkType, names(), customer_recognisable=st.booleans())


def classes_of_service() -> st.SearchStrategy[ClassOfService]:
    """Classes of service of any urgency, with or without an SLE."""
    return st.builds(
        ClassOfService,
        name=names(),
        urgency=st.sampled_from(list(Urgency)),
        sle=st.none() | service_level_expectations(),
        cost_of_delay=st.none() | costs_of_delay(),
    )


def costs_of_delay() -> st.SearchStrategy[CostOfDelay]:
    """Cost-of-delay parameters: a rate, maybe a lump, maybe a horizon and growth."""
    money = st.floats(0, 1e6, allow_nan=False)
    return st.builds(
        CostOfDelay,
        rate=money,
        step=money,
        horizon_days=st.none() | st.floats(0, 365),
        growth=st.none() | st.floats(0, 1),
    )


def customer_segments() -> st.SearchStrategy[CustomerSegment]:
    """Named customer segments."""
    return st.builds(CustomerSegment, name=names(), description=st.text(max_size=20))


def customers() -> st.SearchStrategy[Customer]:
    """Internal or external customers, with or without a segment."""
    return st.builds(
        Customer,
        id=names(),
        internal=st.booleans(),
        segment=st.none() | names(),
        acquired_at=st.none() | instants(),
        attributes=st.dictionaries(names(), names(), max_size=3),
    )


def feedback() -> st.SearchStrategy[Feedback]:
    """Feedback of every kind, with or without an item and a score."""
    return st.builds(
        Feedback,
        customer=names(),
        at=instants(),
        kind=st.sampled_from(FeedbackKind),
        item=st.none() | names(),
        score=st.none() | st.integers(0, 10).map(float),
        text=st.text(max_size=30),
    )


@st.composite
def workflows(draw: st.DrawFn, *, min_size: int = 2, max_size: int = 8) -> Workflow:
    """Workflows with unique states, the commitment point before the delivery point."""
    states = draw(st.lists(names(), min_size=max(2, min_size), max_size=max_size, unique=True))
    commit = draw(st.integers(0, len(states) - 2))
    deliver = draw(st.integers(commit + 1, len(states) - 1))
    active = draw(st.none() | st.lists(st.sampled_from(states), unique=True))
    return Workflow(states, states[commit], states[deliver], active_states=active)


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    """Policies with WIP limits on some states and SLEs per class and segment."""
    wf = draw(workflows())
    limited = draw(st.lists(st.sampled_from(wf.states), unique=True))
    limits = {s: draw(st.integers(1, 50)) for s in limited}
    classes = draw(st.lists(classes_of_service(), max_size=4, unique_by=lambda c: c.name))
    segment_sles: list[SegmentServiceLevel] = []
    if classes:
        pairs = draw(
            st.lists(
                st.tuples(st.sampled_from([c.name for c in classes]), names()),
                max_size=3,
                unique=True,
            )
        )
        segment_sles = [
            SegmentServiceLevel(
                class_of_service=c, segment=s, sle=draw(service_level_expectations())
            )
            for c, s in pairs
        ]
    shares = draw(
        st.dictionaries(
            st.sampled_from([c.name for c in classes]) if classes else st.nothing(),
            st.floats(0.01, 1.0),
            max_size=len(classes),
        )
    )
    return Policy(
        workflow=wf,
        wip_limits=limits,
        classes_of_service=classes,
        segment_sles=segment_sles,
        allocation=shares,
    )


@st.composite
def work_items(
    draw: st.DrawFn,
    *,
    states: tuple[str, ...] | None = None,
    max_transitions: int = 6,
    max_blocked: int = 3,
) -> WorkItem:
    """Valid work items: requested <= committed <= delivered, transitions in time order.

    Parameters
    ----------
    states : tuple of str, optional
        States the transitions may name (default: a few generated names).
    """
    state_names = states or ("Backlog", "Doing", "Review", "Done")
    requested = draw(instants())
    offsets = sorted(draw(st.lists(st.floats(0, 200), min_size=0, max_size=2)))
    committed = requested + _dt.timedelta(days=offsets[0]) if offsets else None
    delivered = (
        requested + _dt.timedelta(days=offsets[1])
        if len(offsets) == 2 and draw(st.booleans())
        else None
    )
    steps = sorted(draw(st.lists(st.floats(0, 300), max_size=max_transitions)))
    transitions = [
        Transition(
            draw(st.sampled_from(state_names)),
            requested + _dt.timedelta(days=d),
            department=draw(st.none() | names()),
        )
        for d in steps
    ]
    starts = sorted(draw(st.lists(st.floats(0, 300), max_size=max_blocked)))
    blocked: list[BlockedInterval] = []
    for s in starts:
        start = requested + _dt.timedelta(days=s)
        length = draw(st.none() | st.floats(0, 30))
        end = None if length is None else start + _dt.timedelta(days=length)
        blocked.append(BlockedInterval(start, end, reason=draw(st.none() | names())))
    extra: dict[str, Any] = draw(
        st.dictionaries(st.sampled_from(["priority", "channel"]), names(), max_size=2)
    )
    return WorkItem(
        id=draw(names()),
        requested_at=requested,
        committed_at=committed,
        delivered_at=delivered,
        due_at=draw(st.none() | instants()),
        customer=draw(st.none() | names()),
        segment=draw(st.none() | names()),
        work_type=draw(st.none() | work_types()),
        class_of_service=draw(st.none() | names()),
        transitions=transitions,
        blocked=blocked,
        attributes=extra,
    )
